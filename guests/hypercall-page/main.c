/*
 * hypercall-page: asks for the hypercall page through the MSR named by
 * CPUID base+2 EBX, checks that the hypervisor filled it (each 32-byte
 * stub i should load i into EAX and execute VMMCALL), then makes every
 * later hypercall through the page: xen_version (compared with a direct
 * VMMCALL), console output, an unknown number (-ENOSYS) and the final
 * shutdown. Expected: PASS.
 */
#include "guest.h"

const char test_name[] = "hypercall-page";

static bool stub_has_vmmcall(unsigned int nr)
{
    const uint8_t *s = hypercall_page + nr * XEN_HYPERCALL_STUB_SIZE;
    unsigned int i;

    for (i = 0; i + 3 <= XEN_HYPERCALL_STUB_SIZE; i++)
        if (s[i] == 0x0f && s[i + 1] == 0x01 && s[i + 2] == 0xd9)
            return true;
    return false;
}

void test_main(void)
{
    static const unsigned int used[] = {
        __HYPERVISOR_console_io, __HYPERVISOR_xen_version,
        __HYPERVISOR_sched_op, 43,
    };
    const uint8_t *s;
    long direct, paged;
    uint32_t msr, imm;
    unsigned int i;

    direct = HYPERVISOR_xen_version(XENVER_version, 0);
    msr = hypercall_page_request();
    if (!msr)
        guest_fail("no Xen CPUID leaves");
    printf("hypercall page at %p requested through MSR 0x%x\n",
           (void *)hypercall_page, msr);

    for (i = 0; i < sizeof(used) / sizeof(used[0]); i++) {
        s = hypercall_page + used[i] * XEN_HYPERCALL_STUB_SIZE;
        if (!stub_has_vmmcall(used[i]))
            guest_fail("stub %u has no VMMCALL (bytes %02x %02x %02x %02x)",
                       used[i], s[0], s[1], s[2], s[3]);
        if (s[0] == 0xb8) {     /* mov $imm32, %eax */
            memcpy(&imm, s + 1, 4);
            if (imm != used[i])
                guest_fail("stub %u loads %u into EAX", used[i], imm);
        }
    }

    hypercall_page_enable(hypercall_page);
    printf("this line went through the hypercall page\n");
    paged = HYPERVISOR_xen_version(XENVER_version, 0);
    if (paged != direct)
        guest_fail("xen_version: %ld through the page, %ld direct", paged,
                   direct);
    CHECK_RC(hypercall_raw(43, 0, 0, 0, 0, 0), -ENOSYS);
}
