/*
 * Host tests of the .xz decoder (hv/lib/xz.c). Inputs are made at test
 * time: deterministic data written to build/xz-vectors/ and compressed
 * with the host's `xz` command under various options; the decoder's
 * output must equal the original data. Corrupted and truncated variants
 * must fail with an error (never crash: the binary runs under ASan).
 * Without an `xz` command the cases that need it report skipped.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <oryx/xz.h>
#include "unit.h"

#define VEC_DIR "build/xz-vectors"

struct buf {
    uint8_t *p;
    size_t n;
};

static _Alignas(8) uint8_t work[XZ_WORK_SIZE];
static int have_xz = -1;

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
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
    if (b.p && fread(b.p, 1, (size_t)n, f) == (size_t)n)
        b.n = (size_t)n;
    else {
        free(b.p);
        b.p = NULL;
    }
    fclose(f);
    return b;
}

static bool xz_available(void)
{
    if (have_xz < 0) {
        have_xz = system("xz --version >/dev/null 2>&1") == 0;
        mkdir("build", 0755);
        mkdir(VEC_DIR, 0755);
    }
    return have_xz;
}

/* Compress data with `xz OPTS`; returns the .xz bytes (p NULL on failure). */
static struct buf xz_compress(const char *name, const struct buf *data, const char *opts)
{
    char in[256], out[256], optf[256], cmd[1024];
    struct buf none = { 0 };

    struct buf old;

    snprintf(in, sizeof(in), VEC_DIR "/%s.raw", name);
    snprintf(out, sizeof(out), VEC_DIR "/%s.xz", name);
    /* Reuse the last run's file when the input is unchanged: xz is slow. */
    snprintf(optf, sizeof(optf), VEC_DIR "/%s.opts", name);
    old = read_file(optf);
    if (old.p && old.n == strlen(opts) && !memcmp(old.p, opts, old.n)) {
        free(old.p);
        old = read_file(in);
        if (old.p && old.n == data->n && !memcmp(old.p, data->p, data->n)) {
            free(old.p);
            old = read_file(out);
            if (old.p)
                return old;
        }
    }
    free(old.p);
    unlink(optf);
    if (write_file(in, data->p, data->n))
        return none;
    snprintf(cmd, sizeof(cmd), "xz -q -c %s < %s > %s", opts, in, out);
    if (system(cmd) != 0 || write_file(optf, opts, strlen(opts)))
        return none;
    return read_file(out);
}

/* Decode with exactly enough room (plus slack); returns the rc. */
static int decode(const struct buf *xz, size_t cap, struct buf *res, const char **why)
{
    size_t n = 0;
    int rc;

    res->p = malloc(cap ? cap : 1);
    rc = xz_decode(xz->p, xz->n, cap ? res->p : NULL, cap, &n, work, sizeof(work), why);
    res->n = n;
    return rc;
}

static void roundtrip(const char *name, const struct buf *data, const char *opts)
{
    struct buf xz, res;
    const char *why = NULL;
    int rc;

    xz = xz_compress(name, data, opts);
    CHECK(xz.p != NULL);
    if (!xz.p)
        return;
    rc = decode(&xz, data->n + 64, &res, &why);
    if (rc)
        fprintf(stderr, "  %s: rc %d: %s\n", name, rc, why);
    CHECK_EQ(rc, 0);
    CHECK_EQ(res.n, data->n);
    CHECK(res.n == data->n && memcmp(res.p, data->p, data->n) == 0);
    free(res.p);

    /* One byte short of room must be refused cleanly. */
    if (data->n > 0) {
        rc = decode(&xz, data->n - 1, &res, &why);
        CHECK_EQ(rc, -ENOSPC);
        free(res.p);
    }
    free(xz.p);
}

static struct buf text_data(size_t n)
{
    static const char *words[] = { "hypervisor ", "guest ", "page ", "table ", "event ",
                                   "channel ", "grant ", "\n", "vcpu ", "0x1000850 " };
    struct buf b = { malloc(n), n };
    size_t i = 0;

    while (i < n) {
        const char *w = words[rng() % 10];
        size_t l = strlen(w);

        if (l > n - i)
            l = n - i;
        memcpy(b.p + i, w, l);
        i += l;
    }
    return b;
}

static struct buf random_data(size_t n)
{
    struct buf b = { malloc(n), n };

    for (size_t i = 0; i < n; i++)
        b.p[i] = (uint8_t)rng();
    return b;
}

/* Mostly compressible with incompressible stretches: mixes LZMA and
 * uncompressed LZMA2 chunks within one block. */
