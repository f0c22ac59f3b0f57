/*
 * The control domain (dom0), a PVH Linux that owns the machine's devices
 * (docs/dom0.md). Its RAM is identity-mapped (guest-physical = host-
 * physical) so that its devices' DMA lands where its drivers mean.
 */
#ifndef ASM_DOM0_H
#define ASM_DOM0_H

#include <oryx/types.h>

struct vcpu;

/*
 * Before the page allocator: find dom0's kernel and initrd among the boot
 * modules (Xen's convention: the first module whose line does not start
 * with a keyword, then the next one), keep the kernel's load range out of
 * the allocator and move any module out of its way.
 */
void dom0_boot_prepare(void);
/* After the boot-time domains: build and start dom0, if there is one. */
void dom0_create(void);
/* A nested page fault of dom0 outside its RAM: map device memory 1:1,
 * or ignore an access to what is hidden from it. False: crash it. */
bool dom0_handle_npf(struct vcpu *v, uint64_t gpa, uint64_t error);
/* A port access of dom0 that its bitmap intercepts: the ones the
 * hypervisor mediates (power, reset, PCI configuration) are done here;
 * false for the ones it may not reach (the caller floats them). */
bool dom0_handle_io(struct vcpu *v, uint16_t port, unsigned int size, bool in,
                    uint32_t *val);
/* The ports dom0_handle_io() mediates, for its bitmap. */
bool dom0_port_mediated(uint16_t port);

#endif
