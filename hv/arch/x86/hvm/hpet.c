/*
 * An HVM domain's HPET (asm/hpet.h): the register block of the IA-PC HPET
 * specification (1.0a) at 0xFED00000, a 64-bit main counter at 62.5 MHz
 * and three comparators, one-shot or periodic, 32- or 64-bit, edge or
 * level, routed to IOAPIC pins 20-23 or by legacy replacement to ISA IRQ 0
 * and 8. No FSB (MSI) delivery. The counter is computed from NOW(); only an
 * armed comparator costs a host timer.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/spinlock.h>
#include <oryx/timer.h>
#include <oryx/xmalloc.h>
#include <asm/hvm.h>
#include <asm/hpet.h>
#include <asm/time.h>
#include <asm/vioapic.h>

#define TICK_NS         16ULL                   /* 62.5 MHz */
#define TICK_FS         (TICK_NS * 1000000ULL)
#define NR_TIMERS       3
#define MIN_PERIOD_NS   100000ULL               /* a host timer at most every 100 us */

#define REG_CAP         0x000
#define REG_CFG         0x010
#define REG_ISR         0x020
#define REG_COUNTER     0x0F0
#define REG_TIMER0      0x100
#define TIMER_STRIDE    0x20
#define REG_END         (REG_TIMER0 + NR_TIMERS * TIMER_STRIDE)

#define CAP_VALUE       (0x01ULL | (NR_TIMERS - 1ULL) << 8 | 1ULL << 13 /* 64-bit */ | \
                         1ULL << 15 /* legacy route */ | 0x8086ULL << 16 | TICK_FS << 32)
#define CFG_ENABLE      (1ULL << 0)
#define CFG_LEGACY      (1ULL << 1)

#define TN_LEVEL        (1ULL << 1)
#define TN_ENABLE       (1ULL << 2)
#define TN_PERIODIC     (1ULL << 3)
#define TN_PERIODIC_CAP (1ULL << 4)
#define TN_SIZE_CAP     (1ULL << 5)
#define TN_VAL_SET      (1ULL << 6)
#define TN_32BIT        (1ULL << 8)
#define TN_ROUTE_SHIFT  9
#define TN_ROUTE        (0x1FULL << TN_ROUTE_SHIFT)
#define TN_ROUTE_CAP    (0x00F00000ULL << 32)   /* IOAPIC pins 20-23 */
#define TN_WRITABLE     (TN_LEVEL | TN_ENABLE | TN_PERIODIC | TN_VAL_SET | TN_32BIT | TN_ROUTE)
#define TN_FIXED        (TN_PERIODIC_CAP | TN_SIZE_CAP | TN_ROUTE_CAP)

struct hpet_timer {
    struct timer timer;
    struct vhpet *h;
    uint64_t cfg, cmp, period;          /* period: ticks, periodic mode */
    int line;                           /* the pin held up (level), -1: none */
};

struct vhpet {
    spinlock_t lock;                    /* all below; taken before the IOAPIC's */
    struct domain *d;
    bool stopped;                       /* the domain's end: no more timers */
    uint64_t cfg, isr;
    uint64_t count_base;                /* the counter at base_ns (and while halted) */
    uint64_t base_ns;
    struct hpet_timer t[NR_TIMERS];
};

static bool running(const struct vhpet *h)
{
    return h->cfg & CFG_ENABLE;
}

static uint64_t counter(const struct vhpet *h, uint64_t now)
{
    return running(h) ? h->count_base + (now - h->base_ns) / TICK_NS : h->count_base;
}

static uint64_t width_mask(const struct hpet_timer *t)
{
    return (t->cfg & TN_32BIT) ? 0xFFFFFFFFULL : ~0ULL;
}

/* The pin timer n interrupts on, or -1 (its route is not one it offers). */
static int timer_gsi(const struct vhpet *h, unsigned int n)
{
    unsigned int route = (unsigned int)((h->t[n].cfg & TN_ROUTE) >> TN_ROUTE_SHIFT);

    if ((h->cfg & CFG_LEGACY) && n < 2)
        return (int)vioapic_isa_gsi(n == 0 ? 0 : 8);
    return (TN_ROUTE_CAP >> 32) & (1ULL << route) ? (int)route : -1;
}

static void lower_line(struct vhpet *h, struct hpet_timer *t)
{
    if (t->line >= 0)
        vioapic_set_line(h->d, (unsigned int)t->line, false);
    t->line = -1;
}

