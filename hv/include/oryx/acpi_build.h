/*
 * Per-guest ACPI tables for PVH domains: RSDP (v2) -> XSDT -> FADT (rev 6,
 * hardware-reduced) -> DSDT (empty), and a MADT with one enabled local
 * APIC entry per vCPU (x2APIC entries from id 255 up). Pure logic: the
 * tables are written into a caller buffer that will appear in the guest
 * at params.gpa. Why each field has its value: docs/design/acpi.md.
 *
 * With params.pc (a type=hvm domain, which has a PC's chipset) the MADT
 * also lists the IOAPIC and the override that puts ISA IRQ 0 on pin 2, an
 * HPET table follows, and the FADT no longer says "no CMOS RTC".
 *
 * Layout inside the buffer (every table 16-byte aligned):
 *   +0x00  RSDP (36 bytes, area padded to 64)
 *   +0x40  XSDT (header + 2 entries: FADT, MADT; pc: + HPET)
 *   ...    FADT (276), DSDT (36), MADT (44 + entries), pc: HPET (56)
 */
#ifndef ORYX_ACPI_BUILD_H
#define ORYX_ACPI_BUILD_H

#include <oryx/types.h>

#define ACPI_BUILD_MAX_VCPUS   4096u    /* keeps the MADT well under a page set */
#define ACPI_BUILD_ALIGN       16u      /* of params.gpa and of every table */
#define ACPI_LAPIC_ADDR        0xFEE00000u
/* The PC chipset of a type=hvm domain (hv/arch/x86/hvm: vioapic.c, hpet.c). */
#define ACPI_IOAPIC_ADDR       0xFEC00000u
#define ACPI_HPET_ADDR         0xFED00000ULL
#define ACPI_HPET_BLOCK_ID     0x8086A201u  /* its capabilities' low half: 3 timers */
#define ACPI_RTC_CENTURY       0x32u        /* the CMOS byte holding the century */

/* Signatures and revisions we emit. */
#define ACPI_SIG_RSDP          "RSD PTR "
#define ACPI_SIG_XSDT          "XSDT"
#define ACPI_SIG_FADT          "FACP"
#define ACPI_SIG_DSDT          "DSDT"
#define ACPI_SIG_MADT          "APIC"
#define ACPI_SIG_HPET          "HPET"
#define ACPI_OEM_ID            "ORYX  "     /* 6 bytes, space padded */
#define ACPI_OEM_TABLE_ID      "ORYXPVH "   /* 8 bytes */
#define ACPI_CREATOR_ID        "ORYX"

/* FADT flags (ACPI 6.0 table 5-35) and IA-PC boot architecture flags. */
#define ACPI_FADT_WBINVD              (1u << 0)
#define ACPI_FADT_PWR_BUTTON          (1u << 4)   /* 1: no fixed power button */
#define ACPI_FADT_SLP_BUTTON          (1u << 5)   /* 1: no fixed sleep button */
#define ACPI_FADT_TMR_VAL_EXT         (1u << 8)   /* PM timer is 32 bits, not 24 */
#define ACPI_FADT_FORCE_APIC_PHYS     (1u << 19)
#define ACPI_FADT_HW_REDUCED          (1u << 20)
#define ACPI_FADT_RESET_REG_SUP       (1u << 10)
#define ACPI_IAPC_LEGACY_DEVICES      (1u << 0)
#define ACPI_IAPC_8042                (1u << 1)
#define ACPI_IAPC_NO_VGA              (1u << 2)
#define ACPI_IAPC_NO_MSI              (1u << 3)
#define ACPI_IAPC_NO_ASPM             (1u << 4)
#define ACPI_IAPC_NO_CMOS_RTC         (1u << 5)

/* MADT entry types and flags. */
#define ACPI_MADT_LAPIC               0u
#define ACPI_MADT_IOAPIC              1u
#define ACPI_MADT_ISO                 2u         /* interrupt source override */
#define ACPI_MADT_X2APIC              9u
#define ACPI_MADT_ENABLED             (1u << 0)
#define ACPI_MADT_LAPIC_MAX_ID        254u       /* 255 is broadcast: x2APIC entry */

struct acpi_rsdp {
    char     signature[8];      /* "RSD PTR " */
    uint8_t  checksum;          /* over the first 20 bytes */
    char     oem_id[6];
    uint8_t  revision;          /* 2: ACPI 2.0+ with XSDT */
    uint32_t rsdt_addr;         /* 0: XSDT only */
    uint32_t length;            /* 36 */
    uint64_t xsdt_addr;
    uint8_t  ext_checksum;      /* over all 36 bytes */
    uint8_t  reserved[3];
} __packed;

struct acpi_sdt_header {
    char     signature[4];
    uint32_t length;            /* of the whole table */
    uint8_t  revision;
    uint8_t  checksum;          /* whole table sums to 0 */
    char     oem_id[6];
    char     oem_table_id[8];
    uint32_t oem_revision;
    char     creator_id[4];
    uint32_t creator_revision;
} __packed;

/* Generic Address Structure. */
#define ACPI_GAS_SYSTEM_IO            1u
struct acpi_gas {
    uint8_t  space_id;
    uint8_t  bit_width;
    uint8_t  bit_offset;
    uint8_t  access_size;
    uint64_t address;
} __packed;

