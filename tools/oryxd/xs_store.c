/* Store lifetime, domain records and quota defaults (see xs_store.h). */
#include "xs_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_db.h"

struct xs_domain *xs_domain_find(const struct xs_store *s, uint16_t domid)
{
    struct xs_domain *d;

    for (d = s->domains; d; d = d->next)
        if (d->domid == domid)
            return d;
    return NULL;
}

struct xs_domain *xs_domain_get(struct xs_store *s, uint16_t domid)
{
    struct xs_domain *d = xs_domain_find(s, domid);

    if (d)
        return d;
    d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->domid = domid;
    d->target = -1;
    d->introduced = domid == 0;
    d->next = s->domains;
    s->domains = d;
    return d;
}

struct xs_caller xs_store_caller(const struct xs_store *s, uint16_t domid)
{
    const struct xs_domain *d = xs_domain_find(s, domid);

    return (struct xs_caller){
        .domid = domid, .privileged = domid == 0, .target = d ? d->target : -1,
    };
}

/* Node ownership charges, called by the main tree only. */
static void store_charge(void *ctx, uint16_t owner, int delta)
{
    struct xs_domain *d = xs_domain_get(ctx, owner);

    if (d)
        d->nodes = (uint32_t)((int64_t)d->nodes + delta);
}

int xs_store_init(struct xs_store *s)
{
    int i, rc;

    memset(s, 0, sizeof(*s));
    s->quota = (struct xs_quota){
        .nodes = 1000, .node_size = 2048, .watches = 128,
        .transactions = 10, .perms = 5, .tx_nodes = 1024,
        .outstanding = 20,
    };
    s->limits = (struct xs_limits){
        .conn_watches = 8192, .conn_transactions = 64,
        .conn_out_bytes = 4u << 20, .conns = 1024,
    };
    rc = xs_tree_init(&s->tree, &s->gen);
    if (rc)
        return rc;
    s->tree.charge = store_charge;
    s->tree.charge_ctx = s;
    if (!xs_domain_get(s, 0))
        goto nomem;
    for (i = 0; i < 2; i++) {
        s->special_perms[i].p = calloc(1, sizeof(struct xs_perm));
        if (!s->special_perms[i].p)
            goto nomem;
        s->special_perms[i].n = 1;
    }
    return 0;
nomem:
    xs_store_fini(s);
    return -ENOMEM;
}

void xs_store_fini(struct xs_store *s)
{
    int i;

    xs_store_close_db(s);

    xs_tree_destroy(&s->tree);
    while (s->domains) {
        struct xs_domain *d = s->domains;

        s->domains = d->next;
        free(d);
    }
    for (i = 0; i < 2; i++)
        xs_perms_free(&s->special_perms[i]);
}

/* ---- the database ---- */

static void save_node(struct xs_store *s, struct xs_node *n)
{
    if (!n->id)
        n->id = s->next_node_id++;
    xs_db_node_put(s->db, &(struct xs_db_node){
        .id = n->id, .parent = n->parent ? n->parent->id : 0,
        .name = n->name, .name_len = (uint32_t)strlen(n->name),
        .perms = n->perms, .value = n->value, .vlen = n->vlen,
    });
}

static void drop_subtree(struct xs_store *s, const struct xs_node *n)
{
    uint32_t i;

    for (i = 0; i < n->nkids; i++)
        drop_subtree(s, n->kids[i]);
    if (n->id)
        xs_db_node_del(s->db, n->id);
}

static void store_journal(void *ctx, struct xs_node *n, enum xs_tree_event ev)
{
    struct xs_store *s = ctx;

    if (!s->db)
        return;
    if (ev == XS_TREE_GONE)
        drop_subtree(s, n);
    else
        save_node(s, n);
}

static void save_tree(struct xs_store *s, struct xs_node *n)
{
    uint32_t i;

    save_node(s, n);
    for (i = 0; i < n->nkids; i++)
        save_tree(s, n->kids[i]);
}

/* Loading: nodes come parent first; ids map to the nodes made so far. */
struct load {
    struct xs_store *s;
    struct { uint64_t id; struct xs_node *n; } *map;
    size_t used, cap;
    char path[8192];
};

