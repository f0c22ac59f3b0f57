/*
 * A domain's IOAPIC. An HVM domain (XEN_X86_EMU_IOAPIC) has one emulated
 * at 0xFEC00000: 48 pins whose lines the hypervisor's devices drive
 * (vioapic_set_line), delivering to the vLAPICs; level pins wait for the
 * EOI (remote IRR). The control domain's IOAPIC: dom0 programs the real IOAPIC with its own
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

#define VIOAPIC_EMUL_BASE 0xFEC00000ULL

/* d's vCPUs are pinned (vCPU i on CPU i). 0 or -errno. */
int vioapic_hwdom_init(struct domain *d, paddr_t base);
/* An HVM domain's own IOAPIC, all pins masked. 0 or -errno. */
int vioapic_emul_init(struct domain *d);
/* Either kind, at the domain's end. */
void vioapic_destroy(struct domain *d);
/* Emulated IOAPIC: line gsi goes up or down (any context); no-op for a
 * domain without one or a pin it lacks. A pulse is an edge device's tick. */
void vioapic_set_line(struct domain *d, unsigned int gsi, bool high);
void vioapic_pulse(struct domain *d, unsigned int gsi);
/* The pin an ISA IRQ arrives on (the MADT's override: IRQ 0 on pin 2). */
unsigned int vioapic_isa_gsi(unsigned int isa_irq);
/* v's EOI ended a level-triggered interrupt at vector. */
void vioapic_eoi(struct vcpu *v, uint8_t vector);

#endif
