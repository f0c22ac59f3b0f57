/*
 * mkguest: dom0 user space builds a domain and runs it with the
 * toolstack's builder (tools/libxctl: Oryx's domctl through
 * /dev/xen/privcmd, the guest's RAM mapped with MMAPBATCH_V2, the
 * hypervisor's own elf_load.c and pvh_build.c), hears VIRQ_DOM_EXC
 * through /dev/xen/evtchn, and checks domctl's refusals with raw calls. Run by tests/dom0/init.sh; built statically by
 * tests/dom0/dom0test.py.
 *
 *   mkguest ELF NAME MEM_MIB [keep]
 *
 * With "keep", it only builds and starts NAME and leaves it to others
 * (oxl list and destroy); no checks are printed.
 *
 * Prints "CHECK <name> PASS|FAIL <detail>" for
 *   build-domain   create, load, start: the guest runs to its poweroff,
 *                  dom0 hears VIRQ_DOM_EXC, getdomaininfo says so, and
 *                  destroy removes it
 *   build-refused  bad requests: a bad or duplicate name, too much
 *                  memory, zero vCPUs, a start with no entry, an entry
 *                  after the start, destroying dom0, a wrong interface
 *                  version, an unknown command
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <public/domctl.h>
#include "xctl.h"
#include "xctl_build.h"
#include <public/sched.h>

#define PAGE 4096u
#define DOMCTL 36

struct privcmd_hypercall { uint64_t op, arg[5]; };
struct evtchn_bind_virq_ioc { uint32_t virq; };
#define PIOC(nr, size) ((unsigned long)(((size) << 16) | ('P' << 8) | (nr)))
#define XIOC(nr, size) ((unsigned long)(((size) << 16) | ('E' << 8) | (nr)))
#define IOCTL_PRIVCMD_HYPERCALL    PIOC(0, sizeof(struct privcmd_hypercall))
#define IOCTL_EVTCHN_BIND_VIRQ     XIOC(0, sizeof(struct evtchn_bind_virq_ioc))
_Static_assert(IOCTL_PRIVCMD_HYPERCALL == 0x00305000, "privcmd hypercall");
_Static_assert(IOCTL_EVTCHN_BIND_VIRQ == 0x00044500, "evtchn bind_virq");

static int pc = -1;
static struct xctl *xc;

static void check(const char *name, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void check(const char *name, int ok, const char *fmt, ...)
{
    va_list ap;

    printf("CHECK %s %s ", name, ok ? "PASS" : "FAIL");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

static long domctl(struct oryx_domctl *op, uint32_t cmd, uint16_t dom)
{
    struct privcmd_hypercall h = { DOMCTL, { (uintptr_t)op, 0, 0, 0, 0 } };

    op->cmd = cmd;
    op->interface_version = ORYX_DOMCTL_INTERFACE_VERSION;
    op->domain = dom;
    long rc = ioctl(pc, IOCTL_PRIVCMD_HYPERCALL, &h);
    return rc < 0 ? -errno : rc;
}

static long create(const char *name, uint32_t vcpus, uint64_t mem_kb, struct oryx_domctl *op)
{
    memset(op, 0, sizeof(*op));
    snprintf(op->u.createdomain.name, sizeof(op->u.createdomain.name), "%s", name);
    op->u.createdomain.max_vcpus = vcpus;
    op->u.createdomain.mem_kb = mem_kb;
    return domctl(op, XEN_DOMCTL_createdomain, 0);
}

static long destroy(uint16_t dom)
{
    struct oryx_domctl op;

    memset(&op, 0, sizeof(op));
    return domctl(&op, XEN_DOMCTL_destroydomain, dom);
}

/* getdomaininfo of exactly dom: 0, or -ESRCH when it is not listed. */
static long info(uint16_t dom, struct oryx_domctl_getdomaininfo *out)
{
    struct oryx_domctl op;

    memset(&op, 0, sizeof(op));
    long rc = domctl(&op, XEN_DOMCTL_getdomaininfo, dom);
    if (rc)
        return rc;
    if (op.domain != dom)
        return -ESRCH;
    *out = op.u.getdomaininfo;
    return 0;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Build and start NAME from the ELF with libxctl's builder (oxl create's):
 * the domain id, or -1 with *err set. */
