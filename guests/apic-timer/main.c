/*
 * apic-timer: the local APIC timer, first in x2APIC mode (MSRs), then in
 * xAPIC mode (MMIO at 0xFEE00000), the same checks in both:
 *  - one-shot: TMCCT counts down from TMICT and reads 0 at the end, one
 *    interrupt; TMICT 0 stops it;
 *  - divide by 1 counts at least twice as fast as divide by 16 (measured
 *    against the TSC; the expected ratio is 16);
 *  - periodic: several interrupts, none after TMICT 0; masked, it keeps
 *    counting and delivers nothing, and delivers again once unmasked;
 *  - a masked one-shot and a software-disabled APIC deliver nothing;
 *  - a change of timer mode stops a running timer;
 *  - a periodic TMICT of 1 at divide by 1 (10 ns) neither hangs the
 *    guest nor floods it (the hypervisor holds the period at 100 us), and
 *    TMICT 0 stops it;
 *  - the reserved mode 11 counts as one-shot; a vector below 16 sets the
 *    ESR's Receive Illegal Vector instead of arriving;
 *  - TSC-deadline (CPUID.1:ECX[24]): fires once, after the TSC passed the
 *    deadline, and the MSR then reads 0; a deadline in the past fires at
 *    once; writing 0, or changing mode, disarms it; in this mode TMICT is
 *    ignored and TMCCT reads 0; outside it the MSR ignores writes.
 * No check asserts an absolute time: the machine may be loaded and
 * emulated. Waits use HLT with a Xen one-shot timer 1 ms ahead as a
 * backstop (so a missing interrupt fails the test instead of hanging it).
 * Expected: PASS.
 */
#include "guest.h"

const char test_name[] = "apic-timer";

#define MSR_APIC_BASE       0x1B
#define MSR_TSC_DEADLINE    0x6E0
#define BASE_EXTD           (1u << 10)
#define BASE_EN             (1u << 11)
#define APIC_MMIO           0xFEE00000UL

/* Register indices: x2APIC MSR 0x800 + n, xAPIC offset n * 16. */
#define R_EOI       0x0B
#define R_SVR       0x0F
#define R_ESR       0x28
#define R_LVT_TIMER 0x32
#define R_TMICT     0x38
#define R_TMCCT     0x39
#define R_TDCR      0x3E

#define VEC         0x50
#define ONESHOT     0
#define PERIODIC    (1u << 17)
#define DEADLINE    (2u << 17)
#define RESERVED    (3u << 17)
#define MASKED      (1u << 16)
#define DIV1        0xB
#define DIV16       0x3
#define ESR_RECV_ILLEGAL 0x40

static bool x2;
static const char *mode_name;
static uint64_t tsc_khz;
static const struct vcpu_time_info *pv;

static uint32_t rd(unsigned int reg)
{
    if (x2)
        return (uint32_t)rdmsr(0x800 + reg);
    return *(volatile uint32_t *)(APIC_MMIO + reg * 16);
}

static void wr(unsigned int reg, uint32_t val)
{
    if (x2)
        wrmsr(0x800 + reg, val);
    else
        *(volatile uint32_t *)(APIC_MMIO + reg * 16) = val;
}

static volatile unsigned int fired;
static volatile uint64_t fired_tsc;

static void on_timer(struct cpu_regs *r)
{
    (void)r;
    fired++;
    fired_tsc = rdtsc();
    wr(R_EOI, 0);
}

static uint64_t us_tsc(uint64_t us)
{
    return div64(us * tsc_khz, 1000, 0);
}

static uint64_t tsc_us(uint64_t tsc)
{
    return div64(tsc * 1000, tsc_khz, 0);
}

/* Interrupts on, HLT until `fired` reaches want or ms pass by the TSC. */
static bool wait_fired(unsigned int want, uint64_t ms)
{
    uint64_t end = rdtsc() + us_tsc(ms * 1000);

    while (fired < want && rdtsc() < end) {
        HYPERVISOR_set_timer_op(pvclock_read_ns(pv) + 1000000);
        __asm__ volatile ("sti; hlt; cli" ::: "memory");
    }
    return fired >= want;
}

/* Interrupts on for ms (HLT between looks). */
static void idle(uint64_t ms)
{
    (void)wait_fired(~0u, ms);
}

static void spin_us(uint64_t us)
{
    uint64_t end = rdtsc() + us_tsc(us);

    while (rdtsc() < end)
        cpu_relax();
}

