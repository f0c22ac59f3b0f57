/*
 * VCPUOP_initialise's argument for HVM and PVH vCPUs: the state an
 * offline vCPU starts in when VCPUOP_up brings it up (Xen's
 * public/hvm/hvm_vcpu.h layout).
 *
 * 32B mode gives every register and CS, DS, SS, ES and TR as base, limit
 * and attributes; 64B mode gives the registers only, and the vCPU starts
 * in long mode with flat segments. The attributes (_ar) are a descriptor's
 * bits 40-43 (type), 44 (S), 45-46 (DPL), 47 (P) in bits 0-7, and 52 (AVL),
 * 53 (L), 54 (D/B), 55 (G) in bits 8-11; bits 12-15 are 0.
 */
#ifndef ORYX_PUBLIC_HVM_HVM_VCPU_H
#define ORYX_PUBLIC_HVM_HVM_VCPU_H

#include "../xen.h"

struct vcpu_hvm_x86_32 {
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t eip, eflags;
    uint32_t cr0, cr3, cr4;
    uint32_t pad1;              /* 0 */
    uint64_t efer;              /* NXE, or LME for compatibility mode */
    uint32_t cs_base, ds_base, ss_base, es_base, tr_base;
    uint32_t cs_limit, ds_limit, ss_limit, es_limit, tr_limit;
    uint16_t cs_ar, ds_ar, ss_ar, es_ar, tr_ar;
    uint16_t pad2[3];           /* 0 */
};

struct vcpu_hvm_x86_64 {
    uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
    uint64_t rip, rflags;
    uint64_t cr0, cr3, cr4, efer;
};

#define VCPU_HVM_MODE_32B 0
#define VCPU_HVM_MODE_64B 1

struct vcpu_hvm_context {
    uint32_t mode;              /* VCPU_HVM_MODE_* */
    uint32_t pad;               /* 0 */
    union {
        struct vcpu_hvm_x86_32 x86_32;
        struct vcpu_hvm_x86_64 x86_64;
    } cpu_regs;
};
typedef struct vcpu_hvm_context vcpu_hvm_context_t;

XEN_ABI_ASSERT(sizeof(struct vcpu_hvm_x86_32) == 120, "vcpu_hvm_x86_32 size");
XEN_ABI_ASSERT(offsetof(struct vcpu_hvm_x86_32, efer) == 56, "vcpu_hvm_x86_32.efer");
XEN_ABI_ASSERT(offsetof(struct vcpu_hvm_x86_32, cs_base) == 64, "vcpu_hvm_x86_32.cs_base");
XEN_ABI_ASSERT(offsetof(struct vcpu_hvm_x86_32, cs_ar) == 104, "vcpu_hvm_x86_32.cs_ar");
XEN_ABI_ASSERT(sizeof(struct vcpu_hvm_x86_64) == 112, "vcpu_hvm_x86_64 size");
XEN_ABI_ASSERT(offsetof(struct vcpu_hvm_context, cpu_regs) == 8, "vcpu_hvm_context.cpu_regs");
XEN_ABI_ASSERT(sizeof(struct vcpu_hvm_context) == 128, "vcpu_hvm_context size");

#endif
