/*
 * A preemptive round-robin scheduler. Each CPU owns a run queue of the
 * vCPUs placed on it; a vCPU runs until its time slice ends (LAPIC timer),
 * it blocks (HLT, SCHEDOP_block) or yields, or its domain stops. A CPU
 * with nothing to run halts until an interrupt. vCPUs do not migrate.
 * A vCPU woken from a block goes to the head of its queue and cuts the
 * running one's slice short, once that one has run as long as the woken
 * one's last run and at least sched_ratelimit_us (as Xen's credit BOOST
 * and rate limit): an I/O round trip between two domains on one CPU no
 * longer waits out a slice. Fairness bounds it: a vCPU that blocks and
 * wakes at will gets no more than an even share with the one it cuts
 * short, and once a queued vCPU has waited a whole slice, woken ones queue
 * behind it and its next run is not cut short (vCPUs that wake each other
 * in turn cannot starve a third).
 * Only a running domain's vCPUs are ever queued: a paused domain's keep
 * their state (a wake-up still makes one runnable) and go back on their
 * queues when it is unpaused.
 */
#include <oryx/lib.h>
#include <oryx/sched.h>
#include <oryx/domain.h>
#include <oryx/vcpu.h>
#include <oryx/cmdline.h>
#include <asm/hvm.h>
#include <asm/percpu.h>
#include <asm/apic.h>
#include <asm/time.h>
#include <asm/traps.h>

static uint32_t sched_slice_ms = 10;
CMDLINE_OPT_UINT("sched_slice", &sched_slice_ms, "scheduler time slice in ms (1..1000)");
uint64_t sched_slice_ns;
static uint32_t sched_ratelimit_us = 1000;
CMDLINE_OPT_UINT("sched_ratelimit_us", &sched_ratelimit_us,
                 "least run in us before a woken vCPU preempts (100..sched_slice)");
static uint64_t sched_ratelimit_ns;

static unsigned int next_cpu;
static spinlock_t place_lock = SPINLOCK_INIT;   /* next_cpu */

void sched_place_vcpu(struct vcpu *v)
{
    spin_lock(&place_lock);
    v->processor = next_cpu++ % nr_cpus;
    spin_unlock(&place_lock);
}

static void event_check_interrupt(struct cpu_regs *regs)
{
    (void)regs;     /* the interrupted loop looks at pc->resched */
}

/* Another CPU out of its guest to look again (its queue, its slice end, a
 * stop). The flag keeps a kick that lands between an exit's looks and the
 * next entry: run_vcpu checks it with interrupts off before entering. */
void sched_kick(unsigned int cpu)
{
    if (cpu != smp_processor_id() && cpu_data[cpu] && cpu_data[cpu]->online) {
        __atomic_store_n(&cpu_data[cpu]->resched, true, __ATOMIC_RELEASE);
        apic_send_ipi(cpu_data[cpu]->apic_id, VEC_EVENT_CHECK);
    }
}

/* Caller holds pc->runq_lock. A stopped or paused domain's vCPU is not
 * queued (the domain's state is written before its vCPUs' queue locks
 * are taken, so this look cannot miss a pause). */
static void runq_insert(struct per_cpu *pc, struct vcpu *v, bool front)
{
    uint64_t now = NOW();

    if (v->on_runq || v->domain->state != DOMAIN_RUNNING)
        return;
    v->on_runq = true;
    for (struct vcpu *q = pc->runq_head; front && q; q = q->runq_next)
        if (now - q->queued_ns >= sched_slice_ns)
            front = false;      /* q has waited long enough: behind it */
    v->queued_ns = now;
    if (front) {
        v->runq_next = pc->runq_head;
        pc->runq_head = v;
        if (!pc->runq_tail)
            pc->runq_tail = v;
    } else {
        v->runq_next = NULL;
        if (pc->runq_tail)
            pc->runq_tail->runq_next = v;
        else
            pc->runq_head = v;
        pc->runq_tail = v;
    }
    pc->runq_len++;
}

