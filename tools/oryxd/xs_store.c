/* Store lifetime, domain records and quota defaults (see xs_store.h). */
#include "xs_store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

    xs_tree_destroy(&s->tree);
    while (s->domains) {
        struct xs_domain *d = s->domains;

        s->domains = d->next;
        free(d);
    }
    for (i = 0; i < 2; i++)
        xs_perms_free(&s->special_perms[i]);
}
