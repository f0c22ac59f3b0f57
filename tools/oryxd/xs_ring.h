/*
 * The ring transport: a connection over a shared page holding a
 * struct xenstore_domain_interface (include/public/io/xs_wire.h) and an
 * event channel, the way guest kernels (and dom0's own, through
 * /proc/xen/xsd_kva) talk to the store. How the page was mapped and how
 * the peer is notified stay behind struct xs_ring_ops: dom0's local
 * page and a guest's foreign-mapped one differ only there.
 *
 * The peer is not trusted. Only its indices (req_prod, rsp_cons) are
 * read from the page, each once per step, and checked: a producer more
 * than the ring size ahead, or a consumer past what was produced, cuts
 * the connection off (xs_ring_process returns -1; the caller frees it).
 * Our own indices are kept privately and only written to the page.
 * Framing errors (a length over XENSTORE_PAYLOAD_MAX) do the same
 * through xs_conn; other garbage gets an error reply.
 */
#ifndef ORYXD_XS_RING_H
#define ORYXD_XS_RING_H

#include <stdbool.h>
#include <stdint.h>

#include "public/io/xs_wire.h"

struct xs_peer;
struct xs_proto;

/* Given by whoever mapped the page. */
struct xs_ring_ops {
    /* Raises the peer's event channel. 0 or -errno. */
    int (*notify)(void *ctx);
    /* Unmaps the page and closes the channel; once, from xs_ring_free. */
    void (*release)(void *ctx);
};

struct xs_ring {
    struct xenstore_domain_interface *intf;     /* shared with the peer */
    const struct xs_ring_ops *ops;
    void *ctx;
    struct xs_peer *peer;
    XENSTORE_RING_IDX req_cons, rsp_prod;       /* ours, kept privately */
    bool moved;                 /* an index moved since the last notify */
    bool progress;              /* bytes moved in the current pass */
    const char *why;            /* why it was cut off, NULL while alive */
    uint64_t in_bytes, out_bytes;
};

/*
 * Serves the ring at intf as domid's connection to p. The indices on the
 * page are taken as they are (a restarted daemon goes on where the last
 * one stopped) if they are consistent. 0 or -EINVAL (inconsistent
 * indices), -ENOMEM/-EBUSY (out of memory, over the client limit); on
 * error nothing is released.
 */
int xs_ring_new(struct xs_proto *p, struct xenstore_domain_interface *intf,
                const struct xs_ring_ops *ops, void *ctx, uint16_t domid,
                struct xs_ring **out);
/*
 * Takes the requests the peer has written, queues their replies, writes
 * what fits and notifies the peer once if any index moved. Returns 1 if
 * it stopped with work left (call again without waiting for an event),
 * 0 when done, -1 when the connection is dead (r->why says why).
 */
int xs_ring_process(struct xs_ring *r);
/* Ends the session, then calls ops->release. */
void xs_ring_free(struct xs_ring *r);

#endif
