/*
 * memory_op: what backs the caller's guest-physical space. add_to_physmap
 * for the shared_info page and grant frames; for the control domain,
 * foreign mappings (add_to_physmap_batch, acquire_resource) and their
 * removal (foreign_map.c).
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <asm/guest_access.h>
#include <oryx/hypercall.h>
#include <oryx/pvclock.h>
#include <oryx/balloon.h>
#include <oryx/grant_table.h>
#include <oryx/event_channel.h>
#include <oryx/foreign_map.h>
#include <asm/page.h>
#include <public/memory.h>
#include <public/xen.h>

/* Highest guest frame a mapping may use: 48-bit guest-physical space. */
#define GFN_LIMIT (1ULL << (48 - PAGE_SHIFT))


static long map_shared_info(struct domain *d, uint64_t gfn, bool compat)
{
    long rc = 0;

    if (gfn >= GFN_LIMIT)
        return -EINVAL;
    pvclock_latch_layout(d, compat);    /* before the first wall clock write */
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

/* Entries of one add_to_physmap_batch: its size field bounds them. */
static long add_to_physmap_batch(struct vcpu *v, gvaddr_t arg)
{
    struct domain *d = v->domain, *fd;
    struct xen_add_to_physmap_batch b;
    long rc;

    if (copy_from_guest(v, &b, arg, sizeof(b)))
        return -EFAULT;
    if (b.domid != DOMID_SELF && b.domid != d->id)
        return -EPERM;                  /* only into the caller's own space */
    if (b.space != XENMAPSPACE_gmfn_foreign)
        return -EOPNOTSUPP;             /* the other spaces: add_to_physmap */
    rc = foreign_domain_get(d, b.u.foreign_domid, &fd);
    if (rc)
        return rc;
    for (uint16_t i = 0; i < b.size; i++) {
        xen_ulong_t idx;
        xen_pfn_t gpfn;
        int err;

        if (copy_from_guest(v, &idx, xen_guest_handle_addr(b.idxs) + i * sizeof(idx), sizeof(idx)) ||
            copy_from_guest(v, &gpfn, xen_guest_handle_addr(b.gpfns) + i * sizeof(gpfn), sizeof(gpfn))) {
            rc = -EFAULT;
            break;
        }
        err = foreign_map_ram(d, fd, idx, gpfn);
        if (copy_to_guest(v, xen_guest_handle_addr(b.errs) + i * sizeof(err), &err, sizeof(err))) {
            if (!err)
                foreign_unmap(d, gpfn);     /* the caller cannot learn of it */
            rc = -EFAULT;
            break;
        }
    }
    domain_put(fd);
    return rc;
}

/* Grant-table frames of another domain, at the caller's GFNs. */
static long acquire_resource(struct vcpu *v, gvaddr_t arg)
{
    struct domain *d = v->domain, *fd;
    struct xen_mem_acquire_resource r;
    long rc;

    if (copy_from_guest(v, &r, arg, sizeof(r)))
        return -EFAULT;
    if (r.type != XENMEM_resource_grant_table)
        return -EOPNOTSUPP;             /* no ioreq servers, no trace buffers */
    if (r.id != XENMEM_resource_grant_table_id_shared)
        return -EINVAL;                 /* status frames are v2's */
    if (!r.nr_frames && !xen_guest_handle_addr(r.frame_list)) {
        r.nr_frames = GNTTAB_MAX_FRAMES;        /* a size query */
        return copy_to_guest(v, arg, &r, sizeof(r)) ? -EFAULT : 0;
    }
    if (r.frame >= GNTTAB_MAX_FRAMES || r.nr_frames > GNTTAB_MAX_FRAMES - r.frame)
        return -EINVAL;
    rc = foreign_domain_get(d, r.domid, &fd);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < r.nr_frames; i++) {
        xen_pfn_t gpfn;

        if (copy_from_guest(v, &gpfn, xen_guest_handle_addr(r.frame_list) + i * sizeof(gpfn), sizeof(gpfn))) {
            rc = -EFAULT;
        } else {
            rc = foreign_map_grant_frame(d, fd, (unsigned long)(r.frame + i), gpfn);
        }
        if (rc) {
            /* All or nothing: undo the frames mapped by this call. */
            while (i--) {
                if (!copy_from_guest(v, &gpfn, xen_guest_handle_addr(r.frame_list) + i * sizeof(gpfn), sizeof(gpfn)))
                    foreign_unmap(d, gpfn);
            }
            break;
        }
    }
    domain_put(fd);
    if (!rc) {
        r.flags = 0;
        if (copy_to_guest(v, arg, &r, sizeof(r)))
            rc = -EFAULT;               /* the frames stay: munmap removes them */
    }
    return rc;
}

static long remove_from_physmap(struct vcpu *v, gvaddr_t arg)
{
    struct xen_remove_from_physmap x;

    if (copy_from_guest(v, &x, arg, sizeof(x)))
        return -EFAULT;
    if (x.domid != DOMID_SELF && x.domid != v->domain->id)
        return -EPERM;
    /* Only foreign mappings come out this way: the guest's RAM leaves
     * through decrease_reservation, its hypervisor pages by moving them. */
    return foreign_unmap(v->domain, x.gpfn) ? -EINVAL : 0;
}

long do_memory_op(struct vcpu *v, const struct hcall_args *args)
{
    switch (args->a[0]) {
    case XENMEM_add_to_physmap_batch:
    case XENMEM_acquire_resource:
    case XENMEM_remove_from_physmap:
        /* The privcmd operations: the control domain's, 64-bit only. */
        if (!is_control_domain(v->domain))
            return -EPERM;
        if (!args->is64)
            return -EOPNOTSUPP;
        if (args->a[0] == XENMEM_add_to_physmap_batch)
            return add_to_physmap_batch(v, args->a[1]);
        if (args->a[0] == XENMEM_acquire_resource)
            return acquire_resource(v, args->a[1]);
        return remove_from_physmap(v, args->a[1]);
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
            return map_shared_info(v->domain, xatp.gpfn, !args->is64);
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
