/*
 * x86 instruction emulator (see asm/x86_emulate.h). Written for the
 * forced-emulation prefix: one instruction, on a copy of the vCPU's state,
 * with every architectural check made before anything is changed.
 *
 * Guest input is hostile: every length comes from the decoder (bounded by
 * 15 bytes), every memory access goes through the segment checks and then
 * ops->read/write page by page, and nothing is indexed by a guest value
 * without a mask.
 */
#include <oryx/types.h>
#include <oryx/errno.h>
#include <asm/x86_emulate.h>

#ifdef ORYX_HOST_TEST
#include <string.h>
#else
#include <oryx/lib.h>
#endif

/* EFLAGS */
#define FL_CF   (1u << 0)
#define FL_PF   (1u << 2)
#define FL_AF   (1u << 4)
#define FL_ZF   (1u << 6)
#define FL_SF   (1u << 7)
#define FL_TF   (1u << 8)
#define FL_IF   (1u << 9)
#define FL_DF   (1u << 10)
#define FL_OF   (1u << 11)
#define FL_RF   (1u << 16)
#define FL_VM   (1u << 17)
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

#define CR0_PE  (1u << 0)
#define CR0_MP  (1u << 1)
#define CR0_EM  (1u << 2)
#define CR0_TS  (1u << 3)
#define CR0_NE  (1u << 5)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_LA57   (1u << 12)
#define EFER_SCE   (1u << 0)
#define EFER_LMA   (1u << 10)

/* Exception vectors */
#define EXC_DB  1
#define EXC_BP  3
#define EXC_OF  4
#define EXC_UD  6
#define EXC_NM  7
#define EXC_NP  11
#define EXC_SS  12
#define EXC_GP  13
#define EXC_PF  14
#define EXC_MF  16
#define EXC_XM  19

#define PAGE_SZ 4096u

/* Internal: a branch set RIP itself. */
#define EMUL_BRANCH 100

/* ---- small helpers ---------------------------------------------------- */

static uint64_t size_mask(unsigned int size)
{
    return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static uint64_t sign_extend(uint64_t v, unsigned int bytes)
{
    unsigned int shift;

    if (bytes >= 8 || !bytes)
        return v;
    shift = 64 - bytes * 8;
    return (uint64_t)((int64_t)(v << shift) >> shift);
}

static int raise(struct x86_emul_ctxt *c, unsigned int vec, int32_t ec)
{
    c->event = (struct x86_event){ .vector = (uint8_t)vec, .type = X86_EVENT_HW_EXC,
                                   .error_code = ec };
    return X86EMUL_EXCEPTION;
}

#define RAISE_UD(c)  raise((c), EXC_UD, -1)
#define RAISE_GP0(c) raise((c), EXC_GP, 0)

enum insn_mode x86_emul_mode(const struct x86_emul_ctxt *c)
{
    if ((c->efer & EFER_LMA) && (c->seg[X86_SEG_CS].attr & X86_SEG_ATTR_L))
        return INSN_MODE_64;
    if (!(c->cr0 & CR0_PE) || (c->rflags & FL_VM))
        return INSN_MODE_16;
    return (c->seg[X86_SEG_CS].attr & X86_SEG_ATTR_DB) ? INSN_MODE_32 : INSN_MODE_16;
}

static bool real_or_vm86(const struct x86_emul_ctxt *c)
{
    return !(c->cr0 & CR0_PE) || (c->rflags & FL_VM);
}

static bool is_canonical(const struct x86_emul_ctxt *c, uint64_t la)
{
    unsigned int bits = (c->cr4 & CR4_LA57) ? 57 : 48;

    return (uint64_t)((int64_t)(la << (64 - bits)) >> (64 - bits)) == la;
}

/* ---- registers -------------------------------------------------------- */

/* General register n as a `size`-byte operand: without REX, byte
 * registers 4-7 are AH CH DH BH. */
static uint64_t reg_read(const struct x86_emul_ctxt *c, unsigned int n, unsigned int size)
{
    n &= 15;
    if (size == 1 && !c->in.rex && n >= 4 && n < 8)
        return (c->gpr[n - 4] >> 8) & 0xFF;
    return c->gpr[n] & size_mask(size);
}

static void reg_write(struct x86_emul_ctxt *c, unsigned int n, unsigned int size, uint64_t val)
{
    uint64_t *r;

    n &= 15;
    if (size == 1 && !c->in.rex && n >= 4 && n < 8) {
        r = &c->gpr[n - 4];
        *r = (*r & ~0xFF00ULL) | ((val & 0xFF) << 8);
        return;
    }
    r = &c->gpr[n];
    if (size == 4)
        *r = val & 0xFFFFFFFF;      /* a 32-bit destination zeroes the upper half */
    else if (size == 8)
        *r = val;
    else
        *r = (*r & ~size_mask(size)) | (val & size_mask(size));
}

/* ---- flags ------------------------------------------------------------- */

static uint64_t flags_szp(uint64_t res, unsigned int size)
{
    uint64_t f = 0;
    uint8_t lo = (uint8_t)res;

    res &= size_mask(size);
    if (!res)
        f |= FL_ZF;
    if (res >> (size * 8 - 1))
        f |= FL_SF;
    lo ^= lo >> 4;
    lo ^= lo >> 2;
    lo ^= lo >> 1;
    if (!(lo & 1))
        f |= FL_PF;
    return f;
}

static uint64_t flags_add(uint64_t a, uint64_t b, unsigned int cin, unsigned int size,
                          uint64_t *res)
{
    uint64_t m = size_mask(size), r, f;
    unsigned int top = size * 8 - 1;

    a &= m;
    b &= m;
    r = (a + b + cin) & m;
    f = flags_szp(r, size);
    if (r < a || (cin && r == a))
        f |= FL_CF;
    if ((((a ^ r) & (b ^ r)) >> top) & 1)
        f |= FL_OF;
    if ((a ^ b ^ r) & 0x10)
        f |= FL_AF;
    *res = r;
    return f;
}

static uint64_t flags_sub(uint64_t a, uint64_t b, unsigned int cin, unsigned int size,
                          uint64_t *res)
{
    uint64_t m = size_mask(size), r, f;
    unsigned int top = size * 8 - 1;

    a &= m;
    b &= m;
    r = (a - b - cin) & m;
    f = flags_szp(r, size);
    if (a < b || (cin && a == b))
        f |= FL_CF;
    if ((((a ^ b) & (a ^ r)) >> top) & 1)
        f |= FL_OF;
    if ((a ^ b ^ r) & 0x10)
        f |= FL_AF;
    *res = r;
    return f;
}

uint64_t x86_emul_alu(unsigned int op, unsigned int size, uint64_t a, uint64_t b,
                      uint64_t flags_in, uint64_t *res)
{
    uint64_t m = size_mask(size), f;
    unsigned int cf = (flags_in & FL_CF) ? 1 : 0;

    switch (op & 7) {
    case 0: f = flags_add(a, b, 0, size, res); break;           /* ADD */
    case 2: f = flags_add(a, b, cf, size, res); break;          /* ADC */
    case 3: f = flags_sub(a, b, cf, size, res); break;          /* SBB */
    case 5: case 7: f = flags_sub(a, b, 0, size, res); break;   /* SUB, CMP */
    case 1: *res = (a | b) & m; f = flags_szp(*res, size); break;
    case 4: *res = (a & b) & m; f = flags_szp(*res, size); break;
    default: *res = (a ^ b) & m; f = flags_szp(*res, size); break;
    }
    return (flags_in & ~(uint64_t)FL_ARITH) | f;
}

/* ---- segmentation and memory ----------------------------------------- */

enum acc { ACC_READ, ACC_WRITE, ACC_EXEC };

static int seg_fault(struct x86_emul_ctxt *c, unsigned int seg)
{
    return raise(c, seg == X86_SEG_SS ? EXC_SS : EXC_GP, 0);
}

/*
 * The linear address of seg:off for an access of `size` bytes (size 0:
 * only the offset is checked, as a branch target is), or a fault:
 * #GP(0), or #SS(0) when the segment is SS.
 */
static int seg_linear(struct x86_emul_ctxt *c, unsigned int seg, uint64_t off,
                      unsigned int size, enum acc acc, uint64_t *la)
{
    const struct x86_seg *s = &c->seg[seg];
    uint64_t last = off + (size ? size - 1 : 0);

    if (c->mode == INSN_MODE_64) {
        uint64_t base = (seg == X86_SEG_FS || seg == X86_SEG_GS) ? s->base : 0;

        *la = base + off;
        if (!is_canonical(c, *la) || !is_canonical(c, *la + (size ? size - 1 : 0)))
            return seg_fault(c, seg);
        return X86EMUL_OKAY;
    }
    if (real_or_vm86(c)) {
        if (last > s->limit)
            return seg_fault(c, seg);
        *la = (s->base + off) & 0xFFFFFFFF;
        return X86EMUL_OKAY;
    }
    /* Protected mode (and compatibility mode). */
    if (seg != X86_SEG_CS && (!(s->attr & X86_SEG_ATTR_P) || !(s->sel & ~3u)))
        return seg_fault(c, seg);
    if (s->attr & 8) {                          /* code */
        if (acc == ACC_WRITE || (acc == ACC_READ && !(s->attr & 2)))
            return seg_fault(c, seg);
        if (last > s->limit)
            return seg_fault(c, seg);
    } else {
        if (acc == ACC_WRITE && !(s->attr & 2))
            return seg_fault(c, seg);
        if (acc == ACC_EXEC)
            return seg_fault(c, seg);
        if (s->attr & 4) {                      /* expand-down */
            uint64_t upper = (s->attr & X86_SEG_ATTR_DB) ? 0xFFFFFFFF : 0xFFFF;

            if (off <= s->limit || last > upper)
                return seg_fault(c, seg);
        } else if (last > s->limit) {
            return seg_fault(c, seg);
        }
    }
    *la = (s->base + off) & 0xFFFFFFFF;
    return X86EMUL_OKAY;
}

/* A fault an op reported for linear address la. */
static int op_fault(struct x86_emul_ctxt *c, int rc, uint64_t la, uint32_t pfec)
{
    if (rc != X86EMUL_EXCEPTION)
        return rc;
    if (pfec & X86EMUL_PFEC_GP)
        return RAISE_GP0(c);
    c->event = (struct x86_event){ .vector = EXC_PF, .type = X86_EVENT_HW_EXC,
                                   .error_code = (int32_t)pfec, .cr2 = la };
    return X86EMUL_EXCEPTION;
}

static unsigned int chunk_len(uint64_t la, unsigned int len)
{
    unsigned int room = PAGE_SZ - (unsigned int)(la & (PAGE_SZ - 1));

    return len < room ? len : room;
}

/* Linear addresses wrap at 4 GiB outside 64-bit mode. */
static uint64_t la_add(const struct x86_emul_ctxt *c, uint64_t la, unsigned int n)
{
    return c->mode == INSN_MODE_64 ? la + n : (la + n) & 0xFFFFFFFF;
}

static int lin_read(struct x86_emul_ctxt *c, uint64_t la, void *buf, unsigned int len,
                    unsigned int access)
{
    uint8_t *p = buf;

    while (len) {
        unsigned int n = chunk_len(la, len);
        uint32_t pfec = 0;
        int rc = c->ops->read(c, la, p, n, access, &pfec);

        if (rc == X86EMUL_UNHANDLEABLE) {
            c->mmio_la = la;
            c->mmio_write = false;
        }
        if (rc)
            return op_fault(c, rc, la, pfec);
        la = la_add(c, la, n);
        p += n;
        len -= n;
    }
    return X86EMUL_OKAY;
}

static int lin_write(struct x86_emul_ctxt *c, uint64_t la, const void *buf, unsigned int len)
{
    const uint8_t *p = buf;
    uint64_t a = la;
    unsigned int left = len;

    /* Every page first: a write that faults on its second page leaves
     * the first untouched. */
    while (left) {
        unsigned int n = chunk_len(a, left);
        uint32_t pfec = 0;
        int rc = c->ops->check_write(c, a, n, &pfec);

        if (rc == X86EMUL_UNHANDLEABLE) {
            c->mmio_la = a;
            c->mmio_write = true;
        }
        if (rc)
            return op_fault(c, rc, a, pfec);
        a = la_add(c, a, n);
        left -= n;
    }
    while (len) {
        unsigned int n = chunk_len(la, len);
        uint32_t pfec = 0;
        int rc = c->ops->write(c, la, p, n, &pfec);

        if (rc)
            return op_fault(c, rc, la, pfec);
        la = la_add(c, la, n);
        p += n;
        len -= n;
    }
    return X86EMUL_OKAY;
}

/* ---- operands ---------------------------------------------------------- */

struct operand {
    bool mem;
    unsigned int reg;       /* !mem */
    unsigned int seg;       /* mem */
    uint64_t off;           /* mem: the effective address */
};

static unsigned int default_seg(const struct x86_emul_ctxt *c, unsigned int dflt)
{
    switch (c->in.seg_override) {
    case 0x64: return X86_SEG_FS;
    case 0x65: return X86_SEG_GS;
    }
    if (c->mode == INSN_MODE_64)
        return dflt;            /* CS, DS, ES, SS prefixes do nothing in 64-bit mode */
    switch (c->in.seg_override) {
    case 0x26: return X86_SEG_ES;
    case 0x2E: return X86_SEG_CS;
    case 0x36: return X86_SEG_SS;
    case 0x3E: return X86_SEG_DS;
    }
    return dflt;
}

/* The ModRM memory operand's effective address and segment. */
static void modrm_ea(struct x86_emul_ctxt *c, struct operand *op)
{
    const struct insn_info *in = &c->in;
    unsigned int dseg = X86_SEG_DS;
    uint64_t ea = 0;

    op->mem = true;
    if (in->addrsize == 2) {
        static const uint8_t base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };   /* BX BX BP BP SI DI BP BX */
        static const int8_t index16[8] = { 6, 7, 6, 7, -1, -1, -1, -1 }; /* SI DI SI DI */
        unsigned int rm = in->rm & 7;

        if (in->mod == 0 && rm == 6) {
            ea = (uint64_t)in->disp;
        } else {
            ea = c->gpr[base16[rm]] & 0xFFFF;
            if (index16[rm] >= 0)
                ea += c->gpr[index16[rm]] & 0xFFFF;
            if (base16[rm] == 5)
                dseg = X86_SEG_SS;
            ea += (uint64_t)in->disp;
        }
        ea &= 0xFFFF;
    } else {
        if (in->has_sib) {
            unsigned int base = (in->sib & 7) | ((in->rex & 1) << 3);
            unsigned int index = ((in->sib >> 3) & 7) | ((in->rex & 2) << 2);
            unsigned int scale = in->sib >> 6;

            if ((in->sib & 7) == 5 && in->mod == 0) {
                /* no base: disp32 */
            } else {
                ea = c->gpr[base];
                if (base == 4 || base == 5)
                    dseg = X86_SEG_SS;
            }
            if (index != 4)
                ea += c->gpr[index] << scale;
        } else if (in->mod == 0 && (in->rm & 7) == 5) {
            if (in->rip_relative)
                ea = c->rip + in->len;
        } else {
            ea = c->gpr[in->rm & 15];
            if (in->rm == 4 || in->rm == 5)
                dseg = X86_SEG_SS;
        }
        ea += (uint64_t)in->disp;
        if (in->addrsize == 4)
            ea &= 0xFFFFFFFF;
    }
    op->seg = default_seg(c, dseg);
    op->off = ea;
}

