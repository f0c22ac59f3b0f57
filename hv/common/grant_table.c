/*
 * Grant tables v1: the per-domain frames and the guest's own
 * grant_table_op calls (query_size, set_version, get_version). The
 * mapping and copying of foreign grants is for the back ends, later.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <asm/guest_access.h>
#include <oryx/hypercall.h>
#include <oryx/xmalloc.h>
#include <oryx/grant_table.h>
#include <asm/page.h>
#include <public/xen.h>

/* Xen keeps continuation state above bit 12 of cmd; we never make any. */
#define GNTTABOP_CMD_MASK 0xFFFu

struct gnttab_domain {
    spinlock_t lock;                    /* frame growth */
    /*
     * frames[0..nr_frames) are allocated and never change until destroy.
     * nr_frames is published with release after the frame is stored, so
     * lock-free readers that load it with acquire see valid frames.
     */
    uint32_t nr_frames;
    paddr_t frames[GNTTAB_MAX_FRAMES];
    gpaddr_t gpa[GNTTAB_MAX_FRAMES];    /* where mapped, 0: not; caller-serialised */
};

int gnttab_domain_init(struct domain *d)
{
    struct gnttab_domain *gt = xzalloc_obj(struct gnttab_domain);

    if (!gt)
        return -ENOMEM;
    spin_lock_init(&gt->lock);
    d->gnttab = gt;
    return 0;
}

void gnttab_domain_destroy(struct domain *d)
{
    struct gnttab_domain *gt = d->gnttab;

    if (!gt)
        return;
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
    case GNTTABOP_copy:
        return -ENOSYS;         /* back-end side: not yet */
    default:
        return -ENOSYS;
    }
}
