/*
 * Core of the Xen guest ABI as Oryx implements it: hypercall numbers,
 * virtual IRQs, domain ids, console_io and the shared_info / vcpu_info
 * page layouts.
 *
 * Calling convention (x86, HVM/PVH guests): the guest executes VMMCALL
 * (AMD) with
 *   RAX = hypercall number, arguments in RDI, RSI, RDX, R10, R8 (64-bit
 *   mode) or EBX, ECX, EDX, ESI, EDI (32-bit mode); the result comes back
 *   in RAX: >= 0 on success, a negative errno (Linux numbering: EFAULT 14,
 *   ENOSYS 38, ...) on failure. Every pointer argument is a guest-virtual
 *   address. Unknown hypercalls and sub-ops return -ENOSYS.
 * The numbers and layouts are Xen's public interface; the text is ours.
 */
#ifndef ORYX_PUBLIC_XEN_H
#define ORYX_PUBLIC_XEN_H

#include <stdint.h>
#include "xen-compat.h"
#include "arch-x86/xen.h"

/* ---- Hypercall numbers (RAX) ------------------------------------------- */
#define __HYPERVISOR_set_trap_table                0  /* PV only */
#define __HYPERVISOR_mmu_update                    1  /* PV only */
#define __HYPERVISOR_set_gdt                       2  /* PV only */
#define __HYPERVISOR_stack_switch                  3  /* PV only */
#define __HYPERVISOR_set_callbacks                 4  /* PV only */
#define __HYPERVISOR_fpu_taskswitch                5  /* PV only */
#define __HYPERVISOR_sched_op_compat               6  /* obsolete */
#define __HYPERVISOR_platform_op                   7
#define __HYPERVISOR_set_debugreg                  8  /* PV only */
#define __HYPERVISOR_get_debugreg                  9  /* PV only */
#define __HYPERVISOR_update_descriptor            10  /* PV only */
/* 11 is unused */
#define __HYPERVISOR_memory_op                    12
#define __HYPERVISOR_multicall                    13
#define __HYPERVISOR_update_va_mapping            14  /* PV only */
#define __HYPERVISOR_set_timer_op                 15
#define __HYPERVISOR_event_channel_op_compat      16  /* obsolete */
#define __HYPERVISOR_xen_version                  17
#define __HYPERVISOR_console_io                   18
#define __HYPERVISOR_physdev_op_compat            19  /* obsolete */
#define __HYPERVISOR_grant_table_op               20
#define __HYPERVISOR_vm_assist                    21
#define __HYPERVISOR_update_va_mapping_otherdomain 22 /* PV only */
#define __HYPERVISOR_iret                         23  /* PV only */
#define __HYPERVISOR_vcpu_op                      24
#define __HYPERVISOR_set_segment_base             25  /* PV only, x86_64 */
#define __HYPERVISOR_mmuext_op                    26  /* PV only */
#define __HYPERVISOR_xsm_op                       27
#define __HYPERVISOR_nmi_op                       28
#define __HYPERVISOR_sched_op                     29
#define __HYPERVISOR_callback_op                  30
#define __HYPERVISOR_xenoprof_op                  31
#define __HYPERVISOR_event_channel_op             32
#define __HYPERVISOR_physdev_op                   33
#define __HYPERVISOR_hvm_op                       34
#define __HYPERVISOR_sysctl                       35
#define __HYPERVISOR_domctl                       36
#define __HYPERVISOR_kexec_op                     37
#define __HYPERVISOR_tmem_op                      38  /* removed from Xen */
#define __HYPERVISOR_argo_op                      39
#define __HYPERVISOR_xenpmu_op                    40
#define __HYPERVISOR_dm_op                        41
#define __HYPERVISOR_hypfs_op                     42
/* 43-47 unused; 48-55 reserved for architecture-specific calls */
#define __HYPERVISOR_arch_0                       48
#define __HYPERVISOR_arch_1                       49
#define __HYPERVISOR_arch_2                       50
#define __HYPERVISOR_arch_3                       51
#define __HYPERVISOR_arch_4                       52
#define __HYPERVISOR_arch_5                       53
#define __HYPERVISOR_arch_6                       54
#define __HYPERVISOR_arch_7                       55
/* x86: arch_1 is the machine-check interface. */
#define __HYPERVISOR_mca                __HYPERVISOR_arch_0
#define __HYPERVISOR_paging_domctl_cont __HYPERVISOR_arch_1

