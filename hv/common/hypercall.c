/*
 * Hypercall entry: gather the arguments by the guest's mode, dispatch
 * through one table, write the result to RAX. Unknown numbers: -ENOSYS.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/hypercall.h>
#include <oryx/grant_table.h>
#include <oryx/event_channel.h>
#include <asm/hvm.h>
#include <public/xen.h>

static const hcall_fn hcall_table[HCALL_MAX] = {
    [__HYPERVISOR_console_io] = do_console_io,
    [__HYPERVISOR_xen_version] = do_xen_version,
    [__HYPERVISOR_sched_op] = do_sched_op,
    [__HYPERVISOR_memory_op] = do_memory_op,
    [__HYPERVISOR_vcpu_op] = do_vcpu_op,
    [__HYPERVISOR_set_timer_op] = do_set_timer_op,
    [__HYPERVISOR_hvm_op] = do_hvm_op,
    [__HYPERVISOR_vm_assist] = do_vm_assist,
    [__HYPERVISOR_grant_table_op] = do_grant_table_op,
    [__HYPERVISOR_event_channel_op] = do_event_channel_op,
};

bool hvm_handle_hypercall(struct vcpu *v)
{
    struct guest_regs *r = &v->arch.regs;
    struct hcall_args args;
    uint64_t nr = r->rax;
    long ret;

    args.is64 = hvm->insn_mode(v) == INSN_MODE_64;
    if (hvm->cpl(v) != 0) {
        ret = -EPERM;       /* hypercalls are for the guest kernel */
        goto out;
    }
    if (args.is64) {
        args.a[0] = r->rdi;
        args.a[1] = r->rsi;
        args.a[2] = r->rdx;
        args.a[3] = r->r10;
        args.a[4] = r->r8;
    } else {
        nr = (uint32_t)nr;
        args.a[0] = (uint32_t)r->rbx;
        args.a[1] = (uint32_t)r->rcx;
        args.a[2] = (uint32_t)r->rdx;
        args.a[3] = (uint32_t)r->rsi;
        args.a[4] = (uint32_t)r->rdi;
    }
    if (nr >= HCALL_MAX || !hcall_table[nr])
        ret = -ENOSYS;
    else
        ret = hcall_table[nr](v, &args);
out:
    r->rax = args.is64 ? (uint64_t)ret : (uint32_t)ret;
    return true;
}
