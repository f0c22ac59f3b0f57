#ifndef ASM_ACPI_H
#define ASM_ACPI_H

#include <oryx/types.h>
#include <asm/percpu.h>

struct acpi_cpu {
    uint32_t apic_id;
    bool enabled;
};

struct acpi_info {
    paddr_t rsdp;
    paddr_t lapic_base;
    paddr_t ioapic_base;
    unsigned int nr_cpus;
    struct acpi_cpu cpus[MAX_CPUS];
    uint16_t pm_tmr_port;       /* ACPI PM timer (3.579545 MHz); 0: none */
    uint8_t pm_tmr_bits;        /* its width: 24 or 32 */
    uint16_t pm1a_cnt_port;     /* PM1 control blocks (SLP_TYP, SLP_EN); 0: none */
    uint16_t pm1b_cnt_port;
    uint16_t reset_port;        /* the FADT's reset register, when a port; 0: none */
    uint8_t reset_value;
    paddr_t mcfg_base;          /* PCI ECAM window of segment 0; 0: none */
    uint8_t mcfg_start_bus, mcfg_end_bus;
};

extern struct acpi_info acpi_info;

/* Finds the RSDP (given, or in the EBDA/BIOS area) and parses the MADT and
 * the FADT (the PM timer). Returns 0, or -ENOENT when there is no usable
 * MADT (one CPU assumed). */
int acpi_init(paddr_t rsdp_hint);

#endif
