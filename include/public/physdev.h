/*
 * physdev_op (hypercall 33): physdev_op(cmd, arg). A PVH control domain
 * tells the hypervisor about the PCI devices and ECAM windows it found;
 * the pirq-based sub-ops are PV only.
 */
#ifndef ORYX_PUBLIC_PHYSDEV_H
#define ORYX_PUBLIC_PHYSDEV_H

#include "xen.h"

#define PHYSDEVOP_manage_pci_add        15
#define PHYSDEVOP_manage_pci_remove     16
#define PHYSDEVOP_restore_msi           19
#define PHYSDEVOP_manage_pci_add_ext    20
#define PHYSDEVOP_pci_mmcfg_reserved    24
#define PHYSDEVOP_pci_device_add        25
#define PHYSDEVOP_pci_device_remove     26
#define PHYSDEVOP_restore_msi_ext       27
#define PHYSDEVOP_dbgp_op               29

/* pci_mmcfg_reserved: an ECAM window the domain found reserved. */
#define XEN_PCI_MMCFG_RESERVED          1
struct physdev_pci_mmcfg_reserved {
    uint64_t address;
    uint16_t segment;
    uint8_t  start_bus;
    uint8_t  end_bus;
    uint32_t flags;
};
XEN_ABI_ASSERT(sizeof(struct physdev_pci_mmcfg_reserved) == 16, "mmcfg_reserved size");

/* pci_device_add: a device found by the domain's PCI scan. */
#define XEN_PCI_DEV_EXTFN               1
#define XEN_PCI_DEV_VIRTFN              2
#define XEN_PCI_DEV_PXM                 4
struct physdev_pci_device_add {
    uint16_t seg;
    uint8_t  bus;
    uint8_t  devfn;
    uint32_t flags;
    struct {
        uint8_t bus;
        uint8_t devfn;
    } physfn;
    uint8_t  _pad[2];
    uint32_t optarr[];          /* the proximity domain with XEN_PCI_DEV_PXM */
};
XEN_ABI_ASSERT(sizeof(struct physdev_pci_device_add) == 12, "pci_device_add size");

/* pci_device_remove, restore_msi_ext: one device. */
struct physdev_pci_device {
    uint16_t seg;
    uint8_t  bus;
    uint8_t  devfn;
};
XEN_ABI_ASSERT(sizeof(struct physdev_pci_device) == 4, "pci_device size");

#endif
