/*
 * hpet: an HVM domain's (type=hvm) IOAPIC and HPET, through interrupts
 * taken on the local APIC (x2APIC mode, the start mode):
 *  - the IOAPIC: version 0x11 with 48 pins, a writable ID, entries reset
 *    masked, read back with their writable bits, remote IRR read-only;
 *  - the HPET: capabilities (62.5 MHz, 3 timers, 64-bit, legacy route,
 *    routes to pins 20-23), the counter halted and running;
 *  - a one-shot edge timer fires once; a periodic one repeatedly, until
 *    disabled; a level one fires again after the EOI while its status is
 *    set (remote IRR), and not once the status is cleared; a masked pin
 *    delivers nothing; legacy replacement puts timer 0 on pin 2;
 *  - XSA-261's routes 16-31 on every timer, odd-sized and misaligned
 *    accesses: nothing but the offered routes interrupts.
 * Waits are bounded by the HPET's own counter, never by wall time.
 * Expected: PASS.
 */
#include "guest.h"

const char test_name[] = "hpet";

#define IOAPIC      0xFEC00000UL
#define HPET        0xFED00000UL

#define X2_EOI      0x80B
#define X2_SVR      0x80F

#define H_CAP       0x000
#define H_CFG       0x010
#define H_ISR       0x020
#define H_COUNTER   0x0F0
#define H_TCFG(n)   (0x100 + (n) * 0x20)
#define H_TCMP(n)   (0x108 + (n) * 0x20)

#define TN_LEVEL    (1u << 1)
#define TN_ENABLE   (1u << 2)
#define TN_PERIODIC (1u << 3)
#define TN_VAL_SET  (1u << 6)
#define TN_32BIT    (1u << 8)
#define TN_ROUTE(r) ((uint32_t)(r) << 9)

#define RTE_LEVEL   (1u << 15)
#define RTE_MASK    (1u << 16)
#define RTE_RIRR    (1u << 14)

#define VEC_BASE    0x40                /* pin p on vector 0x40 + p */
#define TICKS_MS    62500ULL            /* 62.5 MHz */

static volatile unsigned int hits[256];
static volatile bool level_clear;       /* the level handler clears the status */

static uint32_t ioapic_read(unsigned int reg)
{
    *(volatile uint32_t *)IOAPIC = reg;
    return *(volatile uint32_t *)(IOAPIC + 0x10);
}

static void ioapic_write(unsigned int reg, uint32_t val)
{
    *(volatile uint32_t *)IOAPIC = reg;
    *(volatile uint32_t *)(IOAPIC + 0x10) = val;
}

static void pin_route(unsigned int pin, bool level, bool masked)
{
    ioapic_write(0x11 + 2 * pin, 0);    /* destination: APIC ID 0, physical */
    ioapic_write(0x10 + 2 * pin, (VEC_BASE + pin) | (level ? RTE_LEVEL : 0) |
                 (masked ? RTE_MASK : 0));
}

static uint32_t r32(unsigned int off)
{
    return *(volatile uint32_t *)(HPET + off);
}

static void w32(unsigned int off, uint32_t val)
{
    *(volatile uint32_t *)(HPET + off) = val;
}

static uint64_t counter(void)
{
    uint32_t hi, lo;

    do {
        hi = r32(H_COUNTER + 4);
        lo = r32(H_COUNTER);
    } while (hi != r32(H_COUNTER + 4));
    return (uint64_t)hi << 32 | lo;
}

static void w64(unsigned int off, uint64_t val)
{
    w32(off, (uint32_t)val);
    w32(off + 4, (uint32_t)(val >> 32));
}

static void on_irq(struct cpu_regs *r)
{
    unsigned int vec = (unsigned int)r->vec;

    hits[vec]++;
    if (vec == VEC_BASE + 22) {
        if (!level_clear)
            return;             /* no EOI yet: check_level gives it */
        w32(H_ISR, 1u << 2);
    }
    wrmsr(X2_EOI, 0);
}

