/*
 * grantcheck: dom0's side of the grant test (guests/granter is the other),
 * run by tests/dom0/init.sh, built statically by tests/dom0/dom0test.py.
 * Uses only /dev/xen/{evtchn,gntdev,gntalloc,privcmd}; their ioctl structs are
 * declared here from the Linux uapi layouts (research note pvh-dom0-abi.md
 * §5.4), so no Xen headers are needed anywhere.
 *
 *   grantcheck [DOMID]     the granter's domain id (default: scan 1..16)
 *
 * Prints "CHECK <name> PASS|FAIL <detail>" for
 *   grant-evtchn   bind to the granter's unbound port (scan ports 1..64)
 *   grant-map      map its gref 8 with gntdev, check the pattern
 *   grant-batch    gntdev maps that gref 1500 times in one mapping (one
 *                  hypercall of 1500 ops, continued by the hypervisor)
 *   foreign-resource  privcmd MMAP_RESOURCE of its grant table (size query,
 *                  then frame 0): entry 8 grants dom0 a frame
 *   foreign-map    privcmd MMAPBATCH_V2 of that frame and of a frame it
 *                  does not have: the first shows the pattern and is the
 *                  same page gntdev maps, the second gets an error
 *   grant-copy     IOCTL_GNTDEV_GRANT_COPY of that page out, compared;
 *                  and a copy into it ("COPY" at offset 64)
 *   gntalloc       a page of ours granted to it: it maps it, checks it,
 *                  writes "SEEN" into it and says "GOOD"
 *   grant-lifetime our mapping of its page still reads after it is gone
 *   grant-self     a page granted to ourselves, mapped through gntdev,
 *                  written through one mapping and read through the
 *                  other; after the gntdev unmap the page still reads right
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u
#define GREF_GRANTER 8
#define REPLY_MAGIC 0x30524550u
#define OFF_MAGIC 0
#define OFF_GREF 4
#define OFF_SEED 8
#define OFF_COPY 64
#define OFF_VERDICT 128
#define SEED 41u

/* ---- uapi (Linux include/uapi/xen/{evtchn,gntdev,gntalloc}.h) ---- */
#define XIOC(nr, size) ((unsigned long)(((size) << 16) | ('E' << 8) | (nr)))
#define GIOC(nr, size) ((unsigned long)(((size) << 16) | ('G' << 8) | (nr)))

struct evtchn_bind_interdomain_ioc { uint32_t remote_domain, remote_port; };
struct evtchn_notify_ioc { uint32_t port; };
#define IOCTL_EVTCHN_BIND_INTERDOMAIN XIOC(1, sizeof(struct evtchn_bind_interdomain_ioc))
#define IOCTL_EVTCHN_NOTIFY           XIOC(4, sizeof(struct evtchn_notify_ioc))

struct gntdev_grant_ref { uint32_t domid, ref; };
struct gntdev_map { uint32_t count, pad; uint64_t index; struct gntdev_grant_ref refs[1]; };
struct gntdev_unmap { uint64_t index; uint32_t count, pad; };
struct gntdev_copy_seg {
    union {
        void *virt;
        struct { uint32_t ref; uint16_t offset; uint16_t domid; } foreign;
    } source, dest;
    uint16_t len, flags;
    int16_t status;
};
struct gntdev_copy { unsigned int count; struct gntdev_copy_seg *segments; };
#define IOCTL_GNTDEV_MAP_GRANT_REF   GIOC(0, sizeof(struct gntdev_map))
#define IOCTL_GNTDEV_UNMAP_GRANT_REF GIOC(1, sizeof(struct gntdev_unmap))
#define IOCTL_GNTDEV_GRANT_COPY      GIOC(8, sizeof(struct gntdev_copy))
#define GNTCOPY_source_gref 1
#define GNTCOPY_dest_gref   2

struct gntalloc_alloc { uint16_t domid, flags; uint32_t count; uint64_t index; uint32_t gref_ids[1]; };
struct gntalloc_dealloc { uint64_t index; uint32_t count; };
#define IOCTL_GNTALLOC_ALLOC_GREF   GIOC(5, sizeof(struct gntalloc_alloc))
#define IOCTL_GNTALLOC_DEALLOC_GREF GIOC(6, sizeof(struct gntalloc_dealloc))
#define GNTALLOC_FLAG_WRITABLE 1

