/*
 * VCPUOP_initialise for HVM and PVH vCPUs: the start state an offline
 * vCPU gets from a vcpu_hvm_context (public/hvm/hvm_vcpu.h), for
 * VCPUOP_up to start it in. Everything in it is checked here, so that
 * what reaches the VMCB is a state VMRUN takes: a context hardware could
 * not run is refused with -EINVAL rather than left to fail at the entry.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <asm/hvm.h>
#include <asm/cpu.h>
#include <asm/guest_access.h>
#include <public/hvm/hvm_vcpu.h>

#define SEG_TYPE(a)     ((a) & 0xF)
#define SEG_S           (1u << 4)
#define SEG_DPL(a)      (((a) >> 5) & 3)
#define SEG_P           (1u << 7)
#define SEG_L           (1u << 9)
#define SEG_DB          (1u << 10)
#define SEG_G           (1u << 11)
#define SEG_ACCESSED    1u
#define TYPE_CODE       8u
#define TYPE_WRITABLE   2u              /* data: writable; code: readable */
#define TYPE_TSS_BUSY   0xBu

#define CR0_KNOWN   (X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | X86_CR0_ET | X86_CR0_NE | \
                     X86_CR0_WP | X86_CR0_AM | X86_CR0_NW | X86_CR0_CD | X86_CR0_PG)
#define EFER_KNOWN  (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)
/* RFLAGS a context may set: the arithmetic flags, TF, IF, DF, IOPL, NT,
 * RF, AC and ID (not VM: no virtual-8086 start). Bit 1 always reads 1. */
#define RFLAGS_KNOWN 0x257FD5ULL
#define RFLAGS_MBS   0x2ULL

enum seg_kind { SEG_CS, SEG_SS, SEG_DATA, SEG_TR };

/* Xen's rules for a context's segment: present code for CS, writable data
 * for SS, readable for DS/ES (which may be null), a busy 32-bit TSS for TR. */
static int check_seg(struct hvm_seg *s, enum seg_kind kind)
{
    uint16_t a = s->attr;

    if (a & 0xF000)
        return -EINVAL;                 /* bits 12-15 must be 0 */
    if (a == 0)
        return kind == SEG_DATA ? 0 : -EINVAL;
    if (!(a & SEG_P))
        return -EINVAL;
    if (kind == SEG_TR) {
        if ((a & SEG_S) || SEG_TYPE(a | TYPE_WRITABLE) != TYPE_TSS_BUSY)
            return -EINVAL;
        s->attr = a | TYPE_WRITABLE;    /* the busy bit, as the CPU's LTR sets it */
        return 0;
    }
    if (!(a & SEG_S))
        return -EINVAL;                 /* a system segment in CS, SS, DS or ES */
    switch (kind) {
    case SEG_CS:
        if (!(SEG_TYPE(a) & TYPE_CODE))
            return -EINVAL;
        break;
    case SEG_SS:
        if ((SEG_TYPE(a) & TYPE_CODE) || !(SEG_TYPE(a) & TYPE_WRITABLE))
            return -EINVAL;
        break;
    default:
        if ((SEG_TYPE(a) & TYPE_CODE) && !(SEG_TYPE(a) & TYPE_WRITABLE))
            return -EINVAL;             /* execute-only code cannot be read through DS/ES */
        break;
    }
    s->attr = a | SEG_ACCESSED;
    return 0;
}

static struct hvm_seg seg32(uint32_t base, uint32_t limit, uint16_t ar)
{
    return (struct hvm_seg){ .sel = 0, .attr = ar, .limit = limit, .base = base };
}

static int from_32b(const struct vcpu_hvm_x86_32 *r, struct hvm_vcpu_state *s)
{
    uint64_t limit;
    int rc = 0;

    if (r->pad1 || r->pad2[0] || r->pad2[1] || r->pad2[2])
        return -EINVAL;
    s->cs = seg32(r->cs_base, r->cs_limit, r->cs_ar);
    s->ds = seg32(r->ds_base, r->ds_limit, r->ds_ar);
    s->ss = seg32(r->ss_base, r->ss_limit, r->ss_ar);
    s->es = seg32(r->es_base, r->es_limit, r->es_ar);
    s->tr = seg32(r->tr_base, r->tr_limit, r->tr_ar);
    rc |= check_seg(&s->cs, SEG_CS);
    rc |= check_seg(&s->ss, SEG_SS);
    rc |= check_seg(&s->ds, SEG_DATA);
    rc |= check_seg(&s->es, SEG_DATA);
    rc |= check_seg(&s->tr, SEG_TR);
    if (rc)
        return -EINVAL;
    limit = (s->cs.attr & SEG_G) ? ((uint64_t)s->cs.limit << 12) | 0xFFF : s->cs.limit;
    if (r->eip > limit)
        return -EINVAL;
    if (SEG_DPL(s->ss.attr) != SEG_DPL(s->cs.attr) ||
        (s->ds.attr && SEG_DPL(s->ds.attr) > SEG_DPL(s->cs.attr)) ||
        (s->es.attr && SEG_DPL(s->es.attr) > SEG_DPL(s->cs.attr)))
        return -EINVAL;
    s->gpr[0] = r->eax;
    s->gpr[1] = r->ecx;
    s->gpr[2] = r->edx;
    s->gpr[3] = r->ebx;
    s->gpr[4] = r->esp;
    s->gpr[5] = r->ebp;
    s->gpr[6] = r->esi;
    s->gpr[7] = r->edi;
    s->rip = r->eip;
    s->rflags = r->eflags;
    s->cr0 = r->cr0;
    s->cr3 = r->cr3;
    s->cr4 = r->cr4;
    s->efer = r->efer;
    return 0;
}

