/* Host tests of dom0's sizing, memory map and ACPI tables (hv/common/dom0_layout.c). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "unit.h"
#include <oryx/dom0_layout.h>
#include <oryx/acpi_build.h>

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

/* ===================================================================== */
/* ACPI tables                                                           */
/* ===================================================================== */

/*
 * Host physical memory [HOST_BASE, HOST_BASE + HOST_SIZE): the first part
 * is e820 RAM, the rest (from HOST_RESV) reserved, where the tables live.
 */
#define HOST_BASE   0x7FFD0000ULL
#define HOST_SIZE   0x30000u
#define HOST_RESV   0x7FFE0000ULL
#define HOST_END    (HOST_BASE + HOST_SIZE)

#define A_RSDP      0x7FFE0000ULL
#define A_RSDT      0x7FFE0100ULL
#define A_XSDT      0x7FFE0400ULL
#define A_FACP      0x7FFE1000ULL
#define A_DSDT      0x7FFE2000ULL
#define A_FACS      0x7FFE3000ULL
#define A_APIC      0x7FFE4000ULL
#define A_HPET      0x7FFE5000ULL
#define A_MCFG      0x7FFE6000ULL
#define A_SSDT      0x7FFE7000ULL
#define A_WAET      0x7FFE8000ULL
#define A_SHORT     0x7FFE9000ULL   /* length below its header */
#define A_BADSUM    0x7FFEA000ULL
#define A_HUGE      0x7FFEB000ULL
#define A_TPM2      0x7FFEC000ULL
#define A_OUTSIDE   0x7FFD8000ULL   /* in RAM, not reserved */
#define A_UNMAPPED  0x1000ULL
#define A_STRADDLE  (HOST_END - 20)

#define DOM0_GPA    0x3FFF0000ULL

static uint8_t hostmem[HOST_SIZE];
static uint8_t out[1 << 20] __attribute__((aligned(16)));

static uint8_t *hp(uint64_t pa)
{
    return hostmem + (pa - HOST_BASE);
}

static uint8_t sum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s = (uint8_t)(s + b[i]);
    return s;
}

static void fix_sum(uint64_t pa)
{
    struct acpi_sdt_header *h = (void *)hp(pa);
    h->checksum = 0;
    h->checksum = (uint8_t)(0u - sum(h, h->length));
}

static void put_table(uint64_t pa, const char *sig, uint8_t rev, const char *table_id,
                      const void *body, uint32_t body_len)
{
    struct acpi_sdt_header h;

    memset(&h, 0, sizeof(h));
    memcpy(h.signature, sig, 4);
    h.length = (uint32_t)sizeof(h) + body_len;
    h.revision = rev;
    memcpy(h.oem_id, "BOCHS ", 6);
    memcpy(h.oem_table_id, table_id, 8);
    h.oem_revision = 1;
    memcpy(h.creator_id, "BXPC", 4);
    h.creator_revision = 1;
    memcpy(hp(pa), &h, sizeof(h));
    if (body_len)
        memcpy(hp(pa) + sizeof(h), body, body_len);
    fix_sum(pa);
}

/* The host MADT's entries. */
static const uint8_t host_lapic0[] = { 0, 8, 0, 0, 1, 0, 0, 0 };
static const uint8_t host_lapic1[] = { 0, 8, 1, 1, 1, 0, 0, 0 };
static const uint8_t host_ioapic[] = { 1, 12, 0, 0, 0x00, 0x00, 0xC0, 0xFE, 0, 0, 0, 0 };
static const uint8_t host_iso0[] = { 2, 10, 0, 0, 2, 0, 0, 0, 0, 0 };
static const uint8_t host_iso9[] = { 2, 10, 0, 9, 9, 0, 0, 0, 0x0D, 0 };
static const uint8_t host_lapic_nmi[] = { 4, 6, 0xFF, 5, 0, 1 };
static const uint8_t host_nmi_src[] = { 3, 8, 5, 0, 0x0A, 0, 0, 0 };
static const uint8_t host_x2apic[] = { 9, 16, 0, 0, 0x10, 1, 0, 0, 1, 0, 0, 0, 0x10, 1, 0, 0 };

static uint32_t host_madt_len;

