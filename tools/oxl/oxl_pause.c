/*
 * pause and unpause DOMAIN (xl's): the domain's vCPUs stop, and run again.
 * Pausing a paused domain, or unpausing a running one, does nothing.
 * Unpause also starts a domain built with `create -p`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "oxl.h"
#include "oxl_ctl.h"
#include "xctl.h"
#include "xctl_sched.h"

/* Why the hypervisor refused, in the words of the domain's state. */
static const char *why(struct xctl *x, uint16_t dom, int rc, int pausing)
{
    struct oryx_domctl_getdomaininfo info;

    if (rc == -EPERM && dom == 0)
        return pausing ? "dom0 cannot be paused" : "dom0 is never paused";
    if (rc == -EINVAL && !xctl_domain_info(x, dom, &info)) {
        if (info.flags & ORYX_DOMINF_crashed)
            return "it has crashed";
        if (info.flags & ORYX_DOMINF_shutdown)
            return "it has shut down";
        if (!pausing && (info.flags & ORYX_DOMINF_paused))
            return "it was built without an entry point";
    }
    if (rc == -EPERM && !pausing)
        return "a boot-time domain starts itself";
    return strerror(-rc);
}

static int pause_verb(int argc, char **argv, const char *verb, int pausing)
{
    const struct oxl_cmd *cmd = oxl_cmd_find(verb);
    int status, rc;
    struct xctl *x;
    uint16_t dom;

    if ((status = oxl_plain_args(argc, argv, cmd, 1)) >= 0)
        return status;
    status = 0;
    if (!(x = oxl_open_domain(argv[optind], &dom, &status)))
        return status;
    rc = dom == 0 ? -EPERM : xctl_domain_set_paused(x, dom, pausing);
    if (rc)
        fprintf(stderr, "oxl: %s domain %u ('%s'): %s\n", pausing ? "pausing" : "unpausing", dom,
                argv[optind], why(x, dom, rc, pausing));
    xctl_close(x);
    return rc ? 1 : 0;
}

int oxl_main_pause(int argc, char **argv)
{
    return pause_verb(argc, argv, "pause", 1);
}

int oxl_main_unpause(int argc, char **argv)
{
    return pause_verb(argc, argv, "unpause", 0);
}
