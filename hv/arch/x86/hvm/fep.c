/*
 * The forced-emulation prefix (FEP), Xen's test facility: with the boot
 * option hvm_fep, a guest that puts `ud2; .ascii "xen"` (0F 0B 78 65 6E)
 * before an instruction has that instruction run by the hypervisor's
 * emulator (x86_emulate.c) instead of the CPU. Test suites (XTF) use it to
 * exercise the emulator's checks from the guest. Off by default: a guest
 * can then make the hypervisor emulate anything, which production
 * hypervisors keep out of reach.
 *
 * The #UD intercept (already there for ICEBP, icebp.c) looks for the five
 * bytes at CS:RIP. When they are there RIP moves past them (RF cleared),
 * and the instruction that follows is emulated on a copy of the vCPU's
 * state: on success the state is written back, RIP past the instruction
 * (with a single-step #DB when EFLAGS.TF was set); a fault is injected
 * with RIP at the instruction, as the CPU reports it; a software
 * interrupt is delivered with RIP past it. An access that reaches
 * something other than RAM is handed to the nested-page-fault path with
 * RIP at the instruction, as if the CPU had made it (MMIO emulation).
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/cmdline.h>
#include <oryx/domain.h>
#include <asm/hvm.h>
#include <asm/cpu.h>
#include <asm/percpu.h>
#include <asm/guest_access.h>
#include <asm/x86_emulate.h>

static bool opt_hvm_fep;
CMDLINE_OPT_BOOL("hvm_fep", &opt_hvm_fep,
                 "forced-emulation prefix for HVM guests: ud2; .ascii \"xen\" before an "
                 "instruction has it emulated (a test facility, off by default)");

static const uint8_t fep_sig[5] = { 0x0F, 0x0B, 'x', 'e', 'n' };

void hvm_fep_init(void)
{
    if (opt_hvm_fep)
        printk_lvl(LOG_WARN, "WARNING: hvm_fep is on: HVM guests can force instructions "
                   "through the hypervisor's emulator (a test facility; not for production)\n");
}

/* ---- the emulator's view of the vCPU ------------------------------------ */

static struct vcpu *vcpu_of(struct x86_emul_ctxt *c)
{
    return c->opaque;
}

static int walk(struct x86_emul_ctxt *c, uint64_t la, unsigned int access, gpaddr_t *gpa,
                uint32_t *pfec)
{
    struct vcpu *v = vcpu_of(c);
    uint32_t ec = 0;
    int rc = guest_translate(v, la, access, gpa, &ec);

    if (!rc)
        return X86EMUL_OKAY;
    if (rc == -EFAULT && (ec & GW_PFEC_NONCANON)) {
        *pfec = X86EMUL_PFEC_GP;
        return X86EMUL_EXCEPTION;
    }
    if (rc == -EFAULT && !(ec & GW_PFEC_NOT_RAM)) {
        *pfec = ec & 0x1F;
        return X86EMUL_EXCEPTION;
    }
    /* Page tables outside RAM, or an impossible paging state: the guest's
     * own undoing, as when the CPU walks them. */
    domain_crash(v->domain, "emulation: guest page tables outside RAM");
    return X86EMUL_DONE;
}

static int fep_read(struct x86_emul_ctxt *c, uint64_t la, void *buf, unsigned int len,
                    unsigned int access, uint32_t *pfec)
{
    struct vcpu *v = vcpu_of(c);
    gpaddr_t gpa;
    int rc;

    if (access & X86EMUL_ACC_SYSTEM)
        return copy_from_guest_system(v, buf, la, len) ? X86EMUL_EXCEPTION : X86EMUL_OKAY;
    rc = walk(c, la, (access & X86EMUL_ACC_FETCH) ? GW_FETCH : 0, &gpa, pfec);
    if (rc)
        return rc;
    if (copy_from_gpa(v->domain, buf, gpa, len)) {
        c->mmio_gpa = gpa;
        return X86EMUL_UNHANDLEABLE;
    }
    return X86EMUL_OKAY;
}

static int fep_check_write(struct x86_emul_ctxt *c, uint64_t la, unsigned int len,
                           uint32_t *pfec)
{
    struct vcpu *v = vcpu_of(c);
    gpaddr_t gpa;
    uint8_t probe;
    int rc = walk(c, la, GW_WRITE, &gpa, pfec);

    (void)len;                  /* one page: RAM or not as a whole */
    if (rc)
        return rc;
    if (copy_from_gpa(v->domain, &probe, gpa, 1)) {
        c->mmio_gpa = gpa;
        return X86EMUL_UNHANDLEABLE;
    }
    return X86EMUL_OKAY;
}

