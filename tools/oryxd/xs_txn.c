/* Transactions (see xs_txn.h). */
#include "xs_txn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs_store.h"

void xs_txn_set_init(struct xs_txn_set *set, struct xs_store *s)
{
    *set = (struct xs_txn_set){ .store = s, .next_id = 1 };
}

int xs_txn_start(struct xs_txn_set *set, const struct xs_caller *who,
                 uint32_t *id)
{
    struct xs_store *s = set->store;
    struct xs_domain *d = NULL;
    struct xs_txn *tx;

    if (set->n >= s->limits.conn_transactions)
        return -ENOSPC;
    if (!who->privileged) {
        d = xs_domain_get(s, who->domid);
        if (!d)
            return -ENOMEM;
        if (s->quota.transactions && d->transactions >= s->quota.transactions)
            return -ENOSPC;
    }
    tx = calloc(1, sizeof(*tx));
    if (!tx)
        return -ENOMEM;
    /* Ids are per set; skip 0 and ids still open. */
    do {
        tx->id = set->next_id++;
    } while (tx->id == 0 || xs_txn_find(set, tx->id));
    tx->set = set;
    tx->domid = who->domid;
    tx->privileged = who->privileged;
    tx->lgen = XS_TXN_LOCAL_GEN;
    tx->next = set->head;
    set->head = tx;
    set->n++;
    if (d)
        d->transactions++;
    *id = tx->id;
    return 0;
}

struct xs_txn *xs_txn_find(const struct xs_txn_set *set, uint32_t id)
{
    struct xs_txn *tx;

    for (tx = set->head; tx; tx = tx->next)
        if (tx->id == id)
            return tx;
    return NULL;
}

struct xs_tree *xs_txn_tree(struct xs_txn *tx, bool for_write)
{
    struct xs_store *s = tx->set->store;

    if (tx->copied)
        return &tx->copy;
    if (!for_write)
        return &s->tree;
    if (xs_tree_clone(&tx->copy, &s->tree))
        return NULL;
    tx->copy.gen = &tx->lgen;
    tx->copied = true;
    return &tx->copy;
}

int xs_txn_note(struct xs_txn *tx, const char *path, const struct xs_node *n,
                bool subtree)
{
    uint64_t seen = n ? (subtree ? n->tgen : n->gen) : 0;
    struct xs_store *s = tx->set->store;
    uint32_t i, cap;

    if (seen & XS_TXN_LOCAL_GEN)
        return 0;                       /* already changed by this tx */
    for (i = 0; i < tx->nrecs; i++)
        if (tx->recs[i].subtree == subtree && strcmp(tx->recs[i].path, path) == 0)
            return 0;                   /* the first look is what counts */
    cap = XS_TXN_MAX_RECS;
    if (!tx->privileged && s->quota.tx_nodes)
        cap = s->quota.tx_nodes;
    if (tx->nrecs >= cap)
        return -ENOSPC;
    if (tx->nrecs == tx->caprecs) {
        uint32_t ncap = tx->caprecs ? tx->caprecs * 2 : 8;
        struct xs_txn_rec *r = realloc(tx->recs, ncap * sizeof(*r));

        if (!r)
            return -ENOMEM;
        tx->recs = r;
        tx->caprecs = ncap;
    }
    tx->recs[tx->nrecs].path = strdup(path);
    if (!tx->recs[tx->nrecs].path)
        return -ENOMEM;
    tx->recs[tx->nrecs].seen = seen;
    tx->recs[tx->nrecs].subtree = subtree;
    tx->nrecs++;
    return 0;
}

int xs_txn_log(struct xs_txn *tx, int type, const char *path, int owner,
               const void *data, size_t len)
{
    struct xs_txn_op *op;

    if (tx->nops >= XS_TXN_MAX_OPS || tx->op_bytes + len > XS_TXN_MAX_BYTES)
        return -ENOSPC;
    op = calloc(1, sizeof(*op));
    if (!op)
        return -ENOMEM;
    op->type = type;
    op->owner = owner;
    op->len = (uint32_t)len;
    op->path = strdup(path);
    op->data = malloc(len ? len : 1);
    if (!op->path || !op->data) {
        free(op->path);
        free(op->data);
        free(op);
        return -ENOMEM;
    }
    if (len)
        memcpy(op->data, data, len);
    if (tx->ops_tail)
        tx->ops_tail->next = op;
    else
        tx->ops = op;
    tx->ops_tail = op;
    tx->nops++;
    tx->op_bytes += len;
    return 0;
}

