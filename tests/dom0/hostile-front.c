/*
 * hostile-front: a guest's userspace playing a hostile block and network
 * frontend against dom0's stock blkback and netback (tests/dom0/devices.sh,
 * check dev-hostile). It runs in a Debian guest whose kernel has not
 * loaded xen-blkfront or xen-netfront, so the guest's devices are left to
 * it: it writes their frontend nodes through /dev/xen/xenbus, shares pages
 * with gntalloc and makes its event channel with /dev/xen/evtchn.
 *
 * The guest's vbds, in vdev order:
 *   1st  connected properly (ring of one page, "x86_64-abi"), then fed
 *        bad requests one at a time, each of which must get an error
 *        response with its id, between good reads and a good write, and
 *        last a producer index far ahead of the ring
 *   2nd  nonsense nodes: ring-ref "zzz", event-channel "-5", protocol
 *        "bogus-abi"
 *   3rd  ring-page-order 30
 *   4th  a ring-ref it never granted (0x7ffffff0)
 *   5th  a granted ring but an event channel that is not bound (4000)
 * Its first vif: tx-ring-ref "zzz", multi-queue-num-queues 1000 (only
 * dom0 can tell netback refused: its error node).
 * Its second vif: connected properly, then fed transmit requests: a good
 * frame, a gref it never granted, a gref granted to another domain and a
 * runt, each answered (the bad ones with an error), and last a piece
 * crossing its page, which netback takes as a malicious frontend: it
 * disables the vif and answers nothing more (dom0 checks its dmesg).
 *
 * Prints "HOSTILE <case> PASS|FAIL <detail>" per case on stdout (the
 * guest's console); dom0 checks its side (back-end states, the disk
 * image, its own health).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <public/io/blkif.h>
#include <public/io/netif.h>
#include <public/io/xs_wire.h>

/* Linux uapi: xen/gntalloc.h and xen/evtchn.h (declared here, as grantcheck.c does). */
struct gntalloc_alloc {
    uint16_t domid;
    uint16_t flags;
    uint32_t count;
    uint64_t index;
    uint32_t gref_ids[1];
};
#define GNTALLOC_FLAG_WRITABLE 1
#define IOCTL_GNTALLOC_ALLOC_GREF _IOC(_IOC_NONE, 'G', 5, sizeof(struct gntalloc_alloc))
struct evtchn_bind_unbound { unsigned int remote_domain; };
struct evtchn_notify { unsigned int port; };
#define IOCTL_EVTCHN_BIND_UNBOUND_PORT _IOC(_IOC_NONE, 'E', 2, sizeof(struct evtchn_bind_unbound))
#define IOCTL_EVTCHN_NOTIFY _IOC(_IOC_NONE, 'E', 4, sizeof(struct evtchn_notify))
_Static_assert(sizeof(struct gntalloc_alloc) == 24, "gntalloc alloc_gref size (its ioctl number)");
_Static_assert(__builtin_offsetof(struct gntalloc_alloc, index) == 8, "gntalloc index");
_Static_assert(__builtin_offsetof(struct gntalloc_alloc, gref_ids) == 16, "gntalloc gref_ids");
_Static_assert(sizeof(struct evtchn_bind_unbound) == 4 && sizeof(struct evtchn_notify) == 4, "evtchn ioctls");

#define PAGE 4096
enum { XB_INIT = 1, XB_INITWAIT = 2, XB_INITIALISED = 3, XB_CONNECTED = 4, XB_CLOSING = 5 };

static int xb_fd, gnt_fd, evt_fd;
static uint32_t xb_req;