static void put_madt(uint8_t rev)
{
    uint8_t body[256];
    size_t n = 0;
    uint32_t lapic = 0xFEE00000u, flags = 1;

#define ADD(x) do { memcpy(body + n, x, sizeof(x)); n += sizeof(x); } while (0)
    memcpy(body, &lapic, 4);
    memcpy(body + 4, &flags, 4);
    n = 8;
    ADD(host_lapic0);
    ADD(host_lapic1);
    ADD(host_ioapic);
    ADD(host_iso0);
    ADD(host_iso9);
    ADD(host_lapic_nmi);
    ADD(host_nmi_src);
    ADD(host_x2apic);
#undef ADD
    put_table(A_APIC, "APIC", rev, "BXPCAPIC", body, (uint32_t)n);
    host_madt_len = (uint32_t)(36 + n);
}

static const uint64_t root_list[] = {
    A_FACP, A_APIC, A_HPET, A_MCFG, A_SSDT, A_WAET, A_SHORT, A_BADSUM, A_OUTSIDE,
    A_UNMAPPED, A_HUGE, A_DSDT, A_MCFG, 0, A_TPM2, A_STRADDLE,
};
/* What dom0's XSDT lists after its MADT, in order. */
static const uint64_t passed[] = { A_FACP, A_MCFG, A_SSDT, A_TPM2 };

static void put_roots(void)
{
    uint8_t body[8 * ARRAY_SIZE(root_list)];

    for (size_t i = 0; i < ARRAY_SIZE(root_list); i++) {
        uint32_t v = (uint32_t)root_list[i];
        memcpy(body + 4 * i, &v, 4);
    }
    put_table(A_RSDT, "RSDT", 1, "BXPCRSDT", body, 4 * ARRAY_SIZE(root_list));
    for (size_t i = 0; i < ARRAY_SIZE(root_list); i++)
        memcpy(body + 8 * i, &root_list[i], 8);
    put_table(A_XSDT, "XSDT", 1, "BXPCXSDT", body, 8 * ARRAY_SIZE(root_list));
}

static void put_rsdp(uint8_t rev, bool with_xsdt)
{
    struct acpi_rsdp r;

    memset(&r, 0, sizeof(r));
    memcpy(r.signature, "RSD PTR ", 8);
    memcpy(r.oem_id, "BOCHS ", 6);
    r.revision = rev;
    r.rsdt_addr = (uint32_t)A_RSDT;
    if (rev >= 2) {
        r.length = sizeof(r);
        r.xsdt_addr = with_xsdt ? A_XSDT : 0;
    }
    r.checksum = (uint8_t)(0u - sum(&r, 20));
    if (rev >= 2)
        r.ext_checksum = (uint8_t)(0u - sum(&r, 36));
    memcpy(hp(A_RSDP), &r, rev >= 2 ? 36 : 20);
}

/* A host table set like QEMU's plus the traps; rsdp_rev 0: RSDT only. */
static void make_host(uint8_t rsdp_rev)
{
    memset(hostmem, 0, sizeof(hostmem));
    put_rsdp(rsdp_rev, true);
    put_roots();

    struct acpi_fadt f;
    memset(&f, 0, sizeof(f));
    f.firmware_ctrl = (uint32_t)A_FACS;
    f.dsdt = (uint32_t)A_DSDT;
    f.sci_int = 9;
    f.x_dsdt = A_DSDT;
    put_table(A_FACP, "FACP", 6, "BXPCFACP", (const uint8_t *)&f + 36, sizeof(f) - 36);
    static const uint8_t aml[] = { 0x10, 0x05, 0x5C, 0x5F, 0x53, 0x42, 0x5F };  /* Scope(\_SB) */
    put_table(A_DSDT, "DSDT", 2, "BXPCDSDT", aml, sizeof(aml));
    memcpy(hp(A_FACS), "FACS", 4);
    uint32_t facs_len = 64;
    memcpy(hp(A_FACS) + 4, &facs_len, 4);
    put_madt(3);
    uint8_t hpet[20] = { 0x01, 0xA2, 0x86, 0x80 };
    put_table(A_HPET, "HPET", 1, "BXPCHPET", hpet, sizeof(hpet));
    uint8_t mcfg[24] = { 0 };
    uint64_t ecam = 0xB0000000ULL;
    memcpy(mcfg + 8, &ecam, 8);
    mcfg[19] = 0xFF;            /* end bus */
    put_table(A_MCFG, "MCFG", 1, "BXPCMCFG", mcfg, sizeof(mcfg));
    put_table(A_SSDT, "SSDT", 2, "BXPCSSDT", aml, sizeof(aml));
    uint8_t waet[4] = { 2 };
    put_table(A_WAET, "WAET", 1, "BXPCWAET", waet, sizeof(waet));
    put_table(A_SHORT, "SSDT", 2, "SHORTLEN", aml, sizeof(aml));
    ((struct acpi_sdt_header *)hp(A_SHORT))->length = 20;
    put_table(A_BADSUM, "SSDT", 2, "BADSUM  ", aml, sizeof(aml));
    hp(A_BADSUM)[9] ^= 1;
    put_table(A_HUGE, "SSDT", 2, "HUGE    ", aml, sizeof(aml));
    ((struct acpi_sdt_header *)hp(A_HUGE))->length = 0xFFFFFFF0u;
    uint8_t tpm2[16] = { 0 };
    put_table(A_TPM2, "TPM2", 4, "BXPCTPM2", tpm2, sizeof(tpm2));
    put_table(A_OUTSIDE, "SSDT", 2, "OUTSIDE ", aml, sizeof(aml));
    memcpy(hp(A_STRADDLE), "SSDT", 4);
}

