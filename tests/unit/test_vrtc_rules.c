/* Host tests of the RTC rules (hv/arch/x86/hvm/vrtc_rules.c). */
#include <stdint.h>
#include <asm/vrtc_rules.h>
#include "unit.h"

#define BCD24   RTC_B_24H
#define BIN24   (RTC_B_24H | RTC_B_DM)
#define BCD12   0
#define BIN12   RTC_B_DM

static void formats(void)
{
    CHECK_EQ(vrtc_to_reg(59, false), 0x59);
    CHECK_EQ(vrtc_to_reg(59, true), 59);
    CHECK_EQ(vrtc_to_reg(7, false), 0x07);
    CHECK_EQ(vrtc_from_reg(0x42, false), 42);
    CHECK_EQ(vrtc_from_reg(0x42, true), 0x42);
    CHECK_EQ(vrtc_from_reg(0xAF, false), 115);       /* bad digits: what they say */
    for (unsigned int v = 0; v < 100; v++) {
        CHECK_EQ(vrtc_from_reg(vrtc_to_reg(v, false), false), v);
        CHECK_EQ(vrtc_from_reg(vrtc_to_reg(v, true), true), v);
    }
}

static void hours(void)
{
    /* 12-hour: 12 AM is 0, 1 PM is 13, 12 PM is noon. */
    CHECK_EQ(vrtc_hour_to_reg(0, false, false), 0x12);
    CHECK_EQ(vrtc_hour_to_reg(1, false, false), 0x01);
    CHECK_EQ(vrtc_hour_to_reg(12, false, false), 0x92);
    CHECK_EQ(vrtc_hour_to_reg(13, false, false), 0x81);
    CHECK_EQ(vrtc_hour_to_reg(23, false, false), 0x91);
    CHECK_EQ(vrtc_hour_to_reg(23, true, false), 0x80 | 11);
    CHECK_EQ(vrtc_hour_to_reg(23, false, true), 0x23);
    CHECK_EQ(vrtc_hour_to_reg(23, true, true), 23);
    for (unsigned int h = 0; h < 24; h++)
        for (unsigned int f = 0; f < 4; f++) {
            bool bin = f & 1, h24 = f & 2;
            CHECK_EQ(vrtc_hour_from_reg(vrtc_hour_to_reg(h, bin, h24), bin, h24), h);
        }
    CHECK(vrtc_hour_from_reg(0xFF, false, false) < 24);
    CHECK(vrtc_hour_from_reg(0xFF, true, false) < 24);
}

static void calendar(void)
{
    int64_t y;
    unsigned int m, d;

    CHECK_EQ(vrtc_days_from_civil(1970, 1, 1), 0);
    CHECK_EQ(vrtc_days_from_civil(2000, 3, 1), 11017);
    CHECK_EQ(vrtc_days_from_civil(2024, 2, 29), 19782);
    CHECK_EQ(vrtc_days_from_civil(1969, 12, 31), -1);
    CHECK_EQ(vrtc_days_from_civil(2024, 3, 0), 19782);   /* day 0: the day before */
    CHECK_EQ(vrtc_days_from_civil(2024, 1, 32), vrtc_days_from_civil(2024, 2, 1));
    vrtc_civil_from_days(19782, &y, &m, &d);
    CHECK_EQ(y, 2024); CHECK_EQ(m, 2); CHECK_EQ(d, 29);
    vrtc_civil_from_days(-1, &y, &m, &d);
    CHECK_EQ(y, 1969); CHECK_EQ(m, 12); CHECK_EQ(d, 31);
    vrtc_civil_from_days(vrtc_days_from_civil(2100, 3, 1) - 1, &y, &m, &d);
    CHECK_EQ(y, 2100); CHECK_EQ(m, 2); CHECK_EQ(d, 28);  /* 2100: no leap day */
    for (int64_t n = -800000; n < 800000; n += 37) {
        vrtc_civil_from_days(n, &y, &m, &d);
        CHECK(m >= 1 && m <= 12 && d >= 1 && d <= 31);
        CHECK_EQ(vrtc_days_from_civil(y, m, d), n);
    }
    CHECK_EQ(vrtc_weekday(0), 5);                          /* Thursday */
    CHECK_EQ(vrtc_weekday(vrtc_days_from_civil(2024, 2, 29)), 5);
    CHECK_EQ(vrtc_weekday(vrtc_days_from_civil(2000, 1, 2)), 1);  /* Sunday */
    CHECK_EQ(vrtc_weekday(-4), 1);                         /* 1969-12-28, Sunday */
    CHECK_EQ(vrtc_floor_div(-1, 86400), -1);
    CHECK_EQ(vrtc_floor_mod(-1, 86400), 86399);
}

