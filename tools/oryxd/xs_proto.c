/* Sessions and request handlers (see xs_proto.h and docs/oryxd.md). */
#include <errno.h>     /* first: xs_wire.h builds xsd_errors[] only with it */

#include "xs_proto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_path.h"
#include "xs_store.h"
#include "xs_tree.h"
#include "xs_txn.h"
#include "xs_watch.h"

#define MAX_ARGS 8

/* Sessions: the clients as the protocol sees them. */

const char *xs_errno_name(int err)
{
    size_t i;

    if (err < 0)
        err = -err;
    for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
        if (xsd_errors[i].errnum == err)
            return xsd_errors[i].errstring;
    return "EINVAL";
}

static void send_msg(struct xs_session *se, uint32_t type, uint32_t req_id,
                     uint32_t tx_id, const void *a, size_t alen,
                     const void *b, size_t blen)
{
    se->ops->send(se->io, type, req_id, tx_id, a, alen, b, blen);
}

/* ERROR reply with the errno name for err (positive or negative). */
static void send_error(struct xs_session *se, const struct xsd_sockmsg *req,
                       int err)
{
    const char *name = xs_errno_name(err);

    send_msg(se, XS_ERROR, req->req_id, req->tx_id, name, strlen(name) + 1,
             NULL, 0);
}

/* A watch event for se (the owner of the watch set that matched). */
static void deliver_event(void *owner, const char *path, const char *token)
{
    send_msg(owner, XS_WATCH_EVENT, 0, 0, path, strlen(path) + 1,
             token, strlen(token) + 1);
}

void xs_proto_init(struct xs_proto *p, struct xs_store *s)
{
    *p = (struct xs_proto){ .store = s };
}

struct xs_session *xs_session_new(struct xs_proto *p,
                                  const struct xs_session_ops *ops, void *io,
                                  uint16_t domid)
{
    struct xs_store *s = p->store;
    struct xs_session *se;

    if (s->limits.conns && p->nsessions >= s->limits.conns)
        return NULL;
    se = calloc(1, sizeof(*se));
    if (!se)
        return NULL;
    se->proto = p;
    se->ops = ops;
    se->io = io;
    se->domid = domid;
    xs_watch_set_init(&se->watches, s, deliver_event, se);
    xs_txn_set_init(&se->txns, s);
    se->next = p->sessions;
    if (p->sessions)
        p->sessions->prev = se;
    p->sessions = se;
    p->nsessions++;
    return se;
}

int xs_session_keep(struct xs_session *se)
{
    struct xs_caller who = xs_store_caller(se->proto->store, se->domid);
    int rc = xs_watch_restore(&se->watches, &who);

    xs_store_sync(se->proto->store);
    return rc;
}

void xs_session_free(struct xs_session *se)
{
    struct xs_proto *p = se->proto;
    struct xs_caller who = xs_store_caller(p->store, se->domid);

    xs_txn_abort_all(&se->txns);
    xs_watch_remove_all(&se->watches, &who);
    if (se->prev)
        se->prev->next = se->next;
    else
        p->sessions = se->next;
    if (se->next)
        se->next->prev = se->prev;
    p->nsessions--;
    free(se);
}

/* Requests. */

/* One request being handled. */
struct req {
    struct xs_session *se;
    struct xs_proto *p;
    struct xs_store *s;
    struct xs_caller who;               /* se's domain, as of this request */
    const struct xsd_sockmsg *h;
    const char *payload;
    uint32_t len;
    struct xs_txn *tx;                  /* NULL outside a transaction */
};

/*
 * Splits the payload into NUL-terminated strings. Returns how many, or
 * -1 if the last one lacks its NUL or there are more than max.
 */
static int split_args(const struct req *r, const char **argv, int max)
{
    uint32_t off = 0;
    int n = 0;

    if (r->len == 0 || r->payload[r->len - 1] != '\0')
        return -1;
    while (off < r->len) {
        if (n == max)
            return -1;
        argv[n++] = r->payload + off;
        off += (uint32_t)strlen(r->payload + off) + 1;
    }
    return n;
}

static void reply(struct req *r, const void *data, size_t len)
{
    send_msg(r->se, r->h->type, r->h->req_id, r->h->tx_id, data, len,
             NULL, 0);
}

