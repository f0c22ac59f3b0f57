/*
 * Event channels, 2-level and FIFO ABIs (docs/design/events.md).
 *
 * A domain starts with the 2-level ABI: up to 4096 ports (1024 for a guest
 * using the 32-bit shared_info layout). A port is free, unbound (waiting
 * for a remote domain), interdomain (joined to a port of another or the
 * same domain), a VIRQ, an IPI, or a Xen port (its far end is the
 * hypervisor itself). Raising a port sets its bit in
 * shared_info.evtchn_pending; if the port is unmasked, the notify vCPU's
 * selector bit and upcall flag follow and the vCPU is kicked.
 *
 * EVTCHNOP_init_control switches the domain to the FIFO ABI for good (no
 * EVTCHNOP_reset here): up to 2^17 ports, one event word each in guest
 * pages the guest adds, and per-vCPU queues of 16 priorities. Raising a
 * port sets PENDING in its word and, if unmasked and not yet queued,
 * links it behind the queue's tail (kept here) or makes it the head.
 *
 * The guest writes the same words concurrently, so every change to them
 * is an atomic read-modify-write, and nothing read back from guest memory
 * is trusted: no link is ever followed, every retry loop is bounded.
 *
 * Port records live in pages of 128, allocated on first use and charged
 * to the domain; the per-domain header and per-vCPU state share one block
 * allocated at domain creation, the FIFO state another at the switch.
 * Delivery never allocates.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <asm/guest_access.h>
#include <oryx/hypercall.h>
#include <oryx/event_channel.h>
#include <oryx/page_alloc.h>
#include <oryx/pvclock.h>
#include <oryx/spinlock.h>
#include <oryx/timer.h>
#include <asm/cpu.h>
#include <asm/page.h>
#include <asm/time.h>
#include <public/xen.h>
#include <public/event_channel.h>
#include <public/sched.h>

enum evtchn_state {
    ECS_FREE = 0,
    ECS_UNBOUND,        /* remote_dom may bind to it */
    ECS_INTERDOMAIN,    /* peer, u = peer's port */
    ECS_VIRQ,           /* u = virq */
    ECS_IPI,
    ECS_XEN,            /* xen_slot = handler */
};

struct evtchn_port {
    uint8_t state;              /* ECS_*; changes under the owner's lock */
    uint8_t xen_slot;           /* ECS_XEN: index into evtchn_domain.xen */
    domid_t remote_dom;         /* UNBOUND: who may bind; INTERDOMAIN: peer id */
    uint32_t notify_vcpu;       /* < nr_vcpus; senders read it without the lock */
    uint32_t u;                 /* VIRQ: virq; INTERDOMAIN: the peer's port */
    /* FIFO. The queue of future raises (set_priority, under the lock). */
    uint8_t priority;
    /* The queue the port was last linked on, kept across close: it may
     * still be that queue's tail. Under evtchn_fifo.lock. */
    uint8_t last_prio;
    uint16_t last_vcpu;
    struct domain *peer;        /* INTERDOMAIN; see interdomain_lock */
    /* FIFO: raised while its event word did not exist yet (no array page
     * covers it); raised again when the page comes. Atomic. */
    uint8_t fifo_held;
    uint8_t _pad[7];
};
_Static_assert(sizeof(struct evtchn_port) == 32, "port record size");

#define PORTS_PER_BUCKET 128u
/* Buckets of the 2-level range sit in the header; the rest of the FIFO
 * range goes through group pages of bucket pointers, made on first use. */
#define NR_BUCKETS        (EVTCHN_PORTS_64 / PORTS_PER_BUCKET)
#define BUCKETS_PER_GROUP (PAGE_SIZE / sizeof(struct evtchn_port *))
#define NR_GROUPS         ((EVTCHN_FIFO_NR_CHANNELS / PORTS_PER_BUCKET - NR_BUCKETS + \
                            BUCKETS_PER_GROUP - 1) / BUCKETS_PER_GROUP)
_Static_assert(PORTS_PER_BUCKET * sizeof(struct evtchn_port) <= PAGE_SIZE, "bucket fits a page");
_Static_assert(NR_GROUPS == 2, "two group pages cover 2^17 ports");

/* FIFO event array: one u32 word per port, 1024 to a guest page. */
#define FIFO_WORDS_PER_PAGE (PAGE_SIZE / sizeof(event_word_t))
#define FIFO_MAX_PAGES      (EVTCHN_FIFO_NR_CHANNELS / FIFO_WORDS_PER_PAGE)
#define FIFO_PENDING        (1u << EVTCHN_FIFO_PENDING)
#define FIFO_MASKED         (1u << EVTCHN_FIFO_MASKED)
#define FIFO_LINKED         (1u << EVTCHN_FIFO_LINKED)
#define FIFO_BUSY           (1u << EVTCHN_FIFO_BUSY)
_Static_assert(FIFO_WORDS_PER_PAGE == 1024, "event words per page");

struct fifo_vcpu {
    /* The guest's control block, set once by init_control. */
    struct evtchn_fifo_control_block *cb;
    uint64_t cb_gfn;
    /* Last port linked on each queue, 0 = none. Only ever compared with
     * ports and used to find a word: a guest cannot make it unsafe. */
    uint32_t tail[EVTCHN_FIFO_MAX_QUEUES];
};

struct evtchn_fifo {
    spinlock_t lock;            /* tails, linking, ports' last queue */
    unsigned int order;         /* page block of this struct */
    /* Ports the event array covers; grows by a page, under the owner's
     * ev->lock, after the page's pointer is in place. */
    uint32_t nr_words;
    event_word_t *array[FIFO_MAX_PAGES];
    uint64_t array_gfn[FIFO_MAX_PAGES];
    struct fifo_vcpu vcpu[];
};

struct evtchn_vcpu {
    uint32_t virq_port[NR_VIRQS];   /* ports of VIRQs bound to this vCPU, 0 none */
    volatile bool polling;          /* blocked in SCHEDOP_poll */
    volatile uint32_t poll_port;    /* the one port polled; 0 = any event */
    struct timer poll_timer;        /* the poll's timeout, on v->processor */
    struct vcpu *v;                 /* set by the first poll */
};

struct evtchn_domain {
    spinlock_t lock;            /* port records, buckets, virq_port, xen[] */
    struct domain *d;
    bool dying;                 /* teardown started: no new interdomain links */
    volatile bool held_any;     /* held[] may have bits */
    unsigned int order;         /* page block of this struct */
    unsigned int nr_vcpus;
    uint32_t free_hint;         /* ports 1..free_hint-1 are all in use */
    /* Set once (under lock) by the first init_control: FIFO from then on. */
    struct evtchn_fifo *fifo;
    struct evtchn_port *bucket[NR_BUCKETS];     /* written once, under lock */
    struct evtchn_port **group[NR_GROUPS];      /* likewise, and their slots */
    struct {
        evtchn_xen_fn fn;
        void *data;
    } xen[EVTCHN_XEN_SLOTS];
    /* Raised before the guest mapped shared_info; atomic bit operations. */
    uint64_t held[EVTCHN_PORTS_64 / 64];
    struct evtchn_vcpu vcpu[];
};

/*
 * Guards every peer link: bind_interdomain, closing an interdomain port and
 * a domain's teardown take it first. While it is held (or while the owner's
 * lock is held and the port is INTERDOMAIN), the peer's struct domain and
 * evtchn_domain cannot be freed: the peer's teardown must take both of
 * these to unlink. Order: interdomain_lock, domlist_lock, the two domains'
 * ev->lock by ascending domain id.
 */
static spinlock_t interdomain_lock = SPINLOCK_INIT;

/* Where the 2-level bits live in the two shared_info layouts. The 32-bit
 * layout has 32 u32 pending words, so its mask array starts earlier, and
 * its vcpu_info selector is a u32 at offset 4. */
#define SI_PENDING_OFF      2048u
#define SI_MASK_OFF_64      2560u
#define SI_MASK_OFF_32      2176u
#define VI_SEL_OFF_64       8u
#define VI_SEL_OFF_32       4u
_Static_assert(offsetof(struct shared_info, evtchn_pending) == SI_PENDING_OFF, "pending");
_Static_assert(offsetof(struct shared_info, evtchn_mask) == SI_MASK_OFF_64, "mask");
_Static_assert(offsetof(struct vcpu_info, evtchn_pending_sel) == VI_SEL_OFF_64, "sel");
_Static_assert(offsetof(struct compat_shared_info, evtchn_mask) == SI_MASK_OFF_32, "mask32");

