/*
 * evtchn-fifo: the FIFO event-channel ABI as a guest sees it.
 * Before the switch: an IPI left pending in the 2-level bits, and every
 * refusal (bad gfn, gfn past RAM, unaligned or overflowing offset, bad
 * vCPU; expand_array -EOPNOTSUPP and set_priority -ENOSYS before any
 * control block). Then init_control (once), event-array pages, and with
 * interrupts off: the carried-over IPI coming with the first page, masked
 * until unmasked; VIRQ_TIMER out of SCHEDOP_block; IPIs to itself linked
 * one behind the other (event words PENDING and LINKED, the queue head
 * and ready bit, the upcall flag); a masked pending port that
 * SCHEDOP_poll sees and the unmask hypercall delivers; set_priority's
 * errors and a higher queue served first; an interdomain loopback pair;
 * close clearing PENDING; the console ring; more than 4096 ports (about
 * 5000 unbound ones after five pages). Last, with interrupts on and
 * HVM_PARAM_CALLBACK_IRQ at vector 0xF3, the upcall walks the queues as
 * Linux does: an IPI, and VIRQ_TIMER out of HLT.
 * Expected: PASS.
 */
#include "guest.h"
#include "layout.h"
#include <public/hvm/hvm_op.h>
#include <public/hvm/params.h>
#include <public/io/console.h>

const char test_name[] = "evtchn-fifo";

#define UPCALL_VECTOR 0xf3
#define NR_PAGES      5             /* 5120 ports */
#define NR_SEEN       64
#define EACCES        13
#define ENOSPC        28
#define EOPNOTSUPP    95

#define W_PENDING (1u << EVTCHN_FIFO_PENDING)
#define W_MASKED  (1u << EVTCHN_FIFO_MASKED)
#define W_LINKED  (1u << EVTCHN_FIFO_LINKED)
#define W_BUSY    (1u << EVTCHN_FIFO_BUSY)
#define PRIO_DEF  EVTCHN_FIFO_PRIORITY_DEFAULT
#define CB_OFFSET 64u               /* not at the page's start, on purpose */

static uint8_t cb_page[4096] __attribute__((aligned(4096)));
static event_word_t array[NR_PAGES][1024] __attribute__((aligned(4096)));
static struct evtchn_fifo_control_block *cb;
static struct vcpu_info *vi;

/* What the consumer saw: per port (small ones), and in order. */
static volatile unsigned int seen[NR_SEEN];
static uint32_t seen_order[8];
static volatile unsigned int seen_total, upcalls;
static uint32_t local_head[EVTCHN_FIFO_MAX_QUEUES];

/* ---- small wrappers ---- */

static long evop(unsigned int cmd, void *arg)
{
    return HYPERVISOR_event_channel_op(cmd, arg);
}

static uint64_t gfn_of(const void *p)
{
    return (uint64_t)(uintptr_t)p >> XEN_PAGE_SHIFT;
}

static long init_control(uint64_t gfn, uint32_t offset, uint32_t vcpu, uint8_t *link_bits)
{
    struct evtchn_init_control ic;
    long rc;

    memset(&ic, 0, sizeof(ic));
    ic.control_gfn = gfn;
    ic.offset = offset;
    ic.vcpu = vcpu;
    rc = evop(EVTCHNOP_init_control, &ic);
    if (link_bits)
        *link_bits = ic.link_bits;
    return rc;
}

static long expand(void *page)
{
    struct evtchn_expand_array ea;

    memset(&ea, 0, sizeof(ea));
    ea.array_gfn = gfn_of(page);
    return evop(EVTCHNOP_expand_array, &ea);
}

static long set_priority(uint32_t port, uint32_t prio)
{
    struct evtchn_set_priority sp = { port, prio };
    return evop(EVTCHNOP_set_priority, &sp);
}

static uint32_t bind_ipi(void)
{
    struct evtchn_bind_ipi b;

    memset(&b, 0, sizeof(b));
    CHECK_RC(evop(EVTCHNOP_bind_ipi, &b), 0);
    ASSERT(b.port != 0);
    return b.port;
}

