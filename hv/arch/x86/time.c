/*
 * The time base: the TSC's and the LAPIC timer's rates, calibrated once at
 * boot against PIT channel 2 and cross-checked with the ACPI PM timer, and
 * the TSC <-> nanosecond factors every clock in the hypervisor (NOW(),
 * timers, the guests' pvclock) is built on.
 *
 * The CPU can stall anywhere during calibration: an SMI on real hardware,
 * QEMU's vCPU thread descheduled on a busy host. So nothing here assumes
 * how long anything took. An end point pairs a reference's value with the
 * TSC read just before and just after reading it (a bracket); a bracket
 * wider than about twice the narrowest undisturbed one means the read was
 * disturbed, and it is taken again. A stall *between* two end points does
 * no harm: both clocks see it. A round is CAL_SAMPLES consecutive samples
 * of about CAL_SAMPLE_US; calib_estimate() keeps the samples near the
 * median (a disturbed one, or a PIT sample that spans the 16-bit
 * counter's 55 ms wrap, falls out) and divides their total TSC cycles by
 * their total reference ticks. PIT and PM timer must then agree within
 * CAL_AGREE_PPM, or the round is taken again, CAL_ROUNDS at most. The
 * LAPIC timer is sampled the same way against the TSC in the same round.
 */
#include <oryx/lib.h>
#include <oryx/calib.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/io.h>
#include <asm/time.h>

#define PIT_HZ          1193182u
#define PM_TIMER_HZ     3579545u
#define PIT_CH2_DATA    0x42
#define PIT_CMD         0x43
#define PIT_CH2_LATCH   0x80    /* channel 2, counter latch */
#define PIT_CH2_MODE2   0xB4    /* channel 2, lo/hi byte, rate generator, binary */
#define PORT_B          0x61    /* bit 0: channel 2 gate, bit 1: speaker */

#define CAL_SAMPLES     8
#define CAL_SAMPLE_US   6000
#define CAL_ROUNDS      3
#define CAL_TRIES       16      /* bracketed reads per end point, at most */
#define CAL_KEEP_PPM    1000    /* a sample is kept this close to the median */
#define CAL_AGREE_PPM   200     /* PIT against PM timer */
#define CAL_STALL_TSC   (1ULL << 32)    /* a reference this long unchanged is dead */

uint64_t tsc_khz, tsc_at_boot, tsc_to_ns_mul, ns_to_tsc_mul;

void time_init(void)
{
    tsc_to_ns_mul = (1000000ULL << 32) / tsc_khz;
    ns_to_tsc_mul = (tsc_khz << 32) / 1000000ULL;
}

/* A counter read at one bracketed instant. */
struct clk {
    const char *name;
    void (*latch)(void);        /* the instant, when it is not the read itself */
    uint32_t (*read)(void);     /* counts up; masked with mask */
    uint32_t mask;
    uint32_t hz;                /* a reference's rate; 0 for the LAPIC timer */
    uint64_t max_width;         /* widest bracket taken as undisturbed, TSC cycles */
    bool usable;
};

struct stamp {
    uint64_t tsc;               /* the middle of the bracket */
    uint32_t val;
    bool ok;                    /* the bracket was narrow enough */
};

static uint16_t pm_port;

static void pit_latch(void)
{
    outb(PIT_CMD, PIT_CH2_LATCH);
}

static uint32_t pit_read(void)
{
    uint32_t lo = inb(PIT_CH2_DATA);
    uint32_t hi = inb(PIT_CH2_DATA);

    return -(lo | hi << 8);     /* it counts down */
}

static uint32_t pm_read(void)
{
    return inl(pm_port);
}

/* Counts up from 0 after apic_timer_count_start(); all-ones once expired. */
static uint32_t lapic_read(void)
{
    return ~apic_timer_count();
}

enum { CLK_PIT, CLK_PM, CLK_LAPIC, NR_CLKS };

static struct clk clks[NR_CLKS] = {
    [CLK_PIT] = { "PIT", pit_latch, pit_read, 0xFFFF, PIT_HZ, 0, false },
    [CLK_PM] = { "PM timer", NULL, pm_read, 0xFFFFFF, PM_TIMER_HZ, 0, false },
    [CLK_LAPIC] = { "LAPIC", NULL, lapic_read, 0xFFFFFFFF, 0, 0, true },
};

static inline uint64_t rdtsc_ordered(void)
{
    asm volatile("lfence" ::: "memory");
    return rdtsc();
}

static uint32_t clk_read(const struct clk *c)
{
    if (c->latch)
        c->latch();
    return c->read() & c->mask;
}

/* One try: the value and the bracket's width. */
static uint64_t stamp_once(const struct clk *c, struct stamp *st)
{
    uint64_t t0 = rdtsc_ordered(), t1;

    if (c->latch) {
        c->latch();
        t1 = rdtsc_ordered();
        st->val = c->read() & c->mask;
    } else {
        st->val = c->read() & c->mask;
        t1 = rdtsc_ordered();
    }
    st->tsc = t0 + (t1 - t0) / 2;
    return t1 - t0;
}

