/*
 * hcfuzz's hypercalls: a number (weighted towards the implemented ones),
 * a sub-op, arguments from the edge cases in gen.c, then the few
 * corrections that keep the call from ending or starving this domain
 * (fix_sched, fix_vcpu) or from handing our own memory to the hypervisor
 * in ways the word sanitizer cannot see (ranges and lists: fix_memory,
 * fix_grant). Everything else reaches the hypervisor as drawn.
 */
#include "fuzz.h"
#include <public/hvm/hvm_op.h>
#include <public/grant_table.h>
#include <public/platform.h>
#include <public/sysctl.h>
#include <public/domctl.h>
#include <public/arch-x86/xen-mca.h>

/* VMMCALL with every argument register set; an exception at it (none is
 * expected) resumes after it with its vector in *vec. */
long hc_raw(const struct call *c, int *vec)
{
    unsigned long a1 = c->a[0], a2 = c->a[1], a3 = c->a[2];
    long ret;

    exc_reset();
#if defined(__x86_64__)
    register unsigned long r10 __asm__("r10") = c->a[3];
    register unsigned long r8 __asm__("r8") = c->a[4];

    __asm__ volatile (EXC_FIXUP("vmmcall")
                      : "=a" (ret), "+D" (a1), "+S" (a2), "+d" (a3),
                        "+r" (r10), "+r" (r8)
                      : "0" (c->nr)
                      : "memory", "cc");
#else
    unsigned long a4 = c->a[3], a5 = c->a[4];

    __asm__ volatile (EXC_FIXUP("vmmcall")
                      : "=a" (ret), "+b" (a1), "+c" (a2), "+d" (a3),
                        "+S" (a4), "+D" (a5)
                      : "0" (c->nr)
                      : "memory", "cc");
#endif
    *vec = exc_last_vector;
    return ret;
}

static long hc_plain(unsigned long nr, unsigned long a1, unsigned long a2,
                     unsigned long a3)
{
    struct call c = { nr, { a1, a2, a3, 0, 0 } };
    int vec;

    return hc_raw(&c, &vec);
}

uint64_t now_ns(void)
{
    static struct xen_hvm_get_time t;

    if (hc_plain(__HYPERVISOR_hvm_op, HVMOP_get_time, (unsigned long)&t, 0))
        return 0;
    return t.now;
}

/* A one-shot timer a little ahead: whatever a block or poll waits for,
 * this wakes it (the singleshot timer wakes a blocked vCPU either way). */
void arm_timer_ns(uint64_t delta)
{
    static struct vcpu_set_singleshot_timer t;

    t.timeout_abs_ns = now_ns() + delta;
    t.flags = 0;
    hc_plain(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, 0, (unsigned long)&t);
}

/* ---- the corrections ---- */

/* A structure argument: freshly filled (so any pointer in it has been
 * sanitized), or one that cannot be read at all. */
static unsigned long struct_arg(unsigned long size)
{
    return chance(85) ? (unsigned long)fresh_buf(size) : (unsigned long)bad_ptr();
}

static uint32_t bad_reason(void)
{
    return SHUTDOWN_MAX + 1 + rnd_below(chance(50) ? 8 : 0x7FFFFFFF);
}

/*
 * sched_op (and the obsolete sched_op_compat, whose shutdown takes the
 * reason itself): a shutdown must not succeed, so its reason is out of
 * range or its argument unreadable; block and poll get a timer so that
 * they end; a remote shutdown names another domain (others may refuse or,
 * if the hypervisor is wrong, kill it: the test watches for that); a
 * watchdog never gets a timeout (it would kill us when it expires).
 */