/* After a stop: what was raised before it arrives; then nothing more. */
static void expect_quiet(const char *what)
{
    unsigned int n;

    idle(2);
    n = fired;
    idle(10);
    if (fired != n)
        guest_fail("%s: %s: %u interrupts after it should have stopped", mode_name, what,
                   fired - n);
}

static void expect_none(const char *what)
{
    idle(10);
    if (fired)
        guest_fail("%s: %s: %u interrupts, expected none", mode_name, what, fired);
}

static void expect_tmcct(uint32_t want, const char *what)
{
    uint32_t got = rd(R_TMCCT);

    if (got != want)
        guest_fail("%s: %s: TMCCT 0x%x, expected 0x%x", mode_name, what, got, want);
}

/*
 * A timer of `us` microseconds armed by arm() and stopped by stop() right
 * after, with interrupts off. A vCPU preempted in between (a loaded host)
 * would see the timer expire first: then it is tried again, up to 5 times.
 */
static void arm_then_stop(void (*arm)(void), void (*stop)(void), uint64_t us, const char *what)
{
    for (unsigned int i = 0; i < 5; i++) {
        uint64_t t0 = rdtsc();

        fired = 0;
        arm();
        stop();
        if (rdtsc() - t0 < us_tsc(us / 2))
            return;
        wr(R_LVT_TIMER, ONESHOT | MASKED | VEC);
        wr(R_TMICT, 0);
        wrmsr(MSR_TSC_DEADLINE, 0);
        idle(5);                        /* whatever fired is taken */
    }
    guest_fail("%s: %s: never stopped within half its time in 5 tries", mode_name, what);
}

static void check_oneshot(void)
{
    uint32_t a, b;
    uint64_t t0;

    wr(R_TDCR, DIV1);
    wr(R_LVT_TIMER, ONESHOT | VEC);
    wr(R_TMICT, 0xFFFFFFFF);            /* 43 s at 10 ns a tick */
    if (rd(R_TMICT) != 0xFFFFFFFF)
        guest_fail("%s: TMICT reads 0x%x", mode_name, rd(R_TMICT));
    a = rd(R_TMCCT);
    spin_us(200);
    b = rd(R_TMCCT);
    if (!a || !b || b >= a)
        guest_fail("%s: TMCCT does not count down: 0x%x then 0x%x", mode_name, a, b);
    wr(R_TMICT, 0);
    expect_tmcct(0, "after TMICT 0");
    expect_none("one-shot stopped by TMICT 0");

    t0 = rdtsc();
    wr(R_TMICT, 200000);                /* 2 ms */
    if (!wait_fired(1, 5000))
        guest_fail("%s: one-shot of 2 ms: no interrupt in 5 s", mode_name);
    if (fired_tsc - t0 < us_tsc(1000))
        guest_fail("%s: one-shot of 2 ms fired after %llu us", mode_name,
                   (unsigned long long)tsc_us(fired_tsc - t0));
    expect_tmcct(0, "one-shot over");
    idle(10);
    if (fired != 1)
        guest_fail("%s: one-shot: %u interrupts", mode_name, fired);
    printf("apic-timer: %s: one-shot: TMCCT 0x%x -> 0x%x, counted to 0, 1 interrupt\n",
           mode_name, a, b);
}

/* TMCCT's fall over about us microseconds, per TSC tick scaled to a ms. */
static uint64_t ticks_per_ms(uint32_t tdcr, uint64_t us)
{
    uint64_t t0, t1;
    uint32_t c0, c1;

    wr(R_TDCR, tdcr);
    wr(R_LVT_TIMER, ONESHOT | MASKED | VEC);
    wr(R_TMICT, 0xFFFFFFFF);
    t0 = rdtsc();
    c0 = rd(R_TMCCT);
    spin_us(us);
    c1 = rd(R_TMCCT);
    t1 = rdtsc();
    wr(R_TMICT, 0);
    return div64((uint64_t)(c0 - c1) * tsc_khz, t1 - t0, 0);
}

