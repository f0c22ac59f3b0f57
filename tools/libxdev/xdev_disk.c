/*
 * A guest's disk: what libxl's device_disk_add and Xen's block hotplug
 * script do together. The target is checked, a raw file gets a loop
 * device, a qcow2 (qcow, vhd, qed) image an NBD device served by
 * qemu-nbd, and both halves of the vbd are written in one store transaction (dom0's
 * blkback probes as soon as it sees the backend directory, and must find
 * physical-device there already, as Xen's script would have written it).
 */
#include "xdev.h"
#include "xdev_internal.h"
#include "xlcfg.h"
#include "xs_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

struct disk_entries {
    unsigned int domid;
    uint32_t devid;
    const struct xlcfg_disk *d;
    const char *vdev;
    const char *params;                 /* what the config named */
    const char *node;                   /* the block device blkback opens */
    int owned;                          /* node is a loop/NBD device made for it */
    unsigned int major, minor;
    int ro;                             /* access=ro, or a CD-ROM */
};

static int write_disk(struct xd_writer *w, void *arg)
{
    const struct disk_entries *e = arg;
    char be[128], fe[128];
    int cdrom = e->d->is_cdrom;

    xd_backend_dir(be, sizeof(be), "vbd", e->domid, e->devid);
    xd_frontend_dir(fe, sizeof(fe), "vbd", e->domid, e->devid);
    xd_dir(w, be, 0, e->domid);
    xd_put(w, be, "frontend", "%s", fe);
    xd_put(w, be, "frontend-id", "%u", e->domid);
    xd_put(w, be, "online", "1");
    xd_put(w, be, "removable", "%d", cdrom);
    xd_put(w, be, "bootable", "1");
    xd_put(w, be, "dev", "%s", e->vdev);
    xd_put(w, be, "type", "phy");
    xd_put(w, be, "mode", "%s", !e->ro ? (e->d->shared_rw ? "w!" : "w") : "r");
    xd_put(w, be, "device-type", "%s", cdrom ? "cdrom" : "disk");
    xd_put(w, be, "params", "%s", e->params);
    if (e->owned)
        xd_put(w, be, "node", "%s", e->node);   /* released when the disk goes */
    xd_put(w, be, "physical-device", "%x:%x", e->major, e->minor);
    xd_put(w, be, "physical-device-path", "%s", e->node);
    xd_put(w, be, "hotplug-status", "connected");
    xd_put(w, be, "state", "%d", XD_INITIALISING);
    xd_dir(w, fe, e->domid, 0);
    xd_put(w, fe, "backend", "%s", be);
    xd_put(w, fe, "backend-id", "0");
    xd_put(w, fe, "virtual-device", "%u", e->devid);
    xd_put(w, fe, "device-type", "%s", cdrom ? "cdrom" : "disk");
    xd_put(w, fe, "state", "%d", XD_INITIALISING);
    return 0;
}

/*
 * Xen's block script refuses an image another guest has writable, or a
 * writable image another guest uses at all; "w!" on the new disk skips
 * the check (it is the user's word that the image is shared-safe).
 */
static int check_sharing(struct xs_client *xs, unsigned int domid, const struct xlcfg_disk *d,
                         const struct stat *st, char *err, size_t errlen)
{
    char **doms = NULL, **devs, dir[160], be[224], params[256], mode[8], name[64];
    unsigned int nd = 0, nv, i, j;
    struct stat o;
    int rc = 0;

    if (d->shared_rw)
        return 0;
    if (xs_client_directory(xs, "/local/domain/0/backend/vbd", &doms, &nd) < 0)
        return 0;
    for (i = 0; i < nd && !rc; i++) {
        snprintf(dir, sizeof(dir), "/local/domain/0/backend/vbd/%s", doms[i]);
        devs = NULL;
        nv = 0;
        if (xs_client_directory(xs, dir, &devs, &nv) < 0)
            continue;
        for (j = 0; j < nv && !rc; j++) {
            snprintf(be, sizeof(be), "%s/%s", dir, devs[j]);
            if (xd_read(xs, be, "params", params, sizeof(params)) < 0 ||
                xd_read(xs, be, "mode", mode, sizeof(mode)) < 0 || stat(params, &o) < 0)
                continue;
            if (o.st_dev != st->st_dev || o.st_ino != st->st_ino ||
                (S_ISBLK(st->st_mode) && o.st_rdev != st->st_rdev))
                continue;
            if (!strcmp(mode, "w!") || ((!d->readwrite || d->is_cdrom) && strcmp(mode, "w") != 0))
                continue;
            if (strtoul(doms[i], NULL, 10) == domid)
                snprintf(err, errlen, "%s is already disk %s of this domain", d->target, devs[j]);
            else {
                char p[96];
                snprintf(p, sizeof(p), "/local/domain/%s", doms[i]);
                if (xd_read(xs, p, "name", name, sizeof(name)) < 0)
                    snprintf(name, sizeof(name), "domain %s", doms[i]);
                snprintf(err, errlen,
                         "%s is in use by %s (mode %s): two guests must not both write one "
                         "image (access=w! on both if it is made for that)",
                         d->target, name, mode);
            }
            rc = -EBUSY;
        }
        free(devs);
    }
    free(doms);
    return rc;
}

/* qemu-img's name for an image format qemu-nbd serves; NULL: raw (a
 * loop device, or the block device itself). */
