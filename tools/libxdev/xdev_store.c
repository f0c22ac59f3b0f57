/*
 * A device's two halves in the store, as Xen lays them out:
 *   /local/domain/0/backend/KIND/DOMID/DEVID   dom0's, readable by DOMID
 *   /local/domain/DOMID/device/KIND/DEVID      DOMID's, readable by dom0
 * each naming the other (frontend, backend) with a state node that the
 * two drivers step through XenbusState. Removal, listing and the small
 * helpers the disk and vif halves share.
 */
#include "xdev.h"
#include "xdev_internal.h"
#include "xs_client.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *const xdev_kinds[2] = { "vbd", "vif" };

void xd_put(struct xd_writer *w, const char *dir, const char *key, const char *fmt, ...)
{
    char path[256], val[512];
    va_list ap;
    int rc;

    if (w->rc)
        return;
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    rc = xs_client_write(w->xs, path, val, strlen(val));
    if (rc) {
        w->rc = rc;
        snprintf(w->err, w->errlen, "writing %s: %s", path, xs_client_strerror(rc));
    }
}

void xd_dir(struct xd_writer *w, const char *dir, unsigned int owner, unsigned int reader)
{
    char own[16], rd[16];
    const char *perms[2] = { own, rd };
    int rc;

    if (w->rc)
        return;
    snprintf(own, sizeof(own), "n%u", owner);
    snprintf(rd, sizeof(rd), "r%u", reader);
    rc = xs_client_mkdir(w->xs, dir);
    if (!rc)
        rc = xs_client_set_perms(w->xs, dir, perms, 2);  /* its nodes inherit them */
    if (rc) {
        w->rc = rc;
        snprintf(w->err, w->errlen, "making %s: %s", dir, xs_client_strerror(rc));
    }
}

int xd_read(struct xs_client *xs, const char *dir, const char *key, char *buf, size_t len)
{
    char path[256], *v = NULL;
    int rc;

    buf[0] = '\0';
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    rc = xs_client_read(xs, path, &v, NULL);
    if (rc == 0)
        snprintf(buf, len, "%s", v);
    free(v);
    return rc;
}

long xd_read_long(struct xs_client *xs, const char *dir, const char *key, long dflt)
{
    char buf[32], *end;
    long v;

    if (xd_read(xs, dir, key, buf, sizeof(buf)) < 0 || buf[0] == '\0')
        return dflt;
    v = strtol(buf, &end, 10);
    return *end == '\0' ? v : dflt;
}

void xd_backend_dir(char *buf, size_t len, const char *kind, unsigned int domid, unsigned long devid)
{
    snprintf(buf, len, "/local/domain/0/backend/%s/%u/%lu", kind, domid, devid);
}

void xd_frontend_dir(char *buf, size_t len, const char *kind, unsigned int domid,
                     unsigned long devid)
{
    snprintf(buf, len, "/local/domain/%u/device/%s/%lu", domid, kind, devid);
}

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int xd_wait_state(struct xs_client *xs, const char *dir, int (*ok)(long), int ms, long *last)
{
    long end = now_ms() + ms, st;
    unsigned int step = 5;
    char buf[16];

    for (;;) {
        if (xd_read(xs, dir, "state", buf, sizeof(buf)) == -ENOENT)
            return -ENOENT;
        st = strtol(buf, NULL, 10);
        if (last)
            *last = st;
        if (ok(st))
            return 0;
        if (now_ms() >= end)
            return -ETIMEDOUT;
        usleep(step * 1000);
        if (step < 100)
            step *= 2;
    }
}

int xd_transaction(struct xs_client *xs, int (*write)(struct xd_writer *, void *), void *arg,
                   char *err, size_t errlen)
{
    struct xd_writer w = { .xs = xs, .err = err, .errlen = errlen };
    int tries, rc = 0;

    for (tries = 0; tries < 10; tries++) {
        rc = xs_client_transaction_start(xs);
        if (rc) {
            snprintf(err, errlen, "starting a store transaction: %s", xs_client_strerror(rc));
            return rc;
        }
        w.rc = 0;
        rc = write(&w, arg);
        if (rc == 0)
            rc = w.rc;
        if (rc) {
            xs_client_transaction_end(xs, 0);
            return rc;
        }
        rc = xs_client_transaction_end(xs, 1);
        if (rc != -EAGAIN)
            break;
    }
    if (rc)
        snprintf(err, errlen, "committing to the store: %s", xs_client_strerror(rc));
    return rc;
}

/* ---- removal ---- */

/* Closed, or back below Closing: the backend's own move to Connected
 * (a device attached a moment ago) can land just after our Closing and
 * overwrite it, and nothing would then close it. */
static int is_closed_or_reopened(long st)
{
    return st == XD_CLOSED || st < XD_CLOSING;
}