static void fix_sched(struct call *c, bool compat)
{
    uint32_t op = (uint32_t)c->a[0];

    switch (op) {
    case SCHEDOP_block:
        arm_timer_ns(rnd_below(200000));
        break;
    case SCHEDOP_shutdown:
        if (compat) {
            c->a[1] = bad_reason();
        } else if (chance(70)) {
            struct sched_shutdown *s = fresh_buf(sizeof(*s));
            s->reason = bad_reason();
            c->a[1] = (unsigned long)s;
        } else {
            c->a[1] = (unsigned long)bad_ptr();
        }
        break;
    case SCHEDOP_poll: {
        struct sched_poll *p = fresh_buf(sizeof(*p));
        evtchn_port_t *ports = fresh_buf(8 * sizeof(*ports));
        unsigned int i;

        for (i = 0; i < 8; i++)
            ports[i] = chance(80) ? rnd_below(16) : (evtchn_port_t)edge_int();
        set_xen_guest_handle(p->ports, chance(90) ? ports : (evtchn_port_t *)(unsigned long)edge_ptr());
        p->nr_ports = chance(80) ? rnd_below(9) : (uint32_t)edge_int();
        /* Never 0 (no timeout): a past time, or up to half a millisecond. */
        p->timeout = chance(20) ? 1 + rnd_below(1000) : now_ns() + rnd_below(500000);
        c->a[1] = chance(90) ? (unsigned long)p : (unsigned long)bad_ptr();
        arm_timer_ns(2000000);
        break;
    }
    case SCHEDOP_remote_shutdown: {
        struct sched_remote_shutdown *r = fresh_buf(sizeof(*r));
        do
            r->domain_id = edge_domid();
        while (r->domain_id == self_domid || r->domain_id == DOMID_SELF);
        r->reason = chance(70) ? rnd_below(SHUTDOWN_MAX + 1) : bad_reason();
        c->a[1] = (unsigned long)r;
        break;
    }
    case SCHEDOP_watchdog: {
        struct sched_watchdog *w = fresh_buf(sizeof(*w));
        w->timeout = 0;
        c->a[1] = (unsigned long)w;
        break;
    }
    default:
        break;
    }
}

/*
 * vcpu_op: VCPUOP_down of our only vCPU would stop the domain (the id is
 * compared as Xen does, an int). The ops that take a frame or address in
 * their structure get a fresh one, so that what they name is sanitized.
 */
static void fix_vcpu(struct call *c)
{
    uint32_t op = (uint32_t)c->a[0];

    if (op == VCPUOP_down && (uint32_t)c->a[1] == 0)
        c->a[1] = 1 + rnd_below(64);
    switch (op) {
    case VCPUOP_register_runstate_memory_area:
    case VCPUOP_register_vcpu_info:
    case VCPUOP_register_vcpu_time_memory_area:
    case VCPUOP_register_runstate_phys_area:
    case VCPUOP_register_vcpu_time_phys_area:
        c->a[2] = struct_arg(32);
        break;
    default:
        break;
    }
}

/* A gfn for an extent of 2^order pages that keeps off our memory. The
 * checks are made on the value as the hypervisor will read it: cut to
 * xen_pfn_t (32 bits in 32-bit modes), then aligned. */
static xen_pfn_t extent_gfn(uint32_t order)
{
    uint64_t pages = order < 64 ? 1ULL << order : 0;
    uint64_t g;
    unsigned int tries;

    for (tries = 0; tries < 4; tries++) {
        g = (xen_pfn_t)edge_gfn();
        if (chance(90) && pages)
            g &= ~(pages - 1);                  /* mostly aligned */
        if (!gfn_range_protected(g, pages ? pages : ~0ULL))
            return (xen_pfn_t)g;
    }
    /* Fall back to the free zone, aligned, or to the last frame of the
     * address space (misaligned for any order above 0, no RAM for 0). */
    if (pages && pages <= free_gfn_hi - free_gfn_lo) {
        g = (free_gfn_lo + pages - 1) & ~(pages - 1);
        if (g + pages <= free_gfn_hi)
            return g;
    }
    return (xen_pfn_t)~0ULL;
}

/*
 * memory_op. Reservations (increase, decrease, populate) act on 2^order
 * pages per list entry, which a word-by-word sanitizer cannot judge, so
 * they get a list built here, placed to end at the guard page: however
 * many extents the call claims, reading past the list faults. Giving back
 * pages of the free zone and low RAM is fine (we never touch them
 * ourselves); our image and the arena never appear in a list. The ops
 * whose structure names frames or buffers (add_to_physmap with its
 * gmfn_range size, memory_map, exchange, vnuma) get a fresh structure.
 * Xen decodes the op from the low 6 bits of the command (MEMOP_CMD_MASK),
 * the rest being a continuation; so do we.
 */
