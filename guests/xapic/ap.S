/*
 * vCPU 1 after INIT-SIPI: real mode at AP_PAGE. It enters flat 32-bit
 * protected mode (paging off), moves its APIC from x2APIC mode (where
 * every vCPU starts) through off to xAPIC mode, takes cluster-model
 * logical ID AP_LDR, reports its ID register, then, once vCPU 0 has sent
 * its logical IPIs, reports the IRR word they land in, and stops (cli;
 * hlt). Position-independent but for AP_PAGE: it runs from the copy.
 */
#include "ap.h"

#define APIC        0xFEE00000
#define MSR_APIC_BASE 0x1B

        .text
        .globl  ap_start, ap_end
        .code16
ap_start:
        cli
        mov     %cs, %ax
        mov     %ax, %ds
        lgdtl   ap_gdt_desc - ap_start
        mov     %cr0, %eax
        or      $1, %eax
        mov     %eax, %cr0
        ljmpl   $0x08, $(AP_PAGE + ap_pm - ap_start)

        .code32
ap_pm:
        mov     $0x10, %ax
        mov     %ax, %ds
        mov     %ax, %es
        mov     %ax, %ss
        mov     $MSR_APIC_BASE, %ecx
        rdmsr
        and     $~0xC00, %eax           /* off: EN and EXTD clear */
        wrmsr
        or      $0x800, %eax            /* xAPIC: EN */
        wrmsr
        movl    $0x0FFFFFFF, APIC + 0xE0        /* DFR: cluster model */
        movl    $AP_LDR, APIC + 0xD0
        movl    $0x1FF, APIC + 0xF0             /* SVR: enabled */
        mov     APIC + 0x20, %eax
        mov     %eax, AP_ID
        movl    $1, AP_STATE
1:      pause
        cmpl    $0, AP_GO
        je      1b
        mov     APIC + 0x230, %eax
        mov     %eax, AP_IRR3
        movl    $2, AP_STATE
2:      cli
        hlt
        jmp     2b

        .balign 8
ap_gdt:
        .quad   0
        .quad   0x00CF9A000000FFFF      /* 0x08: code, flat 4 GiB, 32-bit */
        .quad   0x00CF92000000FFFF      /* 0x10: data, flat 4 GiB */
ap_gdt_desc:
        .word   ap_gdt_desc - ap_gdt - 1
        .long   AP_PAGE + ap_gdt - ap_start
ap_end:
        .section .note.GNU-stack, "", @progbits
