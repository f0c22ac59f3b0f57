/*
 * oxl create: an xl.cfg file (plus xl-style KEY=VALUE overrides) to a
 * running PVH domain, built in dom0 by libxctl's builder, its store
 * entries written and its store ring introduced to oryxd before it
 * starts. Files are read and the store reached before anything is
 * created; on any failure nothing is left behind (no domain, no store
 * entries, no saved configuration).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oxl.h"
#include "oxl_xsdomain.h"
#include "xctl.h"
#include "xctl_build.h"
#include "xdev.h"
#include "xlcfg.h"
#include "xs_client.h"

static int save_config(const char *uuid, const char *text, size_t len, char *path,
                       size_t pathlen)
{
    const char *dir = xctl_lib_dir();    /* kept for oryxd to restart it */
    FILE *f;

    mkdir(dir, 0755);
    snprintf(path, pathlen, "%s/%s.cfg", dir, uuid);
    f = fopen(path, "w");
    if (!f)
        return -errno;
    if (fwrite(text, 1, len, f) != len || fclose(f)) {
        unlink(path);
        return -EIO;
    }
    return 0;
}

/* Store entries and introduction for a domain just built (paused). */
static int announce(struct xs_client *xs, const struct xlcfg_domain *dom,
                    const struct xctl_built *o, const char *uuid, const char *cfgpath,
                    unsigned int vcpus, uint64_t mem_bytes, char *err, size_t errlen)
{
    struct oxl_xs_domain xd = {
        .domid = o->domid, .vcpus = vcpus, .name = dom->name, .uuid = uuid,
        .mem_kb = mem_bytes >> 10, .store_gfn = o->store_gfn, .console_gfn = o->console_gfn,
        .store_port = o->store_port, .console_port = o->console_port,
        .on_poweroff = xlcfg_action_name(dom->on_poweroff),
        .on_reboot = xlcfg_action_name(dom->on_reboot),
        .on_crash = xlcfg_action_name(dom->on_crash),
        .on_watchdog = xlcfg_action_name(dom->on_watchdog),
        .config = cfgpath,
    };
    int rc = oxl_xs_domain_add(xs, &xd, err, errlen);

    if (rc)
        return rc;
    rc = xs_client_introduce(xs, o->domid, o->store_gfn, o->store_port);
    if (rc)
        snprintf(err, errlen, "the store (oryxd) refused to introduce it: %s",
                 xs_client_strerror(rc));
    return rc;
}

/* The whole file, or NULL with a one-line error. */
/* Where unpacked kernels are kept: $ORYX_CACHE_DIR/kernels, else
 * /var/cache/oryx/kernels; ORYX_CACHE_DIR="" keeps none. */
static const char *unpack_cache(void)
{
    static char dir[256];
    const char *base = getenv("ORYX_CACHE_DIR");

    if (base && !*base)
        return NULL;
    if (!base) {
        base = "/var/cache/oryx";
        mkdir("/var/cache", 0755);
    }
    if (mkdir(base, 0755) && errno != EEXIST)
        return NULL;
    snprintf(dir, sizeof(dir), "%s/kernels", base);
    return dir;
}

static void *slurp(const char *cfg, const char *what, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    void *buf = NULL;

    if (!f || fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "%s: %s '%s': %s\n", cfg, what, path,
                !f ? strerror(errno) : "not a regular file");
        if (f)
            fclose(f);
        return NULL;
    }
    buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!buf || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        fprintf(stderr, "%s: %s '%s': cannot read it\n", cfg, what, path);
        free(buf);
        buf = NULL;
    }
    *len = (size_t)st.st_size;
    fclose(f);
    return buf;
}

/* The config file with the overrides appended, as xl applies them;
 * *first_override: the line the first one is on. */
static char *config_text(const char *path, char **over, int nover, size_t *len,
                         unsigned int *first_override)
{
    size_t flen;
    char *file = slurp(path, "config file", path, &flen), *text;
    size_t n = flen + 1;

    if (!file)
        return NULL;
    for (int i = 0; i < nover; i++)
        n += strlen(over[i]) + 1;
    text = malloc(n + 1);
    if (!text) {
        free(file);
        return NULL;
    }
    memcpy(text, file, flen);
    *len = flen;
    text[(*len)++] = '\n';
    *first_override = 1;
    for (size_t i = 0; i < *len; i++)
        *first_override += text[i] == '\n';
    for (int i = 0; i < nover; i++) {
        size_t l = strlen(over[i]);
        memcpy(text + *len, over[i], l);
        *len += l;
        text[(*len)++] = '\n';
    }
    text[*len] = 0;
    free(file);
    return text;
}