static uint32_t bind_virq(uint32_t virq)
{
    struct evtchn_bind_virq b;

    memset(&b, 0, sizeof(b));
    b.virq = virq;
    CHECK_RC(evop(EVTCHNOP_bind_virq, &b), 0);
    return b.port;
}

static long alloc_unbound(domid_t remote, uint32_t *port)
{
    struct evtchn_alloc_unbound a;
    long rc;

    memset(&a, 0, sizeof(a));
    a.dom = DOMID_SELF;
    a.remote_dom = remote;
    rc = evop(EVTCHNOP_alloc_unbound, &a);
    *port = a.port;
    return rc;
}

static long send(uint32_t port)
{
    struct evtchn_send s = { port };
    return evop(EVTCHNOP_send, &s);
}

static long ev_close(uint32_t port)
{
    struct evtchn_close c = { port };
    return evop(EVTCHNOP_close, &c);
}

static long unmask_hcall(uint32_t port)
{
    struct evtchn_unmask u = { port };
    return evop(EVTCHNOP_unmask, &u);
}

static long status(uint32_t port, struct evtchn_status *st)
{
    memset(st, 0, sizeof(*st));
    st->dom = DOMID_SELF;
    st->port = port;
    return evop(EVTCHNOP_status, st);
}

static long hvm_param(unsigned int op, uint32_t index, uint64_t *value)
{
    struct xen_hvm_param p;
    long rc;

    memset(&p, 0, sizeof(p));
    p.domid = DOMID_SELF;
    p.index = index;
    p.value = *value;
    rc = HYPERVISOR_hvm_op(op, &p);
    *value = p.value;
    return rc;
}

static uint64_t now_ns(void)
{
    return pvclock_read_ns(&shared_info->vcpu_info[0].time);
}

static void arm_timer(uint64_t ms)
{
    struct vcpu_set_singleshot_timer st;

    memset(&st, 0, sizeof(st));
    st.timeout_abs_ns = now_ns() + ms * 1000000ULL;
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &st), 0);
}

#define WAIT_FOR(cond, ms) ({ \
    uint64_t _end = now_ns() + (uint64_t)(ms) * 1000000ULL; \
    while (!(cond) && now_ns() < _end) \
        cpu_relax(); \
    (cond); \
})

/* ---- the guest's side of the FIFO ABI (as Linux does it) ---- */

static volatile event_word_t *word(uint32_t port)
{
    return &array[port / 1024][port % 1024];
}

static uint32_t w_of(uint32_t port)
{
    return __atomic_load_n(word(port), __ATOMIC_ACQUIRE);
}

static void mask(uint32_t port)
{
    __atomic_fetch_or(word(port), W_MASKED, __ATOMIC_SEQ_CST);
}

/* Clear MASKED unless the hypervisor is linking (BUSY) or it is pending:
 * then the unmask hypercall does it (and links a pending event). */
static void unmask(uint32_t port)
{
    volatile event_word_t *w = word(port);
    uint32_t old = *w;

    for (;;) {
        if (old & (W_BUSY | W_PENDING)) {
            CHECK_RC(unmask_hcall(port), 0);
            return;
        }
        if (__atomic_compare_exchange_n(w, &old, old & ~W_MASKED, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST))
            return;
    }
}

