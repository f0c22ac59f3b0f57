/*
 * block-wake: SCHEDOP_block returns when a timer fires.
 * Maps shared_info (XENMEM_add_to_physmap), reads the pvclock of vCPU 0,
 * arms a one-shot timer ms=M (default 50) ms ahead with
 * VCPUOP_set_singleshot_timer (or set_timer_op if that gives -ENOSYS, or
 * always with timer=settimer), then SCHEDOP_block. Repeated count=N
 * (default 3) times. Each wake-up must come after at least half of the
 * requested time by the TSC (lenient: timers may be coarse).
 * With `yield`, SCHEDOP_yield comes between arming and blocking: beside a
 * CPU hog on the same CPU the timer fires while this vCPU waits runnable,
 * and the block must still return (the wake-up is not lost). With `virq`,
 * VIRQ_TIMER is bound first, so the event is pending when the vCPU
 * blocks; each round acknowledges it afterwards. With late=L, a wake-up
 * more than L ms after the deadline fails: beside a CPU hog with a long
 * time slice, the woken vCPU must preempt the hog, not wait out its slice.
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

#define WORD_BITS (sizeof(xen_ulong_t) * 8)

static uint32_t bind_timer_virq(void)
{
    struct evtchn_bind_virq b;

    memset(&b, 0, sizeof(b));
    b.virq = VIRQ_TIMER;
    b.vcpu = 0;
    CHECK_RC(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &b), 0);
    return b.port;
}

/* What an upcall handler does for one port: clear it and the summaries. */
static void ack_port(uint32_t port)
{
    struct vcpu_info *vi = &shared_info->vcpu_info[0];

    __atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    __atomic_fetch_and(&shared_info->evtchn_pending[port / WORD_BITS],
                       ~((xen_ulong_t)1 << (port % WORD_BITS)), __ATOMIC_SEQ_CST);
}

void test_main(void)
{
    uint64_t ms = cmdline_u64("ms", 50);
    uint64_t count = cmdline_u64("count", 3);
    uint64_t late_ms = cmdline_u64("late", 0);
    char how[16] = "";
    bool use_vcpuop;
    const struct vcpu_time_info *t;
    uint64_t khz, n;
    bool yield = cmdline_has("yield"), virq = cmdline_has("virq");
    uint32_t port = 0;
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
    if (virq) {
        port = bind_timer_virq();
        printf("VIRQ_TIMER bound to port %u\n", (unsigned int)port);
    }

    for (n = 1; n <= count; n++) {
        uint64_t start_ns = pvclock_read_ns(t);
        uint64_t tsc0 = rdtsc(), tsc1, slept_us, want_us = ms * 1000;

        rc = arm_timer(start_ns + ms * 1000000ULL, use_vcpuop);
        if (rc)
            guest_fail("arming the timer returned %ld", rc);
        if (yield) {
            CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_yield, 0), 0);
            printf("yield %llu: back after %llu us\n", (unsigned long long)n,
                   (unsigned long long)div64((rdtsc() - tsc0) * 1000, khz, 0));
        }
        CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_block, 0), 0);
        tsc1 = rdtsc();
        if (virq) {
            if (!(shared_info->evtchn_pending[port / WORD_BITS] >> (port % WORD_BITS) & 1))
                guest_fail("woke from block without VIRQ_TIMER pending");
            ack_port(port);
        }
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
        if (late_ms && slept_us > want_us + late_ms * 1000)
            guest_fail("woke after %llu us, asked %llu us: over %llu ms late",
                       (unsigned long long)slept_us, (unsigned long long)want_us,
                       (unsigned long long)late_ms);
    }
}
