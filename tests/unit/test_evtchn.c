/*
 * Host tests of hv/common/event_channel.c: every sub-op's results and
 * errors, the 2-level bit algorithm in both shared_info layouts, events
 * raised before shared_info exists, interdomain links and teardown, Xen
 * ports, SCHEDOP_poll, and a two-thread race between delivery and a
 * guest-like consumer. The hypervisor's domain, scheduler, timer and page
 * allocator hooks are stubbed below; guest "virtual" addresses are host
 * pointers.
 */
#include "unit.h"

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdbool.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <asm/guest_access.h>
#include <oryx/hypercall.h>
#include <oryx/event_channel.h>
#include <oryx/timer.h>
#include <asm/page.h>
#include <asm/time.h>
#include <public/xen.h>
#include <public/event_channel.h>
#include <public/sched.h>

/* ---- stubs ---- */

struct domain *domain_list;
spinlock_t domlist_lock = SPINLOCK_INIT;
uint64_t tsc_at_boot, tsc_to_ns_mul = 1ull << 32, ns_to_tsc_mul = 1ull << 32;

#define MAXV 40
static int kicks[MAXV], wakes[MAXV], blocks[MAXV];
static int alloc_fail_after = -1;           /* page_alloc fails after N more */
static struct timer *last_timer_set;
static uint64_t last_timer_expires;
static int timers_active;
#define BAD_GVA ((gvaddr_t)0xdead0000ull)
static uintptr_t ro_lo, ro_hi;              /* copy_to_guest faults here */

struct shared_info *domain_shared_info(struct domain *d)
{
    return d->shared_info ? __va(d->shared_info) : NULL;
}

struct vcpu_info *vcpu_info_of(struct vcpu *v)
{
    return v->vcpu_info;
}

void vcpu_kick_upcall(struct vcpu *v)
{
    __atomic_fetch_add(&kicks[v->id], 1, __ATOMIC_SEQ_CST);
}

void vcpu_wake(struct vcpu *v)
{
    __atomic_fetch_add(&wakes[v->id], 1, __ATOMIC_SEQ_CST);
}

/* pvclock.c's latch, without the wall clock it rewrites. */
void pvclock_latch_layout(struct domain *d, bool compat)
{
    d->shinfo_compat = compat;
}

void vcpu_block_polling(struct vcpu *v)
{
    blocks[v->id]++;
}

int copy_from_guest(struct vcpu *v, void *dst, gvaddr_t gva, size_t len)
{
    (void)v;
    if (gva == BAD_GVA || !gva)
        return -EFAULT;
    memcpy(dst, (void *)(uintptr_t)gva, len);
    return 0;
}

int copy_to_guest(struct vcpu *v, gvaddr_t gva, const void *src, size_t len)
{
    (void)v;
    if (gva == BAD_GVA || !gva || (gva >= ro_lo && gva < ro_hi))
        return -EFAULT;
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

void set_timer(struct timer *t, uint64_t expires)
{
    if (!t->active)
        timers_active++;
    t->active = true;
    t->expires = expires;
    last_timer_set = t;
    last_timer_expires = expires;
}

void stop_timer(struct timer *t)
{
    if (t->active)
        timers_active--;
    t->active = false;
}

paddr_t page_alloc_zeroed(unsigned int order, struct mem_account *acct)
{
    void *p;

    if (alloc_fail_after == 0)
        return 0;
    if (alloc_fail_after > 0)
        alloc_fail_after--;
    p = aligned_alloc(PAGE_SIZE, PAGE_SIZE << order);
    if (!p)
        return 0;
    memset(p, 0, PAGE_SIZE << order);
    acct->pages += 1ull << order;
    return __pa(p);
}

void page_free(paddr_t pa, unsigned int order, struct mem_account *acct)
{
    acct->pages -= 1ull << order;
    free(__va(pa));
}

/* Guest RAM pages for the FIFO ABI: a gfn is a host page's address >> 12;
 * only pages made by gpage() are "RAM". References are counted. */
#define MAX_GPAGES 256
static void *gpages[MAX_GPAGES];
static int gpage_refs;

int domain_ram_get_writable(struct domain *d, uint64_t gfn, paddr_t *hpa)
{
    (void)d;
    for (int i = 0; i < MAX_GPAGES; i++)
        if (gpages[i] && (uintptr_t)gpages[i] >> PAGE_SHIFT == gfn) {
            gpage_refs++;
            *hpa = __pa(gpages[i]);
            return 0;
        }
    return -EINVAL;
}

void domain_ram_put(struct domain *d, uint64_t gfn)
{
    (void)d;
    (void)gfn;
    gpage_refs--;
}

static uint64_t gpage(void **out)
{
    void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);

    memset(p, 0, PAGE_SIZE);
    for (int i = 0; i < MAX_GPAGES; i++)
        if (!gpages[i]) {
            gpages[i] = p;
            break;
        }
    *out = p;
    return (uintptr_t)p >> PAGE_SHIFT;
}

static void gpages_free(void)
{
    for (int i = 0; i < MAX_GPAGES; i++) {
        free(gpages[i]);
        gpages[i] = NULL;
    }
}

/* ---- fixtures ---- */

struct tdom {
    struct domain d;
    struct vcpu *v[MAXV];
    struct shared_info *si;
};

static struct tdom *tdom_new(domid_t id, unsigned int nr_vcpus, bool map_si)
{
    struct tdom *t = calloc(1, sizeof(*t));

    t->d.id = id;
    snprintf(t->d.name, sizeof(t->d.name), "d%u", id);
    t->d.nr_vcpus = nr_vcpus;
    t->d.vcpus = t->v;
    spin_lock_init(&t->d.lock);
    for (unsigned int i = 0; i < nr_vcpus; i++) {
        t->v[i] = calloc(1, sizeof(struct vcpu));
        t->v[i]->id = i;
        t->v[i]->domain = &t->d;
        t->v[i]->processor = i % 4;
    }
    t->si = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    memset(t->si, 0, PAGE_SIZE);
    if (map_si) {
        t->d.shared_info = __pa(t->si);
        for (unsigned int i = 0; i < nr_vcpus && i < XEN_LEGACY_MAX_VCPUS; i++)
            t->v[i]->vcpu_info = &t->si->vcpu_info[i];
    }
    CHECK_EQ(evtchn_domain_init(&t->d), 0);
    t->d.next = domain_list;
    domain_list = &t->d;
    memset(kicks, 0, sizeof(kicks));
    memset(wakes, 0, sizeof(wakes));
    memset(blocks, 0, sizeof(blocks));
    return t;
}

static void tdom_map_si(struct tdom *t)
{
    t->d.shared_info = __pa(t->si);
    for (unsigned int i = 0; i < t->d.nr_vcpus && i < XEN_LEGACY_MAX_VCPUS; i++)
        t->v[i]->vcpu_info = &t->si->vcpu_info[i];
}

static void tdom_free(struct tdom *t)
{
    for (struct domain **pp = &domain_list; *pp; pp = &(*pp)->next)
        if (*pp == &t->d) {
            *pp = t->d.next;
            break;
        }
    evtchn_domain_destroy(&t->d);
    CHECK_EQ(t->d.acct.pages, 0);
    CHECK(t->d.evtchn == NULL);
    for (unsigned int i = 0; i < t->d.nr_vcpus; i++)
        free(t->v[i]);
    free(t->si);
    free(t);
}

static bool g_is64 = true;

static long evop(struct tdom *t, unsigned int vcpu, uint64_t cmd, void *arg)
{
    struct hcall_args a = { .a = { cmd, (uint64_t)(uintptr_t)arg }, .is64 = g_is64 };
    return do_event_channel_op(t->v[vcpu], &a);
}

static long evop_raw(struct tdom *t, uint64_t cmd, gvaddr_t arg)
{
    struct hcall_args a = { .a = { cmd, arg }, .is64 = g_is64 };
    return do_event_channel_op(t->v[0], &a);
}

static long bind_virq(struct tdom *t, uint32_t virq, uint32_t vcpu)
{
    struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
    long rc = evop(t, 0, EVTCHNOP_bind_virq, &b);
    return rc ? rc : (long)b.port;
}

static long bind_ipi(struct tdom *t, uint32_t vcpu)
{
    struct evtchn_bind_ipi b = { .vcpu = vcpu };
    long rc = evop(t, 0, EVTCHNOP_bind_ipi, &b);
    return rc ? rc : (long)b.port;
}

static long alloc_unbound(struct tdom *t, domid_t remote)
{
    struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = remote };
    long rc = evop(t, 0, EVTCHNOP_alloc_unbound, &a);
    return rc ? rc : (long)a.port;
}

static long ev_send(struct tdom *t, uint32_t port)
{
    struct evtchn_send s = { .port = port };
    return evop(t, 0, EVTCHNOP_send, &s);
}

static long ev_close(struct tdom *t, uint32_t port)
{
    struct evtchn_close c = { .port = port };
    return evop(t, 0, EVTCHNOP_close, &c);
}

static long ev_unmask(struct tdom *t, uint32_t port)
{
    struct evtchn_unmask u = { .port = port };
    return evop(t, 0, EVTCHNOP_unmask, &u);
}

static long ev_bind_vcpu(struct tdom *t, uint32_t port, uint32_t vcpu)
{
    struct evtchn_bind_vcpu b = { .port = port, .vcpu = vcpu };
    return evop(t, 0, EVTCHNOP_bind_vcpu, &b);
}

static long ev_status(struct tdom *t, uint32_t port, struct evtchn_status *st)
{
    memset(st, 0xee, sizeof(*st));
    st->dom = DOMID_SELF;
    st->port = port;
    return evop(t, 0, EVTCHNOP_status, st);
}

/* Bits as a 64-bit guest sees them. */
static bool pend(struct tdom *t, uint32_t p)
{
    return (t->si->evtchn_pending[p / 64] >> (p % 64)) & 1;
}

static void set_mask(struct tdom *t, uint32_t p, bool on)
{
    if (on)
        t->si->evtchn_mask[p / 64] |= 1ull << (p % 64);
    else
        t->si->evtchn_mask[p / 64] &= ~(1ull << (p % 64));
}

