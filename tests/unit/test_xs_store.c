/* Host tests of oryxd's store core: paths, tree, perms, watches, transactions, quotas. */
#include <errno.h>

#include "unit.h"
#include "xs_peer_util.h"
#include "xs_conn.h"
#include "xs_path.h"
#include "xs_peer.h"
#include "xs_proto.h"
#include "xs_store.h"
#include "xs_tree.h"
#include "xs_txn.h"
#include "xs_watch.h"

/* A transport that never delivers; replies stay in the out queue. */

static void test_path_rules(void)
{
    char out[XS_PATH_BUF];
    bool rel;

    CHECK_EQ(xs_path_canon(3, "/a/b", false, out, &rel), 0);
    CHECK(!rel && strcmp(out, "/a/b") == 0);
    CHECK_EQ(xs_path_canon(3, "dev/x", false, out, &rel), 0);
    CHECK(rel && strcmp(out, "/local/domain/3/dev/x") == 0);
    CHECK_EQ(xs_path_canon(0, "/", false, out, &rel), 0);
    CHECK_EQ(xs_path_canon(0, "", false, out, &rel), -EINVAL);
    CHECK_EQ(xs_path_canon(0, "/a//b", false, out, &rel), -EINVAL);
    CHECK_EQ(xs_path_canon(0, "/a/", false, out, &rel), -EINVAL);
    CHECK_EQ(xs_path_canon(0, "/a b", false, out, &rel), -EINVAL);
    CHECK_EQ(xs_path_canon(0, "/a/../b", false, out, &rel), -EINVAL);
    CHECK_EQ(xs_path_canon(0, "@releaseDomain", false, out, &rel), -EINVAL);
    CHECK_EQ(xs_path_canon(0, "@releaseDomain", true, out, &rel), 0);
    CHECK_EQ(xs_path_canon(0, "@other", true, out, &rel), -EINVAL);
    CHECK(xs_path_is_child("/a/b", "/a"));
    CHECK(xs_path_is_child("/a", "/a"));
    CHECK(!xs_path_is_child("/ab", "/a"));
    CHECK(xs_path_is_child("/x", "/"));
}

static void test_tree_basic(void)
{
    uint64_t gen = 0;
    struct xs_tree t;
    struct xs_node *n, *a;
    unsigned int missing;
    uint64_t g;

    CHECK_EQ(xs_tree_init(&t, &gen), 0);
    n = xs_tree_create(&t, "/a/b/c", 5);
    CHECK(n != NULL);
    CHECK_EQ(n->perms.p[0].domid, 5);
    a = xs_tree_lookup(&t, "/a");
    CHECK(a && a->nkids == 1);
    CHECK_EQ(xs_tree_count(t.root), 4);
    CHECK(xs_tree_nearest(&t, "/a/x/y", &missing) == a);
    CHECK_EQ(missing, 2);
    g = a->tgen;
    CHECK_EQ(xs_tree_set_value(&t, n, "v", 1), 0);
    CHECK(a->tgen > g);                 /* subtree gen moves up */
    CHECK(xs_tree_create(&t, "/a/a", -1) != NULL);
    CHECK(strcmp(a->kids[0]->name, "a") == 0);  /* sorted */
    xs_tree_remove(&t, xs_tree_lookup(&t, "/a/b"));
    CHECK(xs_tree_lookup(&t, "/a/b/c") == NULL);
    CHECK_EQ(xs_tree_count(t.root), 3);
    xs_tree_destroy(&t);
}

static void test_perms(void)
{
    struct xs_perms p;
    char buf[64];

    CHECK_EQ(xs_perms_parse(S("b5\0r7\0w9\0n3"), &p), 0);
    CHECK_EQ(p.n, 4);
    CHECK_EQ(xs_perms_access(&p, 5, -1), XS_PERM_BOTH);
    CHECK_EQ(xs_perms_access(&p, 7, -1), XS_PERM_READ);
    CHECK_EQ(xs_perms_access(&p, 9, -1), XS_PERM_WRITE);
    CHECK_EQ(xs_perms_access(&p, 3, -1), XS_PERM_NONE);
    CHECK_EQ(xs_perms_access(&p, 4, -1), XS_PERM_BOTH);  /* default = owner's letter */
    CHECK_EQ(xs_perms_access(&p, 4, 7), XS_PERM_READ);   /* via target */
    CHECK_EQ(xs_perms_format(&p, buf, sizeof(buf)), 12);
    CHECK(memcmp(buf, "b5\0r7\0w9\0n3", 12) == 0);
    xs_perms_free(&p);
    CHECK_EQ(xs_perms_parse(S("x5"), &p), -EINVAL);
    CHECK_EQ(xs_perms_parse(S("r70000"), &p), -EINVAL);
    CHECK_EQ(xs_perms_parse("r5", 2, &p), -EINVAL);      /* no NUL */
}

