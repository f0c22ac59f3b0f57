/*
 * Architectural rules of the local APIC, as pure functions of register
 * values: the modes IA32_APIC_BASE selects and the moves between them,
 * destination matching in both modes, the writable bits of the LVT
 * entries, the layout of the xAPIC page. vlapic.c applies them to a vCPU;
 * tests/unit/test_vlapic_rules.c checks them on the host.
 */
#ifndef ASM_VLAPIC_RULES_H
#define ASM_VLAPIC_RULES_H

#include <oryx/types.h>

#define APIC_BASE_BSP       (1ULL << 8)
#define APIC_BASE_EXTD      (1ULL << 10)
#define APIC_BASE_EN        (1ULL << 11)
#define APIC_BASE_ADDR      (~0xFFFULL)
#define APIC_BASE_DEFAULT   0xFEE00000ULL

enum apic_mode {
    APIC_MODE_OFF,          /* EN clear: no APIC, the page is a hole */
    APIC_MODE_XAPIC,        /* EN: registers in the page at the base */
    APIC_MODE_X2APIC,       /* EN and EXTD: registers as MSRs 0x800-0x8FF */
    APIC_MODE_INVALID,      /* EXTD alone: never accepted */
};

enum apic_mode vlapic_mode_of(uint64_t apic_base);

/* What a WRMSR of val to IA32_APIC_BASE (now old) does. */
enum apic_base_write {
    APIC_BASE_REFUSED,      /* #GP, nothing changes */
    APIC_BASE_STORED,       /* the new value is taken, the registers stay */
    APIC_BASE_RESET,        /* taken; the APIC was off: registers to reset values */
};

enum apic_base_write vlapic_base_write(uint64_t old, uint64_t val, unsigned int paddr_bits);

/* x2APIC: logical ID from the APIC ID (cluster in 31:16, one bit of 16 in 15:0). */
uint32_t vlapic_x2apic_ldr(uint32_t id);
bool vlapic_x2apic_match(uint32_t dest, bool logical, uint32_t id);
/* xAPIC: dest is ICR bits 63:56; ldr and dfr are the target's registers. */
bool vlapic_xapic_match(uint8_t dest, bool logical, uint8_t id, uint32_t ldr, uint32_t dfr);

/* LVT entries in the order of struct vlapic's lvt[] (register 0x2F and 0x32-0x37). */
enum { LVT_CMCI, LVT_TIMER, LVT_THERMAL, LVT_PMC, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_NR };
#define LVT_MASKED  (1u << 16)
uint32_t vlapic_lvt_writable(unsigned int lvt);

/* An access of size bytes at offset in the xAPIC page: the register
 * (offset / 16) and the access's first byte within it (0-3). False when
 * the access does not lie within the 32 bits at the start of a 16-byte
 * slot: no register answers it. */
bool vlapic_mmio_slot(uint32_t offset, unsigned int size, unsigned int *reg, unsigned int *byte);
/* The register's value after a write of size bytes at byte (a partial
 * write keeps the other bytes). */
uint32_t vlapic_mmio_merge(uint32_t old, uint64_t val, unsigned int byte, unsigned int size);

#endif
