/*
 * grant_table_op (hypercall 20): grant_table_op(cmd, uop, count).
 * A domain grants another access to one of its frames by filling an entry
 * in its grant table (version 1 only here); the other domain then maps or
 * copies through the grant reference.
 */
#ifndef ORYX_PUBLIC_GRANT_TABLE_H
#define ORYX_PUBLIC_GRANT_TABLE_H

#include "xen.h"

typedef uint32_t grant_ref_t;       /* index into the grant table */
typedef uint32_t grant_handle_t;    /* a mapping, returned by map */

/*
 * Version-1 grant entry, 8 bytes, 512 per 4 KiB frame. The granting guest
 * writes domid and frame, then (after a write barrier) flags; the
 * hypervisor sets GTF_reading/GTF_writing while a mapping or copy is live.
 */
struct grant_entry_v1 {
    uint16_t flags;             /* GTF_* */
    domid_t  domid;             /* the domain allowed access */
    uint32_t frame;             /* the granted guest frame */
};
typedef struct grant_entry_v1 grant_entry_v1_t;

/* Entries the toolstack fills in before the guest runs, granting its
 * console and xenstore ring pages to the back ends' domain. */
#define GNTTAB_RESERVED_CONSOLE  0
#define GNTTAB_RESERVED_XENSTORE 1

#define GTF_invalid         0U
#define GTF_permit_access   1U
#define GTF_accept_transfer 2U
#define GTF_transitive      3U
#define GTF_type_mask       3U
#define GTF_readonly        (1U << 2)   /* permit_access: no writes */
#define GTF_reading         (1U << 3)   /* set by the hypervisor */
#define GTF_writing         (1U << 4)   /* set by the hypervisor */
#define GTF_PWT             (1U << 5)
#define GTF_PCD             (1U << 6)
#define GTF_PAT             (1U << 7)
#define GTF_sub_page        (1U << 8)
#define GTF_transfer_committed (1U << 2)
#define GTF_transfer_completed (1U << 3)

#define GNTTABOP_map_grant_ref        0
#define GNTTABOP_unmap_grant_ref      1
#define GNTTABOP_setup_table          2
#define GNTTABOP_dump_table           3
#define GNTTABOP_transfer             4
#define GNTTABOP_copy                 5
#define GNTTABOP_query_size           6
#define GNTTABOP_unmap_and_replace    7
#define GNTTABOP_set_version          8
#define GNTTABOP_get_status_frames    9
#define GNTTABOP_get_version          10
#define GNTTABOP_swap_grant_ref       11
#define GNTTABOP_cache_flush          12

/* Map flags. */
#define GNTMAP_device_map      (1U << 0)
#define GNTMAP_host_map        (1U << 1)
#define GNTMAP_readonly        (1U << 2)
#define GNTMAP_application_map (1U << 3)
#define GNTMAP_contains_pte    (1U << 4)

/* Per-operation status codes (int16_t). */
#define GNTST_okay              (0)
#define GNTST_general_error     (-1)
#define GNTST_bad_domain        (-2)
#define GNTST_bad_gntref        (-3)
#define GNTST_bad_handle        (-4)
#define GNTST_bad_virt_addr     (-5)
#define GNTST_bad_dev_addr      (-6)
#define GNTST_no_device_space   (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page          (-9)
#define GNTST_bad_copy_arg      (-10)
#define GNTST_address_too_big   (-11)
#define GNTST_eagain            (-12)
#define GNTST_no_space          (-13)

/* cmd 0, array of count: map ref of dom at host_addr (a GPA for HVM). */
struct gnttab_map_grant_ref {
    uint64_t host_addr;         /* IN */
    uint32_t flags;             /* IN: GNTMAP_* */
    grant_ref_t ref;            /* IN */
    domid_t  dom;               /* IN: the granting domain */
    int16_t  status;            /* OUT: GNTST_* */
    grant_handle_t handle;      /* OUT */
    uint64_t dev_bus_addr;      /* OUT */
};
typedef struct gnttab_map_grant_ref gnttab_map_grant_ref_t;

/* cmd 1, array of count. */
struct gnttab_unmap_grant_ref {
    uint64_t host_addr;         /* IN */
    uint64_t dev_bus_addr;      /* IN */
    grant_handle_t handle;      /* IN */
    int16_t  status;            /* OUT: GNTST_* */
    uint16_t _pad;
};
typedef struct gnttab_unmap_grant_ref gnttab_unmap_grant_ref_t;

/* cmd 2: PV guests only (auto-translated guests use add_to_physmap). */
struct gnttab_setup_table {
    domid_t  dom;               /* IN */
    uint16_t _pad;
    uint32_t nr_frames;         /* IN */
    int16_t  status;            /* OUT: GNTST_* */
#if defined(__x86_64__)
    uint16_t _pad1[3];
#else
    uint16_t _pad1;
#endif
    XEN_GUEST_HANDLE(xen_pfn_t) frame_list;  /* OUT */
};
typedef struct gnttab_setup_table gnttab_setup_table_t;

