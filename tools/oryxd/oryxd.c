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

#include "xs_dom0.h"
#include "domains.h"
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
        "             [--quota NAME=N]... [--test-hooks]\n"
        "  -s, --socket PATH   listen here (default $XENSTORED_RUNDIR/socket,\n"
        "                      else " XS_UNIX_DEFAULT_RUNDIR "/socket)\n"
        "  -S, --no-socket     no Unix socket (needs --dom0-ring)\n"
        "  -r, --dom0-ring     in dom0: serve dom0's kernel over its local ring\n"
        "                      (" XS_DOM0_KVA ", " XS_DOM0_PORT ",\n"
        "                      /dev/xen/evtchn; xenfs mounted), write\n"
        "                      /local/domain/0/{domid,name} as xen-init-dom0 does,\n"
        "                      and serve each introduced guest's ring\n"
        "                      (/dev/xen/gntdev)\n"
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

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "socket", required_argument, NULL, 's' },
        { "no-socket", no_argument, NULL, 'S' },
        { "dom0-ring", no_argument, NULL, 'r' },
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
    bool no_socket = false, dom0_ring = false;
    const char *what = NULL;
    struct sigaction sa;
    int opt, fd = -1, rc, status = 0;

    if (xs_store_init(&store)) {
        fprintf(stderr, "oryxd: out of memory\n");
        return 1;
    }
    while ((opt = getopt_long(argc, argv, "s:Srq:Th", opts, NULL)) != -1) {
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
    if (optind != argc || (no_socket && (path || !dom0_ring))) {
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

    xs_proto_init(&proto, &store);
    xs_loop_init(&loop);
    if (dom0_ring && xs_dom0_init_nodes(&store)) {
        fprintf(stderr, "oryxd: out of memory\n");
        status = 1;
        goto out;
    }
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
    xs_store_fini(&store);
    return status;
}
