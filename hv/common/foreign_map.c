/*
 * Foreign mappings (see oryx/foreign_map.h). The mapper's table is an
 * open-addressing hash from its GFN to what is mapped there, grown by
 * doubling and kept at most half full; deletion shifts the following run
 * back (no tombstones), so lookups stay short under map/unmap churn.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/xmalloc.h>
#include <oryx/grant_table.h>
#include <oryx/foreign_map.h>
#include <asm/page.h>

#define SRC_GRANT_FRAME (1ULL << 63)    /* src is a grant frame index, not a GFN */
#define TABLE_MIN 512u

struct fmap_entry {
    uint64_t key;               /* mapper's GFN + 1; 0: empty slot */
    struct domain *fd;          /* whose page, with a reference */
    uint64_t src;               /* fd's GFN, or SRC_GRANT_FRAME | frame index */
};

struct foreign_domain {
    spinlock_t lock;
    struct fmap_entry *tab;
    uint32_t size;              /* a power of two, or 0 before the first map */
    uint32_t used;
};

static uint32_t slot_of(const struct foreign_domain *f, uint64_t key)
{
    return (uint32_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & (f->size - 1);
}

/* The slot holding key, or the empty slot where it would go. */
static uint32_t find(const struct foreign_domain *f, uint64_t key)
{
    uint32_t i = slot_of(f, key);

    while (f->tab[i].key && f->tab[i].key != key)
        i = (i + 1) & (f->size - 1);
    return i;
}

/* Room for one more entry (lock held). 0 or -ENOMEM / -ENOSPC. */
static int reserve(struct foreign_domain *f)
{
    struct fmap_entry *old = f->tab;
    uint32_t old_size = f->size, size;

    if (f->used >= FOREIGN_MAP_MAX)
        return -ENOSPC;
    if ((f->used + 1) * 2 <= f->size)
        return 0;
    size = f->size ? f->size * 2 : TABLE_MIN;
    f->tab = xzalloc_array(struct fmap_entry, size);
    if (!f->tab) {
        f->tab = old;
        return -ENOMEM;
    }
    f->size = size;
    for (uint32_t i = 0; i < old_size; i++)
        if (old[i].key)
            f->tab[find(f, old[i].key)] = old[i];
    xfree(old);
    return 0;
}

/* Empty slot i and move later entries of its run back (lock held). */
static void remove_slot(struct foreign_domain *f, uint32_t i)
{
    uint32_t j = i;

    f->tab[i].key = 0;
    f->used--;
    for (;;) {
        j = (j + 1) & (f->size - 1);
        if (!f->tab[j].key)
            return;
        uint32_t home = slot_of(f, f->tab[j].key);
        /* Entry j may move to i unless its home lies cyclically in (i, j]. */
        if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
            continue;
        f->tab[i] = f->tab[j];
        f->tab[j].key = 0;
        i = j;
    }
}

int foreign_domain_get(struct domain *d, domid_t fid, struct domain **fd)
{
    struct domain *g;

    if (fid == DOMID_SELF || fid == d->id)
        return -EINVAL;
    g = domain_get_by_id(fid);
    if (g && g->destroy_claimed && !g->preserved) {
        domain_put(g);                  /* reaped: on its way out */
        g = NULL;
    }
    *fd = g;
    return g ? 0 : -ESRCH;
}

/* d's table, created on first use (map_lock held). */
static struct foreign_domain *table_of(struct domain *d)
{
    struct foreign_domain *f = d->foreign;

    if (!f) {
        f = xzalloc_obj(struct foreign_domain);
        if (!f)
            return NULL;
        spin_lock_init(&f->lock);
        __atomic_store_n(&d->foreign, f, __ATOMIC_RELEASE);
    }
    return f;
}

bool foreign_gfn_mapped(struct domain *d, uint64_t gfn)
{
    struct foreign_domain *f = __atomic_load_n(&d->foreign, __ATOMIC_ACQUIRE);
    bool mapped;

    if (!f)
        return false;
    spin_lock(&f->lock);
    mapped = f->size && f->tab[find(f, gfn + 1)].key;
    spin_unlock(&f->lock);
    return mapped;
}

/*
 * May d's gfn take a page from elsewhere? Not d's RAM, not a grant or
 * another foreign mapping; a hole, or (control domain) device memory
 * mapped 1:1 on first touch. (map_lock held)
 */
static bool gfn_free(struct domain *d, uint64_t gfn)
{
    gpaddr_t gpa = gfn << PAGE_SHIFT;
    paddr_t hpa;

    if (gfn >= (1ULL << (P2M_GPA_BITS - PAGE_SHIFT)) || domain_gfn_is_ram(d, gfn))
        return false;
    if (p2m_query(&d->p2m, gpa, &hpa, NULL, NULL))
        return true;                    /* every mapping has its p2m entry */
    /* Only a page that happens to sit at its own address needs the records
     * searched (the grant scan is linear in dom0's mappings). */
    return is_control_domain(d) && hpa == gpa && !gnttab_gfn_mapped(d, gfn) &&
           !foreign_gfn_mapped(d, gfn);
}

/* Record and map; on success the entry owns the caller's references. */
static int map_at(struct domain *d, struct domain *fd, uint64_t src, paddr_t hpa,
                  uint64_t gfn)
{
    struct foreign_domain *f;
    int rc;

    spin_lock(&d->map_lock);
    f = table_of(d);
    if (!f) {
        rc = -ENOMEM;
        goto out;
    }
    if (!gfn_free(d, gfn)) {
        rc = -EEXIST;
        goto out;
    }
    spin_lock(&f->lock);
    rc = reserve(f);
    if (!rc) {
        p2m_unmap(&d->p2m, gfn << PAGE_SHIFT, PAGE_SIZE);  /* device memory, if any */
        rc = p2m_map(&d->p2m, gfn << PAGE_SHIFT, hpa, PAGE_SIZE, P2M_R | P2M_W);
    }
    if (!rc) {
        f->tab[find(f, gfn + 1)] = (struct fmap_entry){ gfn + 1, fd, src };
        f->used++;
    }
    spin_unlock(&f->lock);
    domain_flush_tlb(d);
out:
    spin_unlock(&d->map_lock);
    return rc;
}

int foreign_map_ram(struct domain *d, struct domain *fd, uint64_t fgfn, uint64_t gfn)
{
    paddr_t hpa;
    int rc;

    if (fgfn >= SRC_GRANT_FRAME)
        return -EINVAL;
    rc = domain_ram_get(fd, fgfn, &hpa);
    if (rc)
        return rc;
    domain_get(fd);
    rc = map_at(d, fd, fgfn, hpa, gfn);
    if (rc) {
        domain_ram_put(fd, fgfn);
        domain_put(fd);
    }
    return rc;
}

int foreign_map_grant_frame(struct domain *d, struct domain *fd, unsigned long idx,
                            uint64_t gfn)
{
    paddr_t hpa;
    int rc;

    /* Grant frames stay until fd is freed: the domain reference suffices. */
    rc = gnttab_get_frame(fd, idx, &hpa);
    if (rc)
        return rc;
    domain_get(fd);
    rc = map_at(d, fd, SRC_GRANT_FRAME | idx, hpa, gfn);
    if (rc)
        domain_put(fd);
    return rc;
}

/* What an entry held, put after the table lock is dropped. */
static void put_entry(const struct fmap_entry *e)
{
    if (!(e->src & SRC_GRANT_FRAME))
        domain_ram_put(e->fd, e->src);
    domain_put(e->fd);                  /* may free it: no lock held */
}

int foreign_unmap(struct domain *d, uint64_t gfn)
{
    struct foreign_domain *f = __atomic_load_n(&d->foreign, __ATOMIC_ACQUIRE);
    struct fmap_entry e = { 0 };
    uint32_t i;

    if (!f || gfn >= (1ULL << (P2M_GPA_BITS - PAGE_SHIFT)))
        return -ENOENT;
    spin_lock(&d->map_lock);
    spin_lock(&f->lock);
    if (f->size && f->tab[i = find(f, gfn + 1)].key) {
        e = f->tab[i];
        remove_slot(f, i);
        p2m_unmap(&d->p2m, gfn << PAGE_SHIFT, PAGE_SIZE);
    }
    struct fmap_entry *empty = NULL;
    if (f->size && !f->used) {
        empty = f->tab;                 /* the last one: the table goes too */
        f->tab = NULL;
        f->size = 0;
    }
    spin_unlock(&f->lock);
    xfree(empty);
    spin_unlock(&d->map_lock);
    if (!e.key)
        return -ENOENT;
    /* Every vCPU drops its translation before the page can be reused. */
    domain_flush_tlb(d);
    put_entry(&e);
    return 0;
}

unsigned int foreign_nr_mappings(struct domain *d)
{
    struct foreign_domain *f = __atomic_load_n(&d->foreign, __ATOMIC_ACQUIRE);
    unsigned int n;

    if (!f)
        return 0;
    spin_lock(&f->lock);
    n = f->used;
    spin_unlock(&f->lock);
    return n;
}

void foreign_release_mappings(struct domain *d)
{
    struct foreign_domain *f = d->foreign;

    if (!f)
        return;
    spin_lock(&f->lock);
    for (uint32_t i = 0; i < f->size;) {
        struct fmap_entry e = f->tab[i];

        if (!e.key) {
            i++;
            continue;
        }
        remove_slot(f, i);              /* slot i may now hold a later entry */
        p2m_unmap(&d->p2m, (e.key - 1) << PAGE_SHIFT, PAGE_SIZE);
        spin_unlock(&f->lock);
        domain_flush_tlb(d);
        put_entry(&e);
        spin_lock(&f->lock);
    }
    spin_unlock(&f->lock);
}

void foreign_domain_destroy(struct domain *d)
{
    struct foreign_domain *f = d->foreign;

    if (!f)
        return;
    foreign_release_mappings(d);
    xfree(f->tab);
    xfree(f);
    d->foreign = NULL;
}
