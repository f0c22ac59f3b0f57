/*
 * x86 instruction emulator: runs one guest instruction on a copy of the
 * vCPU's state, the way the CPU would, for the forced-emulation prefix
 * (hvm_fep). It knows nothing of struct vcpu: everything it needs comes
 * in struct x86_emul_ctxt and through the ops table, so the host unit
 * tests drive it with a fake guest (tests/unit/test_x86_emulate.c).
 *
 * What it does: fetch (through CS, with its limit), decode (insn.c),
 * effective addresses in 16/32/64-bit addressing, segmentation (base,
 * limit, expand-down, type, null selectors, canonical checks in 64-bit
 * mode with #SS for stack references), paging through ops->read/write
 * (which report #PF), then the instruction itself. An instruction it does
 * not know, or one invalid in the mode, is #UD.
 *
 * Nothing is written back to guest memory or registers unless the whole
 * instruction succeeds (memory writes are the last step, after every
 * check); a fault leaves the state as it was, with RIP at the instruction.
 */
#ifndef ASM_X86_EMULATE_H
#define ASM_X86_EMULATE_H

#include <oryx/types.h>
#include <asm/insn.h>

/* Segment registers in the encoding's order (ModRM.reg of MOV Sreg). */
enum x86_segreg {
    X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS,
    X86_SEG_NR,
};

/* A segment register's hidden part. attr is the 12-bit VMCB form: type
 * (bits 0-3), S (4), DPL (5-6), P (7), AVL (8), L (9), D/B (10), G (11);
 * limit is the byte-granular limit (G already applied). A segment loaded
 * with a null selector has P clear. */
struct x86_seg {
    uint16_t sel, attr;
    uint32_t limit;
    uint64_t base;
};

#define X86_SEG_ATTR_P   (1u << 7)
#define X86_SEG_ATTR_S   (1u << 4)
#define X86_SEG_ATTR_L   (1u << 9)
#define X86_SEG_ATTR_DB  (1u << 10)

/* Return codes of x86_emulate() and of the ops. */
enum {
    X86EMUL_OKAY = 0,       /* done: registers and RIP updated in the context */
    X86EMUL_EXCEPTION,      /* ctxt->event holds what to deliver; RIP stays
                             * (a trap-like event: RIP is already past it) */
    X86EMUL_UNHANDLEABLE,   /* a memory access reached something that is not
                             * RAM (ctxt->mmio_gpa): nothing was changed */
    X86EMUL_DONE,           /* an op finished the instruction itself
                             * (injected what it raised): nothing more to do */
};

/* Kinds of event in ctxt->event. */
enum x86_event_type {
    X86_EVENT_HW_EXC,       /* a fault or trap raised by the instruction */
    X86_EVENT_SW_INT,       /* INT n: gate checks done, RIP past it */
    X86_EVENT_SW_EXC,       /* INT3, INTO: gate checks done, RIP past it */
    X86_EVENT_ICEBP,        /* ICEBP's #DB: gate checks done, RIP past it */
};

struct x86_event {
    uint8_t vector;
    uint8_t type;           /* enum x86_event_type */
    int32_t error_code;     /* -1: none */
    uint64_t cr2;           /* #PF only */
};

struct x86_emul_ctxt;

/* Access kinds for ops->read (the guest walk's GW_* bits). */
#define X86EMUL_ACC_WRITE  1u
#define X86EMUL_ACC_FETCH  4u
#define X86EMUL_ACC_SYSTEM 8u   /* a descriptor-table read: supervisor */

