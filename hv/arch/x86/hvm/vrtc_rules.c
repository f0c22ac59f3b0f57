/*
 * MC146818 clock arithmetic (asm/vrtc_rules.h): register formats, the
 * calendar, alarm matching and periodic rates. No state: vrtc.c keeps it.
 */
#include <asm/vrtc_rules.h>

#define NS_PER_SEC 1000000000ULL

uint8_t vrtc_to_reg(unsigned int v, bool binary)
{
    v %= 100;
    return binary ? (uint8_t)v : (uint8_t)(((v / 10) << 4) | (v % 10));
}

unsigned int vrtc_from_reg(uint8_t r, bool binary)
{
    return binary ? r : (unsigned int)(r >> 4) * 10 + (r & 0x0F);
}

uint8_t vrtc_hour_to_reg(unsigned int h, bool binary, bool h24)
{
    unsigned int h12;

    h %= 24;
    if (h24)
        return vrtc_to_reg(h, binary);
    h12 = h % 12 ? h % 12 : 12;
    return vrtc_to_reg(h12, binary) | (h >= 12 ? 0x80 : 0);
}

unsigned int vrtc_hour_from_reg(uint8_t r, bool binary, bool h24)
{
    if (h24)
        return vrtc_from_reg(r, binary);
    /* 12 AM is midnight, 12 PM noon; a 12-hour value past 12 wraps. */
    return vrtc_from_reg(r & 0x7F, binary) % 12 + ((r & 0x80) ? 12 : 0);
}

int64_t vrtc_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t vrtc_floor_mod(int64_t a, int64_t b)
{
    return a - vrtc_floor_div(a, b) * b;
}

/*
 * The calendar counted from 1 March of year 0, so that the leap day is a
 * year's last: 400-year eras of 146097 days, years of 365 days plus one
 * each 4th, less each 100th, plus each 400th. 1970-01-01 is day 719468.
 */
#define DAYS_0000_03_01_TO_EPOCH 719468
#define DAYS_PER_ERA             146097

int64_t vrtc_days_from_civil(int64_t y, unsigned int m, int64_t d)
{
    int64_t era, yoe, doy, doe;
    unsigned int mar = m > 2 ? m - 3 : m + 9;          /* March = 0 */

    if (m <= 2)
        y--;
    era = vrtc_floor_div(y, 400);
    yoe = y - era * 400;                                /* 0-399 */
    doy = (153 * (int64_t)mar + 2) / 5 + d - 1;         /* days into the March-based year */
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * DAYS_PER_ERA + doe - DAYS_0000_03_01_TO_EPOCH;
}

