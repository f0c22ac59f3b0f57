/* The store's persistent state in LMDB (see xs_db.h). */
#include "xs_db.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bumped when a record's layout changes: an old file is then emptied. */
#define XS_DB_FORMAT "1"
#define XS_DB_MAP_SIZE (1ull << 30)     /* address space only; the file grows */

struct xs_db {
    MDB_env *env;
    MDB_txn *txn;                       /* the pending write transaction */
    MDB_dbi meta, nodes, domains, watches;
    int lock_fd;
    bool broken;
    char path[256];
};

/* Record layouts (host order: the file never leaves this machine). */
struct node_rec {
    uint64_t parent;
    uint32_t name_len, nperms, vlen, pad;
    /* then nperms x struct perm_rec, the name, the value */
};

struct perm_rec {
    uint16_t domid;
    uint8_t access, pad;
};

struct domain_rec {
    int32_t target;
    uint32_t evtchn;
    uint64_t gfn;
    uint8_t introduced, pad[7];
};

struct watch_rec {
    uint16_t domid, pad;
    uint32_t strip;
    /* then path NUL token NUL */
};

_Static_assert(sizeof(struct node_rec) == 24, "node record layout");
_Static_assert(sizeof(struct perm_rec) == 4, "perm record layout");
_Static_assert(sizeof(struct domain_rec) == 24, "domain record layout");
_Static_assert(sizeof(struct watch_rec) == 8, "watch record layout");

static int fail(struct xs_db *db, int rc, const char *what)
{
    if (!db->broken)
        fprintf(stderr, "oryxd: store database %s: %s: %s; the store is no longer kept\n",
                db->path, what, mdb_strerror(rc));
    db->broken = true;
    if (db->txn)
        mdb_txn_abort(db->txn);
    db->txn = NULL;
    return rc > 0 ? -EIO : rc;
}

static MDB_txn *wtxn(struct xs_db *db)
{
    int rc;

    if (db->broken)
        return NULL;
    if (!db->txn) {
        rc = mdb_txn_begin(db->env, NULL, 0, &db->txn);
        if (rc) {
            db->txn = NULL;
            fail(db, rc, "starting a write");
        }
    }
    return db->txn;
}

static int put(struct xs_db *db, MDB_dbi dbi, const void *k, size_t klen,
               const void *v, size_t vlen)
{
    MDB_txn *t = wtxn(db);
    MDB_val key = { klen, (void *)k }, val = { vlen, (void *)v };
    int rc;

    if (!t)
        return -EIO;
    rc = mdb_put(t, dbi, &key, &val, 0);
    return rc ? fail(db, rc, "writing a record") : 0;
}

static int del(struct xs_db *db, MDB_dbi dbi, const void *k, size_t klen)
{
    MDB_txn *t = wtxn(db);
    MDB_val key = { klen, (void *)k };
    int rc;

    if (!t)
        return -EIO;
    rc = mdb_del(t, dbi, &key, NULL);
    return rc && rc != MDB_NOTFOUND ? fail(db, rc, "removing a record") : 0;
}

int xs_db_commit(struct xs_db *db)
{
    int rc;

    if (!db->txn)
        return db->broken ? -EIO : 0;
    rc = mdb_txn_commit(db->txn);
    db->txn = NULL;
    return rc ? fail(db, rc, "committing") : 0;
}

bool xs_db_ok(const struct xs_db *db)
{
    return !db->broken;
}

/* ---- opening ---- */

static int meta_is(MDB_txn *t, MDB_dbi meta, const char *key, const char *want)
{
    MDB_val k = { strlen(key), (void *)key }, v;

    return mdb_get(t, meta, &k, &v) == 0 && v.mv_size == strlen(want) &&
           memcmp(v.mv_data, want, v.mv_size) == 0;
}

static int meta_put(MDB_txn *t, MDB_dbi meta, const char *key, const char *val)
{
    MDB_val k = { strlen(key), (void *)key }, v = { strlen(val), (void *)val };

    return mdb_put(t, meta, &k, &v, 0);
}

/* One open step: LMDB's error as -errno, with *what set. */
static int step(int rc, const char *name, const char **what)
{
    if (rc)
        *what = name;
    return rc > 0 ? -rc : rc ? -EIO : 0;
}

