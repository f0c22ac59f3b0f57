/*
 * Kernel images as distributions ship them: an x86 bzImage (boot protocol
 * setup header + compressed vmlinux) or a plain ELF vmlinux. A PVH guest is
 * entered through the ELF inside, so the loader unpacks the payload and
 * reads the Xen PHYS32_ENTRY note from it.
 */
#ifndef ORYX_BZIMAGE_H
#define ORYX_BZIMAGE_H

#include <oryx/types.h>
#include <oryx/xz.h>

/* Offsets in the real-mode setup header (Linux boot protocol). */
#define BZ_SETUP_SECTS     0x1F1   /* u8, 0 means 4 */
#define BZ_BOOT_FLAG       0x1FE   /* u16, 0xAA55 */
#define BZ_HEADER          0x202   /* u32, "HdrS" */
#define BZ_VERSION         0x206   /* u16 */
#define BZ_KERNEL_ALIGN    0x230   /* u32 */
#define BZ_RELOCATABLE     0x234   /* u8 */
#define BZ_XLOADFLAGS      0x236   /* u16 */
#define BZ_PAYLOAD_OFFSET  0x248   /* u32, from the protected-mode code */
#define BZ_PAYLOAD_LENGTH  0x24C   /* u32 */
#define BZ_PREF_ADDRESS    0x258   /* u64 */
#define BZ_INIT_SIZE       0x260   /* u32 */
#define BZ_HEADER_END      0x264   /* bytes needed to read all of the above */

#define BZ_HDRS_MAGIC      0x53726448u   /* "HdrS" little-endian */
#define BZ_MIN_VERSION     0x0208        /* payload_offset/length appeared */

/* What the kernel image holds. */
enum bzimage_format {
    BZIMAGE_FMT_ELF = 0,     /* a plain ELF vmlinux, no bzImage around it */
    BZIMAGE_FMT_RAW_ELF,     /* bzImage with an uncompressed ELF payload */
    BZIMAGE_FMT_XZ,          /* bzImage, xz payload: the only compressor decoded */
    BZIMAGE_FMT_GZIP,
    BZIMAGE_FMT_BZIP2,
    BZIMAGE_FMT_LZMA,
    BZIMAGE_FMT_LZO,
    BZIMAGE_FMT_LZ4,
    BZIMAGE_FMT_ZSTD,
    BZIMAGE_FMT_UNKNOWN,
};

struct bzimage_info {
    enum bzimage_format format;
    const char *format_name;    /* "xz", "ELF", ... */
    uint16_t version;           /* boot protocol, e.g. 0x020F; 0 for ELF */
    uint8_t setup_sects;        /* after the 0-means-4 rule */
    uint8_t relocatable;
    uint16_t xloadflags;
    uint32_t kernel_alignment;
    uint32_t init_size;
    uint64_t pref_address;
    size_t payload_offset;      /* file offset of the payload (0 for ELF) */
    size_t payload_length;      /* bytes, including the trailing size word */
    size_t vmlinux_size;        /* size of the ELF once unpacked */
};

/* Workspace bzimage_extract needs (see xz.h), 8-byte aligned. */
#define BZIMAGE_WORK_SIZE XZ_WORK_SIZE

/*
 * Identify img[0, len): a plain ELF or a bzImage. Fills *info. Returns 0,
 * or -ENOEXEC (neither a bzImage nor an ELF), -ENODATA (truncated: the
 * header or the payload runs past the end), -EOPNOTSUPP (boot protocol
 * older than 2.08), with *why a static message.
 */
int bzimage_probe(const void *img, size_t len, struct bzimage_info *info, const char **why);

/*
 * Unpack the ELF vmlinux of img[0, len) into out[0, out_cap) and set
 * *out_len (== info.vmlinux_size). A plain ELF is copied as is. Needs
 * out_cap >= bzimage_probe()'s vmlinux_size (-ENOSPC otherwise) and a
 * BZIMAGE_WORK_SIZE workspace. Errors as bzimage_probe, plus -EOPNOTSUPP
 * for compressors other than xz, the xz_decode errors for a broken payload,
 * and -EBADMSG when the result is not an ELF file or its size differs from
 * the size recorded after the payload.
 */
int bzimage_extract(const void *img, size_t len, void *out, size_t out_cap, size_t *out_len,
                    void *work, size_t work_len, const char **why);

/* Xen ELF note carrying the 32-bit PVH entry point (public/elfnote.h). */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

/*
 * Find the "Xen" note of type XEN_ELFNOTE_PHYS32_ENTRY in the PT_NOTE
 * segments of the ELF32 or ELF64 (little-endian) image elf[0, len) and
 * return its value in *entry. The descriptor may be 4 or 8 bytes; an
 * 8-byte value must fit in 32 bits. Returns 0, -ENOEXEC (not a valid
 * ELF file), -ENOENT (no such note) or -EBADMSG (malformed note).
 */
int elf_find_pvh_entry(const void *elf, size_t len, uint32_t *entry, const char **why);

#endif