static void fix_memory(struct call *c)
{
    uint32_t op = (uint32_t)c->a[0] & 0x3F;

    switch (op) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap: {
        struct xen_memory_reservation *r = fresh_buf(sizeof(*r));
        uint32_t order = chance(50) ? 0 : chance(80) ? rnd_below(11) : (uint32_t)edge_int();
        unsigned long n = chance(80) ? 1 + rnd_below(16) : (unsigned long)edge_int();
        unsigned long entries = n < TAIL_SIZE / sizeof(xen_pfn_t) ? n : TAIL_SIZE / sizeof(xen_pfn_t);
        xen_pfn_t *list;
        unsigned long i;

        if (!entries)
            entries = 1;
        list = (xen_pfn_t *)(GUARD - entries * sizeof(xen_pfn_t));
        for (i = 0; i < entries; i++)
            list[i] = extent_gfn(order);
        set_xen_guest_handle(r->extent_start, chance(90) ? list : (xen_pfn_t *)(unsigned long)bad_ptr());
        r->nr_extents = n;
        r->extent_order = order;
        r->mem_flags = chance(70) ? 0 : (uint32_t)edge_int();
        r->domid = chance(60) ? DOMID_SELF : edge_domid();
        c->a[1] = chance(95) ? (unsigned long)r : (unsigned long)bad_ptr();
        break;
    }
    case XENMEM_add_to_physmap: {
        struct xen_add_to_physmap *x = (void *)struct_arg(sizeof(*x));

        if ((unsigned long)x >= ARENA_BASE && (unsigned long)x < GUARD) {
            if (chance(50))
                x->space = rnd_below(6);
            if (chance(50))
                x->domid = DOMID_SELF;
            if (gfn_range_protected(x->idx, x->size ? x->size : 1) ||
                gfn_range_protected(x->gpfn, x->size ? x->size : 1))
                x->size = 1;
        }
        c->a[1] = (unsigned long)x;
        break;
    }
    case XENMEM_memory_map:
    case XENMEM_exchange:
    case XENMEM_get_vnumainfo:
    case XENMEM_reserved_device_memory_map:
        /* XENMEM_exchange: Oryx has none. Its two lists would need
         * building like the reservations' if it ever does. */
        c->a[1] = struct_arg(64);
        break;
    default:
        break;
    }
}

/*
 * grant_table_op. map_grant_ref maps a granted frame at host_addr, a
 * guest-physical address: over the arena, a read-only mapping would make
 * our next fill fault. Its ops are built here (host_addr never in the
 * image or the arena), as many as fit, ending at the guard. setup_table
 * and get_status_frames write a list through a pointer in their
 * structure: a fresh one.
 */
static void fix_grant(struct call *c)
{
    uint32_t op = (uint32_t)c->a[0];

    /* Any op: the hypervisor walks count entries upwards (status written
     * back), which from low memory would reach our image. */
    if (c->a[1] < PROT_LO)
        c->a[1] = chance(50) ? (unsigned long)fresh_buf(64) : (unsigned long)bad_ptr();

    switch (op) {
    case GNTTABOP_map_grant_ref: {
        unsigned long n = TAIL_SIZE / sizeof(struct gnttab_map_grant_ref), i;
        struct gnttab_map_grant_ref *m = (void *)(GUARD - n * sizeof(*m));

        fill_words(m, n * sizeof(*m));
        for (i = 0; i < n; i++) {
            uint64_t a = edge_ptr();

            if (a >= PROT_LO && a < GUARD + PAGE_SZ)
                a = ((uint64_t)free_gfn_lo << 12) + (a & (PAGE_SZ - 1));
            m[i].host_addr = a;
            if (chance(50))
                m[i].flags = GNTMAP_host_map | (chance(50) ? GNTMAP_readonly : 0);
            if (chance(50))
                m[i].ref = rnd_below(16);
            if (chance(50))
                m[i].dom = (domid_t)rnd_below(8);
        }
        c->a[1] = chance(90) ? (unsigned long)&m[rnd_below((uint32_t)n)] : (unsigned long)bad_ptr();
        break;
    }
    case GNTTABOP_setup_table:
    case GNTTABOP_get_status_frames:
        c->a[1] = struct_arg(32);
        break;
    default:
        break;
    }
}