/* map() copies into a fresh block and frees the last one, so ASan catches
 * any use of a pointer after the next call. */
static void *last_map;
static unsigned long map_calls;

static const void *t_map(void *opaque, uint64_t pa, size_t len)
{
    (void)opaque;
    map_calls++;
    free(last_map);
    last_map = NULL;
    if (pa < HOST_BASE || pa - HOST_BASE > HOST_SIZE || len > HOST_SIZE - (pa - HOST_BASE))
        return NULL;
    last_map = malloc(len ? len : 1);
    memcpy(last_map, hp(pa), len);
    return last_map;
}

static bool t_table_ok(void *opaque, uint64_t pa, size_t len)
{
    (void)opaque;
    return pa >= HOST_RESV && pa <= HOST_END && len <= HOST_END - pa;
}

struct noted {
    char sig[5];
    uint64_t pa;
    const char *what;
};
static struct noted notes[64];
static unsigned int nr_notes;

static void t_note(void *opaque, const char *sig, uint64_t pa, const char *what)
{
    (void)opaque;
    CHECK_EQ(strlen(sig), 4);
    if (nr_notes < ARRAY_SIZE(notes)) {
        memcpy(notes[nr_notes].sig, sig, 5);
        notes[nr_notes].pa = pa;
        notes[nr_notes].what = what;
        nr_notes++;
    }
}

static bool noted(const char *sig, uint64_t pa, const char *what_part)
{
    for (unsigned int i = 0; i < nr_notes; i++)
        if (!strcmp(notes[i].sig, sig) && notes[i].pa == pa && strstr(notes[i].what, what_part))
            return true;
    return false;
}

static struct dom0_acpi_params params(unsigned int nr_vcpus, const uint32_t *ids)
{
    struct dom0_acpi_params p = {
        .host_rsdp = A_RSDP, .map = t_map, .table_ok = t_table_ok, .note = t_note,
        .opaque = NULL, .nr_vcpus = nr_vcpus, .apic_ids = ids,
    };
    nr_notes = 0;
    return p;
}

static const uint8_t *at(uint64_t gpa, uint64_t used, uint64_t len)
{
    if (gpa < DOM0_GPA || gpa - DOM0_GPA > used || len > used - (gpa - DOM0_GPA))
        return NULL;
    return out + (gpa - DOM0_GPA);
}

struct dom0_tables {
    const struct acpi_rsdp *rsdp;
    const struct acpi_sdt_header *xsdt;
    const struct acpi_madt *madt;
    uint64_t xsdt_entries[64];
    unsigned int nr;
};

