/*
 * domctl (hypercall 36): Oryx's domain-control interface, for the control
 * domain's toolstack only (-EPERM to any other caller). Xen's domctl is
 * not a stable ABI (its version changes with every release), so Oryx
 * defines its own, smaller one under the same hypercall number; the
 * command numbers follow Xen's where the meaning is the same.
 *
 * One call: domctl(struct oryx_domctl *op). The caller sets cmd,
 * interface_version (ORYX_DOMCTL_INTERFACE_VERSION, else -EACCES) and
 * domain; the result is 0 or -errno, with OUT fields written back.
 *
 * Building a PVH guest (docs/domctl.md):
 *   createdomain   name, vCPUs, RAM: the domain exists with its RAM
 *                  (Oryx's PVH layout, zeroed), its ACPI tables and zeroed
 *                  console and xenstore ring pages of its own, paused
 *                  before its first instruction
 *   (evtchn_op)    the toolstack allocates the rings' ports (alloc_unbound
 *                  for the domain, remote dom0), names pages and ports in
 *                  its HVM params (HVMOP_set_param) and grants the pages
 *                  to dom0 (grant refs 0 and 1, through acquire_resource)
 *   write_memory   the toolstack writes the kernel, the ramdisk and the
 *                  start info into its RAM, 1 MiB per call, copied by the
 *                  hypervisor (no foreign mapping per page); mapping its
 *                  RAM (memory_op add_to_physmap_batch, gmfn_foreign)
 *                  works too; acquire_resource maps its grant table
 *   set_pvh_entry  vCPU0 starts at the kernel's PVH entry
 *   unpausedomain  it runs
 * A domain that shuts down or crashes stays, stopped, until
 * destroydomain; dom0 hears of it through VIRQ_DOM_EXC.
 */
#ifndef ORYX_PUBLIC_DOMCTL_H
#define ORYX_PUBLIC_DOMCTL_H

#include "xen.h"

#define ORYX_DOMCTL_INTERFACE_VERSION 0x4f590001U   /* "OY", version 1 */

#define XEN_DOMCTL_createdomain   1     /* domain OUT */
#define XEN_DOMCTL_destroydomain  2
#define XEN_DOMCTL_pausedomain    3     /* a running domain stops (not nested) */
#define XEN_DOMCTL_unpausedomain  4     /* a created domain's first start, or
                                         * a paused one resumes */
#define XEN_DOMCTL_getdomaininfo  5     /* domain IN: the first id >= it */
#define XEN_DOMCTL_getvcpuinfo    14
#define ORYX_DOMCTL_set_pvh_entry 0x4f01
#define ORYX_DOMCTL_setdomainname 0x4f02    /* Xen keeps names in xenstore only;
                                             * Oryx's hypervisor knows them too */
#define ORYX_DOMCTL_write_memory  0x4f03  /* before its first start */

#define ORYX_DOMCTL_NAME_MAX 32         /* with the NUL */

/* createdomain flags */
#define ORYX_CREATEDOMAIN_hv_console (1U << 0)  /* the hypervisor serves its
                                                 * console (as for boot-time
                                                 * domains); no store ring */

struct oryx_domctl_createdomain {
    char     name[ORYX_DOMCTL_NAME_MAX];    /* IN: [A-Za-z0-9_.-]{1,31}, unique */
    uint32_t max_vcpus;                 /* IN: 1..32 */
    uint32_t flags;                     /* IN: ORYX_CREATEDOMAIN_* */
    uint64_t mem_kb;                    /* IN: RAM, a multiple of 4, >= 1024 */
    uint64_t rsdp;                      /* OUT: GPA of its ACPI RSDP */
    uint64_t acpi_gpa, acpi_size;       /* OUT: the ACPI tables (memory map: ACPI) */
    uint64_t special_gpa, special_size; /* OUT: ring pages (memory map: reserved) */
    uint64_t console_gfn;               /* OUT: its console ring page */
    uint64_t store_gfn;                 /* OUT: its xenstore ring page (0 with
                                         * _hv_console) */
};

/* getdomaininfo flags (Xen's XEN_DOMINF_* where they exist). */
#define ORYX_DOMINF_dying    (1U << 0)
#define ORYX_DOMINF_hvm      (1U << 1)
#define ORYX_DOMINF_shutdown (1U << 2)  /* shut down or crashed: see reason */
#define ORYX_DOMINF_paused   (1U << 3)  /* paused, or created and not yet started */
#define ORYX_DOMINF_blocked  (1U << 4)  /* every vCPU blocked */
#define ORYX_DOMINF_running  (1U << 5)  /* a vCPU is on a CPU now */
#define ORYX_DOMINF_control  (1U << 8)  /* the control domain */
#define ORYX_DOMINF_crashed  (1U << 9)  /* the hypervisor stopped it */