static int fep_write(struct x86_emul_ctxt *c, uint64_t la, const void *buf, unsigned int len,
                     uint32_t *pfec)
{
    struct vcpu *v = vcpu_of(c);
    gpaddr_t gpa;
    int rc = walk(c, la, GW_WRITE, &gpa, pfec);

    if (rc)
        return rc;
    if (copy_to_gpa(v->domain, gpa, buf, len)) {
        c->mmio_gpa = gpa;
        return X86EMUL_UNHANDLEABLE;
    }
    return X86EMUL_OKAY;
}

static void gprs_to_vcpu(struct vcpu *v, const struct x86_emul_ctxt *c)
{
    for (unsigned int i = 0; i < 16; i++)
        *hvm_gpr(v, i) = c->gpr[i];
}

static void gprs_from_vcpu(struct x86_emul_ctxt *c, struct vcpu *v)
{
    for (unsigned int i = 0; i < 16; i++)
        c->gpr[i] = *hvm_gpr(v, i);
}

/* CPUID and the MSRs through the intercepts' own handlers, which work on
 * the vCPU's registers (and inject #GP themselves). */
static int fep_cpuid(struct x86_emul_ctxt *c)
{
    struct vcpu *v = vcpu_of(c);

    gprs_to_vcpu(v, c);
    if (!hvm_handle_cpuid(v))
        return X86EMUL_DONE;
    gprs_from_vcpu(c, v);
    return X86EMUL_OKAY;
}

static int fep_msr(struct x86_emul_ctxt *c, bool write)
{
    struct vcpu *v = vcpu_of(c);

    gprs_to_vcpu(v, c);
    if (!hvm_handle_msr(v, write))
        return X86EMUL_DONE;
    gprs_from_vcpu(c, v);
    return X86EMUL_OKAY;
}

static int fep_rdmsr(struct x86_emul_ctxt *c)
{
    return fep_msr(c, false);
}

static int fep_wrmsr(struct x86_emul_ctxt *c)
{
    return fep_msr(c, true);
}

/* The guest's FPU registers, loaded on this CPU (they are while it runs
 * the vCPU), through a scratch FXSAVE image. */
static uint8_t fx_images[MAX_CPUS][512] __attribute__((aligned(16)));

static uint8_t *fep_get_fxsave(struct x86_emul_ctxt *c)
{
    uint8_t *fx = fx_images[this_cpu()->cpu_id];

    hvm_fpu_switch_to(vcpu_of(c));
    asm volatile("fxsaveq %0" : "=m"(*(uint8_t (*)[512])fx));
    return fx;
}

static void fep_put_fxsave(struct x86_emul_ctxt *c)
{
    uint8_t *fx = fx_images[this_cpu()->cpu_id];

    (void)c;
    asm volatile("fxrstorq %0" : : "m"(*(const uint8_t (*)[512])fx));
}

static const struct x86_emul_ops fep_ops = {
    .get_fxsave = fep_get_fxsave,
    .put_fxsave = fep_put_fxsave,
    .read = fep_read,
    .check_write = fep_check_write,
    .write = fep_write,
    .cpuid = fep_cpuid,
    .rdmsr = fep_rdmsr,
    .wrmsr = fep_wrmsr,
};

/* The x87 status word, from the registers when they hold this vCPU's. */
static uint16_t guest_fsw(struct vcpu *v)
{
    uint16_t fsw;

    if (this_cpu()->fpu_owner == v) {
        asm volatile("fnstsw %0" : "=m"(fsw));
        return fsw;
    }
    if (!v->arch.fpu_initialised)
        return 0;
    memcpy(&fsw, &v->arch.fxsave[2], sizeof(fsw));
    return fsw;
}

static void ctxt_fill(struct x86_emul_ctxt *c, struct vcpu *v)
{
    struct guest_paging pg;
    struct hvm_seg s;

    memset(c, 0, sizeof(*c));
    gprs_from_vcpu(c, v);
    c->rip = v->arch.regs.rip;
    c->rflags = v->arch.regs.rflags;
    for (unsigned int i = 0; i < X86_SEG_NR; i++) {
        hvm->get_seg(v, i, &s);
        c->seg[i] = (struct x86_seg){ .sel = s.sel, .attr = s.attr, .limit = s.limit,
                                      .base = s.base };
    }
    hvm->get_paging(v, &pg);
    c->cr0 = pg.cr0;
    c->cr4 = pg.cr4;
    c->efer = hvm->get_efer(v);
    hvm->get_idtr(v, &c->idtr_base, &c->idtr_limit);
    hvm->get_gdtr(v, &c->gdtr_base, &c->gdtr_limit);
    hvm->get_seg(v, 6, &s);
    c->ldtr = (struct x86_seg){ .sel = s.sel, .attr = s.attr, .limit = s.limit, .base = s.base };
    {
        uint64_t msr[4];

        hvm->get_syscall_msrs(v, msr);
        c->star = msr[0];
        c->lstar = msr[1];
        c->cstar = msr[2];
        c->sfmask = msr[3];
    }
    c->cpl = (unsigned int)hvm->cpl(v);
    c->fsw = guest_fsw(v);
    c->ops = &fep_ops;
    c->opaque = v;
}

