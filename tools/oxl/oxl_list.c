/*
 * list's -v and -l outputs (xl's): the table with UUID, reason code and
 * security label columns, and the JSON of each domain. The UUID is the
 * store's (oryxd's /local/domain/N/vm) when it has one.
 */
#include <stdio.h>
#include <stdlib.h>

#include "oxl.h"
#include "oxl_ctl.h"
#include "oxl_fmt.h"
#include "oxl_json.h"
#include "xs_client.h"

void oxl_print_domains_v(FILE *f, const struct oryx_domctl_getdomaininfo *d, int n, int verbose)
{
    char line[256], uuid[37];

    fprintf(f, "%s\n", oxl_fmt_list_header(verbose));
    for (int i = 0; i < n; i++) {
        int known = verbose && !oxl_ctl_uuid(d[i].domain, uuid);
        oxl_fmt_list_row(line, sizeof(line), &d[i], verbose, known ? uuid : NULL);
        fprintf(f, "%s\n", line);
    }
}

int oxl_print_domains_json(FILE *f, const struct oryx_domctl_getdomaininfo *d, int n)
{
    char (*uuid)[37] = calloc((size_t)n + 1, sizeof(*uuid));
    const char **names = calloc((size_t)n + 1, sizeof(*names));
    struct oxl_json_devs *devs = calloc((size_t)n + 1, sizeof(*devs));
    struct xs_client *xs = xs_client_open(NULL);   /* none: no devices shown */
    struct xdev_info *v;
    unsigned int nv;
    char *text = NULL;

    if (uuid && names && devs) {
        for (int i = 0; i < n; i++) {
            names[i] = oxl_ctl_uuid(d[i].domain, uuid[i]) ? NULL : uuid[i];
            if (xs && !xdev_list(xs, d[i].domain, "vbd", &v, &nv)) {
                devs[i].vbd = v;
                devs[i].nvbd = nv;
            }
            if (xs && !xdev_list(xs, d[i].domain, "vif", &v, &nv)) {
                devs[i].vif = v;
                devs[i].nvif = nv;
            }
        }
        text = oxl_json_domains(d, names, devs, n);
    }
    for (int i = 0; devs && i < n; i++) {
        free((void *)devs[i].vbd);
        free((void *)devs[i].vif);
    }
    free(devs);
    xs_client_close(xs);
    free(names);
    free(uuid);
    if (!text) {
        fprintf(stderr, "oxl: out of memory writing JSON\n");
        return 1;
    }
    fputs(text, f);
    free(text);
    return 0;
}
