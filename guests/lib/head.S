/*
 * PVH entry of every micro-guest.
 *
 * In:  32-bit protected mode, paging off, flat 4 GiB segments, interrupts
 *      off, %ebx = guest-physical address of struct hvm_start_info
 *      (PVH boot ABI, see pvh-linux-abi.md section 1.2).
 * Out: guest_main(start_info_pa) in the guest's mode, on our own GDT and
 *      stack, with .bss zeroed:
 *        GUEST_MODE_64     long mode, 4-level identity map of 0-4 GiB
 *        GUEST_MODE_32     32-bit protected mode, paging off
 *        GUEST_MODE_32PSE  32-bit paging, 4 MiB pages, identity 0-4 GiB
 *        GUEST_MODE_32PAE  PAE paging, 2 MiB pages, identity 0-4 GiB
 * The image is linked and loaded at 1 MiB (guest.lds); these addresses are
 * physical and, once paging is on, virtual too.
 */
#include <public/elfnote.h>
#include "layout.h"

/* The PVH note: a 4-byte physical entry address, note name "Xen". */
        .section .note.Xen, "a", @note
        .balign 4
        .long   4                       /* namesz, "Xen\0" */
        .long   4                       /* descsz */
        .long   XEN_ELFNOTE_PHYS32_ENTRY
        .asciz  XEN_ELFNOTE_NAME
        .balign 4
        .long   _start
        .balign 4

        .section .data
        .balign 4
        .globl  start_info_pa
start_info_pa:
        .long   0

        .balign 8
gdt:
        .quad   0                       /* null */
        .quad   0x00cf9a000000ffff      /* 0x08: 32-bit code, flat */
        .quad   0x00cf92000000ffff      /* 0x10: data, flat */
        .quad   0x00af9a000000ffff      /* 0x18: 64-bit code */
gdt_end:
        .globl  gdt_desc
gdt_desc:
        .word   gdt_end - gdt - 1
        .long   gdt
        .long   0                       /* high half for a 64-bit lgdt */

        .section .text.entry, "ax"
        .code32
        .globl  _start
_start:
        cli
        cld
        movl    %ebx, start_info_pa
        lgdt    gdt_desc
        ljmp    $SEL_CODE32, $1f
1:      movl    $SEL_DATA, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %ss
        movl    %eax, %fs
        movl    %eax, %gs

        /* Zero .bss (stack and page tables live there). */
        movl    $__bss_start, %edi
        movl    $__bss_end, %ecx
        subl    %edi, %ecx
        xorl    %eax, %eax
        rep stosb
        movl    $stack_top, %esp

#if defined(GUEST_MODE_64) || defined(GUEST_MODE_32PAE)
        /* 2048 PD entries of 8 bytes: 2 MiB pages, P|RW|PS. */
        movl    $pt_pd, %edi
        xorl    %ecx, %ecx
2:      movl    %ecx, %eax
        shll    $21, %eax
        orl     $0x83, %eax
        movl    %eax, (%edi,%ecx,8)
        movl    %ecx, %eax
        shrl    $11, %eax
        movl    %eax, 4(%edi,%ecx,8)
        incl    %ecx
        cmpl    $2048, %ecx
        jb      2b
        /* 4 PDPT entries; PAE PDPTEs may only have P set. */
        movl    $pt_pdpt, %edi
        movl    $pt_pd, %eax
#if defined(GUEST_MODE_64)
        orl     $0x3, %eax
#else
        orl     $0x1, %eax
#endif
        xorl    %ecx, %ecx
3:      movl    %eax, (%edi,%ecx,8)
        addl    $4096, %eax
        incl    %ecx
        cmpl    $4, %ecx
        jb      3b
        movl    %cr4, %eax
        orl     $CR4_PAE, %eax
        movl    %eax, %cr4
#if defined(GUEST_MODE_64)
        movl    $pt_pdpt, %eax
        orl     $0x3, %eax
        movl    %eax, pt_pml4
        movl    $pt_pml4, %eax
        movl    %eax, %cr3
        movl    $MSR_EFER, %ecx
        rdmsr
        orl     $EFER_LME, %eax
        wrmsr
#else
        movl    $pt_pdpt, %eax
        movl    %eax, %cr3
#endif
        movl    %cr0, %eax
        orl     $CR0_PG, %eax
        movl    %eax, %cr0
#elif defined(GUEST_MODE_32PSE)
        /* 1024 PD entries of 4 bytes: 4 MiB pages, P|RW|PS. */
        movl    $pt_pd, %edi
        xorl    %ecx, %ecx
2:      movl    %ecx, %eax
        shll    $22, %eax
        orl     $0x83, %eax
        movl    %eax, (%edi,%ecx,4)
        incl    %ecx
        cmpl    $1024, %ecx
        jb      2b
        movl    %cr4, %eax
        orl     $CR4_PSE, %eax
        movl    %eax, %cr4
        movl    $pt_pd, %eax
        movl    %eax, %cr3
        movl    %cr0, %eax
        orl     $CR0_PG, %eax
        movl    %eax, %cr0
#elif !defined(GUEST_MODE_32)
#error "no GUEST_MODE_* defined"
#endif

#if defined(GUEST_MODE_64)
        ljmp    $SEL_CODE64, $start64
        .code64
start64:
        movl    $SEL_DATA, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %ss
        movq    $stack_top, %rsp
        movl    start_info_pa, %edi
        call    guest_main
4:      cli
        hlt
        jmp     4b
#else
        pushl   start_info_pa
        call    guest_main
4:      cli
        hlt
        jmp     4b
#endif

        .section .bss
        .balign 4096
#if defined(GUEST_MODE_64)
pt_pml4:
        .skip   4096
#endif
#if defined(GUEST_MODE_64) || defined(GUEST_MODE_32PAE)
pt_pdpt:
        .skip   4096
pt_pd:
        .skip   4 * 4096
#elif defined(GUEST_MODE_32PSE)
pt_pd:
        .skip   4096
#endif
        .balign 16
        .skip   GUEST_STACK_SIZE
        .globl  stack_top
stack_top:
