/*
 * The protocol: its clients (sessions) and request dispatch, one handler
 * per message type, all working through xs_tree/xs_txn/xs_watch. A
 * session is a client as the protocol sees it: a domain, its watches and
 * transactions, and an output given by the layer above (struct
 * xs_session_ops). Knows nothing of connections or transports.
 */
#ifndef ORYXD_XS_PROTO_H
#define ORYXD_XS_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "public/io/xs_wire.h"
#include "xs_txn.h"
#include "xs_watch.h"

struct xs_store;
struct xs_proto;

/* Where a session's messages go; io is the opaque pointer given with it. */
struct xs_session_ops {
    /* Queues one message (reply or watch event), payload in two parts. */
    void (*send)(void *io, uint32_t type, uint32_t req_id, uint32_t tx_id,
                 const void *a, size_t alen, const void *b, size_t blen);
    /* Ends the client (its domain was released); it gets no more output. */
    void (*close)(void *io);
};

struct xs_session {
    struct xs_session *next, *prev;     /* proto->sessions */
    struct xs_proto *proto;
    const struct xs_session_ops *ops;
    void *io;
    uint16_t domid;
    struct xs_watch_set watches;
    struct xs_txn_set txns;
};

/*
 * What serves a domain's ring once dom0 introduces it (xs_guest); set by
 * the daemon, NULL where there are no rings (the socket-only build).
 */
struct xs_proto_domain_ops {
    /* Map gfn's page (its grant), bind port; serve it as domid. 0 or -errno. */
    int (*introduce)(void *ctx, uint16_t domid, uint64_t gfn, uint32_t port);
    /* Stop serving domid's ring (its sessions were closed already). */
    void (*release)(void *ctx, uint16_t domid);
};

/* The protocol's state: the store it serves and every session. */
struct xs_proto {
    struct xs_store *store;
    struct xs_session *sessions;        /* newest first: watch event order */
    uint32_t nsessions;
    const struct xs_proto_domain_ops *dom_ops;
    void *dom_ctx;
};

void xs_proto_init(struct xs_proto *p, struct xs_store *s);

/* New session for domid; NULL if out of memory or over the client limit. */
struct xs_session *xs_session_new(struct xs_proto *p,
                                  const struct xs_session_ops *ops, void *io,
                                  uint16_t domid);
/*
 * The session outlives the daemon (a ring): its watches are kept in the
 * store's database, and those an earlier daemon kept for its domain come
 * back, each fired once. 0 or -errno.
 */
int xs_session_keep(struct xs_session *se);
/* Aborts the session's transactions, drops its watches and frees it. */
void xs_session_free(struct xs_session *se);

/* Handles one complete request; payload has h->len bytes plus a NUL. */
void xs_proto_handle(struct xs_session *se, const struct xsd_sockmsg *h,
                     const char *payload);

/* Fires @introduceDomain or @releaseDomain for every session watching it. */
void xs_proto_fire_special(struct xs_proto *p, const char *name);

/* Name of err as sent on the wire; unknown values become "EINVAL". */
const char *xs_errno_name(int err);

#endif
