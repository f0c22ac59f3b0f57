/*
 * Dom0's PCI configuration space (asm/vpci.h). Dom0 owns every device, so
 * its configuration accesses go to the hardware, through ports
 * 0xCF8/0xCFC and through the ECAM window alike; both are trapped for one
 * reason: interrupt programming. A device's MSI capability and its MSI-X
 * table say which CPU an interrupt goes to and at which vector, and dom0
 * may name only its own vCPUs and its own vectors (pvh-dom0-abi.md §3.5
 * (b)). A message address naming dom0's vCPU i is rewritten to the APIC
 * of the CPU vCPU i is pinned to; a message that names anything else, or
 * a vector outside dom0's range, or another delivery mode, is not
 * written, and that is reported once.
 *
 * Exits: a mechanism-1 access is a write of the address to 0xCF8 and an
 * access to 0xCFC-0xCFF. 0xCF8 must trap (a dword there spans 0xCF9, the
 * reset control), but the data ports need not: when the address dom0
 * latches names a register the checks have no interest in, the data ports
 * open in dom0's I/O bitmap and its access goes straight to the hardware,
 * one exit instead of two (Linux reads some 25,000 registers at boot, most
 * of absent devices). The hardware latch then always holds dom0's address;
 * for a register that is checked, the ports stay closed and the hardware
 * latch keeps the last open address, so an open port never reaches a
 * checked register. The hypervisor's own accesses use ECAM when there is
 * one; through the ports (no MCFG) they close the data ports first and put
 * dom0's address back after.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/spinlock.h>
#include <asm/acpi.h>
#include <asm/hvm.h>
#include <asm/io.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/vioapic.h>
#include <asm/vpci.h>
#include <asm/npt.h>

#define PCI_CF8         0xCF8
#define PCI_CFC         0xCFC
#define CF8_ENABLE      (1u << 31)

#define PCI_STATUS      0x06
#define PCI_STATUS_CAPS (1u << 4)
#define PCI_CAP_PTR     0x34
#define PCI_BAR0        0x10
#define PCI_BAR5_END    0x28
#define CAP_MSI         0x05
#define CAP_MSIX        0x11

#define MSI_ADDR_BASE   0xFEE00000u
#define MSI_ADDR_MASK   0xFFF00000u
#define MSI_DEST_SHIFT  12
#define MSI_ADDR_DM     (1u << 2)       /* logical destination */

#define MSIX_ENTRY      16u
#define MSIX_MAX_TABLES 8

static spinlock_t pci_lock = SPINLOCK_INIT;    /* the hardware's 0xCF8/0xCFC pair */
static uint32_t cf8_latch;                      /* dom0's 0xCF8 (one control domain) */
static uint8_t *data_ports;                     /* dom0's I/O bitmap byte for 0xCFC-0xCFF */
#define DATA_PORT_BITS  0xF0u                   /* bits of 0xCFC-0xCFF in that byte */
static unsigned long ports_opened;              /* data accesses that did not trap */
static bool warned;
static unsigned long port_accesses, ecam_accesses;     /* for the exit report */

/* Where an MSI-X table lies, for the trap on its pages. */
struct msix_table {
    uint8_t bus, devfn;
    paddr_t start, end;                 /* the entries, [start, end) */
};
static struct msix_table msix[MSIX_MAX_TABLES];
static unsigned int nr_msix;

/* ---- the hardware ---------------------------------------------------- */

/* Close dom0's data ports (pci_lock held); returns whether they were open. */
static uint8_t ports_close(void)
{
    uint8_t open;

    if (!data_ports)
        return 0;
    open = (uint8_t)(~__atomic_load_n(data_ports, __ATOMIC_RELAXED) & DATA_PORT_BITS);
    __atomic_fetch_or(data_ports, DATA_PORT_BITS, __ATOMIC_SEQ_CST);
    return open;
}

/* After the hypervisor used the ports: dom0's address back, then the
 * ports as they were (pci_lock held). */
static void ports_restore(uint8_t open)
{
    if (!open)
        return;
    outl(PCI_CF8, cf8_latch);
    __atomic_fetch_and(data_ports, (uint8_t)~open, __ATOMIC_SEQ_CST);
}

