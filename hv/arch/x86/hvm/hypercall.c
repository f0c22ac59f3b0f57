/*
 * The x86 hypercall ABI: VMMCALL with the number in RAX and the arguments
 * in RDI, RSI, RDX, R10, R8 (64-bit) or EBX, ECX, EDX, ESI, EDI (32-bit,
 * zero-extended); the result goes back in RAX. Only the guest kernel
 * (CPL 0) may call: anything else gets -EPERM. A continued call leaves RIP
 * on the VMMCALL with the next part's arguments in the registers.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/hypercall.h>
#include <asm/hvm.h>

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
    v->hcall_continue = false;
    ret = hypercall_dispatch(v, nr, &args);
    if (v->hcall_continue) {
        /* Not done: the guest makes the call again with the new arguments. */
        const uint64_t *a = v->hcall_next.a;
        v->hcall_continue = false;
        if (args.is64) {
            r->rdi = a[0];
            r->rsi = a[1];
            r->rdx = a[2];
            r->r10 = a[3];
            r->r8 = a[4];
        } else {
            r->rbx = (uint32_t)a[0];
            r->rcx = (uint32_t)a[1];
            r->rdx = (uint32_t)a[2];
            r->rsi = (uint32_t)a[3];
            r->rdi = (uint32_t)a[4];
        }
        return false;                   /* RAX still holds the number */
    }
out:
    r->rax = args.is64 ? (uint64_t)ret : (uint32_t)ret;
    return true;
}
