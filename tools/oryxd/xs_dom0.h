/*
 * dom0's own kernel as a client, the way xenstored serves it in a Xen
 * dom0. A PVH dom0 kernel has no store at boot: Linux's xenbus sets up
 * a "local" store, a zeroed page of its own and an unbound event channel
 * (EVTCHNOP_alloc_unbound, dom0 to dom0), shown by xenfs as
 * /proc/xen/xsd_kva (mmap the page) and /proc/xen/xsd_port (its port).
 * We map the page, bind an interdomain channel to that port of our own
 * domain (a loopback) through /dev/xen/evtchn and serve the ring as
 * domid 0, privileged. Linux probes its xenbus devices when the first
 * event arrives on that port, so we send one at start.
 */
#ifndef ORYXD_XS_DOM0_H
#define ORYXD_XS_DOM0_H

#include <stddef.h>

struct xs_dom0;
struct xs_loop;
struct xs_proto;
struct xs_store;

/* Where the kernel shows its side; NULL fields take these defaults. */
#define XS_DOM0_KVA  "/proc/xen/xsd_kva"
#define XS_DOM0_PORT "/proc/xen/xsd_port"

struct xs_dom0_paths {
    const char *kva, *port, *evtchn;
};

/*
 * Starts serving dom0's kernel from loop l. 0 or -errno; on error *what
 * names the step that failed.
 */
int xs_dom0_start(struct xs_loop *l, struct xs_proto *p,
                  const struct xs_dom0_paths *paths, struct xs_dom0 **out,
                  const char **what);
/* Why serving stopped (the ring was cut off), NULL while it goes on. */
const char *xs_dom0_error(const struct xs_dom0 *d);
/* Ends the session and unmaps the page (the kernel keeps its ring). */
void xs_dom0_stop(struct xs_dom0 *d);

/*
 * What Xen's xen-init-dom0 writes at dom0's start: /local/domain/0/domid
 * = "0" and /local/domain/0/name = "Domain-0". 0 or -ENOMEM.
 */
int xs_dom0_init_nodes(struct xs_store *s);

#endif
