/*
 * AP start-up trampoline, copied to TRAMPOLINE_ADDR (below 1 MiB) by
 * smp_boot(). A SIPI starts the AP in real mode at CS=TRAMPOLINE_ADDR>>4,
 * IP=0. It goes to protected mode, then long mode on the hypervisor's page
 * tables (tramp_cr3), loads tramp_stack and jumps to tramp_entry (C).
 * Only position-independent or TRAMPOLINE_ADDR-relative references.
 */
#include <asm/boot.h>

#define TR(x) (TRAMPOLINE_ADDR + (x) - trampoline_start)

        .section .rodata
        .globl trampoline_start, trampoline_end
        .globl tramp_cr3, tramp_stack, tramp_entry
        .code16
trampoline_start:
        cli
        cld
        mov     %cs, %ax
        mov     %ax, %ds
        lgdtl   (tramp_gdt_ptr - trampoline_start)
        mov     %cr0, %eax
        or      $1, %eax
        mov     %eax, %cr0
        ljmpl   $BOOT_CS32, $TR(tramp32)

        .code32
tramp32:
        mov     $BOOT_DS, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        mov     %cr4, %eax
        or      $(1 << 5), %eax                 /* PAE */
        mov     %eax, %cr4
        mov     TR(tramp_cr3), %eax
        mov     %eax, %cr3
        mov     $0xC0000080, %ecx
        rdmsr
        or      $((1 << 8) | (1 << 11)), %eax   /* LME, NXE */
        wrmsr
        /* PG, WP, ET, PE, and nothing else: an AP leaves INIT with
         * CD and NW set, its caches off, which an OR would keep. */
        mov     $((1 << 31) | (1 << 16) | (1 << 4) | 1), %eax
        mov     %eax, %cr0
        ljmp    $BOOT_CS64, $TR(tramp64)

        .code64
tramp64:
        mov     TR(tramp_stack), %rsp
        xor     %ebp, %ebp
        mov     TR(tramp_entry), %rax
        call    *%rax
1:      cli
        hlt
        jmp     1b

        .align 16
tramp_gdt:
        .quad 0
        .quad 0x00af9a000000ffff        /* BOOT_CS64 */
        .quad 0x00cf92000000ffff        /* BOOT_DS */
        .quad 0x00cf9a000000ffff        /* BOOT_CS32 */
tramp_gdt_ptr:
        .word tramp_gdt_ptr - tramp_gdt - 1
        .long TR(tramp_gdt)
        .align 8
tramp_cr3:      .quad 0
tramp_stack:    .quad 0
tramp_entry:    .quad 0
trampoline_end:
