/*
 * The guest's local APIC: register file, IPIs by ICR (fixed, NMI, INIT,
 * SIPI), IRR/ISR delivery, EOI and the error register. Reached as x2APIC
 * MSRs (the mode every vCPU starts in: IA32_APIC_BASE.EXTD is preset, so
 * Linux never touches the xAPIC page) or, once the guest has switched to
 * xAPIC mode, by MMIO in the 4 KiB page at its base. The timer counts
 * in one-shot, periodic and TSC-deadline mode (vlapic.c; its clock and
 * limits are in vlapic_rules.h). PVH guests such as Linux use the Xen
 * one-shot timer instead.
 */
#ifndef ASM_VLAPIC_H
#define ASM_VLAPIC_H

#include <oryx/types.h>
#include <oryx/spinlock.h>
#include <oryx/timer.h>
#include <asm/vlapic_rules.h>

struct vcpu;
struct hvm_mmio_range;

struct vlapic {
    spinlock_t lock;            /* irr, isr, tmr and the registers below */
    uint64_t apic_base;         /* IA32_APIC_BASE */
    uint32_t tpr, svr;
    uint32_t esr;               /* what the guest reads: latched by its last write */
    uint32_t esr_pending;       /* errors since that write */
    uint32_t ldr, dfr;          /* xAPIC only: the x2APIC LDR follows the ID */
    uint32_t icr_lo, icr_hi;    /* as last written (xAPIC: destination in 31:24) */
    uint32_t lvt[LVT_NR];       /* CMCI, timer, thermal, PMC, LINT0, LINT1, error */
    uint32_t tmict, tdcr;
    /* The timer: a software timer on the vCPU's CPU, due at expires_ns
     * while armed. One-shot and periodic count down from count0 since
     * start_ns (TMCCT is computed from them); periodic reloads every
     * period_ns. In TSC-deadline mode tsc_deadline is the MSR's value. */
    struct timer timer;
    bool timer_armed;
    uint32_t count0;
    uint64_t start_ns, expires_ns, period_ns;
    uint64_t tsc_deadline;
    uint32_t irr[8], isr[8], tmr[8];
    volatile bool nmi_pending;
    volatile bool init_pending;         /* INIT received: wait for SIPI */
    volatile int sipi_vector;           /* -1: none */
};

/* At vCPU creation, on its CPU's timer list (v->processor is set). */
void vlapic_init(struct vcpu *v);
/* INIT: the registers to their reset values, IA32_APIC_BASE kept. */
void vlapic_reset(struct vcpu *v);
/* v went down (VCPUOP_down, INIT, cli;hlt, its domain stopping): its timer
 * stops; the guest arms it again after it is back up. */
void vlapic_timer_stop(struct vcpu *v);
/* v is going away: no timer callback runs or will run on it. */
void vlapic_destroy(struct vcpu *v);
/* IA32_TSC_DEADLINE: the guest's TSC is the host's (no offset). Writes
 * outside TSC-deadline mode are ignored and reads give 0. */
uint64_t vlapic_tsc_deadline_read(struct vcpu *v);
void vlapic_tsc_deadline_write(struct vcpu *v, uint64_t tsc);
/* MSR 0x800-0x8FF and IA32_APIC_BASE. Return false to raise #GP. */
bool vlapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val);
bool vlapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val);
/* The vCPU's xAPIC page (only in xAPIC mode): true with *r set to a
 * range for hvm_mmio_emulate_range() when gpa lies in it. */
bool vlapic_mmio_range(struct vcpu *v, uint64_t gpa, struct hvm_mmio_range *r);
/* Highest deliverable vector (above the PPR), or -1. */
int vlapic_pending_vector(struct vcpu *v);
/* The vector was injected: IRR -> ISR. */
void vlapic_ack(struct vcpu *v, int vector);
/* Raise a fixed interrupt on v (any CPU, interrupt context too). */
void vlapic_set_irq(struct vcpu *v, uint8_t vector);
/* The same, level-triggered when level: its EOI is reported to the
 * IOAPIC view (vioapic_eoi). */
void vlapic_set_irq_trig(struct vcpu *v, uint8_t vector, bool level);
/* An interrupt message on d's bus (from its emulated IOAPIC): dest is 8
 * bits, matched in each target's mode; 0xFF physical reaches all. Fixed,
 * lowest priority (the first target) and NMI; other modes are dropped. */
struct domain;
void vlapic_bus_message(struct domain *d, uint8_t dest, bool logical, uint32_t mode,
                        uint8_t vector, bool level);

#endif
