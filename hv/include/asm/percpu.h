/*
 * Per-CPU state: one struct per CPU, reached through %gs (this_cpu()).
 * Fields other CPUs may touch live in the locked parts (run queue, timer
 * list) and say so.
 */
#ifndef ASM_PERCPU_H
#define ASM_PERCPU_H

#include <oryx/types.h>
#include <oryx/spinlock.h>
#include <asm/boot.h>
#include <asm/desc.h>
#include <oryx/timer.h>
#include <asm/svm-types.h>

#define MAX_CPUS 64

struct vcpu;
struct timer;

struct per_cpu {
    struct per_cpu *self;           /* %gs:0 */
    unsigned int cpu_id;            /* 0..nr_cpus-1, dense */
    uint32_t apic_id;
    bool online;
    struct vcpu *curr;              /* vCPU in (or last in) guest mode here */
    struct vcpu *fpu_owner;         /* whose x87/SSE state is in the registers */
    struct vcpu *dr_owner;          /* whose DR0-DR3 are in the registers */

    union {
        struct svm_cpu svm;
    } vendor;                       /* the back end's own state */

    /* Scheduler: runq_lock protects runq_head/tail and runq_len. */
    spinlock_t runq_lock;
    struct vcpu *runq_head, *runq_tail;
    unsigned int runq_len;
    uint64_t run_start;             /* ns: when the running vCPU's run began */
    bool run_starved;               /* it had waited a slice: no cutting short */
    uint64_t slice_end;             /* ns: its run ends there if others wait */
    uint64_t idle_ns;
    volatile bool yield;            /* the running vCPU yielded its slice */
    bool resched;                   /* kicked: look again before entering */

    /* Timers: timer_lock protects the sorted list. */
    spinlock_t timer_lock;
    struct timer *timers;
    struct timer *timer_running;    /* whose callback runs now (kill_timer waits) */
    volatile bool timer_fired;      /* LAPIC timer interrupt not yet processed */
    uint64_t timer_armed;           /* the deadline the LAPIC counts to, 0: none */
    struct timer slice_timer;       /* preempts the running vCPU */

    volatile bool stop_requested;

    struct tss tss __aligned(16);
    uint64_t gdt[8] __aligned(16);
    uint8_t *stack;                 /* STACK_SIZE bytes */
    uint8_t *ist_stacks;            /* 3 * IST_STACK_SIZE */
};

extern struct per_cpu *cpu_data[MAX_CPUS];
extern unsigned int nr_cpus;

static inline struct per_cpu *this_cpu(void)
{
    struct per_cpu *p;
    asm volatile("movq %%gs:0, %0" : "=r"(p));
    return p;
}

static inline unsigned int smp_processor_id(void)
{
    return this_cpu()->cpu_id;
}

void percpu_init_bsp(void);
struct per_cpu *percpu_alloc(unsigned int cpu, uint32_t apic_id);
void percpu_load(struct per_cpu *pc);   /* GDT, TSS, %gs on this CPU */



/* True once the boot CPU has its per-CPU area (set before interrupts are
 * enabled anywhere), so early panics can avoid %gs. */
extern bool percpu_up;
static inline bool this_cpu_ready(void) { return percpu_up; }
#endif