static uint32_t hw_read(unsigned int bus, unsigned int devfn, unsigned int reg,
                        unsigned int size)
{
    unsigned long f;
    uint32_t v;

    if (acpi_info.mcfg_base && bus >= acpi_info.mcfg_start_bus &&
        bus <= acpi_info.mcfg_end_bus && acpi_info.mcfg_base < GiB(4)) {
        uintptr_t a = (uintptr_t)__va(acpi_info.mcfg_base + ((bus << 20) | (devfn << 12) | reg));
        return size == 1 ? *(volatile uint8_t *)a : size == 2 ? *(volatile uint16_t *)a
                                                              : *(volatile uint32_t *)a;
    }
    if (reg >= 256)
        return ~0u;
    f = spin_lock_irqsave(&pci_lock);
    uint8_t open = ports_close();
    outl(PCI_CF8, CF8_ENABLE | (bus << 16) | (devfn << 8) | (reg & 0xFC));
    v = size == 1 ? inb(PCI_CFC + (reg & 3)) : size == 2 ? inw(PCI_CFC + (reg & 2))
                                                          : inl(PCI_CFC);
    ports_restore(open);
    spin_unlock_irqrestore(&pci_lock, f);
    return v;
}

static void hw_write(unsigned int bus, unsigned int devfn, unsigned int reg, unsigned int size,
                     uint32_t v)
{
    unsigned long f;

    if (acpi_info.mcfg_base && bus >= acpi_info.mcfg_start_bus &&
        bus <= acpi_info.mcfg_end_bus && acpi_info.mcfg_base < GiB(4)) {
        uintptr_t a = (uintptr_t)__va(acpi_info.mcfg_base + ((bus << 20) | (devfn << 12) | reg));
        if (size == 1)
            *(volatile uint8_t *)a = (uint8_t)v;
        else if (size == 2)
            *(volatile uint16_t *)a = (uint16_t)v;
        else
            *(volatile uint32_t *)a = v;
        return;
    }
    if (reg >= 256)
        return;
    f = spin_lock_irqsave(&pci_lock);
    uint8_t open = ports_close();
    outl(PCI_CF8, CF8_ENABLE | (bus << 16) | (devfn << 8) | (reg & 0xFC));
    if (size == 1)
        outb(PCI_CFC + (reg & 3), (uint8_t)v);
    else if (size == 2)
        outw(PCI_CFC + (reg & 2), (uint16_t)v);
    else
        outl(PCI_CFC, v);
    ports_restore(open);
    spin_unlock_irqrestore(&pci_lock, f);
}

/* Offset of capability id in the device's list, or 0. */
static unsigned int find_cap(unsigned int bus, unsigned int devfn, uint8_t id)
{
    unsigned int pos, guard = 48;

    if (hw_read(bus, devfn, 0, 2) == 0xFFFF ||
        !(hw_read(bus, devfn, PCI_STATUS, 2) & PCI_STATUS_CAPS))
        return 0;
    for (pos = hw_read(bus, devfn, PCI_CAP_PTR, 1) & 0xFC; pos >= 0x40 && guard--;
         pos = hw_read(bus, devfn, pos + 1, 1) & 0xFC)
        if (hw_read(bus, devfn, pos, 1) == id)
            return pos;
    return 0;
}

/* ---- the checks ------------------------------------------------------ */

static void refuse(struct domain *d, unsigned int bus, unsigned int devfn, const char *what,
                   uint32_t val)
{
    if (!warned)
        printk_lvl(LOG_WARN, "d%u: %02x:%02x.%u: %s %#x not written (reported once)\n", d->id,
                   bus, devfn >> 3, devfn & 7, what, val);
    warned = true;
}

