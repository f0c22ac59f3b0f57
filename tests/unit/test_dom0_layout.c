/* Host tests of dom0's sizing, memory map and ACPI tables (hv/common/dom0_layout.c). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "unit.h"
#include <oryx/dom0_layout.h>

/* ===================================================================== */
/* dom0_mem=                                                             */
/* ===================================================================== */

static int mem_parse(const char *s, struct dom0_mem_opt *o)
{
    memset(o, 0, sizeof(*o));
    return dom0_mem_parse(s, o);
}

static void check_size(const struct dom0_mem_size *sz, uint64_t bytes, uint32_t pct, bool minus)
{
    CHECK(sz->set);
    CHECK_EQ(sz->bytes, bytes);
    CHECK_EQ(sz->percent, pct);
    CHECK_EQ(sz->minus, minus);
}

static void test_mem_parse_forms(void)
{
    struct dom0_mem_opt o;

    CHECK_EQ(mem_parse("512M", &o), 0);
    check_size(&o.amount, MiB(512), 0, false);
    CHECK(!o.min.set && !o.max.set);
    /* A bare number is KiB, as in Xen. */
    CHECK_EQ(mem_parse("524288", &o), 0);
    check_size(&o.amount, MiB(512), 0, false);
    CHECK_EQ(mem_parse("0x100000", &o), 0);
    check_size(&o.amount, GiB(1), 0, false);
    CHECK_EQ(mem_parse("4096B", &o), 0);
    check_size(&o.amount, 4096, 0, false);
    CHECK_EQ(mem_parse("4096b", &o), 0);
    check_size(&o.amount, 4096, 0, false);
    CHECK_EQ(mem_parse("1t", &o), 0);
    check_size(&o.amount, 1ULL << 40, 0, false);
    CHECK_EQ(mem_parse("2g", &o), 0);
    check_size(&o.amount, GiB(2), 0, false);
    CHECK_EQ(mem_parse("64k", &o), 0);
    check_size(&o.amount, KiB(64), 0, false);
    CHECK_EQ(mem_parse("-1G", &o), 0);
    check_size(&o.amount, GiB(1), 0, true);
    CHECK_EQ(mem_parse("25%", &o), 0);
    check_size(&o.amount, 0, 25, false);
    CHECK_EQ(mem_parse("0%", &o), 0);
    check_size(&o.amount, 0, 0, false);
    CHECK_EQ(mem_parse("1G+25%", &o), 0);
    check_size(&o.amount, GiB(1), 25, false);
    CHECK_EQ(mem_parse("-512M+10%", &o), 0);
    check_size(&o.amount, MiB(512), 10, true);
    CHECK_EQ(mem_parse("99%", &o), 0);
    check_size(&o.amount, 0, 99, false);

    CHECK_EQ(mem_parse("1G,min:512M,max:2G", &o), 0);
    check_size(&o.amount, GiB(1), 0, false);
    check_size(&o.min, MiB(512), 0, false);
    check_size(&o.max, GiB(2), 0, false);
    CHECK_EQ(mem_parse("max:-1G,min:10%", &o), 0);
    CHECK(!o.amount.set);
    check_size(&o.max, GiB(1), 0, true);
    check_size(&o.min, 0, 10, false);
    /* Later items win. */
    CHECK_EQ(mem_parse("1G,2G,max:3G,max:4G", &o), 0);
    check_size(&o.amount, GiB(2), 0, false);
    check_size(&o.max, GiB(4), 0, false);
}

static void test_mem_parse_combines(void)
{
    struct dom0_mem_opt o;

    memset(&o, 0, sizeof(o));
    CHECK_EQ(dom0_mem_parse("max:4G", &o), 0);
    CHECK_EQ(dom0_mem_parse("1G", &o), 0);    /* a second dom0_mem= word */
    check_size(&o.amount, GiB(1), 0, false);
    check_size(&o.max, GiB(4), 0, false);
    CHECK(!o.min.set);
}

