/*
 * AMD SVM back end: CPU enable, VMCB set-up, ASIDs, entry and exit
 * dispatch. Exits are decoded here and handed to the vendor-neutral
 * handlers in hvm.c; nothing else knows the VMCB.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/page_alloc.h>
#include <oryx/domain.h>
#include <oryx/vcpu.h>
#include <asm/hvm.h>
#include <asm/cpu.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/mm.h>
#include "vmcb.h"
#include <asm/vlapic.h>

void svm_vmrun(struct guest_regs *regs, paddr_t vmcb_pa, paddr_t host_vmcb_pa);
extern const char svm_vmrun_host_rip[];     /* entry.S: the host's RIP after VMRUN */

#define CPUID_SVM_FEATURES  0x8000000A
#define SVM_FEAT_NPT        (1u << 0)
#define SVM_FEAT_NRIPS      (1u << 3)
#define VM_CR_SVMDIS        (1u << 4)

static uint32_t svm_nr_asids;
static uint32_t svm_features;
static paddr_t iopm_pa;         /* 12 KiB: every port intercepted */
static paddr_t msrpm_pa;        /* 8 KiB: MSR intercept bitmap */

static inline struct svm_vcpu *svm_of(struct vcpu *v)
{
    return &v->arch.vendor.svm;
}

static inline struct vmcb *vmcb_of(struct vcpu *v)
{
    return v->arch.vendor.svm.vmcb;
}

static inline void clgi(void) { asm volatile("clgi" : : : "memory"); }
static inline void stgi(void) { asm volatile("stgi" : : : "memory"); }

/* MSRs the guest may access directly: its own syscall and segment state,
 * which VMLOAD/VMSAVE switch. Everything else is intercepted. */
static const uint32_t passthrough_msrs[] = {
    MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
    MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK,
    MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,
};

static void msrpm_allow(uint8_t *pm, uint32_t msr)
{
    uint32_t base;

    if (msr <= 0x1FFF)
        base = 0;
    else if (msr >= 0xC0000000 && msr <= 0xC0001FFF)
        base = 0x800, msr -= 0xC0000000;
    else if (msr >= 0xC0010000 && msr <= 0xC0011FFF)
        base = 0x1000, msr -= 0xC0010000;
    else
        return;
    /* two bits per MSR: read intercept, write intercept */
    pm[base + msr / 4] &= (uint8_t)~(3u << ((msr % 4) * 2));
}

/*
 * GIF is set outside svm_vcpu_run's world switch, but QEMU's SVM emulation
 * has been seen (dom0test, once in many runs) to leave a CPU idle with it
 * clear after a guest's HLT exit: the LAPIC held the timer and an IPI in
 * IRR, IF was 1, and the CPU slept for good with two domains' vCPUs on
 * it. Setting it again here costs one instruction per idle halt.
 */
static void svm_cpu_idle(void)
{
    stgi();
}

static int svm_cpu_up(void)
{
    struct per_cpu *pc = this_cpu();
    paddr_t hsave = page_alloc_zeroed(0, NULL);
    paddr_t host = page_alloc_zeroed(0, NULL);

    if (!hsave || !host)
        return -ENOMEM;
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
    wrmsr(MSR_VM_HSAVE_PA, hsave);
    pc->vendor.svm.hsave_pa = hsave;
    pc->vendor.svm.host_vmcb_pa = host;
    pc->vendor.svm.asid_max = svm_nr_asids - 1;
    pc->vendor.svm.asid_next = 1;
    pc->vendor.svm.asid_generation = 1;
    return 0;
}

static void seg_flat(struct vmcb_seg *s, uint16_t sel, uint16_t attrib)
{
    s->sel = sel;
    s->attrib = attrib;
    s->limit = 0xFFFFFFFF;
    s->base = 0;
}

static void svm_vcpu_set_pvh_entry(struct vcpu *v, uint32_t eip, uint32_t ebx)
{
    struct vmcb *vmcb = vmcb_of(v);

    /* 32-bit flat code and data (attrib: type/S/DPL/P, then G and D/B). */
    seg_flat(&vmcb->cs, 0x08, 0xC9B);
    seg_flat(&vmcb->ds, 0x10, 0xC93);
    seg_flat(&vmcb->es, 0x10, 0xC93);
    seg_flat(&vmcb->ss, 0x10, 0xC93);
    seg_flat(&vmcb->fs, 0x10, 0xC93);
    seg_flat(&vmcb->gs, 0x10, 0xC93);
    vmcb->tr = (struct vmcb_seg){ .sel = 0x18, .attrib = 0x8B, .limit = 0x67, .base = 0 };
    vmcb->ldtr = (struct vmcb_seg){ .sel = 0, .attrib = 0x82, .limit = 0, .base = 0 };
    vmcb->gdtr = (struct vmcb_seg){ .limit = 0 };
    vmcb->idtr = (struct vmcb_seg){ .limit = 0 };
    vmcb->cpl = 0;
    vmcb->cr0 = X86_CR0_PE | X86_CR0_ET;
    vmcb->cr3 = 0;
    vmcb->cr4 = 0;
    vmcb->efer = EFER_SVME;     /* required by VMRUN; hidden from the guest */
    svm_of(v)->efer_lme = false;
    vmcb->dr6 = 0xFFFF0FF0;
    vmcb->dr7 = 0x400;
    vmcb->g_pat = 0x0007040600070406ULL;
    memset(&v->arch.regs, 0, sizeof(v->arch.regs));
    v->arch.regs.rip = eip;
    v->arch.regs.rbx = ebx;
    v->arch.regs.rflags = 0x2;
}

