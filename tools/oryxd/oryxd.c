/*
 * oryxd: the Oryx toolstack daemon. For now it serves the xenstore
 * protocol on a Unix socket (see docs/oryxd.md). Runs in the foreground.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
        "usage: oryxd [--socket PATH] [--quota NAME=N]... [--test-hooks]\n"
        "  -s, --socket PATH   listen here (default $XENSTORED_RUNDIR/socket,\n"
        "                      else " XS_UNIX_DEFAULT_RUNDIR "/socket)\n"
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
        { "quota", required_argument, NULL, 'q' },
        { "test-hooks", no_argument, NULL, 'T' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    char defpath[256];
    const char *path = NULL, *rundir;
    struct xs_store store;
    struct xs_proto proto;
    struct sigaction sa;
    int opt, fd, rc;

    if (xs_store_init(&store)) {
        fprintf(stderr, "oryxd: out of memory\n");
        return 1;
    }
    while ((opt = getopt_long(argc, argv, "s:q:Th", opts, NULL)) != -1) {
        switch (opt) {
        case 's':
            path = optarg;
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
    if (optind != argc) {
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

    fd = xs_unix_listen(path);
    if (fd < 0) {
        fprintf(stderr, "oryxd: cannot listen on %s: %s\n", path, strerror(-fd));
        xs_store_fini(&store);
        return 1;
    }
    xs_proto_init(&proto, &store);
    rc = xs_unix_serve(&proto, fd, &stop_flag);
    close(fd);
    unlink(path);
    xs_store_fini(&store);
    if (rc) {
        fprintf(stderr, "oryxd: %s\n", strerror(-rc));
        return 1;
    }
    return 0;
}
