/*
 * Host tests of the bzImage unpacker and the PVH note finder
 * (hv/common/bzimage.c): hand-built ELF32/ELF64 images with Xen notes,
 * wrapped in synthetic bzImages with an xz payload made by the `xz`
 * command, good and broken; then Debian's real kernel from cache/vmlinuz
 * (scripts/fetch-fixtures.sh) when it is there, compared against `xz -dc`.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <oryx/bzimage.h>
#include "unit.h"

#define TMP_DIR "build/bzimage-vectors"

struct buf {
    uint8_t *p;
    size_t n;
};

static _Alignas(8) uint8_t work[BZIMAGE_WORK_SIZE];
static bool have_xz;

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

static struct buf read_file(const char *path)
{
    struct buf b = { 0 };
    FILE *f = fopen(path, "rb");
    long n;

    if (!f)
        return b;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b.p = malloc(n ? (size_t)n : 1);
    if (b.p && fread(b.p, 1, (size_t)n, f) == (size_t)n) {
        b.n = (size_t)n;
    } else {
        free(b.p);
        b.p = NULL;
    }
    fclose(f);
    return b;
}

static int write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok;

    if (!f)
        return -1;
    ok = fwrite(p, 1, n, f) == n;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* Append one note (name, type, desc) at *off in buf; 4-byte alignment. */
static void add_note(uint8_t *buf, size_t *off, const char *name, uint32_t type,
                     const void *desc, uint32_t descsz)
{
    uint32_t namesz = (uint32_t)strlen(name) + 1;

    put32(buf + *off, namesz);
    put32(buf + *off + 4, descsz);
    put32(buf + *off + 8, type);
    *off += 12;
    memcpy(buf + *off, name, namesz);
    *off += (namesz + 3) & ~3u;
    memcpy(buf + *off, desc, descsz);
    *off += (descsz + 3) & ~3u;
}

/*
 * A minimal ELF with one PT_LOAD and one PT_NOTE holding a GNU note, a Xen
 * GUEST_OS note and the PHYS32_ENTRY note (descsz 4 or 8), plus filler
 * code so the x86 filter has E8/E9 bytes to work on.
 */
static struct buf make_elf(bool elf64, uint32_t entry, uint32_t descsz, bool with_entry)
{
    size_t ehsz = elf64 ? 64 : 52, phsz = elf64 ? 56 : 32;
    size_t notes_off = ehsz + 2 * phsz, off = notes_off, total = 64 * 1024;
    struct buf b = { calloc(1, total), total };
    uint8_t *p = b.p, *ph;
    uint8_t desc[8] = { 0 };

    memcpy(p, "\x7f" "ELF", 4);
    p[4] = elf64 ? 2 : 1;
    p[5] = 1;
    p[6] = 1;
    put16(p + 16, 2);                       /* ET_EXEC */
    put16(p + 18, elf64 ? 62 : 3);          /* x86-64 / i386 */
    put32(p + 20, 1);
    if (elf64) {
        put64(p + 24, 0x1000000);
        put64(p + 32, ehsz);
        put16(p + 52, (uint16_t)ehsz);
        put16(p + 54, (uint16_t)phsz);
        put16(p + 56, 2);
    } else {
        put32(p + 24, 0x1000000);
        put32(p + 28, (uint32_t)ehsz);
        put16(p + 40, (uint16_t)ehsz);
        put16(p + 42, (uint16_t)phsz);
        put16(p + 44, 2);
    }

    add_note(p, &off, "GNU", 3, "0123456789abcdef0123", 20);
    add_note(p, &off, "Xen", 6, "linux", 6);
    put64(desc, entry);
    if (with_entry)
        add_note(p, &off, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, desc, descsz);

    ph = p + ehsz;                          /* PT_LOAD of the whole file */
    put32(ph, 1);
    if (elf64) {
        put32(ph + 4, 5);
        put64(ph + 24, 0x1000000);
        put64(ph + 32, total);
        put64(ph + 40, total);
        put64(ph + 48, 0x200000);
    } else {
        put32(ph + 12, 0x1000000);
        put32(ph + 16, (uint32_t)total);
        put32(ph + 20, (uint32_t)total);
        put32(ph + 28, 0x1000);
    }
    ph += phsz;                             /* PT_NOTE */
    put32(ph, 4);
    if (elf64) {
        put64(ph + 8, notes_off);
        put64(ph + 32, off - notes_off);
        put64(ph + 40, off - notes_off);
        put64(ph + 48, 4);
    } else {
        put32(ph + 4, (uint32_t)notes_off);
        put32(ph + 16, (uint32_t)(off - notes_off));
        put32(ph + 20, (uint32_t)(off - notes_off));
        put32(ph + 28, 4);
    }