struct privcmd_mmapbatch_v2 { uint32_t num; uint16_t dom, pad; uint64_t addr, arr, err; };
struct privcmd_mmap_resource { uint16_t dom, pad; uint32_t type, id, idx; uint64_t num, addr; };
#define PIOC(nr, size) ((unsigned long)(((size) << 16) | ('P' << 8) | (nr)))
#define IOCTL_PRIVCMD_MMAPBATCH_V2  PIOC(4, sizeof(struct privcmd_mmapbatch_v2))
#define IOCTL_PRIVCMD_MMAP_RESOURCE PIOC(7, sizeof(struct privcmd_mmap_resource))
#define XENMEM_resource_grant_table 1

_Static_assert(IOCTL_EVTCHN_BIND_INTERDOMAIN == 0x00084501, "evtchn ioctl");
_Static_assert(IOCTL_GNTDEV_MAP_GRANT_REF == 0x00184700, "gntdev map ioctl");
_Static_assert(IOCTL_GNTDEV_UNMAP_GRANT_REF == 0x00104701, "gntdev unmap ioctl");
_Static_assert(IOCTL_GNTDEV_GRANT_COPY == 0x00104708, "gntdev copy ioctl");
_Static_assert(sizeof(struct gntdev_copy_seg) == 24, "copy segment");
_Static_assert(IOCTL_GNTALLOC_ALLOC_GREF == 0x00184705, "gntalloc ioctl");
_Static_assert(IOCTL_GNTALLOC_DEALLOC_GREF == 0x00104706, "gntalloc dealloc");
_Static_assert(IOCTL_PRIVCMD_MMAPBATCH_V2 == 0x00205004, "privcmd mmapbatch_v2");
_Static_assert(IOCTL_PRIVCMD_MMAP_RESOURCE == 0x00205007, "privcmd mmap_resource");

/* Every check prints one line, the ones never reached FAIL at exit. */
static const char *const names[] = {
    "grant-self", "grant-evtchn", "grant-map", "grant-batch", "foreign-resource", "foreign-map", "grant-copy",
    "gntalloc", "grant-lifetime",
};
static int reported[sizeof(names) / sizeof(names[0])];

static void check(const char *name, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#include <stdarg.h>
static void check(const char *name, int ok, const char *fmt, ...)
{
    va_list ap;

    for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(names[i], name))
            reported[i] = 1;
    printf("CHECK %s %s ", name, ok ? "PASS" : "FAIL");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

static uint8_t pattern(unsigned int i)
{
    return (uint8_t)(i * 7 + 3);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Map one grant with gntdev: the mapping, or NULL (errno). */
static uint8_t *gntdev_map(int fd, uint32_t domid, uint32_t ref, uint64_t *index)
{
    struct gntdev_map m = { .count = 1, .refs = { { domid, ref } } };
    void *p;

    if (ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, &m))
        return NULL;
    *index = m.index;
    p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)m.index);
    if (p == MAP_FAILED) {
        int e = errno;
        struct gntdev_unmap u = { .index = m.index, .count = 1 };
        ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
        errno = e;
        return NULL;
    }
    return p;
}

static int gntdev_unmap(int fd, void *p, uint64_t index)
{
    struct gntdev_unmap u = { .index = index, .count = 1 };

    munmap(p, PAGE);
    return ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
}

/*
 * Wait until the guest's verdict is in the shared page, taking (and
 * unmasking) events on port as they come: binding raises our port once
 * (as Xen does), so the first event may be that one. 0, or -1 when no
 * verdict came in time.
 */
static int wait_verdict(int fd, uint32_t port, const volatile uint8_t *page, int seconds)
{
    double end = now() + seconds;
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    uint32_t got;

    while (now() < end) {
        uint32_t v = __atomic_load_n((const volatile uint32_t *)(page + OFF_VERDICT),
                                     __ATOMIC_ACQUIRE);
        if (!memcmp(&v, "GOOD", 4) || !memcmp(&v, "BAD!", 4))
            return 0;
        if (poll(&pfd, 1, 200) == 1 && read(fd, &got, sizeof(got)) == sizeof(got) &&
            got == port && write(fd, &got, sizeof(got)) != sizeof(got))
            return -1;
    }
    return -1;
}