static int from_64b(const struct vcpu_hvm_x86_64 *r, struct hvm_vcpu_state *s)
{
    const struct hvm_seg data = { 0, 0xC93, 0xFFFFFFFF, 0 };

    /* Long mode from the first instruction: paging on, PAE, LME. */
    if (!(r->cr0 & X86_CR0_PG) || !(r->cr4 & X86_CR4_PAE) || !(r->efer & EFER_LME))
        return -EINVAL;
    if ((uint64_t)((int64_t)(r->rip << 16) >> 16) != r->rip)
        return -EINVAL;                 /* not canonical */
    s->cs = (struct hvm_seg){ 0, 0xA9B, 0xFFFFFFFF, 0 };   /* 64-bit code, accessed */
    s->ds = s->ss = s->es = data;
    s->tr = (struct hvm_seg){ 0, 0x8B, 0x67, 0 };         /* busy 64-bit TSS */
    s->gpr[0] = r->rax;
    s->gpr[1] = r->rcx;
    s->gpr[2] = r->rdx;
    s->gpr[3] = r->rbx;
    s->gpr[4] = r->rsp;
    s->gpr[5] = r->rbp;
    s->gpr[6] = r->rsi;
    s->gpr[7] = r->rdi;
    s->rip = r->rip;
    s->rflags = r->rflags;
    s->cr0 = r->cr0;
    s->cr3 = r->cr3;
    s->cr4 = r->cr4;
    s->efer = r->efer;
    return 0;
}

/* What VMRUN checks of CR0, CR3, CR4 and EFER (AMD APM vol. 2, 15.5.1),
 * with the guest's CPUID deciding which CR4 bits exist. */
static int check_control(struct hvm_vcpu_state *s)
{
    bool paging = s->cr0 & X86_CR0_PG, lme = s->efer & EFER_LME;

    s->cr0 |= X86_CR0_ET;
    if ((s->cr0 & ~CR0_KNOWN) || ((s->cr0 & X86_CR0_NW) && !(s->cr0 & X86_CR0_CD)) ||
        (paging && !(s->cr0 & X86_CR0_PE)))
        return -EINVAL;
    if (s->cr4 & ~hvm_cr4_valid_bits())
        return -EINVAL;
    if (s->efer & ~EFER_KNOWN)
        return -EINVAL;
    if ((s->efer & EFER_LMA) && !lme)
        return -EINVAL;
    if (lme && paging) {
        if (!(s->cr4 & X86_CR4_PAE))
            return -EINVAL;
        if ((s->cs.attr & SEG_L) && (s->cs.attr & SEG_DB))
            return -EINVAL;
        s->efer |= EFER_LMA;
    } else {
        s->efer &= ~EFER_LMA;
    }
    if (s->cr3 >> guest_paddr_bits())
        return -EINVAL;
    s->rflags = (s->rflags & RFLAGS_KNOWN) | RFLAGS_MBS;
    return 0;
}

long hvm_vcpu_initialise(struct vcpu *t, const struct vcpu_hvm_context *c)
{
    struct hvm_vcpu_state s;
    int rc;

    memset(&s, 0, sizeof(s));
    if (c->pad)
        return -EINVAL;
    switch (c->mode) {
    case VCPU_HVM_MODE_32B:
        rc = from_32b(&c->cpu_regs.x86_32, &s);
        break;
    case VCPU_HVM_MODE_64B:
        rc = from_64b(&c->cpu_regs.x86_64, &s);
        break;
    default:
        return -EINVAL;
    }
    if (rc || (rc = check_control(&s)))
        return rc;
    hvm->vcpu_set_state(t, &s);
    return 0;
}
