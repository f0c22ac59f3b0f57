/* Host tests of the per-guest ACPI table builder (hv/common/acpi_build.c). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "unit.h"
#include <oryx/acpi_build.h>

#define TEST_GPA 0xFC000000ULL
#define BUF_SIZE 65536

static uint8_t buf[BUF_SIZE] __attribute__((aligned(16)));

static uint8_t sum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s = (uint8_t)(s + b[i]);
    return s;
}

/* The buffer bytes at guest address gpa, or NULL when [gpa, gpa+len) is
 * not inside the part of the buffer the builder said it used. */
static const uint8_t *at(uint64_t base, uint64_t used, uint64_t gpa, uint64_t len)
{
    if (gpa < base || gpa - base > used || len > used - (gpa - base))
        return NULL;
    return buf + (gpa - base);
}

/* A table with a checked header, or NULL (with a failed CHECK). */
static const struct acpi_sdt_header *table(uint64_t base, uint64_t used, uint64_t gpa,
                                           const char *sig)
{
    const struct acpi_sdt_header *h = (const void *)at(base, used, gpa, sizeof(*h));
    CHECK(h != NULL);
    if (!h)
        return NULL;
    CHECK(memcmp(h->signature, sig, 4) == 0);
    CHECK(at(base, used, gpa, h->length) != NULL);
    if (!at(base, used, gpa, h->length))
        return NULL;
    CHECK_EQ(sum(h, h->length), 0);
    CHECK(memcmp(h->oem_id, "ORYX  ", 6) == 0);
    CHECK_EQ(gpa % 8, 0);
    return h;
}

struct parsed {
    const struct acpi_fadt *fadt;
    const struct acpi_sdt_header *dsdt;
    const struct acpi_madt *madt;
    const struct acpi_hpet *hpet;
};

/* Walk RSDP -> XSDT -> tables as an OS would; pc: the PC chipset's too. */
static void parse_pc(uint64_t base, const struct acpi_build_result *res, struct parsed *out,
                     bool pc)
{
    memset(out, 0, sizeof(*out));
    CHECK(res->size > 0 && res->size <= BUF_SIZE);
    const struct acpi_rsdp *r = (const void *)at(base, res->size, res->rsdp_gpa, sizeof(*r));
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK(memcmp(r->signature, "RSD PTR ", 8) == 0);
    CHECK_EQ(sum(r, 20), 0);
    CHECK_EQ(sum(r, 36), 0);
    CHECK_EQ(r->revision, 2);
    CHECK_EQ(r->length, 36);
    CHECK(memcmp(r->oem_id, "ORYX  ", 6) == 0);
    CHECK_EQ(res->rsdp_gpa % 16, 0);

    const struct acpi_sdt_header *x = table(base, res->size, r->xsdt_addr, "XSDT");
    if (!x)
        return;
    CHECK_EQ(x->length, 36 + (pc ? 3 : 2) * 8);
    for (size_t i = 0; i < (x->length - 36) / 8; i++) {
        uint64_t a;
        memcpy(&a, (const uint8_t *)x + 36 + 8 * i, 8);
        const struct acpi_sdt_header *t = (const void *)at(base, res->size, a, 36);
        CHECK(t != NULL);
        if (!t)
            continue;
        if (!memcmp(t->signature, "FACP", 4)) {
            CHECK(out->fadt == NULL);
            out->fadt = (const void *)table(base, res->size, a, "FACP");
        } else if (!memcmp(t->signature, "APIC", 4)) {
            CHECK(out->madt == NULL);
            out->madt = (const void *)table(base, res->size, a, "APIC");
        } else if (pc && !memcmp(t->signature, "HPET", 4)) {
            CHECK(out->hpet == NULL);
            out->hpet = (const void *)table(base, res->size, a, "HPET");
        } else {
            CHECK(!"unexpected table in the XSDT");
        }
    }
    CHECK(out->fadt != NULL);
    CHECK(out->madt != NULL);
    CHECK(!pc || out->hpet != NULL);
    if (out->hpet) {
        const struct acpi_hpet *h = out->hpet;
        CHECK_EQ(h->h.length, 56);
        CHECK_EQ(h->block_id, 0x8086A201u);
        CHECK_EQ(h->base.space_id, 0);
        CHECK_EQ(h->base.bit_width, 64);
        CHECK_EQ(h->base.address, 0xFED00000ULL);
        CHECK_EQ(h->number, 0);
    }
    if (out->fadt) {
        const struct acpi_fadt *f = out->fadt;
        CHECK_EQ(f->h.length, 276);
        CHECK_EQ(f->h.revision, 6);
        CHECK(f->flags & ACPI_FADT_HW_REDUCED);
        CHECK(f->flags & ACPI_FADT_FORCE_APIC_PHYS);
        if (pc) {
            CHECK_EQ(f->iapc_boot_arch, 0x04);  /* no VGA, no 8042; a CMOS RTC */
            CHECK_EQ(f->century, 0x32);
        } else {
            CHECK_EQ(f->iapc_boot_arch, 0x24);  /* no VGA, no CMOS RTC, no 8042 */
            CHECK_EQ(f->century, 0);
        }
        CHECK_EQ(f->sci_int, 0);
        CHECK_EQ(f->firmware_ctrl, 0);
        CHECK_EQ(f->x_firmware_ctrl, 0);
        CHECK_EQ(f->pm1a_evt_blk, 0);
        CHECK_EQ(f->pm_tmr_blk, 0);
        CHECK(f->x_dsdt != 0);
        CHECK(f->dsdt == 0 || f->dsdt == f->x_dsdt);
        out->dsdt = table(base, res->size, f->x_dsdt, "DSDT");
        if (out->dsdt) {
            CHECK_EQ(out->dsdt->length, pc ? 81 : 36);      /* pc: + the RTC device */
            CHECK_EQ(out->dsdt->revision, 2);
        }
    }
}