/* Walk what dom0 will see, checking the parts every variant shares. */
static void parse_out(int used, struct dom0_tables *t)
{
    memset(t, 0, sizeof(*t));
    CHECK(used > 0);
    if (used <= 0)
        return;
    const struct acpi_rsdp *r = (const void *)out;
    t->rsdp = r;
    CHECK(memcmp(r->signature, "RSD PTR ", 8) == 0);
    CHECK_EQ(sum(r, 20), 0);
    CHECK_EQ(sum(r, 36), 0);
    CHECK_EQ(r->revision, 2);
    CHECK_EQ(r->length, 36);
    CHECK_EQ(r->rsdt_addr, 0);
    CHECK(memcmp(r->oem_id, "BOCHS ", 6) == 0);
    CHECK_EQ(r->xsdt_addr, DOM0_GPA + 48);      /* right after the RSDP, aligned */
    CHECK(r->reserved[0] == 0 && r->reserved[1] == 0 && r->reserved[2] == 0);

    const struct acpi_sdt_header *x = (const void *)at(r->xsdt_addr, used, 36);
    CHECK(x != NULL);
    if (!x || !at(r->xsdt_addr, used, x->length))
        return;
    t->xsdt = x;
    CHECK(memcmp(x->signature, "XSDT", 4) == 0);
    CHECK_EQ(x->revision, 1);
    CHECK_EQ(sum(x, x->length), 0);
    CHECK_EQ((x->length - 36) % 8, 0);
    t->nr = (x->length - 36) / 8;
    CHECK(t->nr >= 1 && t->nr <= 64);
    if (t->nr > 64)
        t->nr = 64;
    memcpy(t->xsdt_entries, (const uint8_t *)x + 36, 8 * t->nr);

    uint64_t madt_gpa = t->xsdt_entries[0];
    CHECK_EQ(madt_gpa % 16, 0);
    CHECK_EQ(madt_gpa, ALIGN_UP(r->xsdt_addr + x->length, 16));
    const struct acpi_madt *m = (const void *)at(madt_gpa, used, sizeof(*m));
    CHECK(m != NULL);
    if (!m || !at(madt_gpa, used, m->h.length))
        return;
    t->madt = m;
    CHECK(memcmp(m->h.signature, "APIC", 4) == 0);
    CHECK_EQ(sum(m, m->h.length), 0);
    CHECK_EQ(m->lapic_addr, 0xFEE00000u);
    CHECK_EQ(m->flags, 0);
    CHECK_EQ(madt_gpa + m->h.length, DOM0_GPA + (uint64_t)used);   /* the MADT is last */
}

/* The new MADT's entries: vCPUs 0..n-1, then the host IOAPIC and overrides. */
static void check_madt_entries(const struct acpi_madt *m, unsigned int n, const uint32_t *ids,
                               bool host_entries)
{
    const uint8_t *e = (const uint8_t *)(m + 1), *end = (const uint8_t *)m + m->h.length;

    for (unsigned int i = 0; i < n; i++) {
        uint32_t id = ids ? ids[i] : i;
        CHECK(end - e >= 2);
        if (end - e < 2)
            return;
        if (id <= 254 && i <= 254) {
            const uint8_t want[] = { 0, 8, (uint8_t)i, (uint8_t)id, 1, 0, 0, 0 };
            CHECK(end - e >= 8 && memcmp(e, want, 8) == 0);
            e += 8;
        } else {
            struct acpi_madt_x2apic want = {
                .type = 9, .length = 16, .x2apic_id = id, .flags = 1, .acpi_uid = i,
            };
            CHECK(end - e >= 16 && memcmp(e, &want, 16) == 0);
            e += 16;
        }
    }
    if (host_entries) {
        CHECK(end - e == 32);
        if (end - e != 32)
            return;
        CHECK(memcmp(e, host_ioapic, 12) == 0);
        CHECK(memcmp(e + 12, host_iso0, 10) == 0);
        CHECK(memcmp(e + 22, host_iso9, 10) == 0);
    } else {
        CHECK(e == end);
    }
}

static void check_xsdt_list(const struct dom0_tables *t)
{
    CHECK_EQ(t->nr, 1 + ARRAY_SIZE(passed));
    for (size_t i = 0; i < ARRAY_SIZE(passed) && i + 1 < t->nr; i++)
        CHECK_EQ(t->xsdt_entries[i + 1], passed[i]);
}

static void check_notes(void)
{
    CHECK(noted("HPET", A_HPET, "hidden"));
    CHECK(noted("WAET", A_WAET, "hidden"));
    CHECK(noted("DSDT", A_DSDT, "hidden"));
    CHECK(noted("SSDT", A_SHORT, "shorter"));
    CHECK(noted("SSDT", A_BADSUM, "checksum"));
    CHECK(noted("SSDT", A_HUGE, "length"));
    CHECK(noted("SSDT", A_OUTSIDE, "reserved"));
    CHECK(noted("????", A_UNMAPPED, "not readable"));
    CHECK(noted("????", A_STRADDLE, "not readable"));
    CHECK(noted("MCFG", A_MCFG, "twice"));
    CHECK(noted("????", 0, "null"));
    CHECK(!noted("FACP", A_FACP, ""));
    CHECK(!noted("TPM2", A_TPM2, ""));
    CHECK(!noted("SSDT", A_SSDT, ""));
}

