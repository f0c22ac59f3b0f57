/*
 * Grant tables v1: the per-domain frames, the guest's own grant_table_op
 * calls (query_size, set_version, get_version), and the use of grants by
 * another domain (or the granter itself): map_grant_ref and
 * unmap_grant_ref for auto-translated callers (the frame goes into the
 * caller's p2m at host_addr), and copy.
 *
 * Locks: a mapper's maptrack_lock, then a granter's lock (frames, active
 * entries), then p2m locks. No lock is held across domain_put: the last
 * put tears a domain down.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <asm/guest_access.h>
#include <oryx/hypercall.h>
#include <oryx/xmalloc.h>
#include <oryx/grant_table.h>
#include <oryx/foreign_map.h>
#include <asm/page.h>
#include <asm/npt.h>
#include <public/xen.h>

/* Xen keeps continuation state above bit 12 of cmd; we never make any. */
#define GNTTABOP_CMD_MASK 0xFFFu

/*
 * What the hypervisor keeps per granted entry while it is in use (mapped or
 * being copied): pin counts and the frame latched at the first pin, so a
 * granter rewriting an entry in use cannot move what is mapped.
 */
struct gnttab_active {
    uint16_t rd;                /* pins without write access */
    uint16_t wr;                /* pins with write access */
    uint32_t gfn;               /* latched while rd + wr > 0 */
    paddr_t hpa;
};
#define ACTIVE_ORDER 1          /* 512 entries of 16 bytes per grant frame */
_Static_assert(sizeof(struct gnttab_active) * GNTTAB_ENTRIES_PER_FRAME ==
               (PAGE_SIZE << ACTIVE_ORDER), "active entries per frame");

/* One foreign mapping of the domain that owns the maptrack. */
struct gnttab_maptrack {
    struct domain *granter;     /* NULL: free; a reference unless it is us */
    gpaddr_t gpa;               /* where in our p2m */
    paddr_t hpa;                /* the granted frame */
    uint32_t ref;               /* in use: the grant; free: next free + 1 */
    uint16_t readonly;
    uint16_t _pad;
};
#define MAPTRACK_PER_PAGE (PAGE_SIZE / sizeof(struct gnttab_maptrack))
#define MAPTRACK_PAGES    (GNTTAB_MAPTRACK_MAX / MAPTRACK_PER_PAGE)
_Static_assert(sizeof(struct gnttab_maptrack) == 32, "maptrack entry");
_Static_assert(GNTTAB_MAPTRACK_MAX % MAPTRACK_PER_PAGE == 0, "whole maptrack pages");

struct gnttab_domain {
    spinlock_t lock;                    /* frame growth, active[] and pins */
    /*
     * frames[0..nr_frames) are allocated and never change until destroy.
     * nr_frames is published with release after the frame is stored, so
     * lock-free readers that load it with acquire see valid frames.
     */
    uint32_t nr_frames;
    paddr_t frames[GNTTAB_MAX_FRAMES];
    gpaddr_t gpa[GNTTAB_MAX_FRAMES];    /* where mapped, 0: not; caller-serialised */
    struct gnttab_active *active[GNTTAB_MAX_FRAMES];   /* on first pin; lock */

    spinlock_t maptrack_lock;           /* everything below */
    struct gnttab_maptrack *maptrack[MAPTRACK_PAGES];  /* on demand */
    uint32_t maptrack_made;             /* entries ever handed out: a prefix */
    uint32_t maptrack_free;             /* head of the free list + 1, 0: empty */
    uint32_t maptrack_used;
};

int gnttab_domain_init(struct domain *d)
{
    struct gnttab_domain *gt = xzalloc_obj(struct gnttab_domain);

    if (!gt)
        return -ENOMEM;
    spin_lock_init(&gt->lock);
    spin_lock_init(&gt->maptrack_lock);
    d->gnttab = gt;
    return 0;
}