static void self_map(int gd, int ga)
{
    struct gntalloc_alloc a = { .domid = 0, .flags = GNTALLOC_FLAG_WRITABLE, .count = 1 };
    uint8_t *pa, *pb;
    uint64_t ib;
    unsigned int bad = 0;

    if (ioctl(ga, IOCTL_GNTALLOC_ALLOC_GREF, &a)) {
        check("grant-self", 0, "gntalloc for domid 0: %s", strerror(errno));
        return;
    }
    pa = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ga, (off_t)a.index);
    if (pa == MAP_FAILED) {
        check("grant-self", 0, "mmap of the gntalloc page: %s", strerror(errno));
        return;
    }
    for (unsigned int i = 0; i < PAGE; i++)
        pa[i] = (uint8_t)(i * 3 + 1);
    pb = gntdev_map(gd, 0, a.gref_ids[0], &ib);
    if (!pb) {
        check("grant-self", 0, "gntdev map of our own gref %u: %s", a.gref_ids[0],
              strerror(errno));
        return;
    }
    for (unsigned int i = 0; i < PAGE; i++)
        bad += pb[i] != (uint8_t)(i * 3 + 1);
    pb[100] = 0xA5;                     /* through the gntdev mapping */
    int seen = pa[100] == 0xA5;
    pa[200] = 0x5A;                     /* through the gntalloc one */
    seen &= pb[200] == 0x5A;
    int urc = gntdev_unmap(gd, pb, ib);
    pa[300] = 0x77;                     /* still ours, still writable */
    unsigned int after = 0;
    for (unsigned int i = 0; i < PAGE; i++) {
        uint8_t want = i == 100 ? 0xA5 : i == 200 ? 0x5A : i == 300 ? 0x77 : (uint8_t)(i * 3 + 1);
        after += pa[i] != want;
    }
    check("grant-self", !bad && seen && !urc && !after,
          "gref %u to domid 0 mapped by gntdev: %u bytes differ, writes seen both ways %d, "
          "unmap rc %d, gntalloc page afterwards: %u bytes differ", a.gref_ids[0], bad, seen,
          urc, after);
    munmap(pa, PAGE);
    struct gntalloc_dealloc d = { .index = a.index, .count = 1 };
    ioctl(ga, IOCTL_GNTALLOC_DEALLOC_GREF, &d);
}

/* gntdev maps one gref BATCH times: Linux makes one map hypercall of
 * BATCH ops at mmap time, and one unmap call at munmap. */
#define BATCH 1500
static void batch_check(int gd, uint32_t dom)
{
    static union { struct gntdev_map m; uint8_t space[sizeof(struct gntdev_map) +
                                                     BATCH * sizeof(struct gntdev_grant_ref)]; } u;
    unsigned int bad = 0, shared = 1;
    uint8_t *p = MAP_FAILED;

    u.m.count = BATCH;
    for (unsigned int i = 0; i < BATCH; i++)
        u.m.refs[i] = (struct gntdev_grant_ref){ dom, GREF_GRANTER };
    int rc = ioctl(gd, IOCTL_GNTDEV_MAP_GRANT_REF, &u.m);
    if (!rc)
        p = mmap(NULL, BATCH * PAGE, PROT_READ, MAP_SHARED, gd, (off_t)u.m.index);
    if (p != MAP_FAILED) {
        for (unsigned int i = 0; i < BATCH; i++)
            for (unsigned int j = 0; j < PAGE; j += 61)
                bad += p[i * PAGE + j] != pattern(j);
        shared = !memcmp(p, p + (BATCH - 1) * PAGE, PAGE);
        munmap(p, BATCH * PAGE);
    }
    struct gntdev_unmap un = { .index = u.m.index, .count = BATCH };
    int urc = rc ? -1 : ioctl(gd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &un);
    check("grant-batch", !rc && p != MAP_FAILED && !bad && shared && !urc,
          "gref %u of domain %u mapped %u times at once: ioctl rc %d, mmap %s, "
          "%u sampled bytes differ, unmap rc %d", GREF_GRANTER, dom, BATCH, rc,
          p == MAP_FAILED ? strerror(errno) : "ok", bad, urc);
}

/*
 * The granter's memory through privcmd, as a toolstack reaches a guest:
 * its grant table by MMAP_RESOURCE, then the frame entry GREF_GRANTER
 * names by MMAPBATCH_V2 (with a second frame it does not have). `page` is
 * the same frame mapped through gntdev.
 */
