/*
 * A peer: one client of the daemon on some transport, the place where a
 * connection (xs_conn: bytes, framing, output queue) is wired to its
 * protocol session (xs_proto: domain, watches, transactions). Neither
 * half knows the other; transports create and free peers.
 */
#ifndef ORYXD_XS_PEER_H
#define ORYXD_XS_PEER_H

#include <stdint.h>

struct xs_conn;
struct xs_conn_ops;
struct xs_proto;
struct xs_session;

struct xs_peer {
    struct xs_conn *conn;
    struct xs_session *session;
};

/*
 * New peer for domid over a transport (ops, priv). NULL if out of
 * memory or over the client limit; the transport is then not released.
 */
struct xs_peer *xs_peer_new(struct xs_proto *p, const struct xs_conn_ops *ops,
                            void *priv, uint16_t domid);
/* Ends the session (transactions, watches), then the connection. */
void xs_peer_free(struct xs_peer *peer);

#endif