static void report(const char *name, int ok, const char *fmt, ...)
{
    va_list ap;

    printf("HOSTILE %s %s ", name, ok ? "PASS" : "FAIL");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

static void nap_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static int read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

/* One store request; the reply's payload (raw, NUL added) in out: its length, or -1. */
static int xs_call(uint32_t type, const char *a, const char *b, char *out, size_t outlen)
{
    char msg[sizeof(struct xsd_sockmsg) + 4096];
    struct xsd_sockmsg h = { type, ++xb_req, 0, 0 };
    size_t la = strlen(a) + 1, lb = b ? strlen(b) : 0;
    char reply[4097];

    if (la + lb > 4000)
        return -1;
    h.len = (uint32_t)(la + lb);
    memcpy(msg, &h, sizeof(h));
    memcpy(msg + sizeof(h), a, la);
    if (b)
        memcpy(msg + sizeof(h) + la, b, lb);
    if (write(xb_fd, msg, sizeof(h) + h.len) != (ssize_t)(sizeof(h) + h.len))
        return -1;
    for (;;) {
        struct xsd_sockmsg r;
        if (read_full(xb_fd, &r, sizeof(r)) || r.len > 4096 || read_full(xb_fd, reply, r.len))
            return -1;
        reply[r.len] = '\0';
        if (r.type == XS_WATCH_EVENT || r.req_id != h.req_id)
            continue;
        if (out && outlen) {
            size_t n = r.len < outlen - 1 ? r.len : outlen - 1;
            memcpy(out, reply, n);
            out[n] = '\0';
        }
        return r.type == XS_ERROR ? -1 : (int)r.len;
    }
}

static int xs_write(const char *dir, const char *node, const char *val)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", dir, node);
    return xs_call(XS_WRITE, path, val, NULL, 0) < 0 ? -1 : 0;
}

static int xs_read_int(const char *dir, const char *node, long *v)
{
    char path[256], buf[64], *end;

    snprintf(path, sizeof(path), "%s/%s", dir, node);
    if (xs_call(XS_READ, path, NULL, buf, sizeof(buf)) < 0)
        return -1;
    *v = strtol(buf, &end, 10);
    return end == buf ? -1 : 0;
}

/* The back end's state once it is one of want_a/want_b (within secs), else its last. */
static long wait_state(const char *be, long want_a, long want_b, int secs)
{
    long st = -1;

    for (int i = 0; i < secs * 10; i++) {
        if (xs_read_int(be, "state", &st) == 0 && (st == want_a || st == want_b))
            break;
        nap_ms(100);
    }
    return st;
}

/* A page shared with dom (gntalloc): its address, *gref set. */
static void *share_page(uint16_t dom, int writable, uint32_t *gref)
{
    struct gntalloc_alloc a = { dom, (uint16_t)(writable ? GNTALLOC_FLAG_WRITABLE : 0), 1, 0, { 0 } };
    void *p;

    if (ioctl(gnt_fd, IOCTL_GNTALLOC_ALLOC_GREF, &a))
        return NULL;
    p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, gnt_fd, (off_t)a.index);
    if (p == MAP_FAILED)
        return NULL;
    *gref = a.gref_ids[0];
    return p;
}

static int bind_port(void)
{
    struct evtchn_bind_unbound b = { 0 };

    return ioctl(evt_fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &b);
}

static void notify(int port)
{
    struct evtchn_notify n = { (unsigned int)port };

    ioctl(evt_fd, IOCTL_EVTCHN_NOTIFY, &n);
}

/* Frontend nodes, then Initialised; the back end's state after it settles. */
static long front_connect(const char *fe, const char *be, const char *const *kv, int state)
{
    char st[8];

    for (; kv[0]; kv += 2)
        xs_write(fe, kv[0], kv[1]);
    snprintf(st, sizeof(st), "%d", state);
    xs_write(fe, "state", st);
    return wait_state(be, XB_CONNECTED, XB_CLOSING, 30);
}

static struct blkif_sring *ring;
static int ring_port;

/* One request on the ring; the response's status, or 99 when none came. */
static int submit(const union blkif_sring_entry *e, uint64_t *rsp_id)
{
    uint32_t prod = ring->hdr.req_prod;

    memcpy(&ring->ring[prod % BLKIF_RING_SLOTS], e, sizeof(*e));
    __atomic_store_n(&ring->hdr.req_prod, prod + 1, __ATOMIC_RELEASE);
    notify(ring_port);
    for (int i = 0; i < 1000; i++) {
        if (__atomic_load_n(&ring->hdr.rsp_prod, __ATOMIC_ACQUIRE) == prod + 1) {
            const struct blkif_response *r = &ring->ring[prod % BLKIF_RING_SLOTS].rsp;
            *rsp_id = r->id;
            return r->status;
        }
        nap_ms(10);
    }
    return 99;
}

