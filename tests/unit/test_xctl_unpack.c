/*
 * Host tests of the toolstack's kernel unpacking (xctl_unpack_kernel in
 * tools/libxctl/xctl_build.c): Debian's bzImage (cache/vmlinuz) with its
 * own xz payload, and the same setup code with 1 MiB of made-up contents
 * packed by zlib (gzip), libzstd and liblzma, uncompressed, corrupted and
 * cut short, as two xz streams, and with a compressor the builder does
 * not take (bzip2).
 * Skipped without cache/vmlinuz (scripts/fetch-fixtures.sh).
 */
#include <errno.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include <oryx/bzimage.h>
#include "unit.h"
#include "xctl_build.h"

#define CONTENT (1u << 20)

static uint8_t *vmlinuz;
static size_t vmlinuz_len, head_len;     /* head: everything before the payload */
static uint8_t *content;

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *p = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (p = malloc((size_t)n)) && fread(p, 1, (size_t)n, f) == (size_t)n) {
        *len = (size_t)n;
    } else {
        free(p);
        p = NULL;
    }
    fclose(f);
    return p;
}

/* Debian's setup code and header around a payload of ours (with Linux's
 * trailing unpacked size unless raw). */
static uint8_t *wrap(const void *payload, size_t plen, uint32_t size, int raw, size_t *len)
{
    size_t total = head_len + plen + (raw ? 0 : 4);
    uint8_t *img = malloc(total);
    uint32_t pl = (uint32_t)(plen + (raw ? 0 : 4));

    memcpy(img, vmlinuz, head_len);
    memcpy(img + head_len, payload, plen);
    if (!raw)
        memcpy(img + head_len + plen, &size, 4);
    memcpy(img + 0x24c, &pl, 4);                    /* payload_length */
    *len = total;
    return img;
}

/* Unpacks img; 0 and the right bytes, or -errno with its message. */
static int unpack_is(const uint8_t *img, size_t len, const uint8_t *want, size_t want_len,
                     char *msg, size_t msglen)
{
    const void *elf;
    size_t elf_len;
    void *owned;
    int rc = xctl_unpack_kernel(img, len, &elf, &elf_len, &owned, msg, msglen);

    if (!rc && (elf_len != want_len || memcmp(elf, want, want_len)))
        rc = -EILSEQ;
    free(owned);
    return rc;
}

static void test_debian_xz(void)
{
    const void *elf;
    size_t elf_len;
    void *owned;
    char msg[200];

    if (!vmlinuz) {
        printf("  SKIP: no cache/vmlinuz\n");
        return;
    }
    CHECK_EQ(xctl_unpack_kernel(vmlinuz, vmlinuz_len, &elf, &elf_len, &owned, msg, sizeof(msg)), 0);
    CHECK(elf_len > (1u << 20) && !memcmp(elf, "\x7f" "ELF", 4) && owned == elf);
    free(owned);
}