/* ---- atomic bit operations on guest-shared words (native word size) ---- */

static bool bit_test(const void *base, unsigned int bit, bool compat)
{
    if (compat)
        return (__atomic_load_n((const uint32_t *)base + bit / 32, __ATOMIC_ACQUIRE)
                >> (bit % 32)) & 1;
    return (__atomic_load_n((const uint64_t *)base + bit / 64, __ATOMIC_ACQUIRE)
            >> (bit % 64)) & 1;
}

static bool bit_test_and_set(void *base, unsigned int bit, bool compat)
{
    if (compat) {
        uint32_t m = 1u << (bit % 32);
        return __atomic_fetch_or((uint32_t *)base + bit / 32, m, __ATOMIC_SEQ_CST) & m;
    }
    uint64_t m = 1ull << (bit % 64);
    return __atomic_fetch_or((uint64_t *)base + bit / 64, m, __ATOMIC_SEQ_CST) & m;
}

static bool bit_test_and_clear(void *base, unsigned int bit, bool compat)
{
    if (compat) {
        uint32_t m = 1u << (bit % 32);
        return __atomic_fetch_and((uint32_t *)base + bit / 32, ~m, __ATOMIC_SEQ_CST) & m;
    }
    uint64_t m = 1ull << (bit % 64);
    return __atomic_fetch_and((uint64_t *)base + bit / 64, ~m, __ATOMIC_SEQ_CST) & m;
}

/* ---- ports ---- */

static unsigned int order_for(size_t bytes)
{
    unsigned int order = 0;

    while (((size_t)PAGE_SIZE << order) < bytes)
        order++;
    return order;
}

static struct evtchn_fifo *fifo_of(const struct evtchn_domain *ev)
{
    return __atomic_load_n(&ev->fifo, __ATOMIC_ACQUIRE);
}

/* The domain's shared_info layout (pvclock_latch_layout sets it). */
static inline bool ev_compat(const struct evtchn_domain *ev)
{
    return ev->d->shinfo_compat;
}

static unsigned int port_limit(const struct evtchn_domain *ev)
{
    if (fifo_of(ev))
        return EVTCHN_FIFO_NR_CHANNELS;
    return ev_compat(ev) ? EVTCHN_PORTS_32 : EVTCHN_PORTS_64;
}

/* Where the bucket pointer of `port` lives, or NULL while its group page
 * does not exist (or port is out of every range). */
static struct evtchn_port **bucket_slot(struct evtchn_domain *ev, uint32_t port)
{
    uint32_t b = port / PORTS_PER_BUCKET;
    struct evtchn_port **grp;

    if (b < NR_BUCKETS)
        return &ev->bucket[b];
    if (port >= EVTCHN_FIFO_NR_CHANNELS)
        return NULL;
    b -= NR_BUCKETS;
    grp = __atomic_load_n(&ev->group[b / BUCKETS_PER_GROUP], __ATOMIC_ACQUIRE);
    return grp ? &grp[b % BUCKETS_PER_GROUP] : NULL;
}

/* The record of an allocated bucket's port, or NULL (no lock needed:
 * buckets are only ever added, and freed with the domain). */
static struct evtchn_port *port_rec(struct evtchn_domain *ev, uint32_t port)
{
    struct evtchn_port **slot = bucket_slot(ev, port);
    struct evtchn_port *b = slot ? __atomic_load_n(slot, __ATOMIC_ACQUIRE) : NULL;

    return b ? &b[port % PORTS_PER_BUCKET] : NULL;
}

/* Make port's bucket (and group page). Caller holds lock. 0 or -ENOMEM. */
static int bucket_make(struct evtchn_domain *ev, uint32_t port)
{
    struct evtchn_port **slot = bucket_slot(ev, port);
    paddr_t pg;

    if (!slot) {
        uint32_t g = (port / PORTS_PER_BUCKET - NR_BUCKETS) / BUCKETS_PER_GROUP;

        pg = page_alloc_zeroed(0, &ev->d->acct);
        if (!pg)
            return -ENOMEM;
        __atomic_store_n(&ev->group[g], (struct evtchn_port **)__va(pg), __ATOMIC_RELEASE);
        slot = bucket_slot(ev, port);
    }
    if (!*slot) {
        pg = page_alloc_zeroed(0, &ev->d->acct);
        if (!pg)
            return -ENOMEM;
        __atomic_store_n(slot, (struct evtchn_port *)__va(pg), __ATOMIC_RELEASE);
    }
    return 0;
}

/* A guest-named port that is in range for its layout and allocated. */
static struct evtchn_port *port_lookup(struct evtchn_domain *ev, uint32_t port)
{
    if (port == 0 || port >= port_limit(ev))
        return NULL;
    return port_rec(ev, port);
}

/* Lowest free port: 0 and *out, or -ENOSPC / -ENOMEM. Caller holds lock.
 * The port starts at the default FIFO priority (in either ABI). */
static int port_alloc(struct evtchn_domain *ev, uint32_t *out)
{
    unsigned int limit = port_limit(ev);

    for (uint32_t p = ev->free_hint > 1 ? ev->free_hint : 1; p < limit; p++) {
        struct evtchn_port *rec = port_rec(ev, p);

        if (!rec) {
            if (bucket_make(ev, p))
                return -ENOMEM;
            rec = port_rec(ev, p);
        }
        if (rec->state == ECS_FREE) {
            __atomic_store_n(&rec->priority, EVTCHN_FIFO_PRIORITY_DEFAULT, __ATOMIC_RELAXED);
            ev->free_hint = p + 1;
            *out = p;
            return 0;
        }
    }
    /* All of 1..limit-1 in use: the next look starts past them (a close
     * lowers the hint), not over the whole table again under the locks. */
    ev->free_hint = limit;
    return -ENOSPC;
}

static bool vcpu_valid(const struct domain *d, uint32_t id)
{
    return id < d->nr_vcpus && id < d->evtchn->nr_vcpus && d->vcpus[id];
}

/* Per-vCPU VIRQs; the rest are global (bound on vCPU 0 only). */
static bool virq_is_percpu(uint32_t virq)
{
    return virq == VIRQ_TIMER || virq == VIRQ_DEBUG || virq == VIRQ_XENOPROF ||
           virq == VIRQ_XENPMU;
}

static bool virq_valid(uint32_t virq)
{
    return virq < NR_VIRQS && virq != 5 && virq != 14 && virq != 15;
}

/* ---- 2-level delivery ---- */

static void wake_pollers(struct evtchn_domain *ev, uint32_t port)
{
    for (unsigned int i = 0; i < ev->nr_vcpus; i++) {
        struct evtchn_vcpu *pv = &ev->vcpu[i];
        uint32_t want;

        if (!pv->polling)
            continue;
        want = pv->poll_port;
        if (want && want != port)
            continue;
        if (__atomic_exchange_n(&pv->polling, false, __ATOMIC_ACQ_REL)) {
            stop_timer(&pv->poll_timer);
            vcpu_wake(ev->d->vcpus[i]);
        }
    }
}

/* vCPU n's vcpu_info, or NULL when it has none yet. */
static struct vcpu_info *vinfo(struct domain *d, uint32_t n, struct vcpu **vp)
{
    struct vcpu *v;

    if (n >= d->nr_vcpus)
        n = 0;
    v = d->vcpus[n];
    *vp = v;
    return v ? vcpu_info_of(v) : NULL;
}

/* The upcall flag, and a kick when it goes 0 -> 1. */
static void upcall_set(struct vcpu *v, struct vcpu_info *vi)
{
    if (!__atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST))
        vcpu_kick_upcall(v);
}

/* Selector bit for word `word` of vCPU n, then the upcall flag. A vCPU
 * without a vcpu_info yet gets a full rescan when it registers one
 * (VCPUOP_register_vcpu_info sets every selector). */