/* Size of a dispatch table indexed by hypercall number. */
#define XEN_HYPERCALL_NR                          64

/* ---- Virtual IRQs (bound with EVTCHNOP_bind_virq) ---------------------- */
#define VIRQ_TIMER      0   /* per-vCPU: singleshot/periodic timer fired */
#define VIRQ_DEBUG      1   /* per-vCPU: debug key request */
#define VIRQ_CONSOLE    2   /* global: hypervisor console has input (dom0) */
#define VIRQ_DOM_EXC    3   /* global: a domain exited/crashed (dom0) */
#define VIRQ_TBUF       4   /* global: trace buffer (dom0) */
#define VIRQ_DEBUGGER   6   /* global: a domain paused for the debugger */
#define VIRQ_XENOPROF   7   /* per-vCPU */
#define VIRQ_CON_RING   8   /* global: console ring has data (dom0) */
#define VIRQ_PCPU_STATE 9   /* global */
#define VIRQ_MEM_EVENT  10  /* global */
#define VIRQ_ARGO       11  /* global */
#define VIRQ_ENOMEM     12  /* global */
#define VIRQ_XENPMU     13  /* per-vCPU */
#define VIRQ_ARCH_0     16
#define VIRQ_ARCH_1     17
#define VIRQ_ARCH_2     18
#define VIRQ_ARCH_3     19
#define VIRQ_ARCH_4     20
#define VIRQ_ARCH_5     21
#define VIRQ_ARCH_6     22
#define VIRQ_ARCH_7     23
#define NR_VIRQS        24

/* ---- Domain ids -------------------------------------------------------- */
typedef uint16_t domid_t;
DEFINE_XEN_GUEST_HANDLE(domid_t);

#define DOMID_FIRST_RESERVED 0x7FF0U
#define DOMID_SELF           0x7FF0U   /* the calling domain */
#define DOMID_IO             0x7FF1U
#define DOMID_XEN            0x7FF2U
#define DOMID_COW            0x7FF3U
#define DOMID_INVALID        0x7FF4U
#define DOMID_IDLE           0x7FFFU
#define DOMID_MASK           0x7FFFU

/* A domain's 128-bit handle (UUID). */
typedef uint8_t xen_domain_handle_t[16];

/* ---- console_io (18): console_io(cmd, count, buf) ------------------------
 * CONSOLEIO_write: IN count bytes at guest-virtual buf go to the hypervisor
 *   console, prefixed with the domain's name. Returns >= 0 on success.
 * CONSOLEIO_read: control domain only; reads up to count bytes of input.
 */
#define CONSOLEIO_write 0
#define CONSOLEIO_read  1

/* ---- vm_assist (21): vm_assist(cmd, type) ------------------------------ */
#define VMASST_CMD_enable                 0
#define VMASST_CMD_disable                1
#define VMASST_TYPE_4gb_segments          0  /* PV only */
#define VMASST_TYPE_4gb_segments_notify   1  /* PV only */
#define VMASST_TYPE_writable_pagetables   2  /* PV only */
#define VMASST_TYPE_pae_extended_cr3      3  /* PV only */
#define VMASST_TYPE_architectural_iopl    4  /* PV only */
#define VMASST_TYPE_runstate_update_flag  5
#define VMASST_TYPE_m2p_strict            32 /* PV only */

/* ---- multicall (13): array of these, PV only ------------------------- */
struct multicall_entry {
    xen_ulong_t op;             /* IN: hypercall number */
    xen_ulong_t result;         /* OUT: its return value */
    xen_ulong_t args[6];        /* IN */
};
typedef struct multicall_entry multicall_entry_t;
DEFINE_XEN_GUEST_HANDLE(multicall_entry_t);