static void check_divide(void)
{
    uint64_t r1 = 0, r16 = 0;

    /* A preemption inside one measurement skews it: a few tries. */
    for (unsigned int i = 0; i < 5; i++) {
        r1 = ticks_per_ms(DIV1, 2000);
        r16 = ticks_per_ms(DIV16, 2000);
        if (r16 && r1 >= 2 * r16)
            break;
    }
    if (!r16 || r1 < 2 * r16)
        guest_fail("%s: divide by 1: %llu ticks/ms, by 16: %llu ticks/ms", mode_name,
                   (unsigned long long)r1, (unsigned long long)r16);
    if (fired)
        guest_fail("%s: masked timer raised %u interrupts", mode_name, fired);
    wr(R_TDCR, DIV1);
    printf("apic-timer: %s: divide by 1 counts faster than by 16 (ratio >= 2)\n", mode_name);
    printf("apic-timer: %s: measured %llu and %llu ticks/ms\n", mode_name,
           (unsigned long long)r1, (unsigned long long)r16);
}

static void check_periodic(void)
{
    uint32_t a, b;
    unsigned int n;

    wr(R_LVT_TIMER, PERIODIC | VEC);
    wr(R_TMICT, 100000);                /* 1 ms */
    if (!wait_fired(3, 10000))
        guest_fail("%s: periodic of 1 ms: %u interrupts in 10 s", mode_name, fired);
    a = rd(R_TMCCT);
    if (a > 100000)
        guest_fail("%s: periodic: TMCCT 0x%x above TMICT", mode_name, a);
    wr(R_TMICT, 0);
    expect_quiet("periodic, TMICT 0");
    expect_tmcct(0, "periodic after TMICT 0");

    /* Masked: counting and reloading go on, nothing arrives. */
    fired = 0;
    wr(R_TMICT, 100000);
    if (!wait_fired(2, 10000))
        guest_fail("%s: periodic again: %u interrupts in 10 s", mode_name, fired);
    wr(R_LVT_TIMER, PERIODIC | MASKED | VEC);
    expect_quiet("periodic, masked");
    a = rd(R_TMCCT);
    spin_us(300);
    b = rd(R_TMCCT);
    if (a == b || a > 100000 || b > 100000)
        guest_fail("%s: masked periodic: TMCCT 0x%x then 0x%x", mode_name, a, b);
    n = fired;
    wr(R_LVT_TIMER, PERIODIC | VEC);
    if (!wait_fired(n + 2, 10000))
        guest_fail("%s: unmasked periodic: no interrupt in 10 s", mode_name);
    wr(R_TMICT, 0);
    expect_quiet("periodic after the unmask, TMICT 0");
    printf("apic-timer: %s: periodic: interrupts until TMICT 0; masked: counts, delivers none\n",
           mode_name);
}

static void check_masked(void)
{
    fired = 0;
    wr(R_LVT_TIMER, ONESHOT | MASKED | VEC);
    wr(R_TMICT, 100000);
    expect_none("masked one-shot");
    expect_tmcct(0, "masked one-shot over");
    wr(R_LVT_TIMER, ONESHOT | VEC);
    expect_none("masked one-shot, unmasked after its end");

    /* Software-disabled: the LVT stays masked whatever is written. */
    wr(R_SVR, 0xFF);
    wr(R_LVT_TIMER, ONESHOT | VEC);
    if (!(rd(R_LVT_TIMER) & MASKED))
        guest_fail("%s: LVT timer unmasked while software-disabled", mode_name);
    wr(R_TMICT, 100000);
    expect_none("software-disabled APIC");
    wr(R_SVR, 0x1FF);
    printf("apic-timer: %s: masked LVT and software-disabled APIC deliver nothing\n", mode_name);
}

static void arm_oneshot_2ms(void)
{
    wr(R_LVT_TIMER, ONESHOT | VEC);
    wr(R_TMICT, 200000);
}

static void to_periodic(void)
{
    wr(R_LVT_TIMER, PERIODIC | VEC);
}

static void check_mode_change(void)
{
    arm_then_stop(arm_oneshot_2ms, to_periodic, 2000, "one-shot, then mode periodic");
    expect_tmcct(0, "one-shot, then mode periodic");
    expect_none("one-shot, then mode periodic");

    wr(R_TMICT, 100000);
    if (!wait_fired(1, 10000))
        guest_fail("%s: periodic after the mode change: no interrupt", mode_name);
    wr(R_LVT_TIMER, ONESHOT | VEC);
    expect_quiet("periodic, then mode one-shot");
    expect_tmcct(0, "periodic, then mode one-shot");
    printf("apic-timer: %s: a mode change stops the running timer\n", mode_name);
}

