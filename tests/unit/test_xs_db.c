/* Host tests of oryxd's kept store: what one daemon leaves in its LMDB
 * file, the next one (same boot) takes back; another boot starts empty. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "xs_peer_util.h"
#include "xs_conn.h"
#include "xs_db.h"
#include "xs_peer.h"
#include "xs_proto.h"
#include "xs_store.h"
#include "xs_tree.h"

static char dbpath[64];

static void drain(struct xs_peer *p)
{
    char out[4200];

    while (p->conn->out_head)
        pop(p, out, sizeof(out));
}


/* A daemon's store: init, then the database of boot `boot`. */
static int start(struct xs_store *s, struct xs_proto *px, const char *boot, bool *restored)
{
    struct xs_db *db;
    const char *what;
    int rc;

    CHECK_EQ(xs_store_init(s), 0);
    xs_proto_init(px, s);
    rc = xs_db_open(dbpath, boot, &db, restored, &what);
    if (rc)
        return rc;
    rc = xs_store_attach_db(s, db, *restored);
    if (rc)
        xs_db_close(db);
    return rc;
}

static unsigned int kept_watches(struct xs_db *db);

/* A path over LMDB's key limit: ids, not paths, are the keys. */
static void long_path(char *buf, size_t len)
{
    size_t off = (size_t)snprintf(buf, len, "/deep");

    while (off + 60 < len && off < 900)
        off += (size_t)snprintf(buf + off, len - off, "/%s",
                                "component-with-a-rather-long-name-to-pass-511-bytes");
}