/* What every start state shares: debug registers and PAT at their reset
 * values, no event pending or being re-injected, registers zero. */
static void entry_reset(struct vcpu *v)
{
    struct vmcb *vmcb = vmcb_of(v);

    vmcb->dr6 = 0xFFFF0FF0;
    vmcb->dr7 = 0x400;
    vmcb->g_pat = 0x0007040600070406ULL;
    vmcb->eventinj = 0;
    vmcb->interrupt_shadow = 0;
    svm_of(v)->reinject_vec = -1;
    memset(&v->arch.regs, 0, sizeof(v->arch.regs));
}

/* An AP leaving wait-for-SIPI: real mode at vector << 12, as after INIT. */
static void svm_vcpu_set_realmode_entry(struct vcpu *v, uint8_t vector)
{
    struct vmcb *vmcb = vmcb_of(v);
    struct vmcb_seg data = { .sel = 0, .attrib = 0x93, .limit = 0xFFFF, .base = 0 };

    vmcb->cs = (struct vmcb_seg){ .sel = (uint16_t)vector << 8, .attrib = 0x9B,
                                  .limit = 0xFFFF, .base = (uint64_t)vector << 12 };
    vmcb->ds = vmcb->es = vmcb->ss = vmcb->fs = vmcb->gs = data;
    vmcb->tr = (struct vmcb_seg){ .sel = 0, .attrib = 0x8B, .limit = 0xFFFF, .base = 0 };
    vmcb->ldtr = (struct vmcb_seg){ .sel = 0, .attrib = 0x82, .limit = 0xFFFF, .base = 0 };
    vmcb->gdtr = (struct vmcb_seg){ .limit = 0xFFFF };
    vmcb->idtr = (struct vmcb_seg){ .limit = 0xFFFF };
    vmcb->cpl = 0;
    vmcb->cr0 = X86_CR0_ET;
    vmcb->cr3 = 0;
    vmcb->cr4 = 0;
    vmcb->efer = EFER_SVME;
    svm_of(v)->efer_lme = false;
    entry_reset(v);
    v->arch.regs.rflags = 0x2;
    v->arch.fpu_initialised = false;
}

static int svm_vcpu_init(struct vcpu *v)
{
    paddr_t pa = page_alloc_zeroed(0, &v->domain->acct);
    struct vmcb *vmcb;

    if (!pa)
        return -ENOMEM;
    vmcb = __va(pa);
    svm_of(v)->vmcb = vmcb;
    svm_of(v)->vmcb_pa = pa;
    svm_of(v)->last_cpu = -1;
    svm_of(v)->virq_vec = -1;
    svm_of(v)->reinject_vec = -1;
    svm_of(v)->shutdown_redone_rip = ~0ULL;

    vmcb->cr_read_icpt = 0;
    vmcb->cr_write_icpt = 1u << 4;              /* CR4: reserved bits checked */
    vmcb->dr_read_icpt = 0xFF;                  /* DR0-DR7: see hvm/debugreg.c */
    vmcb->dr_write_icpt = 0xFF;
    vmcb->exception_icpt = (1u << 18) |         /* #MC */
                           (1u << 6);           /* #UD: ICEBP under QEMU's TCG (hvm/icebp.c) */
    vmcb->icpt3 = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_SMI | INTERCEPT_INIT |
                  INTERCEPT_CR0_SEL | INTERCEPT_CPUID | INTERCEPT_RSM | INTERCEPT_INVD |
                  INTERCEPT_HLT | INTERCEPT_INVLPGA | INTERCEPT_IOIO | INTERCEPT_MSR |
                  INTERCEPT_TASKSW | INTERCEPT_SHUTDOWN;
    vmcb->icpt4 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD |
                  INTERCEPT_VMSAVE | INTERCEPT_STGI | INTERCEPT_CLGI |
                  INTERCEPT_SKINIT | INTERCEPT_XSETBV | INTERCEPT_ICEBP;
    vmcb->iopm_base_pa = iopm_pa;
    vmcb->msrpm_base_pa = msrpm_pa;
    vmcb->vintr = VINTR_MASKING;                /* host IF governs host interrupts */
    vmcb->np_enable = 1;
    vmcb->n_cr3 = v->domain->p2m.root;
    vmcb->tsc_offset = 0;
    hvm_vcpu_reset(v);
    return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
    if (svm_of(v)->vmcb_pa)
        page_free(svm_of(v)->vmcb_pa, 0, &v->domain->acct);
    svm_of(v)->vmcb = NULL;
    svm_of(v)->vmcb_pa = 0;
}

/* A fresh ASID when this vCPU moved CPU or the CPU's generation rolled. */
static void svm_asid_assign(struct vcpu *v)
{
    struct per_cpu *pc = this_cpu();
    struct vmcb *vmcb = vmcb_of(v);

    vmcb->tlb_control = TLB_CONTROL_NONE;
    if (svm_of(v)->last_cpu == (int)pc->cpu_id &&
        svm_of(v)->asid_gen == pc->vendor.svm.asid_generation) {
        if (__atomic_exchange_n(&v->arch.tlb_flush, false, __ATOMIC_SEQ_CST))
            vmcb->tlb_control = TLB_CONTROL_FLUSH_ASID;
        return;
    }
    __atomic_store_n(&v->arch.tlb_flush, false, __ATOMIC_SEQ_CST);    /* a new ASID starts empty */
    if (pc->vendor.svm.asid_next > pc->vendor.svm.asid_max) {
        pc->vendor.svm.asid_generation++;
        pc->vendor.svm.asid_next = 1;
        vmcb->tlb_control = TLB_CONTROL_FLUSH_ALL;
    } else
        vmcb->tlb_control = TLB_CONTROL_FLUSH_ASID;
    svm_of(v)->asid = pc->vendor.svm.asid_next++;
    svm_of(v)->asid_gen = pc->vendor.svm.asid_generation;
    svm_of(v)->last_cpu = (int)pc->cpu_id;
    vmcb->asid = svm_of(v)->asid;
}

