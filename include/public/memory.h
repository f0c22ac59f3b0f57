/*
 * memory_op (hypercall 12): memory_op(cmd, arg). Changes what backs the
 * caller's guest-physical address space.
 */
#ifndef ORYX_PUBLIC_MEMORY_H
#define ORYX_PUBLIC_MEMORY_H

#include "xen.h"

/* ---- Reservations: cmds 0, 1, 6; arg IN/OUT struct xen_memory_reservation.
 * Return: number of extents processed. */
#define XENMEM_increase_reservation 0
#define XENMEM_decrease_reservation 1
#define XENMEM_populate_physmap     6

/* mem_flags: bits 0-7 address bits, bit 16+ flags. */
#define XENMEMF_address_bits(x)     (x)
#define XENMEMF_get_address_bits(x) ((x) & 0xffU)
#define XENMEMF_populate_on_demand  (1U << 16)
#define XENMEMF_node(x)             (((x) + 1) << 8)
#define XENMEMF_exact_node_request  (1U << 17)

struct xen_memory_reservation {
    /* IN (decrease) / IN+OUT (increase, populate): array of GFNs. */
    XEN_GUEST_HANDLE(xen_pfn_t) extent_start;
    xen_ulong_t nr_extents;     /* IN */
    uint32_t    extent_order;   /* IN: log2 pages per extent */
    uint32_t    mem_flags;      /* IN: XENMEMF_* */
    domid_t     domid;          /* IN: DOMID_SELF or a controlled domain */
#if defined(__x86_64__)
    uint16_t    _pad[3];
#else
    uint16_t    _pad;
#endif
};
typedef struct xen_memory_reservation xen_memory_reservation_t;
DEFINE_XEN_GUEST_HANDLE(xen_memory_reservation_t);

/* 32-bit (compat) layout of xen_memory_reservation, for the hypervisor:
 * 4-byte handle and count; the extent list holds 4-byte xen_pfn_t. */
struct compat_memory_reservation {
    uint32_t extent_start;      /* IN: guest-virtual address of the list */
    uint32_t nr_extents;        /* IN */
    uint32_t extent_order;      /* IN */
    uint32_t mem_flags;         /* IN */
    uint16_t domid;             /* IN */
    uint16_t _pad;
};

/* arg IN domid_t *. Return: pages (current) / limit (maximum). */
#define XENMEM_maximum_ram_page     2
#define XENMEM_current_reservation  3
#define XENMEM_maximum_reservation  4
#define XENMEM_maximum_gpfn         14

#define XENMEM_machphys_mfn_list    5   /* PV only */
#define XENMEM_exchange             11
#define XENMEM_machphys_mapping     12  /* PV only */

/* ---- cmd 7: make a frame appear at a guest-physical frame ---------------
 * arg IN struct xen_add_to_physmap. The frame named by (space, idx) is
 * mapped at gpfn; what was at gpfn leaves the guest's physmap, and a frame
 * already mapped elsewhere is moved. Returns 0.
 */
#define XENMEM_add_to_physmap       7

#define XENMAPSPACE_shared_info  0  /* idx 0: the shared_info page */
#define XENMAPSPACE_grant_table  1  /* idx: grant frame number;
                                     * | XENMAPIDX_grant_table_status for
                                     * v2 status frames */
#define XENMAPSPACE_gmfn         2  /* idx: a GFN of the guest: move it */
#define XENMAPSPACE_gmfn_range   3  /* like gmfn, size pages */
#define XENMAPSPACE_gmfn_foreign 4  /* add_to_physmap_batch only */
#define XENMAPSPACE_dev_mmio     5  /* ARM only */
#define XENMAPIDX_grant_table_status 0x80000000U

struct xen_add_to_physmap {
    domid_t     domid;          /* IN: DOMID_SELF */
    uint16_t    size;           /* IN: pages, XENMAPSPACE_gmfn_range only */
    uint32_t    space;          /* IN: XENMAPSPACE_* */
    xen_ulong_t idx;            /* IN: index within the space */
    xen_pfn_t   gpfn;           /* IN: where it must appear */
};
typedef struct xen_add_to_physmap xen_add_to_physmap_t;
DEFINE_XEN_GUEST_HANDLE(xen_add_to_physmap_t);