static void test_round_trip(void)
{
    struct xs_store s;
    struct xs_proto px;
    struct xs_peer *d0, *g;
    struct xs_node *n;
    char out[4200], deep[1024], msg[1100];
    bool restored;
    uint32_t nodes5, tx;

    unlink(dbpath);
    CHECK_EQ(start(&s, &px, "boot-1", &restored), 0);
    CHECK(!restored);
    d0 = xs_peer_new(&px, &null_ops, NULL, 0);
    req(d0, XS_WRITE, 0, S("/a/b\0v1") - 1);
    req(d0, XS_WRITE, 0, S("/a/c/d\0gone") - 1);
    req(d0, XS_SET_PERMS, 0, S("/a/b\0b3\0r5"));
    req(d0, XS_RM, 0, S("/a/c"));
    long_path(deep, sizeof(deep));
    CHECK(strlen(deep) > 600);
    snprintf(msg, sizeof(msg), "%s", deep);
    memcpy(msg + strlen(deep) + 1, "x", 1);
    req(d0, XS_WRITE, 0, msg, strlen(deep) + 2);
    req(d0, XS_WRITE, 0, S("/local/domain/5/name\0guest") - 1);
    req(d0, XS_SET_PERMS, 0, S("/local/domain/5\0b5"));
    req(d0, XS_INTRODUCE, 0, S("5\0" "100\0" "3"));
    drain(d0);
    req(d0, XS_TRANSACTION_START, 0, S(""));
    CHECK_EQ(pop(d0, out, sizeof(out)), XS_TRANSACTION_START);
    tx = (uint32_t)strtoul(out, NULL, 10);
    req(d0, XS_WRITE, tx, S("/t/x\0in-tx") - 1);
    req(d0, XS_TRANSACTION_END, tx, S("T"));
    drain(d0);
    CHECK(xs_tree_lookup(&s.tree, "/t/x") != NULL);
    /* The guest's ring session: its watches are kept. */
    g = xs_peer_new(&px, &null_ops, NULL, 5);
    CHECK_EQ(xs_session_keep(g->session), 0);
    req(g, XS_WATCH, 0, S("/w\0tok"));
    req(g, XS_WATCH, 0, S("rel\0t2"));
    req(g, XS_WATCH, 0, S("/gone\0t3"));
    req(g, XS_UNWATCH, 0, S("/gone\0t3"));
    req(g, XS_WRITE, 0, S("mine\0g") - 1);
    drain(g);
    CHECK_EQ(kept_watches(s.db), 2u);
    nodes5 = xs_domain_find(&s, 5)->nodes;
    CHECK_EQ(nodes5, 2u);                /* /local/domain/5 and mine */
    /* The daemon stops: its teardown is not kept. */
    xs_store_close_db(&s);
    xs_peer_free(g);
    xs_peer_free(d0);
    xs_store_fini(&s);

    CHECK_EQ(start(&s, &px, "boot-1", &restored), 0);
    CHECK(restored);
    CHECK_EQ(xs_tree_read_str(&s.tree, "/a/b", out, sizeof(out)), 0);
    CHECK(strcmp(out, "v1") == 0);
    n = xs_tree_lookup(&s.tree, "/a/b");
    CHECK(n && n->perms.n == 2 && n->perms.p[0].domid == 3 && n->perms.p[1].domid == 5 &&
          n->perms.p[1].access == XS_PERM_READ);
    CHECK(xs_tree_lookup(&s.tree, "/a/c") == NULL);
    CHECK_EQ(xs_tree_read_str(&s.tree, deep, out, sizeof(out)), 0);
    CHECK(strcmp(out, "x") == 0);
    CHECK_EQ(xs_tree_read_str(&s.tree, "/t/x", out, sizeof(out)), 0);
    CHECK_EQ(xs_tree_read_str(&s.tree, "/local/domain/5/mine", out, sizeof(out)), 0);
    CHECK(xs_domain_find(&s, 5) && xs_domain_find(&s, 5)->introduced &&
          xs_domain_find(&s, 5)->gfn == 100 && xs_domain_find(&s, 5)->evtchn == 3);
    CHECK_EQ(xs_domain_find(&s, 5)->nodes, nodes5);      /* quota recounted */
    /* The guest's ring comes back: its watches too, each fired once. */
    g = xs_peer_new(&px, &null_ops, NULL, 5);
    CHECK_EQ(xs_session_keep(g->session), 0);
    CHECK_EQ(g->session->watches.n, 2u);
    CHECK_EQ(pop(g, out, sizeof(out)), XS_WATCH_EVENT);
    CHECK_EQ(pop(g, out, sizeof(out)), XS_WATCH_EVENT);
    d0 = xs_peer_new(&px, &null_ops, NULL, 0);
    req(d0, XS_MKDIR, 0, S("/w"));
    req(d0, XS_SET_PERMS, 0, S("/w\0n0\0r5"));
    drain(g);                                             /* /w's own events */
    req(d0, XS_WRITE, 0, S("/w/k\0v") - 1);
    CHECK_EQ(pop(g, out, sizeof(out)), XS_WATCH_EVENT);
    CHECK(strcmp(out, "/w/k") == 0 && strcmp(out + 5, "tok") == 0);
    req(d0, XS_WRITE, 0, S("/local/domain/5/rel/k\0v") - 1);
    CHECK_EQ(pop(g, out, sizeof(out)), XS_WATCH_EVENT);
    CHECK(strcmp(out, "rel/k") == 0);                     /* still relative */
    /* Its end (the domain released) drops what was kept for it. */
    xs_peer_free(g);
    CHECK_EQ(kept_watches(s.db), 0u);
    req(d0, XS_RELEASE, 0, S("5"));
    drain(d0);
    xs_peer_free(d0);
    xs_store_close_db(&s);
    xs_store_fini(&s);

    CHECK_EQ(start(&s, &px, "boot-1", &restored), 0);
    CHECK(restored && (!xs_domain_find(&s, 5) || !xs_domain_find(&s, 5)->introduced));
    xs_store_fini(&s);

    /* Another boot: nothing of this one's domains is left. */
    CHECK_EQ(start(&s, &px, "boot-2", &restored), 0);
    CHECK(!restored);
    CHECK(xs_tree_lookup(&s.tree, "/a") == NULL);
    CHECK(s.tree.root->nkids == 0);
    xs_store_fini(&s);
    unlink(dbpath);
}