static void svm_inject_exception(struct vcpu *v, unsigned int vector, int errcode)
{
    uint64_t ev = vector | EVENT_TYPE_EXCEPTION | EVENT_VALID;

    if (errcode >= 0)
        ev |= EVENT_ERR_VALID | ((uint64_t)(uint32_t)errcode << 32);
    vmcb_of(v)->eventinj = ev;
}

/*
 * The guest's EFER as it sees it. With paging off, LME has no effect (LMA
 * follows LME only when CR0.PG turns on) and the VMCB holds it clear: QEMU's
 * TCG, at #VMEXIT, restores the host's CR0 while the guest's EFER and CR4
 * are still loaded, and with guest LME set and PAE clear it then drops the
 * host's CR0 (paging off under the hypervisor's feet). A guest that set
 * LME in 32-bit mode without paging triggered it (found by guests/hcfuzz).
 * set_cr0 moves LME in when paging turns on, out when it turns off.
 */
static uint64_t svm_guest_efer(struct vcpu *v)
{
    return (vmcb_of(v)->efer & ~(EFER_SVME | EFER_LME)) | (svm_of(v)->efer_lme ? EFER_LME : 0);
}

static void svm_get_paging(struct vcpu *v, struct guest_paging *pg)
{
    struct vmcb *vmcb = vmcb_of(v);

    pg->cr0 = vmcb->cr0;
    pg->cr3 = vmcb->cr3;
    pg->cr4 = vmcb->cr4;
    pg->efer = svm_guest_efer(v) | EFER_SVME;
}

static enum insn_mode svm_insn_mode(struct vcpu *v)
{
    struct vmcb *vmcb = vmcb_of(v);

    if ((vmcb->efer & EFER_LMA) && (vmcb->cs.attrib & (1u << 9)))
        return INSN_MODE_64;
    if (!(vmcb->cr0 & X86_CR0_PE))
        return INSN_MODE_16;
    return (vmcb->cs.attrib & (1u << 10)) ? INSN_MODE_32 : INSN_MODE_16;
}

static int svm_cpl(struct vcpu *v)
{
    return vmcb_of(v)->cpl;
}

static uint64_t svm_cs_base(struct vcpu *v)
{
    return svm_insn_mode(v) == INSN_MODE_64 ? 0 : vmcb_of(v)->cs.base;
}

static uint64_t svm_get_efer(struct vcpu *v)
{
    return svm_guest_efer(v);
}

/* LMA is the CPU's to set (when paging turns on with LME); SVME must stay
 * set for VMRUN and is never visible to the guest. LME reaches the VMCB
 * only together with CR0.PG (see svm_guest_efer). */
static void svm_set_efer(struct vcpu *v, uint64_t efer)
{
    struct vmcb *vmcb = vmcb_of(v);
    bool lme = efer & EFER_LME;

    svm_of(v)->efer_lme = lme;
    vmcb->efer = (efer & ~(EFER_LMA | EFER_LME)) | (vmcb->efer & EFER_LMA) | EFER_SVME |
                 (lme && (vmcb->cr0 & X86_CR0_PG) ? EFER_LME : 0);
}

static uint64_t svm_get_pat(struct vcpu *v)
{
    return vmcb_of(v)->g_pat;
}

static void svm_set_pat(struct vcpu *v, uint64_t pat)
{
    vmcb_of(v)->g_pat = pat;
}

static void svm_set_cr0(struct vcpu *v, uint64_t cr0)
{
    struct vmcb *vmcb = vmcb_of(v);

    vmcb->cr0 = cr0;
    if ((cr0 & X86_CR0_PG) && svm_of(v)->efer_lme)
        vmcb->efer |= EFER_LME | EFER_LMA;
    else if (!(cr0 & X86_CR0_PG))
        vmcb->efer &= ~(EFER_LME | EFER_LMA);
}

static void svm_set_cr4(struct vcpu *v, uint64_t cr4)
{
    vmcb_of(v)->cr4 = cr4;
}

static uint64_t svm_get_dr(struct vcpu *v, unsigned int n)
{
    return n == 6 ? vmcb_of(v)->dr6 : vmcb_of(v)->dr7;
}

static void svm_set_dr(struct vcpu *v, unsigned int n, uint64_t val)
{
    if (n == 6)
        vmcb_of(v)->dr6 = val;
    else
        vmcb_of(v)->dr7 = val;
}

static void svm_get_idtr(struct vcpu *v, uint64_t *base, uint32_t *limit)
{
    *base = vmcb_of(v)->idtr.base;
    *limit = vmcb_of(v)->idtr.limit;
}

/* Segment registers in the encoding's order: ES CS SS DS FS GS; then
 * LDTR (6) and TR (7). */
static const struct vmcb_seg *svm_seg(struct vmcb *vmcb, unsigned int n)
{
    switch (n) {
    case 6: return &vmcb->ldtr;
    case 7: return &vmcb->tr;
    }
    return &vmcb->es + (n < 6 ? n : 3);
}

