/*
 * The guest's local APIC, emulated in x2APIC mode (IA32_APIC_BASE.EXTD is
 * preset, so Linux never touches the xAPIC page): register file, IPIs by
 * ICR (fixed, NMI, INIT, SIPI), IRR/ISR delivery and EOI. The LAPIC timer
 * registers are accepted but the timer never fires: PVH guests use the
 * Xen one-shot timer instead.
 */
#ifndef ASM_VLAPIC_H
#define ASM_VLAPIC_H

#include <oryx/types.h>
#include <oryx/spinlock.h>

struct vcpu;

struct vlapic {
    spinlock_t lock;            /* irr, isr, tmr and the registers below */
    uint64_t apic_base;         /* IA32_APIC_BASE */
    uint32_t tpr, svr, esr;
    uint32_t lvt[7];            /* CMCI, timer, thermal, PMC, LINT0, LINT1, error */
    uint32_t tmict, tdcr;
    uint32_t irr[8], isr[8], tmr[8];
    volatile bool nmi_pending;
    volatile bool init_pending;         /* INIT received: wait for SIPI */
    volatile int sipi_vector;           /* -1: none */
};

void vlapic_init(struct vcpu *v);
/* MSR 0x800-0x8FF and IA32_APIC_BASE. Return false to raise #GP. */
bool vlapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val);
bool vlapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val);
/* Highest deliverable vector (above the PPR), or -1. */
int vlapic_pending_vector(struct vcpu *v);
/* The vector was injected: IRR -> ISR. */
void vlapic_ack(struct vcpu *v, int vector);
/* Raise a fixed interrupt on v (any CPU, interrupt context too). */
void vlapic_set_irq(struct vcpu *v, uint8_t vector);
/* The same, level-triggered when level: its EOI is reported to the
 * IOAPIC view (vioapic_eoi). */
void vlapic_set_irq_trig(struct vcpu *v, uint8_t vector, bool level);

#endif
