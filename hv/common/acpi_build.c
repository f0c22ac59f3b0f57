/*
 * Per-guest ACPI tables (see oryx/acpi_build.h and docs/design/acpi.md):
 * the smallest set with which stock Linux finds its CPUs through the MADT
 * and runs in hardware-reduced mode, touching no legacy hardware; for a
 * domain with a PC's chipset, its IOAPIC, HPET and CMOS RTC as well.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/acpi_build.h>

#define RSDP_AREA    64u        /* RSDP padded so the XSDT starts aligned */
#define XSDT_MAX     3u         /* FADT, MADT; pc: HPET */

/*
 * A PC chipset's DSDT body: the CMOS RTC as an ACPI device, so that an OS
 * finds its ports and its interrupt (a PVH guest has no legacy IRQs to
 * assume IRQ 8 from). The AML of:
 *   Scope (\_SB) { Device (RTC) { Name (_HID, EisaId ("PNP0B00"))
 *     Name (_CRS, ResourceTemplate () {
 *       IO (Decode16, 0x0070, 0x0070, 0x01, 0x02) IRQNoFlags () {8} }) } }
 * (unit/acpi_build compiles that ASL with iasl and compares).
 */
static const uint8_t dsdt_pc_aml[] = {
    0x10, 0x2C, '_', 'S', 'B', '_',                 /* Scope, 44 bytes */
    0x5B, 0x82, 0x25, 'R', 'T', 'C', '_',           /* Device, 37 bytes */
    0x08, '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x0B, 0x00,    /* PNP0B00 */
    0x08, '_', 'C', 'R', 'S', 0x11, 0x10, 0x0A, 0x0D,          /* Buffer, 13 bytes */
    0x47, 0x01, 0x70, 0x00, 0x70, 0x00, 0x01, 0x02, /* IO 0x70-0x71 */
    0x22, 0x00, 0x01,                               /* IRQ 8 */
    0x79, 0x00,                                     /* end tag */
};

/* Table offsets within the buffer for one vCPU count. */
struct acpi_layout {
    size_t xsdt, fadt, dsdt, madt, hpet, end;
    uint32_t xsdt_len, madt_len, dsdt_len, nr_xsdt;
};

static uint32_t madt_entries_len(uint32_t nr_vcpus, bool pc)
{
    uint32_t small = MIN(nr_vcpus, ACPI_MADT_LAPIC_MAX_ID + 1);

    return small * (uint32_t)sizeof(struct acpi_madt_lapic) +
           (nr_vcpus - small) * (uint32_t)sizeof(struct acpi_madt_x2apic) +
           (pc ? (uint32_t)(sizeof(struct acpi_madt_ioapic) + sizeof(struct acpi_madt_iso)) : 0);
}

/* Only called with 1 <= nr_vcpus <= ACPI_BUILD_MAX_VCPUS: no overflow. */
static void layout_for(uint32_t nr_vcpus, bool pc, struct acpi_layout *l)
{
    l->nr_xsdt = pc ? 3 : 2;
    l->xsdt_len = (uint32_t)(sizeof(struct acpi_sdt_header) + l->nr_xsdt * sizeof(uint64_t));
    l->madt_len = (uint32_t)sizeof(struct acpi_madt) + madt_entries_len(nr_vcpus, pc);
    l->dsdt_len = (uint32_t)(sizeof(struct acpi_sdt_header) + (pc ? sizeof(dsdt_pc_aml) : 0));
    l->xsdt = RSDP_AREA;
    l->fadt = ALIGN_UP(l->xsdt + l->xsdt_len, ACPI_BUILD_ALIGN);
    l->dsdt = ALIGN_UP(l->fadt + sizeof(struct acpi_fadt), ACPI_BUILD_ALIGN);
    l->madt = ALIGN_UP(l->dsdt + l->dsdt_len, ACPI_BUILD_ALIGN);
    l->end = l->madt + l->madt_len;
    l->hpet = 0;
    if (pc) {
        l->hpet = ALIGN_UP(l->end, ACPI_BUILD_ALIGN);
        l->end = l->hpet + sizeof(struct acpi_hpet);
    }
}

