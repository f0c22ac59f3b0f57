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

/*
 * The timer. It counts at a virtual bus clock of 100 MHz (one tick 10 ns,
 * Xen's vlapic uses the same) divided by TDCR. A periodic timer reloads at
 * most every VLAPIC_TIMER_MIN_PERIOD_NS, whatever TMICT and TDCR say: a
 * period of a few ticks would keep the host busy with nothing else.
 */
#define VLAPIC_BUS_TICK_NS          10ULL
#define VLAPIC_TIMER_MIN_PERIOD_NS  100000ULL       /* 100 us */

/* LVT timer bits 18:17. Mode 3 is reserved: counted as one-shot. */
enum { LVT_TIMER_ONESHOT, LVT_TIMER_PERIODIC, LVT_TIMER_TSC_DEADLINE, LVT_TIMER_RESERVED };
#define LVT_TIMER_MODE(lvt)     (((lvt) >> 17) & 3)

/* TDCR bits 0, 1 and 3: divide by 2, 4, ... 128 (0000 .. 1010), 1 (1011). */
unsigned int vlapic_timer_divisor(uint32_t tdcr);
/* count ticks at divide tdcr, in ns (at most 2^32 * 1280: no overflow). */
uint64_t vlapic_timer_ns(uint32_t count, uint32_t tdcr);
/* What is left of a count-down from count after elapsed ns: 0 once over. */
uint32_t vlapic_timer_remaining(uint32_t count, uint32_t tdcr, uint64_t elapsed_ns);
/* A periodic timer's period in ns: TMICT ticks, no shorter than the minimum. */
uint64_t vlapic_timer_period_ns(uint32_t tmict, uint32_t tdcr);
/* A periodic timer due at expires (<= now): its next expiry on the same
 * grid, the first after now. However many periods were missed, the
 * caller delivers one interrupt. */
uint64_t vlapic_timer_next(uint64_t expires, uint64_t period_ns, uint64_t now);

#endif
