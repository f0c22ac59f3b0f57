/*
 * Guest page-table walker: translate a guest-virtual address to a
 * guest-physical one the way the guest's MMU would, for copy_from_guest /
 * copy_to_guest and instruction fetch during emulation.
 *
 * Modes: paging off (CR0.PG=0), 32-bit 2-level paging (4 KiB pages, 4 MiB
 * pages with CR4.PSE, PSE-36 high address bits), PAE 3-level, 4-level long
 * mode and 5-level (CR4.LA57) with 1 GiB / 2 MiB / 4 KiB pages. Checks
 * present, R/W (CR0.WP for supervisor writes), U/S, NX (EFER.NXE) and
 * reserved bits. Not modelled: SMEP, SMAP, protection keys, CET shadow
 * stacks, and PDPTE caching at CR3 load (PAE PDPTEs are read at walk time).
 *
 * Accessed and Dirty bits are set as the CPU would (A on every entry used,
 * D on the leaf for writes), only after a successful walk and only when not
 * already set. The update is a single-byte write of the entry's low byte,
 * not atomic against a guest vCPU changing the same entry concurrently;
 * leave mem->write NULL to walk read-only.
 *
 * Guest tables are hostile input: each entry is read once, the walk is
 * bounded by the number of levels, and tables may alias each other.
 */
#ifndef ASM_GUEST_WALK_H
#define ASM_GUEST_WALK_H

#include <oryx/types.h>

struct guest_paging {
    uint64_t cr0, cr3, cr4, efer;
    /* Guest physical-address width; entry bits at or above it are reserved.
     * 0 means 52 (the architectural maximum). */
    unsigned int maxphyaddr;
};

/* Read/write `len` bytes of guest-physical memory (one page-table entry);
 * return 0, or -EFAULT when the GPA is not RAM. */
struct guest_mem_ops {
    int (*read)(void *opaque, uint64_t gpa, void *buf, size_t len);
    int (*write)(void *opaque, uint64_t gpa, const void *buf, size_t len);
    void *opaque;
};

/* `access` bits */
#define GW_WRITE 1u
#define GW_USER  2u     /* CPL 3 (or an implicit supervisor access when clear) */
#define GW_FETCH 4u

/* x86 page-fault error code bits (*pfec) */
#define GW_PFEC_PRESENT (1u << 0)   /* protection fault on a present page */
#define GW_PFEC_WRITE   (1u << 1)
#define GW_PFEC_USER    (1u << 2)
#define GW_PFEC_RSVD    (1u << 3)   /* reserved bit set in an entry */
#define GW_PFEC_FETCH   (1u << 4)   /* instruction fetch (with NX, i.e. PAE/long + NXE) */

/* Not #PF conditions, reported in *pfec above the architectural bits:
 * the caller raises #GP(0) for a non-canonical address, and treats a page
 * table outside RAM as the guest's bug (no exception to inject). */
#define GW_PFEC_NOT_RAM    (1u << 28)
#define GW_PFEC_NONCANON   (1u << 29)

/*
 * Translate `gva` for an access of kind `access` (GW_* bits).
 * Returns 0 with *gpa set, or -EFAULT with *pfec (if pfec is not NULL) set
 * to the page-fault error code the guest should see, or-ed with GW_PFEC_*
 * for the non-#PF cases above. -EINVAL for an inconsistent paging state
 * (long mode without PAE).
 */
int guest_walk(const struct guest_paging *pg, const struct guest_mem_ops *mem,
               uint64_t gva, unsigned int access, uint64_t *gpa, uint32_t *pfec);

#endif