/* console_io writes land in the test's log: mostly short, some of every
 * size up to the limit (16 KiB) and just past it. */
static void fix_console(struct call *c)
{
    if ((uint32_t)c->a[0] != CONSOLEIO_write)
        return;
    if (chance(85))
        c->a[1] = rnd_below(48);
    else if (chance(50))
        c->a[1] = 16383 + rnd_below(3);
}

/* The privileged ones read an interface version first: half the time the
 * right one, so that the privilege check is what refuses. */
static void fix_version(struct call *c, uint32_t version)
{
    unsigned long p = c->a[0];

    if (p >= ARENA_BASE && p <= GUARD - TAIL_SIZE - 8 && chance(50))
        *(uint32_t *)(p + 4) = version;
}

/* ---- choosing a call ---- */

struct hdesc {
    uint8_t nr;
    uint8_t weight;
    uint8_t nsub;               /* sub-ops worth trying, from 0 */
    char shape[4];              /* s sub-op, p pointer, c count, v vCPU, i integer */
    const char *hot;            /* the sub-ops Oryx implements, drawn more often */
};

static const struct hdesc hcs[] = {
    { __HYPERVISOR_sched_op,         8,  9, "sp",  "\x01\x02\x03\x05" },
    { __HYPERVISOR_memory_op,       10, 30, "sp",  "\x01\x03\x04\x06\x07\x0f\x17\x1c" },
    { __HYPERVISOR_vcpu_op,          8, 16, "svp", "\x03\x05\x07\x08\x09\x0a\x0d" },
    { __HYPERVISOR_set_timer_op,     3,  0, "ii",  "" },
    { __HYPERVISOR_event_channel_op, 12, 16, "sp", "\x01\x03\x04\x05\x06\x07\x08\x09\x0a" },
    { __HYPERVISOR_grant_table_op,  12, 14, "spc", "\x01\x05\x06\x08\x0a" },
    { __HYPERVISOR_hvm_op,           6, 40, "sp",  "\x01\x09\x0a" },
    { __HYPERVISOR_xen_version,      5, 12, "sp",  "\x01\x02\x03\x04\x06\x07\x09" },
    { __HYPERVISOR_console_io,       3,  3, "scp", "\x01" },
    { __HYPERVISOR_vm_assist,        2,  4, "si",  "" },
    { __HYPERVISOR_physdev_op,       4, 32, "sp",  "\x18\x19\x1a" },
    { __HYPERVISOR_platform_op,      2,  0, "p",   "" },
    { __HYPERVISOR_sysctl,           2,  0, "p",   "" },
    { __HYPERVISOR_domctl,           2,  0, "p",   "" },
    { __HYPERVISOR_mca,              1,  0, "p",   "" },
    { __HYPERVISOR_sched_op_compat,  1,  8, "si",  "" },
    { __HYPERVISOR_event_channel_op_compat, 1, 0, "p", "" },
    { __HYPERVISOR_physdev_op_compat, 1, 0, "p",   "" },
    /* Oryx has no multicall; if it gets one, its entries need the same
     * corrections as direct calls (a shutdown could hide in one). */
    { __HYPERVISOR_multicall,        1,  0, "pc",  "" },
};

#define NR_HCS (sizeof(hcs) / sizeof(hcs[0]))

static unsigned long subop(const struct hdesc *d)
{
    unsigned int nhot = d->hot ? (unsigned int)strlen(d->hot) : 0;

    /* The hot list cannot hold sub-op 0 (a string): it is in every range. */
    if (chance(40))
        return chance(80) && nhot ? (uint8_t)d->hot[rnd_below(nhot)] : 0;
    switch (rnd_below(20)) {
    case 0: case 1: case 2:
        return rnd_below(64);
    case 3: case 4:
        return (unsigned long)edge_int();
    case 5: case 6:
        return rnd32();
#if defined(__x86_64__)
    case 7:
        return rnd64();         /* high bits set */
#endif
    default:
        return rnd_below(d->nsub + 2);
    }
}