/* The r/m operand: a register or memory. */
static void decode_rm(struct x86_emul_ctxt *c, struct operand *op)
{
    if (c->in.mod == 3) {
        op->mem = false;
        op->reg = c->in.rm;
        return;
    }
    modrm_ea(c, op);
}

static int mem_read(struct x86_emul_ctxt *c, unsigned int seg, uint64_t off, void *buf,
                    unsigned int size)
{
    uint64_t la;
    int rc = seg_linear(c, seg, off, size, ACC_READ, &la);

    return rc ? rc : lin_read(c, la, buf, size, 0);
}

static int mem_write(struct x86_emul_ctxt *c, unsigned int seg, uint64_t off, const void *buf,
                     unsigned int size)
{
    uint64_t la;
    int rc = seg_linear(c, seg, off, size, ACC_WRITE, &la);

    return rc ? rc : lin_write(c, la, buf, size);
}

static int op_read(struct x86_emul_ctxt *c, const struct operand *op, unsigned int size,
                   uint64_t *val)
{
    uint64_t v = 0;
    int rc;

    if (!op->mem) {
        *val = reg_read(c, op->reg, size);
        return X86EMUL_OKAY;
    }
    rc = mem_read(c, op->seg, op->off, &v, size);
    *val = v & size_mask(size);
    return rc;
}

static int op_write(struct x86_emul_ctxt *c, const struct operand *op, unsigned int size,
                    uint64_t val)
{
    if (!op->mem) {
        reg_write(c, op->reg, size, val);
        return X86EMUL_OKAY;
    }
    return mem_write(c, op->seg, op->off, &val, size);
}

/* ---- stack ------------------------------------------------------------- */

static unsigned int stack_size(const struct x86_emul_ctxt *c)
{
    if (c->mode == INSN_MODE_64)
        return 8;
    return (c->seg[X86_SEG_SS].attr & X86_SEG_ATTR_DB) && !real_or_vm86(c) ? 4 : 2;
}

static void set_sp(struct x86_emul_ctxt *c, uint64_t sp)
{
    unsigned int ss = stack_size(c);

    if (ss == 8)
        c->gpr[4] = sp;
    else if (ss == 4)
        c->gpr[4] = sp & 0xFFFFFFFF;
    else
        c->gpr[4] = (c->gpr[4] & ~0xFFFFULL) | (sp & 0xFFFF);
}