static void mark_upcall(struct domain *d, uint32_t n, unsigned int word, bool compat)
{
    struct vcpu *v;
    struct vcpu_info *vi = vinfo(d, n, &v);

    if (!vi)
        return;
    if (bit_test_and_set((uint8_t *)vi + (compat ? VI_SEL_OFF_32 : VI_SEL_OFF_64), word, compat))
        return;
    upcall_set(v, vi);
}

static void raise_bit(struct domain *d, uint8_t *si, uint32_t port, uint32_t notify)
{
    struct evtchn_domain *ev = d->evtchn;
    bool compat = ev_compat(ev);

    if (bit_test_and_set(si + SI_PENDING_OFF, port, compat))
        return;     /* already pending: the guest has yet to see it */
    if (!bit_test(si + (compat ? SI_MASK_OFF_32 : SI_MASK_OFF_64), port, compat))
        mark_upcall(d, notify, port / (compat ? 32 : 64), compat);
    wake_pollers(ev, port);
}

/* Deliver what was raised before shared_info existed. (After the switch
 * to FIFO the held bits were carried over and are ignored.) */
static void flush_held(struct domain *d)
{
    struct evtchn_domain *ev = d->evtchn;
    uint8_t *si = (uint8_t *)domain_shared_info(d);

    if (!si || fifo_of(ev) || !__atomic_exchange_n(&ev->held_any, false, __ATOMIC_ACQ_REL))
        return;
    for (unsigned int w = 0; w < ARRAY_SIZE(ev->held); w++) {
        uint64_t bits = __atomic_exchange_n(&ev->held[w], 0, __ATOMIC_ACQ_REL);

        while (bits) {
            uint32_t port = w * 64 + (uint32_t)__builtin_ctzll(bits);
            struct evtchn_port *rec = port_rec(ev, port);

            bits &= bits - 1;
            if (rec && __atomic_load_n(&rec->state, __ATOMIC_ACQUIRE) != ECS_FREE)
                raise_bit(d, si, port,
                          __atomic_load_n(&rec->notify_vcpu, __ATOMIC_RELAXED));
        }
    }
}

/* ---- FIFO delivery ---- */

/* Port's event word, or NULL when no array page covers it yet. Pages are
 * only added (nr_words published after the pointer), never removed while
 * the domain lives, so no lock is needed. */
static event_word_t *fifo_word(struct evtchn_fifo *ff, uint32_t port)
{
    uint32_t n = __atomic_load_n(&ff->nr_words, __ATOMIC_ACQUIRE);

    if (port >= n)
        return NULL;
    return &ff->array[port / FIFO_WORDS_PER_PAGE][port % FIFO_WORDS_PER_PAGE];
}

/*
 * Make the LINKED word w point at `link`, clearing BUSY. The guest may
 * meanwhile clear LINKED (it consumed the event: the queue went empty),
 * flip MASKED or clear PENDING; BUSY asks it not to unmask while we try,
 * so a well-behaved guest makes the exchange fail only a few times. False
 * if w is not linked, or if the guest keeps changing it (then the caller
 * starts a new head: the guest only loses its own event order).
 */
#define SET_LINK_TRIES 8
static bool fifo_set_link(event_word_t *w, uint32_t link)
{
    uint32_t old = __atomic_load_n(w, __ATOMIC_ACQUIRE);
    bool busy = false;

    for (unsigned int i = 0; i < SET_LINK_TRIES && (old & FIFO_LINKED); i++) {
        uint32_t new = (old & ~(FIFO_BUSY | EVTCHN_FIFO_LINK_MASK)) | link;

        if (__atomic_compare_exchange_n(w, &old, new, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_ACQUIRE))
            return true;
        if (!busy) {
            busy = true;
            old = __atomic_or_fetch(w, FIFO_BUSY, __ATOMIC_SEQ_CST);
        }
    }
    if (busy)
        __atomic_fetch_and(w, ~FIFO_BUSY, __ATOMIC_SEQ_CST);
    return false;
}

/*
 * FIFO raise of `port` towards vCPU `notify`, at the port's priority:
 * PENDING; then, if the word is unmasked, not yet linked and the vCPU has
 * a control block, link it behind the queue's tail, or make it the head
 * and set the queue's ready bit and the upcall flag when the queue was
 * empty. Same callers' rules as deliver().
 */
static void fifo_raise(struct domain *d, struct evtchn_fifo *ff, uint32_t port, uint32_t notify)
{
    struct evtchn_domain *ev = d->evtchn;
    struct evtchn_port *rec = port_rec(ev, port);
    event_word_t *w = fifo_word(ff, port);
    struct evtchn_fifo_control_block *cb;
    struct fifo_vcpu *fv;
    bool fresh, linked = true;
    uint32_t prio;

    if (!rec)
        return;
    if (!w) {
        /* No word yet: expand_array raises it when its page comes. */
        if (!__atomic_exchange_n(&rec->fifo_held, 1, __ATOMIC_SEQ_CST))
            wake_pollers(ev, port);
        /* Unless the page came meanwhile and its scan missed us (pairs
         * with the fence in op_expand_array()): then raise it now. */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        w = fifo_word(ff, port);
        if (!w || !__atomic_exchange_n(&rec->fifo_held, 0, __ATOMIC_SEQ_CST))
            return;
    }
    if (notify >= ev->nr_vcpus)
        notify = 0;
    fv = &ff->vcpu[notify];
    prio = __atomic_load_n(&rec->priority, __ATOMIC_RELAXED);
    if (prio > EVTCHN_FIFO_PRIORITY_MIN)
        prio = EVTCHN_FIFO_PRIORITY_DEFAULT;

    spin_lock(&ff->lock);
    fresh = !(__atomic_fetch_or(w, FIFO_PENDING, __ATOMIC_SEQ_CST) & FIFO_PENDING);
    /* Without a control block the event stays pending only: the guest
     * must not unmask before it registered one (its unmask relinks). */
    cb = __atomic_load_n(&fv->cb, __ATOMIC_ACQUIRE);
    if (cb && !(__atomic_load_n(w, __ATOMIC_ACQUIRE) & FIFO_MASKED) &&
        !(__atomic_fetch_or(w, FIFO_LINKED, __ATOMIC_SEQ_CST) & FIFO_LINKED)) {
        /* Was it the tail of the queue it was last on? Then that queue is
         * empty now (the guest unlinked it): forget the tail, or a later
         * link from it would join two queues, or the port to itself. */
        struct fifo_vcpu *ov = &ff->vcpu[rec->last_vcpu < ev->nr_vcpus ? rec->last_vcpu : 0];
        uint32_t op = rec->last_prio < EVTCHN_FIFO_MAX_QUEUES ? rec->last_prio : 0;

        if (ov->tail[op] == port)
            ov->tail[op] = 0;
        rec->last_vcpu = (uint16_t)notify;
        rec->last_prio = (uint8_t)prio;
        linked = false;
        if (fv->tail[prio]) {
            event_word_t *tw = fifo_word(ff, fv->tail[prio]);
            linked = tw && fifo_set_link(tw, port);
        }
        if (!linked)
            __atomic_store_n(&cb->head[prio], port, __ATOMIC_RELEASE);
        fv->tail[prio] = port;
    }
    spin_unlock(&ff->lock);

    if (!linked && !(__atomic_fetch_or(&cb->ready, 1u << prio, __ATOMIC_SEQ_CST) & (1u << prio))) {
        struct vcpu *v;
        struct vcpu_info *vi = vinfo(d, notify, &v);

        if (vi)
            upcall_set(v, vi);
    }
    if (fresh)
        wake_pollers(ev, port);
}

/*
 * Raise `port` of d towards vCPU `notify`. The caller keeps d's event
 * state alive: it holds d's lock, or the lock of a domain with an
 * interdomain port to d.
 */
