/*
 * A client connection as the protocol sees it: message framing on input,
 * a bounded queue of replies and watch events on output, and the
 * connection's watches and transactions. Bytes move through a transport
 * (struct xs_conn_ops): the Unix socket today, a guest's ring page and
 * event channel later; neither changes this file or the protocol code.
 */
#ifndef ORYXD_XS_CONN_H
#define ORYXD_XS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "public/io/xs_wire.h"
#include "xs_txn.h"
#include "xs_watch.h"

struct xs_conn;
struct xs_store;

/* What a transport provides. */
struct xs_conn_ops {
    /* Up to len bytes in: >0 count, 0 nothing available, <0 gone. */
    ssize_t (*recv)(struct xs_conn *c, void *buf, size_t len);
    /* Up to len bytes out: >0 count, 0 would block, <0 gone. */
    ssize_t (*send)(struct xs_conn *c, const void *buf, size_t len);
    /* Frees the transport's state (priv); called once from xs_conn_free. */
    void (*release)(struct xs_conn *c);
};

struct xs_out {
    struct xs_out *next;
    uint32_t len, off;
    char data[];
};

struct xs_conn {
    struct xs_conn *next, *prev;        /* store->conns */
    struct xs_store *store;
    const struct xs_conn_ops *ops;
    void *priv;                         /* transport state */
    uint16_t domid;
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

    struct xs_watch_set watches;
    struct xs_txn_set txns;
};

/* New connection for domid; NULL if out of memory or over the limit. */
struct xs_conn *xs_conn_new(struct xs_store *s, const struct xs_conn_ops *ops,
                            void *priv, uint16_t domid);
/* Aborts the transactions, drops the watches, releases the transport. */
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
/* ERROR reply with the errno name for err (positive or negative). */
void xs_conn_error(struct xs_conn *c, const struct xsd_sockmsg *req, int err);
/* Name of err as sent on the wire; unknown values become "EINVAL". */
const char *xs_errno_name(int err);

#endif
