/*
 * oryxd: the Oryx toolstack daemon. For now it serves the xenstore
 * protocol on a Unix socket and, in dom0, to dom0's own kernel over its
 * local ring (see docs/oryxd.md). Runs in the foreground.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domains.h"
#include "xs_db.h"
#include "xs_dom0.h"
#include "xs_loop.h"
#include "xs_proto.h"
#include "xs_store.h"
#include "xs_unix.h"

static volatile int stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
        "usage: oryxd [--socket PATH | --no-socket] [--dom0-ring]\n"
        "             [--db PATH | --no-db] [--quota NAME=N]... [--test-hooks]\n"
        "  -s, --socket PATH   listen here (default $XENSTORED_RUNDIR/socket,\n"
        "                      else " XS_UNIX_DEFAULT_RUNDIR "/socket)\n"
        "  -S, --no-socket     no Unix socket (needs --dom0-ring)\n"
        "  -r, --dom0-ring     in dom0: serve dom0's kernel over its local ring\n"
        "                      (" XS_DOM0_KVA ", " XS_DOM0_PORT ",\n"
        "                      /dev/xen/evtchn; xenfs mounted), write\n"
        "                      /local/domain/0/{domid,name} as xen-init-dom0 does,\n"
        "                      and serve each introduced guest's ring\n"
        "                      (/dev/xen/gntdev)\n"
        "  -d, --db PATH       keep the store, the introduced domains and the\n"
        "                      rings' watches in this LMDB file, and take them\n"
        "                      back at start (same boot only); default with\n"
        "                      --dom0-ring: $ORYX_LIB_DIR/" XS_DB_FILE ", else\n"
        "                      " XS_DB_DIR "/" XS_DB_FILE "\n"
        "  -D, --no-db         keep nothing\n"
        "  -q, --quota NAME=N  nodes, node-size, watches, transactions,\n"
        "                      node-permissions, transaction-nodes (0 = off)\n"
        "  -T, --test-hooks    allow CONTROL \"become <domid>\" (tests only)\n"
        "  -h, --help          this text\n");
}

static int set_quota(struct xs_store *s, const char *arg)
{
    static const struct { const char *name; size_t off; } q[] = {
        { "nodes", offsetof(struct xs_quota, nodes) },
        { "node-size", offsetof(struct xs_quota, node_size) },
        { "watches", offsetof(struct xs_quota, watches) },
        { "transactions", offsetof(struct xs_quota, transactions) },
        { "node-permissions", offsetof(struct xs_quota, perms) },
        { "transaction-nodes", offsetof(struct xs_quota, tx_nodes) },
    };
    const char *eq = strchr(arg, '=');
    unsigned long v;
    char *end;
    size_t i;

    if (!eq)
        return -1;
    v = strtoul(eq + 1, &end, 10);
    if (*end || eq[1] == '\0' || v > 0xffffffffUL)
        return -1;
    for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
        if (strlen(q[i].name) == (size_t)(eq - arg) &&
            strncmp(q[i].name, arg, (size_t)(eq - arg)) == 0) {
            *(uint32_t *)((char *)&s->quota + q[i].off) = (uint32_t)v;
            return 0;
        }
    }
    return -1;
}

/*
 * Opens the database at path and takes back what an earlier daemon of
 * this boot kept. A database that cannot be read back is set aside
 * (renamed to PATH.bad) and the store starts empty. 0 or -errno.
 */
