/*
 * PVH start of day: lays out a new domain's guest-physical memory and
 * writes what its first vCPU finds at the PVH entry (struct hvm_start_info
 * version 1, memory map, command line, module list, initrd), all through
 * the loader's copy/zero callbacks. Pure logic; the caller maps memory,
 * loads the kernel (elf_load) first and sets the vCPU state from
 * struct pvh_boot_regs (32-bit protected mode, paging off, flat segments,
 * per docs/boot-domains.md).
 *
 * Guest-physical layout (docs/boot-domains.md has the full table):
 *   0x0000-0x0FFF   zeroed: real-mode IVT and BIOS data area (a zero
 *                   EBDA pointer tells Linux there is no EBDA)
 *   0x1000          struct hvm_start_info (56 bytes)
 *   0x1040          struct hvm_modlist_entry[1]: the initrd
 *   0x1100-0x1FFF   struct hvm_memmap_table_entry[<= PVH_MEMMAP_MAX]
 *   0x2000-0x27FF   command line (NUL-terminated, < 2048 bytes)
 *   0x3000-0x9FFFF  free low RAM (the guest's AP trampoline goes here)
 *   0xA0000-0xFFFFF reserved in the map, backed by zeroed memory
 *   1 MiB-...       kernel image (PT_LOADs at p_paddr; nothing below 1 MiB)
 *   after image     initrd, 2 MiB aligned
 *   ...-low_end     RAM; low_end = min(mem, PVH_LOW_RAM_LIMIT)
 *   0xF0000000-4G   hole: ACPI tables, LAPIC, special pages (caller's
 *                   extra ranges)
 *   4 GiB-...       RAM above PVH_LOW_RAM_LIMIT, relocated here
 */
#ifndef ORYX_PVH_BUILD_H
#define ORYX_PVH_BUILD_H

#include <oryx/types.h>
#include <oryx/elf_load.h>
#include <public/arch-x86/hvm/start_info.h>

#define PVH_START_INFO_GPA   0x1000ULL
#define PVH_MODLIST_GPA      0x1040ULL
#define PVH_MEMMAP_GPA       0x1100ULL
#define PVH_MEMMAP_MAX       64      /* Linux takes <= 128; we need < 10 */
#define PVH_CMDLINE_GPA      0x2000ULL
#define PVH_CMDLINE_MAX      2048    /* with the NUL: Linux's COMMAND_LINE_SIZE */
#define PVH_INFO_END         0x3000ULL   /* end of the start-of-day area */
#define PVH_LEGACY_HOLE      0xA0000ULL  /* 0xA0000-0xFFFFF: reserved */
#define PVH_LEGACY_HOLE_END  0x100000ULL
#define PVH_LOW_RAM_LIMIT    0xF0000000ULL   /* start of the below-4G hole */
#define PVH_HIGH_RAM_BASE    GiB(4)
#define PVH_INITRD_ALIGN     MiB(2)

/* A non-RAM range to list in the memory map (ACPI tables, rings...). */
struct pvh_mem_range {
    uint64_t addr, size;
    uint32_t type;           /* XEN_HVM_MEMMAP_TYPE_* (not RAM) */
};

struct pvh_build_params {
    uint64_t mem_bytes;                 /* domain RAM, page multiple, >= 1 MiB */
    const struct elf_info *image;       /* from elf_load() */
    const char *cmdline;                /* NULL = "" */
    const void *initrd;                 /* NULL = no initrd */
    uint64_t initrd_len;
    uint64_t rsdp_paddr;                /* 0 = none (guest scans) */
    uint32_t flags;                     /* HVM_START_SIF_*; 0 for a domU */
    const struct pvh_mem_range *extra;  /* sorted or not; may be NULL */
    size_t nr_extra;
};

/* The vCPU registers the PVH ABI defines; everything else is fixed. */
struct pvh_boot_regs {
    uint32_t eip;            /* XEN_ELFNOTE_PHYS32_ENTRY */
    uint32_t ebx;            /* GPA of struct hvm_start_info */
};

/* Where pvh_build() put things (for logs and tests). */
struct pvh_layout {
    uint64_t start_info, modlist, memmap, cmdline;
    uint32_t memmap_entries;
    uint64_t initrd_gpa, initrd_len;    /* 0, 0 without an initrd */
    uint64_t low_ram_end, high_ram_size;
};

/* RAM from 0 up to here (at most PVH_LOW_RAM_LIMIT) ... */
uint64_t pvh_low_ram_end(uint64_t mem_bytes);
/* ... and this much from PVH_HIGH_RAM_BASE up. */
uint64_t pvh_high_ram_size(uint64_t mem_bytes);

/*
 * The domain's memory map, sorted by address, into out[0..max).
 * Returns the number of entries, or -EINVAL/-ENOSPC with *why set (an
 * extra range that overlaps RAM or another range, too many entries).
 */
int pvh_memmap(uint64_t mem_bytes, const struct pvh_mem_range *extra, size_t nr_extra,
               struct hvm_memmap_table_entry *out, size_t max, const char **why);

/*
 * Place and write the start-of-day data and the initrd; fill *regs (and
 * *layout when not NULL). Returns 0, or -EINVAL/-ENOSPC/-E2BIG with *why
 * set (for example "initrd too large for domain memory"), or a callback's
 * error. Validation happens before the first write.
 */
int pvh_build(const struct pvh_build_params *p, const struct elf_load_ops *ops,
              struct pvh_boot_regs *regs, struct pvh_layout *layout, const char **why);

#endif
