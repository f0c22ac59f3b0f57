/*
 * Split block device ring (blkif): the request and response slots of the
 * shared page a block frontend (Linux's xen-blkfront) and its back end
 * (xen-blkback) exchange. Facts from Xen's public io/blkif.h and
 * io/ring.h.
 *
 * The page starts with the ring header of io/ring.h; the rest is an
 * array of slots, each the union of a request and a response.
 *
 * Only the "x86_64-abi" layout is described (the protocol a 64-bit
 * frontend names in its "protocol" node): its padding is explicit, so the
 * same structs describe it from 32-bit code too.
 */
#ifndef ORYX_PUBLIC_IO_BLKIF_H
#define ORYX_PUBLIC_IO_BLKIF_H

#include "../xen-compat.h"
#include "ring.h"
#include <stdint.h>

typedef uint64_t blkif_sector_t;       /* 512-byte sectors, always */

/* Request operations. */
#define BLKIF_OP_READ           0
#define BLKIF_OP_WRITE          1
#define BLKIF_OP_WRITE_BARRIER  2
#define BLKIF_OP_FLUSH_DISKCACHE 3
#define BLKIF_OP_DISCARD        5
#define BLKIF_OP_INDIRECT       6

/* Response status. */
#define BLKIF_RSP_EOPNOTSUPP  (-2)
#define BLKIF_RSP_ERROR       (-1)
#define BLKIF_RSP_OKAY        0

#define BLKIF_MAX_SEGMENTS_PER_REQUEST 11
#define BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST 8

/* Frontend "protocol" node values. */
#define XEN_IO_PROTO_ABI_X86_64 "x86_64-abi"

/* One page of data: sectors first_sect..last_sect (0..7) of the granted page. */
struct blkif_request_segment {
    uint32_t gref;
    uint8_t first_sect;
    uint8_t last_sect;
    uint16_t pad;
};

/* Read, write, barrier, flush: up to 11 segments listed in line. */
struct blkif_request {
    uint8_t operation;              /* BLKIF_OP_* */
    uint8_t nr_segments;
    uint16_t handle;                /* the vdev, unused by Linux's back end */
    uint32_t pad;
    uint64_t id;                    /* the frontend's; echoed in the response */
    blkif_sector_t sector_number;
    struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

/* BLKIF_OP_INDIRECT: the segments are in granted pages of their own. */
struct blkif_request_indirect {
    uint8_t operation;              /* BLKIF_OP_INDIRECT */
    uint8_t indirect_op;            /* BLKIF_OP_READ or _WRITE */
    uint16_t nr_segments;
    uint32_t pad1;
    uint64_t id;
    blkif_sector_t sector_number;
    uint16_t handle;
    uint16_t pad2;
    uint32_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
    uint32_t pad3;
    uint8_t pad4[48];               /* to the size of the ring slot */
};

struct blkif_response {
    uint64_t id;                    /* the request's */
    uint8_t operation;
    uint8_t pad;
    int16_t status;                 /* BLKIF_RSP_* */
    uint32_t pad2;
};

/* A ring slot. */
union blkif_sring_entry {
    struct blkif_request req;
    struct blkif_request_indirect ind;
    struct blkif_response rsp;
};

/* Slots in a one-page ring: (4096 - 64) / 112 rounded down to a power of 2. */
#define BLKIF_RING_SLOTS 32

struct blkif_sring {
    struct xen_sring_hdr hdr;
    union blkif_sring_entry ring[BLKIF_RING_SLOTS];
};

XEN_ABI_ASSERT(sizeof(struct blkif_request_segment) == 8, "blkif segment");
XEN_ABI_ASSERT(sizeof(struct blkif_request) == 112, "blkif request");
XEN_ABI_ASSERT(offsetof(struct blkif_request, id) == 8, "blkif req.id");
XEN_ABI_ASSERT(offsetof(struct blkif_request, sector_number) == 16, "blkif req.sector");
XEN_ABI_ASSERT(offsetof(struct blkif_request, seg) == 24, "blkif req.seg");
XEN_ABI_ASSERT(sizeof(struct blkif_request_indirect) == 112, "blkif indirect");
XEN_ABI_ASSERT(offsetof(struct blkif_request_indirect, nr_segments) == 2, "blkif ind.nseg");
XEN_ABI_ASSERT(offsetof(struct blkif_request_indirect, id) == 8, "blkif ind.id");
XEN_ABI_ASSERT(offsetof(struct blkif_request_indirect, handle) == 24, "blkif ind.handle");
XEN_ABI_ASSERT(offsetof(struct blkif_request_indirect, indirect_grefs) == 28, "blkif ind.grefs");
XEN_ABI_ASSERT(sizeof(struct blkif_response) == 16, "blkif response");
XEN_ABI_ASSERT(offsetof(struct blkif_response, status) == 10, "blkif rsp.status");
XEN_ABI_ASSERT(sizeof(union blkif_sring_entry) == 112, "blkif slot");
XEN_ABI_ASSERT(sizeof(struct blkif_sring) <= 4096, "blkif ring fits a page");
XEN_ABI_ASSERT(sizeof(struct blkif_sring) + sizeof(union blkif_sring_entry) * BLKIF_RING_SLOTS > 4096,
               "blkif ring slots: a power of two, no more fit");

#endif