    /* "Code": calls and jumps with small relative targets. */
    for (size_t i = 4096; i + 5 <= total; i += 5) {
        p[i] = (i / 5) % 3 ? 0xE8 : 0x90;
        put32(p + i + 1, (uint32_t)((i * 7) % 100000) - 50000);
    }
    return b;
}

/* xz-compress data the way Linux compresses its payload. */
static struct buf xz_kernel_style(const char *name, const struct buf *data)
{
    char in[256], out[256], cmd[700];
    struct buf none = { 0 };

    if (!have_xz)
        return none;
    snprintf(in, sizeof(in), TMP_DIR "/%s.raw", name);
    snprintf(out, sizeof(out), TMP_DIR "/%s.xz", name);
    if (write_file(in, data->p, data->n))
        return none;
    snprintf(cmd, sizeof(cmd), "xz -q -c --check=crc32 --x86 --lzma2=dict=1MiB < %s > %s", in, out);
    if (system(cmd) != 0)
        return none;
    return read_file(out);
}

#define SETUP_SECTS 3

/* A synthetic bzImage: boot sector + setup sectors, then a little code,
 * then the payload and its appended LE32 size. */
static struct buf make_bzimage(const struct buf *payload, uint32_t unpacked_size)
{
    size_t pm = (SETUP_SECTS + 1) * 512, poff = 0x40;
    struct buf b;

    b.n = pm + poff + payload->n + 4;
    b.p = calloc(1, b.n);
    b.p[BZ_SETUP_SECTS] = SETUP_SECTS;
    put16(b.p + BZ_BOOT_FLAG, 0xAA55);
    memcpy(b.p + BZ_HEADER, "HdrS", 4);
    put16(b.p + BZ_VERSION, 0x020F);
    put32(b.p + BZ_KERNEL_ALIGN, 0x200000);
    b.p[BZ_RELOCATABLE] = 1;
    put16(b.p + BZ_XLOADFLAGS, 0x7F);
    put32(b.p + BZ_PAYLOAD_OFFSET, (uint32_t)poff);
    put32(b.p + BZ_PAYLOAD_LENGTH, (uint32_t)(payload->n + 4));
    put64(b.p + BZ_PREF_ADDRESS, 0x1000000);
    put32(b.p + BZ_INIT_SIZE, 0x3F98000);
    memcpy(b.p + pm + poff, payload->p, payload->n);
    put32(b.p + pm + poff + payload->n, unpacked_size);
    return b;
}

static int extract(const struct buf *img, size_t cap, struct buf *res, const char **why)
{
    size_t n = 0;
    int rc;

    res->p = malloc(cap ? cap : 1);
    rc = bzimage_extract(img->p, img->n, res->p, cap, &n, work, sizeof(work), why);
    res->n = n;
    return rc;
}

static void test_elf_notes(void)
{
    static const struct { bool elf64; uint32_t descsz; } cases[] = {
        { true, 8 }, { true, 4 }, { false, 4 }, { false, 8 },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct buf e = make_elf(cases[i].elf64, 0x1000850, cases[i].descsz, true);
        uint32_t entry = 0;
        const char *why = NULL;
        int rc = elf_find_pvh_entry(e.p, e.n, &entry, &why);

        if (rc)
            fprintf(stderr, "  case %zu: %s\n", i, why);
        CHECK_EQ(rc, 0);
        CHECK_EQ(entry, 0x1000850);
        free(e.p);
    }
}

