/*
 * Host tests of oryxd's ring transport (tools/oryxd/xs_ring.c) over a
 * fake shared page in memory: the test plays the peer (a guest kernel or
 * dom0's own), writing requests into req[] and reading replies from
 * rsp[] as Linux's xenbus does, and also a hostile peer.
 */
#include <errno.h>
#include <stdint.h>

#include "unit.h"
#include "xs_conn.h"
#include "xs_peer.h"
#include "xs_proto.h"
#include "xs_ring.h"
#include "xs_store.h"

/* The peer's side: the page, and what the transport asked of it. */
struct fake {
    struct xenstore_domain_interface intf;
    int notifies, releases;
    int fail_notify;
};

static int fake_notify(void *ctx)
{
    struct fake *f = ctx;

    f->notifies++;
    return f->fail_notify ? -EIO : 0;
}

static void fake_release(void *ctx)
{
    struct fake *f = ctx;

    f->releases++;
}

static const struct xs_ring_ops fake_ops = {
    .notify = fake_notify,
    .release = fake_release,
};

/* A daemon: store + protocol. */
struct daemon {
    struct xs_store s;
    struct xs_proto p;
};

static void daemon_init(struct daemon *d)
{
    CHECK_EQ(xs_store_init(&d->s), 0);
    xs_proto_init(&d->p, &d->s);
}

static struct xs_ring *ring_new(struct daemon *d, struct fake *f, uint16_t domid)
{
    struct xs_ring *r = NULL;

    CHECK_EQ(xs_ring_new(&d->p, &f->intf, &fake_ops, f, domid, &r), 0);
    return r;
}

/* The peer writes up to len request bytes; returns how many fit. */
static size_t put(struct fake *f, const void *buf, size_t len)
{
    struct xenstore_domain_interface *i = &f->intf;
    size_t n = 0;

    while (n < len && i->req_prod - i->req_cons < XENSTORE_RING_SIZE) {
        i->req[MASK_XENSTORE_IDX(i->req_prod)] = ((const char *)buf)[n++];
        i->req_prod++;
    }
    return n;
}

/* The peer reads up to len reply bytes. */
static size_t take(struct fake *f, void *buf, size_t len)
{
    struct xenstore_domain_interface *i = &f->intf;
    size_t n = 0;

    while (n < len && i->rsp_cons != i->rsp_prod) {
        ((char *)buf)[n++] = i->rsp[MASK_XENSTORE_IDX(i->rsp_cons)];
        i->rsp_cons++;
    }
    return n;
}

/*
 * Sends one request and returns the type of the reply (0xdead if none),
 * its payload NUL-terminated in out; both sides progress in turns as
 * Linux's and the daemon's would, whatever the sizes.
 */
static uint32_t call(struct fake *f, struct xs_ring *r, uint32_t type,
                     const void *payload, size_t len, char *out, size_t size)
{
    char msg[16 + 5000], in[16 + 5000];
    struct xsd_sockmsg h = { .type = type, .req_id = 42, .len = (uint32_t)len };
    size_t sent = 0, got = 0, want = 16;
    int rounds;

    memcpy(msg, &h, 16);
    memcpy(msg + 16, payload, len);
    for (rounds = 0; rounds < 100; rounds++) {
        sent += put(f, msg + sent, 16 + len - sent);
        if (xs_ring_process(r) < 0)
            return 0xdead;
        got += take(f, in + got, want - got);
        if (got >= 16) {
            memcpy(&h, in, 16);
            if (h.len > XENSTORE_PAYLOAD_MAX)
                return 0xbad;
            want = 16 + h.len;
            got += take(f, in + got, want - got);
        }
        if (got == want && got >= 16) {
            size_t n = h.len < size - 1 ? h.len : size - 1;

            memcpy(out, in + 16, n);
            out[n] = '\0';
            CHECK_EQ(h.req_id, 42);
            return h.type;
        }
    }
    return 0xdead;
}

#define S(x) x, sizeof(x)

