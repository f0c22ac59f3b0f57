/*
 * hvm_op (hypercall 34): hvm_op(op, arg). HVM/PVH-specific controls.
 */
#ifndef ORYX_PUBLIC_HVM_HVM_OP_H
#define ORYX_PUBLIC_HVM_HVM_OP_H

#include "../xen.h"

/* arg IN/OUT struct xen_hvm_param: set / read HVM_PARAM_* (params.h). */
#define HVMOP_set_param           0
#define HVMOP_get_param           1
struct xen_hvm_param {
    domid_t  domid;             /* IN: DOMID_SELF */
    uint16_t _pad;
    uint32_t index;             /* IN: HVM_PARAM_* */
    uint64_t value;             /* IN (set) / OUT (get) */
};
typedef struct xen_hvm_param xen_hvm_param_t;

#define HVMOP_set_pci_intx_level  2   /* device model */
#define HVMOP_set_isa_irq_level   3   /* device model */
#define HVMOP_set_pci_link_route  4   /* device model */
#define HVMOP_flush_tlbs          5   /* arg NULL */

/* arg IN struct xen_hvm_pagetable_dying: a shadow-paging hint; Oryx
 * (nested paging) answers -ENOSYS. */
#define HVMOP_pagetable_dying     9
struct xen_hvm_pagetable_dying {
    domid_t  domid;             /* IN */
    uint16_t _pad[3];
    uint64_t gpa;               /* IN: top-level page table */
};
typedef struct xen_hvm_pagetable_dying xen_hvm_pagetable_dying_t;

/* arg OUT struct xen_hvm_get_time: current system time in ns. */
#define HVMOP_get_time            10
struct xen_hvm_get_time {
    uint64_t now;               /* OUT */
};
typedef struct xen_hvm_get_time xen_hvm_get_time_t;

#define HVMOP_xentrace            11

/* arg IN/OUT struct xen_hvm_get_mem_type: what backs a guest frame. */
#define HVMOP_get_mem_type        15
#define HVMMEM_ram_rw             0
#define HVMMEM_ram_ro             1
#define HVMMEM_mmio_dm            2
#define HVMMEM_unused             3
#define HVMMEM_ioreq_server       4
struct xen_hvm_get_mem_type {
    domid_t  domid;             /* IN */
    uint16_t mem_type;          /* OUT: HVMMEM_* */
    uint16_t _pad[2];
    uint64_t pfn;               /* IN */
};
typedef struct xen_hvm_get_mem_type xen_hvm_get_mem_type_t;

/* arg IN struct xen_hvm_inject_msi (device model). */
#define HVMOP_inject_msi          16
struct xen_hvm_inject_msi {
    domid_t  domid;             /* IN */
    uint16_t _pad;
    uint32_t data;              /* IN */
    uint64_t addr;              /* IN */
};
typedef struct xen_hvm_inject_msi xen_hvm_inject_msi_t;

/* arg IN struct xen_hvm_evtchn_upcall_vector: per-vCPU upcall through the
 * LAPIC (only offered when CPUID base+4 has XEN_HVM_CPUID_UPCALL_VECTOR). */
#define HVMOP_set_evtchn_upcall_vector 23
struct xen_hvm_evtchn_upcall_vector {
    uint32_t vcpu;              /* IN */
    uint8_t  vector;            /* IN: 0x10..0xff */
    uint8_t  _pad[3];
};
typedef struct xen_hvm_evtchn_upcall_vector xen_hvm_evtchn_upcall_vector_t;

#define HVMOP_guest_request_vm_event 24
#define HVMOP_altp2m              25

XEN_ABI_ASSERT(sizeof(struct xen_hvm_param) == 16, "hvm_param size");
XEN_ABI_ASSERT(offsetof(struct xen_hvm_param, index) == 4, "hvm_param.index");
XEN_ABI_ASSERT(offsetof(struct xen_hvm_param, value) == 8, "hvm_param.value");
XEN_ABI_ASSERT(sizeof(struct xen_hvm_pagetable_dying) == 16, "pt_dying size");
XEN_ABI_ASSERT(offsetof(struct xen_hvm_pagetable_dying, gpa) == 8, "pt_dying.gpa");
XEN_ABI_ASSERT(sizeof(struct xen_hvm_get_time) == 8, "get_time size");
XEN_ABI_ASSERT(sizeof(struct xen_hvm_get_mem_type) == 16, "get_mem_type size");
XEN_ABI_ASSERT(offsetof(struct xen_hvm_get_mem_type, pfn) == 8, "mem_type.pfn");
XEN_ABI_ASSERT(sizeof(struct xen_hvm_inject_msi) == 16, "inject_msi size");
XEN_ABI_ASSERT(sizeof(struct xen_hvm_evtchn_upcall_vector) == 8, "upcall_vector");
XEN_ABI_ASSERT(offsetof(struct xen_hvm_evtchn_upcall_vector, vector) == 4, "vector");

#endif
