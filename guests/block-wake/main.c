/*
 * block-wake: SCHEDOP_block returns when a timer fires.
 * Maps shared_info (XENMEM_add_to_physmap), reads the pvclock of vCPU 0,
 * arms a one-shot timer ms=M (default 50) ms ahead with
 * VCPUOP_set_singleshot_timer (or set_timer_op if that gives -ENOSYS, or
 * always with timer=settimer), then SCHEDOP_block. Repeated count=N
 * (default 3) times. Each wake-up must come after at least half of the
 * requested time by the TSC (lenient: timers may be coarse).
 * Expected: PASS; a hang means the vCPU never woke.
 */
#include "guest.h"

const char test_name[] = "block-wake";

static long arm_timer(uint64_t deadline, bool use_vcpuop)
{
    struct vcpu_set_singleshot_timer st;
    long rc = -ENOSYS;

    if (use_vcpuop) {
        memset(&st, 0, sizeof(st));
        st.timeout_abs_ns = deadline;
        rc = HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &st);
    }
    if (rc == -ENOSYS)
        rc = HYPERVISOR_set_timer_op(deadline);
    return rc;
}

void test_main(void)
{
    uint64_t ms = cmdline_u64("ms", 50);
    uint64_t count = cmdline_u64("count", 3);
    char how[16] = "";
    bool use_vcpuop;
    const struct vcpu_time_info *t;
    uint64_t khz, n;
    long rc;

    cmdline_get("timer", how, sizeof(how));
    use_vcpuop = strcmp(how, "settimer") != 0;
    if (!shared_info_map(&rc))
        guest_fail("add_to_physmap(shared_info) returned %ld", rc);
    t = &shared_info->vcpu_info[0].time;
    khz = pvclock_tsc_khz(t);
    if (!khz)
        guest_fail("pvclock of vCPU 0 is not set up (mul 0)");
    printf("pvclock: TSC %llu kHz, system time %llu ns\n",
           (unsigned long long)khz, (unsigned long long)pvclock_read_ns(t));

    for (n = 1; n <= count; n++) {
        uint64_t start_ns = pvclock_read_ns(t);
        uint64_t tsc0 = rdtsc(), tsc1, slept_us, want_us = ms * 1000;

        rc = arm_timer(start_ns + ms * 1000000ULL, use_vcpuop);
        if (rc)
            guest_fail("arming the timer returned %ld", rc);
        CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_block, 0), 0);
        tsc1 = rdtsc();
        slept_us = div64((tsc1 - tsc0) * 1000, khz, 0);
        printf("block %llu/%llu: asked %llu us, slept %llu us (pvclock %llu us)\n",
               (unsigned long long)n, (unsigned long long)count,
               (unsigned long long)want_us, (unsigned long long)slept_us,
               (unsigned long long)div64(pvclock_read_ns(t) - start_ns,
                                         1000, 0));
        if (slept_us < want_us / 2)
            guest_fail("woke after %llu us, asked %llu us",
                       (unsigned long long)slept_us,
                       (unsigned long long)want_us);
    }
}