static uint32_t clear_linked(volatile event_word_t *w)
{
    uint32_t old = *w;

    while (!__atomic_compare_exchange_n(w, &old, old & ~(W_LINKED | EVTCHN_FIFO_LINK_MASK),
                                        false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        ;
    return old & EVTCHN_FIFO_LINK_MASK;
}

/* Walk the ready queues, highest priority first; every pending unmasked
 * event is acknowledged and counted. Returns how many. */
static unsigned int consume(void)
{
    uint32_t ready = __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    unsigned int n = 0, guard = 0;

    while (ready) {
        unsigned int q = (unsigned int)__builtin_ctz(ready);
        uint32_t port = local_head[q], next;
        volatile event_word_t *w;

        if (++guard > 100000)
            guest_fail("consume: queues never end");
        if (!port)
            port = __atomic_load_n(&cb->head[q], __ATOMIC_ACQUIRE);
        if (!port || port >= NR_PAGES * 1024)
            guest_fail("consume: queue %u head %u", q, port);
        w = word(port);
        next = clear_linked(w);
        if (!next)
            ready &= ~(1u << q);
        if ((*w & W_PENDING) && !(*w & W_MASKED)) {
            __atomic_fetch_and(w, ~W_PENDING, __ATOMIC_SEQ_CST);
            if (seen_total < 8)
                seen_order[seen_total] = port;
            seen_total++;
            if (port < NR_SEEN)
                seen[port]++;
            n++;
        }
        local_head[q] = next;
        ready |= __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    }
    return n;
}

static void consume_expect(unsigned int n, const char *what)
{
    unsigned int got;

    seen_total = 0;
    __atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
    got = consume();
    if (got != n)
        guest_fail("%s: consumed %u events, expected %u", what, got, n);
}

/* A raise of an unmasked port onto an empty queue: the whole trail. */
static void expect_head(uint32_t port, unsigned int prio, const char *what)
{
    uint32_t w = w_of(port);

    if ((w & (W_PENDING | W_LINKED | W_MASKED)) != (W_PENDING | W_LINKED))
        guest_fail("%s: port %u word %#x, not PENDING|LINKED", what, port, w);
    if (cb->head[prio] != port)
        guest_fail("%s: head[%u] is %u, not %u", what, prio, cb->head[prio], port);
    if (!(cb->ready & (1u << prio)))
        guest_fail("%s: ready %#x lacks queue %u", what, cb->ready, prio);
    if (!vi->evtchn_upcall_pending)
        guest_fail("%s: evtchn_upcall_pending not set", what);
}

/* ---- upcall vector ---- */

void upcall_entry(void);
void upcall_handler(void);

void upcall_handler(void)
{
    upcalls++;
    __atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
    consume();
}

#if defined(__x86_64__)
struct gate {
    uint16_t off_lo, sel;
    uint8_t ist, type;
    uint16_t off_mid;
    uint32_t off_hi, zero;
};
#else
struct gate {
    uint16_t off_lo, sel;
    uint8_t zero, type;
    uint16_t off_hi;
};
#endif
struct __attribute__((packed)) idtr {
    uint16_t limit;
    unsigned long base;
};
static struct gate idt[256] __attribute__((aligned(16)));

static void install_upcall_vector(void)
{
    struct idtr cur, next;
    unsigned long a = (unsigned long)upcall_entry;
    size_t n;

    __asm__ volatile ("sidt %0" : "=m" (cur));
    n = (size_t)cur.limit + 1 < sizeof(idt) ? (size_t)cur.limit + 1 : sizeof(idt);
    memcpy(idt, (const void *)cur.base, n);
    memset(&idt[UPCALL_VECTOR], 0, sizeof(idt[0]));
    idt[UPCALL_VECTOR].off_lo = (uint16_t)a;
    idt[UPCALL_VECTOR].sel = SEL_CODE;
    idt[UPCALL_VECTOR].type = 0x8e;
#if defined(__x86_64__)
    idt[UPCALL_VECTOR].off_mid = (uint16_t)(a >> 16);
    idt[UPCALL_VECTOR].off_hi = (uint32_t)((uint64_t)a >> 32);
#else
    idt[UPCALL_VECTOR].off_hi = (uint16_t)(a >> 16);
#endif
    next.limit = sizeof(idt) - 1;
    next.base = (unsigned long)idt;
    __asm__ volatile ("lidt %0" :: "m" (next) : "memory");
}

/* ---- the parts ---- */

static void refusals(void)
{
    uint8_t lb = 0;
    struct evtchn_init_control ic;

    /* XSA-188's sequence: a failed init leaves no FIFO state behind. */
    CHECK_RC(init_control((uint64_t)-2, 0, 0, NULL), -EINVAL);
    CHECK_RC(expand(array[0]), -EOPNOTSUPP);
    CHECK_RC(set_priority(1, 0), -ENOSYS);
    CHECK_RC(init_control(0x10000, 0, 0, NULL), -EINVAL);       /* 256 MiB: past our RAM */
    CHECK_RC(init_control(gfn_of(cb_page), 4, 0, NULL), -EINVAL);
    CHECK_RC(init_control(gfn_of(cb_page), 4096 - 64, 0, NULL), -EINVAL);
    CHECK_RC(init_control(gfn_of(cb_page), 0, 1, NULL), -ENOENT);
    CHECK_RC(init_control(gfn_of(cb_page), 0, 0xffffffffu, NULL), -ENOENT);
    memset(&ic, 0, sizeof(ic));
    CHECK_RC(evop(EVTCHNOP_expand_array, &ic), -EOPNOTSUPP);
    CHECK_RC(evop(EVTCHNOP_reset, &ic), -ENOSYS);
    printf("refusals: bad gfn, offset and vCPU; expand_array and set_priority before init\n");

    CHECK_RC(init_control(gfn_of(cb_page), CB_OFFSET, 0, &lb), 0);
    ASSERT(lb == EVTCHN_FIFO_LINK_BITS);
    CHECK_RC(init_control(gfn_of(cb_page), 0, 0, NULL), -EINVAL);   /* once per vCPU */
    cb = (struct evtchn_fifo_control_block *)(cb_page + CB_OFFSET);
    printf("init_control: vCPU 0's control block at offset %u, link_bits %u\n", CB_OFFSET,
           (unsigned int)lb);
}

static void timer_and_ipis(void)
{
    uint32_t p_timer, p, q;
    struct sched_poll poll;
    uint32_t list[1];

    p_timer = bind_virq(VIRQ_TIMER);
    seen[p_timer] = 0;              /* the early IPI's port, reused */
    unmask(p_timer);
    arm_timer(10);
    CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_block, 0), 0);
    if (!WAIT_FOR(w_of(p_timer) & W_PENDING, 1000))
        guest_fail("VIRQ_TIMER port %u not pending after the timer", p_timer);
    expect_head(p_timer, PRIO_DEF, "VIRQ_TIMER");
    consume_expect(1, "VIRQ_TIMER");
    ASSERT(seen[p_timer] == 1 && w_of(p_timer) == 0);
    printf("timer: VIRQ_TIMER port %u linked at the head of queue %u\n", p_timer, PRIO_DEF);

    p = bind_ipi();
    q = bind_ipi();
    unmask(p);
    unmask(q);
    CHECK_RC(send(p), 0);
    expect_head(p, PRIO_DEF, "IPI");
    CHECK_RC(send(q), 0);
    if (w_of(p) != (W_PENDING | W_LINKED | q))
        guest_fail("IPI: port %u word %#x does not link to %u", p, w_of(p), q);
    ASSERT(cb->head[PRIO_DEF] == p);
    consume_expect(2, "two IPIs");
    ASSERT(seen_order[0] == p && seen_order[1] == q);
    /* The queue went empty: the tail is a new head, not linked to itself. */
    CHECK_RC(send(q), 0);
    expect_head(q, PRIO_DEF, "IPI again");
    ASSERT(w_of(q) == (W_PENDING | W_LINKED));
    consume_expect(1, "IPI again");
    printf("ipi: ports %u then %u linked in order, then %u a new head\n", p, q, q);

    /* Masked: pending only; poll sees it; the unmask hypercall links it. */
    mask(p);
    CHECK_RC(send(p), 0);
    ASSERT(w_of(p) == (W_PENDING | W_MASKED) && cb->ready == 0);
    memset(&poll, 0, sizeof(poll));
    list[0] = p;
    set_xen_guest_handle(poll.ports, list);
    poll.nr_ports = 1;
    CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), 0);
    unmask(p);
    expect_head(p, PRIO_DEF, "unmask");
    consume_expect(1, "unmask");
    printf("masked: port %u stays pending, poll returns, unmask delivers\n", p);

    /* Priorities. */
    CHECK_RC(set_priority(0, 3), -EACCES);
    CHECK_RC(set_priority(p + 40, 3), -EACCES);                 /* not bound */
    CHECK_RC(set_priority(4000, 3), -EINVAL);                   /* no such port yet */
    CHECK_RC(set_priority(q, 16), -EINVAL);
    CHECK_RC(set_priority(q, 2), 0);
    CHECK_RC(send(p), 0);
    CHECK_RC(send(q), 0);
    ASSERT(cb->head[2] == q && cb->head[PRIO_DEF] == p);
    ASSERT(cb->ready == ((1u << 2) | (1u << PRIO_DEF)));
    consume_expect(2, "priorities");
    if (seen_order[0] != q || seen_order[1] != p)
        guest_fail("priorities: served %u then %u, not %u (prio 2) first", seen_order[0],
                   seen_order[1], q);
    CHECK_RC(set_priority(q, PRIO_DEF), 0);
    printf("priority: port %u at 2 served before port %u at 7\n", q, p);

    /* Close clears PENDING. */
    mask(p);
    CHECK_RC(send(p), 0);
    CHECK_RC(ev_close(p), 0);
    ASSERT(!(w_of(p) & W_PENDING));
    CHECK_RC(send(p), -EINVAL);
    CHECK_RC(ev_close(q), 0);
    printf("close: pending cleared\n");
}