int xs_db_open(const char *path, const char *boot_id, struct xs_db **out,
               bool *restored, const char **what)
{
    struct xs_db *db = calloc(1, sizeof(*db));
    MDB_txn *t = NULL;
    MDB_stat st;
    char dir[256], *slash;
    int rc;

    *restored = false;
    if (!db) {
        *what = "memory";
        return -ENOMEM;
    }
    snprintf(db->path, sizeof(db->path), "%s", path);
    /* Its directory (/var/lib/oryx) and the ones above, as needed. */
    snprintf(dir, sizeof(dir), "%s", path);
    for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(dir, 0755);
        *slash = '/';
    }
    /* LMDB's own lock file is off (one process, one thread): this lock
     * keeps a second daemon out and is dropped by the kernel at death. */
    db->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (db->lock_fd < 0) {
        rc = -errno;
        *what = "opening the file";
        goto fail;
    }
    if (flock(db->lock_fd, LOCK_EX | LOCK_NB)) {
        rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
        *what = "locking the file (another oryxd?)";
        goto fail;
    }
    rc = step(mdb_env_create(&db->env), "creating the environment", what);
    if (!rc)
        rc = step(mdb_env_set_maxdbs(db->env, 4), "setting up", what);
    if (!rc)
        rc = step(mdb_env_set_mapsize(db->env, XS_DB_MAP_SIZE), "setting up", what);
    if (!rc)
        rc = step(mdb_env_open(db->env, path, MDB_NOSUBDIR | MDB_NOSYNC | MDB_NOLOCK,
                               0600), "opening the environment", what);
    if (!rc)
        rc = step(mdb_txn_begin(db->env, NULL, 0, &t), "starting a write", what);
    if (!rc)
        rc = step(mdb_dbi_open(t, "meta", MDB_CREATE, &db->meta), "opening meta", what);
    if (!rc)
        rc = step(mdb_dbi_open(t, "nodes", MDB_CREATE | MDB_INTEGERKEY, &db->nodes),
                  "opening nodes", what);
    if (!rc)
        rc = step(mdb_dbi_open(t, "domains", MDB_CREATE | MDB_INTEGERKEY, &db->domains),
                  "opening domains", what);
    if (!rc)
        rc = step(mdb_dbi_open(t, "watches", MDB_CREATE | MDB_INTEGERKEY, &db->watches),
                  "opening watches", what);
    if (rc)
        goto fail;
    if (meta_is(t, db->meta, "boot-id", boot_id) && meta_is(t, db->meta, "format", XS_DB_FORMAT)) {
        rc = step(mdb_stat(t, db->nodes, &st), "reading nodes", what);
        *restored = !rc && st.ms_entries > 0;
    } else {
        /* Another boot's store (or none): its domains are gone. */
        rc = step(mdb_drop(t, db->nodes, 0), "emptying nodes", what);
        if (!rc)
            rc = step(mdb_drop(t, db->domains, 0), "emptying domains", what);
        if (!rc)
            rc = step(mdb_drop(t, db->watches, 0), "emptying watches", what);
        if (!rc)
            rc = step(meta_put(t, db->meta, "boot-id", boot_id), "writing meta", what);
        if (!rc)
            rc = step(meta_put(t, db->meta, "format", XS_DB_FORMAT), "writing meta", what);
    }
    if (!rc)
        rc = step(mdb_txn_commit(t), "committing", what);
    t = NULL;
    if (rc)
        goto fail;
    *out = db;
    return 0;
fail:
    if (t)
        mdb_txn_abort(t);
    if (db->env)
        mdb_env_close(db->env);
    if (db->lock_fd >= 0)
        close(db->lock_fd);
    free(db);
    return rc;
}

void xs_db_close(struct xs_db *db)
{
    if (!db)
        return;
    xs_db_commit(db);
    mdb_env_close(db->env);
    close(db->lock_fd);
    free(db);
}

/* ---- records ---- */