static void svm_get_seg(struct vcpu *v, unsigned int n, struct hvm_seg *s)
{
    const struct vmcb_seg *r = svm_seg(vmcb_of(v), n);

    *s = (struct hvm_seg){ .sel = r->sel, .attr = r->attrib, .limit = r->limit, .base = r->base };
}

static void svm_set_seg(struct vcpu *v, unsigned int n, const struct hvm_seg *s)
{
    struct vmcb_seg *r = &vmcb_of(v)->es + n;

    if (n >= 6)
        return;
    *r = (struct vmcb_seg){ .sel = s->sel, .attrib = s->attr, .limit = s->limit,
                            .base = s->base };
}

static void svm_get_gdtr(struct vcpu *v, uint64_t *base, uint32_t *limit)
{
    *base = vmcb_of(v)->gdtr.base;
    *limit = vmcb_of(v)->gdtr.limit;
}

static void svm_set_cpl(struct vcpu *v, unsigned int cpl)
{
    vmcb_of(v)->cpl = (uint8_t)(cpl & 3);
}

static void svm_get_syscall_msrs(struct vcpu *v, uint64_t msr[4])
{
    const struct vmcb *vmcb = vmcb_of(v);

    msr[0] = vmcb->star;
    msr[1] = vmcb->lstar;
    msr[2] = vmcb->cstar;
    msr[3] = vmcb->sfmask;
}

static void svm_set_cr2(struct vcpu *v, uint64_t cr2)
{
    vmcb_of(v)->cr2 = cr2;
}

/* INT n, its checks made by the caller and RIP already past it: the
 * return address is RIP (NextRIP too, which a CPU with nRIP save takes
 * for a software interrupt's). */
static void svm_inject_swint(struct vcpu *v, unsigned int vector)
{
    vmcb_of(v)->nrip = v->arch.regs.rip;
    vmcb_of(v)->eventinj = (vector & 0xFF) | EVENT_TYPE_SWINT | EVENT_VALID;
}

static void advance_rip(struct vcpu *v, unsigned int len)
{
    v->arch.regs.rip += len;
    if (svm_insn_mode(v) != INSN_MODE_64)
        v->arch.regs.rip &= 0xFFFFFFFF;
    vmcb_of(v)->interrupt_shadow = 0;
}

/* Length of the intercepted instruction: nRIP when the CPU saves it. */
static unsigned int exit_insn_len(struct vcpu *v)
{
    if (svm_features & SVM_FEAT_NRIPS)
        return (unsigned int)(vmcb_of(v)->nrip - v->arch.regs.rip);
    return hvm_insn_length(v);
}