static void deliver(struct domain *d, uint32_t port, uint32_t notify)
{
    struct evtchn_domain *ev = d->evtchn;
    struct evtchn_fifo *ff = fifo_of(ev);
    uint8_t *si = (uint8_t *)domain_shared_info(d);

    if (ff) {
        fifo_raise(d, ff, port, notify);
        return;
    }
    if (!si) {
        __atomic_fetch_or(&ev->held[port / 64], 1ull << (port % 64), __ATOMIC_SEQ_CST);
        __atomic_store_n(&ev->held_any, true, __ATOMIC_SEQ_CST);
        wake_pollers(ev, port);
        flush_held(d);      /* shared_info may have appeared meanwhile */
    } else {
        if (ev->held_any)
            flush_held(d);
        raise_bit(d, si, port, notify);
    }
    /* A peer raising us holds only its own lock: d may have switched to
     * FIFO meanwhile, after the switch collected the 2-level bits. Raise
     * it again there (a spurious event at worst). Pairs with the fence in
     * fifo_switch(). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    ff = fifo_of(ev);
    if (ff)
        fifo_raise(d, ff, port, notify);
}

static void clear_pending(struct evtchn_domain *ev, uint32_t port)
{
    uint8_t *si = (uint8_t *)domain_shared_info(ev->d);
    struct evtchn_fifo *ff = fifo_of(ev);

    if (ff) {
        /* The guest unlinks and skips a linked event that is not pending. */
        struct evtchn_port *rec = port_rec(ev, port);
        event_word_t *w = fifo_word(ff, port);

        if (rec)
            __atomic_store_n(&rec->fifo_held, 0, __ATOMIC_SEQ_CST);
        if (w)
            __atomic_fetch_and(w, ~FIFO_PENDING, __ATOMIC_SEQ_CST);
        return;
    }
    __atomic_fetch_and(&ev->held[port / 64], ~(1ull << (port % 64)), __ATOMIC_SEQ_CST);
    if (si)
        bit_test_and_clear(si + SI_PENDING_OFF, port, ev_compat(ev));
}

bool evtchn_port_pending(struct domain *d, uint32_t port)
{
    struct evtchn_domain *ev = d->evtchn;
    uint8_t *si = (uint8_t *)domain_shared_info(d);
    struct evtchn_fifo *ff;

    if (!ev || port == 0 || port >= port_limit(ev))
        return false;
    ff = fifo_of(ev);
    if (ff) {
        struct evtchn_port *rec = port_rec(ev, port);
        event_word_t *w = fifo_word(ff, port);

        if (rec && __atomic_load_n(&rec->fifo_held, __ATOMIC_ACQUIRE))
            return true;
        return w && (__atomic_load_n(w, __ATOMIC_ACQUIRE) & FIFO_PENDING);
    }
    if (__atomic_load_n(&ev->held[port / 64], __ATOMIC_ACQUIRE) & (1ull << (port % 64)))
        return true;
    return si && bit_test(si + SI_PENDING_OFF, port, ev_compat(ev));
}

void evtchn_shared_info_ready(struct domain *d)
{
    if (d->evtchn)
        flush_held(d);
}

/* ---- two-domain locking ---- */

static void lock_pair(struct domain *a, struct domain *b)
{
    if (a == b) {
        spin_lock(&a->evtchn->lock);
        return;
    }
    if (a->id > b->id) {
        struct domain *t = a;
        a = b;
        b = t;
    }
    spin_lock(&a->evtchn->lock);
    spin_lock(&b->evtchn->lock);
}

static void unlock_pair(struct domain *a, struct domain *b)
{
    spin_unlock(&a->evtchn->lock);
    if (a != b)
        spin_unlock(&b->evtchn->lock);
}

/* d's listed domain `id`, NULL if none. Caller holds interdomain_lock:
 * the result stays valid until it drops it (its teardown needs it). */
static struct domain *listed_domain(domid_t id)
{
    struct domain *d;

    spin_lock(&domlist_lock);
    for (d = domain_list; d && d->id != id; d = d->next)
        ;
    spin_unlock(&domlist_lock);
    return d;
}

/* Both ends locked (lock_pair), interdomain_lock held: undo the link of
 * d's port; the peer's end goes back to waiting for d. */
static void unlink_interdomain(struct domain *d, struct evtchn_port *rec)
{
    struct domain *rd = rec->peer;
    struct evtchn_port *rrec = port_rec(rd->evtchn, rec->u);

    if (rrec && rrec->state == ECS_INTERDOMAIN && rrec->peer == d) {
        rrec->peer = NULL;
        rrec->u = 0;
        rrec->remote_dom = d->id;
        __atomic_store_n(&rrec->state, ECS_UNBOUND, __ATOMIC_RELEASE);
    }
}

/* Caller holds ev->lock (and for INTERDOMAIN both locks and
 * interdomain_lock). */
static void port_close_locked(struct evtchn_domain *ev, uint32_t port, struct evtchn_port *rec)
{
    switch (rec->state) {
    case ECS_VIRQ: {
        /* Global VIRQs sit in vCPU 0's table wherever they notify. */
        uint32_t t = virq_is_percpu(rec->u) ? rec->notify_vcpu : 0;
        if (t < ev->nr_vcpus && rec->u < NR_VIRQS && ev->vcpu[t].virq_port[rec->u] == port)
            ev->vcpu[t].virq_port[rec->u] = 0;
        break;
    }
    case ECS_INTERDOMAIN:
        unlink_interdomain(ev->d, rec);
        break;
    case ECS_XEN:
        if (rec->xen_slot < EVTCHN_XEN_SLOTS)
            ev->xen[rec->xen_slot].fn = NULL;
        break;
    case ECS_UNBOUND:
    case ECS_IPI:
    case ECS_FREE:
        break;
    default:
        break;      /* no other state is ever stored */
    }
    clear_pending(ev, port);
    __atomic_store_n(&rec->state, ECS_FREE, __ATOMIC_RELEASE);
    if (port < ev->free_hint)
        ev->free_hint = port;
    rec->xen_slot = 0;
    rec->remote_dom = 0;
    __atomic_store_n(&rec->notify_vcpu, 0, __ATOMIC_RELAXED);
    rec->u = 0;
    rec->peer = NULL;
}

/* ---- sub-ops ---- */

/* A result struct must be writable before we commit: then the final
 * copy-out cannot fail in any way the guest did not cause concurrently. */
static int probe_out(struct vcpu *v, gvaddr_t arg, const void *buf, size_t len)
{
    return copy_to_guest(v, arg, buf, len);
}

static long op_alloc_unbound(struct vcpu *v, gvaddr_t arg)
{
    struct domain *d = v->domain;
    struct evtchn_domain *ev = d->evtchn;
    struct evtchn_alloc_unbound a;
    domid_t remote;
    uint32_t port;
    int rc;

    bool foreign;

    if (copy_from_guest(v, &a, arg, sizeof(a)))
        return -EFAULT;
    foreign = a.dom != DOMID_SELF && a.dom != d->id;
    if (foreign && !is_control_domain(d))
        return -EPERM;      /* only the control domain acts for another */
    remote = a.remote_dom == DOMID_SELF ? d->id : a.remote_dom;
    if (remote >= DOMID_FIRST_RESERVED)
        return -EINVAL;
    if (probe_out(v, arg, &a, sizeof(a)))
        return -EFAULT;

    /* For another domain (the toolstack's xenstore and console set-up):
     * interdomain_lock keeps it from being torn down meanwhile. */
    if (foreign) {
        spin_lock(&interdomain_lock);
        d = listed_domain(a.dom);
        if (!d || !d->evtchn || d->evtchn->dying) {
            spin_unlock(&interdomain_lock);
            return -ESRCH;
        }
        ev = d->evtchn;
    }
    spin_lock(&ev->lock);
    rc = port_alloc(ev, &port);
    if (!rc) {
        struct evtchn_port *rec = port_rec(ev, port);
        rec->remote_dom = remote;
        rec->notify_vcpu = 0;
        __atomic_store_n(&rec->state, ECS_UNBOUND, __ATOMIC_RELEASE);
    }
    spin_unlock(&ev->lock);
    if (foreign)
        spin_unlock(&interdomain_lock);
    if (rc)
        return rc;
    a.port = port;
    return copy_to_guest(v, arg, &a, sizeof(a)) ? -EFAULT : 0;
}