static void encode_decode(void)
{
    /* 2025-07-14 13:05:09, a Monday. */
    int64_t t = vrtc_days_from_civil(2025, 7, 14) * 86400 + 13 * 3600 + 5 * 60 + 9;
    uint8_t r[RTC_CMOS_SIZE] = { 0 };
    unsigned int shift = 99;

    vrtc_encode(t, BCD24, 0, r);
    CHECK_EQ(r[RTC_SEC], 0x09); CHECK_EQ(r[RTC_MIN], 0x05); CHECK_EQ(r[RTC_HOUR], 0x13);
    CHECK_EQ(r[RTC_WDAY], 2); CHECK_EQ(r[RTC_MDAY], 0x14); CHECK_EQ(r[RTC_MONTH], 0x07);
    CHECK_EQ(r[RTC_YEAR], 0x25); CHECK_EQ(r[RTC_CENTURY], 0x20);
    CHECK_EQ(vrtc_decode(r, BCD24, &shift), t); CHECK_EQ(shift, 0);
    vrtc_encode(t, BIN12, 3, r);
    CHECK_EQ(r[RTC_SEC], 9); CHECK_EQ(r[RTC_HOUR], 0x81); CHECK_EQ(r[RTC_WDAY], 5);
    CHECK_EQ(r[RTC_YEAR], 25); CHECK_EQ(r[RTC_CENTURY], 20);
    CHECK_EQ(vrtc_decode(r, BIN12, &shift), t); CHECK_EQ(shift, 3);
    /* Saturday shifted by 1 wraps to Sunday. */
    vrtc_encode(vrtc_days_from_civil(2025, 7, 19) * 86400, BCD24, 1, r);
    CHECK_EQ(r[RTC_WDAY], 1);
    for (int64_t u = -86400LL * 366; u < 86400LL * 366 * 200; u += 7919 * 13) {
        for (unsigned int f = 0; f < 4; f++) {
            uint8_t b = (uint8_t)((f & 1 ? RTC_B_DM : 0) | (f & 2 ? RTC_B_24H : 0));
            vrtc_encode(u, b, f, r);
            CHECK_EQ(vrtc_decode(r, b, &shift), u);
            CHECK_EQ(shift, f);
        }
    }
    /* Out of range: carries, the month clamped, no day of week. */
    vrtc_encode(t, BIN24, 0, r);
    r[RTC_MIN] = 75;
    CHECK_EQ(vrtc_decode(r, BIN24, &shift), t + 15 * 60 + 3600 - 5 * 60);
    r[RTC_MIN] = 5;
    r[RTC_MONTH] = 0;
    r[RTC_WDAY] = 0;
    CHECK_EQ(vrtc_decode(r, BIN24, &shift),
             t - (vrtc_days_from_civil(2025, 7, 14) - vrtc_days_from_civil(2025, 1, 14)) * 86400);
    CHECK_EQ(shift, 0);
    memset(r, 0xFF, sizeof(r));
    for (unsigned int f = 0; f < 4; f++)
        vrtc_decode(r, (uint8_t)f << 1, &shift);           /* garbage decodes to something */
}