static void svm_handle_exit(struct vcpu *v)
{
    struct vmcb *vmcb = vmcb_of(v);
    uint64_t code = vmcb->exitcode;

    uint64_t prev_exit = v->arch.last_exit, intinfo = vmcb->exitintinfo;

    v->arch.last_exit = code;
    uint64_t *exits = v->arch.exits;
    unsigned int len;

    if (code != VMEXIT_INVALID && code != VMEXIT_INVALID_32)
        v->arch.invalid_again = false;

    /* An event whose delivery was cut short by this exit is re-injected:
     * an external interrupt as a virtual one again (see svm_offer_virq),
     * anything else through EVENTINJ. */
    if (vmcb->exitintinfo & EVENT_VALID) {
        if ((vmcb->exitintinfo & EVENT_TYPE_MASK) == EVENT_TYPE_INTR)
            svm_of(v)->reinject_vec = (int16_t)(vmcb->exitintinfo & 0xFF);
        else
            vmcb->eventinj = vmcb->exitintinfo;
        vmcb->exitintinfo = 0;
    }

    switch (code) {
    case VMEXIT_VINTR:
        exits[EXIT_VINTR]++;
        break;      /* the window is open: svm_inject_pending delivers */
    case VMEXIT_INTR:
    case VMEXIT_NMI:
    case VMEXIT_SMI:
    case VMEXIT_INIT:
        exits[EXIT_INTR]++;
        break;      /* the host took the interrupt when IF was set again */
    case VMEXIT_CPUID:
        exits[EXIT_CPUID]++;
        if ((len = exit_insn_len(v)) && hvm_handle_cpuid(v))
            advance_rip(v, len);
        break;
    case VMEXIT_VMMCALL:
        exits[EXIT_HYPERCALL]++;
        if ((len = exit_insn_len(v)) && hvm_handle_hypercall(v))
            advance_rip(v, len);
        break;
    case VMEXIT_HLT:
        exits[EXIT_HLT]++;
        if ((len = exit_insn_len(v))) {
            advance_rip(v, len);
            hvm_handle_hlt(v);
        }
        break;
    case VMEXIT_IOIO: {
        uint64_t info = vmcb->exitinfo1;
        unsigned int size = (info & (1u << 4)) ? 1 : (info & (1u << 5)) ? 2 : 4;
        exits[EXIT_IO]++;
        /* EXITINFO2 holds the next RIP for I/O exits on every SVM CPU. */
        if (hvm_handle_io(v, (uint16_t)(info >> 16), size, info & 1,
                          info & (1u << 2), info & (1u << 3)))
            v->arch.regs.rip = vmcb->exitinfo2;
        break;
    }
    case VMEXIT_MSR:
        exits[EXIT_MSR]++;
        if ((len = exit_insn_len(v)) && hvm_handle_msr(v, vmcb->exitinfo1 == 1))
            advance_rip(v, len);
        break;
    case VMEXIT_CR0_SEL_WRITE:
    case VMEXIT_CR0_WRITE + 4:
        exits[EXIT_CR]++;
        if ((len = hvm_handle_cr_write(v, code == VMEXIT_CR0_SEL_WRITE ? 0 : 4)))
            advance_rip(v, len);
        break;
    case VMEXIT_DR0_READ ... VMEXIT_DR0_READ + 7:
    case VMEXIT_DR0_WRITE ... VMEXIT_DR0_WRITE + 7:
        exits[EXIT_DR]++;
        if ((len = hvm_handle_dr_access(v, code & 7, code >= VMEXIT_DR0_WRITE)))
            advance_rip(v, len);
        break;
    case VMEXIT_IRET:
        /* The NMI handler's IRET is about to run: once RIP has moved
         * past it, NMIs are unblocked (svm_inject_pending). */
        exits[EXIT_IRET]++;
        vmcb->icpt3 &= ~INTERCEPT_IRET;
        v->arch.nmi_iret_seen = true;
        v->arch.nmi_iret_rip = v->arch.regs.rip;
        break;
    case VMEXIT_NPF:
        exits[EXIT_NPF]++;
        hvm_handle_npf(v, vmcb->exitinfo2, vmcb->exitinfo1);
        break;
    case VMEXIT_SHUTDOWN:
        exits[EXIT_SHUTDOWN]++;
        /* What the guest was at, for whoever reads why it died. */
        printk_lvl(LOG_ERR, "d%u v%u: triple fault: RIP %#lx RSP %#lx CS %#x/%#x SS %#x CR0 %#lx "
                   "CR2 %#lx CR3 %#lx CR4 %#lx EFER %#lx IDT %#lx/%#x delivering %#lx, "
                   "after exit %#lx\n", v->domain->id, v->id, (unsigned long)vmcb->rip,
                   (unsigned long)vmcb->rsp, vmcb->cs.sel, vmcb->cs.attrib, vmcb->ss.sel,
                   (unsigned long)vmcb->cr0, (unsigned long)vmcb->cr2, (unsigned long)vmcb->cr3,
                   (unsigned long)vmcb->cr4, (unsigned long)vmcb->efer, (unsigned long)vmcb->idtr.base,
                   vmcb->idtr.limit, (unsigned long)intinfo, (unsigned long)prev_exit);
        hvm_handle_triple_fault(v);
        break;
    case VMEXIT_VMRUN:
    case VMEXIT_VMLOAD:
    case VMEXIT_VMSAVE:
    case VMEXIT_STGI:
    case VMEXIT_CLGI:
    case VMEXIT_SKINIT:
    case VMEXIT_INVLPGA:
    case VMEXIT_RSM:
    case VMEXIT_XSETBV:
        /* SVM is not offered to guests: these raise #UD, as on a CPU
         * without SVM. XSETBV: no XSAVE is offered either. */
        exits[EXIT_VIRT_INSN]++;
        svm_inject_exception(v, 6, -1);
        break;
    case VMEXIT_INVD:
        exits[EXIT_OTHER]++;
        if ((len = exit_insn_len(v)))
            advance_rip(v, len);        /* harmless to skip: caches stay coherent */
        break;
    case VMEXIT_TASK_SWITCH:
        exits[EXIT_OTHER]++;
        domain_crash(v->domain, "hardware task switch (not supported)");
        break;
    case VMEXIT_ICEBP:
        exits[EXIT_EXCEPTION]++;
        if ((len = hvm_handle_icebp(v)))
            advance_rip(v, len);
        break;
    case VMEXIT_EXCP_BASE + X86_EXC_UD:
        exits[EXIT_EXCEPTION]++;
        if ((len = hvm_handle_ud(v)))
            advance_rip(v, len);
        break;
    case VMEXIT_EXCP_BASE + 18:
        exits[EXIT_EXCEPTION]++;
        domain_crash(v->domain, "machine check in guest");
        break;
    case VMEXIT_INVALID:
    case VMEXIT_INVALID_32:
        exits[EXIT_OTHER]++;
        hvm_handle_invalid_state(v, vmcb->cr0, vmcb->cr3, vmcb->cr4, vmcb->efer & ~EFER_SVME);
        break;
    default:
        exits[EXIT_OTHER]++;
        printk_lvl(LOG_WARN, "d%u v%u: unexpected exit code %#lx info1 %#lx info2 %#lx\n",
                   v->domain->id, v->id, (unsigned long)code,
                   (unsigned long)vmcb->exitinfo1, (unsigned long)vmcb->exitinfo2);
        domain_crash(v->domain, "unhandled SVM exit");
        break;
    }
}

/*
 * External interrupts enter as a virtual interrupt (V_IRQ with its
 * vector), not through EVENTINJ: the CPU takes it as soon as the guest's
 * IF and interrupt shadow allow, which saves the interrupt-window exit,
 * and it keeps QEMU's TCG off its EVENTINJ path, which delivers the
 * interrupt inside its VMRUN emulation (see svm_flawed_exit). The CPU
 * clears V_IRQ when it takes the interrupt; svm_vcpu_run looks at that
 * after the exit and only then acknowledges the vLAPIC.
 */
static void svm_offer_virq(struct vcpu *v, int vec, bool ack)
{
    struct vmcb *vmcb = vmcb_of(v);

    vmcb->vintr &= ~(0xFFULL << VINTR_VECTOR_SHIFT);
    vmcb->vintr |= VINTR_IRQ | VINTR_IGN_TPR | (0xFULL << VINTR_PRIO_SHIFT) |
                   ((uint64_t)(uint8_t)vec << VINTR_VECTOR_SHIFT);
    svm_of(v)->virq_vec = (int16_t)vec;
    svm_of(v)->virq_ack = ack;
}

/*
 * Offer the next pending interrupt: NMIs and interrupted deliveries of
 * other events through EVENTINJ, external interrupts as a virtual
 * interrupt; ask for an exit at the next interrupt window (a virtual
 * interrupt with the VINTR intercept) when something must wait.
 */
static void svm_inject_pending(struct vcpu *v)
{
    struct vmcb *vmcb = vmcb_of(v);
    enum hvm_intr_src src;
    int vec;

    vmcb->vintr &= ~(VINTR_IRQ | VINTR_IGN_TPR | (0xFULL << VINTR_PRIO_SHIFT) |
                     (0xFFULL << VINTR_VECTOR_SHIFT));
    vmcb->icpt3 &= ~INTERCEPT_VINTR;
    svm_of(v)->virq_vec = -1;
    if (v->arch.nmi_iret_seen && v->arch.regs.rip != v->arch.nmi_iret_rip)
        v->arch.nmi_masked = v->arch.nmi_iret_seen = false;     /* the IRET ran */
    if (svm_of(v)->reinject_vec >= 0 && !(vmcb->eventinj & EVENT_VALID)) {
        /* Already acknowledged when it was first taken; IF is still set
         * (its delivery never completed), so it goes first. */
        svm_offer_virq(v, svm_of(v)->reinject_vec, false);
        return;
    }
    src = hvm_next_interrupt(v, &vec);
    if (src == HVM_INTR_NONE) {
        /* An NMI held back by a handler whose IRET is next: with IF clear
         * (as in an NMI handler), the interrupt window opens right after
         * the IRET restores IF, which brings us back to deliver it. */
        if (v->arch.vlapic.nmi_pending && v->arch.nmi_iret_seen &&
            !(v->arch.regs.rflags & X86_EFLAGS_IF))
            goto window;
        return;
    }
    if ((vmcb->eventinj & EVENT_VALID) || svm_of(v)->reinject_vec >= 0) {
        /* An interrupted delivery goes first; come back for this one as
         * soon as the guest can take it (it is a level: nothing else
         * would bring us back). */
        goto window;
    }
    if (src == HVM_INTR_NMI) {
        /* Blocks further NMIs until this one's handler returns: watch
         * for its IRET, as hardware does. */
        v->arch.vlapic.nmi_pending = false;
        v->arch.nmi_masked = true;
        v->arch.nmi_iret_seen = false;
        vmcb->icpt3 |= INTERCEPT_IRET;
        vmcb->eventinj = X86_EXC_NMI | EVENT_TYPE_NMI | EVENT_VALID;
        return;
    }
    svm_offer_virq(v, vec, src == HVM_INTR_LAPIC);
    return;
window:
    vmcb->vintr |= VINTR_IRQ | VINTR_IGN_TPR | (0xFULL << VINTR_PRIO_SHIFT);
    vmcb->icpt3 |= INTERCEPT_VINTR;
}

/* What a world switch must leave as it found, to be redone. */
struct svm_entry_state {
    uint8_t save[offsetof(struct vmcb, rsvd9) - offsetof(struct vmcb, es)];  /* the save area */
    struct guest_regs regs;
    uint64_t vintr, interrupt_shadow, eventinj;
};
static struct svm_entry_state entry_state[MAX_CPUS];

static void entry_state_keep(struct svm_entry_state *e, struct vcpu *v)
{
    struct vmcb *vmcb = vmcb_of(v);

    memcpy(e->save, &vmcb->es, sizeof(e->save));
    e->regs = v->arch.regs;
    e->vintr = vmcb->vintr;
    e->interrupt_shadow = vmcb->interrupt_shadow;
    e->eventinj = vmcb->eventinj;
}

/*
 * QEMU's TCG emulation of SVM sometimes ends a VMRUN with the host's own
 * state (its RIP right after VMRUN, its CS and CR3) written into the
 * guest's save area: the guest's state is lost, and running it again
 * would run hypervisor code in the guest (real Xen dies the same way on
 * this emulator). Hardware never does this, and a guest cannot produce
 * it: the hypervisor's RIP with the hypervisor's CR3. When it happens the
 * exit is redone from the state kept before VMRUN, which is the guest's
 * as it last stopped: the emulator broke the switch before the guest ran
 * an instruction (this is checked: the registers came back unchanged).
 */
/* A field of the save area as it was kept before the entry. */
#define ENTRY_SAVED(e, f) \
    (*(const __typeof__(((struct vmcb *)0)->f) *)((e)->save + offsetof(struct vmcb, f) - \
                                                  offsetof(struct vmcb, es)))

static void entry_state_restore(struct vcpu *v, const struct svm_entry_state *e)
{
    struct vmcb *vmcb = vmcb_of(v);

    memcpy(&vmcb->es, e->save, sizeof(e->save));
    v->arch.regs = e->regs;
    vmcb->vintr = e->vintr;
    vmcb->interrupt_shadow = e->interrupt_shadow;
    vmcb->eventinj = e->eventinj;
    vmcb->exitintinfo = 0;
}

