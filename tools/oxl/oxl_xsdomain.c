/*
 * A domain's entries in the store, as Xen's toolstack lays them out
 * (libxl's domain_make and build_post): /local/domain/N is dom0's and
 * readable by N; the nodes a guest writes to (control/shutdown, its
 * feature flags, data, ...) are N's own. /vm/<uuid> holds what outlives
 * one run of the domain: its name and the on_* actions oryxd applies.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oxl.h"
#include "oxl_xsdomain.h"
#include "xs_client.h"

struct writer {
    struct xs_client *c;
    char ro0[8], roN[8], rwN[8];        /* "n0" "rN", "nN" */
    int rc;
    char *err;
    size_t errlen;
};

/* Writes base/rel = value with the given access for N; keeps the first error. */
static void put(struct writer *w, int rw, const char *base, const char *rel, const char *fmt, ...)
{
    const char *ro[2] = { w->ro0, w->roN }, *own[1] = { w->rwN };
    char path[256], val[256];
    va_list ap;
    int rc;

    if (w->rc)
        return;
    snprintf(path, sizeof(path), "%s%s%s", base, *rel ? "/" : "", rel);
    if (fmt) {
        va_start(ap, fmt);
        vsnprintf(val, sizeof(val), fmt, ap);
        va_end(ap);
        rc = xs_client_write(w->c, path, val, strlen(val));
    } else {
        rc = xs_client_mkdir(w->c, path);
    }
    if (!rc)
        rc = rw ? xs_client_set_perms(w->c, path, own, 1) : xs_client_set_perms(w->c, path, ro, 2);
    if (rc) {
        w->rc = rc;
        snprintf(w->err, w->errlen, "writing %s to the store: %s", path, xs_client_strerror(rc));
    }
}

struct xs_client *oxl_open_store(void)
{
    struct xs_client *c = xs_client_open(NULL);

    if (!c)
        fprintf(stderr, "oxl: cannot connect to the store (is oryxd running?): %s\n",
                strerror(errno));
    return c;
}

void oxl_uuid_format(const uint8_t u[16], char out[37])
{
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
             u[13], u[14], u[15]);
}

int oxl_uuid_random(uint8_t u[16])
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, u, 16);

    if (fd >= 0)
        close(fd);
    if (n != 16)
        return -EIO;
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);     /* version 4: random */
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);     /* RFC 4122 variant */
    return 0;
}

int oxl_xs_domain_add(struct xs_client *c, const struct oxl_xs_domain *d, char *err, size_t errlen)
{
    struct writer w = { .c = c, .err = err, .errlen = errlen };
    char home[64], vm[64];
    static const char *const rw_nodes[] = {
        "control/shutdown", "control/feature-poweroff", "control/feature-reboot",
        "control/feature-suspend", "control/sysrq", "data", "drivers", "feature", "attr",
        "error",
    };

    snprintf(w.ro0, sizeof(w.ro0), "n0");
    snprintf(w.roN, sizeof(w.roN), "r%u", d->domid);
    snprintf(w.rwN, sizeof(w.rwN), "n%u", d->domid);
    snprintf(home, sizeof(home), "/local/domain/%u", d->domid);
    snprintf(vm, sizeof(vm), "/vm/%s", d->uuid);

    put(&w, 0, vm, "", NULL);
    put(&w, 0, vm, "uuid", "%s", d->uuid);
    put(&w, 0, vm, "name", "%s", d->name);
    put(&w, 0, vm, "on_poweroff", "%s", d->on_poweroff);
    put(&w, 0, vm, "on_reboot", "%s", d->on_reboot);
    put(&w, 0, vm, "on_crash", "%s", d->on_crash);
    put(&w, 0, vm, "on_watchdog", "%s", d->on_watchdog);
    if (d->config)
        put(&w, 0, vm, "config", "%s", d->config);
    put(&w, 0, vm, "image/ostype", "linux");

    put(&w, 0, home, "", NULL);
    put(&w, 0, home, "name", "%s", d->name);
    put(&w, 0, home, "domid", "%u", d->domid);
    put(&w, 0, home, "vm", "%s", vm);
    put(&w, 0, home, "control", NULL);
    put(&w, 0, home, "device", NULL);
    for (size_t i = 0; i < sizeof(rw_nodes) / sizeof(rw_nodes[0]); i++)
        put(&w, 1, home, rw_nodes[i], NULL);
    put(&w, 0, home, "memory/static-max", "%llu", (unsigned long long)d->mem_kb);
    put(&w, 0, home, "memory/target", "%llu", (unsigned long long)d->mem_kb);
    put(&w, 0, home, "memory/videoram", "-1");
    for (unsigned int v = 0; v < d->vcpus; v++) {
        char rel[32];
        snprintf(rel, sizeof(rel), "cpu/%u/availability", v);
        put(&w, 0, home, rel, "online");
    }
    put(&w, 0, home, "store/ring-ref", "%llu", (unsigned long long)d->store_gfn);
    put(&w, 0, home, "store/port", "%u", d->store_port);
    put(&w, 0, home, "console/ring-ref", "%llu", (unsigned long long)d->console_gfn);
    put(&w, 0, home, "console/port", "%u", d->console_port);
    put(&w, 0, home, "console/type", "xenconsoled");
    put(&w, 0, home, "console/output", "pty");
    put(&w, 0, home, "console/limit", "1048576");
    return w.rc;
}

void oxl_xs_domain_remove(struct xs_client *c, unsigned int domid, const char *uuid)
{
    char path[64];

    snprintf(path, sizeof(path), "/local/domain/%u", domid);
    xs_client_rm(c, path);
    if (uuid && *uuid) {
        snprintf(path, sizeof(path), "/vm/%s", uuid);
        xs_client_rm(c, path);
    }
}

int oxl_xs_domain_uuid(struct xs_client *c, unsigned int domid, char out[37])
{
    char path[64], *vm = NULL;
    size_t len;
    int rc;

    snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
    rc = xs_client_read(c, path, &vm, &len);
    if (rc)
        return rc;
    rc = strncmp(vm, "/vm/", 4) || len != 40 ? -EINVAL : 0;
    if (!rc)
        memcpy(out, vm + 4, 37);
    free(vm);
    return rc;
}

void oxl_xs_domain_forget(unsigned int domid)
{
    struct xs_client *c = xs_client_open(NULL);
    char uuid[37] = "", path[80], *cfg = NULL;

    if (!c)
        return;                         /* no store: nothing was announced */
    if (!oxl_xs_domain_uuid(c, domid, uuid)) {
        snprintf(path, sizeof(path), "/vm/%s/config", uuid);
        if (!xs_client_read(c, path, &cfg, NULL) && cfg[0] == '/')
            unlink(cfg);
        free(cfg);
    }
    xs_client_release(c, domid);
    oxl_xs_domain_remove(c, domid, uuid);
    xs_client_close(c);
}
