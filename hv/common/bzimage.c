/*
 * bzImage and ELF kernel images: read the x86 boot protocol setup header
 * (Documentation/arch/x86/boot.rst facts), unpack the xz payload into the
 * ELF vmlinux, and find the Xen PVH entry note in it.
 *
 * All fields are read byte by byte: images come from boot modules at any
 * alignment, and every offset is checked against the length before use.
 */
#include <oryx/bzimage.h>
#include <oryx/lib.h>
#include <oryx/errno.h>

static int fail(const char **why, int err, const char *msg)
{
    if (why)
        *why = msg;
    return err;
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static bool is_elf(const uint8_t *p, size_t len)
{
    return len >= 4 && p[0] == 0x7F && p[1] == 'E' && p[2] == 'L' && p[3] == 'F';
}

/* Compressor of a payload, by its leading magic bytes. */
static const struct {
    enum bzimage_format fmt;
    const char *name;
    uint8_t len;
    uint8_t magic[6];
} payload_magics[] = {
    { BZIMAGE_FMT_XZ,      "xz",    6, { 0xFD, '7', 'z', 'X', 'Z', 0x00 } },
    { BZIMAGE_FMT_GZIP,    "gzip",  2, { 0x1F, 0x8B } },
    { BZIMAGE_FMT_BZIP2,   "bzip2", 3, { 'B', 'Z', 'h' } },
    { BZIMAGE_FMT_LZMA,    "lzma",  3, { 0x5D, 0x00, 0x00 } },
    { BZIMAGE_FMT_LZO,     "lzo",   4, { 0x89, 'L', 'Z', 'O' } },
    { BZIMAGE_FMT_LZ4,     "lz4",   4, { 0x02, 0x21, 0x4C, 0x18 } },
    { BZIMAGE_FMT_ZSTD,    "zstd",  4, { 0x28, 0xB5, 0x2F, 0xFD } },
    { BZIMAGE_FMT_RAW_ELF, "ELF",   4, { 0x7F, 'E', 'L', 'F' } },
};

int bzimage_probe(const void *img, size_t len, struct bzimage_info *info, const char **why)
{
    const uint8_t *p = img;
    size_t setup, poff, plen;

    memset(info, 0, sizeof(*info));
    info->format = BZIMAGE_FMT_UNKNOWN;
    info->format_name = "unknown";
    if (!p)
        return fail(why, -EINVAL, "no kernel image");

    if (is_elf(p, len)) {
        info->format = BZIMAGE_FMT_ELF;
        info->format_name = "ELF";
        info->payload_length = len;
        info->vmlinux_size = len;
        return 0;
    }
    if (len < BZ_HEADER_END)
        return len >= BZ_HEADER + 4 && rd32(p + BZ_HEADER) == BZ_HDRS_MAGIC
                   ? fail(why, -ENODATA, "bzImage truncated inside its setup header")
                   : fail(why, -ENOEXEC, "neither a bzImage nor an ELF file");
    if (rd32(p + BZ_HEADER) != BZ_HDRS_MAGIC || rd16(p + BZ_BOOT_FLAG) != 0xAA55)
        return fail(why, -ENOEXEC, "neither a bzImage nor an ELF file");

    info->version = rd16(p + BZ_VERSION);
    if (info->version < BZ_MIN_VERSION)
        return fail(why, -EOPNOTSUPP, "bzImage boot protocol older than 2.08");
    info->setup_sects = p[BZ_SETUP_SECTS] ? p[BZ_SETUP_SECTS] : 4;
    info->relocatable = p[BZ_RELOCATABLE];
    info->xloadflags = rd16(p + BZ_XLOADFLAGS);
    info->kernel_alignment = rd32(p + BZ_KERNEL_ALIGN);
    info->init_size = rd32(p + BZ_INIT_SIZE);
    info->pref_address = rd64(p + BZ_PREF_ADDRESS);

    /* The protected-mode part starts after the boot sector and the setup
     * sectors; payload_offset counts from there. All values are < 2^32 so
     * the sums below cannot wrap a 64-bit size_t. */
    setup = ((size_t)info->setup_sects + 1) * 512;
    poff = setup + rd32(p + BZ_PAYLOAD_OFFSET);
    plen = rd32(p + BZ_PAYLOAD_LENGTH);
    info->payload_offset = poff;
    info->payload_length = plen;
    if (setup > len)
        return fail(why, -ENODATA, "bzImage truncated inside its setup code");
    if (poff > len || plen > len - poff)
        return fail(why, -ENODATA, "bzImage truncated: payload runs past the end of the file");
    if (plen < 8)
        return fail(why, -ENOEXEC, "bzImage payload too short");

    for (size_t i = 0; i < ARRAY_SIZE(payload_magics); i++) {
        if (memcmp(p + poff, payload_magics[i].magic, payload_magics[i].len) == 0) {
            info->format = payload_magics[i].fmt;
            info->format_name = payload_magics[i].name;
            break;
        }
    }
    /* Linux appends the unpacked size as a little-endian u32 to every
     * compressed payload; an uncompressed ELF payload is its own size. */
    if (info->format == BZIMAGE_FMT_RAW_ELF)
        info->vmlinux_size = plen;
    else
        info->vmlinux_size = rd32(p + poff + plen - 4);
    return 0;
}

int bzimage_extract(const void *img, size_t len, void *out, size_t out_cap, size_t *out_len,
                    void *work, size_t work_len, const char **why)
{
    struct bzimage_info info;
    const uint8_t *p = img;
    size_t n = 0;
    int rc;

    *out_len = 0;
    if ((rc = bzimage_probe(img, len, &info, why)))
        return rc;
    if (info.vmlinux_size > out_cap)
        return fail(why, -ENOSPC, "output buffer smaller than the unpacked kernel");

    switch (info.format) {
    case BZIMAGE_FMT_ELF:
    case BZIMAGE_FMT_RAW_ELF:
        memcpy(out, p + info.payload_offset, info.vmlinux_size);
        n = info.vmlinux_size;
        break;
    case BZIMAGE_FMT_XZ:
        /* The stream proper ends before the appended size word. */
        rc = xz_decode(p + info.payload_offset, info.payload_length - 4, out, out_cap, &n,
                       work, work_len, why);
        if (rc)
            return rc;
        if (n != info.vmlinux_size)
            return fail(why, -EBADMSG, "unpacked kernel size differs from the bzImage's record");
        break;
    case BZIMAGE_FMT_GZIP:
    case BZIMAGE_FMT_BZIP2:
    case BZIMAGE_FMT_LZMA:
    case BZIMAGE_FMT_LZO:
    case BZIMAGE_FMT_LZ4:
    case BZIMAGE_FMT_ZSTD:
        return fail(why, -EOPNOTSUPP, "bzImage payload compressor not supported (only xz)");
    default:
        return fail(why, -ENOEXEC, "bzImage payload has an unknown format");
    }
    if (!is_elf(out, n))
        return fail(why, -EBADMSG, "unpacked kernel is not an ELF file");
    *out_len = n;
    return 0;
}

/* ---- ELF notes ---------------------------------------------------------- */

#define EI_CLASS    4
#define EI_DATA     5
#define ELFCLASS32  1
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define PT_NOTE     4

/* Byte offsets of the header fields used here, per class (ELF spec). */
struct elf_layout {
    size_t ehdr_size, e_phoff, e_phentsize, e_phnum;
    size_t phdr_size, p_offset, p_filesz, p_align;
    bool wide;                  /* 8-byte addresses and offsets */
};

static const struct elf_layout elf32_layout = {
    .ehdr_size = 52, .e_phoff = 28, .e_phentsize = 42, .e_phnum = 44,
    .phdr_size = 32, .p_offset = 4, .p_filesz = 16, .p_align = 28, .wide = false,
};

static const struct elf_layout elf64_layout = {
    .ehdr_size = 64, .e_phoff = 32, .e_phentsize = 54, .e_phnum = 56,
    .phdr_size = 56, .p_offset = 8, .p_filesz = 32, .p_align = 48, .wide = true,
};

static uint64_t rd_word(const struct elf_layout *l, const uint8_t *p)
{
    return l->wide ? rd64(p) : rd32(p);
}

/* Look for the note in one PT_NOTE segment n[0, size). 1 = found. */
static int scan_notes(const uint8_t *n, size_t size, size_t align, uint32_t *entry,
                      const char **why)
{
    size_t off = 0;

    while (size - off >= 12) {
        uint32_t namesz = rd32(n + off), descsz = rd32(n + off + 4), type = rd32(n + off + 8);
        size_t name_off = off + 12;
        size_t desc_off, next;

        /* 32-bit sizes added into a size_t: no wrap on 64-bit hosts. */
        desc_off = name_off + ALIGN_UP((size_t)namesz, align);
        next = desc_off + ALIGN_UP((size_t)descsz, align);
        if (desc_off > size || descsz > size - desc_off)
            return fail(why, -EBADMSG, "ELF note runs past its segment");

        if (namesz == 4 && memcmp(n + name_off, "Xen", 4) == 0 &&
            type == XEN_ELFNOTE_PHYS32_ENTRY) {
            uint64_t v;

            if (descsz == 4)
                v = rd32(n + desc_off);
            else if (descsz == 8)
                v = rd64(n + desc_off);
            else
                return fail(why, -EBADMSG, "Xen PHYS32_ENTRY note has a bad size");
            if (v > 0xFFFFFFFFu)
                return fail(why, -EBADMSG, "Xen PHYS32_ENTRY is above 4 GiB");
            *entry = (uint32_t)v;
            return 1;
        }
        if (next >= size)
            break;
        off = next;
    }
    return 0;
}

int elf_find_pvh_entry(const void *elf, size_t len, uint32_t *entry, const char **why)
{
    const uint8_t *p = elf;
    const struct elf_layout *l;
    uint64_t phoff;
    unsigned phentsize, phnum;

    if (!p || !is_elf(p, len) || len < 16)
        return fail(why, -ENOEXEC, "not an ELF file");
    if (p[EI_DATA] != ELFDATA2LSB)
        return fail(why, -ENOEXEC, "ELF file is not little-endian");
    switch (p[EI_CLASS]) {
    case ELFCLASS32:
        l = &elf32_layout;
        break;
    case ELFCLASS64:
        l = &elf64_layout;
        break;
    default:
        return fail(why, -ENOEXEC, "ELF file has an unknown class");
    }
    if (len < l->ehdr_size)
        return fail(why, -ENOEXEC, "ELF header truncated");
    phoff = rd_word(l, p + l->e_phoff);
    phentsize = rd16(p + l->e_phentsize);
    phnum = rd16(p + l->e_phnum);
    if (phnum && phentsize < l->phdr_size)
        return fail(why, -ENOEXEC, "ELF program header entries too small");
    if (phoff > len || (uint64_t)phnum * phentsize > len - phoff)
        return fail(why, -ENOEXEC, "ELF program headers run past the end of the file");

    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = p + phoff + (uint64_t)i * phentsize;
        uint64_t off, size, align;
        int rc;

        if (rd32(ph) != PT_NOTE)
            continue;
        off = rd_word(l, ph + l->p_offset);
        size = rd_word(l, ph + l->p_filesz);
        align = rd_word(l, ph + l->p_align);
        if (off > len || size > len - off)
            return fail(why, -EBADMSG, "ELF note segment runs past the end of the file");
        /* Notes are 4-byte aligned unless the segment says 8. */
        rc = scan_notes(p + off, size, align == 8 ? 8 : 4, entry, why);
        if (rc < 0)
            return rc;
        if (rc > 0)
            return 0;
    }
    return fail(why, -ENOENT, "no Xen PHYS32_ENTRY note: kernel lacks PVH support");
}
