/*
 * Interrupt and exception entry. Each of the 256 vectors has a stub that
 * pushes a zero error code when the CPU does not push one, then the vector
 * number, and jumps to common_trap, which saves the general registers as
 * a struct cpu_regs (asm/traps.h) on the stack and calls do_trap(regs).
 * Inputs: the CPU's interrupt frame. Clobbers: nothing (all restored).
 */
        .text
        .code64

        .altmacro
        .macro vector_stub v
        .align 16
vec_\v:
        .if !((\v == 8) || (\v == 10) || (\v == 11) || (\v == 12) || (\v == 13) || (\v == 14) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30))
        pushq   $0
        .endif
        pushq   $\v
        jmp     common_trap
        .endm

        .align 16
        .globl trap_stubs
trap_stubs:
        .set i, 0
        .rept 256
        vector_stub %i
        .set i, i + 1
        .endr

common_trap:
        pushq   %rax
        pushq   %rbx
        pushq   %rcx
        pushq   %rdx
        pushq   %rsi
        pushq   %rdi
        pushq   %rbp
        pushq   %r8
        pushq   %r9
        pushq   %r10
        pushq   %r11
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        cld
        mov     %rsp, %rdi
        /* Frame for backtraces: the interrupted RIP and RBP. */
        pushq   17*8(%rsp)
        pushq   %rbp
        mov     %rsp, %rbp
        call    do_trap
        add     $16, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %r11
        popq    %r10
        popq    %r9
        popq    %r8
        popq    %rbp
        popq    %rdi
        popq    %rsi
        popq    %rdx
        popq    %rcx
        popq    %rbx
        popq    %rax
        add     $16, %rsp               /* vector, error code */
        iretq
