/* CPUID leaves, hypercall page, shared_info and pvclock helpers. */
#include <public/arch-x86/cpuid.h>
#include <public/memory.h>
#include <public/sched.h>
#include "xenif.h"
#include "arch.h"
#include "hypercall.h"
#include "string.h"

uint8_t hypercall_page[4096] __attribute__((aligned(4096)));
static uint8_t shared_info_page[4096] __attribute__((aligned(4096)));
struct shared_info *shared_info;

uint32_t xen_cpuid_base(void)
{
    uint32_t base;

    for (base = XEN_CPUID_FIRST_LEAF; base < XEN_CPUID_FIRST_LEAF + 0x10000;
         base += 0x100) {
        struct cpuid_regs r = cpuid(base);

        if (r.ebx == XEN_CPUID_SIGNATURE_EBX &&
            r.ecx == XEN_CPUID_SIGNATURE_ECX &&
            r.edx == XEN_CPUID_SIGNATURE_EDX && r.eax - base >= 2)
            return base;
    }
    return 0;
}

uint32_t hypercall_page_request(void)
{
    uint32_t base = xen_cpuid_base();
    struct cpuid_regs r;

    if (!base)
        return 0;
    r = cpuid(base + 2);
    /* Value: guest-physical address of the page | page index (0). */
    wrmsr(r.ebx, (uint64_t)(uintptr_t)hypercall_page);
    return r.ebx;
}

struct shared_info *shared_info_map(long *rc)
{
    struct xen_add_to_physmap xatp;
    long ret;

    memset(&xatp, 0, sizeof(xatp));
    xatp.domid = DOMID_SELF;
    xatp.space = XENMAPSPACE_shared_info;
    xatp.idx = 0;
    xatp.gpfn = (xen_pfn_t)((uintptr_t)shared_info_page >> XEN_PAGE_SHIFT);
    ret = _HC(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, &xatp, 0);
    if (rc)
        *rc = ret;
    if (ret)
        return 0;
    shared_info = (struct shared_info *)shared_info_page;
    return shared_info;
}

/* (delta << shift) * mul >> 32 with a 96-bit intermediate, 32-bit safe. */
static uint64_t scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
    uint64_t lo, hi;

    if (shift < 0)
        delta >>= -shift;
    else
        delta <<= shift;
    lo = (uint64_t)(uint32_t)delta * mul;
    hi = (delta >> 32) * mul;
    return hi + (lo >> 32);
}

uint64_t pvclock_read_ns(const struct vcpu_time_info *t)
{
    const volatile struct vcpu_time_info *v = t;
    uint32_t ver;
    uint64_t ns;

    do {
        ver = v->version;
        barrier();
        ns = v->system_time +
             scale_delta(rdtsc() - v->tsc_timestamp, v->tsc_to_system_mul,
                         v->tsc_shift);
        barrier();
    } while ((ver & 1) || ver != v->version);
    return ns;
}

uint64_t pvclock_tsc_khz(const struct vcpu_time_info *t)
{
    uint64_t khz;

    if (!t->tsc_to_system_mul)
        return 0;
    khz = div64(1000000ULL << 32, t->tsc_to_system_mul, 0);
    if (t->tsc_shift < 0)
        khz <<= -t->tsc_shift;
    else
        khz >>= t->tsc_shift;
    return khz;
}

static bool port_pending(uint32_t p)
{
    return (__atomic_load_n(&shared_info->evtchn_pending[p / (8 * sizeof(xen_ulong_t))],
                            __ATOMIC_ACQUIRE) >> (p % (8 * sizeof(xen_ulong_t)))) & 1;
}

bool evtchn_wait(uint32_t port, unsigned int seconds)
{
    const struct vcpu_time_info *t = &shared_info->vcpu_info[0].time;
    uint64_t end = pvclock_read_ns(t) + seconds * 1000000000ULL;
    evtchn_port_t list[1] = { port };
    struct sched_poll p;

    while (!port_pending(port)) {
        if (pvclock_read_ns(t) >= end)
            return false;
        memset(&p, 0, sizeof(p));
        set_xen_guest_handle(p.ports, list);
        p.nr_ports = 1;
        p.timeout = pvclock_read_ns(t) + 1000000000ULL;
        if (HYPERVISOR_sched_op(SCHEDOP_poll, &p))
            return false;
    }
    __atomic_fetch_and(&shared_info->evtchn_pending[port / (8 * sizeof(xen_ulong_t))],
                       ~((xen_ulong_t)1 << (port % (8 * sizeof(xen_ulong_t)))), __ATOMIC_SEQ_CST);
    return true;
}
