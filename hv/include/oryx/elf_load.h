/*
 * Loader for guest kernel images in ELF format: ELF32 (EM_386, or
 * EM_X86_64 in an ELFCLASS32 file) and ELF64 (EM_X86_64), little endian,
 * ET_EXEC. PT_LOAD segments go to their physical addresses (p_paddr) in
 * guest memory through caller-supplied callbacks; the PVH entry point is
 * the Xen note XEN_ELFNOTE_PHYS32_ENTRY, looked for in PT_NOTE segments
 * and, when none has it, in SHT_NOTE sections.
 *
 * Every header, segment and note is checked against the image length
 * with overflow-safe arithmetic before anything is written: a bad image
 * is refused with a one-line reason in *why and guest memory untouched.
 */
#ifndef ORYX_ELF_LOAD_H
#define ORYX_ELF_LOAD_H

#include <oryx/types.h>

/*
 * Segments may not start below 1 MiB: that area holds the PVH start-of-day
 * data (pvh_build.h), the zeroed page 0 (BIOS data area), the low RAM a
 * guest needs for its real-mode AP trampoline, and the reserved legacy
 * hole 0xA0000-0xFFFFF.
 */
#define ELF_LOAD_LOW_RESERVED  MiB(1)

/* Refuse images with more program headers than this (Linux has ~5). */
#define ELF_LOAD_MAX_PHNUM     1024

struct elf_load_ops {
    /* Write len bytes from src at guest-physical gpa; 0 or -errno. */
    int (*copy)(void *opaque, uint64_t gpa, const void *src, uint64_t len);
    /* Zero len bytes at guest-physical gpa; 0 or -errno. */
    int (*zero)(void *opaque, uint64_t gpa, uint64_t len);
    void *opaque;
};

struct elf_info {
    uint64_t pvh_entry;      /* XEN_ELFNOTE_PHYS32_ENTRY value (< 4 GiB) */
    bool has_pvh_entry;
    uint64_t lowest, highest;  /* [lowest, highest): loaded segments' span */
    bool is64;               /* ELFCLASS64 */
    uint16_t machine;        /* EM_386 (3) or EM_X86_64 (62) */
};

/*
 * Check the image and describe it. A missing PVH note is not an error here
 * (has_pvh_entry is false); everything else that elf_load() would refuse
 * for the image itself is. Returns 0, or -ENOEXEC with *why set.
 */
int elf_probe(const void *img, size_t len, struct elf_info *info, const char **why);

/*
 * Probe, then check that every segment lies inside the domain's memory
 * [ELF_LOAD_LOW_RESERVED, guest_mem_size) and that the PVH note exists,
 * then copy each segment's file bytes and zero the rest of its memory.
 * Pass as guest_mem_size the top of the domain's contiguous low RAM (see
 * pvh_low_ram_end()). Returns 0; -ENOEXEC (bad image) or -ERANGE (does not
 * fit) with *why set; or a callback's error with *why naming the step.
 */
int elf_load(const void *img, size_t len, uint64_t guest_mem_size,
             const struct elf_load_ops *ops, struct elf_info *info, const char **why);

#endif
