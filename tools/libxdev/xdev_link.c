/*
 * Network links in dom0: the vif's name, state and bridge, and the
 * default bridge's set-up (what Xen's vif-bridge script and a
 * distribution's bridge configuration do), with the kernel's socket
 * ioctls so dom0 needs neither iproute2 nor bridge-utils.
 */
#include "xdev.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_bridge.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int link_ioctl(unsigned long req, struct ifreq *ifr)
{
    int fd, err = 0;

    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (ioctl(fd, req, ifr) < 0)
        err = -errno;
    close(fd);
    return err;
}

static int ifr_init(struct ifreq *ifr, const char *ifname)
{
    memset(ifr, 0, sizeof(*ifr));
    if (ifname == NULL || strlen(ifname) >= IFNAMSIZ || *ifname == '\0')
        return -EINVAL;
    memcpy(ifr->ifr_name, ifname, strlen(ifname));
    return 0;
}

int xdev_link_exists(const char *ifname)
{
    struct ifreq ifr;

    if (ifr_init(&ifr, ifname) < 0)
        return 0;
    return link_ioctl(SIOCGIFINDEX, &ifr) == 0;
}

static int sys_net_exists(const char *ifname, const char *what)
{
    char path[128];
    struct stat st;

    if (strchr(ifname, '/') != NULL)
        return 0;
    snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, what);
    return stat(path, &st) == 0;
}

int xdev_link_is_bridge(const char *ifname)
{
    return xdev_link_exists(ifname) && sys_net_exists(ifname, "bridge");
}

int xdev_link_set_up(const char *ifname, int up)
{
    struct ifreq ifr;
    int err;

    if ((err = ifr_init(&ifr, ifname)) < 0 || (err = link_ioctl(SIOCGIFFLAGS, &ifr)) < 0)
        return err;
    if (up)
        ifr.ifr_flags |= IFF_UP;
    else
        ifr.ifr_flags &= ~IFF_UP;
    return link_ioctl(SIOCSIFFLAGS, &ifr);
}

int xdev_link_rename(const char *from, const char *to)
{
    struct ifreq ifr;
    int err;

    if ((err = ifr_init(&ifr, from)) < 0)
        return err;
    if (strlen(to) >= IFNAMSIZ || *to == '\0')
        return -EINVAL;
    snprintf(ifr.ifr_newname, IFNAMSIZ, "%s", to);
    return link_ioctl(SIOCSIFNAME, &ifr);
}

int xdev_link_set_mtu(const char *ifname, unsigned int mtu)
{
    struct ifreq ifr;
    int err;

    if ((err = ifr_init(&ifr, ifname)) < 0)
        return err;
    ifr.ifr_mtu = (int)mtu;
    return link_ioctl(SIOCSIFMTU, &ifr);
}

int xdev_link_get_mtu(const char *ifname, unsigned int *mtu)
{
    struct ifreq ifr;
    int err;

    if ((err = ifr_init(&ifr, ifname)) < 0 || (err = link_ioctl(SIOCGIFMTU, &ifr)) < 0)
        return err;
    *mtu = (unsigned int)ifr.ifr_mtu;
    return 0;
}

int xdev_bridge_create(const char *bridge)
{
    char name[IFNAMSIZ];
    int fd, err = 0;

    if (bridge == NULL || *bridge == '\0' || strlen(bridge) >= IFNAMSIZ)
        return -EINVAL;
    snprintf(name, sizeof(name), "%s", bridge);
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (ioctl(fd, SIOCBRADDBR, name) < 0)
        err = -errno;
    close(fd);
    return err;
}

int xdev_bridge_add_port(const char *bridge, const char *ifname)
{
    struct ifreq ifr;
    unsigned int idx;
    int err;

    idx = if_nametoindex(ifname);
    if (idx == 0)
        return -ENODEV;
    if ((err = ifr_init(&ifr, bridge)) < 0)
        return err;
    ifr.ifr_ifindex = (int)idx;
    return link_ioctl(SIOCBRADDIF, &ifr);
}

/* ---- bridge-setup ---- */

/* The interface and gateway of the IPv4 default route (/proc/net/route),
 * 0 when found. */