static union blkif_sring_entry rw(uint8_t op, uint64_t id, uint64_t sector, uint32_t gref,
                                  uint8_t first, uint8_t last)
{
    union blkif_sring_entry e;

    memset(&e, 0, sizeof(e));
    e.req.operation = op;
    e.req.nr_segments = 1;
    e.req.id = id;
    e.req.sector_number = sector;
    e.req.seg[0].gref = gref;
    e.req.seg[0].first_sect = first;
    e.req.seg[0].last_sect = last;
    return e;
}

/* A request that must be answered with an error carrying its id. */
static void refused(const char *name, union blkif_sring_entry e)
{
    uint64_t id = 0, want = e.req.id;
    int st = submit(&e, &id);

    report(name, st != 0 && st != 99 && id == want, "status %d id %#llx (want an error, id %#llx)", st,
           (unsigned long long)id, (unsigned long long)want);
}

static void ring_abuse(const char *fe, const char *be)
{
    long sectors = 0;
    uint32_t rref, dref, roref, fref;
    char *data, *ro, *foreign;
    char rs[16], ps[16];
    uint64_t id;
    int st;

    ring = share_page(0, 1, &rref);
    data = share_page(0, 1, &dref);
    ro = share_page(0, 0, &roref);          /* dom0 may only read it */
    foreign = share_page(7, 1, &fref);      /* granted to someone else */
    ring_port = bind_port();
    if (!ring || !data || !ro || !foreign || ring_port < 0) {
        report("ring-connect", 0, "gntalloc/evtchn set-up failed: %s", strerror(errno));
        return;
    }
    memset(ring, 0, PAGE);
    ring->hdr.req_event = 1;
    ring->hdr.rsp_event = 1;
    snprintf(rs, sizeof(rs), "%u", rref);
    snprintf(ps, sizeof(ps), "%d", ring_port);
    const char *kv[] = { "ring-ref", rs, "event-channel", ps, "protocol", XEN_IO_PROTO_ABI_X86_64, NULL };
    long bst = front_connect(fe, be, kv, XB_INITIALISED);
    if (bst != XB_CONNECTED) {
        report("ring-connect", 0, "the back end went to state %ld", bst);
        return;
    }
    xs_write(fe, "state", "4");
    if (xs_read_int(be, "sectors", &sectors) || sectors < 64) {
        report("ring-connect", 0, "the back end says %ld sectors", sectors);
        return;
    }
    report("ring-connect", 1, "ring gref %u port %d, %ld sectors", rref, ring_port, sectors);

    /* Good read: the disk's first page, with an id of the guest's choosing. */
    memset(data, 0, PAGE);
    union blkif_sring_entry e = rw(BLKIF_OP_READ, 0xdeadbeefcafef00dull, 0, dref, 0, 7);
    st = submit(&e, &id);
    report("good-read", st == 0 && id == e.req.id && memcmp(data, "ORYX-HOSTILE-SECTOR-0", 21) == 0,
           "status %d id %#llx data '%.21s'", st, (unsigned long long)id, data);

    /* Bad ones, each alone. */
    refused("bad-op", rw(0x7f, 1, 0, dref, 0, 7));
    refused("sector-beyond", rw(BLKIF_OP_READ, 2, 1ull << 40, dref, 0, 7));
    refused("sector-straddles", rw(BLKIF_OP_READ, 3, (uint64_t)sectors - 4, dref, 0, 7));
    e = rw(BLKIF_OP_READ, 4, 0, dref, 0, 7);
    e.req.nr_segments = 0;
    refused("no-segments", e);
    e.req.nr_segments = 12;
    e.req.id = 5;
    refused("too-many-segments", e);
    refused("first-after-last", rw(BLKIF_OP_READ, 6, 0, dref, 5, 2));
    refused("last-beyond-page", rw(BLKIF_OP_READ, 7, 0, dref, 0, 8));
    refused("gref-beyond-table", rw(BLKIF_OP_READ, 8, 0, 0xfffffff0u, 0, 7));
    refused("gref-other-domain", rw(BLKIF_OP_READ, 9, 0, fref, 0, 7));
    memcpy(ro, "READ-ONLY", 9);
    refused("read-into-ro-grant", rw(BLKIF_OP_READ, 10, 0, roref, 0, 7));
    report("ro-grant-untouched", memcmp(ro, "READ-ONLY", 9) == 0, "'%.9s'", ro);
    /* Out of range writes: nothing of "EVIL" may reach the disk. */
    memset(data, 'E', PAGE);
    refused("write-beyond", rw(BLKIF_OP_WRITE, 11, (uint64_t)sectors, dref, 0, 7));
    refused("write-straddles", rw(BLKIF_OP_WRITE, 12, (uint64_t)sectors - 4, dref, 0, 7));
    union blkif_sring_entry ind;
    memset(&ind, 0, sizeof(ind));
    ind.ind.operation = BLKIF_OP_INDIRECT;
    ind.ind.indirect_op = BLKIF_OP_READ;
    ind.ind.nr_segments = 5000;
    ind.ind.id = 13;
    ind.ind.indirect_grefs[0] = dref;
    refused("indirect-too-many", ind);
    ind.ind.nr_segments = 8;
    ind.ind.id = 14;
    ind.ind.indirect_grefs[0] = 0xfffffff0u;
    refused("indirect-bad-gref", ind);

    /* Still served: a good write of page 1, read back. */
    for (int i = 0; i < PAGE; i += 16)
        memcpy(data + i, "HOSTILE-WRITE-O\n", 16);
    e = rw(BLKIF_OP_WRITE, 15, 8, dref, 0, 7);
    st = submit(&e, &id);
    memset(data, 0, PAGE);
    e = rw(BLKIF_OP_READ, 16, 8, dref, 0, 7);
    int st2 = submit(&e, &id);
    report("good-write", st == 0 && st2 == 0 && memcmp(data, "HOSTILE-WRITE-O\n", 16) == 0,
           "write status %d, read back status %d '%.15s'", st, st2, data);

    /* A producer index far ahead: the back end must stop serving this ring. */
    uint32_t rsp = ring->hdr.rsp_prod;
    __atomic_store_n(&ring->hdr.req_prod, ring->hdr.req_prod + 1000, __ATOMIC_RELEASE);
    notify(ring_port);
    nap_ms(2000);
    report("prod-far-ahead", ring->hdr.rsp_prod - rsp <= BLKIF_RING_SLOTS,
           "%u responses after it", ring->hdr.rsp_prod - rsp);
}