static long op_bind_interdomain(struct vcpu *v, gvaddr_t arg)
{
    struct domain *d = v->domain, *rd;
    struct evtchn_domain *ev = d->evtchn;
    struct evtchn_bind_interdomain b;
    struct evtchn_port *rrec;
    uint32_t lport = 0;
    domid_t rid;
    long rc;

    if (copy_from_guest(v, &b, arg, sizeof(b)))
        return -EFAULT;
    if (probe_out(v, arg, &b, sizeof(b)))
        return -EFAULT;
    rid = b.remote_dom == DOMID_SELF ? d->id : b.remote_dom;

    spin_lock(&interdomain_lock);
    rd = rid == d->id ? d : listed_domain(rid);
    if (!rd || !rd->evtchn || rd->evtchn->dying) {
        rc = -ESRCH;
        goto out_idl;
    }
    lock_pair(d, rd);
    rrec = port_lookup(rd->evtchn, b.remote_port);
    if (!rrec || rrec->state != ECS_UNBOUND || rrec->remote_dom != d->id) {
        rc = -EINVAL;
        goto out_locked;
    }
    rc = port_alloc(ev, &lport);
    if (rc)
        goto out_locked;

    /* Commit: nothing below can fail. */
    struct evtchn_port *lrec = port_rec(ev, lport);
    lrec->peer = rd;
    lrec->u = b.remote_port;
    lrec->remote_dom = rd->id;
    lrec->notify_vcpu = 0;
    __atomic_store_n(&lrec->state, ECS_INTERDOMAIN, __ATOMIC_RELEASE);
    rrec->peer = d;
    rrec->u = lport;
    rrec->remote_dom = d->id;
    __atomic_store_n(&rrec->state, ECS_INTERDOMAIN, __ATOMIC_RELEASE);
    /* The remote end may have sent before we bound: raise ours once. */
    deliver(d, lport, 0);
    rc = 0;
out_locked:
    unlock_pair(d, rd);
out_idl:
    spin_unlock(&interdomain_lock);
    if (rc)
        return rc;
    b.local_port = lport;
    return copy_to_guest(v, arg, &b, sizeof(b)) ? -EFAULT : 0;
}

static long op_bind_virq(struct vcpu *v, gvaddr_t arg)
{
    struct domain *d = v->domain;
    struct evtchn_domain *ev = d->evtchn;
    struct evtchn_bind_virq b;
    uint32_t port;
    long rc;

    if (copy_from_guest(v, &b, arg, sizeof(b)))
        return -EFAULT;
    if (!virq_valid(b.virq))
        return -EINVAL;
    if (!vcpu_valid(d, b.vcpu))
        return -ENOENT;
    if (!virq_is_percpu(b.virq) && b.vcpu != 0)
        return -EINVAL;
    if (probe_out(v, arg, &b, sizeof(b)))
        return -EFAULT;

    spin_lock(&ev->lock);
    if (ev->vcpu[b.vcpu].virq_port[b.virq]) {
        rc = -EEXIST;
        goto out;
    }
    rc = port_alloc(ev, &port);
    if (rc)
        goto out;
    struct evtchn_port *rec = port_rec(ev, port);
    rec->u = b.virq;
    rec->notify_vcpu = b.vcpu;
    __atomic_store_n(&rec->state, ECS_VIRQ, __ATOMIC_RELEASE);
    ev->vcpu[b.vcpu].virq_port[b.virq] = port;
out:
    spin_unlock(&ev->lock);
    if (rc)
        return rc;
    b.port = port;
    return copy_to_guest(v, arg, &b, sizeof(b)) ? -EFAULT : 0;
}

static long op_bind_ipi(struct vcpu *v, gvaddr_t arg)
{
    struct domain *d = v->domain;
    struct evtchn_domain *ev = d->evtchn;
    struct evtchn_bind_ipi b;
    uint32_t port;
    long rc;

    if (copy_from_guest(v, &b, arg, sizeof(b)))
        return -EFAULT;
    if (!vcpu_valid(d, b.vcpu))
        return -ENOENT;
    if (probe_out(v, arg, &b, sizeof(b)))
        return -EFAULT;

    spin_lock(&ev->lock);
    rc = port_alloc(ev, &port);
    if (!rc) {
        struct evtchn_port *rec = port_rec(ev, port);
        rec->notify_vcpu = b.vcpu;
        __atomic_store_n(&rec->state, ECS_IPI, __ATOMIC_RELEASE);
    }
    spin_unlock(&ev->lock);
    if (rc)
        return rc;
    b.port = port;
    return copy_to_guest(v, arg, &b, sizeof(b)) ? -EFAULT : 0;
}

static long evtchn_close(struct domain *d, uint32_t port)
{
    struct evtchn_domain *ev = d->evtchn;
    struct evtchn_port *rec;
    struct domain *rd = d;
    long rc = 0;

    /* Global first: an interdomain port's peer cannot go away under us. */
    spin_lock(&interdomain_lock);
    spin_lock(&ev->lock);
    rec = port_lookup(ev, port);
    if (!rec || rec->state == ECS_FREE) {
        spin_unlock(&ev->lock);
        rc = -EINVAL;
        goto out;
    }
    if (rec->state == ECS_INTERDOMAIN && rec->peer != d) {
        /* Relock both in id order; the link cannot change meanwhile
         * (every change to it holds interdomain_lock). */
        rd = rec->peer;
        spin_unlock(&ev->lock);
        lock_pair(d, rd);
    }
    port_close_locked(ev, port, rec);
    unlock_pair(d, rd);
out:
    spin_unlock(&interdomain_lock);
    return rc;
}

static long op_close(struct vcpu *v, gvaddr_t arg)
{
    struct evtchn_close c;

    if (copy_from_guest(v, &c, arg, sizeof(c)))
        return -EFAULT;
    return evtchn_close(v->domain, c.port);
}

static long op_send(struct vcpu *v, gvaddr_t arg)
{
    struct domain *d = v->domain;
    struct evtchn_domain *ev = d->evtchn;
    struct evtchn_send s;
    struct evtchn_port *rec;
    evtchn_xen_fn fn = NULL;
    void *data = NULL;
    long rc = 0;

    if (copy_from_guest(v, &s, arg, sizeof(s)))
        return -EFAULT;

    spin_lock(&ev->lock);
    rec = port_lookup(ev, s.port);
    switch (rec ? rec->state : ECS_FREE) {
    case ECS_INTERDOMAIN: {
        struct domain *rd = rec->peer;
        struct evtchn_port *rrec = port_rec(rd->evtchn, rec->u);
        if (rrec)
            deliver(rd, rec->u, __atomic_load_n(&rrec->notify_vcpu, __ATOMIC_RELAXED));
        break;
    }
    case ECS_IPI:
        deliver(d, s.port, rec->notify_vcpu);
        break;
    case ECS_UNBOUND:
        break;      /* nobody listens yet: dropped, as in Xen */
    case ECS_XEN:
        if (rec->xen_slot < EVTCHN_XEN_SLOTS) {
            fn = ev->xen[rec->xen_slot].fn;
            data = ev->xen[rec->xen_slot].data;
        }
        break;
    case ECS_VIRQ:
    case ECS_FREE:
    default:
        rc = -EINVAL;
        break;
    }
    spin_unlock(&ev->lock);
    if (fn)
        fn(d, s.port, data);
    return rc;
}

