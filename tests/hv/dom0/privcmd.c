/*
 * Dom0 user space reaching the hypervisor through /dev/xen/privcmd
 * (IOCTL_PRIVCMD_HYPERCALL): the kernel issues the hypercall with this
 * program's pointers, so the hypervisor must copy through user pages.
 * Prints one PRIVCMD line per call; tests/hv/hvtest.py (dom0-hostile)
 * checks them.
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

static long hcall(int fd, uint64_t op, uint64_t a0, uint64_t a1)
{
    struct privcmd_hypercall h = { op, { a0, a1, 0, 0, 0 } };
    long rc = ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &h);

    return rc < 0 ? -errno : rc;
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
    return 0;
}
