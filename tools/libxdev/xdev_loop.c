/*
 * Loop devices for file-backed disks: what Xen's block hotplug script
 * does with losetup, here with the kernel's own ioctls so no udev rule
 * or util-linux is needed in dom0.
 */
#include "xdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The device node may appear a moment after LOOP_CTL_GET_FREE when
 * devtmpfs is not mounted; make it ourselves then. */
static int open_loop(int n, int flags, char *node, size_t nodelen)
{
    int fd;

    snprintf(node, nodelen, "/dev/loop%d", n);
    fd = open(node, flags | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        if (mknod(node, S_IFBLK | 0660, makedev(7, (unsigned int)n)) < 0 && errno != EEXIST)
            return -errno;
        fd = open(node, flags | O_CLOEXEC);
    }
    return fd < 0 ? -errno : fd;
}

int xdev_loop_attach(const char *file, int ro, char *node, size_t nodelen,
                     unsigned int *major, unsigned int *minor)
{
    int ctl, n, lfd, ffd, err = 0, tries;
    struct stat st;

    ffd = open(file, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (ffd < 0)
        return -errno;
    ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (ctl < 0) {
        err = -errno;
        close(ffd);
        return err;
    }
    /* Another process may take the free device between GET_FREE and our
     * configure (EBUSY): ask again. */
    for (tries = 0; tries < 8; tries++) {
        n = ioctl(ctl, LOOP_CTL_GET_FREE);
        if (n < 0) {
            err = -errno;
            break;
        }
        lfd = open_loop(n, ro ? O_RDONLY : O_RDWR, node, nodelen);
        if (lfd < 0) {
            err = lfd;
            break;
        }
        struct loop_config cfg;
        memset(&cfg, 0, sizeof(cfg));
        cfg.fd = (uint32_t)ffd;
        /* No autoclear here: it would end the device at our own close,
         * before blkback opens it. Detach asks for it instead. */
        cfg.info.lo_flags = ro ? LO_FLAGS_READ_ONLY : 0;
        snprintf((char *)cfg.info.lo_file_name, sizeof(cfg.info.lo_file_name), "%s", file);
        if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0) {
            err = 0;
        } else if (errno == EINVAL || errno == ENOTTY) {
            /* Kernels before 5.8. */
            struct loop_info64 info = cfg.info;
            if (ioctl(lfd, LOOP_SET_FD, ffd) < 0)
                err = -errno;
            else if (ioctl(lfd, LOOP_SET_STATUS64, &info) < 0) {
                err = -errno;
                ioctl(lfd, LOOP_CLR_FD, 0);
            }
        } else {
            err = -errno;
        }
        if (err == 0 && fstat(lfd, &st) == 0) {
            *major = major(st.st_rdev);
            *minor = minor(st.st_rdev);
        }
        close(lfd);
        if (err != -EBUSY)
            break;
    }
    close(ctl);
    close(ffd);
    return err;
}

int xdev_loop_detach(const char *node)
{
    struct loop_info64 info;
    int fd, err = 0;

    fd = open(node, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (ioctl(fd, LOOP_GET_STATUS64, &info) < 0) {
        err = errno == ENXIO ? -ENXIO : -errno;
    } else if (ioctl(fd, LOOP_CLR_FD, 0) < 0) {
        err = -errno;
    }
    /* While blkback still holds it, the kernel marks it autoclear and
     * ends it at the last close: a destroyed guest leaves none behind. */
    close(fd);
    return err;
}
