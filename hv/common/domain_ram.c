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
    max_ext += DOMAIN_SPECIAL_PAGES_MAX;
    d->max_extents = max_ext;
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
        if (!hpa || d->nr_extents + DOMAIN_SPECIAL_PAGES_MAX >= max_ext)
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

/* One more page of d's own outside its RAM layout (a ring page for the
 * toolstack's back ends): zeroed, mapped without execute, and counted,
 * referenced and foreign-mapped like any other page of d. */
int domain_ram_add_page(struct domain *d, uint64_t gfn)
{
    paddr_t hpa;
    int rc;

    if (!d->extents || d->nr_extents >= d->max_extents ||
        gfn >= (1ULL << (P2M_GPA_BITS - PAGE_SHIFT)) || domain_gfn_is_ram(d, gfn))
        return -EINVAL;
    hpa = page_alloc_zeroed(0, &d->acct);
    if (!hpa)
        return -ENOMEM;
    rc = p2m_map(&d->p2m, gfn << PAGE_SHIFT, hpa, PAGE_SIZE, P2M_R | P2M_W);
    if (rc) {
        page_free(hpa, 0, &d->acct);
        return rc;
    }
    spin_lock(&d->ram_lock);
    d->extents[d->nr_extents++] = (struct mem_extent){ .hpa = hpa, .gpa = gfn << PAGE_SHIFT,
                                                       .order = 0 };
    spin_unlock(&d->ram_lock);
    return 0;
}

/* Page idx of e: still the domain's? Its host frame? */
static bool page_present(const struct mem_extent *e, uint64_t idx)
{
    return !e->gone || !(e->gone[idx / 64] & (1ULL << (idx % 64)));
}

static paddr_t page_hpa(const struct mem_extent *e, uint64_t idx)
{
    return e->moved && e->moved[idx] ? e->moved[idx] : e->hpa + (idx << PAGE_SHIFT);
}

static uint64_t extent_pages(const struct mem_extent *e)
{
    return 1ULL << e->order;
}

void domain_ram_free(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_extents; i++) {
        struct mem_extent *e = &d->extents[i];

        if (e->held) {
            /* never the allocator's; uncharged below (refilled ones too) */
        } else if (!e->gone && !e->moved) {
            page_free(e->hpa, e->order, &d->acct);
        } else {
            /* Ballooned once: the block was split; what is left, page by
             * page (refilled pages are blocks of their own). */
            for (uint64_t idx = 0; idx < extent_pages(e); idx++) {
                if (!page_present(e, idx))
                    continue;
                if (e->moved && e->moved[idx])
                    page_free(e->moved[idx], 0, &d->acct);
                else
                    page_free_part(e->hpa + (idx << PAGE_SHIFT), 0, &d->acct);
            }
        }
        xfree(e->refs);
        xfree(e->gone);
        xfree(e->moved);
    }
    d->acct.pages -= d->held_pages;     /* never the allocator's */
    d->held_pages = 0;
    xfree(d->extents);
    d->extents = NULL;
    d->nr_extents = 0;
}

/* The extent holding gpa (present or not), or NULL. */
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

static uint64_t index_of(const struct mem_extent *e, uint64_t gfn)
{
    return ((gfn << PAGE_SHIFT) - e->gpa) >> PAGE_SHIFT;
}

/* The extent holding d's present RAM page gfn, or NULL; *idx its page. */
static struct mem_extent *present_of(struct domain *d, uint64_t gfn, uint64_t *idx)
{
    struct mem_extent *e = gfn_ok(gfn) ? extent_of(d, gfn << PAGE_SHIFT) : NULL;

    if (!e || !page_present(e, index_of(e, gfn)))
        return NULL;
    *idx = index_of(e, gfn);
    return e;
}

bool domain_gfn_is_ram(struct domain *d, uint64_t gfn)
{
    uint64_t idx;

    return present_of(d, gfn, &idx) != NULL;
}