/* An MSI address: dom0's vCPU turned into its CPU's APIC; false if none. */
static bool msi_addr_ok(struct domain *d, uint32_t *addr)
{
    unsigned int dest = (*addr >> MSI_DEST_SHIFT) & 0xFF;
    struct vcpu *t;

    if ((*addr & MSI_ADDR_MASK) != MSI_ADDR_BASE)
        return false;
    if (*addr & MSI_ADDR_DM) {          /* logical, flat: the lowest vCPU named */
        t = NULL;
        for (unsigned int i = 0; i < d->nr_vcpus && i < 8 && !t; i++)
            if (dest & (1u << i))
                t = d->vcpus[i];
    } else {
        t = dest < d->nr_vcpus ? d->vcpus[dest] : NULL;
    }
    if (!t)
        return false;
    *addr = MSI_ADDR_BASE | ((uint32_t)cpu_data[t->processor]->apic_id << MSI_DEST_SHIFT);
    return true;
}

static bool msi_data_ok(uint32_t data)
{
    unsigned int vec = data & 0xFF, mode = (data >> 8) & 7;

    return vec >= HWDOM_VEC_FIRST && vec <= HWDOM_VEC_LAST && mode <= 1;
}

static bool overlaps(unsigned int a, unsigned int alen, unsigned int b, unsigned int blen)
{
    return a < b + blen && b < a + alen;
}

/* A configuration write of dom0: false drops it. */
static bool config_write_ok(struct domain *d, unsigned int bus, unsigned int devfn,
                            unsigned int reg, unsigned int size, uint32_t *val)
{
    unsigned int cap = find_cap(bus, devfn, CAP_MSI), data;

    if (cap) {
        data = cap + ((hw_read(bus, devfn, cap + 2, 2) & 0x80) ? 12 : 8);
        if (overlaps(reg, size, cap + 4, 4)) {
            if (reg != cap + 4 || size != 4 || !msi_addr_ok(d, val)) {
                refuse(d, bus, devfn, "MSI address", *val);
                return false;
            }
        } else if (overlaps(reg, size, data, 2)) {
            if (reg != data || size < 2 || !msi_data_ok(*val)) {
                refuse(d, bus, devfn, "MSI data", *val);
                return false;
            }
        }
    }
    return true;
}

/* The MSI-X tables of bus:devfn, found again (a BAR may have moved): the
 * pages they now lie in leave dom0's nested page tables, so that its next
 * access there is trapped. */
static void msix_scan_device(struct domain *d, unsigned int bus, unsigned int devfn)
{
    unsigned int cap = find_cap(bus, devfn, CAP_MSIX), bir, i;
    uint32_t tbl, lo;
    uint64_t bar;

    for (i = 0; i < nr_msix; i++)
        if (msix[i].bus == bus && msix[i].devfn == devfn)
            break;
    if (!cap)
        return;
    tbl = hw_read(bus, devfn, cap + 4, 4);
    bir = tbl & 7;
    if (bir > 5)
        return;
    lo = hw_read(bus, devfn, PCI_BAR0 + 4 * bir, 4);
    if (lo & 1)
        return;                         /* an I/O BAR cannot hold it */
    bar = lo & ~0xFULL;
    if ((lo & 6) == 4 && bir < 5)
        bar |= (uint64_t)hw_read(bus, devfn, PCI_BAR0 + 4 * bir + 4, 4) << 32;
    if (i == nr_msix) {
        if (nr_msix == MSIX_MAX_TABLES)
            return;
        nr_msix++;
    }
    msix[i].bus = (uint8_t)bus;
    msix[i].devfn = (uint8_t)devfn;
    msix[i].start = bar + (tbl & ~7u);
    msix[i].end = msix[i].start + ((hw_read(bus, devfn, cap + 2, 2) & 0x7FF) + 1) * MSIX_ENTRY;
    if (msix[i].end > GiB(4)) {
        printk_lvl(LOG_WARN, "d%u: MSI-X table of %02x:%02x.%u above 4 GiB: not checked\n",
                   d->id, bus, devfn >> 3, devfn & 7);
        return;
    }
    if (d->p2m.root) {
        p2m_unmap(&d->p2m, ALIGN_DOWN(msix[i].start, PAGE_SIZE),
                  ALIGN_UP(msix[i].end, PAGE_SIZE) - ALIGN_DOWN(msix[i].start, PAGE_SIZE));
        domain_flush_tlb(d);
    }
}

