/*
 * Dom0 user space reaching the hypervisor through /dev/xen/privcmd
 * (IOCTL_PRIVCMD_HYPERCALL): the kernel issues the hypercall with this
 * program's pointers, so the hypervisor must copy through user pages.
 * Prints one PRIVCMD line per call; tests/hv/hvtest.py (dom0-hostile)
 * checks them. The FOREIGN lines are the memory_op calls privcmd's
 * foreign mappings make, with good and bad arguments (domain 1 is the
 * boot-time domain "beside", 4 MiB). The DOMCTL and SYSCTL lines are the
 * toolstack's control calls with good and hostile arguments: pausing
 * dom0, a domain that does not exist, twice; a paused domain's CPU time
 * stays still; destroying a paused domain (domain 2, "victim"); the
 * hypervisor's log read and cleared, into good and bad buffers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "public/domctl.h"
#include "public/sysctl.h"
#include "public/platform.h"

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

static long domctl(int fd, uint32_t cmd, uint16_t dom, struct oryx_domctl *op)
{
    op->cmd = cmd;
    op->interface_version = ORYX_DOMCTL_INTERFACE_VERSION;
    op->domain = dom;
    return hcall(fd, 36, (uintptr_t)op, 0);
}

static long sysctl(int fd, uint32_t cmd, struct oryx_sysctl *op)
{
    op->cmd = cmd;
    op->interface_version = ORYX_SYSCTL_INTERFACE_VERSION;
    return hcall(fd, 35, (uintptr_t)op, 0);
}

/* Domain dom's getdomaininfo (flags, CPU time); rc. */
static long info(int fd, uint16_t dom, struct oryx_domctl_getdomaininfo *out)
{
    struct oryx_domctl op;
    long rc;

    memset(&op, 0, sizeof(op));
    rc = domctl(fd, XEN_DOMCTL_getdomaininfo, dom, &op);
    *out = op.u.getdomaininfo;
    return rc ? rc : op.domain == dom ? 0 : -3;
}