static void reply_ok(struct req *r)
{
    reply(r, "OK", 3);
}

static bool privileged(const struct req *r)
{
    return r->who.privileged;
}

static bool allowed(const struct req *r, const struct xs_perms *p,
                    unsigned int want)
{
    if (privileged(r))
        return true;
    return (xs_perms_access(p, r->who.domid, r->who.target) & want) == want;
}

static struct xs_tree *tree_for(struct req *r, bool write)
{
    return r->tx ? xs_txn_tree(r->tx, write) : &r->s->tree;
}

static int note(struct req *r, const char *path, const struct xs_node *n,
                bool subtree)
{
    return r->tx ? xs_txn_note(r->tx, path, n, subtree) : 0;
}

/* Reports a change to every session's watches, newest session first. */
static void fire(struct xs_proto *p, const char *path,
                 const struct xs_perms *perms, bool removal)
{
    struct xs_session *se;

    for (se = p->sessions; se; se = se->next) {
        struct xs_caller who;

        if (!se->watches.head)
            continue;
        who = xs_store_caller(p->store, se->domid);
        xs_watch_fire(&se->watches, &who, path, perms, removal);
    }
}

static void fire_special(struct xs_proto *p, const char *name)
{
    struct xs_session *se;

    for (se = p->sessions; se; se = se->next) {
        struct xs_caller who;

        if (!se->watches.head)
            continue;
        who = xs_store_caller(p->store, se->domid);
        xs_watch_fire_special(&se->watches, &who, name);
    }
}

void xs_proto_fire_special(struct xs_proto *p, const char *name)
{
    fire_special(p, name);
}

/* Parses a decimal domid 0..65535. */
static int parse_domid(const char *s, uint16_t *out)
{
    unsigned long v = 0;

    if (!*s)
        return -EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -EINVAL;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > 65535)
            return -EINVAL;
    }
    *out = (uint16_t)v;
    return 0;
}

/* Looks up a node the caller wants to read. */
static int read_node(struct req *r, const char *arg, char *abs,
                     struct xs_node **out)
{
    bool rel;
    struct xs_tree *t;
    struct xs_node *n;
    int rc = xs_path_canon(r->who.domid, arg, false, abs, &rel);

    if (rc)
        return rc;
    t = tree_for(r, false);
    n = xs_tree_lookup(t, abs);
    rc = note(r, abs, n, false);
    if (rc)
        return rc;
    if (!n)
        return -ENOENT;
    if (!allowed(r, &n->perms, XS_PERM_READ))
        return -EACCES;
    *out = n;
    return 0;
}

static int do_read(struct req *r)
{
    const char *argv[1];
    char abs[XS_PATH_BUF];
    struct xs_node *n;
    int rc;

    if (split_args(r, argv, 1) != 1)
        return -EINVAL;
    rc = read_node(r, argv[0], abs, &n);
    if (rc)
        return rc;
    reply(r, n->value, n->vlen);
    return 0;
}

static int do_directory(struct req *r)
{
    const char *argv[1];
    char abs[XS_PATH_BUF], buf[XENSTORE_PAYLOAD_MAX];
    struct xs_node *n;
    size_t off = 0;
    uint32_t i;
    int rc;

    if (split_args(r, argv, 1) != 1)
        return -EINVAL;
    rc = read_node(r, argv[0], abs, &n);
    if (rc)
        return rc;
    for (i = 0; i < n->nkids; i++) {
        size_t l = strlen(n->kids[i]->name) + 1;

        if (off + l > sizeof(buf))
            return -E2BIG;              /* the client falls back to _PART */
        memcpy(buf + off, n->kids[i]->name, l);
        off += l;
    }
    reply(r, buf, off);
    return 0;
}