static unsigned long arg_of(char kind, const struct hdesc *d)
{
    if (chance(15))
        return (unsigned long)edge_word();
    switch (kind) {
    case 's':
        return subop(d);
    case 'p':
        return chance(70) ? (unsigned long)fresh_buf(16 + rnd_below(496))
                          : (unsigned long)edge_ptr();
    case 'c':
        return chance(60) ? rnd_below(8) : chance(50) ? rnd_below(300) : (unsigned long)edge_int();
    case 'v':
        return chance(60) ? 0 : chance(50) ? rnd_below(4) : (unsigned long)edge_int();
    default:
        return (unsigned long)edge_int();
    }
}

static const struct hdesc *pick(struct call *c)
{
    static unsigned int total;
    unsigned int i, w;

    if (!total)
        for (i = 0; i < NR_HCS; i++)
            total += hcs[i].weight;
    if (chance(85)) {
        w = rnd_below(total);
        for (i = 0; w >= hcs[i].weight; i++)
            w -= hcs[i].weight;
        c->nr = hcs[i].nr;
        return &hcs[i];
    }
    c->nr = chance(70) ? rnd_below(64) : (unsigned long)edge_int();
    for (i = 0; i < NR_HCS; i++)
        if (hcs[i].nr == c->nr)
            return &hcs[i];
    return 0;
}

void hc_one(void)
{
    struct call c;
    const struct hdesc *d = pick(&c);
    unsigned int i;
    int vec;
    long rc;

    for (i = 0; i < 5; i++)
        c.a[i] = d && i < sizeof(d->shape) && d->shape[i] ? arg_of(d->shape[i], d)
                                                          : (unsigned long)edge_word();

    switch (c.nr) {
    case __HYPERVISOR_sched_op:
        fix_sched(&c, false);
        break;
    case __HYPERVISOR_sched_op_compat:
        fix_sched(&c, true);
        break;
    case __HYPERVISOR_vcpu_op:
        fix_vcpu(&c);
        break;
    case __HYPERVISOR_memory_op:
        fix_memory(&c);
        break;
    case __HYPERVISOR_grant_table_op:
        fix_grant(&c);
        break;
    case __HYPERVISOR_console_io:
        fix_console(&c);
        break;
    case __HYPERVISOR_multicall:
        /* Entries walked upwards, results written back: as for grants. */
        if (c.a[0] < PROT_LO)
            c.a[0] = (unsigned long)bad_ptr();
        break;
    case __HYPERVISOR_platform_op:
        fix_version(&c, XENPF_INTERFACE_VERSION);
        break;
    case __HYPERVISOR_sysctl:
        fix_version(&c, ORYX_SYSCTL_INTERFACE_VERSION);
        break;
    case __HYPERVISOR_domctl:
        fix_version(&c, ORYX_DOMCTL_INTERFACE_VERSION);
        break;
    case __HYPERVISOR_mca:
        fix_version(&c, XEN_MCA_INTERFACE_VERSION);
        break;
    default:
        break;
    }

    DESCRIBE("hypercall %lu (0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx)", c.nr,
             c.a[0], c.a[1], c.a[2], c.a[3], c.a[4]);
    rc = hc_raw(&c, &vec);
    st.kind[K_HC]++;
    if (c.nr == __HYPERVISOR_console_io)
        cons_dirty = true;
    if (vec != EXC_NONE) {
        if (st.hc_exc++ < 8)
            printf("note: %s raised %s\n", cur_desc, exc_name((unsigned int)vec));
        return;
    }
    if (rc >= 0)
        st.hc_res[R_OK]++;
    else if (rc == -ENOSYS)
        st.hc_res[R_ENOSYS]++;
    else if (rc == -EFAULT)
        st.hc_res[R_EFAULT]++;
    else if (rc == -EPERM)
        st.hc_res[R_EPERM]++;
    else if (rc == -EINVAL)
        st.hc_res[R_EINVAL]++;
    else
        st.hc_res[R_OTHER]++;
}
