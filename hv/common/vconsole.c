/*
 * Console back end for boot-time domains (docs/design/events.md).
 *
 * Each domain's ring page is hypervisor-allocated and mapped into the
 * guest. The guest may scribble on every byte of it at any time, so we
 * keep our own copies of the indices we own (out_cons, in_prod), read
 * the guest's (out_prod, in_cons) once per pass, and never trust the
 * distance between them beyond the ring's size.
 *
 * Output is drained when the guest notifies its port (synchronously on
 * its vCPU, so a full ring never stalls it) and by a periodic poll on
 * CPU 0, which also reads the serial input and routes it by focus.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/event_channel.h>
#include <oryx/keyhandler.h>
#include <oryx/page_alloc.h>
#include <oryx/spinlock.h>
#include <oryx/timer.h>
#include <oryx/vconsole.h>
#include <oryx/xmalloc.h>
#include <asm/npt.h>
#include <asm/page.h>
#include <asm/time.h>
#include <asm/uart.h>
#include <public/xen.h>
#include <public/io/console.h>
#include <public/hvm/params.h>

#define CTRL_A          0x01
#define FOCUS_HV        DOMID_XEN       /* the debug keys have the input */
#define INPUT_PER_POLL  256u            /* bytes read from the UART per poll */

struct vconsole {
    struct domain *d;
    struct xencons_interface *ring;     /* shared with the guest */
    paddr_t page;
    uint32_t port;
    spinlock_t lock;                    /* out_cons, in_prod and their ring copies */
    uint32_t out_cons;                  /* ours; the ring's copy is advisory */
    uint32_t in_prod;
    bool warned;                        /* reported bad indices once */
    /* The control domain has no ring: it reads input with console_io and
     * hears of it through VIRQ_CONSOLE (in_prod above counts into in_buf). */
    char *in_buf;
    uint32_t in_cons;
    struct vconsole *next;              /* vcons_lock */
};

#define HWDOM_IN_SIZE 1024u             /* a power of two */

static spinlock_t vcons_lock = SPINLOCK_INIT;  /* vcons_list and focus */
static struct vconsole *vcons_list;
static domid_t focus = FOCUS_HV;
static unsigned int ctrl_a_count;               /* poll context only */
static struct timer poll_timer;

static struct vconsole *find_locked(struct domain *d)
{
    struct vconsole *vc;

    for (vc = vcons_list; vc && vc->d != d; vc = vc->next)
        ;
    return vc;
}

static void bad_indices(struct vconsole *vc, const char *which, uint32_t prod, uint32_t cons)
{
    if (!vc->warned)
        printk_lvl(LOG_WARN, "(d%u) %s: console %s ring indices %u/%u out of range; resyncing\n",
                   vc->d->id, vc->d->name, which, prod, cons);
    vc->warned = true;
}

/* Copy the guest's output out of the ring and print it. Caller holds
 * vc->lock. At most one ring's worth per call: a guest cannot keep us. */
static void drain_locked(struct vconsole *vc)
{
    if (!vc->ring)
        return;                 /* the control domain writes with console_io */
    volatile struct xencons_interface *r = vc->ring;
    uint32_t prod = __atomic_load_n(&vc->ring->out_prod, __ATOMIC_ACQUIRE);
    uint32_t cons = vc->out_cons;
    char buf[256];

    if (prod - cons > XENCONS_OUT_SIZE) {
        bad_indices(vc, "out", prod, cons);
        vc->out_cons = prod;
        __atomic_store_n(&vc->ring->out_cons, prod, __ATOMIC_RELEASE);
        return;
    }
    while (cons != prod) {
        uint32_t n = 0;

        while (cons != prod && n < sizeof(buf))
            buf[n++] = r->out[MASK_XENCONS_IDX(cons++, vc->ring->out)];
        guest_console_put(vc->d, buf, n);
    }
    vc->out_cons = cons;
    /* Bytes copied before the slots are handed back. */
    __atomic_store_n(&vc->ring->out_cons, cons, __ATOMIC_RELEASE);
}

/* The guest sent on its console port (its vCPU, no event lock held). */
static void console_notified(struct domain *d, uint32_t port, void *data)
{
    struct vconsole *vc = data;

    (void)d;
    (void)port;
    spin_lock(&vc->lock);
    drain_locked(vc);
    spin_unlock(&vc->lock);
}