/*
 * The flaw's second face: a triple fault (SHUTDOWN) at the very
 * instruction the guest was entered at, its registers and paging as they
 * went in, right after an exit the hypervisor handled. Seen after a
 * VMMCALL, at the `jmp` that follows it in Linux's hypercall stub: an
 * instruction that cannot fault, and a guest whose next thousand entries
 * there run fine. The entry is redone once from the state kept before it;
 * a second triple fault at the same entry is the guest's own (a broken IDT
 * or page tables give the same one every time) and crashes it.
 */
static bool svm_shutdown_at_entry(struct vcpu *v, const struct svm_entry_state *e)
{
    struct vmcb *vmcb = vmcb_of(v);

    if (vmcb->exitcode != VMEXIT_SHUTDOWN || svm_of(v)->shutdown_redone_rip == e->regs.rip)
        return false;
    /* No progress: the same place, stack, paging and registers. */
    if (vmcb->rip != e->regs.rip || vmcb->rsp != e->regs.rsp || vmcb->rax != e->regs.rax ||
        vmcb->cr0 != ENTRY_SAVED(e, cr0) || vmcb->cr3 != ENTRY_SAVED(e, cr3) ||
        vmcb->cr4 != ENTRY_SAVED(e, cr4) || vmcb->cs.sel != ENTRY_SAVED(e, cs.sel) ||
        memcmp(&v->arch.regs, &e->regs, offsetof(struct guest_regs, rsp)))
        return false;
    printk_lvl(LOG_WARN, "d%u v%u: a triple fault at the entry itself (RIP %#lx, last exit %#lx, "
               "injected %#lx, vintr %#lx): redone once from the state before it, as QEMU's "
               "flaw gives these (a second one is the guest's own)\n",
               v->domain->id, v->id, (unsigned long)e->regs.rip, (unsigned long)v->arch.last_exit,
               (unsigned long)e->eventinj, (unsigned long)e->vintr);
    svm_of(v)->shutdown_redone_rip = e->regs.rip;
    entry_state_restore(v, e);
    return true;
}

static bool svm_flawed_exit(struct vcpu *v, const struct svm_entry_state *e)
{
    struct vmcb *vmcb = vmcb_of(v);
    bool regs_same;

    if (vmcb->rip != (uint64_t)(uintptr_t)svm_vmrun_host_rip || vmcb->cr3 != hv_cr3)
        return false;
    regs_same = !memcmp(&v->arch.regs, &e->regs, offsetof(struct guest_regs, rsp));
    printk_lvl(LOG_WARN, "d%u v%u: emulator flaw: VMRUN left the host's state as the guest's "
               "(exit %#lx info1 %#lx info2 %#lx intinfo %#lx, injected %#lx, vintr %#lx, "
               "registers %s); redone from the state before it\n",
               v->domain->id, v->id, (unsigned long)vmcb->exitcode,
               (unsigned long)vmcb->exitinfo1, (unsigned long)vmcb->exitinfo2,
               (unsigned long)vmcb->exitintinfo, (unsigned long)e->eventinj,
               (unsigned long)e->vintr, regs_same ? "unchanged" : "changed");
    entry_state_restore(v, e);
    if (!regs_same || ++svm_of(v)->flaw_recoveries > 1000) {
        domain_crash(v->domain, "the CPU lost this guest's state at VMRUN (emulator flaw)");
        vmcb->exitcode = VMEXIT_INTR;           /* nothing left to handle */
        return false;
    }
    return true;
}

static void svm_vcpu_run(struct vcpu *v)
{
    struct vmcb *vmcb = vmcb_of(v);
    struct per_cpu *pc = this_cpu();
    struct svm_entry_state *e = &entry_state[pc->cpu_id];
    bool redo;

    svm_asid_assign(v);
    svm_inject_pending(v);
    vmcb->iopm_base_pa = v->domain->arch.io_bitmap ? v->domain->arch.io_bitmap : iopm_pa;
    hvm_debugreg_load(v);
    vmcb->rax = v->arch.regs.rax;
    vmcb->rsp = v->arch.regs.rsp;
    vmcb->rip = v->arch.regs.rip;
    vmcb->rflags = v->arch.regs.rflags;

    do {
        entry_state_keep(e, v);
        clgi();
        local_irq_enable();
        svm_vmrun(&v->arch.regs, svm_of(v)->vmcb_pa, pc->vendor.svm.host_vmcb_pa);
        local_irq_disable();
        stgi();
        redo = svm_flawed_exit(v, e) || svm_shutdown_at_entry(v, e);
    } while (redo);
    if (vmcb->exitcode != VMEXIT_SHUTDOWN)
        svm_of(v)->shutdown_redone_rip = ~0ULL;     /* it ran on: a later one is new */

    v->arch.regs.rax = vmcb->rax;
    v->arch.regs.rsp = vmcb->rsp;
    v->arch.regs.rip = vmcb->rip;
    v->arch.regs.rflags = vmcb->rflags;
    if (svm_of(v)->virq_vec >= 0 && !(vmcb->vintr & VINTR_IRQ)) {
        /* The guest took the offered interrupt. */
        if (svm_of(v)->virq_ack)
            vlapic_ack(v, svm_of(v)->virq_vec);
        if (svm_of(v)->virq_vec == svm_of(v)->reinject_vec)
            svm_of(v)->reinject_vec = -1;
    }
    vmcb->eventinj = 0;
    vmcb->vintr &= ~VINTR_IRQ;
    local_irq_enable();         /* pending host interrupts run now */
    svm_handle_exit(v);
}

static void seg_load(struct vmcb_seg *d, const struct hvm_seg *s)
{
    *d = (struct vmcb_seg){ .sel = s->sel, .attrib = s->attr, .limit = s->limit, .base = s->base };
}

