/*
 * Grant mappings from dom0 user space: Linux's /dev/xen/gntdev (the
 * xen-gntdev module). A guest's ring page, granted to dom0 by the
 * toolstack (GNTTAB_RESERVED_XENSTORE, _CONSOLE), is mapped here. Ioctl
 * numbers and layouts are Linux's uapi (include/uapi/xen/gntdev.h),
 * checked in xs_gntdev.c.
 */
#ifndef ORYXD_XS_GNTDEV_H
#define ORYXD_XS_GNTDEV_H

#include <stdint.h>

#define XS_GNTDEV_DEV "/dev/xen/gntdev"

/* Opens the device. fd or -errno. */
int xs_gntdev_open(const char *path);

struct xs_gnt_map {
    void *addr;                         /* NULL when not mapped */
    uint64_t index;                     /* gntdev's handle for the unmap */
};

/* Maps grant ref of domid, one page, read-write. 0 or -errno. */
int xs_gntdev_map(int fd, uint32_t domid, uint32_t ref, struct xs_gnt_map *m);
/* Unmaps what xs_gntdev_map mapped (nothing if m->addr is NULL). */
void xs_gntdev_unmap(int fd, struct xs_gnt_map *m);

#endif