static bool txn_conflicts(const struct xs_txn *tx)
{
    const struct xs_tree *live = &tx->set->store->tree;
    uint32_t i;

    for (i = 0; i < tx->nrecs; i++) {
        const struct xs_node *n = xs_tree_lookup(live, tx->recs[i].path);
        uint64_t cur = n ? (tx->recs[i].subtree ? n->tgen : n->gen) : 0;

        if (cur != tx->recs[i].seen)
            return true;
    }
    return false;
}

/*
 * Applies one logged change to the live tree (checks were done in tx)
 * and reports it through changed(), as the same change outside a
 * transaction would be reported.
 */
static int txn_replay(struct xs_store *s, const struct xs_txn_op *op,
                      xs_txn_changed_fn *changed, void *ctx)
{
    struct xs_tree *t = &s->tree;
    struct xs_node *n;
    struct xs_perms perms;
    int rc = 0;

    switch (op->type) {
    case XS_TOP_WRITE:
        n = xs_tree_create(t, op->path, op->owner);
        if (!n)
            return -ENOMEM;
        rc = xs_tree_set_value(t, n, op->data, op->len);
        if (!rc)
            changed(ctx, op->path, &n->perms, false);
        return rc;
    case XS_TOP_MKDIR:
        if (xs_tree_lookup(t, op->path))
            return 0;
        n = xs_tree_create(t, op->path, op->owner);
        if (!n)
            return -ENOMEM;
        changed(ctx, op->path, &n->perms, false);
        return 0;
    case XS_TOP_RM:
        n = xs_tree_lookup(t, op->path);
        if (!n || !n->parent)
            return 0;
        changed(ctx, op->path, &n->perms, true);
        xs_tree_remove(t, n);
        return 0;
    case XS_TOP_PERMS:
        n = xs_tree_lookup(t, op->path);
        if (!n)
            return 0;
        rc = xs_perms_parse(op->data, op->len, &perms);
        if (rc)
            return rc;
        rc = xs_tree_set_perms(t, n, &perms);
        xs_perms_free(&perms);
        if (!rc)
            changed(ctx, op->path, &n->perms, false);
        return rc;
    default:
        return -EINVAL;
    }
}

static void txn_free(struct xs_txn *tx)
{
    struct xs_txn_set *set = tx->set;
    struct xs_txn **pt;
    struct xs_domain *d =
        tx->privileged ? NULL : xs_domain_find(set->store, tx->domid);
    uint32_t i;

    for (pt = &set->head; *pt; pt = &(*pt)->next) {
        if (*pt == tx) {
            *pt = tx->next;
            break;
        }
    }
    set->n--;
    if (d && d->transactions)
        d->transactions--;
    if (tx->copied)
        xs_tree_destroy(&tx->copy);
    for (i = 0; i < tx->nrecs; i++)
        free(tx->recs[i].path);
    free(tx->recs);
    while (tx->ops) {
        struct xs_txn_op *op = tx->ops;

        tx->ops = op->next;
        free(op->path);
        free(op->data);
        free(op);
    }
    free(tx);
}

int xs_txn_end(struct xs_txn *tx, bool commit, xs_txn_changed_fn *changed,
               void *ctx)
{
    struct xs_store *s = tx->set->store;
    const struct xs_txn_op *op;
    int rc = 0;

    if (commit) {
        if (txn_conflicts(tx)) {
            rc = -EAGAIN;
        } else {
            for (op = tx->ops; op && !rc; op = op->next)
                rc = txn_replay(s, op, changed, ctx);
        }
    }
    txn_free(tx);
    return rc;
}

void xs_txn_abort_all(struct xs_txn_set *set)
{
    while (set->head)
        txn_free(set->head);
}
