/*
 * The Xen interface as a micro-guest sees it: the CPUID leaves, the
 * hypercall page, the shared_info page and the pvclock.
 */
#ifndef GUEST_XENIF_H
#define GUEST_XENIF_H

#include <stdbool.h>
#include <stdint.h>
#include <public/xen.h>

/* Base of the "XenVMMXenVMM" leaves (0x40000000 + 0x100 * k), 0 if none. */
uint32_t xen_cpuid_base(void);

/* The page the hypervisor fills on request (page-aligned, executable). */
extern uint8_t hypercall_page[4096];

/*
 * Ask for the hypercall page: write hypercall_page's address to the MSR
 * named by CPUID base+2 EBX. Returns the MSR index (0 if no Xen leaves).
 * Does not switch hypercalls to the page: see hypercall_page_enable().
 */
uint32_t hypercall_page_request(void);

/* Map shared_info with XENMEM_add_to_physmap at a page of our image;
 * returns it, or NULL with *rc set to the hypercall's error. */
struct shared_info *shared_info_map(long *rc);
extern struct shared_info *shared_info;

/*
 * SCHEDOP_poll on port (a second at a time) until it is pending, then
 * clears it; false after `seconds`. Needs shared_info mapped.
 */
bool evtchn_wait(uint32_t port, unsigned int seconds);

/* System time in ns from a vcpu_time_info (pvclock formula). */
uint64_t pvclock_read_ns(const struct vcpu_time_info *t);
/* TSC frequency in kHz implied by the pvclock scale, 0 if unset. */
uint64_t pvclock_tsc_khz(const struct vcpu_time_info *t);

#endif
