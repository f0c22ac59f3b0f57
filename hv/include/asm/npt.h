/*
 * Nested page tables (AMD NPT): per-domain guest-physical to host-physical
 * maps in the x86-64 4-level long-mode format, with 4 KiB, 2 MiB and 1 GiB
 * leaves. The root goes into the VMCB's nCR3. Design: docs/design/memory.md.
 *
 * TLB: these functions only edit the tables. After a change that removes
 * or narrows a mapping, the caller flushes the domain's ASID on every CPU
 * that may run it before the old host page is reused. Table pages are never
 * freed while the p2m lives (only by p2m_destroy()), so no CPU can walk a
 * freed table.
 */
#ifndef ASM_NPT_H
#define ASM_NPT_H

#include <oryx/types.h>
#include <oryx/spinlock.h>
#include <oryx/page_alloc.h>

#define P2M_R 1u
#define P2M_W 2u
#define P2M_X 4u                 /* cleared: the leaf's NX bit (host EFER.NXE=1) */
#define P2M_PERMS (P2M_R | P2M_W | P2M_X)

#define P2M_GPA_BITS 48          /* 4-level tables */
#define P2M_HPA_BITS 52          /* the architectural maximum */

struct p2m {
    paddr_t root;                /* PML4 page: nCR3 */
    struct mem_account *acct;    /* charged for every table page */
    spinlock_t lock;             /* protects the tables and table_pages */
    uint64_t table_pages;        /* table pages held, root included */
};

/* Allocate an empty root: 0 or -ENOMEM. */
int p2m_init(struct p2m *p2m, struct mem_account *acct);

/*
 * Map [gpa, gpa + size) to [hpa, hpa + size) with perms (P2M_R required,
 * plus P2M_W / P2M_X). Everything 4 KiB aligned, size > 0, gpa + size <=
 * 2^48, hpa + size <= 2^52, else -EINVAL. Uses 1 GiB and 2 MiB leaves where
 * both addresses are aligned and the range covers them, except under a
 * slot that already holds a lower-level table (that table is reused).
 * A large leaf partly remapped is split. -ENOMEM when a table page cannot
 * be had; the part of the range before the failure is then mapped.
 */
int p2m_map(struct p2m *p2m, gpaddr_t gpa, paddr_t hpa, uint64_t size, unsigned int perms);

/* Remove [gpa, gpa + size); unmapped holes are fine. Splitting a large
 * leaf to unmap part of it may give -ENOMEM. -EINVAL as for p2m_map. */
int p2m_unmap(struct p2m *p2m, gpaddr_t gpa, uint64_t size);

/*
 * Translate gpa: *hpa gets the host address of gpa itself (offset kept),
 * *perms its P2M_* bits, *order the leaf's size (0, 9 or 18). Any output
 * pointer may be NULL. -ENOENT when unmapped, -EINVAL beyond 48 bits.
 */
int p2m_query(struct p2m *p2m, gpaddr_t gpa, paddr_t *hpa, unsigned int *perms,
              unsigned int *order);

/* Free every table page (charged to acct); the p2m is then empty (root 0).
 * No vCPU may be running on it. */
void p2m_destroy(struct p2m *p2m);

/*
 * Largest leaf order p2m_map() may use: PAGE_ORDER_1G (default), or
 * PAGE_ORDER_2M when the CPU lacks 1 GiB pages (CPUID 0x80000001 EDX[26]).
 */
void p2m_set_max_leaf_order(unsigned int order);

#endif
