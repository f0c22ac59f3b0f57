/*
 * Guests' store rings, served from dom0 the way xenstored serves them:
 * when dom0's toolstack introduces a domain (XS_INTRODUCE domid gfn
 * port), its ring page is mapped through the grant the toolstack seeded
 * (GNTTAB_RESERVED_XENSTORE, so a bad gfn cannot name another page) and
 * the store port is bound through /dev/xen/evtchn; XS_RELEASE (or the
 * domain's death) ends it. The guest is not trusted: a ring it corrupts
 * is cut off (xs_ring) and it alone loses its store.
 */
#ifndef ORYXD_XS_GUEST_H
#define ORYXD_XS_GUEST_H

#include <stdint.h>

#include "xs_proto.h"

struct xs_loop;
struct xs_proto;
struct xs_guest;

struct xs_guests {
    struct xs_loop *loop;
    struct xs_proto *proto;
    const char *gntdev, *evtchn;        /* device paths; NULL: the standard ones */
    int gntdev_fd;                      /* opened at the first guest */
    struct xs_guest *list;
};

/* Serve introduced domains from l through p: the caller routes p's
 * domain ops (or its own) to xs_guests_ops with g as their context. */
void xs_guests_init(struct xs_guests *g, struct xs_loop *l, struct xs_proto *p);
extern const struct xs_proto_domain_ops xs_guests_ops;
/* Ends every guest's ring (the guests keep theirs) and closes the devices. */
void xs_guests_fini(struct xs_guests *g);
/* Is domid's ring being served now (not cut off)? */
int xs_guests_serving(const struct xs_guests *g, uint16_t domid);

#endif
