/*
 * rtc: the RTC/CMOS of a type=hvm domain (ports 0x70-0x71, IRQ 8 on the
 * IOAPIC's pin 8). vCPU 0:
 *  - status D reads 0x80, A 0x26, B 0x02 (24-hour BCD);
 *  - the date is plausible (fields in range, year >= 2024, the day of
 *    week that date's) and (in every mode: the layout its mode latched)
 *    within a few seconds of shared_info's wall clock; in binary mode
 *    (DM) it reads the same;
 *  - the seconds advance from one falling edge of UIP to the next;
 *  - a time written with SET held reads back and runs on from there
 *    (across midnight into the next day);
 *  - 12-hour mode: 11 PM is 0x91, noon 0x92, midnight 0x12; switching
 *    formats while the clock runs shows the hour in the new one;
 *  - with the divider in reset the clock holds, and runs again after;
 *  - NVRAM bytes read back (index bit 7, NMI disable, changes nothing);
 *  - status C: PF is set with PIE clear (IRQF not), reading C clears it;
 *  - through the IOAPIC and the local APIC (x2APIC): periodic interrupts
 *    at 1024 and 8192 Hz arrive repeatedly and stop when PIE is cleared;
 *    update-ended interrupts about once a second; an alarm 2 s ahead;
 *  - word and dword accesses split into bytes; string I/O is ignored;
 *    garbage in every register does no harm.
 * With `pvh` (a domain without type=hvm) there is no RTC: port 0x71 reads
 * 0xFF and writes go nowhere.
 * Expected: PASS.
 */
#include "guest.h"

const char test_name[] = "rtc";

#define IDX     0x70
#define DATA    0x71

#define R_SEC   0x00
#define R_SECA  0x01
#define R_MIN   0x02
#define R_MINA  0x03
#define R_HOUR  0x04
#define R_HOURA 0x05
#define R_WDAY  0x06
#define R_MDAY  0x07
#define R_MON   0x08
#define R_YEAR  0x09
#define R_A     0x0A
#define R_B     0x0B
#define R_C     0x0C
#define R_D     0x0D
#define R_CENT  0x32

#define A_UIP   0x80
#define B_SET   0x80
#define B_PIE   0x40
#define B_AIE   0x20
#define B_UIE   0x10
#define B_DM    0x04
#define B_24H   0x02
#define C_IRQF  0x80
#define C_PF    0x40
#define C_AF    0x20
#define C_UF    0x10

#define IOAPIC  0xFEC00000UL
#define VEC     0x51

/* ---- port access, atomic against the handler (which reads C) ---- */

static unsigned long irq_save(void)
{
    unsigned long f;

    __asm__ volatile ("pushf; pop %0; cli" : "=r" (f) :: "memory");
    return f;
}

static void irq_restore(unsigned long f)
{
    if (f & 0x200)
        __asm__ volatile ("sti" ::: "memory");
}

static uint8_t rd(uint8_t i)
{
    unsigned long f = irq_save();
    uint8_t v;

    outb(IDX, i);
    v = inb(DATA);
    irq_restore(f);
    return v;
}

static void wr(uint8_t i, uint8_t v)
{
    unsigned long f = irq_save();

    outb(IDX, i);
    outb(DATA, v);
    irq_restore(f);
}

static void outw(uint16_t port, uint16_t v)
{
    __asm__ volatile ("outw %0, %1" :: "a" (v), "Nd" (port));
}

static uint16_t inw(uint16_t port)
{
    uint16_t v;

    __asm__ volatile ("inw %1, %0" : "=a" (v) : "Nd" (port));
    return v;
}

static uint32_t inl(uint16_t port)
{
    uint32_t v;

    __asm__ volatile ("inl %1, %0" : "=a" (v) : "Nd" (port));
    return v;
}

/* ---- time ---- */

static const struct vcpu_time_info *pvt;

static uint64_t now_ms(void)
{
    return div64(pvclock_read_ns(pvt), 1000000, NULL);
}

static void sleep_ms(uint64_t ms)
{
    uint64_t end = now_ms() + ms;

    while (now_ms() < end)
        cpu_relax();
}

static unsigned int bcd2bin(uint8_t v)
{
    return (v >> 4) * 10 + (v & 15);
}

static uint8_t bin2bcd(unsigned int v)
{
    return (uint8_t)(((v / 10) << 4) | (v % 10));
}

