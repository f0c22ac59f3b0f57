/*
 * PVH start-of-day information: what an HVM/PVH guest finds at the
 * guest-physical address in %ebx when its first vCPU starts at the
 * XEN_ELFNOTE_PHYS32_ENTRY point (32-bit protected mode, paging off).
 *
 * All addresses are guest-physical. Linux copies the 56-byte version-1
 * structure at once, then reads the module list and memory map through
 * its early 1 GiB identity map, so the hypervisor keeps all of them below
 * 1 GiB and the command line and modules below 4 GiB.
 * The layout is Xen's public interface; the text is ours.
 */
#ifndef ORYX_PUBLIC_ARCH_X86_HVM_START_INFO_H
#define ORYX_PUBLIC_ARCH_X86_HVM_START_INFO_H

#include <stdint.h>
#include "../../xen-compat.h"

/* "xEn3" with the top bit of 'E' set: first field of hvm_start_info. */
#define XEN_HVM_START_MAGIC_VALUE 0x336ec578

/* Flags (same bits as PV start_info's SIF_*). 0 for an ordinary domU. */
#define HVM_START_SIF_PRIVILEGED  (1u << 0)   /* privileged domain */
#define HVM_START_SIF_INITDOMAIN  (1u << 1)   /* the initial domain (dom0) */

struct hvm_start_info {
    uint32_t magic;          /* OUT: XEN_HVM_START_MAGIC_VALUE */
    uint32_t version;        /* OUT: 1 (version 0 lacks the memmap fields) */
    uint32_t flags;          /* OUT: HVM_START_SIF_* */
    uint32_t nr_modules;     /* OUT: entries at modlist_paddr */
    uint64_t modlist_paddr;  /* OUT: struct hvm_modlist_entry[nr_modules] */
    uint64_t cmdline_paddr;  /* OUT: NUL-terminated kernel command line */
    uint64_t rsdp_paddr;     /* OUT: ACPI RSDP, 0 = guest scans for it */
    /* Version 1 and later: */
    uint64_t memmap_paddr;   /* OUT: struct hvm_memmap_table_entry[] */
    uint32_t memmap_entries; /* OUT: entries at memmap_paddr */
    uint32_t reserved;       /* OUT: 0 */
};

/* One boot module; for Linux, module 0 is the initrd. */
struct hvm_modlist_entry {
    uint64_t paddr;          /* OUT: first byte of the module */
    uint64_t size;           /* OUT: length in bytes */
    uint64_t cmdline_paddr;  /* OUT: module command line, 0 = none */
    uint64_t reserved;       /* OUT: 0 */
};

/* Memory map entry types (the e820 numbering). */
#define XEN_HVM_MEMMAP_TYPE_RAM       1
#define XEN_HVM_MEMMAP_TYPE_RESERVED  2
#define XEN_HVM_MEMMAP_TYPE_ACPI      3
#define XEN_HVM_MEMMAP_TYPE_NVS       4
#define XEN_HVM_MEMMAP_TYPE_UNUSABLE  5
#define XEN_HVM_MEMMAP_TYPE_DISABLED  6
#define XEN_HVM_MEMMAP_TYPE_PMEM      7

struct hvm_memmap_table_entry {
    uint64_t addr;           /* OUT: start of the range */
    uint64_t size;           /* OUT: length in bytes */
    uint32_t type;           /* OUT: XEN_HVM_MEMMAP_TYPE_* */
    uint32_t reserved;       /* OUT: 0 */
};

XEN_ABI_ASSERT(sizeof(struct hvm_start_info) == 56, "hvm_start_info size");
XEN_ABI_ASSERT(offsetof(struct hvm_start_info, flags) == 8, "hsi flags");
XEN_ABI_ASSERT(offsetof(struct hvm_start_info, nr_modules) == 12, "hsi nr_modules");
XEN_ABI_ASSERT(offsetof(struct hvm_start_info, modlist_paddr) == 16, "hsi modlist");
XEN_ABI_ASSERT(offsetof(struct hvm_start_info, cmdline_paddr) == 24, "hsi cmdline");
XEN_ABI_ASSERT(offsetof(struct hvm_start_info, rsdp_paddr) == 32, "hsi rsdp");
XEN_ABI_ASSERT(offsetof(struct hvm_start_info, memmap_paddr) == 40, "hsi memmap");
XEN_ABI_ASSERT(offsetof(struct hvm_start_info, memmap_entries) == 48, "hsi entries");
XEN_ABI_ASSERT(offsetof(struct hvm_start_info, reserved) == 52, "hsi reserved");
XEN_ABI_ASSERT(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry size");
XEN_ABI_ASSERT(offsetof(struct hvm_modlist_entry, size) == 8, "modlist size");
XEN_ABI_ASSERT(offsetof(struct hvm_modlist_entry, cmdline_paddr) == 16, "modlist cmdline");
XEN_ABI_ASSERT(sizeof(struct hvm_memmap_table_entry) == 24, "memmap entry size");
XEN_ABI_ASSERT(offsetof(struct hvm_memmap_table_entry, size) == 8, "memmap size");
XEN_ABI_ASSERT(offsetof(struct hvm_memmap_table_entry, type) == 16, "memmap type");

#endif
