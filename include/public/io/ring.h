/*
 * The header every split-driver ring page starts with (Xen's io/ring.h):
 * four free-running 32-bit indices and padding to 64 bytes. The frontend
 * writes requests and req_prod, the back end responses and rsp_prod; a
 * side asks to be notified by writing the index it waits for into
 * req_event / rsp_event. The slots that follow are the union of a request
 * and a response, as many as the largest power of two that fits the page.
 */
#ifndef ORYX_PUBLIC_IO_RING_H
#define ORYX_PUBLIC_IO_RING_H

#include "../xen-compat.h"
#include <stdint.h>

typedef uint32_t xen_ring_idx_t;

struct xen_sring_hdr {
    xen_ring_idx_t req_prod;        /* frontend */
    xen_ring_idx_t req_event;       /* back end: notify me at this req_prod */
    xen_ring_idx_t rsp_prod;        /* back end */
    xen_ring_idx_t rsp_event;       /* frontend: notify me at this rsp_prod */
    uint8_t pad[48];                /* 4 bytes the drivers may use, then padding */
};

XEN_ABI_ASSERT(sizeof(struct xen_sring_hdr) == 64, "ring header");

#endif