/* Wait until vector vec has been taken `want` times, or `ticks` of HPET
 * time have passed (the counter must be running). */
static unsigned int wait_hits(unsigned int vec, unsigned int want, uint64_t ticks)
{
    uint64_t end = counter() + ticks;

    while (hits[vec] < want && counter() < end)
        __asm__ volatile ("pause");
    return hits[vec];
}

static void settle(uint64_t ticks)
{
    uint64_t end = counter() + ticks;

    while (counter() < end)
        __asm__ volatile ("pause");
}

static void check_ioapic(void)
{
    uint32_t ver = ioapic_read(1);

    if (ver != 0x002F0011)
        guest_fail("IOAPIC version 0x%x, want 0x002f0011 (0x11, 48 pins)", ver);
    ioapic_write(0, 0x05000000);
    if (ioapic_read(0) != 0x05000000)
        guest_fail("IOAPIC ID 0x%x after writing 0x05000000", ioapic_read(0));
    for (unsigned int pin = 0; pin < 48; pin++)
        if (ioapic_read(0x10 + 2 * pin) != RTE_MASK || ioapic_read(0x11 + 2 * pin))
            guest_fail("pin %u reset entry 0x%x:%x, want masked", pin,
                       ioapic_read(0x11 + 2 * pin), ioapic_read(0x10 + 2 * pin));
    ioapic_write(0x10 + 2 * 5, 0x0001ABCD | RTE_RIRR | (1u << 12));
    ioapic_write(0x11 + 2 * 5, 0x7F000000);
    if (ioapic_read(0x10 + 2 * 5) != 0x0001ABCD || ioapic_read(0x11 + 2 * 5) != 0x7F000000)
        guest_fail("pin 5 entry 0x%x:%x, want 0x7f000000:0001abcd (status bits read-only)",
                   ioapic_read(0x11 + 2 * 5), ioapic_read(0x10 + 2 * 5));
    if (ioapic_read(0x10 + 2 * 48) != 0xFFFFFFFFu)
        guest_fail("register 0x70 (no pin 48) reads 0x%x", ioapic_read(0x10 + 2 * 48));
    ioapic_write(0x10 + 2 * 5, RTE_MASK);
    printf("IOAPIC: version 0x11, 48 pins, entries reset masked, status bits read-only\n");
}

static void check_caps(void)
{
    uint32_t lo = r32(H_CAP), period = r32(H_CAP + 4);

    if ((lo & 0xFF) != 1 || ((lo >> 8) & 0x1F) != 2 || !(lo & (1u << 13)) ||
        !(lo & (1u << 15)) || (lo >> 16) != 0x8086 || period != 16000000)
        guest_fail("HPET capabilities 0x%x:%x", period, lo);
    for (unsigned int n = 0; n < 3; n++)
        if (r32(H_TCFG(n) + 4) != 0x00F00000 || (r32(H_TCFG(n)) & 0x30) != 0x30)
            guest_fail("timer %u capabilities 0x%x:%x", n, r32(H_TCFG(n) + 4), r32(H_TCFG(n)));
    if (counter() != 0)
        guest_fail("the halted counter reads 0x%llx", (unsigned long long)counter());
    w64(H_COUNTER, 1000);
    if (counter() != 1000)
        guest_fail("the halted counter reads %llu after writing 1000",
                   (unsigned long long)counter());
    w32(H_CFG, 1);
    uint64_t a = counter();
    settle(TICKS_MS);
    uint64_t b = counter();
    w32(H_CFG, 0);
    uint64_t c = counter(), d = counter();
    if (a < 1000 || b < a + TICKS_MS || c < b || c != d)
        guest_fail("counter %llu %llu %llu %llu: not running, or not halted",
                   (unsigned long long)a, (unsigned long long)b, (unsigned long long)c,
                   (unsigned long long)d);
    printf("HPET: 62.5 MHz, 3 timers, 64-bit, routes 20-23; counter runs and halts\n");
}

static void start(void)
{
    w64(H_COUNTER, 0);
    w32(H_CFG, 1);
}