static struct buf mixed_data(size_t n)
{
    struct buf b = text_data(n);

    for (size_t off = 0; off + 70000 < n; off += 300000)
        for (size_t i = 0; i < 70000; i++)
            b.p[off + i] = (uint8_t)rng();
    return b;
}

static struct buf self_exe(void)
{
    return read_file("/proc/self/exe");
}

static void test_empty(void)
{
    struct buf d = { malloc(1), 0 };

    if (!xz_available())
        return;
    roundtrip("empty", &d, "--check=crc32");
    roundtrip("empty64", &d, "--check=crc64");
    free(d.p);
}

static void test_text(void)
{
    struct buf d = text_data(300000);

    if (!xz_available())
        return;
    roundtrip("text", &d, "");
    roundtrip("text-0", &d, "-0 --check=crc32");
    roundtrip("text-9e", &d, "--check=crc64 --lzma2=preset=9e,dict=1MiB");
    free(d.p);
}

static void test_random(void)
{
    struct buf d = random_data(200000);

    if (!xz_available())
        return;
    roundtrip("random", &d, "--check=crc32");
    free(d.p);
}

static void test_mixed_chunks(void)
{
    struct buf d = mixed_data(700000);

    if (!xz_available())
        return;
    roundtrip("mixed", &d, "--check=crc64");
    free(d.p);
}

static void test_x86_bcj(void)
{
    struct buf d = self_exe();

    if (!xz_available())
        return;
    CHECK(d.p != NULL);
    if (!d.p)
        return;
    roundtrip("x86", &d, "--check=crc32 --x86 --lzma2=");
    roundtrip("x86-start", &d, "--check=crc32 --x86=start=4096 --lzma2=preset=6");
    roundtrip("x86-blocks", &d, "--check=crc64 --x86 --lzma2= --block-size=65536");
    free(d.p);
}

static void test_blocks(void)
{
    struct buf d = mixed_data(700000);

    if (!xz_available())
        return;
    roundtrip("blocks", &d, "--check=crc32 --block-size=16384");
    roundtrip("blocks-odd", &d, "--check=crc64 --block-size=10001");
    roundtrip("blocks-list", &d, "--check=none --block-list=1,2,3,100000,70000");
    /* Multithreaded mode writes sizes into the block headers. */
    roundtrip("blocks-mt", &d, "-T2 --check=crc32 --block-size=100000");
    free(d.p);
}

static void test_checks(void)
{
    struct buf d = text_data(50000), xz, res;
    const char *why = NULL;
    int rc;

    if (!xz_available())
        return;
    roundtrip("check-none", &d, "--check=none");
    roundtrip("check-crc32", &d, "--check=crc32");
    roundtrip("check-crc64", &d, "--check=crc64");
    xz = xz_compress("check-sha256", &d, "--check=sha256");
    CHECK(xz.p != NULL);
    if (xz.p) {
        rc = decode(&xz, d.n, &res, &why);
        CHECK_EQ(rc, -EOPNOTSUPP);
        CHECK(why && strstr(why, "SHA-256"));
        free(res.p);
        free(xz.p);
    }
    free(d.p);
}

static void test_lzma_props(void)
{
    struct buf d = mixed_data(400000);

    if (!xz_available())
        return;
    roundtrip("lc0lp4", &d, "--check=crc32 --lzma2=lc=0,lp=4,pb=4");
    roundtrip("lc4lp0", &d, "--check=crc32 --lzma2=lc=4,lp=0,pb=0");
    roundtrip("lc1lp2", &d, "--check=crc32 --lzma2=lc=1,lp=2,pb=1,dict=4KiB");
    roundtrip("fast", &d, "--check=crc32 --lzma2=mode=fast,mf=hc3,nice=8");
    free(d.p);
}

static uint32_t t_crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;

    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