static void runq_push(struct per_cpu *pc, struct vcpu *v)
{
    runq_insert(pc, v, false);
}

static struct vcpu *runq_pop(struct per_cpu *pc)
{
    unsigned long f = spin_lock_irqsave(&pc->runq_lock);
    struct vcpu *v = pc->runq_head;

    if (v) {
        pc->runq_head = v->runq_next;
        if (!pc->runq_head)
            pc->runq_tail = NULL;
        v->on_runq = false;
        v->is_running = true;   /* under the lock: never in neither place */
        pc->runq_len--;
        pc->curr = v;           /* wakers look at these under the lock */
        pc->run_start = NOW();
        pc->run_starved = pc->run_start - v->queued_ns >= sched_slice_ns;
        __atomic_store_n(&pc->slice_end, pc->run_start + sched_slice_ns, __ATOMIC_RELAXED);
    }
    spin_unlock_irqrestore(&pc->runq_lock, f);
    return v;
}

/*
 * Caller holds pc->runq_lock; v was just woken onto pc's queue. Brings the
 * running vCPU's slice end forward to when it will have run as long as v
 * last did, and at least the rate limit. Only pc's own CPU arms its slice
 * timer (run_vcpu, after the kick's exit): a remote set_timer could land
 * after that run ended and take the next run's slice timer away.
 */
static void wake_preempt(struct per_cpu *pc, const struct vcpu *v)
{
    uint64_t need = v->last_run_ns > sched_ratelimit_ns ? v->last_run_ns : sched_ratelimit_ns;
    uint64_t end;

    if (!pc->curr || pc->run_starved)
        return;                 /* idle; or it waited a slice for this run: whole */
    end = pc->run_start + need;
    if (end < pc->slice_end)
        __atomic_store_n(&pc->slice_end, end, __ATOMIC_RELAXED);
}

void vcpu_wake(struct vcpu *v)
{
    struct per_cpu *pc = cpu_data[v->processor];
    unsigned long f = spin_lock_irqsave(&pc->runq_lock);
    bool kick = false;

    if (v->state == VCPU_BLOCKED) {
        v->state = VCPU_RUNNABLE;
        if (!v->is_running) {
            runq_insert(pc, v, true);   /* ahead of those that used their slices */
            kick = v->on_runq;          /* not when its domain is paused */
            if (kick)
                wake_preempt(pc, v);
        }
    } else if (v->state == VCPU_RUNNABLE)
        v->wake_pending = true;
    spin_unlock_irqrestore(&pc->runq_lock, f);
    if (kick)
        sched_kick(v->processor);   /* out of the guest: to run v, or re-arm the slice */
}

/* Caller holds pc->runq_lock. */
static void runq_unlink(struct per_cpu *pc, struct vcpu *v)
{
    struct vcpu **pp = &pc->runq_head, *prev = NULL;

    if (!v->on_runq)
        return;
    while (*pp && *pp != v) {
        prev = *pp;
        pp = &(*pp)->runq_next;
    }
    if (*pp) {
        *pp = v->runq_next;
        if (pc->runq_tail == v)
            pc->runq_tail = prev;
        pc->runq_len--;
    }
    v->on_runq = false;
}

/* Takes a vCPU off its run queue for good (its domain is stopping). */
void sched_remove_vcpu(struct vcpu *v)
{
    struct per_cpu *pc = cpu_data[v->processor];
    unsigned long f = spin_lock_irqsave(&pc->runq_lock);

    v->state = VCPU_DOWN;
    runq_unlink(pc, v);
    spin_unlock_irqrestore(&pc->runq_lock, f);
    stop_timer(&v->singleshot);
    hvm_vcpu_down(v);           /* after the state: see vlapic.c */
    if (v->is_running)
        sched_kick(v->processor);
}

/*
 * Its domain was paused: off the run queue, its state kept (a timer or an
 * event may still make it runnable, its events stay pending), and out of
 * the guest if it is in it now.
 */
