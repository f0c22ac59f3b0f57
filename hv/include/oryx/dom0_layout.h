/*
 * What dom0 is given, worked out before it is built: its memory size and
 * vCPU count from Xen's dom0_mem= and dom0_max_vcpus= options, its memory
 * map (the host's, with dom0's identity-mapped RAM as RAM and all other
 * host RAM unusable) and its ACPI tables (the host's, behind a rebuilt
 * RSDP, XSDT and MADT). Pure logic: no hardware access; host memory is
 * read only through the caller's map callback. Why each choice:
 * docs/design/memory.md and docs/design/acpi.md ("dom0" sections).
 */
#ifndef ORYX_DOM0_LAYOUT_H
#define ORYX_DOM0_LAYOUT_H

#include <oryx/types.h>
#include <asm/bootinfo.h>
#include <public/arch-x86/hvm/start_info.h>

/* ---- dom0_mem= ------------------------------------------------------- */

/*
 * One size of dom0_mem=, as Xen spells it: [-]<size> | [-]<frac>% |
 * [-]<size>+<frac>%. <size> is a number (decimal or 0x hex) with a unit
 * K, M, G, T (powers of 1024) or B (bytes); a bare number is KiB, as in
 * Xen. <frac> is 0..99 percent of the free memory dom0 is sized from. A
 * leading '-' means "all the free memory but this much".
 */
struct dom0_mem_size {
    uint64_t bytes;
    uint32_t percent;           /* 0..99 */
    bool minus;
    bool set;                   /* given on the command line */
};

/* All-zero is Xen's default: size "all but a reserve", no min, no max. */
struct dom0_mem_opt {
    struct dom0_mem_size amount, min, max;
};

#define DOM0_MEM_FLOOR        MiB(16)   /* Linux needs this much to boot */
#define DOM0_MEM_RESERVE_MAX  MiB(128)  /* cap of the 1/16 default reserve */

/*
 * Parse the value of dom0_mem=: a comma list of <sz>, min:<sz>, max:<sz>.
 * Later items override earlier ones; fields not named keep their value in
 * *o, so repeated dom0_mem= words combine as in Xen. Returns 0, or
 * -EINVAL with *o unchanged.
 */
int dom0_mem_parse(const char *s, struct dom0_mem_opt *o);

/*
 * Bytes of RAM for dom0 out of avail_bytes of free host RAM: the amount
 * (default: avail minus min(avail / 16, 128 MiB)), raised to min, lowered
 * to max (max wins over min), lowered to avail, rounded down to 4 KiB,
 * and at least DOM0_MEM_FLOOR (or all of avail when the host has less).
 * *warn (when warn is not NULL) gets NULL, or a message naming what was
 * adjusted against the request.
 */
uint64_t dom0_mem_compute(const struct dom0_mem_opt *o, uint64_t avail_bytes,
                          const char **warn);

/* ---- dom0_max_vcpus= ------------------------------------------------- */

#define DOM0_VCPUS_UNLIMITED  UINT32_MAX
#define DOM0_MAX_VCPUS        128u      /* Xen's HVM_MAX_VCPUS for PVH dom0 */

/*
 * Parse the value of dom0_max_vcpus=: "N" (exactly N), "N-M" (the pCPU
 * count, kept within N..M), "N-" (at least N) or "-M" (at most M). Zero,
 * min > max and junk are -EINVAL with *min and *max unchanged. Without the
 * option the caller uses min 1, max DOM0_VCPUS_UNLIMITED.
 */
int dom0_vcpus_parse(const char *s, unsigned int *min, unsigned int *max);

/*
 * dom0's vCPU count as Xen works it out: nr_pcpus raised to min, then
 * lowered to max (so it may exceed nr_pcpus when min asks for it), then at
 * most DOM0_MAX_VCPUS and at least 1.
 */
unsigned int dom0_vcpus_compute(unsigned int min, unsigned int max, unsigned int nr_pcpus);

/* ---- the memory map -------------------------------------------------- */

/* [start, end), page aligned. */
struct dom0_range {
    uint64_t start, end;
};

/*
 * dom0's memory map from the host's (BIOS order, possibly overlapping:
 * where entries overlap the higher BOOT_MEM_* type wins, as in Linux's
 * e820 sanitiser; an unknown type counts as reserved). In the result,
 * sorted, without overlaps, adjacent entries of one type merged:
 *   host RAM inside a ram range      RAM, or ACPI inside an acpi range
 *   other host RAM                   UNUSABLE (hypervisor, other domains)
 *   host reserved / ACPI / NVS       the same type
 *   host bad memory                  UNUSABLE
 *   holes                            not listed
 * ram and acpi ranges may come in any order and overlap each other. Every
 * ram range must be host RAM and every acpi range inside a ram range,
 * else -EINVAL with *why (a caller bug); -ENOSPC when more than max
 * entries are needed. With out NULL nothing is written and the count is
 * returned (for sizing). Returns the number of entries; out is written
 * only on success.
 */
int dom0_memmap(const struct boot_mem_region *host, unsigned int nr_host,
                const struct dom0_range *ram, unsigned int nr_ram,
                const struct dom0_range *acpi, unsigned int nr_acpi,
                struct hvm_memmap_table_entry *out, unsigned int max, const char **why);

/* ---- ACPI tables ----------------------------------------------------- */

#define DOM0_ACPI_TABLE_MAX   MiB(16)   /* a longer host table is not trusted */

struct dom0_acpi_params {
    uint64_t host_rsdp;         /* physical address of the host's RSDP */
    /*
     * len bytes of host physical memory at pa, or NULL when not readable.
     * The pointer need stay valid only until the next call; it may be
     * unaligned.
     */
    const void *(*map)(void *opaque, uint64_t pa, size_t len);
    /* True when [pa, pa+len) is host e820 reserved, ACPI or NVS. */
    bool (*table_ok)(void *opaque, uint64_t pa, size_t len);
    /*
     * Optional (NULL: silent): told about each host table that is not
     * passed to dom0 and why. sig is the NUL-terminated signature with
     * unprintable bytes as '?'.
     */
    void (*note)(void *opaque, const char *sig, uint64_t pa, const char *what);
    void *opaque;
    unsigned int nr_vcpus;      /* 1..ACPI_BUILD_MAX_VCPUS */
    const uint32_t *apic_ids;   /* [nr_vcpus]; NULL: vCPU i has APIC id i */
};

/*
 * Build dom0's RSDP (offset 0), XSDT and MADT into buf, which dom0 will
 * see at gpa (16-byte aligned). The XSDT lists the new MADT, then the
 * host's FACP, SSDT, MCFG, PSDT, SBST, SLIC, MSDM, WDAT, FPDT, S3PT, TCPA,
 * TPM2 and VFCT tables that are well formed and in reserved/ACPI/NVS
 * memory, by their host addresses; every other host table is hidden. The
 * MADT has one enabled LAPIC (x2APIC above id or UID 254) entry per vCPU
 * and the host's IOAPIC and interrupt source override entries. Returns
 * the bytes used, or -EINVAL (bad parameters), -ENOENT (no usable host
 * RSDP or root table), -ENOSPC (buf too small), with *why set. buf's
 * contents are undefined after an error.
 */
int dom0_acpi_build(const struct dom0_acpi_params *p, void *buf, size_t len, uint64_t gpa,
                    const char **why);

#endif