static void test_mem_parse_errors(void)
{
    static const char *const bad[] = {
        "", ",", "1G,", ",1G", "abc", "1G+2G", "25%+1G", "100%", "250%", "1G+100%",
        "min:", "max:x", "1Q", "--1G", "1G+", "+1G", "1G%", "1K%", "min:1G,,max:2G",
        "99999999999999999999", "16777216T", "18014398509481984",   /* overflows */
        "1 G", "1G ", "mIn:1G", "min1G", "-", "-%", "1G+-5%", "0x", "1G,foo",
        "1G+25%+1%",
    };
    struct dom0_mem_opt o, before;

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        memset(&o, 0x5A, sizeof(o));
        before = o;
        if (dom0_mem_parse(bad[i], &o) != -EINVAL)
            fprintf(stderr, "  accepted '%s'\n", bad[i]);
        CHECK_EQ(dom0_mem_parse(bad[i], &o), -EINVAL);
        CHECK(memcmp(&o, &before, sizeof(o)) == 0);
    }
    CHECK_EQ(dom0_mem_parse(NULL, &o), -EINVAL);
}

static uint64_t compute(const char *opt, uint64_t avail, const char **warn)
{
    struct dom0_mem_opt o;

    memset(&o, 0, sizeof(o));
    if (opt)
        CHECK_EQ(dom0_mem_parse(opt, &o), 0);
    *warn = "unset";
    return dom0_mem_compute(&o, avail, warn);
}

static void test_mem_compute(void)
{
    const char *w;

    /* Default: all but 1/16, the reserve capped at 128 MiB. */
    CHECK_EQ(compute(NULL, GiB(4), &w), GiB(4) - MiB(128));
    CHECK(w == NULL);
    CHECK_EQ(compute(NULL, GiB(1), &w), GiB(1) - MiB(64));
    CHECK(w == NULL);
    CHECK_EQ(compute("0", GiB(1), &w), GiB(1) - MiB(64));     /* 0 means default */
    CHECK_EQ(compute(NULL, GiB(1) + 12345, &w), ALIGN_DOWN(GiB(1) + 12345 - (GiB(1) + 12345) / 16, 4096));
    CHECK(w == NULL);

    CHECK_EQ(compute("512M", GiB(4), &w), MiB(512));
    CHECK(w == NULL);
    CHECK_EQ(compute("-1G", GiB(4), &w), GiB(3));
    CHECK_EQ(compute("25%", GiB(4), &w), GiB(1));
    CHECK_EQ(compute("1G+25%", GiB(4), &w), GiB(2));
    CHECK_EQ(compute("-1G+25%", GiB(4), &w), GiB(2));
    CHECK(w == NULL);
    /* Xen's example: 1G+25% of 256 GiB is 65 GiB. */
    CHECK_EQ(compute("1G+25%", GiB(256), &w), GiB(65));

    /* min raises, max lowers, max wins over min. */
    CHECK_EQ(compute("1G,min:2G", GiB(4), &w), GiB(2));
    CHECK_EQ(compute("2G,max:1G", GiB(4), &w), GiB(1));
    CHECK_EQ(compute("min:3G,max:1G", GiB(4), &w), GiB(1));
    CHECK_EQ(compute("max:1G", GiB(4), &w), GiB(1));           /* default, then max */
    CHECK_EQ(compute("min:4G", GiB(8), &w), GiB(8) - MiB(128)); /* default above min */
    CHECK_EQ(compute("max:-1G", GiB(4), &w), GiB(3));
    CHECK(w == NULL);

    /* More than the host has: all of it, with a warning. */
    CHECK_EQ(compute("8G", GiB(4), &w), GiB(4));
    CHECK(w != NULL && strstr(w, "more than"));
    CHECK_EQ(compute("1G,min:8G", GiB(4), &w), GiB(4));
    CHECK(w != NULL);
    CHECK_EQ(compute("8G", GiB(4) + 100, &w), GiB(4));         /* rounded down */

    /* Rounded down to pages. */
    CHECK_EQ(compute("100000005B", GiB(4), &w), ALIGN_DOWN(100000005ULL, 4096));

    /* Never under 16 MiB... */
    CHECK_EQ(compute("1M", GiB(4), &w), MiB(16));
    CHECK(w != NULL && strstr(w, "16 MiB"));
    CHECK_EQ(compute("-8G", GiB(4), &w), MiB(16));
    CHECK(w != NULL);
    CHECK_EQ(compute("max:1M", GiB(4), &w), MiB(16));
    CHECK_EQ(compute("16M", GiB(4), &w), MiB(16));
    CHECK(w == NULL);
    /* ...unless the host has less. */
    CHECK_EQ(compute(NULL, MiB(8) + 5, &w), MiB(8));
    CHECK(w != NULL);
    CHECK_EQ(compute("1G", MiB(10), &w), MiB(10));
    CHECK(w != NULL);
    CHECK_EQ(compute(NULL, 0, &w), 0);
    CHECK(w != NULL);

    /* Huge values saturate instead of wrapping. */
    CHECK_EQ(compute("16000000T+99%", GiB(4), &w), GiB(4));
    CHECK_EQ(compute("99%", UINT64_MAX, &w), ALIGN_DOWN(UINT64_MAX / 100 * 99, 4096));
    /* warn may be NULL. */
    struct dom0_mem_opt o;
    memset(&o, 0, sizeof(o));
    CHECK_EQ(dom0_mem_compute(&o, MiB(1), NULL), MiB(1));
}

