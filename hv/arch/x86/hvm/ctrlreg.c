/*
 * Control-register writes that need a check before they reach the guest
 * state. A value real hardware refuses must fault at the MOV (#GP), as on
 * hardware; left to VMRUN it would make the entry itself fail.
 *  - CR4 writes are intercepted: reserved bits follow the guest's CPUID.
 *  - CR0 writes are intercepted when they change more than TS and MP
 *    (rare: mode switches), so CLTS and FPU-lazy toggles stay exit-free.
 *    Turning paging on or off also moves EFER.LMA, as the CPU would.
 *  - CR3 is not (Linux writes it at every context switch); QEMU turns an
 *    illegal value into an invalid-state exit at the MOV, which
 *    hvm_handle_invalid_state() turns back into the #GP.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <asm/hvm.h>
#include <asm/cpu.h>
#include <asm/insn.h>

/* Changing these makes the CPU drop the guest's cached translations. */
#define CR4_TLB_BITS (X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PGE | X86_CR4_PCIDE | \
                      X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_PKE | X86_CR4_LA57)

static bool cr4_write(struct vcpu *v, uint64_t val)
{
    struct guest_paging pg;
    bool lma;

    hvm->get_paging(v, &pg);
    lma = pg.efer & EFER_LMA;
    if ((val & ~hvm_cr4_valid_bits()) ||
        (lma && !(val & X86_CR4_PAE)) ||
        (lma && ((val ^ pg.cr4) & X86_CR4_LA57)) ||
        ((val & X86_CR4_PCIDE) && !(pg.cr4 & X86_CR4_PCIDE) && (!lma || (pg.cr3 & 0xFFF)))) {
        hvm->inject_exception(v, X86_EXC_GP, 0);
        return false;
    }
    hvm->set_cr4(v, val);
    if ((val ^ pg.cr4) & CR4_TLB_BITS)
        v->arch.tlb_flush = true;
    return true;
}

static bool cr0_write(struct vcpu *v, uint64_t val)
{
    struct guest_paging pg;
    bool lme, in_64bit = hvm->insn_mode(v) == INSN_MODE_64;

    hvm->get_paging(v, &pg);
    lme = pg.efer & EFER_LME;
    val |= X86_CR0_ET;                          /* hardwired to 1 */
    if ((val >> 32) ||
        ((val & X86_CR0_NW) && !(val & X86_CR0_CD)) ||
        ((val & X86_CR0_PG) && !(val & X86_CR0_PE)) ||
        (!(val & X86_CR0_PG) && in_64bit) ||
        ((val & X86_CR0_PG) && !(pg.cr0 & X86_CR0_PG) && lme && !(pg.cr4 & X86_CR4_PAE))) {
        hvm->inject_exception(v, X86_EXC_GP, 0);
        return false;
    }
    hvm->set_cr0(v, val);
    if ((val ^ pg.cr0) & (X86_CR0_PG | X86_CR0_WP | X86_CR0_CD | X86_CR0_PE))
        v->arch.tlb_flush = true;
    return true;
}

/* LMSW sets PE, MP, EM and TS from its operand; it never clears PE. */
static bool lmsw(struct vcpu *v, const struct insn_info *in)
{
    struct guest_paging pg;
    uint64_t msw;

    if (in->mod != 3) {
        domain_crash(v->domain, "LMSW with a memory operand changing CR0 (not emulated)");
        return false;
    }
    hvm->get_paging(v, &pg);
    msw = *hvm_gpr(v, in->rm) & 0xF;
    return cr0_write(v, (pg.cr0 & ~0xEULL) | msw | (pg.cr0 & X86_CR0_PE));
}

unsigned int hvm_handle_cr_write(struct vcpu *v, unsigned int cr)
{
    struct insn_info in;
    uint64_t val;
    bool done;

    if (hvm_insn_fetch(v, &in))
        return 0;
    if (cr == 0 && in.opcode_map == INSN_MAP_0F && in.opcode == 0x01 && in.has_modrm &&
        (in.reg & 7) == 6) {
        if (hvm->cpl(v)) {
            hvm->inject_exception(v, X86_EXC_GP, 0);
            return 0;
        }
        return lmsw(v, &in) ? in.len : 0;
    }
    if (in.opcode_map != INSN_MAP_0F || in.opcode != 0x22 || !in.has_modrm || in.reg != cr)
        return 0;               /* not the intercepted MOV (rewritten): run it again */
    if (hvm->cpl(v)) {
        hvm->inject_exception(v, X86_EXC_GP, 0);
        return 0;
    }
    val = *hvm_gpr(v, in.rm);
    if (hvm->insn_mode(v) != INSN_MODE_64)
        val = (uint32_t)val;
    switch (cr) {
    case 0:
        done = cr0_write(v, val);
        break;
    case 4:
        done = cr4_write(v, val);
        break;
    default:
        domain_crash(v->domain, "intercepted write to a control register Oryx does not emulate");
        return 0;
    }
    return done ? in.len : 0;
}

/*
 * VMRUN refused the guest state. Under QEMU that is also how a MOV to CR0
 * or CR3 with an illegal value ends (it exits with the instruction not
 * executed): inject the #GP hardware raises there. A refusal anywhere
 * else, or twice at the same place, is a state the guest cannot fix.
 */
void hvm_handle_invalid_state(struct vcpu *v, uint64_t cr0, uint64_t cr3, uint64_t cr4,
                              uint64_t efer)
{
    unsigned int num, gpr, len;
    char why[160];
    int rc = hvm_decode_mov_crdr(v, 0x22, &num, &gpr, &len);

    if (rc == -EFAULT)
        return;                 /* the fetch failed: the domain is crashed already */
    if (!(v->arch.invalid_again && v->arch.invalid_rip == v->arch.regs.rip) &&
        !rc && num == 3) {
        v->arch.invalid_again = true;   /* cleared by the next other exit */
        v->arch.invalid_rip = v->arch.regs.rip;
        hvm->inject_exception(v, X86_EXC_GP, 0);
        return;
    }
    snprintf(why, sizeof(why),
             "VMRUN refused the guest state (CR0 %#lx CR3 %#lx CR4 %#lx EFER %#lx)",
             (unsigned long)cr0, (unsigned long)cr3, (unsigned long)cr4, (unsigned long)efer);
    domain_crash(v->domain, why);
}
