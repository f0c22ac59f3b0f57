/*
 * The CMOS real-time clock, read once at boot: the wall-clock time at
 * system time 0 that guests find in shared_info (wc_sec/wc_nsec), until
 * dom0 sets it (pvclock_set_wallclock).
 */
#include <oryx/lib.h>
#include <asm/io.h>
#include <asm/rtc.h>
#include <asm/time.h>
#include <oryx/pvclock.h>

static uint8_t cmos_read(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static unsigned int bcd(uint8_t v, bool is_bcd)
{
    return is_bcd ? (v & 0xF) + (v >> 4) * 10 : v;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static uint64_t days_from_civil(unsigned int y, unsigned int m, unsigned int d)
{
    y -= m <= 2;
    unsigned int era = y / 400;
    unsigned int yoe = y - era * 400;
    unsigned int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (uint64_t)era * 146097 + doe - 719468;
}

void rtc_init(void)
{
    uint8_t sec, min, hour, day, mon, year, cent, regb;
    unsigned int tries = 0;

    /* Wait out an update in progress, then read until two reads agree. */
    do {
        while ((cmos_read(0x0A) & 0x80) && tries++ < 1000000)
            ;
        sec = cmos_read(0x00);
        min = cmos_read(0x02);
        hour = cmos_read(0x04);
        day = cmos_read(0x07);
        mon = cmos_read(0x08);
        year = cmos_read(0x09);
        cent = cmos_read(0x32);
    } while (sec != cmos_read(0x00) && tries++ < 1000000);
    regb = cmos_read(0x0B);
    bool is_bcd = !(regb & 0x04);
    unsigned int h = bcd(hour & 0x7F, is_bcd);
    if (!(regb & 0x02) && (hour & 0x80))
        h = (h % 12) + 12;                  /* 12-hour clock, PM */
    unsigned int y = bcd(year, is_bcd) + (cent ? bcd(cent, is_bcd) * 100 : 2000);
    uint64_t t = days_from_civil(y, bcd(mon, is_bcd), bcd(day, is_bcd)) * 86400 +
                 h * 3600 + bcd(min, is_bcd) * 60 + bcd(sec, is_bcd);
    uint64_t now = NOW();
    pvclock_set_wallclock(now > t * 1000000000ULL ? 0 : t * 1000000000ULL - now);
    printk("Time: wall clock %lu (UNIX seconds) from the CMOS RTC\n", (unsigned long)t);
}
