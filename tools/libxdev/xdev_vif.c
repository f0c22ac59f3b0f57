/*
 * A guest's network interface: libxl's nic entries and Xen's vif-bridge
 * script in one. dom0's netback makes the interface vifDOMID.DEVID when
 * it probes the backend directory; we rename it (vifname=), give it the
 * bridge's MTU, put it on the bridge, bring it up and answer netback's
 * wait with hotplug-status = connected, after which it connects to the
 * guest's netfront. rate= is netback's own credit limit.
 */
#include "xdev.h"
#include "xdev_internal.h"
#include "xlcfg.h"
#include "xs_client.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_BRIDGE "xenbr0"

struct vif_entries {
    unsigned int domid;
    uint32_t devid;
    const struct xlcfg_vif *v;
    const char *bridge;
    char mac[18];
};

static int write_vif(struct xd_writer *w, void *arg)
{
    const struct vif_entries *e = arg;
    const struct xlcfg_vif *v = e->v;
    char be[128], fe[128];

    xd_backend_dir(be, sizeof(be), "vif", e->domid, e->devid);
    xd_frontend_dir(fe, sizeof(fe), "vif", e->domid, e->devid);
    xd_dir(w, be, 0, e->domid);
    xd_put(w, be, "frontend", "%s", fe);
    xd_put(w, be, "frontend-id", "%u", e->domid);
    xd_put(w, be, "online", "1");
    xd_put(w, be, "script", "/etc/xen/scripts/vif-bridge");
    xd_put(w, be, "mac", "%s", e->mac);
    xd_put(w, be, "bridge", "%s", e->bridge);
    xd_put(w, be, "handle", "%u", e->devid);
    xd_put(w, be, "type", "vif");
    if (v->vifname)
        xd_put(w, be, "vifname", "%s", v->vifname);
    if (v->ip)
        xd_put(w, be, "ip", "%s", v->ip);
    if (v->rate)
        xd_put(w, be, "rate", "%llu,%u", (unsigned long long)v->rate_bytes_per_interval,
               v->rate_interval_usecs);
    if (v->mtu != XLCFG_UNSET)
        xd_put(w, be, "mtu", "%lld", (long long)v->mtu);
    xd_put(w, be, "state", "%d", XD_INITIALISING);
    xd_dir(w, fe, e->domid, 0);
    xd_put(w, fe, "backend", "%s", be);
    xd_put(w, fe, "backend-id", "0");
    xd_put(w, fe, "handle", "%u", e->devid);
    xd_put(w, fe, "mac", "%s", e->mac);
    if (v->mtu != XLCFG_UNSET)
        xd_put(w, fe, "mtu", "%lld", (long long)v->mtu);
    xd_put(w, fe, "state", "%d", XD_INITIALISING);
    return 0;
}

/* netback's interface appears at its probe; 0 once it exists. */
static int wait_link(const char *ifname, int ms)
{
    struct timespec ts = { 0, 10 * 1000000L };
    int waited;

    for (waited = 0; waited < ms; waited += 10) {
        if (xdev_link_exists(ifname))
            return 0;
        nanosleep(&ts, NULL);
    }
    return -ETIMEDOUT;
}

