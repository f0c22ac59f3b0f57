/* memory_op: XENMEM_add_to_physmap for the shared_info page. */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <asm/guest_access.h>
#include <oryx/hypercall.h>
#include <oryx/pvclock.h>
#include <oryx/balloon.h>
#include <oryx/grant_table.h>
#include <oryx/event_channel.h>
#include <asm/page.h>
#include <public/memory.h>
#include <public/xen.h>

/* Highest guest frame a mapping may use: 48-bit guest-physical space. */
#define GFN_LIMIT (1ULL << (48 - PAGE_SHIFT))


static long map_shared_info(struct domain *d, uint64_t gfn)
{
    long rc = 0;

    if (gfn >= GFN_LIMIT)
        return -EINVAL;
    spin_lock(&d->lock);
    if (!d->shared_info) {
        d->shared_info = page_alloc_zeroed(0, &d->acct);
        if (!d->shared_info) {
            rc = -ENOMEM;
            goto out;
        }
        pvclock_update_domain(d);
        struct shared_info *si = __va(d->shared_info);
        for (unsigned int i = 0; i < d->nr_vcpus && i < XEN_LEGACY_MAX_VCPUS; i++)
            if (!d->vcpus[i]->vcpu_info)
                d->vcpus[i]->vcpu_info = &si->vcpu_info[i];
        evtchn_shared_info_ready(d);
    }
    if (d->shared_info_gpa) {
        /* Moving it: the old slot gets its RAM back (or stays a hole). */
        p2m_unmap(&d->p2m, d->shared_info_gpa, PAGE_SIZE);
        if (domain_gfn_is_ram(d, d->shared_info_gpa >> PAGE_SHIFT))
            rc = domain_remap_ram(d, d->shared_info_gpa);
        d->shared_info_gpa = 0;
        if (rc)
            goto out;
    }
    /* The RAM page under it (if any) stays the domain's, hidden. */
    p2m_unmap(&d->p2m, gfn << PAGE_SHIFT, PAGE_SIZE);
    rc = p2m_map(&d->p2m, gfn << PAGE_SHIFT, d->shared_info, PAGE_SIZE, P2M_R | P2M_W);
    if (!rc)
        d->shared_info_gpa = gfn << PAGE_SHIFT;
    domain_flush_tlb(d);
out:
    spin_unlock(&d->lock);
    return rc;
}

/* Grant frame idx moves to gfn; the RAM it covered stays hidden, the RAM
 * under its old place comes back. */
static long map_grant_frame(struct domain *d, uint64_t idx, uint64_t gfn)
{
    paddr_t hpa;
    gpaddr_t old = 0, gpa = gfn << PAGE_SHIFT;
    long rc;

    if ((idx & XENMAPIDX_grant_table_status) || gfn >= GFN_LIMIT)
        return -EINVAL;
    rc = gnttab_get_frame(d, (unsigned long)idx, &hpa);
    if (rc)
        return rc;
    spin_lock(&d->lock);
    rc = gnttab_set_frame_gpa(d, (unsigned long)idx, gpa, &old);
    if (rc)
        goto out;
    if (old && old != gpa) {
        p2m_unmap(&d->p2m, old, PAGE_SIZE);
        if (domain_gfn_is_ram(d, old >> PAGE_SHIFT))
            domain_remap_ram(d, old);
    }
    p2m_unmap(&d->p2m, gpa, PAGE_SIZE);
    rc = p2m_map(&d->p2m, gpa, hpa, PAGE_SIZE, P2M_R | P2M_W);
    domain_flush_tlb(d);
out:
    spin_unlock(&d->lock);
    return rc;
}

long do_memory_op(struct vcpu *v, const struct hcall_args *args)
{
    switch (args->a[0]) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return balloon_reservation(v, (unsigned int)args->a[0], args);
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
        return balloon_query(v, (unsigned int)args->a[0], args);
    case XENMEM_add_to_physmap: {
        struct xen_add_to_physmap xatp;
        if (args->is64) {
            if (copy_from_guest(v, &xatp, args->a[1], sizeof(xatp)))
                return -EFAULT;
        } else {
            struct compat_add_to_physmap c;     /* 32-bit guests' layout */
            if (copy_from_guest(v, &c, args->a[1], sizeof(c)))
                return -EFAULT;
            xatp = (struct xen_add_to_physmap){
                .domid = c.domid, .size = c.size, .space = c.space,
                .idx = c.idx, .gpfn = c.gpfn,
            };
        }
        if (xatp.domid != DOMID_SELF && xatp.domid != v->domain->id)
            return -EPERM;
        switch (xatp.space) {
        case XENMAPSPACE_shared_info:
            if (xatp.idx != 0)
                return -EINVAL;
            return map_shared_info(v->domain, xatp.gpfn);
        case XENMAPSPACE_grant_table:
            return map_grant_frame(v->domain, xatp.idx, xatp.gpfn);
        default:
            return -ENOSYS;
        }
    }
    default:
        return -ENOSYS;
    }
}