static int build(const void *img, size_t len, const char *name, uint64_t mem,
                 const char **err)
{
    static char msg[256];
    struct xctl_build b = { .name = name, .vcpus = 1, .mem_bytes = mem, .kernel = img,
                            .kernel_len = len, .cmdline = "", .hv_console = 1 };
    struct xctl_built out;

    if (xctl_build_pvh(xc, &b, &out, msg, sizeof(msg))) {
        *err = msg;
        return -1;
    }
    return out.domid;
}

static void build_domain(const void *img, size_t len, const char *name, uint64_t mem)
{
    int ev = open("/dev/xen/evtchn", O_RDWR);
    struct evtchn_bind_virq_ioc bv = { 3 };         /* VIRQ_DOM_EXC */
    int port = ev < 0 ? -1 : ioctl(ev, IOCTL_EVTCHN_BIND_VIRQ, &bv);
    struct oryx_domctl_getdomaininfo i0, i1, i2;
    const char *err = NULL;
    double t0 = now();
    int dom = build(img, len, name, mem, &err);

    if (dom < 0) {
        check("build-domain", 0, "%s", err);
        return;
    }
    long r0 = info((uint16_t)dom, &i0);
    /* Its end: VIRQ_DOM_EXC, then getdomaininfo says it shut down. */
    int heard = 0;
    struct pollfd pfd = { .fd = ev, .events = POLLIN };
    while (port >= 0 && !heard && now() - t0 < 120) {
        uint32_t got;
        if (poll(&pfd, 1, 500) == 1 && read(ev, &got, sizeof(got)) == sizeof(got)) {
            heard = got == (uint32_t)port;
            if (write(ev, &got, sizeof(got)) != sizeof(got))
                break;
        }
    }
    long r1 = info((uint16_t)dom, &i1);
    long drc = destroy((uint16_t)dom);
    long r2 = -1;
    for (int tries = 0; tries < 50 && (r2 = info((uint16_t)dom, &i2)) == 0; tries++)
        usleep(100000);
    int ok = !r0 && !r1 && heard && (i1.flags & ORYX_DOMINF_shutdown) &&
             !(i1.flags & ORYX_DOMINF_crashed) && i1.shutdown_reason == SHUTDOWN_poweroff &&
             !strcmp(i1.name, name) && i0.tot_pages >= mem / PAGE && !drc && r2 == -ESRCH;
    check("build-domain", ok,
          "d%d %s: %lu pages, flags %#x at start; VIRQ_DOM_EXC %s (port %d); then flags %#x "
          "reason %u, cpu %lu ms; destroy rc %ld, afterwards %s", dom, i0.name,
          (unsigned long)i0.tot_pages, i0.flags, heard ? "heard" : "never came", port, i1.flags,
          i1.shutdown_reason, (unsigned long)(i1.cpu_time_ns / 1000000), drc,
          r2 == -ESRCH ? "gone" : "still listed");
    if (ev >= 0)
        close(ev);
}

/* Requests the hypervisor must refuse, each with its errno. */
static void build_refused(void)
{
    struct oryx_domctl op;
    char out[512] = "";
    int bad = 0;
    long rc;

#define EXPECT(what, call, want) do { \
        rc = (call); \
        if (rc != (want)) { \
            bad++; \
            snprintf(out + strlen(out), sizeof(out) - strlen(out), " %s=%ld(want %d)", \
                     what, rc, want); \
        } \
    } while (0)
    EXPECT("bad-name", create("no spaces", 1, 4096, &op), -EINVAL);
    EXPECT("empty-name", create("", 1, 4096, &op), -EINVAL);
    EXPECT("no-vcpus", create("x", 0, 4096, &op), -EINVAL);
    EXPECT("many-vcpus", create("x", 1000, 4096, &op), -EINVAL);
    EXPECT("tiny", create("x", 1, 512, &op), -EINVAL);
    EXPECT("huge", create("x", 1, 1ULL << 39, &op), -ENOMEM);
    EXPECT("dom0-name", create("Domain-0", 1, 4096, &op), -EEXIST);
    EXPECT("created", create("idle", 1, 4096, &op), 0);
    uint16_t idle = op.domain;
    EXPECT("dup-name", create("idle", 1, 4096, &op), -EEXIST);
    memset(&op, 0, sizeof(op));
    EXPECT("no-entry", domctl(&op, XEN_DOMCTL_unpausedomain, idle), -EINVAL);
    op.u.pvh_entry = (struct oryx_domctl_pvh_entry){ 1, 0x100000, 0x1000 };
    EXPECT("vcpu1-entry", domctl(&op, ORYX_DOMCTL_set_pvh_entry, idle), -EINVAL);
    /* write_memory: only the new domain's RAM, from a buffer that is ours. */
    static uint8_t page[4096] = { 1 };