/* ===================================================================== */
/* dom0_max_vcpus=                                                       */
/* ===================================================================== */

static void test_vcpus_parse(void)
{
    unsigned int lo = 77, hi = 77;

    CHECK_EQ(dom0_vcpus_parse("4", &lo, &hi), 0);
    CHECK_EQ(lo, 4);
    CHECK_EQ(hi, 4);
    CHECK_EQ(dom0_vcpus_parse("4-8", &lo, &hi), 0);
    CHECK_EQ(lo, 4);
    CHECK_EQ(hi, 8);
    CHECK_EQ(dom0_vcpus_parse("2-", &lo, &hi), 0);
    CHECK_EQ(lo, 2);
    CHECK_EQ(hi, DOM0_VCPUS_UNLIMITED);
    CHECK_EQ(dom0_vcpus_parse("-6", &lo, &hi), 0);
    CHECK_EQ(lo, 1);
    CHECK_EQ(hi, 6);
    CHECK_EQ(dom0_vcpus_parse("0x10", &lo, &hi), 0);
    CHECK_EQ(lo, 16);
    CHECK_EQ(dom0_vcpus_parse("3-3", &lo, &hi), 0);
    CHECK_EQ(dom0_vcpus_parse("4294967295", &lo, &hi), 0);
    CHECK_EQ(lo, 4294967295u);

    static const char *const bad[] = {
        "", "0", "0-4", "4-0", "8-4", "-", "-0", "x", "4x", "4-8-", "4--8", "4-x",
        " 4", "4 ", "4294967296", "1-4294967296", "--4", "4,8",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        lo = 77;
        hi = 78;
        CHECK_EQ(dom0_vcpus_parse(bad[i], &lo, &hi), -EINVAL);
        CHECK_EQ(lo, 77);
        CHECK_EQ(hi, 78);
    }
    CHECK_EQ(dom0_vcpus_parse(NULL, &lo, &hi), -EINVAL);
}

static void test_vcpus_compute(void)
{
    /* The table in Xen's xen-command-line for dom0_max_vcpus=4-8. */
    static const unsigned int pcpus[] = { 2, 4, 6, 8, 10 }, want[] = { 4, 4, 6, 8, 8 };

    for (size_t i = 0; i < ARRAY_SIZE(pcpus); i++)
        CHECK_EQ(dom0_vcpus_compute(4, 8, pcpus[i]), want[i]);
    CHECK_EQ(dom0_vcpus_compute(1, DOM0_VCPUS_UNLIMITED, 6), 6);  /* default: all */
    CHECK_EQ(dom0_vcpus_compute(3, 3, 8), 3);                     /* "N" */
    CHECK_EQ(dom0_vcpus_compute(16, 16, 4), 16);                  /* more than pCPUs */
    CHECK_EQ(dom0_vcpus_compute(1, 2, 4), 2);
    CHECK_EQ(dom0_vcpus_compute(1, DOM0_VCPUS_UNLIMITED, 500), DOM0_MAX_VCPUS);
    CHECK_EQ(dom0_vcpus_compute(1000, 1000, 1), DOM0_MAX_VCPUS);
    CHECK_EQ(dom0_vcpus_compute(0, DOM0_VCPUS_UNLIMITED, 0), 1);
}