static int push(struct x86_emul_ctxt *c, uint64_t val, unsigned int size)
{
    uint64_t sp = (c->gpr[4] - size) & size_mask(stack_size(c));
    int rc = mem_write(c, X86_SEG_SS, sp, &val, size);

    if (!rc)
        set_sp(c, sp);
    return rc;
}

/* Read the top of the stack; the caller moves rSP (pop_commit). */
static int pop_peek(struct x86_emul_ctxt *c, uint64_t *val, unsigned int size)
{
    uint64_t sp = c->gpr[4] & size_mask(stack_size(c)), v = 0;
    int rc = mem_read(c, X86_SEG_SS, sp, &v, size);

    *val = v;
    return rc;
}

static void pop_commit(struct x86_emul_ctxt *c, unsigned int size)
{
    set_sp(c, (c->gpr[4] & size_mask(stack_size(c))) + size);
}

/* Operand size of PUSH/POP/near branches: 64 in 64-bit mode unless 66. */
static unsigned int stack_opsize(const struct x86_emul_ctxt *c)
{
    if (c->mode == INSN_MODE_64)
        return c->in.prefix_66 ? 2 : 8;
    return c->in.opsize;
}

/* ---- branches ------------------------------------------------------- */

static int branch_to(struct x86_emul_ctxt *c, uint64_t target, unsigned int opsize)
{
    target &= size_mask(opsize);
    if (c->mode == INSN_MODE_64) {
        if (!is_canonical(c, target))
            return RAISE_GP0(c);
    } else if (target > c->seg[X86_SEG_CS].limit && !real_or_vm86(c)) {
        return RAISE_GP0(c);
    } else if (real_or_vm86(c) && target > c->seg[X86_SEG_CS].limit) {
        return RAISE_GP0(c);
    }
    c->rip = target;
    return EMUL_BRANCH;         /* RIP set: not advanced past the instruction */
}

static bool cond_true(uint64_t f, unsigned int cc)
{
    bool r;

    switch ((cc >> 1) & 7) {
    case 0: r = f & FL_OF; break;
    case 1: r = f & FL_CF; break;
    case 2: r = f & FL_ZF; break;
    case 3: r = (f & FL_CF) || (f & FL_ZF); break;
    case 4: r = f & FL_SF; break;
    case 5: r = f & FL_PF; break;
    case 6: r = !!(f & FL_SF) != !!(f & FL_OF); break;
    default: r = (f & FL_ZF) || (!!(f & FL_SF) != !!(f & FL_OF)); break;
    }
    return (cc & 1) ? !r : r;
}

/* Sequential execution never truncates EIP to 16 bits, not even in a
 * 16-bit code segment or real mode (only branches with a 16-bit operand
 * size do): outside 64-bit mode it wraps at 4 GiB. */
static void advance_rip(struct x86_emul_ctxt *c)
{
    c->rip += c->in.len;
    if (c->mode != INSN_MODE_64)
        c->rip &= 0xFFFFFFFF;
}

/* ---- software interrupts ------------------------------------------------ */

/*
 * The checks the CPU makes on the IDT gate before delivering a software
 * interrupt (INT n, INT3, INTO; `soft`) or ICEBP's #DB: the IDT limit,
 * the gate's type, its DPL against the CPL (software interrupts only) and
 * its present bit. A gate that cannot be read is left to the delivery.
 */
static int swint(struct x86_emul_ctxt *c, unsigned int vec, enum x86_event_type type)
{
    bool lm = c->efer & EFER_LMA, soft = type != X86_EVENT_ICEBP;
    unsigned int size = lm ? 16 : 8, gtype;
    int32_t ec = (int32_t)(vec << 3) | 2 | (soft ? 0 : 1);
    uint32_t gate[4] = { 0 };

    if (!real_or_vm86(c)) {
        uint64_t base = lm ? c->idtr_base : (c->idtr_base & 0xFFFFFFFF);

        if ((uint64_t)vec * size + size - 1 > c->idtr_limit)
            return raise(c, EXC_GP, ec);
        if (lin_read(c, base + (uint64_t)vec * size, gate, size, X86EMUL_ACC_SYSTEM) ==
            X86EMUL_OKAY) {
            gtype = (gate[1] >> 8) & 0x1F;
            if (lm) {
                if ((gtype != 0x0E && gtype != 0x0F) || (gate[3] & 0x1F00))
                    return raise(c, EXC_GP, ec);
            } else if (gtype != 0x05 && gtype != 0x06 && gtype != 0x07 && gtype != 0x0E &&
                       gtype != 0x0F) {
                return raise(c, EXC_GP, ec);
            }
            if (soft && ((gate[1] >> 13) & 3) < c->cpl)
                return raise(c, EXC_GP, ec);
            if (!(gate[1] & (1u << 15)))
                return raise(c, EXC_NP, ec);
        }
    } else if (c->rflags & FL_VM) {
        return RAISE_GP0(c);    /* VM86 with IOPL < 3: not modelled, #GP as there */
    }
    advance_rip(c);
    c->event = (struct x86_event){ .vector = (uint8_t)vec, .type = (uint8_t)type,
                                   .error_code = -1 };
    return X86EMUL_EXCEPTION;
}

/* ---- FPU, MMX, SSE --------------------------------------------------- */

/* x87: #NM when CR0.EM or CR0.TS; #MF (CR0.NE) for a pending unmasked
 * exception at a waiting instruction. */
static int x87_check(struct x86_emul_ctxt *c, bool waiting)
{
    if (c->cr0 & (CR0_EM | CR0_TS))
        return raise(c, EXC_NM, -1);
    if (waiting && (c->fsw & 0x80) && (c->cr0 & CR0_NE))
        return raise(c, EXC_MF, -1);
    return X86EMUL_OKAY;
}

/* MMX: #UD with CR0.EM, then #NM with CR0.TS. SSE also needs CR4.OSFXSR. */
static int simd_check(struct x86_emul_ctxt *c, bool sse)
{
    if ((c->cr0 & CR0_EM) || (sse && !(c->cr4 & CR4_OSFXSR)))
        return RAISE_UD(c);
    if (c->cr0 & CR0_TS)
        return raise(c, EXC_NM, -1);
    return X86EMUL_OKAY;
}

/*
 * MMX and SSE register moves, on the FXSAVE image. An MMX register mmN is
 * the mantissa of physical x87 register N, which the image holds as
 * ST((N - TOS) mod 8); every MMX instruction leaves TOS 0 and all tags
 * valid, and a write sets the register's exponent and sign to all ones.
 */
#define FX_FSW   2
#define FX_FTW   4
#define FX_ST(i) (32 + 16 * (i))
#define FX_XMM(i) (160 + 16 * (i))

static void mmx_enter(uint8_t *fx)
{
    uint8_t st[8][16];
    uint16_t fsw;
    unsigned int tos;

    memcpy(&fsw, fx + FX_FSW, 2);
    tos = (fsw >> 11) & 7;
    for (unsigned int i = 0; i < 8; i++)
        memcpy(st[i], fx + FX_ST((i - tos) & 7), 16);     /* physical register i */
    memcpy(fx + FX_ST(0), st, sizeof(st));
    fsw &= (uint16_t)~(7u << 11);
    memcpy(fx + FX_FSW, &fsw, 2);
    fx[FX_FTW] = 0xFF;
}

static int emul_simd_move(struct x86_emul_ctxt *c)
{
    const struct insn_info *in = &c->in;
    bool mmx = !in->prefix_66 && !in->rep && (in->opcode == 0x6F || in->opcode == 0x7F);
    bool store = in->opcode == 0x11 || in->opcode == 0x29 || in->opcode == 0x7F;
    bool aligned = in->opcode == 0x28 || in->opcode == 0x29 ||
                   ((in->opcode == 0x6F || in->opcode == 0x7F) && in->prefix_66);
    unsigned int size = mmx ? 8 : 16, reg_off, rm_off = 0;
    struct operand rm = { .mem = false };
    uint8_t val[16], *fx;
    int rc;

    if ((rc = simd_check(c, !mmx)))
        return rc;
    /* MOVSS/MOVSD (F2/F3 0F 10/11) and F2 forms are other instructions. */
    if (in->rep == 0xF2 || (in->rep == 0xF3 && in->opcode != 0x6F && in->opcode != 0x7F))
        return RAISE_UD(c);
    if (!c->ops->get_fxsave || !(fx = c->ops->get_fxsave(c)))
        return RAISE_UD(c);
    if (mmx)
        mmx_enter(fx);
    reg_off = mmx ? FX_ST(in->reg & 7) : FX_XMM(in->reg & 15);
    decode_rm(c, &rm);
    if (!rm.mem)
        rm_off = mmx ? FX_ST(rm.reg & 7) : FX_XMM(rm.reg & 15);
    if (rm.mem && aligned && (rm.off & 15))
        return RAISE_GP0(c);
    if (store) {
        memcpy(val, fx + reg_off, size);
        if (rm.mem) {
            if ((rc = mem_write(c, rm.seg, rm.off, val, size)))
                return rc;
        } else {
            memcpy(fx + rm_off, val, size);
            if (mmx)
                fx[rm_off + 8] = fx[rm_off + 9] = 0xFF;
        }
    } else {
        if (rm.mem) {
            if ((rc = mem_read(c, rm.seg, rm.off, val, size)))
                return rc;
        } else {
            memcpy(val, fx + rm_off, size);
        }
        memcpy(fx + reg_off, val, size);
        if (mmx)
            fx[reg_off + 8] = fx[reg_off + 9] = 0xFF;
    }
    if (c->ops->put_fxsave)
        c->ops->put_fxsave(c);
    return X86EMUL_OKAY;
}