#define WM(gpa, buf, len) (memset(&op, 0, sizeof(op)), \
        op.u.write_memory = (struct oryx_domctl_write_memory){ (gpa), (uintptr_t)(buf), (len), 0 }, \
        (long)domctl(&op, ORYX_DOMCTL_write_memory, idle))
    EXPECT("wm-ok", WM(0x1000, page, sizeof(page)), 0);
    EXPECT("wm-zeros", WM(0x2000, NULL, 8192), 0);
    EXPECT("wm-no-len", WM(0x1000, page, 0), -EINVAL);
    EXPECT("wm-over-1MiB", WM(0x1000, page, ORYX_WRITE_MEMORY_MAX + 1), -EINVAL);
    EXPECT("wm-wraps", WM(~0ULL - 100, page, 4096), -EINVAL);
    EXPECT("wm-past-ram", WM(1ULL << 40, page, 4096), -EFAULT);
    EXPECT("wm-bad-buffer", WM(0x1000, 0x10, 4096), -EFAULT);
    memset(&op, 0, sizeof(op));
    op.u.write_memory = (struct oryx_domctl_write_memory){ 0x1000, (uintptr_t)page, 4096, 0 };
    EXPECT("wm-dom0", domctl(&op, ORYX_DOMCTL_write_memory, 0), -EPERM);
    EXPECT("wm-boot-time", domctl(&op, ORYX_DOMCTL_write_memory, 1), -EPERM);
#undef WM
    EXPECT("destroy", destroy(idle), 0);
    EXPECT("destroy-again", destroy(idle), -ESRCH);
    EXPECT("destroy-dom0", destroy(0), -EPERM);
    EXPECT("unpause-dom0", domctl(&op, XEN_DOMCTL_unpausedomain, 0), -EPERM);
    EXPECT("unknown-cmd", domctl(&op, 999, 0), -EOPNOTSUPP);
    struct privcmd_hypercall h = { DOMCTL, { (uintptr_t)&op, 0, 0, 0, 0 } };
    op.interface_version = 1;
    EXPECT("version", ioctl(pc, IOCTL_PRIVCMD_HYPERCALL, &h) < 0 ? -errno : 0, -EACCES);
    h.arg[0] = 0x10;
    EXPECT("bad-pointer", ioctl(pc, IOCTL_PRIVCMD_HYPERCALL, &h) < 0 ? -errno : 0, -EFAULT);
#undef EXPECT
    check("build-refused", !bad, "%s", bad ? out : "each refused with its errno");
}

int main(int argc, char **argv)
{
    struct stat st;
    void *img = NULL;
    int fd;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 4 && !(argc == 5 && !strcmp(argv[4], "keep"))) {
        fprintf(stderr, "usage: mkguest ELF NAME MEM_MIB [keep]\n");
        return 2;
    }
    pc = open("/dev/xen/privcmd", O_RDWR);
    xc = xctl_open();
    fd = open(argv[1], O_RDONLY);
    if (pc < 0 || !xc || fd < 0 || fstat(fd, &st) || !(img = malloc((size_t)st.st_size)) ||
        read(fd, img, (size_t)st.st_size) != st.st_size) {
        check("build-domain", 0, "privcmd or %s: %s", argv[1], strerror(errno));
        check("build-refused", 0, "not run");
        return 1;
    }
    if (argc == 5) {
        const char *err = NULL;
        if (build(img, (size_t)st.st_size, argv[2], (uint64_t)atoi(argv[3]) << 20, &err) < 0) {
            fprintf(stderr, "mkguest: %s\n", err);
            return 1;
        }
        return 0;
    }
    build_refused();
    build_domain(img, (size_t)st.st_size, argv[2], (uint64_t)atoi(argv[3]) << 20);
    return 0;
}