static void test_compressors(void)
{
    size_t cap = CONTENT + CONTENT / 8 + 4096, n, len;
    uint8_t *packed = malloc(cap), *img;
    char msg[200];

    if (!vmlinuz) {
        printf("  SKIP: no cache/vmlinuz\n");
        free(packed);
        return;
    }
    /* gzip, as Linux's "gzip -n -9" makes it. */
    z_stream z;
    memset(&z, 0, sizeof(z));
    CHECK_EQ(deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = content;
    z.avail_in = CONTENT;
    z.next_out = packed;
    z.avail_out = (uInt)cap;
    CHECK_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
    n = z.total_out;
    deflateEnd(&z);
    img = wrap(packed, n, CONTENT, 0, &len);
    CHECK_EQ(unpack_is(img, len, content, CONTENT, msg, sizeof(msg)), 0);
    free(img);

    n = ZSTD_compress(packed, cap, content, CONTENT, 1);
    CHECK(!ZSTD_isError(n));
    img = wrap(packed, n, CONTENT, 0, &len);
    CHECK_EQ(unpack_is(img, len, content, CONTENT, msg, sizeof(msg)), 0);
    /* A byte flipped inside the frame: refused, named. */
    img[head_len + n / 2] ^= 0x55;
    CHECK_EQ(unpack_is(img, len, content, CONTENT, msg, sizeof(msg)), -ENOEXEC);
    CHECK(strstr(msg, "zstd") != NULL);
    free(img);
    /* A size that lies. */
    img = wrap(packed, n, CONTENT + 1, 0, &len);
    CHECK_EQ(unpack_is(img, len, content, CONTENT, msg, sizeof(msg)), -ENOEXEC);
    free(img);

    n = 0;
    CHECK_EQ(lzma_easy_buffer_encode(0, LZMA_CHECK_CRC32, NULL, content, CONTENT, packed, &n,
                                     cap), LZMA_OK);
    img = wrap(packed, n, CONTENT, 0, &len);
    CHECK_EQ(unpack_is(img, len, content, CONTENT, msg, sizeof(msg)), 0);
    /* Cut short: the file ends inside the payload. */
    CHECK(unpack_is(img, len - 100, content, CONTENT, msg, sizeof(msg)) < 0);
    free(img);
    /* Two streams and stream padding, as the .xz format allows and the
     * hypervisor's decoder takes (found by tests/fuzz/fuzz_bzimage.c: only
     * the first stream was decoded, so `oxl create` refused a kernel a
     * boot-time domain boots). */
    n = 0;
    CHECK_EQ(lzma_easy_buffer_encode(0, LZMA_CHECK_CRC32, NULL, content, CONTENT / 2, packed, &n,
                                     cap), LZMA_OK);
    CHECK_EQ(lzma_easy_buffer_encode(0, LZMA_CHECK_CRC64, NULL, content + CONTENT / 2,
                                     CONTENT / 2, packed, &n, cap), LZMA_OK);
    memset(packed + n, 0, 8);
    img = wrap(packed, n + 8, CONTENT, 0, &len);
    CHECK_EQ(unpack_is(img, len, content, CONTENT, msg, sizeof(msg)), 0);
    /* ... and the hypervisor's unpacker agrees. */
    {
        static _Alignas(8) uint8_t work[BZIMAGE_WORK_SIZE];
        uint8_t *out = malloc(CONTENT);
        size_t out_len = 0;
        const char *why = NULL;

        /* Not an ELF, so it stops there, after decoding every stream. */
        CHECK_EQ(bzimage_extract(img, len, out, CONTENT, &out_len, work, sizeof(work), &why),
                 -EBADMSG);
        CHECK(why && strstr(why, "not an ELF"));
        CHECK(!memcmp(out, content, CONTENT));
        free(out);
    }
    /* Garbage after the padding: refused. */
    memcpy(packed + n + 8, "junk", 4);
    free(img);
    img = wrap(packed, n + 12, CONTENT, 0, &len);
    CHECK_EQ(unpack_is(img, len, content, CONTENT, msg, sizeof(msg)), -ENOEXEC);
    free(img);

    /* An uncompressed ELF payload: its own size. */
    memcpy(packed, content, CONTENT);
    memcpy(packed, "\x7f" "ELF", 4);
    img = wrap(packed, CONTENT, 0, 1, &len);
    CHECK_EQ(unpack_is(img, len, packed, CONTENT, msg, sizeof(msg)), 0);
    free(img);

    /* bzip2's magic: named as not supported. */
    memcpy(packed, "BZh9", 4);
    img = wrap(packed, 64, CONTENT, 0, &len);
    CHECK_EQ(unpack_is(img, len, content, CONTENT, msg, sizeof(msg)), -ENOEXEC);
    CHECK(strstr(msg, "bzip2") && strstr(msg, "zstd"));
    free(img);
    free(packed);
}

UNIT_MAIN("xctl_unpack")
{
    struct bzimage_info bi;
    const char *why = NULL;

    vmlinuz = slurp("cache/vmlinuz", &vmlinuz_len);
    if (vmlinuz && bzimage_probe(vmlinuz, vmlinuz_len, &bi, &why) == 0)
        head_len = bi.payload_offset;
    else
        vmlinuz = NULL;
    /* Text-like and random stretches, so every compressor has work. */
    content = malloc(CONTENT);
    uint32_t x = 12345;
    for (size_t i = 0; i < CONTENT; i++) {
        x = x * 1103515245u + 12345u;
        content[i] = (i / 4096) % 2 ? (uint8_t)(x >> 24) : (uint8_t)("oryx kernel "[i % 12]);
    }
    TEST_RUN(test_debian_xz);
    TEST_RUN(test_compressors);
    free(content);
    free(vmlinuz);
}
