/*
 * xen_version (hypercall 17): xen_version(cmd, arg).
 * Reports the hypervisor's version and build facts. Open to every domain.
 */
#ifndef ORYX_PUBLIC_VERSION_H
#define ORYX_PUBLIC_VERSION_H

#include "xen.h"

/* arg NULL. Returns (major << 16) | minor; Oryx reports a Xen-4.x level. */
#define XENVER_version      0

/* arg OUT xen_extraversion_t: NUL-terminated, e.g. ".0-oryx". */
#define XENVER_extraversion 1
typedef char xen_extraversion_t[16];
#define XEN_EXTRAVERSION_LEN (sizeof(xen_extraversion_t))

/* arg OUT struct xen_compile_info: NUL-terminated strings. */
#define XENVER_compile_info 2
struct xen_compile_info {
    char compiler[64];
    char compile_by[16];
    char compile_domain[32];
    char compile_date[32];
};
typedef struct xen_compile_info xen_compile_info_t;

/* arg OUT xen_capabilities_info_t: space-separated, e.g. "hvm-3.0-x86_64
 * hvm-3.0-x86_32 hvm-3.0-x86_32p". */
#define XENVER_capabilities 3
typedef char xen_capabilities_info_t[1024];
#define XEN_CAPABILITIES_INFO_LEN (sizeof(xen_capabilities_info_t))

/* arg OUT xen_changeset_info_t: source revision. */
#define XENVER_changeset    4
typedef char xen_changeset_info_t[64];
#define XEN_CHANGESET_INFO_LEN (sizeof(xen_changeset_info_t))

/* arg OUT struct xen_platform_parameters: start of the hypervisor's
 * reserved virtual range (meaningful to PV guests only). */
#define XENVER_platform_parameters 5
struct xen_platform_parameters {
    xen_ulong_t virt_start;
};
typedef struct xen_platform_parameters xen_platform_parameters_t;

/* arg IN/OUT struct xen_feature_info: IN submap_idx, OUT that 32-bit
 * word of XENFEAT_* bits (features.h). Only submap 0 exists. */
#define XENVER_get_features 6
struct xen_feature_info {
    uint32_t submap_idx;        /* IN: which 32-bit submap */
    uint32_t submap;            /* OUT: XENFEAT_* bits of that submap */
};
typedef struct xen_feature_info xen_feature_info_t;

/* arg NULL. Returns the guest page size (4096). */
#define XENVER_pagesize     7

/* arg OUT xen_domain_handle_t: the domain's UUID. */
#define XENVER_guest_handle 8

/* arg OUT xen_commandline_t: hypervisor command line (privileged). */
#define XENVER_commandline  9
typedef char xen_commandline_t[1024];

/* arg IN/OUT struct xen_build_id: IN len = buffer size, OUT bytes. */
#define XENVER_build_id     10
struct xen_build_id {
    uint32_t len;               /* IN: size of buf; OUT: bytes written */
    unsigned char buf[4];       /* OUT: len bytes; the real length
                                 * varies (4 declared: valid C89/C++,
                                 * no tail padding) */
};
typedef struct xen_build_id xen_build_id_t;

/* 32-bit (compat) layout of xen_platform_parameters, for the hypervisor. */
struct compat_platform_parameters {
    uint32_t virt_start;
};

XEN_ABI_ASSERT(sizeof(struct xen_compile_info) == 144, "compile_info size");
XEN_ABI_ASSERT(offsetof(struct xen_compile_info, compile_by) == 64, "compile_by");
XEN_ABI_ASSERT(offsetof(struct xen_compile_info, compile_domain) == 80, "domain");
XEN_ABI_ASSERT(offsetof(struct xen_compile_info, compile_date) == 112, "date");
XEN_ABI_ASSERT(sizeof(struct xen_feature_info) == 8, "feature_info size");
XEN_ABI_ASSERT(offsetof(struct xen_feature_info, submap) == 4, "submap");
XEN_ABI_ASSERT(sizeof(struct xen_platform_parameters) == sizeof(xen_ulong_t),
               "platform_parameters size");
XEN_ABI_ASSERT(sizeof(struct compat_platform_parameters) == 4,
               "compat_platform_parameters size");
XEN_ABI_ASSERT(offsetof(struct xen_build_id, buf) == 4, "build_id.buf");

#endif
