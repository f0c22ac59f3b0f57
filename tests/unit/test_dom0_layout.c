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

UNIT_MAIN("dom0_layout")
{
    TEST_RUN(test_mem_parse_forms);
    TEST_RUN(test_mem_parse_combines);
    TEST_RUN(test_mem_parse_errors);
    TEST_RUN(test_mem_compute);
    TEST_RUN(test_vcpus_parse);
    TEST_RUN(test_vcpus_compute);
}
