/*
 * mca (hypercall 48, the first architecture-specific one): machine-check
 * reporting to the control domain. Linux's xen_mcelog asks, at boot, how
 * many physical CPUs there are and their identities (XEN_MC_physcpuinfo);
 * errors would come later through VIRQ_MCA and XEN_MC_fetch.
 */
#ifndef ORYX_PUBLIC_ARCH_X86_XEN_MCA_H
#define ORYX_PUBLIC_ARCH_X86_XEN_MCA_H

#include "../xen.h"

#define __HYPERVISOR_mca            __HYPERVISOR_arch_0
#define XEN_MCA_INTERFACE_VERSION   0x01ecc003
#define XEN_MC_physcpuinfo          3

struct mcinfo_msr {
    uint64_t reg;
    uint64_t value;
};

#define MC_NCAPS            7
#define MC_MSR_ARRAYSIZE    8
struct mcinfo_logical_cpu {
    uint32_t mc_cpunr;
    uint32_t mc_chipid;
    uint16_t mc_coreid;
    uint16_t mc_threadid;
    uint32_t mc_apicid;
    uint32_t mc_clusterid;
    uint32_t mc_ncores;
    uint32_t mc_ncores_active;
    uint32_t mc_nthreads;
    int32_t  mc_cpuid_level;
    uint32_t mc_family;
    uint32_t mc_vendor;
    uint32_t mc_model;
    uint32_t mc_step;
    char     mc_vendorid[16];
    char     mc_brandid[64];
    uint32_t mc_cpu_caps[MC_NCAPS];
    uint32_t mc_cache_size;
    uint32_t mc_cache_alignment;
    int32_t  mc_nmsrvals;
    uint32_t _pad0;             /* implicit in C, explicit here */
    struct mcinfo_msr mc_msrvalues[MC_MSR_ARRAYSIZE];
};
XEN_ABI_ASSERT(sizeof(struct mcinfo_logical_cpu) == 304, "mcinfo_logical_cpu size");
XEN_ABI_ASSERT(offsetof(struct mcinfo_logical_cpu, mc_vendorid) == 52, "mc_vendorid");
XEN_ABI_ASSERT(offsetof(struct mcinfo_logical_cpu, mc_msrvalues) == 176, "mc_msrvalues");

struct xen_mc_physcpuinfo {
    uint32_t ncpus;             /* IN: entries in info; OUT: CPUs present */
    uint32_t _pad0;
    uint64_t info;              /* guest handle: mcinfo_logical_cpu[ncpus], or 0 */
};

struct xen_mc {
    uint32_t cmd;
    uint32_t interface_version;
    union {
        struct xen_mc_physcpuinfo mc_physcpuinfo;
        uint8_t pad[64];        /* room for the other commands' arguments */
    } u;
};
XEN_ABI_ASSERT(offsetof(struct xen_mc, u) == 8, "xen_mc u");
XEN_ABI_ASSERT(offsetof(struct xen_mc, u.mc_physcpuinfo.info) == 16, "physcpuinfo info");

#endif