static void simple(int fd, const char *what, uint32_t cmd, uint16_t dom)
{
    struct oryx_domctl op;

    memset(&op, 0, sizeof(op));
    printf("DOMCTL %s rc=%ld\n", what, domctl(fd, cmd, dom, &op));
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static void control(int fd)
{
    struct oryx_domctl_getdomaininfo a, b;
    struct oryx_domctl op;
    struct oryx_sysctl sc;
    static char log[65536 + 1];
    long rc;

    simple(fd, "pause-dom0", XEN_DOMCTL_pausedomain, 0);
    simple(fd, "unpause-dom0", XEN_DOMCTL_unpausedomain, 0);
    simple(fd, "pause-none", XEN_DOMCTL_pausedomain, 0x7777);
    simple(fd, "pause-self", XEN_DOMCTL_pausedomain, 0x7FF0);
    simple(fd, "pause-reserved", XEN_DOMCTL_pausedomain, 0xFFFF);
    simple(fd, "unpause-running", XEN_DOMCTL_unpausedomain, 1);
    simple(fd, "pause", XEN_DOMCTL_pausedomain, 1);
    simple(fd, "pause-again", XEN_DOMCTL_pausedomain, 1);
    info(fd, 1, &a);
    sleep_ms(1500);         /* beside's 500 ms timer fires meanwhile */
    rc = info(fd, 1, &b);
    printf("DOMCTL paused rc=%ld flag=%u still=%d\n", rc, !!(b.flags & ORYX_DOMINF_paused),
           a.cpu_time_ns == b.cpu_time_ns);
    memset(&op, 0, sizeof(op));
    op.u.getvcpuinfo.vcpu = 0;
    rc = domctl(fd, XEN_DOMCTL_getvcpuinfo, 1, &op);
    printf("DOMCTL vcpuinfo-paused rc=%ld online=%u running=%u same-time=%d\n", rc,
           op.u.getvcpuinfo.online, op.u.getvcpuinfo.running,
           op.u.getvcpuinfo.cpu_time_ns == b.cpu_time_ns);
    simple(fd, "unpause", XEN_DOMCTL_unpausedomain, 1);
    simple(fd, "unpause-again", XEN_DOMCTL_unpausedomain, 1);
    sleep_ms(1500);
    rc = info(fd, 1, &a);
    printf("DOMCTL unpaused rc=%ld flag=%u moved=%d\n", rc, !!(a.flags & ORYX_DOMINF_paused),
           a.cpu_time_ns > b.cpu_time_ns);
    memset(&op, 0, sizeof(op));
    op.u.getvcpuinfo.vcpu = 1;      /* beside has one */
    printf("DOMCTL vcpuinfo-bad rc=%ld\n", domctl(fd, XEN_DOMCTL_getvcpuinfo, 1, &op));
    memset(&op, 0, sizeof(op));
    op.u.getvcpuinfo.vcpu = 0xFFFFFFFF;
    printf("DOMCTL vcpuinfo-huge rc=%ld\n", domctl(fd, XEN_DOMCTL_getvcpuinfo, 0, &op));
    memset(&op, 0, sizeof(op));
    printf("DOMCTL vcpuinfo-none rc=%ld\n", domctl(fd, XEN_DOMCTL_getvcpuinfo, 0x7777, &op));
    memset(&op, 0, sizeof(op));
    op.u.getvcpuinfo.vcpu = 1;
    rc = domctl(fd, XEN_DOMCTL_getvcpuinfo, 0, &op);
    printf("DOMCTL vcpuinfo-dom0 rc=%ld online=%u cpu=%u\n", rc, op.u.getvcpuinfo.online,
           op.u.getvcpuinfo.cpu);
    memset(&op, 0, sizeof(op));
    op.cmd = XEN_DOMCTL_pausedomain;
    op.interface_version = 0x12345678;
    op.domain = 1;
    printf("DOMCTL bad-version rc=%ld\n", hcall(fd, 36, (uintptr_t)&op, 0));
    printf("DOMCTL bad-pointer rc=%ld\n", hcall(fd, 36, 0x10, 0));
    simple(fd, "unknown", 0x7777, 1);
    /* The victim: paused, then destroyed while paused. */
    simple(fd, "victim-pause", XEN_DOMCTL_pausedomain, 2);
    simple(fd, "victim-destroy", XEN_DOMCTL_destroydomain, 2);
    simple(fd, "victim-gone", XEN_DOMCTL_unpausedomain, 2);

    memset(&sc, 0, sizeof(sc));
    rc = sysctl(fd, XEN_SYSCTL_physinfo, &sc);
    printf("SYSCTL physinfo rc=%ld cpus=%u khz=%d total=%d free=%d caps=%u up=%d fpu=%u\n", rc,
           sc.u.physinfo.nr_cpus, sc.u.physinfo.cpu_khz > 0,
           sc.u.physinfo.total_pages > 0, sc.u.physinfo.free_pages < sc.u.physinfo.total_pages,
           sc.u.physinfo.capabilities, sc.u.physinfo.uptime_ns > 1000000000ull,
           sc.u.physinfo.hw_cap[0] & 1);
    /* Touched first: the hypervisor copies into present pages only (as
     * Xen, whose libxc bounces through locked buffers). */
    memset(log, 0, sizeof(log));
    memset(&sc, 0, sizeof(sc));
    sc.u.readconsole.buffer = (uintptr_t)log;
    sc.u.readconsole.count = sizeof(log) - 1;
    rc = sysctl(fd, XEN_SYSCTL_readconsole, &sc);
    log[rc ? 0 : sc.u.readconsole.count] = 0;
    printf("SYSCTL readconsole rc=%ld some=%d banner=%d at-head=%d\n", rc,
           sc.u.readconsole.count > 100, strstr(log, "Oryx hypervisor") != NULL ||
           strstr(log, "beside") != NULL, sc.u.readconsole.index == sc.u.readconsole.head);
    memset(&sc, 0, sizeof(sc));
    sc.u.readconsole.buffer = 0x10;
    sc.u.readconsole.count = 4096;
    printf("SYSCTL readconsole-bad-buffer rc=%ld\n", sysctl(fd, XEN_SYSCTL_readconsole, &sc));
    memset(&sc, 0, sizeof(sc));
    sc.u.readconsole.buffer = (uintptr_t)log;
    sc.u.readconsole.count = 16;
    sc.u.readconsole.flags = 0x80;
    printf("SYSCTL readconsole-bad-flags rc=%ld\n", sysctl(fd, XEN_SYSCTL_readconsole, &sc));
    memset(&sc, 0, sizeof(sc));
    sc.u.readconsole.index = ~0ull;     /* beyond the head: nothing */
    sc.u.readconsole.buffer = (uintptr_t)log;
    sc.u.readconsole.count = 16;
    rc = sysctl(fd, XEN_SYSCTL_readconsole, &sc);
    printf("SYSCTL readconsole-beyond rc=%ld count=%u\n", rc, sc.u.readconsole.count);
    /* Clear everything up to the head; a read from 0 then starts there. */
    memset(&sc, 0, sizeof(sc));
    sc.u.readconsole.index = ~0ull;
    sc.u.readconsole.flags = ORYX_READCONSOLE_clear;
    rc = sysctl(fd, XEN_SYSCTL_readconsole, &sc);
    uint64_t cleared = sc.u.readconsole.index;
    memset(&sc, 0, sizeof(sc));
    sc.u.readconsole.buffer = (uintptr_t)log;
    sc.u.readconsole.count = sizeof(log) - 1;
    long rc2 = sysctl(fd, XEN_SYSCTL_readconsole, &sc);
    log[rc2 ? 0 : sc.u.readconsole.count] = 0;
    printf("SYSCTL readconsole-clear rc=%ld rc=%ld after=%d small=%d\n", rc, rc2,
           sc.u.readconsole.index >= cleared, sc.u.readconsole.count < 4096);
    memset(&sc, 0, sizeof(sc));
    sc.interface_version = 1;
    sc.cmd = XEN_SYSCTL_physinfo;
    printf("SYSCTL bad-version rc=%ld\n", hcall(fd, 35, (uintptr_t)&sc, 0));
    printf("SYSCTL bad-pointer rc=%ld\n", hcall(fd, 35, 0x10, 0));
    memset(&sc, 0, sizeof(sc));
    printf("SYSCTL unknown rc=%ld\n", sysctl(fd, 0x7777, &sc));

    /* Debug keys: 'q' prints the run queues into the log; a bad address,
     * 65 keys or a non-zero pad are refused. */
    static const char keys[65] = "q";
    memset(&sc, 0, sizeof(sc));
    sc.u.debug_keys.keys = (uintptr_t)keys;
    sc.u.debug_keys.nr_keys = 1;
    rc = sysctl(fd, XEN_SYSCTL_debug_keys, &sc);
    memset(log, 0, sizeof(log));
    memset(&sc, 0, sizeof(sc));
    sc.u.readconsole.buffer = (uintptr_t)log;
    sc.u.readconsole.count = sizeof(log) - 1;
    rc2 = sysctl(fd, XEN_SYSCTL_readconsole, &sc);
    log[rc2 ? 0 : sc.u.readconsole.count] = 0;
    printf("SYSCTL debug-keys rc=%ld queues=%d\n", rc, strstr(log, "CPU0: ") != NULL);
    memset(&sc, 0, sizeof(sc));
    sc.u.debug_keys.keys = 0x10;
    sc.u.debug_keys.nr_keys = 1;
    printf("SYSCTL debug-keys-bad-pointer rc=%ld\n", sysctl(fd, XEN_SYSCTL_debug_keys, &sc));
    sc.u.debug_keys.keys = (uintptr_t)keys;
    sc.u.debug_keys.nr_keys = 65;
    printf("SYSCTL debug-keys-too-many rc=%ld\n", sysctl(fd, XEN_SYSCTL_debug_keys, &sc));
    sc.u.debug_keys.nr_keys = 1;
    sc.u.debug_keys.pad = 1;
    printf("SYSCTL debug-keys-pad rc=%ld\n", sysctl(fd, XEN_SYSCTL_debug_keys, &sc));
}

/* platform_op's wall clock: nonsense refused, the time itself taken. */
static void check_settime(int fd)
{
    static struct xen_platform_op op;
    uint64_t now = (uint64_t)time(NULL);
    struct { const char *what; uint32_t cmd; uint64_t secs, nsecs, mbz, sys; } c[] = {
        { "settime64", XENPF_settime64, now, 5, 0, 0 },
        { "settime32", XENPF_settime32, now, 5, 0, 0 },
        { "settime64-mbz", XENPF_settime64, now, 0, 1, 0 },
        { "settime64-nsecs", XENPF_settime64, now, 1000000000, 0, 0 },
        { "settime64-huge", XENPF_settime64, ~0ull, 0, 0, 0 },
        { "settime64-before-1970", XENPF_settime64, 10, 0, 0, 11000000000ull },
    };

    for (unsigned int i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        memset(&op, 0, sizeof(op));
        op.cmd = c[i].cmd;
        op.interface_version = XENPF_INTERFACE_VERSION;
        if (c[i].cmd == XENPF_settime32) {
            op.u.settime32.secs = (uint32_t)c[i].secs;
            op.u.settime32.nsecs = (uint32_t)c[i].nsecs;
            op.u.settime32.system_time = c[i].sys;
        } else {
            op.u.settime64.secs = c[i].secs;
            op.u.settime64.nsecs = (uint32_t)c[i].nsecs;
            op.u.settime64.mbz = (uint32_t)c[i].mbz;
            op.u.settime64.system_time = c[i].sys;
        }
        printf("PLATFORM %s rc=%ld\n", c[i].what, hcall(fd, 7, (uintptr_t)&op, 0));
    }
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
    {
        static char cl[1024];
        memset(cl, 0, sizeof(cl));
        printf("PRIVCMD commandline rc=%ld '%s'\n", hcall(fd, 17, 9, (uintptr_t)cl), cl);
    }
    memset(&op, 0, sizeof(op));
    op.cmd = 55;                                /* XENPF_get_cpuinfo */
    op.interface_version = 0x03000001;
    rc = hcall(fd, 7, (uintptr_t)&op, 0);
    printf("PRIVCMD cpuinfo rc=%ld max_present=%u flags=%u\n", rc, op.max_present, op.flags);
    foreign(fd);
    control(fd);
    check_settime(fd);
    return 0;
}