/* ---- SSE arithmetic, in software ------------------------------------------
 *
 * DIVPS/DIVSS/DIVPD/DIVSD and (U)COMISS/(U)COMISD are computed here with
 * integer arithmetic on the guest's registers as the FXSAVE image holds
 * them: the hypervisor never uses the FPU for the guest's numbers. The
 * result is IEEE 754 with MXCSR's rounding control, DAZ and FTZ, and its
 * exception flags (IE DE ZE OE UE PE) in the priority the SDM gives
 * (invalid, then divide-by-zero, then denormal, then overflow/underflow
 * and precision). An unmasked exception leaves every destination as it
 * was, sets the flags in MXCSR and raises #XM (#UD without
 * CR4.OSXMMEXCPT). Tininess is detected after rounding, as x86 does.
 */
#define MX_IE   0x01u
#define MX_DE   0x02u
#define MX_ZE   0x04u
#define MX_OE   0x08u
#define MX_UE   0x10u
#define MX_PE   0x20u
#define MX_DAZ  0x40u
#define MX_FTZ  0x8000u
#define FX_MXCSR 24

enum fp_class { FP_ZERO, FP_DENORM, FP_NORMAL, FP_INF, FP_QNAN, FP_SNAN };

struct fp_fmt {
    unsigned int fbits, ebits;          /* 23, 8 (single) or 52, 11 (double) */
};

static const struct fp_fmt fp_single = { 23, 8 }, fp_double = { 52, 11 };

static uint64_t fp_fracmask(const struct fp_fmt *f)
{
    return (1ULL << f->fbits) - 1;
}

static unsigned int fp_emax(const struct fp_fmt *f)
{
    return (1u << f->ebits) - 1;
}

static unsigned int fp_sign(const struct fp_fmt *f, uint64_t x)
{
    return (unsigned int)(x >> (f->fbits + f->ebits)) & 1;
}

static enum fp_class fp_classify(const struct fp_fmt *f, uint64_t x)
{
    uint64_t frac = x & fp_fracmask(f);
    unsigned int e = (unsigned int)(x >> f->fbits) & fp_emax(f);

    if (!e)
        return frac ? FP_DENORM : FP_ZERO;
    if (e == fp_emax(f))
        return !frac ? FP_INF : ((frac >> (f->fbits - 1)) & 1) ? FP_QNAN : FP_SNAN;
    return FP_NORMAL;
}

/* DAZ: a denormal input is a zero of its sign. */
static uint64_t fp_daz(const struct fp_fmt *f, uint64_t x, uint32_t mxcsr)
{
    if ((mxcsr & MX_DAZ) && fp_classify(f, x) == FP_DENORM)
        return x & ~fp_fracmask(f);
    return x;
}

static uint64_t fp_inf(const struct fp_fmt *f, unsigned int sign)
{
    return ((uint64_t)sign << (f->fbits + f->ebits)) | ((uint64_t)fp_emax(f) << f->fbits);
}

static uint64_t fp_zero(const struct fp_fmt *f, unsigned int sign)
{
    return (uint64_t)sign << (f->fbits + f->ebits);
}

/* The default NaN (the "real indefinite"): negative, quiet. */
static uint64_t fp_default_nan(const struct fp_fmt *f)
{
    return fp_inf(f, 1) | (1ULL << (f->fbits - 1));
}

/* A finite nonzero value as mantissa (bit fbits set) and unbiased exponent. */
static void fp_unpack(const struct fp_fmt *f, uint64_t x, uint64_t *m, int *e)
{
    int bias = (int)(fp_emax(f) >> 1);
    unsigned int be = (unsigned int)(x >> f->fbits) & fp_emax(f);

    *m = x & fp_fracmask(f);
    if (be) {
        *m |= 1ULL << f->fbits;
        *e = (int)be - bias;
        return;
    }
    *e = 1 - bias;
    while (!(*m >> f->fbits)) {
        *m <<= 1;
        (*e)--;
    }
}

/* m >> 3 rounded by MXCSR.RC on its three low bits; *inexact when any. */
static uint64_t fp_round_bits(uint64_t m, unsigned int sign, unsigned int rc, bool *inexact)
{
    unsigned int extra = (unsigned int)(m & 7);

    m >>= 3;
    *inexact = extra != 0;
    if (extra) {
        switch (rc) {
        case 0: if (extra > 4 || (extra == 4 && (m & 1))) m++; break;
        case 1: if (sign) m++; break;
        case 2: if (!sign) m++; break;
        default: break;
        }
    }
    return m;
}

/*
 * Round and pack sign * m * 2^(e - fbits - 3), m having its leading one at
 * bit fbits + 3 and three bits below the result's last (guard, round,
 * sticky). Tininess is detected after rounding, as x86 does: a result
 * that rounds (with an unbounded exponent) up to the smallest normal is
 * not tiny.
 */
static uint64_t fp_round_pack(const struct fp_fmt *f, unsigned int sign, int e, uint64_t m,
                              uint32_t mxcsr, unsigned int *flags)
{
    int be = e + (int)(fp_emax(f) >> 1);
    unsigned int rc = (mxcsr >> 13) & 3;
    uint64_t signbit = (uint64_t)sign << (f->fbits + f->ebits), r;
    bool inexact;

    if (be <= 0) {
        unsigned int shift = (unsigned int)(1 - be);
        bool tiny = be < 0 || !(fp_round_bits(m, sign, rc, &inexact) >> (f->fbits + 1));

        if (tiny && !(mxcsr & (MX_UE << 7))) {
            *flags |= MX_UE;            /* unmasked: no result is written */
            return 0;
        }
        if (tiny && (mxcsr & MX_FTZ)) {
            *flags |= MX_UE | MX_PE;
            return signbit;
        }
        if (shift > f->fbits + 4)
            m = m != 0;
        else
            m = (m >> shift) | ((m & ((1ULL << shift) - 1)) != 0);
        r = fp_round_bits(m, sign, rc, &inexact);
        if (inexact)
            *flags |= MX_PE | (tiny ? MX_UE : 0);
        return signbit | r;             /* a carry into bit fbits makes it normal */
    }
    r = fp_round_bits(m, sign, rc, &inexact);
    if (r >> (f->fbits + 1)) {
        r >>= 1;
        be++;
    }
    if (be >= (int)fp_emax(f)) {
        if (!(mxcsr & (MX_OE << 7))) {
            *flags |= MX_OE;            /* unmasked: no result is written */
            return 0;
        }
        *flags |= MX_OE | MX_PE;
        if (rc == 0 || (rc == 1 && sign) || (rc == 2 && !sign))
            return fp_inf(f, sign);
        return signbit | (((uint64_t)fp_emax(f) - 1) << f->fbits) | fp_fracmask(f);
    }
    if (inexact)
        *flags |= MX_PE;
    return signbit | ((uint64_t)be << f->fbits) | (r & fp_fracmask(f));
}

/* The NaN a two-operand operation returns: the first NaN operand,
 * quieted. */
static uint64_t fp_nan_result(const struct fp_fmt *f, uint64_t a, uint64_t b)
{
    enum fp_class ca = fp_classify(f, a);
    uint64_t q = 1ULL << (f->fbits - 1);

    return (ca == FP_QNAN || ca == FP_SNAN) ? a | q : b | q;
}

static uint64_t fp_div(const struct fp_fmt *f, uint64_t a, uint64_t b, uint32_t mxcsr,
                       unsigned int *flags)
{
    enum fp_class ca, cb;
    unsigned int sign;
    uint64_t ma, mb, q = 0, r;
    int ea, eb, e;

    a = fp_daz(f, a, mxcsr);
    b = fp_daz(f, b, mxcsr);
    ca = fp_classify(f, a);
    cb = fp_classify(f, b);
    sign = fp_sign(f, a) ^ fp_sign(f, b);
    if (ca >= FP_QNAN || cb >= FP_QNAN) {
        if (ca == FP_SNAN || cb == FP_SNAN)
            *flags |= MX_IE;
        return fp_nan_result(f, a, b);
    }
    if ((ca == FP_ZERO && cb == FP_ZERO) || (ca == FP_INF && cb == FP_INF)) {
        *flags |= MX_IE;
        return fp_default_nan(f);
    }
    if (cb == FP_ZERO && ca != FP_INF) {
        *flags |= MX_ZE;
        return fp_inf(f, sign);
    }
    if (ca == FP_DENORM || cb == FP_DENORM)
        *flags |= MX_DE;
    if (ca == FP_INF || cb == FP_ZERO)
        return fp_inf(f, sign);
    if (ca == FP_ZERO || cb == FP_INF)
        return fp_zero(f, sign);
    fp_unpack(f, a, &ma, &ea);
    fp_unpack(f, b, &mb, &eb);
    e = ea - eb;
    if (ma < mb) {
        ma <<= 1;
        e--;
    }
    /* fbits + 3 quotient bits (the leading one first), then the sticky. */
    r = ma;
    for (unsigned int i = 0; i < f->fbits + 3; i++) {
        q <<= 1;
        if (r >= mb) {
            r -= mb;
            q |= 1;
        }
        r <<= 1;
    }
    return fp_round_pack(f, sign, e, (q << 1) | (r != 0), mxcsr, flags);
}

