/*
 * oxl rename DOMAIN NEWNAME (xl's). The name lives in two places: the
 * hypervisor's (what list, lookups and its log use; boot-time domains
 * have only this one) and, for domains the toolstack made, the store's
 * /local/domain/N/name and /vm/<uuid>/name (what the guest and xl-style
 * tools read). The hypervisor's changes first, since it refuses a name
 * taken in the same step; a store that cannot follow puts it back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oxl.h"
#include "xctl.h"
#include "xs_client.h"

/* The store's copies of the name, where they exist: 0, or an xs error. */
static int rename_in_store(struct xs_client *xs, uint16_t dom, const char *name)
{
    char path[128], *vm = NULL, *old = NULL;
    size_t len;
    int rc;

    snprintf(path, sizeof(path), "/local/domain/%u/name", dom);
    rc = xs_client_read(xs, path, &old, &len);
    free(old);
    if (rc)
        return rc == -ENOENT ? 0 : rc;  /* a boot-time domain: none */
    rc = xs_client_write(xs, path, name, strlen(name));
    snprintf(path, sizeof(path), "/local/domain/%u/vm", dom);
    if (!rc && !xs_client_read(xs, path, &vm, &len) && !strncmp(vm, "/vm/", 4)) {
        snprintf(path, sizeof(path), "%s/name", vm);
        rc = xs_client_write(xs, path, name, strlen(name));
    }
    free(vm);
    return rc;
}

int oxl_main_rename(int argc, char **argv)
{
    const struct oxl_cmd *cmd = oxl_cmd_find("rename");
    struct oryx_domctl_getdomaininfo info;
    struct xs_client *xs;
    struct xctl *x;
    int status, rc;
    uint16_t dom, other;

    if ((status = oxl_plain_args(argc, argv, cmd, 2)) >= 0)
        return status;
    status = 0;
    const char *name = argv[optind + 1];
    if (!(x = oxl_open_domain(argv[optind], &dom, &status)))
        return status;
    if (xctl_domain_info(x, dom, &info)) {
        fprintf(stderr, "oxl: no domain '%s' (give a name or an id from 'oxl list')\n",
                argv[optind]);
        xctl_close(x);
        return 1;
    }
    char old[sizeof(info.name) + 1];
    snprintf(old, sizeof(old), "%.*s", (int)sizeof(info.name), info.name);
    if (!strcmp(old, name)) {
        xctl_close(x);
        return 0;                       /* xl: nothing to do */
    }
    rc = name[0] >= '0' && name[0] <= '9' ? -EINVAL :     /* it would read as an id */
         !xctl_domain_lookup(x, name, &other) ? -EEXIST :
         xctl_domain_rename(x, dom, name);
    if (rc) {
        fprintf(stderr, "oxl: renaming domain %u ('%s') to '%s': %s\n", dom, old, name,
                rc == -EEXIST ? "a domain of that name exists" :
                rc == -EINVAL ? "invalid name (1-31 of A-Z a-z 0-9 _ . -, not starting "
                                "with a digit)" :
                rc == -EPERM ? "dom0 cannot be renamed" : strerror(-rc));
        xctl_close(x);
        return 1;
    }
    /* Without a store (no oryxd) only a boot-time domain has nothing there. */
    xs = xs_client_open(NULL);
    rc = xs ? rename_in_store(xs, dom, name) : 0;
    if (rc) {
        fprintf(stderr, "oxl: renaming domain %u ('%s') to '%s': the store: %s\n", dom, old,
                name, xs_client_strerror(rc));
        xctl_domain_rename(x, dom, old);
        status = 1;
    } else if (!xs) {
        fprintf(stderr, "oxl: domain %u renamed '%s' in the hypervisor only: the store is not "
                "reachable (is oryxd running?)\n", dom, name);
    }
    xs_client_close(xs);
    xctl_close(x);
    return status;
}