int oxl_main_create(int argc, char **argv)
{
    static const struct option opts[] = {
        { "dryrun", no_argument, NULL, 'n' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const struct oxl_cmd *cmd = oxl_cmd_find("create");
    int opt, status = 0, paused = 0, dryrun = 0, quiet = 0, console = 0, rc;
    struct xlcfg_diags d;
    struct xlcfg_domain dom;
    struct xlcfg_file *f = NULL;
    void *kernel = NULL, *ramdisk = NULL;
    char *text = NULL, *cmdline = NULL;
    struct xctl *x = NULL;
    struct xs_client *xs = NULL;
    char uuid[37], cfgpath[256] = "", err[320];
    size_t len, text_len;

    while ((opt = oxl_getopt(argc, argv, "+cpnqh", opts, cmd, &status)) != -1) {
        if (opt == -2)
            return status;
        switch (opt) {
        case 'c': console = 1; break;
        case 'p': paused = 1; break;
        case 'n': dryrun = 1; break;
        case 'q': quiet = 1; break;
        default:
            fprintf(stderr, "option `%c' not supported.\n", opt);
            return 2;
        }
    }
    if (argc - optind < 1)
        return oxl_need_args(cmd, 1);
    const char *path = argv[optind];
    for (int i = optind + 1; i < argc; i++)
        if (!strchr(argv[i], '=')) {
            fprintf(stderr, "oxl create: '%s' is not KEY=VALUE\n", argv[i]);
            return 2;
        }

    xlcfg_diags_init(&d, path);
    xlcfg_domain_init(&dom);
    status = 1;
    text = config_text(path, argv + optind + 1, argc - optind - 1, &len, &d.overrides_from);
    if (!text)
        goto out;
    text_len = len;
    rc = xlcfg_parse_buffer(text, len, &f, &d);
    if (!rc)
        rc = xlcfg_domain_from_file(f, &dom, &d);
    xlcfg_diags_print(&d, stderr);
    if (rc)
        goto out;
    if (dom.type != XLCFG_TYPE_PVH && !dom.type_defaulted) {
        fprintf(stderr, "%s: type = \"%s\": Oryx builds PVH guests only (type = \"pvh\")\n",
                path, dom.type == XLCFG_TYPE_HVM ? "hvm" : "pv");
        goto out;
    }
    dom.type = XLCFG_TYPE_PVH;          /* what a config without type gets here */
    if (dryrun) {
        status = xlcfg_domain_print(&dom, stdout) ? 1 : 0;
        goto out;
    }
    if (!dom.kernel) {
        fprintf(stderr, "%s: no kernel = \"...\": a PVH guest needs a kernel\n", path);
        goto out;
    }
    if (!(kernel = slurp(path, "kernel", dom.kernel, &len)))
        goto out;
    size_t klen = len, rlen = 0;
    if (dom.ramdisk && !(ramdisk = slurp(path, "ramdisk", dom.ramdisk, &rlen)))
        goto out;
    /* cmdline, else root= and extra= as xl joins them. */
    if (dom.cmdline) {
        cmdline = strdup(dom.cmdline);
    } else if (asprintf(&cmdline, "%s%s%s%s", dom.root ? "root=" : "", dom.root ? dom.root : "",
                        dom.root && dom.extra ? " " : "", dom.extra ? dom.extra : "") < 0) {
        cmdline = NULL;
    }
    if (!cmdline) {
        fprintf(stderr, "oxl: out of memory\n");
        goto out;
    }
    if (!(x = xctl_open())) {
        fprintf(stderr, "oxl: cannot open the hypervisor interface (/dev/xen/privcmd): %s; "
                "oxl create runs in dom0 under Oryx\n", strerror(errno));
        goto out;
    }
    if (!(xs = oxl_open_store()))
        goto out;
    uint8_t u[16];
    if (dom.has_uuid) {
        memcpy(u, dom.uuid, 16);
    } else if (oxl_uuid_random(u)) {
        fprintf(stderr, "oxl: cannot read /dev/urandom for the domain's uuid\n");
        goto out;
    }
    oxl_uuid_format(u, uuid);
    rc = save_config(uuid, text, text_len, cfgpath, sizeof(cfgpath));
    if (rc) {
        fprintf(stderr, "oxl: cannot save the configuration as %s: %s\n", cfgpath,
                strerror(-rc));
        cfgpath[0] = 0;
        goto out;
    }
    struct xctl_build b = {
        .name = dom.name, .vcpus = dom.vcpus > 0 ? (unsigned int)dom.vcpus : 1,
        .mem_bytes = (uint64_t)(dom.memory > 0 ? dom.memory : 128) << 20,
        .kernel = kernel, .kernel_len = klen, .ramdisk = ramdisk, .ramdisk_len = rlen,
        .cmdline = cmdline, .paused = 1, .unpack_cache = unpack_cache(),
    };
    struct xctl_built o;
    rc = xctl_build_pvh(x, &b, &o, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "%s: domain '%s' not created: %s\n", path, dom.name, err);
        goto out;
    }
    rc = announce(xs, &dom, &o, uuid, cfgpath, b.vcpus, b.mem_bytes, err, sizeof(err));
    if (!rc)
        rc = oxl_devices_add(xs, o.domid, u, &dom, err, sizeof(err));
    if (!rc && !paused && (rc = xctl_domain_unpause(x, o.domid)))
        snprintf(err, sizeof(err), "starting it: %s", strerror(-rc));
    if (rc) {
        fprintf(stderr, "%s: domain '%s' not created: %s\n", path, dom.name, err);
        xdev_remove_all(xs, o.domid);
        xs_client_release(xs, o.domid);
        oxl_xs_domain_remove(xs, o.domid, uuid);
        xctl_domain_destroy(x, o.domid);
        goto out;
    }
    if (!quiet)
        printf("Created domain %s (id %u)%s: unpack %.2f s%s, create %.2f s, load %.2f s, "
               "start %.2f s\n", dom.name, o.domid, paused ? ", paused" : "", o.decompress,
               o.unpack_cached ? " (cached)" : "", o.create, o.load, o.start);
    status = 0;
    if (console) {
        xs_client_close(xs);
        xs = NULL;
        status = oxl_console_attach(o.domid);
    }
out:
    if (status && cfgpath[0] && !console)
        unlink(cfgpath);
    xs_client_close(xs);
    xctl_close(x);
    free(cmdline);
    free(kernel);
    free(ramdisk);
    free(text);
    xlcfg_file_free(f);
    xlcfg_domain_free(&dom);
    xlcfg_diags_free(&d);
    return status;
}
