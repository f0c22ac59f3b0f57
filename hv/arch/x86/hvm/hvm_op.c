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

/* What the toolstack sets for a domain it builds: where its rings are. */
static bool toolstack_may_set(uint32_t index)
{
    return index == HVM_PARAM_STORE_PFN || index == HVM_PARAM_STORE_EVTCHN ||
           index == HVM_PARAM_CONSOLE_PFN || index == HVM_PARAM_CONSOLE_EVTCHN;
}

/* get/set_param on p->domid: the caller's own, or (control domain only)
 * another domain's, never another control domain's. */
static long param_op(struct vcpu *v, unsigned long op, gvaddr_t arg)
{
    struct domain *d = v->domain;
    struct xen_hvm_param p;
    bool self;
    long rc = 0;

    if (copy_from_guest(v, &p, arg, sizeof(p)))
        return -EFAULT;
    self = p.domid == DOMID_SELF || p.domid == d->id;
    if (!self && !is_control_domain(d))
        return -EPERM;
    if (p.index >= HVM_NR_PARAMS || p.index >= HVM_PARAM_SLOTS)
        return -EINVAL;
    if (!self) {
        d = domain_get_by_id(p.domid);
        if (!d)
            return -ESRCH;
        if (is_control_domain(d)) {
            domain_put(d);
            return -EPERM;
        }
    }
    if (op == HVMOP_get_param) {
        p.value = d->hvm_params[p.index];
        rc = copy_to_guest(v, arg, &p, sizeof(p)) ? -EFAULT : 0;
    } else if (self ? !guest_may_set(p.index) : !toolstack_may_set(p.index)) {
        rc = -EPERM;
    } else if (p.index == HVM_PARAM_CALLBACK_IRQ && (p.value >> 56) == 2 &&
               (p.value & 0xFF) < 16) {
        rc = -EINVAL;           /* exception vectors can't be callbacks */
    } else {
        d->hvm_params[p.index] = p.value;
    }
    if (!self)
        domain_put(d);
    return rc;
}

long do_hvm_op(struct vcpu *v, const struct hcall_args *args)
{
    switch (args->a[0]) {
    case HVMOP_set_param:
    case HVMOP_get_param:
        return param_op(v, args->a[0], args->a[1]);
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