/* ===================================================================== */
/* Memory map                                                            */
/* ===================================================================== */

#define R(s, e, t) { .start = (s), .len = (e) - (s), .type = (t) }
#define E(s, e, t) { .addr = (s), .size = (e) - (s), .type = (t) }

enum { RAM = XEN_HVM_MEMMAP_TYPE_RAM, RES = XEN_HVM_MEMMAP_TYPE_RESERVED,
       ACPI = XEN_HVM_MEMMAP_TYPE_ACPI, NVS = XEN_HVM_MEMMAP_TYPE_NVS,
       UNU = XEN_HVM_MEMMAP_TYPE_UNUSABLE };

static void check_map(const struct hvm_memmap_table_entry *got, int n,
                      const struct hvm_memmap_table_entry *want, int nwant)
{
    CHECK_EQ(n, nwant);
    for (int i = 0; i < n && i < nwant; i++) {
        if (got[i].addr != want[i].addr || got[i].size != want[i].size ||
            got[i].type != want[i].type || got[i].reserved != 0) {
            fprintf(stderr, "  entry %d: got %#llx+%#llx type %u, want %#llx+%#llx type %u\n",
                    i, (unsigned long long)got[i].addr, (unsigned long long)got[i].size,
                    got[i].type, (unsigned long long)want[i].addr,
                    (unsigned long long)want[i].size, want[i].type);
            unit_case_failed = 1;
        }
    }
}

/* A QEMU q35 map, shuffled, as a BIOS may hand it over. */
static const struct boot_mem_region q35[] = {
    R(0x100000, 0x7ffdc000, BOOT_MEM_RAM),
    R(0xfffc0000, 0x100000000, BOOT_MEM_RESERVED),
    R(0, 0x9fc00, BOOT_MEM_RAM),
    R(0x7ffdc000, 0x80000000, BOOT_MEM_RESERVED),
    R(0x9fc00, 0xa0000, BOOT_MEM_RESERVED),
    R(0xf0000, 0x100000, BOOT_MEM_RESERVED),
    R(0xb0000000, 0xc0000000, BOOT_MEM_RESERVED),
    R(0xfed1c000, 0xfed20000, BOOT_MEM_RESERVED),
    R(0x100000000, 0x180000000, BOOT_MEM_RAM),
};