static void ring_write_read(void)
{
    struct daemon d;
    struct fake f = { 0 };
    struct xs_ring *r;
    char out[5000];

    daemon_init(&d);
    r = ring_new(&d, &f, 0);
    CHECK_EQ(call(&f, r, XS_WRITE, S("/a/b\0hello") - 1, out, sizeof(out)), XS_WRITE);
    CHECK(strcmp(out, "OK") == 0);
    CHECK_EQ(call(&f, r, XS_READ, S("/a/b"), out, sizeof(out)), XS_READ);
    CHECK(strcmp(out, "hello") == 0);
    /* Relative paths are dom0's. */
    CHECK_EQ(call(&f, r, XS_WRITE, S("control/x\0" "1") - 1, out, sizeof(out)), XS_WRITE);
    CHECK_EQ(call(&f, r, XS_READ, S("/local/domain/0/control/x"), out, sizeof(out)), XS_READ);
    CHECK(strcmp(out, "1") == 0);
    CHECK(f.notifies > 0);
    CHECK_EQ(f.intf.req_cons, f.intf.req_prod);
    xs_ring_free(r);
    CHECK_EQ(f.releases, 1);
    xs_store_fini(&d.s);
}

/* Messages bigger than the ring stream through it in both directions. */
static void ring_big_messages(void)
{
    struct daemon d;
    struct fake f = { 0 };
    struct xs_ring *r;
    static char req[4096], out[5000];

    daemon_init(&d);
    r = ring_new(&d, &f, 0);
    memcpy(req, "/big", 5);
    for (size_t i = 5; i < sizeof(req); i++)
        req[i] = (char)('a' + i % 26);
    CHECK_EQ(call(&f, r, XS_WRITE, req, sizeof(req), out, sizeof(out)), XS_WRITE);
    CHECK_EQ(call(&f, r, XS_READ, S("/big"), out, sizeof(out)), XS_READ);
    CHECK_EQ(strlen(out), sizeof(req) - 5);
    CHECK(memcmp(out, req + 5, sizeof(req) - 5) == 0);
    xs_ring_free(r);
    xs_store_fini(&d.s);
}

/* Indices near 2^32 wrap like Linux's do. */
static void ring_index_wrap(void)
{
    struct daemon d;
    struct fake f = { 0 };
    struct xs_ring *r;
    char out[5000];
    int i;

    f.intf.req_cons = f.intf.req_prod = 0xfffffe00u;
    f.intf.rsp_cons = f.intf.rsp_prod = 0xffffff80u;
    daemon_init(&d);
    r = ring_new(&d, &f, 0);
    for (i = 0; i < 20; i++) {
        CHECK_EQ(call(&f, r, XS_WRITE, S("/w\0value-value-value-value") - 1, out, sizeof(out)),
                 XS_WRITE);
        CHECK_EQ(call(&f, r, XS_READ, S("/w"), out, sizeof(out)), XS_READ);
        CHECK(strcmp(out, "value-value-value-value") == 0);
    }
    CHECK(f.intf.req_prod < 0x1000);        /* it did wrap */
    xs_ring_free(r);
    xs_store_fini(&d.s);
}

/* A restarted daemon takes the page as it finds it, if it is consistent. */
static void ring_attach_checks(void)
{
    struct daemon d;
    struct fake f = { 0 };
    struct xs_ring *r = NULL;

    daemon_init(&d);
    f.intf.req_prod = 2000;                 /* 2000 unread bytes: impossible */
    CHECK_EQ(xs_ring_new(&d.p, &f.intf, &fake_ops, &f, 0, &r), -EINVAL);
    f.intf.req_prod = 0;
    f.intf.rsp_cons = 5;                    /* consumed more than produced */
    CHECK_EQ(xs_ring_new(&d.p, &f.intf, &fake_ops, &f, 0, &r), -EINVAL);
    CHECK_EQ(f.releases, 0);
    CHECK_EQ(d.p.nsessions, 0);
    xs_store_fini(&d.s);
}