/* Removes dir when it has no children left. */
static void rm_if_empty(struct xs_client *xs, const char *dir)
{
    char **names = NULL;
    unsigned int n = 1;

    if (xs_client_directory(xs, dir, &names, &n) == 0 && n == 0)
        xs_client_rm(xs, dir);
    free(names);
}

/*
 * A back-end driver reports a fatal error (a frontend's nonsense, say) in
 * its own domain's error/<backend path>/error node; it goes with the
 * device, and so do the parents it leaves empty. devid < 0: the domain's
 * every device of that kind.
 */
static void rm_error_nodes(struct xs_client *xs, const char *kind, unsigned int domid, long devid)
{
    char path[160];

    if (devid >= 0) {
        snprintf(path, sizeof(path), "/local/domain/0/error/backend/%s/%u/%ld", kind, domid, devid);
        xs_client_rm(xs, path);
        snprintf(path, sizeof(path), "/local/domain/0/error/backend/%s/%u", kind, domid);
        rm_if_empty(xs, path);
    } else {
        snprintf(path, sizeof(path), "/local/domain/0/error/backend/%s/%u", kind, domid);
        xs_client_rm(xs, path);
    }
    snprintf(path, sizeof(path), "/local/domain/0/error/backend/%s", kind);
    rm_if_empty(xs, path);
    rm_if_empty(xs, "/local/domain/0/error/backend");
    rm_if_empty(xs, "/local/domain/0/error");
}

int xdev_remove(struct xs_client *xs, unsigned int domid, const char *kind, uint32_t devid,
                int force, char *err, size_t errlen)
{
    char be[128], fe[128], node[64] = "", path[160], *v = NULL;
    int rc, have_be, have_fe;
    long st = -1;

    xd_backend_dir(be, sizeof(be), kind, domid, devid);
    xd_frontend_dir(fe, sizeof(fe), kind, domid, devid);
    have_be = xs_client_read(xs, be, &v, NULL) == 0;
    free(v);
    v = NULL;
    have_fe = xs_client_read(xs, fe, &v, NULL) == 0;
    free(v);
    if (!have_be && !have_fe) {
        snprintf(err, errlen, "domain %u has no %s device %u", domid, kind, devid);
        return -ENOENT;
    }
    if (have_be)
        xd_read(xs, be, "node", node, sizeof(node));
    if (have_be && !force) {
        /* Xen's protocol: the backend is told to close and the frontend
         * follows; a guest still using the disk refuses, and so do we. */
        snprintf(path, sizeof(path), "%s/online", be);
        xs_client_write(xs, path, "0", 1);
        snprintf(path, sizeof(path), "%s/state", be);
        long end = now_ms() + XDEV_BACKEND_WAIT_MS, left;
        for (;;) {
            xs_client_write(xs, path, "5", 1);
            left = end - now_ms();
            rc = xd_wait_state(xs, be, is_closed_or_reopened, left > 0 ? (int)left : 0, &st);
            if (rc || st == XD_CLOSED)
                break;
            if (now_ms() >= end) {
                rc = -ETIMEDOUT;
                break;
            }
            usleep(50 * 1000);          /* reopened: say Closing again */
        }
        if (rc == -ETIMEDOUT) {
            snprintf(err, errlen,
                     "domain %u did not release %s %u in %d s (still in use? state %ld); "
                     "-f removes it anyway", domid, kind, devid, XDEV_BACKEND_WAIT_MS / 1000, st);
            return rc;
        }
    }
    xs_client_rm(xs, fe);
    xs_client_rm(xs, be);
    snprintf(path, sizeof(path), "/local/domain/0/backend/%s/%u", kind, domid);
    rm_if_empty(xs, path);
    rm_error_nodes(xs, kind, domid, devid);
    if (node[0] != '\0')
        xdev_node_release(node);
    return 0;
}

/*
 * Removes a backend directory for good: a back-end driver still setting
 * the device up (blkback writes its features the moment it sees
 * physical-device) can write into it just after the removal, and a store
 * write makes the missing parents again. So: remove it again until it has
 * stayed gone for 300 ms (at most 4 s).
 */
static void rm_settled(struct xs_client *xs, const char *dir)
{
    int gone = 0, rounds;
    char *v = NULL;

    for (rounds = 0; rounds < 40 && gone < 3; rounds++) {
        if (xs_client_read(xs, dir, &v, NULL) == 0) {
            free(v);
            v = NULL;
            xs_client_rm(xs, dir);
            gone = 0;
        } else {
            gone++;
        }
        usleep(100 * 1000);
    }
}

