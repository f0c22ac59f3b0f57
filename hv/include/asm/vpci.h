/*
 * The control domain's PCI configuration space (hvm/vpci.c): passed to
 * the hardware through 0xCF8/0xCFC and the ECAM window, except the MSI
 * and MSI-X programming, which is checked and given physical
 * destinations.
 */
#ifndef ASM_VPCI_H
#define ASM_VPCI_H

#include <oryx/types.h>
#include <asm/domain.h>

struct domain;
struct vcpu;

/* Traps the ECAM window and finds the MSI-X tables. 0 or -errno. */
int vpci_hwdom_init(struct domain *d);
/* Dom0 is gone: forget its I/O bitmap. */
void vpci_hwdom_release(void);
bool vpci_port_mediated(uint16_t port);
bool vpci_handle_io(struct vcpu *v, uint16_t port, unsigned int size, bool in, uint32_t *val);
/* Does [s, e) hold part of an MSI-X table? Its accesses go through
 * vpci_msix_range, never a direct mapping. */
bool vpci_msix_in(paddr_t s, paddr_t e);
extern const struct hvm_mmio_range vpci_msix_range;
/* How many configuration accesses were trapped, on the console. */
void vpci_print_stats(void);

#endif