static int count_watch(void *ctx, const struct xs_db_watch *w)
{
    (void)w;
    ++*(unsigned int *)ctx;
    return 0;
}

static unsigned int kept_watches(struct xs_db *db)
{
    unsigned int n = 0;

    xs_db_each_watch(db, count_watch, &n);
    return n;
}

/* A daemon killed with SIGKILL: every answered request is kept. */
static void test_killed(void)
{
    struct xs_store s;
    struct xs_proto px;
    bool restored;
    char out[64];
    pid_t pid;
    int status;

    unlink(dbpath);
    pid = fork();
    if (pid == 0) {
        struct xs_peer *d0;
        int i;

        if (start(&s, &px, "boot-1", &restored))
            _exit(2);
        d0 = xs_peer_new(&px, &null_ops, NULL, 0);
        for (i = 0; i < 200; i++) {
            char m[64];
            int len = snprintf(m, sizeof(m), "/k/n%d", i);

            len += 1 + snprintf(m + len + 1, sizeof(m) - (size_t)len - 1, "v%d", i);
            req(d0, XS_WRITE, 0, m, (size_t)len);
        }
        req(d0, XS_RM, 0, S("/k/n7"));
        raise(SIGKILL);
        _exit(3);
    }
    CHECK(pid > 0);
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK_EQ(start(&s, &px, "boot-1", &restored), 0);
    CHECK(restored);
    CHECK_EQ(xs_tree_lookup(&s.tree, "/k")->nkids, 199u);
    CHECK_EQ(xs_tree_read_str(&s.tree, "/k/n199", out, sizeof(out)), 0);
    CHECK(strcmp(out, "v199") == 0);
    CHECK(xs_tree_lookup(&s.tree, "/k/n7") == NULL);
    /* One daemon at a time. */
    {
        struct xs_db *db2;
        const char *what;
        bool r2;
        CHECK_EQ(xs_db_open(dbpath, "boot-1", &db2, &r2, &what), -EBUSY);
    }
    xs_store_fini(&s);
    unlink(dbpath);
}

/* A record that cannot be part of a tree is refused, not guessed at. */
static void test_corrupt(void)
{
    struct xs_store s;
    struct xs_proto px;
    struct xs_db *db;
    const char *what;
    bool restored;
    struct xs_perm p = { .domid = 0, .access = XS_PERM_NONE };

    unlink(dbpath);
    CHECK_EQ(start(&s, &px, "boot-1", &restored), 0);
    xs_store_fini(&s);
    CHECK_EQ(xs_db_open(dbpath, "boot-1", &db, &restored, &what), 0);
    CHECK(restored);
    CHECK_EQ(xs_db_node_put(db, &(struct xs_db_node){
        .id = 50, .parent = 49, .name = "orphan", .name_len = 6,
        .perms = { 1, &p } }), 0);
    xs_db_close(db);
    CHECK_EQ(start(&s, &px, "boot-1", &restored), -EINVAL);
    xs_store_fini(&s);
    CHECK_EQ(xs_db_open(dbpath, "boot-1", &db, &restored, &what), 0);
    CHECK_EQ(xs_db_node_del(db, 50), 0);
    CHECK_EQ(xs_db_node_put(db, &(struct xs_db_node){
        .id = 60, .parent = 1, .name = "a/b", .name_len = 3, .perms = { 1, &p } }), 0);
    xs_db_close(db);
    CHECK_EQ(start(&s, &px, "boot-1", &restored), -EINVAL);
    xs_store_fini(&s);
    unlink(dbpath);
}

UNIT_MAIN("xs_db")
{
    snprintf(dbpath, sizeof(dbpath), "/tmp/oryx-xs-db-%d.mdb", (int)getpid());
    TEST_RUN(test_round_trip);
    TEST_RUN(test_killed);
    TEST_RUN(test_corrupt);
}