/* (U)COMIS: the EFLAGS result (ZF PF CF). */
static uint64_t fp_compare(const struct fp_fmt *f, uint64_t a, uint64_t b, bool signalling,
                           uint32_t mxcsr, unsigned int *flags)
{
    enum fp_class ca, cb;
    uint64_t mag = ~0ULL >> (64 - f->fbits - f->ebits);
    int64_t ka, kb;

    a = fp_daz(f, a, mxcsr);
    b = fp_daz(f, b, mxcsr);
    ca = fp_classify(f, a);
    cb = fp_classify(f, b);
    if (ca >= FP_QNAN || cb >= FP_QNAN) {
        if (signalling || ca == FP_SNAN || cb == FP_SNAN)
            *flags |= MX_IE;
        return FL_ZF | FL_PF | FL_CF;
    }
    if (ca == FP_DENORM || cb == FP_DENORM)
        *flags |= MX_DE;
    ka = fp_sign(f, a) ? -(int64_t)(a & mag) : (int64_t)(a & mag);
    kb = fp_sign(f, b) ? -(int64_t)(b & mag) : (int64_t)(b & mag);
    if (ka == kb)
        return FL_ZF;
    return ka < kb ? FL_CF : 0;
}

static int emul_sse_arith(struct x86_emul_ctxt *c)
{
    const struct insn_info *in = &c->in;
    bool cmp = in->opcode == 0x2E || in->opcode == 0x2F;
    bool dbl, scalar;
    const struct fp_fmt *f;
    unsigned int esz, len, n, flags = 0, unmasked;
    uint8_t src[16] = { 0 }, dst[16], *fx;
    struct operand rm;
    uint32_t mxcsr;
    uint64_t eflags = 0;
    int rc;

    if (cmp) {
        if (in->rep)
            return RAISE_UD(c);
        dbl = in->prefix_66;
        scalar = true;
    } else {
        scalar = in->rep == 0xF3 || in->rep == 0xF2;
        dbl = scalar ? in->rep == 0xF2 : in->prefix_66;
    }
    f = dbl ? &fp_double : &fp_single;
    esz = dbl ? 8 : 4;
    len = scalar ? esz : 16;
    n = len / esz;
    if ((rc = simd_check(c, true)))
        return rc;
    if (!c->ops->get_fxsave || !(fx = c->ops->get_fxsave(c)))
        return RAISE_UD(c);
    decode_rm(c, &rm);
    if (rm.mem) {
        if (len == 16 && (rm.off & 15))
            return RAISE_GP0(c);
        if ((rc = mem_read(c, rm.seg, rm.off, src, len)))
            return rc;
    } else {
        memcpy(src, fx + FX_XMM(rm.reg & 15), 16);
    }
    memcpy(dst, fx + FX_XMM(in->reg & 15), 16);
    memcpy(&mxcsr, fx + FX_MXCSR, 4);
    for (unsigned int i = 0; i < n; i++) {
        uint64_t a = 0, b = 0, r;

        memcpy(&a, dst + i * esz, esz);
        memcpy(&b, src + i * esz, esz);
        if (cmp) {
            eflags = fp_compare(f, a, b, in->opcode == 0x2F, mxcsr, &flags);
        } else {
            r = fp_div(f, a, b, mxcsr, &flags);
            memcpy(dst + i * esz, &r, esz);
        }
    }
    unmasked = flags & ~(mxcsr >> 7) & 0x3F;
    mxcsr |= flags;
    memcpy(fx + FX_MXCSR, &mxcsr, 4);
    if (!unmasked) {
        if (cmp)
            c->rflags = (c->rflags & ~(uint64_t)FL_ARITH) | eflags;
        else
            memcpy(fx + FX_XMM(in->reg & 15), dst, 16);
    }
    if (c->ops->put_fxsave)
        c->ops->put_fxsave(c);
    if (unmasked)
        return (c->cr4 & CR4_OSXMMEXCPT) ? raise(c, EXC_XM, -1) : RAISE_UD(c);
    return X86EMUL_OKAY;
}

/* ---- segment loads ------------------------------------------------------ */

/*
 * Load segment register `seg` (not CS) with selector `sel` as MOV/POP do:
 * in real mode and VM86 the base is sel * 16; in protected mode the
 * descriptor comes from the GDT or the LDT (TI), with the CPU's checks:
 * a null selector is fine for DS ES FS GS (the register becomes unusable)
 * and for SS only in 64-bit mode at CPL < 3 with RPL = CPL; past the
 * table's limit, a null or unusable LDTR, a system descriptor, the wrong
 * type or privilege: #GP(sel); not present: #NP(sel), #SS(sel) for SS.
 * The descriptor's accessed bit is not written back to the table.
 */
static int load_seg(struct x86_emul_ctxt *c, unsigned int seg, uint16_t sel)
{
    struct x86_seg *s = &c->seg[seg & 7];
    bool lm = c->efer & EFER_LMA;
    unsigned int rpl = sel & 3, dpl, type;
    int32_t ec = sel & 0xFFFC;
    uint64_t tbase, la;
    uint32_t tlimit, d[2] = { 0, 0 }, limit;
    int rc;

    if (seg >= X86_SEG_NR || seg == X86_SEG_CS)
        return RAISE_UD(c);
    if (real_or_vm86(c)) {
        s->sel = sel;
        s->base = (uint64_t)sel << 4;
        if (c->rflags & FL_VM) {
            s->limit = 0xFFFF;
            s->attr = 0xF3;
        }
        c->seg_loaded |= 1u << seg;
        return X86EMUL_OKAY;
    }
    if (!(sel & 0xFFFC)) {
        if (seg == X86_SEG_SS && (c->mode != INSN_MODE_64 || c->cpl == 3 || rpl != c->cpl))
            return RAISE_GP0(c);
        /* Unusable: P clear (SS keeps the CPL as its DPL). */
        *s = (struct x86_seg){ .sel = sel,
                               .attr = (uint16_t)(seg == X86_SEG_SS ? c->cpl << 5 : 0) };
        c->seg_loaded |= 1u << seg;
        return X86EMUL_OKAY;
    }
    if (sel & 4) {
        if (!(c->ldtr.sel & 0xFFFC) || !(c->ldtr.attr & X86_SEG_ATTR_P))
            return raise(c, EXC_GP, ec);
        tbase = c->ldtr.base;
        tlimit = c->ldtr.limit;
    } else {
        tbase = c->gdtr_base;
        tlimit = c->gdtr_limit;
    }
    if ((uint32_t)(sel | 7) > tlimit)
        return raise(c, EXC_GP, ec);
    la = tbase + (sel & 0xFFF8);
    if (!lm)
        la &= 0xFFFFFFFF;
    if ((rc = lin_read(c, la, d, 8, X86EMUL_ACC_SYSTEM)))
        return rc;
    type = (d[1] >> 8) & 0xF;
    dpl = (d[1] >> 13) & 3;
    if (!(d[1] & (1u << 12)))                   /* a system descriptor */
        return raise(c, EXC_GP, ec);
    if (seg == X86_SEG_SS) {
        if ((type & 8) || !(type & 2) || rpl != c->cpl || dpl != c->cpl)
            return raise(c, EXC_GP, ec);
        if (!(d[1] & (1u << 15)))
            return raise(c, EXC_SS, ec);
    } else {
        if ((type & 0xA) == 8)                  /* execute-only code */
            return raise(c, EXC_GP, ec);
        /* Data and non-conforming code: DPL >= CPL and RPL. */
        if ((!(type & 8) || !(type & 4)) && (dpl < c->cpl || dpl < rpl))
            return raise(c, EXC_GP, ec);
        if (!(d[1] & (1u << 15)))
            return raise(c, EXC_NP, ec);
    }
    limit = (d[0] & 0xFFFF) | (d[1] & 0xF0000);
    if (d[1] & (1u << 23))
        limit = (limit << 12) | 0xFFF;
    s->sel = sel;
    s->base = (d[0] >> 16) | ((uint64_t)(d[1] & 0xFF) << 16) | (d[1] & 0xFF000000);
    s->limit = limit;
    s->attr = (uint16_t)(((d[1] >> 8) & 0xFF) | ((d[1] >> 12) & 0xF00) | 1);
    c->seg_loaded |= 1u << seg;
    return X86EMUL_OKAY;
}