bool vpci_msix_in(paddr_t s, paddr_t e)
{
    for (unsigned int i = 0; i < nr_msix; i++)
        if (s < ALIGN_UP(msix[i].end, PAGE_SIZE) && ALIGN_DOWN(msix[i].start, PAGE_SIZE) < e)
            return true;
    return false;
}

/* ---- dom0's accesses ------------------------------------------------- */

static void config_access(struct vcpu *v, unsigned int bus, unsigned int devfn,
                          unsigned int reg, unsigned int size, bool in, uint32_t *val)
{
    if (in) {
        *val = hw_read(bus, devfn, reg, size);
        return;
    }
    if (!config_write_ok(v->domain, bus, devfn, reg, size, val))
        return;
    hw_write(bus, devfn, reg, size, *val);
    if (overlaps(reg, size, PCI_BAR0, PCI_BAR5_END - PCI_BAR0))
        msix_scan_device(v->domain, bus, devfn);    /* its MSI-X table may have moved */
}

/* 0xCF8 traps although only 0xCFC-0xCFF carry data: a dword access there
 * spans 0xCF9, the reset control, which must trap (asm/dom0.h). */
bool vpci_port_mediated(uint16_t port)
{
    return port >= PCI_CF8 && port < PCI_CFC + 4 && port != PCI_CF8 + 1;   /* 0xCF9: reset */
}

/* Does a write to the dword at reg of bus:devfn need config_write_ok()? */
static bool reg_checked(unsigned int bus, unsigned int devfn, unsigned int reg)
{
    unsigned int cap;

    if (reg >= PCI_BAR0 && reg < PCI_BAR5_END)
        return true;                    /* a BAR moves an MSI-X table */
    cap = find_cap(bus, devfn, CAP_MSI);
    return cap && reg + 4 > cap && reg < cap + 24;
}

/* Dom0 latches an address: its data accesses go to the hardware unless
 * the register is one the checks watch. */
static void latch(uint32_t addr)
{
    unsigned int bus = (addr >> 16) & 0xFF, devfn = (addr >> 8) & 0xFF, reg = addr & 0xFC;
    /* Before the lock: finding the capability reads configuration space. */
    bool open = (addr & CF8_ENABLE) && !reg_checked(bus, devfn, reg);
    unsigned long f = spin_lock_irqsave(&pci_lock);

    ports_close();
    cf8_latch = addr;
    if (open && data_ports) {
        outl(PCI_CF8, addr);
        __atomic_fetch_and(data_ports, (uint8_t)~DATA_PORT_BITS, __ATOMIC_SEQ_CST);
        ports_opened++;
    }
    spin_unlock_irqrestore(&pci_lock, f);
}

bool vpci_handle_io(struct vcpu *v, uint16_t port, unsigned int size, bool in, uint32_t *val)
{
    port_accesses++;
    if (port == PCI_CF8 && size == 4) {
        if (in) {
            *val = cf8_latch;
        } else {
            latch(*val);
        }
        return true;
    }
    if (port >= PCI_CFC && port + size <= PCI_CFC + 4 && (cf8_latch & CF8_ENABLE)) {
        config_access(v, (cf8_latch >> 16) & 0xFF, (cf8_latch >> 8) & 0xFF,
                      (cf8_latch & 0xFC) | (port & 3), size, in, val);
        return true;
    }
    if (in)
        *val = ~0u;                     /* no configuration cycle: the bus floats */
    return true;
}

static uint64_t ecam_read(struct vcpu *v, gpaddr_t gpa, unsigned int size)
{
    uint64_t off = gpa - acpi_info.mcfg_base;
    uint32_t val;

    ecam_accesses++;
    if (size == 8)
        return ~0ULL;                   /* configuration accesses are at most 32 bits */
    config_access(v, (off >> 20) & 0xFF, (off >> 12) & 0xFF, off & 0xFFF, size, true, &val);
    return val;
}

static void ecam_write(struct vcpu *v, gpaddr_t gpa, unsigned int size, uint64_t val)
{
    uint64_t off = gpa - acpi_info.mcfg_base;
    uint32_t v32 = (uint32_t)val;

    ecam_accesses++;
    if (size != 8)
        config_access(v, (off >> 20) & 0xFF, (off >> 12) & 0xFF, off & 0xFFF, size, false,
                      &v32);
}

