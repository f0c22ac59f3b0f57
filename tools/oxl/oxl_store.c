/*
 * oxl store: the xenstore-utils verbs (read, write, ls, rm, mkdir,
 * watch, chmod, getperms) against oryxd, through libxs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oxl.h"
#include "xs_client.h"

#define STORE_MAX_DEPTH 256

static int fail(const char *op, const char *path, int err)
{
    fprintf(stderr, "oxl: store %s %s: %s\n", op, path,
            xs_client_strerror(err));
    return 1;
}

static int do_read(struct xs_client *c, int argc, char **argv)
{
    int status = 0;

    for (int i = 0; i < argc; i++) {
        char *val = NULL;
        size_t len = 0;
        int rc = xs_client_read(c, argv[i], &val, &len);

        if (rc) {
            status = fail("read", argv[i], rc);
            continue;
        }
        fwrite(val, 1, len, stdout);
        fputc('\n', stdout);
        free(val);
    }
    return status;
}

static int do_write(struct xs_client *c, int argc, char **argv)
{
    int status = 0;

    if (argc % 2) {
        fprintf(stderr, "oxl: store write takes PATH VALUE pairs.\n");
        return 2;
    }
    for (int i = 0; i < argc; i += 2) {
        int rc = xs_client_write(c, argv[i], argv[i + 1],
                                 strlen(argv[i + 1]));

        if (rc)
            status = fail("write", argv[i], rc);
    }
    return status;
}

static int do_each(struct xs_client *c, int argc, char **argv, const char *op,
                   int (*fn)(struct xs_client *, const char *))
{
    int status = 0;

    for (int i = 0; i < argc; i++) {
        int rc = fn(c, argv[i]);

        if (rc)
            status = fail(op, argv[i], rc);
    }
    return status;
}

static void put_value(const char *v, size_t len)
{
    putchar('"');
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)v[i];

        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            printf("\\x%02x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

/* Prints the children of path, one level of indent per depth. */
static int ls_tree(struct xs_client *c, const char *path, int depth)
{
    char **names = NULL;
    unsigned int n = 0;
    int rc, status = 0;

    if (depth > STORE_MAX_DEPTH)
        return 0;
    rc = xs_client_directory(c, path, &names, &n);
    if (rc)
        return fail("ls", path, rc);
    for (unsigned int i = 0; i < n; i++) {
        size_t plen = strlen(path);
        char *child = malloc(plen + strlen(names[i]) + 2);
        char *val = NULL;
        size_t len = 0;

        if (!child) {
            status = fail("ls", path, -ENOMEM);
            break;
        }
        sprintf(child, "%s%s%s", path,
                plen && path[plen - 1] == '/' ? "" : "/", names[i]);
        printf("%*s%s = ", depth, "", names[i]);
        rc = xs_client_read(c, child, &val, &len);
        if (rc == 0) {
            put_value(val, len);
            free(val);
        } else {
            printf("(%s)", xs_client_strerror(rc));
        }
        putchar('\n');
        if (ls_tree(c, child, depth + 1))
            status = 1;
        free(child);
    }
    free(names);
    return status;
}

static int do_watch(struct xs_client *c, int argc, char **argv)
{
    long count = -1;
    int rc;

    if (argc >= 2 && !strcmp(argv[0], "-n")) {
        char *end;

        count = strtol(argv[1], &end, 10);
        if (!*argv[1] || *end || count < 1) {
            fprintf(stderr, "oxl: store watch -n needs a positive count.\n");
            return 2;
        }
        argc -= 2;
        argv += 2;
    }
    if (argc != 1) {
        fprintf(stderr, "oxl: store watch takes one PATH.\n");
        return 2;
    }
    rc = xs_client_watch(c, argv[0], "oxl");
    if (rc)
        return fail("watch", argv[0], rc);
    while (count != 0) {
        char *path = NULL, *token = NULL;

        rc = xs_client_read_watch(c, &path, &token);
        if (rc)
            return fail("watch", argv[0], rc);
        printf("%s\n", path);
        fflush(stdout);
        free(path);
        free(token);
        if (count > 0)
            count--;
    }
    return 0;
}