static void check_tiny_period(void)
{
    uint64_t t0, us;
    unsigned int n;

    fired = 0;
    wr(R_TDCR, DIV1);
    wr(R_LVT_TIMER, PERIODIC | VEC);
    t0 = rdtsc();
    wr(R_TMICT, 1);                     /* 10 ns asked */
    idle(20);
    wr(R_TMICT, 0);
    us = tsc_us(rdtsc() - t0);
    n = fired;
    expect_quiet("tiny periodic, TMICT 0");
    /* At most one per 100 us (with room for the stop's edge). */
    if (!n || n > div64(us, 100, 0) + 2)
        guest_fail("%s: periodic TMICT 1: %u interrupts in %llu us", mode_name, n,
                   (unsigned long long)us);
    printf("apic-timer: %s: periodic TMICT 1: no flood (at most one per 100 us), stopped\n",
           mode_name);
    printf("apic-timer: %s: periodic TMICT 1: %u interrupts in %llu us\n", mode_name, n,
           (unsigned long long)us);
}

static void check_odd_values(void)
{
    uint32_t esr;

    /* Mode 11 (reserved) counts as one-shot. */
    fired = 0;
    wr(R_LVT_TIMER, RESERVED | VEC);
    wr(R_TMICT, 100000);
    if (!wait_fired(1, 10000))
        guest_fail("%s: mode 11: no interrupt", mode_name);
    idle(5);
    if (fired != 1)
        guest_fail("%s: mode 11: %u interrupts, expected 1 (one-shot)", mode_name, fired);

    /* An illegal vector: an error instead of an interrupt. */
    wr(R_ESR, 0);
    wr(R_LVT_TIMER, ONESHOT | 5);
    wr(R_TMICT, 1000);
    idle(5);
    wr(R_ESR, 0);
    esr = rd(R_ESR);
    if (!(esr & ESR_RECV_ILLEGAL))
        guest_fail("%s: timer vector 5: ESR 0x%x", mode_name, esr);
    wr(R_ESR, 0);

    /* Every bit set: nothing breaks. */
    wr(R_TDCR, 0xFFFFFFFF);
    wr(R_LVT_TIMER, 0xFFFFFFFF);
    wr(R_TMICT, 0xFFFFFFFF);
    (void)rd(R_TMCCT);
    wr(R_TMICT, 0);
    wr(R_TDCR, DIV1);
    printf("apic-timer: %s: mode 11 is one-shot; vector 5 sets ESR 0x%x\n", mode_name,
           esr & ESR_RECV_ILLEGAL);
}

static void arm_deadline_2ms(void)
{
    wr(R_LVT_TIMER, DEADLINE | VEC);
    wrmsr(MSR_TSC_DEADLINE, rdtsc() + us_tsc(2000));
}

static void deadline_zero(void)
{
    wrmsr(MSR_TSC_DEADLINE, 0);
}

static void deadline_mode_flip(void)
{
    wr(R_LVT_TIMER, ONESHOT | VEC);
    wr(R_LVT_TIMER, DEADLINE | VEC);
}

