/*
 * Ballooning: memory_op's reservation commands (XENMEM_increase_reservation,
 * _decrease_reservation, _populate_physmap) and the queries
 * (XENMEM_current_reservation, _maximum_reservation), for a domain itself
 * or, from the control domain, any domain. docs/guest-abi.md has the rules.
 */
#ifndef ORYX_BALLOON_H
#define ORYX_BALLOON_H

#include <oryx/hypercall.h>

/* Most work one call does: extents, and pages in all (larger requests are
 * done in part; the count returned says how far). */
#define BALLOON_MAX_EXTENTS 1024u
#define BALLOON_MAX_PAGES   16384u      /* 64 MiB */
/* Largest extent order accepted (Xen's default for guests). */
#define BALLOON_MAX_ORDER   9u

/* cmd: XENMEM_increase_reservation, _decrease_reservation, _populate_physmap;
 * args->a[1]: struct xen_memory_reservation. Extents done, or -errno. */
long balloon_reservation(struct vcpu *v, unsigned int cmd, const struct hcall_args *args);
/* cmd: XENMEM_current_reservation, _maximum_reservation; args->a[1]:
 * domid_t. Pages, or -errno. */
long balloon_query(struct vcpu *v, unsigned int cmd, const struct hcall_args *args);

#endif
