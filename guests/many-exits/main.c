/*
 * many-exits: the world-switch benchmark. Times iters=N (default
 * 1000000) CPUID instructions (each one exits to the hypervisor) and N
 * NOPs (none exits) with the guest TSC, then hc=M (default 100000)
 * xen_version hypercalls, and prints cycles per instruction and the ratio
 * CPUID/NOP, plus one machine-readable line:
 *   BENCH many-exits cpuid_cycles=<c> nop_cycles=<c> ratio_x100=<r>
 *         hypercall_cycles=<c> iters=<n>
 * Expected: PASS.
 */
#include "guest.h"

const char test_name[] = "many-exits";

static uint64_t per_iter(uint64_t cycles, uint64_t n)
{
    return n ? div64(cycles, n, 0) : 0;
}

void test_main(void)
{
    uint64_t iters = cmdline_u64("iters", 1000000);
    uint64_t hc = cmdline_u64("hc", 100000);
    uint64_t i, t0, c_cpuid, c_nop, c_hc = 0, ratio_x100;

    t0 = rdtsc();
    for (i = 0; i < iters; i++) {
        uint32_t a = 0, b, c = 0, d;

        __asm__ volatile ("cpuid" : "+a" (a), "=b" (b), "+c" (c), "=d" (d));
    }
    c_cpuid = rdtsc() - t0;

    t0 = rdtsc();
    for (i = 0; i < iters; i++)
        __asm__ volatile ("nop" ::: "memory");
    c_nop = rdtsc() - t0;

    if (!cons_debugcon()) {
        t0 = rdtsc();
        for (i = 0; i < hc; i++)
            HYPERVISOR_xen_version(XENVER_version, 0);
        c_hc = rdtsc() - t0;
    }

    ratio_x100 = c_nop ? div64(c_cpuid * 100, c_nop, 0) : 0;
    printf("many-exits: cpuid: %llu iterations, %llu cycles, %llu cycles each\n",
           (unsigned long long)iters, (unsigned long long)c_cpuid,
           (unsigned long long)per_iter(c_cpuid, iters));
    printf("many-exits: nop:   %llu iterations, %llu cycles, %llu cycles each\n",
           (unsigned long long)iters, (unsigned long long)c_nop,
           (unsigned long long)per_iter(c_nop, iters));
    printf("many-exits: xen_version hypercall: %llu calls, %llu cycles each\n",
           (unsigned long long)hc, (unsigned long long)per_iter(c_hc, hc));
    printf("many-exits: ratio cpuid/nop %llu.%02llu\n",
           (unsigned long long)div64(ratio_x100, 100, 0),
           (unsigned long long)(ratio_x100 - div64(ratio_x100, 100, 0) * 100));
    printf("BENCH many-exits cpuid_cycles=%llu nop_cycles=%llu ratio_x100=%llu hypercall_cycles=%llu iters=%llu\n",
           (unsigned long long)per_iter(c_cpuid, iters),
           (unsigned long long)per_iter(c_nop, iters),
           (unsigned long long)ratio_x100,
           (unsigned long long)per_iter(c_hc, hc),
           (unsigned long long)iters);
}
