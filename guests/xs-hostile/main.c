/*
 * xs-hostile: a guest that abuses its xenstore ring (created with `oxl
 * create` in dom0 by tests/dom0, served by oryxd). It finds its store
 * page and port in HVM_PARAM_STORE_PFN/EVTCHN as Linux does, then:
 *   1. a request of an unknown type (99): an XS_ERROR reply;
 *   2. a READ of dom0's /local/domain/0/name: XS_ERROR "EACCES";
 *   3. 1000 WATCH requests, flooding: the watch quota (128) answers
 *      "ENOSPC" before the end, and every request gets a reply;
 *   4. a header announcing 100000 payload bytes: oryxd cuts the ring off
 *      (no reply comes, and later requests are not read);
 *   5. a request producer index 100000 ahead: nothing happens to oryxd.
 * Each step prints "xs-hostile: <step> ok|<why>" and the guest powers off
 * with PASS, or FAIL at the first surprise. dom0 checks that oryxd, dom0
 * and its other guests went on (tests/dom0/init.sh, xs-hostile).
 */
/* First: the guest's partial errno.h must not switch on its error table. */
#include <public/io/xs_wire.h>

#include "guest.h"
#include <public/hvm/hvm_op.h>
#include <public/hvm/params.h>

const char test_name[] = "xs-hostile";

#define WAIT_S  20
#define QUIET_S 8               /* how long "no reply" is awaited */

static struct xenstore_domain_interface *intf;
static uint32_t port;
static uint32_t req_id = 1;

static uint64_t param(uint32_t index)
{
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };

    CHECK_RC(HYPERVISOR_hvm_op(HVMOP_get_param, &p), 0);
    return p.value;
}

static void notify(void)
{
    struct evtchn_send s = { .port = port };

    CHECK_RC(HYPERVISOR_event_channel_op(EVTCHNOP_send, &s), 0);
}

/* Bytes into the request ring, waiting for room. */
static bool put(const void *buf, uint32_t len)
{
    const char *p = buf;

    while (len) {
        XENSTORE_RING_IDX prod = intf->req_prod;
        uint32_t room = XENSTORE_RING_SIZE - (prod - __atomic_load_n(&intf->req_cons,
                                                                      __ATOMIC_ACQUIRE));
        uint32_t n = len < room ? len : room;

        if (!n) {
            notify();
            if (!evtchn_wait(port, WAIT_S))
                return false;
            continue;
        }
        for (uint32_t i = 0; i < n; i++)
            intf->req[MASK_XENSTORE_IDX(prod + i)] = p[i];
        __atomic_store_n(&intf->req_prod, prod + n, __ATOMIC_RELEASE);
        p += n;
        len -= n;
    }
    notify();
    return true;
}

/* One reply within `seconds`: its header and up to size-1 payload bytes
 * (NUL-ended). */
static bool get_within(struct xsd_sockmsg *h, char *out, uint32_t size, unsigned int seconds)
{
    uint32_t got = 0, want = sizeof(*h);
    char *dst = (char *)h;

    while (got < want) {
        XENSTORE_RING_IDX cons = intf->rsp_cons;
        XENSTORE_RING_IDX prod = __atomic_load_n(&intf->rsp_prod, __ATOMIC_ACQUIRE);

        if (prod == cons) {
            if (!evtchn_wait(port, seconds))
                return false;
            continue;
        }
        while (cons != prod && got < want) {
            char c = intf->rsp[MASK_XENSTORE_IDX(cons)];

            if (got < sizeof(*h))
                dst[got] = c;
            else if (got - sizeof(*h) < size - 1)
                out[got - sizeof(*h)] = c;
            cons++;
            got++;
            if (got == sizeof(*h))
                want = sizeof(*h) + h->len;
        }
        __atomic_store_n(&intf->rsp_cons, cons, __ATOMIC_RELEASE);
        notify();
    }
    out[h->len < size - 1 ? h->len : size - 1] = '\0';
    return true;
}

static bool get(struct xsd_sockmsg *h, char *out, uint32_t size)
{
    return get_within(h, out, size, WAIT_S);
}

static void request(uint32_t type, const char *payload, uint32_t len)
{
    struct xsd_sockmsg h = { .type = type, .req_id = req_id++, .len = len };

    if (!put(&h, sizeof(h)) || !put(payload, len))
        guest_fail("the request ring stayed full for %u s", WAIT_S);
}

static void expect_error(const char *step, uint32_t type, const char *payload,
                         uint32_t len, const char *err)
{
    struct xsd_sockmsg h;
    char out[64];

    request(type, payload, len);
    if (!get(&h, out, sizeof(out)))
        guest_fail("%s: no reply in %u s", step, WAIT_S);
    if (h.type != XS_ERROR || (err && strcmp(out, err)))
        guest_fail("%s: reply type %u '%s', wanted an error %s", step, h.type, out,
                   err ? err : "");
    printf("xs-hostile: %s ok (%s)\n", step, out);
}

void test_main(void)
{
    struct xsd_sockmsg h;
    unsigned int i, enospc = 0, ok = 0;
    char out[64];
    long rc;

    if (!shared_info_map(&rc))
        guest_fail("shared_info: %ld", rc);
    if (!param(HVM_PARAM_STORE_PFN))
        guest_fail("no store page (not built by the toolstack?)");
    intf = (struct xenstore_domain_interface *)(uintptr_t)(param(HVM_PARAM_STORE_PFN) << 12);
    port = (uint32_t)param(HVM_PARAM_STORE_EVTCHN);
    printf("xs-hostile: store page %p, port %u\n", (void *)intf, port);

    expect_error("unknown-type", 99, "x", 2, NULL);
    expect_error("read-dom0-name", XS_READ, "/local/domain/0/name", 21, "EACCES");

    for (i = 0; i < 1000; i++) {
        char w[32];
        int n = snprintf(w, sizeof(w), "/w%u", i);

        memcpy(w + n + 1, "tok", 4);
        request(XS_WATCH, w, (uint32_t)n + 5);
        /* Replies and the watch's first event, in any order. */
        do {
            if (!get(&h, out, sizeof(out)))
                guest_fail("watch flood: no reply to watch %u in %u s", i, WAIT_S);
        } while (h.type == XS_WATCH_EVENT);
        if (h.type == XS_ERROR && !strcmp(out, "ENOSPC"))
            enospc++;
        else if (h.type == XS_WATCH)
            ok++;
        else
            guest_fail("watch flood: reply %u '%s' to watch %u", h.type, out, i);
    }
    if (!enospc || ok > 128)
        guest_fail("watch flood: %u taken, %u refused (quota 128)", ok, enospc);
    printf("xs-hostile: watch-flood ok (%u taken, %u ENOSPC)\n", ok, enospc);

    /* A lying length: the ring is cut off, nothing more is answered. */
    h = (struct xsd_sockmsg){ .type = XS_READ, .req_id = req_id++, .len = 100000 };
    put(&h, sizeof(h));
    request(XS_READ, "name", 5);
    /* Watch events of the flood may still come; nothing else may. */
    while (get_within(&h, out, sizeof(out), QUIET_S))
        if (h.type != XS_WATCH_EVENT)
            guest_fail("lying-length: a reply came (type %u '%s')", h.type, out);
    printf("xs-hostile: lying-length ok (no reply in %u s)\n", QUIET_S);

    /* A producer far ahead, on a ring already cut off. */
    __atomic_store_n(&intf->req_prod, intf->req_prod + 100000, __ATOMIC_RELEASE);
    notify();
    printf("xs-hostile: producer-ahead sent\n");
}