static int do_directory_part(struct req *r)
{
    const char *argv[2];
    char abs[XS_PATH_BUF], buf[XENSTORE_PAYLOAD_MAX];
    struct xs_node *n;
    unsigned long want;
    size_t off, pos = 0;
    uint32_t i;
    char *end;
    int rc;

    if (split_args(r, argv, 2) != 2)
        return -EINVAL;
    want = strtoul(argv[1], &end, 10);
    if (*end || !*argv[1])
        return -EINVAL;
    rc = read_node(r, argv[0], abs, &n);
    if (rc)
        return rc;
    off = (size_t)snprintf(buf, sizeof(buf), "%llu",
                           (unsigned long long)(n->gen & ~XS_TXN_LOCAL_GEN)) + 1;
    /* Whole names from byte offset `want` of the child list; an extra
     * empty string marks the end of the list. */
    for (i = 0; i < n->nkids; i++) {
        size_t l = strlen(n->kids[i]->name) + 1;

        if (pos >= want) {
            if (off + l + 1 > sizeof(buf))
                break;
            memcpy(buf + off, n->kids[i]->name, l);
            off += l;
        }
        pos += l;
    }
    if (i == n->nkids)
        buf[off++] = '\0';
    reply(r, buf, off);
    return 0;
}

static int do_get_perms(struct req *r)
{
    const char *argv[1];
    char abs[XS_PATH_BUF], buf[XENSTORE_PAYLOAD_MAX];
    const struct xs_perms *p;
    struct xs_node *n;
    bool rel;
    int rc;

    if (split_args(r, argv, 1) != 1)
        return -EINVAL;
    if (argv[0][0] == '@') {
        rc = xs_path_canon(r->who.domid, argv[0], true, abs, &rel);
        if (rc)
            return rc;
        p = &r->s->special_perms[strcmp(abs, XS_SPECIAL_INTRODUCE) == 0 ?
                                 XS_SPECIAL_INTRO : XS_SPECIAL_REL];
        if (!allowed(r, p, XS_PERM_READ))
            return -EACCES;
    } else {
        rc = read_node(r, argv[0], abs, &n);
        if (rc)
            return rc;
        p = &n->perms;
    }
    rc = xs_perms_format(p, buf, sizeof(buf));
    if (rc < 0)
        return rc;
    reply(r, buf, (size_t)rc);
    return 0;
}

/*
 * Finds or creates the node for a WRITE or MKDIR, with the permission
 * and quota checks. *created tells whether anything new appeared.
 */
static int make_node(struct req *r, const char *abs, struct xs_tree *t,
                     struct xs_node **out, int *owner)
{
    struct xs_domain *d = NULL;
    unsigned int missing;
    struct xs_node *base = xs_tree_nearest(t, abs, &missing);
    int rc;

    *owner = privileged(r) ? -1 : (int)r->who.domid;
    rc = note(r, abs, missing ? NULL : base, false);
    if (rc)
        return rc;
    if (!allowed(r, &base->perms, XS_PERM_WRITE))
        return -EACCES;
    if (!missing) {
        *out = base;
        return 0;
    }
    if (r->tx) {
        char bpath[XS_PATH_BUF];

        xs_tree_path(base, bpath, sizeof(bpath));
        rc = xs_txn_note(r->tx, bpath, base, false);
        if (rc)
            return rc;
    }
    if (!privileged(r)) {
        d = xs_domain_get(r->s, r->who.domid);
        if (!d)
            return -ENOMEM;
        if (r->s->quota.nodes &&
            d->nodes + missing + (r->tx ? r->tx->created : 0) > r->s->quota.nodes)
            return -ENOSPC;
    }
    *out = xs_tree_create(t, abs, *owner);
    if (!*out)
        return -ENOMEM;
    if (r->tx)
        r->tx->created += missing;
    return 1;
}

static int do_write(struct req *r)
{
    const char *path = r->payload;
    size_t plen = strnlen(r->payload, r->len);
    const char *val;
    size_t vlen;
    char abs[XS_PATH_BUF];
    struct xs_tree *t;
    struct xs_node *n;
    bool rel;
    int rc, owner;

    if (plen == r->len)
        return -EINVAL;                 /* no NUL after the path */
    val = path + plen + 1;
    vlen = r->len - plen - 1;
    rc = xs_path_canon(r->who.domid, path, false, abs, &rel);
    if (rc)
        return rc;
    if (!privileged(r) && r->s->quota.node_size && vlen > r->s->quota.node_size)
        return -ENOSPC;
    t = tree_for(r, true);
    if (!t)
        return -ENOMEM;
    rc = make_node(r, abs, t, &n, &owner);
    if (rc < 0)
        return rc;
    if (r->tx) {
        rc = xs_txn_log(r->tx, XS_TOP_WRITE, abs, owner, val, vlen);
        if (rc)
            return rc;
    }
    rc = xs_tree_set_value(t, n, val, vlen);
    if (rc)
        return rc;
    if (!r->tx)
        fire(r->p, abs, &n->perms, false);
    reply_ok(r);
    return 0;
}