static void test_watch_match(void)
{
    const char *rep;

    CHECK(xs_watch_match("/a", "/a/b", false, &rep) && strcmp(rep, "/a/b") == 0);
    CHECK(!xs_watch_match("/a/b", "/a", false, &rep));
    CHECK(xs_watch_match("/a/b", "/a", true, &rep) && strcmp(rep, "/a/b") == 0);
    CHECK(!xs_watch_match("/ab", "/a", true, &rep));
}

/* Watch sets and transactions need no connection: a caller is enough. */
struct seen {
    int n;
    char path[64], token[16];
};

static void record_event(void *owner, const char *path, const char *token)
{
    struct seen *e = owner;

    e->n++;
    snprintf(e->path, sizeof(e->path), "%s", path);
    snprintf(e->token, sizeof(e->token), "%s", token);
}

static void record_change(void *ctx, const char *path,
                          const struct xs_perms *perms, bool removal)
{
    struct seen *e = ctx;

    (void)perms;
    e->n++;
    snprintf(e->path, sizeof(e->path), "%s%s", removal ? "-" : "", path);
}

static void test_layers_without_conn(void)
{
    struct xs_store s;
    struct xs_watch_set ws;
    struct xs_txn_set ts;
    struct xs_caller who;
    struct xs_perms p;
    struct xs_txn *tx;
    struct seen ev = { 0 }, ch = { 0 };
    uint32_t id;

    CHECK_EQ(xs_store_init(&s), 0);
    s.quota.watches = 1;
    who = xs_store_caller(&s, 3);
    CHECK(!who.privileged && who.target == -1);
    xs_watch_set_init(&ws, &s, record_event, &ev);
    CHECK_EQ(xs_watch_add(&ws, &who, "/local/domain/3/d", true, "t"), 0);
    CHECK_EQ(xs_watch_add(&ws, &who, "/x", false, "t"), -ENOSPC);   /* quota */
    CHECK_EQ(xs_perms_parse(S("n0\0r3"), &p), 0);
    xs_watch_fire(&ws, &who, "/local/domain/3/d/k", &p, false);
    CHECK(ev.n == 1 && strcmp(ev.path, "d/k") == 0 && strcmp(ev.token, "t") == 0);
    p.p[1].access = XS_PERM_NONE;                     /* unreadable: hidden */
    xs_watch_fire(&ws, &who, "/local/domain/3/d/k", &p, false);
    CHECK_EQ(ev.n, 1);
    xs_perms_free(&p);
    xs_watch_remove_all(&ws, &who);
    CHECK_EQ(xs_domain_find(&s, 3)->watches, 0);

    who = xs_store_caller(&s, 0);
    xs_txn_set_init(&ts, &s);
    CHECK_EQ(xs_txn_start(&ts, &who, &id), 0);
    tx = xs_txn_find(&ts, id);
    CHECK(tx != NULL);
    CHECK_EQ(xs_txn_log(tx, XS_TOP_MKDIR, "/m", -1, NULL, 0), 0);
    CHECK_EQ(xs_txn_end(tx, true, record_change, &ch), 0);
    CHECK(ch.n == 1 && strcmp(ch.path, "/m") == 0);
    CHECK(xs_tree_lookup(&s.tree, "/m") != NULL);
    CHECK_EQ(ts.n, 0);
    xs_store_fini(&s);
}