static void parse(uint64_t base, const struct acpi_build_result *res, struct parsed *out)
{
    parse_pc(base, res, out, false);
}

/* Checks the MADT lists vCPUs 0..n-1 in order, the right entry type each;
 * pc: then the IOAPIC and the override of IRQ 0, and nothing else. */
static void check_madt_pc(const struct acpi_madt *m, uint32_t n, bool pc)
{
    CHECK_EQ(m->lapic_addr, 0xFEE00000u);
    CHECK_EQ(m->flags, 0);
    const uint8_t *e = (const uint8_t *)(m + 1), *end = (const uint8_t *)m + m->h.length;
    uint32_t id = 0, ioapics = 0, isos = 0;
    while (e < end) {
        CHECK(end - e >= 2);
        CHECK(e[1] >= 2 && e[1] <= end - e);
        if (e[1] < 2 || e[1] > end - e)
            return;
        if (e[0] == ACPI_MADT_LAPIC) {
            struct acpi_madt_lapic l;
            CHECK_EQ(e[1], 8);
            memcpy(&l, e, sizeof(l));
            CHECK(id < 255);
            CHECK_EQ(l.acpi_uid, id);
            CHECK_EQ(l.apic_id, id);
            CHECK_EQ(l.flags, ACPI_MADT_ENABLED);
        } else if (e[0] == ACPI_MADT_X2APIC) {
            struct acpi_madt_x2apic x;
            CHECK_EQ(e[1], 16);
            memcpy(&x, e, sizeof(x));
            CHECK(id >= 255);
            CHECK_EQ(x.x2apic_id, id);
            CHECK_EQ(x.acpi_uid, id);
            CHECK_EQ(x.flags, ACPI_MADT_ENABLED);
            CHECK_EQ(x.reserved, 0);
        } else if (pc && e[0] == ACPI_MADT_IOAPIC && !ioapics) {
            struct acpi_madt_ioapic io;
            CHECK_EQ(e[1], 12);
            memcpy(&io, e, sizeof(io));
            CHECK_EQ(io.address, 0xFEC00000u);
            CHECK_EQ(io.gsi_base, 0);
            CHECK_EQ(id, n);                    /* after the CPUs */
            ioapics++;
            e += e[1];
            continue;
        } else if (pc && e[0] == ACPI_MADT_ISO && !isos) {
            struct acpi_madt_iso iso;
            CHECK_EQ(e[1], 10);
            memcpy(&iso, e, sizeof(iso));
            CHECK_EQ(iso.bus, 0);
            CHECK_EQ(iso.source, 0);
            CHECK_EQ(iso.gsi, 2);
            CHECK_EQ(iso.flags, 0);
            isos++;
            e += e[1];
            continue;
        } else {
            CHECK(!"unexpected MADT entry type");  /* PVH: no IOAPIC, no overrides */
        }
        id++;
        e += e[1];
    }
    CHECK_EQ(id, n);
    CHECK_EQ(ioapics, pc ? 1u : 0u);
    CHECK_EQ(isos, pc ? 1u : 0u);
}