static void single_step_trap(struct vcpu *v)
{
    hvm->set_dr(v, 6, hvm->get_dr(v, 6) | X86_DR6_BS);
    hvm->inject_exception(v, X86_EXC_DB, -1);
}

/* Run the instruction at RIP (past the prefix) and deliver its outcome. */
static void fep_emulate(struct vcpu *v)
{
    static struct x86_emul_ctxt ctxts[MAX_CPUS];    /* too big for the stack */
    struct x86_emul_ctxt *c = &ctxts[this_cpu()->cpu_id];
    int rc;

    ctxt_fill(c, v);
    rc = x86_emulate(c);
    switch (rc) {
    case X86EMUL_OKAY:
        gprs_to_vcpu(v, c);
        v->arch.regs.rip = c->rip;
        v->arch.regs.rflags = c->rflags;
        for (unsigned int i = 0; i < X86_SEG_NR; i++) {
            const struct x86_seg *s = &c->seg[i];

            if (c->seg_loaded & (1u << i))
                hvm->set_seg(v, i, &(struct hvm_seg){ .sel = s->sel, .attr = s->attr,
                                                      .limit = s->limit, .base = s->base });
        }
        if (c->seg_loaded)
            hvm->set_cpl(v, c->cpl);
        if (c->singlestep)
            single_step_trap(v);
        break;
    case X86EMUL_EXCEPTION:
        v->arch.regs.rip = c->rip;
        v->arch.regs.rflags = c->rflags;
        switch (c->event.type) {
        case X86_EVENT_HW_EXC:
            if (c->event.vector == 14)
                hvm->set_cr2(v, c->event.cr2);
            hvm->inject_exception(v, c->event.vector, c->event.error_code);
            break;
        case X86_EVENT_SW_INT:
            hvm->inject_swint(v, c->event.vector);
            break;
        case X86_EVENT_ICEBP:
            if (v->arch.regs.rflags & X86_EFLAGS_TF)
                hvm->set_dr(v, 6, hvm->get_dr(v, 6) | X86_DR6_BS);
            hvm->inject_exception(v, X86_EXC_DB, -1);
            break;
        case X86_EVENT_SW_EXC:  /* INT3, INTO: traps, RIP past them */
            hvm->inject_exception(v, c->event.vector, -1);
            break;
        default:
            domain_crash(v->domain, "forced emulation: an event of no known kind");
            break;
        }
        break;
    case X86EMUL_UNHANDLEABLE:
        /* Not RAM: what the CPU's own access would have met. RIP is at
         * the instruction, which the MMIO path decodes again. */
        hvm_handle_npf(v, c->mmio_gpa, (c->mmio_write ? NPF_WRITE : 0) | NPF_USER | NPF_FINAL_GPA);
        break;
    case X86EMUL_DONE:          /* dealt with already */
        break;
    default:
        domain_crash(v->domain, "forced emulation: a result of no known kind");
        break;
    }
}

bool hvm_fep_handle(struct vcpu *v)
{
    enum insn_mode mode;
    uint8_t sig[sizeof(fep_sig)];
    uint64_t rip, la;
    struct hvm_seg cs;

    if (!opt_hvm_fep)
        return false;
    mode = hvm->insn_mode(v);
    rip = v->arch.regs.rip;
    la = rip + hvm->cs_base(v);
    if (mode != INSN_MODE_64) {
        hvm->get_seg(v, 1, &cs);
        if (rip + sizeof(sig) - 1 > cs.limit)
            return false;       /* the CPU could not have fetched it all */
        la &= 0xFFFFFFFF;
    }
    if (fetch_from_guest(v, sig, la, sizeof(sig)) != sizeof(sig) ||
        memcmp(sig, fep_sig, sizeof(sig)))
        return false;
    rip += sizeof(sig);
    if (mode != INSN_MODE_64)
        rip &= 0xFFFFFFFF;      /* never 16 bits, even in a 16-bit segment */
    v->arch.regs.rip = rip;
    v->arch.regs.rflags &= ~X86_EFLAGS_RF;
    fep_emulate(v);
    return true;
}