/* Timer n reached its comparator. Lock held. */
static void interrupt(struct vhpet *h, unsigned int n)
{
    struct hpet_timer *t = &h->t[n];
    int gsi = timer_gsi(h, n);

    if (!(t->cfg & TN_ENABLE) || gsi < 0)
        return;
    if (t->cfg & TN_LEVEL) {
        h->isr |= 1ULL << n;
        if (t->line != gsi)
            lower_line(h, t);
        t->line = gsi;
        vioapic_set_line(h->d, (unsigned int)gsi, true);
    } else {
        vioapic_pulse(h->d, (unsigned int)gsi);
    }
}

/*
 * Arm timer n's host timer for its next match, counting from the counter
 * value now_cnt: the comparator's distance ahead within the timer's width
 * (a 32-bit comparator behind the counter matches after the wrap; a 64-bit
 * one behind it never does). Lock held.
 */
static void arm(struct vhpet *h, unsigned int n, uint64_t now, uint64_t now_cnt)
{
    struct hpet_timer *t = &h->t[n];
    uint64_t mask = width_mask(t), ahead;

    stop_timer(&t->timer);
    if (h->stopped || !running(h))
        return;
    ahead = (t->cmp - now_cnt) & mask;
    if (mask == ~0ULL && t->cmp < now_cnt)
        return;
    if (ahead > (~0ULL - now) / TICK_NS)
        return;                         /* beyond the end of time */
    set_timer(&t->timer, now + ahead * TICK_NS);
}

static void timer_fired(void *data)
{
    struct hpet_timer *t = data;
    struct vhpet *h = t->h;
    unsigned int n = (unsigned int)(t - h->t);
    unsigned long f = spin_lock_irqsave(&h->lock);
    uint64_t now = NOW(), cnt = counter(h, now), mask = width_mask(t);

    if (h->stopped || !running(h)) {
        spin_unlock_irqrestore(&h->lock, f);
        return;
    }
    interrupt(h, n);
    /* The period at the timer's width: one set while it was 64-bit may
     * have nothing in its low half (a division by zero below). */
    uint64_t period = t->period & mask;

    if ((t->cfg & TN_PERIODIC) && period) {
        /* The next period after now; periods missed are one interrupt.
         * Short periods are served no oftener than every MIN_PERIOD_NS. */
        uint64_t behind = ((cnt & mask) - t->cmp) & mask;
        uint64_t ahead;

        t->cmp = (t->cmp + (behind / period + 1) * period) & mask;
        stop_timer(&t->timer);
        ahead = (t->cmp - cnt) & mask;
        if (ahead <= (~0ULL - now - MIN_PERIOD_NS) / TICK_NS)   /* else beyond the end of time */
            set_timer(&t->timer, MAX(now + ahead * TICK_NS, now + MIN_PERIOD_NS));
    } else if (mask != ~0ULL) {
        /* One-shot, 32-bit: the next match is after the counter wraps. */
        set_timer(&t->timer, now + (((t->cmp - cnt) & mask) ? ((t->cmp - cnt) & mask) : 1ULL << 32) * TICK_NS);
    }
    spin_unlock_irqrestore(&h->lock, f);
}

static uint64_t reg_read(struct vhpet *h, unsigned int reg, uint64_t now)
{
    switch (reg) {
    case REG_CAP:
        return CAP_VALUE;
    case REG_CFG:
        return h->cfg;
    case REG_ISR:
        return h->isr;
    case REG_COUNTER:
        return counter(h, now);
    }
    if (reg >= REG_TIMER0 && reg < REG_END) {
        struct hpet_timer *t = &h->t[(reg - REG_TIMER0) / TIMER_STRIDE];
        switch ((reg - REG_TIMER0) % TIMER_STRIDE) {
        case 0x00: return (t->cfg & TN_WRITABLE & ~TN_VAL_SET) | TN_FIXED;
        case 0x08: return t->cmp & width_mask(t);
        }
    }
    return 0;                           /* reserved and FSB registers */
}

