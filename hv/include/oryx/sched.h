/* Round-robin preemptive scheduler with per-CPU run queues. */
#ifndef ORYX_SCHED_H
#define ORYX_SCHED_H

#include <oryx/types.h>

struct vcpu;

/* Places a new vCPU on a CPU (spreading a domain's vCPUs over CPUs). */
void sched_place_vcpu(struct vcpu *v);
/* This CPU's scheduling loop; never returns. */
__noreturn void sched_run(void);
/* Asks CPU cpu to look at its run queue again (IPI if remote). */
void sched_kick(unsigned int cpu);
extern uint64_t sched_slice_ns;
void sched_init(void);
void sched_remove_vcpu(struct vcpu *v);
void sched_start_vcpu(struct vcpu *v);
/* Its domain is paused (off its run queue, kicked out of the guest) or
 * runs again (queued if runnable). The domain's state changes first. */
void sched_pause_vcpu(struct vcpu *v);
void sched_unpause_vcpu(struct vcpu *v);

#endif