static int do_mkdir(struct req *r)
{
    const char *argv[1];
    char abs[XS_PATH_BUF];
    struct xs_tree *t;
    struct xs_node *n;
    bool rel;
    int rc, owner;

    if (split_args(r, argv, 1) != 1)
        return -EINVAL;
    rc = xs_path_canon(r->who.domid, argv[0], false, abs, &rel);
    if (rc)
        return rc;
    t = tree_for(r, true);
    if (!t)
        return -ENOMEM;
    rc = make_node(r, abs, t, &n, &owner);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        if (r->tx) {
            rc = xs_txn_log(r->tx, XS_TOP_MKDIR, abs, owner, NULL, 0);
            if (rc)
                return rc;
        } else {
            fire(r->p, abs, &n->perms, false);
        }
    }
    reply_ok(r);
    return 0;
}

static int do_rm(struct req *r)
{
    const char *argv[1];
    char abs[XS_PATH_BUF], ppath[XS_PATH_BUF];
    struct xs_tree *t;
    struct xs_node *n;
    unsigned int missing;
    bool rel;
    int rc;

    if (split_args(r, argv, 1) != 1)
        return -EINVAL;
    rc = xs_path_canon(r->who.domid, argv[0], false, abs, &rel);
    if (rc)
        return rc;
    if (strcmp(abs, "/") == 0)
        return -EINVAL;
    t = tree_for(r, true);
    if (!t)
        return -ENOMEM;
    n = xs_tree_nearest(t, abs, &missing);
    if (missing) {
        rc = note(r, abs, NULL, false);
        if (rc)
            return rc;
        if (missing > 1)
            return -ENOENT;             /* not even the parent exists */
        if (!allowed(r, &n->perms, XS_PERM_READ))
            return -EACCES;
        reply_ok(r);
        return 0;
    }
    rc = note(r, abs, n, true);
    if (!rc) {
        xs_tree_path(n->parent, ppath, sizeof(ppath));
        rc = note(r, ppath, n->parent, false);
    }
    if (rc)
        return rc;
    if (!allowed(r, &n->perms, XS_PERM_WRITE))
        return -EACCES;
    if (r->tx) {
        rc = xs_txn_log(r->tx, XS_TOP_RM, abs, -1, NULL, 0);
        if (rc)
            return rc;
    } else {
        fire(r->p, abs, &n->perms, true);
    }
    xs_tree_remove(t, n);
    reply_ok(r);
    return 0;
}

static int do_set_perms(struct req *r)
{
    size_t plen = strnlen(r->payload, r->len);
    char abs[XS_PATH_BUF];
    struct xs_perms np, *special = NULL;
    const struct xs_perms *cur;
    struct xs_tree *t = NULL;
    struct xs_node *n = NULL;
    const char *pstr;
    size_t pslen;
    bool rel;
    int rc;

    if (plen == r->len)
        return -EINVAL;
    pstr = r->payload + plen + 1;
    pslen = r->len - plen - 1;
    rc = xs_path_canon(r->who.domid, r->payload, true, abs, &rel);
    if (rc)
        return rc;
    rc = xs_perms_parse(pstr, pslen, &np);
    if (rc)
        return rc;
    rc = -ENOSPC;
    if (!privileged(r) && r->s->quota.perms && np.n - 1 > r->s->quota.perms)
        goto out;
    if (abs[0] == '@') {
        special = &r->s->special_perms[strcmp(abs, XS_SPECIAL_INTRODUCE) == 0 ?
                                       XS_SPECIAL_INTRO : XS_SPECIAL_REL];
        cur = special;
    } else {
        rc = -ENOMEM;
        t = tree_for(r, true);
        if (!t)
            goto out;
        n = xs_tree_lookup(t, abs);
        rc = note(r, abs, n, false);
        if (rc)
            goto out;
        rc = -ENOENT;
        if (!n)
            goto out;
        cur = &n->perms;
    }
    /* Only the owner may change an ACL; only dom0 may give a node away. */
    rc = -EACCES;
    if (!privileged(r)) {
        int target = r->who.target;
        uint16_t owner = cur->p[0].domid;

        if (owner != r->who.domid && (target < 0 || owner != target))
            goto out;
        rc = -EPERM;
        if (np.p[0].domid != owner)
            goto out;
    }
    if (special) {
        xs_perms_free(special);
        *special = np;
        np.p = NULL;
        np.n = 0;
        rc = 0;
        goto ok;
    }
    if (r->tx) {
        rc = xs_txn_log(r->tx, XS_TOP_PERMS, abs, -1, pstr, pslen);
        if (rc)
            goto out;
    }
    rc = xs_tree_set_perms(t, n, &np);
    if (rc)
        goto out;
    if (!r->tx)
        fire(r->p, abs, &n->perms, false);
ok:
    reply_ok(r);
out:
    xs_perms_free(&np);
    return rc;
}

