/*
 * oxl dump-core DOMAIN FILENAME (xl's): the domain's memory as an ELF
 * core file (libxctl's xctl_domain_dumpcore: one PT_LOAD per RAM range,
 * p_paddr its guest-physical address). A running domain is paused while
 * it is read and goes on after; the file appears whole or not at all.
 */
#include <stdio.h>

#include "oxl.h"
#include "xctl.h"
#include "xctl_dumpcore.h"

int oxl_main_dump_core(int argc, char **argv)
{
    const struct oxl_cmd *cmd = oxl_cmd_find("dump-core");
    struct xctl *x;
    char err[256];
    int status;
    uint16_t dom;

    if ((status = oxl_plain_args(argc, argv, cmd, 2)) >= 0)
        return status;
    status = 0;
    if (!(x = oxl_open_domain(argv[optind], &dom, &status)))
        return status;
    if (xctl_domain_dumpcore(x, dom, argv[optind + 1], err, sizeof(err))) {
        fprintf(stderr, "oxl: dumping the core of domain %u ('%s') to %s: %s\n", dom,
                argv[optind], argv[optind + 1], err);
        status = 1;
    }
    xctl_close(x);
    return status;
}