void sched_pause_vcpu(struct vcpu *v)
{
    struct per_cpu *pc = cpu_data[v->processor];
    unsigned long f = spin_lock_irqsave(&pc->runq_lock);

    runq_unlink(pc, v);
    spin_unlock_irqrestore(&pc->runq_lock, f);
    if (v->is_running)
        sched_kick(v->processor);
}

/* Its domain runs again: back on the queue if it is runnable. */
void sched_unpause_vcpu(struct vcpu *v)
{
    struct per_cpu *pc = cpu_data[v->processor];
    unsigned long f = spin_lock_irqsave(&pc->runq_lock);
    bool kick = false;

    if (v->state == VCPU_RUNNABLE && !v->is_running) {
        runq_push(pc, v);
        kick = v->on_runq;
    }
    spin_unlock_irqrestore(&pc->runq_lock, f);
    if (kick)
        sched_kick(v->processor);
}

/* Makes a DOWN vCPU runnable (domain start). */
void sched_start_vcpu(struct vcpu *v)
{
    struct per_cpu *pc = cpu_data[v->processor];
    unsigned long f = spin_lock_irqsave(&pc->runq_lock);

    v->state = VCPU_RUNNABLE;
    v->initialised = true;
    runq_push(pc, v);
    spin_unlock_irqrestore(&pc->runq_lock, f);
    sched_kick(v->processor);
}

/*
 * A wake-up that came while the vCPU was runnable (wake_pending) cancels
 * the next block, however long ago it came: a timer that fired while the
 * vCPU waited on the run queue is not lost. With unless_event, an event
 * already pending (an upcall or an interrupt, delivered or not) cancels
 * it too, as Xen's SCHEDOP_block: its sender's wake-up may have come and
 * gone before this call. The look is made before the run-queue lock (a
 * leaf: the vLAPIC has its own): senders set their flag before vcpu_wake
 * takes that lock, so an event raised after the look finds the vCPU still
 * runnable and leaves wake_pending for the check below.
 */
static void block(struct vcpu *v, bool unless_event)
{
    struct per_cpu *pc = cpu_data[v->processor];
    unsigned long f;

    if (unless_event && hvm_events_pending(v))
        return;
    f = spin_lock_irqsave(&pc->runq_lock);
    if (v->wake_pending)
        v->wake_pending = false;        /* an event beat us to it */
    else if (v->state == VCPU_RUNNABLE)
        v->state = VCPU_BLOCKED;
    spin_unlock_irqrestore(&pc->runq_lock, f);
}

void vcpu_block(struct vcpu *v)
{
    block(v, true);
}

void vcpu_block_polling(struct vcpu *v)
{
    block(v, false);
}

void vcpu_yield(struct vcpu *v)
{
    cpu_data[v->processor]->yield = true;
}

static bool slice_over(struct per_cpu *pc)
{
    return NOW() >= __atomic_load_n(&pc->slice_end, __ATOMIC_RELAXED) && pc->runq_len;
}

/* The run accounting's writer (only the CPU running v): a seqcount, so
 * that vcpu_runtime() on another CPU never counts a run twice or not at all. */
static void run_account(struct vcpu *v, uint64_t start, uint64_t end)
{
    __atomic_add_fetch(&v->run_seq, 1, __ATOMIC_ACQ_REL);
    if (end)
        v->runtime_ns += end - start;
    v->run_start_ns = end ? 0 : start;
    __atomic_add_fetch(&v->run_seq, 1, __ATOMIC_ACQ_REL);
}

