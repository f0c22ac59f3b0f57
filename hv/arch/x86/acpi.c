/*
 * Just enough ACPI to find the CPUs, the IOAPIC and the PM timer: RSDP
 * (from the boot loader or the BIOS areas), RSDT/XSDT, MADT, FADT. Every
 * table is checksummed and length-checked before use.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/acpi_build.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/page.h>
#include <asm/bootinfo.h>

struct acpi_info acpi_info;

struct rsdp {
    char sig[8];
    uint8_t checksum;
    char oem[6];
    uint8_t revision;
    uint32_t rsdt;
    uint32_t length;
    uint64_t xsdt;
    uint8_t xchecksum;
    uint8_t reserved[3];
} __packed;
_Static_assert(sizeof(struct rsdp) == 36, "ACPI RSDP");

struct sdt_header {
    char sig[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem[6], oem_table[8];
    uint32_t oem_rev, creator, creator_rev;
} __packed;
_Static_assert(sizeof(struct sdt_header) == 36, "ACPI SDT header");

static bool checksum_ok(const void *p, size_t len)
{
    uint8_t sum = 0;

    for (size_t i = 0; i < len; i++)
        sum += ((const uint8_t *)p)[i];
    return sum == 0;
}

static const struct rsdp *rsdp_scan(paddr_t start, paddr_t end)
{
    for (paddr_t p = start; p + 20 <= end; p += 16) {
        const struct rsdp *r = __va(p);
        if (!memcmp(r->sig, "RSD PTR ", 8) && checksum_ok(r, 20))
            return r;
    }
    return NULL;
}

static const struct sdt_header *table_at(paddr_t pa)
{
    const struct sdt_header *h;

    if (!pa || pa >= GiB(4))
        return NULL;
    h = __va(pa);
    if (h->length < sizeof(*h) || h->length > MiB(1) || !checksum_ok(h, h->length))
        return NULL;
    return h;
}

static void parse_madt(const struct sdt_header *madt)
{
    const uint8_t *p = (const uint8_t *)madt + sizeof(*madt) + 8;
    const uint8_t *end = (const uint8_t *)madt + madt->length;

    acpi_info.lapic_base = *(const uint32_t *)((const uint8_t *)madt + sizeof(*madt));
    while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
        switch (p[0]) {
        case 0:     /* processor local APIC */
            if (p[1] >= 8 && acpi_info.nr_cpus < MAX_CPUS && (p[4] & 1)) {
                acpi_info.cpus[acpi_info.nr_cpus].apic_id = p[3];
                acpi_info.cpus[acpi_info.nr_cpus++].enabled = true;
            }
            break;
        case 1:     /* IOAPIC */
            if (p[1] >= 12 && !acpi_info.ioapic_base)
                acpi_info.ioapic_base = *(const uint32_t *)(p + 4);
            break;
        default:
            break;  /* entries we do not use */
        }
        p += p[1];
    }
}

/* The first ECAM window of segment 0 (MCFG entries start at offset 44, 16
 * bytes each: base u64, segment u16, start bus u8, end bus u8). */
static void parse_mcfg(const struct sdt_header *h)
{
    const uint8_t *p = (const uint8_t *)h + 44, *end = (const uint8_t *)h + h->length;

    for (; p + 16 <= end && !acpi_info.mcfg_base; p += 16) {
        uint64_t base;
        memcpy(&base, p, 8);
        if (p[8] == 0 && p[9] == 0 && base && p[10] <= p[11]) {
            acpi_info.mcfg_base = base;
            acpi_info.mcfg_start_bus = p[10];
            acpi_info.mcfg_end_bus = p[11];
        }
    }
}

/* A FADT field is there when the table is long enough to hold it. */
#define FADT_HAS(len, field) \
    ((len) >= offsetof(struct acpi_fadt, field) + sizeof(((struct acpi_fadt *)0)->field))

/*
 * The PM timer (for clock calibration): X_PM_TMR_BLK when it is a port,
 * else PM_TMR_BLK (with PM_TMR_LEN 4); none on hardware-reduced ACPI.
 * TMR_VAL_EXT says 32 bits instead of 24.
 */
static void parse_fadt(const struct sdt_header *h)
{
    const struct acpi_fadt *f = (const struct acpi_fadt *)h;
    uint32_t len = h->length, flags = FADT_HAS(len, flags) ? f->flags : 0;
    uint64_t port = 0;

    if (flags & ACPI_FADT_HW_REDUCED)
        return;
    /* The sleep-control ports, where dom0's poweroff writes SLP_EN. */
    if (FADT_HAS(len, pm1a_cnt_blk) && f->pm1a_cnt_blk <= 0xFFFE)
        acpi_info.pm1a_cnt_port = (uint16_t)f->pm1a_cnt_blk;
    if (FADT_HAS(len, pm1b_cnt_blk) && f->pm1b_cnt_blk <= 0xFFFE)
        acpi_info.pm1b_cnt_port = (uint16_t)f->pm1b_cnt_blk;
    if (FADT_HAS(len, reset_value) && (flags & ACPI_FADT_RESET_REG_SUP) &&
        f->reset_reg.space_id == ACPI_GAS_SYSTEM_IO && f->reset_reg.address <= 0xFFFF) {
        acpi_info.reset_port = (uint16_t)f->reset_reg.address;
        acpi_info.reset_value = f->reset_value;
    }
    if (FADT_HAS(len, x_pm_tmr_blk) && f->x_pm_tmr_blk.space_id == ACPI_GAS_SYSTEM_IO)
        port = f->x_pm_tmr_blk.address;
    if (!port && FADT_HAS(len, pm_tmr_len) && f->pm_tmr_len == 4)
        port = f->pm_tmr_blk;
    if (!port || port > 0xFFFC)
        return;
    acpi_info.pm_tmr_port = (uint16_t)port;
    acpi_info.pm_tmr_bits = (flags & ACPI_FADT_TMR_VAL_EXT) ? 32 : 24;
}

int acpi_init(paddr_t hint)
{
    const struct rsdp *r = NULL;
    const struct sdt_header *root;
    bool x;

    if (hint) {
        r = __va(hint);
        if (memcmp(r->sig, "RSD PTR ", 8) || !checksum_ok(r, 20))
            r = NULL;
    }
    if (!r) {
        paddr_t ebda = boot_info.ebda;
        if (ebda >= 0x80000 && ebda < 0xA0000)
            r = rsdp_scan(ebda, ebda + 1024);
    }
    if (!r)
        r = rsdp_scan(0xE0000, 0x100000);
    if (!r)
        return -ENOENT;
    acpi_info.rsdp = __pa(r);
    x = r->revision >= 2 && r->xsdt && r->length >= sizeof(*r) && checksum_ok(r, sizeof(*r));
    root = table_at(x ? r->xsdt : r->rsdt);
    if (!root)
        return -ENOENT;
    size_t esz = x ? 8 : 4;
    size_t n = (root->length - sizeof(*root)) / esz;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *e = (const uint8_t *)root + sizeof(*root) + i * esz;
        paddr_t pa = x ? *(const uint64_t *)e : *(const uint32_t *)e;
        const struct sdt_header *t = table_at(pa);
        if (t && !memcmp(t->sig, "APIC", 4))
            parse_madt(t);
        else if (t && !memcmp(t->sig, "FACP", 4) && !acpi_info.pm_tmr_port)
            parse_fadt(t);
        else if (t && !memcmp(t->sig, "MCFG", 4))
            parse_mcfg(t);
    }
    return acpi_info.nr_cpus ? 0 : -ENOENT;
}