/* FADT revision 6 (ACPI 6.0), 276 bytes. */
struct acpi_fadt {
    struct acpi_sdt_header h;
    uint32_t firmware_ctrl;     /* FACS: none (hardware-reduced) */
    uint32_t dsdt;
    uint8_t  reserved0;
    uint8_t  preferred_pm_profile;
    uint16_t sci_int;
    uint32_t smi_cmd;
    uint8_t  acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
    uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
    uint32_t pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
    uint8_t  pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
    uint8_t  gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
    uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
    uint8_t  duty_offset, duty_width, day_alrm, mon_alrm, century;
    uint16_t iapc_boot_arch;
    uint8_t  reserved1;
    uint32_t flags;
    struct acpi_gas reset_reg;
    uint8_t  reset_value;
    uint16_t arm_boot_arch;
    uint8_t  minor_version;
    uint64_t x_firmware_ctrl;
    uint64_t x_dsdt;
    struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
    struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk;
    struct acpi_gas sleep_control_reg, sleep_status_reg;
    uint64_t hypervisor_vendor_id;
} __packed;

struct acpi_madt {
    struct acpi_sdt_header h;
    uint32_t lapic_addr;
    uint32_t flags;             /* 0: no PC-AT 8259 pair */
} __packed;

struct acpi_madt_lapic {
    uint8_t  type;              /* ACPI_MADT_LAPIC */
    uint8_t  length;            /* 8 */
    uint8_t  acpi_uid;
    uint8_t  apic_id;
    uint32_t flags;
} __packed;

struct acpi_madt_x2apic {
    uint8_t  type;              /* ACPI_MADT_X2APIC */
    uint8_t  length;            /* 16 */
    uint16_t reserved;
    uint32_t x2apic_id;
    uint32_t flags;
    uint32_t acpi_uid;
} __packed;

struct acpi_madt_ioapic {
    uint8_t  type;              /* ACPI_MADT_IOAPIC */
    uint8_t  length;            /* 12 */
    uint8_t  ioapic_id;
    uint8_t  reserved;
    uint32_t address;
    uint32_t gsi_base;
} __packed;

struct acpi_madt_iso {
    uint8_t  type;              /* ACPI_MADT_ISO */
    uint8_t  length;            /* 10 */
    uint8_t  bus;               /* 0: ISA */
    uint8_t  source;            /* ISA IRQ */
    uint32_t gsi;
    uint16_t flags;             /* polarity, trigger mode */
} __packed;

/* The IA-PC HPET Description Table (HPET specification 1.0a, 3.2.4). */
struct acpi_hpet {
    struct acpi_sdt_header h;
    uint32_t block_id;          /* the capabilities register's low 32 bits */
    struct acpi_gas base;       /* system memory, 64 bits */
    uint8_t  number;            /* the HPET's sequence number */
    uint16_t min_tick;          /* the smallest periodic tick it keeps */
    uint8_t  page_protection;   /* 1: no other device in its 4 KiB page */
} __packed;

_Static_assert(sizeof(struct acpi_hpet) == 56, "HPET table size");
_Static_assert(offsetof(struct acpi_hpet, base) == 40, "HPET base");
_Static_assert(offsetof(struct acpi_hpet, min_tick) == 53, "HPET min tick");
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP v2 size");
_Static_assert(offsetof(struct acpi_rsdp, rsdt_addr) == 16, "RSDP rsdt");
_Static_assert(offsetof(struct acpi_rsdp, length) == 20, "RSDP length");
_Static_assert(offsetof(struct acpi_rsdp, xsdt_addr) == 24, "RSDP xsdt");
_Static_assert(offsetof(struct acpi_rsdp, ext_checksum) == 32, "RSDP ext csum");
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header size");
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS size");
_Static_assert(offsetof(struct acpi_fadt, dsdt) == 40, "FADT dsdt");
_Static_assert(offsetof(struct acpi_fadt, sci_int) == 46, "FADT sci_int");
_Static_assert(offsetof(struct acpi_fadt, pm1_evt_len) == 88, "FADT pm1_evt_len");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "FADT boot arch");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT flags");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "FADT reset_reg");
_Static_assert(offsetof(struct acpi_fadt, minor_version) == 131, "FADT minor");
_Static_assert(offsetof(struct acpi_fadt, x_firmware_ctrl) == 132, "FADT x_fw_ctrl");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT x_dsdt");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "FADT sleep ctl");
_Static_assert(offsetof(struct acpi_fadt, hypervisor_vendor_id) == 268, "FADT hv id");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT rev 6 size");
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT fixed part");
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT LAPIC entry");
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "MADT x2APIC entry");
_Static_assert(offsetof(struct acpi_madt_x2apic, acpi_uid) == 12, "x2APIC uid");
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "MADT IOAPIC entry");
_Static_assert(offsetof(struct acpi_madt_ioapic, gsi_base) == 8, "IOAPIC GSI base");
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "MADT override entry");
_Static_assert(offsetof(struct acpi_madt_iso, flags) == 8, "override flags");

struct acpi_build_params {
    uint32_t nr_vcpus;          /* 1..ACPI_BUILD_MAX_VCPUS */
    uint64_t gpa;               /* where buf will live in the guest */
    bool pc;                    /* IOAPIC, HPET and CMOS RTC described too */
};

struct acpi_build_result {
    uint64_t rsdp_gpa;          /* for hvm_start_info.rsdp_paddr */
    uint64_t size;              /* bytes used from buf */
};

/* The byte sum of len bytes: 0 for a table with a right checksum. */
uint8_t acpi_sum(const void *p, size_t len);

/* Bytes acpi_build_tables() needs for nr_vcpus (0 when out of range). */
size_t acpi_build_size(uint32_t nr_vcpus, bool pc);

/*
 * Write the tables for p into buf[0..buf_size). Returns 0, -EINVAL (bad
 * vCPU count, misaligned gpa, tables that would cross the top of the
 * address space) or -ENOSPC (buf too small), with *why set. Nothing is
 * written unless the result is 0.
 */
int acpi_build_tables(const struct acpi_build_params *p, void *buf, size_t buf_size,
                      struct acpi_build_result *res, const char **why);

#endif