static size_t put_vli(uint8_t *p, uint64_t v)
{
    size_t i = 0;

    while (v >= 0x80) {
        p[i++] = (uint8_t)v | 0x80;
        v >>= 7;
    }
    p[i++] = (uint8_t)v;
    return i;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Wrap raw LZMA2 data in a one-block .xz stream with a CRC32 check. */
static struct buf wrap_lzma2(const uint8_t *raw, size_t rn, const uint8_t *data, size_t dn,
                             uint8_t dict_bits)
{
    struct buf x = { calloc(1, rn + 128), 0 };
    uint8_t *p = x.p;
    size_t o = 0, bstart, istart, unpadded;

    memcpy(p, "\xFD" "7zXZ\0\0\x01", 8);
    put_le32(p + 8, t_crc32(p + 6, 2));
    o = 12;
    bstart = o;
    p[o] = 2;                       /* header of (2 + 1) * 4 bytes */
    p[o + 1] = 0;                   /* one filter, no sizes */
    p[o + 2] = 0x21;
    p[o + 3] = 1;
    p[o + 4] = dict_bits;
    put_le32(p + o + 8, t_crc32(p + o, 8));
    o += 12;
    memcpy(p + o, raw, rn);
    o += rn;
    while ((o - bstart - 12) % 4)
        p[o++] = 0;
    put_le32(p + o, t_crc32(data, dn));
    o += 4;
    unpadded = 12 + rn + 4;
    istart = o;
    p[o++] = 0;
    o += put_vli(p + o, 1);
    o += put_vli(p + o, unpadded);
    o += put_vli(p + o, dn);
    while ((o - istart) % 4)
        p[o++] = 0;
    put_le32(p + o, t_crc32(p + istart, o - istart));
    o += 4;
    put_le32(p + o + 4, (uint32_t)((o - istart) / 4 - 1));
    p[o + 8] = 0;
    p[o + 9] = 1;
    put_le32(p + o, t_crc32(p + o + 4, 6));
    p[o + 10] = 'Y';
    p[o + 11] = 'Z';
    x.n = o + 12;
    return x;
}

/*
 * Dictionary resets inside a block: two raw LZMA2 streams (each opening
 * with a dictionary reset) back to back in one block, the first without
 * its end marker. The xz tool only resets at block starts, so the file
 * is assembled here.
 */
static void test_dict_reset(void)
{
    struct buf a = mixed_data(150000), b = text_data(200000), all, ra, rb, raw, x, res;
    const char *why = NULL;
    int rc;

    ra = xz_compress("raw-a", &a, "--format=raw --lzma2=dict=64KiB");
    rb = xz_compress("raw-b", &b, "--format=raw --lzma2=dict=64KiB,lc=0,lp=2,pb=1");
    CHECK(ra.p && rb.p);
    if (!ra.p || !rb.p)
        return;
    CHECK_EQ(ra.p[ra.n - 1], 0x00);
    raw.n = ra.n - 1 + rb.n;
    raw.p = malloc(raw.n);
    memcpy(raw.p, ra.p, ra.n - 1);
    memcpy(raw.p + ra.n - 1, rb.p, rb.n);
    all.n = a.n + b.n;
    all.p = malloc(all.n);
    memcpy(all.p, a.p, a.n);
    memcpy(all.p + a.n, b.p, b.n);

    x = wrap_lzma2(raw.p, raw.n, all.p, all.n, 8);     /* 8: 64 KiB */
    rc = decode(&x, all.n, &res, &why);
    if (rc)
        fprintf(stderr, "  dict reset: %s\n", why);
    CHECK_EQ(rc, 0);
    CHECK(res.n == all.n && !memcmp(res.p, all.p, all.n));
    free(res.p);

    /* The second part's first chunk (0xE0: dictionary reset, new
     * properties) turned into 0x80 (no reset): it is decoded with the
     * first part's properties and must fail its check, not crash. */
    CHECK_EQ(raw.p[ra.n - 1] & 0xE0, 0xE0);
    raw.p[ra.n - 1] = 0x80 | (raw.p[ra.n - 1] & 0x1F);
    free(x.p);
    x = wrap_lzma2(raw.p, raw.n, all.p, all.n, 8);
    rc = decode(&x, all.n, &res, &why);
    CHECK(rc != 0);
    free(res.p);

    /* A dictionary smaller than the data's distances is refused. */
    raw.p[ra.n - 1] = rb.p[0];
    free(x.p);
    x = wrap_lzma2(raw.p, raw.n, all.p, all.n, 0);     /* 0: 4 KiB */
    rc = decode(&x, all.n, &res, &why);
    CHECK_EQ(rc, -EBADMSG);
    CHECK(why && strstr(why, "distance"));
    free(res.p);

    free(x.p);
    free(raw.p);
    free(all.p);
    free(ra.p);
    free(rb.p);
    free(a.p);
    free(b.p);
}

/* Concatenated streams with stream padding between and after them. */
static void test_concat(void)
{
    struct buf a = text_data(10000), b = random_data(3000);
    struct buf xa, xb, cat, res;
    const char *why = NULL;
    size_t n;
    int rc;

    if (!xz_available())
        return;
    xa = xz_compress("cat-a", &a, "--check=crc32");
    xb = xz_compress("cat-b", &b, "--check=crc64");
    CHECK(xa.p && xb.p);
    if (!xa.p || !xb.p)
        return;
    cat.n = xa.n + 8 + xb.n + 4;
    cat.p = calloc(1, cat.n);
    memcpy(cat.p, xa.p, xa.n);
    memcpy(cat.p + xa.n + 8, xb.p, xb.n);
    rc = decode(&cat, a.n + b.n, &res, &why);
    CHECK_EQ(rc, 0);
    CHECK_EQ(res.n, a.n + b.n);
    CHECK(rc == 0 && !memcmp(res.p, a.p, a.n) && !memcmp(res.p + a.n, b.p, b.n));
    free(res.p);

    /* Padding of a length that is not a multiple of four is an error. */
    n = cat.n;
    cat.n = xa.n + 3;
    rc = decode(&cat, a.n + b.n, &res, &why);
    CHECK_EQ(rc, -EBADMSG);
    free(res.p);
    /* Trailing garbage too. */
    cat.n = xa.n + 4;
    cat.p[xa.n + 2] = 0x42;
    rc = decode(&cat, a.n + b.n, &res, &why);
    CHECK_EQ(rc, -EBADMSG);
    free(res.p);
    cat.n = n;

    free(cat.p);
    free(xa.p);
    free(xb.p);
    free(a.p);
    free(b.p);
}

/* Every single-byte change of a small CRC-checked file must be refused. */
static void flip_all(const char *name, const char *opts, size_t len, bool x86)
{
    struct buf d = x86 ? self_exe() : mixed_data(len), xz, res;
    const char *why = NULL;
    unsigned accepted = 0, tried = 0;

    if (x86 && d.n > len)
        d.n = len;
    xz = xz_compress(name, &d, opts);
    CHECK(xz.p != NULL);
    if (!xz.p)
        return;
    for (size_t i = 0; i < xz.n; i++) {
        static const uint8_t xors[] = { 0x01, 0x80, 0xFF };

        for (unsigned k = 0; k < ARRAY_SIZE(xors); k++) {
            int rc;

            xz.p[i] ^= xors[k];
            rc = decode(&xz, d.n + 16, &res, &why);
            tried++;
            if (rc == 0) {
                accepted++;
                fprintf(stderr, "  %s: flip 0x%02x at %zu accepted\n", name, xors[k], i);
            } else {
                CHECK(why != NULL);
            }
            free(res.p);
            xz.p[i] ^= xors[k];
        }
    }
    CHECK_EQ(accepted, 0);
    CHECK(tried > 0);
    free(xz.p);
    free(d.p);
}

static void test_corrupt_crc32(void)
{
    if (!xz_available())
        return;
    flip_all("flip32", "--check=crc32 --block-size=3000", 9000, false);
}

static void test_corrupt_crc64(void)
{
    if (!xz_available())
        return;
    flip_all("flip64", "--check=crc64", 5000, false);
}

static void test_corrupt_x86(void)
{
    if (!xz_available())
        return;
    flip_all("flipx86", "--check=crc32 --x86 --lzma2=", 6000, true);
}

/* Prefixes of a valid file are refused (not a crash): every prefix of a
 * small file, a sample of prefixes of a bigger one. */
static unsigned truncations(const char *name, size_t len, const char *opts, size_t step)
{
    struct buf d = mixed_data(len), xz, res;
    const char *why = NULL;
    unsigned bad = 0;

    xz = xz_compress(name, &d, opts);
    CHECK(xz.p != NULL);
    if (!xz.p)
        return 0;
    for (size_t n = 0; n < xz.n; n += (n < 64 || xz.n - n < 64) ? 1 : step) {
        struct buf t = { malloc(n ? n : 1), n };
        int rc;

        memcpy(t.p, xz.p, n);   /* exact-size copy: ASan sees any over-read */
        rc = decode(&t, d.n, &res, &why);
        if (rc != -ENODATA && rc != -EBADMSG && !(n < 6 && rc == -ENOEXEC)) {
            fprintf(stderr, "  %s: prefix %zu: rc %d (%s)\n", name, n, rc, why);
            bad++;
        }
        free(res.p);
        free(t.p);
    }
    free(xz.p);
    free(d.p);
    return bad;
}

static void test_truncated(void)
{
    CHECK_EQ(truncations("trunc-small", 12000, "--check=crc32 --block-size=4000", 1), 0);
    CHECK_EQ(truncations("trunc-big", 150000, "--check=crc64 --block-size=70000", 211), 0);
}

/* Random multi-byte damage of check-less files: any result but a crash. */
static void test_fuzz(void)
{
    struct buf d = mixed_data(30000), x86 = self_exe(), xz[2], res;
    const char *why;

    if (!xz_available())
        return;
    if (x86.n > 40000)
        x86.n = 40000;
    xz[0] = xz_compress("fuzz", &d, "--check=none --block-size=7000");
    xz[1] = xz_compress("fuzzx86", &x86, "--check=none --x86 --lzma2=");
    CHECK(xz[0].p && xz[1].p);
    if (!xz[0].p || !xz[1].p)
        return;
    for (unsigned it = 0; it < 3000; it++) {
        struct buf *v = &xz[it & 1];
        struct buf t = { malloc(v->n), v->n };
        unsigned n = 1 + rng() % 4;

        memcpy(t.p, v->p, v->n);
        while (n--)
            t.p[12 + rng() % (t.n - 12)] = (uint8_t)rng();
        if (rng() % 4 == 0)
            t.n = 12 + rng() % (t.n - 12);
        decode(&t, (it & 1 ? x86.n : d.n) + (rng() % 3 ? 0 : 100), &res, &why);
        free(res.p);
        free(t.p);
    }
    free(xz[0].p);
    free(xz[1].p);
    free(d.p);
    free(x86.p);
}

/* Hand-made headers exercise paths the xz tool never writes. */
static void test_handmade(void)
{
    static const uint8_t empty_crc32[] = {
        0xFD, '7', 'z', 'X', 'Z', 0x00, 0x00, 0x01, 0x69, 0x22, 0xDE, 0x36,
        0x00, 0x00, 0x00, 0x00, 0x1C, 0xDF, 0x44, 0x21,
        0x90, 0x42, 0x99, 0x0D, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 'Y', 'Z',
    };
    _Alignas(8) uint8_t small_work[XZ_WORK_SIZE + 8];
    uint8_t f[sizeof(empty_crc32)], out[4];
    const char *why = NULL;
    size_t n = 99;
    int rc;

    memcpy(f, empty_crc32, sizeof(f));
    rc = xz_decode(f, sizeof(f), out, sizeof(out), &n, work, sizeof(work), &why);
    if (rc)
        fprintf(stderr, "  empty stream: %s\n", why);
    CHECK_EQ(rc, 0);
    CHECK_EQ(n, 0);

    rc = xz_decode(f, sizeof(f), NULL, 0, &n, work, sizeof(work), &why);
    CHECK_EQ(rc, 0);

    f[0] = 0xFE;
    rc = xz_decode(f, sizeof(f), out, sizeof(out), &n, work, sizeof(work), &why);
    CHECK_EQ(rc, -ENOEXEC);
    CHECK(why && strstr(why, "magic"));
    f[0] = 0xFD;

    f[31] = 'X';
    rc = xz_decode(f, sizeof(f), out, sizeof(out), &n, work, sizeof(work), &why);
    CHECK_EQ(rc, -EBADMSG);
    CHECK(why && strstr(why, "footer magic"));
    f[31] = 'Z';

    rc = xz_decode(f, sizeof(f), out, sizeof(out), &n, work, XZ_WORK_SIZE - 1, &why);
    CHECK_EQ(rc, -EINVAL);
    rc = xz_decode(f, sizeof(f), out, sizeof(out), &n, small_work + 1, XZ_WORK_SIZE, &why);
    CHECK_EQ(rc, -EINVAL);

    rc = xz_decode(f, 0, out, sizeof(out), &n, work, sizeof(work), &why);
    CHECK_EQ(rc, -ENODATA);
    CHECK(why && strstr(why, "truncated"));
}

UNIT_MAIN("xz")
{
    TEST_RUN(test_handmade);
    if (!xz_available()) {
        printf("PASS: xz/vectors (skipped: no xz command on this host)\n");
        return;
    }
    TEST_RUN(test_empty);
    TEST_RUN(test_text);
    TEST_RUN(test_random);
    TEST_RUN(test_mixed_chunks);
    TEST_RUN(test_x86_bcj);
    TEST_RUN(test_blocks);
    TEST_RUN(test_checks);
    TEST_RUN(test_lzma_props);
    TEST_RUN(test_concat);
    TEST_RUN(test_dict_reset);
    TEST_RUN(test_corrupt_crc32);
    TEST_RUN(test_corrupt_crc64);
    TEST_RUN(test_corrupt_x86);
    TEST_RUN(test_truncated);
    TEST_RUN(test_fuzz);
}