static void test_memmap_q35(void)
{
    /* Hypervisor at 1-2 MiB and the top half of each bank elsewhere. */
    static const struct dom0_range ram[] = {
        { 0x100000000, 0x140000000 }, { 0x1000, 0x9f000 }, { 0x200000, 0x40000000 },
    };
    static const struct dom0_range acpi[] = { { 0x3fff0000, 0x40000000 } };
    static const struct hvm_memmap_table_entry want[] = {
        E(0, 0x1000, UNU),
        E(0x1000, 0x9f000, RAM),
        E(0x9f000, 0x9fc00, UNU),
        E(0x9fc00, 0xa0000, RES),
        E(0xf0000, 0x100000, RES),
        E(0x100000, 0x200000, UNU),
        E(0x200000, 0x3fff0000, RAM),
        E(0x3fff0000, 0x40000000, ACPI),
        E(0x40000000, 0x7ffdc000, UNU),
        E(0x7ffdc000, 0x80000000, RES),
        E(0xb0000000, 0xc0000000, RES),
        E(0xfed1c000, 0xfed20000, RES),
        E(0xfffc0000, 0x100000000, RES),
        E(0x100000000, 0x140000000, RAM),
        E(0x140000000, 0x180000000, UNU),
    };
    struct hvm_memmap_table_entry out[32];
    const char *why = "unset";
    int n;

    memset(out, 0xA5, sizeof(out));
    n = dom0_memmap(q35, ARRAY_SIZE(q35), ram, ARRAY_SIZE(ram), acpi, ARRAY_SIZE(acpi),
                    out, ARRAY_SIZE(out), &why);
    check_map(out, n, want, ARRAY_SIZE(want));
    CHECK(why == NULL);
    /* Untouched past the count. */
    CHECK_EQ(((uint8_t *)out)[sizeof(out[0]) * ARRAY_SIZE(want)], 0xA5);
    /* Exactly enough room; NULL out only counts. */
    CHECK_EQ(dom0_memmap(q35, ARRAY_SIZE(q35), ram, ARRAY_SIZE(ram), acpi, 1, out,
                         ARRAY_SIZE(want), &why), (int)ARRAY_SIZE(want));
    CHECK_EQ(dom0_memmap(q35, ARRAY_SIZE(q35), ram, ARRAY_SIZE(ram), acpi, 1, NULL, 0, &why),
             (int)ARRAY_SIZE(want));
    /* One short: -ENOSPC and nothing written. */
    memset(out, 0xA5, sizeof(out));
    why = NULL;
    CHECK_EQ(dom0_memmap(q35, ARRAY_SIZE(q35), ram, ARRAY_SIZE(ram), acpi, 1, out,
                         ARRAY_SIZE(want) - 1, &why), -ENOSPC);
    CHECK(why != NULL);
    CHECK_EQ(((uint8_t *)out)[0], 0xA5);

    /* All host RAM to dom0, no ACPI carve-out: the host map, merged. */
    static const struct dom0_range all[] = {
        { 0, 0x9f000 }, { 0x100000, 0x7ffdc000 }, { 0x100000000, 0x180000000 },
    };
    static const struct hvm_memmap_table_entry want_all[] = {
        E(0, 0x9f000, RAM), E(0x9f000, 0x9fc00, UNU), E(0x9fc00, 0xa0000, RES),
        E(0xf0000, 0x100000, RES), E(0x100000, 0x7ffdc000, RAM),
        E(0x7ffdc000, 0x80000000, RES), E(0xb0000000, 0xc0000000, RES),
        E(0xfed1c000, 0xfed20000, RES), E(0xfffc0000, 0x100000000, RES),
        E(0x100000000, 0x180000000, RAM),
    };
    n = dom0_memmap(q35, ARRAY_SIZE(q35), all, ARRAY_SIZE(all), NULL, 0, out,
                    ARRAY_SIZE(out), &why);
    check_map(out, n, want_all, ARRAY_SIZE(want_all));
}

/* Overlapping and adjacent host entries, Linux's sanitiser rule. */
static void test_memmap_sanitise(void)
{
    static const struct boot_mem_region host[] = {
        R(0x0, 0x1000000, BOOT_MEM_RAM),
        R(0x800000, 0x900000, BOOT_MEM_RESERVED),     /* reserved beats RAM */
        R(0x1000000, 0x2000000, BOOT_MEM_RAM),        /* adjacent RAM: merged */
        R(0x1800000, 0x1801000, BOOT_MEM_BAD),        /* bad RAM: unusable */
        R(0x3000000, 0x3100000, BOOT_MEM_ACPI),
        R(0x3080000, 0x3200000, BOOT_MEM_NVS),        /* NVS beats ACPI */
        R(0x4000000, 0x5000000, BOOT_MEM_RAM),
        R(0x4000000, 0x5000000, BOOT_MEM_RAM),        /* duplicate */
        R(0x4800000, 0x4900000, 12),                  /* unknown type: reserved */
        R(0x6000000, 0x6000000, BOOT_MEM_RESERVED),   /* empty */
        R(0x2000000, 0x2000800, BOOT_MEM_RESERVED),   /* byte-granular */
        R(0xfffffffffffff000ULL, 0xfffffffffffff000ULL, BOOT_MEM_RESERVED),
    };
    struct boot_mem_region top = { .start = 0xffffffffffff0000ULL, .len = 0x20000,
                                   .type = BOOT_MEM_RESERVED };   /* wraps: clamped */
    static const struct dom0_range ram[] = {
        { 0x1000000, 0x1800000 }, { 0x0, 0x800000 }, { 0x400000, 0x800000 },
        { 0x900000, 0x1000000 }, { 0x4000000, 0x4800000 },
    };
    struct hvm_memmap_table_entry out[32];
    const char *why;
    int n;

    n = dom0_memmap(host, ARRAY_SIZE(host), ram, ARRAY_SIZE(ram), NULL, 0, out,
                    ARRAY_SIZE(out), &why);
    /* The two unusable pieces touch and merge. */
    static const struct hvm_memmap_table_entry merged[] = {
        E(0x0, 0x800000, RAM), E(0x800000, 0x900000, RES), E(0x900000, 0x1800000, RAM),
        E(0x1800000, 0x2000000, UNU), E(0x2000000, 0x2000800, RES),
        E(0x3000000, 0x3080000, ACPI), E(0x3080000, 0x3200000, NVS),
        E(0x4000000, 0x4800000, RAM), E(0x4800000, 0x4900000, RES),
        E(0x4900000, 0x5000000, UNU),
    };
    check_map(out, n, merged, ARRAY_SIZE(merged));

    n = dom0_memmap(&top, 1, NULL, 0, NULL, 0, out, ARRAY_SIZE(out), &why);
    CHECK_EQ(n, 1);
    CHECK_EQ(out[0].addr, 0xffffffffffff0000ULL);
    CHECK_EQ(out[0].size, 0xffffULL);
    CHECK_EQ(out[0].type, RES);

    /* Nothing at all. */
    CHECK_EQ(dom0_memmap(NULL, 0, NULL, 0, NULL, 0, out, 0, &why), 0);
}

