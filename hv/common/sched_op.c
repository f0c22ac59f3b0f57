/* sched_op: yield, block, shutdown. */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <asm/guest_access.h>
#include <oryx/hypercall.h>
#include <oryx/sched.h>
#include <oryx/event_channel.h>
#include <public/sched.h>

long do_sched_op(struct vcpu *v, const struct hcall_args *args)
{
    switch (args->a[0]) {
    case SCHEDOP_yield:
        vcpu_yield(v);
        return 0;
    case SCHEDOP_block:
        vcpu_block(v);
        return 0;
    case SCHEDOP_shutdown: {
        struct sched_shutdown s;
        if (copy_from_guest(v, &s, args->a[1], sizeof(s)))
            return -EFAULT;
        if (s.reason > SHUTDOWN_MAX)
            return -EINVAL;
        domain_shutdown(v->domain, s.reason);
        return 0;
    }
    case SCHEDOP_shutdown_code: {
        struct sched_shutdown s;
        if (copy_from_guest(v, &s, args->a[1], sizeof(s)))
            return -EFAULT;
        if (s.reason > SHUTDOWN_MAX)
            return -EINVAL;
        v->domain->shutdown_reason = s.reason;
        return 0;
    }
    case SCHEDOP_poll:
        return do_sched_poll(v, args);
    default:
        return -ENOSYS;
    }
}