static void test_elf_notes_bad(void)
{
    struct buf e;
    uint32_t entry;
    const char *why = NULL;
    size_t nh;

    e = make_elf(true, 0x1000850, 8, false);
    CHECK_EQ(elf_find_pvh_entry(e.p, e.n, &entry, &why), -ENOENT);
    free(e.p);

    /* Entry above 4 GiB in an 8-byte descriptor. */
    e = make_elf(true, 0, 8, true);
    {
        /* The PHYS32 note is the last: find it from the PT_NOTE size. */
        size_t notes = 64 + 2 * 56;
        size_t size = (size_t)e.p[64 + 56 + 32] | (size_t)e.p[64 + 56 + 33] << 8;

        e.p[notes + size - 1] = 0x01;       /* high byte of the u64 */
        CHECK_EQ(elf_find_pvh_entry(e.p, e.n, &entry, &why), -EBADMSG);
    }
    free(e.p);

    /* A note whose descsz runs past the segment. */
    e = make_elf(true, 0x1000850, 8, true);
    nh = 64 + 2 * 56;
    put32(e.p + nh + 4, 0xFFFFFFF0u);
    CHECK_EQ(elf_find_pvh_entry(e.p, e.n, &entry, &why), -EBADMSG);
    put32(e.p + nh + 4, 20);
    CHECK_EQ(elf_find_pvh_entry(e.p, e.n, &entry, &why), 0);

    /* PT_NOTE beyond the file, program headers beyond the file. */
    put64(e.p + 64 + 56 + 8, e.n - 4);
    CHECK_EQ(elf_find_pvh_entry(e.p, e.n, &entry, &why), -EBADMSG);
    put64(e.p + 64 + 56 + 8, nh);
    put64(e.p + 32, e.n - 10);
    CHECK_EQ(elf_find_pvh_entry(e.p, e.n, &entry, &why), -ENOEXEC);
    put64(e.p + 32, 64);

    /* Every truncation of the header area is refused or finds nothing. */
    for (size_t n = 0; n < 600; n++) {
        uint8_t *t = malloc(n ? n : 1);
        int rc;

        memcpy(t, e.p, n);
        rc = elf_find_pvh_entry(t, n, &entry, &why);
        CHECK(rc != 0 || n >= 64 + 2 * 56);
        free(t);
    }
    e.p[5] = 2;                             /* big-endian */
    CHECK_EQ(elf_find_pvh_entry(e.p, e.n, &entry, &why), -ENOEXEC);
    e.p[5] = 1;
    e.p[4] = 3;
    CHECK_EQ(elf_find_pvh_entry(e.p, e.n, &entry, &why), -ENOEXEC);
    free(e.p);
}

static void test_plain_elf(void)
{
    struct buf e = make_elf(true, 0x1000850, 8, true), res;
    struct bzimage_info info;
    const char *why = NULL;

    CHECK_EQ(bzimage_probe(e.p, e.n, &info, &why), 0);
    CHECK_EQ(info.format, BZIMAGE_FMT_ELF);
    CHECK_EQ(info.vmlinux_size, e.n);
    CHECK_EQ(extract(&e, e.n, &res, &why), 0);
    CHECK(res.n == e.n && !memcmp(res.p, e.p, e.n));
    free(res.p);
    CHECK_EQ(extract(&e, e.n - 1, &res, &why), -ENOSPC);
    free(res.p);
    free(e.p);
}