static void interdomain(void)
{
    struct evtchn_bind_interdomain bi;
    struct evtchn_status st;
    uint32_t a, b;

    CHECK_RC(alloc_unbound(DOMID_SELF, &a), 0);
    memset(&bi, 0, sizeof(bi));
    bi.remote_dom = DOMID_SELF;
    bi.remote_port = a;
    CHECK_RC(evop(EVTCHNOP_bind_interdomain, &bi), 0);
    b = bi.local_port;
    unmask(a);
    unmask(b);                      /* raised once by the bind: linked now */
    expect_head(b, PRIO_DEF, "bind_interdomain");
    consume_expect(1, "bind_interdomain");
    CHECK_RC(send(b), 0);
    expect_head(a, PRIO_DEF, "interdomain b->a");
    consume_expect(1, "interdomain b->a");
    CHECK_RC(send(a), 0);
    expect_head(b, PRIO_DEF, "interdomain a->b");
    consume_expect(1, "interdomain a->b");
    CHECK_RC(ev_close(b), 0);
    CHECK_RC(status(a, &st), 0);
    ASSERT(st.status == EVTCHNSTAT_unbound);
    CHECK_RC(ev_close(a), 0);
    printf("interdomain: loopback pair %u <-> %u\n", a, b);
}

static void console_ring(void)
{
    uint64_t pfn = 0, port = 0;
    static const char msg[] = "ring: hello from the console ring, FIFO\n";

    CHECK_RC(hvm_param(HVMOP_get_param, HVM_PARAM_CONSOLE_PFN, &pfn), 0);
    CHECK_RC(hvm_param(HVMOP_get_param, HVM_PARAM_CONSOLE_EVTCHN, &port), 0);
    if (!pfn || !port)
        return;
    volatile struct xencons_interface *r =
        (volatile struct xencons_interface *)(uintptr_t)(pfn << XEN_PAGE_SHIFT);
    XENCONS_RING_IDX prod = r->out_prod;
    for (const char *s = msg; *s; s++)
        r->out[MASK_XENCONS_IDX(prod++, r->out)] = *s;
    __atomic_store_n(&r->out_prod, prod, __ATOMIC_RELEASE);
    CHECK_RC(send((uint32_t)port), 0);
    if (!WAIT_FOR(r->out_cons == prod, 1000))
        guest_fail("console ring: back end did not consume (cons %u prod %u)",
                   r->out_cons, prod);
}