/* ---- Time: per-vCPU pvclock ---------------------------------------------
 * Written by the hypervisor, read by the guest. The guest reads version,
 * the fields, then version again, and retries if it changed or is odd.
 *   ns = system_time + (((rdtsc() - tsc_timestamp) << tsc_shift)
 *                       * tsc_to_system_mul) >> 32
 * (a negative tsc_shift shifts right).
 */
struct vcpu_time_info {
    uint32_t version;           /* odd while being updated */
    uint32_t pad0;
    uint64_t tsc_timestamp;     /* guest TSC at the last update */
    uint64_t system_time;       /* ns since domain start at tsc_timestamp */
    uint32_t tsc_to_system_mul; /* 32.32 fixed-point TSC-to-ns factor */
    int8_t   tsc_shift;
    uint8_t  flags;             /* XEN_PVCLOCK_* */
    uint8_t  pad1[2];
};
typedef struct vcpu_time_info vcpu_time_info_t;

#define XEN_PVCLOCK_TSC_STABLE_BIT     (1U << 0)  /* TSC synchronised */
#define XEN_PVCLOCK_GUEST_STOPPED      (1U << 1)

/*
 * Per-vCPU event and time state. Lives in shared_info.vcpu_info[i] until
 * the guest moves it with VCPUOP_register_vcpu_info.
 */
struct vcpu_info {
    /* Set by the hypervisor when it posts an evtchn_pending_sel bit;
     * cleared by the guest before it scans. */
    uint8_t evtchn_upcall_pending;
    /* PV only; HVM/PVH guests use RFLAGS.IF. */
    uint8_t evtchn_upcall_mask;
#if defined(__x86_64__)
    uint8_t _pad0[6];
#else
    uint8_t _pad0[2];
#endif
    /* Bit w: word w of shared_info.evtchn_pending has work. Set by the
     * hypervisor, cleared (xchg) by the guest. */
    xen_ulong_t evtchn_pending_sel;
    struct arch_vcpu_info arch;
    struct vcpu_time_info time;
};
typedef struct vcpu_info vcpu_info_t;

/*
 * The shared_info page, mapped by the guest with
 * XENMEM_add_to_physmap(XENMAPSPACE_shared_info). Event bits are changed
 * by both sides with atomic bit operations.
 */
struct shared_info {
    struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    /* One bit per event-channel port: set by the hypervisor, cleared by
     * the guest. */
    xen_ulong_t evtchn_pending[sizeof(xen_ulong_t) * 8];
    /* One bit per port: set/cleared by the guest, a set bit stops the
     * upcall for that port. */
    xen_ulong_t evtchn_mask[sizeof(xen_ulong_t) * 8];
    /* Wall clock at system_time 0, written by the hypervisor. */
    uint32_t wc_version;        /* odd while being updated */
    uint32_t wc_sec;
    uint32_t wc_nsec;
#if defined(__x86_64__)
    uint32_t wc_sec_hi;
#endif
    struct arch_shared_info arch;
};
typedef struct shared_info shared_info_t;