void xdev_remove_all(struct xs_client *xs, unsigned int domid)
{
    char dir[128], path[160], node[64];
    unsigned int k, i, n;
    char **names;

    for (k = 0; k < 2; k++) {
        snprintf(dir, sizeof(dir), "/local/domain/0/backend/%s/%u", xdev_kinds[k], domid);
        names = NULL;
        n = 0;
        if (xs_client_directory(xs, dir, &names, &n) == 0) {
            for (i = 0; i < n; i++) {
                snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                if (xd_read(xs, path, "node", node, sizeof(node)) == 0 && node[0] != '\0')
                    xdev_node_release(node);
            }
        }
        free(names);
        if (n)
            rm_settled(xs, dir);
        else
            xs_client_rm(xs, dir);
        snprintf(dir, sizeof(dir), "/local/domain/%u/device/%s", domid, xdev_kinds[k]);
        xs_client_rm(xs, dir);
        rm_error_nodes(xs, xdev_kinds[k], domid, -1);
    }
}

/* ---- listing ---- */

static int by_devid(const void *a, const void *b)
{
    const struct xdev_info *x = a, *y = b;

    return x->devid < y->devid ? -1 : x->devid > y->devid;
}

int xdev_list(struct xs_client *xs, unsigned int domid, const char *kind,
              struct xdev_info **out, unsigned int *n)
{
    char dir[128], fdir[128], be[160], fe[160], **names = NULL, *end;
    unsigned int i, nn = 0, cnt = 0;
    struct xdev_info *v;
    int rc;

    *out = NULL;
    *n = 0;
    /* The frontend side is the guest's list (a backend may be gone). */
    snprintf(dir, sizeof(dir), "/local/domain/%u/device/%s", domid, kind);
    snprintf(fdir, sizeof(fdir), "/local/domain/0/backend/%s/%u", kind, domid);
    rc = xs_client_directory(xs, dir, &names, &nn);
    if (rc == -ENOENT)
        return 0;
    if (rc)
        return rc;
    v = calloc(nn ? nn : 1, sizeof(*v));
    if (!v) {
        free(names);
        return -ENOMEM;
    }
    for (i = 0; i < nn; i++) {
        struct xdev_info *d = &v[cnt];
        unsigned long id = strtoul(names[i], &end, 10);

        if (*end != '\0' || id > UINT32_MAX)
            continue;
        d->devid = (uint32_t)id;
        snprintf(fe, sizeof(fe), "%s/%s", dir, names[i]);
        snprintf(be, sizeof(be), "%s/%s", fdir, names[i]);
        d->fe_state = (int)xd_read_long(xs, fe, "state", -1);
        d->be_state = (int)xd_read_long(xs, be, "state", -1);
        if (!strcmp(kind, "vbd")) {
            xd_read(xs, be, "dev", d->vdev, sizeof(d->vdev));
            xd_read(xs, be, "params", d->target, sizeof(d->target));
            xd_read(xs, be, "node", d->node, sizeof(d->node));
            xd_read(xs, be, "mode", d->mode, sizeof(d->mode));
            if (xd_read(xs, fe, "ring-ref", d->ring_ref, sizeof(d->ring_ref)) < 0)
                xd_read(xs, fe, "queue-0/ring-ref", d->ring_ref, sizeof(d->ring_ref));
            if (xd_read(xs, fe, "event-channel", d->evtchn, sizeof(d->evtchn)) < 0)
                xd_read(xs, fe, "queue-0/event-channel", d->evtchn, sizeof(d->evtchn));
        } else {
            xd_read(xs, be, "bridge", d->target, sizeof(d->target));
            xd_read(xs, be, "vifname", d->node, sizeof(d->node));
            if (d->node[0] == '\0')
                snprintf(d->node, sizeof(d->node), "vif%u.%u", domid, d->devid);
            xd_read(xs, fe, "mac", d->mac, sizeof(d->mac));
            if (xd_read(xs, fe, "tx-ring-ref", d->ring_ref, sizeof(d->ring_ref)) < 0)
                xd_read(xs, fe, "queue-0/tx-ring-ref", d->ring_ref, sizeof(d->ring_ref));
            if (xd_read(xs, fe, "rx-ring-ref", d->ring_ref2, sizeof(d->ring_ref2)) < 0)
                xd_read(xs, fe, "queue-0/rx-ring-ref", d->ring_ref2, sizeof(d->ring_ref2));
            if (xd_read(xs, fe, "event-channel", d->evtchn, sizeof(d->evtchn)) < 0 &&
                xd_read(xs, fe, "queue-0/event-channel-tx", d->evtchn, sizeof(d->evtchn)) < 0)
                xd_read(xs, fe, "event-channel-tx", d->evtchn, sizeof(d->evtchn));
        }
        cnt++;
    }
    free(names);
    qsort(v, cnt, sizeof(*v), by_devid);
    *out = v;
    *n = cnt;
    return 0;
}
