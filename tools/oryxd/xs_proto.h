/*
 * Request dispatch: one handler per message type, all working through
 * xs_tree/xs_txn/xs_watch and replying through xs_conn. Transport-free.
 */
#ifndef ORYXD_XS_PROTO_H
#define ORYXD_XS_PROTO_H

#include "public/io/xs_wire.h"

struct xs_conn;

/* Handles one complete request; payload has h->len bytes plus a NUL. */
void xs_proto_handle(struct xs_conn *c, const struct xsd_sockmsg *h,
                     const char *payload);

#endif