static void build_and_check_pc(uint32_t n, uint64_t gpa, bool pc)
{
    struct acpi_build_params p = { .nr_vcpus = n, .gpa = gpa, .pc = pc };
    struct acpi_build_result res = { 0, 0 };
    const char *why = "unset";
    struct parsed t;

    memset(buf, 0xA5, sizeof(buf));
    CHECK_EQ(acpi_build_tables(&p, buf, sizeof(buf), &res, &why), 0);
    CHECK(why == NULL);
    CHECK_EQ(res.rsdp_gpa, gpa);
    CHECK_EQ(res.size, acpi_build_size(n, pc));
    CHECK(res.size <= 4096 || n > 255);
    parse_pc(gpa, &res, &t, pc);
    if (t.madt)
        check_madt_pc(t.madt, n, pc);
    /* Nothing written past the end it reported. */
    for (size_t i = res.size; i < sizeof(buf); i++)
        if (buf[i] != 0xA5) {
            CHECK(!"byte written past result size");
            break;
        }
}

static void build_and_check(uint32_t n, uint64_t gpa)
{
    build_and_check_pc(n, gpa, false);
}

static void test_vcpus_1(void) { build_and_check(1, TEST_GPA); }
static void test_pc_1(void) { build_and_check_pc(1, TEST_GPA, true); }
static void test_pc_300(void) { build_and_check_pc(300, TEST_GPA, true); }
static void test_vcpus_2(void) { build_and_check(2, TEST_GPA); }
static void test_vcpus_4(void) { build_and_check(4, TEST_GPA); }
static void test_vcpus_128(void) { build_and_check(128, TEST_GPA); }
static void test_vcpus_255(void) { build_and_check(255, TEST_GPA); }
static void test_vcpus_256(void) { build_and_check(256, TEST_GPA); }
static void test_vcpus_300(void) { build_and_check(300, TEST_GPA); }
static void test_vcpus_max(void) { build_and_check(ACPI_BUILD_MAX_VCPUS, TEST_GPA); }

/* Above 4 GiB the 32-bit DSDT pointer must be 0 (only X_DSDT used). */
static void test_high_gpa(void)
{
    struct acpi_build_params p = { .nr_vcpus = 2, .gpa = 0x100000000ULL };
    struct acpi_build_result res;
    const char *why;
    struct parsed t;

    CHECK_EQ(acpi_build_tables(&p, buf, sizeof(buf), &res, &why), 0);
    parse(p.gpa, &res, &t);
    CHECK(t.fadt && t.fadt->dsdt == 0);
    /* Just below 4 GiB, with the DSDT still under it: both pointers set. */
    p.gpa = 0xFFFFF000ULL;
    CHECK_EQ(acpi_build_tables(&p, buf, sizeof(buf), &res, &why), 0);
    parse(p.gpa, &res, &t);
    CHECK(t.fadt && t.fadt->dsdt == t.fadt->x_dsdt);
}

static void test_small_buffer(void)
{
    struct acpi_build_params p = { .nr_vcpus = 4, .gpa = TEST_GPA };
    struct acpi_build_result res = { 0x1234, 0x5678 };
    const char *why = NULL;
    size_t need = acpi_build_size(4, false);

    CHECK(need > 0);
    memset(buf, 0xA5, sizeof(buf));
    CHECK_EQ(acpi_build_tables(&p, buf, need - 1, &res, &why), -ENOSPC);
    CHECK(why != NULL);
    CHECK_EQ(acpi_build_tables(&p, buf, 0, &res, &why), -ENOSPC);
    CHECK_EQ(acpi_build_tables(&p, NULL, 0, &res, &why), -ENOSPC);
    CHECK_EQ(res.rsdp_gpa, 0x1234);         /* untouched on error */
    CHECK_EQ(res.size, 0x5678);
    for (size_t i = 0; i < sizeof(buf); i++)
        if (buf[i] != 0xA5) {
            CHECK(!"buffer written on error");
            break;
        }
    CHECK_EQ(acpi_build_tables(&p, buf, need, &res, &why), 0);
    CHECK_EQ(res.size, need);
}