#if defined(__x86_64__)
XEN_ABI_ASSERT(sizeof(struct vcpu_time_info) == 32, "vcpu_time_info size");
XEN_ABI_ASSERT(offsetof(struct vcpu_time_info, tsc_timestamp) == 8, "tsc_timestamp");
XEN_ABI_ASSERT(offsetof(struct vcpu_time_info, system_time) == 16, "system_time");
XEN_ABI_ASSERT(offsetof(struct vcpu_time_info, tsc_to_system_mul) == 24, "mul");
XEN_ABI_ASSERT(offsetof(struct vcpu_time_info, tsc_shift) == 28, "tsc_shift");
XEN_ABI_ASSERT(offsetof(struct vcpu_time_info, flags) == 29, "flags");
XEN_ABI_ASSERT(sizeof(struct vcpu_info) == 64, "vcpu_info size");
XEN_ABI_ASSERT(offsetof(struct vcpu_info, evtchn_upcall_mask) == 1, "upcall_mask");
XEN_ABI_ASSERT(offsetof(struct vcpu_info, evtchn_pending_sel) == 8, "pending_sel");
XEN_ABI_ASSERT(offsetof(struct vcpu_info, arch) == 16, "vcpu_info.arch");
XEN_ABI_ASSERT(offsetof(struct vcpu_info, time) == 32, "vcpu_info.time");
XEN_ABI_ASSERT(sizeof(struct shared_info) == 3136, "shared_info size");
XEN_ABI_ASSERT(offsetof(struct shared_info, evtchn_pending) == 2048, "evtchn_pending");
XEN_ABI_ASSERT(offsetof(struct shared_info, evtchn_mask) == 2560, "evtchn_mask");
XEN_ABI_ASSERT(offsetof(struct shared_info, wc_version) == 3072, "wc_version");
XEN_ABI_ASSERT(offsetof(struct shared_info, wc_sec) == 3076, "wc_sec");
XEN_ABI_ASSERT(offsetof(struct shared_info, wc_nsec) == 3080, "wc_nsec");
XEN_ABI_ASSERT(offsetof(struct shared_info, wc_sec_hi) == 3084, "wc_sec_hi");
XEN_ABI_ASSERT(offsetof(struct shared_info, arch) == 3088, "shared_info.arch");
#else
XEN_ABI_ASSERT(sizeof(struct vcpu_time_info) == 32, "vcpu_time_info size");
XEN_ABI_ASSERT(sizeof(struct vcpu_info) == 64, "vcpu_info size");
XEN_ABI_ASSERT(offsetof(struct vcpu_info, evtchn_pending_sel) == 4, "pending_sel");
XEN_ABI_ASSERT(offsetof(struct vcpu_info, time) == 32, "vcpu_info.time");
XEN_ABI_ASSERT(offsetof(struct shared_info, evtchn_pending) == 2048, "evtchn_pending");
XEN_ABI_ASSERT(offsetof(struct shared_info, evtchn_mask) == 2176, "evtchn_mask");
XEN_ABI_ASSERT(offsetof(struct shared_info, wc_version) == 2304, "wc_version");
XEN_ABI_ASSERT(offsetof(struct shared_info, arch) == 2316, "shared_info.arch");
XEN_ABI_ASSERT(offsetof(struct shared_info, arch.wc_sec_hi) == 2340, "arch.wc_sec_hi");
XEN_ABI_ASSERT(sizeof(struct shared_info) == 2344, "shared_info size");
#endif

/*
 * shared_info as a 32-bit guest sees it, for the 64-bit hypervisor to
 * write when the domain latched that layout: the same 64-byte vcpu_info
 * slots, then 32-bit event words and the wall clock after them.
 */
struct compat_shared_info {
    uint8_t  vcpu_info[XEN_LEGACY_MAX_VCPUS][64];
    uint32_t evtchn_pending[32];
    uint32_t evtchn_mask[32];
    uint32_t wc_version;
    uint32_t wc_sec;
    uint32_t wc_nsec;
    struct {
        uint32_t max_pfn, pfn_to_mfn_frame_list_list, nmi_reason;
        uint32_t p2m_cr3, p2m_vaddr, p2m_generation;
        uint32_t wc_sec_hi;
    } arch;
};
XEN_ABI_ASSERT(offsetof(struct compat_shared_info, evtchn_pending) == 2048, "c.pending");
XEN_ABI_ASSERT(offsetof(struct compat_shared_info, evtchn_mask) == 2176, "c.evtchn_mask");
XEN_ABI_ASSERT(offsetof(struct compat_shared_info, wc_version) == 2304, "c.wc_version");
XEN_ABI_ASSERT(offsetof(struct compat_shared_info, wc_sec) == 2308, "c.wc_sec");
XEN_ABI_ASSERT(offsetof(struct compat_shared_info, wc_nsec) == 2312, "c.wc_nsec");
XEN_ABI_ASSERT(offsetof(struct compat_shared_info, arch) == 2316, "c.arch");
XEN_ABI_ASSERT(offsetof(struct compat_shared_info, arch.wc_sec_hi) == 2340, "c.wc_sec_hi");
XEN_ABI_ASSERT(sizeof(struct compat_shared_info) == 2344, "compat_shared_info size");

/* The guest-side page size of the ABI. */
#define XEN_PAGE_SHIFT 12
#define XEN_PAGE_SIZE  (1UL << XEN_PAGE_SHIFT)

#endif
