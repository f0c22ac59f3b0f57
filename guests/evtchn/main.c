/*
 * evtchn: 2-level event channels as a guest sees them.
 * With interrupts off, polls shared_info for the bits the hypervisor
 * sets: an IPI raised before shared_info is mapped (held, then
 * delivered), VIRQ_TIMER from a singleshot timer (woken by
 * SCHEDOP_block), SCHEDOP_poll on a pending port, on a timer port and
 * to a timeout, IPIs to itself with and without the mask (unmask by
 * hypercall), an unbound port (send is dropped), an interdomain
 * loopback pair, close, status, bad arguments, and the console ring when
 * the domain has one (HVM_PARAM_CONSOLE_PFN: prints "ring: hello").
 * With the `upcall` flag it also sets HVM_PARAM_CALLBACK_IRQ to vector
 * 0xF3 and checks the upcall arrives for an IPI, for VIRQ_TIMER out of
 * HLT, and only after an unmask for a masked port.
 * Expected: PASS.
 */
#include "guest.h"
#include "layout.h"
#include <public/hvm/hvm_op.h>
#include <public/hvm/params.h>
#include <public/io/console.h>

const char test_name[] = "evtchn";

#define UPCALL_VECTOR 0xf3
#define NR_SEEN 64
#ifndef EEXIST
#define EEXIST 17
#endif

static volatile unsigned int upcalls;
static volatile unsigned int seen[NR_SEEN];     /* per port, by the upcall */
static struct vcpu_info *vi;

/* ---- small wrappers ---- */

static long evop(unsigned int cmd, void *arg)
{
    return HYPERVISOR_event_channel_op(cmd, arg);
}

static uint32_t bind_virq(uint32_t virq, uint32_t vcpu, long want)
{
    struct evtchn_bind_virq b;

    memset(&b, 0, sizeof(b));
    b.virq = virq;
    b.vcpu = vcpu;
    CHECK_RC(evop(EVTCHNOP_bind_virq, &b), want);
    return b.port;
}

static uint32_t bind_ipi(void)
{
    struct evtchn_bind_ipi b;

    memset(&b, 0, sizeof(b));
    CHECK_RC(evop(EVTCHNOP_bind_ipi, &b), 0);
    ASSERT(b.port != 0);
    return b.port;
}

static uint32_t alloc_unbound(domid_t remote)
{
    struct evtchn_alloc_unbound a;

    memset(&a, 0, sizeof(a));
    a.dom = DOMID_SELF;
    a.remote_dom = remote;
    CHECK_RC(evop(EVTCHNOP_alloc_unbound, &a), 0);
    ASSERT(a.port != 0);
    return a.port;
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

static long unmask(uint32_t port)
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

/* ---- the 2-level bits, in this guest's own word size ---- */

#define WORD_BITS (sizeof(xen_ulong_t) * 8)

static bool pending(uint32_t p)
{
    return (__atomic_load_n(&shared_info->evtchn_pending[p / WORD_BITS], __ATOMIC_ACQUIRE) >>
            (p % WORD_BITS)) & 1;
}

static bool sel_bit(uint32_t p)
{
    return (__atomic_load_n(&vi->evtchn_pending_sel, __ATOMIC_ACQUIRE) >>
            (p / WORD_BITS)) & 1;
}

static void set_mask(uint32_t p, bool on)
{
    xen_ulong_t m = (xen_ulong_t)1 << (p % WORD_BITS);

    if (on)
        __atomic_fetch_or(&shared_info->evtchn_mask[p / WORD_BITS], m, __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_and(&shared_info->evtchn_mask[p / WORD_BITS], ~m, __ATOMIC_SEQ_CST);
}

/* What Linux's upcall does for one port: clear it and the summary bits. */
static void ack(uint32_t p)
{
    __atomic_fetch_and(&shared_info->evtchn_pending[p / WORD_BITS],
                       ~((xen_ulong_t)1 << (p % WORD_BITS)), __ATOMIC_SEQ_CST);
    __atomic_store_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
}

static uint64_t now_ns(void)
{
    return pvclock_read_ns(&shared_info->vcpu_info[0].time);
}

static void arm_timer(uint64_t ms)
{
    struct vcpu_set_singleshot_timer st;
    long rc;

    memset(&st, 0, sizeof(st));
    st.timeout_abs_ns = now_ns() + ms * 1000000ULL;
    rc = HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &st);
    if (rc == -ENOSYS)
        rc = HYPERVISOR_set_timer_op(st.timeout_abs_ns);
    CHECK_RC(rc, 0);
}

/* Spin (interrupts as they are) until cond or ms pass. */
#define WAIT_FOR(cond, ms) ({ \
    uint64_t _end = now_ns() + (uint64_t)(ms) * 1000000ULL; \
    while (!(cond) && now_ns() < _end) \
        cpu_relax(); \
    (cond); \
})

