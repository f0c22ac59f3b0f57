/*
 * libFuzzer target: raw bytes from two connections (dom0 and an
 * unprivileged domU) through framing, dispatch, tree, transactions and
 * watches. Each input is cut into chunks; a chunk's first byte picks the
 * connection and its length.
 */
#include <stddef.h>
#include <stdint.h>

#include "xs_conn.h"
#include "xs_peer.h"
#include "xs_proto.h"
#include "xs_store.h"

static ssize_t fz_recv(struct xs_conn *c, void *b, size_t l)
{
    (void)c; (void)b; (void)l;
    return 0;
}

static ssize_t fz_send(struct xs_conn *c, const void *b, size_t l)
{
    (void)c; (void)b;
    return (ssize_t)l;                  /* the peer reads everything */
}

static const struct xs_conn_ops fz_ops = { .recv = fz_recv, .send = fz_send };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xs_store s;
    struct xs_proto p;
    struct xs_peer *c[2];
    size_t off = 0, i;

    if (xs_store_init(&s))
        return 0;
    s.quota.nodes = 50;
    xs_proto_init(&p, &s);
    c[0] = xs_peer_new(&p, &fz_ops, NULL, 0);
    c[1] = xs_peer_new(&p, &fz_ops, NULL, 5);
    while (off < size && c[0] && c[1]) {
        uint8_t sel = data[off++];
        size_t len = (size_t)(sel >> 1) + 1;

        if (len > size - off)
            len = size - off;
        xs_conn_feed(c[sel & 1]->conn, (const char *)data + off, len);
        off += len;
        for (i = 0; i < 2; i++) {
            xs_conn_flush(c[i]->conn);
            if (c[i]->conn->dead) {
                xs_peer_free(c[i]);
                c[i] = NULL;
            }
        }
    }
    for (i = 0; i < 2; i++)
        if (c[i])
            xs_peer_free(c[i]);
    xs_store_fini(&s);
    return 0;
}