/* 32-bit (compat) layout of xen_add_to_physmap, for the hypervisor. */
struct compat_add_to_physmap {
    uint16_t domid;
    uint16_t size;
    uint32_t space;
    uint32_t idx;
    uint32_t gpfn;
};

/* cmd 23: batched add; arg IN/OUT struct xen_add_to_physmap_batch. */
#define XENMEM_add_to_physmap_batch 23
struct xen_add_to_physmap_batch {
    domid_t  domid;             /* IN */
    uint16_t space;             /* IN: XENMAPSPACE_* */
    uint16_t size;              /* IN: number of entries */
    union {
        domid_t  foreign_domid; /* IN: gmfn_foreign */
        uint16_t res0;
    } u;
    XEN_GUEST_HANDLE(xen_ulong_t) idxs;     /* IN */
    XEN_GUEST_HANDLE(xen_pfn_t)   gpfns;    /* IN */
    XEN_GUEST_HANDLE(int)         errs;     /* OUT: per entry */
};
typedef struct xen_add_to_physmap_batch xen_add_to_physmap_batch_t;

/* cmd 15: unmap gpfn from the caller's physmap. */
#define XENMEM_remove_from_physmap  15
struct xen_remove_from_physmap {
    domid_t   domid;            /* IN */
#if defined(__x86_64__)
    uint16_t  _pad[3];
#else
    uint16_t  _pad;
#endif
    xen_pfn_t gpfn;             /* IN */
};
typedef struct xen_remove_from_physmap xen_remove_from_physmap_t;

/* ---- cmds 9, 10, 13: e820-style memory maps --------------------------- */
#define XENMEM_memory_map           9   /* the caller's pseudo-phys map */
#define XENMEM_machine_memory_map   10  /* privileged */
#define XENMEM_set_memory_map       13  /* privileged */
struct xen_memory_map {
    /* IN: capacity of buffer in entries; OUT: entries written. */
    uint32_t nr_entries;
#if defined(__x86_64__)
    uint32_t _pad;
#endif
    /* OUT: packed 20-byte e820 entries {u64 addr, u64 size, u32 type}. */
    XEN_GUEST_HANDLE(void) buffer;
};
typedef struct xen_memory_map xen_memory_map_t;

#define XENMEM_set_pod_target       16
#define XENMEM_get_pod_target       17
#define XENMEM_claim_pages          24
#define XENMEM_get_vnumainfo        26
#define XENMEM_reserved_device_memory_map 27

/* ---- cmd 28: map a domain's resource (here: its grant table frames) ----
 * arg IN/OUT struct xen_mem_acquire_resource. With nr_frames 0 and a null
 * frame_list: OUT nr_frames = the resource's size in frames. Otherwise
 * frames [frame, frame + nr_frames) appear in the caller's physmap at the
 * GFNs frame_list gives (a translated caller); flags OUT is 0.
 */
#define XENMEM_acquire_resource     28
#define XENMEM_resource_ioreq_server 0
#define XENMEM_resource_grant_table  1
#define XENMEM_resource_vmtrace_buf  2
#define XENMEM_resource_grant_table_id_shared 0
#define XENMEM_resource_grant_table_id_status 1
#define XENMEM_rsrc_acq_caller_owned (1U << 0)

struct xen_mem_acquire_resource {
    domid_t  domid;             /* IN: whose resource */
    uint16_t type;              /* IN: XENMEM_resource_* */
    uint32_t id;                /* IN: which one of that type */
    uint32_t nr_frames;         /* IN (OUT for a size query) */
    uint32_t flags;             /* OUT: XENMEM_rsrc_acq_* */
    uint64_t frame;             /* IN: first frame of the resource */
    XEN_GUEST_HANDLE(xen_pfn_t) frame_list;     /* IN: caller GFNs */
};
typedef struct xen_mem_acquire_resource xen_mem_acquire_resource_t;