static void reg_write(struct vhpet *h, unsigned int reg, uint64_t val, uint64_t mask,
                      uint64_t now)
{
    uint64_t cnt = counter(h, now);
    uint64_t nv = (reg_read(h, reg, now) & ~mask) | (val & mask);

    switch (reg) {
    case REG_CFG: {
        bool was = running(h);
        h->cfg = nv & (CFG_ENABLE | CFG_LEGACY);
        if (was != running(h)) {
            h->count_base = cnt;        /* halts, or starts, from here */
            h->base_ns = now;
        }
        for (unsigned int n = 0; n < NR_TIMERS; n++) {
            if (timer_gsi(h, n) != h->t[n].line)
                lower_line(h, &h->t[n]);        /* its route changed */
            arm(h, n, now, cnt);
        }
        return;
    }
    case REG_ISR:
        /* Write 1 to clear a level interrupt's status, and its line. */
        for (unsigned int n = 0; n < NR_TIMERS; n++)
            if (val & mask & h->isr & (1ULL << n)) {
                h->isr &= ~(1ULL << n);
                lower_line(h, &h->t[n]);
            }
        return;
    case REG_COUNTER:
        h->count_base = nv;             /* meant for a halted counter; allowed always */
        h->base_ns = now;
        for (unsigned int n = 0; n < NR_TIMERS; n++)
            arm(h, n, now, nv);
        return;
    }
    if (reg < REG_TIMER0 || reg >= REG_END)
        return;
    unsigned int n = (reg - REG_TIMER0) / TIMER_STRIDE;
    struct hpet_timer *t = &h->t[n];

    switch ((reg - REG_TIMER0) % TIMER_STRIDE) {
    case 0x00:
        t->cfg = nv & TN_WRITABLE;
        if (!(t->cfg & TN_LEVEL) || !(t->cfg & TN_ENABLE)) {
            h->isr &= ~(1ULL << n);
            lower_line(h, t);
        } else if (timer_gsi(h, n) != t->line) {
            lower_line(h, t);
        }
        if (t->cfg & TN_32BIT)
            t->cmp &= 0xFFFFFFFFULL;
        break;
    case 0x08:
        /* Periodic: with VAL_SET (which the write clears) a write sets the
         * comparator, else the period: the sequence drivers use to start
         * a period. One-shot: the comparator. */
        if ((t->cfg & TN_PERIODIC) && !(t->cfg & TN_VAL_SET)) {
            t->period = ((t->period & ~mask) | (val & mask)) & width_mask(t);
        } else {
            t->cmp = nv & width_mask(t);
            t->cfg &= ~TN_VAL_SET;
        }
        break;
    default:
        return;
    }
    arm(h, n, now, cnt);
}

static uint64_t hpet_read(struct vcpu *v, gpaddr_t gpa, unsigned int size)
{
    struct vhpet *h = v->domain->arch.hpet;
    unsigned int off = gpa & 0xFFF;     /* past the 1 KiB block: reserved */
    unsigned long f = spin_lock_irqsave(&h->lock);
    uint64_t val = reg_read(h, off & ~7u, NOW()) >> ((off & 7) * 8);

    spin_unlock_irqrestore(&h->lock, f);
    return size >= 8 ? val : val & ((1ULL << (size * 8)) - 1);
}

static void hpet_write(struct vcpu *v, gpaddr_t gpa, unsigned int size, uint64_t val)
{
    struct vhpet *h = v->domain->arch.hpet;
    unsigned int off = gpa & 0xFFF, shift = (off & 7) * 8;
    uint64_t mask = size >= 8 ? ~0ULL : ((1ULL << (size * 8)) - 1);
    unsigned long f;

    if (shift + size * 8 > 64)
        mask &= (1ULL << (64 - shift)) - 1;     /* a write across two registers: its first */
    f = spin_lock_irqsave(&h->lock);
    reg_write(h, off & ~7u, val << shift, mask << shift, NOW());
    spin_unlock_irqrestore(&h->lock, f);
}

int hpet_init(struct domain *d)
{
    struct vhpet *h = xzalloc(sizeof(*h));
    struct hvm_mmio_range r = {
        .start = HPET_BASE, .end = HPET_BASE + PAGE_SIZE, .read = hpet_read, .write = hpet_write,
    };

    if (!h)
        return -ENOMEM;
    spin_lock_init(&h->lock);
    h->d = d;
    for (unsigned int n = 0; n < NR_TIMERS; n++) {
        h->t[n].h = h;
        h->t[n].line = -1;
        h->t[n].cmp = ~0ULL;            /* the reset value: all ones */
        timer_init(&h->t[n].timer, timer_fired, &h->t[n], d->vcpus[0]->processor);
    }
    if (hvm_mmio_register(d, &r)) {
        xfree(h);
        return -ENOSPC;
    }
    d->arch.hpet = h;
    return 0;
}

void hpet_stop(struct domain *d)
{
    struct vhpet *h = d->arch.hpet;
    unsigned long f;

    if (!h)
        return;
    f = spin_lock_irqsave(&h->lock);
    h->stopped = true;                  /* a callback running now re-arms nothing */
    spin_unlock_irqrestore(&h->lock, f);
    for (unsigned int n = 0; n < NR_TIMERS; n++)
        kill_timer(&h->t[n].timer);     /* unlocked: the callback may wait on it */
}

void hpet_destroy(struct domain *d)
{
    hpet_stop(d);
    xfree(d->arch.hpet);
    d->arch.hpet = NULL;
}
