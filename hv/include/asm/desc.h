/* GDT, TSS and IDT layouts. */
#ifndef ASM_DESC_H
#define ASM_DESC_H

#include <oryx/types.h>

#define GDT_CS64  0x08
#define GDT_DS    0x10
#define GDT_CS32  0x18
#define GDT_TSS   0x20

#define IST_NMI 1
#define IST_DF  2
#define IST_MC  3

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __packed;
_Static_assert(sizeof(struct tss) == 104, "TSS is 104 bytes");

struct idt_entry {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} __packed;
_Static_assert(sizeof(struct idt_entry) == 16, "IDT entry is 16 bytes");

struct desc_ptr {
    uint16_t limit;
    uint64_t base;
} __packed;
_Static_assert(sizeof(struct desc_ptr) == 10, "LGDT/LIDT operand");

#endif
