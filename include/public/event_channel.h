/*
 * event_channel_op (hypercall 32): event_channel_op(cmd, arg).
 * Event channels are the ABI's interrupts: a port is bound to a virtual
 * IRQ, an IPI or a port of another domain; sending on it sets the port's
 * bit in shared_info.evtchn_pending and notifies the bound vCPU.
 */
#ifndef ORYX_PUBLIC_EVENT_CHANNEL_H
#define ORYX_PUBLIC_EVENT_CHANNEL_H

#include "xen.h"

typedef uint32_t evtchn_port_t;
DEFINE_XEN_GUEST_HANDLE(evtchn_port_t);

/* Ports of the 2-level ABI: one bit per port in shared_info. Port 0 is
 * never valid. */
#define EVTCHN_2L_NR_CHANNELS (sizeof(xen_ulong_t) * sizeof(xen_ulong_t) * 64)

#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq        1
#define EVTCHNOP_bind_pirq        2
#define EVTCHNOP_close            3
#define EVTCHNOP_send             4
#define EVTCHNOP_status           5
#define EVTCHNOP_alloc_unbound    6
#define EVTCHNOP_bind_ipi         7
#define EVTCHNOP_bind_vcpu        8
#define EVTCHNOP_unmask           9
#define EVTCHNOP_reset            10
#define EVTCHNOP_init_control     11  /* FIFO ABI */
#define EVTCHNOP_expand_array     12  /* FIFO ABI */
#define EVTCHNOP_set_priority     13  /* FIFO ABI */
#define EVTCHNOP_reset_cont       14

/* New unbound port in dom, to be connected by remote_dom. */
struct evtchn_alloc_unbound {
    domid_t dom;                /* IN: DOMID_SELF or a domain we control */
    domid_t remote_dom;         /* IN: who may bind to it */
    evtchn_port_t port;         /* OUT */
};
typedef struct evtchn_alloc_unbound evtchn_alloc_unbound_t;

/* Connect a new local port to remote_dom's unbound remote_port. */
struct evtchn_bind_interdomain {
    domid_t remote_dom;         /* IN */
    uint16_t _pad;
    evtchn_port_t remote_port;  /* IN */
    evtchn_port_t local_port;   /* OUT */
};
typedef struct evtchn_bind_interdomain evtchn_bind_interdomain_t;

/* Bind a virtual IRQ (VIRQ_*) to a new port, delivered to vcpu. */
struct evtchn_bind_virq {
    uint32_t virq;              /* IN */
    uint32_t vcpu;              /* IN */
    evtchn_port_t port;         /* OUT */
};
typedef struct evtchn_bind_virq evtchn_bind_virq_t;

/* Bind a physical IRQ (privileged). */
struct evtchn_bind_pirq {
    uint32_t pirq;              /* IN */
#define BIND_PIRQ__WILL_SHARE 1
    uint32_t flags;             /* IN: BIND_PIRQ__* */
    evtchn_port_t port;         /* OUT */
};
typedef struct evtchn_bind_pirq evtchn_bind_pirq_t;

/* New port for IPIs to vcpu (of the calling domain). */
struct evtchn_bind_ipi {
    uint32_t vcpu;              /* IN */
    evtchn_port_t port;         /* OUT */
};
typedef struct evtchn_bind_ipi evtchn_bind_ipi_t;

/* Close a port; an interdomain peer's end becomes unbound. */
struct evtchn_close {
    evtchn_port_t port;         /* IN */
};
typedef struct evtchn_close evtchn_close_t;

/* Raise the far end of a port (for an IPI port: the port itself). */
struct evtchn_send {
    evtchn_port_t port;         /* IN */
};
typedef struct evtchn_send evtchn_send_t;

#define EVTCHNSTAT_closed       0
#define EVTCHNSTAT_unbound      1
#define EVTCHNSTAT_interdomain  2
#define EVTCHNSTAT_pirq         3
#define EVTCHNSTAT_virq         4
#define EVTCHNSTAT_ipi          5

/* What a port is bound to. */
struct evtchn_status {
    domid_t dom;                /* IN */
    uint16_t _pad;
    evtchn_port_t port;         /* IN */
    uint32_t status;            /* OUT: EVTCHNSTAT_* */
    uint32_t vcpu;              /* OUT: notified vCPU */
    union {
        struct { domid_t dom; } unbound;                 /* unbound */
        struct { domid_t dom; uint16_t _pad; evtchn_port_t port; } interdomain;
        uint32_t pirq;                                   /* pirq */
        uint32_t virq;                                   /* virq */
    } u;                        /* OUT */
};
typedef struct evtchn_status evtchn_status_t;

/* Change the vCPU notified for a port (not for per-vCPU VIRQs or IPIs). */
struct evtchn_bind_vcpu {
    evtchn_port_t port;         /* IN */
    uint32_t vcpu;              /* IN */
};
typedef struct evtchn_bind_vcpu evtchn_bind_vcpu_t;

/* Clear the port's mask bit; deliver it if it is pending. */
struct evtchn_unmask {
    evtchn_port_t port;         /* IN */
};
typedef struct evtchn_unmask evtchn_unmask_t;

/* Close every port of dom (Oryx: -ENOSYS). */
struct evtchn_reset {
    domid_t dom;                /* IN */
};
typedef struct evtchn_reset evtchn_reset_t;