static void test_bad_params(void)
{
    struct acpi_build_params p = { .nr_vcpus = 0, .gpa = TEST_GPA };
    struct acpi_build_result res;
    const char *why = NULL;

    CHECK_EQ(acpi_build_tables(&p, buf, sizeof(buf), &res, &why), -EINVAL);
    CHECK(why != NULL);
    p.nr_vcpus = ACPI_BUILD_MAX_VCPUS + 1;
    why = NULL;
    CHECK_EQ(acpi_build_tables(&p, buf, sizeof(buf), &res, &why), -EINVAL);
    CHECK(why != NULL);
    p.nr_vcpus = UINT32_MAX;
    CHECK_EQ(acpi_build_tables(&p, buf, sizeof(buf), &res, &why), -EINVAL);
    CHECK_EQ(acpi_build_size(0, false), 0);
    CHECK_EQ(acpi_build_size(ACPI_BUILD_MAX_VCPUS + 1, true), 0);
    p.nr_vcpus = 1;
    p.gpa = TEST_GPA + 4;
    why = NULL;
    CHECK_EQ(acpi_build_tables(&p, buf, sizeof(buf), &res, &why), -EINVAL);
    CHECK(why != NULL);
    p.gpa = UINT64_MAX & ~15ULL;
    why = NULL;
    CHECK_EQ(acpi_build_tables(&p, buf, sizeof(buf), &res, &why), -EINVAL);
    CHECK(why != NULL);
}

/* A flipped byte anywhere in a table is caught by its checksum. */
static void test_checksums_cover_everything(void)
{
    struct acpi_build_params p = { .nr_vcpus = 3, .gpa = TEST_GPA };
    struct acpi_build_result res;
    const char *why;

    CHECK_EQ(acpi_build_tables(&p, buf, sizeof(buf), &res, &why), 0);
    const struct acpi_rsdp *r = (const void *)buf;
    const struct acpi_sdt_header *x = (const void *)(buf + (r->xsdt_addr - TEST_GPA));
    uint64_t fadt_gpa;
    memcpy(&fadt_gpa, (const uint8_t *)x + 36, 8);
    const struct acpi_fadt *f = (const void *)(buf + (fadt_gpa - TEST_GPA));
    const struct acpi_sdt_header *tabs[] = {
        x, &f->h, (const void *)(buf + (f->x_dsdt - TEST_GPA)),
    };
    for (size_t t = 0; t < ARRAY_SIZE(tabs); t++) {
        uint8_t *b = (uint8_t *)tabs[t];
        uint32_t len = tabs[t]->length;     /* the loop flips the length too */
        for (uint32_t i = 0; i < len; i++) {
            b[i] ^= 0x40;
            CHECK(sum(b, len) != 0);
            b[i] ^= 0x40;
        }
        CHECK_EQ(sum(b, len), 0);
    }
}

/*
 * ACPICA's own tools (Debian acpica-tools) as an independent parser:
 * iasl -d must disassemble each table, the ASL it writes must compile back
 * to the same body, and acpiexec must load the set without complaint.
 * iasl 20200925 takes no raw RSDP (its signature is not a name) and writes
 * an unclosed block for an empty DSDT, so the RSDP is left to parse() and
 * the DSDT is compared with what iasl makes of an empty DefinitionBlock.
 */
static int have_tool(const char *name)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
    return system(cmd) == 0;
}