bool domain_ram_hpa(struct domain *d, uint64_t gfn, paddr_t *hpa)
{
    uint64_t idx;
    const struct mem_extent *e = present_of(d, gfn, &idx);

    if (!e)
        return false;
    *hpa = page_hpa(e, idx);
    return true;
}

int domain_remap_ram(struct domain *d, gpaddr_t gpa)
{
    uint64_t idx;
    const struct mem_extent *e = present_of(d, gpa >> PAGE_SHIFT, &idx);

    if (!e)
        return -ENOENT;
    return p2m_map(&d->p2m, ALIGN_DOWN(gpa, PAGE_SIZE), page_hpa(e, idx), PAGE_SIZE,
                   P2M_R | P2M_W | P2M_X);
}

int domain_ram_get(struct domain *d, uint64_t gfn, paddr_t *hpa)
{
    struct mem_extent *e;
    uint64_t idx;
    int rc = 0;

    if (!gfn_ok(gfn))
        return -EINVAL;
    spin_lock(&d->ram_lock);
    e = present_of(d, gfn, &idx);
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
    if (e->refs[idx] == UINT16_MAX) {
        rc = -EBUSY;
        goto out;
    }
    e->refs[idx]++;
    *hpa = page_hpa(e, idx);
out:
    spin_unlock(&d->ram_lock);
    return rc;
}

int domain_ram_get_writable(struct domain *d, uint64_t gfn, paddr_t *hpa)
{
    paddr_t mapped, ram;
    unsigned int perms, order;

    if (!domain_gfn_is_ram(d, gfn))
        return -EINVAL;
    if (p2m_query(&d->p2m, gfn << PAGE_SHIFT, &mapped, &perms, &order) || !(perms & P2M_W))
        return -EINVAL;
    if (domain_ram_get(d, gfn, &ram))
        return -EINVAL;
    if (ram != mapped) {
        domain_ram_put(d, gfn);
        return -EINVAL;     /* something else is mapped over that RAM */
    }
    *hpa = ram;
    return 0;
}

void domain_ram_put(struct domain *d, uint64_t gfn)
{
    struct mem_extent *e;
    uint64_t idx = 0;

    spin_lock(&d->ram_lock);
    e = present_of(d, gfn, &idx);
    if (e && e->refs && e->refs[idx])
        e->refs[idx]--;
    else
        printk_lvl(LOG_ERR, "(d%u) %s: reference put on page %#lx it does not hold\n", d->id,
                   d->name, (unsigned long)gfn);
    spin_unlock(&d->ram_lock);
}

unsigned int domain_ram_refs(struct domain *d, uint64_t gfn)
{
    uint64_t idx;
    const struct mem_extent *e = present_of(d, gfn, &idx);

    if (!e || !e->refs)
        return 0;
    return e->refs[idx];
}

/* ---- Ballooning ---------------------------------------------------------- */

/* Dom0 keeps its first MiB: below it a fault maps host memory 1:1 (BIOS
 * areas and ROMs), so a page given back there could come back to it. */
#define DOM0_KEEP_BELOW MiB(1)

/* The extent holding all of [gfn, gfn + n), or NULL; *idx the first page. */
static struct mem_extent *range_of(struct domain *d, uint64_t gfn, uint64_t n, uint64_t *idx)
{
    struct mem_extent *e;

    if (!gfn_ok(gfn) || !gfn_ok(gfn + n - 1))
        return NULL;
    e = extent_of(d, gfn << PAGE_SHIFT);
    if (!e || index_of(e, gfn) + n > extent_pages(e))
        return NULL;
    *idx = index_of(e, gfn);
    return e;
}

static void set_gone(struct mem_extent *e, uint64_t idx, uint64_t n, bool gone)
{
    for (uint64_t i = idx; i < idx + n; i++) {
        if (gone)
            e->gone[i / 64] |= 1ULL << (i % 64);
        else
            e->gone[i / 64] &= ~(1ULL << (i % 64));
    }
    if (gone)
        e->absent += (uint32_t)n;
    else
        e->absent -= (uint32_t)n;
}