static void svm_vcpu_set_state(struct vcpu *v, const struct hvm_vcpu_state *s)
{
    struct vmcb *vmcb = vmcb_of(v);
    static const struct hvm_seg null = { 0, 0, 0, 0 };

    seg_load(&vmcb->cs, &s->cs);
    seg_load(&vmcb->ds, &s->ds);
    seg_load(&vmcb->es, &s->es);
    seg_load(&vmcb->ss, &s->ss);
    seg_load(&vmcb->fs, &null);
    seg_load(&vmcb->gs, &null);
    seg_load(&vmcb->tr, &s->tr);
    vmcb->ldtr = (struct vmcb_seg){ .sel = 0, .attrib = 0x82, .limit = 0, .base = 0 };
    vmcb->gdtr = (struct vmcb_seg){ .limit = 0 };
    vmcb->idtr = (struct vmcb_seg){ .limit = 0 };
    vmcb->cpl = (s->ss.attr >> 5) & 3;      /* SVM takes the CPL from SS.DPL */
    vmcb->cr3 = s->cr3;
    vmcb->cr4 = s->cr4;
    vmcb->efer = EFER_SVME;
    svm_set_efer(v, s->efer & ~EFER_LMA);
    svm_set_cr0(v, s->cr0);                 /* LMA follows LME and PG */
    entry_reset(v);
    v->arch.regs.rax = s->gpr[0];
    v->arch.regs.rcx = s->gpr[1];
    v->arch.regs.rdx = s->gpr[2];
    v->arch.regs.rbx = s->gpr[3];
    v->arch.regs.rsp = s->gpr[4];
    v->arch.regs.rbp = s->gpr[5];
    v->arch.regs.rsi = s->gpr[6];
    v->arch.regs.rdi = s->gpr[7];
    v->arch.regs.rip = s->rip;
    v->arch.regs.rflags = s->rflags;
    v->arch.fpu_initialised = false;
    v->arch.tlb_flush = true;
}

static const struct hvm_ops svm_ops = {
    .name = "SVM",
    .cpu_up = svm_cpu_up,
    .cpu_idle = svm_cpu_idle,
    .vcpu_init = svm_vcpu_init,
    .vcpu_destroy = svm_vcpu_destroy,
    .vcpu_set_pvh_entry = svm_vcpu_set_pvh_entry,
    .vcpu_set_realmode_entry = svm_vcpu_set_realmode_entry,
    .vcpu_set_state = svm_vcpu_set_state,
    .vcpu_run = svm_vcpu_run,
    .inject_exception = svm_inject_exception,
    .get_paging = svm_get_paging,
    .insn_mode = svm_insn_mode,
    .cpl = svm_cpl,
    .cs_base = svm_cs_base,
    .get_efer = svm_get_efer,
    .set_efer = svm_set_efer,
    .get_pat = svm_get_pat,
    .set_pat = svm_set_pat,
    .set_cr0 = svm_set_cr0,
    .set_cr4 = svm_set_cr4,
    .get_dr = svm_get_dr,
    .set_dr = svm_set_dr,
    .get_idtr = svm_get_idtr,
    .get_seg = svm_get_seg,
    .set_seg = svm_set_seg,
    .get_gdtr = svm_get_gdtr,
    .set_cpl = svm_set_cpl,
    .get_syscall_msrs = svm_get_syscall_msrs,
    .set_cr2 = svm_set_cr2,
    .inject_swint = svm_inject_swint,
};

const struct hvm_ops *svm_probe(void)
{
    uint32_t a, b, c, d;
    uint8_t *pm;

    cpuid(0x80000000, &a, &b, &c, &d);
    if (a < CPUID_SVM_FEATURES) {
        printk_lvl(LOG_ERR, "SVM: CPUID leaf 0x8000000A missing: no AMD-V\n");
        return NULL;
    }
    cpuid(0x80000001, &a, &b, &c, &d);
    if (!(c & (1u << 2))) {
        printk_lvl(LOG_ERR, "SVM: this CPU has no AMD-V (SVM); Oryx cannot run guests\n");
        return NULL;
    }
    if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
        printk_lvl(LOG_ERR, "SVM: disabled by the firmware (VM_CR.SVMDIS)\n");
        return NULL;
    }
    cpuid(CPUID_SVM_FEATURES, &a, &b, &c, &d);
    svm_nr_asids = b;
    svm_features = d;
    if (!(d & SVM_FEAT_NPT)) {
        printk_lvl(LOG_ERR, "SVM: no nested paging (NPT); Oryx needs it\n");
        return NULL;
    }
    if (svm_nr_asids < 2)
        svm_nr_asids = 2;
    printk("SVM: revision %u, %u ASIDs, NPT%s\n", a & 0xff, svm_nr_asids,
           (d & SVM_FEAT_NRIPS) ? ", nRIP save" : ", no nRIP save (decoding lengths)");

    iopm_pa = page_alloc(2, NULL);          /* 16 KiB >= 12 KiB */
    msrpm_pa = page_alloc(1, NULL);         /* 8 KiB */
    if (!iopm_pa || !msrpm_pa)
        panic("SVM: out of memory for the permission maps");
    memset(__va(iopm_pa), 0xFF, 4 * PAGE_SIZE);
    pm = __va(msrpm_pa);
    memset(pm, 0xFF, 2 * PAGE_SIZE);
    for (unsigned int i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
        msrpm_allow(pm, passthrough_msrs[i]);
    return &svm_ops;
}