void gnttab_domain_destroy(struct domain *d)
{
    struct gnttab_domain *gt = d->gnttab;

    if (!gt)
        return;
    gnttab_release_mappings(d);
    for (unsigned int i = 0; i < MAPTRACK_PAGES; i++)
        if (gt->maptrack[i])
            page_free(__pa(gt->maptrack[i]), 0, &d->acct);
    for (unsigned int i = 0; i < GNTTAB_MAX_FRAMES; i++)
        if (gt->active[i])
            page_free(__pa(gt->active[i]), ACTIVE_ORDER, &d->acct);
    for (uint32_t i = gt->nr_frames; i-- > 0;)
        page_free(gt->frames[i], 0, &d->acct);
    d->gnttab = NULL;
    xfree(gt);
}

static uint32_t nr_frames_acquire(const struct gnttab_domain *gt)
{
    return __atomic_load_n(&gt->nr_frames, __ATOMIC_ACQUIRE);
}

unsigned int gnttab_nr_frames(struct domain *d)
{
    return d->gnttab ? nr_frames_acquire(d->gnttab) : 0;
}

int gnttab_get_frame(struct domain *d, unsigned long idx, paddr_t *hpa)
{
    struct gnttab_domain *gt = d->gnttab;
    int rc = 0;

    if (!gt || idx >= GNTTAB_MAX_FRAMES)
        return -EINVAL;
    spin_lock(&gt->lock);
    while (gt->nr_frames <= idx) {
        paddr_t pa = page_alloc_zeroed(0, &d->acct);
        if (!pa) {
            rc = -ENOMEM;       /* the frames made so far stay: still a prefix */
            goto out;
        }
        gt->frames[gt->nr_frames] = pa;
        __atomic_store_n(&gt->nr_frames, gt->nr_frames + 1, __ATOMIC_RELEASE);
    }
    *hpa = gt->frames[idx];
out:
    spin_unlock(&gt->lock);
    return rc;
}

int gnttab_set_frame_gpa(struct domain *d, unsigned long idx, gpaddr_t gpa,
                         gpaddr_t *old_gpa)
{
    struct gnttab_domain *gt = d->gnttab;

    if (!gt || idx >= nr_frames_acquire(gt))
        return -EINVAL;
    *old_gpa = gt->gpa[idx];
    gt->gpa[idx] = gpa;
    return 0;
}

int gnttab_lookup_entry(struct domain *d, uint32_t ref, uint16_t *flags, uint16_t *domid,
                        uint32_t *frame)
{
    struct gnttab_domain *gt = d->gnttab;
    struct grant_entry_v1 e;
    uint64_t raw;

    if (!gt || ref >= nr_frames_acquire(gt) * GNTTAB_ENTRIES_PER_FRAME)
        return -EINVAL;
    const uint64_t *slot = (const uint64_t *)__va(gt->frames[ref / GNTTAB_ENTRIES_PER_FRAME]) +
                           ref % GNTTAB_ENTRIES_PER_FRAME;
    /* One load: the guest may rewrite the entry at any moment. */
    raw = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    memcpy(&e, &raw, sizeof(e));
    *flags = e.flags;
    *domid = e.domid;
    *frame = e.frame;
    return 0;
}

static bool is_self(const struct domain *d, domid_t dom)
{
    return dom == DOMID_SELF || dom == d->id;
}

/* The op structs below have the same layout for 32- and 64-bit callers. */
static long op_query_size(struct vcpu *v, gvaddr_t uop, uint32_t count)
{
    struct domain *d = v->domain;
    struct gnttab_query_size op;

    if (count != 1)
        return -EINVAL;
    if (copy_from_guest(v, &op, uop, sizeof(op)))
        return -EFAULT;
    if (!is_self(d, op.dom)) {
        op.status = GNTST_bad_domain;   /* only a domain's own table is visible */
    } else {
        /* A table always has room for frame 0, even before it exists. */
        op.nr_frames = MAX(nr_frames_acquire(d->gnttab), 1u);
        op.max_nr_frames = GNTTAB_MAX_FRAMES;
        op.status = GNTST_okay;
    }
    if (copy_to_guest(v, uop, &op, sizeof(op)))
        return -EFAULT;
    return 0;
}