static int run(const char *dir, const char *log, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int run(const char *dir, const char *log, const char *fmt, ...)
{
    char cmd[1024], sub[768];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(sub, sizeof(sub), fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof(cmd), "cd %s && (%s) >%s 2>&1", dir, sub, log);
    if (system(cmd) == 0)
        return 1;
    snprintf(cmd, sizeof(cmd), "cat %s/%s 1>&2", dir, log);
    (void)!system(cmd);
    return 0;
}

static int write_file(const char *dir, const char *name, const void *p, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    int ok = fwrite(p, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

static size_t read_file(const char *dir, const char *name, void *p, size_t max)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(p, 1, max, f);
    fclose(f);
    return n;
}

static uint8_t rt[BUF_SIZE];

/* Disassemble, reassemble, compare everything after the header. */
static int iasl_roundtrip(const char *dir, const char *name, const void *p, size_t len)
{
    char dat[64], aml[64];

    snprintf(dat, sizeof(dat), "%s.dat", name);
    snprintf(aml, sizeof(aml), "%s.aml", name);
    if (!write_file(dir, dat, p, len))
        return 0;
    if (!run(dir, "log", "iasl -d %s && iasl %s.dsl", dat, name))
        return 0;
    size_t n = read_file(dir, aml, rt, sizeof(rt));
    /* iasl stamps its own creator id and revision; the rest must match. */
    return n == len && !memcmp((const uint8_t *)p + 36, rt + 36, len - 36) &&
           !memcmp(p, rt, 9) && !memcmp((const uint8_t *)p + 10, rt + 10, 18);
}

static int iasl_dsdt(const char *dir, const struct acpi_sdt_header *d, bool pc)
{
    static const char asl[] =
        "DefinitionBlock (\"\", \"DSDT\", 2, \"ORYX  \", \"ORYXPVH \", 1)\n{\n}\n";
    /* A PC chipset's: the CMOS RTC, its ports and IRQ 8. */
    static const char asl_pc[] =
        "DefinitionBlock (\"\", \"DSDT\", 2, \"ORYX  \", \"ORYXPVH \", 1)\n{\n"
        "  Scope (\\_SB) {\n    Device (RTC) {\n"
        "      Name (_HID, EisaId (\"PNP0B00\"))\n"
        "      Name (_CRS, ResourceTemplate () {\n"
        "        IO (Decode16, 0x0070, 0x0070, 0x01, 0x02)\n"
        "        IRQNoFlags () {8}\n      })\n    }\n  }\n}\n";
    const char *src = pc ? asl_pc : asl;

    if (!write_file(dir, "dsdt.dat", d, d->length) ||
        !run(dir, "log", "iasl -d dsdt.dat && grep -q DefinitionBlock dsdt.dsl") ||
        (pc && !run(dir, "log", "grep -q PNP0B00 dsdt.dsl && grep -q 'IRQNoFlags' dsdt.dsl")) ||
        !write_file(dir, "empty.asl", src, strlen(src)) ||
        !run(dir, "log", "iasl empty.asl"))
        return 0;
    size_t n = read_file(dir, "empty.aml", rt, sizeof(rt));
    return n == d->length && !memcmp(d, rt, 9) && !memcmp((const uint8_t *)d + 10, rt + 10, 18) &&
           !memcmp((const uint8_t *)d + 36, rt + 36, n - 36);      /* the AML itself */
}

static void acpica_tables(uint32_t n, bool pc)
{
    struct acpi_build_params p = { .nr_vcpus = n, .gpa = TEST_GPA, .pc = pc };
    struct acpi_build_result res;
    const char *why;
    struct parsed t;
    char dir[] = "/tmp/oryx-acpi-XXXXXX";

    CHECK_EQ(acpi_build_tables(&p, buf, sizeof(buf), &res, &why), 0);
    parse_pc(TEST_GPA, &res, &t, pc);
    if (!t.fadt || !t.madt || !t.dsdt || (pc && !t.hpet))
        return;
    CHECK(mkdtemp(dir) != NULL);
    const struct acpi_rsdp *r = (const void *)buf;
    const struct acpi_sdt_header *x = (const void *)(buf + (r->xsdt_addr - TEST_GPA));
    CHECK(iasl_roundtrip(dir, "xsdt", x, x->length));
    CHECK(iasl_roundtrip(dir, "facp", t.fadt, t.fadt->h.length));
    CHECK(iasl_roundtrip(dir, "apic", t.madt, t.madt->h.length));
    CHECK(iasl_dsdt(dir, t.dsdt, pc));
    if (pc)
        CHECK(iasl_roundtrip(dir, "hpet", t.hpet, t.hpet->h.length));
    if (have_tool("acpiexec"))
        CHECK(run(dir, "log", "acpiexec -b namespace facp.dat dsdt.dat apic.dat >exec.out 2>&1"
                  " && ! grep -Ei 'error|warning|exception' exec.out"));
    if (!unit_case_failed) {
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        (void)!system(cmd);
    } else {
        fprintf(stderr, "  ACPICA files kept in %s\n", dir);
    }
}

static void test_acpica_tools(void)
{
    if (!have_tool("iasl")) {
        printf("PASS: acpi_build/iasl skipped: iasl not installed (Debian acpica-tools)\n");
        return;
    }
    acpica_tables(1, false);
    acpica_tables(4, false);
    acpica_tables(300, false);
    acpica_tables(2, true);
}

UNIT_MAIN("acpi_build")
{
    TEST_RUN(test_vcpus_1);
    TEST_RUN(test_pc_1);
    TEST_RUN(test_pc_300);
    TEST_RUN(test_vcpus_2);
    TEST_RUN(test_vcpus_4);
    TEST_RUN(test_vcpus_128);
    TEST_RUN(test_vcpus_255);
    TEST_RUN(test_vcpus_256);
    TEST_RUN(test_vcpus_300);
    TEST_RUN(test_vcpus_max);
    TEST_RUN(test_high_gpa);
    TEST_RUN(test_small_buffer);
    TEST_RUN(test_bad_params);
    TEST_RUN(test_checksums_cover_everything);
    TEST_RUN(test_acpica_tools);
}