/* QEMU's SeaBIOS: RSDP revision 0, RSDT only. */
static void test_acpi_rsdt_only(void)
{
    static const uint32_t ids[] = { 0, 2, 255 };
    struct dom0_acpi_params p = params(3, ids);
    struct dom0_tables t;
    const char *why = "unset";

    make_host(0);
    int used = dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why);
    CHECK(why == NULL);
    parse_out(used, &t);
    if (!t.madt)
        return;
    /* The XSDT header is the RSDT's, renamed. */
    CHECK(memcmp(t.xsdt->oem_id, "BOCHS ", 6) == 0);
    CHECK(memcmp(t.xsdt->oem_table_id, "BXPCRSDT", 8) == 0);
    CHECK(memcmp(t.xsdt->creator_id, "BXPC", 4) == 0);
    check_xsdt_list(&t);
    /* The MADT header is the host's; revision 3 stays 3. */
    CHECK(memcmp(t.madt->h.oem_table_id, "BXPCAPIC", 8) == 0);
    CHECK_EQ(t.madt->h.revision, 3);
    CHECK_EQ(t.madt->h.length, 44 + 8 + 8 + 16 + 12 + 10 + 10);
    check_madt_entries(t.madt, 3, ids, true);
    check_notes();
    CHECK_EQ(used, 48 + 36 + 8 * 5 + 4 /* pad to 16 */ + t.madt->h.length);
}

/* ACPI 2.0+: the XSDT, not the RSDT, is read. */
static void test_acpi_xsdt(void)
{
    struct dom0_acpi_params p = params(2, NULL);
    struct dom0_tables t;
    const char *why;

    make_host(2);
    /* An RSDT that differs: must not be used. */
    uint32_t only_facp = (uint32_t)A_FACP;
    put_table(A_RSDT, "RSDT", 1, "BXPCRSDT", &only_facp, 4);
    put_madt(5);
    int used = dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why);
    parse_out(used, &t);
    if (!t.madt)
        return;
    CHECK(memcmp(t.xsdt->oem_table_id, "BXPCXSDT", 8) == 0);
    check_xsdt_list(&t);
    CHECK_EQ(t.madt->h.revision, 4);        /* min(5, 4) */
    check_madt_entries(t.madt, 2, NULL, true);
    check_notes();
}

/* A broken extended RSDP or XSDT: fall back to the RSDT, as ACPICA does. */
static void test_acpi_xsdt_fallback(void)
{
    struct dom0_acpi_params p;
    struct dom0_tables t;
    const char *why;
    int used;

    make_host(2);
    hp(A_RSDP)[32] ^= 0x55;                 /* extended checksum wrong */
    p = params(1, NULL);
    used = dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why);
    parse_out(used, &t);
    if (t.xsdt)
        CHECK(memcmp(t.xsdt->oem_table_id, "BXPCRSDT", 8) == 0);
    check_xsdt_list(&t);

    make_host(2);
    hp(A_XSDT)[40] ^= 0x55;                 /* XSDT checksum wrong */
    p = params(1, NULL);
    used = dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why);
    parse_out(used, &t);
    if (t.xsdt)
        CHECK(memcmp(t.xsdt->oem_table_id, "BXPCRSDT", 8) == 0);
    check_xsdt_list(&t);
    CHECK(noted("XSDT", A_XSDT, "checksum"));

    make_host(2);
    memcpy(hp(A_XSDT), "YSDT", 4);          /* wrong signature */
    fix_sum(A_XSDT);
    p = params(1, NULL);
    used = dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why);
    parse_out(used, &t);
    check_xsdt_list(&t);
    CHECK(noted("XSDT", A_XSDT, "signature"));

    make_host(2);
    put_rsdp(2, false);                      /* revision 2, XSDT address 0 */
    p = params(1, NULL);
    used = dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why);
    parse_out(used, &t);
    check_xsdt_list(&t);
}