/* More than the 2-level ABI's 4096 ports. */
static void many_ports(void)
{
    struct evtchn_status st;
    uint32_t first = 0, last = 0, port, hi;
    unsigned int n = 0;

    for (unsigned int i = 1; i < NR_PAGES; i++) {
        for (unsigned int j = 0; j < 1024; j++)
            array[i][j] = W_MASKED;
        CHECK_RC(expand(array[i]), 0);
    }
    while (last < 5000) {
        CHECK_RC(alloc_unbound(0, &port), 0);
        if (!first)
            first = port;
        last = port;
        n++;
    }
    hi = bind_ipi();
    ASSERT(hi > 4096 && hi < NR_PAGES * 1024);
    unmask(hi);
    CHECK_RC(send(hi), 0);
    expect_head(hi, PRIO_DEF, "port above 4096");
    consume_expect(1, "port above 4096");
    CHECK_RC(status(hi, &st), 0);
    ASSERT(st.status == EVTCHNSTAT_ipi);
    CHECK_RC(status(4500, &st), 0);
    ASSERT(st.status == EVTCHNSTAT_unbound);
    CHECK_RC(status(1u << 17, &st), -EINVAL);
    CHECK_RC(send(1u << 17), -EINVAL);
    CHECK_RC(ev_close(hi), 0);
    for (port = first; port <= last; port++)
        CHECK_RC(ev_close(port), 0);
    CHECK_RC(status(4500, &st), 0);
    ASSERT(st.status == EVTCHNSTAT_closed);
    printf("many: %u unbound ports %u..%u and IPI port %u on %u pages, all closed\n", n, first,
           last, hi, NR_PAGES);
}

