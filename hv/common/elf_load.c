/*
 * ELF guest-image loader (oryx/elf_load.h). The image is untrusted input:
 * it is read byte-wise (no alignment assumptions), every offset and size
 * is checked against the length before use, and sums are checked for
 * overflow. Nothing is written to the guest until the whole image passed.
 */
#include <oryx/elf_load.h>
#include <oryx/errno.h>
#include <oryx/lib.h>
#include <public/elfnote.h>

/* ELF constants (System V gABI). */
#define EI_CLASS      4
#define EI_DATA       5
#define EI_VERSION    6
#define ELFCLASS32    1
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EV_CURRENT    1
#define ET_EXEC       2
#define EM_386        3
#define EM_X86_64     62
#define PT_LOAD       1
#define PT_NOTE       4
#define SHT_NOTE      7

#define EHDR32_SIZE   52
#define EHDR64_SIZE   64
#define PHDR32_SIZE   32
#define PHDR64_SIZE   56
#define SHDR32_SIZE   40
#define SHDR64_SIZE   64
#define NOTE_HDR_SIZE 12

/* The fields the loader uses, independent of the ELF class. */
struct ehdr {
    bool is64;
    uint16_t type, machine;
    uint32_t version;
    uint64_t phoff, shoff;
    uint16_t phentsize, phnum, shentsize, shnum;
};

struct phdr {
    uint32_t type;
    uint64_t offset, paddr, filesz, memsz, align;
};

struct image {
    const uint8_t *p;
    uint64_t len;
    struct ehdr eh;
};

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32);
}

/* Is [off, off+size) inside [0, len)? Overflow-safe. */
static bool in_file(uint64_t off, uint64_t size, uint64_t len)
{
    return off <= len && size <= len - off;
}

/* Is [off, off+count*entsize) inside [0, len)? Overflow-safe. */
static bool table_in_file(uint64_t off, uint64_t count, uint64_t entsize, uint64_t len)
{
    if (entsize && count > UINT64_MAX / entsize)
        return false;
    return in_file(off, count * entsize, len);
}

static int read_ehdr(struct image *im, const char **why)
{
    const uint8_t *p = im->p;
    struct ehdr *e = &im->eh;

    if (im->len < 16 || p[0] != 0x7f || p[1] != 'E' || p[2] != 'L' || p[3] != 'F') {
        *why = "not an ELF image";
        return -ENOEXEC;
    }
    if (p[EI_CLASS] != ELFCLASS32 && p[EI_CLASS] != ELFCLASS64) {
        *why = "unsupported ELF class (neither 32- nor 64-bit)";
        return -ENOEXEC;
    }
    if (p[EI_DATA] != ELFDATA2LSB) {
        *why = "ELF image is not little-endian";
        return -ENOEXEC;
    }
    if (p[EI_VERSION] != EV_CURRENT) {
        *why = "bad ELF version";
        return -ENOEXEC;
    }
    e->is64 = p[EI_CLASS] == ELFCLASS64;
    if (im->len < (e->is64 ? EHDR64_SIZE : EHDR32_SIZE)) {
        *why = "truncated ELF header";
        return -ENOEXEC;
    }
    e->type = rd16(p + 16);
    e->machine = rd16(p + 18);
    e->version = rd32(p + 20);
    if (e->is64) {
        e->phoff = rd64(p + 32);
        e->shoff = rd64(p + 40);
        e->phentsize = rd16(p + 54);
        e->phnum = rd16(p + 56);
        e->shentsize = rd16(p + 58);
        e->shnum = rd16(p + 60);
    } else {
        e->phoff = rd32(p + 28);
        e->shoff = rd32(p + 32);
        e->phentsize = rd16(p + 42);
        e->phnum = rd16(p + 44);
        e->shentsize = rd16(p + 46);
        e->shnum = rd16(p + 48);
    }
    if (e->version != EV_CURRENT) {
        *why = "bad ELF version";
        return -ENOEXEC;
    }
    if (e->type != ET_EXEC) {
        *why = "ELF image is not an executable (ET_EXEC)";
        return -ENOEXEC;
    }
    if (e->is64 ? e->machine != EM_X86_64 : (e->machine != EM_386 && e->machine != EM_X86_64)) {
        *why = "ELF image is not for x86 (wrong machine)";
        return -ENOEXEC;
    }
    if (e->phentsize != (e->is64 ? PHDR64_SIZE : PHDR32_SIZE)) {
        *why = "bad ELF program header size";
        return -ENOEXEC;
    }
    if (e->phnum == 0) {
        *why = "ELF image has no program headers";
        return -ENOEXEC;
    }
    if (e->phnum > ELF_LOAD_MAX_PHNUM) {
        *why = "too many ELF program headers";
        return -ENOEXEC;
    }
    if (!table_in_file(e->phoff, e->phnum, e->phentsize, im->len)) {
        *why = "ELF program headers outside the file";
        return -ENOEXEC;
    }
    return 0;
}

