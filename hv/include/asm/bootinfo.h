/* What the boot loader told us, in one loader-neutral form. */
#ifndef ASM_BOOTINFO_H
#define ASM_BOOTINFO_H

#include <oryx/types.h>

#define BOOT_MAX_MEMMAP 128
#define BOOT_MAX_MODULES 32
#define BOOT_CMDLINE_MAX 1024

enum { BOOT_MEM_RAM = 1, BOOT_MEM_RESERVED = 2, BOOT_MEM_ACPI = 3, BOOT_MEM_NVS = 4, BOOT_MEM_BAD = 5 };

struct boot_mem_region {
    paddr_t start;
    uint64_t len;
    uint32_t type;
};

struct boot_module {
    paddr_t start, end;
    char cmdline[BOOT_CMDLINE_MAX];
};

struct boot_info {
    const char *loader;                 /* "multiboot1" / "multiboot2" */
    char cmdline[BOOT_CMDLINE_MAX];
    unsigned int nr_memmap;
    struct boot_mem_region memmap[BOOT_MAX_MEMMAP];
    unsigned int nr_modules;
    struct boot_module modules[BOOT_MAX_MODULES];
    paddr_t rsdp;                       /* 0: search the BIOS area */
    paddr_t ebda;                       /* from the BIOS data area, read while page 0 is mapped */
    paddr_t info_start, info_end;       /* the loader's info block */
    paddr_t hold_start, hold_end;       /* kept from the allocator for dom0's kernel */
};

extern struct boot_info boot_info;

/* Returns 0, or -EINVAL when magic is neither multiboot1 nor 2. */
int multiboot_parse(uint32_t magic, paddr_t info);

#endif