size_t acpi_build_size(uint32_t nr_vcpus, bool pc)
{
    struct acpi_layout l;

    if (nr_vcpus == 0 || nr_vcpus > ACPI_BUILD_MAX_VCPUS)
        return 0;
    layout_for(nr_vcpus, pc, &l);
    return l.end;
}

uint8_t acpi_sum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t s = 0;

    for (size_t i = 0; i < len; i++)
        s = (uint8_t)(s + b[i]);
    return s;
}

/* The value that makes len bytes (checksum byte still 0) sum to zero. */
static uint8_t checksum_of(const void *p, size_t len)
{
    return (uint8_t)(0u - acpi_sum(p, len));
}

static void header_init(struct acpi_sdt_header *h, const char sig[4], uint32_t len,
                        uint8_t rev)
{
    memcpy(h->signature, sig, 4);
    h->length = len;
    h->revision = rev;
    memcpy(h->oem_id, ACPI_OEM_ID, 6);
    memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, 8);
    h->oem_revision = 1;
    memcpy(h->creator_id, ACPI_CREATOR_ID, 4);
    h->creator_revision = 1;
}

static void header_seal(struct acpi_sdt_header *h)
{
    h->checksum = 0;
    h->checksum = checksum_of(h, h->length);
}

static void build_fadt(struct acpi_fadt *f, uint64_t dsdt_gpa, bool pc)
{
    header_init(&f->h, ACPI_SIG_FADT, sizeof(*f), 6);
    /* The 32-bit copy only when it is exact: ACPICA warns on a mismatch. */
    f->dsdt = dsdt_gpa <= UINT32_MAX ? (uint32_t)dsdt_gpa : 0;
    f->x_dsdt = dsdt_gpa;
    /* No SCI, SMI, PM blocks or GPEs: hardware-reduced needs none. */
    f->iapc_boot_arch = ACPI_IAPC_NO_VGA | (pc ? 0 : ACPI_IAPC_NO_CMOS_RTC);
    f->century = pc ? ACPI_RTC_CENTURY : 0;
    f->flags = ACPI_FADT_WBINVD | ACPI_FADT_PWR_BUTTON | ACPI_FADT_SLP_BUTTON |
               ACPI_FADT_FORCE_APIC_PHYS | ACPI_FADT_HW_REDUCED;
    f->minor_version = 0;       /* ACPI 6.0 */
    header_seal(&f->h);
}

static void build_madt(struct acpi_madt *m, uint32_t len, uint32_t nr_vcpus, bool pc)
{
    uint8_t *e = (uint8_t *)(m + 1);

    header_init(&m->h, ACPI_SIG_MADT, len, 4);    /* ACPI 6.0 MADT */
    m->lapic_addr = ACPI_LAPIC_ADDR;
    m->flags = 0;
    /* UID and APIC id are both the vCPU id: the LAPIC model reports it. */
    for (uint32_t id = 0; id < nr_vcpus; id++) {
        if (id <= ACPI_MADT_LAPIC_MAX_ID) {
            struct acpi_madt_lapic l = {
                .type = ACPI_MADT_LAPIC, .length = sizeof(l),
                .acpi_uid = (uint8_t)id, .apic_id = (uint8_t)id,
                .flags = ACPI_MADT_ENABLED,
            };
            memcpy(e, &l, sizeof(l));
            e += sizeof(l);
        } else {
            struct acpi_madt_x2apic x = {
                .type = ACPI_MADT_X2APIC, .length = sizeof(x),
                .x2apic_id = id, .flags = ACPI_MADT_ENABLED, .acpi_uid = id,
            };
            memcpy(e, &x, sizeof(x));
            e += sizeof(x);
        }
    }
    if (pc) {
        struct acpi_madt_ioapic io = {
            .type = ACPI_MADT_IOAPIC, .length = sizeof(io),
            .ioapic_id = 0, .address = ACPI_IOAPIC_ADDR, .gsi_base = 0,
        };
        /* ISA IRQ 0 (the timer) on pin 2; flags 0: as the bus says (edge, high). */
        struct acpi_madt_iso iso = {
            .type = ACPI_MADT_ISO, .length = sizeof(iso), .bus = 0, .source = 0, .gsi = 2,
        };
        memcpy(e, &io, sizeof(io));
        e += sizeof(io);
        memcpy(e, &iso, sizeof(iso));
    }
    header_seal(&m->h);
}

