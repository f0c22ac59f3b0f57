/*
 * The domain verbs: list, destroy, domid, domname. They talk to the
 * hypervisor through libxctl (privcmd + domctl), so they work in dom0 under
 * Oryx. A domain is named by name or by id everywhere.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oxl.h"
#include "oxl_xsdomain.h"
#include "xctl.h"
#include "xctl_sched.h"

/* libxctl, or a one-line error (1). */
struct xctl *oxl_open_xctl(int *status)
{
    struct xctl *x = xctl_open();

    if (!x) {
        fprintf(stderr, "oxl: cannot open the hypervisor interface (/dev/xen/privcmd): %s; "
                "oxl's domain verbs run in dom0 under Oryx\n", strerror(errno));
        *status = 1;
    }
    return x;
}

/* The domain ARG names, or a one-line error. */
int oxl_lookup(struct xctl *x, const char *arg, uint16_t *dom)
{
    int rc = xctl_domain_lookup(x, arg, dom);

    if (rc == -ESRCH || rc == -EINVAL)
        fprintf(stderr, "oxl: no domain '%s' (give a name or an id from 'oxl list')\n", arg);
    else if (rc)
        fprintf(stderr, "oxl: looking up domain '%s': %s\n", arg, strerror(-rc));
    return rc;
}

void oxl_print_domains(FILE *f, const struct oryx_domctl_getdomaininfo *d, int n)
{
    oxl_print_domains_v(f, d, n, 0);
}

int oxl_main_list(int argc, char **argv)
{
    static const struct option opts[] = {
        { "long", no_argument, NULL, 'l' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const struct oxl_cmd *cmd = oxl_cmd_find("list");
    struct oryx_domctl_getdomaininfo *all = NULL, *sel;
    int opt, status = 0, n, m = 0, details = 0, verbose = 0;
    struct xctl *x;

    while ((opt = oxl_getopt(argc, argv, "hlv", opts, cmd, &status)) != -1) {
        if (opt == -2)
            return status;
        details |= opt == 'l';
        verbose |= opt == 'v';
    }
    if (!(x = oxl_open_xctl(&status)))
        return status;
    n = xctl_domain_list(x, &all);
    if (n < 0) {
        fprintf(stderr, "oxl: listing domains: %s\n", strerror(-n));
        xctl_close(x);
        return 1;
    }
    sel = calloc((size_t)n + 1, sizeof(*sel));
    if (!sel) {
        fprintf(stderr, "oxl: out of memory\n");
        free(all);
        xctl_close(x);
        return 1;
    }
    if (optind == argc) {
        memcpy(sel, all, (size_t)n * sizeof(*sel));
        m = n;
    }
    for (int a = optind; a < argc && !status; a++) {
        uint16_t dom;
        if (oxl_lookup(x, argv[a], &dom)) {
            status = 1;
            break;
        }
        for (int i = 0; i < n; i++)
            if (all[i].domain == dom)
                sel[m++] = all[i];
    }
    if (!status && details)
        status = oxl_print_domains_json(stdout, sel, m);
    else if (!status)
        oxl_print_domains_v(stdout, sel, m, verbose);
    free(sel);
    free(all);
    xctl_close(x);
    return status;
}

/*
 * The verbs that take exactly one DOMAIN: options, the hypervisor, the
 * lookup. NULL with *status set to what the verb returns; else libxctl
 * (for the caller to close) and *dom.
 */
static struct xctl *one_domain(int argc, char **argv, const char *verb, uint16_t *dom,
                               int *status)
{
    if ((*status = oxl_plain_args(argc, argv, oxl_cmd_find(verb), 1)) >= 0)
        return NULL;
    *status = 0;
    return oxl_open_domain(argv[optind], dom, status);
}

struct xctl *oxl_open_domain(const char *arg, uint16_t *dom, int *status)
{
    struct xctl *x = oxl_open_xctl(status);

    if (x && oxl_lookup(x, arg, dom)) {
        xctl_close(x);
        *status = 1;
        return NULL;
    }
    return x;
}

int oxl_main_destroy(int argc, char **argv)
{
    int status, rc;
    uint16_t dom;
    struct xctl *x = one_domain(argc, argv, "destroy", &dom, &status);

    if (!x)
        return status;
    /* Its devices first, as xl does: dom0's backends let go of it. */
    if (dom != 0) {
        xctl_domain_set_paused(x, dom, 1);
        oxl_devices_remove(dom);
    }
    rc = dom == 0 ? -EPERM : xctl_domain_destroy(x, dom);
    if (!rc)
        oxl_xs_domain_forget(dom);
    if (rc)
        fprintf(stderr, "oxl: destroying domain %u ('%s'): %s\n", dom, argv[optind],
                dom == 0 ? "dom0 cannot be destroyed" : strerror(-rc));
    xctl_close(x);
    return rc ? 1 : 0;
}

/* domid NAME and domname ID. */
static int name_or_id(int argc, char **argv, const char *verb, int want_name)
{
    struct oryx_domctl_getdomaininfo info;
    int status;
    uint16_t dom;
    struct xctl *x = one_domain(argc, argv, verb, &dom, &status);

    if (!x)
        return status;
    if (xctl_domain_info(x, dom, &info)) {
        xctl_close(x);
        return 1;
    }
    if (want_name)
        printf("%.*s\n", (int)sizeof(info.name), info.name);
    else
        printf("%u\n", dom);
    xctl_close(x);
    return 0;
}

int oxl_main_domid(int argc, char **argv)
{
    return name_or_id(argc, argv, "domid", 0);
}

int oxl_main_domname(int argc, char **argv)
{
    return name_or_id(argc, argv, "domname", 1);
}