static void guest_ack(struct tdom *t, unsigned int vcpu, uint32_t p)
{
    t->si->evtchn_pending[p / 64] &= ~(1ull << (p % 64));
    t->si->vcpu_info[vcpu].evtchn_pending_sel = 0;
    t->si->vcpu_info[vcpu].evtchn_upcall_pending = 0;
}

/* ---- cases ---- */

static void init_destroy_accounting(void)
{
    struct tdom *t = tdom_new(1, 1, true);
    CHECK_EQ(t->d.acct.pages, 2);           /* header + first bucket */
    tdom_free(t);
    t = tdom_new(2, MAXV, true);
    CHECK(t->d.acct.pages >= 3);            /* 40 vCPUs need two pages */
    /* Bucket pages come on demand and go back at teardown. */
    for (int i = 0; i < 300; i++)
        CHECK(alloc_unbound(t, 0) > 0);
    CHECK(t->d.acct.pages >= 5);
    tdom_free(t);

    struct domain d = { .nr_vcpus = 1 };
    struct vcpu v = { .id = 0, .domain = &d };
    struct vcpu *vs[1] = { &v };
    d.vcpus = vs;
    d.nr_vcpus = 0;                         /* no vCPUs at all */
    CHECK_EQ(evtchn_domain_init(&d), -EINVAL);
    d.nr_vcpus = 3;                         /* before the vCPUs are made */
    CHECK_EQ(evtchn_domain_init(&d), 0);
    CHECK_EQ(d.acct.pages, 2);
    evtchn_domain_destroy(&d);
    CHECK_EQ(d.acct.pages, 0);
    d.nr_vcpus = 1;
    alloc_fail_after = 0;
    CHECK_EQ(evtchn_domain_init(&d), -ENOMEM);
    alloc_fail_after = 1;                   /* header yes, bucket no */
    CHECK_EQ(evtchn_domain_init(&d), -ENOMEM);
    CHECK_EQ(d.acct.pages, 0);
    alloc_fail_after = -1;
    evtchn_domain_destroy(&d);              /* never initialised: no-op */
}

