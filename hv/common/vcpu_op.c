/* vcpu_op and set_timer_op: per-vCPU one-shot timers and state queries. */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/hypercall.h>
#include <oryx/sched.h>
#include <asm/time.h>
#include <public/vcpu.h>

/* Guest system time is the hypervisor's NOW(): ns since boot. */
static long set_singleshot(struct vcpu *v, uint64_t abs_ns, bool future_only)
{
    if (future_only && abs_ns < NOW())
        return -ETIME;
    set_timer(&v->singleshot, abs_ns);
    return 0;
}

long do_vcpu_op(struct vcpu *v, const struct hcall_args *args)
{
    uint64_t cmd = args->a[0], id = args->a[1], arg = args->a[2];
    struct domain *d = v->domain;

    if (id >= d->nr_vcpus)
        return -ENOENT;
    switch (cmd) {
    case VCPUOP_is_up:
        return d->vcpus[id]->state != VCPU_DOWN;
    case VCPUOP_stop_periodic_timer:
        return id == v->id ? 0 : -EINVAL;   /* no periodic timer is ever running */
    case VCPUOP_set_singleshot_timer: {
        struct vcpu_set_singleshot_timer t;
        if (id != v->id)
            return -EINVAL;
        if (copy_from_guest(v, &t, arg, sizeof(t)))
            return -EFAULT;
        return set_singleshot(v, t.timeout_abs_ns, t.flags & VCPU_SSHOTTMR_future);
    }
    case VCPUOP_stop_singleshot_timer:
        if (id != v->id)
            return -EINVAL;
        stop_timer(&v->singleshot);
        return 0;
    default:
        return -ENOSYS;
    }
}

long do_set_timer_op(struct vcpu *v, const struct hcall_args *args)
{
    uint64_t timeout = args->a[0];

    if (!args->is64)
        timeout |= args->a[1] << 32;    /* 32-bit callers pass hi in ECX */
    if (!timeout) {
        stop_timer(&v->singleshot);
        return 0;
    }
    return set_singleshot(v, timeout, false);
}
