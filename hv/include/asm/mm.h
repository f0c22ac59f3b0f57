#ifndef ASM_MM_H
#define ASM_MM_H

#include <oryx/types.h>

extern char __load_start[], __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[], __bss_start[], __bss_end[], __image_end[];

/* Feeds free RAM (memory map minus image, modules, low 1 MiB) to the allocator. */
void mm_init_allocator(void);
/* Builds and loads the final page tables: RAM 1:1 NX, image text RX,
 * rodata R, data RW; LAPIC/IOAPIC uncached; the AP trampoline page RX. */
void mm_init_pagetables(void);
/* Unmaps the AP trampoline page once every AP is up. */
void mm_seal_trampoline(void);
extern paddr_t hv_cr3;
extern paddr_t max_ram_addr;
extern uint64_t mm_ram_pages;           /* RAM in the memory map (mem= applied) */

#endif
