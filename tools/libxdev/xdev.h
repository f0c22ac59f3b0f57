/*
 * libxdev: a guest's split devices, wired in dom0 the way Xen's libxl and
 * its hotplug scripts do it: the front/back entries in the store (Xen's
 * layout, so Linux's blkfront/netfront and blkback/netback talk
 * unchanged), the loop device behind a file, the vif on its bridge.
 *
 * Every int-returning call returns 0 or a negative errno value and, when
 * given an error buffer, says there what went wrong in a sentence that
 * names the device.
 */
#ifndef ORYX_XDEV_H
#define ORYX_XDEV_H

#include <stddef.h>
#include <stdint.h>

struct xs_client;
struct xlcfg_disk;
struct xlcfg_vif;

/* ---- names (xdev_vdev.c, pure) ---- */

/* A virtual disk name (xvda, xvdb3, xvdaa, hda, sdb1, d0p1, or the
 * number itself) to its device id, as docs/misc/vbd-interface.txt in Xen
 * encodes it; -EINVAL for anything else. */
int xdev_vdev_to_devid(const char *vdev, uint32_t *devid);
/* The xvd name of a device id ("xvda", "xvdb1"); -EINVAL when it is not
 * an xvd-style id. */
int xdev_devid_to_vdev(uint32_t devid, char *buf, size_t len);

/* A vif's default MAC when the config gives none: Xen's 00:16:3e
 * prefix, then three bytes from the domain's uuid and the vif's index,
 * so a guest keeps its MAC across restarts. */
void xdev_mac_default(const uint8_t uuid[16], uint32_t devid, uint8_t mac[6]);

/* ---- dom0's side (xdev_loop.c, xdev_nbd.c, xdev_link.c: Linux ioctls) ---- */

/* Attaches FILE to a free loop device (read-only when ro); writes its
 * path (/dev/loopN) to node and its device number to *major, *minor. */
int xdev_loop_attach(const char *file, int ro, char *node, size_t nodelen,
                     unsigned int *major, unsigned int *minor);
/* Detaches it; while someone (blkback) still holds it open, the kernel
 * detaches it at their last close. -ENXIO: it was not attached. */
int xdev_loop_detach(const char *node);

/* Serves FILE, an image in FORMAT (qemu-img's name: qcow2, qcow, vpc,
 * qed), on a free NBD device through qemu-nbd (read-only when ro);
 * writes its path (/dev/nbdN) to node and its device number to *major,
 * *minor. Loads the nbd module when needed; says what failed in err. */
int xdev_nbd_attach(const char *file, const char *format, int ro, char *node, size_t nodelen,
                    unsigned int *major, unsigned int *minor, char *err, size_t errlen);
/* Disconnects it: its qemu-nbd ends, and blkback's I/O to it fails. */
int xdev_nbd_detach(const char *node);
/* Releases what a disk's node is (xenstore "node": a loop or NBD device
 * libxdev set up); anything else is left alone. */
int xdev_node_release(const char *node);

int xdev_link_exists(const char *ifname);       /* 1 yes, 0 no */
int xdev_link_is_bridge(const char *ifname);    /* 1 yes, 0 no */
int xdev_link_set_up(const char *ifname, int up);
int xdev_link_rename(const char *from, const char *to);
int xdev_link_set_mtu(const char *ifname, unsigned int mtu);
int xdev_link_get_mtu(const char *ifname, unsigned int *mtu);
int xdev_bridge_create(const char *bridge);
int xdev_bridge_add_port(const char *bridge, const char *ifname);

/*
 * Bridge set-up for guests (oxl bridge-setup): creates BRIDGE unless it
 * exists and makes NIC its port, moving NIC's IPv4 address and the
 * default route through it to the bridge. nic NULL: the interface that
 * carries the default route, else the first Ethernet one that is up.
 * Says what it did in info.
 */
int xdev_bridge_setup(const char *bridge, const char *nic, char *info, size_t infolen,
                      char *err, size_t errlen);

/* ---- a domain's devices in the store (xdev_disk.c, xdev_vif.c) ---- */

/* How long the calls below wait for dom0's kernel backends (ms). */
#define XDEV_BACKEND_WAIT_MS 30000

/*
 * Gives domain domid the disk d: checks its target (file, block device,
 * or an empty CD-ROM drive), attaches a file to a loop device, refuses a
 * writable image another running guest has writable (unless access=w!
 * on both) and writes the backend's and frontend's entries in one
 * transaction. Undone in full when it fails.
 */
int xdev_disk_add(struct xs_client *xs, unsigned int domid, const struct xlcfg_disk *d,
                  char *err, size_t errlen);

/*
 * Gives domain domid the vif v with index devid (mac: the default when the
 * config has none): writes the entries, waits for netback's interface,
 * renames it (vifname=), puts it on its bridge, brings it up and says
 * hotplug-status = connected. The bridge must exist.
 */
int xdev_vif_add(struct xs_client *xs, unsigned int domid, const uint8_t uuid[16],
                 const struct xlcfg_vif *v, uint32_t devid, char *err, size_t errlen);

/* The kinds of device this library wires ("vbd", "vif"). */
extern const char *const xdev_kinds[2];

/*
 * Removes one device: asks the frontend to close (backend state Closing,
 * online 0) and waits for the backend to close unless force, then
 * removes both sides' entries and releases the loop device. -ENOENT when
 * the domain has no such device.
 */
int xdev_remove(struct xs_client *xs, unsigned int domid, const char *kind, uint32_t devid,
                int force, char *err, size_t errlen);
/* Every device of domid, forced (the domain is gone or being undone). */
void xdev_remove_all(struct xs_client *xs, unsigned int domid);

/* One device as the store describes it (block-list, network-list, list -l). */
struct xdev_info {
    uint32_t devid;
    int be_state, fe_state;             /* -1: missing */
    char vdev[16];                      /* vbd: its name */
    char target[256];                   /* vbd: params; vif: bridge */
    char node[64];                      /* vbd: loop or NBD device; vif: interface */
    char mode[4];                       /* vbd: r or w */
    char mac[18];                       /* vif */
    char ring_ref[16], evtchn[16];      /* the frontend's, "" when missing */
    char ring_ref2[16];                 /* vif: the rx ring */
};
/* *out malloc'd (free it), sorted by devid. */
int xdev_list(struct xs_client *xs, unsigned int domid, const char *kind,
              struct xdev_info **out, unsigned int *n);

#endif