/* Queue one input byte for the guest; false when the ring is full. */
static bool put_input(struct vconsole *vc, char c)
{
    uint32_t cons, prod;
    bool ok = false;

    spin_lock(&vc->lock);
    if (vc->in_buf) {
        if (vc->in_prod - vc->in_cons < HWDOM_IN_SIZE) {
            vc->in_buf[vc->in_prod++ % HWDOM_IN_SIZE] = c;
            ok = true;
        }
        spin_unlock(&vc->lock);
        return ok;
    }
    cons = __atomic_load_n(&vc->ring->in_cons, __ATOMIC_ACQUIRE);
    prod = vc->in_prod;
    if (prod - cons > XENCONS_IN_SIZE) {
        bad_indices(vc, "in", prod, cons);
        cons = prod;            /* treat as empty; the guest resyncs or complains */
    }
    if (prod - cons < XENCONS_IN_SIZE) {
        ((volatile char *)vc->ring->in)[MASK_XENCONS_IDX(prod, vc->ring->in)] = c;
        vc->in_prod = ++prod;
        __atomic_store_n(&vc->ring->in_prod, prod, __ATOMIC_RELEASE);
        ok = true;
    }
    spin_unlock(&vc->lock);
    return ok;
}

int vconsole_domain_init(struct domain *d, uint64_t ring_gfn)
{
    gpaddr_t gpa = ring_gfn << PAGE_SHIFT;
    struct vconsole *vc = NULL;
    paddr_t page = 0;
    int rc;

    if (!ring_gfn || ring_gfn >= (1ull << (P2M_GPA_BITS - PAGE_SHIFT)))
        return -EINVAL;
    spin_lock(&vcons_lock);
    rc = find_locked(d) ? -EEXIST : 0;
    spin_unlock(&vcons_lock);
    if (rc)
        return rc;

    rc = -ENOMEM;
    vc = xzalloc(sizeof(*vc));
    if (!vc)
        goto fail;
    page = page_alloc_zeroed(0, &d->acct);
    if (!page)
        goto fail;
    rc = p2m_map(&d->p2m, gpa, page, PAGE_SIZE, P2M_R | P2M_W);
    if (rc)
        goto fail_map;
    vc->d = d;
    vc->page = page;
    vc->ring = __va(page);
    spin_lock_init(&vc->lock);
    rc = evtchn_alloc_xen_port(d, 0, console_notified, vc, &vc->port);
    if (rc)
        goto fail_map;

    d->hvm_params[HVM_PARAM_CONSOLE_PFN] = ring_gfn;
    d->hvm_params[HVM_PARAM_CONSOLE_EVTCHN] = vc->port;
    spin_lock(&vcons_lock);
    vc->next = vcons_list;
    vcons_list = vc;
    spin_unlock(&vcons_lock);
    return 0;

fail_map:
    p2m_unmap(&d->p2m, gpa, PAGE_SIZE);     /* no vCPU has run: no flush needed */
fail:
    if (page)
        page_free(page, 0, &d->acct);
    xfree(vc);
    return rc;
}

void vconsole_domain_destroy(struct domain *d)
{
    struct vconsole *vc, **pp;
    bool had_focus = false;

    spin_lock(&vcons_lock);
    for (pp = &vcons_list; *pp && (*pp)->d != d; pp = &(*pp)->next)
        ;
    vc = *pp;
    if (vc) {
        *pp = vc->next;
        if (focus == d->id) {
            focus = FOCUS_HV;
            had_focus = true;
        }
    }
    spin_unlock(&vcons_lock);
    if (!vc)
        return;
    spin_lock(&vc->lock);
    drain_locked(vc);           /* its last words */
    spin_unlock(&vc->lock);
    guest_console_put(d, "\n", 1);      /* flush a partial line */
    if (had_focus)
        printk("*** Switching input to Oryx (type 'CTRL-a' three times to switch input)\n");
    d->hvm_params[HVM_PARAM_CONSOLE_PFN] = 0;
    d->hvm_params[HVM_PARAM_CONSOLE_EVTCHN] = 0;
    if (vc->page)
        page_free(vc->page, 0, &d->acct);
    xfree(vc->in_buf);
    xfree(vc);
}