static void check_deadline(void)
{
    uint64_t d, v;

    if (!(cpuid(1).ecx & (1u << 24)))
        guest_fail("CPUID.1:ECX[24] (TSC-deadline) clear");

    /* Not in TSC-deadline mode: the MSR ignores writes. */
    fired = 0;
    wr(R_LVT_TIMER, ONESHOT | VEC);
    wrmsr(MSR_TSC_DEADLINE, rdtsc() + us_tsc(1000));
    if ((v = rdmsr(MSR_TSC_DEADLINE)))
        guest_fail("%s: deadline MSR reads 0x%llx in one-shot mode", mode_name,
                   (unsigned long long)v);
    expect_none("deadline written in one-shot mode");

    /* TSC-deadline mode: TMICT ignored, TMCCT 0. */
    wr(R_LVT_TIMER, DEADLINE | VEC);
    wr(R_TMICT, 100000);
    expect_tmcct(0, "TSC-deadline mode");
    expect_none("TMICT in TSC-deadline mode");

    d = rdtsc() + us_tsc(2000);
    wrmsr(MSR_TSC_DEADLINE, d);
    v = rdmsr(MSR_TSC_DEADLINE);
    if (v != d && !(v == 0 && rdtsc() >= d))    /* 0: preempted past it */
        guest_fail("%s: deadline MSR reads 0x%llx, written 0x%llx", mode_name,
                   (unsigned long long)rdmsr(MSR_TSC_DEADLINE), (unsigned long long)d);
    if (!wait_fired(1, 10000))
        guest_fail("%s: deadline 2 ms ahead: no interrupt in 10 s", mode_name);
    if (fired_tsc < d)
        guest_fail("%s: deadline fired %llu TSC ticks early", mode_name,
                   (unsigned long long)(d - fired_tsc));
    if ((v = rdmsr(MSR_TSC_DEADLINE)))
        guest_fail("%s: deadline MSR reads 0x%llx after firing", mode_name,
                   (unsigned long long)v);
    idle(5);
    if (fired != 1)
        guest_fail("%s: deadline: %u interrupts", mode_name, fired);

    /* In the past: at once. */
    fired = 0;
    wrmsr(MSR_TSC_DEADLINE, rdtsc() - 1);
    if (!wait_fired(1, 1000))
        guest_fail("%s: deadline in the past: no interrupt", mode_name);
    wrmsr(MSR_TSC_DEADLINE, 1);
    if (!wait_fired(2, 1000))
        guest_fail("%s: deadline 1: no interrupt", mode_name);
    if ((v = rdmsr(MSR_TSC_DEADLINE)))
        guest_fail("%s: past deadline: MSR reads 0x%llx", mode_name, (unsigned long long)v);

    /* Disarmed by 0, and by a mode change. */
    arm_then_stop(arm_deadline_2ms, deadline_zero, 2000, "deadline, then 0");
    if ((v = rdmsr(MSR_TSC_DEADLINE)))
        guest_fail("%s: deadline MSR reads 0x%llx after 0", mode_name, (unsigned long long)v);
    expect_none("deadline disarmed by 0");
    arm_then_stop(arm_deadline_2ms, deadline_mode_flip, 2000, "deadline, then a mode change");
    if ((v = rdmsr(MSR_TSC_DEADLINE)))
        guest_fail("%s: deadline MSR reads 0x%llx after a mode change", mode_name,
                   (unsigned long long)v);
    expect_none("deadline disarmed by a mode change");

    /* Masked: it fires (the MSR reads 0 after) and nothing arrives. */
    wr(R_LVT_TIMER, DEADLINE | MASKED | VEC);
    wrmsr(MSR_TSC_DEADLINE, rdtsc() + us_tsc(1000));
    expect_none("masked deadline");
    if ((v = rdmsr(MSR_TSC_DEADLINE)))
        guest_fail("%s: masked deadline: MSR reads 0x%llx 10 ms on", mode_name,
                   (unsigned long long)v);
    /* A deadline years ahead stays armed, and is disarmed. */
    wr(R_LVT_TIMER, DEADLINE | VEC);
    wrmsr(MSR_TSC_DEADLINE, ~0ULL);
    expect_none("deadline at 2^64 - 1");
    wrmsr(MSR_TSC_DEADLINE, 0);
    wr(R_LVT_TIMER, ONESHOT | MASKED | VEC);
    printf("apic-timer: %s: TSC-deadline fires once after the deadline; past: at once; "
           "0 and a mode change disarm\n", mode_name);
}

static void run_checks(void)
{
    fired = 0;
    wr(R_SVR, 0x1FF);
    check_oneshot();
    fired = 0;
    check_divide();
    fired = 0;
    check_periodic();
    check_masked();
    check_mode_change();
    check_tiny_period();
    check_odd_values();
    check_deadline();
}

void test_main(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    long rc;

    if (!shared_info_map(&rc))
        guest_fail("add_to_physmap(shared_info) returned %ld", rc);
    pv = &shared_info->vcpu_info[0].time;
    tsc_khz = pvclock_tsc_khz(pv);
    if (!tsc_khz)
        guest_fail("pvclock of vCPU 0 is not set up");
    trap_handler[VEC] = on_timer;

    x2 = true;
    mode_name = "x2APIC";
    if ((base & (BASE_EN | BASE_EXTD)) != (BASE_EN | BASE_EXTD))
        guest_fail("APIC_BASE 0x%llx: not in x2APIC mode", (unsigned long long)base);
    run_checks();

    /* x2APIC -> off -> xAPIC (the registers start from reset). */
    wrmsr(MSR_APIC_BASE, base & ~(uint64_t)(BASE_EN | BASE_EXTD));
    wrmsr(MSR_APIC_BASE, (base & ~(uint64_t)BASE_EXTD) | BASE_EN);
    x2 = false;
    mode_name = "xAPIC";
    if (rd(R_LVT_TIMER) != MASKED || rd(R_TMICT) || rd(R_TMCCT))
        guest_fail("xAPIC: timer registers not at reset: LVT 0x%x TMICT 0x%x",
                   rd(R_LVT_TIMER), rd(R_TMICT));
    run_checks();
}