static void test_synthetic_bzimage(void)
{
    struct buf e = make_elf(true, 0x1000850, 8, true), xz, img, res;
    struct bzimage_info info;
    const char *why = NULL;
    uint32_t entry = 0;
    size_t poff;
    int rc;

    xz = xz_kernel_style("elf64", &e);
    CHECK(xz.p != NULL);
    if (!xz.p)
        return;
    img = make_bzimage(&xz, (uint32_t)e.n);
    poff = (SETUP_SECTS + 1) * 512 + 0x40;

    CHECK_EQ(bzimage_probe(img.p, img.n, &info, &why), 0);
    CHECK_EQ(info.format, BZIMAGE_FMT_XZ);
    CHECK_EQ(info.version, 0x020F);
    CHECK_EQ(info.setup_sects, SETUP_SECTS);
    CHECK_EQ(info.payload_offset, poff);
    CHECK_EQ(info.payload_length, xz.n + 4);
    CHECK_EQ(info.vmlinux_size, e.n);
    CHECK_EQ(info.pref_address, 0x1000000);
    CHECK_EQ(info.init_size, 0x3F98000);

    rc = extract(&img, e.n, &res, &why);
    if (rc)
        fprintf(stderr, "  extract: %s\n", why);
    CHECK_EQ(rc, 0);
    CHECK(res.n == e.n && !memcmp(res.p, e.p, e.n));
    CHECK_EQ(elf_find_pvh_entry(res.p, res.n, &entry, &why), 0);
    CHECK_EQ(entry, 0x1000850);
    free(res.p);

    /* Too small an output buffer. */
    CHECK_EQ(extract(&img, e.n - 1, &res, &why), -ENOSPC);
    free(res.p);

    /* Appended size lies: decoded size disagrees. */
    put32(img.p + img.n - 4, (uint32_t)e.n - 1);
    rc = extract(&img, e.n, &res, &why);
    CHECK(rc == -ENOSPC || rc == -EBADMSG);
    free(res.p);
    put32(img.p + img.n - 4, (uint32_t)e.n);

    /* Every truncation fails cleanly; those inside the header as ENODATA
     * or ENOEXEC, those inside the payload as ENODATA. */
    for (size_t n = 0; n < img.n; n += n < 0x300 ? 1 : 29) {
        struct buf t = { malloc(n ? n : 1), n };

        memcpy(t.p, img.p, n);
        rc = extract(&t, e.n, &res, &why);
        CHECK(rc == -ENODATA || rc == -ENOEXEC);
        free(res.p);
        free(t.p);
    }

    /* A flipped payload byte: CRC32 or LZMA error, never success. */
    for (size_t i = poff; i < img.n - 4; i += 17) {
        img.p[i] ^= 0x20;
        rc = extract(&img, e.n, &res, &why);
        CHECK(rc < 0);
        free(res.p);
        img.p[i] ^= 0x20;
    }

    /* Header damage. */
    img.p[BZ_HEADER] = 'X';
    CHECK_EQ(bzimage_probe(img.p, img.n, &info, &why), -ENOEXEC);
    img.p[BZ_HEADER] = 'H';
    put16(img.p + BZ_VERSION, 0x0207);
    CHECK_EQ(bzimage_probe(img.p, img.n, &info, &why), -EOPNOTSUPP);
    put16(img.p + BZ_VERSION, 0x020F);
    put32(img.p + BZ_PAYLOAD_LENGTH, (uint32_t)xz.n + 5);
    CHECK_EQ(bzimage_probe(img.p, img.n, &info, &why), -ENODATA);
    put32(img.p + BZ_PAYLOAD_OFFSET, 0xFFFFFFF0u);
    CHECK_EQ(bzimage_probe(img.p, img.n, &info, &why), -ENODATA);
    put32(img.p + BZ_PAYLOAD_OFFSET, 0x40);
    put32(img.p + BZ_PAYLOAD_LENGTH, (uint32_t)xz.n + 4);
    img.p[BZ_SETUP_SECTS] = 0xFF;
    CHECK_EQ(bzimage_probe(img.p, img.n, &info, &why), -ENODATA);
    img.p[BZ_SETUP_SECTS] = SETUP_SECTS;
    CHECK_EQ(bzimage_probe(img.p, img.n, &info, &why), 0);

    /* Other compressors are recognised and refused by name. */
    img.p[poff] = 0x1F;
    img.p[poff + 1] = 0x8B;
    CHECK_EQ(bzimage_probe(img.p, img.n, &info, &why), 0);
    CHECK_EQ(info.format, BZIMAGE_FMT_GZIP);
    CHECK_EQ(extract(&img, e.n, &res, &why), -EOPNOTSUPP);
    free(res.p);
    img.p[poff] = 0x12;
    CHECK_EQ(extract(&img, e.n, &res, &why), -ENOEXEC);
    free(res.p);

    free(img.p);
    free(xz.p);

    /* A payload that decodes fine but is not an ELF file. */
    e.p[0] = 'X';
    xz = xz_kernel_style("notelf", &e);
    img = make_bzimage(&xz, (uint32_t)e.n);
    CHECK_EQ(extract(&img, e.n, &res, &why), -EBADMSG);
    free(res.p);
    free(img.p);
    free(xz.p);
    free(e.p);
}

