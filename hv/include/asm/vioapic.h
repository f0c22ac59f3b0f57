/*
 * The control domain's IOAPIC: dom0 programs the real IOAPIC with its own
 * vectors (the Jailhouse root-cell way, pvh-dom0-abi.md §3.5 (b)). Every
 * access to the IOAPIC page traps; a redirection entry reaches the
 * hardware only after its delivery mode, vector and destination are
 * checked, with the destination turned from a dom0 vCPU into the physical
 * CPU that vCPU is pinned to. Device interrupts on dom0's vectors are
 * injected into the dom0 vCPU of the CPU that took them; a level-triggered
 * pin stays masked from its delivery until dom0's EOI.
 */
#ifndef ASM_VIOAPIC_H
#define ASM_VIOAPIC_H

#include <oryx/types.h>

struct domain;
struct vcpu;

/* The vectors a control domain may program into devices; the hypervisor
 * keeps 0xF0 and up (asm/traps.h). */
#define HWDOM_VEC_FIRST 0x20
#define HWDOM_VEC_LAST  0xEF

/* d's vCPUs are pinned (vCPU i on CPU i). 0 or -errno. */
int vioapic_hwdom_init(struct domain *d, paddr_t base);
void vioapic_hwdom_destroy(struct domain *d);
/* v's EOI ended a level-triggered interrupt at vector. */
void vioapic_eoi(struct vcpu *v, uint8_t vector);

#endif
