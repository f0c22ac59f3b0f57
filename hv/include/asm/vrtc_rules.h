/*
 * The arithmetic of the MC146818 real-time clock, as pure functions:
 * register formats (BCD or binary, 12- or 24-hour), the calendar (UNIX
 * seconds to and from the time/date registers), alarm matching, and the
 * periodic-interrupt rates of the 32.768 kHz time base. vrtc.c applies
 * them to a domain's RTC; tests/unit/test_vrtc_rules.c checks them on the
 * host.
 */
#ifndef ASM_VRTC_RULES_H
#define ASM_VRTC_RULES_H

#include <oryx/types.h>

/* CMOS indices of the clock. */
#define RTC_SEC         0x00
#define RTC_SEC_ALARM   0x01
#define RTC_MIN         0x02
#define RTC_MIN_ALARM   0x03
#define RTC_HOUR        0x04
#define RTC_HOUR_ALARM  0x05
#define RTC_WDAY        0x06
#define RTC_MDAY        0x07
#define RTC_MONTH       0x08
#define RTC_YEAR        0x09
#define RTC_REG_A       0x0A
#define RTC_REG_B       0x0B
#define RTC_REG_C       0x0C
#define RTC_REG_D       0x0D
#define RTC_CENTURY     0x32            /* the PC's century byte (the FADT's CENTURY) */
#define RTC_CMOS_SIZE   128

#define RTC_A_UIP       0x80
#define RTC_A_DV        0x70            /* divider: 010 runs, 11x holds it in reset */
#define RTC_A_RS        0x0F            /* rate select */
#define RTC_B_SET       0x80
#define RTC_B_PIE       0x40
#define RTC_B_AIE       0x20
#define RTC_B_UIE       0x10
#define RTC_B_SQWE      0x08
#define RTC_B_DM        0x04            /* binary (else BCD) */
#define RTC_B_24H       0x02
#define RTC_B_DSE       0x01
#define RTC_C_IRQF      0x80
#define RTC_C_PF        0x40
#define RTC_C_AF        0x20
#define RTC_C_UF        0x10
#define RTC_D_VRT       0x80

#define RTC_ALARM_ANY   0xC0            /* an alarm byte >= this matches every value */
#define RTC_HZ          32768           /* the time base */
#define RTC_UIP_NS      244141          /* UIP is up this long before each update */

/* One field (0-99) in the register format, and back. Out-of-range
 * register contents decode to what their digits say (0xAF in BCD: 115). */
uint8_t vrtc_to_reg(unsigned int v, bool binary);
unsigned int vrtc_from_reg(uint8_t r, bool binary);
/* The hour (0-23) in the register format: in 12-hour mode 1-12 with bit 7
 * for PM. Decoding takes any byte and gives 0-23 in 12-hour mode, or
 * whatever the digits say in 24-hour mode. */
uint8_t vrtc_hour_to_reg(unsigned int h, bool binary, bool h24);
unsigned int vrtc_hour_from_reg(uint8_t r, bool binary, bool h24);

/* Days since 1970-01-01 of a proleptic Gregorian date (any month 1-12,
 * any day: day 0 is the day before the 1st), and back. */
int64_t vrtc_days_from_civil(int64_t y, unsigned int m, int64_t d);
void vrtc_civil_from_days(int64_t days, int64_t *y, unsigned int *m, unsigned int *d);
/* The day of the week the RTC counts: 1 = Sunday ... 7 = Saturday. */
unsigned int vrtc_weekday(int64_t days);

/* Floor division and remainder (for times before 1970). */
int64_t vrtc_floor_div(int64_t a, int64_t b);
int64_t vrtc_floor_mod(int64_t a, int64_t b);

/*
 * Time t (UNIX seconds) into regs[RTC_SEC..RTC_YEAR] and regs[RTC_CENTURY]
 * in the format of status B; the day of week is the real one moved on by
 * wday_shift (0-6) days. The alarm bytes are left alone.
 */
void vrtc_encode(int64_t t, uint8_t regb, unsigned int wday_shift, uint8_t *regs);
/* The registers back into UNIX seconds; fields out of range carry over
 * (minute 75 is an hour and 15 minutes, month 0 counts as 1, 13+ as 12).
 * *wday_shift: how far the day-of-week register is from the real day
 * (0 if it holds no day 1-7). */
int64_t vrtc_decode(const uint8_t *regs, uint8_t regb, unsigned int *wday_shift);

/*
 * Seconds from second-of-day sod (0-86399) to the next time of day, sod
 * itself included, whose seconds, minutes and hours registers (in the
 * format of status B) match the alarm bytes; -1 if none ever does.
 */
int vrtc_alarm_next(unsigned int sod, uint8_t sec_alarm, uint8_t min_alarm,
                   uint8_t hour_alarm, uint8_t regb);

/* The periodic interrupt of rate select rs: its period in ticks of the
 * 32.768 kHz time base is 1 << shift; 0 for none (rs 0). Rates 1 and 2
 * are those of 8 and 9. */
unsigned int vrtc_rate_shift(unsigned int rs);
/* Whole time-base ticks in ns nanoseconds, and the ns when tick n starts
 * (rounded up: the first ns at or after it). */
uint64_t vrtc_ns_to_ticks(uint64_t ns);
uint64_t vrtc_ticks_to_ns(uint64_t ticks);

#endif
