/*
 * Decode speed of hv/lib/xz.c on Debian's kernel (cache/vmlinuz or the
 * path given), built with the hypervisor's code-generation flags and its
 * own memcpy/memset (see tests/unit/xz.mk: make xz-bench). Prints MB/s of
 * output, best of N runs, next to `xz -dc` on the same payload.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <oryx/bzimage.h>

static _Alignas(8) uint8_t work[BZIMAGE_WORK_SIZE];

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "cache/vmlinuz";
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    struct bzimage_info info;
    const char *why = NULL;
    double best = 1e9, t0;
    size_t n = 0, len;
    uint8_t *img, *out;
    char cmd[512];
    FILE *f = fopen(path, "rb");

    if (!f) {
        fprintf(stderr, "%s: cannot open (run scripts/fetch-fixtures.sh)\n", path);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    img = malloc(len);
    if (fread(img, 1, len, f) != len)
        return 1;
    fclose(f);
    if (bzimage_probe(img, len, &info, &why)) {
        fprintf(stderr, "%s: %s\n", path, why);
        return 1;
    }
    out = malloc(info.vmlinux_size);
    memset(out, 0, info.vmlinux_size);     /* fault the pages in once */
    for (int i = 0; i < runs; i++) {
        t0 = now();
        if (bzimage_extract(img, len, out, info.vmlinux_size, &n, work, sizeof(work), &why)) {
            fprintf(stderr, "%s: %s\n", path, why);
            return 1;
        }
        t0 = now() - t0;
        if (t0 < best)
            best = t0;
    }
    printf("oryx xz_decode: %zu bytes in %.3f s = %.1f MB/s (best of %d)\n",
           n, best, n / best / 1e6, runs);

    f = fopen("build/bench-payload.xz", "wb");
    if (f && fwrite(img + info.payload_offset, 1, info.payload_length - 4, f) ==
                 info.payload_length - 4 && fclose(f) == 0) {
        best = 1e9;
        for (int i = 0; i < runs; i++) {
            t0 = now();
            snprintf(cmd, sizeof(cmd), "xz -dc build/bench-payload.xz > /dev/null");
            if (system(cmd) != 0)
                break;
            t0 = now() - t0;
            if (t0 < best)
                best = t0;
        }
        printf("host xz -dc:    %zu bytes in %.3f s = %.1f MB/s (best of %d)\n",
               n, best, n / best / 1e6, runs);
        remove("build/bench-payload.xz");
    }
    return 0;
}
