/*
 * Host tests of hv/common/vconsole.c with the real event channels: ring
 * set-up and clean failure, output drained on notify and on the poll
 * (wrap-around, hostile indices), input routing by focus, the Ctrl-A
 * switch cycle, a full input ring, and teardown.
 */
#include "unit.h"

#include <stdint.h>
#include <stdbool.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <asm/guest_access.h>
#include <oryx/hypercall.h>
#include <oryx/event_channel.h>
#include <oryx/vconsole.h>
#include <oryx/keyhandler.h>
#include <oryx/timer.h>
#include <asm/npt.h>
#include <asm/page.h>
#include <asm/uart.h>
#include <public/xen.h>
#include <public/event_channel.h>
#include <public/io/console.h>
#include <public/hvm/params.h>

/* ---- stubs ---- */

struct domain *domain_list;
spinlock_t domlist_lock = SPINLOCK_INIT;
uint64_t tsc_at_boot, tsc_to_ns_mul = 1ull << 32, ns_to_tsc_mul = 1ull << 32;

static char out_text[16384];
static size_t out_len;
static char keys_seen[64];
static size_t nkeys;
static int map_fail, p2m_maps;
static gpaddr_t mapped_gpa;
static paddr_t mapped_hpa;
static unsigned int mapped_perms;
static struct timer *poll_t;
static const char *uart_feed;

struct shared_info *domain_shared_info(struct domain *d)
{
    return d->shared_info ? __va(d->shared_info) : NULL;
}
struct vcpu_info *vcpu_info_of(struct vcpu *v) { return v->vcpu_info; }
void vcpu_kick_upcall(struct vcpu *v) { (void)v; }
void vcpu_wake(struct vcpu *v) { (void)v; }
void pvclock_latch_layout(struct domain *d, bool compat) { d->shinfo_compat = compat; }
void vcpu_block(struct vcpu *v) { (void)v; }
void vcpu_block_polling(struct vcpu *v) { (void)v; }

int copy_from_guest(struct vcpu *v, void *dst, gvaddr_t gva, size_t len)
{
    (void)v;
    memcpy(dst, (void *)(uintptr_t)gva, len);
    return 0;
}

int copy_to_guest(struct vcpu *v, gvaddr_t gva, const void *src, size_t len)
{
    (void)v;
    memcpy((void *)(uintptr_t)gva, src, len);
    return 0;
}

void timer_init(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
    memset(t, 0, sizeof(*t));
    t->fn = fn;
    t->data = data;
    t->cpu = cpu;
}
void set_timer(struct timer *t, uint64_t expires) { t->active = true; t->expires = expires; poll_t = t; }
void stop_timer(struct timer *t) { t->active = false; }

paddr_t page_alloc_zeroed(unsigned int order, struct mem_account *acct)
{
    void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE << order);
    memset(p, 0, PAGE_SIZE << order);
    acct->pages += 1ull << order;
    return __pa(p);
}

void page_free(paddr_t pa, unsigned int order, struct mem_account *acct)
{
    acct->pages -= 1ull << order;
    free(__va(pa));
}

static int xallocs;
void *xzalloc(size_t size) { xallocs++; return calloc(1, size); }
/* No guest of these tests uses the FIFO ABI. */
int domain_ram_get_writable(struct domain *d, uint64_t gfn, paddr_t *hpa)
{
    (void)d; (void)gfn; (void)hpa;
    return -EINVAL;
}
void domain_ram_put(struct domain *d, uint64_t gfn) { (void)d; (void)gfn; }
void xfree(void *p) { if (p) xallocs--; free(p); }

int p2m_map(struct p2m *p2m, gpaddr_t gpa, paddr_t hpa, uint64_t size, unsigned int perms)
{
    (void)p2m;
    if (map_fail)
        return -ENOMEM;
    CHECK_EQ(size, PAGE_SIZE);
    p2m_maps++;
    mapped_gpa = gpa;
    mapped_hpa = hpa;
    mapped_perms = perms;
    return 0;
}

int p2m_unmap(struct p2m *p2m, gpaddr_t gpa, uint64_t size)
{
    (void)p2m;
    (void)size;
    if (gpa == mapped_gpa)
        p2m_maps--;
    return 0;
}

void guest_console_put(struct domain *d, const char *buf, size_t len)
{
    (void)d;
    if (out_len + len < sizeof(out_text)) {
        memcpy(out_text + out_len, buf, len);
        out_len += len;
    }
}

void guest_console_break(struct domain *d)
{
    (void)d;    /* the test's output buffer has no half-shown lines */
}

void keyhandler_handle(char key)
{
    if (nkeys < sizeof(keys_seen))
        keys_seen[nkeys++] = key;
}

int uart_getc(void)
{
    return uart_feed && *uart_feed ? (unsigned char)*uart_feed++ : -1;
}

/* ---- fixtures ---- */

struct tdom {
    struct domain d;
    struct vcpu *v[1];
    struct vcpu vcpu0;
    struct shared_info *si;
};