static int perm_ok(const char *p)
{
    if (!strchr("nrwb", p[0]) || !p[0] || !p[1])
        return 0;
    for (p++; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

static int do_chmod(struct xs_client *c, int argc, char **argv)
{
    int rc;

    if (argc < 2) {
        fprintf(stderr, "oxl: store chmod takes PATH PERM...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (!perm_ok(argv[i])) {
            fprintf(stderr, "oxl: store chmod: bad permission `%s' (want "
                    "n, r, w or b and a domain id, e.g. r5)\n", argv[i]);
            return 2;
        }
    }
    rc = xs_client_set_perms(c, argv[0], (const char *const *)(argv + 1),
                             (unsigned int)(argc - 1));
    return rc ? fail("chmod", argv[0], rc) : 0;
}

static int do_getperms(struct xs_client *c, int argc, char **argv)
{
    int status = 0;

    for (int i = 0; i < argc; i++) {
        char *perms = NULL;
        int rc = xs_client_get_perms(c, argv[i], &perms);

        if (rc) {
            status = fail("getperms", argv[i], rc);
            continue;
        }
        for (char *p = perms; *p; p++)
            putchar(*p == '\n' ? ' ' : *p);
        putchar('\n');
        free(perms);
    }
    return status;
}

int oxl_main_store(int argc, char **argv)
{
    static const struct option opts[] = {
        { "socket", required_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const struct oxl_cmd *cmd = oxl_cmd_find("store");
    const char *socket_path = NULL, *sub;
    struct xs_client *c;
    int opt, status = 0, nargs, min;

    while ((opt = oxl_getopt(argc, argv, "+s:h", opts, cmd, &status)) != -1) {
        if (opt == -2)
            return status;
        switch (opt) {
        case 's':
            socket_path = optarg;
            break;
        default:
            fprintf(stderr, "option `%c' not supported.\n", opt);
            return 2;
        }
    }
    if (argc - optind < 1)
        return oxl_need_args(cmd, 1);
    sub = argv[optind];
    nargs = argc - optind - 1;
    argv += optind + 1;

    if (!strcmp(sub, "ls") || !strcmp(sub, "watch"))
        min = 0;
    else if (!strcmp(sub, "read") || !strcmp(sub, "rm") ||
             !strcmp(sub, "mkdir") || !strcmp(sub, "getperms"))
        min = 1;
    else if (!strcmp(sub, "write") || !strcmp(sub, "chmod"))
        min = 2;
    else {
        fprintf(stderr, "oxl: store: unknown sub-verb `%s' (see 'oxl store "
                "--help')\n", sub);
        return 2;
    }
    if (nargs < min) {
        fprintf(stderr, "'oxl store %s' requires at least %d argument%s.\n",
                sub, min, min > 1 ? "s" : "");
        return 2;
    }

    c = xs_client_open(socket_path);
    if (!c) {
        fprintf(stderr, "oxl: cannot connect to the store%s%s: %s\n",
                socket_path ? " at " : "", socket_path ? socket_path : "",
                strerror(errno));
        return 1;
    }
    if (!strcmp(sub, "read"))
        status = do_read(c, nargs, argv);
    else if (!strcmp(sub, "write"))
        status = do_write(c, nargs, argv);
    else if (!strcmp(sub, "ls"))
        status = ls_tree(c, nargs ? argv[0] : "/", 0);
    else if (!strcmp(sub, "rm"))
        status = do_each(c, nargs, argv, "rm", xs_client_rm);
    else if (!strcmp(sub, "mkdir"))
        status = do_each(c, nargs, argv, "mkdir", xs_client_mkdir);
    else if (!strcmp(sub, "watch"))
        status = do_watch(c, nargs, argv);
    else if (!strcmp(sub, "chmod"))
        status = do_chmod(c, nargs, argv);
    else if (!strcmp(sub, "getperms"))
        status = do_getperms(c, nargs, argv);
    else
        status = 2;
    xs_client_close(c);
    return status;
}
