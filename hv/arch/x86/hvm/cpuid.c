/*
 * The CPUID a guest sees: the host's, minus what Oryx does not virtualise
 * (SVM, MTRR/MCE/MCA, XSAVE/AVX, monitor/mwait, SME/SEV, TSC_AUX, the
 * speculation controls), plus the hypervisor bit, x2APIC, the vCPU's APIC
 * ID and the Xen leaves at 0x40000000. Policy facts: the research note
 * pvh-linux-abi.md §4.5.
 */
#include <oryx/lib.h>
#include <oryx/version.h>
#include <oryx/domain.h>
#include <asm/hvm.h>
#include <asm/cpu.h>
#include <public/arch-x86/cpuid.h>

#define GUEST_MAX_EXT_LEAF 0x80000008   /* hides 0x8000001E/1F (SME, SEV) */

static void cpuid_xen_leaves(struct vcpu *v, uint32_t leaf, struct guest_regs *r)
{
    uint32_t idx = leaf - XEN_CPUID_FIRST_LEAF;

    r->rax = r->rbx = r->rcx = r->rdx = 0;
    switch (idx) {
    case 0:
        r->rax = XEN_CPUID_FIRST_LEAF + XEN_CPUID_MAX_NUM_LEAVES;
        r->rbx = XEN_CPUID_SIGNATURE_EBX;
        r->rcx = XEN_CPUID_SIGNATURE_ECX;
        r->rdx = XEN_CPUID_SIGNATURE_EDX;
        break;
    case 1:
        r->rax = (ORYX_XEN_MAJOR << 16) | ORYX_XEN_MINOR;
        break;
    case 2:
        r->rax = 1;                             /* hypercall pages */
        r->rbx = XEN_HYPERCALL_MSR_DEFAULT;
        break;
    case 4:
        /* No per-vCPU upcall vector bit: guests use the global callback. */
        r->rax = XEN_HVM_CPUID_X2APIC_VIRT | XEN_HVM_CPUID_VCPU_ID_PRESENT |
                 XEN_HVM_CPUID_DOMID_PRESENT;
        r->rbx = v->id;
        r->rcx = v->domain->id;
        break;
    default:
        break;      /* leaves 3 and 5: nothing offered yet */
    }
}

/* The guest's view of a host leaf (not the Xen leaves): EAX..EDX. Only
 * the APIC IDs depend on the vCPU; every domain has the same policy. */
static void cpuid_policy(unsigned int vcpu_id, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    uint32_t a, b, c, d;

    if (leaf > GUEST_MAX_EXT_LEAF && leaf >= 0x80000000) {
        leaf = GUEST_MAX_EXT_LEAF;      /* out of range: the highest leaf, as CPUs do */
    }
    cpuid_count(leaf, sub, &a, &b, &c, &d);
    switch (leaf) {
    case 0:
        a = MIN(a, 0xDu);
        break;
    case 1:
        b = (b & 0x0000FFFF) | ((uint32_t)vcpu_id << 24) | (1u << 16);
        c |= (1u << 31) | (1u << 24) | (1u << 21);    /* hypervisor, TSC-deadline, x2APIC */
        c &= ~((1u << 3) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) |
               (1u << 15) | (1u << 18));        /* MONITOR VMX SMX EST TM2 PDCM DCA */
        c &= ~((1u << 26) | (1u << 27) | (1u << 28));   /* XSAVE OSXSAVE AVX: FXSAVE state only */
        d |= 1u << 9;                   /* APIC */
        d &= ~((1u << 7) | (1u << 12) | (1u << 14) | (1u << 22) | (1u << 28) |
               (1u << 29));             /* MCE MTRR MCA ACPI HTT TM */
        break;
    case 6:
        a = b = c = d = 0;
        break;
    case 7:
        if (sub == 0) {
            b &= ~((1u << 1) | (1u << 4) | (1u << 5) | (1u << 11) | (1u << 12) |
                   (1u << 14) | (1u << 15) | (1u << 16) | (1u << 17) | (1u << 21) |
                   (1u << 26) | (1u << 27) | (1u << 28) | (1u << 30) | (1u << 31));
            c &= ~((1u << 16) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 22));
            d = 0;
        } else
            a = b = c = d = 0;
        break;
    case 0xB:
        d = vcpu_id;
        break;
    case 0xD:
        a = b = c = d = 0;
        break;
    case 0x80000000:
        a = MIN(a, (uint32_t)GUEST_MAX_EXT_LEAF);
        break;
    case 0x80000001:
        c &= ~((1u << 2) | (1u << 3) | (1u << 9) | (1u << 10) | (1u << 12) |
               (1u << 13) | (1u << 19) | (1u << 22) | (1u << 23));
        d &= ~(1u << 27);               /* RDTSCP: TSC_AUX is not switched */
        break;
    case 0x80000008:
        b = 0;                          /* no IBPB/IBRS/STIBP/SSBD */
        c &= ~0xFFu;                    /* one core per package */
        break;
    case 0x8000000A:
        a = b = c = d = 0;              /* SVM features: none */
        break;
    default:
        break;
    }
    out[0] = a;
    out[1] = b;
    out[2] = c;
    out[3] = d;
}

