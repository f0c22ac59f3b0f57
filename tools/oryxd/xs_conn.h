/*
 * A connection: bytes from a transport cut into messages on input, and a
 * bounded queue of messages on output. Bytes move through a transport
 * (struct xs_conn_ops): the Unix socket today, a guest's ring page and
 * event channel later. Each complete message goes to a handler set by
 * whoever creates the connection (xs_peer wires it to the protocol);
 * this file knows neither the protocol nor the store.
 */
#ifndef ORYXD_XS_CONN_H
#define ORYXD_XS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "public/io/xs_wire.h"

struct xs_conn;

/* What a transport provides. */
struct xs_conn_ops {
    /* Up to len bytes in: >0 count, 0 nothing available, <0 gone. */
    ssize_t (*recv)(struct xs_conn *c, void *buf, size_t len);
    /* Up to len bytes out: >0 count, 0 would block, <0 gone. */
    ssize_t (*send)(struct xs_conn *c, const void *buf, size_t len);
    /* Frees the transport's state (priv); called once from xs_conn_free. */
    void (*release)(struct xs_conn *c);
};

/* One complete message; payload has h->len bytes plus a NUL. */
typedef void xs_conn_handler_fn(void *ctx, const struct xsd_sockmsg *h,
                                const char *payload);

struct xs_out {
    struct xs_out *next;
    uint32_t len, off;
    char data[];
};

struct xs_conn {
    const struct xs_conn_ops *ops;
    void *priv;                         /* transport state */
    xs_conn_handler_fn *handler;
    void *handler_ctx;
    size_t out_limit;                   /* queued output beyond it: dead */
    bool dead;                          /* protocol violation or transport gone */

    /* Input: one message at a time, header then payload (+ NUL). */
    uint32_t in_used;
    union {
        struct xsd_sockmsg hdr;
        char raw[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX + 1];
    } in;

    /* Output queue. */
    struct xs_out *out_head, *out_tail;
    size_t out_bytes;
    uint32_t out_msgs;
};

/*
 * New connection over ops/priv whose messages go to handler(ctx, ...);
 * a peer that lets out_limit bytes of output pile up is dropped. NULL if
 * out of memory.
 */
struct xs_conn *xs_conn_new(const struct xs_conn_ops *ops, void *priv,
                            xs_conn_handler_fn *handler, void *ctx,
                            size_t out_limit);
/* Drops queued output and releases the transport. */
void xs_conn_free(struct xs_conn *c);

/* Reads and handles what the transport has; 0 or -1 when c is dead. */
int xs_conn_input(struct xs_conn *c);
/* Handles already-received bytes (what input() does after recv). */
void xs_conn_feed(struct xs_conn *c, const char *buf, size_t len);
/* Writes queued output; 0 or -1 when c is dead. */
int xs_conn_flush(struct xs_conn *c);
/* False while the output queue is too full to take more requests. */
bool xs_conn_wants_input(const struct xs_conn *c);

/* Queues one message; on overflow the connection is marked dead. */
void xs_conn_send(struct xs_conn *c, uint32_t type, uint32_t req_id,
                  uint32_t tx_id, const void *data, size_t len);
/* Same, payload given as two parts (path and token of watch events). */
void xs_conn_send2(struct xs_conn *c, uint32_t type, uint32_t req_id,
                   uint32_t tx_id, const void *a, size_t alen,
                   const void *b, size_t blen);

#endif
