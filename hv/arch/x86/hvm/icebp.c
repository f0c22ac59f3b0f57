/*
 * ICEBP (INT1, opcode F1). It raises #DB as a trap (RIP past it) and is
 * delivered like a hardware exception: no DPL check on the IDT gate, so
 * CPL 3 reaches a DPL 0 gate, and a fault in the delivery (#NP, #GP) has
 * EXT set in its error code and RIP at the ICEBP.
 *
 * As Xen does on SVM, ICEBP is always intercepted and delivered here.
 * SVM cannot inject #DB with trap semantics (an injected exception starts
 * at RIP, and only #BP and #OF are special-cased), so RIP moves past the
 * ICEBP first; for a fault in the delivery to still be reported at the
 * ICEBP, the checks the CPU would make on the gate are made here before.
 * A fault while reading the gate itself (#PF) is left to the CPU's
 * delivery, with RIP already past the ICEBP.
 *
 * QEMU's TCG (7.2 at least) does not know ICEBP: F1 raises #UD there and
 * the ICEBP intercept never fires. So #UD is intercepted too, and the
 * instruction at RIP examined: F1 with any prefixes but LOCK (LOCK ICEBP
 * is #UD on every CPU; the decoder refuses it) is ICEBP; anything else
 * gets its #UD back. A CPU that knows ICEBP never raises #UD for it, so
 * this is right there as well, only unused. An injected event is not
 * itself intercepted, so the #UD given back reaches the guest.
 */
#include <oryx/lib.h>
#include <oryx/domain.h>
#include <asm/hvm.h>
#include <asm/cpu.h>
#include <asm/guest_access.h>

/* #NP/#GP error code for vector 1 in the IDT, external event (EXT). */
#define ICEBP_FAULT_EC ((X86_EXC_DB << 3) | 2 | 1)

#define GATE_TASK       0x05
#define GATE_INTR16     0x06
#define GATE_TRAP16     0x07
#define GATE_INTR       0x0E
#define GATE_TRAP       0x0F
#define GATE_PRESENT    (1u << 15)

/* The length of the ICEBP at RIP, 0 if something else is there. */
static unsigned int icebp_length(const struct insn_info *in)
{
    if (in->opcode_map != INSN_MAP_1BYTE || in->opcode != 0xF1 ||
        in->vex_kind != INSN_VEX_NONE)
        return 0;
    return in->len;
}

/* The fault (#GP or #NP) the CPU raises delivering #DB through this IDT,
 * or 0 if the gate is usable (or could not be read: the CPU finds out). */
static unsigned int db_gate_fault(struct vcpu *v)
{
    struct guest_paging pg;
    uint32_t gate[4] = { 0 }, limit;
    uint64_t base;
    unsigned int size;
    bool lm;

    hvm->get_paging(v, &pg);
    if (!(pg.cr0 & X86_CR0_PE))
        return 0;               /* real mode: an IVT entry has nothing to check */
    lm = pg.efer & EFER_LMA;
    size = lm ? 16 : 8;
    hvm->get_idtr(v, &base, &limit);
    if (!lm)
        base &= 0xFFFFFFFF;
    if (X86_EXC_DB * size + size - 1 > limit)
        return X86_EXC_GP;
    if (copy_from_guest_system(v, gate, base + X86_EXC_DB * size, size))
        return 0;
    switch ((gate[1] >> 8) & 0x1F) {        /* type, with S (must be 0) */
    case GATE_INTR:
    case GATE_TRAP:
        break;
    case GATE_TASK:
    case GATE_INTR16:
    case GATE_TRAP16:
        if (!lm)
            break;
        return X86_EXC_GP;
    default:
        return X86_EXC_GP;
    }
    if (lm && (gate[3] & 0x1F00))           /* the upper half's type must be 0 */
        return X86_EXC_GP;
    if (!(gate[1] & GATE_PRESENT))
        return X86_EXC_NP;
    return 0;
}

static unsigned int icebp_deliver(struct vcpu *v, unsigned int len)
{
    unsigned int fault = db_gate_fault(v);

    if (fault) {
        hvm->inject_exception(v, fault, ICEBP_FAULT_EC);
        return 0;
    }
    /* A single step of the ICEBP is reported with its #DB (as Xen does). */
    if (v->arch.regs.rflags & X86_EFLAGS_TF)
        hvm->set_dr(v, 6, hvm->get_dr(v, 6) | X86_DR6_BS);
    hvm->inject_exception(v, X86_EXC_DB, -1);
    return len;
}

unsigned int hvm_handle_icebp(struct vcpu *v)
{
    struct insn_info in;
    unsigned int len;

    if (hvm_insn_fetch(v, &in))
        return 0;
    if (!(len = icebp_length(&in)))
        return 0;               /* rewritten since the exit: run it again */
    return icebp_deliver(v, len);
}

unsigned int hvm_handle_ud(struct vcpu *v)
{
    uint8_t buf[INSN_MAX_LEN];
    struct insn_info in;
    unsigned int len = 0;
    size_t got;

    if (hvm_fep_handle(v))
        return 0;               /* the forced-emulation prefix: dealt with */
    got = fetch_from_guest(v, buf, v->arch.regs.rip + hvm->cs_base(v), sizeof(buf));
    if (got && !insn_decode(buf, got, hvm->insn_mode(v), &in))
        len = icebp_length(&in);
    if (len)
        return icebp_deliver(v, len);
    hvm->inject_exception(v, X86_EXC_UD, -1);
    return 0;
}