bool hvm_handle_cpuid(struct vcpu *v)
{
    struct guest_regs *r = &v->arch.regs;
    uint32_t leaf = (uint32_t)r->rax, sub = (uint32_t)r->rcx;
    uint32_t out[4];

    if (leaf >= XEN_CPUID_FIRST_LEAF && leaf < XEN_CPUID_FIRST_LEAF + 0x10000) {
        if (leaf <= XEN_CPUID_FIRST_LEAF + XEN_CPUID_MAX_NUM_LEAVES)
            cpuid_xen_leaves(v, leaf, r);
        else
            r->rax = r->rbx = r->rcx = r->rdx = 0;
        return true;
    }
    cpuid_policy(v->id, leaf, sub, out);
    r->rax = out[0];
    r->rbx = out[1];
    r->rcx = out[2];
    r->rdx = out[3];
    return true;
}

static uint64_t guest_cr4_valid;

/*
 * The CR4 bits a guest may set: those whose feature its CPUID shows (what
 * real hardware reserves is reserved here too, so that the write faults at
 * the intercept instead of making VMRUN refuse the state). Worked out once
 * at boot: the policy is the same for every domain.
 */
uint64_t hvm_cr4_valid_bits(void)
{
    return guest_cr4_valid;
}

void hvm_cpuid_init(void)
{
    uint32_t l1[4], l7[4];
    uint64_t bits = X86_CR4_TSD | X86_CR4_PCE;

    cpuid_policy(0, 1, 0, l1);
    cpuid_policy(0, 7, 0, l7);
    if (l1[3] & (1u << 1))
        bits |= X86_CR4_VME | X86_CR4_PVI;
    if (l1[3] & (1u << 2))
        bits |= X86_CR4_DE;
    if (l1[3] & (1u << 3))
        bits |= X86_CR4_PSE;
    if (l1[3] & (1u << 6))
        bits |= X86_CR4_PAE;
    if (l1[3] & (1u << 7))
        bits |= X86_CR4_MCE;
    if (l1[3] & (1u << 13))
        bits |= X86_CR4_PGE;
    if (l1[3] & (1u << 24))
        bits |= X86_CR4_OSFXSR;
    if (l1[3] & (1u << 25))
        bits |= X86_CR4_OSXMMEXCPT;
    if (l1[2] & (1u << 17))
        bits |= X86_CR4_PCIDE;
    if (l1[2] & (1u << 26))
        bits |= X86_CR4_OSXSAVE;
    if (l7[1] & (1u << 0))
        bits |= X86_CR4_FSGSBASE;
    if (l7[1] & (1u << 7))
        bits |= X86_CR4_SMEP;
    if (l7[1] & (1u << 20))
        bits |= X86_CR4_SMAP;
    if (l7[2] & (1u << 2))
        bits |= X86_CR4_UMIP;
    if (l7[2] & (1u << 3))
        bits |= X86_CR4_PKE;
    if (l7[2] & (1u << 16))
        bits |= X86_CR4_LA57;
    guest_cr4_valid = bits;
}