static void alarms(void)
{
    /* Every second, minute, hour. */
    CHECK_EQ(vrtc_alarm_next(1000, 0xC0, 0xFF, 0xC5, BCD24), 0);
    /* 13:05:09 from 13:05:00: 9 s; from 13:05:10: a day less a second. */
    unsigned int at = 13 * 3600 + 5 * 60;
    CHECK_EQ(vrtc_alarm_next(at, 0x09, 0x05, 0x13, BCD24), 9);
    CHECK_EQ(vrtc_alarm_next(at + 10, 0x09, 0x05, 0x13, BCD24), 86400 - 1);
    CHECK_EQ(vrtc_alarm_next(at + 9, 0x09, 0x05, 0x13, BCD24), 0);
    /* Binary and 12-hour bytes. */
    CHECK_EQ(vrtc_alarm_next(at, 9, 5, 13, BIN24), 9);
    CHECK_EQ(vrtc_alarm_next(at, 0x09, 0x05, 0x81, BCD12), 9);
    CHECK_EQ(vrtc_alarm_next(at, 0x09, 0x05, 0x01, BCD12), 12 * 3600 + 9);   /* 1 AM tomorrow */
    /* Seconds only: the next :30 */
    CHECK_EQ(vrtc_alarm_next(at + 31, 0x30, 0xC0, 0xC0, BCD24), 59);
    /* Minutes only, at wrap of the day. */
    CHECK_EQ(vrtc_alarm_next(86399, 0xC0, 0x00, 0xC0, BCD24), 1);
    /* Never: a value no register takes. */
    CHECK_EQ(vrtc_alarm_next(0, 0x60, 0xC0, 0xC0, BCD24), -1);
    CHECK_EQ(vrtc_alarm_next(0, 0xC0, 0xC0, 0x13, BCD12), -1);
    CHECK_EQ(vrtc_alarm_next(0, 0xC0, 0xC0, 0x00, BCD12), -1);
    CHECK_EQ(vrtc_alarm_next(0, 0x0A, 0xC0, 0xC0, BCD24), -1);
    CHECK_EQ(vrtc_alarm_next(0, 0x0A, 0xC0, 0xC0, BIN24), 10);
    /* Brute force against a second-by-second search of the registers
     * of each time of day (both hour formats, precomputed). */
    static uint8_t day[2][86400][3];
    for (unsigned int f = 0; f < 2; f++)
        for (unsigned int s = 0; s < 86400; s++) {
            uint8_t r[RTC_CMOS_SIZE];
            vrtc_encode(s, f ? BCD12 : BCD24, 0, r);
            day[f][s][0] = r[RTC_SEC];
            day[f][s][1] = r[RTC_MIN];
            day[f][s][2] = r[RTC_HOUR];
        }
    static const uint8_t bytes[] = { 0x00, 0x07, 0x12, 0x23, 0x30, 0x59, 0x81, 0x92, 0xC0 };
    for (unsigned int i = 0; i < sizeof(bytes); i++)
        for (unsigned int j = 0; j < sizeof(bytes); j++)
            for (unsigned int k = 0; k < sizeof(bytes); k++)
                for (unsigned int start = 0; start < 86400; start += 21601) {
                    unsigned int f = (i + j + k) & 1;
                    int want = -1, got = vrtc_alarm_next(start, bytes[i], bytes[j], bytes[k],
                                                        f ? BCD12 : BCD24);
                    for (unsigned int o = 0; o < 86400 && want < 0; o++) {
                        const uint8_t *r = day[f][(start + o) % 86400];
                        if ((bytes[i] >= 0xC0 || bytes[i] == r[0]) &&
                            (bytes[j] >= 0xC0 || bytes[j] == r[1]) &&
                            (bytes[k] >= 0xC0 || bytes[k] == r[2]))
                            want = (int)o;
                    }
                    CHECK_EQ(got, want);
                }
}

static void rates(void)
{
    CHECK_EQ(vrtc_rate_shift(0), 0);
    CHECK_EQ(vrtc_rate_shift(3), 2);                       /* 8192 Hz: 4 ticks */
    CHECK_EQ(vrtc_rate_shift(6), 5);                       /* 1024 Hz */
    CHECK_EQ(vrtc_rate_shift(15), 14);                     /* 2 Hz */
    CHECK_EQ(vrtc_rate_shift(1), vrtc_rate_shift(8));
    CHECK_EQ(vrtc_rate_shift(2), vrtc_rate_shift(9));
    CHECK_EQ(vrtc_ns_to_ticks(1000000000ULL), RTC_HZ);
    CHECK_EQ(vrtc_ticks_to_ns(4), 122071);
    CHECK_EQ(vrtc_ticks_to_ns(RTC_HZ * 3ULL), 3000000000ULL);
    for (uint64_t n = 1; n < 100000000ULL; n = n * 3 + 1) {
        uint64_t ns = vrtc_ticks_to_ns(n);
        CHECK_EQ(vrtc_ns_to_ticks(ns), n);
        CHECK_EQ(vrtc_ns_to_ticks(ns - 1), n - 1);
    }
    CHECK_EQ(vrtc_ns_to_ticks(UINT64_MAX / 2) > 0, 1);
}

UNIT_MAIN("vrtc_rules")
{
    TEST_RUN(formats);
    TEST_RUN(hours);
    TEST_RUN(calendar);
    TEST_RUN(encode_decode);
    TEST_RUN(alarms);
    TEST_RUN(rates);
}