/*
 * Make the held range around e known to the allocator (as taken), so its
 * pages can be given back one by one: the run of held extents next to e in
 * the array that are contiguous (one boot range, added in order), above
 * DOM0_KEEP_BELOW. ram_lock held.
 */
static int adopt_held(struct domain *d, struct mem_extent *e)
{
    unsigned int first = (unsigned int)(e - d->extents), last = first;
    paddr_t start, end;

    while (first > 0 && d->extents[first - 1].held && !d->extents[first - 1].adopted &&
           d->extents[first - 1].hpa + (PAGE_SIZE << d->extents[first - 1].order) ==
               d->extents[first].hpa &&
           d->extents[first - 1].hpa >= DOM0_KEEP_BELOW)
        first--;
    while (last + 1 < d->nr_extents && d->extents[last + 1].held &&
           !d->extents[last + 1].adopted &&
           d->extents[last].hpa + (PAGE_SIZE << d->extents[last].order) ==
               d->extents[last + 1].hpa)
        last++;
    start = d->extents[first].hpa;
    end = d->extents[last].hpa + (PAGE_SIZE << d->extents[last].order);
    if (start < DOM0_KEEP_BELOW || page_alloc_add_taken(start, end)) {
        printk_lvl(LOG_WARN, "(d%u) %s: boot RAM %#lx-%#lx cannot be given back\n", d->id,
                   d->name, (unsigned long)start, (unsigned long)end);
        return -EPERM;
    }
    for (unsigned int i = first; i <= last; i++)
        d->extents[i].adopted = true;
    return 0;
}

int domain_ram_release(struct domain *d, uint64_t gfn, unsigned int order)
{
    uint64_t n = 1ULL << order, idx = 0, i;
    struct mem_extent *e;
    int rc = 0;

    if (order > PAGE_ORDER_MAX)
        return -EINVAL;
    spin_lock(&d->ram_lock);
    e = range_of(d, gfn, n, &idx);
    if (!e) {
        rc = -EINVAL;
        goto out;
    }
    if (is_control_domain(d) && (gfn << PAGE_SHIFT) < DOM0_KEEP_BELOW) {
        rc = -EPERM;
        goto out;
    }
    if (e->held && !e->adopted) {
        rc = adopt_held(d, e);
        if (rc)
            goto out;
    }
    /* Decide first: every page must be present, free of references and
     * mapped as itself (not under shared_info, a grant or a foreign page). */
    for (i = idx; i < idx + n; i++) {
        paddr_t hpa = page_hpa(e, i), now;

        if (!page_present(e, i)) {
            rc = -EINVAL;
            goto out;
        }
        if (e->refs && e->refs[i]) {
            rc = -EBUSY;
            goto out;
        }
        if (p2m_query(&d->p2m, e->gpa + (i << PAGE_SHIFT), &now, NULL, NULL) || now != hpa) {
            rc = -EBUSY;
            goto out;
        }
        if (!page_alloc_is_allocated(hpa)) {
            rc = -EPERM;        /* held RAM the allocator never adopted */
            goto out;
        }
    }
    if (!e->gone) {
        e->gone = xzalloc_array(uint64_t, (extent_pages(e) + 63) / 64);
        if (!e->gone) {
            rc = -ENOMEM;
            goto out;
        }
    }
    rc = p2m_unmap(&d->p2m, e->gpa + (idx << PAGE_SHIFT), n << PAGE_SHIFT);
    if (rc) {
        /* A large leaf could not be split: put back what left. */
        for (i = idx; i < idx + n; i++)
            p2m_map(&d->p2m, e->gpa + (i << PAGE_SHIFT), page_hpa(e, i), PAGE_SIZE,
                    P2M_R | P2M_W | P2M_X);
        goto out;
    }
    set_gone(e, idx, n, true);
    /* Every vCPU forgets the old translation before the frames go. */
    domain_flush_tlb(d);
    /* Page by page: refills may have split the block into smaller ones
     * (the allocator merges the pieces back as they come). Cold: reused
     * last, so that the domain is likely to find its own frames again. */
    for (i = idx; i < idx + n; i++) {
        if (e->moved && e->moved[i])
            page_free_cold(e->moved[i], 0, &d->acct);
        else
            page_free_cold(e->hpa + (i << PAGE_SHIFT), 0, &d->acct);
        if (e->moved)
            e->moved[i] = 0;
    }
    if (e->held)
        d->held_pages -= n;
out:
    spin_unlock(&d->ram_lock);
    return rc;
}