struct oryx_domctl_getdomaininfo {
    domid_t  domain;                    /* OUT: its id */
    uint16_t nr_online_vcpus;           /* OUT: vCPUs started and not stopped */
    uint32_t flags;                     /* OUT: ORYX_DOMINF_* */
    uint32_t shutdown_reason;           /* OUT: SHUTDOWN_* with _shutdown */
    uint32_t nr_vcpus;                  /* OUT */
    uint64_t tot_pages;                 /* OUT: RAM pages it holds now */
    uint64_t max_pages;                 /* OUT: 0 = no limit */
    uint64_t cpu_time_ns;               /* OUT: all its vCPUs */
    char     name[ORYX_DOMCTL_NAME_MAX];    /* OUT */
    uint64_t start_ns;                  /* OUT: the hypervisor's uptime when it
                                         * started (sysctl physinfo's clock);
                                         * 0 = never started */
    uint64_t mem_kb;                    /* OUT: RAM at creation, which fixes its
                                         * layout (pvh_build.h): [0, low end) and
                                         * from 4 GiB; 0 for dom0 */
};

struct oryx_domctl_getvcpuinfo {
    uint32_t vcpu;                      /* IN: 0 .. nr_vcpus - 1 */
    uint8_t  online;                    /* OUT: started and not stopped */
    uint8_t  blocked;                   /* OUT: waiting for an event or timer */
    uint8_t  running;                   /* OUT: on a CPU now */
    uint8_t  _pad;
    uint64_t cpu_time_ns;               /* OUT: CPU time it used */
    uint32_t cpu;                       /* OUT: the CPU it runs on (vCPUs never
                                         * migrate: also its only affinity) */
    uint32_t _pad2;
};

struct oryx_domctl_pvh_entry {
    uint32_t vcpu;                      /* IN: 0 (the others start by VCPUOP_up) */
    uint32_t entry;                     /* IN: XEN_ELFNOTE_PHYS32_ENTRY */
    uint64_t start_info;                /* IN: GPA of struct hvm_start_info, < 4 GiB */
};

struct oryx_domctl_setdomainname {
    char     name[ORYX_DOMCTL_NAME_MAX];    /* IN: [A-Za-z0-9_.-]{1,31}, unique */
};

/*
 * write_memory: len bytes from the caller's buffer (its virtual address;
 * 0: zeros) into the domain's RAM at gpa. Only a domain the toolstack
 * created and has not started (-EBUSY after), only its RAM (-EFAULT);
 * len is 1 .. ORYX_WRITE_MEMORY_MAX (-EINVAL). On error some of the range
 * may have been written.
 */
#define ORYX_WRITE_MEMORY_MAX (1U << 20)
struct oryx_domctl_write_memory {
    uint64_t gpa;                       /* IN */
    uint64_t buffer;                    /* IN: the caller's VA, 0 = zeros */
    uint32_t len;                       /* IN */
    uint32_t _pad;
};

struct oryx_domctl {
    uint32_t cmd;
    uint32_t interface_version;
    domid_t  domain;
    uint16_t _pad[3];
    union {
        struct oryx_domctl_createdomain createdomain;
        struct oryx_domctl_getdomaininfo getdomaininfo;
        struct oryx_domctl_getvcpuinfo   getvcpuinfo;
        struct oryx_domctl_pvh_entry     pvh_entry;
        struct oryx_domctl_setdomainname setdomainname;
        struct oryx_domctl_write_memory  write_memory;
        uint8_t                          raw[112];
    } u;
};

XEN_ABI_ASSERT(sizeof(struct oryx_domctl_createdomain) == 104, "createdomain size");
XEN_ABI_ASSERT(sizeof(struct oryx_domctl_getdomaininfo) == 88, "getdomaininfo size");
XEN_ABI_ASSERT(sizeof(struct oryx_domctl_pvh_entry) == 16, "pvh_entry size");
XEN_ABI_ASSERT(sizeof(struct oryx_domctl_setdomainname) == ORYX_DOMCTL_NAME_MAX, "setdomainname size");
XEN_ABI_ASSERT(sizeof(struct oryx_domctl_write_memory) == 24, "write_memory size");
XEN_ABI_ASSERT(offsetof(struct oryx_domctl_write_memory, len) == 16, "write_memory.len");
XEN_ABI_ASSERT(sizeof(struct oryx_domctl) == 128, "domctl size");
XEN_ABI_ASSERT(offsetof(struct oryx_domctl, domain) == 8, "domctl.domain");
XEN_ABI_ASSERT(offsetof(struct oryx_domctl, u) == 16, "domctl.u");
XEN_ABI_ASSERT(offsetof(struct oryx_domctl_createdomain, mem_kb) == 40, "create.mem_kb");
XEN_ABI_ASSERT(offsetof(struct oryx_domctl_createdomain, store_gfn) == 96, "create.store_gfn");
XEN_ABI_ASSERT(offsetof(struct oryx_domctl_getdomaininfo, tot_pages) == 16, "info.tot_pages");
XEN_ABI_ASSERT(offsetof(struct oryx_domctl_getdomaininfo, name) == 40, "info.name");

XEN_ABI_ASSERT(offsetof(struct oryx_domctl_getdomaininfo, start_ns) == 72, "info.start_ns");
XEN_ABI_ASSERT(offsetof(struct oryx_domctl_getdomaininfo, mem_kb) == 80, "info.mem_kb");
XEN_ABI_ASSERT(sizeof(struct oryx_domctl_getvcpuinfo) == 24, "getvcpuinfo size");
XEN_ABI_ASSERT(offsetof(struct oryx_domctl_getvcpuinfo, cpu_time_ns) == 8, "vcpuinfo.cpu_time");
XEN_ABI_ASSERT(offsetof(struct oryx_domctl_getvcpuinfo, cpu) == 16, "vcpuinfo.cpu");

#endif
