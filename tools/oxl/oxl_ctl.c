/* The verbs' shared access to the hypervisor and the store (oxl_ctl.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oxl.h"
#include "oxl_ctl.h"
#include "xctl.h"
#ifdef OXL_WITH_STORE
#include "oxl_xsdomain.h"
#include "xs_client.h"
#endif

int oxl_extra_args(const struct oxl_cmd *cmd, const char *arg)
{
    fprintf(stderr, "'oxl %s' does not take the argument '%s'.\n\n", cmd->verb, arg);
    oxl_help(cmd);
    return 2;
}

int oxl_ctl_select(struct xctl *x, int argc, char **argv,
                   struct oryx_domctl_getdomaininfo **out)
{
    struct oryx_domctl_getdomaininfo *all = NULL, *sel;
    int n = xctl_domain_list(x, &all), m = 0;

    if (n < 0) {
        fprintf(stderr, "oxl: listing domains: %s\n", strerror(-n));
        return -1;
    }
    if (!argc) {
        *out = all;
        return n;
    }
    sel = calloc((size_t)argc, sizeof(*sel));
    if (!sel) {
        fprintf(stderr, "oxl: out of memory\n");
        free(all);
        return -1;
    }
    for (int a = 0; a < argc; a++) {
        uint16_t dom;
        int i;
        if (oxl_lookup(x, argv[a], &dom)) {
            free(sel);
            free(all);
            return -1;
        }
        for (i = 0; i < n && all[i].domain != dom; i++)
            ;
        if (i == n) {                   /* gone since the lookup */
            fprintf(stderr, "oxl: no domain '%s' (give a name or an id from 'oxl list')\n",
                    argv[a]);
            free(sel);
            free(all);
            return -1;
        }
        sel[m++] = all[i];
    }
    free(all);
    *out = sel;
    return m;
}

int oxl_ctl_uuid(unsigned int domid, char out[37])
{
#ifdef OXL_WITH_STORE
    struct xs_client *c = xs_client_open(NULL);
    int rc;

    if (!c)
        return -1;
    rc = oxl_xs_domain_uuid(c, domid, out);
    xs_client_close(c);
    return rc ? -1 : 0;
#else
    (void)domid;
    (void)out;
    return -1;
#endif
}
