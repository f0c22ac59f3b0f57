/*
 * The store as a whole: the tree, the domains it knows (with their quota
 * usage), the quota settings and the limits the layers above apply to
 * each client; it never sees a client itself. One instance per daemon;
 * the event loop is single-threaded, so nothing here is locked.
 */
#ifndef ORYXD_XS_STORE_H
#define ORYXD_XS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "xs_tree.h"

/* Limits for unprivileged domains (0 = unlimited), xenstored's defaults. */
struct xs_quota {
    uint32_t nodes;             /* nodes owned per domain */
    uint32_t node_size;         /* value bytes per node */
    uint32_t watches;           /* watches per domain */
    uint32_t transactions;      /* open transactions per domain */
    uint32_t perms;             /* ACL entries per node, owner excluded */
    uint32_t tx_nodes;          /* nodes a transaction may touch */
    uint32_t outstanding;       /* queued replies before input pauses */
};

/* Hard caps for every connection, dom0 included: bounded memory. */
struct xs_limits {
    uint32_t conn_watches;
    uint32_t conn_transactions;
    uint32_t conn_out_bytes;    /* pending output; beyond it: disconnect */
    uint32_t conns;             /* simultaneous connections */
};

struct xs_domain {
    struct xs_domain *next;
    uint16_t domid;
    int target;                 /* domain this one may act for, -1 none */
    bool introduced;
    uint32_t nodes, watches, transactions;  /* current usage */
    uint64_t gfn;               /* ring page, from INTRODUCE */
    uint32_t evtchn;
};

enum xs_special { XS_SPECIAL_INTRO = 0, XS_SPECIAL_REL = 1 };

struct xs_store {
    struct xs_tree tree;
    uint64_t gen;
    struct xs_domain *domains;
    struct xs_quota quota;
    struct xs_limits limits;
    struct xs_perms special_perms[2];
    bool test_hooks;            /* CONTROL "become" allowed (tests only) */
};

/*
 * Who makes a request, as permission and quota checks see it. Built per
 * use by xs_store_caller: a domain's target can change between requests.
 */
struct xs_caller {
    uint16_t domid;
    bool privileged;            /* dom0: no ACL or quota applies */
    int target;                 /* domain it may act for besides its own, -1 none */
};

int xs_store_init(struct xs_store *s);
void xs_store_fini(struct xs_store *s);
/* The domain record for domid, created on first use; NULL on ENOMEM. */
struct xs_domain *xs_domain_get(struct xs_store *s, uint16_t domid);
struct xs_domain *xs_domain_find(const struct xs_store *s, uint16_t domid);
/* domid's identity as things stand now. */
struct xs_caller xs_store_caller(const struct xs_store *s, uint16_t domid);

#endif
