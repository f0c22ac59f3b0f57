/*
 * Dom0 user space reaching the hypervisor through /dev/xen/privcmd
 * (IOCTL_PRIVCMD_HYPERCALL): the kernel issues the hypercall with this
 * program's pointers, so the hypervisor must copy through user pages.
 * Prints one PRIVCMD line per call; tests/hv/hvtest.py (dom0-hostile)
 * checks them. The FOREIGN lines are the memory_op calls privcmd's
 * foreign mappings make, with good and bad arguments (domain 1 is the
 * boot-time domain "beside", 4 MiB).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct privcmd_hypercall {
    uint64_t op;
    uint64_t arg[5];
};
#define IOCTL_PRIVCMD_HYPERCALL 0x00305000u     /* _IOC(NONE, 'P', 0, 48) */

#define MEMORY_OP 12
#define XENMEM_remove_from_physmap  15
#define XENMEM_add_to_physmap_batch 23
#define XENMEM_acquire_resource     28
#define FREE_GFN 0x8000000ull           /* 512 GiB: nothing of dom0's there */

struct atp_batch {
    uint16_t domid, space, size, foreign_domid;
    uint64_t idxs, gpfns, errs;
};
struct remove_from_physmap {
    uint16_t domid, pad[3];
    uint64_t gpfn;
};
struct acquire_resource {
    uint16_t domid, type;
    uint32_t id, nr_frames, flags;
    uint64_t frame, frame_list;
};

static long hcall(int fd, uint64_t op, uint64_t a0, uint64_t a1)
{
    struct privcmd_hypercall h = { op, { a0, a1, 0, 0, 0 } };
    long rc = ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &h);

    return rc < 0 ? -errno : rc;
}

/* One add_to_physmap_batch entry: the call's rc and the entry's error. */
static void batch1(int fd, const char *what, uint16_t space, uint16_t fdom, uint64_t idx,
                   uint64_t gpfn)
{
    int err = 12345;
    struct atp_batch b = { 0x7FF0, space, 1, fdom, (uintptr_t)&idx, (uintptr_t)&gpfn,
                           (uintptr_t)&err };
    long rc = hcall(fd, MEMORY_OP, XENMEM_add_to_physmap_batch, (uintptr_t)&b);

    printf("FOREIGN %s rc=%ld err=%d\n", what, rc, err);
}

static long remove1(int fd, uint64_t gpfn)
{
    struct remove_from_physmap r = { 0x7FF0, { 0, 0, 0 }, gpfn };

    return hcall(fd, MEMORY_OP, XENMEM_remove_from_physmap, (uintptr_t)&r);
}

static void acquire(int fd, const char *what, uint16_t dom, uint16_t type, uint32_t id,
                    uint64_t frame, uint32_t nr, uint64_t list)
{
    struct acquire_resource a = { dom, type, id, nr, 99, frame, list };
    long rc = hcall(fd, MEMORY_OP, XENMEM_acquire_resource, (uintptr_t)&a);

    printf("FOREIGN %s rc=%ld nr_frames=%u\n", what, rc, a.nr_frames);
}

static void foreign(int fd)
{
    uint64_t gfns[2] = { FREE_GFN + 16, FREE_GFN + 17 };
    struct atp_batch big = { 0x7FF0, 4, 65535, 1, 0x10, 0x10, 0x10 };

    batch1(fd, "map", 4, 1, 0x10, FREE_GFN);
    batch1(fd, "map-again", 4, 1, 0x11, FREE_GFN);              /* the place is taken */
    printf("FOREIGN remove rc=%ld\n", remove1(fd, FREE_GFN));
    printf("FOREIGN remove-again rc=%ld\n", remove1(fd, FREE_GFN));
    printf("FOREIGN remove-ram rc=%ld\n", remove1(fd, 0x10));   /* dom0's low RAM */
    printf("FOREIGN remove-huge rc=%ld\n", remove1(fd, ~0ull));
    batch1(fd, "no-domain", 4, 0x7777, 0x10, FREE_GFN);
    batch1(fd, "self", 4, 0, 0x10, FREE_GFN);
    batch1(fd, "not-ram", 4, 1, 1ull << 40, FREE_GFN);
    batch1(fd, "over-ram", 4, 1, 0x10, 0x10);
    batch1(fd, "huge-gfn", 4, 1, 0x10, 1ull << 50);
    batch1(fd, "space", 0, 1, 0x10, FREE_GFN);
    printf("FOREIGN bad-arrays rc=%ld\n",
           hcall(fd, MEMORY_OP, XENMEM_add_to_physmap_batch, (uintptr_t)&big));
    printf("FOREIGN bad-struct rc=%ld\n", hcall(fd, MEMORY_OP, XENMEM_add_to_physmap_batch, 8));
    acquire(fd, "size", 1, 1, 0, 0, 0, 0);
    acquire(fd, "grant-frames", 1, 1, 0, 0, 2, (uintptr_t)gfns);
    printf("FOREIGN grant-frames-out rc=%ld %ld\n", remove1(fd, gfns[0]), remove1(fd, gfns[1]));
    acquire(fd, "ioreq", 1, 0, 0, 0, 1, (uintptr_t)gfns);
    acquire(fd, "status", 1, 1, 1, 0, 1, (uintptr_t)gfns);
    acquire(fd, "beyond", 1, 1, 0, 31, 2, (uintptr_t)gfns);
    acquire(fd, "no-domain", 0x7777, 1, 0, 0, 1, (uintptr_t)gfns);
    acquire(fd, "bad-list", 1, 1, 0, 0, 1, 0x10);
    /* Nothing may be left: the first slot takes a new mapping again. */
    batch1(fd, "map-last", 4, 1, 0x12, gfns[0]);
    printf("FOREIGN remove-last rc=%ld\n", remove1(fd, gfns[0]));
}

int main(void)
{
    int fd = open("/dev/xen/privcmd", O_RDWR);
    char extra[16];
    long rc;
    struct {
        uint32_t cmd, interface_version;
        uint32_t xen_cpuid, max_present, flags, apic_id, acpi_id;
        uint8_t pad[108];
    } op;

    if (fd < 0) {
        printf("PRIVCMD open failed: %s\n", strerror(errno));
        return 1;
    }
    printf("PRIVCMD version %#lx\n", hcall(fd, 17, 0, 0));            /* xen_version */
    memset(extra, 0, sizeof(extra));
    printf("PRIVCMD extraversion rc=%ld '%s'\n", hcall(fd, 17, 1, (uintptr_t)extra), extra);
    printf("PRIVCMD bad-pointer rc=%ld\n", hcall(fd, 17, 1, 0x10));
    memset(&op, 0, sizeof(op));
    op.cmd = 55;                                /* XENPF_get_cpuinfo */
    op.interface_version = 0x03000001;
    rc = hcall(fd, 7, (uintptr_t)&op, 0);
    printf("PRIVCMD cpuinfo rc=%ld max_present=%u flags=%u\n", rc, op.max_present, op.flags);
    foreign(fd);
    return 0;
}