static void test_proto_read_write(void)
{
    struct xs_store s;
    struct xs_proto px;
    struct xs_peer *c;
    char out[4200];

    CHECK_EQ(xs_store_init(&s), 0);
    xs_proto_init(&px, &s);
    c = xs_peer_new(&px, &null_ops, NULL, 0);
    req(c, XS_WRITE, 0, S("/x/y\0hello") - 1);
    CHECK_EQ(pop(c, out, sizeof(out)), XS_WRITE);
    CHECK(strcmp(out, "OK") == 0);
    req(c, XS_READ, 0, S("/x/y"));
    CHECK_EQ(pop(c, out, sizeof(out)), XS_READ);
    CHECK(strcmp(out, "hello") == 0);
    req(c, XS_READ, 0, S("/nope"));
    CHECK_EQ(pop(c, out, sizeof(out)), XS_ERROR);
    CHECK(strcmp(out, "ENOENT") == 0);
    req(c, XS_READ, 0, "/x", 2);        /* missing NUL */
    CHECK_EQ(pop(c, out, sizeof(out)), XS_ERROR);
    CHECK(strcmp(out, "EINVAL") == 0);
    req(c, 99, 0, S(""));
    CHECK_EQ(pop(c, out, sizeof(out)), XS_ERROR);
    CHECK(strcmp(out, "ENOSYS") == 0);
    req(c, XS_DIRECTORY, 0, S("/x"));
    CHECK_EQ(pop(c, out, sizeof(out)), XS_DIRECTORY);
    CHECK(strcmp(out, "y") == 0);
    req(c, XS_DIRECTORY_PART, 0, S("/x\0" "0"));
    CHECK_EQ(pop(c, out, sizeof(out)), XS_DIRECTORY_PART);
    CHECK(strcmp(out + strlen(out) + 1, "y") == 0);
    req(c, XS_RM, 0, S("/x"));
    CHECK_EQ(pop(c, out, sizeof(out)), XS_WRITE + 2);  /* XS_RM */
    req(c, XS_RM, 0, S("/x/y/z"));
    CHECK_EQ(pop(c, out, sizeof(out)), XS_ERROR);
    CHECK(strcmp(out, "ENOENT") == 0);
    xs_peer_free(c);
    xs_store_fini(&s);
}

static void test_watches(void)
{
    struct xs_store s;
    struct xs_proto px;
    struct xs_peer *c, *w;
    char out[4200];

    CHECK_EQ(xs_store_init(&s), 0);
    xs_proto_init(&px, &s);
    c = xs_peer_new(&px, &null_ops, NULL, 0);
    w = xs_peer_new(&px, &null_ops, NULL, 0);
    req(w, XS_WATCH, 0, S("/a\0tok"));
    CHECK_EQ(pop(w, out, sizeof(out)), XS_WATCH);
    CHECK_EQ(pop(w, out, sizeof(out)), XS_WATCH_EVENT);   /* fires at once */
    CHECK(strcmp(out, "/a") == 0 && strcmp(out + 3, "tok") == 0);
    req(c, XS_WRITE, 0, S("/a/b/c\0v") - 1);
    CHECK_EQ(pop(w, out, sizeof(out)), XS_WATCH_EVENT);
    CHECK(strcmp(out, "/a/b/c") == 0);
    req(c, XS_WRITE, 0, S("/ab\0v") - 1);
    CHECK(w->conn->out_head == NULL);                     /* not below /a */
    req(c, XS_RM, 0, S("/a"));
    CHECK_EQ(pop(w, out, sizeof(out)), XS_WATCH_EVENT);
    req(w, XS_WATCH, 0, S("/a\0tok"));
    CHECK_EQ(pop(w, out, sizeof(out)), XS_ERROR);         /* duplicate */
    CHECK(strcmp(out, "EEXIST") == 0);
    req(w, XS_WATCH, 0, S("rel\0t2"));
    pop(w, out, sizeof(out));
    pop(w, out, sizeof(out));
    req(c, XS_WRITE, 0, S("/local/domain/0/rel/k\0v") - 1);
    CHECK_EQ(pop(w, out, sizeof(out)), XS_WATCH_EVENT);
    CHECK(strcmp(out, "rel/k") == 0);                     /* relative form */
    req(w, XS_WATCH, 0, S("@introduceDomain\0i"));
    pop(w, out, sizeof(out));
    pop(w, out, sizeof(out));
    while (c->conn->out_head)
        pop(c, out, sizeof(out));
    req(c, XS_INTRODUCE, 0, S("5\0" "100\0" "3"));
    CHECK_EQ(pop(c, out, sizeof(out)), XS_INTRODUCE);
    CHECK_EQ(pop(w, out, sizeof(out)), XS_WATCH_EVENT);
    CHECK(strcmp(out, "@introduceDomain") == 0);
    req(w, XS_UNWATCH, 0, S("/a\0tok"));
    CHECK_EQ(pop(w, out, sizeof(out)), XS_UNWATCH);
    req(w, XS_UNWATCH, 0, S("/a\0tok"));
    CHECK_EQ(pop(w, out, sizeof(out)), XS_ERROR);
    xs_peer_free(c);
    xs_peer_free(w);
    xs_store_fini(&s);
}