static long op_set_version(struct vcpu *v, gvaddr_t uop)
{
    struct gnttab_set_version op;
    long rc;

    if (copy_from_guest(v, &op, uop, sizeof(op)))
        return -EFAULT;
    if (op.version == GNTTAB_VERSION)
        rc = 0;
    else if (op.version == 2)
        rc = -ENOSYS;           /* Xen's answer when v2 is not offered */
    else
        rc = -EINVAL;
    op.version = GNTTAB_VERSION;    /* always tell the caller what is in use */
    if (copy_to_guest(v, uop, &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}

static long op_get_version(struct vcpu *v, gvaddr_t uop)
{
    struct gnttab_get_version op;
    uint32_t version = GNTTAB_VERSION;

    if (copy_from_guest(v, &op, uop, sizeof(op)))
        return -EFAULT;
    if (!is_self(v->domain, op.dom))
        return -ESRCH;
    if (copy_to_guest(v, uop + offsetof(struct gnttab_get_version, version), &version,
                      sizeof(version)))
        return -EFAULT;
    return 0;
}

/* ---- using grants: domains, entries, pins ---- */

/*
 * The domain named by a map or copy op, with a reference unless it is d
 * itself; NULL when it does not exist, is being torn down or has no table.
 */
static struct domain *granter_get(struct domain *d, domid_t id)
{
    struct domain *g;

    if (is_self(d, id))
        return d;
    g = domain_get_by_id(id);
    if (g && (g->destroy_claimed || !g->gnttab)) {
        domain_put(g);
        g = NULL;
    }
    return g;
}

static void granter_put(struct domain *d, struct domain *g)
{
    if (g && g != d)
        domain_put(g);
}

static uint64_t *entry_slot(struct gnttab_domain *gt, uint32_t ref)
{
    return (uint64_t *)__va(gt->frames[ref / GNTTAB_ENTRIES_PER_FRAME]) +
           ref % GNTTAB_ENTRIES_PER_FRAME;
}

/* Atomically change the flags of an entry (the guest writes it too). */
static void entry_clear_flags(struct gnttab_domain *gt, uint32_t ref, uint16_t bits)
{
    uint16_t *flags = (uint16_t *)entry_slot(gt, ref);

    __atomic_fetch_and(flags, (uint16_t)~bits, __ATOMIC_SEQ_CST);
}

/*
 * Pin entry ref of granter g for domain `user` (Xen's checks: permit_access,
 * domid == user, no write pin of a read-only grant), setting GTF_reading
 * and, for write, GTF_writing. *hpa gets the frame. GNTST_* status.
 */
static int16_t pin_entry(struct domain *g, domid_t user, uint32_t ref, bool write,
                         paddr_t *hpa)
{
    struct gnttab_domain *gt = g->gnttab;
    struct gnttab_active *act;
    int16_t st = GNTST_okay;

    spin_lock(&gt->lock);
    if (ref >= gt->nr_frames * GNTTAB_ENTRIES_PER_FRAME) {
        st = GNTST_bad_gntref;
        goto out;
    }
    unsigned int f = ref / GNTTAB_ENTRIES_PER_FRAME;
    if (!gt->active[f]) {
        paddr_t pg = page_alloc_zeroed(ACTIVE_ORDER, &g->acct);
        if (!pg) {
            st = GNTST_no_space;
            goto out;
        }
        gt->active[f] = __va(pg);
    }
    act = &gt->active[f][ref % GNTTAB_ENTRIES_PER_FRAME];
    if ((write && act->wr == UINT16_MAX) || act->rd == UINT16_MAX) {
        st = GNTST_no_space;
        goto out;
    }
    uint64_t *slot = entry_slot(gt, ref);
    for (unsigned int tries = 0;; tries++) {
        uint64_t raw = __atomic_load_n(slot, __ATOMIC_ACQUIRE), claimed;
        struct grant_entry_v1 e;
        paddr_t pa = 0;

        memcpy(&e, &raw, sizeof(e));
        if ((e.flags & GTF_type_mask) != GTF_permit_access || e.domid != user ||
            (write && (e.flags & GTF_readonly))) {
            st = GNTST_general_error;
            goto out;
        }
        /* The first pin holds the page in g (no ballooning it out). */
        if (!act->rd && !act->wr && domain_ram_get(g, e.frame, &pa)) {
            st = GNTST_bad_page;
            goto out;
        }
        e.flags |= GTF_reading | (write ? GTF_writing : 0);
        memcpy(&claimed, &e, sizeof(e));
        if (__atomic_compare_exchange_n(slot, &raw, claimed, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_ACQUIRE)) {
            if (!act->rd && !act->wr) {
                act->gfn = e.frame;
                act->hpa = pa;
            }
            break;
        }
        if (!act->rd && !act->wr)
            domain_ram_put(g, e.frame);
        if (tries == 8) {
            st = GNTST_general_error;   /* the guest keeps rewriting it */
            goto out;
        }
    }
    if (write)
        act->wr++;
    else
        act->rd++;
    *hpa = act->hpa;
out:
    spin_unlock(&gt->lock);
    return st;
}

/* Undo one pin_entry(); the flags go when their last pin does. */
static void unpin_entry(struct domain *g, uint32_t ref, bool write)
{
    struct gnttab_domain *gt = g->gnttab;
    struct gnttab_active *act;

    spin_lock(&gt->lock);
    act = &gt->active[ref / GNTTAB_ENTRIES_PER_FRAME][ref % GNTTAB_ENTRIES_PER_FRAME];
    if (write)
        act->wr--;
    else
        act->rd--;
    if (!act->wr)
        entry_clear_flags(gt, ref, act->rd ? GTF_writing : GTF_writing | GTF_reading);
    if (!act->rd && !act->wr)
        domain_ram_put(g, act->gfn);
    spin_unlock(&gt->lock);
}

/* ---- maptrack (the mapper's side) ---- */

static struct gnttab_maptrack *maptrack_entry(struct gnttab_domain *gt, uint32_t h)
{
    return &gt->maptrack[h / MAPTRACK_PER_PAGE][h % MAPTRACK_PER_PAGE];
}

/* A free handle (maptrack_lock held): 0, or GNTST_no_device_space. */
static int16_t maptrack_get(struct domain *d, uint32_t *handle)
{
    struct gnttab_domain *gt = d->gnttab;

    if (gt->maptrack_free) {
        *handle = gt->maptrack_free - 1;
        gt->maptrack_free = maptrack_entry(gt, *handle)->ref;
        return GNTST_okay;
    }
    if (gt->maptrack_made >= GNTTAB_MAPTRACK_MAX)
        return GNTST_no_device_space;
    uint32_t h = gt->maptrack_made;
    if (!gt->maptrack[h / MAPTRACK_PER_PAGE]) {
        paddr_t pg = page_alloc_zeroed(0, &d->acct);
        if (!pg)
            return GNTST_no_device_space;
        gt->maptrack[h / MAPTRACK_PER_PAGE] = __va(pg);
    }
    gt->maptrack_made++;
    *handle = h;
    return GNTST_okay;
}

static void maptrack_put(struct gnttab_domain *gt, uint32_t handle)
{
    struct gnttab_maptrack *m = maptrack_entry(gt, handle);

    m->granter = NULL;
    m->ref = gt->maptrack_free;
    gt->maptrack_free = handle + 1;
}

unsigned int gnttab_nr_mappings(struct domain *d)
{
    struct gnttab_domain *gt = d->gnttab;
    unsigned int n;

    if (!gt)
        return 0;
    spin_lock(&gt->maptrack_lock);
    n = gt->maptrack_used;
    spin_unlock(&gt->maptrack_lock);
    return n;
}

/* Is gfn of d already one of its grant mappings? (maptrack_lock held) */
static bool gfn_is_mapped_grant(struct gnttab_domain *gt, uint64_t gfn)
{
    for (uint32_t h = 0; h < gt->maptrack_made; h++) {
        struct gnttab_maptrack *m = maptrack_entry(gt, h);
        if (m->granter && (m->gpa >> PAGE_SHIFT) == gfn)
            return true;
    }
    return false;
}

bool gnttab_gfn_mapped(struct domain *d, uint64_t gfn)
{
    struct gnttab_domain *gt = d->gnttab;
    bool mapped;

    if (!gt)
        return false;
    spin_lock(&gt->maptrack_lock);
    mapped = gfn_is_mapped_grant(gt, gfn);
    spin_unlock(&gt->maptrack_lock);
    return mapped;
}

/*
 * May d's frame gfn take a grant? Not its RAM (Linux passes pages of its
 * unpopulated "scratch" area), not a hypervisor page or another grant
 * already there. The control domain's device memory, mapped 1:1 on first
 * touch, may be replaced, unless a foreign mapping took it. (map_lock and
 * maptrack_lock held)
 */
static bool gfn_free_for_grant(struct domain *d, uint64_t gfn)
{
    paddr_t hpa, ram;
    gpaddr_t gpa = gfn << PAGE_SHIFT;

    if (domain_ram_hpa(d, gfn, &ram))
        return false;
    if (p2m_query(&d->p2m, gpa, &hpa, NULL, NULL))
        return true;                    /* a hole */
    return is_control_domain(d) && hpa == gpa && !gfn_is_mapped_grant(d->gnttab, gfn) &&
           !foreign_gfn_mapped(d, gfn);
}

/* ---- map, unmap ---- */

static int16_t map_one(struct domain *d, struct gnttab_map_grant_ref *op)
{
    struct gnttab_domain *gt = d->gnttab;
    bool ro = op->flags & GNTMAP_readonly;
    uint64_t gfn = op->host_addr >> PAGE_SHIFT;
    struct domain *g;
    uint32_t handle;
    paddr_t hpa;
    int16_t st;

    if ((op->flags & ~(uint32_t)GNTMAP_readonly) != GNTMAP_host_map)
        return GNTST_general_error;     /* device, application, PTE maps: PV only */
    if (gfn >= (1ULL << (P2M_GPA_BITS - PAGE_SHIFT)))
        return GNTST_bad_virt_addr;
    g = granter_get(d, op->dom);
    if (!g)
        return GNTST_bad_domain;
    spin_lock(&d->map_lock);
    spin_lock(&gt->maptrack_lock);
    if (!gfn_free_for_grant(d, gfn)) {
        st = GNTST_bad_virt_addr;
        goto out;
    }
    st = maptrack_get(d, &handle);
    if (st)
        goto out;
    st = pin_entry(g, d->id, op->ref, !ro, &hpa);
    if (st) {
        maptrack_put(gt, handle);
        goto out;
    }
    p2m_unmap(&d->p2m, gfn << PAGE_SHIFT, PAGE_SIZE);     /* device memory, if any */
    if (p2m_map(&d->p2m, gfn << PAGE_SHIFT, hpa, PAGE_SIZE, ro ? P2M_R : P2M_R | P2M_W)) {
        unpin_entry(g, op->ref, !ro);
        maptrack_put(gt, handle);
        st = GNTST_general_error;
        goto out;
    }
    domain_flush_tlb(d);
    *maptrack_entry(gt, handle) = (struct gnttab_maptrack){
        .granter = g, .gpa = gfn << PAGE_SHIFT, .hpa = hpa, .ref = op->ref, .readonly = ro,
    };
    gt->maptrack_used++;
    op->handle = handle;
    g = NULL;                           /* the mapping keeps the reference */
out:
    spin_unlock(&gt->maptrack_lock);
    spin_unlock(&d->map_lock);
    granter_put(d, g);
    return st;
}

/* Take mapping `handle` out of d (maptrack_lock held); returns its granter
 * for the caller to release with release_grant() after unlocking. */
static struct domain *unmap_locked(struct domain *d, uint32_t handle, uint32_t *ref, bool *ro)
{
    struct gnttab_domain *gt = d->gnttab;
    struct gnttab_maptrack *m = maptrack_entry(gt, handle);
    struct domain *g = m->granter;

    p2m_unmap(&d->p2m, m->gpa, PAGE_SIZE);
    domain_flush_tlb(d);
    *ref = m->ref;
    *ro = m->readonly;
    maptrack_put(gt, handle);
    gt->maptrack_used--;
    return g;
}

static void release_grant(struct domain *d, struct domain *g, uint32_t ref, bool ro)
{
    unpin_entry(g, ref, !ro);
    granter_put(d, g);
}

static int16_t unmap_one(struct domain *d, const struct gnttab_unmap_grant_ref *op)
{
    struct gnttab_domain *gt = d->gnttab;
    struct domain *g;
    uint32_t ref;
    bool ro;

    spin_lock(&gt->maptrack_lock);
    if (op->handle >= gt->maptrack_made || !maptrack_entry(gt, op->handle)->granter) {
        spin_unlock(&gt->maptrack_lock);
        return GNTST_bad_handle;
    }
    if ((maptrack_entry(gt, op->handle)->gpa >> PAGE_SHIFT) != (op->host_addr >> PAGE_SHIFT)) {
        spin_unlock(&gt->maptrack_lock);
        return GNTST_general_error;     /* Xen: not the address it was mapped at */
    }
    g = unmap_locked(d, op->handle, &ref, &ro);
    spin_unlock(&gt->maptrack_lock);
    release_grant(d, g, ref, ro);
    return GNTST_okay;
}

void gnttab_release_mappings(struct domain *d)
{
    struct gnttab_domain *gt = d->gnttab;

    if (!gt)
        return;
    spin_lock(&gt->maptrack_lock);
    for (uint32_t h = 0; h < gt->maptrack_made; h++) {
        struct domain *g;
        uint32_t ref;
        bool ro;

        if (!maptrack_entry(gt, h)->granter)
            continue;
        g = unmap_locked(d, h, &ref, &ro);
        spin_unlock(&gt->maptrack_lock);
        release_grant(d, g, ref, ro);   /* may free g: no lock held */
        spin_lock(&gt->maptrack_lock);
    }
    spin_unlock(&gt->maptrack_lock);
}

/* ---- copy ---- */

/* 32-bit callers' gnttab_copy: 4-byte gmfn, no padding. */
struct compat_gnttab_copy_ptr {
    uint32_t ref_or_gmfn;
    domid_t domid;
    uint16_t offset;
};
struct compat_gnttab_copy {
    struct compat_gnttab_copy_ptr source, dest;
    uint16_t len, flags;
    int16_t status;
    uint16_t _pad;
};
_Static_assert(sizeof(struct compat_gnttab_copy) == 24, "compat gnttab_copy");

/* One side of a copy, resolved: a pinned grant or a frame of the caller. */
struct copy_side {
    struct domain *g;           /* granter (pinned), NULL: caller's gmfn */
    uint32_t ref;
    paddr_t hpa;                /* with g */
    gpaddr_t gpa;               /* without g: caller's address of offset 0 */
};

static int16_t copy_side_get(struct domain *d, const struct gnttab_copy_ptr *p, bool gref,
                             bool write, struct copy_side *s)
{
    int16_t st;

    memset(s, 0, sizeof(*s));
    if (!gref) {
        if (!is_self(d, p->domid))
            return GNTST_permission_denied;     /* only the caller's own frames */
        if (p->u.gmfn >= (1ULL << (P2M_GPA_BITS - PAGE_SHIFT)))
            return GNTST_bad_page;
        s->gpa = (p->u.gmfn << PAGE_SHIFT) + p->offset;
        return GNTST_okay;
    }
    s->g = granter_get(d, p->domid);
    if (!s->g)
        return GNTST_bad_domain;
    s->ref = p->u.ref;
    st = pin_entry(s->g, d->id, p->u.ref, write, &s->hpa);
    if (st) {
        granter_put(d, s->g);
        s->g = NULL;
        return st;
    }
    s->hpa += p->offset;
    return GNTST_okay;
}

static void copy_side_put(struct domain *d, struct copy_side *s, bool write)
{
    if (s->g)
        release_grant(d, s->g, s->ref, !write);
}

static int16_t copy_one(struct domain *d, const struct gnttab_copy *op)
{
    struct copy_side src, dst;
    int16_t st;
    int rc = 0;

    if (op->flags & ~(GNTCOPY_source_gref | GNTCOPY_dest_gref))
        return GNTST_bad_copy_arg;
    if (op->source.offset + op->len > PAGE_SIZE || op->dest.offset + op->len > PAGE_SIZE)
        return GNTST_bad_copy_arg;
    st = copy_side_get(d, &op->source, op->flags & GNTCOPY_source_gref, false, &src);
    if (st)
        return st;
    st = copy_side_get(d, &op->dest, op->flags & GNTCOPY_dest_gref, true, &dst);
    if (st) {
        copy_side_put(d, &src, false);
        return st;
    }
    if (src.g && dst.g) {
        memmove(__va(dst.hpa), __va(src.hpa), op->len);
    } else if (src.g) {
        rc = copy_to_gpa(d, dst.gpa, __va(src.hpa), op->len);
    } else if (dst.g) {
        rc = copy_from_gpa(d, __va(dst.hpa), src.gpa, op->len);
    } else {
        uint8_t buf[256];       /* both the caller's: bounce in pieces */
        for (uint16_t done = 0; !rc && done < op->len; done += sizeof(buf)) {
            size_t n = MIN(sizeof(buf), (size_t)(op->len - done));
            rc = copy_from_gpa(d, buf, src.gpa + done, n);
            if (!rc)
                rc = copy_to_gpa(d, dst.gpa + done, buf, n);
        }
    }
    copy_side_put(d, &dst, true);
    copy_side_put(d, &src, false);
    return rc ? GNTST_bad_page : GNTST_okay;
}

/* ---- the batched ops: per-op status, the hypercall's own rc is 0 unless
 * the op array itself faults ---- */

static long op_map(struct vcpu *v, gvaddr_t uop, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        struct gnttab_map_grant_ref op;
        gvaddr_t at = uop + (gvaddr_t)i * sizeof(op);

        if (copy_from_guest(v, &op, at, sizeof(op)) || copy_to_guest(v, at, &op, sizeof(op)))
            return -EFAULT;     /* read, and writable before anything is done */
        op.status = map_one(v->domain, &op);
        if (copy_to_guest(v, at, &op, sizeof(op)))
            return -EFAULT;
    }
    return 0;
}

static long op_unmap(struct vcpu *v, gvaddr_t uop, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        struct gnttab_unmap_grant_ref op;
        gvaddr_t at = uop + (gvaddr_t)i * sizeof(op);

        if (copy_from_guest(v, &op, at, sizeof(op)) || copy_to_guest(v, at, &op, sizeof(op)))
            return -EFAULT;
        op.status = unmap_one(v->domain, &op);
        if (copy_to_guest(v, at, &op, sizeof(op)))
            return -EFAULT;
    }
    return 0;
}

