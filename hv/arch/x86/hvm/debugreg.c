/*
 * Debug registers and MSR_DEBUGCTL. Every guest MOV to or from DR0-DR7 is intercepted and
 * served from the vCPU's own copy, so no domain reads what another wrote.
 * DR6 and DR7 live in the vendor's guest state (the CPU loads and saves
 * them at each world switch). DR0-DR3 reach the CPU lazily: only while
 * the vCPU's DR7 enables a breakpoint, and only when the registers do not
 * already hold its values (this_cpu()->dr_owner).
 *
 * Why the intercepts stay on (Xen drops them after the first access):
 * QEMU's TCG keeps its breakpoint list in step with DR7 only on a MOV to
 * DR7, while VMRUN and #VMEXIT load DR7 behind its back; a later guest
 * MOV to a debug register then frees the wrong list entry and QEMU dies.
 * Here every MOV to a debug register runs in the hypervisor, with the
 * host's DR7 (no breakpoint enabled) in force.
 *
 * MSR_DEBUGCTL is what Xen gives an HVM guest on AMD without LBR
 * virtualisation: 0 at first, the last value written reads back, and the
 * value is never loaded into the CPU (without LBR virtualisation VMRUN
 * keeps the host's DEBUGCTL, and QEMU's TCG implements neither LBR nor
 * BTF). Xen's SVM code stores any value; Oryx refuses with #GP the bits
 * Xen's VT-x code refuses (everything but LBR and BTF: since XSA-269 an
 * unchecked DEBUGCTL counts as a security bug there) and which a guest
 * has no business setting on an AMD CPU either (bits 63:6 are reserved).
 */
#include <oryx/lib.h>
#include <oryx/domain.h>
#include <asm/hvm.h>
#include <asm/cpu.h>
#include <asm/percpu.h>

void hvm_debugreg_load(struct vcpu *v)
{
    struct per_cpu *pc = this_cpu();

    if (pc->dr_owner == v || !(hvm->get_dr(v, 7) & X86_DR7_ENABLES))
        return;
    asm volatile("mov %0, %%db0" : : "r"(v->arch.dr[0]));
    asm volatile("mov %0, %%db1" : : "r"(v->arch.dr[1]));
    asm volatile("mov %0, %%db2" : : "r"(v->arch.dr[2]));
    asm volatile("mov %0, %%db3" : : "r"(v->arch.dr[3]));
    pc->dr_owner = v;
}

void hvm_debugreg_reset(struct vcpu *v)
{
    memset(v->arch.dr, 0, sizeof(v->arch.dr));
    v->arch.debugctl = 0;
    for (unsigned int i = 0; i < nr_cpus; i++)
        if (cpu_data[i] && cpu_data[i]->dr_owner == v)
            cpu_data[i]->dr_owner = NULL;
}

/*
 * MOV to/from DRn at RIP. Returns its length when it completed (RIP moves
 * on); 0 after injecting the fault the CPU would raise, or when the
 * instruction is not what the exit said (another vCPU rewrote it: run it
 * again).
 */
unsigned int hvm_handle_dr_access(struct vcpu *v, unsigned int dr, bool write)
{
    unsigned int num, gpr, len;
    bool wide = hvm->insn_mode(v) == INSN_MODE_64;
    struct guest_paging pg;
    uint64_t *reg, val;

    if (hvm_decode_mov_crdr(v, write ? 0x23 : 0x21, &num, &gpr, &len))
        return 0;
    hvm->get_paging(v, &pg);
    if (num > 7 || ((num == 4 || num == 5) && (pg.cr4 & X86_CR4_DE))) {
        hvm->inject_exception(v, X86_EXC_UD, -1);
        return 0;
    }
    /* DR4/DR5 alias DR6/DR7 without CR4.DE, whichever the exit named. */
    if (num == 4 || num == 5)
        num += 2;
    if (dr == 4 || dr == 5)
        dr += 2;
    if (num != dr)
        return 0;                       /* rewritten since the exit: run it again */
    if (hvm->cpl(v)) {
        hvm->inject_exception(v, X86_EXC_GP, 0);
        return 0;
    }
    if (hvm->get_dr(v, 7) & X86_DR7_GD) {
        /* General detect: a #DB fault before the access, GD cleared. */
        hvm->set_dr(v, 6, (hvm->get_dr(v, 6) & ~0xFULL) | X86_DR6_BD);
        hvm->set_dr(v, 7, hvm->get_dr(v, 7) & ~X86_DR7_GD);
        hvm->inject_exception(v, X86_EXC_DB, -1);
        return 0;
    }
    reg = hvm_gpr(v, gpr);
    if (!write) {
        val = num < 4 ? v->arch.dr[num] : hvm->get_dr(v, num);
        *reg = wide ? val : (uint32_t)val;
        return len;
    }
    val = wide ? *reg : (uint32_t)*reg;
    if (num < 4) {
        v->arch.dr[num] = val;
        if (this_cpu()->dr_owner == v)
            this_cpu()->dr_owner = NULL;        /* reload before the next entry */
        return len;
    }
    if (val >> 32) {
        hvm->inject_exception(v, X86_EXC_GP, 0);
        return 0;
    }
    if (num == 6)
        hvm->set_dr(v, 6, (val & X86_DR6_WRITABLE) | X86_DR6_DEFAULT);
    else
        hvm->set_dr(v, 7, (val & X86_DR7_WRITABLE) | X86_DR7_DEFAULT);
    return len;
}

uint64_t hvm_debugctl_read(struct vcpu *v)
{
    return v->arch.debugctl;
}

bool hvm_debugctl_write(struct vcpu *v, uint64_t val)
{
    if (val & ~(DEBUGCTL_LBR | DEBUGCTL_BTF))
        return false;
    v->arch.debugctl = val;
    return true;
}
