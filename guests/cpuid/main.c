/*
 * cpuid: the guest's CPUID view.
 *   - leaf 0x40000000: "XenVMMXenVMM", max leaf >= 0x40000002;
 *   - leaf 0x40000001: version major >= 4 (and equal to XENVER_version);
 *   - leaf 0x40000002: at least one hypercall page, an MSR index;
 *   - leaf 1 ECX bit 31 (hypervisor present) set;
 *   - leaf 0x80000001 ECX bit 2 (SVM) clear: no nested virtualisation.
 * Prints the vendor string and the leaves. Expected: PASS.
 */
#include "guest.h"

const char test_name[] = "cpuid";

void test_main(void)
{
    struct cpuid_regs r = cpuid(0);
    char vendor[13];
    uint32_t base, max;
    long v;

    memcpy(vendor, &r.ebx, 4);
    memcpy(vendor + 4, &r.edx, 4);
    memcpy(vendor + 8, &r.ecx, 4);
    vendor[12] = '\0';
    printf("vendor \"%s\", max basic leaf 0x%x\n", vendor, r.eax);

    r = cpuid(1);
    printf("leaf 1: ecx 0x%08x edx 0x%08x\n", r.ecx, r.edx);
    if (!(r.ecx & (1U << 31)))
        guest_fail("CPUID 1 ECX bit 31 (hypervisor) is clear");

    r = cpuid(0x80000000);
    if (r.eax >= 0x80000001) {
        r = cpuid(0x80000001);
        printf("leaf 0x80000001: ecx 0x%08x edx 0x%08x\n", r.ecx, r.edx);
        if (r.ecx & (1U << 2))
            guest_fail("CPUID 0x80000001 ECX bit 2 (SVM) is visible");
    }

    base = xen_cpuid_base();
    if (!base)
        guest_fail("no XenVMMXenVMM signature in 0x40000000-0x4000ff00");
    max = cpuid(base).eax;
    printf("Xen leaves at 0x%x, max 0x%x\n", base, max);
    ASSERT(max >= base + 2);

    r = cpuid(base + 1);
    printf("leaf base+1: version %u.%u\n", r.eax >> 16, r.eax & 0xffff);
    ASSERT((r.eax >> 16) >= 4);
    if (!cons_debugcon()) {
        v = HYPERVISOR_xen_version(XENVER_version, 0);
        ASSERT(v == (long)r.eax);
    }

    r = cpuid(base + 2);
    printf("leaf base+2: %u hypercall page(s), MSR 0x%x\n", r.eax, r.ebx);
    ASSERT(r.eax >= 1);
    ASSERT(r.ebx != 0);

    if (max >= base + 4) {
        r = cpuid(base + 4);
        printf("leaf base+4: flags 0x%x vcpu %u domid %u\n", r.eax, r.ebx,
               r.ecx);
    }
}