/* The pages of MSI-X tables: entries checked, everything else passed. */
static const struct msix_table *msix_at(gpaddr_t gpa)
{
    for (unsigned int i = 0; i < nr_msix; i++)
        if (gpa >= msix[i].start && gpa < msix[i].end)
            return &msix[i];
    return NULL;
}

static uint64_t msix_page_read(struct vcpu *v, gpaddr_t gpa, unsigned int size)
{
    uintptr_t a = (uintptr_t)__va(gpa);

    (void)v;
    return size == 1 ? *(volatile uint8_t *)a : size == 2 ? *(volatile uint16_t *)a :
           size == 4 ? *(volatile uint32_t *)a : *(volatile uint64_t *)a;
}

static void msix_page_write(struct vcpu *v, gpaddr_t gpa, unsigned int size, uint64_t val)
{
    const struct msix_table *t = msix_at(gpa);
    uintptr_t a = (uintptr_t)__va(gpa);

    if (t) {
        unsigned int field = (unsigned int)(gpa - t->start) % MSIX_ENTRY;
        uint32_t lo = (uint32_t)val;
        bool ok;

        if (size == 8 && field == 0)
            ok = msi_addr_ok(v->domain, &lo) && (val >> 32) == 0;  /* address, both halves */
        else if (size == 8 && field == 8)
            ok = msi_data_ok(lo);       /* data, and the vector control */
        else if (size == 4 && field == 0)
            ok = msi_addr_ok(v->domain, &lo);
        else if (size == 4 && field == 4)
            ok = lo == 0;               /* no destination above 255 without remapping */
        else if (size == 4 && field == 8)
            ok = msi_data_ok(lo);
        else
            ok = size == 4 && field == 12;      /* the mask bit */
        if (!ok) {
            refuse(v->domain, t->bus, t->devfn, "MSI-X entry", lo);
            return;
        }
        val = (val & ~0xFFFFFFFFULL) | lo;
    }
    if (size == 1)
        *(volatile uint8_t *)a = (uint8_t)val;
    else if (size == 2)
        *(volatile uint16_t *)a = (uint16_t)val;
    else if (size == 4)
        *(volatile uint32_t *)a = (uint32_t)val;
    else
        *(volatile uint64_t *)a = val;
}

const struct hvm_mmio_range vpci_msix_range = {
    .start = 0, .end = ~0ULL, .read = msix_page_read, .write = msix_page_write,
};

int vpci_hwdom_init(struct domain *d)
{
    unsigned int last = acpi_info.mcfg_base ? acpi_info.mcfg_end_bus : 255;
    int rc;

    if (d->arch.io_bitmap)
        data_ports = (uint8_t *)__va(d->arch.io_bitmap) + PCI_CFC / 8;

    if (acpi_info.mcfg_base && acpi_info.mcfg_base < GiB(4)) {
        struct hvm_mmio_range ecam = {
            .start = acpi_info.mcfg_base + ((paddr_t)acpi_info.mcfg_start_bus << 20),
            .end = acpi_info.mcfg_base + ((paddr_t)(acpi_info.mcfg_end_bus + 1) << 20),
            .read = ecam_read, .write = ecam_write,
        };
        rc = hvm_mmio_register(d, &ecam);
        if (rc)
            return rc;
    }
    /* The tables the firmware placed; dom0 moving a BAR is followed above. */
    for (unsigned int bus = 0; bus <= last; bus++)
        for (unsigned int devfn = 0; devfn < 256; devfn++)
            if (hw_read(bus, devfn, 0, 2) != 0xFFFF)
                msix_scan_device(d, bus, devfn);
    return 0;
}

void vpci_hwdom_release(void)
{
    unsigned long f = spin_lock_irqsave(&pci_lock);

    data_ports = NULL;
    spin_unlock_irqrestore(&pci_lock, f);
}

void vpci_print_stats(void)
{
    printk("d0: PCI configuration accesses trapped: %lu by ports 0xCF8-0xCFF, %lu by ECAM; "
           "data ports opened %lu times\n", port_accesses, ecam_accesses, ports_opened);
}
