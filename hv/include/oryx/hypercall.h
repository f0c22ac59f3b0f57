/* Hypercall dispatch: one table maps numbers to handlers; every handler's
 * prototype is here. The architecture gathers the arguments. */
#ifndef ORYX_HYPERCALL_H
#define ORYX_HYPERCALL_H

#include <oryx/types.h>

struct vcpu;

/* Arguments as the guest passed them; pointers are guest-virtual. From
 * 32-bit code every argument is zero-extended from 32 bits. */
struct hcall_args {
    uint64_t a[5];
    bool is64;
};

typedef long (*hcall_fn)(struct vcpu *v, const struct hcall_args *args);

long do_console_io(struct vcpu *v, const struct hcall_args *args);
long do_xen_version(struct vcpu *v, const struct hcall_args *args);
long do_sched_op(struct vcpu *v, const struct hcall_args *args);
long do_memory_op(struct vcpu *v, const struct hcall_args *args);
long do_vcpu_op(struct vcpu *v, const struct hcall_args *args);
long do_set_timer_op(struct vcpu *v, const struct hcall_args *args);
long do_hvm_op(struct vcpu *v, const struct hcall_args *args);
long do_vm_assist(struct vcpu *v, const struct hcall_args *args);
long do_grant_table_op(struct vcpu *v, const struct hcall_args *args);
long do_event_channel_op(struct vcpu *v, const struct hcall_args *args);
long do_sched_poll(struct vcpu *v, const struct hcall_args *args);  /* SCHEDOP_poll */
/* The control domain's (x86): */
long do_physdev_op(struct vcpu *v, const struct hcall_args *args);
long do_platform_op(struct vcpu *v, const struct hcall_args *args);
long do_mca(struct vcpu *v, const struct hcall_args *args);
long do_domctl(struct vcpu *v, const struct hcall_args *args);
long do_sysctl(struct vcpu *v, const struct hcall_args *args);

/*
 * A handler that stops part-way returns this: the guest then executes the
 * same hypercall again with `next` as its arguments (its instruction
 * pointer stays on the call, as in Xen), so one exit's work stays bounded
 * and the vCPU takes interrupts and events between the parts. The guest's
 * argument registers change, which Xen's ABI allows.
 */
long hypercall_continuation(struct vcpu *v, const struct hcall_args *next);

/* The handler for hypercall nr, or -ENOSYS. */
long hypercall_dispatch(struct vcpu *v, uint64_t nr, const struct hcall_args *args);

/* Per-domain hypercall counters are kept by number. */
#define HCALL_MAX 64

#endif
