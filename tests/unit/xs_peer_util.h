/*
 * Shared by the store's host tests: a peer whose transport never moves
 * bytes (replies stay in its output queue), a request fed to it, and the
 * oldest queued reply popped.
 */
#ifndef TESTS_XS_PEER_UTIL_H
#define TESTS_XS_PEER_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "xs_conn.h"
#include "xs_peer.h"

static ssize_t null_io(struct xs_conn *c, void *b, size_t l) { (void)c; (void)b; (void)l; return 0; }
static ssize_t null_send(struct xs_conn *c, const void *b, size_t l) { (void)c; (void)b; (void)l; return 0; }
static const struct xs_conn_ops null_ops = { .recv = null_io, .send = null_send };

static inline void req(struct xs_peer *c, uint32_t type, uint32_t tx, const char *a, size_t alen)
{
    char buf[16 + 4200];
    struct xsd_sockmsg h = { .type = type, .req_id = 7, .tx_id = tx, .len = (uint32_t)alen };

    memcpy(buf, &h, 16);
    memcpy(buf + 16, a, alen);
    xs_conn_feed(c->conn, buf, 16 + alen);
}

/* Pops the oldest queued message; returns its type, payload in out. */
static inline uint32_t pop(struct xs_peer *p, char *out, size_t size)
{
    struct xs_conn *c = p->conn;
    struct xs_out *o = c->out_head;
    struct xsd_sockmsg h;

    if (!o)
        return 0xdead;
    memcpy(&h, o->data, 16);
    memset(out, 0, size);
    memcpy(out, o->data + 16, h.len < size - 1 ? h.len : size - 1);
    c->out_head = o->next;
    if (!c->out_head)
        c->out_tail = NULL;
    c->out_bytes -= o->len;
    c->out_msgs--;
    free(o);
    return h.type;
}

#define S(x) x, sizeof(x)

#endif