static long op_status(struct vcpu *v, gvaddr_t arg)
{
    struct domain *d = v->domain;
    struct evtchn_domain *ev = d->evtchn;
    struct evtchn_status st;
    struct evtchn_port *rec;

    if (copy_from_guest(v, &st, arg, sizeof(st)))
        return -EFAULT;
    if (st.dom != DOMID_SELF && st.dom != d->id)
        return -EPERM;
    if (st.port >= port_limit(ev))
        return -EINVAL;

    memset(&st.u, 0, sizeof(st.u));
    st.status = EVTCHNSTAT_closed;
    st.vcpu = 0;
    spin_lock(&ev->lock);
    rec = st.port ? port_rec(ev, st.port) : NULL;
    if (rec && rec->state != ECS_FREE) {
        st.vcpu = rec->notify_vcpu;
        switch (rec->state) {
        case ECS_UNBOUND:
            st.status = EVTCHNSTAT_unbound;
            st.u.unbound.dom = rec->remote_dom;
            break;
        case ECS_INTERDOMAIN:
            st.status = EVTCHNSTAT_interdomain;
            st.u.interdomain.dom = rec->remote_dom;
            st.u.interdomain.port = rec->u;
            break;
        case ECS_VIRQ:
            st.status = EVTCHNSTAT_virq;
            st.u.virq = rec->u;
            break;
        case ECS_IPI:
            st.status = EVTCHNSTAT_ipi;
            break;
        case ECS_XEN:
            /* The far end is the hypervisor; the guest sees a backend. */
            st.status = EVTCHNSTAT_interdomain;
            st.u.interdomain.dom = DOMID_XEN;
            st.u.interdomain.port = st.port;
            break;
        default:
            break;
        }
    }
    spin_unlock(&ev->lock);
    return copy_to_guest(v, arg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long op_bind_vcpu(struct vcpu *v, gvaddr_t arg)
{
    struct domain *d = v->domain;
    struct evtchn_domain *ev = d->evtchn;
    struct evtchn_bind_vcpu b;
    struct evtchn_port *rec;
    long rc = 0;

    if (copy_from_guest(v, &b, arg, sizeof(b)))
        return -EFAULT;
    if (!vcpu_valid(d, b.vcpu))
        return -ENOENT;

    spin_lock(&ev->lock);
    rec = port_lookup(ev, b.port);
    switch (rec ? rec->state : ECS_FREE) {
    case ECS_VIRQ:
        if (virq_is_percpu(rec->u)) {
            rc = -EINVAL;   /* stays on its vCPU */
            break;
        }
        /* A global VIRQ stays in vCPU 0's table; only the target moves. */
        __atomic_store_n(&rec->notify_vcpu, b.vcpu, __ATOMIC_RELAXED);
        break;
    case ECS_UNBOUND:
    case ECS_INTERDOMAIN:
    case ECS_XEN:
        __atomic_store_n(&rec->notify_vcpu, b.vcpu, __ATOMIC_RELAXED);
        break;
    case ECS_IPI:
    case ECS_FREE:
    default:
        rc = -EINVAL;
        break;
    }
    spin_unlock(&ev->lock);
    return rc;
}

static long op_unmask(struct vcpu *v, gvaddr_t arg)
{
    struct domain *d = v->domain;
    struct evtchn_domain *ev = d->evtchn;
    struct evtchn_unmask u;
    struct evtchn_port *rec;
    struct evtchn_fifo *ff;
    uint8_t *si;
    bool compat;

    if (copy_from_guest(v, &u, arg, sizeof(u)))
        return -EFAULT;
    spin_lock(&ev->lock);
    rec = port_lookup(ev, u.port);
    if (!rec) {
        spin_unlock(&ev->lock);
        return -EINVAL;
    }
    ff = fifo_of(ev);
    if (ff) {
        /* Clear MASKED; a pending event gets linked now (no word: it
         * is held, and raised when its page comes). */
        event_word_t *w = fifo_word(ff, u.port);

        if (w && (__atomic_and_fetch(w, ~FIFO_MASKED, __ATOMIC_SEQ_CST) & FIFO_PENDING))
            fifo_raise(d, ff, u.port, rec->notify_vcpu);
        spin_unlock(&ev->lock);
        return 0;
    }
    si = (uint8_t *)domain_shared_info(d);
    compat = ev_compat(ev);
    if (si && bit_test_and_clear(si + (compat ? SI_MASK_OFF_32 : SI_MASK_OFF_64), u.port, compat) &&
        bit_test(si + SI_PENDING_OFF, u.port, compat))
        mark_upcall(d, rec->notify_vcpu, u.port / (compat ? 32 : 64), compat);
    spin_unlock(&ev->lock);
    return 0;
}

/* ---- FIFO set-up ---- */

/*
 * The first init_control: publish the FIFO state, then carry every bound
 * port's 2-level pending state over (as Xen: it is raised again when an
 * array page covers the port). Caller holds ev->lock; a peer raising a
 * port concurrently through the 2-level path re-raises it (deliver()).
 */
static void fifo_switch(struct evtchn_domain *ev, struct evtchn_fifo *ff)
{
    uint8_t *si = (uint8_t *)domain_shared_info(ev->d);
    uint32_t limit = ev_compat(ev) ? EVTCHN_PORTS_32 : EVTCHN_PORTS_64;

    __atomic_store_n(&ev->fifo, ff, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    __atomic_store_n(&ev->held_any, false, __ATOMIC_SEQ_CST);
    for (uint32_t port = 1; port < limit; port++) {
        struct evtchn_port *rec = port_rec(ev, port);
        bool pend;

        if (!rec) {
            port = (port / PORTS_PER_BUCKET + 1) * PORTS_PER_BUCKET - 1;
            continue;
        }
        pend = __atomic_fetch_and(&ev->held[port / 64], ~(1ull << (port % 64)),
                                  __ATOMIC_SEQ_CST) & (1ull << (port % 64));
        if (si && bit_test(si + SI_PENDING_OFF, port, ev_compat(ev)))
            pend = true;
        if (pend && rec->state != ECS_FREE)
            __atomic_store_n(&rec->fifo_held, 1, __ATOMIC_SEQ_CST);
    }
}

static long op_init_control(struct vcpu *v, gvaddr_t arg)
{
    struct domain *d = v->domain;
    struct evtchn_domain *ev = d->evtchn;
    struct evtchn_init_control ic;
    struct evtchn_fifo *ff;
    paddr_t hpa;
    long rc = 0;

    if (copy_from_guest(v, &ic, arg, sizeof(ic)))
        return -EFAULT;
    ic.link_bits = EVTCHN_FIFO_LINK_BITS;
    if (!vcpu_valid(d, ic.vcpu))
        return -ENOENT;
    /* Inside its page and 8-byte aligned (as Xen). */
    if (ic.offset > PAGE_SIZE - sizeof(struct evtchn_fifo_control_block) || (ic.offset & 7))
        return -EINVAL;
    if (probe_out(v, arg, &ic, sizeof(ic)))
        return -EFAULT;

    spin_lock(&ev->lock);
    ff = ev->fifo;
    if (ff && ff->vcpu[ic.vcpu].cb) {
        rc = -EINVAL;       /* once per vCPU */
        goto out;
    }
    /* Referenced until the domain is freed: the page cannot leave it. */
    if (domain_ram_get_writable(d, ic.control_gfn, &hpa)) {
        rc = -EINVAL;
        goto out;
    }
    if (!ff) {
        unsigned int order = order_for(sizeof(*ff) + (size_t)ev->nr_vcpus * sizeof(ff->vcpu[0]));
        paddr_t pg = page_alloc_zeroed(order, &d->acct);

        if (!pg) {
            domain_ram_put(d, ic.control_gfn);
            rc = -ENOMEM;
            goto out;
        }
        ff = __va(pg);
        spin_lock_init(&ff->lock);
        ff->order = order;
        ff->vcpu[ic.vcpu].cb_gfn = ic.control_gfn;
        ff->vcpu[ic.vcpu].cb = (void *)((uint8_t *)__va(hpa) + ic.offset);
        fifo_switch(ev, ff);
    } else {
        ff->vcpu[ic.vcpu].cb_gfn = ic.control_gfn;
        __atomic_store_n(&ff->vcpu[ic.vcpu].cb,
                         (struct evtchn_fifo_control_block *)((uint8_t *)__va(hpa) + ic.offset),
                         __ATOMIC_RELEASE);
    }
out:
    spin_unlock(&ev->lock);
    if (rc)
        return rc;
    return copy_to_guest(v, arg, &ic, sizeof(ic)) ? -EFAULT : 0;
}

static long op_expand_array(struct vcpu *v, gvaddr_t arg)
{
    struct domain *d = v->domain;
    struct evtchn_domain *ev = d->evtchn;
    struct evtchn_expand_array ea;
    struct evtchn_fifo *ff;
    uint32_t slot, first;
    paddr_t hpa;
    long rc = 0;

    if (copy_from_guest(v, &ea, arg, sizeof(ea)))
        return -EFAULT;
    spin_lock(&ev->lock);
    ff = ev->fifo;
    if (!ff) {
        rc = -EOPNOTSUPP;   /* no init_control yet (as Xen) */
        goto out;
    }
    first = ff->nr_words;
    slot = first / FIFO_WORDS_PER_PAGE;
    if (slot >= FIFO_MAX_PAGES) {
        rc = -ENOSPC;
        goto out;
    }
    if (domain_ram_get_writable(d, ea.array_gfn, &hpa)) {
        rc = -EINVAL;
        goto out;
    }
    ff->array[slot] = __va(hpa);
    ff->array_gfn[slot] = ea.array_gfn;
    __atomic_store_n(&ff->nr_words, first + FIFO_WORDS_PER_PAGE, __ATOMIC_RELEASE);
    /* Raise what was held for want of these words (pairs with the fence
     * in fifo_raise()). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (uint32_t port = first; port < first + FIFO_WORDS_PER_PAGE; port++) {
        struct evtchn_port *rec = port_rec(ev, port);

        if (!rec) {
            port = (port / PORTS_PER_BUCKET + 1) * PORTS_PER_BUCKET - 1;
            continue;
        }
        if (rec->state != ECS_FREE && __atomic_exchange_n(&rec->fifo_held, 0, __ATOMIC_SEQ_CST))
            fifo_raise(d, ff, port, __atomic_load_n(&rec->notify_vcpu, __ATOMIC_RELAXED));
    }
out:
    spin_unlock(&ev->lock);
    return rc;
}

static long op_set_priority(struct vcpu *v, gvaddr_t arg)
{
    struct evtchn_domain *ev = v->domain->evtchn;
    struct evtchn_set_priority sp;
    struct evtchn_port *rec;
    long rc = 0;

    if (copy_from_guest(v, &sp, arg, sizeof(sp)))
        return -EFAULT;
    if (!fifo_of(ev))
        return -ENOSYS;     /* the 2-level ABI has no priorities */
    spin_lock(&ev->lock);
    rec = port_rec(ev, sp.port);
    /* Xen's order: a port with no record, then one not in use (port 0
     * included), then the priority. Raises already queued keep theirs. */
    if (!rec)
        rc = -EINVAL;
    else if (sp.port == 0 || rec->state == ECS_FREE)
        rc = -EACCES;
    else if (sp.priority > EVTCHN_FIFO_PRIORITY_MIN)
        rc = -EINVAL;
    else
        __atomic_store_n(&rec->priority, (uint8_t)sp.priority, __ATOMIC_RELAXED);
    spin_unlock(&ev->lock);
    return rc;
}

long do_event_channel_op(struct vcpu *v, const struct hcall_args *args)
{
    struct evtchn_domain *ev = v->domain->evtchn;
    gvaddr_t arg = args->a[1];

    if (!ev)
        return -ENOSYS;
    /* The shared_info layout follows the mode the guest calls us from. */
    pvclock_latch_layout(v->domain, !args->is64);
    switch (args->a[0]) {
    case EVTCHNOP_bind_interdomain:
        return op_bind_interdomain(v, arg);
    case EVTCHNOP_bind_virq:
        return op_bind_virq(v, arg);
    case EVTCHNOP_close:
        return op_close(v, arg);
    case EVTCHNOP_send:
        return op_send(v, arg);
    case EVTCHNOP_status:
        return op_status(v, arg);
    case EVTCHNOP_alloc_unbound:
        return op_alloc_unbound(v, arg);
    case EVTCHNOP_bind_ipi:
        return op_bind_ipi(v, arg);
    case EVTCHNOP_bind_vcpu:
        return op_bind_vcpu(v, arg);
    case EVTCHNOP_unmask:
        return op_unmask(v, arg);
    case EVTCHNOP_init_control:
        return op_init_control(v, arg);
    case EVTCHNOP_expand_array:
        return op_expand_array(v, arg);
    case EVTCHNOP_set_priority:
        return op_set_priority(v, arg);
    case EVTCHNOP_bind_pirq:        /* no physical IRQs for guests */
    case EVTCHNOP_reset:            /* (FIFO is then for the domain's life) */
    case EVTCHNOP_reset_cont:
    default:
        return -ENOSYS;
    }
}

/* ---- SCHEDOP_poll ---- */

#define POLL_MAX_PORTS 128u     /* as Xen */

static void poll_timeout(void *data)
{
    struct evtchn_vcpu *pv = data;

    if (__atomic_exchange_n(&pv->polling, false, __ATOMIC_ACQ_REL))
        vcpu_wake(pv->v);
}

long do_sched_poll(struct vcpu *v, const struct hcall_args *args)
{
    struct domain *d = v->domain;
    struct evtchn_domain *ev = d->evtchn;
    struct evtchn_vcpu *pv;
    struct vcpu_info *vi;
    uint32_t ports[POLL_MAX_PORTS];
    gvaddr_t list;
    uint32_t nr;
    uint64_t timeout;

    if (!ev || v->id >= ev->nr_vcpus)
        return -ENOSYS;
    pvclock_latch_layout(v->domain, !args->is64);
    if (args->is64) {
        struct sched_poll p;
        if (copy_from_guest(v, &p, args->a[1], sizeof(p)))
            return -EFAULT;
        list = xen_guest_handle_addr(p.ports);
        nr = p.nr_ports;
        timeout = p.timeout;
    } else {
        struct compat_sched_poll p;
        if (copy_from_guest(v, &p, args->a[1], sizeof(p)))
            return -EFAULT;
        list = p.ports;
        nr = p.nr_ports;
        timeout = ((uint64_t)p.timeout_hi << 32) | p.timeout_lo;
    }
    if (nr > POLL_MAX_PORTS)
        return -EINVAL;
    if (nr && copy_from_guest(v, ports, list, nr * sizeof(ports[0])))
        return -EFAULT;
    for (uint32_t i = 0; i < nr; i++)
        if (ports[i] >= port_limit(ev))
            return -EINVAL;

    pv = &ev->vcpu[v->id];
    stop_timer(&pv->poll_timer);
    /* The timer runs on this vCPU's CPU, where its callback cannot be
     * running while the vCPU is in this call: re-arming it is safe. */
    pv->v = v;
    timer_init(&pv->poll_timer, poll_timeout, pv, v->processor);
    /* A wake-up from before this call (a kick while the vCPU ran) must
     * not end the poll at once; only what arrives from now on counts. */
    __atomic_store_n(&v->wake_pending, false, __ATOMIC_SEQ_CST);
    /* Announce first, then look: a port raised in between wakes us. */
    __atomic_store_n(&pv->poll_port, nr == 1 ? ports[0] : 0, __ATOMIC_RELAXED);
    __atomic_store_n(&pv->polling, true, __ATOMIC_SEQ_CST);
    /* As Xen: an upcall the vCPU can take right now ends the poll too. */
    vi = vcpu_info_of(v);
    if (vi && __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE) &&
        (v->arch.regs.rflags & X86_EFLAGS_IF)) {
        __atomic_store_n(&pv->polling, false, __ATOMIC_RELEASE);
        return 0;
    }
    for (uint32_t i = 0; i < nr; i++) {
        if (evtchn_port_pending(d, ports[i])) {
            __atomic_store_n(&pv->polling, false, __ATOMIC_RELEASE);
            return 0;
        }
    }
    if (timeout) {
        if (timeout <= NOW()) {
            __atomic_store_n(&pv->polling, false, __ATOMIC_RELEASE);
            return 0;
        }
        set_timer(&pv->poll_timer, timeout);
    }
    vcpu_block_polling(v);  /* returns at once; the vCPU sleeps after the call */
    return 0;
}

/* ---- hypervisor-side ports and VIRQs ---- */

int evtchn_alloc_xen_port(struct domain *d, unsigned int notify_vcpu, evtchn_xen_fn fn,
                          void *data, uint32_t *port)
{
    struct evtchn_domain *ev = d->evtchn;
    unsigned int slot;
    int rc;

    if (!ev || !fn || !vcpu_valid(d, notify_vcpu))
        return -EINVAL;
    spin_lock(&ev->lock);
    for (slot = 0; slot < EVTCHN_XEN_SLOTS && ev->xen[slot].fn; slot++)
        ;
    if (slot == EVTCHN_XEN_SLOTS) {
        rc = -ENOSPC;
        goto out;
    }
    rc = port_alloc(ev, port);
    if (rc)
        goto out;
    ev->xen[slot].fn = fn;
    ev->xen[slot].data = data;
    struct evtchn_port *rec = port_rec(ev, *port);
    rec->xen_slot = (uint8_t)slot;
    rec->remote_dom = DOMID_XEN;
    rec->notify_vcpu = notify_vcpu;
    __atomic_store_n(&rec->state, ECS_XEN, __ATOMIC_RELEASE);
out:
    spin_unlock(&ev->lock);
    return rc;
}

void evtchn_notify_xen_port(struct domain *d, uint32_t port)
{
    struct evtchn_domain *ev = d->evtchn;
    struct evtchn_port *rec;

    if (!ev)
        return;
    spin_lock(&ev->lock);
    rec = port_rec(ev, port);
    if (port && rec && rec->state == ECS_XEN)
        deliver(d, port, rec->notify_vcpu);
    spin_unlock(&ev->lock);
}

static void send_virq_on(struct domain *d, unsigned int vcpu, unsigned int virq)
{
    struct evtchn_domain *ev = d->evtchn;

    if (!ev || virq >= NR_VIRQS || vcpu >= ev->nr_vcpus)
        return;
    spin_lock(&ev->lock);
    uint32_t port = ev->vcpu[vcpu].virq_port[virq];
    struct evtchn_port *rec = port ? port_rec(ev, port) : NULL;
    if (rec && rec->state == ECS_VIRQ)
        deliver(d, port, rec->notify_vcpu);
    spin_unlock(&ev->lock);
}

void evtchn_send_virq(struct vcpu *v, unsigned int virq)
{
    if (virq_is_percpu(virq))
        send_virq_on(v->domain, v->id, virq);
}

void evtchn_send_virq_global(struct domain *d, unsigned int virq)
{
    if (virq_valid(virq) && !virq_is_percpu(virq))
        send_virq_on(d, 0, virq);
}

/* ---- lifetime ---- */

int evtchn_domain_init(struct domain *d)
{
    /* Callable before or after the vCPUs are made: d->nr_vcpus is set
     * first; vCPU pointers are looked up at use. */
    unsigned int nr = d->nr_vcpus;
    size_t bytes = sizeof(struct evtchn_domain) + (size_t)nr * sizeof(struct evtchn_vcpu);
    unsigned int order = order_for(bytes);
    struct evtchn_domain *ev;
    paddr_t pg, b0;

    if (!nr)
        return -EINVAL;
    if (order > PAGE_ORDER_2M)
        return -ENOMEM;     /* absurd vCPU counts */
    pg = page_alloc_zeroed(order, &d->acct);
    if (!pg)
        return -ENOMEM;
    b0 = page_alloc_zeroed(0, &d->acct);   /* ports 0-127: every guest binds some */
    if (!b0) {
        page_free(pg, order, &d->acct);
        return -ENOMEM;
    }
    ev = __va(pg);
    spin_lock_init(&ev->lock);
    ev->d = d;
    ev->order = order;
    ev->nr_vcpus = nr;
    ev->bucket[0] = __va(b0);
    d->evtchn = ev;
    return 0;
}

void evtchn_domain_destroy(struct domain *d)
{
    struct evtchn_domain *ev = d->evtchn;

    if (!ev)
        return;
    for (unsigned int i = 0; i < ev->nr_vcpus; i++)
        if (ev->vcpu[i].v)          /* never polled: never initialised */
            stop_timer(&ev->vcpu[i].poll_timer);

    /* Unlink every interdomain port so that no peer can reach us. */
    spin_lock(&interdomain_lock);
    spin_lock(&ev->lock);
    ev->dying = true;
    spin_unlock(&ev->lock);
    for (uint32_t port = 1; port < EVTCHN_FIFO_NR_CHANNELS; port++) {
        struct evtchn_port *rec = port_rec(ev, port);
        if (!rec) {
            port = (port / PORTS_PER_BUCKET + 1) * PORTS_PER_BUCKET - 1;
            continue;
        }
        if (rec->state != ECS_INTERDOMAIN)
            continue;
        struct domain *rd = rec->peer;
        lock_pair(d, rd);
        port_close_locked(ev, port, rec);
        unlock_pair(d, rd);
    }
    spin_unlock(&interdomain_lock);

    d->evtchn = NULL;
    if (ev->fifo) {
        struct evtchn_fifo *ff = ev->fifo;

        for (unsigned int i = 0; i < ev->nr_vcpus; i++)
            if (ff->vcpu[i].cb)
                domain_ram_put(d, ff->vcpu[i].cb_gfn);
        for (unsigned int i = 0; i < ff->nr_words / FIFO_WORDS_PER_PAGE; i++)
            domain_ram_put(d, ff->array_gfn[i]);
        page_free(__pa(ff), ff->order, &d->acct);
    }
    for (unsigned int b = 0; b < NR_BUCKETS; b++)
        if (ev->bucket[b])
            page_free(__pa(ev->bucket[b]), 0, &d->acct);
    for (unsigned int g = 0; g < NR_GROUPS; g++) {
        if (!ev->group[g])
            continue;
        for (unsigned int b = 0; b < BUCKETS_PER_GROUP; b++)
            if (ev->group[g][b])
                page_free(__pa(ev->group[g][b]), 0, &d->acct);
        page_free(__pa(ev->group[g]), 0, &d->acct);
    }
    page_free(__pa(ev), ev->order, &d->acct);
}

/* ---- debug ---- */

static const char *const state_names[] = {
    [ECS_FREE] = "free", [ECS_UNBOUND] = "unbound", [ECS_INTERDOMAIN] = "interdomain",
    [ECS_VIRQ] = "virq", [ECS_IPI] = "ipi", [ECS_XEN] = "xen",
};

void evtchn_dump(struct domain *d)
{
    struct evtchn_domain *ev = d->evtchn;
    uint8_t *si = (uint8_t *)domain_shared_info(d);
    struct evtchn_fifo *ff;
    unsigned int used = 0;

    if (!ev) {
        printk("  event channels: none\n");
        return;
    }
    spin_lock(&ev->lock);
    ff = ev->fifo;
    for (unsigned int i = 0; i < ev->nr_vcpus; i++) {
        struct vcpu_info *vi = d->vcpus[i] ? vcpu_info_of(d->vcpus[i]) : NULL;
        if (vi)
            printk("  vCPU%u: upcall_pending %u pending_sel %#lx%s\n", i,
                   vi->evtchn_upcall_pending, (unsigned long)vi->evtchn_pending_sel,
                   ev->vcpu[i].polling ? " (polling)" : "");
        else
            printk("  vCPU%u: no vcpu_info%s\n", i, ev->vcpu[i].polling ? " (polling)" : "");
        if (ff && ff->vcpu[i].cb)
            printk("    FIFO ready %#x\n", __atomic_load_n(&ff->vcpu[i].cb->ready, __ATOMIC_RELAXED));
    }
    for (uint32_t port = 1; port < EVTCHN_FIFO_NR_CHANNELS; port++) {
        struct evtchn_port *rec = port_rec(ev, port);
        if (!rec) {
            port = (port / PORTS_PER_BUCKET + 1) * PORTS_PER_BUCKET - 1;
            continue;
        }
        if (rec->state == ECS_FREE)
            continue;
        if (++used > 256)
            continue;       /* a debug key, not a flood */
        const char *st = rec->state < ARRAY_SIZE(state_names) ? state_names[rec->state] : "?";
        const char *rk = rec->state == ECS_XEN ? "hv" : "d";
        unsigned int rd = rec->state == ECS_XEN ? 0 : rec->remote_dom;
        int pend = (int)evtchn_port_pending(d, port);

        if (ff) {
            event_word_t *w = fifo_word(ff, port);
            printk("  port %u: %s vcpu %u u %u remote %s%u pending %d prio %u word %#x%s\n",
                   port, st, rec->notify_vcpu, rec->u, rk, rd, pend, rec->priority,
                   w ? __atomic_load_n(w, __ATOMIC_RELAXED) : 0, w ? "" : " (none)");
        } else {
            printk("  port %u: %s vcpu %u u %u remote %s%u pending %d masked %d\n",
                   port, st, rec->notify_vcpu, rec->u, rk, rd, pend,
                   si ? (int)bit_test(si + (ev_compat(ev) ? SI_MASK_OFF_32 : SI_MASK_OFF_64),
                                      port, ev_compat(ev)) : -1);
        }
    }
    spin_unlock(&ev->lock);
    if (ff)
        printk("  %u ports in use (FIFO, %u event words)\n", used, ff->nr_words);
    else
        printk("  %u ports in use (%s layout)\n", used, ev_compat(ev) ? "32-bit" : "64-bit");
}