/* Garbage that is still framed gets an error reply; the ring lives. */
static void ring_garbage_message(void)
{
    struct daemon d;
    struct fake f = { 0 };
    struct xs_ring *r;
    char out[5000], junk[300];

    daemon_init(&d);
    r = ring_new(&d, &f, 0);
    CHECK_EQ(call(&f, r, 20, S("x"), out, sizeof(out)), XS_ERROR);
    CHECK(strcmp(out, "ENOSYS") == 0);
    CHECK_EQ(call(&f, r, 9999, S("x"), out, sizeof(out)), XS_ERROR);
    CHECK_EQ(call(&f, r, XS_WATCH_EVENT, S("a\0b"), out, sizeof(out)), XS_ERROR);
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (char)(0x80 + i % 100);
    CHECK_EQ(call(&f, r, XS_READ, junk, sizeof(junk), out, sizeof(out)), XS_ERROR);
    CHECK_EQ(call(&f, r, XS_WRITE, junk, sizeof(junk), out, sizeof(out)), XS_ERROR);
    CHECK_EQ(call(&f, r, XS_READ, S("/nope"), out, sizeof(out)), XS_ERROR);
    CHECK(strcmp(out, "ENOENT") == 0);
    CHECK_EQ(call(&f, r, XS_WRITE, S("/still\0alive") - 1, out, sizeof(out)), XS_WRITE);
    xs_ring_free(r);
    xs_store_fini(&d.s);
}

/* Each hostile peer is cut off; a well-behaved one goes on. */
static void ring_hostile_peers(void)
{
    struct daemon d;
    struct fake good = { 0 }, bad = { 0 };
    struct xs_ring *g, *b;
    char out[5000];
    struct xsd_sockmsg h = { .type = XS_READ, .req_id = 1, .len = 100000 };

    daemon_init(&d);
    g = ring_new(&d, &good, 0);

    /* 1. Producer index far ahead of the consumer. */
    b = ring_new(&d, &bad, 3);
    bad.intf.req_prod = 0x80000000u;
    CHECK_EQ(xs_ring_process(b), -1);
    CHECK(b->why && strstr(b->why, "request"));
    xs_ring_free(b);
    CHECK_EQ(bad.releases, 1);
    CHECK_EQ(call(&good, g, XS_WRITE, S("/g\0" "1") - 1, out, sizeof(out)), XS_WRITE);

    /* 2. Consumer index beyond what was produced. */
    memset(&bad, 0, sizeof(bad));
    b = ring_new(&d, &bad, 0);
    CHECK_EQ(call(&bad, b, XS_WRITE, S("/x\0" "1") - 1, out, sizeof(out)), XS_WRITE);
    bad.intf.rsp_cons += 5000;
    CHECK_EQ(call(&bad, b, XS_READ, S("/x"), out, sizeof(out)), 0xdead);
    CHECK(b->why && strstr(b->why, "response"));
    xs_ring_free(b);

    /* 3. A header announcing more than XENSTORE_PAYLOAD_MAX. */
    memset(&bad, 0, sizeof(bad));
    b = ring_new(&d, &bad, 3);
    put(&bad, &h, sizeof(h));
    CHECK_EQ(xs_ring_process(b), -1);
    xs_ring_free(b);

    /* 4. An event channel that cannot be raised. */
    memset(&bad, 0, sizeof(bad));
    b = ring_new(&d, &bad, 3);
    bad.fail_notify = 1;
    CHECK_EQ(call(&bad, b, XS_READ, S("/g"), out, sizeof(out)), 0xdead);
    CHECK(b->why && strstr(b->why, "notify"));
    xs_ring_free(b);

    CHECK_EQ(call(&good, g, XS_READ, S("/g"), out, sizeof(out)), XS_READ);
    CHECK(strcmp(out, "1") == 0);
    CHECK_EQ(d.p.nsessions, 1);
    xs_ring_free(g);
    xs_store_fini(&d.s);
}

/* A watch set over one ring fires when a client on another writes. */
static void ring_watch_across(void)
{
    struct daemon d;
    struct fake fa = { 0 }, fb = { 0 };
    struct xs_ring *a, *b;
    char out[5000], ev[256];
    struct xsd_sockmsg h;
    size_t n;

    daemon_init(&d);
    a = ring_new(&d, &fa, 0);
    b = ring_new(&d, &fb, 0);
    CHECK_EQ(call(&fa, a, XS_WATCH, S("/w\0tok"), out, sizeof(out)), XS_WATCH);
    /* The event at registration. */
    xs_ring_process(a);
    n = take(&fa, ev, sizeof(ev));
    CHECK(n > 16);
    memcpy(&h, ev, 16);
    CHECK_EQ(h.type, XS_WATCH_EVENT);
    CHECK_EQ(call(&fb, b, XS_WRITE, S("/w/x\0" "5") - 1, out, sizeof(out)), XS_WRITE);
    fa.notifies = 0;
    xs_ring_process(a);
    CHECK_EQ(fa.notifies, 1);
    n = take(&fa, ev, sizeof(ev));
    CHECK_EQ(n, 16 + sizeof("/w/x\0tok") - 1 + 1);
    memcpy(&h, ev, 16);
    CHECK_EQ(h.type, XS_WATCH_EVENT);
    CHECK(memcmp(ev + 16, "/w/x\0tok", 9) == 0);
    xs_ring_free(a);
    xs_ring_free(b);
    xs_store_fini(&d.s);
}

