/*
 * Intercepted MSRs: EFER (SVME hidden), PAT, the APIC base, x2APIC
 * registers and TSC deadline, DEBUGCTL (debugreg.c), the Xen hypercall-page MSR, and the
 * AMD model-specific MSRs stock Linux reads without a safety net
 * (research note §4.4). Other reads raise #GP, other writes are dropped.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <asm/guest_access.h>
#include <asm/hvm.h>
#include <asm/cpu.h>
#include <asm/page.h>
#include <asm/vlapic.h>
#include <public/arch-x86/cpuid.h>

#define MSR_TSC             0x10
#define MSR_TSC_DEADLINE    0x6E0
#define MSR_PATCH_LEVEL     0x8B
#define MSR_MTRRCAP         0xFE
#define MSR_MTRR_DEF_TYPE   0x2FF
#define MSR_HWCR            0xC0010015
#define MSR_INT_PENDING_MSG 0xC0010055
#define MSR_SEV_STATUS      0xC0010131
#define MSR_VM_CR_AMD       0xC0010114

/* The hypercall page: one 32-byte stub per hypercall, "mov $nr, %eax;
 * vmmcall; ret", int3 padding. */
static int write_hypercall_page(struct vcpu *v, uint64_t val)
{
    uint8_t stub[XEN_HYPERCALL_STUB_SIZE];
    gpaddr_t gpa = val & PAGE_MASK;

    if (val & ~PAGE_MASK)
        return -EINVAL;         /* only page 0 exists */
    memset(stub, 0xCC, sizeof(stub));
    stub[0] = 0xB8;
    stub[4] = 0;
    stub[5] = 0x0F; stub[6] = 0x01; stub[7] = 0xD9;
    stub[8] = 0xC3;
    for (unsigned int i = 0; i < PAGE_SIZE / XEN_HYPERCALL_STUB_SIZE; i++) {
        stub[1] = i & 0xff;
        stub[2] = i >> 8;
        stub[3] = 0;
        if (copy_to_gpa(v->domain, gpa + i * XEN_HYPERCALL_STUB_SIZE, stub, sizeof(stub)))
            return -EFAULT;
    }
    return 0;
}

static bool pat_valid(uint64_t pat)
{
    for (int i = 0; i < 8; i++) {
        uint8_t t = (pat >> (8 * i)) & 0xFF;
        if (t == 2 || t == 3 || t > 7)
            return false;
    }
    return true;
}

bool hvm_handle_msr(struct vcpu *v, bool write)
{
    struct guest_regs *r = &v->arch.regs;
    uint32_t msr = (uint32_t)r->rcx;
    uint64_t val = (r->rdx << 32) | (uint32_t)r->rax;

    if (msr == MSR_APIC_BASE || (msr >= 0x800 && msr <= 0x8FF)) {
        bool ok = write ? vlapic_wrmsr(v, msr, val) : vlapic_rdmsr(v, msr, &val);
        if (!ok)
            goto gp;
        if (!write)
            goto out;
        return true;
    }

    if (write) {
        switch (msr) {
        case MSR_EFER: {
            struct guest_paging pg;

            if (val & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
                goto gp;
            /* LME may change only with paging off: the CPU raises #GP
             * otherwise. Accepting it left a 64-bit guest with LMA but no
             * LME (found by guests/hcfuzz). LMA is read-only: set_efer
             * keeps it. */
            hvm->get_paging(v, &pg);
            if ((pg.cr0 & X86_CR0_PG) && ((val ^ pg.efer) & EFER_LME))
                goto gp;
            hvm->set_efer(v, val);
            return true;
        }
        case XEN_HYPERCALL_MSR_DEFAULT:
            if (write_hypercall_page(v, val))
                goto gp;
            return true;
        case MSR_PAT:
            if (!pat_valid(val))
                goto gp;
            hvm->set_pat(v, val);
            return true;
        case MSR_DEBUGCTL:
            if (!hvm_debugctl_write(v, val))
                goto gp;
            return true;
        case MSR_TSC_DEADLINE:
            vlapic_tsc_deadline_write(v, val);
            return true;
        case MSR_VM_HSAVE_PA:       /* no nested SVM */
        case MSR_TSC:               /* the TSC is not writable: one offset for all */
            goto gp;
        default:
            /* Dropped, as Xen does for harmless MSRs; logged at debug level. */
            printk_lvl(LOG_DEBUG, "d%u v%u: ignored wrmsr %#x <- %#lx\n",
                       v->domain->id, v->id, msr, (unsigned long)val);
            return true;
        }
    }
    switch (msr) {
    case MSR_EFER:
        val = hvm->get_efer(v);
        break;
    case MSR_PAT:
        val = hvm->get_pat(v);
        break;
    case MSR_DEBUGCTL:
        val = hvm_debugctl_read(v);
        break;
    case MSR_TSC_DEADLINE:
        val = vlapic_tsc_deadline_read(v);
        break;
    case MSR_VM_CR_AMD:         /* SVM disabled and locked */
        val = (1ULL << 4) | (1ULL << 3);
        break;
    case MSR_TSC:
        val = rdtsc();
        break;
    case MSR_HWCR:
        val = 1ULL << 24;       /* TscFreqSel: the TSC runs at P0 frequency */
        break;
    case MSR_INT_PENDING_MSG:   /* read unguarded on family 0xF (erratum 400) */
    case MSR_SEV_STATUS:
    case MSR_PATCH_LEVEL:
    case MSR_MTRRCAP:
    case MSR_MTRR_DEF_TYPE:
        val = 0;
        break;
    default:
        printk_lvl(LOG_DEBUG, "d%u v%u: rdmsr %#x unmodelled: #GP\n",
                   v->domain->id, v->id, msr);
        goto gp;
    }
out:
    r->rax = (uint32_t)val;
    r->rdx = val >> 32;
    return true;
gp:
    hvm->inject_exception(v, 13, 0);
    return false;
}