static void test_memmap_errors(void)
{
    struct hvm_memmap_table_entry out[32];
    const char *why;
    struct {
        struct dom0_range ram, acpi;
        bool has_acpi;
    } bad[] = {
        { { 0x9f000, 0xa0000 }, { 0, 0 }, false },            /* crosses into reserved */
        { { 0xa0000, 0xb0000 }, { 0, 0 }, false },            /* a hole */
        { { 0x7ff00000, 0x80000000 }, { 0, 0 }, false },      /* RAM then reserved */
        { { 0x17ffff000, 0x180001000 }, { 0, 0 }, false },    /* past the top */
        { { 0x100800, 0x200000 }, { 0, 0 }, false },          /* not aligned */
        { { 0x100000, 0x100000 }, { 0, 0 }, false },          /* empty */
        { { 0x200000, 0x100000 }, { 0, 0 }, false },          /* backwards */
        { { 0x100000, 0x200000 }, { 0x1ff000, 0x201000 }, true },  /* ACPI leaves RAM */
        { { 0x100000, 0x200000 }, { 0x300000, 0x301000 }, true },
        { { 0x100000, 0x200000 }, { 0x1ff800, 0x200000 }, true },  /* not aligned */
    };

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        memset(out, 0xA5, sizeof(out));
        why = NULL;
        CHECK_EQ(dom0_memmap(q35, ARRAY_SIZE(q35), &bad[i].ram, 1, &bad[i].acpi,
                             bad[i].has_acpi, out, ARRAY_SIZE(out), &why), -EINVAL);
        CHECK(why != NULL);
        CHECK_EQ(((uint8_t *)out)[0], 0xA5);
    }
    CHECK_EQ(dom0_memmap(NULL, 1, NULL, 0, NULL, 0, out, 32, &why), -EINVAL);
}

/*
 * Random maps on a 64-page grid against a page-by-page model: every page
 * gets the type the rules give it, and the output is sorted, disjoint
 * and merged.
 */
static uint32_t rng_state = 12345;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 8) % n;
}

#define GRID 64

