/*
 * vcpu_op (hypercall 24): vcpu_op(cmd, vcpuid, arg). Per-vCPU control:
 * bring-up, runstate and time areas, one-shot and periodic timers.
 */
#ifndef ORYX_PUBLIC_VCPU_H
#define ORYX_PUBLIC_VCPU_H

#include "xen.h"

/* arg IN struct vcpu_hvm_context (hvm/hvm_vcpu.h): give a vCPU that never
 * ran the state VCPUOP_up starts it in (-EEXIST once it has one). */
#define VCPUOP_initialise            0
/* arg NULL: start / stop / query (returns 1 if up) a vCPU. */
#define VCPUOP_up                    1
#define VCPUOP_down                  2
#define VCPUOP_is_up                 3

/* arg OUT struct vcpu_runstate_info. */
#define VCPUOP_get_runstate_info     4
struct vcpu_runstate_info {
    uint32_t state;             /* RUNSTATE_* */
#if defined(__x86_64__)
    uint32_t _pad;
#endif
    /* System time (ns) when state was entered; bit 63 is
     * XEN_RUNSTATE_UPDATE while the hypervisor rewrites the area (once
     * VMASST_TYPE_runstate_update_flag is enabled). */
    uint64_t state_entry_time;
    uint64_t time[4];           /* ns spent in each RUNSTATE_* */
};
typedef struct vcpu_runstate_info vcpu_runstate_info_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_runstate_info_t);

#define RUNSTATE_running  0
#define RUNSTATE_runnable 1
#define RUNSTATE_blocked  2
#define RUNSTATE_offline  3
#define XEN_RUNSTATE_UPDATE (1ULL << 63)

/* arg IN struct vcpu_register_runstate_memory_area: guest-virtual address
 * where the hypervisor keeps a copy of vcpu_runstate_info current. */
#define VCPUOP_register_runstate_memory_area 5
struct vcpu_register_runstate_memory_area {
    uint64_t addr;              /* IN: guest-virtual address */
};
typedef struct vcpu_register_runstate_memory_area
    vcpu_register_runstate_memory_area_t;

/* arg IN struct vcpu_set_periodic_timer / NULL. Fires VIRQ_TIMER. */
#define VCPUOP_set_periodic_timer    6
#define VCPUOP_stop_periodic_timer   7
struct vcpu_set_periodic_timer {
    uint64_t period_ns;         /* IN */
};
typedef struct vcpu_set_periodic_timer vcpu_set_periodic_timer_t;

/* arg IN struct vcpu_set_singleshot_timer / NULL. The caller's own vCPU
 * only. At timeout_abs_ns (pvclock system time) VIRQ_TIMER is sent and a
 * vCPU blocked in SCHEDOP_block wakes up. A deadline in the past fires at
 * once, unless flags has VCPU_SSHOTTMR_future (then -ETIME). */
#define VCPUOP_set_singleshot_timer  8
#define VCPUOP_stop_singleshot_timer 9
struct vcpu_set_singleshot_timer {
    uint64_t timeout_abs_ns;    /* IN: absolute system time */
    uint32_t flags;             /* IN: VCPU_SSHOTTMR_* */
#if defined(__x86_64__)
    uint32_t _pad;
#endif
};
typedef struct vcpu_set_singleshot_timer vcpu_set_singleshot_timer_t;
#define VCPU_SSHOTTMR_future (1U << 0)

/* arg IN struct vcpu_register_vcpu_info: move this vCPU's vcpu_info out of
 * shared_info to (mfn, offset), a guest frame and a byte offset; the
 * 64-byte struct must not cross the page. Once per vCPU. */
#define VCPUOP_register_vcpu_info    10
struct vcpu_register_vcpu_info {
    uint64_t mfn;               /* IN: guest frame number */
    uint32_t offset;            /* IN: byte offset in that frame */
    uint32_t rsvd;              /* IN: 0 */
};
typedef struct vcpu_register_vcpu_info vcpu_register_vcpu_info_t;

/* arg NULL: send an NMI to the vCPU. */
#define VCPUOP_send_nmi              11

/* arg OUT struct vcpu_get_physid (privileged). */
#define VCPUOP_get_physid            12
struct vcpu_get_physid {
    uint64_t phys_id;           /* OUT */
};
typedef struct vcpu_get_physid vcpu_get_physid_t;

/* arg IN struct vcpu_register_time_memory_area: guest-virtual address of a
 * vcpu_time_info copy kept current for the vDSO. */
#define VCPUOP_register_vcpu_time_memory_area 13
struct vcpu_register_time_memory_area {
    uint64_t addr;              /* IN: guest-virtual address */
};
typedef struct vcpu_register_time_memory_area
    vcpu_register_time_memory_area_t;

/* Physical-address variants of 5 and 13: arg IN struct vcpu_register_
 * runstate_memory_area / time_memory_area with a guest-physical addr. */
#define VCPUOP_register_runstate_phys_area   14
#define VCPUOP_register_vcpu_time_phys_area  15

#if defined(__x86_64__)
XEN_ABI_ASSERT(sizeof(struct vcpu_runstate_info) == 48, "runstate size");
XEN_ABI_ASSERT(sizeof(struct vcpu_set_singleshot_timer) == 16, "singleshot");
#else
XEN_ABI_ASSERT(sizeof(struct vcpu_runstate_info) == 44, "runstate size");
XEN_ABI_ASSERT(sizeof(struct vcpu_set_singleshot_timer) == 12, "singleshot");
#endif
XEN_ABI_ASSERT(offsetof(struct vcpu_set_singleshot_timer, flags) == 8, "flags");
XEN_ABI_ASSERT(sizeof(struct vcpu_register_runstate_memory_area) == 8, "rs area");
XEN_ABI_ASSERT(sizeof(struct vcpu_set_periodic_timer) == 8, "periodic");
XEN_ABI_ASSERT(sizeof(struct vcpu_register_vcpu_info) == 16, "vcpu_info reg");
XEN_ABI_ASSERT(offsetof(struct vcpu_register_vcpu_info, offset) == 8, "offset");
XEN_ABI_ASSERT(sizeof(struct vcpu_get_physid) == 8, "physid");
XEN_ABI_ASSERT(sizeof(struct vcpu_register_time_memory_area) == 8, "time area");

/* 32-bit (compat) layouts that differ, for the hypervisor. */
struct compat_vcpu_runstate_info {
    uint32_t state;
    uint32_t state_entry_time[2];   /* u64 at a 4-byte alignment */
    uint32_t time[4][2];
};
XEN_ABI_ASSERT(sizeof(struct compat_vcpu_runstate_info) == 44, "compat runstate");

#endif
