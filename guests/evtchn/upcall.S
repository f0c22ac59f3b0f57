/*
 * Entry for the event-channel upcall vector (0xF3): an external
 * interrupt, no error code. Saves the caller-clobbered registers, calls
 * upcall_handler() (C, main.c) and returns with iret.
 * 64-bit: the CPU pushed ss, rsp, rflags, cs, rip (40 bytes, after
 * aligning rsp to 16); nine more pushes leave rsp 16-byte aligned.
 */
        .text
        .globl  upcall_entry
        .balign 16
upcall_entry:
#if defined(GUEST_MODE_64)
        push    %rax
        push    %rcx
        push    %rdx
        push    %rsi
        push    %rdi
        push    %r8
        push    %r9
        push    %r10
        push    %r11
        cld
        call    upcall_handler
        pop     %r11
        pop     %r10
        pop     %r9
        pop     %r8
        pop     %rdi
        pop     %rsi
        pop     %rdx
        pop     %rcx
        pop     %rax
        iretq
#else
        pushal
        cld
        call    upcall_handler
        popal
        iret
#endif
        .section .note.GNU-stack, "", @progbits