int vconsole_hwdom_init(struct domain *d)
{
    struct vconsole *vc = xzalloc(sizeof(*vc));

    if (!vc || !(vc->in_buf = xzalloc(HWDOM_IN_SIZE))) {
        xfree(vc);
        return -ENOMEM;
    }
    vc->d = d;
    spin_lock_init(&vc->lock);
    spin_lock(&vcons_lock);
    if (find_locked(d)) {
        spin_unlock(&vcons_lock);
        xfree(vc->in_buf);
        xfree(vc);
        return -EEXIST;
    }
    vc->next = vcons_list;
    vcons_list = vc;
    focus = d->id;              /* as in Xen: the keyboard is dom0's once it runs */
    spin_unlock(&vcons_lock);
    printk("*** Serial input to %s (type 'CTRL-a' three times to switch input)\n", d->name);
    return 0;
}

size_t vconsole_hwdom_read(struct domain *d, char *buf, size_t len)
{
    struct vconsole *vc;
    size_t n = 0;

    spin_lock(&vcons_lock);
    vc = find_locked(d);
    if (vc && vc->in_buf) {
        spin_lock(&vc->lock);
        while (n < len && vc->in_cons != vc->in_prod)
            buf[n++] = vc->in_buf[vc->in_cons++ % HWDOM_IN_SIZE];
        spin_unlock(&vc->lock);
    }
    spin_unlock(&vcons_lock);
    return n;
}

/* Next focus after the current one: the console of the lowest domain id
 * above it, or the hypervisor after the last. Caller holds vcons_lock. */
static void switch_focus_locked(void)
{
    struct vconsole *best = NULL;

    for (struct vconsole *vc = vcons_list; vc; vc = vc->next)
        if (vc->d->id == focus)
            guest_console_break(vc->d);     /* end its half-shown line */
    for (struct vconsole *vc = vcons_list; vc; vc = vc->next) {
        if (focus != FOCUS_HV && vc->d->id <= focus)
            continue;
        if (!best || vc->d->id < best->d->id)
            best = vc;
    }
    focus = best ? best->d->id : FOCUS_HV;
    printk("*** Switching input to %s (type 'CTRL-a' three times to switch input)\n",
           best ? best->d->name : "Oryx");
}

/* One byte to whoever has the focus. */
static void route(char c)
{
    struct vconsole *vc = NULL;
    domid_t to;

    spin_lock(&vcons_lock);
    to = focus;
    if (to != FOCUS_HV) {
        for (vc = vcons_list; vc && vc->d->id != to; vc = vc->next)
            ;
        if (vc && put_input(vc, c)) {
            if (vc->in_buf)
                evtchn_send_virq_global(vc->d, VIRQ_CONSOLE);
            else
                evtchn_notify_xen_port(vc->d, vc->port);
        }
    }
    spin_unlock(&vcons_lock);
    if (to == FOCUS_HV)
        keyhandler_handle(c);   /* outside the lock: it walks every domain */
}

bool vconsole_has_focus(struct domain *d)
{
    return __atomic_load_n(&focus, __ATOMIC_RELAXED) == d->id;
}

void vconsole_input(char c)
{
    if (c == CTRL_A) {
        if (++ctrl_a_count == 3) {
            ctrl_a_count = 0;
            spin_lock(&vcons_lock);
            switch_focus_locked();
            spin_unlock(&vcons_lock);
        }
        return;
    }
    /* Fewer than three: they were meant for the focus. */
    for (; ctrl_a_count; ctrl_a_count--)
        route(CTRL_A);
    route(c);
}

static void poll_tick(void *data)
{
    (void)data;
    for (unsigned int i = 0; i < INPUT_PER_POLL; i++) {
        int c = uart_getc();
        if (c < 0)
            break;
        vconsole_input((char)c);
    }
    /* Output the guest did not notify (or notified before we mapped). */
    spin_lock(&vcons_lock);
    for (struct vconsole *vc = vcons_list; vc; vc = vc->next) {
        spin_lock(&vc->lock);
        drain_locked(vc);
        spin_unlock(&vc->lock);
    }
    spin_unlock(&vcons_lock);
    set_timer(&poll_timer, NOW() + MILLISECS(VCONSOLE_POLL_MS));
}

void vconsole_init(void)
{
    timer_init(&poll_timer, poll_tick, NULL, 0);
    set_timer(&poll_timer, NOW() + MILLISECS(VCONSOLE_POLL_MS));
}
