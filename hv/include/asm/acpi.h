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
};

extern struct acpi_info acpi_info;

/* Finds the RSDP (given, or in the EBDA/BIOS area) and parses the MADT.
 * Returns 0, or -ENOENT when there is no usable ACPI (one CPU assumed). */
int acpi_init(paddr_t rsdp_hint);

#endif
