/*
 * A domain's disks and vifs: at create (oxl_devices_add), and xl's
 * hot-plug verbs block-attach/-detach/-list, network-attach/-detach/
 * -list, plus bridge-setup for the default bridge. The wiring itself is
 * libxdev's; here are the verbs, their arguments and xl's output.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oxl.h"
#include "oxl_xsdomain.h"
#include "xctl.h"
#include "xdev.h"
#include "xlcfg.h"
#include "xs_client.h"

/* The uuid's 16 bytes from /vm/<uuid> (zeros when it has none). */
static void domain_uuid(struct xs_client *xs, unsigned int domid, uint8_t u[16])
{
    char s[37];
    unsigned int i, j = 0, b;

    memset(u, 0, 16);
    if (oxl_xs_domain_uuid(xs, domid, s))
        return;
    for (i = 0; s[i] && j < 16; i++) {
        if (s[i] == '-')
            continue;
        if (sscanf(s + i, "%2x", &b) != 1)
            return;
        u[j++] = (uint8_t)b;
        i++;
    }
}

/* The next free vif index (one more than the largest in use). */
static uint32_t next_vif(struct xs_client *xs, unsigned int domid)
{
    struct xdev_info *v;
    unsigned int n, i;
    uint32_t next = 0;

    if (xdev_list(xs, domid, "vif", &v, &n))
        return 0;
    for (i = 0; i < n; i++)
        if (v[i].devid >= next)
            next = v[i].devid + 1;
    free(v);
    return next;
}

