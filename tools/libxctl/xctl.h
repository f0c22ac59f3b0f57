/*
 * libxctl: the toolstack's access to the hypervisor from dom0 (what
 * libxenctrl is to Xen's tools): hypercalls through /dev/xen/privcmd, and
 * Oryx's domain-control interface (include/public/domctl.h) on top.
 * Functions return 0 or -errno.
 */
#ifndef ORYX_XCTL_H
#define ORYX_XCTL_H

#include <stddef.h>
#include <stdint.h>

#include "public/domctl.h"

struct xctl;

/* Opens /dev/xen/privcmd (or $ORYX_PRIVCMD). NULL with errno set. */
struct xctl *xctl_open(void);
void xctl_close(struct xctl *x);
/* The privcmd file, for mmap-based calls (foreign mappings). */
int xctl_privcmd_fd(struct xctl *x);

/* One hypercall with up to five arguments: its result, or -errno. */
long xctl_hypercall(struct xctl *x, unsigned int nr, uint64_t a0, uint64_t a1, uint64_t a2,
                    uint64_t a3, uint64_t a4);

/* domctl cmd on domain; op's union is the command's. */
int xctl_domctl(struct xctl *x, uint32_t cmd, uint16_t domain, struct oryx_domctl *op);

/* Every domain, in id order, into *out (malloc'd; the caller frees). The
 * count, or -errno. */
int xctl_domain_list(struct xctl *x, struct oryx_domctl_getdomaininfo **out);

/* The domain with id dom: 0, or -ESRCH. */
int xctl_domain_info(struct xctl *x, uint16_t dom, struct oryx_domctl_getdomaininfo *out);

int xctl_domain_destroy(struct xctl *x, uint16_t dom);

/* The first start of a domain built paused (XEN_DOMCTL_unpausedomain). */
int xctl_domain_unpause(struct xctl *x, uint16_t dom);

/* A new unbound event channel of dom that remote may bind: its port, or -errno. */
int xctl_evtchn_alloc_unbound(struct xctl *x, uint16_t dom, uint16_t remote);

/* HVMOP_set_param / get_param on another domain. */
int xctl_hvm_param_set(struct xctl *x, uint16_t dom, uint32_t index, uint64_t value);
int xctl_hvm_param_get(struct xctl *x, uint16_t dom, uint32_t index, uint64_t *value);

/*
 * Writes dom's grant entries ref[i] (in the first frame of its table,
 * through acquire_resource): access to frame[i] for domain to, writable.
 */
int xctl_grant_seed(struct xctl *x, uint16_t dom, uint16_t to, const uint32_t *ref,
                    const uint64_t *frame, unsigned int n);

/*
 * Maps dom's frames gfn0 .. gfn0 + n - 1 at a fresh privcmd mapping of n
 * pages (prot: PROT_READ, or with PROT_WRITE). errs[i] gets 0 or -errno
 * per page: a page that did not map must not be touched. The address (to
 * munmap, which takes the foreign mappings out), or MAP_FAILED with errno.
 */
void *xctl_map_foreign(struct xctl *x, uint16_t dom, uint64_t gfn0, size_t n, int prot,
                       int *errs);

/* The hypervisor's name of dom becomes name (ORYX_DOMCTL_setdomainname):
 * -EINVAL bad name, -EEXIST taken, -EPERM dom0, -ESRCH none. */
int xctl_domain_rename(struct xctl *x, uint16_t dom, const char *name);

/* The toolstack's state directory: $ORYX_LIB_DIR, else /var/lib/oryx
 * (saved configurations, dump/ for core files). */
const char *xctl_lib_dir(void);

/*
 * A domain named by name or by number, as every oxl verb takes one:
 * *dom gets its id. 0, -ESRCH (none), -EINVAL (empty or bad number).
 */
int xctl_domain_lookup(struct xctl *x, const char *name_or_id, uint16_t *dom);

#endif