/* Only after read_ehdr() validated the table. */
static void read_phdr(const struct image *im, unsigned int i, struct phdr *ph)
{
    const uint8_t *p = im->p + im->eh.phoff + (uint64_t)i * im->eh.phentsize;

    ph->type = rd32(p);
    if (im->eh.is64) {
        ph->offset = rd64(p + 8);
        ph->paddr = rd64(p + 24);
        ph->filesz = rd64(p + 32);
        ph->memsz = rd64(p + 40);
        ph->align = rd64(p + 48);
    } else {
        ph->offset = rd32(p + 4);
        ph->paddr = rd32(p + 12);
        ph->filesz = rd32(p + 16);
        ph->memsz = rd32(p + 20);
        ph->align = rd32(p + 28);
    }
}

/*
 * Walk the notes in p[0..size) (entries padded to align: 4, or 8 when the
 * segment/section asks for it) and record the PVH entry.
 */
static int scan_notes(const uint8_t *p, uint64_t size, uint64_t align, struct elf_info *info,
                      const char **why)
{
    uint64_t a = align == 8 ? 8 : 4;

    while (size > 0) {
        uint64_t namesz, descsz, name_pad, desc_pad, v;
        uint32_t type;
        const uint8_t *name, *desc;

        if (size < NOTE_HDR_SIZE) {
            *why = "truncated ELF note header";
            return -ENOEXEC;
        }
        namesz = rd32(p);
        descsz = rd32(p + 4);
        type = rd32(p + 8);
        p += NOTE_HDR_SIZE;
        size -= NOTE_HDR_SIZE;
        name_pad = ALIGN_UP(namesz, a);     /* namesz < 2^32: cannot wrap */
        if (name_pad > size) {
            *why = "ELF note name runs past its segment";
            return -ENOEXEC;
        }
        name = p;
        p += name_pad;
        size -= name_pad;
        if (descsz > size) {
            *why = "ELF note descriptor runs past its segment";
            return -ENOEXEC;
        }
        desc = p;
        desc_pad = MIN(ALIGN_UP(descsz, a), size);  /* the last pad may be cut */
        p += desc_pad;
        size -= desc_pad;

        /* "Xen" with its NUL (namesz 4), or without (namesz 3). */
        if ((namesz != 4 && namesz != 3) || memcmp(name, XEN_ELFNOTE_NAME, namesz) != 0 ||
            type != XEN_ELFNOTE_PHYS32_ENTRY)
            continue;
        if (descsz == 4) {
            v = rd32(desc);
        } else if (descsz == 8) {
            v = rd64(desc);
        } else {
            *why = "PVH entry note has a bad size (not 4 or 8 bytes)";
            return -ENOEXEC;
        }
        if (info->has_pvh_entry && info->pvh_entry != v) {
            *why = "conflicting PVH entry notes";
            return -ENOEXEC;
        }
        info->pvh_entry = v;
        info->has_pvh_entry = true;
    }
    return 0;
}

static int scan_note_sections(const struct image *im, struct elf_info *info, const char **why)
{
    const struct ehdr *e = &im->eh;
    unsigned int i;
    int rc;

    if (e->shoff == 0 || e->shnum == 0)
        return 0;
    if (e->shentsize != (e->is64 ? SHDR64_SIZE : SHDR32_SIZE)) {
        *why = "bad ELF section header size";
        return -ENOEXEC;
    }
    if (!table_in_file(e->shoff, e->shnum, e->shentsize, im->len)) {
        *why = "ELF section headers outside the file";
        return -ENOEXEC;
    }
    for (i = 0; i < e->shnum; i++) {
        const uint8_t *s = im->p + e->shoff + (uint64_t)i * e->shentsize;
        uint64_t off, size, align;

        if (rd32(s + 4) != SHT_NOTE)
            continue;
        if (e->is64) {
            off = rd64(s + 24);
            size = rd64(s + 32);
            align = rd64(s + 48);
        } else {
            off = rd32(s + 16);
            size = rd32(s + 20);
            align = rd32(s + 32);
        }
        if (!in_file(off, size, im->len)) {
            *why = "ELF note section outside the file";
            return -ENOEXEC;
        }
        rc = scan_notes(im->p + off, size, align, info, why);
        if (rc)
            return rc;
    }
    return 0;
}

