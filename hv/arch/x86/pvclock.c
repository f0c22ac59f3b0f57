/*
 * pvclock: the vcpu_time_info a guest uses to turn its TSC into system
 * time (ns since the hypervisor booted, the clock of NOW() and of every
 * timer hypercall). The TSC is invariant and guests run with no offset,
 * so one snapshot per vCPU stays valid; it is written when shared_info is
 * mapped and whenever the guest's time area moves. The wall clock at
 * system time 0 changes only when dom0 sets the time.
 */
#include <oryx/lib.h>
#include <oryx/domain.h>
#include <oryx/pvclock.h>
#include <asm/time.h>
#include <asm/page.h>
#include <public/xen.h>

static uint32_t scale_mul;
static uint64_t wallclock_ns;           /* UNIX ns at NOW() == 0; wallclock_lock */
static spinlock_t wallclock_lock = SPINLOCK_INIT;
static int8_t scale_shift;

/* ns = ((tsc << shift) * mul) >> 32, shift negative meaning a right shift:
 * normalise the TSC rate into (1e9, 2e9] ticks per second, then mul is
 * 1e9 / rate in 0.32 fixed point. */
static void pvclock_scale_init(void)
{
    uint64_t rate = tsc_khz * 1000;
    int shift = 0;

    while (rate > 2000000000ULL) {
        rate >>= 1;
        shift--;
    }
    while (rate <= 1000000000ULL) {
        rate <<= 1;
        shift++;
    }
    scale_mul = (uint32_t)((1000000000ULL << 32) / rate);
    scale_shift = (int8_t)shift;
}

void pvclock_fill(struct vcpu_time_info *t)
{
    uint64_t tsc;

    if (!scale_mul)
        pvclock_scale_init();
    t->version++;               /* odd: update in progress */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    tsc = rdtsc();
    t->tsc_timestamp = tsc;
    t->system_time = tsc_to_ns(tsc - tsc_at_boot);
    t->tsc_to_system_mul = scale_mul;
    t->tsc_shift = scale_shift;
    t->flags = XEN_PVCLOCK_TSC_STABLE_BIT;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    t->version++;
}

/* Caller holds wallclock_lock: one writer at a time, so that the version
 * is odd exactly while the fields change. In the layout d latched: a
 * 32-bit guest's wall clock lies where a 64-bit one has event bits. */
static void write_wallclock(struct domain *d)
{
    uint64_t sec = wallclock_ns / 1000000000ULL;
    uint32_t nsec = (uint32_t)(wallclock_ns % 1000000000ULL);
    volatile uint32_t *ver, *lo, *ns, *hi;

    if (d->shinfo_compat) {
        struct compat_shared_info *c = __va(d->shared_info);
        ver = &c->wc_version, lo = &c->wc_sec, ns = &c->wc_nsec, hi = &c->arch.wc_sec_hi;
    } else {
        struct shared_info *si = __va(d->shared_info);
        ver = &si->wc_version, lo = &si->wc_sec, ns = &si->wc_nsec, hi = &si->wc_sec_hi;
    }
    (*ver)++;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    *lo = (uint32_t)sec;
    *hi = (uint32_t)(sec >> 32);
    *ns = nsec;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    (*ver)++;
}

void pvclock_latch_layout(struct domain *d, bool compat)
{
    if (__atomic_load_n(&d->shinfo_compat, __ATOMIC_RELAXED) == compat)
        return;
    spin_lock(&wallclock_lock);
    d->shinfo_compat = compat;
    if (d->shared_info)
        write_wallclock(d);     /* where the guest now looks for it */
    spin_unlock(&wallclock_lock);
}

void pvclock_update_domain(struct domain *d)
{
    struct shared_info *si;

    if (!d->shared_info)
        return;
    si = __va(d->shared_info);
    spin_lock(&wallclock_lock);
    write_wallclock(d);
    spin_unlock(&wallclock_lock);
    for (unsigned int i = 0; i < d->nr_vcpus && i < XEN_LEGACY_MAX_VCPUS; i++)
        pvclock_fill(&si->vcpu_info[i].time);
}

uint64_t pvclock_wallclock(void)
{
    return __atomic_load_n(&wallclock_ns, __ATOMIC_RELAXED);
}

void pvclock_set_wallclock(uint64_t unix_ns_at_zero)
{
    spin_lock(&domlist_lock);
    spin_lock(&wallclock_lock);
    __atomic_store_n(&wallclock_ns, unix_ns_at_zero, __ATOMIC_RELAXED);
    for (struct domain *d = domain_list; d; d = d->next)
        if (d->shared_info)
            write_wallclock(d);
    spin_unlock(&wallclock_lock);
    spin_unlock(&domlist_lock);
}