static int do_watch(struct req *r)
{
    const char *argv[3];
    char abs[XS_PATH_BUF];
    bool rel;
    int n = split_args(r, argv, 3), rc;

    if (n < 2)
        return -EINVAL;
    rc = xs_path_canon(r->who.domid, argv[0], true, abs, &rel);
    if (rc)
        return rc;
    rc = xs_watch_add(&r->se->watches, &r->who, abs, rel, argv[1]);
    if (rc)
        return rc;
    reply_ok(r);
    /* Fires once right away, with the path as the client gave it. */
    deliver_event(r->se, argv[0], argv[1]);
    return 0;
}

static int do_unwatch(struct req *r)
{
    const char *argv[3];
    char abs[XS_PATH_BUF];
    bool rel;
    int n = split_args(r, argv, 3), rc;

    if (n < 2)
        return -EINVAL;
    rc = xs_path_canon(r->who.domid, argv[0], true, abs, &rel);
    if (rc)
        return rc;
    rc = xs_watch_remove(&r->se->watches, &r->who, abs, argv[1]);
    if (rc)
        return rc;
    reply_ok(r);
    return 0;
}

static int do_transaction_start(struct req *r)
{
    char buf[16];
    uint32_t id;
    int rc;

    if (r->h->tx_id)
        return -EBUSY;                  /* no nesting */
    rc = xs_txn_start(&r->se->txns, &r->who, &id);
    if (rc)
        return rc;
    snprintf(buf, sizeof(buf), "%u", id);
    reply(r, buf, strlen(buf) + 1);
    return 0;
}

/* A change committed by a transaction: fire the watches on it. */
static void txn_changed(void *ctx, const char *path,
                        const struct xs_perms *perms, bool removal)
{
    struct req *r = ctx;

    fire(r->p, path, perms, removal);
}

static int do_transaction_end(struct req *r)
{
    const char *argv[1];
    bool commit;
    int rc;

    if (split_args(r, argv, 1) != 1)
        return -EINVAL;
    if (strcmp(argv[0], "T") == 0)
        commit = true;
    else if (strcmp(argv[0], "F") == 0)
        commit = false;
    else
        return -EINVAL;
    if (!r->tx)
        return -ENOENT;
    rc = xs_txn_end(r->tx, commit, txn_changed, r);
    r->tx = NULL;
    if (rc)
        return rc;
    reply_ok(r);
    return 0;
}

static int domid_arg(struct req *r, uint16_t *domid, int nargs,
                     const char **argv)
{
    int n = split_args(r, argv, MAX_ARGS);

    if (n < nargs)
        return -EINVAL;
    return parse_domid(argv[0], domid);
}

static int do_get_domain_path(struct req *r)
{
    const char *argv[MAX_ARGS];
    char buf[32];
    uint16_t domid;
    int rc = domid_arg(r, &domid, 1, argv);

    if (rc)
        return rc;
    xs_path_domain_home(domid, buf, sizeof(buf));
    reply(r, buf, strlen(buf) + 1);
    return 0;
}