static int keep_store(struct xs_store *s, const char *path)
{
    char boot[64], bad[300];
    const char *what = NULL;
    struct xs_db *db;
    bool restored;
    int rc = xs_db_boot_id(boot, sizeof(boot));

    if (rc) {
        fprintf(stderr, "oryxd: cannot read the boot id: %s\n", strerror(-rc));
        return rc;
    }
    rc = xs_db_open(path, boot, &db, &restored, &what);
    if (rc) {
        fprintf(stderr, "oryxd: store database %s: %s: %s\n", path, what, strerror(-rc));
        return rc;
    }
    rc = xs_store_attach_db(s, db, restored);
    if (rc == 0) {
        if (restored)
            fprintf(stderr, "oryxd: store taken back from %s: %lu nodes\n", path,
                    xs_tree_count(s->tree.root));
        return 0;
    }
    fprintf(stderr, "oryxd: store database %s cannot be read back (%s); set aside as "
            "%s.bad, starting empty\n", path, strerror(-rc), path);
    xs_db_close(db);
    struct xs_quota quota = s->quota;
    bool hooks = s->test_hooks;
    xs_store_fini(s);
    snprintf(bad, sizeof(bad), "%s.bad", path);
    rc = xs_store_init(s);
    s->quota = quota;
    s->test_hooks = hooks;
    if (rc || rename(path, bad) ||
        (rc = xs_db_open(path, boot, &db, &restored, &what)) ||
        (rc = xs_store_attach_db(s, db, false))) {
        fprintf(stderr, "oryxd: store database %s: %s\n", path,
                strerror(rc ? -rc : errno));
        return rc ? rc : -errno;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "socket", required_argument, NULL, 's' },
        { "no-socket", no_argument, NULL, 'S' },
        { "dom0-ring", no_argument, NULL, 'r' },
        { "db", required_argument, NULL, 'd' },
        { "no-db", no_argument, NULL, 'D' },
        { "quota", required_argument, NULL, 'q' },
        { "test-hooks", no_argument, NULL, 'T' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    char defpath[256];
    const char *path = NULL, *rundir;
    struct xs_store store;
    struct xs_proto proto;
    struct xs_loop loop;
    struct xs_unix *sock = NULL;
    struct xs_dom0 *dom0 = NULL;
    struct domains *domains = NULL;
    struct xs_dom0_paths dom0_paths = { NULL, NULL, NULL };
    bool no_socket = false, dom0_ring = false, no_db = false;
    const char *db_path = NULL;
    char db_default[256];
    const char *what = NULL;
    struct sigaction sa;
    int opt, fd = -1, rc, status = 0;

    if (xs_store_init(&store)) {
        fprintf(stderr, "oryxd: out of memory\n");
        return 1;
    }
    while ((opt = getopt_long(argc, argv, "s:Srd:Dq:Th", opts, NULL)) != -1) {
        switch (opt) {
        case 's':
            path = optarg;
            break;
        case 'S':
            no_socket = true;
            break;
        case 'r':
            dom0_ring = true;
            break;
        case 'd':
            db_path = optarg;
            break;
        case 'D':
            no_db = true;
            break;
        case 'q':
            if (set_quota(&store, optarg)) {
                fprintf(stderr, "oryxd: bad quota '%s'\n", optarg);
                return 2;
            }
            break;
        case 'T':
            store.test_hooks = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc || (no_socket && (path || !dom0_ring)) || (no_db && db_path)) {
        usage(stderr);
        return 2;
    }
    if (!path) {
        rundir = getenv("XENSTORED_RUNDIR");
        snprintf(defpath, sizeof(defpath), "%s/socket",
                 rundir ? rundir : XS_UNIX_DEFAULT_RUNDIR);
        path = defpath;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (!db_path && dom0_ring && !no_db) {
        const char *lib = getenv("ORYX_LIB_DIR");
        snprintf(db_default, sizeof(db_default), "%s/%s", lib && *lib ? lib : XS_DB_DIR,
                 XS_DB_FILE);
        db_path = db_default;
    }
    if (db_path && (rc = keep_store(&store, db_path))) {
        status = 1;
        goto out_store;
    }
    xs_proto_init(&proto, &store);
    xs_loop_init(&loop);
    if (dom0_ring && xs_dom0_init_nodes(&store)) {
        fprintf(stderr, "oryxd: out of memory\n");
        status = 1;
        goto out;
    }
    xs_store_sync(&store);
    if (!no_socket) {
        fd = xs_unix_listen(path);
        if (fd < 0) {
            fprintf(stderr, "oryxd: cannot listen on %s: %s\n", path, strerror(-fd));
            status = 1;
            goto out;
        }
        sock = xs_unix_start(&loop, &proto, fd);
        if (!sock) {
            fprintf(stderr, "oryxd: out of memory\n");
            status = 1;
            goto out;
        }
    }
    if (dom0_ring) {
        /* In dom0, introduced domains get their rings and consoles served. */
        rc = domains_start(&loop, &proto, &domains, &what);
        if (rc) {
            fprintf(stderr, "oryxd: cannot serve guests: %s: %s\n", what, strerror(-rc));
            status = 1;
            goto out;
        }
        rc = xs_dom0_start(&loop, &proto, &dom0_paths, &dom0, &what);
        if (rc) {
            fprintf(stderr, "oryxd: cannot serve dom0's kernel ring: %s: %s\n",
                    what, strerror(-rc));
            status = 1;
            goto out;
        }
    }
    rc = xs_loop_run(&loop, &stop_flag);
    if (rc) {
        fprintf(stderr, "oryxd: %s\n", strerror(-rc));
        status = 1;
    } else if (!stop_flag) {
        /* Nothing left to serve: the only transport, the ring, was cut off. */
        status = 1;
    }
out:
    /* What the teardown undoes stays kept for the next daemon. */
    xs_store_close_db(&store);
    if (domains)
        domains_stop(domains);
    if (dom0)
        xs_dom0_stop(dom0);
    if (sock)
        xs_unix_stop(sock);
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
    xs_loop_fini(&loop);
out_store:
    xs_store_fini(&store);
    return status;
}
