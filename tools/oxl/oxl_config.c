/*
 * oxl config-check: parse and validate a domain config, print it
 * normalized (the equivalent of `xl create -n`).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "oxl.h"
#include "xlcfg.h"

int oxl_main_config_check(int argc, char **argv)
{
    static const struct option opts[] = {
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const struct oxl_cmd *cmd = oxl_cmd_find("config-check");
    struct xlcfg_diags d;
    struct xlcfg_domain dom;
    int opt, status = 0, quiet = 0, rc;

    while ((opt = oxl_getopt(argc, argv, "+qh", opts, cmd, &status)) != -1) {
        if (opt == -2)
            return status;
        switch (opt) {
        case 'q':
            quiet = 1;
            break;
        default:
            fprintf(stderr, "option `%c' not supported.\n", opt);
            return 2;
        }
    }
    if (argc - optind < 1)
        return oxl_need_args(cmd, 1);
    if (argc - optind > 1) {
        fprintf(stderr, "'oxl config-check' takes one config file.\n");
        return 2;
    }

    xlcfg_diags_init(&d, argv[optind]);
    xlcfg_domain_init(&dom);
    rc = xlcfg_domain_load(argv[optind], &dom, &d);
    xlcfg_diags_print(&d, stderr);
    if (rc == -ENOMEM)
        fprintf(stderr, "%s: out of memory\n", argv[optind]);
    if (!rc && !quiet) {
        rc = xlcfg_domain_print(&dom, stdout);
        if (fflush(stdout) == EOF)
            rc = -EIO;
        if (rc)
            fprintf(stderr, "oxl: cannot write the config: %s\n",
                    strerror(-rc));
    }
    xlcfg_domain_free(&dom);
    xlcfg_diags_free(&d);
    return rc ? 1 : 0;
}
