/* The x86 part of a vCPU, embedded in struct vcpu. */
#ifndef ASM_VCPU_H
#define ASM_VCPU_H

#ifndef __ASSEMBLY__
#include <oryx/types.h>
#include <asm/vlapic.h>
#include <asm/svm-types.h>
#endif

/*
 * Guest general registers. The world switch (svm/entry.S) uses the GR_*
 * offsets below; the _Static_asserts keep them in step with the struct.
 * rax/rsp/rip/rflags live in the VMCB while the guest runs and are copied
 * here at every exit (and back at entry), so common code sees one place.
 */
#ifndef __ASSEMBLY__
struct guest_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rsp, rip, rflags;
};
#endif

#define GR_RAX 0x00
#define GR_RBX 0x08
#define GR_RCX 0x10
#define GR_RDX 0x18
#define GR_RSI 0x20
#define GR_RDI 0x28
#define GR_RBP 0x30
#define GR_R8  0x38
#define GR_R9  0x40
#define GR_R10 0x48
#define GR_R11 0x50
#define GR_R12 0x58
#define GR_R13 0x60
#define GR_R14 0x68
#define GR_R15 0x70

#ifndef __ASSEMBLY__
_Static_assert(offsetof(struct guest_regs, rbx) == GR_RBX, "GR_RBX");
_Static_assert(offsetof(struct guest_regs, rdi) == GR_RDI, "GR_RDI");
_Static_assert(offsetof(struct guest_regs, r8) == GR_R8, "GR_R8");
_Static_assert(offsetof(struct guest_regs, r15) == GR_R15, "GR_R15");

/* Exit statistics, by vendor-neutral reason. */
enum exit_reason {
    EXIT_CPUID, EXIT_HYPERCALL, EXIT_HLT, EXIT_IO, EXIT_MSR, EXIT_NPF, EXIT_INTR,
    EXIT_SHUTDOWN, EXIT_EXCEPTION, EXIT_VIRT_INSN, EXIT_VINTR, EXIT_PAUSE, EXIT_CR,
    EXIT_DR, EXIT_IRET, EXIT_OTHER,
    EXIT_NR
};

/* Names of the exit reasons, for the counters' reports. */
extern const char *const exit_names[EXIT_NR];

struct arch_vcpu {
    struct guest_regs regs;
    union {
        struct svm_vcpu svm;
    } vendor;                   /* the back end's own state (asm/svm-types.h) */
    bool tlb_flush;             /* flush this vCPU's guest TLB at the next entry */
    uint64_t dr[4];             /* DR0-DR3 (DR6/DR7 live in the vendor's guest state) */
    uint64_t debugctl;          /* MSR_DEBUGCTL as the guest wrote it (never loaded: see debugreg.c) */
    /* NMI blocking: set when an NMI is delivered, cleared once the
     * handler's IRET has run (the IRET exit and RIP moving past it). */
    bool nmi_masked;
    bool nmi_iret_seen;
    uint64_t nmi_iret_rip;
    /* The last exit refused the state at this RIP (see ctrlreg.c). */
    bool invalid_again;
    uint64_t invalid_rip;
    uint64_t exits[EXIT_NR];
    struct vlapic vlapic;
    bool fpu_initialised;
    uint8_t fxsave[512] __attribute__((aligned(16)));   /* x87/SSE state while switched out */
    uint64_t last_exit;         /* vendor exit code, for crash reports */
};
#endif

#endif