static struct netif_tx_sring *tx;
static int net_port;

/* One transmit request; the response's status, or 99 when none came within ms. */
static int net_submit(const struct netif_tx_request *r, uint16_t *rsp_id, int ms)
{
    uint32_t prod = tx->hdr.req_prod;

    tx->ring[prod % NETIF_TX_RING_SLOTS].req = *r;
    __atomic_store_n(&tx->hdr.req_prod, prod + 1, __ATOMIC_RELEASE);
    notify(net_port);
    for (int i = 0; i < ms / 10; i++) {
        if (__atomic_load_n(&tx->hdr.rsp_prod, __ATOMIC_ACQUIRE) == prod + 1) {
            const struct netif_tx_response *a = &tx->ring[prod % NETIF_TX_RING_SLOTS].rsp;
            *rsp_id = a->id;
            return a->status;
        }
        nap_ms(10);
    }
    return 99;
}

static void net_case(const char *name, uint32_t gref, uint16_t offset, uint16_t id, uint16_t size, int want)
{
    struct netif_tx_request r = { gref, offset, 0, id, size };
    uint16_t got = 0;
    int st = net_submit(&r, &got, 5000);

    /* 99: no response is wanted, so there is no id to compare. */
    report(name, st == want && (want == 99 || got == id), "status %d id %u (want status %d id %u)", st, got,
           want, id);
}