static long op_copy(struct vcpu *v, gvaddr_t uop, uint32_t count, bool is64)
{
    for (uint32_t i = 0; i < count; i++) {
        struct gnttab_copy op;
        struct compat_gnttab_copy c;
        gvaddr_t at = uop + (gvaddr_t)i * (is64 ? sizeof(op) : sizeof(c));

        if (is64) {
            if (copy_from_guest(v, &op, at, sizeof(op)) || copy_to_guest(v, at, &op, sizeof(op)))
                return -EFAULT;
        } else {
            if (copy_from_guest(v, &c, at, sizeof(c)) || copy_to_guest(v, at, &c, sizeof(c)))
                return -EFAULT;
            memset(&op, 0, sizeof(op));
            op.source.domid = c.source.domid;
            op.source.offset = c.source.offset;
            op.dest.domid = c.dest.domid;
            op.dest.offset = c.dest.offset;
            op.len = c.len;
            op.flags = c.flags;
            /* A ref or a gmfn: both 32 bits here. */
            if (c.flags & GNTCOPY_source_gref)
                op.source.u.ref = c.source.ref_or_gmfn;
            else
                op.source.u.gmfn = c.source.ref_or_gmfn;
            if (c.flags & GNTCOPY_dest_gref)
                op.dest.u.ref = c.dest.ref_or_gmfn;
            else
                op.dest.u.gmfn = c.dest.ref_or_gmfn;
        }
        int16_t st = copy_one(v->domain, &op);
        if (is64) {
            op.status = st;
            if (copy_to_guest(v, at + offsetof(struct gnttab_copy, status), &op.status,
                              sizeof(op.status)))
                return -EFAULT;
        } else {
            c.status = st;
            if (copy_to_guest(v, at + offsetof(struct compat_gnttab_copy, status), &c.status,
                              sizeof(c.status)))
                return -EFAULT;
        }
    }
    return 0;
}