static void expect_delivered(uint32_t p, const char *what)
{
    if (!pending(p))
        guest_fail("%s: port %u not pending", what, p);
    if (!sel_bit(p))
        guest_fail("%s: selector bit %u not set (sel %#lx)", what,
                   (unsigned int)(p / WORD_BITS), (unsigned long)vi->evtchn_pending_sel);
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
    xen_ulong_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    while (sel) {
        unsigned int w = (unsigned int)__builtin_ctzl(sel);
        sel &= sel - 1;
        xen_ulong_t bits = shared_info->evtchn_pending[w] & ~shared_info->evtchn_mask[w];
        while (bits) {
            unsigned int b = (unsigned int)__builtin_ctzl(bits);
            uint32_t port = w * WORD_BITS + b;
            bits &= bits - 1;
            __atomic_fetch_and(&shared_info->evtchn_pending[w], ~((xen_ulong_t)1 << b),
                               __ATOMIC_SEQ_CST);
            if (port < NR_SEEN)
                seen[port]++;
        }
    }
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

/* A full IDT: the runtime's 32 exception gates plus the upcall vector. */
static void install_upcall_vector(void)
{
    struct idtr cur, next;
    unsigned long a = (unsigned long)upcall_entry;

    __asm__ volatile ("sidt %0" : "=m" (cur));
    memcpy(idt, (const void *)cur.base, (size_t)cur.limit + 1 < sizeof(idt) ? (size_t)cur.limit + 1 : sizeof(idt));
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

static void test_upcall(uint32_t p_timer, uint32_t p_ipi)
{
    uint64_t v = ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT) |
                 UPCALL_VECTOR;
    unsigned int before;

    install_upcall_vector();
    CHECK_RC(hvm_param(HVMOP_set_param, HVM_PARAM_CALLBACK_IRQ, &v), 0);
    __asm__ volatile ("sti" ::: "memory");

    /* IPI to ourselves: the vector arrives while we spin. */
    before = upcalls;
    CHECK_RC(send(p_ipi), 0);
    if (!WAIT_FOR(seen[p_ipi] == 1, 1000))
        guest_fail("upcall: no vector 0xF3 for IPI port %u (%u upcalls)", p_ipi, upcalls);
    ASSERT(upcalls > before);
    ASSERT(!pending(p_ipi));
    printf("upcall: IPI port %u delivered by vector 0x%x\n", p_ipi, UPCALL_VECTOR);

    /* VIRQ_TIMER out of HLT. */
    arm_timer(10);
    for (int i = 0; i < 100 && !seen[p_timer]; i++)
        __asm__ volatile ("sti; hlt" ::: "memory");
    if (!seen[p_timer])
        guest_fail("upcall: VIRQ_TIMER port %u never delivered out of HLT", p_timer);
    printf("upcall: VIRQ_TIMER port %u woke HLT\n", p_timer);

    /* Masked: no vector for it until the unmask hypercall. */
    set_mask(p_ipi, true);
    CHECK_RC(send(p_ipi), 0);
    WAIT_FOR(false, 20);
    ASSERT(seen[p_ipi] == 1);
    ASSERT(pending(p_ipi));
    CHECK_RC(unmask(p_ipi), 0);
    if (!WAIT_FOR(seen[p_ipi] == 2, 1000))
        guest_fail("upcall: unmask of pending port %u did not deliver", p_ipi);
    printf("upcall: masked port delivered after unmask\n");
    __asm__ volatile ("cli" ::: "memory");
}

/* ---- the polling tests ---- */

static void test_console_ring(void)
{
    uint64_t pfn = 0, port = 0;
    struct evtchn_status st;
    static const char msg[] = "ring: hello from the console ring\n";

    CHECK_RC(hvm_param(HVMOP_get_param, HVM_PARAM_CONSOLE_PFN, &pfn), 0);
    CHECK_RC(hvm_param(HVMOP_get_param, HVM_PARAM_CONSOLE_EVTCHN, &port), 0);
    if (!pfn || !port) {
        printf("console ring: none (pfn %#llx port %llu)\n", (unsigned long long)pfn,
               (unsigned long long)port);
        return;
    }
    CHECK_RC(status((uint32_t)port, &st), 0);
    ASSERT(st.status == EVTCHNSTAT_interdomain);

    volatile struct xencons_interface *r =
        (volatile struct xencons_interface *)(uintptr_t)(pfn << XEN_PAGE_SHIFT);
    XENCONS_RING_IDX prod = r->out_prod, cons = r->out_cons;
    ASSERT(prod - cons <= XENCONS_OUT_SIZE);
    for (const char *s = msg; *s; s++)
        r->out[MASK_XENCONS_IDX(prod++, r->out)] = *s;
    __atomic_store_n(&r->out_prod, prod, __ATOMIC_RELEASE);
    CHECK_RC(send((uint32_t)port), 0);
    if (!WAIT_FOR(r->out_cons == prod, 1000))
        guest_fail("console ring: back end did not consume (cons %u prod %u)",
                   r->out_cons, prod);
}

void test_main(void)
{
    struct evtchn_status st;
    struct evtchn_init_control ic;
    struct evtchn_bind_interdomain bi;
    struct sched_poll poll;
    uint32_t p_early, p_timer, p_ipi, p_u, p_a, p_b, list[2];
    unsigned long bad = sizeof(long) == 8 ? (unsigned long)0x10000000000ULL : 0xf0000000UL;
    uint64_t t0;
    long rc;

    /* An IPI raised before shared_info exists must not be lost. */
    p_early = bind_ipi();
    CHECK_RC(send(p_early), 0);
    if (!shared_info_map(&rc))
        guest_fail("add_to_physmap(shared_info) returned %ld", rc);
    vi = &shared_info->vcpu_info[0];
    if (!pending(p_early))
        guest_fail("IPI sent before shared_info was mapped is not pending");
    ack(p_early);
    CHECK_RC(ev_close(p_early), 0);
    printf("held: early IPI port %u delivered after the mapping\n", p_early);

    /* A failed FIFO init_control leaves the 2-level ABI in place (the
     * FIFO ABI itself: guests/evtchn-fifo). */
    memset(&ic, 0, sizeof(ic));
    ic.control_gfn = (uint64_t)-2;
    CHECK_RC(evop(EVTCHNOP_init_control, &ic), -EINVAL);
    CHECK_RC(evop(EVTCHNOP_expand_array, &ic), -95);        /* EOPNOTSUPP */
    CHECK_RC(evop(EVTCHNOP_reset, &ic), -ENOSYS);

    /* VIRQ_TIMER bound once; bad arguments refused. */
    p_timer = bind_virq(VIRQ_TIMER, 0, 0);
    bind_virq(VIRQ_TIMER, 0, -EEXIST);
    bind_virq(VIRQ_TIMER, 1, -ENOENT);
    bind_virq(99, 0, -EINVAL);
    CHECK_RC(status(p_timer, &st), 0);
    ASSERT(st.status == EVTCHNSTAT_virq && st.u.virq == VIRQ_TIMER && st.vcpu == 0);

    arm_timer(10);
    CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_block, 0), 0);
    if (!WAIT_FOR(pending(p_timer), 1000))
        guest_fail("VIRQ_TIMER port %u not pending after the timer", p_timer);
    expect_delivered(p_timer, "VIRQ_TIMER");
    ack(p_timer);
    printf("timer: VIRQ_TIMER port %u pending, selector and upcall flag set\n", p_timer);

    /* SCHEDOP_poll: until the timer's port is pending. */
    memset(&poll, 0, sizeof(poll));
    list[0] = p_timer;
    set_xen_guest_handle(poll.ports, list);
    poll.nr_ports = 1;
    arm_timer(20);
    CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), 0);
    if (!WAIT_FOR(pending(p_timer), 1000))
        guest_fail("poll returned but VIRQ_TIMER never came");
    ack(p_timer);
    /* ... and to a timeout with nothing pending. */
    t0 = now_ns();
    poll.timeout = t0 + 30 * 1000000ULL;
    CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), 0);
    if (now_ns() - t0 < 15 * 1000000ULL)
        guest_fail("poll with a 30 ms timeout returned after %llu us",
                   (unsigned long long)div64(now_ns() - t0, 1000, 0));
    ASSERT(!pending(p_timer));
    poll.timeout = 0;
    printf("poll: woke for the timer port and at the timeout\n");

    /* IPI to ourselves. */
    p_ipi = bind_ipi();
    CHECK_RC(status(p_ipi, &st), 0);
    ASSERT(st.status == EVTCHNSTAT_ipi && st.vcpu == 0);
    CHECK_RC(send(p_ipi), 0);
    expect_delivered(p_ipi, "IPI");
    ack(p_ipi);
    /* Masked: only the pending bit; unmask delivers. */
    set_mask(p_ipi, true);
    CHECK_RC(send(p_ipi), 0);
    ASSERT(pending(p_ipi) && !sel_bit(p_ipi) && !vi->evtchn_upcall_pending);
    /* Poll sees pending ports even when masked. */
    list[0] = p_ipi;
    CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), 0);
    CHECK_RC(unmask(p_ipi), 0);
    expect_delivered(p_ipi, "IPI after unmask");
    ASSERT(!(shared_info->evtchn_mask[p_ipi / WORD_BITS] & ((xen_ulong_t)1 << (p_ipi % WORD_BITS))));
    ack(p_ipi);
    printf("ipi: port %u raised; masked stays quiet until unmask\n", p_ipi);

    /* Unbound: nobody listens, the send is dropped. */
    p_u = alloc_unbound(0);
    CHECK_RC(status(p_u, &st), 0);
    ASSERT(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 0);
    CHECK_RC(send(p_u), 0);
    ASSERT(!pending(p_u));

    /* Interdomain loopback: two ports of this domain joined. */
    p_a = alloc_unbound(DOMID_SELF);
    memset(&bi, 0, sizeof(bi));
    bi.remote_dom = DOMID_SELF;
    bi.remote_port = p_a;
    CHECK_RC(evop(EVTCHNOP_bind_interdomain, &bi), 0);
    p_b = bi.local_port;
    ASSERT(p_b && p_b != p_a);
    ack(p_b);           /* raised once by the bind */
    CHECK_RC(send(p_b), 0);
    ASSERT(pending(p_a) && !pending(p_b));
    ack(p_a);
    CHECK_RC(send(p_a), 0);
    ASSERT(pending(p_b));
    ack(p_b);
    CHECK_RC(status(p_b, &st), 0);
    ASSERT(st.status == EVTCHNSTAT_interdomain && st.u.interdomain.port == p_a);
    CHECK_RC(ev_close(p_b), 0);
    CHECK_RC(status(p_a, &st), 0);
    ASSERT(st.status == EVTCHNSTAT_unbound);
    printf("interdomain: loopback pair %u <-> %u, close unbinds the peer\n", p_a, p_b);

    /* Bad arguments. */
    CHECK_RC(send(0), -EINVAL);
    CHECK_RC(send(5000), -EINVAL);
    CHECK_RC(send(p_timer), -EINVAL);
    CHECK_RC(ev_close(0), -EINVAL);
    CHECK_RC(status(5000, &st), -EINVAL);
    CHECK_RC(evop(EVTCHNOP_send, (void *)bad), -EFAULT);
    CHECK_RC(evop(EVTCHNOP_bind_ipi, (void *)bad), -EFAULT);
    CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_poll, (void *)bad), -EFAULT);
    poll.nr_ports = 1000;
    CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), -EINVAL);
    poll.nr_ports = 1;
    {
        struct evtchn_bind_vcpu bv = { p_timer, 0 };
        CHECK_RC(evop(EVTCHNOP_bind_vcpu, &bv), -EINVAL);  /* per-vCPU VIRQ */
        bv.port = p_u;
        bv.vcpu = 7;
        CHECK_RC(evop(EVTCHNOP_bind_vcpu, &bv), -ENOENT);
        bv.vcpu = 0;
        CHECK_RC(evop(EVTCHNOP_bind_vcpu, &bv), 0);
    }
    CHECK_RC(ev_close(p_u), 0);
    CHECK_RC(ev_close(p_u), -EINVAL);
    CHECK_RC(status(p_u, &st), 0);
    ASSERT(st.status == EVTCHNSTAT_closed);
    printf("errors: bad ports, pointers and vCPUs refused\n");

    test_console_ring();

    if (cmdline_has("upcall"))
        test_upcall(p_timer, p_ipi);
}