/* An undisturbed end point, or ok = false after CAL_TRIES wide brackets. */
static void stamp(const struct clk *c, struct stamp *st, unsigned int *redone)
{
    /* Untimed: under TCG the first access after other code is slow (a
     * code-cache lookup) and would only be read again. */
    clk_read(c);
    for (unsigned int i = 0; i < CAL_TRIES; i++) {
        if (stamp_once(c, st) <= c->max_width) {
            st->ok = true;
            return;
        }
        (*redone)++;
    }
    st->ok = false;
}

/*
 * Whether the counter moves at all (a machine may lack the PIT or have it
 * gated off), and the bracket width of an undisturbed read: the narrowest
 * of a few, doubled, plus a little room for a cache miss when the read is
 * very fast. Stalls that matter (SMIs, a descheduled vCPU) are far longer.
 */
static bool clk_probe(struct clk *c)
{
    struct stamp st;
    uint64_t w = ~0ULL, t0;
    uint32_t v0 = clk_read(c);

    for (unsigned int i = 0; i < 32; i++) {
        uint64_t wi = stamp_once(c, &st);
        if (wi < w)
            w = wi;
    }
    c->max_width = 2 * w + 256;
    for (t0 = rdtsc(); rdtsc() - t0 < (1ULL << 20);)
        if (clk_read(c) != v0)
            return true;
    return false;
}

/* Spins until ticks of c have passed; false when c stopped counting. */
static bool clk_wait(const struct clk *c, uint32_t ticks)
{
    uint32_t from = clk_read(c), last = from;
    uint64_t moved = rdtsc();

    for (;;) {
        uint32_t v = clk_read(c);
        if (((v - from) & c->mask) >= ticks)
            return true;
        if (v != last) {
            last = v;
            moved = rdtsc();
        } else if (rdtsc() - moved > CAL_STALL_TSC) {
            return false;
        }
    }
}

struct round {
    struct calib_sample s[NR_CLKS][CAL_SAMPLES];
    struct calib_result r[NR_CLKS];
    unsigned int redone;        /* end points read again */
};

static void stamp_all(struct stamp *p, unsigned int *redone)
{
    for (unsigned int c = 0; c < NR_CLKS; c++)
        if (clks[c].usable)
            stamp(&clks[c], &p[c], redone);
}

/* CAL_SAMPLES samples of every usable clock, paced by the PM timer if
 * there is one (a single port read), else by the PIT. */
static bool round_sample(struct round *rd)
{
    const struct clk *pace = &clks[clks[CLK_PM].usable ? CLK_PM : CLK_PIT];
    uint32_t ticks = (uint32_t)((uint64_t)pace->hz * CAL_SAMPLE_US / 1000000);
    struct stamp prev[NR_CLKS], cur[NR_CLKS];

    apic_timer_count_start();
    stamp_all(prev, &rd->redone);
    for (unsigned int i = 0; i < CAL_SAMPLES; i++) {
        if (!clk_wait(pace, ticks)) {
            apic_timer_count_stop();
            return false;
        }
        stamp_all(cur, &rd->redone);
        for (unsigned int c = 0; c < NR_CLKS; c++) {
            struct calib_sample *s = &rd->s[c][i];

            if (!clks[c].usable)
                continue;
            s->valid = prev[c].ok && cur[c].ok;
            if (c == CLK_LAPIC) {
                /* LAPIC ticks against TSC cycles; an expired count is no sample. */
                s->count = cur[c].val - prev[c].val;
                s->ref = cur[c].tsc - prev[c].tsc;
                s->valid = s->valid && cur[c].val != 0xFFFFFFFFu;
            } else {
                s->count = cur[c].tsc - prev[c].tsc;
                s->ref = (cur[c].val - prev[c].val) & clks[c].mask;
            }
            prev[c] = cur[c];
        }
    }
    apic_timer_count_stop();
    return true;
}

static bool settled(const struct calib_result *r)
{
    return r->hz && r->kept >= CAL_SAMPLES / 2;
}

/*
 * The TSC rate from one round's samples, or 0; *agreed when the round
 * needs no repeat: both references settled and within CAL_AGREE_PPM of
 * each other (their mean is taken), or the one there is settled.
 * Disagreeing, the PM timer wins: it is the finer clock and never wraps
 * within a sample.
 */
static uint64_t round_tsc_hz(struct round *rd, int64_t *pit_pm_ppm, bool *agreed)
{
    const struct calib_result *pit = &rd->r[CLK_PIT], *pm = &rd->r[CLK_PM];

    calib_estimate(rd->s[CLK_PIT], CAL_SAMPLES, PIT_HZ, CAL_KEEP_PPM, &rd->r[CLK_PIT]);
    calib_estimate(rd->s[CLK_PM], CAL_SAMPLES, PM_TIMER_HZ, CAL_KEEP_PPM, &rd->r[CLK_PM]);
    *agreed = false;
    if (settled(pit) && settled(pm)) {
        *pit_pm_ppm = calib_ppm(pit->hz, pm->hz);
        *agreed = *pit_pm_ppm <= CAL_AGREE_PPM && *pit_pm_ppm >= -CAL_AGREE_PPM;
        return *agreed ? (pit->hz + pm->hz) / 2 : pm->hz;
    }
    if (!clks[CLK_PIT].usable || !clks[CLK_PM].usable)
        *agreed = settled(pit) || settled(pm);
    return pm->hz ? pm->hz : pit->hz;
}

