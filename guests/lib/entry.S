/*
 * Exception and interrupt entry for vectors 0-255. Each stub pushes a
 * zero error code where the CPU pushes none (always from vector 32 on),
 * then the vector, and joins exc_common, which saves the general
 * registers as a struct cpu_regs (traps.h) and calls trap_dispatch(regs).
 * trap_dispatch may change regs->ip (fault fixup); everything is restored
 * and the handler returns with iret.
 */
#include "layout.h"

#if defined(GUEST_MODE_64)
#define PTR .quad
#else
#define PTR .long
#endif

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERR(v) ((v) == 8 || (v) == 10 || (v) == 11 || (v) == 12 || \
                    (v) == 13 || (v) == 14 || (v) == 17 || (v) == 21 || \
                    (v) == 29 || (v) == 30)

        .text
        .macro  exc_stub vec
        .balign 16
exc_stub_\vec:
        .if !HAS_ERR(\vec)
        push    $0
        .endif
        push    $\vec
        jmp     exc_common
        .endm

        .altmacro
        .macro  all_stubs
        .set    v, 0
        .rept   256
        exc_stub %v
        .set    v, v + 1
        .endr
        .endm
        all_stubs

exc_common:
#if defined(GUEST_MODE_64)
        /* Stack: ss rsp rflags cs rip err vec; push rax..r15 below. */
        push    %rax
        push    %rbx
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        push    %rbp
        push    %r8
        push    %r9
        push    %r10
        push    %r11
        push    %r12
        push    %r13
        push    %r14
        push    %r15
        movq    %rsp, %rdi
        cld
        call    trap_dispatch
        pop     %r15
        pop     %r14
        pop     %r13
        pop     %r12
        pop     %r11
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rbp
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rbx
        pop     %rax
        addq    $16, %rsp
        iretq
#else
        /* Stack: eflags cs eip err vec; pusha below. */
        pusha
        movl    %esp, %eax
        pushl   %eax
        cld
        call    trap_dispatch
        addl    $4, %esp
        popa
        addl    $8, %esp
        iret
#endif

        .macro  stub_ptr vec
        PTR     exc_stub_\vec
        .endm
        .macro  all_ptrs
        .set    v, 0
        .rept   256
        stub_ptr %v
        .set    v, v + 1
        .endr
        .endm

        .section .rodata
        .balign 8
        .globl  exc_stubs
exc_stubs:
        all_ptrs
