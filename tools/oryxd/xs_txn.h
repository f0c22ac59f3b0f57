/*
 * Transactions. A transaction reads the live tree until its first
 * change, then works on a private copy. It records the generation of
 * every node it looks at and logs its changes; commit checks those
 * generations against the live tree (any difference: EAGAIN) and then
 * replays the log there, reporting each change to the caller (who fires
 * the watches). Gens made inside a copy use a separate counter space and
 * are never recorded, so a transaction never conflicts with itself.
 */
#ifndef ORYXD_XS_TXN_H
#define ORYXD_XS_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xs_tree.h"

struct xs_caller;
struct xs_store;

/* Per-transaction caps for every connection (memory bound). */
#define XS_TXN_MAX_OPS      8192
#define XS_TXN_MAX_BYTES    (1u << 20)
#define XS_TXN_MAX_RECS     16384
#define XS_TXN_LOCAL_GEN    (1ull << 63)

enum xs_txn_op_type { XS_TOP_WRITE, XS_TOP_MKDIR, XS_TOP_RM, XS_TOP_PERMS };

struct xs_txn_op {
    struct xs_txn_op *next;
    int type;                   /* enum xs_txn_op_type */
    int owner;                  /* for created nodes, -1 = inherit */
    uint32_t len;
    char *path;
    char *data;                 /* value, or perms in wire form */
};

struct xs_txn_rec {
    char *path;
    uint64_t seen;              /* 0: the node did not exist */
    bool subtree;               /* compare tgen instead of gen */
};

/* One client's open transactions; ids are per set. */
struct xs_txn_set {
    struct xs_store *store;
    struct xs_txn *head;
    uint32_t n;
    uint32_t next_id;
};

struct xs_txn {
    struct xs_txn *next;
    struct xs_txn_set *set;
    uint16_t domid;             /* who started it; fixed while it is open */
    bool privileged;
    uint32_t id;
    bool copied;
    uint64_t lgen;              /* gen counter of the copy */
    struct xs_tree copy;
    struct xs_txn_rec *recs;
    uint32_t nrecs, caprecs;
    struct xs_txn_op *ops, *ops_tail;
    uint32_t nops;
    size_t op_bytes;
    uint32_t created;           /* nodes created, for the node quota */
};

void xs_txn_set_init(struct xs_txn_set *set, struct xs_store *s);
/* Opens a transaction for who in set (limits and quota checked). */
int xs_txn_start(struct xs_txn_set *set, const struct xs_caller *who,
                 uint32_t *id);
struct xs_txn *xs_txn_find(const struct xs_txn_set *set, uint32_t id);
/* The tree a transaction works on; for_write makes the private copy. */
struct xs_tree *xs_txn_tree(struct xs_txn *tx, bool for_write);
/* Records the state of path (n NULL: absent). 0 or -ENOSPC/-ENOMEM. */
int xs_txn_note(struct xs_txn *tx, const char *path, const struct xs_node *n,
                bool subtree);
int xs_txn_log(struct xs_txn *tx, int type, const char *path, int owner,
               const void *data, size_t len);
/*
 * A change applied to the live tree by a commit: path, the node's ACL
 * (for a removal, the removed node's) and whether it was a removal.
 */
typedef void xs_txn_changed_fn(void *ctx, const char *path,
                               const struct xs_perms *perms, bool removal);
/*
 * Commits (commit=true) or aborts, and frees tx. A commit calls
 * changed(ctx, ...) once per change, in log order, as it applies it.
 * 0 or -EAGAIN/-ENOMEM.
 */
int xs_txn_end(struct xs_txn *tx, bool commit, xs_txn_changed_fn *changed,
               void *ctx);
void xs_txn_abort_all(struct xs_txn_set *set);

#endif