int oxl_devices_add(struct xs_client *xs, unsigned int domid, const uint8_t uuid[16],
                    const struct xlcfg_domain *dom, char *err, size_t errlen)
{
    size_t i;
    int rc;

    for (i = 0; i < dom->ndisks; i++) {
        rc = xdev_disk_add(xs, domid, &dom->disks[i], err, errlen);
        if (rc)
            return rc;
    }
    for (i = 0; i < dom->nvifs; i++) {
        const struct xlcfg_vif *v = &dom->vifs[i];
        uint32_t devid = v->devid != XLCFG_UNSET ? (uint32_t)v->devid : (uint32_t)i;

        rc = xdev_vif_add(xs, domid, uuid, v, devid, err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

void oxl_devices_remove(unsigned int domid)
{
    struct xs_client *xs = xs_client_open(NULL);

    if (!xs)
        return;
    xdev_remove_all(xs, domid);
    xs_client_close(xs);
}

/* The domain and the store for a device verb; NULL after a message. */
static struct xs_client *open_both(const char *arg, unsigned short *dom, int *status)
{
    struct xctl *x = oxl_open_domain(arg, dom, status);
    struct xs_client *xs;

    if (!x)
        return NULL;
    xctl_close(x);
    xs = oxl_open_store();
    if (!xs)
        *status = 1;
    return xs;
}

/* argv[from..argc) joined by commas: xl lets a spec's parts be separate
 * arguments. */
static char *join_spec(int argc, char **argv, int from)
{
    size_t len = 1;
    char *s;
    int i;

    for (i = from; i < argc; i++)
        len += strlen(argv[i]) + 1;
    s = calloc(1, len);
    if (!s)
        return NULL;
    for (i = from; i < argc; i++) {
        if (i > from)
            strcat(s, ",");
        strcat(s, argv[i]);
    }
    return s;
}

int oxl_main_block_attach(int argc, char **argv)
{
    const struct oxl_cmd *cmd = oxl_cmd_find("block-attach");
    int opt, status = 0, rc;
    struct xlcfg_disk d;
    struct xs_client *xs;
    unsigned short dom;
    char *spec, *perr = NULL, err[320];

    while ((opt = oxl_getopt(argc, argv, "+h", NULL, cmd, &status)) != -1)
        if (opt == -2)
            return status;
    if (argc - optind < 2)
        return oxl_need_args(cmd, 2);
    spec = join_spec(argc, argv, optind + 1);
    if (!spec) {
        fprintf(stderr, "oxl: out of memory\n");
        return 1;
    }
    rc = xlcfg_disk_parse(spec, &d, &perr);
    if (rc) {
        fprintf(stderr, "oxl: disk spec '%s': %s\n", spec, perr ? perr : "invalid");
        xlcfg_disk_free(&d);
        free(perr);
        free(spec);
        return 1;
    }
    xs = open_both(argv[optind], &dom, &status);
    if (xs) {
        rc = dom == 0 ? -EPERM : xdev_disk_add(xs, dom, &d, err, sizeof(err));
        if (dom == 0)
            snprintf(err, sizeof(err), "dom0's disks are its own, not attached by oxl");
        if (rc)
            fprintf(stderr, "oxl: block-attach to domain %u: %s\n", dom, err);
        status = rc ? 1 : 0;
        xs_client_close(xs);
    }
    xlcfg_disk_free(&d);
    free(spec);
    return status;
}

/* A vbd named by vdev (xvdb) or id (51728), or a vif by index or MAC. */
static int find_device(struct xs_client *xs, unsigned int domid, const char *kind,
                       const char *arg, uint32_t *devid)
{
    struct xdev_info *v;
    unsigned int n, i;
    char *end;
    unsigned long id;
    int rc = -ENOENT;

    if (!strcmp(kind, "vbd") && xdev_vdev_to_devid(arg, devid) == 0)
        return 0;
    id = strtoul(arg, &end, 10);
    if (*arg && *end == '\0' && id <= UINT32_MAX) {
        *devid = (uint32_t)id;
        return 0;
    }
    if (xdev_list(xs, domid, kind, &v, &n))
        return -ENOENT;
    for (i = 0; i < n; i++)
        if (!strcasecmp(v[i].mac, arg)) {
            *devid = v[i].devid;
            rc = 0;
        }
    free(v);
    return rc;
}

static int detach(int argc, char **argv, const char *verb, const char *kind)
{
    static const struct option opts[] = {
        { "force", no_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const struct oxl_cmd *cmd = oxl_cmd_find(verb);
    int opt, status = 0, force = 0, rc;
    struct xs_client *xs;
    unsigned short dom;
    uint32_t devid;
    char err[320];

    while ((opt = oxl_getopt(argc, argv, "+fh", opts, cmd, &status)) != -1) {
        if (opt == -2)
            return status;
        if (opt == 'f')
            force = 1;
    }
    if (argc - optind < 2)
        return oxl_need_args(cmd, 2);
    xs = open_both(argv[optind], &dom, &status);
    if (!xs)
        return status;
    if (find_device(xs, dom, kind, argv[optind + 1], &devid)) {
        fprintf(stderr, "oxl: %s: domain %u has no %s '%s'\n", verb, dom,
                !strcmp(kind, "vbd") ? "disk" : "network device", argv[optind + 1]);
        xs_client_close(xs);
        return 1;
    }
    rc = xdev_remove(xs, dom, kind, devid, force, err, sizeof(err));
    if (rc)
        fprintf(stderr, "oxl: %s: %s\n", verb, err);
    xs_client_close(xs);
    return rc ? 1 : 0;
}

int oxl_main_block_detach(int argc, char **argv)
{
    return detach(argc, argv, "block-detach", "vbd");
}

int oxl_main_network_detach(int argc, char **argv)
{
    return detach(argc, argv, "network-detach", "vif");
}

static int num(const char *s)
{
    return *s ? atoi(s) : -1;
}

/* xl's block-list and network-list tables, for each domain named. */
static int list(int argc, char **argv, const char *verb, const char *kind)
{
    const struct oxl_cmd *cmd = oxl_cmd_find(verb);
    int opt, status = 0, i, vbd = !strcmp(kind, "vbd");
    struct xdev_info *v;
    unsigned int n, j;
    struct xs_client *xs;
    unsigned short dom;
    char be[96];

    while ((opt = oxl_getopt(argc, argv, "+h", NULL, cmd, &status)) != -1)
        if (opt == -2)
            return status;
    if (argc - optind < 1)
        return oxl_need_args(cmd, 1);
    if (vbd)
        printf("%-5s %-3s %-6s %-5s %-6s %-8s %-30s\n", "Vdev", "BE", "handle", "state",
               "evt-ch", "ring-ref", "BE-path");
    else
        printf("%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s\n", "Idx", "BE", "Mac Addr.",
               "handle", "state", "evt-ch", "tx-", "rx-ring-ref", "BE-path");
    for (i = optind; i < argc; i++) {
        xs = open_both(argv[i], &dom, &status);
        if (!xs)
            continue;
        if (xdev_list(xs, dom, kind, &v, &n)) {
            fprintf(stderr, "oxl: %s: cannot read domain %u's devices\n", verb, dom);
            status = 1;
            xs_client_close(xs);
            continue;
        }
        for (j = 0; j < n; j++) {
            snprintf(be, sizeof(be), "/local/domain/0/backend/%s/%u/%u", kind, dom, v[j].devid);
            if (vbd)
                printf("%-5u %-3d %-6u %-5d %-6d %-8d %-30s\n", v[j].devid, 0, dom,
                       v[j].fe_state, num(v[j].evtchn), num(v[j].ring_ref), be);
            else
                printf("%-3u %-2d %-17s %-6u %-5d %-6d %5d/%-5d %-30s\n", v[j].devid, 0,
                       v[j].mac, v[j].devid, v[j].fe_state, num(v[j].evtchn),
                       num(v[j].ring_ref), num(v[j].ring_ref2), be);
        }
        free(v);
        xs_client_close(xs);
    }
    return status;
}

int oxl_main_block_list(int argc, char **argv)
{
    return list(argc, argv, "block-list", "vbd");
}

int oxl_main_network_list(int argc, char **argv)
{
    return list(argc, argv, "network-list", "vif");
}

int oxl_main_network_attach(int argc, char **argv)
{
    const struct oxl_cmd *cmd = oxl_cmd_find("network-attach");
    int opt, status = 0, rc;
    struct xlcfg_vif v;
    struct xs_client *xs;
    unsigned short dom;
    char *spec, *perr = NULL, err[320];
    uint8_t uuid[16];

    while ((opt = oxl_getopt(argc, argv, "+h", NULL, cmd, &status)) != -1)
        if (opt == -2)
            return status;
    if (argc - optind < 1)
        return oxl_need_args(cmd, 1);
    spec = join_spec(argc, argv, optind + 1);
    if (!spec) {
        fprintf(stderr, "oxl: out of memory\n");
        return 1;
    }
    rc = xlcfg_vif_parse(spec, &v, &perr);
    if (rc) {
        fprintf(stderr, "oxl: vif spec '%s': %s\n", spec, perr ? perr : "invalid");
        xlcfg_vif_free(&v);
        free(perr);
        free(spec);
        return 1;
    }
    xs = open_both(argv[optind], &dom, &status);
    if (xs) {
        if (dom == 0) {
            fprintf(stderr, "oxl: network-attach: dom0's NICs are its own, not attached by oxl\n");
            status = 1;
        } else {
            uint32_t devid = v.devid != XLCFG_UNSET ? (uint32_t)v.devid : next_vif(xs, dom);

            domain_uuid(xs, dom, uuid);
            rc = xdev_vif_add(xs, dom, uuid, &v, devid, err, sizeof(err));
            if (rc)
                fprintf(stderr, "oxl: network-attach to domain %u: %s\n", dom, err);
            status = rc ? 1 : 0;
        }
        xs_client_close(xs);
    }
    xlcfg_vif_free(&v);
    free(spec);
    return status;
}

int oxl_main_bridge_setup(int argc, char **argv)
{
    const struct oxl_cmd *cmd = oxl_cmd_find("bridge-setup");
    int opt, status = 0, rc;
    char info[256], err[256];

    while ((opt = oxl_getopt(argc, argv, "+h", NULL, cmd, &status)) != -1)
        if (opt == -2)
            return status;
    if (argc - optind > 2) {
        oxl_help(cmd);
        return 2;
    }
    rc = xdev_bridge_setup(argc - optind > 0 ? argv[optind] : "xenbr0",
                           argc - optind > 1 ? argv[optind + 1] : NULL, info, sizeof(info), err,
                           sizeof(err));
    if (rc) {
        fprintf(stderr, "oxl: bridge-setup: %s\n", err);
        return 1;
    }
    printf("%s\n", info);
    return 0;
}
