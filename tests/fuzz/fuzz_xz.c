/*
 * libFuzzer target over the hypervisor's .xz decoder (hv/lib/xz.c), which
 * unpacks guest kernels (bzImage payloads) in the hypervisor itself.
 *
 * Differential against liblzma (xz-utils, the reference): whatever the
 * hypervisor's decoder accepts, liblzma decodes to the same bytes; and
 * what liblzma decodes, the hypervisor's decoder decodes too unless it is
 * documented as unsupported (-EOPNOTSUPP: SHA-256 or reserved checks,
 * other filters) or does not fit the output buffer.
 */
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <oryx/errno.h>
#include <oryx/xz.h>

#define OUT_CAP (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _Alignas(8) uint8_t work[XZ_WORK_SIZE];

/*
 * liblzma's dictionary is megabytes malloc'd and freed per input; mapping
 * them afresh each time made the run 10 times slower. Freed blocks are
 * kept for the next input instead (liblzma clears what it needs cleared).
 */
static struct { void *p; size_t n; } cache[8];

/* Each block starts with its size (16 bytes, keeping the alignment). */
static void *cache_alloc(void *opaque, size_t nmemb, size_t size)
{
    size_t n = nmemb * size;
    size_t *h;

    (void)opaque;
    for (size_t i = 0; i < sizeof(cache) / sizeof(cache[0]); i++) {
        if (cache[i].p && cache[i].n == n) {
            h = cache[i].p;
            cache[i].p = NULL;
            return h + 2;
        }
    }
    h = malloc(n + 2 * sizeof(size_t));
    if (!h)
        return NULL;
    h[0] = n;
    return h + 2;
}

static void cache_free(void *opaque, void *p)
{
    static size_t next;
    size_t i = next++ % (sizeof(cache) / sizeof(cache[0]));

    (void)opaque;
    if (!p)
        return;
    free(cache[i].p);
    cache[i].p = (size_t *)p - 2;
    cache[i].n = ((size_t *)p)[-2];
}

static const lzma_allocator cache_allocator = { cache_alloc, cache_free, NULL };

/* liblzma: 0 and *n, or -1 (error), -2 (output full), -3 (over its memory limit:
 * a dictionary of up to 64 MiB is plenty for 1 MiB of output). */
static int ref_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *n)
{
    lzma_stream s = LZMA_STREAM_INIT;
    lzma_ret r;

    s.allocator = &cache_allocator;
    if (lzma_stream_decoder(&s, 64u << 20, LZMA_CONCATENATED) != LZMA_OK)
        abort();
    s.next_in = in;
    s.avail_in = len;
    s.next_out = out;
    s.avail_out = cap;
    r = lzma_code(&s, LZMA_FINISH);
    *n = cap - s.avail_out;
    lzma_end(&s);
    if (r == LZMA_STREAM_END)
        return 0;
    if (r == LZMA_MEMLIMIT_ERROR)
        return -3;
    return r == LZMA_BUF_ERROR && *n == cap ? -2 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t *out, *ref;
    const char *why = NULL;
    size_t n = 0, rn = 0;
    int rc, rr;

    if (!out) {
        out = malloc(OUT_CAP);
        ref = malloc(OUT_CAP);
        if (!out || !ref)
            abort();
    }
    rc = xz_decode(data, size, out, OUT_CAP, &n, work, sizeof(work), &why);
    if (rc && !why)
        abort();
    if (!rc && n > OUT_CAP)
        abort();
    rr = ref_decode(data, size, ref, OUT_CAP, &rn);
    if (!rc && rr != -3 && (rr || rn != n || memcmp(out, ref, n))) {
        fprintf(stderr, "xz_decode accepted %zu bytes liblzma %s (%d, %zu bytes)\n", n,
                rr ? "refuses" : "decodes differently", rr, rn);
        abort();
    }
    if (rc && !rr && rc != -EOPNOTSUPP && rc != -ENOSPC) {
        fprintf(stderr, "liblzma decodes %zu bytes, xz_decode refuses: %d %s\n", rn, rc, why);
        abort();
    }
    return 0;
}