struct x86_emul_ops {
    /*
     * Guest linear memory, at most one page per call (the emulator
     * splits). Return X86EMUL_OKAY; X86EMUL_EXCEPTION with *pfec the
     * page-fault error code (the emulator raises #PF at `la`), or with
     * *pfec = X86EMUL_PFEC_GP for a #GP(0) (non-canonical in a walk);
     * X86EMUL_UNHANDLEABLE with ctxt->mmio_gpa set when the page is not
     * RAM. `access` has X86EMUL_ACC_* bits; the user bit comes from
     * ctxt->cpl unless ACC_SYSTEM.
     */
    int (*read)(struct x86_emul_ctxt *c, uint64_t la, void *buf, unsigned int len,
                unsigned int access, uint32_t *pfec);
    /* Check that [la, la+len) can be written (one page), without writing. */
    int (*check_write)(struct x86_emul_ctxt *c, uint64_t la, unsigned int len,
                       uint32_t *pfec);
    int (*write)(struct x86_emul_ctxt *c, uint64_t la, const void *buf, unsigned int len,
                 uint32_t *pfec);
    /* CPUID, RDMSR, WRMSR on the context's registers (EAX/ECX/EDX/EBX):
     * X86EMUL_OKAY with the results in ctxt->gpr, or X86EMUL_EXCEPTION
     * with ctxt->event set (#GP for an MSR), or X86EMUL_DONE. */
    int (*cpuid)(struct x86_emul_ctxt *c);
    int (*rdmsr)(struct x86_emul_ctxt *c);
    int (*wrmsr)(struct x86_emul_ctxt *c);
    /* The guest's x87/MMX/SSE registers as a 512-byte FXSAVE image (64-bit
     * layout), or NULL when they cannot be had (the instruction is #UD);
     * put_fxsave() loads a modified image back. */
    uint8_t *(*get_fxsave)(struct x86_emul_ctxt *c);
    void (*put_fxsave)(struct x86_emul_ctxt *c);
};

#define X86EMUL_PFEC_GP (1u << 30)

struct x86_emul_ctxt {
    /* State in (and out, on X86EMUL_OKAY). */
    uint64_t gpr[16];           /* ModRM order: rAX rCX rDX rBX rSP rBP rSI rDI r8..r15 */
    uint64_t rip, rflags;
    struct x86_seg seg[X86_SEG_NR];
    uint64_t cr0, cr4, efer;    /* the guest's (EFER.LMA: long mode) */
    uint64_t idtr_base;
    uint32_t idtr_limit;
    uint64_t gdtr_base;
    uint32_t gdtr_limit;
    struct x86_seg ldtr;        /* for selectors with TI set */
    uint64_t star, lstar, cstar, sfmask;    /* SYSCALL's MSRs */
    unsigned int cpl;           /* out too: SYSCALL changes it */
    uint16_t fsw;               /* x87 status word (for FWAIT's #MF) */

    const struct x86_emul_ops *ops;
    void *opaque;               /* the caller's (the vCPU) */

    /* Out. */
    struct x86_event event;     /* with X86EMUL_EXCEPTION */
    uint64_t mmio_gpa;          /* with X86EMUL_UNHANDLEABLE */
    uint64_t mmio_la;
    bool mmio_write;
    unsigned int insn_len;      /* of the instruction decoded (0 before) */
    bool singlestep;            /* OKAY with TF set before it: a #DB trap is due */
    unsigned int seg_loaded;    /* OKAY: bit n set when seg[n] was loaded */

    /* Internal. */
    struct insn_info in;
    enum insn_mode mode;
    uint8_t tf_rule;            /* 0: TF before; 1: TF after; 2: no trap */
};

/* The mode the context's CS and EFER give. */
enum insn_mode x86_emul_mode(const struct x86_emul_ctxt *c);

/* Emulate the instruction at CS:RIP. */
int x86_emulate(struct x86_emul_ctxt *c);

/* Exposed for tests: the arithmetic flags (CF PF AF ZF SF OF) an ALU
 * operation leaves; op is the 00-3F group's ModRM.reg (ADD OR ADC SBB AND
 * SUB XOR CMP), size 1, 2, 4 or 8; *res gets the result. */
uint64_t x86_emul_alu(unsigned int op, unsigned int size, uint64_t a, uint64_t b,
                      uint64_t flags_in, uint64_t *res);

#endif
