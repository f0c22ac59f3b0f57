/* The x86 part of a domain, embedded in struct domain. */
#ifndef ASM_DOMAIN_H
#define ASM_DOMAIN_H

#include <oryx/types.h>

struct vcpu;

struct vioapic;
struct vhpet;
struct vrtc;

/* A guest-physical range whose accesses the hypervisor emulates. */
struct hvm_mmio_range {
    gpaddr_t start, end;                /* [start, end) */
    /* size is 1, 2, 4 or 8; a read returns the value, a write gets it. */
    uint64_t (*read)(struct vcpu *v, gpaddr_t gpa, unsigned int size);
    void (*write)(struct vcpu *v, gpaddr_t gpa, unsigned int size, uint64_t val);
};

#define HVM_MMIO_RANGES 8

struct arch_domain {
    /* Port permissions in the vendor's bitmap format (one bit per port,
     * set: intercepted); 0 for the shared all-intercepting map. */
    paddr_t io_bitmap;
    unsigned int io_bitmap_order;
    struct vioapic *vioapic;            /* the control domain's IOAPIC view, or its own */
    struct vhpet *hpet;                 /* XEN_X86_EMU_HPET */
    struct vrtc *vrtc;                  /* XEN_X86_EMU_RTC: its RTC/CMOS (vrtc.c) */
    struct hvm_mmio_range mmio[HVM_MMIO_RANGES];
    unsigned int nr_mmio;
    unsigned long npf_warned;           /* kinds of nested fault reported, a bit each */
};

/* npf_warned: bits 0-7 are dom0's hidden ranges (hvm/dom0.c), then: */
#define NPF_WARNED_RO_WRITE (1UL << 8)   /* a write to a read-only mapping */

#endif
