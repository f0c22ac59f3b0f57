/* Virtual CPUs: scheduling state and the embedded arch part. */
#ifndef ORYX_VCPU_H
#define ORYX_VCPU_H

#include <oryx/types.h>
#include <oryx/hypercall.h>
#include <oryx/timer.h>
#include <asm/vcpu.h>

struct domain;

enum vcpu_state {
    VCPU_DOWN,          /* not started, or stopped with its domain */
    VCPU_RUNNABLE,      /* on a run queue or running */
    VCPU_BLOCKED,       /* waiting for an event or timer */
};

struct vcpu {
    unsigned int id;
    struct domain *domain;
    unsigned int processor;         /* the CPU whose run queue holds it */
    volatile enum vcpu_state state; /* changed under the run queue lock */
    bool on_runq;                   /* run queue lock */
    volatile bool is_running;       /* in the guest or its exit handling */
    bool initialised;               /* has a state to run: started, or VCPUOP_initialise */
    struct vcpu *runq_next;
    struct timer singleshot;        /* VCPUOP_set_singleshot_timer / set_timer_op */
    volatile bool wake_pending;     /* woken while runnable: the next block returns */
    struct vcpu_info *vcpu_info;    /* NULL until shared_info is mapped */
    paddr_t vcpu_info_page;         /* registered area's page, 0 = shared_info slot */
    uint64_t runtime_ns;            /* finished runs; vcpu_runtime() adds the current one */
    uint64_t run_start_ns;          /* the current run's start, while is_running */
    volatile uint32_t run_seq;      /* odd while the two above change (seqcount) */
    uint64_t last_run_ns;           /* its last run's length (wake-up preemption) */
    uint64_t queued_ns;             /* when it last joined its run queue */
    bool hcall_continue;            /* hypercall_continuation() was called */
    struct hcall_args hcall_next;   /* with these arguments */
    struct arch_vcpu arch;
};

void vcpu_wake(struct vcpu *v);
/* SCHEDOP_block and HLT: sleep unless an event or wake-up is pending. */
void vcpu_block(struct vcpu *v);
/* SCHEDOP_poll: sleep unless a wake-up is pending (the caller has looked
 * at the ports and the deliverable upcall itself). */
void vcpu_block_polling(struct vcpu *v);
void vcpu_yield(struct vcpu *v);
/* CPU time used so far, the run in progress included; any CPU may ask. */
uint64_t vcpu_runtime(struct vcpu *v);

#endif
