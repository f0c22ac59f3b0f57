/*
 * Grant tables, version 1 only. Each domain owns up to GNTTAB_MAX_FRAMES
 * hypervisor pages of struct grant_entry_v1 (512 per page). They are
 * allocated on demand, when the guest maps frame idx with
 * XENMEM_add_to_physmap(XENMAPSPACE_grant_table, idx), charged to the
 * domain, and stay until the domain is destroyed. Frames only grow, and
 * always as a prefix: frame idx implies frames 0..idx (as in Xen), so
 * readers can check a reference against one count.
 */
#ifndef ORYX_GRANT_TABLE_H
#define ORYX_GRANT_TABLE_H

#include <oryx/types.h>
#include <public/grant_table.h>

struct domain;
struct vcpu;
struct hcall_args;

#define GNTTAB_MAX_FRAMES        32u     /* query_size's max_nr_frames */
#define GNTTAB_ENTRIES_PER_FRAME (PAGE_SIZE / sizeof(struct grant_entry_v1))
#define GNTTAB_MAX_ENTRIES       (GNTTAB_MAX_FRAMES * GNTTAB_ENTRIES_PER_FRAME)
#define GNTTAB_VERSION           1u      /* the only one we offer */
/* Foreign mappings a domain may hold at once (handles 0..MAX-1). */
#define GNTTAB_MAPTRACK_MAX      4096u
/* map/unmap/copy ops done per exit: a larger count continues the call
 * (hypercall_continuation), so one exit's work stays bounded. */
#define GNTTAB_OPS_PER_PART      128u

_Static_assert(GNTTAB_ENTRIES_PER_FRAME == 512, "v1 entries per 4 KiB frame");

/*
 * Mapping a grant (GNTTABOP_map_grant_ref, HVM style): the granter's frame
 * is inserted into the mapper's p2m at host_addr, a maptrack entry of the
 * mapper records it, and the mapping holds a reference on the granter
 * (domain_get) so that its memory outlives it. A domain mapping its own
 * grant takes no reference (it would never be let go).
 */

/* d->gnttab, with no frames yet. 0 or -ENOMEM. */
int gnttab_domain_init(struct domain *d);

/*
 * Drop every grant d has mapped (out of its p2m; each granter's flags and
 * reference released). For a stopped domain: no vCPU of d may run. Called
 * when d is reaped (so that two domains mapping each other's grants do not
 * keep each other alive) and again by gnttab_domain_destroy.
 */
void gnttab_release_mappings(struct domain *d);

/* Is d's gfn one of its grant mappings? */
bool gnttab_gfn_mapped(struct domain *d, uint64_t gfn);

/* Foreign mappings d holds now (its maptrack entries in use). */
unsigned int gnttab_nr_mappings(struct domain *d);

/*
 * Frees every frame (back to d->acct) and d->gnttab, after releasing d's
 * own mappings. Grants of d that others still map keep d's memory through
 * their references: this runs only after the last one is put. The caller
 * must have removed the frames from the domain's p2m first. NULL
 * d->gnttab is ignored.
 */
void gnttab_domain_destroy(struct domain *d);

/*
 * Host address of frame idx, allocating frames up to idx as needed.
 * 0, -EINVAL (idx >= GNTTAB_MAX_FRAMES, no table) or -ENOMEM.
 */
int gnttab_get_frame(struct domain *d, unsigned long idx, paddr_t *hpa);

/*
 * Bookkeeping for add_to_physmap: record that frame idx (already
 * allocated) is now mapped at gpa (0: nowhere) and return where it was
 * before in *old_gpa (0: nowhere), so the caller can unmap the old slot.
 * Serialise calls for one domain (the caller's p2m lock). 0 or -EINVAL.
 */
int gnttab_set_frame_gpa(struct domain *d, unsigned long idx, gpaddr_t gpa,
                         gpaddr_t *old_gpa);

/* Frames allocated so far (0 before the first gnttab_get_frame). */
unsigned int gnttab_nr_frames(struct domain *d);

/*
 * Read entry ref of d's table once (one 8-byte load, so flags, domid and
 * frame belong together) into the outputs. -EINVAL when ref is beyond
 * the frames allocated. The entry may change right after: callers that
 * act on it must claim it with an atomic update of flags.
 */
int gnttab_lookup_entry(struct domain *d, uint32_t ref, uint16_t *flags, uint16_t *domid,
                        uint32_t *frame);

#endif
