/*
 * progress: must keep making progress while a cpu-hog runs on the same
 * physical CPU. Does steps=N (default 10) steps of a little work, each
 * followed by SCHEDOP_yield (which must return 0), printing one line per
 * step. With `block` on the command line each step also sleeps ms=M
 * (default 10) ms with a one-shot timer and SCHEDOP_block.
 * Expected: PASS, well before the cpu-hog ends.
 */
#include "guest.h"

const char test_name[] = "progress";

static void sleep_ms(const struct vcpu_time_info *t, uint64_t ms)
{
    struct vcpu_set_singleshot_timer st;

    memset(&st, 0, sizeof(st));
    st.timeout_abs_ns = pvclock_read_ns(t) + ms * 1000000ULL;
    if (HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &st) == -ENOSYS)
        CHECK_RC(HYPERVISOR_set_timer_op(st.timeout_abs_ns), 0);
    CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_block, 0), 0);
}

void test_main(void)
{
    uint64_t steps = cmdline_u64("steps", 10);
    uint64_t ms = cmdline_u64("ms", 10);
    bool block = cmdline_has("block");
    const struct vcpu_time_info *t = 0;
    uint64_t s, i, tsc0 = rdtsc();
    long rc;

    if (block) {
        if (!shared_info_map(&rc))
            guest_fail("add_to_physmap(shared_info) returned %ld", rc);
        t = &shared_info->vcpu_info[0].time;
    }
    for (s = 1; s <= steps; s++) {
        for (i = 0; i < 100000; i++)
            barrier();
        CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_yield, 0), 0);
        if (block)
            sleep_ms(t, ms);
        printf("progress: step %llu/%llu tsc+%llu\n",
               (unsigned long long)s, (unsigned long long)steps,
               (unsigned long long)(rdtsc() - tsc0));
    }
}
