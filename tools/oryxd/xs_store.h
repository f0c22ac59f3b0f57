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

struct xs_db;

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
    struct xs_db *db;           /* where the state is kept; NULL: nowhere */
    uint64_t next_node_id, next_watch_id;
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

/*
 * Keeps the store in db from now on (the store owns it then). With
 * restored, the tree, domains and watch ids come from db first (the
 * store must be fresh); otherwise db is written from the store. 0 or
 * -errno (-EINVAL: a record is corrupt), the store then left as it was
 * loaded so far: the caller starts afresh.
 */
int xs_store_attach_db(struct xs_store *s, struct xs_db *db, bool restored);
/* Stops keeping (pending changes committed) and closes the database;
 * what happens afterwards, such as the daemon's teardown, is not kept. */
void xs_store_close_db(struct xs_store *s);
/* Commits the changes made since the last sync (one per request). */
void xs_store_sync(struct xs_store *s);
/* d's introduction or target changed. */
void xs_store_domain_changed(struct xs_store *s, const struct xs_domain *d);

/* Watches of clients that outlive the daemon (rings), by id: keep one
 * (its id, 0 when nothing is kept), drop one, walk domid's. */
uint64_t xs_store_watch_keep(struct xs_store *s, uint16_t domid, const char *path,
                             const char *token, uint32_t strip);
void xs_store_watch_drop(struct xs_store *s, uint64_t id);
int xs_store_each_kept_watch(struct xs_store *s, uint16_t domid,
                             int (*cb)(void *ctx, uint64_t id, const char *path,
                                       const char *token, uint32_t strip),
                             void *ctx);

#endif