static void test_acpi_no_rsdp(void)
{
    struct dom0_acpi_params p = params(1, NULL);
    const char *why;

    make_host(2);
    p.host_rsdp = 0;
    why = NULL;
    CHECK_EQ(dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why), -ENOENT);
    CHECK(why != NULL);
    p.host_rsdp = A_UNMAPPED;
    why = NULL;
    CHECK_EQ(dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why), -ENOENT);
    CHECK(why != NULL);
    p.host_rsdp = A_RSDP + 16;              /* no signature there */
    CHECK_EQ(dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why), -ENOENT);
    p.host_rsdp = A_RSDP;
    hp(A_RSDP)[9] ^= 1;                     /* OEM id byte: first checksum wrong */
    CHECK_EQ(dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why), -ENOENT);

    /* RSDP fine, both roots broken. */
    make_host(2);
    hp(A_XSDT)[40] ^= 1;
    hp(A_RSDT)[40] ^= 1;
    why = NULL;
    CHECK_EQ(dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why), -ENOENT);
    CHECK(why != NULL);
    make_host(0);
    ((struct acpi_sdt_header *)hp(A_RSDT))->length = 0x7FFFFFFF;
    CHECK_EQ(dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why), -ENOENT);
    make_host(0);
    ((struct acpi_sdt_header *)hp(A_RSDT))->length = 35;
    CHECK_EQ(dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why), -ENOENT);
}

/* No host MADT: dom0's carries Oryx's ids and only the vCPUs. */
static void test_acpi_no_host_madt(void)
{
    struct dom0_acpi_params p = params(300, NULL);
    struct dom0_tables t;
    const char *why;

    make_host(2);
    memcpy(hp(A_APIC), "APIX", 4);
    fix_sum(A_APIC);
    int used = dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why);
    parse_out(used, &t);
    if (!t.madt)
        return;
    CHECK(memcmp(t.madt->h.oem_id, "ORYX  ", 6) == 0);
    CHECK_EQ(t.madt->h.revision, 4);
    check_madt_entries(t.madt, 300, NULL, false);
    CHECK(noted("APIX", A_APIC, "hidden"));
    check_xsdt_list(&t);
}

/* A malformed MADT entry ends the walk; what came before is kept. */
static void test_acpi_madt_malformed(void)
{
    struct dom0_acpi_params p = params(1, NULL);
    struct dom0_tables t;
    const char *why;

    make_host(2);
    /* Entries start at 44: LAPIC, LAPIC, IOAPIC, ISO0, ISO9 (offset 44+38). */
    hp(A_APIC)[44 + 8 + 8 + 12 + 10 + 1] = 0;      /* ISO9's length 0 */
    fix_sum(A_APIC);
    int used = dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why);
    parse_out(used, &t);
    if (!t.madt)
        return;
    CHECK_EQ(t.madt->h.length, 44 + 8 + 12 + 10);
    const uint8_t *e = (const uint8_t *)(t.madt + 1) + 8;
    CHECK(memcmp(e, host_ioapic, 12) == 0);
    CHECK(memcmp(e + 12, host_iso0, 10) == 0);
    CHECK(noted("APIC", A_APIC, "malformed"));

    /* An IOAPIC entry of the wrong length is dropped, the walk goes on. */
    make_host(2);
    hp(A_APIC)[44 + 16 + 1] = 11;                   /* IOAPIC length 11... */
    hp(A_APIC)[44 + 16 + 11] = 0;                   /* ...and a 1-byte filler */
    fix_sum(A_APIC);
    p = params(1, NULL);
    used = dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why);
    parse_out(used, &t);
    if (t.madt)
        CHECK_EQ(t.madt->h.length, 44 + 8);         /* the filler broke the walk */
    CHECK(noted("APIC", A_APIC, "wrong length"));

    /* Host MADT too short to hold its fixed fields. */
    make_host(2);
    ((struct acpi_sdt_header *)hp(A_APIC))->length = 40;
    fix_sum(A_APIC);
    p = params(1, NULL);
    used = dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why);
    parse_out(used, &t);
    if (t.madt)
        CHECK(memcmp(t.madt->h.oem_id, "ORYX  ", 6) == 0);
    CHECK(noted("APIC", A_APIC, "short"));
}