/* Checks one PT_LOAD against the file and the address space. */
static int check_load(const struct image *im, const struct phdr *ph, const char **why)
{
    if (ph->filesz > ph->memsz) {
        *why = "ELF segment's file size exceeds its memory size";
        return -ENOEXEC;
    }
    if (!in_file(ph->offset, ph->filesz, im->len)) {
        *why = "ELF segment data outside the file (truncated image?)";
        return -ENOEXEC;
    }
    if (ph->memsz > UINT64_MAX - ph->paddr) {
        *why = "ELF segment address range overflows";
        return -ENOEXEC;
    }
    if (!im->eh.is64 && ph->paddr + ph->memsz > GiB(4)) {
        *why = "ELF32 segment extends past 4 GiB";
        return -ENOEXEC;
    }
    return 0;
}

static int probe(struct image *im, struct elf_info *info, const char **why)
{
    struct phdr ph, other;
    unsigned int i, j;
    bool any_load = false;
    int rc;

    memset(info, 0, sizeof(*info));
    rc = read_ehdr(im, why);
    if (rc)
        return rc;
    info->is64 = im->eh.is64;
    info->machine = im->eh.machine;

    for (i = 0; i < im->eh.phnum; i++) {
        read_phdr(im, i, &ph);
        if (ph.type == PT_NOTE) {
            if (!in_file(ph.offset, ph.filesz, im->len)) {
                *why = "ELF note segment outside the file";
                return -ENOEXEC;
            }
            rc = scan_notes(im->p + ph.offset, ph.filesz, ph.align, info, why);
            if (rc)
                return rc;
            continue;
        }
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        rc = check_load(im, &ph, why);
        if (rc)
            return rc;
        /* Overlap with an earlier segment: O(n^2), n <= ELF_LOAD_MAX_PHNUM. */
        for (j = 0; j < i; j++) {
            read_phdr(im, j, &other);
            if (other.type != PT_LOAD || other.memsz == 0)
                continue;
            if (ph.paddr < other.paddr + other.memsz && other.paddr < ph.paddr + ph.memsz) {
                *why = "ELF segments overlap";
                return -ENOEXEC;
            }
        }
        if (!any_load || ph.paddr < info->lowest)
            info->lowest = ph.paddr;
        if (!any_load || ph.paddr + ph.memsz > info->highest)
            info->highest = ph.paddr + ph.memsz;
        any_load = true;
    }
    if (!any_load) {
        *why = "ELF image has no loadable segments";
        return -ENOEXEC;
    }
    if (!info->has_pvh_entry) {
        rc = scan_note_sections(im, info, why);
        if (rc)
            return rc;
    }
    if (info->has_pvh_entry) {
        if (info->pvh_entry >= GiB(4)) {
            *why = "PVH entry point is above 4 GiB";
            return -ENOEXEC;
        }
        if (info->pvh_entry < info->lowest || info->pvh_entry >= info->highest) {
            *why = "PVH entry point is outside the loaded segments";
            return -ENOEXEC;
        }
    }
    return 0;
}

int elf_probe(const void *img, size_t len, struct elf_info *info, const char **why)
{
    struct image im = { .p = img, .len = len };

    *why = NULL;
    if (!img) {
        *why = "no image";
        return -ENOEXEC;
    }
    return probe(&im, info, why);
}

int elf_load(const void *img, size_t len, uint64_t guest_mem_size,
             const struct elf_load_ops *ops, struct elf_info *info, const char **why)
{
    struct image im = { .p = img, .len = len };
    struct phdr ph;
    unsigned int i;
    int rc;

    *why = NULL;
    if (!img) {
        *why = "no image";
        return -ENOEXEC;
    }
    rc = probe(&im, info, why);
    if (rc)
        return rc;
    if (!info->has_pvh_entry) {
        *why = "no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) in the image";
        return -ENOEXEC;
    }

    /* Placement, for every segment, before the first write. */
    for (i = 0; i < im.eh.phnum; i++) {
        read_phdr(&im, i, &ph);
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        if (ph.paddr < ELF_LOAD_LOW_RESERVED) {
            *why = "ELF segment overlaps the reserved first 1 MiB of guest memory";
            return -ERANGE;
        }
        if (ph.paddr + ph.memsz > guest_mem_size) {
            *why = "ELF segment lies outside the domain's memory";
            return -ERANGE;
        }
    }

    for (i = 0; i < im.eh.phnum; i++) {
        read_phdr(&im, i, &ph);
        if (ph.type != PT_LOAD || ph.memsz == 0)
            continue;
        if (ph.filesz) {
            rc = ops->copy(ops->opaque, ph.paddr, im.p + ph.offset, ph.filesz);
            if (rc) {
                *why = "copying an ELF segment into guest memory failed";
                return rc;
            }
        }
        if (ph.memsz > ph.filesz) {
            rc = ops->zero(ops->opaque, ph.paddr + ph.filesz, ph.memsz - ph.filesz);
            if (rc) {
                *why = "zeroing an ELF segment's bss failed";
                return rc;
            }
        }
    }
    return 0;
}