static void stop_all(void)
{
    w32(H_CFG, 0);
    for (unsigned int n = 0; n < 3; n++)
        w32(H_TCFG(n), 0);
    w32(H_ISR, 7);
}

static void check_oneshot(void)
{
    pin_route(20, false, false);
    w32(H_TCFG(0), TN_ENABLE | TN_ROUTE(20));
    w64(H_TCMP(0), 2 * TICKS_MS);
    start();
    if (wait_hits(VEC_BASE + 20, 1, 2000 * TICKS_MS) != 1)
        guest_fail("one-shot timer 0 on pin 20: %u interrupts", hits[VEC_BASE + 20]);
    settle(20 * TICKS_MS);
    if (hits[VEC_BASE + 20] != 1)
        guest_fail("one-shot timer 0 fired %u times", hits[VEC_BASE + 20]);
    stop_all();
    printf("one-shot edge timer on pin 20: one interrupt\n");
}

static void check_periodic(void)
{
    pin_route(21, false, false);
    /* As Linux starts a period: a 32-bit timer, VAL_SET, the first match,
     * then the period, each a 32-bit write. */
    w32(H_TCFG(1), TN_ENABLE | TN_PERIODIC | TN_VAL_SET | TN_32BIT | TN_ROUTE(21));
    w32(H_TCMP(1), 2 * TICKS_MS);
    w32(H_TCMP(1), 2 * TICKS_MS);
    start();
    if (wait_hits(VEC_BASE + 21, 4, 4000 * TICKS_MS) < 4)
        guest_fail("periodic timer 1 on pin 21: %u interrupts", hits[VEC_BASE + 21]);
    w32(H_TCFG(1), TN_PERIODIC | TN_32BIT | TN_ROUTE(21));     /* disabled */
    settle(TICKS_MS);
    unsigned int n = hits[VEC_BASE + 21];
    settle(20 * TICKS_MS);
    if (hits[VEC_BASE + 21] != n)
        guest_fail("disabled periodic timer: %u more interrupts", hits[VEC_BASE + 21] - n);
    stop_all();
    printf("periodic timer on pin 21: %s interrupts, none once disabled\n", n >= 4 ? ">= 4" : "?");
}

static void check_level(void)
{
    /* The first entry returns without an EOI: the pin waits (remote IRR).
     * The EOI, given with the status still set, finds the line up and the
     * pin fires again; that entry clears the status. */
    pin_route(22, true, false);
    level_clear = false;
    w32(H_TCFG(2), TN_ENABLE | TN_LEVEL | TN_ROUTE(22));
    w64(H_TCMP(2), TICKS_MS);
    start();
    if (wait_hits(VEC_BASE + 22, 1, 2000 * TICKS_MS) < 1)
        guest_fail("level timer 2 on pin 22: no interrupt");
    settle(5 * TICKS_MS);
    if (hits[VEC_BASE + 22] != 1 || !(r32(H_ISR) & 4) || !(ioapic_read(0x10 + 2 * 22) & RTE_RIRR))
        guest_fail("level timer 2 before its EOI: %u interrupts, status 0x%x, entry 0x%x",
                   hits[VEC_BASE + 22], r32(H_ISR), ioapic_read(0x10 + 2 * 22));
    level_clear = true;
    wrmsr(X2_EOI, 0);
    if (wait_hits(VEC_BASE + 22, 2, 2000 * TICKS_MS) < 2)
        guest_fail("level pin 22 not delivered again after the EOI with its status set");
    settle(10 * TICKS_MS);
    if (hits[VEC_BASE + 22] != 2 || (r32(H_ISR) & 4))
        guest_fail("level pin 22: %u interrupts, status 0x%x after clearing",
                   hits[VEC_BASE + 22], r32(H_ISR));
    if (ioapic_read(0x10 + 2 * 22) & RTE_RIRR)
        guest_fail("pin 22 remote IRR still set after the EOI");
    stop_all();
    printf("level timer on pin 22: again after an EOI while set, remote IRR cleared\n");
}