static void test_transactions(void)
{
    struct xs_store s;
    struct xs_proto px;
    struct xs_peer *a, *b;
    char out[4200];
    uint32_t t1, t2;

    CHECK_EQ(xs_store_init(&s), 0);
    xs_proto_init(&px, &s);
    a = xs_peer_new(&px, &null_ops, NULL, 0);
    b = xs_peer_new(&px, &null_ops, NULL, 0);
    req(a, XS_WRITE, 0, S("/k\0" "0") - 1);
    pop(a, out, sizeof(out));

    req(a, XS_TRANSACTION_START, 0, S(""));
    CHECK_EQ(pop(a, out, sizeof(out)), XS_TRANSACTION_START);
    t1 = (uint32_t)atoi(out);
    req(a, XS_READ, t1, S("/k"));
    pop(a, out, sizeof(out));
    req(a, XS_WRITE, t1, S("/k\0" "1") - 1);
    pop(a, out, sizeof(out));
    req(b, XS_READ, 0, S("/k"));                      /* isolation */
    pop(b, out, sizeof(out));
    CHECK(strcmp(out, "0") == 0);
    req(a, XS_TRANSACTION_END, t1, S("T"));
    CHECK_EQ(pop(a, out, sizeof(out)), XS_TRANSACTION_END);
    req(b, XS_READ, 0, S("/k"));
    pop(b, out, sizeof(out));
    CHECK(strcmp(out, "1") == 0);

    /* Conflict: b changes what a's transaction read. */
    req(a, XS_TRANSACTION_START, 0, S(""));
    pop(a, out, sizeof(out));
    t2 = (uint32_t)atoi(out);
    req(a, XS_READ, t2, S("/k"));
    pop(a, out, sizeof(out));
    req(a, XS_WRITE, t2, S("/other\0x") - 1);
    pop(a, out, sizeof(out));
    req(b, XS_WRITE, 0, S("/k\0" "2") - 1);
    pop(b, out, sizeof(out));
    req(a, XS_TRANSACTION_END, t2, S("T"));
    CHECK_EQ(pop(a, out, sizeof(out)), XS_ERROR);
    CHECK(strcmp(out, "EAGAIN") == 0);
    CHECK(xs_tree_lookup(&s.tree, "/other") == NULL);
    CHECK_EQ(a->session->txns.n, 0);

    /* A transaction never conflicts with itself (write, then rm the parent). */
    req(a, XS_TRANSACTION_START, 0, S(""));
    pop(a, out, sizeof(out));
    t2 = (uint32_t)atoi(out);
    req(a, XS_WRITE, t2, S("/d/e\0x") - 1);
    pop(a, out, sizeof(out));
    req(a, XS_RM, t2, S("/d"));
    pop(a, out, sizeof(out));
    req(a, XS_TRANSACTION_END, t2, S("T"));
    CHECK_EQ(pop(a, out, sizeof(out)), XS_TRANSACTION_END);

    req(a, XS_READ, 12345, S("/k"));                  /* unknown tx */
    CHECK_EQ(pop(a, out, sizeof(out)), XS_ERROR);
    CHECK(strcmp(out, "ENOENT") == 0);
    /* Abort on disconnect frees everything (ASan checks the leak). */
    req(a, XS_TRANSACTION_START, 0, S(""));
    pop(a, out, sizeof(out));
    req(a, XS_WRITE, (uint32_t)atoi(out), S("/z\0x") - 1);
    xs_peer_free(a);
    CHECK(xs_tree_lookup(&s.tree, "/z") == NULL);
    xs_peer_free(b);
    xs_store_fini(&s);
}

