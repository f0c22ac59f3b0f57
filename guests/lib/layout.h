/*
 * Fixed facts of the micro-guest runtime shared by its assembly and C:
 * segment selectors of our GDT, control-register bits, stack size.
 */
#ifndef GUEST_LAYOUT_H
#define GUEST_LAYOUT_H

#define SEL_CODE32  0x08
#define SEL_DATA    0x10
#define SEL_CODE64  0x18

#define CR0_PG      0x80000000
#define CR4_PSE     0x00000010
#define CR4_PAE     0x00000020
#define MSR_EFER    0xc0000080
#define EFER_LME    0x00000100

#define GUEST_STACK_SIZE 16384

#if defined(GUEST_MODE_64)
#define SEL_CODE SEL_CODE64
#else
#define SEL_CODE SEL_CODE32
#endif

#endif
