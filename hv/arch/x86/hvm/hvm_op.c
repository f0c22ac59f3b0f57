/*
 * hvm_op: HVM parameters (a guest sets its callback, reads the console
 * and store locations the builder left there) and the few other ops PVH
 * Linux calls. Everything else: -ENOSYS.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <asm/guest_access.h>
#include <oryx/hypercall.h>
#include <asm/time.h>
#include <public/xen.h>
#include <public/hvm/hvm_op.h>
#include <public/hvm/params.h>

/* Parameters a guest may set for itself; the rest are the builder's. */
static bool guest_may_set(uint32_t index)
{
    return index == HVM_PARAM_CALLBACK_IRQ;
}

long do_hvm_op(struct vcpu *v, const struct hcall_args *args)
{
    struct domain *d = v->domain;

    switch (args->a[0]) {
    case HVMOP_set_param:
    case HVMOP_get_param: {
        struct xen_hvm_param p;
        if (copy_from_guest(v, &p, args->a[1], sizeof(p)))
            return -EFAULT;
        if (p.domid != DOMID_SELF && p.domid != d->id)
            return -EPERM;      /* no domain controls another yet */
        if (p.index >= HVM_NR_PARAMS || p.index >= HVM_PARAM_SLOTS)
            return -EINVAL;
        if (args->a[0] == HVMOP_get_param) {
            p.value = d->hvm_params[p.index];
            return copy_to_guest(v, args->a[1], &p, sizeof(p)) ? -EFAULT : 0;
        }
        if (!guest_may_set(p.index))
            return -EPERM;
        if (p.index == HVM_PARAM_CALLBACK_IRQ && (p.value >> 56) == 2 &&
            (p.value & 0xFF) < 16)
            return -EINVAL;     /* exception vectors can't be callbacks */
        d->hvm_params[p.index] = p.value;
        return 0;
    }
    case HVMOP_get_time: {
        struct xen_hvm_get_time t = { .now = NOW() };
        return copy_to_guest(v, args->a[1], &t, sizeof(t)) ? -EFAULT : 0;
    }
    case HVMOP_pagetable_dying:     /* a shadow-paging hint: nothing to do with NPT */
    default:
        return -ENOSYS;
    }
}

long do_vm_assist(struct vcpu *v, const struct hcall_args *args)
{
    (void)v;
    (void)args;
    return -EINVAL;     /* no assists: the runstate update flag is not offered */
}
