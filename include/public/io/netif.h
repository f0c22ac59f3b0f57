/*
 * Split network device rings (netif): the transmit and receive slots a
 * network frontend (Linux's xen-netfront) and its back end (xen-netback)
 * exchange, each ring one granted page starting with the header of
 * io/ring.h. Facts from Xen's public io/netif.h.
 *
 * Transmit: the frontend puts a packet in granted pages, one slot per
 * page piece (more_data on all but the last); the back end copies or maps
 * them and answers each slot. Receive: the frontend offers empty granted
 * pages, the back end fills them and answers with offset, size and flags.
 * The padding is explicit, so these describe the ring from 32-bit code too.
 */
#ifndef ORYX_PUBLIC_IO_NETIF_H
#define ORYX_PUBLIC_IO_NETIF_H

#include "../xen-compat.h"
#include "ring.h"
#include <stdint.h>

/* Transmit request flags. */
#define XEN_NETTXF_csum_blank       (1u << 0)   /* checksum to be filled in */
#define XEN_NETTXF_data_validated   (1u << 1)
#define XEN_NETTXF_more_data        (1u << 2)   /* the packet goes on in the next slot */
#define XEN_NETTXF_extra_info       (1u << 3)   /* an extra-info slot follows */

/* Response status. */
#define XEN_NETIF_RSP_DROPPED   (-2)
#define XEN_NETIF_RSP_ERROR     (-1)
#define XEN_NETIF_RSP_OKAY      0
#define XEN_NETIF_RSP_NULL      1       /* an extra-info slot's answer */

struct netif_tx_request {
    uint32_t gref;          /* the page holding this piece */
    uint16_t offset;        /* where in it; offset + size must stay in the page */
    uint16_t flags;         /* XEN_NETTXF_* */
    uint16_t id;            /* echoed in the response */
    uint16_t size;          /* first slot: the whole packet; others: this piece */
};

struct netif_tx_response {
    uint16_t id;
    int16_t status;         /* XEN_NETIF_RSP_* */
};

union netif_tx_sring_entry {
    struct netif_tx_request req;
    struct netif_tx_response rsp;
};

struct netif_rx_request {
    uint16_t id;
    uint16_t pad;
    uint32_t gref;          /* an empty page for the back end to fill */
};

struct netif_rx_response {
    uint16_t id;
    uint16_t offset;
    uint16_t flags;
    int16_t status;         /* bytes received, or XEN_NETIF_RSP_* when negative */
};

union netif_rx_sring_entry {
    struct netif_rx_request req;
    struct netif_rx_response rsp;
};

/* Slots in a one-page ring: (4096 - 64) / slot size, rounded down to a power of 2. */
#define NETIF_TX_RING_SLOTS 256
#define NETIF_RX_RING_SLOTS 256

struct netif_tx_sring {
    struct xen_sring_hdr hdr;
    union netif_tx_sring_entry ring[NETIF_TX_RING_SLOTS];
};

struct netif_rx_sring {
    struct xen_sring_hdr hdr;
    union netif_rx_sring_entry ring[NETIF_RX_RING_SLOTS];
};

XEN_ABI_ASSERT(sizeof(struct netif_tx_request) == 12, "netif tx request");
XEN_ABI_ASSERT(offsetof(struct netif_tx_request, id) == 8, "netif tx req.id");
XEN_ABI_ASSERT(offsetof(struct netif_tx_request, size) == 10, "netif tx req.size");
XEN_ABI_ASSERT(sizeof(struct netif_tx_response) == 4, "netif tx response");
XEN_ABI_ASSERT(sizeof(union netif_tx_sring_entry) == 12, "netif tx slot");
XEN_ABI_ASSERT(sizeof(struct netif_rx_request) == 8, "netif rx request");
XEN_ABI_ASSERT(offsetof(struct netif_rx_request, gref) == 4, "netif rx req.gref");
XEN_ABI_ASSERT(sizeof(struct netif_rx_response) == 8, "netif rx response");
XEN_ABI_ASSERT(offsetof(struct netif_rx_response, status) == 6, "netif rx rsp.status");
XEN_ABI_ASSERT(sizeof(struct netif_tx_sring) <= 4096 &&
               sizeof(struct netif_tx_sring) + sizeof(union netif_tx_sring_entry) * NETIF_TX_RING_SLOTS > 4096,
               "netif tx ring slots: a power of two, no more fit");
XEN_ABI_ASSERT(sizeof(struct netif_rx_sring) <= 4096 &&
               sizeof(struct netif_rx_sring) + sizeof(union netif_rx_sring_entry) * NETIF_RX_RING_SLOTS > 4096,
               "netif rx ring slots: a power of two, no more fit");

#endif
