/*
 * The SVM back end's per-vCPU and per-CPU state, as types only: the
 * generic structs embed them in a vendor union, and only svm/ looks
 * inside (the VMCB's layout is private to svm/vmcb.h).
 */
#ifndef ASM_SVM_TYPES_H
#define ASM_SVM_TYPES_H

#include <oryx/types.h>

struct vmcb;

struct svm_vcpu {
    struct vmcb *vmcb;
    paddr_t vmcb_pa;
    uint32_t asid;
    uint64_t asid_gen;          /* the CPU's generation the ASID belongs to */
    int last_cpu;               /* where the ASID was assigned; -1: none yet */
    int16_t virq_vec;           /* vector offered through V_IRQ at this entry; -1: none */
    bool virq_ack;              /* when taken, the vLAPIC moves it from IRR to ISR */
    int16_t reinject_vec;       /* an external interrupt whose delivery an exit cut short */
    uint32_t flaw_recoveries;   /* world switches redone (see svm_flawed_exit) */
    uint64_t shutdown_redone_rip;   /* a triple fault at this entry was redone once; ~0: none */
    bool efer_lme;              /* the guest's EFER.LME (the VMCB's only while paging) */
};

struct svm_cpu {
    paddr_t hsave_pa;           /* VM_HSAVE_PA area */
    paddr_t host_vmcb_pa;       /* VMSAVE/VMLOAD of host state */
    uint32_t asid_next;
    uint32_t asid_max;
    uint64_t asid_generation;
};

#endif
