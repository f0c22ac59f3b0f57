/* A connection wired to its protocol session (see xs_peer.h). */
#include "xs_peer.h"

#include <stdlib.h>

#include "xs_conn.h"
#include "xs_proto.h"
#include "xs_store.h"

static void peer_handle(void *ctx, const struct xsd_sockmsg *h,
                        const char *payload)
{
    struct xs_peer *peer = ctx;

    xs_proto_handle(peer->session, h, payload);
}

static void peer_send(void *io, uint32_t type, uint32_t req_id,
                      uint32_t tx_id, const void *a, size_t alen,
                      const void *b, size_t blen)
{
    struct xs_peer *peer = io;

    xs_conn_send2(peer->conn, type, req_id, tx_id, a, alen, b, blen);
}

static void peer_close(void *io)
{
    struct xs_peer *peer = io;

    peer->conn->dead = true;
}

static const struct xs_session_ops peer_ops = {
    .send = peer_send,
    .close = peer_close,
};

struct xs_peer *xs_peer_new(struct xs_proto *p, const struct xs_conn_ops *ops,
                            void *priv, uint16_t domid)
{
    struct xs_peer *peer = calloc(1, sizeof(*peer));

    if (!peer)
        return NULL;
    peer->session = xs_session_new(p, &peer_ops, peer, domid);
    if (!peer->session)
        goto fail;
    peer->conn = xs_conn_new(ops, priv, peer_handle, peer,
                             p->store->limits.conn_out_bytes);
    if (!peer->conn)
        goto fail_session;
    return peer;
fail_session:
    xs_session_free(peer->session);
fail:
    free(peer);
    return NULL;
}

void xs_peer_free(struct xs_peer *peer)
{
    xs_session_free(peer->session);
    xs_conn_free(peer->conn);
    free(peer);
}