uint64_t vcpu_runtime(struct vcpu *v)
{
    uint64_t done, start;
    uint32_t seq;

    do {
        seq = __atomic_load_n(&v->run_seq, __ATOMIC_ACQUIRE);
        done = __atomic_load_n(&v->runtime_ns, __ATOMIC_RELAXED);
        start = __atomic_load_n(&v->run_start_ns, __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ((seq & 1) || seq != __atomic_load_n(&v->run_seq, __ATOMIC_ACQUIRE));
    if (start) {
        uint64_t now = NOW();
        done += now > start ? now - start : 0;
    }
    return done;
}

static void run_vcpu(struct per_cpu *pc, struct vcpu *v)
{
    uint64_t start = pc->run_start, end, armed;
    unsigned long f;

    run_account(v, start, 0);
    pc->yield = false;
    armed = __atomic_load_n(&pc->slice_end, __ATOMIC_RELAXED);
    set_timer(&pc->slice_timer, armed);
    hvm_fpu_switch_to(v);

    while (v->state == VCPU_RUNNABLE && v->domain->state == DOMAIN_RUNNING &&
           !pc->stop_requested) {
        /* No entry with a timer interrupt unprocessed: look with
         * interrupts off; one arriving later forces an exit at once. */
        local_irq_disable();
        if (!timer_softirq_pending() && !__atomic_load_n(&pc->resched, __ATOMIC_ACQUIRE))
            hvm->vcpu_run(v);
        local_irq_enable();
        (void)__atomic_exchange_n(&pc->resched, false, __ATOMIC_ACQ_REL);  /* before the looks */
        timer_run_expired();
        if (slice_over(pc) || pc->yield)
            break;
        end = __atomic_load_n(&pc->slice_end, __ATOMIC_RELAXED);
        if (end != armed)
            set_timer(&pc->slice_timer, armed = end);  /* a wake-up brought it forward */
    }

    stop_timer(&pc->slice_timer);
    end = NOW();
    v->last_run_ns = end - start;
    run_account(v, start, end);

    /* Once is_running is clear another CPU may reap the domain: hold a
     * reference so d (and v) stay valid for the look below. */
    struct domain *d = v->domain;
    domain_get(d);
    f = spin_lock_irqsave(&pc->runq_lock);
    v->is_running = false;
    pc->curr = NULL;
    if (v->state == VCPU_RUNNABLE && d->state == DOMAIN_RUNNING)
        runq_push(pc, v);
    spin_unlock_irqrestore(&pc->runq_lock, f);
    if (d->state != DOMAIN_RUNNING && d->state != DOMAIN_PAUSED)
        domain_reap(d);             /* it stopped for good: maybe the last CPU */
    domain_put(d);
}

__noreturn void sched_run(void)
{
    struct per_cpu *pc = this_cpu();

    for (;;) {
        local_irq_enable();
        timer_run_expired();
        struct vcpu *v = runq_pop(pc);
        if (v) {
            run_vcpu(pc, v);
            continue;
        }
        /* Idle: halt unless work arrived since we looked. */
        uint64_t t0 = NOW();
        local_irq_disable();
        if (!pc->runq_head && (!pc->timers || pc->timers->expires > NOW())) {
            if (hvm->cpu_idle)
                hvm->cpu_idle();
            safe_halt();
        }
        else
            local_irq_enable();
        pc->idle_ns += NOW() - t0;
    }
}

void sched_init(void)
{
    if (sched_slice_ms < 1 || sched_slice_ms > 1000) {
        printk_lvl(LOG_WARN, "warning: sched_slice=%u out of range (1..1000 ms); using 10\n",
                   sched_slice_ms);
        sched_slice_ms = 10;
    }
    sched_slice_ns = MILLISECS(sched_slice_ms);
    if (sched_ratelimit_us < 100 || sched_ratelimit_us > sched_slice_ms * 1000) {
        printk_lvl(LOG_WARN, "warning: sched_ratelimit_us=%u out of range (100..%u); using "
                   "1000\n", sched_ratelimit_us, sched_slice_ms * 1000);
        sched_ratelimit_us = 1000;      /* within any slice (>= 1 ms) */
    }
    sched_ratelimit_ns = MICROSECS(sched_ratelimit_us);
    irq_set_handler(VEC_EVENT_CHECK, event_check_interrupt);
}