static int do_introduce(struct req *r)
{
    const char *argv[MAX_ARGS];
    struct xs_domain *d;
    unsigned long long gfn;
    unsigned long port;
    uint16_t domid;
    char *end;
    int rc;

    if (!privileged(r))
        return -EACCES;
    rc = domid_arg(r, &domid, 3, argv);
    if (rc)
        return rc;
    if (domid == 0 || domid >= 0x7ff0)
        return -EINVAL;                 /* real domains only */
    errno = 0;
    gfn = strtoull(argv[1], &end, 10);
    if (errno || end == argv[1] || *end)
        return -EINVAL;
    port = strtoul(argv[2], &end, 10);
    if (errno || end == argv[2] || *end || port == 0 || port > 0xfffff)
        return -EINVAL;
    d = xs_domain_get(r->s, domid);
    if (!d)
        return -ENOMEM;
    if (d->introduced) {
        /* Xen's xenstored answers a repeated introduction with success
         * when it names the same ring. */
        if (d->gfn != gfn || d->evtchn != port)
            return -EEXIST;
        reply_ok(r);
        return 0;
    }
    if (r->p->dom_ops) {
        rc = r->p->dom_ops->introduce(r->p->dom_ctx, domid, gfn, (uint32_t)port);
        if (rc)
            return rc;
    }
    d->gfn = gfn;
    d->evtchn = (uint32_t)port;
    d->introduced = true;
    xs_store_domain_changed(r->s, d);
    fire_special(r->p, XS_SPECIAL_INTRODUCE);
    reply_ok(r);
    return 0;
}

static int do_release(struct req *r)
{
    const char *argv[MAX_ARGS];
    struct xs_domain *d;
    struct xs_session *se;
    uint16_t domid;
    int rc;

    if (!privileged(r))
        return -EACCES;
    rc = domid_arg(r, &domid, 1, argv);
    if (rc)
        return rc;
    if (domid == 0)
        return -EINVAL;
    d = xs_domain_find(r->s, domid);
    if (!d || !d->introduced)
        return -ENOENT;
    d->introduced = false;
    d->target = -1;
    xs_store_domain_changed(r->s, d);
    /* The domain's own clients end with it. */
    for (se = r->p->sessions; se; se = se->next)
        if (se->domid == domid && se != r->se)
            se->ops->close(se->io);
    if (r->p->dom_ops)
        r->p->dom_ops->release(r->p->dom_ctx, domid);
    fire_special(r->p, XS_SPECIAL_RELEASE);
    reply_ok(r);
    return 0;
}

static int do_is_domain_introduced(struct req *r)
{
    const char *argv[MAX_ARGS];
    const struct xs_domain *d;
    uint16_t domid;
    int rc = domid_arg(r, &domid, 1, argv);

    if (rc)
        return rc;
    d = xs_domain_find(r->s, domid);
    reply(r, d && d->introduced ? "T" : "F", 2);
    return 0;
}

static int do_resume(struct req *r)
{
    const char *argv[MAX_ARGS];
    const struct xs_domain *d;
    uint16_t domid;
    int rc;

    if (!privileged(r))
        return -EACCES;
    rc = domid_arg(r, &domid, 1, argv);
    if (rc)
        return rc;
    d = xs_domain_find(r->s, domid);
    if (!d || !d->introduced)
        return -ENOENT;
    reply_ok(r);
    return 0;
}

static int do_set_target(struct req *r)
{
    const char *argv[MAX_ARGS];
    struct xs_domain *d;
    uint16_t domid, target;
    int rc;

    if (!privileged(r))
        return -EACCES;
    rc = domid_arg(r, &domid, 2, argv);
    if (rc)
        return rc;
    rc = parse_domid(argv[1], &target);
    if (rc)
        return rc;
    d = xs_domain_get(r->s, domid);
    if (!d)
        return -ENOMEM;
    d->target = target;
    xs_store_domain_changed(r->s, d);
    reply_ok(r);
    return 0;
}

static int do_reset_watches(struct req *r)
{
    xs_watch_remove_all(&r->se->watches, &r->who);
    xs_txn_abort_all(&r->se->txns);
    r->tx = NULL;
    reply_ok(r);
    return 0;
}