static void upcalls_on(void)
{
    uint64_t v = ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT) |
                 UPCALL_VECTOR;
    uint32_t p = bind_ipi(), t;
    unsigned int before;

    install_upcall_vector();
    CHECK_RC(hvm_param(HVMOP_set_param, HVM_PARAM_CALLBACK_IRQ, &v), 0);
    unmask(p);
    seen_total = 0;
    __asm__ volatile ("sti" ::: "memory");
    before = upcalls;
    seen[p] = 0;                    /* a reused port */
    CHECK_RC(send(p), 0);
    if (!WAIT_FOR(seen[p] == 1, 1000))
        guest_fail("upcall: no vector 0xF3 for IPI port %u (%u upcalls)", p, upcalls);
    ASSERT(upcalls > before && !(w_of(p) & (W_PENDING | W_LINKED)));
    printf("upcall: IPI port %u delivered by vector 0x%x\n", p, UPCALL_VECTOR);

    /* The timer port (bound earlier) out of HLT. */
    for (t = 1; t < NR_SEEN; t++) {
        struct evtchn_status st;
        if (status(t, &st) == 0 && st.status == EVTCHNSTAT_virq && st.u.virq == VIRQ_TIMER)
            break;
    }
    ASSERT(t < NR_SEEN);
    before = seen[t];
    arm_timer(10);
    for (int i = 0; i < 100 && seen[t] == before; i++)
        __asm__ volatile ("sti; hlt" ::: "memory");
    if (seen[t] == before)
        guest_fail("upcall: VIRQ_TIMER port %u never delivered out of HLT", t);
    __asm__ volatile ("cli" ::: "memory");
    printf("upcall: VIRQ_TIMER port %u woke HLT\n", t);
}

void test_main(void)
{
    uint32_t p_early;
    long rc;

    if (!shared_info_map(&rc))
        guest_fail("add_to_physmap(shared_info) returned %ld", rc);
    vi = &shared_info->vcpu_info[0];

    /* 2-level first: an IPI left pending there. */
    p_early = bind_ipi();
    CHECK_RC(send(p_early), 0);
    ASSERT((shared_info->evtchn_pending[0] >> p_early) & 1);

    refusals();

    /* The IPI came along: pending in its word once the first page (all
     * masked, as Linux makes it) is there, linked by the unmask. */
    for (unsigned int j = 0; j < 1024; j++)
        array[0][j] = W_MASKED;
    CHECK_RC(expand(array[0]), 0);
    if (w_of(p_early) != (W_PENDING | W_MASKED))
        guest_fail("early IPI port %u: word %#x after the switch", p_early, w_of(p_early));
    ASSERT(cb->ready == 0);
    unmask(p_early);
    expect_head(p_early, PRIO_DEF, "early IPI");
    consume_expect(1, "early IPI");
    CHECK_RC(ev_close(p_early), 0);
    printf("switch: IPI port %u pending under 2-level came with the first page\n", p_early);

    timer_and_ipis();
    interdomain();
    console_ring();
    many_ports();
    upcalls_on();
}