static void foreign_checks(uint32_t dom, volatile uint8_t *page)
{
    int pc = open("/dev/xen/privcmd", O_RDWR);
    struct privcmd_mmap_resource r = { .dom = (uint16_t)dom,
                                       .type = XENMEM_resource_grant_table };
    uint32_t frame = 0;
    uint16_t flags = 0, to = 0xffff;

    if (pc < 0) {
        check("foreign-resource", 0, "open /dev/xen/privcmd: %s", strerror(errno));
        return;
    }
    int qrc = ioctl(pc, IOCTL_PRIVCMD_MMAP_RESOURCE, &r);
    uint64_t size = r.num;
    uint8_t *gt = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, pc, 0);
    int mrc = -1;
    if (gt != MAP_FAILED) {
        r.num = 1;
        r.addr = (uintptr_t)gt;
        mrc = ioctl(pc, IOCTL_PRIVCMD_MMAP_RESOURCE, &r);
        if (!mrc) {
            memcpy(&flags, gt + GREF_GRANTER * 8, 2);
            memcpy(&to, gt + GREF_GRANTER * 8 + 2, 2);
            memcpy(&frame, gt + GREF_GRANTER * 8 + 4, 4);
        }
    }
    check("foreign-resource", !qrc && size >= 1 && !mrc && (flags & 3) == 1 && to == 0,
          "domain %u: size query rc %d (%lu frames), map rc %d (%s), entry %u: flags %#x "
          "domid %u frame %#x", dom, qrc, (unsigned long)size, mrc,
          mrc ? strerror(errno) : "ok", GREF_GRANTER, flags, to, frame);
    if (gt != MAP_FAILED)
        munmap(gt, PAGE);
    if (qrc || mrc) {
        close(pc);
        return;
    }

    uint64_t gfns[2] = { frame, 0xfffffff0u };
    int err[2] = { 99, 99 };
    uint8_t *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, pc, 0);
    struct privcmd_mmapbatch_v2 b = { .num = 2, .dom = (uint16_t)dom, .addr = (uintptr_t)m,
                                      .arr = (uintptr_t)gfns, .err = (uintptr_t)err };
    int brc = m == MAP_FAILED ? -1 : ioctl(pc, IOCTL_PRIVCMD_MMAPBATCH_V2, &b);
    unsigned int bad = 0;
    int same = 0;
    if (m != MAP_FAILED && err[0] == 0) {
        for (unsigned int i = 0; i < PAGE; i++)
            bad += m[i] != pattern(i);
        /* One frame: a byte written here shows through gntdev's mapping. */
        m[PAGE - 1] = 0xEE;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        same = page[PAGE - 1] == 0xEE;
        m[PAGE - 1] = pattern(PAGE - 1);
    }
    check("foreign-map", m != MAP_FAILED && brc == 0 && err[0] == 0 && err[1] < 0 && !bad && same,
          "frame %#x of domain %u: ioctl rc %d, errors %d %d, %u bytes differ, "
          "same page as the grant: %s", frame, dom, brc, err[0], err[1], bad, same ? "yes" : "no");
    if (m != MAP_FAILED)
        munmap(m, 2 * PAGE);
    close(pc);
}

static void not_reached(void)
{
    for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!reported[i])
            printf("CHECK %s FAIL not reached (an earlier grant check failed)\n", names[i]);
}