static struct xs_node *load_find(const struct load *l, uint64_t id)
{
    size_t lo = 0, hi = l->used;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (l->map[mid].id == id)
            return l->map[mid].n;
        if (l->map[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int load_node(void *ctx, const struct xs_db_node *r)
{
    struct load *l = ctx;
    struct xs_tree *t = &l->s->tree;
    struct xs_node *parent, *n;
    size_t plen;

    if (l->used && r->id <= l->map[l->used - 1].id)
        return -EINVAL;
    if (r->parent == 0) {
        if (l->used || r->name_len)
            return -EINVAL;             /* the root, first and nameless */
        n = t->root;
    } else {
        parent = load_find(l, r->parent);
        if (!parent || r->name_len == 0 || memchr(r->name, '/', r->name_len) ||
            memchr(r->name, '\0', r->name_len))
            return -EINVAL;
        xs_tree_path(parent, l->path, sizeof(l->path));
        plen = strlen(l->path);
        if (plen + 1 + r->name_len + 1 > sizeof(l->path))
            return -EINVAL;
        if (plen > 1)
            l->path[plen++] = '/';
        memcpy(l->path + plen, r->name, r->name_len);
        l->path[plen + r->name_len] = '\0';
        if (xs_tree_lookup(t, l->path))
            return -EINVAL;             /* twice */
        n = xs_tree_create(t, l->path, -1);
        if (!n)
            return -ENOMEM;
    }
    if (xs_tree_set_perms(t, n, &r->perms) || xs_tree_set_value(t, n, r->value, r->vlen))
        return -ENOMEM;
    n->id = r->id;
    if (l->used == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        void *m = realloc(l->map, cap * sizeof(*l->map));

        if (!m)
            return -ENOMEM;
        l->map = m;
        l->cap = cap;
    }
    l->map[l->used].id = r->id;
    l->map[l->used].n = n;
    l->used++;
    return 0;
}

static int load_domain(void *ctx, const struct xs_db_domain *r)
{
    struct xs_domain *d = xs_domain_get(ctx, r->domid);

    if (!d)
        return -ENOMEM;
    d->target = r->target;
    d->introduced = r->introduced;
    d->gfn = r->gfn;
    d->evtchn = r->evtchn;
    return 0;
}

static int load_watch_id(void *ctx, const struct xs_db_watch *w)
{
    struct xs_store *s = ctx;

    if (w->id >= s->next_watch_id)
        s->next_watch_id = w->id + 1;
    return 0;
}

int xs_store_attach_db(struct xs_store *s, struct xs_db *db, bool restored)
{
    struct load *l;
    int rc = 0;

    s->next_node_id = s->next_watch_id = 1;
    if (restored) {
        l = calloc(1, sizeof(*l));
        if (!l)
            return -ENOMEM;
        l->s = s;
        rc = xs_db_each_node(db, load_node, l);
        if (!rc && !l->used)
            rc = -EINVAL;
        if (!rc)
            s->next_node_id = l->map[l->used - 1].id + 1;
        free(l->map);
        free(l);
        if (!rc)
            rc = xs_db_each_domain(db, load_domain, s);
        if (!rc)
            rc = xs_db_each_watch(db, load_watch_id, s);
        if (rc)
            return rc;
    }
    s->db = db;
    s->tree.journal = store_journal;
    s->tree.journal_ctx = s;
    if (!restored) {
        save_tree(s, s->tree.root);
        xs_store_sync(s);
    }
    return 0;
}

void xs_store_close_db(struct xs_store *s)
{
    if (!s->db)
        return;
    xs_db_close(s->db);                 /* commits */
    s->db = NULL;
    s->tree.journal = NULL;
}

void xs_store_sync(struct xs_store *s)
{
    if (s->db)
        xs_db_commit(s->db);
}

void xs_store_domain_changed(struct xs_store *s, const struct xs_domain *d)
{
    if (!s->db || d->domid == 0)
        return;
    if (d->introduced || d->target >= 0)
        xs_db_domain_put(s->db, &(struct xs_db_domain){
            .domid = d->domid, .target = d->target, .introduced = d->introduced,
            .gfn = d->gfn, .evtchn = d->evtchn,
        });
    else
        xs_db_domain_del(s->db, d->domid);
}

uint64_t xs_store_watch_keep(struct xs_store *s, uint16_t domid, const char *path,
                             const char *token, uint32_t strip)
{
    uint64_t id;

    if (!s->db)
        return 0;
    id = s->next_watch_id++;
    if (xs_db_watch_put(s->db, &(struct xs_db_watch){
            .id = id, .domid = domid, .strip = strip, .path = path, .token = token }))
        return 0;
    return id;
}

void xs_store_watch_drop(struct xs_store *s, uint64_t id)
{
    if (s->db && id)
        xs_db_watch_del(s->db, id);
}

struct kept_walk {
    uint16_t domid;
    int (*cb)(void *ctx, uint64_t id, const char *path, const char *token, uint32_t strip);
    void *ctx;
};

static int kept_one(void *ctx, const struct xs_db_watch *w)
{
    struct kept_walk *k = ctx;

    return w->domid == k->domid ? k->cb(k->ctx, w->id, w->path, w->token, w->strip) : 0;
}

int xs_store_each_kept_watch(struct xs_store *s, uint16_t domid,
                             int (*cb)(void *ctx, uint64_t id, const char *path,
                                       const char *token, uint32_t strip),
                             void *ctx)
{
    struct kept_walk k = { domid, cb, ctx };

    return s->db ? xs_db_each_watch(s->db, kept_one, &k) : 0;
}
