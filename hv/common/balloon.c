/*
 * Ballooning (memory_op reservations): a domain gives RAM pages back to
 * the hypervisor and takes them again, page by page, as Linux's balloon
 * driver does. The per-page work is domain_ram.c's (domain_ram_release,
 * domain_ram_refill); this file decodes the calls, checks who may name
 * which domain, and bounds each call's work.
 *
 * Rules (Xen's unless said):
 *   - the result is the number of extents done; the first extent that
 *     cannot be done (not the domain's RAM, referenced, a bad pointer in
 *     the list, no memory) ends the call. Only a bad argument structure,
 *     an unknown or forbidden domain give -errno.
 *   - extents above order 9, and populate-on-demand, do nothing (0).
 *   - populate refills only what was given back: a domain never holds more
 *     RAM than it was built with, nor RAM outside its original layout.
 *   - the control domain is 1:1 (no IOMMU: devices use guest-physical
 *     addresses), so its pages come back as the very same frames, or not
 *     at all.
 *   - increase_reservation gives a translated guest nothing it could use
 *     (Xen allocates frames it never maps); Oryx keeps no unmapped pages
 *     and answers 0.
 *   - at most BALLOON_MAX_EXTENTS extents / BALLOON_MAX_PAGES pages per
 *     call; the caller goes on from the count returned (Linux does).
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/balloon.h>
#include <asm/guest_access.h>
#include <asm/page.h>
#include <public/memory.h>
#include <public/xen.h>

/* The domain a call names, with a reference unless it is the caller's:
 * itself, or (control domain only) any live domain. */
static struct domain *target_get(struct vcpu *v, domid_t id, long *err)
{
    struct domain *self = v->domain, *d;

    if (id == DOMID_SELF || id == self->id)
        return self;
    if (!is_control_domain(self)) {
        *err = -EPERM;
        return NULL;
    }
    d = domain_get_by_id(id);
    if (d && (d->destroy_claimed || !d->extents)) {
        domain_put(d);
        d = NULL;
    }
    if (!d)
        *err = -ESRCH;
    return d;
}

static void target_put(struct vcpu *v, struct domain *d)
{
    if (d != v->domain)
        domain_put(d);
}

/* Read the call's argument in either layout. */
static int read_reservation(struct vcpu *v, const struct hcall_args *args,
                            struct xen_memory_reservation *r)
{
    if (args->is64)
        return copy_from_guest(v, r, args->a[1], sizeof(*r)) ? -EFAULT : 0;

    struct compat_memory_reservation c;     /* 32-bit guests' layout */
    if (copy_from_guest(v, &c, args->a[1], sizeof(c)))
        return -EFAULT;
    *r = (struct xen_memory_reservation){
        .nr_extents = c.nr_extents, .extent_order = c.extent_order,
        .mem_flags = c.mem_flags, .domid = c.domid,
    };
    set_xen_guest_handle(r->extent_start, (xen_pfn_t *)(uintptr_t)c.extent_start);
    return 0;
}

long balloon_reservation(struct vcpu *v, unsigned int cmd, const struct hcall_args *args)
{
    struct xen_memory_reservation r;
    unsigned int entry = args->is64 ? 8 : 4;    /* xen_pfn_t */
    uint64_t list, n, done = 0;
    struct domain *d;
    long err = 0;

    if (read_reservation(v, args, &r))
        return -EFAULT;
    list = xen_guest_handle_addr(r.extent_start);
    n = args->is64 ? r.nr_extents : (uint32_t)r.nr_extents;
    if (r.extent_order > BALLOON_MAX_ORDER || (r.mem_flags & XENMEMF_populate_on_demand))
        return 0;
    d = target_get(v, r.domid, &err);
    if (!d)
        return err;
    n = MIN(n, (uint64_t)BALLOON_MAX_EXTENTS);
    n = MIN(n, (uint64_t)(BALLOON_MAX_PAGES >> r.extent_order));
    if (cmd == XENMEM_increase_reservation)
        n = 0;                                  /* see the top of the file */

    for (; done < n; done++) {
        uint64_t gfn = 0;
        int rc;

        if (copy_from_guest(v, &gfn, list + done * entry, entry))
            break;
        if (!IS_ALIGNED(gfn, 1ULL << r.extent_order))
            break;
        if (cmd == XENMEM_decrease_reservation)
            rc = domain_ram_release(d, gfn, r.extent_order);
        else
            rc = domain_ram_refill(d, gfn, r.extent_order);
        if (rc)
            break;
    }
    target_put(v, d);
    return (long)done;
}

long balloon_query(struct vcpu *v, unsigned int cmd, const struct hcall_args *args)
{
    domid_t id;
    struct domain *d;
    long err = 0, pages;

    if (copy_from_guest(v, &id, args->a[1], sizeof(id)))
        return -EFAULT;
    d = target_get(v, id, &err);
    if (!d)
        return err;
    pages = (long)(cmd == XENMEM_current_reservation ? domain_ram_pages(d)
                                                      : domain_ram_max_pages(d));
    target_put(v, d);
    return pages;
}