int domain_ram_refill(struct domain *d, uint64_t gfn, unsigned int order)
{
    uint64_t n = 1ULL << order, idx = 0, i;
    struct mem_extent *e;
    paddr_t pa;
    int rc = 0;

    if (order > PAGE_ORDER_MAX)
        return -EINVAL;
    spin_lock(&d->ram_lock);
    e = range_of(d, gfn, n, &idx);
    if (!e) {
        rc = -EINVAL;
        goto out;
    }
    for (i = idx; i < idx + n; i++) {
        if (page_present(e, i)) {
            rc = -EEXIST;
            goto out;
        }
        /* Something else (a grant, a foreign page) may sit in the hole. */
        if (p2m_query(&d->p2m, e->gpa + (i << PAGE_SHIFT), NULL, NULL, NULL) != -ENOENT) {
            rc = -EBUSY;
            goto out;
        }
    }
    pa = page_alloc_at(e->hpa + (idx << PAGE_SHIFT), order, &d->acct);
    if (pa) {
        memset(__va(pa), 0, n << PAGE_SHIFT);
        rc = p2m_map(&d->p2m, e->gpa + (idx << PAGE_SHIFT), pa, n << PAGE_SHIFT,
                     P2M_R | P2M_W | P2M_X);
        if (rc) {
            p2m_unmap(&d->p2m, e->gpa + (idx << PAGE_SHIFT), n << PAGE_SHIFT);
            page_free(pa, order, &d->acct);
            goto out;
        }
    } else if (is_control_domain(d)) {
        rc = -EBUSY;            /* 1:1: that frame or nothing */
        goto out;
    } else {
        /* Its own frames are taken: any frames, one by one. */
        if (!e->moved) {
            e->moved = xzalloc_array(paddr_t, extent_pages(e));
            if (!e->moved) {
                rc = -ENOMEM;
                goto out;
            }
        }
        for (i = idx; i < idx + n; i++) {
            pa = page_alloc_zeroed(0, &d->acct);
            if (!pa) {
                rc = -ENOMEM;
                break;
            }
            e->moved[i] = pa;
            rc = p2m_map(&d->p2m, e->gpa + (i << PAGE_SHIFT), pa, PAGE_SIZE,
                         P2M_R | P2M_W | P2M_X);
            if (rc)
                break;
        }
        if (rc) {
            for (uint64_t j = idx; j <= i && j < idx + n; j++) {
                if (!e->moved[j])
                    continue;
                p2m_unmap(&d->p2m, e->gpa + (j << PAGE_SHIFT), PAGE_SIZE);
                page_free(e->moved[j], 0, &d->acct);
                e->moved[j] = 0;
            }
            domain_flush_tlb(d);
            goto out;
        }
    }
    set_gone(e, idx, n, false);
    if (e->held)
        d->held_pages += n;     /* 1:1 again, and again not the allocator's */
out:
    spin_unlock(&d->ram_lock);
    return rc;
}

/* Pages of d's layout; only those present unless all. */
static uint64_t count_pages(struct domain *d, bool all)
{
    uint64_t n = 0;

    spin_lock(&d->ram_lock);
    for (unsigned int i = 0; i < d->nr_extents; i++)
        n += extent_pages(&d->extents[i]) - (all ? 0 : d->extents[i].absent);
    spin_unlock(&d->ram_lock);
    return n;
}

uint64_t domain_ram_pages(struct domain *d)
{
    return count_pages(d, false);
}

uint64_t domain_ram_max_pages(struct domain *d)
{
    return count_pages(d, true);
}