static void test_acpi_params(void)
{
    struct dom0_acpi_params p = params(1, NULL);
    const char *why;

    make_host(2);
    why = NULL;
    CHECK_EQ(dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA + 8, &why), -EINVAL);
    CHECK(why != NULL);
    p.nr_vcpus = 0;
    CHECK_EQ(dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why), -EINVAL);
    p.nr_vcpus = ACPI_BUILD_MAX_VCPUS + 1;
    CHECK_EQ(dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why), -EINVAL);
    p.nr_vcpus = ACPI_BUILD_MAX_VCPUS;
    CHECK(dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why) > 0);
    p.nr_vcpus = 1;
    CHECK_EQ(dom0_acpi_build(&p, out, sizeof(out), UINT64_MAX & ~15ULL, &why), -EINVAL);
    CHECK_EQ(dom0_acpi_build(&p, NULL, 0, DOM0_GPA, &why), -EINVAL);
    p.map = NULL;
    CHECK_EQ(dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why), -EINVAL);
    p.map = t_map;
    p.table_ok = NULL;
    CHECK_EQ(dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why), -EINVAL);
    p.table_ok = t_table_ok;
    p.note = NULL;                          /* silent is fine */
    CHECK(dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why) > 0);
}

/* Every buffer size short of what is needed fails cleanly. */
static void test_acpi_small_buffer(void)
{
    static uint8_t small[4096];
    struct dom0_acpi_params p = params(4, NULL);
    const char *why;

    make_host(2);
    int need = dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why);
    CHECK(need > 0 && need <= (int)sizeof(small));
    for (int len = 0; len < need; len++) {
        /* A heap copy of exactly len bytes: ASan sees any overrun. */
        uint8_t *b = malloc(len ? (size_t)len : 1);
        why = NULL;
        CHECK_EQ(dom0_acpi_build(&p, b, (size_t)len, DOM0_GPA, &why), -ENOSPC);
        CHECK(why != NULL);
        free(b);
    }
    CHECK_EQ(dom0_acpi_build(&p, small, (size_t)need, DOM0_GPA, &why), need);
    CHECK(memcmp(small, out, (size_t)need) == 0);
}

/*
 * Hostile tables: random corruption of the host set, thousands of times.
 * Whatever comes back must be a consistent table set whose XSDT names
 * only well-formed host tables of allowed types in reserved memory.
 */
static void test_acpi_fuzz(void)
{
    static uint8_t good[HOST_SIZE];
    const char *why;
    unsigned int ok = 0;

    make_host(2);
    memcpy(good, hostmem, sizeof(good));
    for (int iter = 0; iter < 4000; iter++) {
        memcpy(hostmem, good, sizeof(good));
        unsigned int flips = 1 + rnd(6);
        for (unsigned int k = 0; k < flips; k++) {
            /* Mostly headers and the MADT, where the parsing is. */
            static const uint64_t hot[] = { A_RSDP, A_RSDT, A_XSDT, A_APIC, A_FACP, A_MCFG };
            uint64_t pa = rnd(4) ? hot[rnd(ARRAY_SIZE(hot))] + rnd(160) :
                                   HOST_BASE + rnd(HOST_SIZE);
            hp(pa)[0] = (uint8_t)rnd(256);
        }
        if (rnd(2)) {           /* often keep checksums right, to get deeper */
            static const uint64_t tabs[] = { A_RSDT, A_XSDT, A_APIC, A_FACP, A_MCFG };
            for (size_t k = 0; k < ARRAY_SIZE(tabs); k++) {
                uint32_t l;
                memcpy(&l, hp(tabs[k]) + 4, 4);
                if (l >= 36 && l <= HOST_END - tabs[k])
                    fix_sum(tabs[k]);
            }
        }
        struct dom0_acpi_params p = params(1 + rnd(8), NULL);
        p.note = rnd(2) ? t_note : NULL;
        int used = dom0_acpi_build(&p, out, 65536, DOM0_GPA, &why);
        if (used < 0) {
            CHECK(why != NULL);
            CHECK(used == -ENOENT || used == -ENOSPC);
            continue;
        }
        ok++;
        struct dom0_tables t;
        parse_out(used, &t);
        for (unsigned int i = 1; i < t.nr; i++) {
            uint64_t pa = t.xsdt_entries[i];
            CHECK(pa >= HOST_RESV && pa < HOST_END - 36);
            if (pa < HOST_RESV || pa >= HOST_END - 36)
                continue;
            const struct acpi_sdt_header *h = (const void *)hp(pa);
            CHECK(h->length >= 36 && h->length <= HOST_END - pa);
            if (h->length < 36 || h->length > HOST_END - pa)
                continue;
            CHECK_EQ(sum(h, h->length), 0);
            CHECK(memcmp(h->signature, "APIC", 4) && memcmp(h->signature, "DSDT", 4) &&
                  memcmp(h->signature, "HPET", 4));
        }
        if (unit_case_failed) {
            fprintf(stderr, "  fuzz iteration %d\n", iter);
            return;
        }
    }
    CHECK(ok > 1000);           /* the corruption left most sets usable */
}

