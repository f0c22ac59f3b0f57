/*
 * The platform devices the hypervisor emulates for a domain, chosen by its
 * emulation flags (XEN_X86_EMU_*, Xen's names): every domain has its local
 * APICs (vlapic.c); an HVM one also the IOAPIC (vioapic.c), the HPET
 * (hpet.c) and the RTC (vrtc.c). A PVH domain has none of these, as on
 * Xen: its guest reads all-ones where they would be.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <public/xen.h>
#include <asm/hvm.h>
#include <asm/vioapic.h>
#include <asm/hpet.h>
#include <asm/vrtc.h>

int hvm_domain_devices_init(struct domain *d)
{
    int rc = 0;

    if (d->emulation & XEN_X86_EMU_IOAPIC)
        rc = vioapic_emul_init(d);
    if (!rc && (d->emulation & XEN_X86_EMU_HPET))
        rc = hpet_init(d);
    if (!rc && (d->emulation & XEN_X86_EMU_RTC))
        rc = vrtc_init(d);
    return rc;
}

void hvm_domain_devices_stop(struct domain *d)
{
    hpet_stop(d);
    vrtc_stop(d);
}

void hvm_domain_destroy(struct domain *d)
{
    hpet_destroy(d);
    vrtc_destroy(d);
    vioapic_destroy(d);
}