static int default_route(char *ifname, size_t len, struct in_addr *gw)
{
    char line[256], dev[IFNAMSIZ + 1];
    unsigned int dst, gate, flags, mask;
    FILE *f;
    int found = -ENOENT;

    f = fopen("/proc/net/route", "re");
    if (f == NULL)
        return -errno;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "%16s %x %x %x %*d %*d %*d %x", dev, &dst, &gate, &flags, &mask) != 5)
            continue;
        if (dst == 0 && mask == 0 && (flags & RTF_UP)) {
            snprintf(ifname, len, "%s", dev);
            gw->s_addr = gate;
            found = 0;
            break;
        }
    }
    fclose(f);
    return found;
}

/* The first Ethernet interface that is up and is neither a bridge, a
 * bridge's port nor a guest's vif. */
static int first_ethernet(char *ifname, size_t len)
{
    struct if_nameindex *all, *i;
    int found = -ENODEV;

    all = if_nameindex();
    if (all == NULL)
        return -errno;
    for (i = all; i->if_index != 0 && i->if_name != NULL; i++) {
        char path[128], type[16] = "";
        struct ifreq ifr;
        FILE *f;

        if (strncmp(i->if_name, "vif", 3) == 0 || xdev_link_is_bridge(i->if_name) ||
            sys_net_exists(i->if_name, "brport") || sys_net_exists(i->if_name, "master"))
            continue;
        snprintf(path, sizeof(path), "/sys/class/net/%s/type", i->if_name);
        f = fopen(path, "re");
        if (f == NULL)
            continue;
        if (fgets(type, sizeof(type), f) == NULL)
            type[0] = '\0';
        fclose(f);
        if (strcmp(type, "1\n") != 0)      /* ARPHRD_ETHER */
            continue;
        if (ifr_init(&ifr, i->if_name) < 0 || link_ioctl(SIOCGIFFLAGS, &ifr) < 0 ||
            !(ifr.ifr_flags & IFF_UP))
            continue;
        snprintf(ifname, len, "%s", i->if_name);
        found = 0;
        break;
    }
    if_freenameindex(all);
    return found;
}

static int get_in4(const char *ifname, unsigned long req, struct in_addr *a)
{
    struct ifreq ifr;
    int err;

    if ((err = ifr_init(&ifr, ifname)) < 0 || (err = link_ioctl(req, &ifr)) < 0)
        return err;
    *a = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr;
    return 0;
}

static int set_in4(const char *ifname, unsigned long req, struct in_addr a)
{
    struct ifreq ifr;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    int err;

    if ((err = ifr_init(&ifr, ifname)) < 0)
        return err;
    sin->sin_family = AF_INET;
    sin->sin_addr = a;
    return link_ioctl(req, &ifr);
}

static int default_route_via(const char *ifname, struct in_addr gw, int add)
{
    struct rtentry rt;
    struct sockaddr_in *sin;
    char dev[IFNAMSIZ];
    int fd, err = 0;

    memset(&rt, 0, sizeof(rt));
    snprintf(dev, sizeof(dev), "%s", ifname);
    sin = (struct sockaddr_in *)&rt.rt_dst;
    sin->sin_family = AF_INET;
    sin = (struct sockaddr_in *)&rt.rt_genmask;
    sin->sin_family = AF_INET;
    sin = (struct sockaddr_in *)&rt.rt_gateway;
    sin->sin_family = AF_INET;
    sin->sin_addr = gw;
    rt.rt_flags = RTF_UP | (gw.s_addr != 0 ? RTF_GATEWAY : 0);
    rt.rt_dev = dev;
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (ioctl(fd, add ? SIOCADDRT : SIOCDELRT, &rt) < 0)
        err = -errno;
    close(fd);
    return err;
}