/* ---- ACPICA's own tools, when installed (Debian acpica-tools) ---------- */

static int have_tool(const char *name)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
    return system(cmd) == 0;
}

static int run_in(const char *dir, const char *cmdline)
{
    char cmd[1024];

    snprintf(cmd, sizeof(cmd), "cd %s && (%s) >log 2>&1", dir, cmdline);
    if (system(cmd) == 0)
        return 1;
    snprintf(cmd, sizeof(cmd), "cat %s/log 1>&2", dir);
    (void)!system(cmd);
    return 0;
}

static int put_file(const char *dir, const char *name, const void *p, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    int ok = fwrite(p, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

static size_t get_file(const char *dir, const char *name, void *p, size_t max)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(p, 1, max, f);
    fclose(f);
    return n;
}

/* iasl -d, then iasl back: the same bytes but iasl's own creator fields. */
static int roundtrip(const char *dir, const char *name, const void *p, size_t len)
{
    static uint8_t rt[65536];
    char dat[64], aml[64], cmd[256];

    snprintf(dat, sizeof(dat), "%s.dat", name);
    snprintf(aml, sizeof(aml), "%s.aml", name);
    snprintf(cmd, sizeof(cmd), "iasl -d %s && iasl %s.dsl", dat, name);
    if (!put_file(dir, dat, p, len) || !run_in(dir, cmd))
        return 0;
    size_t n = get_file(dir, aml, rt, sizeof(rt));
    return n == len && !memcmp((const uint8_t *)p + 36, rt + 36, len - 36) &&
           !memcmp(p, rt, 9) && !memcmp((const uint8_t *)p + 10, rt + 10, 18);
}

static void test_acpi_acpica_tools(void)
{
    static const uint32_t ids[] = { 0, 2, 255, 4 };
    char dir[] = "/tmp/oryx-dom0-acpi-XXXXXX";
    const char *why;
    struct dom0_tables t;

    if (!have_tool("iasl")) {
        printf("PASS: dom0_layout/iasl skipped: iasl not installed (Debian acpica-tools)\n");
        return;
    }
    struct dom0_acpi_params p = params(4, ids);
    make_host(0);
    int used = dom0_acpi_build(&p, out, sizeof(out), DOM0_GPA, &why);
    parse_out(used, &t);
    if (!t.madt)
        return;
    CHECK(mkdtemp(dir) != NULL);
    CHECK(roundtrip(dir, "xsdt", t.xsdt, t.xsdt->length));
    CHECK(roundtrip(dir, "apic", t.madt, t.madt->h.length));
    /* The disassembly names what the MADT should hold. */
    CHECK(run_in(dir, "grep -q 'Subtable Type : 01 \\[I/O APIC\\]' apic.dsl && "
                      "grep -c 'Interrupt Source Override' apic.dsl | grep -qx 2 && "
                      "grep -c 'Processor Local APIC\\]' apic.dsl | grep -qx 3 && "
                      "grep -c 'Processor Local x2APIC\\]' apic.dsl | grep -qx 1 && "
                      "! grep -q 'NMI' apic.dsl"));
    if (!unit_case_failed) {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        (void)!system(cmd);
    } else {
        fprintf(stderr, "  ACPICA files kept in %s\n", dir);
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
    TEST_RUN(test_acpi_rsdt_only);
    TEST_RUN(test_acpi_xsdt);
    TEST_RUN(test_acpi_xsdt_fallback);
    TEST_RUN(test_acpi_no_rsdp);
    TEST_RUN(test_acpi_no_host_madt);
    TEST_RUN(test_acpi_madt_malformed);
    TEST_RUN(test_acpi_params);
    TEST_RUN(test_acpi_small_buffer);
    TEST_RUN(test_acpi_fuzz);
    TEST_RUN(test_acpi_acpica_tools);
    free(last_map);
}
