/* Ring transport (see xs_ring.h). */
#include "xs_ring.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_conn.h"
#include "xs_peer.h"
#include "xs_proto.h"
#include "xs_store.h"

/* Passes of input+output per xs_ring_process before yielding to others. */
#define XS_RING_PASSES 8

static XENSTORE_RING_IDX load_idx(const XENSTORE_RING_IDX *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_idx(XENSTORE_RING_IDX *p, XENSTORE_RING_IDX v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static void cut(struct xs_ring *r, const char *why)
{
    if (!r->why)
        r->why = why;
}

/* Requests in: what the peer produced past our consumer. */
static ssize_t ring_recv(struct xs_conn *c, void *buf, size_t len)
{
    struct xs_ring *r = c->priv;
    XENSTORE_RING_IDX prod = load_idx(&r->intf->req_prod);
    uint32_t avail = prod - r->req_cons, n, off, first;

    if (avail > XENSTORE_RING_SIZE) {
        cut(r, "request producer index out of range");
        return -1;
    }
    n = avail < len ? avail : (uint32_t)len;
    if (!n)
        return 0;
    off = MASK_XENSTORE_IDX(r->req_cons);
    first = XENSTORE_RING_SIZE - off;
    if (first > n)
        first = n;
    /* The bytes are copied once; only the copy is ever parsed. */
    memcpy(buf, r->intf->req + off, first);
    memcpy((char *)buf + first, r->intf->req, n - first);
    r->req_cons += n;
    store_idx(&r->intf->req_cons, r->req_cons);
    r->moved = r->progress = true;
    r->in_bytes += n;
    return n;
}

/* Replies out: into the space the peer's consumer left. */
static ssize_t ring_send(struct xs_conn *c, const void *buf, size_t len)
{
    struct xs_ring *r = c->priv;
    XENSTORE_RING_IDX cons = load_idx(&r->intf->rsp_cons);
    uint32_t used = r->rsp_prod - cons, space, n, off, first;

    if (used > XENSTORE_RING_SIZE) {
        cut(r, "response consumer index out of range");
        return -1;
    }
    space = XENSTORE_RING_SIZE - used;
    n = space < len ? space : (uint32_t)len;
    if (!n)
        return 0;
    off = MASK_XENSTORE_IDX(r->rsp_prod);
    first = XENSTORE_RING_SIZE - off;
    if (first > n)
        first = n;
    memcpy(r->intf->rsp + off, buf, first);
    memcpy(r->intf->rsp, (const char *)buf + first, n - first);
    r->rsp_prod += n;
    store_idx(&r->intf->rsp_prod, r->rsp_prod);
    r->moved = r->progress = true;
    r->out_bytes += n;
    return n;
}

/* The ring's own teardown is xs_ring_free's: nothing to do per conn. */
static void ring_release(struct xs_conn *c)
{
    (void)c;
}

static const struct xs_conn_ops ring_conn_ops = {
    .recv = ring_recv,
    .send = ring_send,
    .release = ring_release,
};

int xs_ring_new(struct xs_proto *p, struct xenstore_domain_interface *intf,
                const struct xs_ring_ops *ops, void *ctx, uint16_t domid,
                struct xs_ring **out)
{
    struct xs_ring *r;
    XENSTORE_RING_IDX req_cons = load_idx(&intf->req_cons);
    XENSTORE_RING_IDX req_prod = load_idx(&intf->req_prod);
    XENSTORE_RING_IDX rsp_cons = load_idx(&intf->rsp_cons);
    XENSTORE_RING_IDX rsp_prod = load_idx(&intf->rsp_prod);

    if (req_prod - req_cons > XENSTORE_RING_SIZE ||
        rsp_prod - rsp_cons > XENSTORE_RING_SIZE)
        return -EINVAL;
    r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->intf = intf;
    r->ops = ops;
    r->ctx = ctx;
    r->req_cons = req_cons;
    r->rsp_prod = rsp_prod;
    r->peer = xs_peer_new(p, &ring_conn_ops, r, domid);
    if (!r->peer) {
        free(r);
        return p->nsessions >= p->store->limits.conns ? -EBUSY : -ENOMEM;
    }
    /* The peer keeps its ring when we go: its watches must survive us. */
    if (xs_session_keep(r->peer->session))
        fprintf(stderr, "oryxd: domain %u's kept watches could not be read back\n", domid);
    *out = r;
    return 0;
}

int xs_ring_process(struct xs_ring *r)
{
    struct xs_conn *c = r->peer->conn;
    int pass, more = 0;

    for (pass = 0; pass < XS_RING_PASSES && !c->dead; pass++) {
        r->progress = false;
        xs_conn_input(c);
        xs_conn_flush(c);
        if (!r->progress)
            break;
    }
    if (pass == XS_RING_PASSES)
        more = 1;
    if (c->dead)
        cut(r, "protocol error or connection closed");
    if (r->moved && !r->why) {
        r->moved = false;
        if (r->ops->notify(r->ctx) < 0)
            cut(r, "cannot notify the event channel");
    }
    return r->why ? -1 : more;
}

void xs_ring_free(struct xs_ring *r)
{
    xs_peer_free(r->peer);
    if (r->ops->release)
        r->ops->release(r->ctx);
    free(r);
}
