/*
 * libFuzzer target over kernel images as a guest config names them: the
 * bzImage parser and unpacker of the hypervisor (hv/common/bzimage.c with
 * hv/lib/xz.c, which boot-time domains use) and of the toolstack
 * (libxctl's xctl_unpack_kernel: the same parser, with liblzma, zlib and
 * libzstd behind it, for `oxl create`).
 *
 * Checked beyond "no crash, no UB": a probed payload lies inside the
 * image; an extracted kernel has the size the image records and is an
 * ELF file; and where both unpackers decode an xz payload they produce
 * the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <oryx/bzimage.h>
#include <oryx/elf_load.h>
#include <oryx/errno.h>

#include "xctl_build.h"

/* Outputs larger than this are not unpacked (the fuzzer's memory). */
#define OUT_MAX (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _Alignas(8) uint8_t work[BZIMAGE_WORK_SIZE];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bzimage_info bi;
    struct elf_info ei;
    const char *why = NULL;
    uint8_t *hv = NULL;
    size_t hv_len = 0;
    int prc, hrc = 0;
    bool hv_ran = false;
    uint32_t entry;

    prc = bzimage_probe(data, size, &bi, &why);
    if (prc) {
        if (!why)
            abort();
    } else if (bi.payload_offset > size || bi.payload_length > size - bi.payload_offset) {
        abort();                    /* payload outside the image */
    }

    /* The hypervisor's unpacker, into a buffer of exactly the recorded size. */
    if (!prc && bi.vmlinux_size <= OUT_MAX) {
        hv = malloc(bi.vmlinux_size ? bi.vmlinux_size : 1);
        if (!hv)
            abort();
        why = NULL;
        hv_ran = true;
        hrc = bzimage_extract(data, size, hv, bi.vmlinux_size, &hv_len, work, sizeof(work), &why);
        if (hrc && !why)
            abort();
        if (!hrc) {
            if (hv_len != bi.vmlinux_size || hv_len < 4 || memcmp(hv, "\x7f" "ELF", 4))
                abort();
            elf_find_pvh_entry(hv, hv_len, &entry, &why);
            elf_probe(hv, hv_len, &ei, &why);
        }
    }

    /* The toolstack's; it refuses sizes over 1 GiB itself. */
    if (prc || bi.vmlinux_size <= OUT_MAX || bi.vmlinux_size > (1u << 30)) {
        const void *elf = NULL;
        size_t elf_len = 0;
        void *owned = NULL;
        char err[256];
        int trc;

        err[0] = '\0';
        trc = xctl_unpack_kernel(data, size, &elf, &elf_len, &owned, err, sizeof(err));
        if (trc && !err[0])
            abort();
        if (!trc) {
            if (prc)
                abort();            /* unpacked what the parser refused */
            if (!owned && ((const uint8_t *)elf < data || elf_len > size ||
                           (size_t)((const uint8_t *)elf - data) > size - elf_len))
                abort();            /* points outside the image */
            if (owned && elf_len != bi.vmlinux_size)
                abort();
            /* liblzma decoded it: so must the hypervisor (unless it is
             * not an ELF, which only the hypervisor checks here). */
            if (hv_ran && bi.format == BZIMAGE_FMT_XZ && hrc != -EOPNOTSUPP &&
                !(hrc == -EBADMSG && (elf_len < 4 || memcmp(elf, "\x7f" "ELF", 4))) &&
                (hrc || hv_len != elf_len || memcmp(hv, elf, elf_len))) {
                fprintf(stderr, "liblzma unpacked %zu bytes, the hypervisor %d (%s)\n",
                        elf_len, hrc, hrc ? why : "different bytes");
                abort();
            }
            elf_probe(elf, elf_len, &ei, &why);
        } else if (hv_ran && !hrc && bi.format == BZIMAGE_FMT_XZ) {
            fprintf(stderr, "the hypervisor unpacked it, the toolstack refuses: %s\n", err);
            abort();
        }
        free(owned);
    }
    free(hv);
    return 0;
}