/*
 * FIFO ABI. EVTCHNOP_init_control registers a vCPU's control block (at
 * control_gfn + offset, 8-byte aligned, inside the page); the first call
 * switches the domain from the 2-level ABI to FIFO. The event array (one
 * u32 event word per port, 1024 to a page) grows one guest page at a time
 * with EVTCHNOP_expand_array. Events carry a priority: 0 is served first.
 */
#define EVTCHN_FIFO_PRIORITY_MAX     0
#define EVTCHN_FIFO_PRIORITY_DEFAULT 7
#define EVTCHN_FIFO_PRIORITY_MIN     15
#define EVTCHN_FIFO_MAX_QUEUES       (EVTCHN_FIFO_PRIORITY_MIN + 1)

typedef uint32_t event_word_t;

/* Bits of an event word; the low LINK_BITS are the next port in its queue. */
#define EVTCHN_FIFO_PENDING   31
#define EVTCHN_FIFO_MASKED    30
#define EVTCHN_FIFO_LINKED    29
#define EVTCHN_FIFO_BUSY      28    /* the hypervisor is writing the link */
#define EVTCHN_FIFO_LINK_BITS 17
#define EVTCHN_FIFO_LINK_MASK ((1u << EVTCHN_FIFO_LINK_BITS) - 1)
#define EVTCHN_FIFO_NR_CHANNELS (1u << EVTCHN_FIFO_LINK_BITS)

/* Per vCPU, in guest memory: bit q of ready = queue q has events; head[q]
 * = the first port of queue q when the guest found it empty. */
struct evtchn_fifo_control_block {
    uint32_t ready;
    uint32_t _rsvd;
    uint32_t head[EVTCHN_FIFO_MAX_QUEUES];
};
typedef struct evtchn_fifo_control_block evtchn_fifo_control_block_t;

struct evtchn_init_control {
    uint64_t control_gfn;       /* IN */
    uint32_t offset;            /* IN */
    uint32_t vcpu;              /* IN */
    uint8_t  link_bits;         /* OUT */
    uint8_t  _pad[7];
};
typedef struct evtchn_init_control evtchn_init_control_t;

struct evtchn_expand_array {
    uint64_t array_gfn;         /* IN */
};
typedef struct evtchn_expand_array evtchn_expand_array_t;

struct evtchn_set_priority {
    evtchn_port_t port;         /* IN */
    uint32_t priority;          /* IN */
};
typedef struct evtchn_set_priority evtchn_set_priority_t;

XEN_ABI_ASSERT(sizeof(struct evtchn_alloc_unbound) == 8, "alloc_unbound");
XEN_ABI_ASSERT(offsetof(struct evtchn_alloc_unbound, port) == 4, "au.port");
XEN_ABI_ASSERT(sizeof(struct evtchn_bind_interdomain) == 12, "bind_interdomain");
XEN_ABI_ASSERT(offsetof(struct evtchn_bind_interdomain, remote_port) == 4, "bi.rport");
XEN_ABI_ASSERT(offsetof(struct evtchn_bind_interdomain, local_port) == 8, "bi.lport");
XEN_ABI_ASSERT(sizeof(struct evtchn_bind_virq) == 12, "bind_virq");
XEN_ABI_ASSERT(offsetof(struct evtchn_bind_virq, port) == 8, "bv.port");
XEN_ABI_ASSERT(sizeof(struct evtchn_bind_pirq) == 12, "bind_pirq");
XEN_ABI_ASSERT(sizeof(struct evtchn_bind_ipi) == 8, "bind_ipi");
XEN_ABI_ASSERT(sizeof(struct evtchn_close) == 4, "close");
XEN_ABI_ASSERT(sizeof(struct evtchn_send) == 4, "send");
XEN_ABI_ASSERT(sizeof(struct evtchn_status) == 24, "status");
XEN_ABI_ASSERT(offsetof(struct evtchn_status, port) == 4, "st.port");
XEN_ABI_ASSERT(offsetof(struct evtchn_status, status) == 8, "st.status");
XEN_ABI_ASSERT(offsetof(struct evtchn_status, vcpu) == 12, "st.vcpu");
XEN_ABI_ASSERT(offsetof(struct evtchn_status, u) == 16, "st.u");
XEN_ABI_ASSERT(offsetof(struct evtchn_status, u.interdomain.port) == 20, "st.u.port");
XEN_ABI_ASSERT(sizeof(struct evtchn_bind_vcpu) == 8, "bind_vcpu");
XEN_ABI_ASSERT(sizeof(struct evtchn_unmask) == 4, "unmask");
XEN_ABI_ASSERT(sizeof(struct evtchn_reset) == 2, "reset");
XEN_ABI_ASSERT(sizeof(struct evtchn_init_control) == 24, "init_control");
XEN_ABI_ASSERT(offsetof(struct evtchn_init_control, link_bits) == 16, "link_bits");
XEN_ABI_ASSERT(sizeof(struct evtchn_expand_array) == 8, "expand_array");
XEN_ABI_ASSERT(sizeof(struct evtchn_set_priority) == 8, "set_priority");
XEN_ABI_ASSERT(offsetof(struct evtchn_set_priority, priority) == 4, "sp.priority");
XEN_ABI_ASSERT(sizeof(struct evtchn_fifo_control_block) == 72, "fifo control block");
XEN_ABI_ASSERT(offsetof(struct evtchn_fifo_control_block, head) == 8, "fifo head");
XEN_ABI_ASSERT(sizeof(event_word_t) == 4, "event word");

#endif