static struct tdom *tdom_new(domid_t id, const char *name)
{
    struct tdom *t = calloc(1, sizeof(*t));

    t->d.id = id;
    snprintf(t->d.name, sizeof(t->d.name), "%s", name);
    t->d.nr_vcpus = 1;
    t->v[0] = &t->vcpu0;
    t->d.vcpus = t->v;
    t->vcpu0.domain = &t->d;
    t->si = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    memset(t->si, 0, PAGE_SIZE);
    t->d.shared_info = __pa(t->si);
    t->vcpu0.vcpu_info = &t->si->vcpu_info[0];
    CHECK_EQ(evtchn_domain_init(&t->d), 0);
    t->d.next = domain_list;
    domain_list = &t->d;
    return t;
}

static void tdom_free(struct tdom *t)
{
    for (struct domain **pp = &domain_list; *pp; pp = &(*pp)->next)
        if (*pp == &t->d) {
            *pp = t->d.next;
            break;
        }
    vconsole_domain_destroy(&t->d);
    evtchn_domain_destroy(&t->d);
    CHECK_EQ(t->d.acct.pages, 0);
    free(t->si);
    free(t);
}

static struct xencons_interface *ring_of(struct tdom *t)
{
    (void)t;
    return (struct xencons_interface *)__va(mapped_hpa);
}

static void guest_write(struct xencons_interface *r, const char *s)
{
    uint32_t prod = r->out_prod;

    while (*s)
        r->out[MASK_XENCONS_IDX(prod++, r->out)] = *s++;
    r->out_prod = prod;
}

static long guest_send(struct tdom *t, uint32_t port)
{
    struct evtchn_send s = { .port = port };
    struct hcall_args a = { .a = { EVTCHNOP_send, (uint64_t)(uintptr_t)&s }, .is64 = true };
    return do_event_channel_op(t->v[0], &a);
}

static bool port_pending(struct tdom *t, uint32_t p)
{
    return (t->si->evtchn_pending[p / 64] >> (p % 64)) & 1;
}

static void reset_capture(void)
{
    out_len = 0;
    nkeys = 0;
    memset(out_text, 0, sizeof(out_text));
}

static void type(const char *s)
{
    while (*s)
        vconsole_input(*s++);
}

/* ---- cases ---- */

static void setup_and_failures(void)
{
    struct tdom *t = tdom_new(1, "one");

    CHECK_EQ(vconsole_domain_init(&t->d, 0), -EINVAL);
    CHECK_EQ(vconsole_domain_init(&t->d, 1ull << 36), -EINVAL);
    map_fail = 1;
    CHECK_EQ(vconsole_domain_init(&t->d, 0xfefff), -ENOMEM);
    map_fail = 0;
    CHECK_EQ(t->d.acct.pages, 2);               /* only the event channel pages */
    CHECK_EQ(xallocs, 0);
    /* No Xen port slot left: unmapped and freed again. */
    uint32_t p;
    for (unsigned int i = 0; i < EVTCHN_XEN_SLOTS; i++)
        CHECK_EQ(evtchn_alloc_xen_port(&t->d, 0, (evtchn_xen_fn)(uintptr_t)1, NULL, &p), 0);
    CHECK_EQ(vconsole_domain_init(&t->d, 0xfefff), -ENOSPC);
    CHECK_EQ(p2m_maps, 0);
    CHECK_EQ(t->d.acct.pages, 2);
    CHECK_EQ(xallocs, 0);
    tdom_free(t);

    t = tdom_new(2, "two");
    CHECK_EQ(vconsole_domain_init(&t->d, 0xfefff), 0);
    CHECK_EQ(mapped_gpa, 0xfefff000ull);
    CHECK_EQ(mapped_perms, P2M_R | P2M_W);
    CHECK_EQ(t->d.hvm_params[HVM_PARAM_CONSOLE_PFN], 0xfefff);
    CHECK_EQ(t->d.hvm_params[HVM_PARAM_CONSOLE_EVTCHN], 1);
    CHECK_EQ(t->d.acct.pages, 3);
    CHECK_EQ(vconsole_domain_init(&t->d, 0xfeffe), -EEXIST);
    tdom_free(t);
    CHECK_EQ(xallocs, 0);
}

