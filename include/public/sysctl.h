/*
 * sysctl (hypercall 35): what the control domain's toolstack asks of the
 * host rather than of one domain (-EPERM to any other caller). Like
 * domctl (domctl.h), Xen's sysctl is not a stable ABI, so Oryx defines
 * its own under the same hypercall number, with Xen's command numbers
 * where the meaning is the same.
 *
 * One call: sysctl(struct oryx_sysctl *op). The caller sets cmd and
 * interface_version (ORYX_SYSCTL_INTERFACE_VERSION, else -EACCES); the
 * result is 0 or -errno, with OUT fields written back on success.
 * Unknown commands: -EOPNOTSUPP. See docs/domctl.md.
 */
#ifndef ORYX_PUBLIC_SYSCTL_H
#define ORYX_PUBLIC_SYSCTL_H

#include "xen.h"

#define ORYX_SYSCTL_INTERFACE_VERSION 0x4f590001U   /* "OY", version 1 */

#define XEN_SYSCTL_readconsole 1
#define XEN_SYSCTL_physinfo    3
#define XEN_SYSCTL_debug_keys  7

/*
 * readconsole: the hypervisor's log. Every byte logged since boot has a
 * position (0, 1, ...); the log keeps the newest ones (a ring of fixed
 * size) not yet cleared. A reader starts at index 0 (the oldest kept)
 * and goes on from the index each call returns, until it equals head.
 * With _clear, what was read (everything before the OUT index) is
 * forgotten: no message logged meanwhile is lost.
 */
#define ORYX_READCONSOLE_clear (1U << 0)

struct oryx_sysctl_readconsole {
    uint64_t buffer;                    /* IN: where to write (caller's address) */
    uint32_t count;                     /* IN: its size; OUT: bytes written */
    uint32_t flags;                     /* IN: ORYX_READCONSOLE_* */
    uint64_t index;                     /* IN: first position to read (moved up
                                         * to the oldest kept); OUT: the one
                                         * after the last byte written */
    uint64_t head;                      /* OUT: the position the next byte logged
                                         * will have */
};

/* physinfo capabilities (xl info's virt_caps) */
#define ORYX_PHYSCAP_hvm (1U << 0)      /* hardware-virtualised guests (SVM) */
#define ORYX_PHYSCAP_hap (1U << 1)      /* nested paging (NPT) */

struct oryx_sysctl_physinfo {
    uint32_t nr_cpus;                   /* OUT: CPUs online */
    uint32_t max_cpu_id;                /* OUT: the highest CPU number */
    uint32_t cpu_khz;                   /* OUT: the TSC's frequency */
    uint32_t capabilities;              /* OUT: ORYX_PHYSCAP_* */
    uint64_t total_pages;               /* OUT: host RAM in the memory map, 4 KiB pages */
    uint64_t free_pages;                /* OUT: free for new domains */
    uint64_t uptime_ns;                 /* OUT: time since the hypervisor started
                                         * (getdomaininfo's start_ns clock) */
    uint32_t hw_cap[8];                 /* OUT: the boot CPU's CPUID feature words,
                                         * in Xen's order: 1.EDX, 1.ECX,
                                         * 0x80000001.EDX, .ECX, 0xD:1.EAX,
                                         * 7:0.EBX, 7:0.ECX, 0x80000007.EDX */
};

/*
 * debug_keys: as if each key had been typed at the hypervisor's console
 * (xl debug-keys); what they print goes to the log (readconsole). At most
 * ORYX_DEBUG_KEYS_MAX keys per call (-EINVAL beyond).
 */
#define ORYX_DEBUG_KEYS_MAX 64

struct oryx_sysctl_debug_keys {
    uint64_t keys;                      /* IN: the caller's address of the keys */
    uint32_t nr_keys;                   /* IN: how many */
    uint32_t pad;                       /* must be 0 */
};

struct oryx_sysctl {
    uint32_t cmd;
    uint32_t interface_version;
    union {
        struct oryx_sysctl_readconsole readconsole;
        struct oryx_sysctl_physinfo    physinfo;
        struct oryx_sysctl_debug_keys  debug_keys;
        uint8_t                        raw[120];
    } u;
};

XEN_ABI_ASSERT(sizeof(struct oryx_sysctl_readconsole) == 32, "readconsole size");
XEN_ABI_ASSERT(offsetof(struct oryx_sysctl_readconsole, index) == 16, "readconsole.index");
XEN_ABI_ASSERT(sizeof(struct oryx_sysctl_physinfo) == 72, "physinfo size");
XEN_ABI_ASSERT(offsetof(struct oryx_sysctl_physinfo, total_pages) == 16, "physinfo.total_pages");
XEN_ABI_ASSERT(offsetof(struct oryx_sysctl_physinfo, hw_cap) == 40, "physinfo.hw_cap");
XEN_ABI_ASSERT(sizeof(struct oryx_sysctl_debug_keys) == 16, "debug_keys size");
XEN_ABI_ASSERT(sizeof(struct oryx_sysctl) == 128, "sysctl size");
XEN_ABI_ASSERT(offsetof(struct oryx_sysctl, u) == 8, "sysctl.u");

#endif