void vrtc_civil_from_days(int64_t days, int64_t *y, unsigned int *m, unsigned int *d)
{
    int64_t z = days + DAYS_0000_03_01_TO_EPOCH;
    int64_t era = vrtc_floor_div(z, DAYS_PER_ERA);
    int64_t doe = z - era * DAYS_PER_ERA;               /* 0-146096 */
    /* Year of the era: the leap days so far taken out before dividing. */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mar = (5 * doy + 2) / 153;                  /* month from March, 0-11 */

    *d = (unsigned int)(doy - (153 * mar + 2) / 5 + 1);
    *m = (unsigned int)(mar < 10 ? mar + 3 : mar - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

unsigned int vrtc_weekday(int64_t days)
{
    return (unsigned int)vrtc_floor_mod(days + 4, 7) + 1;   /* 1970-01-01: Thursday, 5 */
}

void vrtc_encode(int64_t t, uint8_t regb, unsigned int wday_shift, uint8_t *regs)
{
    bool bin = regb & RTC_B_DM, h24 = regb & RTC_B_24H;
    int64_t days = vrtc_floor_div(t, 86400), y;
    unsigned int sod = (unsigned int)vrtc_floor_mod(t, 86400), m, d;

    vrtc_civil_from_days(days, &y, &m, &d);
    regs[RTC_SEC] = vrtc_to_reg(sod % 60, bin);
    regs[RTC_MIN] = vrtc_to_reg(sod / 60 % 60, bin);
    regs[RTC_HOUR] = vrtc_hour_to_reg(sod / 3600, bin, h24);
    regs[RTC_WDAY] = vrtc_to_reg((vrtc_weekday(days) - 1 + wday_shift) % 7 + 1, bin);
    regs[RTC_MDAY] = vrtc_to_reg(d, bin);
    regs[RTC_MONTH] = vrtc_to_reg(m, bin);
    regs[RTC_YEAR] = vrtc_to_reg((unsigned int)vrtc_floor_mod(y, 100), bin);
    regs[RTC_CENTURY] = vrtc_to_reg((unsigned int)vrtc_floor_mod(vrtc_floor_div(y, 100), 100), bin);
}

int64_t vrtc_decode(const uint8_t *regs, uint8_t regb, unsigned int *wday_shift)
{
    bool bin = regb & RTC_B_DM, h24 = regb & RTC_B_24H;
    unsigned int m = vrtc_from_reg(regs[RTC_MONTH], bin), w;
    int64_t y = (int64_t)vrtc_from_reg(regs[RTC_CENTURY], bin) * 100 +
                vrtc_from_reg(regs[RTC_YEAR], bin);
    int64_t t;

    m = m < 1 ? 1 : m > 12 ? 12 : m;
    t = vrtc_days_from_civil(y, m, vrtc_from_reg(regs[RTC_MDAY], bin)) * 86400 +
        (int64_t)vrtc_hour_from_reg(regs[RTC_HOUR], bin, h24) * 3600 +
        (int64_t)vrtc_from_reg(regs[RTC_MIN], bin) * 60 + vrtc_from_reg(regs[RTC_SEC], bin);
    w = vrtc_from_reg(regs[RTC_WDAY], bin);
    *wday_shift = w >= 1 && w <= 7
        ? (unsigned int)vrtc_floor_mod((int64_t)w - vrtc_weekday(vrtc_floor_div(t, 86400)), 7) : 0;
    return t;
}

static bool alarm_byte_matches(uint8_t alarm, uint8_t reg)
{
    return alarm >= RTC_ALARM_ANY || alarm == reg;
}

int vrtc_alarm_next(unsigned int sod, uint8_t sec_alarm, uint8_t min_alarm,
                   uint8_t hour_alarm, uint8_t regb)
{
    bool bin = regb & RTC_B_DM, h24 = regb & RTC_B_24H;
    uint64_t secs = 0, mins = 0;        /* the values each byte matches, a bit each */
    uint32_t hours = 0;

    sod %= 86400;
    for (unsigned int v = 0; v < 60; v++) {
        if (alarm_byte_matches(sec_alarm, vrtc_to_reg(v, bin)))
            secs |= 1ULL << v;
        if (alarm_byte_matches(min_alarm, vrtc_to_reg(v, bin)))
            mins |= 1ULL << v;
    }
    for (unsigned int v = 0; v < 24; v++)
        if (alarm_byte_matches(hour_alarm, vrtc_hour_to_reg(v, bin, h24)))
            hours |= 1u << v;
    if (!secs || !mins || !hours)
        return -1;
    /* Minute by minute from this one, round to this one again tomorrow
     * (for its seconds before sod's). */
    for (unsigned int k = 0; k <= 24 * 60; k++) {
        unsigned int minute = (sod / 60 + k) % (24 * 60);
        unsigned int from = k == 0 ? sod % 60 : 0;
        uint64_t left;

        if (!(hours & (1u << (minute / 60))) || !(mins & (1ULL << (minute % 60))))
            continue;
        left = secs & ~((1ULL << from) - 1);
        if (left)
            return (int)(k * 60 + (unsigned int)__builtin_ctzll(left) - sod % 60);
    }
    return -1;                          /* not reached: some time of day matches */
}

unsigned int vrtc_rate_shift(unsigned int rs)
{
    rs &= RTC_A_RS;
    if (rs == 0)
        return 0;
    if (rs <= 2)
        rs += 7;                        /* 256 and 128 Hz, as rates 8 and 9 */
    return rs - 1;                      /* rate n: 32768 >> (n - 1) Hz */
}

uint64_t vrtc_ns_to_ticks(uint64_t ns)
{
    return ns / NS_PER_SEC * RTC_HZ + ns % NS_PER_SEC * RTC_HZ / NS_PER_SEC;
}

uint64_t vrtc_ticks_to_ns(uint64_t ticks)
{
    return ticks / RTC_HZ * NS_PER_SEC + (ticks % RTC_HZ * NS_PER_SEC + RTC_HZ - 1) / RTC_HZ;
}
