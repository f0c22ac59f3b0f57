/*
 * The SVM world switch.
 *
 * void svm_vmrun(struct guest_regs *regs, paddr_t vmcb_pa, paddr_t host_vmcb_pa)
 *
 * Called with GIF=0 (clgi) and IF=1, so physical interrupts stay pending
 * until VMRUN and then cause an INTR exit. Saves the host's hidden state
 * (FS/GS/TR/LDTR bases, syscall MSRs) with VMSAVE into the host VMCB,
 * loads the guest's with VMLOAD, runs the guest, and reverses that on
 * exit. The guest's rax/rsp/rip/rflags are in its VMCB; the other general
 * registers are loaded from and stored to *regs. Clobbers: rax, rcx, rdx,
 * rsi, rdi, r8-r11 (caller-saved); callee-saved registers are preserved.
 * Stack while the guest runs: [rsp] host_vmcb_pa, [rsp+8] regs.
 */
#include <asm/vcpu.h>

        .text
        .code64
        .globl svm_vmrun
svm_vmrun:
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        pushq   %rdi                    /* regs */
        pushq   %rdx                    /* host VMCB */

        mov     %rdx, %rax
        vmsave  %rax                    /* host hidden state */
        mov     %rsi, %rax              /* guest VMCB, stays in rax */

        mov     GR_RBX(%rdi), %rbx
        mov     GR_RCX(%rdi), %rcx
        mov     GR_RDX(%rdi), %rdx
        mov     GR_RSI(%rdi), %rsi
        mov     GR_RBP(%rdi), %rbp
        mov     GR_R8(%rdi), %r8
        mov     GR_R9(%rdi), %r9
        mov     GR_R10(%rdi), %r10
        mov     GR_R11(%rdi), %r11
        mov     GR_R12(%rdi), %r12
        mov     GR_R13(%rdi), %r13
        mov     GR_R14(%rdi), %r14
        mov     GR_R15(%rdi), %r15
        mov     GR_RDI(%rdi), %rdi

        vmload  %rax
        vmrun   %rax
        .globl  svm_vmrun_host_rip
svm_vmrun_host_rip:                     /* where the host resumes: see svm_flawed_exit */
        vmsave  %rax

        pushq   %rdi                    /* guest rdi */
        mov     16(%rsp), %rdi          /* regs */
        mov     %rbx, GR_RBX(%rdi)
        mov     %rcx, GR_RCX(%rdi)
        mov     %rdx, GR_RDX(%rdi)
        mov     %rsi, GR_RSI(%rdi)
        mov     %rbp, GR_RBP(%rdi)
        mov     %r8, GR_R8(%rdi)
        mov     %r9, GR_R9(%rdi)
        mov     %r10, GR_R10(%rdi)
        mov     %r11, GR_R11(%rdi)
        mov     %r12, GR_R12(%rdi)
        mov     %r13, GR_R13(%rdi)
        mov     %r14, GR_R14(%rdi)
        mov     %r15, GR_R15(%rdi)
        popq    GR_RDI(%rdi)

        popq    %rax                    /* host VMCB */
        vmload  %rax
        add     $8, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