/* The second vif: a transmit ring fed good and bad requests. */
static void net_abuse(const char *fe, const char *be)
{
    struct netif_rx_sring *rx;
    uint32_t tref, rref, fref, oref, mac[6];
    uint8_t *frame;
    char ts[16], rs[16], ps[16], macs[32] = "", path[128];

    tx = share_page(0, 1, &tref);
    rx = share_page(0, 1, &rref);
    frame = share_page(0, 0, &fref);        /* netback only reads what is sent */
    net_port = bind_port();
    if (!tx || !rx || !frame || !share_page(7, 0, &oref) || net_port < 0) {
        report("vif-connect", 0, "gntalloc/evtchn set-up failed: %s", strerror(errno));
        return;
    }
    if (wait_state(be, XB_INITWAIT, XB_INITWAIT, 60) != XB_INITWAIT) {
        report("vif-connect", 0, "no back end at InitWait ('%s')", be);
        return;
    }
    memset(tx, 0, PAGE);
    memset(rx, 0, PAGE);
    tx->hdr.req_event = tx->hdr.rsp_event = 1;
    rx->hdr.req_event = rx->hdr.rsp_event = 1;
    snprintf(ts, sizeof(ts), "%u", tref);
    snprintf(rs, sizeof(rs), "%u", rref);
    snprintf(ps, sizeof(ps), "%d", net_port);
    /* No receive buffers are ever offered: what dom0 sends it stays queued. */
    const char *kv[] = { "tx-ring-ref", ts, "rx-ring-ref", rs, "event-channel", ps, "request-rx-copy", "1",
                         "feature-rx-notify", "1", NULL };
    long st = front_connect(fe, be, kv, XB_CONNECTED);
    if (st != XB_CONNECTED) {
        report("vif-connect", 0, "the back end went to state %ld", st);
        return;
    }
    report("vif-connect", 1, "tx gref %u rx gref %u port %d", tref, rref, net_port);

    /* A broadcast frame from the vif's own address, of an experimental type. */
    snprintf(path, sizeof(path), "%s/mac", fe);
    xs_call(XS_READ, path, NULL, macs, sizeof(macs));
    if (sscanf(macs, "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]) != 6)
        mac[0] = 0, mac[1] = 0x16, mac[2] = 0x3e, mac[3] = mac[4] = mac[5] = 1;
    memset(frame, 0xff, 6);
    for (int i = 0; i < 6; i++)
        frame[6 + i] = (uint8_t)mac[i];
    frame[12] = 0x88;
    frame[13] = 0xb5;
    memcpy(frame + 14, "ORYX-HOSTILE-NET", 16);

    net_case("net-good-frame", fref, 0, 1, 60, XEN_NETIF_RSP_OKAY);
    net_case("net-gref-beyond-table", 0xfffffff0u, 0, 2, 60, XEN_NETIF_RSP_ERROR);
    net_case("net-gref-other-domain", oref, 0, 3, 60, XEN_NETIF_RSP_ERROR);
    net_case("net-runt", fref, 0, 4, 8, XEN_NETIF_RSP_ERROR);
    net_case("net-good-again", fref, 0, 5, 60, XEN_NETIF_RSP_OKAY);
    /* Fatal: netback disables the vif and answers neither this nor what follows. */
    net_case("net-cross-page", fref, 4000, 6, 200, 99);
    net_case("net-disabled", fref, 0, 7, 60, 99);
}

/* A granted page and a fresh unbound port, as node values. */
static int fresh_ring(char *gref, char *port, size_t len)
{
    uint32_t g;
    int p;

    if (!share_page(0, 1, &g) || (p = bind_port()) < 0)
        return -1;
    snprintf(gref, len, "%u", g);
    snprintf(port, len, "%d", p);
    return 0;
}

int main(void)
{
    char list[1024], fe[5][64], be[5][128], vif_be[128], path[400], g[16], p[16];
    long devs[5], st;
    int nvbd = 0, n;

    setvbuf(stdout, NULL, _IOLBF, 0);
    xb_fd = open("/dev/xen/xenbus", O_RDWR);
    gnt_fd = open("/dev/xen/gntalloc", O_RDWR);
    evt_fd = open("/dev/xen/evtchn", O_RDWR);
    if (xb_fd < 0 || gnt_fd < 0 || evt_fd < 0) {
        report("setup", 0, "open /dev/xen/{xenbus,gntalloc,evtchn}: %d %d %d", xb_fd, gnt_fd, evt_fd);
        return 1;
    }
    /* The vbds (names NUL-separated), in vdev order: xvda (51712) first. */
    n = xs_call(XS_DIRECTORY, "device/vbd", NULL, list, sizeof(list));
    for (int off = 0; off < n && nvbd < 5; off += (int)strlen(list + off) + 1)
        devs[nvbd++] = strtol(list + off, NULL, 10);
    for (int i = 0; i < nvbd; i++)
        for (int j = i + 1; j < nvbd; j++)
            if (devs[j] < devs[i]) {
                long t = devs[i];
                devs[i] = devs[j];
                devs[j] = t;
            }
    if (nvbd != 5) {
        report("setup", 0, "%d vbds, want 5", nvbd);
        return 1;
    }
    for (int i = 0; i < nvbd; i++) {
        snprintf(fe[i], sizeof(fe[i]), "device/vbd/%ld", devs[i]);
        snprintf(path, sizeof(path), "%s/backend", fe[i]);
        if (xs_call(XS_READ, path, NULL, be[i], sizeof(be[i])) < 0 ||
            wait_state(be[i], XB_INITWAIT, XB_INITWAIT, 60) != XB_INITWAIT) {
            report("setup", 0, "%s: back end '%s' never at InitWait", fe[i], be[i]);
            return 1;
        }
    }
    report("setup", 1, "5 vbds at InitWait: %s .. %s", be[0], be[4]);

    /* Nonsense in the store first: each must leave its device unconnected. */
    static const char *const nonsense[] = { "ring-ref", "zzz", "event-channel", "-5", "protocol", "bogus-abi",
                                            NULL };
    st = front_connect(fe[1], be[1], nonsense, XB_INITIALISED);
    report("store-nonsense", st != XB_CONNECTED, "back end state %ld", st);

    if (fresh_ring(g, p, sizeof(g))) {
        report("ring-page-order", 0, "set-up: %s", strerror(errno));
    } else {
        const char *const order[] = { "ring-page-order", "30", "ring-ref", g, "event-channel", p, "protocol",
                                      XEN_IO_PROTO_ABI_X86_64, NULL };
        st = front_connect(fe[2], be[2], order, XB_INITIALISED);
        report("ring-page-order", st != XB_CONNECTED, "back end state %ld", st);
    }

    if (fresh_ring(g, p, sizeof(g))) {
        report("ring-ref-unowned", 0, "set-up: %s", strerror(errno));
    } else {
        const char *const unowned[] = { "ring-ref", "2147483632", "event-channel", p, "protocol",
                                        XEN_IO_PROTO_ABI_X86_64, NULL };
        st = front_connect(fe[3], be[3], unowned, XB_INITIALISED);
        report("ring-ref-unowned", st != XB_CONNECTED, "back end state %ld", st);
    }

    if (fresh_ring(g, p, sizeof(g))) {
        report("event-channel-unbound", 0, "set-up: %s", strerror(errno));
    } else {
        const char *const noport[] = { "ring-ref", g, "event-channel", "4000", "protocol",
                                       XEN_IO_PROTO_ABI_X86_64, NULL };
        st = front_connect(fe[4], be[4], noport, XB_INITIALISED);
        report("event-channel-unbound", st != XB_CONNECTED, "back end state %ld", st);
    }

    /* The vif. */
    if (xs_call(XS_READ, "device/vif/0/backend", NULL, vif_be, sizeof(vif_be)) >= 0 &&
        wait_state(vif_be, XB_INITWAIT, XB_INITWAIT, 60) == XB_INITWAIT && fresh_ring(g, p, sizeof(g)) == 0) {
        const char *const vifbad[] = { "tx-ring-ref", "zzz", "rx-ring-ref", "-1", "event-channel", p,
                                       "request-rx-copy", "1", "multi-queue-num-queues", "1000", NULL };
        /* netback names its refusal in its error node (dom0 checks it) but
         * may still write Connected after it: the state proves nothing. */
        st = front_connect("device/vif/0", vif_be, vifbad, XB_CONNECTED);
        report("vif-nonsense", 1, "written; back end state %ld", st);
    } else {
        report("vif-nonsense", 0, "no vif back end at InitWait ('%s')", vif_be);
    }

    /* The second vif's transmit ring. */
    if (xs_call(XS_READ, "device/vif/1/backend", NULL, vif_be, sizeof(vif_be)) >= 0)
        net_abuse("device/vif/1", vif_be);
    else
        report("vif-connect", 0, "no second vif");

    /* Then the block ring. */
    ring_abuse(fe[0], be[0]);
    printf("HOSTILE done\n");
    return 0;
}
