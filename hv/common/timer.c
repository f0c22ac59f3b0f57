/*
 * Per-CPU software timers: a sorted singly linked list per CPU, the LAPIC
 * one-shot timer armed for the earliest. Callbacks run from the
 * scheduler loop of the timer's CPU with interrupts enabled.
 */
#include <oryx/lib.h>
#include <oryx/timer.h>
#include <oryx/sched.h>
#include <asm/percpu.h>
#include <asm/apic.h>
#include <asm/time.h>
#include <asm/traps.h>

void timer_init(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
    t->fn = fn;
    t->data = data;
    t->cpu = cpu;
    t->active = false;
    t->next = NULL;
    t->expires = 0;
}

static void list_remove(struct per_cpu *pc, struct timer *t)
{
    for (struct timer **pp = &pc->timers; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->active = false;
    t->next = NULL;
}

/* Reprogram the LAPIC for this CPU's earliest timer, unless it is armed
 * for that deadline already: this runs after every exit, and each LAPIC
 * write is an emulated access on some hosts. Call on that CPU with
 * timer_lock held (interrupts off). */
static void timer_reprogram(struct per_cpu *pc)
{
    uint64_t now = NOW();
    struct timer *first = pc->timers;
    uint64_t want = first ? first->expires : 0;

    if (want == pc->timer_armed)
        return;
    pc->timer_armed = want;
    if (!first) {
        apic_timer_oneshot(0);
        return;
    }
    apic_timer_oneshot(first->expires > now ? first->expires - now : 1);
}

void set_timer(struct timer *t, uint64_t expires)
{
    struct per_cpu *pc = cpu_data[t->cpu];
    unsigned long f = spin_lock_irqsave(&pc->timer_lock);
    struct timer **pp;

    if (t->active)
        list_remove(pc, t);
    t->expires = expires;
    for (pp = &pc->timers; *pp && (*pp)->expires <= expires; pp = &(*pp)->next)
        ;
    t->next = *pp;
    *pp = t;
    t->active = true;
    if (pc->timers == t) {
        if (pc == this_cpu())
            timer_reprogram(pc);
        else {
            spin_unlock_irqrestore(&pc->timer_lock, f);
            sched_kick(t->cpu);
            return;
        }
    }
    spin_unlock_irqrestore(&pc->timer_lock, f);
}

void stop_timer(struct timer *t)
{
    struct per_cpu *pc = cpu_data[t->cpu];
    unsigned long f = spin_lock_irqsave(&pc->timer_lock);

    if (t->active)
        list_remove(pc, t);
    spin_unlock_irqrestore(&pc->timer_lock, f);
}

void kill_timer(struct timer *t)
{
    struct per_cpu *pc = cpu_data[t->cpu];

    if (!pc)
        return;     /* its CPU never came up: never armed */
    stop_timer(t);
    if (t->cpu == smp_processor_id())
        return;     /* here its callback can only be running below us */
    while (__atomic_load_n(&pc->timer_running, __ATOMIC_ACQUIRE) == t)
        cpu_relax();
}

bool timer_softirq_pending(void)
{
    return this_cpu()->timer_fired;
}

void timer_run_expired(void)
{
    struct per_cpu *pc = this_cpu();
    unsigned long f = spin_lock_irqsave(&pc->timer_lock);

    pc->timer_fired = false;    /* an interrupt from here on sets it again */
    uint64_t now = NOW();

    while (pc->timers && pc->timers->expires <= now) {
        struct timer *t = pc->timers;
        list_remove(pc, t);
        __atomic_store_n(&pc->timer_running, t, __ATOMIC_RELAXED);
        spin_unlock_irqrestore(&pc->timer_lock, f);
        t->fn(t->data);
        f = spin_lock_irqsave(&pc->timer_lock);
        __atomic_store_n(&pc->timer_running, NULL, __ATOMIC_RELEASE);
        now = NOW();
    }
    timer_reprogram(pc);
    spin_unlock_irqrestore(&pc->timer_lock, f);
}

static void timer_interrupt(struct cpu_regs *regs)
{
    (void)regs;
    this_cpu()->timer_fired = true; /* the loop runs expired timers */
    this_cpu()->timer_armed = 0;    /* a one-shot: nothing is armed now */
}

static void slice_expired(void *data)
{
    (void)data;     /* the scheduler loop checks the slice itself */
}

void timer_cpu_init(void)
{
    struct per_cpu *pc = this_cpu();

    spin_lock_init(&pc->timer_lock);
    timer_init(&pc->slice_timer, slice_expired, NULL, pc->cpu_id);
    irq_set_handler(VEC_TIMER, timer_interrupt);
}