/*
 * A peer that writes requests and never reads replies: the daemon stops
 * taking input once its backlog is full and never blocks or grows past
 * its limits; when the peer reads again, everything is answered.
 */
static void ring_nonreader(void)
{
    struct daemon d;
    struct fake f = { 0 };
    struct xs_ring *r;
    char msg[16 + 3];
    struct xsd_sockmsg h = { .type = XS_READ, .req_id = 9, .len = 3 };
    char buf[4096];
    int sent = 0, answered = 0, i;
    size_t have = 0;

    daemon_init(&d);
    r = ring_new(&d, &f, 0);
    CHECK_EQ(call(&f, r, XS_WRITE, S("/n\0" "1") - 1, buf, sizeof(buf)), XS_WRITE);
    memcpy(msg, &h, 16);
    memcpy(msg + 16, "/n", 3);
    for (i = 0; i < 20000; i++) {
        if (put(&f, msg, sizeof(msg)) == sizeof(msg))
            sent++;
        else
            break;
        xs_ring_process(r);
    }
    /* The ring filled up once the backlog stopped input. */
    CHECK(sent < 20000);
    CHECK(r->peer->conn->out_bytes <= 70000);
    CHECK(!r->why);
    /* Now read everything. */
    for (i = 0; i < 100000 && answered < sent; i++) {
        size_t n;

        xs_ring_process(r);
        n = take(&f, buf + have, sizeof(buf) - have);
        have += n;
        while (have >= 16) {
            memcpy(&h, buf, 16);
            if (have < 16 + h.len)
                break;
            CHECK_EQ(h.type, XS_READ);
            answered++;
            memmove(buf, buf + 16 + h.len, have - 16 - h.len);
            have -= 16 + h.len;
        }
    }
    CHECK_EQ(answered, sent);
    xs_ring_free(r);
    xs_store_fini(&d.s);
}

/* Random bytes and random index moves never crash it (ASan/UBSan). */
static void ring_random_garbage(void)
{
    struct daemon d;
    unsigned int seed = 12345;
    int round;

    daemon_init(&d);
    for (round = 0; round < 300; round++) {
        struct fake f = { 0 };
        struct xs_ring *r = ring_new(&d, &f, (uint16_t)(round % 5));
        int step;

        for (step = 0; step < 50; step++) {
            char junk[64];
            size_t n = (size_t)(rand_r(&seed) % sizeof(junk));

            for (size_t i = 0; i < n; i++)
                junk[i] = (char)rand_r(&seed);
            /* Sometimes a plausible header, so messages get dispatched. */
            if (n >= 16 && rand_r(&seed) % 2) {
                struct xsd_sockmsg h = { .type = (uint32_t)(rand_r(&seed) % 30),
                                         .len = (uint32_t)(n - 16) };
                memcpy(junk, &h, 16);
            }
            put(&f, junk, n);
            if (rand_r(&seed) % 40 == 0)
                f.intf.rsp_cons += (uint32_t)rand_r(&seed);
            if (rand_r(&seed) % 3 == 0) {
                char sink[512];
                take(&f, sink, sizeof(sink));
            }
            if (xs_ring_process(r) < 0)
                break;
        }
        xs_ring_free(r);
    }
    CHECK_EQ(d.p.nsessions, 0);
    xs_store_fini(&d.s);
}

UNIT_MAIN("xs_ring")
{
    TEST_RUN(ring_write_read);
    TEST_RUN(ring_big_messages);
    TEST_RUN(ring_index_wrap);
    TEST_RUN(ring_attach_checks);
    TEST_RUN(ring_garbage_message);
    TEST_RUN(ring_hostile_peers);
    TEST_RUN(ring_watch_across);
    TEST_RUN(ring_nonreader);
    TEST_RUN(ring_random_garbage);
}