int xs_db_node_put(struct xs_db *db, const struct xs_db_node *n)
{
    struct node_rec h = { .parent = n->parent, .name_len = n->name_len,
                          .nperms = n->perms.n, .vlen = n->vlen };
    size_t len = sizeof(h) + n->perms.n * sizeof(struct perm_rec) + n->name_len + n->vlen;
    char small[512], *buf = len <= sizeof(small) ? small : malloc(len), *p;
    uint32_t i;
    int rc;

    if (!buf)
        return fail(db, ENOMEM, "writing a node");
    memcpy(buf, &h, sizeof(h));
    p = buf + sizeof(h);
    for (i = 0; i < n->perms.n; i++) {
        struct perm_rec pr = { .domid = n->perms.p[i].domid, .access = n->perms.p[i].access };
        memcpy(p, &pr, sizeof(pr));
        p += sizeof(pr);
    }
    memcpy(p, n->name, n->name_len);
    if (n->vlen)
        memcpy(p + n->name_len, n->value, n->vlen);
    rc = put(db, db->nodes, &n->id, sizeof(n->id), buf, len);
    if (buf != small)
        free(buf);
    return rc;
}

int xs_db_node_del(struct xs_db *db, uint64_t id)
{
    return del(db, db->nodes, &id, sizeof(id));
}

int xs_db_domain_put(struct xs_db *db, const struct xs_db_domain *d)
{
    uint64_t key = d->domid;
    struct domain_rec r = { .target = d->target, .evtchn = d->evtchn, .gfn = d->gfn,
                            .introduced = d->introduced };

    return put(db, db->domains, &key, sizeof(key), &r, sizeof(r));
}

int xs_db_domain_del(struct xs_db *db, uint16_t domid)
{
    uint64_t key = domid;

    return del(db, db->domains, &key, sizeof(key));
}

int xs_db_watch_put(struct xs_db *db, const struct xs_db_watch *w)
{
    struct watch_rec r = { .domid = w->domid, .strip = w->strip };
    size_t pl = strlen(w->path) + 1, tl = strlen(w->token) + 1;
    char *buf = malloc(sizeof(r) + pl + tl);
    int rc;

    if (!buf)
        return fail(db, ENOMEM, "writing a watch");
    memcpy(buf, &r, sizeof(r));
    memcpy(buf + sizeof(r), w->path, pl);
    memcpy(buf + sizeof(r) + pl, w->token, tl);
    rc = put(db, db->watches, &w->id, sizeof(w->id), buf, sizeof(r) + pl + tl);
    free(buf);
    return rc;
}

int xs_db_watch_del(struct xs_db *db, uint64_t id)
{
    return del(db, db->watches, &id, sizeof(id));
}

/* ---- walks ---- */

/* Each record of dbi to decode(ctx, key, val); a read transaction unless
 * a write is pending (one transaction per thread). */
static int walk(struct xs_db *db, MDB_dbi dbi,
                int (*decode)(void *ctx, const MDB_val *k, const MDB_val *v), void *ctx)
{
    MDB_txn *t = db->txn;
    MDB_cursor *cur;
    MDB_val k, v;
    int rc, op = MDB_FIRST, ret = 0;

    if (!t && (rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &t)))
        return rc > 0 ? -rc : -EIO;
    rc = mdb_cursor_open(t, dbi, &cur);
    if (rc) {
        ret = rc > 0 ? -rc : -EIO;
    } else {
        while (!ret && (rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
            op = MDB_NEXT;
            if (k.mv_size != sizeof(uint64_t))
                ret = -EINVAL;
            else
                ret = decode(ctx, &k, &v);
        }
        if (!ret && rc != MDB_NOTFOUND)
            ret = rc > 0 ? -rc : -EIO;
        mdb_cursor_close(cur);
    }
    if (t != db->txn)
        mdb_txn_abort(t);
    return ret;
}

struct node_walk {
    int (*cb)(void *ctx, const struct xs_db_node *n);
    void *ctx;
};