static void check_masked_and_legacy(void)
{
    pin_route(23, false, true);
    w32(H_TCFG(0), TN_ENABLE | TN_ROUTE(23));
    w64(H_TCMP(0), TICKS_MS);
    start();
    settle(10 * TICKS_MS);
    if (hits[VEC_BASE + 23])
        guest_fail("masked pin 23 delivered %u interrupts", hits[VEC_BASE + 23]);
    stop_all();

    /* Legacy replacement: timer 0 on ISA IRQ 0, that is pin 2. */
    pin_route(2, false, false);
    w32(H_TCFG(0), TN_ENABLE | TN_ROUTE(23));
    w64(H_TCMP(0), TICKS_MS);
    w64(H_COUNTER, 0);
    w32(H_CFG, 3);
    if (wait_hits(VEC_BASE + 2, 1, 2000 * TICKS_MS) != 1 || hits[VEC_BASE + 23])
        guest_fail("legacy replacement: pin 2 %u, pin 23 %u interrupts",
                   hits[VEC_BASE + 2], hits[VEC_BASE + 23]);
    stop_all();
    printf("masked pin: nothing; legacy replacement: timer 0 on pin 2\n");
}

static void check_hostile(void)
{
    /* XSA-261: every route 16-31 on every timer. Only 20-23 are offered:
     * pins 16-19 and 24-31 must see nothing. */
    for (unsigned int pin = 16; pin < 32; pin++) {
        hits[VEC_BASE + pin] = 0;
        pin_route(pin, false, false);
    }
    for (unsigned int n = 0; n < 3; n++)
        for (unsigned int irq = 16; irq < 32; irq++) {
            w32(H_CFG, 0);
            w64(H_COUNTER, 0);
            w32(H_TCFG(n), TN_ENABLE | TN_ROUTE(irq));
            w64(H_TCMP(n), 1);
            w32(H_CFG, 1);
            while (counter() < 2)
                ;
            settle(TICKS_MS / 8);
        }
    stop_all();
    for (unsigned int pin = 16; pin < 32; pin++) {
        unsigned int want = pin >= 20 && pin <= 23;
        if (hits[VEC_BASE + pin] < want || (!want && hits[VEC_BASE + pin]))
            guest_fail("route %u: %u interrupts", pin, hits[VEC_BASE + pin]);
        pin_route(pin, false, true);
    }
    /* Odd widths and places: bytes, words, across registers, past the
     * block, a 32-bit comparator. */
    volatile uint8_t *b = (volatile uint8_t *)HPET;
    volatile uint16_t *w = (volatile uint16_t *)(HPET + 0x10E);
    if (b[0] != 1 || b[3] != 0x80 || b[7] != 0x00)
        guest_fail("byte reads of the capabilities 0x%x 0x%x 0x%x", b[0], b[3], b[7]);
    *w = 0xFFFF;
    b[0x3FF] = 0xAA;
    if (b[0x3FF] != 0 || *(volatile uint32_t *)(HPET + 0x800) != 0)
        guest_fail("reserved offsets read non-zero");
    w32(H_TCFG(1), TN_32BIT);
    w64(H_TCMP(1), 0x123456789ULL);
    if (r32(H_TCMP(1)) != 0x23456789 || r32(H_TCMP(1) + 4) != 0)
        guest_fail("32-bit comparator reads 0x%x:%x", r32(H_TCMP(1) + 4), r32(H_TCMP(1)));
    stop_all();
    printf("XSA-261 routes: only pins 20-23 interrupted; odd accesses harmless\n");
}

void test_main(void)
{
    for (unsigned int v = VEC_BASE; v < VEC_BASE + 48; v++)
        trap_handler[v] = on_irq;
    wrmsr(X2_SVR, 0x1FF);               /* APIC software-enabled */
    __asm__ volatile ("sti");
    check_ioapic();
    check_caps();
    check_oneshot();
    check_periodic();
    check_level();
    check_masked_and_legacy();
    check_hostile();
    __asm__ volatile ("cli");
}
