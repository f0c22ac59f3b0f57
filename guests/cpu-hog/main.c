/*
 * cpu-hog: a CPU-bound guest that never yields or blocks. It does
 * rounds=N (default 20) rounds of work=M (default 2000000) arithmetic
 * steps, prints one progress line per round and passes. Paired with
 * `progress` it checks that the scheduler preempts it.
 * Expected: PASS after N progress lines.
 */
#include "guest.h"

const char test_name[] = "cpu-hog";

void test_main(void)
{
    uint64_t rounds = cmdline_u64("rounds", 20);
    uint64_t work = cmdline_u64("work", 2000000);
    uint64_t r, i, tsc0 = rdtsc();
    uint32_t x = 1;

    for (r = 1; r <= rounds; r++) {
        for (i = 0; i < work; i++) {
            x = x * 1664525u + 1013904223u;
            barrier();
        }
        printf("cpu-hog: round %llu/%llu x=%08x tsc+%llu\n",
               (unsigned long long)r, (unsigned long long)rounds, x,
               (unsigned long long)(rdtsc() - tsc0));
    }
}