static int do_control(struct req *r)
{
    const char *argv[MAX_ARGS];
    const struct xs_quota *q = &r->s->quota;
    char buf[512];
    int n;

    if (!privileged(r))
        return -EACCES;
    n = split_args(r, argv, MAX_ARGS);
    if (n < 1)
        return -EINVAL;
    if (strcmp(argv[0], "check") == 0) {
        reply_ok(r);
        return 0;
    }
    if (strcmp(argv[0], "print") == 0 && n == 2) {
        fprintf(stderr, "oryxd: %s\n", argv[1]);
        reply_ok(r);
        return 0;
    }
    if (strcmp(argv[0], "quota") == 0 && n == 1) {
        snprintf(buf, sizeof(buf),
                 "nodes %u\nnode-size %u\nwatches %u\ntransactions %u\n"
                 "node-permissions %u\ntransaction-nodes %u\noutstanding %u\n",
                 q->nodes, q->node_size, q->watches, q->transactions,
                 q->perms, q->tx_nodes, q->outstanding);
        reply(r, buf, strlen(buf) + 1);
        return 0;
    }
    if (strcmp(argv[0], "become") == 0 && n == 2 && r->s->test_hooks) {
        uint16_t domid;

        /* Test hook: this socket now speaks as an unprivileged domain. */
        if (parse_domid(argv[1], &domid))
            return -EINVAL;
        if (r->se->watches.n || r->se->txns.n)
            return -EBUSY;
        r->se->domid = domid;
        reply_ok(r);
        return 0;
    }
    return -EINVAL;
}

/* Types that act inside the transaction named by tx_id. */
static bool uses_tx(uint32_t type)
{
    switch (type) {
    case XS_READ: case XS_WRITE: case XS_MKDIR: case XS_RM:
    case XS_DIRECTORY: case XS_DIRECTORY_PART:
    case XS_GET_PERMS: case XS_SET_PERMS: case XS_TRANSACTION_END:
        return true;
    default:
        return false;
    }
}

void xs_proto_handle(struct xs_session *se, const struct xsd_sockmsg *h,
                     const char *payload)
{
    struct xs_store *s = se->proto->store;
    struct req r = {
        .se = se, .p = se->proto, .s = s, .who = xs_store_caller(s, se->domid),
        .h = h, .payload = payload, .len = h->len,
    };
    int rc;

    if (h->tx_id && uses_tx(h->type)) {
        r.tx = xs_txn_find(&se->txns, h->tx_id);
        if (!r.tx) {
            send_error(se, h, ENOENT);
            return;
        }
    }
    switch (h->type) {
    case XS_CONTROL:              rc = do_control(&r); break;
    case XS_DIRECTORY:            rc = do_directory(&r); break;
    case XS_READ:                 rc = do_read(&r); break;
    case XS_GET_PERMS:            rc = do_get_perms(&r); break;
    case XS_WATCH:                rc = do_watch(&r); break;
    case XS_UNWATCH:              rc = do_unwatch(&r); break;
    case XS_TRANSACTION_START:    rc = do_transaction_start(&r); break;
    case XS_TRANSACTION_END:      rc = do_transaction_end(&r); break;
    case XS_INTRODUCE:            rc = do_introduce(&r); break;
    case XS_RELEASE:              rc = do_release(&r); break;
    case XS_GET_DOMAIN_PATH:      rc = do_get_domain_path(&r); break;
    case XS_WRITE:                rc = do_write(&r); break;
    case XS_MKDIR:                rc = do_mkdir(&r); break;
    case XS_RM:                   rc = do_rm(&r); break;
    case XS_SET_PERMS:            rc = do_set_perms(&r); break;
    case XS_IS_DOMAIN_INTRODUCED: rc = do_is_domain_introduced(&r); break;
    case XS_RESUME:               rc = do_resume(&r); break;
    case XS_SET_TARGET:           rc = do_set_target(&r); break;
    case XS_RESET_WATCHES:        rc = do_reset_watches(&r); break;
    case XS_DIRECTORY_PART:       rc = do_directory_part(&r); break;
    case XS_WATCH_EVENT:
    case XS_ERROR:
        rc = -EINVAL;                   /* server-to-client only */
        break;
    default:
        rc = -ENOSYS;                   /* includes features and quotas */
        break;
    }
    if (rc)
        send_error(se, h, rc);
    xs_store_sync(s);                   /* kept before the reply goes out */
}
