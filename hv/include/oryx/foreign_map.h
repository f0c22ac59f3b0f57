/*
 * Foreign mappings: pages of another domain placed in a privileged
 * domain's guest-physical space (XENMEM_add_to_physmap_batch with
 * XENMAPSPACE_gmfn_foreign, and XENMEM_acquire_resource for grant-table
 * frames), the way privcmd's MMAPBATCH and MMAP_RESOURCE work for a
 * translated dom0. XENMEM_remove_from_physmap takes them out again.
 *
 * Each mapping holds a reference on the foreign domain (domain_get), so its
 * memory outlives it, and a RAM mapping also holds the page itself
 * (domain_ram_get), so the page cannot be ballooned out under it.
 *
 * Locks: the mapper's map_lock (every change of what is mapped over its
 * space from elsewhere), then its table lock, then the foreign domain's
 * ram_lock, then p2m locks.
 */
#ifndef ORYX_FOREIGN_MAP_H
#define ORYX_FOREIGN_MAP_H

#include <oryx/types.h>

struct domain;
struct vcpu;

/* Mappings a domain may hold at once: 512 MiB of 4 KiB pages (the table
 * then takes 6 MiB of the hypervisor's heap). */
#define FOREIGN_MAP_MAX (1u << 17)

/*
 * The domain fid for a foreign mapping by d, with a reference: it must
 * exist, not be d, and not be torn down (a preserved domain may be mapped,
 * for core dumps). -ESRCH or -EINVAL (d itself).
 */
int foreign_domain_get(struct domain *d, domid_t fid, struct domain **fd);

/* Map fd's RAM page fgfn at d's gfn. 0, -EINVAL (fgfn not RAM of fd),
 * -EEXIST (gfn is d's RAM or already holds a mapping), -ENOSPC, -ENOMEM. */
int foreign_map_ram(struct domain *d, struct domain *fd, uint64_t fgfn, uint64_t gfn);

/* Map fd's grant frame idx (allocating the table up to it) at d's gfn.
 * Errors as foreign_map_ram. */
int foreign_map_grant_frame(struct domain *d, struct domain *fd, unsigned long idx,
                            uint64_t gfn);

/* Remove the foreign mapping at d's gfn. 0, or -ENOENT when gfn holds none. */
int foreign_unmap(struct domain *d, uint64_t gfn);

/* Does d hold a foreign mapping at gfn? */
bool foreign_gfn_mapped(struct domain *d, uint64_t gfn);

/* Mappings d holds now. */
unsigned int foreign_nr_mappings(struct domain *d);

/* Drop every mapping d holds (out of its p2m, references put). For a
 * stopped domain; called when it is reaped and again when it is freed. */
void foreign_release_mappings(struct domain *d);

/* Free d's table (after foreign_release_mappings). */
void foreign_domain_destroy(struct domain *d);

#endif