static void test_perms_and_quota(void)
{
    struct xs_store s;
    struct xs_proto px;
    struct xs_peer *d0, *g;
    char out[4200];
    int i;

    CHECK_EQ(xs_store_init(&s), 0);
    xs_proto_init(&px, &s);
    s.quota.nodes = 5;
    s.quota.watches = 2;
    d0 = xs_peer_new(&px, &null_ops, NULL, 0);
    g = xs_peer_new(&px, &null_ops, NULL, 3);
    req(d0, XS_WRITE, 0, S("/local/domain/3/x\0v") - 1);
    pop(d0, out, sizeof(out));
    req(g, XS_READ, 0, S("x"));                       /* owned by dom0, n0 */
    CHECK_EQ(pop(g, out, sizeof(out)), XS_ERROR);
    CHECK(strcmp(out, "EACCES") == 0);
    req(d0, XS_SET_PERMS, 0, S("/local/domain/3\0b3"));
    CHECK_EQ(pop(d0, out, sizeof(out)), XS_SET_PERMS);
    req(g, XS_WRITE, 0, S("mine\0v") - 1);
    CHECK_EQ(pop(g, out, sizeof(out)), XS_WRITE);
    CHECK_EQ(xs_tree_lookup(&s.tree, "/local/domain/3/mine")->perms.p[0].domid, 3);
    req(g, XS_SET_PERMS, 0, S("mine\0b4"));            /* give away: no */
    CHECK_EQ(pop(g, out, sizeof(out)), XS_ERROR);
    CHECK(strcmp(out, "EPERM") == 0);
    req(g, XS_INTRODUCE, 0, S("4\0" "1\0" "1"));
    CHECK_EQ(pop(g, out, sizeof(out)), XS_ERROR);
    CHECK(strcmp(out, "EACCES") == 0);
    for (i = 0; i < 6; i++) {
        char p[32];
        int n = snprintf(p, sizeof(p), "q%d", i);

        req(g, XS_MKDIR, 0, p, (size_t)n + 1);
    }
    /* /local/domain/3 (b3 owner 3) + mine + q0..q3 = 5 nodes, then ENOSPC. */
    for (i = 0; i < 5; i++)
        pop(g, out, sizeof(out));
    CHECK_EQ(pop(g, out, sizeof(out)), XS_ERROR);
    CHECK(strcmp(out, "ENOSPC") == 0);
    req(g, XS_WATCH, 0, S("/w1\0t"));
    req(g, XS_WATCH, 0, S("/w2\0t"));
    req(g, XS_WATCH, 0, S("/w3\0t"));
    for (i = 0; i < 4; i++)
        pop(g, out, sizeof(out));
    CHECK_EQ(pop(g, out, sizeof(out)), XS_ERROR);
    CHECK(strcmp(out, "ENOSPC") == 0);
    xs_peer_free(d0);
    xs_peer_free(g);
    xs_store_fini(&s);
}

static void test_framing(void)
{
    struct xs_store s;
    struct xs_proto px;
    struct xs_peer *c;
    struct xsd_sockmsg h = { .type = XS_READ, .len = 5000 };
    char out[64];

    CHECK_EQ(xs_store_init(&s), 0);
    xs_proto_init(&px, &s);
    c = xs_peer_new(&px, &null_ops, NULL, 0);
    xs_conn_feed(c->conn, "\x02\0\0\0", 4);           /* partial header */
    xs_conn_feed(c->conn, "\x01\0\0\0\0\0\0\0\x03\0\0\0/a", 14);
    xs_conn_feed(c->conn, "", 1);
    CHECK_EQ(pop(c, out, sizeof(out)), XS_ERROR);      /* ENOENT */
    xs_conn_feed(c->conn, (const char *)&h, 16);       /* lying length */
    CHECK(c->conn->dead);
    xs_peer_free(c);
    xs_store_fini(&s);
}

UNIT_MAIN("xs_store")
{
    TEST_RUN(test_path_rules);
    TEST_RUN(test_tree_basic);
    TEST_RUN(test_perms);
    TEST_RUN(test_watch_match);
    TEST_RUN(test_layers_without_conn);
    TEST_RUN(test_proto_read_write);
    TEST_RUN(test_watches);
    TEST_RUN(test_transactions);
    TEST_RUN(test_perms_and_quota);
    TEST_RUN(test_framing);
}
