/* Connection framing and output queue (see xs_conn.h). */
#include "xs_conn.h"

#include <stdlib.h>
#include <string.h>

#define HDR_SIZE sizeof(struct xsd_sockmsg)
/* Input pauses while this much output waits (outstanding-request bound). */
#define XS_CONN_BACKLOG (64u * 1024u)

struct xs_conn *xs_conn_new(const struct xs_conn_ops *ops, void *priv,
                            xs_conn_handler_fn *handler, void *ctx,
                            size_t out_limit)
{
    struct xs_conn *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->ops = ops;
    c->priv = priv;
    c->handler = handler;
    c->handler_ctx = ctx;
    c->out_limit = out_limit;
    return c;
}

void xs_conn_free(struct xs_conn *c)
{
    while (c->out_head) {
        struct xs_out *o = c->out_head;

        c->out_head = o->next;
        free(o);
    }
    if (c->ops && c->ops->release)
        c->ops->release(c);
    free(c);
}

bool xs_conn_wants_input(const struct xs_conn *c)
{
    return !c->dead && c->out_bytes < XS_CONN_BACKLOG;
}

void xs_conn_send2(struct xs_conn *c, uint32_t type, uint32_t req_id,
                   uint32_t tx_id, const void *a, size_t alen,
                   const void *b, size_t blen)
{
    struct xsd_sockmsg h;
    struct xs_out *o;
    size_t len = alen + blen;

    if (c->dead)
        return;
    if (len > XENSTORE_PAYLOAD_MAX) {
        /* Never emit what clients must not receive. */
        xs_conn_send(c, XS_ERROR, req_id, tx_id, "E2BIG", 6);
        return;
    }
    if (c->out_bytes + HDR_SIZE + len > c->out_limit) {
        c->dead = true;                 /* not reading: drop it */
        return;
    }
    o = malloc(sizeof(*o) + HDR_SIZE + len);
    if (!o) {
        c->dead = true;
        return;
    }
    h.type = type;
    h.req_id = req_id;
    h.tx_id = tx_id;
    h.len = (uint32_t)len;
    memcpy(o->data, &h, HDR_SIZE);
    if (alen)
        memcpy(o->data + HDR_SIZE, a, alen);
    if (blen)
        memcpy(o->data + HDR_SIZE + alen, b, blen);
    o->len = (uint32_t)(HDR_SIZE + len);
    o->off = 0;
    o->next = NULL;
    if (c->out_tail)
        c->out_tail->next = o;
    else
        c->out_head = o;
    c->out_tail = o;
    c->out_bytes += o->len;
    c->out_msgs++;
}

void xs_conn_send(struct xs_conn *c, uint32_t type, uint32_t req_id,
                  uint32_t tx_id, const void *data, size_t len)
{
    xs_conn_send2(c, type, req_id, tx_id, data, len, NULL, 0);
}

void xs_conn_feed(struct xs_conn *c, const char *buf, size_t len)
{
    while (len && !c->dead) {
        size_t want, n;

        if (c->in_used < HDR_SIZE)
            want = HDR_SIZE - c->in_used;
        else
            want = HDR_SIZE + c->in.hdr.len - c->in_used;
        n = want < len ? want : len;
        memcpy(c->in.raw + c->in_used, buf, n);
        c->in_used += (uint32_t)n;
        buf += n;
        len -= n;
        if (c->in_used == HDR_SIZE && c->in.hdr.len > XENSTORE_PAYLOAD_MAX) {
            c->dead = true;             /* a lying length: fatal, as in Xen */
            return;
        }
        if (c->in_used >= HDR_SIZE && c->in_used == HDR_SIZE + c->in.hdr.len) {
            struct xsd_sockmsg h = c->in.hdr;

            c->in.raw[c->in_used] = '\0';
            c->in_used = 0;
            c->handler(c->handler_ctx, &h, c->in.raw + HDR_SIZE);
        }
    }
}

int xs_conn_input(struct xs_conn *c)
{
    char buf[4096];
    ssize_t n;

    while (xs_conn_wants_input(c)) {
        n = c->ops->recv(c, buf, sizeof(buf));
        if (n < 0)
            c->dead = true;
        if (n <= 0)
            break;
        xs_conn_feed(c, buf, (size_t)n);
    }
    return c->dead ? -1 : 0;
}

int xs_conn_flush(struct xs_conn *c)
{
    while (c->out_head && !c->dead) {
        struct xs_out *o = c->out_head;
        ssize_t n = c->ops->send(c, o->data + o->off, o->len - o->off);

        if (n < 0) {
            c->dead = true;
            break;
        }
        if (n == 0)
            break;
        o->off += (uint32_t)n;
        if (o->off < o->len)
            continue;
        c->out_head = o->next;
        if (!c->out_head)
            c->out_tail = NULL;
        c->out_bytes -= o->len;
        c->out_msgs--;
        free(o);
    }
    return c->dead ? -1 : 0;
}
