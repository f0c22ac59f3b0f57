/*
 * Console back end for boot-time domains: the hypervisor serves each
 * domain's PV console ring (include/public/io/console.h). Output goes to
 * the hypervisor console prefixed with the domain's name; serial input
 * goes to the domain holding the keyboard focus, or to the debug keys
 * (keyhandler.h) while the hypervisor holds it. Typing Ctrl-A three times
 * moves the focus: hypervisor, then each domain by id, then back.
 * Design: docs/design/events.md.
 */
#ifndef ORYX_VCONSOLE_H
#define ORYX_VCONSOLE_H

#include <oryx/types.h>

struct domain;

/*
 * Give d a console ring at guest frame ring_gfn: a zeroed page charged to
 * d, mapped read-write there, and a Xen port notifying vCPU 0. Sets
 * HVM_PARAM_CONSOLE_PFN and HVM_PARAM_CONSOLE_EVTCHN. Call after
 * evtchn_domain_init(). 0, -EINVAL (bad gfn), -EEXIST (has one), -ENOMEM
 * or -ENOSPC; on failure nothing is left mapped or allocated.
 */
int vconsole_domain_init(struct domain *d, uint64_t ring_gfn);

/*
 * The control domain's console: no ring; it writes with console_io and
 * reads its input with CONSOLEIO_read (vconsole_hwdom_read), woken by
 * VIRQ_CONSOLE. It takes the keyboard focus, as dom0 does under Xen.
 */
int vconsole_hwdom_init(struct domain *d);
size_t vconsole_hwdom_read(struct domain *d, char *buf, size_t len);

/* Print what is left in the ring and free it (before
 * evtchn_domain_destroy(); the p2m entry goes with p2m_destroy()). */
void vconsole_domain_destroy(struct domain *d);

/* At boot on CPU 0: start the input poll (every VCONSOLE_POLL_MS). */
void vconsole_init(void);

#define VCONSOLE_POLL_MS 20u

/* Does d hold the keyboard? (A racy snapshot, for display only.) */
bool vconsole_has_focus(struct domain *d);

/* One byte of hypervisor console input (the poll calls it). */
void vconsole_input(char c);

#endif