static int decode_node(void *ctx, const MDB_val *k, const MDB_val *v)
{
    struct node_walk *w = ctx;
    struct xs_db_node n;
    struct node_rec h;
    const char *p = v->mv_data;
    size_t fixed;
    uint32_t i;
    int rc;

    if (v->mv_size < sizeof(h))
        return -EINVAL;
    memcpy(&h, p, sizeof(h));
    fixed = sizeof(h) + (size_t)h.nperms * sizeof(struct perm_rec);
    if (h.nperms == 0 || h.nperms > 0xffff ||
        v->mv_size != fixed + (size_t)h.name_len + h.vlen)
        return -EINVAL;
    memcpy(&n.id, k->mv_data, sizeof(n.id));
    n.parent = h.parent;
    n.perms.n = h.nperms;
    n.perms.p = calloc(h.nperms, sizeof(*n.perms.p));
    if (!n.perms.p)
        return -ENOMEM;
    for (i = 0; i < h.nperms; i++) {
        struct perm_rec pr;
        memcpy(&pr, p + sizeof(h) + i * sizeof(pr), sizeof(pr));
        n.perms.p[i].domid = pr.domid;
        n.perms.p[i].access = pr.access;
    }
    n.name = p + fixed;
    n.name_len = h.name_len;
    n.value = p + fixed + h.name_len;
    n.vlen = h.vlen;
    rc = w->cb(w->ctx, &n);
    free(n.perms.p);
    return rc;
}

int xs_db_each_node(struct xs_db *db,
                    int (*cb)(void *ctx, const struct xs_db_node *n), void *ctx)
{
    struct node_walk w = { cb, ctx };

    return walk(db, db->nodes, decode_node, &w);
}

struct domain_walk {
    int (*cb)(void *ctx, const struct xs_db_domain *d);
    void *ctx;
};

static int decode_domain(void *ctx, const MDB_val *k, const MDB_val *v)
{
    struct domain_walk *w = ctx;
    struct domain_rec r;
    uint64_t key;

    if (v->mv_size != sizeof(r))
        return -EINVAL;
    memcpy(&r, v->mv_data, sizeof(r));
    memcpy(&key, k->mv_data, sizeof(key));
    if (key > 0xffff)
        return -EINVAL;
    return w->cb(w->ctx, &(struct xs_db_domain){
        .domid = (uint16_t)key, .target = r.target, .introduced = r.introduced != 0,
        .gfn = r.gfn, .evtchn = r.evtchn,
    });
}

int xs_db_each_domain(struct xs_db *db,
                      int (*cb)(void *ctx, const struct xs_db_domain *d), void *ctx)
{
    struct domain_walk w = { cb, ctx };

    return walk(db, db->domains, decode_domain, &w);
}

struct watch_walk {
    int (*cb)(void *ctx, const struct xs_db_watch *w);
    void *ctx;
};

static int decode_watch(void *ctx, const MDB_val *k, const MDB_val *v)
{
    struct watch_walk *ww = ctx;
    struct xs_db_watch w;
    struct watch_rec r;
    const char *p = (const char *)v->mv_data + sizeof(r), *end;
    size_t rest;

    if (v->mv_size < sizeof(r) + 2)
        return -EINVAL;
    rest = v->mv_size - sizeof(r);
    memcpy(&r, v->mv_data, sizeof(r));
    end = memchr(p, '\0', rest);
    /* path NUL token NUL, nothing after */
    if (!end || end + 1 >= p + rest || p[rest - 1] != '\0' ||
        memchr(end + 1, '\0', rest - (size_t)(end + 1 - p)) != p + rest - 1)
        return -EINVAL;
    memcpy(&w.id, k->mv_data, sizeof(w.id));
    w.domid = r.domid;
    w.strip = r.strip;
    w.path = p;
    w.token = end + 1;
    return ww->cb(ww->ctx, &w);
}

int xs_db_each_watch(struct xs_db *db,
                     int (*cb)(void *ctx, const struct xs_db_watch *w), void *ctx)
{
    struct watch_walk w = { cb, ctx };

    return walk(db, db->watches, decode_watch, &w);
}

int xs_db_boot_id(char *buf, size_t len)
{
    const char *env = getenv("ORYX_BOOT_ID");
    ssize_t n;
    int fd;

    if (env && *env) {
        snprintf(buf, len, "%s", env);
        return 0;
    }
    fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    n = read(fd, buf, len - 1);
    close(fd);
    if (n <= 0)
        return -EIO;
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}