/* POP to a segment register. */
static int pop_seg(struct x86_emul_ctxt *c, unsigned int seg)
{
    unsigned int size = stack_opsize(c);
    uint64_t val;
    int rc;

    if ((rc = pop_peek(c, &val, size)))
        return rc;
    pop_commit(c, size);                /* with the old SS's size; a fault undoes it */
    if ((rc = load_seg(c, seg, (uint16_t)val)))
        return rc;
    if (seg == X86_SEG_SS)
        c->tf_rule = 2;
    return X86EMUL_OKAY;
}

/*
 * SYSCALL (long mode only, as on Intel; #UD without EFER.SCE): RCX gets
 * the return RIP, R11 RFLAGS; CS and SS come from STAR[47:32] as flat
 * ring 0 segments (CS 64-bit), RFLAGS loses SFMASK's bits and RF, and RIP
 * becomes LSTAR (CSTAR from compatibility mode). A single-step trap
 * follows only when TF survives the mask.
 */
static int emul_syscall(struct x86_emul_ctxt *c)
{
    uint16_t sel = (uint16_t)(c->star >> 32);
    uint64_t target = c->mode == INSN_MODE_64 ? c->lstar : c->cstar;

    if (!(c->efer & EFER_SCE) || !(c->efer & EFER_LMA))
        return RAISE_UD(c);
    /* WRMSR keeps LSTAR/CSTAR canonical; a state set another way is not
     * trusted to (and would give VMRUN a RIP it rejects on some CPUs). */
    if (!is_canonical(c, target))
        return RAISE_GP0(c);
    c->gpr[1] = c->rip + c->in.len;
    if (c->mode != INSN_MODE_64)
        c->gpr[1] &= 0xFFFFFFFF;
    c->gpr[11] = c->rflags & ~(uint64_t)FL_RF;
    c->seg[X86_SEG_CS] = (struct x86_seg){ .sel = sel & 0xFFFC, .attr = 0xA9B,
                                           .limit = 0xFFFFFFFF, .base = 0 };
    c->seg[X86_SEG_SS] = (struct x86_seg){ .sel = (uint16_t)(sel + 8), .attr = 0xC93,
                                           .limit = 0xFFFFFFFF, .base = 0 };
    c->seg_loaded |= (1u << X86_SEG_CS) | (1u << X86_SEG_SS);
    c->cpl = 0;
    c->rflags &= ~(c->sfmask | FL_RF);
    c->rflags |= 2;
    c->rip = target;
    c->tf_rule = 1;
    return EMUL_BRANCH;
}

/* ---- the instructions -------------------------------------------------- */

static int emul_alu(struct x86_emul_ctxt *c, unsigned int alu, const struct operand *dst,
                    uint64_t src, unsigned int size)
{
    uint64_t a, res, f;
    int rc = op_read(c, dst, size, &a);

    if (rc)
        return rc;
    f = x86_emul_alu(alu, size, a, src, c->rflags, &res);
    if ((alu & 7) != 7 && (rc = op_write(c, dst, size, res)))
        return rc;
    c->rflags = f;
    return X86EMUL_OKAY;
}

