/* vcpu_op and set_timer_op: bringing vCPUs up and down, per-vCPU one-shot
 * timers and state queries. */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <asm/guest_access.h>
#include <oryx/hypercall.h>
#include <oryx/sched.h>
#include <asm/time.h>
#include <public/vcpu.h>
#include <public/hvm/hvm_vcpu.h>
#include <public/sched.h>
#include <asm/hvm.h>
#include <public/xen.h>
#include <oryx/pvclock.h>
#include <asm/page.h>

/* Guest system time is the hypervisor's NOW(): ns since boot. */
static long set_singleshot(struct vcpu *v, uint64_t abs_ns, bool future_only)
{
    if (future_only && abs_ns < NOW())
        return -ETIME;
    set_timer(&v->singleshot, abs_ns);
    return 0;
}

/*
 * Move a vCPU's vcpu_info into a guest RAM page (Linux does it for every
 * vCPU, for the APs before they start). The old contents move along.
 */
static long register_vcpu_info(struct vcpu *t, const struct vcpu_register_vcpu_info *r)
{
    struct domain *d = t->domain;
    paddr_t hpa;
    struct vcpu_info *nvi;

    if (r->offset > PAGE_SIZE - sizeof(struct vcpu_info) || r->rsvd)
        return -EINVAL;
    if (t->vcpu_info_page)
        return -EBUSY;      /* once only, as in Xen */
    /* The hypervisor writes there from now on: a reference keeps the page
     * from being ballooned out (held until the domain is freed). */
    if (domain_ram_get_writable(d, r->mfn, &hpa))
        return -EINVAL;
    nvi = (struct vcpu_info *)((uint8_t *)__va(hpa) + r->offset);
    if (t->vcpu_info)
        memcpy(nvi, t->vcpu_info, sizeof(*nvi));
    else
        memset(nvi, 0, sizeof(*nvi));
    pvclock_fill(&nvi->time);
    t->vcpu_info_page = hpa;
    t->vcpu_info = nvi;
    /* An upcall that was pending in the old place is pending here too. */
    if (nvi->evtchn_upcall_pending)
        vcpu_kick_upcall(t);
    return 0;
}

/* The runstate area is accepted and kept saying "running, no steal". */
static long register_runstate(struct vcpu *v, struct vcpu *t, uint64_t gva)
{
    struct vcpu_runstate_info rs;

    memset(&rs, 0, sizeof(rs));
    rs.state = RUNSTATE_running;
    rs.state_entry_time = NOW();
    if (gva && t == v && copy_to_guest(v, gva, &rs, sizeof(rs)))
        return -EFAULT;
    return 0;
}

long do_vcpu_op(struct vcpu *v, const struct hcall_args *args)
{
    uint64_t cmd = args->a[0], id = args->a[1], arg = args->a[2];
    struct domain *d = v->domain;

    if (id >= d->nr_vcpus)
        return -ENOENT;
    switch (cmd) {
    case VCPUOP_initialise: {
        struct vcpu_hvm_context c;
        long rc = -EEXIST;
        if (copy_from_guest(v, &c, arg, sizeof(c)))
            return -EFAULT;
        /* Once per vCPU (-EEXIST after, as on Xen): it is then brought up
         * and down with the state it has. Under the domain's lock, so that
         * two callers never mix their states into one. */
        unsigned long f = spin_lock_irqsave(&d->lock);
        struct vcpu *t = d->vcpus[id];
        if (!t->initialised && t->state == VCPU_DOWN && !t->is_running &&
            !(rc = hvm_vcpu_initialise(t, &c)))
            t->initialised = true;
        spin_unlock_irqrestore(&d->lock, f);
        return rc;
    }
    case VCPUOP_up: {
        long rc = -EINVAL;
        unsigned long f = spin_lock_irqsave(&d->lock);
        if (d->vcpus[id]->initialised) {
            /* Not into a domain on its way out (as hvm_vcpu_sipi). */
            if (d->vcpus[id]->state == VCPU_DOWN &&
                (d->state == DOMAIN_RUNNING || d->state == DOMAIN_PAUSED))
                sched_start_vcpu(d->vcpus[id]);
            rc = 0;
        }
        spin_unlock_irqrestore(&d->lock, f);
        return rc;
    }
    case VCPUOP_down: {
        /* Stops where it is; VCPUOP_up resumes it there. The last vCPU
         * running powers the domain off instead, as on Xen (and as cli;
         * hlt does): a domain with none left would never end. */
        bool others = false;
        unsigned long f = spin_lock_irqsave(&d->lock);
        for (unsigned int i = 0; i < d->nr_vcpus; i++)
            if (i != id && d->vcpus[i]->state != VCPU_DOWN)
                others = true;
        if (others && d->vcpus[id]->state != VCPU_DOWN)
            sched_remove_vcpu(d->vcpus[id]);
        spin_unlock_irqrestore(&d->lock, f);
        if (!others)
            domain_shutdown(d, SHUTDOWN_poweroff);
        return 0;
    }
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
    case VCPUOP_register_vcpu_info: {
        struct vcpu_register_vcpu_info r;
        if (copy_from_guest(v, &r, arg, sizeof(r)))
            return -EFAULT;
        return register_vcpu_info(d->vcpus[id], &r);
    }
    case VCPUOP_register_runstate_memory_area: {
        struct vcpu_register_runstate_memory_area r;
        if (copy_from_guest(v, &r, arg, sizeof(r)))
            return -EFAULT;
        return register_runstate(v, d->vcpus[id], r.addr);
    }
    case VCPUOP_register_vcpu_time_memory_area:
        return -ENOSYS;     /* Linux then does without a vDSO pvclock */
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
