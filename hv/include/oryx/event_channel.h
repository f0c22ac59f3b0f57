/*
 * Event channels: ports, their bindings, and delivery into the guest's
 * shared_info bits (2-level ABI) or its event words and queues (FIFO ABI,
 * from the domain's first EVTCHNOP_init_control). Design, semantics and
 * lock order: docs/design/events.md.
 */
#ifndef ORYX_EVENT_CHANNEL_H
#define ORYX_EVENT_CHANNEL_H

#include <oryx/types.h>

struct domain;
struct vcpu;
struct hcall_args;

/* Ports a 2-level guest may use: 64 x 64 bits (64-bit shared_info
 * layout) or 32 x 32 bits (32-bit layout); with FIFO,
 * EVTCHN_FIFO_NR_CHANNELS (2^17). Port 0 is never valid. */
#define EVTCHN_PORTS_64 4096u
#define EVTCHN_PORTS_32 1024u

/* Hypervisor-side ends ("Xen ports") a domain may have at once. */
#define EVTCHN_XEN_SLOTS 8u

/* Called when the guest sends on a Xen port, on the sending vCPU's CPU,
 * with no event-channel lock held. Keep it short. */
typedef void (*evtchn_xen_fn)(struct domain *d, uint32_t port, void *data);

/* Per-domain state: allocated (and charged to d->acct) at creation,
 * before or after the vCPUs are made (sized by d->nr_vcpus, or
 * d->spec.vcpus while that is 0); freed at teardown, before the vCPUs and
 * the shared_info page go. 0, -EINVAL (no vCPUs at all) or -ENOMEM. */
int evtchn_domain_init(struct domain *d);
void evtchn_domain_destroy(struct domain *d);

/* Raise a VIRQ: per-vCPU ones (TIMER, DEBUG) on v, global ones on the
 * port bound to vCPU 0's table. No-op when unbound. */
void evtchn_send_virq(struct vcpu *v, unsigned int virq);
void evtchn_send_virq_global(struct domain *d, unsigned int virq);

/* A port whose far end is the hypervisor: the guest's EVTCHNOP_send on it
 * calls fn(d, port, data); evtchn_notify_xen_port() raises it towards the
 * guest. 0, -EINVAL (bad vCPU), -ENOSPC (no port or slot) or -ENOMEM. */
int evtchn_alloc_xen_port(struct domain *d, unsigned int notify_vcpu, evtchn_xen_fn fn,
                          void *data, uint32_t *port);
/* Does nothing if the port is no longer a Xen port (the guest closed it). */
void evtchn_notify_xen_port(struct domain *d, uint32_t port);

/* The port's pending bit (2-level before shared_info exists, or FIFO
 * before its event word exists: the held copy). */
bool evtchn_port_pending(struct domain *d, uint32_t port);

/* shared_info has just been mapped (and vCPUs given their vcpu_info):
 * deliver the events that were raised before. */
void evtchn_shared_info_ready(struct domain *d);

/* Debug-key dump of the domain's ports and per-vCPU upcall state. */
void evtchn_dump(struct domain *d);

#endif
