/* Host tests of the clock-calibration estimator (hv/common/calib.c). */
#include <stdint.h>
#include <stdbool.h>
#include "unit.h"
#include <oryx/calib.h>

#define PIT_HZ 1193182ULL
#define TSC_HZ 2596139810ULL

/* A sample of `us` microseconds of a TSC at hz against the PIT, the
 * stretch lengthened by `stall_us` seen by the TSC only (a disturbed end
 * point), the PIT count wrapped to `ref_bits` bits when nonzero. */
static struct calib_sample pit_sample(uint64_t hz, uint64_t us, uint64_t stall_us,
                                      unsigned int ref_bits)
{
    struct calib_sample s;

    s.ref = PIT_HZ * us / 1000000;
    s.count = s.ref * hz / PIT_HZ + hz * stall_us / 1000000;
    if (ref_bits)
        s.ref &= (1ULL << ref_bits) - 1;
    s.valid = true;
    return s;
}

static uint64_t absdiff(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

static void test_clean_samples(void)
{
    struct calib_sample s[8];
    struct calib_result r;

    for (int i = 0; i < 8; i++)
        s[i] = pit_sample(TSC_HZ, 6000, 0, 16);
    calib_estimate(s, 8, PIT_HZ, 1000, &r);
    CHECK_EQ(r.kept, 8);
    CHECK_EQ(r.rejected, 0);
    CHECK(absdiff(r.hz, TSC_HZ) < TSC_HZ / 1000000);     /* within 1 ppm */
    CHECK(r.spread_ppm <= 1);
}

/* A stall inside a bracket the checks missed, and a PIT sample longer
 * than the 16-bit counter's wrap: both land far from the median. */
static void test_disturbed_and_aliased(void)
{
    struct calib_sample s[8];
    struct calib_result r;

    for (int i = 0; i < 8; i++)
        s[i] = pit_sample(TSC_HZ, 6000, 0, 16);
    s[2] = pit_sample(TSC_HZ, 6000, 3000, 16);      /* +50% */
    s[5] = pit_sample(TSC_HZ, 60000, 0, 16);        /* 60 ms: wrapped once */
    calib_estimate(s, 8, PIT_HZ, 1000, &r);
    CHECK_EQ(r.kept, 6);
    CHECK_EQ(r.rejected, 2);
    CHECK(absdiff(r.hz, TSC_HZ) < TSC_HZ / 1000000);
}

static void test_invalid_ignored(void)
{
    struct calib_sample s[8];
    struct calib_result r;

    for (int i = 0; i < 8; i++) {
        s[i] = pit_sample(TSC_HZ, 6000, 0, 16);
        s[i].valid = i % 2;
    }
    s[0].count *= 3;        /* invalid: must not count at all */
    s[3].ref = 0;           /* valid but empty: rejected, no division by 0 */
    calib_estimate(s, 8, PIT_HZ, 1000, &r);
    CHECK_EQ(r.kept, 3);
    CHECK_EQ(r.rejected, 5);
    CHECK(absdiff(r.hz, TSC_HZ) < TSC_HZ / 1000000);
}

static void test_nothing_valid(void)
{
    struct calib_sample s[4] = { { 100, 10, false }, { 100, 10, false } };
    struct calib_result r;

    calib_estimate(s, 4, PIT_HZ, 1000, &r);
    CHECK_EQ(r.hz, 0);
    CHECK_EQ(r.kept, 0);
    CHECK_EQ(r.rejected, 4);
    calib_estimate(s, 0, PIT_HZ, 1000, &r);
    CHECK_EQ(r.hz, 0);
}

/* The sum over kept samples is one long baseline: uneven lengths weigh
 * by length, the quantisation of each short one averages out. */
static void test_ratio_of_sums(void)
{
    struct calib_sample s[3] = {
        { 1001, 100, true },    /* 10.01 per tick */
        { 2000, 200, true },    /* 10.00 */
        { 2997, 300, true },    /* 9.99 */
    };
    struct calib_result r;

    calib_estimate(s, 3, 1000, 2000, &r);
    CHECK_EQ(r.median_hz, 10000);
    CHECK_EQ(r.kept, 3);
    CHECK_EQ(r.hz, 5998 * 1000 / 600);
    CHECK_EQ(r.spread_ppm, 1000);
    calib_estimate(s, 3, 1000, 500, &r);    /* 1000 ppm out: only the middle one */
    CHECK_EQ(r.kept, 1);
    CHECK_EQ(r.hz, 10000);
}

static void test_even_count_lower_median(void)
{
    struct calib_sample s[2] = { { 20, 10, true }, { 10, 10, true } };
    struct calib_result r;

    calib_estimate(s, 2, 1, 1000, &r);
    CHECK_EQ(r.median_hz, 1);
    CHECK_EQ(r.kept, 1);
}

/* Products beyond 64 bits: a 5 GHz counter over 20 s against a 5 GHz
 * reference (the LAPIC against the TSC after a long stall). */
static void test_wide_products(void)
{
    struct calib_sample s = { 100000000000ULL, 100000000000ULL, true };
    struct calib_result r;

    calib_estimate(&s, 1, 5000000000ULL, 1000, &r);
    CHECK_EQ(r.hz, 5000000000ULL);
    s.count = UINT64_MAX;
    s.ref = 1;
    calib_estimate(&s, 1, 5000000000ULL, 1000, &r);
    CHECK_EQ(r.hz, UINT64_MAX);     /* saturates */
}

static void test_too_many_samples(void)
{
    struct calib_sample s[CALIB_MAX_SAMPLES + 4];
    struct calib_result r;

    for (unsigned int i = 0; i < CALIB_MAX_SAMPLES + 4; i++)
        s[i] = pit_sample(TSC_HZ, 1000, 0, 0);
    calib_estimate(s, CALIB_MAX_SAMPLES + 4, PIT_HZ, 1000, &r);
    CHECK_EQ(r.kept + r.rejected, CALIB_MAX_SAMPLES);
}

static void test_ppm(void)
{
    CHECK_EQ(calib_ppm(1000100, 1000000), 100);
    CHECK_EQ(calib_ppm(999900, 1000000), -100);
    CHECK_EQ(calib_ppm(5, 5), 0);
    CHECK_EQ(calib_ppm(3099669, 2596140), 193952);
    CHECK_EQ(calib_ppm(0, 1), -1000000);
    CHECK_EQ(calib_ppm(UINT64_MAX, 1), INT64_MAX);
}

UNIT_MAIN("calib")
{
    TEST_RUN(test_clean_samples);
    TEST_RUN(test_disturbed_and_aliased);
    TEST_RUN(test_invalid_ignored);
    TEST_RUN(test_nothing_valid);
    TEST_RUN(test_ratio_of_sums);
    TEST_RUN(test_even_count_lower_median);
    TEST_RUN(test_wide_products);
    TEST_RUN(test_too_many_samples);
    TEST_RUN(test_ppm);
}