static void test_memmap_random(void)
{
    for (int iter = 0; iter < 3000; iter++) {
        struct boot_mem_region host[8];
        struct dom0_range ram[4], acpi[2];
        unsigned int nh = 1 + rnd(8), nr = rnd(5), na = rnd(3);
        uint32_t ht[GRID] = { 0 }, want[GRID];
        bool in_ram[GRID] = { false }, in_acpi[GRID] = { false }, invalid = false;

        for (unsigned int i = 0; i < nh; i++) {
            uint32_t s = rnd(GRID), l = rnd(GRID - s + 1);
            static const uint32_t types[] = { 1, 1, 1, 2, 3, 4, 5, 9 };
            host[i] = (struct boot_mem_region){ s * 4096ULL, l * 4096ULL, types[rnd(8)] };
            for (uint32_t pg = s; pg < s + l; pg++) {
                uint32_t t = host[i].type > 5 ? 2 : host[i].type;
                ht[pg] = MAX(ht[pg], t);
            }
        }
        for (unsigned int i = 0; i < nr; i++) {
            uint32_t s = rnd(GRID), l = 1 + rnd(GRID - s);
            if (rnd(2)) {       /* mostly valid: shrink into host RAM */
                while (l > 0 && ht[s + l - 1] != 1)
                    l--;
                while (l > 0 && ht[s] != 1) {
                    s++;
                    l--;
                }
                if (l == 0) {
                    s = 0;
                    l = 1;
                }
            }
            ram[i] = (struct dom0_range){ s * 4096ULL, (s + l) * 4096ULL };
            for (uint32_t pg = s; pg < s + l; pg++)
                in_ram[pg] = true;
        }
        for (unsigned int i = 0; i < na; i++) {
            uint32_t s = rnd(GRID), l = 1 + rnd(MIN(4u, GRID - s));
            acpi[i] = (struct dom0_range){ s * 4096ULL, (s + l) * 4096ULL };
            for (uint32_t pg = s; pg < s + l; pg++)
                in_acpi[pg] = true;
        }
        for (int pg = 0; pg < GRID; pg++) {
            if ((in_ram[pg] && ht[pg] != 1) || (in_acpi[pg] && !in_ram[pg]))
                invalid = true;
            switch (ht[pg]) {
            case 0: want[pg] = 0; break;
            case 1: want[pg] = in_acpi[pg] ? ACPI : in_ram[pg] ? RAM : UNU; break;
            case 2: want[pg] = RES; break;
            case 3: want[pg] = ACPI; break;
            case 4: want[pg] = NVS; break;
            default: want[pg] = UNU; break;
            }
        }

        struct hvm_memmap_table_entry out[2 * GRID];
        const char *why = NULL;
        int n = dom0_memmap(host, nh, ram, nr, acpi, na, out, ARRAY_SIZE(out), &why);
        if (invalid) {
            CHECK_EQ(n, -EINVAL);
            CHECK(why != NULL);
            continue;
        }
        CHECK(n >= 0);
        if (n < 0) {
            fprintf(stderr, "  iteration %d: %s\n", iter, why);
            return;
        }
        uint32_t got[GRID] = { 0 };
        for (int i = 0; i < n; i++) {
            CHECK(out[i].size > 0);
            CHECK(out[i].addr % 4096 == 0 && out[i].size % 4096 == 0);
            CHECK(out[i].addr + out[i].size <= GRID * 4096ULL);
            if (i > 0) {
                CHECK(out[i - 1].addr + out[i - 1].size <= out[i].addr);
                CHECK(!(out[i - 1].addr + out[i - 1].size == out[i].addr &&
                        out[i - 1].type == out[i].type));
            }
            for (uint64_t a = out[i].addr; a < out[i].addr + out[i].size && a < GRID * 4096ULL;
                 a += 4096)
                got[a / 4096] = out[i].type;
        }
        for (int pg = 0; pg < GRID; pg++)
            if (got[pg] != want[pg]) {
                fprintf(stderr, "  iteration %d page %d: got %u want %u\n", iter, pg,
                        got[pg], want[pg]);
                unit_case_failed = 1;
                return;
            }
    }
}

UNIT_MAIN("dom0_layout")
{
    TEST_RUN(test_mem_parse_forms);
    TEST_RUN(test_mem_parse_combines);
    TEST_RUN(test_mem_parse_errors);
    TEST_RUN(test_mem_compute);
    TEST_RUN(test_vcpus_parse);
    TEST_RUN(test_vcpus_compute);
    TEST_RUN(test_memmap_q35);
    TEST_RUN(test_memmap_sanitise);
    TEST_RUN(test_memmap_errors);
    TEST_RUN(test_memmap_random);
}
