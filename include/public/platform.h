/*
 * platform_op (hypercall 7): platform_op(struct xen_platform_op *). The
 * control domain's view of the physical machine. Every call carries
 * XENPF_INTERFACE_VERSION.
 */
#ifndef ORYX_PUBLIC_PLATFORM_H
#define ORYX_PUBLIC_PLATFORM_H

#include "xen.h"

#define XENPF_INTERFACE_VERSION 0x03000001

#define XENPF_settime32         17
#define XENPF_firmware_info     50
#define XENPF_get_cpuinfo       55
#define XENPF_settime64         62
#define XENPF_get_dom0_console  64

/* get_cpuinfo: one physical CPU. */
#define XEN_PCPU_FLAGS_ONLINE   1
#define XEN_PCPU_FLAGS_INVALID  2   /* no CPU with that number */
struct xenpf_pcpuinfo {
    uint32_t xen_cpuid;         /* IN */
    uint32_t max_present;       /* OUT: the highest CPU number present */
    uint32_t flags;             /* OUT: XEN_PCPU_FLAGS_* */
    uint32_t apic_id;           /* OUT */
    uint32_t acpi_id;           /* OUT */
};
XEN_ABI_ASSERT(sizeof(struct xenpf_pcpuinfo) == 20, "pcpuinfo size");

/* settime32 (older kernels), settime64: the wall clock (UNIX time) at a
 * system time (ns since the hypervisor booted, the pvclock's time). */
struct xenpf_settime32 {
    uint32_t secs;
    uint32_t nsecs;
    uint64_t system_time;
};
XEN_ABI_ASSERT(sizeof(struct xenpf_settime32) == 16, "settime32 size");

struct xenpf_settime64 {
    uint64_t secs;
    uint32_t nsecs;
    uint32_t mbz;
    uint64_t system_time;
};
XEN_ABI_ASSERT(sizeof(struct xenpf_settime64) == 24, "settime64 size");

struct xen_platform_op {
    uint32_t cmd;
    uint32_t interface_version;
    union {
        struct xenpf_pcpuinfo pcpu_info;
        struct xenpf_settime32 settime32;
        struct xenpf_settime64 settime64;
        uint8_t pad[128];
    } u;
};
XEN_ABI_ASSERT(sizeof(struct xen_platform_op) == 136, "xen_platform_op size");
XEN_ABI_ASSERT(offsetof(struct xen_platform_op, u) == 8, "xen_platform_op u");

#endif
