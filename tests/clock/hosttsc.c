/*
 * hosttsc: the host's TSC frequency in kHz, measured against
 * CLOCK_MONOTONIC (the clock QEMU's PIT, PM timer and LAPIC timer follow
 * under TCG, where a guest's RDTSC reads the host TSC).
 *
 * Each end point is the tightest of several bracketed reads (TSC, clock,
 * TSC): a read that was preempted or migrated shows as a wide bracket and
 * loses to a narrower one, so a CPU hog beside us costs precision only
 * through the bracket width, a few hundred nanoseconds over a window of
 * hundreds of milliseconds.
 *
 * Usage: hosttsc [ms]   (window, default 500)
 * Prints: "<kHz with three decimals> bracket_ns=<worst end point>"
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>

struct point {
    uint64_t tsc;       /* middle of the bracket */
    uint64_t width;     /* TSC cycles between the two reads */
    int64_t ns;         /* CLOCK_MONOTONIC */
};

static int64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct point best_point(void)
{
    struct point best = { 0, UINT64_MAX, 0 };

    for (int i = 0; i < 64; i++) {
        uint64_t t0 = __rdtsc();
        int64_t ns = mono_ns();
        uint64_t t1 = __rdtsc();

        if (t1 > t0 && t1 - t0 < best.width) {
            best.tsc = t0 + (t1 - t0) / 2;
            best.width = t1 - t0;
            best.ns = ns;
        }
    }
    return best;
}

int main(int argc, char **argv)
{
    long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 500;
    struct timespec nap;
    struct point a, b;
    double khz;

    if (ms < 10 || ms > 60000) {
        fprintf(stderr, "usage: hosttsc [ms]   (10..60000)\n");
        return 2;
    }
    a = best_point();
    nap.tv_sec = ms / 1000;
    nap.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&nap, NULL);
    b = best_point();
    if (a.width == UINT64_MAX || b.width == UINT64_MAX || b.ns <= a.ns) {
        fprintf(stderr, "hosttsc: no usable reads\n");
        return 1;
    }
    khz = (double)(b.tsc - a.tsc) * 1e6 / (double)(b.ns - a.ns);
    printf("%.3f bracket_ns=%.0f\n", khz,
           (double)(a.width > b.width ? a.width : b.width) * 1e6 / khz);
    return 0;
}
