/*
 * Boot entry. Multiboot1 and multiboot2 loaders enter __start32 in 32-bit
 * protected mode, paging off, with the magic in %eax and the info pointer
 * in %ebx. We build a temporary 1:1 map of the first 4 GiB with 2 MiB
 * pages, enter long mode and call start_oryx(magic, info) on the boot
 * stack. mm_init() later replaces these tables with the final ones.
 */
#include <asm/boot.h>

#define MB1_MAGIC       0x1BADB002
#define MB1_FLAGS       ((1 << 0) | (1 << 1) | (1 << 16)) /* page-align mods, mem info, addresses */
#define MB2_MAGIC       0xE85250D6

        .section .text.head, "ax"
        .code32

        .align 4
mb1_header:
        .long MB1_MAGIC
        .long MB1_FLAGS
        .long -(MB1_MAGIC + MB1_FLAGS)
        .long mb1_header            /* header_addr */
        .long __load_start          /* load_addr */
        .long __data_end            /* load_end_addr */
        .long __bss_end             /* bss_end_addr */
        .long __start32             /* entry_addr */

        .align 8
mb2_header:
        .long MB2_MAGIC
        .long 0                     /* architecture: i386 */
        .long mb2_header_end - mb2_header
        .long -(MB2_MAGIC + (mb2_header_end - mb2_header))
        /* address tag */
        .align 8
        .word 2, 0
        .long 24
        .long mb2_header
        .long __load_start
        .long __data_end
        .long __bss_end
        /* entry address tag */
        .align 8
        .word 3, 0
        .long 12
        .long __start32
        /* module alignment tag */
        .align 8
        .word 6, 0
        .long 8
        /* end tag */
        .align 8
        .word 0, 0
        .long 8
mb2_header_end:

        .globl __start32
__start32:
        cli
        cld
        mov     %eax, %ebp              /* magic (kept in ebp until long mode) */
        mov     %ebx, %esi              /* info (cpuid clobbers ebx) */
        mov     $(boot_stack + BOOT_STACK_SIZE), %esp

        /* Long mode and NX are required. */
        mov     $0x80000000, %eax
        cpuid
        cmp     $0x80000001, %eax
        jb      no_long_mode
        mov     $0x80000001, %eax
        cpuid
        bt      $29, %edx
        jnc     no_long_mode

        /* PML4[0] -> PDPT; PDPT[0..3] -> four PDs of 2 MiB pages: 0..4 GiB. */
        mov     $boot_pml4, %edi
        mov     $boot_pdpt, %eax
        or      $0x3, %eax
        mov     %eax, (%edi)
        mov     $boot_pdpt, %edi
        mov     $boot_pd, %eax
        or      $0x3, %eax
        mov     $4, %ecx
1:      mov     %eax, (%edi)
        add     $4096, %eax
        add     $8, %edi
        loop    1b
        mov     $boot_pd, %edi
        mov     $0x83, %eax             /* present, writable, 2 MiB */
        xor     %edx, %edx
        mov     $2048, %ecx
2:      mov     %eax, (%edi)
        mov     %edx, 4(%edi)
        add     $0x200000, %eax
        adc     $0, %edx
        add     $8, %edi
        loop    2b

        mov     %esi, %ebx              /* keep info: %esi/%edi are reused */
        mov     %cr4, %eax
        or      $(1 << 5), %eax         /* PAE */
        mov     %eax, %cr4
        mov     $boot_pml4, %eax
        mov     %eax, %cr3
        mov     $0xC0000080, %ecx       /* EFER */
        rdmsr
        or      $((1 << 8) | (1 << 11)), %eax   /* LME, NXE */
        wrmsr
        mov     %cr0, %eax
        or      $((1 << 31) | (1 << 16) | 1), %eax  /* PG, WP, PE */
        mov     %eax, %cr0
        lgdt    boot_gdt_ptr
        ljmp    $BOOT_CS64, $start64

no_long_mode:
        mov     $no_lm_msg, %esi
        mov     $0xE9, %dx
3:      lodsb
        test    %al, %al
        jz      4f
        outb    %al, %dx
        mov     $0x3F8, %dx             /* COM1 too */
        outb    %al, %dx
        mov     $0xE9, %dx
        jmp     3b
4:      hlt
        jmp     4b

        .code64
start64:
        mov     $BOOT_DS, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        xor     %eax, %eax
        mov     %eax, %fs
        mov     %eax, %gs
        mov     $(boot_stack + BOOT_STACK_SIZE), %rsp
        mov     %ebp, %edi              /* magic, first argument */
        mov     %ebx, %esi              /* info, second argument */
        xor     %ebp, %ebp              /* end of the backtrace chain */
        call    start_oryx
5:      cli
        hlt
        jmp     5b

        .section .rodata
no_lm_msg:
        .asciz  "Oryx: this CPU has no long mode; cannot start.\n"

        .align 16
boot_gdt:
        .quad 0
        .quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
        .quad 0x00cf92000000ffff        /* 0x10: data */
        .quad 0x00cf9a000000ffff        /* 0x18: 32-bit code */
boot_gdt_end:
        .globl boot_gdt_ptr
boot_gdt_ptr:
        .word boot_gdt_end - boot_gdt - 1
        .quad boot_gdt

        .section .bss.page_aligned, "aw", @nobits
        .align 4096
        .globl boot_pml4
boot_pml4:      .skip 4096
boot_pdpt:      .skip 4096
boot_pd:        .skip 4 * 4096
        .globl boot_stack
boot_stack:     .skip BOOT_STACK_SIZE
