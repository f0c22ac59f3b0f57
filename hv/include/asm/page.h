/*
 * The hypervisor maps all RAM 1:1 (virtual == physical), so converting
 * between a host-physical address and a pointer is a cast. Host unit tests
 * rely on the same identity: their "physical" memory is host memory.
 */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H

#include <oryx/types.h>

static inline void *__va(paddr_t pa) { return (void *)(uintptr_t)pa; }
static inline paddr_t __pa(const void *va) { return (paddr_t)(uintptr_t)va; }
static inline void *mfn_to_virt(mfn_t m) { return __va(mfn_to_paddr(m)); }
static inline mfn_t virt_to_mfn(const void *va) { return paddr_to_mfn(__pa(va)); }

/* x86 page-table entry bits (also used by nested page tables). */
#define _PAGE_PRESENT  (1ULL << 0)
#define _PAGE_RW       (1ULL << 1)
#define _PAGE_USER     (1ULL << 2)
#define _PAGE_PWT      (1ULL << 3)
#define _PAGE_PCD      (1ULL << 4)
#define _PAGE_ACCESSED (1ULL << 5)
#define _PAGE_DIRTY    (1ULL << 6)
#define _PAGE_PSE      (1ULL << 7)
#define _PAGE_GLOBAL   (1ULL << 8)
#define _PAGE_NX       (1ULL << 63)
#define PTE_ADDR_MASK  0x000ffffffffff000ULL

#endif