/* Days since 1970-01-01 (years 1970-2399). */
static uint32_t days_of(unsigned int y, unsigned int m, unsigned int d)
{
    static const uint16_t before[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
    uint32_t days = (y - 1970) * 365 + before[m - 1] + d - 1;

    /* Leap days of the years before y, and of y if past February. */
    unsigned int yl = m > 2 ? y : y - 1;
    days += (yl / 4 - 1969 / 4) - (yl / 100 - 1969 / 100) + (yl / 400 - 1969 / 400);
    return days;
}

struct tm_rtc {
    unsigned int sec, min, hour, wday, mday, mon, year;     /* year: full */
};

static uint64_t unix_of(const struct tm_rtc *t)
{
    return (uint64_t)days_of(t->year, t->mon, t->mday) * 86400 + t->hour * 3600u +
           t->min * 60u + t->sec;
}

/* The time registers, read between updates until two reads agree. */
static void read_raw(uint8_t r[10], uint8_t *cent)
{
    uint8_t again[10], c2;

    for (unsigned int tries = 0; tries < 100; tries++) {
        uint64_t until = now_ms() + 2000;
        while (rd(R_A) & A_UIP)
            if (now_ms() > until)
                guest_fail("UIP stays set for 2 s");
        for (unsigned int i = 0; i < 10; i++)
            r[i] = rd((uint8_t)i);
        *cent = rd(R_CENT);
        for (unsigned int i = 0; i < 10; i++)
            again[i] = rd((uint8_t)i);
        c2 = rd(R_CENT);
        if (!memcmp(r, again, 10) && c2 == *cent)
            return;
    }
    guest_fail("the time registers never read the same twice");
}

static struct tm_rtc decode(const uint8_t r[10], uint8_t cent, uint8_t b)
{
    bool bin = b & B_DM;
    struct tm_rtc t;

#define FIELD(x) (bin ? (unsigned int)(x) : bcd2bin(x))
    t.sec = FIELD(r[R_SEC]);
    t.min = FIELD(r[R_MIN]);
    if (b & B_24H) {
        t.hour = FIELD(r[R_HOUR]);
    } else {
        t.hour = FIELD(r[R_HOUR] & 0x7F) % 12 + ((r[R_HOUR] & 0x80) ? 12 : 0);
    }
    t.wday = FIELD(r[R_WDAY]);
    t.mday = FIELD(r[R_MDAY]);
    t.mon = FIELD(r[R_MON]);
    t.year = FIELD(cent) * 100 + FIELD(r[R_YEAR]);
#undef FIELD
    return t;
}

static struct tm_rtc read_time(void)
{
    uint8_t r[10], cent;

    read_raw(r, &cent);
    return decode(r, cent, rd(R_B));
}

static void check_plausible(const struct tm_rtc *t, const char *what)
{
    if (t->sec > 59 || t->min > 59 || t->hour > 23 || t->wday < 1 || t->wday > 7 ||
        t->mday < 1 || t->mday > 31 || t->mon < 1 || t->mon > 12 || t->year < 2024 ||
        t->year > 2399)
        guest_fail("%s: implausible %u-%02u-%02u %02u:%02u:%02u weekday %u", what, t->year,
                   t->mon, t->mday, t->hour, t->min, t->sec, t->wday);
    unsigned int wd = (days_of(t->year, t->mon, t->mday) + 4) % 7 + 1;     /* 1 = Sunday */
    if (t->wday != wd)
        guest_fail("%s: weekday %u, but %u-%02u-%02u is day %u", what, t->wday, t->year,
                   t->mon, t->mday, wd);
}

/* In either mode: the hypervisor writes the layout the guest's mode
 * latched (a 32-bit guest's wall clock is 768 bytes lower). */
static uint64_t wall_now(void)
{
    uint64_t wc = shared_info->wc_sec;          /* wc_sec_hi: 0 until 2106 */

    return wc + div64(pvclock_read_ns(pvt), 1000000000, NULL);
}

static uint64_t diff(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

/* ---- the checks ---- */

static void check_status(void)
{
    uint8_t a = rd(R_A), b = rd(R_B), d = rd(R_D);

    if (d != 0x80)
        guest_fail("status D reads 0x%02x, want 0x80", d);
    wr(R_D, 0);
    if (rd(R_D) != 0x80)
        guest_fail("status D changed by a write");
    if ((a & 0x7F) != 0x26 || b != B_24H)
        guest_fail("status A 0x%02x, B 0x%02x; want 0x26 and 0x02", a, b);
    printf("rtc: status A 0x26 B 0x02 D 0x80\n");
}

static void check_date(void)
{
    struct tm_rtc t = read_time(), tb;
    uint64_t u = unix_of(&t);

    check_plausible(&t, "BCD");
    uint64_t w = wall_now();
    if (diff(u, w) > 5)
        guest_fail("RTC %llu, wall clock %llu: more than 5 s apart", (unsigned long long)u,
                   (unsigned long long)w);
    printf("rtc: within 5 s of shared_info's wall clock\n");
    wr(R_B, B_24H | B_DM);
    tb = read_time();
    check_plausible(&tb, "binary");
    if (unix_of(&tb) < u || unix_of(&tb) > u + 3)
        guest_fail("binary reading %llu, BCD %llu", (unsigned long long)unix_of(&tb),
                   (unsigned long long)u);
    if (rd(R_CENT) != t.year / 100)
        guest_fail("century byte 0x%02x in binary mode", rd(R_CENT));
    wr(R_B, B_24H);
    printf("rtc: %u-%02u-%02u %02u:%02u:%02u UTC (weekday %u); binary mode agrees\n",
           t.year, t.mon, t.mday, t.hour, t.min, t.sec, t.wday);
}

/* The moment UIP falls (false after 3 s without one). */
static bool uip_edge(void)
{
    uint64_t until = now_ms() + 3000;

    while (!(rd(R_A) & A_UIP))
        if (now_ms() > until)
            return false;
    while (rd(R_A) & A_UIP)
        if (now_ms() > until)
            return false;
    return true;
}

static void check_advance(void)
{
    uint8_t s0, s1;
    uint64_t t0, t1;

    if (!uip_edge())
        guest_fail("no UIP edge in 3 s");
    s0 = rd(R_SEC);
    t0 = now_ms();
    if (!uip_edge())
        guest_fail("no second UIP edge in 3 s");
    s1 = rd(R_SEC);
    t1 = now_ms();
    unsigned int d = (bcd2bin(s1) + 60 - bcd2bin(s0)) % 60;
    if (d < 1 || d > 3)
        guest_fail("seconds went 0x%02x -> 0x%02x between UIP edges", s0, s1);
    printf("rtc: seconds advance at UIP's falling edge (%u s in %llu ms)\n", d,
           (unsigned long long)(t1 - t0));
}

static void write_time(uint8_t b, const uint8_t r[10], uint8_t cent)
{
    wr(R_B, b | B_SET);
    for (unsigned int i = 0; i < 10; i++)
        if (i != R_SECA && i != R_MINA && i != R_HOURA)
            wr((uint8_t)i, r[i]);
    wr(R_CENT, cent);
    wr(R_B, b);
}

static void check_set(void)
{
    /* 2030-06-15 23:59:58, a Saturday. */
    static const uint8_t set[10] = { 0x58, 0, 0x59, 0, 0x23, 0, 7, 0x15, 0x06, 0x30 };
    struct tm_rtc t;
    uint64_t u0, u;

    wr(R_B, B_24H | B_SET);
    if (rd(R_A) & A_UIP)
        guest_fail("UIP set while SET is held");
    write_time(B_24H, set, 0x20);
    t = read_time();
    u0 = unix_of(&(struct tm_rtc){ 58, 59, 23, 7, 15, 6, 2030 });
    u = unix_of(&t);
    if (u < u0 || u > u0 + 1 || t.wday != 7)
        guest_fail("wrote 2030-06-15 23:59:58, read %u-%02u-%02u %02u:%02u:%02u", t.year,
                   t.mon, t.mday, t.hour, t.min, t.sec);
    sleep_ms(2500);
    t = read_time();
    u = unix_of(&t);
    check_plausible(&t, "after midnight");
    if (u < u0 + 2 || u > u0 + 6 || t.mday != 16 || t.wday != 1)
        guest_fail("2.5 s after 23:59:58 it reads %u-%02u-%02u %02u:%02u:%02u weekday %u",
                   t.year, t.mon, t.mday, t.hour, t.min, t.sec, t.wday);
    printf("rtc: set 2030-06-15 23:59:58 with SET; runs on to %u-%02u-%02u %02u:%02u:%02u "
           "(Sunday)\n", t.year, t.mon, t.mday, t.hour, t.min, t.sec);
}

static void expect_hour(uint8_t want, const char *what)
{
    uint8_t h;

    while (rd(R_A) & A_UIP)
        ;
    h = rd(R_HOUR);
    if (h != want)
        guest_fail("%s: hour reads 0x%02x, want 0x%02x", what, h, want);
}

static void check_12h(void)
{
    static const uint8_t pm11[10] = { 0x00, 0, 0x30, 0, 0x91, 0, 3, 0x10, 0x03, 0x26 };
    uint8_t r[10];

    write_time(0, pm11, 0x20);                  /* 12-hour BCD: 11:30 PM */
    expect_hour(0x91, "12-hour, 11 PM written");
    wr(R_B, B_24H);
    expect_hour(0x23, "12-hour clock switched to 24-hour");
    memcpy(r, pm11, 10);
    r[R_HOUR] = 0x12;
    write_time(B_24H, r, 0x20);
    wr(R_B, 0);
    expect_hour(0x92, "noon in 12-hour mode");
    r[R_HOUR] = 0x00;
    write_time(B_24H, r, 0x20);
    wr(R_B, B_DM);
    expect_hour(12, "midnight in 12-hour binary");
    wr(R_B, B_24H);
    printf("rtc: 12-hour mode: 11 PM 0x91, noon 0x92, midnight 0x12 (binary 12)\n");
}

static void check_divider(void)
{
    uint8_t s0, s1;

    wr(R_A, 0x70);                              /* DV 111: divider in reset */
    s0 = rd(R_SEC);
    sleep_ms(1500);
    s1 = rd(R_SEC);
    if (s0 != s1)
        guest_fail("divider in reset, seconds moved 0x%02x -> 0x%02x", s0, s1);
    if (rd(R_A) & A_UIP)
        guest_fail("UIP with the divider in reset");
    wr(R_A, 0x26);
    if (!uip_edge())
        guest_fail("no update after the divider's release");
    s1 = rd(R_SEC);
    if (s1 == s0)
        guest_fail("released divider: seconds still 0x%02x", s1);
    printf("rtc: divider in reset holds the clock, released it runs\n");
}

static void check_nvram(void)
{
    for (unsigned int i = 0x0E; i < 0x80; i++)
        if (i != R_CENT)
            wr((uint8_t)i, (uint8_t)(i * 7 + 3));
    for (unsigned int i = 0x0E; i < 0x80; i++) {
        uint8_t want = (uint8_t)(i * 7 + 3);
        if (i != R_CENT && (rd((uint8_t)i) != want || rd((uint8_t)(i | 0x80)) != want))
            guest_fail("NVRAM 0x%02x reads 0x%02x, want 0x%02x", i, rd((uint8_t)i), want);
    }
    printf("rtc: NVRAM 0x0e-0x7f reads back (NMI-disable bit or not)\n");
}

static void check_status_c(void)
{
    uint8_t c;

    wr(R_B, B_24H | B_SET);                     /* no updates: no UF meanwhile */
    wr(R_A, 0x20);                              /* no periodic rate */
    rd(R_C);
    if ((c = rd(R_C)) != 0)
        guest_fail("status C reads 0x%02x right after a read", c);
    wr(R_A, 0x26);                              /* 1024 Hz, PIE clear */
    sleep_ms(20);
    c = rd(R_C);
    if (c != C_PF)
        guest_fail("after 20 ms at 1024 Hz with PIE clear, C reads 0x%02x, want 0x40", c);
    wr(R_A, 0x20);                              /* no PF from here */
    rd(R_C);
    if ((c = rd(R_C)) != 0)
        guest_fail("status C reads 0x%02x after being read", c);
    wr(R_B, B_24H);
    printf("rtc: status C: PF without PIE (no IRQF), cleared by reading it\n");
}

/* ---- interrupts ---- */

static volatile unsigned int irqs;
static volatile uint8_t flags_seen;
static volatile uint64_t last_irq_ms;

static void on_rtc(struct cpu_regs *r)
{
    uint8_t c;

    (void)r;
    outb(IDX, R_C);
    c = inb(DATA);
    /* IRQF may be clear: the main line may have cleared the enable (and
     * so IRQF) after this interrupt was sent. */
    flags_seen |= c;
    irqs++;
    last_irq_ms = now_ms();
    wrmsr(0x80B, 0);                            /* x2APIC EOI */
}

static void ioapic_write(uint32_t reg, uint32_t val)
{
    *(volatile uint32_t *)IOAPIC = reg;
    *(volatile uint32_t *)(IOAPIC + 0x10) = val;
}

static void setup_irq(void)
{
    uint64_t base = rdmsr(0x1B);

    if ((base & 0xC00) != 0xC00)
        guest_fail("the local APIC is not in x2APIC mode (base 0x%llx)", (unsigned long long)base);
    trap_handler[VEC] = on_rtc;
    wrmsr(0x808, 0);                            /* TPR */
    wrmsr(0x80F, 0x1FF);                        /* SVR: enabled, spurious 0xFF */
    ioapic_write(0x11 + 2 * 8, 0);              /* destination APIC ID 0 */
    ioapic_write(0x10 + 2 * 8, VEC);            /* fixed, edge, active high, unmasked */
}

/* Wait with interrupts on until n arrived (false after ms). */
static bool wait_irqs(unsigned int n, uint64_t ms)
{
    uint64_t until = now_ms() + ms;
    bool ok;

    __asm__ volatile ("sti" ::: "memory");
    while (irqs < n && now_ms() < until)
        cpu_relax();
    ok = irqs >= n;
    __asm__ volatile ("cli" ::: "memory");
    return ok;
}

static void check_periodic(uint8_t rate, unsigned int hz, unsigned int want)
{
    uint64_t t0, t1;
    unsigned int got, after;

    wr(R_A, (uint8_t)(0x20 | rate));
    rd(R_C);
    irqs = flags_seen = 0;
    t0 = now_ms();
    wr(R_B, B_24H | B_PIE);
    if (!wait_irqs(want, 10000))
        guest_fail("%u Hz: %u periodic interrupts in 10 s, want %u", hz, irqs, want);
    t1 = now_ms();
    got = irqs;
    wr(R_B, B_24H);
    wait_irqs(~0u, 5);                          /* one already on its way */
    after = irqs;
    wait_irqs(~0u, 200);
    if (irqs != after)
        guest_fail("%u Hz: %u interrupts after PIE was cleared", hz, irqs - after);
    if (!(flags_seen & C_PF))
        guest_fail("%u Hz: interrupts without PF (flags 0x%02x)", hz, flags_seen);
    printf("rtc: periodic at %u Hz: %u interrupts in %llu ms, none after PIE cleared\n", hz,
           got, (unsigned long long)(t1 - t0));
    wr(R_A, 0x26);
}

static void check_update_irq(void)
{
    uint64_t t0, t1;

    rd(R_C);
    irqs = flags_seen = 0;
    t0 = now_ms();
    wr(R_B, B_24H | B_UIE);
    if (!wait_irqs(3, 10000))
        guest_fail("%u update-ended interrupts in 10 s, want 3", irqs);
    t1 = last_irq_ms;
    wr(R_B, B_24H);
    wait_irqs(~0u, 5);
    if (!(flags_seen & C_UF) || (flags_seen & C_AF))
        guest_fail("update interrupts with flags 0x%02x", flags_seen);
    /* Three updates cannot come in less than two seconds. */
    if (t1 - t0 < 1500)
        guest_fail("3 update interrupts in %llu ms", (unsigned long long)(t1 - t0));
    printf("rtc: update-ended interrupts: 3 in %llu ms\n", (unsigned long long)(t1 - t0));
}

static void check_alarm(void)
{
    struct tm_rtc t = read_time();
    unsigned int sod = t.hour * 3600 + t.min * 60 + t.sec + 2;
    uint64_t t0 = now_ms(), ms;
    struct tm_rtc at;

    sod %= 86400;
    wr(R_SECA, bin2bcd(sod % 60));
    wr(R_MINA, bin2bcd(sod / 60 % 60));
    wr(R_HOURA, bin2bcd(sod / 3600));
    rd(R_C);
    irqs = flags_seen = 0;
    wr(R_B, B_24H | B_AIE);
    if (!wait_irqs(1, 8000))
        guest_fail("no alarm interrupt 8 s after one set for %02u:%02u:%02u", sod / 3600,
                   sod / 60 % 60, sod % 60);
    ms = last_irq_ms - t0;
    at = read_time();
    wr(R_B, B_24H);
    if (!(flags_seen & C_AF))
        guest_fail("alarm interrupt with flags 0x%02x", flags_seen);
    unsigned int at_sod = at.hour * 3600 + at.min * 60 + at.sec;
    if ((at_sod + 86400 - sod) % 86400 > 5)
        guest_fail("alarm for %u s of the day fired at %u", sod, at_sod);
    if (ms < 500)
        guest_fail("alarm 2 s ahead fired after %llu ms", (unsigned long long)ms);
    printf("rtc: alarm 2 s ahead fired after %llu ms (AF)\n", (unsigned long long)ms);
    /* Don't-care bytes: every second. */
    wr(R_SECA, 0xC0);
    wr(R_MINA, 0xFF);
    wr(R_HOURA, 0xC5);
    rd(R_C);
    irqs = flags_seen = 0;
    wr(R_B, B_24H | B_AIE);
    if (!wait_irqs(2, 8000))
        guest_fail("don't-care alarm: %u interrupts in 8 s, want 2", irqs);
    wr(R_B, B_24H);
    wait_irqs(~0u, 5);
    printf("rtc: alarm with don't-care bytes fires each second\n");
}

static void check_wide_and_string(void)
{
    uint8_t buf[4] = { 0x11, 0x22, 0x33, 0x44 };
    uint16_t w;
    uint32_t l;

    outw(IDX, 0x5A40);                          /* index 0x40, then 0x5A into it */
    if (rd(0x40) != 0x5A)
        guest_fail("OUTW to 0x70: NVRAM 0x40 reads 0x%02x, want 0x5a", rd(0x40));
    outb(IDX, 0x40);
    w = inw(IDX);
    if (w != 0x5AFF)
        guest_fail("INW from 0x70 reads 0x%04x, want 0x5aff", w);
    outl(IDX, 0xDDCCA541);                      /* index 0x41 <- 0xA5; 0x72-0x73 dropped */
    if (rd(0x41) != 0xA5)
        guest_fail("OUTL to 0x70: NVRAM 0x41 reads 0x%02x, want 0xa5", rd(0x41));
    outb(IDX, 0x41);
    l = inl(0x6F);                              /* 0x6f, 0x70, 0x71, 0x72 */
    if (l != 0xFFA5FFFF)
        guest_fail("INL from 0x6f reads 0x%08x, want 0xffa5ffff", l);
    outb(IDX, 0x40);
    uint8_t *p = buf;
    unsigned long n = 4;
    __asm__ volatile ("cld; rep insb" : "+D" (p), "+c" (n) : "d" (DATA) : "memory");
    p = buf;
    n = 4;
    __asm__ volatile ("cld; rep outsb" : "+S" (p), "+c" (n) : "d" (DATA) : "memory");
    if (rd(0x40) != 0x5A)
        guest_fail("string I/O changed NVRAM 0x40 to 0x%02x", rd(0x40));
    printf("rtc: word and dword accesses split into bytes; string I/O ignored\n");
}

static void check_garbage(void)
{
    for (unsigned int i = 0; i < 256; i++)
        wr((uint8_t)i, 0xFF);
    for (unsigned int i = 0; i < 256; i++)
        (void)rd((uint8_t)i);
    wr(R_B, 0x7F);                              /* everything but SET */
    sleep_ms(50);
    wr(R_A, 0x0F);
    for (unsigned int i = 0; i < 0x80; i++)
        (void)rd((uint8_t)i);
    /* Back to sane. */
    wr(R_B, B_24H);
    wr(R_A, 0x26);
    rd(R_C);
    static const uint8_t set[10] = { 0x00, 0, 0x00, 0, 0x12, 0, 2, 0x01, 0x01, 0x29 };
    write_time(B_24H, set, 0x20);
    struct tm_rtc t = read_time();
    check_plausible(&t, "after garbage");
    printf("rtc: 0xff in every register did no harm\n");
}

static void check_pvh(void)
{
    outb(IDX, R_D);
    uint8_t d = inb(DATA), i = inb(IDX);
    outb(IDX, 0x40);
    outb(DATA, 0x12);
    uint8_t n = inb(DATA);

    if (d != 0xFF || i != 0xFF || n != 0xFF)
        guest_fail("PVH domain: 0x71 reads 0x%02x/0x%02x, 0x70 0x%02x; want all 0xff", d, n, i);
    printf("rtc: PVH domain: no RTC, port 0x71 reads 0xff\n");
}

void test_main(void)
{
    long rc;

    if (cmdline_has("pvh")) {
        check_pvh();
        return;
    }
    if (!shared_info_map(&rc))
        guest_fail("add_to_physmap(shared_info) returned %ld", rc);
    pvt = &shared_info->vcpu_info[0].time;
    check_status();
    check_date();
    check_advance();
    check_nvram();
    check_status_c();
    check_wide_and_string();
    setup_irq();
    check_periodic(6, 1024, 20);
    check_periodic(3, 8192, 50);
    check_update_irq();
    check_alarm();
    check_set();
    check_12h();
    check_divider();
    check_garbage();
}