int xdev_vif_add(struct xs_client *xs, unsigned int domid, const uint8_t uuid[16],
                 const struct xlcfg_vif *v, uint32_t devid, char *err, size_t errlen)
{
    struct vif_entries e = { .domid = domid, .devid = devid, .v = v };
    char be[128], fe[128], ifname[IFNAMSIZ + 8], path[192], *val = NULL;
    const char *script = v->script;
    uint8_t mac[6];
    unsigned int mtu;
    int rc;

    if (v->type == XLCFG_VIF_IOEMU) {
        snprintf(err, errlen, "vif %u: type=ioemu needs a device model; Oryx's guests are PVH "
                 "(type=vif)", devid);
        return -EOPNOTSUPP;
    }
    if (v->backend != NULL && strcmp(v->backend, "0") != 0 &&
        strcmp(v->backend, "Domain-0") != 0) {
        snprintf(err, errlen, "vif %u: backend=%s: only dom0 serves vifs on Oryx", devid,
                 v->backend);
        return -EOPNOTSUPP;
    }
    if (script != NULL) {
        const char *base = strrchr(script, '/');
        base = base ? base + 1 : script;
        if (strcmp(base, "vif-bridge") != 0) {
            snprintf(err, errlen, "vif %u: script=%s is not supported: Oryx wires vifs the way "
                     "vif-bridge does (bridge=)", devid, script);
            return -EOPNOTSUPP;
        }
    }
    if (v->vlan != NULL) {
        snprintf(err, errlen, "vif %u: vlan= needs Open vSwitch, which Oryx does not drive", devid);
        return -EOPNOTSUPP;
    }
    if (v->vifname != NULL && (strlen(v->vifname) >= IFNAMSIZ || strchr(v->vifname, '/') ||
                               strchr(v->vifname, ' '))) {
        snprintf(err, errlen, "vif %u: vifname=%s is not a valid interface name", devid,
                 v->vifname);
        return -EINVAL;
    }
    if (v->vifname != NULL && xdev_link_exists(v->vifname)) {
        snprintf(err, errlen, "vif %u: vifname=%s: dom0 already has an interface of that name",
                 devid, v->vifname);
        return -EEXIST;
    }
    e.bridge = v->bridge ? v->bridge : DEFAULT_BRIDGE;
    if (!xdev_link_is_bridge(e.bridge)) {
        snprintf(err, errlen, "vif %u: bridge %s %s%s", devid, e.bridge,
                 xdev_link_exists(e.bridge) ? "is not a bridge" : "does not exist",
                 strcmp(e.bridge, DEFAULT_BRIDGE) ? "" : " (oxl bridge-setup creates it)");
        return -ENODEV;
    }
    xd_frontend_dir(fe, sizeof(fe), "vif", domid, devid);
    if (xs_client_read(xs, fe, &val, NULL) == 0) {
        free(val);
        snprintf(err, errlen, "vif %u is already a device of domain %u", devid, domid);
        return -EEXIST;
    }
    if (v->has_mac)
        memcpy(mac, v->mac, 6);
    else
        xdev_mac_default(uuid, devid, mac);
    snprintf(e.mac, sizeof(e.mac), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
             mac[3], mac[4], mac[5]);
    rc = xd_transaction(xs, write_vif, &e, err, errlen);
    if (rc)
        return rc;

    xd_backend_dir(be, sizeof(be), "vif", domid, devid);
    snprintf(ifname, sizeof(ifname), "vif%u.%u", domid, devid);
    rc = wait_link(ifname, XDEV_BACKEND_WAIT_MS);
    if (rc) {
        snprintf(err, errlen, "vif %u: dom0's netback made no %s in %d s (is xen-netback "
                 "loaded?)", devid, ifname, XDEV_BACKEND_WAIT_MS / 1000);
        goto undo;
    }
    if (v->vifname != NULL) {
        rc = xdev_link_rename(ifname, v->vifname);
        if (rc) {
            snprintf(err, errlen, "vif %u: cannot rename %s to %s: %s", devid, ifname,
                     v->vifname, strerror(-rc));
            goto undo;
        }
        snprintf(ifname, sizeof(ifname), "%s", v->vifname);
    }
    /* A port with a smaller MTU than its bridge would lower the bridge's. */
    if (v->mtu != XLCFG_UNSET)
        mtu = (unsigned int)v->mtu;
    else if (xdev_link_get_mtu(e.bridge, &mtu) < 0)
        mtu = 0;
    if (mtu != 0)
        xdev_link_set_mtu(ifname, mtu);
    rc = xdev_bridge_add_port(e.bridge, ifname);
    if (!rc)
        rc = xdev_link_set_up(ifname, 1);
    if (rc) {
        snprintf(err, errlen, "vif %u: cannot put %s on bridge %s: %s", devid, ifname, e.bridge,
                 strerror(-rc));
        goto undo;
    }
    snprintf(path, sizeof(path), "%s/hotplug-status", be);
    rc = xs_client_write(xs, path, "connected", 9);
    if (rc) {
        snprintf(err, errlen, "vif %u: writing %s: %s", devid, path, xs_client_strerror(rc));
        goto undo;
    }
    return 0;
undo:
    {
        char e2[64];
        xdev_remove(xs, domid, "vif", devid, 1, e2, sizeof(e2));
    }
    return rc;
}
