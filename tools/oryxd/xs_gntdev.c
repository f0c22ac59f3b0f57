/* Grant mappings through /dev/xen/gntdev (see xs_gntdev.h). */
#include "xs_gntdev.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE_SIZE 4096

struct gntdev_grant_ref {
    uint32_t domid, ref;
};
struct gntdev_map_grant_ref {
    uint32_t count, pad;
    uint64_t index;                     /* OUT: the mmap offset */
    struct gntdev_grant_ref refs[1];
};
struct gntdev_unmap_grant_ref {
    uint64_t index;
    uint32_t count, pad;
};

/* _IOC(_IOC_NONE, 'G', nr, size) */
#define GNTDEV_IOC(nr, size) ((unsigned long)(((size) << 16) | ('G' << 8) | (nr)))
#define IOCTL_GNTDEV_MAP_GRANT_REF   GNTDEV_IOC(0, sizeof(struct gntdev_map_grant_ref))
#define IOCTL_GNTDEV_UNMAP_GRANT_REF GNTDEV_IOC(1, sizeof(struct gntdev_unmap_grant_ref))
_Static_assert(IOCTL_GNTDEV_MAP_GRANT_REF == 0x00184700, "gntdev map ioctl");
_Static_assert(IOCTL_GNTDEV_UNMAP_GRANT_REF == 0x00104701, "gntdev unmap ioctl");

int xs_gntdev_open(const char *path)
{
    int fd = open(path ? path : XS_GNTDEV_DEV, O_RDWR | O_CLOEXEC);

    return fd < 0 ? -errno : fd;
}

int xs_gntdev_map(int fd, uint32_t domid, uint32_t ref, struct xs_gnt_map *m)
{
    struct gntdev_map_grant_ref op = { .count = 1, .refs = { { domid, ref } } };
    struct gntdev_unmap_grant_ref un;
    void *p;
    int rc;

    m->addr = NULL;
    if (ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, &op))
        return -errno;
    /* The grant is mapped (and checked by the hypervisor) at mmap. */
    p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)op.index);
    if (p == MAP_FAILED) {
        rc = -errno;
        un = (struct gntdev_unmap_grant_ref){ .index = op.index, .count = 1 };
        ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &un);
        return rc;
    }
    m->addr = p;
    m->index = op.index;
    return 0;
}

void xs_gntdev_unmap(int fd, struct xs_gnt_map *m)
{
    struct gntdev_unmap_grant_ref un = { .index = m->index, .count = 1 };

    if (!m->addr)
        return;
    munmap(m->addr, PAGE_SIZE);
    ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &un);
    m->addr = NULL;
}
