/*
 * debugctl: MSR_DEBUGCTL (0x1D9) as Xen gives it to an HVM guest on AMD
 * without LBR virtualisation.
 *  - RDMSR works (no #GP) and reads 0 at first.
 *  - LBR and BTF, alone or together, and 0 are accepted and read back.
 *  - Any other bit (PB0, TR, BTS, BTINT, bit 32) raises #GP(0) and leaves
 *    the value as it was.
 *  - The value is the vCPU's own: with value=N (1-3) the guest writes N
 *    and checks it over rounds=R (default 10) yields; two of these on one
 *    CPU with different values never see each other's.
 * With BTF set and TF clear nothing is single-stepped: the guest runs on.
 * Expected: PASS.
 */
#include "guest.h"

const char test_name[] = "debugctl";

#define MSR_DEBUGCTL 0x1D9

static uint64_t read_debugctl(void)
{
    uint32_t lo = 0, hi = 0;

    __asm__ volatile (EXC_FIXUP("rdmsr") : "+a" (lo), "+d" (hi) : "c" (MSR_DEBUGCTL));
    return ((uint64_t)hi << 32) | lo;
}

static void write_debugctl(uint64_t v)
{
    __asm__ volatile (EXC_FIXUP("wrmsr")
                      :: "c" (MSR_DEBUGCTL), "a" ((uint32_t)v), "d" ((uint32_t)(v >> 32))
                      : "memory");
}

static void expect_value(uint64_t want, const char *what)
{
    uint64_t got;

    exc_reset();
    got = read_debugctl();
    if (exc_last_vector != EXC_NONE)
        guest_fail("%s: RDMSR raised %s", what, exc_name((unsigned int)exc_last_vector));
    if (got != want)
        guest_fail("%s: DEBUGCTL reads 0x%llx, expected 0x%llx", what,
                   (unsigned long long)got, (unsigned long long)want);
}

static void expect_accepted(uint64_t v)
{
    exc_reset();
    write_debugctl(v);
    if (exc_last_vector != EXC_NONE)
        guest_fail("WRMSR 0x%llx raised %s", (unsigned long long)v,
                   exc_name((unsigned int)exc_last_vector));
    expect_value(v, "after a write");
}

static void expect_refused(uint64_t v, uint64_t before)
{
    exc_reset();
    write_debugctl(v);
    if (exc_last_vector != 13)
        guest_fail("WRMSR 0x%llx: expected #GP, got %s", (unsigned long long)v,
                   exc_last_vector == EXC_NONE ? "no fault" : exc_name((unsigned int)exc_last_vector));
    expect_value(before, "after a refused write");
}

void test_main(void)
{
    uint64_t value = cmdline_u64("value", 0), rounds = cmdline_u64("rounds", 10);
    static const uint64_t refused[] = {
        1ULL << 2, 1ULL << 5, 1ULL << 6, 1ULL << 7, 1ULL << 8, 1ULL << 32, 1ULL << 63,
    };

    if (!value) {
        expect_value(0, "initial value");
        expect_accepted(0);
        expect_accepted(1);         /* LBR */
        expect_accepted(2);         /* BTF */
        expect_accepted(3);
        for (unsigned int i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
            expect_refused(refused[i] | 1, 3);
        expect_accepted(0);
        printf("DEBUGCTL: reads 0, LBR/BTF kept, other bits #GP\n");
        return;
    }
    expect_accepted(value);
    for (uint64_t n = 1; n <= rounds; n++) {
        CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_yield, 0), 0);
        expect_value(value, "after a yield");
    }
    printf("DEBUGCTL: 0x%llx kept over %llu yields\n", (unsigned long long)value,
           (unsigned long long)rounds);
}