int main(int argc, char **argv)
{
    int ev = open("/dev/xen/evtchn", O_RDWR);
    int gd = open("/dev/xen/gntdev", O_RDWR);
    int ga = open("/dev/xen/gntalloc", O_RDWR);
    uint32_t dom = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 0, port = 0, lport = 0;
    uint8_t *page = NULL, *mine = NULL;
    uint64_t index = 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    atexit(not_reached);
    if (ev < 0 || gd < 0 || ga < 0) {
        check("grant-evtchn", 0, "open /dev/xen/{evtchn,gntdev,gntalloc}: %d %d %d", ev, gd, ga);
        return 1;
    }
    /* The self-map first: it needs nobody else. */
    self_map(gd, ga);

    /* The granter's port for us: the one unbound port of it that binds. */
    double t0 = now();
    while (!lport && now() - t0 < 60) {
        for (uint32_t d = dom ? dom : 1; !lport && d <= (dom ? dom : 16); d++)
            for (uint32_t p = 1; p <= 64; p++) {
                struct evtchn_bind_interdomain_ioc b = { d, p };
                int rc = ioctl(ev, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
                if (rc > 0) {
                    lport = (uint32_t)rc;
                    port = p;
                    dom = d;
                    break;
                }
            }
        if (!lport)
            usleep(200000);
    }
    check("grant-evtchn", lport != 0, "domain %u port %u bound as local port %u", dom, port,
          lport);
    if (!lport)
        return 1;

    page = gntdev_map(gd, dom, GREF_GRANTER, &index);
    unsigned int bad = 0;
    if (page)
        for (unsigned int i = 0; i < PAGE; i++)
            bad += page[i] != pattern(i);
    check("grant-map", page && !bad, "gref %u of domain %u: %s, %u bytes differ",
          GREF_GRANTER, dom, page ? "mapped" : strerror(errno), bad);
    if (!page)
        return 1;
    batch_check(gd, dom);
    foreign_checks(dom, page);

    /* Grant copy: out of its page, and "COPY" into it. */
    static uint8_t buf[PAGE];
    struct gntdev_copy_seg seg[2];
    memset(seg, 0, sizeof(seg));
    seg[0].source.foreign.ref = GREF_GRANTER;
    seg[0].source.foreign.domid = (uint16_t)dom;
    seg[0].dest.virt = buf;
    seg[0].len = PAGE;
    seg[0].flags = GNTCOPY_source_gref;
    seg[1].source.virt = (void *)"COPY";
    seg[1].dest.foreign.ref = GREF_GRANTER;
    seg[1].dest.foreign.domid = (uint16_t)dom;
    seg[1].dest.foreign.offset = OFF_COPY;
    seg[1].len = 4;
    seg[1].flags = GNTCOPY_dest_gref;
    struct gntdev_copy c = { .count = 2, .segments = seg };
    int crc = ioctl(gd, IOCTL_GNTDEV_GRANT_COPY, &c);
    /* Segments run in order: what was copied out is the guest's pattern. */
    int same = 1, arrived = !memcmp(page + OFF_COPY, "COPY", 4);
    for (unsigned int i = 0; i < PAGE; i++)
        same &= buf[i] == pattern(i);
    check("grant-copy", !crc && !seg[0].status && !seg[1].status && same && arrived,
          "ioctl rc %d, status out %d in %d, page copied out %s, copied in %s", crc,
          seg[0].status, seg[1].status, same ? "equal" : "differs", arrived ? "seen" : "missing");

    /* A page of ours for it, and the reply. */
    struct gntalloc_alloc a = { .domid = (uint16_t)dom, .flags = GNTALLOC_FLAG_WRITABLE,
                                .count = 1 };
    if (ioctl(ga, IOCTL_GNTALLOC_ALLOC_GREF, &a) == 0)
        mine = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ga, (off_t)a.index);
    if (!mine || mine == MAP_FAILED) {
        check("gntalloc", 0, "gntalloc for domain %u: %s", dom, strerror(errno));
        return 1;
    }
    for (unsigned int i = 0; i < PAGE; i++)
        mine[i] = (uint8_t)(i * 13 + SEED);
    uint32_t v = REPLY_MAGIC;
    memcpy(page + OFF_GREF, &a.gref_ids[0], 4);
    v = SEED;
    memcpy(page + OFF_SEED, &v, 4);
    v = REPLY_MAGIC;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    memcpy(page + OFF_MAGIC, &v, 4);
    struct evtchn_notify_ioc n = { lport };
    int nrc = ioctl(ev, IOCTL_EVTCHN_NOTIFY, &n);
    int wrc = wait_verdict(ev, lport, page, 60);
    int good = !memcmp(page + OFF_VERDICT, "GOOD", 4), seen = !memcmp(mine, "SEEN", 4);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    seen = !memcmp(mine, "SEEN", 4);
    check("gntalloc", !nrc && !wrc && good && seen,
          "gref %u for domain %u: notify rc %d, its answer %s, verdict '%.4s', mark %s",
          a.gref_ids[0], dom, nrc, wrc ? "never came" : "came", (char *)page + OFF_VERDICT,
          seen ? "SEEN" : "missing");

    /* It powers off now, with its page still mapped here. */
    sleep(3);
    bad = 0;
    for (unsigned int i = 0; i < PAGE; i++) {
        uint8_t want = i < 12 ? page[i] : (i >= OFF_COPY && i < OFF_COPY + 4) ? "COPY"[i - OFF_COPY]
                     : (i >= OFF_VERDICT && i < OFF_VERDICT + 4) ? "GOOD"[i - OFF_VERDICT]
                     : pattern(i);
        bad += page[i] != want;
    }
    int urc = gntdev_unmap(gd, page, index);
    check("grant-lifetime", !bad && !urc,
          "after the granter left: its page %s, unmap rc %d", bad ? "changed" : "intact", urc);
    struct gntalloc_dealloc d = { .index = a.index, .count = 1 };
    munmap(mine, PAGE);
    ioctl(ga, IOCTL_GNTALLOC_DEALLOC_GREF, &d);
    return 0;
}
