/*
 * physdev_op for a PVH control domain (pvh-dom0-abi.md §4). Dom0 owns
 * every PCI device from the start, so hearing of one (pci_device_add) or
 * of an ECAM window (pci_mmcfg_reserved) is acknowledged after the
 * argument is read; the pirq and MSI sub-ops belong to PV guests.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/hypercall.h>
#include <asm/guest_access.h>
#include <public/physdev.h>

long do_physdev_op(struct vcpu *v, const struct hcall_args *args)
{
    union {
        struct physdev_pci_mmcfg_reserved mmcfg;
        struct physdev_pci_device_add add;
        struct physdev_pci_device dev;
    } u;
    size_t len;

    switch (args->a[0]) {
    case PHYSDEVOP_pci_mmcfg_reserved:
        len = sizeof(u.mmcfg);
        break;
    case PHYSDEVOP_pci_device_add:
        len = sizeof(u.add);
        break;
    case PHYSDEVOP_pci_device_remove:
        len = sizeof(u.dev);
        break;
    default:
        return -ENOSYS;         /* pirqs, MSI restore, debug port: not for PVH */
    }
    if (!is_control_domain(v->domain))
        return -EPERM;
    if (copy_from_guest(v, &u, args->a[1], len))
        return -EFAULT;
    return 0;
}