long do_grant_table_op(struct vcpu *v, const struct hcall_args *args)
{
    /* Xen takes cmd and count as unsigned int: upper halves are ignored. */
    uint32_t cmd = (uint32_t)args->a[0];
    gvaddr_t uop = args->a[1];
    uint32_t count = (uint32_t)args->a[2];

    if ((int32_t)count < 0 || (cmd & ~GNTTABOP_CMD_MASK))
        return -EINVAL;
    if (!v->domain->gnttab)
        return -ENOSYS;         /* domain built without a table */

    switch (cmd) {
    case GNTTABOP_query_size:
        return op_query_size(v, uop, count);
    case GNTTABOP_set_version:
        return op_set_version(v, uop);
    case GNTTABOP_get_version:
        return op_get_version(v, uop);
    case GNTTABOP_setup_table:
        /* PV only: auto-translated guests map frames with add_to_physmap. */
        return -ENOSYS;
    case GNTTABOP_map_grant_ref:
    case GNTTABOP_unmap_grant_ref:
    case GNTTABOP_copy: {
        uint32_t n = count < GNTTAB_OPS_PER_PART ? count : GNTTAB_OPS_PER_PART;
        size_t size;
        long rc;

        if (cmd == GNTTABOP_map_grant_ref) {
            rc = op_map(v, uop, n);
            size = sizeof(struct gnttab_map_grant_ref);
        } else if (cmd == GNTTABOP_unmap_grant_ref) {
            rc = op_unmap(v, uop, n);
            size = sizeof(struct gnttab_unmap_grant_ref);
        } else {
            rc = op_copy(v, uop, n, args->is64);
            size = args->is64 ? sizeof(struct gnttab_copy) : sizeof(struct compat_gnttab_copy);
        }
        if (rc || n == count)
            return rc;
        struct hcall_args next = *args;
        next.a[1] = uop + n * size;
        next.a[2] = count - n;
        return hypercall_continuation(v, &next);
    }
    default:
        return -ENOSYS;
    }
}