/* "PIT 8/8 kept, spread 70 ppm", or why there is no figure. */
static void describe(char *buf, size_t size, unsigned int c, const struct calib_result *r)
{
    if (clks[c].usable)
        snprintf(buf, size, "%s %u/%u kept, spread %u ppm", clks[c].name, r->kept,
                 r->kept + r->rejected, r->spread_ppm);
    else if (c == CLK_PM && !pm_port)
        snprintf(buf, size, "no PM timer");
    else
        snprintf(buf, size, "%s not counting", clks[c].name);
}

/*
 * Sets tsc_khz and apic_timer_khz. Boot CPU, once, after acpi_init() (for
 * the PM timer) and apic_init().
 */
void time_calibrate(void)
{
    static struct round rd;
    uint8_t portb = inb(PORT_B);
    uint64_t start = rdtsc(), tsc_hz = 0, apic_hz = 0;
    unsigned int rounds = 0, redone = 0;
    bool done = false;
    int64_t pit_pm_ppm = 0;
    char d[NR_CLKS][64], cross[32] = "";

    outb(PORT_B, (portb & ~0x02) | 0x01);       /* gate on, speaker off */
    outb(PIT_CMD, PIT_CH2_MODE2);
    outb(PIT_CH2_DATA, 0);                      /* 65536: the full range */
    outb(PIT_CH2_DATA, 0);
    clks[CLK_PIT].usable = clk_probe(&clks[CLK_PIT]);
    if (acpi_info.pm_tmr_port) {
        pm_port = acpi_info.pm_tmr_port;
        clks[CLK_PM].mask = acpi_info.pm_tmr_bits == 32 ? 0xFFFFFFFFu : 0xFFFFFFu;
        clks[CLK_PM].usable = clk_probe(&clks[CLK_PM]);
    }
    apic_timer_count_start();
    clk_probe(&clks[CLK_LAPIC]);
    apic_timer_count_stop();

    while (!done && rounds < CAL_ROUNDS && (clks[CLK_PIT].usable || clks[CLK_PM].usable)) {
        rounds++;
        memset(&rd, 0, sizeof(rd));
        if (round_sample(&rd)) {
            tsc_hz = round_tsc_hz(&rd, &pit_pm_ppm, &done);
            if (tsc_hz)
                calib_estimate(rd.s[CLK_LAPIC], CAL_SAMPLES, tsc_hz, CAL_KEEP_PPM,
                               &rd.r[CLK_LAPIC]);
            apic_hz = rd.r[CLK_LAPIC].hz;
            done = done && settled(&rd.r[CLK_LAPIC]);
        }
        redone += rd.redone;
    }
    outb(PORT_B, portb);

    for (unsigned int c = 0; c < NR_CLKS; c++)
        describe(d[c], sizeof(d[c]), c, &rd.r[c]);
    if (clks[CLK_PIT].usable && clks[CLK_PM].usable)
        snprintf(cross, sizeof(cross), "; PIT-PM %ld ppm", (long)pit_pm_ppm);
    if (!tsc_hz) {
        printk_lvl(LOG_WARN, "warning: time: no reference clock to calibrate against (%s; %s); "
                   "assuming a 1 GHz TSC\n", d[CLK_PIT], d[CLK_PM]);
        tsc_hz = 1000000000ULL;
    } else if (!done) {
        printk_lvl(LOG_WARN, "warning: time: calibration still unsettled after %u rounds "
                   "(%s; %s%s; %s); using TSC %lu Hz\n", rounds, d[CLK_PIT], d[CLK_PM],
                   cross, d[CLK_LAPIC], (unsigned long)tsc_hz);
    }
    if (!apic_hz) {
        printk_lvl(LOG_WARN, "warning: time: LAPIC timer not calibrated; assuming 1 GHz\n");
        apic_hz = 1000000000ULL;
    }
    tsc_khz = (tsc_hz + 500) / 1000;
    apic_timer_khz = (uint32_t)((apic_hz + 500) / 1000);

    printk("Time: calibrated in %lu ms (round %u of at most %u, %u samples of %u ms, "
           "%u reads redone): %s; %s%s; %s\n",
           (unsigned long)((rdtsc() - start) / tsc_khz), rounds, CAL_ROUNDS, CAL_SAMPLES,
           CAL_SAMPLE_US / 1000, redone, d[CLK_PIT], d[CLK_PM], cross, d[CLK_LAPIC]);
    printk_lvl(LOG_DEBUG, "Time: PM timer port %#x (%u-bit); widest undisturbed read: "
               "PIT %lu, PM timer %lu, LAPIC %lu TSC cycles\n", pm_port,
               acpi_info.pm_tmr_bits, (unsigned long)clks[CLK_PIT].max_width,
               (unsigned long)clks[CLK_PM].max_width, (unsigned long)clks[CLK_LAPIC].max_width);
}