static void output_drain(void)
{
    struct tdom *t = tdom_new(1, "one");
    struct xencons_interface *r;
    uint32_t port;
    char big[3001];

    CHECK_EQ(vconsole_domain_init(&t->d, 0xfefff), 0);
    port = (uint32_t)t->d.hvm_params[HVM_PARAM_CONSOLE_EVTCHN];
    r = ring_of(t);
    reset_capture();
    guest_write(r, "hello\n");
    CHECK_EQ(guest_send(t, port), 0);
    CHECK_EQ(out_len, 6);
    CHECK(!memcmp(out_text, "hello\n", 6));
    CHECK_EQ(r->out_cons, 6);

    /* Across the wrap, in ring-sized pieces, each one notified. */
    reset_capture();
    memset(big, 'x', 3000);
    big[3000] = 0;
    for (int i = 0; i < 3; i++) {
        char piece[1001];
        memcpy(piece, big, 1000);
        piece[1000] = 0;
        guest_write(r, piece);
        guest_send(t, port);
    }
    CHECK_EQ(out_len, 3000);
    CHECK_EQ(r->out_cons, 3006);

    /* Without a notify, the poll drains it. */
    vconsole_init();
    CHECK(poll_t && poll_t->active);
    reset_capture();
    guest_write(r, "quiet");
    poll_t->fn(poll_t->data);
    CHECK_EQ(out_len, 5);
    CHECK(poll_t->active);                      /* re-armed */

    /* Hostile indices: dropped, resynced, then normal again. The guest
     * scribbling on out_cons does not matter: ours is kept apart. */
    reset_capture();
    r->out_prod += 5000;
    r->out_cons = 12345;
    guest_send(t, port);
    CHECK_EQ(out_len, 0);
    guest_write(r, "ok\n");
    guest_send(t, port);
    CHECK_EQ(out_len, 3);
    CHECK(!memcmp(out_text, "ok\n", 3));

    /* Teardown prints what is left. */
    reset_capture();
    guest_write(r, "bye");
    tdom_free(t);
    CHECK(out_len >= 3 && !memcmp(out_text, "bye", 3));
}

static void input_focus(void)
{
    struct tdom *a = tdom_new(1, "alpha"), *b = tdom_new(2, "beta");
    struct xencons_interface *ra, *rb;
    uint32_t pa, pb;

    CHECK_EQ(vconsole_domain_init(&b->d, 0x1000), 0);
    rb = ring_of(b);
    CHECK_EQ(vconsole_domain_init(&a->d, 0x2000), 0);
    ra = ring_of(a);
    pa = (uint32_t)a->d.hvm_params[HVM_PARAM_CONSOLE_EVTCHN];
    pb = (uint32_t)b->d.hvm_params[HVM_PARAM_CONSOLE_EVTCHN];
    reset_capture();

    /* Hypervisor focus: debug keys; one or two Ctrl-A pass through. */
    type("h\x01z");
    CHECK_EQ(nkeys, 3);
    CHECK(!memcmp(keys_seen, "h\x01z", 3));
    /* Three: to the lowest domain id first. */
    type("\x01\x01\x01" "ab");
    CHECK_EQ(nkeys, 3);
    CHECK_EQ(ra->in_prod, 2);
    CHECK(!memcmp(ra->in, "ab", 2));
    CHECK(port_pending(a, pa));
    CHECK_EQ(rb->in_prod, 0);
    type("\x01\x01" "c");
    CHECK_EQ(ra->in_prod, 5);
    CHECK(!memcmp(ra->in + 2, "\x01\x01" "c", 3));
    /* Then the next domain, then back to the hypervisor. */
    type("\x01\x01\x01" "d");
    CHECK_EQ(rb->in_prod, 1);
    CHECK_EQ(rb->in[0], 'd');
    CHECK(port_pending(b, pb));
    type("\x01\x01\x01" "q");
    CHECK_EQ(nkeys, 4);
    CHECK_EQ(keys_seen[3], 'q');

    /* A full input ring drops bytes until the guest consumes. */
    type("\x01\x01\x01");
    for (int i = 0; i < 1100; i++)
        vconsole_input('y');
    CHECK_EQ(ra->in_prod - ra->in_cons, XENCONS_IN_SIZE);
    ra->in_cons += 10;
    type("zz");
    CHECK_EQ(ra->in_prod - ra->in_cons, XENCONS_IN_SIZE - 8);
    /* Hostile in_cons: resynced, no write outside the ring. */
    uint32_t before = ra->in_prod;
    ra->in_cons = ra->in_prod + 77777;
    type("k");
    CHECK_EQ(ra->in_prod, before + 1);
    CHECK_EQ(ra->in[MASK_XENCONS_IDX(before, ra->in)], 'k');

    /* Input through the UART poll. */
    uart_feed = "\x01\x01\x01" "m";             /* alpha -> beta */
    vconsole_init();
    poll_t->fn(poll_t->data);
    CHECK_EQ(rb->in_prod, 2);
    CHECK_EQ(rb->in[1], 'm');

    /* The focused domain goes away: the hypervisor gets the keys. */
    tdom_free(b);
    nkeys = 0;
    type("x");
    CHECK_EQ(nkeys, 1);
    /* Cycle again with only alpha left. */
    type("\x01\x01\x01" "r");
    CHECK_EQ(nkeys, 1);
    type("\x01\x01\x01" "s");
    CHECK_EQ(nkeys, 2);
    tdom_free(a);
    type("\x01\x01\x01" "t");                   /* no consoles: straight back */
    CHECK_EQ(nkeys, 3);
}

UNIT_MAIN("vconsole")
{
    TEST_RUN(setup_and_failures);
    TEST_RUN(output_drain);
    TEST_RUN(input_focus);
}
