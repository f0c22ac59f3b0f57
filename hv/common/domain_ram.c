/*
 * A domain's RAM: the extents it was given (from the allocator, or held
 * since boot for the control domain), their nested mappings, and the
 * references other domains take on single pages (grants, foreign maps).
 *
 * A reference is what Xen's page reference count is for: the page cannot
 * leave its domain while another domain uses it. Counts live beside each
 * extent, one uint16_t per page, allocated on the extent's first reference.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/xmalloc.h>
#include <oryx/pvh_build.h>
#include <asm/page.h>

/* Guest RAM [0, mem_bytes), in the largest blocks the allocator gives. */
int domain_alloc_memory(struct domain *d)
{
    uint64_t left = d->mem_bytes, gpa = 0;
    unsigned int max_ext = (unsigned int)(d->mem_bytes >> PAGE_SHIFT);

    if (max_ext > 4096)
        max_ext = (unsigned int)(d->mem_bytes / MiB(2)) + 4096;
    d->extents = xzalloc(sizeof(*d->extents) * max_ext);
    if (!d->extents)
        return -ENOMEM;
    while (left) {
        unsigned int order = PAGE_ORDER_2M;
        paddr_t hpa = 0;

        if (gpa == PVH_LOW_RAM_LIMIT)
            gpa = PVH_HIGH_RAM_BASE;        /* the MMIO hole below 4 GiB */
        while ((PAGE_SIZE << order) > left || !IS_ALIGNED(gpa, PAGE_SIZE << order) ||
               (gpa < PVH_LOW_RAM_LIMIT && gpa + (PAGE_SIZE << order) > PVH_LOW_RAM_LIMIT))
            order--;
        for (;; order--) {
            hpa = page_alloc(order, &d->acct);
            if (hpa || !order)
                break;
        }
        if (!hpa || d->nr_extents >= max_ext)
            return -ENOMEM;
        d->extents[d->nr_extents++] = (struct mem_extent){ .hpa = hpa, .gpa = gpa,
                                                           .order = order };
        if (p2m_map(&d->p2m, gpa, hpa, PAGE_SIZE << order, P2M_R | P2M_W | P2M_X))
            return -ENOMEM;
        memset(__va(hpa), 0, PAGE_SIZE << order);
        gpa += PAGE_SIZE << order;
        left -= PAGE_SIZE << order;
    }
    return 0;
}

void domain_ram_free(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_extents; i++) {
        struct mem_extent *e = &d->extents[i];
        if (!e->held)
            page_free(e->hpa, e->order, &d->acct);
        xfree(e->refs);
    }
    d->acct.pages -= d->held_pages;     /* never the allocator's */
    d->held_pages = 0;
    xfree(d->extents);
    d->extents = NULL;
    d->nr_extents = 0;
}

/* The extent holding gpa, or NULL. */
static struct mem_extent *extent_of(struct domain *d, gpaddr_t gpa)
{
    for (unsigned int i = 0; i < d->nr_extents; i++) {
        struct mem_extent *e = &d->extents[i];
        if (gpa >= e->gpa && gpa - e->gpa < (PAGE_SIZE << e->order))
            return e;
    }
    return NULL;
}

static bool gfn_ok(uint64_t gfn)
{
    return gfn < (1ULL << (P2M_GPA_BITS - PAGE_SHIFT));
}

bool domain_gfn_is_ram(struct domain *d, uint64_t gfn)
{
    return gfn_ok(gfn) && extent_of(d, gfn << PAGE_SHIFT);
}

bool domain_ram_hpa(struct domain *d, uint64_t gfn, paddr_t *hpa)
{
    const struct mem_extent *e = gfn_ok(gfn) ? extent_of(d, gfn << PAGE_SHIFT) : NULL;

    if (!e)
        return false;
    *hpa = e->hpa + ((gfn << PAGE_SHIFT) - e->gpa);
    return true;
}

int domain_remap_ram(struct domain *d, gpaddr_t gpa)
{
    const struct mem_extent *e = extent_of(d, gpa);

    if (!e)
        return -ENOENT;
    return p2m_map(&d->p2m, ALIGN_DOWN(gpa, PAGE_SIZE), e->hpa + ALIGN_DOWN(gpa - e->gpa, PAGE_SIZE),
                   PAGE_SIZE, P2M_R | P2M_W | P2M_X);
}

int domain_ram_get(struct domain *d, uint64_t gfn, paddr_t *hpa)
{
    struct mem_extent *e;
    uint64_t idx;
    int rc = 0;

    if (!gfn_ok(gfn))
        return -EINVAL;
    spin_lock(&d->ram_lock);
    e = extent_of(d, gfn << PAGE_SHIFT);
    if (!e) {
        rc = -EINVAL;
        goto out;
    }
    if (!e->refs) {
        e->refs = xzalloc_array(uint16_t, 1UL << e->order);
        if (!e->refs) {
            rc = -ENOMEM;
            goto out;
        }
    }
    idx = ((gfn << PAGE_SHIFT) - e->gpa) >> PAGE_SHIFT;
    if (e->refs[idx] == UINT16_MAX) {
        rc = -EBUSY;
        goto out;
    }
    e->refs[idx]++;
    *hpa = e->hpa + (idx << PAGE_SHIFT);
out:
    spin_unlock(&d->ram_lock);
    return rc;
}

void domain_ram_put(struct domain *d, uint64_t gfn)
{
    struct mem_extent *e;

    spin_lock(&d->ram_lock);
    e = gfn_ok(gfn) ? extent_of(d, gfn << PAGE_SHIFT) : NULL;
    if (e && e->refs && e->refs[((gfn << PAGE_SHIFT) - e->gpa) >> PAGE_SHIFT])
        e->refs[((gfn << PAGE_SHIFT) - e->gpa) >> PAGE_SHIFT]--;
    else
        printk_lvl(LOG_ERR, "(d%u) %s: reference put on page %#lx it does not hold\n", d->id,
                   d->name, (unsigned long)gfn);
    spin_unlock(&d->ram_lock);
}

unsigned int domain_ram_refs(struct domain *d, uint64_t gfn)
{
    const struct mem_extent *e = gfn_ok(gfn) ? extent_of(d, gfn << PAGE_SHIFT) : NULL;

    if (!e || !e->refs)
        return 0;
    return e->refs[((gfn << PAGE_SHIFT) - e->gpa) >> PAGE_SHIFT];
}