/* cmd 5, array of count: copy between grant refs and/or own frames. */
struct gnttab_copy_ptr {
    union {
        grant_ref_t ref;        /* with GNTCOPY_*_gref */
        xen_pfn_t   gmfn;       /* otherwise: caller's own frame */
    } u;
    domid_t  domid;
    uint16_t offset;
#if defined(__x86_64__)
    uint32_t _pad;
#endif
};
struct gnttab_copy {
    struct gnttab_copy_ptr source;  /* IN */
    struct gnttab_copy_ptr dest;    /* IN */
    uint16_t len;               /* IN */
#define GNTCOPY_source_gref (1U << 0)
#define GNTCOPY_dest_gref   (1U << 1)
    uint16_t flags;             /* IN: GNTCOPY_* */
    int16_t  status;            /* OUT: GNTST_* */
    uint16_t _pad;
};
typedef struct gnttab_copy gnttab_copy_t;

/* cmd 6, count 1. */
struct gnttab_query_size {
    domid_t  dom;               /* IN */
    uint16_t _pad;
    uint32_t nr_frames;         /* OUT */
    uint32_t max_nr_frames;     /* OUT */
    int16_t  status;            /* OUT: GNTST_* */
    uint16_t _pad1;
};
typedef struct gnttab_query_size gnttab_query_size_t;

/* cmd 8, count 1: IN the wanted version (1 or 2); OUT the version in use. */
struct gnttab_set_version {
    uint32_t version;           /* IN/OUT */
};
typedef struct gnttab_set_version gnttab_set_version_t;

/* cmd 10, count 1. */
struct gnttab_get_version {
    domid_t  dom;               /* IN */
    uint16_t _pad;
    uint32_t version;           /* OUT */
};
typedef struct gnttab_get_version gnttab_get_version_t;

XEN_ABI_ASSERT(sizeof(struct grant_entry_v1) == 8, "grant_entry_v1 size");
XEN_ABI_ASSERT(offsetof(struct grant_entry_v1, domid) == 2, "gnt.domid");
XEN_ABI_ASSERT(offsetof(struct grant_entry_v1, frame) == 4, "gnt.frame");
XEN_ABI_ASSERT(offsetof(struct gnttab_map_grant_ref, ref) == 12, "map.ref");
XEN_ABI_ASSERT(offsetof(struct gnttab_map_grant_ref, dom) == 16, "map.dom");
XEN_ABI_ASSERT(offsetof(struct gnttab_map_grant_ref, status) == 18, "map.status");
XEN_ABI_ASSERT(offsetof(struct gnttab_map_grant_ref, handle) == 20, "map.handle");
XEN_ABI_ASSERT(offsetof(struct gnttab_map_grant_ref, dev_bus_addr) == 24, "map.bus");
XEN_ABI_ASSERT(sizeof(struct gnttab_map_grant_ref) == 32, "map size");
XEN_ABI_ASSERT(offsetof(struct gnttab_unmap_grant_ref, handle) == 16, "unmap.h");
XEN_ABI_ASSERT(sizeof(struct gnttab_unmap_grant_ref) == 24, "unmap size");
XEN_ABI_ASSERT(offsetof(struct gnttab_setup_table, nr_frames) == 4, "setup.nr");
XEN_ABI_ASSERT(offsetof(struct gnttab_setup_table, status) == 8, "setup.status");
XEN_ABI_ASSERT(sizeof(struct gnttab_query_size) == 16, "query_size size");
XEN_ABI_ASSERT(offsetof(struct gnttab_query_size, nr_frames) == 4, "qs.nr");
XEN_ABI_ASSERT(offsetof(struct gnttab_query_size, max_nr_frames) == 8, "qs.max");
XEN_ABI_ASSERT(offsetof(struct gnttab_query_size, status) == 12, "qs.status");
XEN_ABI_ASSERT(sizeof(struct gnttab_set_version) == 4, "set_version size");
XEN_ABI_ASSERT(sizeof(struct gnttab_get_version) == 8, "get_version size");
#if defined(__x86_64__)
XEN_ABI_ASSERT(offsetof(struct gnttab_setup_table, frame_list) == 16, "setup.fl");
XEN_ABI_ASSERT(sizeof(struct gnttab_setup_table) == 24, "setup size");
XEN_ABI_ASSERT(sizeof(struct gnttab_copy_ptr) == 16, "copy_ptr size");
XEN_ABI_ASSERT(sizeof(struct gnttab_copy) == 40, "copy size");
XEN_ABI_ASSERT(offsetof(struct gnttab_copy, len) == 32, "copy.len");
#else
XEN_ABI_ASSERT(offsetof(struct gnttab_setup_table, frame_list) == 12, "setup.fl");
XEN_ABI_ASSERT(sizeof(struct gnttab_copy_ptr) == 8, "copy_ptr size");
XEN_ABI_ASSERT(sizeof(struct gnttab_copy) == 24, "copy size");
#endif

#endif
