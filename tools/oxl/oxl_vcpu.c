/*
 * vcpu-list [DOMAIN...] (xl's): one row per vCPU with the CPU it is on,
 * its state (r running, b blocked, p offline), its CPU time and its
 * affinity. Oryx's vCPUs never migrate, so the hard affinity is the one
 * CPU each was placed on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oxl.h"
#include "oxl_ctl.h"
#include "oxl_fmt.h"
#include "xctl.h"
#include "xctl_sched.h"
#include "xctl_sysctl.h"

int oxl_main_vcpu_list(int argc, char **argv)
{
    const struct oxl_cmd *cmd = oxl_cmd_find("vcpu-list");
    struct oryx_domctl_getdomaininfo *doms;
    struct oryx_sysctl_physinfo phys;
    int opt, status = 0, n, rc;
    char line[512];
    struct xctl *x;

    while ((opt = oxl_getopt(argc, argv, "h", NULL, cmd, &status)) != -1)
        if (opt == -2)
            return status;
    if (!(x = oxl_open_xctl(&status)))
        return status;
    rc = xctl_physinfo(x, &phys);
    if (rc) {
        fprintf(stderr, "oxl: asking the hypervisor about the host (sysctl physinfo): %s\n",
                strerror(-rc));
        xctl_close(x);
        return 1;
    }
    n = oxl_ctl_select(x, argc - optind, argv + optind, &doms);
    if (n < 0) {
        xctl_close(x);
        return 1;
    }
    oxl_fmt_vcpu_header(line, sizeof(line));
    printf("%s\n", line);
    for (int i = 0; i < n; i++) {
        char name[ORYX_DOMCTL_NAME_MAX + 1];
        snprintf(name, sizeof(name), "%.*s", (int)sizeof(doms[i].name), doms[i].name);
        for (uint32_t v = 0; v < doms[i].nr_vcpus; v++) {
            struct oryx_domctl_getvcpuinfo info;
            rc = xctl_vcpu_info(x, doms[i].domain, v, &info);
            if (rc == -ESRCH)
                break;                  /* it went away meanwhile */
            if (rc) {
                fprintf(stderr, "oxl: vCPU %u of domain %u ('%s'): %s\n", v, doms[i].domain,
                        name, strerror(-rc));
                status = 1;
                break;
            }
            oxl_fmt_vcpu_row(line, sizeof(line), name, doms[i].domain, v, &info,
                             phys.max_cpu_id + 1);
            printf("%s\n", line);
        }
    }
    free(doms);
    xctl_close(x);
    return status;
}