/* A bzImage whose payload is the ELF itself, uncompressed. */
static void test_raw_elf_payload(void)
{
    struct buf e = make_elf(false, 0x100000, 4, true), img, res;
    struct bzimage_info info;
    const char *why = NULL;
    uint32_t entry;

    img = make_bzimage(&e, 0);
    /* The "size word" belongs to the payload here. */
    CHECK_EQ(bzimage_probe(img.p, img.n, &info, &why), 0);
    CHECK_EQ(info.format, BZIMAGE_FMT_RAW_ELF);
    CHECK_EQ(extract(&img, info.vmlinux_size, &res, &why), 0);
    CHECK(res.n >= e.n && !memcmp(res.p, e.p, e.n));
    CHECK_EQ(elf_find_pvh_entry(res.p, res.n, &entry, &why), 0);
    CHECK_EQ(entry, 0x100000);
    free(res.p);
    free(img.p);
    free(e.p);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *vmlinuz_path(void)
{
    const char *p = getenv("ORYX_VMLINUZ");

    return p && *p ? p : "cache/vmlinuz";
}

/* Debian's kernel as shipped. Reference: the payload through `xz -dc`. */
static void test_real_kernel(void)
{
    const char *path = vmlinuz_path();
    struct buf img = read_file(path), ref, res, t;
    struct bzimage_info info;
    const char *why = NULL;
    uint32_t entry = 0;
    uint64_t end = 0;
    double t0, t1;
    char cmd[600];
    int rc;

    CHECK(img.p != NULL);
    if (!img.p)
        return;
    rc = bzimage_probe(img.p, img.n, &info, &why);
    CHECK_EQ(rc, 0);
    CHECK_EQ(info.format, BZIMAGE_FMT_XZ);
    CHECK(info.version >= 0x0208);
    if (rc || info.format != BZIMAGE_FMT_XZ) {
        free(img.p);
        return;
    }

    t0 = now();
    rc = extract(&img, info.vmlinux_size, &res, &why);
    t1 = now();
    if (rc)
        fprintf(stderr, "  extract %s: %s\n", path, why);
    CHECK_EQ(rc, 0);
    CHECK_EQ(res.n, info.vmlinux_size);
    fprintf(stderr, "  %s: %zu -> %zu bytes in %.3f s (%.1f MB/s, sanitizer build)\n",
            path, img.n, res.n, t1 - t0, res.n / (t1 - t0) / 1e6);

    if (have_xz) {
        if (write_file(TMP_DIR "/payload.xz", img.p + info.payload_offset,
                       info.payload_length - 4) == 0) {
            snprintf(cmd, sizeof(cmd), "xz -dc < %s/payload.xz > %s/vmlinux.ref", TMP_DIR, TMP_DIR);
            CHECK_EQ(system(cmd), 0);
        }
        ref = read_file(TMP_DIR "/vmlinux.ref");
        CHECK(ref.p != NULL);
        CHECK(ref.n == res.n && !memcmp(ref.p, res.p, res.n));
        free(ref.p);
        remove(TMP_DIR "/vmlinux.ref");
        remove(TMP_DIR "/payload.xz");
    }

    rc = elf_find_pvh_entry(res.p, res.n, &entry, &why);
    CHECK_EQ(rc, 0);
    /* Highest PT_LOAD end by physical address (ELF64 layout). */
    if (res.n >= 64 && res.p[4] == 2) {
        uint64_t phoff, phnum, phent;

        memcpy(&phoff, res.p + 32, 8);
        phent = res.p[54] | res.p[55] << 8;
        phnum = res.p[56] | res.p[57] << 8;
        for (uint64_t i = 0; i < phnum && phoff + (i + 1) * phent <= res.n; i++) {
            const uint8_t *ph = res.p + phoff + i * phent;
            uint64_t pa, memsz;

            memcpy(&pa, ph + 24, 8);
            memcpy(&memsz, ph + 40, 8);
            if (ph[0] == 1 && pa + memsz > end)
                end = pa + memsz;
        }
    }
    fprintf(stderr, "  PVH entry 0x%x, image end 0x%llx\n", entry, (unsigned long long)end);
    CHECK(entry >= 0x1000000 && entry < end);
    {
        /* Figures from the research note for the kernel it studied. */
        struct buf ver = read_file("cache/KERNEL_VERSION");

        if (ver.p && ver.n >= 14 && !memcmp(ver.p, "6.1.0-56-amd64", 14)) {
            CHECK_EQ(entry, 0x1000850);
            CHECK_EQ(end, 0x4A00000);
            CHECK_EQ(info.payload_offset, 0x52CC);
            CHECK_EQ(info.vmlinux_size, 65906612);
        }
        free(ver.p);
    }
    free(res.p);

    /* Damage early in the payload fails fast and cleanly. */
    t.n = img.n;
    t.p = malloc(t.n);
    memcpy(t.p, img.p, t.n);
    t.p[info.payload_offset + 4096] ^= 0x55;
    rc = extract(&t, info.vmlinux_size, &res, &why);
    CHECK_EQ(rc, -EBADMSG);
    free(res.p);
    /* Truncated file: refused before decoding. */
    t.n = info.payload_offset + info.payload_length / 2;
    rc = extract(&t, info.vmlinux_size, &res, &why);
    CHECK_EQ(rc, -ENODATA);
    free(res.p);
    free(t.p);
    free(img.p);
}

UNIT_MAIN("bzimage")
{
    have_xz = system("xz --version >/dev/null 2>&1") == 0;
    mkdir("build", 0755);
    mkdir(TMP_DIR, 0755);
    TEST_RUN(test_elf_notes);
    TEST_RUN(test_elf_notes_bad);
    TEST_RUN(test_plain_elf);
    if (have_xz)
        TEST_RUN(test_synthetic_bzimage);
    else
        printf("PASS: bzimage/test_synthetic_bzimage (skipped: no xz command)\n");
    TEST_RUN(test_raw_elf_payload);
    if (access(vmlinuz_path(), R_OK) == 0)
        TEST_RUN(test_real_kernel);
    else
        printf("PASS: bzimage/test_real_kernel (skipped: no %s; run scripts/fetch-fixtures.sh)\n",
               vmlinuz_path());
}
