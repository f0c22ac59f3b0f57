/*
 * The control domain at run time (asm/dom0.h): what its nested page
 * faults outside its own RAM mean. Device memory (PCI BARs, the MCFG
 * window, ROMs, whatever the host's memory map does not call RAM) is
 * mapped 1:1 on first touch, in 2 MiB pieces where nothing hidden lies
 * inside. Hidden from it: all other host RAM (the hypervisor's and other
 * domains'), the LAPIC and MSI window, the HPET. An access there reads
 * all-ones and writes nothing, as on an unclaimed bus, and is reported
 * once; dom0 goes on.
 */
#include <oryx/lib.h>
#include <oryx/domain.h>
#include <asm/acpi.h>
#include <asm/bootinfo.h>
#include <asm/dom0.h>
#include <asm/hvm.h>
#include <asm/npt.h>
#include <asm/page.h>
#include <asm/vpci.h>
#include <asm/io.h>
#include <asm/cpu.h>
#include <asm/time.h>
#include <oryx/domspec.h>
#include <public/xen.h>

#define MSI_WINDOW      0xFEE00000ULL   /* LAPIC registers and MSI writes */
#define MSI_WINDOW_END  0xFEF00000ULL
#define HPET_BASE       0xFED00000ULL   /* where the ACPI HPET table puts it on PCs */

static bool overlaps(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    return a < d && c < b;
}

static bool host_ram(uint64_t s, uint64_t e)
{
    for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
        const struct boot_mem_region *r = &boot_info.memmap[i];
        if (r->type == BOOT_MEM_RAM && overlaps(s, e, r->start, r->start + r->len))
            return true;
    }
    return false;
}

static const char *const hidden_names[] = {
    "RAM that is not dom0's", "the LAPIC/MSI window", "the IOAPIC", "the HPET",
};

/* What of [s, e) dom0 may not reach (an index into hidden_names), or -1.
 * Below 1 MiB nothing is: the hypervisor keeps none of it (dom0 has the
 * RAM there, and the BIOS data and ROMs, whose boundaries need not fall on
 * pages). */
static int hidden(uint64_t s, uint64_t e)
{
    if (e <= MiB(1))
        return -1;
    if (host_ram(s, e))
        return 0;
    if (overlaps(s, e, MSI_WINDOW, MSI_WINDOW_END))
        return 1;
    if (acpi_info.ioapic_base && overlaps(s, e, acpi_info.ioapic_base,
                                          acpi_info.ioapic_base + PAGE_SIZE))
        return 2;
    if (overlaps(s, e, HPET_BASE, HPET_BASE + PAGE_SIZE))
        return 3;
    return -1;
}

static uint64_t hidden_read(struct vcpu *v, gpaddr_t gpa, unsigned int size)
{
    (void)v;
    (void)gpa;
    return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static void hidden_write(struct vcpu *v, gpaddr_t gpa, unsigned int size, uint64_t val)
{
    (void)v;
    (void)gpa;
    (void)size;
    (void)val;
}

static const struct hvm_mmio_range hidden_range = {
    .start = 0, .end = ~0ULL, .read = hidden_read, .write = hidden_write,
};

bool dom0_handle_npf(struct vcpu *v, uint64_t gpa, uint64_t error)
{
    struct domain *d = v->domain;
    uint64_t page = gpa & ~(PAGE_SIZE - 1), big = gpa & ~(MiB(2) - 1);
    int what;

    if (gpa >= (1ULL << P2M_GPA_BITS))
        return false;
    what = hidden(page, page + PAGE_SIZE);
    if (what >= 0) {
        unsigned long bit = 1UL << what;
        if (!(__atomic_fetch_or(&d->arch.npf_warned, bit, __ATOMIC_RELAXED) & bit))
            printk_lvl(LOG_WARN, "d%u: %s of %#lx, %s hidden from it: ignored (reported "
                       "once)\n", d->id, (error & 2) ? "write" : "read",
                       (unsigned long)gpa, hidden_names[what]);
        return hvm_mmio_emulate_range(v, gpa, &hidden_range);
    }
    if (vpci_msix_in(page, page + PAGE_SIZE))
        return hvm_mmio_emulate_range(v, gpa, &vpci_msix_range);
    if (hidden(big, big + MiB(2)) < 0 && !vpci_msix_in(big, big + MiB(2)))
        return p2m_map(&d->p2m, big, big, MiB(2), P2M_R | P2M_W) == 0;
    return p2m_map(&d->p2m, page, page, PAGE_SIZE, P2M_R | P2M_W) == 0;
}

/* ---- ports ------------------------------------------------------------ */

#define PM1_SLP_EN      (1u << 13)
#define PORT_KBD_CMD    0x64
#define KBD_CMD_RESET   0xFE
#define PORT_RESET_CTL  0xCF9           /* PCI reset control: bit 2 resets */

static uint32_t port_in(uint16_t port, unsigned int size)
{
    return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
}

static void port_out(uint16_t port, unsigned int size, uint32_t val)
{
    if (size == 1)
        outb(port, (uint8_t)val);
    else if (size == 2)
        outw(port, (uint16_t)val);
    else
        outl(port, val);
}

bool dom0_port_mediated(uint16_t port)
{
    return vpci_port_mediated(port) || port == PORT_KBD_CMD || port == PORT_RESET_CTL ||
           (acpi_info.pm1a_cnt_port && port >= acpi_info.pm1a_cnt_port &&
            port < acpi_info.pm1a_cnt_port + 2) ||
           (acpi_info.pm1b_cnt_port && port >= acpi_info.pm1b_cnt_port &&
            port < acpi_info.pm1b_cnt_port + 2) ||
           (acpi_info.reset_port && port == acpi_info.reset_port);
}

/*
 * Dom0 is about to power the machine off or reset it: every other domain
 * is stopped first, by name, and given a moment to be torn down.
 */
static void stop_other_domains(struct domain *d0, const char *what)
{
    uint64_t until = NOW() + SECONDS(2);

    printk("(d%u) %s %s the machine: stopping every other domain\n", d0->id, d0->name, what);
    domain_print_stats(d0);
    vpci_print_stats();
    for (domid_t id = 1; id < DOMID_FIRST_RESERVED; id++) {
        struct domain *o = domain_by_id(id);
        if (!o || o->state == DOMAIN_DYING || o->destroy_claimed)
            continue;
        printk("(d%u) %s: stopped (%s)\n", o->id, o->name, what);
        o->on_poweroff = o->on_reboot = o->on_crash = DOMSPEC_DESTROY;
        domain_kill(o);
    }
    while (domain_count() > 1 && NOW() < until)
        cpu_relax();
}

bool dom0_handle_io(struct vcpu *v, uint16_t port, unsigned int size, bool in, uint32_t *val)
{
    if (!dom0_port_mediated(port))
        return false;
    if (vpci_port_mediated(port))
        return vpci_handle_io(v, port, size, in, val);
    if (in) {
        *val = port_in(port, size);
        return true;
    }
    if ((port == acpi_info.pm1a_cnt_port || port == acpi_info.pm1b_cnt_port) && size >= 2 &&
        (*val & PM1_SLP_EN))
        stop_other_domains(v->domain, "powers off");     /* S5: ACPI sleep is not offered */
    else if ((port == PORT_KBD_CMD && (*val & 0xFF) == KBD_CMD_RESET) ||
             (port == PORT_RESET_CTL && (*val & 4)) ||
             (port == acpi_info.reset_port && (*val & 0xFF) == acpi_info.reset_value))
        stop_other_domains(v->domain, "resets");
    port_out(port, size, *val);
    return true;
}