static void alloc_unbound_and_status(void)
{
    struct tdom *t = tdom_new(1, 2, true);
    struct evtchn_status st;
    struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 0 };

    CHECK_EQ(alloc_unbound(t, 0), 1);
    CHECK_EQ(alloc_unbound(t, DOMID_SELF), 2);
    CHECK_EQ(ev_status(t, 1, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_unbound);
    CHECK_EQ(st.u.unbound.dom, 0);
    CHECK_EQ(st.vcpu, 0);
    CHECK_EQ(ev_status(t, 2, &st), 0);
    CHECK_EQ(st.u.unbound.dom, 1);          /* DOMID_SELF resolved */
    CHECK_EQ(ev_status(t, 0, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_closed);
    CHECK_EQ(ev_status(t, 4095, &st), 0);   /* in range, never allocated */
    CHECK_EQ(st.status, EVTCHNSTAT_closed);
    CHECK_EQ(ev_status(t, 4096, &st), -EINVAL);
    CHECK_EQ(ev_status(t, 0xffffffffu, &st), -EINVAL);
    st.dom = 7;
    st.port = 1;
    CHECK_EQ(evop(t, 0, EVTCHNOP_status, &st), -EPERM);

    a.dom = 5;
    CHECK_EQ(evop(t, 0, EVTCHNOP_alloc_unbound, &a), -EPERM);
    a.dom = 1;                              /* own id is fine */
    CHECK_EQ(evop(t, 0, EVTCHNOP_alloc_unbound, &a), 0);
    CHECK_EQ(a.port, 3);
    a.remote_dom = DOMID_XEN;
    CHECK_EQ(evop(t, 0, EVTCHNOP_alloc_unbound, &a), -EINVAL);
    CHECK_EQ(evop_raw(t, EVTCHNOP_alloc_unbound, BAD_GVA), -EFAULT);
    CHECK_EQ(evop_raw(t, EVTCHNOP_status, BAD_GVA), -EFAULT);
    /* An unwritable result: refused before anything is allocated. */
    a.dom = DOMID_SELF;
    a.remote_dom = 0;
    ro_lo = (uintptr_t)&a;
    ro_hi = ro_lo + sizeof(a);
    CHECK_EQ(evop(t, 0, EVTCHNOP_alloc_unbound, &a), -EFAULT);
    ro_lo = ro_hi = 0;
    CHECK_EQ(alloc_unbound(t, 0), 4);       /* 4 was not consumed */
    tdom_free(t);
}

/* The control domain allocates an unbound port in another domain (the
 * toolstack's set-up) and binds to a boot-time domain's port for it. */
static void control_domain_remote(void)
{
    struct tdom *c = tdom_new(0, 1, true), *u = tdom_new(3, 1, true);
    struct evtchn_alloc_unbound a = { .dom = 3, .remote_dom = 0 };
    struct evtchn_bind_interdomain b;
    struct evtchn_status st;

    c->d.is_privileged = true;
    CHECK_EQ(evop(c, 0, EVTCHNOP_alloc_unbound, &a), 0);
    CHECK_EQ(a.port, 1);                    /* in domain 3's table */
    CHECK_EQ(ev_status(u, 1, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_unbound);
    CHECK_EQ(st.u.unbound.dom, 0);
    CHECK_EQ(ev_status(c, 1, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_closed); /* none of dom0's own */
    a.dom = 9;                              /* no such domain */
    CHECK_EQ(evop(c, 0, EVTCHNOP_alloc_unbound, &a), -ESRCH);
    a.dom = 0;                              /* an ordinary domain may not */
    CHECK_EQ(evop(u, 0, EVTCHNOP_alloc_unbound, &a), -EPERM);
    /* dom0 binds to it and both ends see each other. */
    b = (struct evtchn_bind_interdomain){ .remote_dom = 3, .remote_port = 1 };
    CHECK_EQ(evop(c, 0, EVTCHNOP_bind_interdomain, &b), 0);
    CHECK(b.local_port > 0);
    CHECK_EQ(ev_status(u, 1, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
    CHECK_EQ(st.u.interdomain.dom, 0);
    CHECK_EQ(st.u.interdomain.port, b.local_port);
    /* Ports 1..64 scanned as grantcheck does: only the bound one is gone. */
    long ok = 0;
    for (uint32_t p = 1; p <= 64; p++) {
        b = (struct evtchn_bind_interdomain){ .remote_dom = 3, .remote_port = p };
        ok += evop(c, 0, EVTCHNOP_bind_interdomain, &b) == 0;
    }
    CHECK_EQ(ok, 0);
    tdom_free(u);
    tdom_free(c);
}

static void bind_virq_rules(void)
{
    struct tdom *t = tdom_new(1, 3, true);
    struct evtchn_status st;
    long p0, p1, pd;

    p0 = bind_virq(t, VIRQ_TIMER, 0);
    CHECK_EQ(p0, 1);
    CHECK_EQ(bind_virq(t, VIRQ_TIMER, 0), -EEXIST);
    p1 = bind_virq(t, VIRQ_TIMER, 1);
    CHECK_EQ(p1, 2);
    pd = bind_virq(t, VIRQ_DEBUG, 2);
    CHECK_EQ(pd, 3);
    CHECK_EQ(bind_virq(t, VIRQ_CONSOLE, 1), -EINVAL);   /* global: vCPU 0 only */
    CHECK(bind_virq(t, VIRQ_CONSOLE, 0) > 0);
    CHECK_EQ(bind_virq(t, VIRQ_CONSOLE, 0), -EEXIST);
    CHECK_EQ(bind_virq(t, NR_VIRQS, 0), -EINVAL);
    CHECK_EQ(bind_virq(t, 5, 0), -EINVAL);
    CHECK_EQ(bind_virq(t, 0xffffffffu, 0), -EINVAL);
    CHECK_EQ(bind_virq(t, VIRQ_TIMER, 3), -ENOENT);
    CHECK_EQ(bind_virq(t, VIRQ_TIMER, 0xffffffffu), -ENOENT);
    CHECK_EQ(evop_raw(t, EVTCHNOP_bind_virq, BAD_GVA), -EFAULT);

    CHECK_EQ(ev_status(t, (uint32_t)p1, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_virq);
    CHECK_EQ(st.u.virq, VIRQ_TIMER);
    CHECK_EQ(st.vcpu, 1);
    /* Per-vCPU VIRQs cannot move; sending on a VIRQ port is refused. */
    CHECK_EQ(ev_bind_vcpu(t, (uint32_t)p1, 0), -EINVAL);
    CHECK_EQ(ev_send(t, (uint32_t)p1), -EINVAL);
    /* Close, then the VIRQ can be bound again (and gets the lowest port). */
    CHECK_EQ(ev_close(t, (uint32_t)p0), 0);
    CHECK_EQ(ev_status(t, (uint32_t)p0, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_closed);
    CHECK_EQ(bind_virq(t, VIRQ_TIMER, 0), p0);
    tdom_free(t);
}

static void virq_delivery_2l(void)
{
    struct tdom *t = tdom_new(1, 2, true);
    long p = bind_virq(t, VIRQ_TIMER, 1), pc;
    struct vcpu_info *vi1 = &t->si->vcpu_info[1];

    evtchn_send_virq(t->v[0], VIRQ_TIMER);      /* unbound on vCPU 0: no-op */
    CHECK_EQ(kicks[0] + kicks[1], 0);
    evtchn_send_virq(t->v[1], VIRQ_TIMER);
    CHECK(pend(t, (uint32_t)p));
    CHECK_EQ(vi1->evtchn_pending_sel, 1ull << (p / 64));
    CHECK_EQ(vi1->evtchn_upcall_pending, 1);
    CHECK_EQ(kicks[1], 1);
    CHECK_EQ(t->si->vcpu_info[0].evtchn_upcall_pending, 0);
    /* Already pending: nothing more. */
    evtchn_send_virq(t->v[1], VIRQ_TIMER);
    CHECK_EQ(kicks[1], 1);
    /* Guest acked the port but left upcall_pending set: no new kick. */
    t->si->evtchn_pending[0] = 0;
    vi1->evtchn_pending_sel = 0;
    evtchn_send_virq(t->v[1], VIRQ_TIMER);
    CHECK_EQ(kicks[1], 1);
    CHECK_EQ(vi1->evtchn_pending_sel, 1);
    guest_ack(t, 1, (uint32_t)p);

    /* Masked: only the pending bit. */
    set_mask(t, (uint32_t)p, true);
    evtchn_send_virq(t->v[1], VIRQ_TIMER);
    CHECK(pend(t, (uint32_t)p));
    CHECK_EQ(vi1->evtchn_pending_sel, 0);
    CHECK_EQ(vi1->evtchn_upcall_pending, 0);
    /* Unmask through the hypercall delivers it. */
    CHECK_EQ(ev_unmask(t, (uint32_t)p), 0);
    CHECK_EQ(vi1->evtchn_upcall_pending, 1);
    CHECK_EQ(vi1->evtchn_pending_sel, 1);
    CHECK_EQ(kicks[1], 2);
    CHECK_EQ(t->si->evtchn_mask[0], 0);
    /* Unmask of a port that is not pending or already unmasked: quiet. */
    guest_ack(t, 1, (uint32_t)p);
    CHECK_EQ(ev_unmask(t, (uint32_t)p), 0);
    CHECK_EQ(vi1->evtchn_upcall_pending, 0);
    set_mask(t, (uint32_t)p, true);
    CHECK_EQ(ev_unmask(t, (uint32_t)p), 0);
    CHECK_EQ(vi1->evtchn_upcall_pending, 0);
    CHECK_EQ(ev_unmask(t, 0), -EINVAL);
    CHECK_EQ(ev_unmask(t, 4096), -EINVAL);
    CHECK_EQ(ev_unmask(t, 200), -EINVAL);       /* bucket never allocated */
    CHECK_EQ(ev_unmask(t, 100), 0);             /* allocated bucket, free port */

    /* Global VIRQ: evtchn_send_virq ignores it; the global call raises it
     * on whichever vCPU it was moved to. */
    pc = bind_virq(t, VIRQ_CON_RING, 0);
    CHECK(pc > 0);
    CHECK_EQ(ev_bind_vcpu(t, (uint32_t)pc, 1), 0);
    evtchn_send_virq(t->v[0], VIRQ_CON_RING);
    CHECK(!pend(t, (uint32_t)pc));
    evtchn_send_virq_global(&t->d, VIRQ_CON_RING);
    CHECK(pend(t, (uint32_t)pc));
    CHECK_EQ(vi1->evtchn_upcall_pending, 1);
    evtchn_send_virq_global(&t->d, VIRQ_TIMER);  /* per-vCPU: ignored */
    evtchn_send_virq_global(&t->d, 99);
    evtchn_send_virq(t->v[1], 99);
    /* Closing the moved global VIRQ frees vCPU 0's table slot. */
    CHECK_EQ(ev_close(t, (uint32_t)pc), 0);
    CHECK(!pend(t, (uint32_t)pc));              /* close clears pending */
    CHECK_EQ(bind_virq(t, VIRQ_CON_RING, 0), pc);
    tdom_free(t);
}

static void high_port_selector(void)
{
    struct tdom *t = tdom_new(1, 1, true);
    long p = 0;

    for (int i = 0; i < 200; i++)
        p = bind_ipi(t, 0);
    CHECK_EQ(p, 200);
    CHECK_EQ(ev_send(t, 200), 0);
    CHECK_EQ(t->si->vcpu_info[0].evtchn_pending_sel, 1ull << 3);   /* 200 / 64 */
    CHECK_EQ(t->si->evtchn_pending[3], 1ull << (200 % 64));
    tdom_free(t);
}

static void ipi_and_send_rules(void)
{
    struct tdom *t = tdom_new(1, 2, true);
    struct evtchn_status st;
    long p = bind_ipi(t, 1), u;

    CHECK_EQ(p, 1);
    CHECK_EQ(bind_ipi(t, 2), -ENOENT);
    CHECK_EQ(evop_raw(t, EVTCHNOP_bind_ipi, BAD_GVA), -EFAULT);
    CHECK_EQ(ev_status(t, 1, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_ipi);
    CHECK_EQ(st.vcpu, 1);
    CHECK_EQ(ev_send(t, 1), 0);
    CHECK(pend(t, 1));
    CHECK_EQ(t->si->vcpu_info[1].evtchn_upcall_pending, 1);
    CHECK_EQ(kicks[1], 1);
    CHECK_EQ(ev_bind_vcpu(t, 1, 0), -EINVAL);   /* IPIs stay put */

    u = alloc_unbound(t, 0);
    CHECK_EQ(ev_send(t, (uint32_t)u), 0);        /* dropped */
    CHECK(!pend(t, (uint32_t)u));
    CHECK_EQ(ev_bind_vcpu(t, (uint32_t)u, 1), 0);
    CHECK_EQ(ev_status(t, (uint32_t)u, &st), 0);
    CHECK_EQ(st.vcpu, 1);
    CHECK_EQ(ev_bind_vcpu(t, (uint32_t)u, 2), -ENOENT);
    CHECK_EQ(ev_bind_vcpu(t, 50, 0), -EINVAL);   /* free port */
    CHECK_EQ(ev_bind_vcpu(t, 0, 0), -EINVAL);
    CHECK_EQ(evop_raw(t, EVTCHNOP_bind_vcpu, BAD_GVA), -EFAULT);

    CHECK_EQ(ev_send(t, 0), -EINVAL);
    CHECK_EQ(ev_send(t, 77), -EINVAL);
    CHECK_EQ(ev_send(t, 5000), -EINVAL);
    CHECK_EQ(evop_raw(t, EVTCHNOP_send, BAD_GVA), -EFAULT);
    CHECK_EQ(ev_close(t, 0), -EINVAL);
    CHECK_EQ(ev_close(t, 77), -EINVAL);
    CHECK_EQ(ev_close(t, 99999), -EINVAL);
    CHECK_EQ(ev_close(t, 1), 0);
    CHECK_EQ(ev_close(t, 1), -EINVAL);           /* twice */
    CHECK(!pend(t, 1));
    CHECK_EQ(evop_raw(t, EVTCHNOP_close, BAD_GVA), -EFAULT);
    CHECK_EQ(evop_raw(t, EVTCHNOP_unmask, BAD_GVA), -EFAULT);
    tdom_free(t);
}

static void unsupported_ops(void)
{
    struct tdom *t = tdom_new(1, 1, true);
    struct evtchn_init_control ic = { 0 };

    struct evtchn_set_priority sp = { 1, 0 };

    /* FIFO ops before any init_control: as Xen. */
    CHECK_EQ(evop_raw(t, EVTCHNOP_expand_array, BAD_GVA), -EFAULT);
    CHECK_EQ(evop(t, 0, EVTCHNOP_expand_array, &ic), -EOPNOTSUPP);
    CHECK_EQ(evop(t, 0, EVTCHNOP_set_priority, &sp), -ENOSYS);
    CHECK_EQ(evop_raw(t, EVTCHNOP_bind_pirq, 0), -ENOSYS);
    CHECK_EQ(evop_raw(t, EVTCHNOP_reset, 0), -ENOSYS);
    CHECK_EQ(evop_raw(t, EVTCHNOP_reset_cont, 0), -ENOSYS);
    CHECK_EQ(evop_raw(t, 15, 0), -ENOSYS);
    CHECK_EQ(evop_raw(t, 0xffffffffffffffffull, 0), -ENOSYS);
    tdom_free(t);
}

static void port_exhaustion(void)
{
    struct tdom *t = tdom_new(1, 1, true);
    long p = 0;

    for (int i = 1; i < 4096; i++) {
        p = alloc_unbound(t, 0);
        if (p != i)
            break;
    }
    CHECK_EQ(p, 4095);
    CHECK_EQ(alloc_unbound(t, 0), -ENOSPC);
    CHECK_EQ(bind_ipi(t, 0), -ENOSPC);
    CHECK_EQ(ev_close(t, 1234), 0);
    CHECK_EQ(bind_ipi(t, 0), 1234);
    tdom_free(t);

    t = tdom_new(2, 1, true);
    for (int i = 1; i < 128; i++)
        alloc_unbound(t, 0);
    alloc_fail_after = 0;                       /* next bucket cannot be had */
    CHECK_EQ(alloc_unbound(t, 0), -ENOMEM);
    alloc_fail_after = -1;
    CHECK_EQ(alloc_unbound(t, 0), 128);
    tdom_free(t);
}

static void compat_layout(void)
{
    struct tdom *t = tdom_new(1, 2, true);
    uint8_t *si = (uint8_t *)t->si;
    uint32_t *pending32 = (uint32_t *)(si + 2048), *mask32 = (uint32_t *)(si + 2176);
    uint32_t *sel32 = (uint32_t *)((uint8_t *)&t->si->vcpu_info[1] + 4);
    struct evtchn_status st;
    long p;

    g_is64 = false;
    for (int i = 1; i < 40; i++)
        p = bind_ipi(t, 1);
    CHECK_EQ(p, 39);
    CHECK_EQ(ev_send(t, 39), 0);
    CHECK_EQ(pending32[1], 1u << 7);
    CHECK_EQ(*sel32, 1u << 1);                  /* word 39 / 32 */
    CHECK_EQ(t->si->vcpu_info[1].evtchn_upcall_pending, 1);
    /* Mask in the 32-bit place. */
    t->si->vcpu_info[1].evtchn_upcall_pending = 0;
    *sel32 = 0;
    pending32[1] = 0;
    mask32[1] = 1u << 7;
    CHECK_EQ(ev_send(t, 39), 0);
    CHECK_EQ(*sel32, 0);
    CHECK_EQ(ev_unmask(t, 39), 0);
    CHECK_EQ(*sel32, 2);
    CHECK_EQ(mask32[1], 0);
    /* 32-bit guests have 1024 ports. */
    CHECK_EQ(ev_status(t, 1023, &st), 0);
    CHECK_EQ(ev_status(t, 1024, &st), -EINVAL);
    CHECK_EQ(ev_send(t, 1024), -EINVAL);
    for (int i = 40; i < 1024; i++)
        p = alloc_unbound(t, 0);
    CHECK_EQ(p, 1023);
    CHECK_EQ(alloc_unbound(t, 0), -ENOSPC);
    g_is64 = true;
    tdom_free(t);
}

static void before_shared_info(void)
{
    struct tdom *t = tdom_new(1, 2, false);
    long p = bind_virq(t, VIRQ_TIMER, 1), q = bind_ipi(t, 0);

    evtchn_send_virq(t->v[1], VIRQ_TIMER);
    CHECK(evtchn_port_pending(&t->d, (uint32_t)p));
    CHECK(!evtchn_port_pending(&t->d, (uint32_t)q));
    CHECK_EQ(kicks[1], 0);
    CHECK_EQ(ev_unmask(t, (uint32_t)p), 0);     /* nothing to do yet */
    tdom_map_si(t);
    CHECK(!pend(t, (uint32_t)p));
    evtchn_shared_info_ready(&t->d);
    CHECK(pend(t, (uint32_t)p));
    CHECK_EQ(t->si->vcpu_info[1].evtchn_upcall_pending, 1);
    CHECK_EQ(kicks[1], 1);
    CHECK(evtchn_port_pending(&t->d, (uint32_t)p));
    /* A held port that was closed meanwhile is dropped. */
    tdom_free(t);

    t = tdom_new(2, 1, false);
    q = bind_ipi(t, 0);
    CHECK_EQ(ev_send(t, (uint32_t)q), 0);
    CHECK_EQ(ev_close(t, (uint32_t)q), 0);
    CHECK(!evtchn_port_pending(&t->d, (uint32_t)q));
    tdom_map_si(t);
    /* Without the ready call, the next delivery flushes the held bits. */
    p = bind_ipi(t, 0);
    CHECK_EQ(p, q);
    CHECK(!pend(t, (uint32_t)q));
    tdom_free(t);

    t = tdom_new(3, 1, false);
    q = bind_ipi(t, 0);
    p = bind_ipi(t, 0);
    CHECK_EQ(ev_send(t, (uint32_t)q), 0);
    tdom_map_si(t);
    CHECK_EQ(ev_send(t, (uint32_t)p), 0);
    CHECK(pend(t, (uint32_t)q));
    CHECK(pend(t, (uint32_t)p));
    CHECK(!evtchn_port_pending(&t->d, 0));
    CHECK(!evtchn_port_pending(&t->d, 4096));
    tdom_free(t);
}

static void interdomain(void)
{
    struct tdom *a = tdom_new(1, 2, true), *b = tdom_new(2, 1, true);
    struct evtchn_bind_interdomain bi;
    struct evtchn_status st;
    long ua, lb;

    ua = alloc_unbound(a, 2);
    CHECK_EQ(ua, 1);
    alloc_unbound(b, 0);                        /* b's port 1 taken */
    memset(&bi, 0, sizeof(bi));
    bi.remote_dom = 1;
    bi.remote_port = (uint32_t)ua;
    CHECK_EQ(evop(b, 0, EVTCHNOP_bind_interdomain, &bi), 0);
    lb = bi.local_port;
    CHECK_EQ(lb, 2);
    CHECK(pend(b, (uint32_t)lb));               /* raised once on bind */
    b->si->evtchn_pending[0] = 0;
    CHECK_EQ(ev_status(a, (uint32_t)ua, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
    CHECK_EQ(st.u.interdomain.dom, 2);
    CHECK_EQ(st.u.interdomain.port, lb);
    CHECK_EQ(ev_status(b, (uint32_t)lb, &st), 0);
    CHECK_EQ(st.u.interdomain.dom, 1);
    CHECK_EQ(st.u.interdomain.port, ua);

    /* Both directions, honouring the notify vCPU. */
    CHECK_EQ(ev_bind_vcpu(a, (uint32_t)ua, 1), 0);
    CHECK_EQ(ev_send(b, (uint32_t)lb), 0);
    CHECK(pend(a, (uint32_t)ua));
    CHECK_EQ(a->si->vcpu_info[1].evtchn_upcall_pending, 1);
    CHECK_EQ(ev_send(a, (uint32_t)ua), 0);
    CHECK(pend(b, (uint32_t)lb));

    /* Wrong or missing peers. */
    bi.remote_port = (uint32_t)ua;              /* no longer unbound */
    CHECK_EQ(evop(b, 0, EVTCHNOP_bind_interdomain, &bi), -EINVAL);
    bi.remote_dom = 9;
    CHECK_EQ(evop(b, 0, EVTCHNOP_bind_interdomain, &bi), -ESRCH);
    bi.remote_dom = 1;
    bi.remote_port = (uint32_t)alloc_unbound(a, 5);    /* for someone else */
    CHECK_EQ(evop(b, 0, EVTCHNOP_bind_interdomain, &bi), -EINVAL);
    bi.remote_port = 4096;
    CHECK_EQ(evop(b, 0, EVTCHNOP_bind_interdomain, &bi), -EINVAL);
    bi.remote_port = 0;
    CHECK_EQ(evop(b, 0, EVTCHNOP_bind_interdomain, &bi), -EINVAL);
    CHECK_EQ(evop_raw(b, EVTCHNOP_bind_interdomain, BAD_GVA), -EFAULT);

    /* Closing one end leaves the other waiting for the closer. */
    CHECK_EQ(ev_close(a, (uint32_t)ua), 0);
    CHECK_EQ(ev_status(b, (uint32_t)lb, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_unbound);
    CHECK_EQ(st.u.unbound.dom, 1);
    CHECK_EQ(ev_send(b, (uint32_t)lb), 0);      /* dropped */
    /* ...and a can bind to it again, from the lower-id side. */
    memset(&bi, 0, sizeof(bi));
    bi.remote_dom = 2;
    bi.remote_port = (uint32_t)lb;
    CHECK_EQ(evop(a, 0, EVTCHNOP_bind_interdomain, &bi), 0);
    CHECK_EQ(bi.local_port, ua);
    /* Close from the higher-id side this time. */
    CHECK_EQ(ev_close(b, (uint32_t)lb), 0);
    CHECK_EQ(ev_status(a, (uint32_t)ua, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_unbound);
    CHECK_EQ(st.u.unbound.dom, 2);

    /* Teardown of one domain unbinds its peers' ends. */
    lb = alloc_unbound(b, 1);
    memset(&bi, 0, sizeof(bi));
    bi.remote_dom = 2;
    bi.remote_port = (uint32_t)lb;
    CHECK_EQ(evop(a, 0, EVTCHNOP_bind_interdomain, &bi), 0);
    uint32_t la = bi.local_port;
    tdom_free(b);
    CHECK_EQ(ev_status(a, la, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_unbound);
    CHECK_EQ(st.u.unbound.dom, 2);
    CHECK_EQ(ev_send(a, la), 0);
    bi.remote_port = (uint32_t)lb;
    CHECK_EQ(evop(a, 0, EVTCHNOP_bind_interdomain, &bi), -ESRCH);
    tdom_free(a);
}

static void interdomain_loopback(void)
{
    struct tdom *t = tdom_new(3, 1, true);
    struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
    struct evtchn_status st;
    long u = alloc_unbound(t, DOMID_SELF);

    bi.remote_port = (uint32_t)u;
    CHECK_EQ(evop(t, 0, EVTCHNOP_bind_interdomain, &bi), 0);
    CHECK_EQ(bi.local_port, 2);
    guest_ack(t, 0, 2);
    CHECK_EQ(ev_send(t, 2), 0);
    CHECK(pend(t, 1));
    CHECK(!pend(t, 2));
    CHECK_EQ(ev_send(t, 1), 0);
    CHECK(pend(t, 2));
    CHECK_EQ(ev_close(t, 2), 0);
    CHECK_EQ(ev_status(t, 1, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_unbound);
    CHECK_EQ(st.u.unbound.dom, 3);
    /* Teardown with a loopback link in place. */
    bi.remote_port = 1;
    CHECK_EQ(evop(t, 0, EVTCHNOP_bind_interdomain, &bi), 0);
    tdom_free(t);
}

/*
 * dom0's local xenstore: Linux's xenbus allocates an unbound port for
 * itself (DOMID_SELF to DOMID_SELF, /proc/xen/xsd_port) and oryxd binds
 * to it through /dev/xen/evtchn, naming dom0 by its number, 0. Both
 * ends are dom0's; each raises the other; a restarted daemon binds again.
 */
static void interdomain_dom0_self(void)
{
    struct tdom *t = tdom_new(0, 2, true);
    struct evtchn_bind_interdomain bi = { .remote_dom = 0 };
    struct evtchn_status st;
    long kport = alloc_unbound(t, DOMID_SELF);
    uint32_t lport;

    CHECK(kport > 0);
    CHECK_EQ(ev_status(t, (uint32_t)kport, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_unbound);
    CHECK_EQ(st.u.unbound.dom, 0);
    bi.remote_port = (uint32_t)kport;
    CHECK_EQ(evop(t, 1, EVTCHNOP_bind_interdomain, &bi), 0);
    lport = bi.local_port;
    CHECK(lport != (uint32_t)kport);
    CHECK_EQ(ev_status(t, lport, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
    CHECK_EQ(st.u.interdomain.dom, 0);
    CHECK_EQ(st.u.interdomain.port, (uint32_t)kport);
    guest_ack(t, 0, lport);
    /* The daemon notifies: the kernel's port fires. */
    CHECK_EQ(ev_send(t, lport), 0);
    CHECK(pend(t, (uint32_t)kport));
    CHECK(!pend(t, lport));
    guest_ack(t, 0, (uint32_t)kport);
    /* The kernel notifies back. */
    CHECK_EQ(ev_send(t, (uint32_t)kport), 0);
    CHECK(pend(t, lport));
    /* The daemon exits: the kernel's port waits for dom0 again. */
    CHECK_EQ(ev_close(t, lport), 0);
    CHECK_EQ(ev_status(t, (uint32_t)kport, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_unbound);
    CHECK_EQ(st.u.unbound.dom, 0);
    CHECK_EQ(evop(t, 0, EVTCHNOP_bind_interdomain, &bi), 0);
    /* A second binding of a bound port is refused. */
    CHECK_EQ(evop(t, 0, EVTCHNOP_bind_interdomain, &bi), -EINVAL);
    tdom_free(t);
}

static int xen_calls;
static uint32_t xen_last_port;
static void *xen_last_data;

static void xen_fn(struct domain *d, uint32_t port, void *data)
{
    (void)d;
    xen_calls++;
    xen_last_port = port;
    xen_last_data = data;
    evtchn_notify_xen_port(d, port);    /* allowed: no lock is held */
}

static void xen_ports(void)
{
    struct tdom *t = tdom_new(1, 2, true);
    struct evtchn_status st;
    uint32_t port = 0, other;
    int cookie;

    CHECK_EQ(evtchn_alloc_xen_port(&t->d, 2, xen_fn, &cookie, &port), -EINVAL);
    CHECK_EQ(evtchn_alloc_xen_port(&t->d, 0, NULL, &cookie, &port), -EINVAL);
    CHECK_EQ(evtchn_alloc_xen_port(&t->d, 1, xen_fn, &cookie, &port), 0);
    CHECK_EQ(port, 1);
    CHECK_EQ(ev_status(t, port, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
    CHECK_EQ(st.u.interdomain.dom, DOMID_XEN);
    CHECK_EQ(st.vcpu, 1);
    evtchn_notify_xen_port(&t->d, port);
    CHECK(pend(t, port));
    CHECK_EQ(t->si->vcpu_info[1].evtchn_upcall_pending, 1);
    guest_ack(t, 1, port);
    CHECK_EQ(ev_send(t, port), 0);
    CHECK_EQ(xen_calls, 1);
    CHECK_EQ(xen_last_port, port);
    CHECK(xen_last_data == &cookie);
    CHECK(pend(t, port));
    CHECK_EQ(ev_bind_vcpu(t, port, 0), 0);
    /* Slots run out. */
    for (unsigned int i = 1; i < EVTCHN_XEN_SLOTS; i++)
        CHECK_EQ(evtchn_alloc_xen_port(&t->d, 0, xen_fn, NULL, &other), 0);
    CHECK_EQ(evtchn_alloc_xen_port(&t->d, 0, xen_fn, NULL, &other), -ENOSPC);
    /* The guest closes it: notifications stop, the slot is reusable. */
    CHECK_EQ(ev_close(t, port), 0);
    evtchn_notify_xen_port(&t->d, port);
    CHECK(!pend(t, port));
    CHECK_EQ(ev_send(t, port), -EINVAL);
    CHECK_EQ(xen_calls, 1);
    evtchn_notify_xen_port(&t->d, 0);
    evtchn_notify_xen_port(&t->d, 77777);
    CHECK_EQ(evtchn_alloc_xen_port(&t->d, 0, xen_fn, NULL, &other), 0);
    CHECK_EQ(other, port);
    tdom_free(t);
}

static long poll(struct tdom *t, unsigned int vcpu, uint32_t *ports, uint32_t nr,
                 uint64_t timeout)
{
    struct sched_poll p;
    struct hcall_args a = { .is64 = true };

    memset(&p, 0, sizeof(p));
    set_xen_guest_handle(p.ports, ports);
    p.nr_ports = nr;
    p.timeout = timeout;
    a.a[0] = SCHEDOP_poll;
    a.a[1] = (uint64_t)(uintptr_t)&p;
    return do_sched_poll(t->v[vcpu], &a);
}

static void sched_poll(void)
{
    struct tdom *t = tdom_new(1, 2, true);
    uint32_t ports[130];
    long a = bind_ipi(t, 0), b = bind_ipi(t, 0);

    set_mask(t, (uint32_t)a, true);
    set_mask(t, (uint32_t)b, true);
    /* Pending (even masked) returns at once. */
    CHECK_EQ(ev_send(t, (uint32_t)a), 0);
    ports[0] = (uint32_t)b;
    ports[1] = (uint32_t)a;
    CHECK_EQ(poll(t, 1, ports, 2, 0), 0);
    CHECK_EQ(blocks[1], 0);
    guest_ack(t, 0, (uint32_t)a);

    /* Nothing pending: blocks; a send to a polled port wakes it. */
    ports[0] = (uint32_t)a;
    CHECK_EQ(poll(t, 1, ports, 1, 0), 0);
    CHECK_EQ(blocks[1], 1);
    CHECK_EQ(ev_send(t, (uint32_t)b), 0);       /* not the polled one */
    CHECK_EQ(wakes[1], 0);
    CHECK_EQ(ev_send(t, (uint32_t)a), 0);
    CHECK_EQ(wakes[1], 1);
    CHECK_EQ(ev_send(t, (uint32_t)a), 0);       /* only once */
    CHECK_EQ(wakes[1], 1);
    guest_ack(t, 0, (uint32_t)a);
    guest_ack(t, 0, (uint32_t)b);

    /* Several ports: any event wakes it. */
    ports[0] = (uint32_t)a;
    ports[1] = (uint32_t)b;
    CHECK_EQ(poll(t, 1, ports, 2, 0), 0);
    CHECK_EQ(ev_send(t, (uint32_t)b), 0);
    CHECK_EQ(wakes[1], 2);
    guest_ack(t, 0, (uint32_t)b);

    /* Timeout: a timer is armed; its expiry wakes the vCPU. */
    CHECK_EQ(poll(t, 1, ports, 1, NOW() + SECONDS(5)), 0);
    CHECK(last_timer_set && last_timer_set->active);
    struct timer *tm = last_timer_set;
    tm->active = false;
    timers_active--;
    tm->fn(tm->data);
    CHECK_EQ(wakes[1], 3);
    CHECK_EQ(ev_send(t, (uint32_t)a), 0);       /* no longer polling */
    CHECK_EQ(wakes[1], 3);
    guest_ack(t, 0, (uint32_t)a);
    /* An event ends the poll and stops its timer. */
    CHECK_EQ(poll(t, 1, ports, 1, NOW() + SECONDS(5)), 0);
    CHECK_EQ(timers_active, 1);
    CHECK_EQ(ev_send(t, (uint32_t)a), 0);
    CHECK_EQ(wakes[1], 4);
    CHECK_EQ(timers_active, 0);
    guest_ack(t, 0, (uint32_t)a);
    /* A timeout already past returns without blocking. */
    int before = blocks[1];
    CHECK_EQ(poll(t, 1, ports, 1, 1), 0);
    CHECK_EQ(blocks[1], before);
    /* No ports, no timeout: block until anything. */
    CHECK_EQ(poll(t, 1, ports, 0, 0), 0);
    CHECK_EQ(blocks[1], before + 1);
    CHECK_EQ(ev_send(t, (uint32_t)b), 0);
    CHECK_EQ(wakes[1], 5);

    /* A stale wake-up from before the call is forgotten. */
    t->v[1]->wake_pending = true;
    CHECK_EQ(poll(t, 1, ports, 1, 0), 0);
    CHECK(!t->v[1]->wake_pending);
    ev_send(t, (uint32_t)a);                    /* end that poll */
    guest_ack(t, 0, (uint32_t)a);
    /* An upcall the vCPU can take now ends the poll at once (as Xen);
     * with interrupts off it does not. */
    before = blocks[1];
    t->si->vcpu_info[1].evtchn_upcall_pending = 1;
    t->v[1]->arch.regs.rflags = 0x202;
    CHECK_EQ(poll(t, 1, ports, 1, 0), 0);
    CHECK_EQ(blocks[1], before);
    t->v[1]->arch.regs.rflags = 0x2;
    CHECK_EQ(poll(t, 1, ports, 1, 0), 0);
    CHECK_EQ(blocks[1], before + 1);
    t->si->vcpu_info[1].evtchn_upcall_pending = 0;
    ev_send(t, (uint32_t)a);
    guest_ack(t, 0, (uint32_t)a);

    /* Bad arguments. */
    CHECK_EQ(poll(t, 1, ports, 129, 0), -EINVAL);
    ports[0] = 4096;
    CHECK_EQ(poll(t, 1, ports, 1, 0), -EINVAL);
    CHECK_EQ(poll(t, 1, (uint32_t *)(uintptr_t)BAD_GVA, 1, 0), -EFAULT);
    struct hcall_args bad = { .a = { SCHEDOP_poll, BAD_GVA }, .is64 = true };
    CHECK_EQ(do_sched_poll(t->v[0], &bad), -EFAULT);

    {
        /* Compat timeout assembled from two halves. */
        struct compat_sched_poll *hp = malloc(sizeof(*hp));
        struct hcall_args ca = { .a = { SCHEDOP_poll, (uint64_t)(uintptr_t)hp }, .is64 = false };
        uint64_t when = NOW() + SECONDS(100);
        guest_ack(t, 0, (uint32_t)a);
        hp->ports = 0;
        hp->nr_ports = 0;
        hp->timeout_lo = (uint32_t)when;
        hp->timeout_hi = (uint32_t)(when >> 32);
        CHECK_EQ(do_sched_poll(t->v[0], &ca), 0);
        CHECK_EQ(last_timer_expires, when);
        free(hp);
    }
    g_is64 = true;
    tdom_free(t);
    CHECK_EQ(timers_active, 0);                 /* teardown stops poll timers */
}

/* A consumer thread acts like Linux's upcall loop while the test thread
 * raises IPIs: no event may be lost, in either layout's word size. */
struct race {
    struct tdom *t;
    volatile bool stop;
    volatile uint64_t seen;
};

static void *consumer(void *arg)
{
    struct race *r = arg;
    struct shared_info *si = r->t->si;
    struct vcpu_info *vi = &si->vcpu_info[0];

    for (unsigned long idle = 0; !r->stop;) {
        if (!__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE)) {
            if ((++idle & 255) == 0)
                sched_yield();
            continue;
        }
        __atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
        uint64_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
        while (sel) {
            unsigned int w = (unsigned int)__builtin_ctzll(sel);
            sel &= sel - 1;
            uint64_t bits = __atomic_load_n(&si->evtchn_pending[w], __ATOMIC_ACQUIRE) &
                            ~si->evtchn_mask[w];
            while (bits) {
                unsigned int b = (unsigned int)__builtin_ctzll(bits);
                bits &= bits - 1;
                if (__atomic_fetch_and(&si->evtchn_pending[w], ~(1ull << b), __ATOMIC_SEQ_CST) &
                    (1ull << b))
                    __atomic_fetch_add(&r->seen, 1, __ATOMIC_SEQ_CST);
            }
        }
    }
    return NULL;
}

static void delivery_race(void)
{
    struct race r = { .t = tdom_new(1, 1, true) };
    pthread_t th;
    uint32_t ports[4];
    const unsigned int rounds = 2000;

    for (int i = 0; i < 4; i++)
        ports[i] = (uint32_t)bind_ipi(r.t, 0);
    pthread_create(&th, NULL, consumer, &r);
    for (unsigned int i = 0; i < rounds; i++) {
        uint32_t p = ports[i % 4];
        /* Send only once the previous event on this port was consumed,
         * so every send must be seen exactly once. */
        for (long spin = 0; pend(r.t, p); spin++) {
            if ((spin & 255) == 255)
                sched_yield();      /* a loaded host may not run both threads */
            if (spin > 200000000L) {
                CHECK(!"consumer never took the event");
                goto out;
            }
        }
        CHECK_EQ(ev_send(r.t, p), 0);
    }
    for (long spin = 0; spin < 200000000L && r.seen < rounds; spin++)
        if ((spin & 255) == 255)
            sched_yield();
out:
    r.stop = true;
    pthread_join(th, NULL);
    CHECK_EQ(r.seen, rounds);
    tdom_free(r.t);
}

/* ---- FIFO ABI ---- */

#define W_PENDING (1u << EVTCHN_FIFO_PENDING)
#define W_MASKED  (1u << EVTCHN_FIFO_MASKED)
#define W_LINKED  (1u << EVTCHN_FIFO_LINKED)
#define W_BUSY    (1u << EVTCHN_FIFO_BUSY)

/* A guest's FIFO state: control blocks per vCPU, event array pages. */
struct fguest {
    struct evtchn_fifo_control_block *cb[MAXV];
    uint32_t *page[8];
    unsigned int pages;
    uint32_t local_head[MAXV][EVTCHN_FIFO_MAX_QUEUES];
};

static long init_control(struct tdom *t, uint64_t gfn, uint32_t offset, uint32_t vcpu,
                         uint8_t *link_bits)
{
    struct evtchn_init_control ic = { .control_gfn = gfn, .offset = offset, .vcpu = vcpu };
    long rc = evop(t, 0, EVTCHNOP_init_control, &ic);
    if (link_bits)
        *link_bits = ic.link_bits;
    return rc;
}

static long fifo_start(struct tdom *t, struct fguest *g, unsigned int vcpus)
{
    void *p;
    long rc = 0;

    memset(g, 0, sizeof(*g));
    for (unsigned int i = 0; i < vcpus && !rc; i++) {
        uint64_t gfn = gpage(&p);
        g->cb[i] = p;
        rc = init_control(t, gfn, 0, i, NULL);
    }
    return rc;
}

static long expand(struct tdom *t, struct fguest *g, uint32_t init)
{
    struct evtchn_expand_array ea;
    void *p;
    long rc;

    ea.array_gfn = gpage(&p);
    for (unsigned int i = 0; i < 1024; i++)
        ((uint32_t *)p)[i] = init;
    rc = evop(t, 0, EVTCHNOP_expand_array, &ea);
    if (!rc)
        g->page[g->pages++] = p;
    return rc;
}

static volatile uint32_t *word(struct fguest *g, uint32_t port)
{
    return &g->page[port / 1024][port % 1024];
}

static long set_prio(struct tdom *t, uint32_t port, uint32_t prio)
{
    struct evtchn_set_priority sp = { .port = port, .priority = prio };
    return evop(t, 0, EVTCHNOP_set_priority, &sp);
}

/* Linux's consumer for one vCPU: walk the ready queues, unlink each
 * event, count (and ack) those pending and unmasked into seen[] (by port,
 * if given) and return how many. */
static uint32_t clear_linked(volatile uint32_t *w)
{
    uint32_t old = *w;
    while (!__atomic_compare_exchange_n(w, &old, old & ~(W_LINKED | EVTCHN_FIFO_LINK_MASK),
                                        false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        ;
    return old & EVTCHN_FIFO_LINK_MASK;
}

static unsigned int consume(struct fguest *g, unsigned int vcpu, uint32_t *order, unsigned int max)
{
    struct evtchn_fifo_control_block *cb = g->cb[vcpu];
    uint32_t ready = __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    unsigned int n = 0, guard = 0;

    while (ready && guard++ < 1000000) {
        unsigned int q = (unsigned int)__builtin_ctz(ready);
        uint32_t head = g->local_head[vcpu][q], next;
        volatile uint32_t *w;

        if (!head)
            head = __atomic_load_n(&cb->head[q], __ATOMIC_ACQUIRE);
        w = word(g, head);
        next = clear_linked(w);
        if (!next)
            ready &= ~(1u << q);
        if ((*w & W_PENDING) && !(*w & W_MASKED)) {
            __atomic_fetch_and(w, ~W_PENDING, __ATOMIC_SEQ_CST);
            if (order && n < max)
                order[n] = head;
            n++;
        }
        g->local_head[vcpu][q] = next;
        ready |= __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    }
    return n;
}

static void fifo_tdom_free(struct tdom *t)
{
    tdom_free(t);
    CHECK_EQ(gpage_refs, 0);        /* every guest page let go */
    gpages_free();
}

static void fifo_init_rules(void)
{
    struct tdom *t = tdom_new(1, 2, true);
    struct evtchn_init_control ic = { 0 };
    struct fguest g;
    void *cb0, *cb1, *junk;
    uint64_t gfn0 = gpage(&cb0), gfn1 = gpage(&cb1);
    uint8_t lb = 0;
    long pages;

    memset(&g, 0, sizeof(g));
    /* XSA-188's sequence: a bad gfn fails and leaves the 2-level ABI. */
    CHECK_EQ(init_control(t, (uint64_t)-2, 0, 0, NULL), -EINVAL);
    CHECK_EQ(expand(t, &g, 0), -EOPNOTSUPP);
    CHECK_EQ(set_prio(t, 1, 0), -ENOSYS);
    CHECK_EQ(gpage_refs, 0);
    pages = (long)t->d.acct.pages;
    CHECK_EQ(init_control(t, gfn0, 0, 2, NULL), -ENOENT);
    CHECK_EQ(init_control(t, gfn0, 0, 0xffffffffu, NULL), -ENOENT);
    CHECK_EQ(init_control(t, gfn0, 4, 0, NULL), -EINVAL);          /* unaligned */
    CHECK_EQ(init_control(t, gfn0, 4096 - 72 + 8, 0, NULL), -EINVAL);  /* past the page */
    CHECK_EQ(init_control(t, gfn0, 0xfffffff8u, 0, NULL), -EINVAL);
    CHECK_EQ(init_control(t, 0, 0, 0, NULL), -EINVAL);             /* not RAM */
    CHECK_EQ(evop_raw(t, EVTCHNOP_init_control, BAD_GVA), -EFAULT);
    ic.control_gfn = gfn0;
    ro_lo = (uintptr_t)&ic;
    ro_hi = ro_lo + sizeof(ic);
    CHECK_EQ(evop(t, 0, EVTCHNOP_init_control, &ic), -EFAULT);     /* nothing committed */
    ro_lo = ro_hi = 0;
    CHECK_EQ((long)t->d.acct.pages, pages);
    CHECK_EQ(gpage_refs, 0);

    /* The last aligned offset that fits; link_bits 17. */
    CHECK_EQ(init_control(t, gfn0, 4096 - 72, 0, &lb), 0);
    CHECK_EQ(lb, 17);
    CHECK((long)t->d.acct.pages > pages);                           /* FIFO state charged */
    CHECK_EQ(init_control(t, gfn1, 0, 0, NULL), -EINVAL);           /* twice */
    CHECK_EQ(init_control(t, gfn1, 0, 1, NULL), 0);
    CHECK_EQ(init_control(t, gfn1, 0, 1, NULL), -EINVAL);
    CHECK_EQ(gpage_refs, 2);

    /* expand_array: bad gfns, then pages up to 2^17 ports. */
    struct evtchn_expand_array ea = { .array_gfn = 12345 };
    CHECK_EQ(evop(t, 0, EVTCHNOP_expand_array, &ea), -EINVAL);
    ea.array_gfn = gpage(&junk);
    for (int i = 0; i < 128; i++)
        CHECK_EQ(evop(t, 0, EVTCHNOP_expand_array, &ea), 0);        /* one page, 128 times */
    CHECK_EQ(evop(t, 0, EVTCHNOP_expand_array, &ea), -ENOSPC);
    CHECK_EQ(gpage_refs, 130);

    /* set_priority: port checks before the priority, as Xen. */
    long p = bind_ipi(t, 0);
    CHECK(p > 0);
    CHECK_EQ(set_prio(t, (uint32_t)p, 0), 0);
    CHECK_EQ(set_prio(t, (uint32_t)p, 15), 0);
    CHECK_EQ(set_prio(t, (uint32_t)p, 16), -EINVAL);
    CHECK_EQ(set_prio(t, 0, 3), -EACCES);
    CHECK_EQ(set_prio(t, (uint32_t)p + 1, 3), -EACCES);             /* free */
    CHECK_EQ(set_prio(t, 5000, 3), -EINVAL);                        /* no record */
    CHECK_EQ(set_prio(t, 1u << 17, 3), -EINVAL);
    CHECK_EQ(evop_raw(t, EVTCHNOP_set_priority, BAD_GVA), -EFAULT);
    fifo_tdom_free(t);
}

static void fifo_delivery(void)
{
    struct tdom *t = tdom_new(1, 2, true);
    struct fguest g;
    struct vcpu_info *vi0 = &t->si->vcpu_info[0], *vi1 = &t->si->vcpu_info[1];
    uint32_t order[8];

    CHECK_EQ(fifo_start(t, &g, 2), 0);
    CHECK_EQ(expand(t, &g, 0), 0);
    uint32_t a = (uint32_t)bind_ipi(t, 0), b = (uint32_t)bind_ipi(t, 0);
    uint32_t c = (uint32_t)bind_ipi(t, 1);

    /* First event: PENDING|LINKED, head of queue 7, ready bit, upcall. */
    CHECK_EQ(ev_send(t, a), 0);
    CHECK_EQ(*word(&g, a), W_PENDING | W_LINKED);
    CHECK_EQ(g.cb[0]->head[EVTCHN_FIFO_PRIORITY_DEFAULT], a);
    CHECK_EQ(g.cb[0]->ready, 1u << EVTCHN_FIFO_PRIORITY_DEFAULT);
    CHECK_EQ(vi0->evtchn_upcall_pending, 1);
    CHECK_EQ(kicks[0], 1);
    CHECK_EQ(vi0->evtchn_pending_sel, 0);       /* nothing 2-level */
    CHECK(evtchn_port_pending(&t->d, a));
    /* Second: linked behind the first, no new head, no new kick. */
    CHECK_EQ(ev_send(t, b), 0);
    CHECK_EQ(*word(&g, a), W_PENDING | W_LINKED | b);
    CHECK_EQ(*word(&g, b), W_PENDING | W_LINKED);
    CHECK_EQ(g.cb[0]->head[EVTCHN_FIFO_PRIORITY_DEFAULT], a);
    CHECK_EQ(kicks[0], 1);
    /* Again while queued: nothing changes. */
    CHECK_EQ(ev_send(t, a), 0);
    CHECK_EQ(*word(&g, a), W_PENDING | W_LINKED | b);
    /* Another vCPU's queue. */
    CHECK_EQ(ev_send(t, c), 0);
    CHECK_EQ(g.cb[1]->head[EVTCHN_FIFO_PRIORITY_DEFAULT], c);
    CHECK_EQ(vi1->evtchn_upcall_pending, 1);
    CHECK_EQ(g.cb[0]->head[EVTCHN_FIFO_PRIORITY_DEFAULT], a);

    CHECK_EQ(consume(&g, 0, order, 8), 2);
    CHECK_EQ(order[0], a);
    CHECK_EQ(order[1], b);
    CHECK_EQ(consume(&g, 1, order, 8), 1);
    CHECK_EQ(*word(&g, a), 0);
    CHECK(!evtchn_port_pending(&t->d, a));

    /* The queue went empty: the next raise is a new head (b was the
     * tail: it must not be linked to itself). */
    vi0->evtchn_upcall_pending = 0;
    CHECK_EQ(ev_send(t, b), 0);
    CHECK_EQ(*word(&g, b), W_PENDING | W_LINKED);
    CHECK_EQ(g.cb[0]->head[EVTCHN_FIFO_PRIORITY_DEFAULT], b);
    CHECK_EQ(vi0->evtchn_upcall_pending, 1);
    CHECK_EQ(consume(&g, 0, order, 8), 1);
    CHECK_EQ(order[0], b);

    /* Masked: PENDING only; the unmask hypercall links it. */
    *word(&g, a) |= W_MASKED;
    vi0->evtchn_upcall_pending = 0;
    CHECK_EQ(ev_send(t, a), 0);
    CHECK_EQ(*word(&g, a), W_PENDING | W_MASKED);
    CHECK_EQ(g.cb[0]->ready, 0);
    CHECK_EQ(vi0->evtchn_upcall_pending, 0);
    CHECK_EQ(ev_unmask(t, a), 0);
    CHECK_EQ(*word(&g, a), W_PENDING | W_LINKED);
    CHECK_EQ(g.cb[0]->head[EVTCHN_FIFO_PRIORITY_DEFAULT], a);
    CHECK_EQ(vi0->evtchn_upcall_pending, 1);
    CHECK_EQ(consume(&g, 0, NULL, 0), 1);
    /* Unmasking what is not pending links nothing. */
    *word(&g, a) |= W_MASKED;
    CHECK_EQ(ev_unmask(t, a), 0);
    CHECK_EQ(*word(&g, a), 0);
    CHECK_EQ(ev_unmask(t, 0), -EINVAL);
    CHECK_EQ(ev_unmask(t, 3000), -EINVAL);      /* no record */

    /* Priorities: the higher queue is served first. */
    CHECK_EQ(set_prio(t, b, 2), 0);
    CHECK_EQ(ev_send(t, a), 0);
    CHECK_EQ(ev_send(t, b), 0);
    CHECK_EQ(g.cb[0]->head[2], b);
    CHECK_EQ(g.cb[0]->ready, (1u << 2) | (1u << 7));
    CHECK_EQ(consume(&g, 0, order, 8), 2);
    CHECK_EQ(order[0], b);
    CHECK_EQ(order[1], a);

    /* Close clears PENDING; the guest unlinks the rest. */
    CHECK_EQ(ev_send(t, a), 0);
    CHECK_EQ(ev_close(t, a), 0);
    CHECK_EQ(*word(&g, a), W_LINKED);
    CHECK_EQ(consume(&g, 0, NULL, 0), 0);
    CHECK_EQ(*word(&g, a), 0);
    /* A port bound again starts at the default priority. */
    CHECK_EQ(ev_close(t, b), 0);
    CHECK_EQ(bind_ipi(t, 0), a);
    CHECK_EQ(bind_ipi(t, 0), b);
    CHECK_EQ(ev_send(t, b), 0);
    CHECK_EQ(g.cb[0]->head[EVTCHN_FIFO_PRIORITY_DEFAULT], b);
    CHECK_EQ(consume(&g, 0, NULL, 0), 1);

    /* A vCPU with no control block: pending only. */
    struct tdom *u = tdom_new(2, 2, true);
    struct fguest h;
    CHECK_EQ(fifo_start(u, &h, 1), 0);
    CHECK_EQ(expand(u, &h, 0), 0);
    uint32_t d1 = (uint32_t)bind_ipi(u, 1);
    CHECK_EQ(ev_send(u, d1), 0);
    CHECK_EQ(*word(&h, d1), W_PENDING);
    CHECK_EQ(u->si->vcpu_info[1].evtchn_upcall_pending, 0);
    tdom_free(u);
    fifo_tdom_free(t);
}

/* Ports bound before the switch keep their pending state; ports whose
 * word does not exist yet are held until their page comes. */
static void fifo_switch_and_held(void)
{
    struct tdom *t = tdom_new(1, 1, true);
    struct fguest g;
    uint32_t order[8];

    uint32_t a = (uint32_t)bind_ipi(t, 0), b = (uint32_t)bind_ipi(t, 0);
    CHECK_EQ(ev_send(t, a), 0);                     /* 2-level pending */
    CHECK(pend(t, a));
    CHECK_EQ(fifo_start(t, &g, 1), 0);
    CHECK(evtchn_port_pending(&t->d, a));            /* held: no word yet */
    CHECK(!evtchn_port_pending(&t->d, b));
    CHECK_EQ(g.cb[0]->ready, 0);
    /* Linux masks the whole page before adding it. */
    CHECK_EQ(expand(t, &g, W_MASKED), 0);
    CHECK_EQ(*word(&g, a), W_PENDING | W_MASKED);
    CHECK_EQ(*word(&g, b), W_MASKED);
    *word(&g, a) &= ~W_MASKED;
    CHECK_EQ(ev_unmask(t, a), 0);
    CHECK_EQ(consume(&g, 0, order, 8), 1);
    CHECK_EQ(order[0], a);

    /* Beyond the array: 1500 ports need a second page. */
    for (int i = 0; i < 1500; i++)
        CHECK(alloc_unbound(t, 0) > 0);
    long p = bind_ipi(t, 0);
    CHECK(p >= 1024);
    CHECK_EQ(ev_send(t, (uint32_t)p), 0);
    CHECK(evtchn_port_pending(&t->d, (uint32_t)p));
    /* Poll sees held ports. */
    CHECK_EQ(expand(t, &g, 0), 0);
    CHECK_EQ(*word(&g, (uint32_t)p), W_PENDING | W_LINKED);
    CHECK_EQ(g.cb[0]->head[EVTCHN_FIFO_PRIORITY_DEFAULT], (uint32_t)p);
    CHECK_EQ(consume(&g, 0, order, 8), 1);
    CHECK_EQ(order[0], (uint32_t)p);
    /* Held and then closed: nothing comes with the page. */
    long q = bind_ipi(t, 0);
    for (int i = 0; i < 600; i++)
        alloc_unbound(t, 0);
    long r = bind_ipi(t, 0);
    CHECK(r >= 2048);
    CHECK_EQ(ev_send(t, (uint32_t)r), 0);
    CHECK_EQ(ev_close(t, (uint32_t)r), 0);
    CHECK(!evtchn_port_pending(&t->d, (uint32_t)r));
    CHECK_EQ(expand(t, &g, 0), 0);
    CHECK_EQ(*word(&g, (uint32_t)r), 0);
    (void)q;
    fifo_tdom_free(t);
}

/* More than 4096 ports, up to 2^17; VIRQs and interdomain pairs up high. */
static void fifo_many_ports(void)
{
    struct tdom *t = tdom_new(1, 1, true), *o = tdom_new(2, 1, true);
    struct fguest g;
    struct evtchn_status st;
    long p = 0;

    CHECK_EQ(fifo_start(t, &g, 1), 0);
    for (int i = 0; i < 5; i++)
        CHECK_EQ(expand(t, &g, 0), 0);
    for (int i = 1; i < 5000; i++) {
        p = alloc_unbound(t, 2);
        if (p != i)
            break;
    }
    CHECK_EQ(p, 4999);
    long v = bind_virq(t, VIRQ_TIMER, 0);
    CHECK_EQ(v, 5000);
    evtchn_send_virq(t->v[0], VIRQ_TIMER);
    CHECK_EQ(*word(&g, 5000), W_PENDING | W_LINKED);
    CHECK_EQ(g.cb[0]->head[EVTCHN_FIFO_PRIORITY_DEFAULT], 5000);
    CHECK_EQ(consume(&g, 0, NULL, 0), 1);
    /* Domain 2 (2-level) binds to port 4500 and sends. */
    struct evtchn_bind_interdomain bi = { .remote_dom = 1, .remote_port = 4500 };
    CHECK_EQ(evop(o, 0, EVTCHNOP_bind_interdomain, &bi), 0);
    CHECK_EQ(ev_send(o, bi.local_port), 0);
    CHECK_EQ(*word(&g, 4500), W_PENDING | W_LINKED);
    CHECK_EQ(consume(&g, 0, NULL, 0), 1);
    CHECK_EQ(ev_status(t, 4500, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
    CHECK_EQ(ev_status(t, 200000, &st), -EINVAL);
    /* And back: our high port raises their 2-level bit. */
    CHECK_EQ(ev_send(t, 4500), 0);
    CHECK(pend(o, bi.local_port));
    CHECK_EQ(ev_close(t, 4500), 0);
    CHECK_EQ(ev_status(o, bi.local_port, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_unbound);
    tdom_free(o);

    /* Every port up to 2^17 - 1 (the lowest free first), then none. */
    CHECK_EQ(alloc_unbound(t, 0), 4500);
    for (uint32_t i = 5001; i < (1u << 17); i++) {
        p = alloc_unbound(t, 0);
        if (p != (long)i)
            break;
    }
    CHECK_EQ(p, (1 << 17) - 1);
    CHECK_EQ(alloc_unbound(t, 0), -ENOSPC);
    CHECK_EQ(ev_close(t, 100000), 0);
    CHECK_EQ(bind_ipi(t, 0), 100000);
    CHECK(t->d.acct.pages > 1024);
    fifo_tdom_free(t);
}

/* A hostile guest rewrites its words while we link: the hypervisor gives
 * up after a few tries, never loops, never follows a link. */
struct flipper {
    volatile uint32_t *w;
    volatile bool stop;
};

static void *flip(void *arg)
{
    struct flipper *f = arg;

    while (!f->stop)
        __atomic_fetch_xor(f->w, W_MASKED, __ATOMIC_SEQ_CST);
    return NULL;
}

static void fifo_hostile(void)
{
    struct tdom *t = tdom_new(1, 1, true);
    struct fguest g;
    struct flipper f;
    pthread_t th;

    CHECK_EQ(fifo_start(t, &g, 1), 0);
    CHECK_EQ(expand(t, &g, 0), 0);
    uint32_t a = (uint32_t)bind_ipi(t, 0), b = (uint32_t)bind_ipi(t, 0);

    /* Garbage everywhere: links to nowhere, BUSY left set, heads. */
    *word(&g, a) = W_LINKED | 0x1ffff;
    *word(&g, b) = W_BUSY | 77;
    for (int q = 0; q < 16; q++)
        g.cb[0]->head[q] = 0xffffffffu;
    CHECK_EQ(ev_send(t, a), 0);                  /* already "linked": nothing */
    CHECK_EQ(*word(&g, a), W_PENDING | W_LINKED | 0x1ffff);
    CHECK_EQ(ev_send(t, b), 0);
    CHECK_EQ(*word(&g, b) & (W_PENDING | W_LINKED), W_PENDING | W_LINKED);
    CHECK_EQ(g.cb[0]->head[EVTCHN_FIFO_PRIORITY_DEFAULT], b);

    /* b is the tail and linked: a thread flips its MASKED bit while we
     * link another port behind it. */
    uint32_t c = (uint32_t)bind_ipi(t, 0);
    *word(&g, c) = 0;
    f.w = word(&g, b);
    f.stop = false;
    pthread_create(&th, NULL, flip, &f);
    for (int i = 0; i < 2000; i++) {
        CHECK_EQ(ev_send(t, c), 0);
        *word(&g, c) = 0;
    }
    f.stop = true;
    pthread_join(th, NULL);
    CHECK(!(*word(&g, b) & W_BUSY));            /* never left BUSY */
    /* The guest clearing LINKED on the tail: the next is a new head. */
    *word(&g, b) = 0;
    *word(&g, c) = 0;
    CHECK_EQ(ev_send(t, c), 0);
    CHECK_EQ(g.cb[0]->head[EVTCHN_FIFO_PRIORITY_DEFAULT], c);
    fifo_tdom_free(t);
}

/* A consumer thread runs Linux's loop while the test raises IPIs on three
 * priorities: every send is seen exactly once. */
struct frace {
    struct tdom *t;
    struct fguest *g;
    volatile bool stop;
    volatile uint64_t seen;
};

static void *fifo_consumer(void *arg)
{
    struct frace *r = arg;
    struct vcpu_info *vi = &r->t->si->vcpu_info[0];

    for (unsigned long idle = 0; !r->stop;) {
        if (!__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE)) {
            if ((++idle & 255) == 0)
                sched_yield();
            continue;
        }
        __atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
        __atomic_fetch_add(&r->seen, consume(r->g, 0, NULL, 0), __ATOMIC_SEQ_CST);
    }
    return NULL;
}

static void fifo_delivery_race(void)
{
    struct fguest g;
    struct frace r = { .t = tdom_new(1, 1, true), .g = &g };
    pthread_t th;
    uint32_t ports[6];
    const unsigned int rounds = 3000;

    CHECK_EQ(fifo_start(r.t, &g, 1), 0);
    CHECK_EQ(expand(r.t, &g, 0), 0);
    for (int i = 0; i < 6; i++) {
        ports[i] = (uint32_t)bind_ipi(r.t, 0);
        CHECK_EQ(set_prio(r.t, ports[i], (uint32_t)(i % 3) * 4), 0);
    }
    pthread_create(&th, NULL, fifo_consumer, &r);
    for (unsigned int i = 0; i < rounds; i++) {
        uint32_t p = ports[i % 6];
        for (long spin = 0; *word(&g, p) & W_PENDING; spin++) {
            if ((spin & 255) == 255)
                sched_yield();
            if (spin > 200000000L) {
                CHECK(!"consumer never took the event");
                goto out;
            }
        }
        CHECK_EQ(ev_send(r.t, p), 0);
    }
    for (long spin = 0; spin < 200000000L && r.seen < rounds; spin++)
        if ((spin & 255) == 255)
            sched_yield();
out:
    r.stop = true;
    pthread_join(th, NULL);
    CHECK_EQ(r.seen, rounds);
    fifo_tdom_free(r.t);
}

/* SCHEDOP_poll and the debug dump in FIFO mode. */
static void fifo_poll_and_dump(void)
{
    struct tdom *t = tdom_new(1, 1, true);
    struct fguest g;
    extern int shim_log_quiet;

    CHECK_EQ(fifo_start(t, &g, 1), 0);
    CHECK_EQ(expand(t, &g, W_MASKED), 0);
    uint32_t a = (uint32_t)bind_ipi(t, 0);
    CHECK_EQ(ev_send(t, a), 0);
    CHECK_EQ(*word(&g, a), W_PENDING | W_MASKED);
    uint32_t *list = malloc(sizeof(uint32_t));
    struct sched_poll *sp = calloc(1, sizeof(*sp));
    list[0] = a;
    set_xen_guest_handle(sp->ports, list);
    sp->nr_ports = 1;
    struct hcall_args pa = { .a = { SCHEDOP_poll, (uint64_t)(uintptr_t)sp }, .is64 = true };
    int before = blocks[0];
    CHECK_EQ(do_sched_poll(t->v[0], &pa), 0);
    CHECK_EQ(blocks[0], before);                /* pending (masked): no block */
    list[0] = 70000;                            /* in the FIFO range */
    CHECK_EQ(do_sched_poll(t->v[0], &pa), 0);
    CHECK_EQ(blocks[0], before + 1);
    list[0] = 1u << 17;
    CHECK_EQ(do_sched_poll(t->v[0], &pa), -EINVAL);
    free(list);
    free(sp);
    shim_log_quiet = 1;
    evtchn_dump(&t->d);
    fifo_tdom_free(t);
}

static void dump_does_not_crash(void)
{
    struct tdom *t = tdom_new(1, 2, true);
    extern int shim_log_quiet;

    bind_virq(t, VIRQ_TIMER, 0);
    bind_ipi(t, 1);
    alloc_unbound(t, 0);
    ev_send(t, 2);
    shim_log_quiet = 1;
    evtchn_dump(&t->d);
    tdom_free(t);
    t = tdom_new(2, 1, false);
    evtchn_dump(&t->d);
    tdom_free(t);
}

UNIT_MAIN("evtchn")
{
    TEST_RUN(init_destroy_accounting);
    TEST_RUN(alloc_unbound_and_status);
    TEST_RUN(control_domain_remote);
    TEST_RUN(bind_virq_rules);
    TEST_RUN(virq_delivery_2l);
    TEST_RUN(high_port_selector);
    TEST_RUN(ipi_and_send_rules);
    TEST_RUN(unsupported_ops);
    TEST_RUN(port_exhaustion);
    TEST_RUN(compat_layout);
    TEST_RUN(before_shared_info);
    TEST_RUN(interdomain);
    TEST_RUN(interdomain_loopback);
    TEST_RUN(interdomain_dom0_self);
    TEST_RUN(xen_ports);
    TEST_RUN(sched_poll);
    TEST_RUN(delivery_race);
    TEST_RUN(dump_does_not_crash);
    TEST_RUN(fifo_init_rules);
    TEST_RUN(fifo_delivery);
    TEST_RUN(fifo_switch_and_held);
    TEST_RUN(fifo_many_ports);
    TEST_RUN(fifo_hostile);
    TEST_RUN(fifo_delivery_race);
    TEST_RUN(fifo_poll_and_dump);
}