int xdev_bridge_setup(const char *bridge, const char *nic, char *info, size_t infolen,
                      char *err, size_t errlen)
{
    char found[IFNAMSIZ + 1] = "", master[160] = "", rdev[IFNAMSIZ + 1] = "";
    struct in_addr addr = { 0 }, mask = { 0 }, gw = { 0 };
    int rc, have_addr, have_route = 0;
    ssize_t n;

    info[0] = '\0';
    if (bridge == NULL || *bridge == '\0' || strlen(bridge) >= IFNAMSIZ) {
        snprintf(err, errlen, "bridge name '%s' is not a valid interface name", bridge ? bridge : "");
        return -EINVAL;
    }
    if (xdev_link_exists(bridge) && !xdev_link_is_bridge(bridge)) {
        snprintf(err, errlen, "%s exists and is not a bridge", bridge);
        return -EEXIST;
    }
    if (nic == NULL) {
        if (default_route(found, sizeof(found), &gw) == 0 && strcmp(found, bridge) != 0 &&
            !xdev_link_is_bridge(found))
            nic = found;
        else if (first_ethernet(found, sizeof(found)) == 0)
            nic = found;
    }
    if (!xdev_link_is_bridge(bridge)) {
        if ((rc = xdev_bridge_create(bridge)) < 0) {
            snprintf(err, errlen, "cannot create bridge %s: %s", bridge, strerror(-rc));
            return rc;
        }
        snprintf(info + strlen(info), infolen - strlen(info), "created %s; ", bridge);
    }
    if ((rc = xdev_link_set_up(bridge, 1)) < 0) {
        snprintf(err, errlen, "cannot bring %s up: %s", bridge, strerror(-rc));
        return rc;
    }
    if (nic == NULL) {
        snprintf(info + strlen(info), infolen - strlen(info),
                 "no Ethernet interface is up: %s has no uplink (guests reach dom0 only)", bridge);
        return 0;
    }
    if (!xdev_link_exists(nic)) {
        snprintf(err, errlen, "network interface %s does not exist", nic);
        return -ENODEV;
    }
    {
        char lpath[128];
        snprintf(lpath, sizeof(lpath), "/sys/class/net/%s/master", nic);
        n = readlink(lpath, master, sizeof(master) - 1);
    }
    if (n > 0) {
        master[n] = '\0';
        const char *m = strrchr(master, '/');
        m = m ? m + 1 : master;
        if (strcmp(m, bridge) == 0) {
            snprintf(info + strlen(info), infolen - strlen(info), "%s is already a port of %s",
                     nic, bridge);
            return 0;
        }
        snprintf(err, errlen, "%s is already a port of %s", nic, m);
        return -EBUSY;
    }
    /* Move the NIC's IPv4 address (and the default route through it) to
     * the bridge: a bridge's port carries no address of its own. */
    have_addr = get_in4(nic, SIOCGIFADDR, &addr) == 0 && addr.s_addr != 0 &&
                get_in4(nic, SIOCGIFNETMASK, &mask) == 0;
    if (default_route(rdev, sizeof(rdev), &gw) == 0 && strcmp(rdev, nic) == 0)
        have_route = 1;
    if ((rc = xdev_link_set_up(nic, 1)) < 0 || (rc = xdev_bridge_add_port(bridge, nic)) < 0) {
        snprintf(err, errlen, "cannot make %s a port of %s: %s", nic, bridge, strerror(-rc));
        return rc;
    }
    snprintf(info + strlen(info), infolen - strlen(info), "%s is a port of %s", nic, bridge);
    if (have_addr) {
        struct in_addr zero = { 0 };
        char a[INET_ADDRSTRLEN], m[INET_ADDRSTRLEN];

        set_in4(nic, SIOCSIFADDR, zero);
        if ((rc = set_in4(bridge, SIOCSIFADDR, addr)) < 0 ||
            (rc = set_in4(bridge, SIOCSIFNETMASK, mask)) < 0) {
            snprintf(err, errlen, "cannot give %s the address of %s: %s", bridge, nic, strerror(-rc));
            return rc;
        }
        inet_ntop(AF_INET, &addr, a, sizeof(a));
        inet_ntop(AF_INET, &mask, m, sizeof(m));
        snprintf(info + strlen(info), infolen - strlen(info), "; %s/%s moved to %s", a, m, bridge);
    }
    if (have_route) {
        char g[INET_ADDRSTRLEN];

        /* Clearing the NIC's address dropped its routes already. */
        default_route_via(nic, gw, 0);
        if ((rc = default_route_via(bridge, gw, 1)) < 0 && rc != -EEXIST) {
            snprintf(err, errlen, "cannot route by %s: %s", bridge, strerror(-rc));
            return rc;
        }
        inet_ntop(AF_INET, &gw, g, sizeof(g));
        snprintf(info + strlen(info), infolen - strlen(info), "; default route via %s on %s", g,
                 bridge);
    }
    return 0;
}