static const char *image_format(enum xlcfg_disk_format f)
{
    switch (f) {
    case XLCFG_FORMAT_QCOW2:
        return "qcow2";
    case XLCFG_FORMAT_QCOW:
        return "qcow";
    case XLCFG_FORMAT_VHD:
        return "vpc";
    case XLCFG_FORMAT_QED:
        return "qed";
    default:
        return NULL;
    }
}

int xdev_disk_add(struct xs_client *xs, unsigned int domid, const struct xlcfg_disk *d,
                  char *err, size_t errlen)
{
    struct disk_entries e = { .domid = domid, .d = d };
    char fe[128], node[64] = "", why[200], *v = NULL;
    const char *fmt;
    struct stat st;
    int rc;

    if (d->vdev == NULL) {
        snprintf(err, errlen, "disk '%s' has no vdev", d->target ? d->target : "");
        return -EINVAL;
    }
    if (xdev_vdev_to_devid(d->vdev, &e.devid) < 0) {
        snprintf(err, errlen, "vdev=%s is not a disk name Oryx knows (xvda, xvdb1, hdc, sda, d0p1)",
                 d->vdev);
        return -EINVAL;
    }
    e.vdev = d->vdev;
    if (d->backend != NULL && strcmp(d->backend, "0") != 0 && strcmp(d->backend, "Domain-0") != 0) {
        snprintf(err, errlen, "%s: backend=%s: only dom0 serves disks on Oryx", d->vdev, d->backend);
        return -EOPNOTSUPP;
    }
    if (d->specification == XLCFG_SPEC_VIRTIO) {
        snprintf(err, errlen, "%s: specification=virtio needs a device model; Oryx's guests use "
                 "Xen's block protocol", d->vdev);
        return -EOPNOTSUPP;
    }
    if (d->backendtype == XLCFG_BACKEND_QDISK || d->backendtype == XLCFG_BACKEND_TAP ||
        d->backendtype == XLCFG_BACKEND_STANDALONE) {
        snprintf(err, errlen, "%s: backendtype=%s is not supported: dom0's blkback serves Oryx's "
                 "disks (backendtype=phy)", d->vdev,
                 d->backendtype == XLCFG_BACKEND_QDISK ? "qdisk" :
                 d->backendtype == XLCFG_BACKEND_TAP ? "tap" : "standalone");
        return -EOPNOTSUPP;
    }
    if (d->script != NULL && strcmp(d->script, "block") != 0 &&
        strcmp(d->script, "/etc/xen/scripts/block") != 0) {
        snprintf(err, errlen, "%s: script=%s is not supported (Oryx does what Xen's block script "
                 "does itself)", d->vdev, d->script);
        return -EOPNOTSUPP;
    }
    if (d->format == XLCFG_FORMAT_EMPTY) {
        snprintf(err, errlen, "%s: format=empty is not supported yet: give it an image", d->vdev);
        return -EOPNOTSUPP;
    }
    if (d->target == NULL || d->target[0] == '\0') {
        snprintf(err, errlen, "%s: an empty drive is not supported yet: give it an image", d->vdev);
        return -EOPNOTSUPP;
    }
    xd_frontend_dir(fe, sizeof(fe), "vbd", domid, e.devid);
    if (xs_client_read(xs, fe, &v, NULL) == 0) {
        free(v);
        snprintf(err, errlen, "vdev %s is already a disk of domain %u", d->vdev, domid);
        return -EEXIST;
    }
    if (stat(d->target, &st) < 0) {
        rc = -errno;
        snprintf(err, errlen, "%s: disk target '%s': %s", d->vdev, d->target, strerror(errno));
        return rc;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: disk target '%s' is a directory, not an image or a block "
                 "device", d->vdev, d->target);
        return -EISDIR;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        snprintf(err, errlen, "%s: disk target '%s' is neither a file nor a block device",
                 d->vdev, d->target);
        return -EINVAL;
    }
    rc = check_sharing(xs, domid, d, &st, err, errlen);
    if (rc)
        return rc;
    e.params = d->target;
    e.ro = !d->readwrite || d->is_cdrom;
    fmt = image_format(d->format);
    if (fmt != NULL && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: format=%s needs an image file, and '%s' is a block device",
                 d->vdev, fmt, d->target);
        return -EINVAL;
    }
    if (S_ISBLK(st.st_mode)) {
        e.node = d->target;
        e.major = major(st.st_rdev);
        e.minor = minor(st.st_rdev);
    } else if (fmt != NULL) {
        rc = xdev_nbd_attach(d->target, fmt, e.ro, node, sizeof(node), &e.major, &e.minor,
                             why, sizeof(why));
        if (rc) {
            snprintf(err, errlen, "%s: %s", d->vdev, why);
            return rc;
        }
        e.owned = 1;
        e.node = node;
    } else {
        rc = xdev_loop_attach(d->target, e.ro, node, sizeof(node), &e.major, &e.minor);
        if (rc) {
            snprintf(err, errlen, "%s: cannot attach '%s' to a loop device: %s", d->vdev,
                     d->target, strerror(-rc));
            return rc;
        }
        e.owned = 1;
        e.node = node;
    }
    rc = xd_transaction(xs, write_disk, &e, err, errlen);
    if (rc && e.owned)
        xdev_node_release(node);
    return rc;
}