static void build_hpet(struct acpi_hpet *t)
{
    header_init(&t->h, ACPI_SIG_HPET, sizeof(*t), 1);
    t->block_id = ACPI_HPET_BLOCK_ID;
    t->base = (struct acpi_gas){ .space_id = 0, .bit_width = 64, .address = ACPI_HPET_ADDR };
    t->min_tick = 0x80;
    t->page_protection = 1;             /* 4 KiB protected */
    header_seal(&t->h);
}

int acpi_build_tables(const struct acpi_build_params *p, void *buf, size_t buf_size,
                      struct acpi_build_result *res, const char **why)
{
    struct acpi_layout l;
    uint8_t *b = buf;
    int rc = -EINVAL;

    *why = NULL;
    if (p->nr_vcpus == 0 || p->nr_vcpus > ACPI_BUILD_MAX_VCPUS) {
        *why = "vCPU count out of range";
        goto out;
    }
    if (!IS_ALIGNED(p->gpa, ACPI_BUILD_ALIGN)) {
        *why = "table address not 16-byte aligned";
        goto out;
    }
    layout_for(p->nr_vcpus, p->pc, &l);
    if (p->gpa > UINT64_MAX - l.end) {
        *why = "tables would wrap the address space";
        goto out;
    }
    if (!buf || buf_size < l.end) {
        rc = -ENOSPC;
        *why = "buffer too small for the ACPI tables";
        goto out;
    }

    memset(b, 0, l.end);

    build_fadt((struct acpi_fadt *)(b + l.fadt), p->gpa + l.dsdt, p->pc);

    struct acpi_sdt_header *dsdt = (struct acpi_sdt_header *)(b + l.dsdt);
    header_init(dsdt, ACPI_SIG_DSDT, l.dsdt_len, 2);   /* rev 2: 64-bit AML ints */
    if (p->pc)
        memcpy(dsdt + 1, dsdt_pc_aml, sizeof(dsdt_pc_aml));
    header_seal(dsdt);

    build_madt((struct acpi_madt *)(b + l.madt), l.madt_len, p->nr_vcpus, p->pc);
    if (p->pc)
        build_hpet((struct acpi_hpet *)(b + l.hpet));

    struct acpi_sdt_header *xsdt = (struct acpi_sdt_header *)(b + l.xsdt);
    uint64_t entries[XSDT_MAX] = { p->gpa + l.fadt, p->gpa + l.madt, p->gpa + l.hpet };
    header_init(xsdt, ACPI_SIG_XSDT, l.xsdt_len, 1);
    memcpy(xsdt + 1, entries, l.nr_xsdt * sizeof(uint64_t));
    header_seal(xsdt);

    struct acpi_rsdp *r = (struct acpi_rsdp *)b;
    memcpy(r->signature, ACPI_SIG_RSDP, 8);
    memcpy(r->oem_id, ACPI_OEM_ID, 6);
    r->revision = 2;
    r->rsdt_addr = 0;
    r->length = sizeof(*r);
    r->xsdt_addr = p->gpa + l.xsdt;
    r->checksum = checksum_of(r, 20);
    r->ext_checksum = checksum_of(r, sizeof(*r));

    res->rsdp_gpa = p->gpa;
    res->size = l.end;
    rc = 0;
out:
    return rc;
}
