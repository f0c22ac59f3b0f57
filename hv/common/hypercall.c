/*
 * Hypercall dispatch: one table from numbers to handlers. The architecture
 * (arch/x86/hvm/hypercall.c) reads the guest's registers, checks that the
 * caller may make hypercalls and writes the result back; this file never
 * sees a register. Unknown numbers: -ENOSYS.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/hypercall.h>
#include <oryx/vcpu.h>
#include <public/xen.h>

static const hcall_fn hcall_table[HCALL_MAX] = {
    [__HYPERVISOR_console_io] = do_console_io,
    [__HYPERVISOR_platform_op] = do_platform_op,
    [__HYPERVISOR_physdev_op] = do_physdev_op,
    [__HYPERVISOR_arch_0] = do_mca,
    [__HYPERVISOR_xen_version] = do_xen_version,
    [__HYPERVISOR_sched_op] = do_sched_op,
    [__HYPERVISOR_memory_op] = do_memory_op,
    [__HYPERVISOR_vcpu_op] = do_vcpu_op,
    [__HYPERVISOR_set_timer_op] = do_set_timer_op,
    [__HYPERVISOR_hvm_op] = do_hvm_op,
    [__HYPERVISOR_vm_assist] = do_vm_assist,
    [__HYPERVISOR_grant_table_op] = do_grant_table_op,
    [__HYPERVISOR_event_channel_op] = do_event_channel_op,
    [__HYPERVISOR_sysctl] = do_sysctl,
    [__HYPERVISOR_domctl] = do_domctl,
};

long hypercall_continuation(struct vcpu *v, const struct hcall_args *next)
{
    v->hcall_next = *next;
    v->hcall_continue = true;
    return 0;                           /* unseen: the call is made again */
}

long hypercall_dispatch(struct vcpu *v, uint64_t nr, const struct hcall_args *args)
{
    if (nr >= HCALL_MAX || !hcall_table[nr])
        return -ENOSYS;
    return hcall_table[nr](v, args);
}