static int emul_1byte(struct x86_emul_ctxt *c)
{
    const struct insn_info *in = &c->in;
    unsigned int op = in->opcode, size = in->opsize, bsize;
    struct operand rm, reg = { .mem = false, .reg = in->reg };
    uint64_t val, src, res, f;
    int rc;

    bsize = (op & 1) ? size : 1;        /* for the many b/v pairs */

    /* ALU: 00-3D */
    if (op < 0x40 && (op & 7) < 6) {
        unsigned int alu = op >> 3;

        switch (op & 7) {
        case 0: case 1:                 /* Eb,Gb / Ev,Gv */
            decode_rm(c, &rm);
            return emul_alu(c, alu, &rm, reg_read(c, in->reg, bsize), bsize);
        case 2: case 3:                 /* Gb,Eb / Gv,Ev */
            bsize = (op & 1) ? size : 1;
            decode_rm(c, &rm);
            if ((rc = op_read(c, &rm, bsize, &src)))
                return rc;
            return emul_alu(c, alu, &reg, src, bsize);
        case 4:                         /* AL,Ib */
            reg.reg = 0;
            return emul_alu(c, alu, &reg, in->imm, 1);
        default:                        /* rAX,Iz */
            reg.reg = 0;
            return emul_alu(c, alu, &reg, sign_extend(in->imm, in->imm_size), size);
        }
    }

    switch (op) {
    case 0x40 ... 0x4F:                 /* INC/DEC r (not 64-bit: REX there) */
        reg.reg = op & 7;
        val = reg_read(c, reg.reg, size);
        f = (op < 0x48) ? flags_add(val, 1, 0, size, &res) : flags_sub(val, 1, 0, size, &res);
        reg_write(c, reg.reg, size, res);
        c->rflags = (c->rflags & ~(uint64_t)FL_ARITH) | (f & ~(uint64_t)FL_CF) |
                    (c->rflags & FL_CF);
        return X86EMUL_OKAY;
    case 0x50 ... 0x57:                 /* PUSH r */
        size = stack_opsize(c);
        return push(c, reg_read(c, (op & 7) | ((in->rex & 1) << 3), size), size);
    case 0x58 ... 0x5F:                 /* POP r */
        size = stack_opsize(c);
        if ((rc = pop_peek(c, &val, size)))
            return rc;
        pop_commit(c, size);
        reg_write(c, (op & 7) | ((in->rex & 1) << 3), size, val);
        return X86EMUL_OKAY;
    case 0x63:                          /* MOVSXD (64-bit mode; ARPL is #UD here) */
        if (c->mode != INSN_MODE_64)
            return RAISE_UD(c);
        decode_rm(c, &rm);
        if ((rc = op_read(c, &rm, size == 8 ? 4 : size, &val)))
            return rc;
        reg_write(c, in->reg, size, size == 8 ? sign_extend(val, 4) : val);
        return X86EMUL_OKAY;
    case 0x68: case 0x6A:               /* PUSH imm */
        size = stack_opsize(c);
        return push(c, sign_extend(in->imm, in->imm_size), size);
    case 0x70 ... 0x7F:                 /* Jcc rel8 */
        if (!cond_true(c->rflags, op & 0xF))
            return X86EMUL_OKAY;
        return branch_to(c, c->rip + in->len + sign_extend(in->imm, 1), stack_opsize(c));
    case 0x80: case 0x81: case 0x82: case 0x83:
        bsize = (op == 0x81 || op == 0x83) ? size : 1;
        decode_rm(c, &rm);
        return emul_alu(c, in->reg & 7, &rm, sign_extend(in->imm, in->imm_size), bsize);
    case 0x84: case 0x85:               /* TEST Eb,Gb / Ev,Gv */
        decode_rm(c, &rm);
        if ((rc = op_read(c, &rm, bsize, &val)))
            return rc;
        c->rflags = x86_emul_alu(4, bsize, val, reg_read(c, in->reg, bsize), c->rflags, &res);
        return X86EMUL_OKAY;
    case 0x86: case 0x87:               /* XCHG */
        decode_rm(c, &rm);
        if ((rc = op_read(c, &rm, bsize, &val)))
            return rc;
        src = reg_read(c, in->reg, bsize);
        if ((rc = op_write(c, &rm, bsize, src)))
            return rc;
        reg_write(c, in->reg, bsize, val);
        return X86EMUL_OKAY;
    case 0x88: case 0x89:               /* MOV Eb,Gb / Ev,Gv */
        decode_rm(c, &rm);
        return op_write(c, &rm, bsize, reg_read(c, in->reg, bsize));
    case 0x8A: case 0x8B:               /* MOV Gb,Eb / Gv,Ev */
        decode_rm(c, &rm);
        if ((rc = op_read(c, &rm, bsize, &val)))
            return rc;
        reg_write(c, in->reg, bsize, val);
        return X86EMUL_OKAY;
    case 0x8C:                          /* MOV Ev,Sreg */
        if ((in->reg & 7) >= X86_SEG_NR)
            return RAISE_UD(c);
        decode_rm(c, &rm);
        val = c->seg[in->reg & 7].sel;
        return op_write(c, &rm, rm.mem ? 2 : size, val);
    case 0x8E: {                        /* MOV Sreg,Ew */
        unsigned int sreg = in->reg & 7;

        if (sreg == X86_SEG_CS || sreg >= X86_SEG_NR)
            return RAISE_UD(c);
        decode_rm(c, &rm);
        if ((rc = op_read(c, &rm, 2, &val)))
            return rc;
        if ((rc = load_seg(c, sreg, (uint16_t)val)))
            return rc;
        if (sreg == X86_SEG_SS)
            c->tf_rule = 2;             /* the trap waits for the next instruction */
        return X86EMUL_OKAY;
    }
    case 0x07:                          /* POP ES (not 64-bit) */
        return pop_seg(c, X86_SEG_ES);
    case 0x17:                          /* POP SS */
        return pop_seg(c, X86_SEG_SS);
    case 0x1F:                          /* POP DS */
        return pop_seg(c, X86_SEG_DS);
    case 0x8D:                          /* LEA */
        if (in->mod == 3)
            return RAISE_UD(c);
        modrm_ea(c, &rm);
        reg_write(c, in->reg, size, rm.off);
        return X86EMUL_OKAY;
    case 0x8F:                          /* POP Ev */
        if ((in->reg & 7) != 0)
            return RAISE_UD(c);
        size = stack_opsize(c);
        if ((rc = pop_peek(c, &val, size)))
            return rc;
        {
            /* The address is computed with rSP already incremented. */
            uint64_t old_sp = c->gpr[4];

            pop_commit(c, size);
            decode_rm(c, &rm);
            if ((rc = op_write(c, &rm, size, val))) {
                c->gpr[4] = old_sp;
                return rc;
            }
        }
        return X86EMUL_OKAY;
    case 0x90:                          /* NOP, PAUSE; with REX.B: XCHG r8 */
        if (!(in->rex & 1))
            return X86EMUL_OKAY;
        /* fall through */
    case 0x91 ... 0x97:                 /* XCHG rAX, r */
        reg.reg = (op & 7) | ((in->rex & 1) << 3);
        val = reg_read(c, reg.reg, size);
        reg_write(c, reg.reg, size, reg_read(c, 0, size));
        reg_write(c, 0, size, val);
        return X86EMUL_OKAY;
    case 0x9B:                          /* WAIT: #NM only with MP and TS */
        if ((c->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
            return raise(c, EXC_NM, -1);
        if ((c->fsw & 0x80) && (c->cr0 & CR0_NE))
            return raise(c, EXC_MF, -1);
        return X86EMUL_OKAY;
    case 0xA0: case 0xA1: case 0xA2: case 0xA3: {   /* MOV with moffs */
        struct operand m = { .mem = true, .seg = default_seg(c, X86_SEG_DS),
                             .off = (uint64_t)in->disp & size_mask(in->addrsize) };

        bsize = (op & 1) ? size : 1;
        if (op >= 0xA2)
            return op_write(c, &m, bsize, reg_read(c, 0, bsize));
        if ((rc = op_read(c, &m, bsize, &val)))
            return rc;
        reg_write(c, 0, bsize, val);
        return X86EMUL_OKAY;
    }
    case 0xA8: case 0xA9:               /* TEST AL/rAX, imm */
        bsize = (op & 1) ? size : 1;
        c->rflags = x86_emul_alu(4, bsize, reg_read(c, 0, bsize),
                                 sign_extend(in->imm, in->imm_size), c->rflags, &res);
        return X86EMUL_OKAY;
    case 0xB0 ... 0xB7:                 /* MOV r8, imm8 */
        reg_write(c, (op & 7) | ((in->rex & 1) << 3), 1, in->imm);
        return X86EMUL_OKAY;
    case 0xB8 ... 0xBF:                 /* MOV r, imm */
        reg_write(c, (op & 7) | ((in->rex & 1) << 3), size, in->imm);
        return X86EMUL_OKAY;
    case 0xC3:                          /* RET near */
        size = stack_opsize(c);
        if ((rc = pop_peek(c, &val, size)))
            return rc;
        {
            uint64_t old_sp = c->gpr[4];

            pop_commit(c, size);
            rc = branch_to(c, val, size);
            if (rc != EMUL_BRANCH)
                c->gpr[4] = old_sp;
            return rc;
        }
    case 0xC6: case 0xC7:               /* MOV Eb,Ib / Ev,Iz */
        if ((in->reg & 7) != 0)
            return RAISE_UD(c);
        decode_rm(c, &rm);
        return op_write(c, &rm, bsize, sign_extend(in->imm, in->imm_size));
    case 0xCC:
        return swint(c, EXC_BP, X86_EVENT_SW_EXC);
    case 0xCD:
        return swint(c, in->imm & 0xFF, X86_EVENT_SW_INT);
    case 0xCE:                          /* INTO (not 64-bit: the decoder refuses it) */
        if (!(c->rflags & FL_OF))
            return X86EMUL_OKAY;
        return swint(c, EXC_OF, X86_EVENT_SW_EXC);
    case 0xD8 ... 0xDF:                 /* x87 */
        if ((rc = x87_check(c, true)))
            return rc;
        if (op == 0xD9 && in->modrm == 0xD0)
            return X86EMUL_OKAY;        /* FNOP */
        return RAISE_UD(c);             /* not emulated */
    case 0xE8:                          /* CALL rel */
        size = stack_opsize(c);
        val = c->rip + in->len;
        {
            uint64_t old_sp = c->gpr[4], target = val + sign_extend(in->imm, in->imm_size);

            /* The target is checked before anything is pushed. */
            if (c->mode == INSN_MODE_64 ? !is_canonical(c, target)
                                        : (target & size_mask(size)) > c->seg[X86_SEG_CS].limit)
                return RAISE_GP0(c);
            if ((rc = push(c, val & size_mask(size), size)))
                return rc;
            rc = branch_to(c, target, size);
            if (rc != EMUL_BRANCH)
                c->gpr[4] = old_sp;
            return rc;
        }
    case 0xE9: case 0xEB:               /* JMP rel */
        return branch_to(c, c->rip + in->len + sign_extend(in->imm, in->imm_size),
                         stack_opsize(c));
    case 0xF1:
        return swint(c, EXC_DB, X86_EVENT_ICEBP);
    case 0xF5:                          /* CMC */
        c->rflags ^= FL_CF;
        return X86EMUL_OKAY;
    case 0xF6: case 0xF7:
        decode_rm(c, &rm);
        if ((rc = op_read(c, &rm, bsize, &val)))
            return rc;
        switch (in->reg & 7) {
        case 0: case 1:                 /* TEST */
            c->rflags = x86_emul_alu(4, bsize, val, sign_extend(in->imm, in->imm_size),
                                     c->rflags, &res);
            return X86EMUL_OKAY;
        case 2:                         /* NOT */
            return op_write(c, &rm, bsize, ~val);
        case 3:                         /* NEG */
            f = flags_sub(0, val, 0, bsize, &res);
            if ((rc = op_write(c, &rm, bsize, res)))
                return rc;
            c->rflags = (c->rflags & ~(uint64_t)FL_ARITH) | f;
            return X86EMUL_OKAY;
        default:                        /* MUL, IMUL, DIV, IDIV: not emulated */
            return RAISE_UD(c);
        }
    case 0xF8: c->rflags &= ~(uint64_t)FL_CF; return X86EMUL_OKAY;     /* CLC */
    case 0xF9: c->rflags |= FL_CF; return X86EMUL_OKAY;                /* STC */
    case 0xFC: c->rflags &= ~(uint64_t)FL_DF; return X86EMUL_OKAY;     /* CLD */
    case 0xFD: c->rflags |= FL_DF; return X86EMUL_OKAY;                /* STD */
    case 0xFE: case 0xFF:
        bsize = (op == 0xFF) ? size : 1;
        switch (in->reg & 7) {
        case 0: case 1:                 /* INC, DEC */
            decode_rm(c, &rm);
            if ((rc = op_read(c, &rm, bsize, &val)))
                return rc;
            f = (in->reg & 7) == 0 ? flags_add(val, 1, 0, bsize, &res)
                                   : flags_sub(val, 1, 0, bsize, &res);
            if ((rc = op_write(c, &rm, bsize, res)))
                return rc;
            c->rflags = (c->rflags & ~(uint64_t)(FL_ARITH & ~FL_CF)) | (f & ~(uint64_t)FL_CF);
            return X86EMUL_OKAY;
        case 2: case 4: {               /* CALL, JMP near indirect */
            uint64_t old_sp = c->gpr[4], target;

            if (op == 0xFE)
                return RAISE_UD(c);
            size = stack_opsize(c);
            decode_rm(c, &rm);
            if ((rc = op_read(c, &rm, size, &target)))
                return rc;
            if ((in->reg & 7) == 2) {
                if (c->mode == INSN_MODE_64 ? !is_canonical(c, target)
                                            : target > c->seg[X86_SEG_CS].limit)
                    return RAISE_GP0(c);
                if ((rc = push(c, (c->rip + in->len) & size_mask(size), size)))
                    return rc;
            }
            rc = branch_to(c, target, size);
            if (rc != EMUL_BRANCH)
                c->gpr[4] = old_sp;
            return rc;
        }
        case 6:                         /* PUSH Ev */
            if (op == 0xFE)
                return RAISE_UD(c);
            size = stack_opsize(c);
            decode_rm(c, &rm);
            if ((rc = op_read(c, &rm, size, &val)))
                return rc;
            return push(c, val, size);
        default:                        /* far CALL/JMP: not emulated */
            return RAISE_UD(c);
        }
    }
    return RAISE_UD(c);
}

static int emul_0f(struct x86_emul_ctxt *c)
{
    const struct insn_info *in = &c->in;
    unsigned int op = in->opcode, size = in->opsize, bsize = (op & 1) ? size : 1;
    struct operand rm, reg = { .mem = false, .reg = in->reg };
    uint64_t val, acc, res, f;
    int rc;

    switch (op) {
    case 0x05:                          /* SYSCALL */
        return emul_syscall(c);
    case 0x0B:                          /* UD2 */
        return RAISE_UD(c);
    case 0x10: case 0x11: case 0x28: case 0x29:     /* MOVUPS/MOVAPS and kin */
        return emul_simd_move(c);
    case 0x30:                          /* WRMSR */
        if (c->cpl)
            return RAISE_GP0(c);
        return c->ops->wrmsr(c);
    case 0x32:                          /* RDMSR */
        if (c->cpl)
            return RAISE_GP0(c);
        return c->ops->rdmsr(c);
    case 0x6F: case 0x7F:               /* MOVQ mm / MOVDQA, MOVDQU xmm */
        return emul_simd_move(c);
    case 0x2E: case 0x2F:               /* UCOMISS/COMISS, UCOMISD/COMISD */
    case 0x5E:                          /* DIVPS, DIVSS, DIVPD, DIVSD */
        return emul_sse_arith(c);
    case 0x80 ... 0x8F:                 /* Jcc rel */
        if (!cond_true(c->rflags, op & 0xF))
            return X86EMUL_OKAY;
        return branch_to(c, c->rip + in->len + sign_extend(in->imm, in->imm_size),
                         stack_opsize(c));
    case 0xA1:                          /* POP FS */
        return pop_seg(c, X86_SEG_FS);
    case 0xA9:                          /* POP GS */
        return pop_seg(c, X86_SEG_GS);
    case 0xA2:                          /* CPUID */
        return c->ops->cpuid(c);
    case 0xB0: case 0xB1:               /* CMPXCHG */
        decode_rm(c, &rm);
        if ((rc = op_read(c, &rm, bsize, &val)))
            return rc;
        acc = reg_read(c, 0, bsize);
        f = x86_emul_alu(7, bsize, acc, val, c->rflags, &res);
        if (f & FL_ZF) {
            if ((rc = op_write(c, &rm, bsize, reg_read(c, in->reg, bsize))))
                return rc;
        } else {
            /* The CPU writes the old value back to memory. */
            if (rm.mem && (rc = op_write(c, &rm, bsize, val)))
                return rc;
            reg_write(c, 0, bsize, val);
        }
        c->rflags = f;
        return X86EMUL_OKAY;
    case 0xB6: case 0xB7: case 0xBE: case 0xBF:     /* MOVZX, MOVSX */
        bsize = (op & 1) ? 2 : 1;
        decode_rm(c, &rm);
        if ((rc = op_read(c, &rm, bsize, &val)))
            return rc;
        if (op >= 0xBE)
            val = sign_extend(val, bsize);
        reg_write(c, reg.reg, size, val);
        return X86EMUL_OKAY;
    case 0xC7:                          /* CMPXCHG8B / CMPXCHG16B */
        if ((in->reg & 7) != 1 || in->mod == 3)
            return RAISE_UD(c);
        modrm_ea(c, &rm);
        if (in->rex & 8) {
            uint64_t m[2] = { 0, 0 };

            if (rm.off & 15)
                return RAISE_GP0(c);
            if ((rc = mem_read(c, rm.seg, rm.off, m, 16)))
                return rc;
            if (m[0] == c->gpr[0] && m[1] == c->gpr[2]) {
                uint64_t n[2] = { c->gpr[3], c->gpr[1] };

                if ((rc = mem_write(c, rm.seg, rm.off, n, 16)))
                    return rc;
                c->rflags |= FL_ZF;
            } else {
                if ((rc = mem_write(c, rm.seg, rm.off, m, 16)))
                    return rc;
                c->gpr[0] = m[0];
                c->gpr[2] = m[1];
                c->rflags &= ~(uint64_t)FL_ZF;
            }
        } else {
            uint64_t m = 0, cmp = (c->gpr[0] & 0xFFFFFFFF) | (c->gpr[2] << 32);

            if ((rc = mem_read(c, rm.seg, rm.off, &m, 8)))
                return rc;
            if (m == cmp) {
                uint64_t n = (c->gpr[3] & 0xFFFFFFFF) | (c->gpr[1] << 32);

                if ((rc = mem_write(c, rm.seg, rm.off, &n, 8)))
                    return rc;
                c->rflags |= FL_ZF;
            } else {
                if ((rc = mem_write(c, rm.seg, rm.off, &m, 8)))
                    return rc;
                c->gpr[0] = m & 0xFFFFFFFF;
                c->gpr[2] = m >> 32;
                c->rflags &= ~(uint64_t)FL_ZF;
            }
        }
        return X86EMUL_OKAY;
    }
    return RAISE_UD(c);
}

/* ---- fetch and dispatch --------------------------------------------- */

static int fetch_decode(struct x86_emul_ctxt *c)
{
    const struct x86_seg *cs = &c->seg[X86_SEG_CS];
    uint8_t buf[INSN_MAX_LEN];
    unsigned int avail = INSN_MAX_LEN, got = 0;
    uint64_t la;
    uint32_t pfec = 0;
    int rc = X86EMUL_OKAY, drc;

    if (c->mode == INSN_MODE_64) {
        la = c->rip;
        if (!is_canonical(c, la))
            return RAISE_GP0(c);
    } else {
        if (c->rip > cs->limit)
            return RAISE_GP0(c);
        if (cs->limit - c->rip + 1 < avail)
            avail = (unsigned int)(cs->limit - c->rip + 1);
        la = (cs->base + c->rip) & 0xFFFFFFFF;
    }
    while (got < avail) {
        uint64_t a = la_add(c, la, got);
        unsigned int n = chunk_len(a, avail - got);

        if (c->mode == INSN_MODE_64 && !is_canonical(c, a)) {
            rc = X86EMUL_EXCEPTION;
            pfec = X86EMUL_PFEC_GP;
            break;
        }
        rc = c->ops->read(c, a, buf + got, n, X86EMUL_ACC_FETCH, &pfec);
        if (rc)
            break;
        got += n;
    }
    drc = got ? insn_decode(buf, got, c->mode, &c->in) : -EFAULT;
    if (drc == -EFAULT) {
        if (got == avail)           /* ran into the CS limit */
            return RAISE_GP0(c);
        if (rc == X86EMUL_UNHANDLEABLE) {
            c->mmio_la = la_add(c, la, got);
            c->mmio_write = false;
            return X86EMUL_UNHANDLEABLE;
        }
        return op_fault(c, rc ? rc : X86EMUL_EXCEPTION, la_add(c, la, got), pfec);
    }
    if (drc)
        return RAISE_UD(c);
    c->insn_len = c->in.len;
    return X86EMUL_OKAY;
}

int x86_emulate(struct x86_emul_ctxt *c)
{
    uint64_t gpr[16], rip = c->rip, rflags = c->rflags;
    struct x86_seg segs[X86_SEG_NR];
    bool tf = c->rflags & FL_TF;
    unsigned int cpl;
    int rc;

    memcpy(gpr, c->gpr, sizeof(gpr));
    memcpy(segs, c->seg, sizeof(segs));
    c->seg_loaded = 0;
    c->tf_rule = 0;
    c->mode = x86_emul_mode(c);
    c->insn_len = 0;
    c->singlestep = false;
    c->event = (struct x86_event){ .error_code = -1 };
    if (c->cpl > 3)
        c->cpl = 3;
    cpl = c->cpl;

    rc = fetch_decode(c);
    if (!rc) {
        if (c->in.vex_kind != INSN_VEX_NONE)
            rc = RAISE_UD(c);           /* VEX/XOP/EVEX: not emulated (no XSAVE offered) */
        else if (c->in.opcode_map == INSN_MAP_1BYTE)
            rc = emul_1byte(c);
        else if (c->in.opcode_map == INSN_MAP_0F)
            rc = emul_0f(c);
        else
            rc = RAISE_UD(c);
    }

    if (rc == X86EMUL_OKAY)
        advance_rip(c);
    if (rc == EMUL_BRANCH)
        rc = X86EMUL_OKAY;              /* RIP already set */
    if (rc == X86EMUL_OKAY) {
        c->rflags &= ~(uint64_t)FL_RF;
        /* The single-step trap: after it when TF was set before, except
         * after SYSCALL (TF as it left it) and MOV/POP SS (not before the
         * next instruction, which the CPU runs with TF still set). */
        if (c->tf_rule == 0)
            c->singlestep = tf;
        else if (c->tf_rule == 1)
            c->singlestep = c->rflags & FL_TF;
        return rc;
    }
    if (rc == X86EMUL_EXCEPTION && c->event.type != X86_EVENT_HW_EXC) {
        c->rflags &= ~(uint64_t)FL_RF;
        return rc;                      /* a software interrupt: RIP past it */
    }
    /* A fault, an op that finished the instruction itself (X86EMUL_DONE:
     * it injected what it raised), or an access the caller must handle:
     * nothing changes here. */
    memcpy(c->gpr, gpr, sizeof(gpr));
    memcpy(c->seg, segs, sizeof(segs));
    c->seg_loaded = 0;
    c->cpl = cpl;
    c->rip = rip;
    c->rflags = rflags;
    return rc;
}
