/*
 * PV console ring: one shared page between a guest (the frontend, Linux's
 * hvc_xen) and its console back end. The guest finds the page at
 * HVM_PARAM_CONSOLE_PFN and the event channel at HVM_PARAM_CONSOLE_EVTCHN.
 *
 * Two byte rings with free-running 32-bit indices; slot = index & (size-1).
 *   out: the guest writes bytes, then (after a write barrier) out_prod,
 *        then sends on the port. The back end copies bytes, then advances
 *        out_cons.
 *   in:  the back end writes bytes, then in_prod, then raises the port.
 *        The guest copies bytes, then advances in_cons.
 * A side only ever writes its own index; (prod - cons) never exceeds the
 * ring's size. Facts from Xen's public/io/console.h.
 */
#ifndef ORYX_PUBLIC_IO_CONSOLE_H
#define ORYX_PUBLIC_IO_CONSOLE_H

#include "../xen-compat.h"
#include <stdint.h>

typedef uint32_t XENCONS_RING_IDX;

#define XENCONS_IN_SIZE  1024u
#define XENCONS_OUT_SIZE 2048u
#define MASK_XENCONS_IDX(idx, ring) ((idx) & (sizeof(ring) - 1))

struct xencons_interface {
    char in[XENCONS_IN_SIZE];       /* back end -> guest */
    char out[XENCONS_OUT_SIZE];     /* guest -> back end */
    XENCONS_RING_IDX in_cons;       /* written by the guest */
    XENCONS_RING_IDX in_prod;       /* written by the back end */
    XENCONS_RING_IDX out_cons;      /* written by the back end */
    XENCONS_RING_IDX out_prod;      /* written by the guest */
};
typedef struct xencons_interface xencons_interface_t;

XEN_ABI_ASSERT(sizeof(struct xencons_interface) == 3088, "xencons_interface size");
XEN_ABI_ASSERT(offsetof(struct xencons_interface, out) == 1024, "xencons out");
XEN_ABI_ASSERT(offsetof(struct xencons_interface, in_cons) == 3072, "xencons in_cons");
XEN_ABI_ASSERT(offsetof(struct xencons_interface, in_prod) == 3076, "xencons in_prod");
XEN_ABI_ASSERT(offsetof(struct xencons_interface, out_cons) == 3080, "xencons out_cons");
XEN_ABI_ASSERT(offsetof(struct xencons_interface, out_prod) == 3084, "xencons out_prod");

#endif