#if defined(__x86_64__)
XEN_ABI_ASSERT(sizeof(struct xen_memory_reservation) == 32, "reservation size");
XEN_ABI_ASSERT(offsetof(struct xen_memory_reservation, nr_extents) == 8, "nr_extents");
XEN_ABI_ASSERT(offsetof(struct xen_memory_reservation, extent_order) == 16, "order");
XEN_ABI_ASSERT(offsetof(struct xen_memory_reservation, mem_flags) == 20, "mem_flags");
XEN_ABI_ASSERT(offsetof(struct xen_memory_reservation, domid) == 24, "res.domid");
XEN_ABI_ASSERT(sizeof(struct xen_add_to_physmap) == 24, "add_to_physmap size");
XEN_ABI_ASSERT(offsetof(struct xen_add_to_physmap, idx) == 8, "atp.idx");
XEN_ABI_ASSERT(offsetof(struct xen_add_to_physmap, gpfn) == 16, "atp.gpfn");
XEN_ABI_ASSERT(sizeof(struct xen_add_to_physmap_batch) == 32, "atp_batch size");
XEN_ABI_ASSERT(offsetof(struct xen_add_to_physmap_batch, idxs) == 8, "atpb.idxs");
XEN_ABI_ASSERT(sizeof(struct xen_remove_from_physmap) == 16, "remove size");
XEN_ABI_ASSERT(offsetof(struct xen_remove_from_physmap, gpfn) == 8, "remove.gpfn");
XEN_ABI_ASSERT(offsetof(struct xen_add_to_physmap_batch, gpfns) == 16, "atpb.gpfns");
XEN_ABI_ASSERT(offsetof(struct xen_add_to_physmap_batch, errs) == 24, "atpb.errs");
XEN_ABI_ASSERT(sizeof(struct xen_mem_acquire_resource) == 32, "acquire_resource size");
XEN_ABI_ASSERT(offsetof(struct xen_mem_acquire_resource, frame_list) == 24, "ar.frame_list");
XEN_ABI_ASSERT(sizeof(struct xen_memory_map) == 16, "memory_map size");
XEN_ABI_ASSERT(offsetof(struct xen_memory_map, buffer) == 8, "mm.buffer");
#else
XEN_ABI_ASSERT(sizeof(struct xen_memory_reservation) == 20, "reservation size");
XEN_ABI_ASSERT(sizeof(struct xen_add_to_physmap) == 16, "add_to_physmap size");
XEN_ABI_ASSERT(sizeof(struct xen_memory_map) == 8, "memory_map size");
#endif
XEN_ABI_ASSERT(offsetof(struct xen_add_to_physmap_batch, u) == 6, "atpb.foreign_domid");
XEN_ABI_ASSERT(offsetof(struct xen_mem_acquire_resource, nr_frames) == 8, "ar.nr_frames");
XEN_ABI_ASSERT(offsetof(struct xen_mem_acquire_resource, frame) == 16, "ar.frame");
XEN_ABI_ASSERT(offsetof(struct xen_add_to_physmap, size) == 2, "atp.size");
XEN_ABI_ASSERT(offsetof(struct xen_add_to_physmap, space) == 4, "atp.space");
XEN_ABI_ASSERT(sizeof(struct compat_add_to_physmap) == 16, "compat atp size");
XEN_ABI_ASSERT(sizeof(struct compat_memory_reservation) == 20, "compat reservation size");
XEN_ABI_ASSERT(offsetof(struct compat_memory_reservation, extent_order) == 8, "compat res.order");
XEN_ABI_ASSERT(offsetof(struct compat_memory_reservation, domid) == 16, "compat res.domid");
XEN_ABI_ASSERT(offsetof(struct compat_add_to_physmap, idx) == 8, "compat atp.idx");
XEN_ABI_ASSERT(offsetof(struct compat_add_to_physmap, gpfn) == 12, "compat atp.gpfn");

#endif
