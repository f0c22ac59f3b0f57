/*
 * debug-regs: the debug registers are the vCPU's own.
 *  - Architectural values: DR6 reads 0xFFFF0FF0 and DR7 0x400 after their
 *    reserved bits are written; DR4/DR5 alias DR6/DR7 without CR4.DE and
 *    raise #UD with it; bits 63:32 of DR6/DR7 raise #GP (64-bit); DR7.GD
 *    turns the next access into a #DB with DR6.BD, clearing GD.
 *  - Isolation: DR0-DR3 hold pattern=P (a byte, default 0xA1) in every
 *    byte but the lowest, which is the register number; the guest yields
 *    rounds=N (default 30) times and checks they still hold its values.
 *    Two of these on one CPU with different patterns: neither sees the
 *    other's (`noarch` skips the first part). With `bp=exec` or `bp=write`, DR7 enables breakpoint 0-3 of
 *    that kind (at addresses never touched) while DR0-DR3 are rewritten
 *    each round: two guests with different kinds once crashed QEMU itself.
 * Expected: PASS.
 */
#include "guest.h"

const char test_name[] = "debug-regs";

#define DR_ACCESS(n) \
static __attribute__((unused)) unsigned long read_dr##n(void) \
{ \
    unsigned long v = 0; \
    __asm__ volatile (EXC_FIXUP("mov %%db" #n ", %0") : "+r" (v)); \
    return v; \
} \
static __attribute__((unused)) void write_dr##n(unsigned long v) \
{ \
    __asm__ volatile (EXC_FIXUP("mov %0, %%db" #n) :: "r" (v) : "memory"); \
}
DR_ACCESS(0)
DR_ACCESS(1)
DR_ACCESS(2)
DR_ACCESS(3)
DR_ACCESS(4)
DR_ACCESS(5)
DR_ACCESS(6)
DR_ACCESS(7)

static void write_cr4(unsigned long v)
{
    __asm__ volatile ("mov %0, %%cr4" :: "r" (v) : "memory");
}

static void write_dr(unsigned int n, unsigned long v)
{
    switch (n) {
    case 0: write_dr0(v); break;
    case 1: write_dr1(v); break;
    case 2: write_dr2(v); break;
    default: write_dr3(v); break;
    }
}

static unsigned long read_dr(unsigned int n)
{
    switch (n) {
    case 0: return read_dr0();
    case 1: return read_dr1();
    case 2: return read_dr2();
    default: return read_dr3();
    }
}

static void expect_exc(int vec, const char *what)
{
    if (exc_last_vector != vec)
        guest_fail("%s: expected %s, got %s", what, exc_name((unsigned int)vec),
                   exc_last_vector == EXC_NONE ? "no fault" : exc_name((unsigned int)exc_last_vector));
    exc_reset();
}

static void expect_val(unsigned long got, unsigned long want, const char *what)
{
    if (exc_last_vector != EXC_NONE)
        guest_fail("%s: unexpected %s", what, exc_name((unsigned int)exc_last_vector));
    if (got != want)
        guest_fail("%s: read 0x%lx, expected 0x%lx", what, got, want);
}

static void architectural(void)
{
    unsigned long cr4 = read_cr4();

    exc_reset();
    write_dr6(0);
    expect_val(read_dr6(), 0xFFFF0FF0UL, "DR6 after writing 0");
    write_dr7(0);
    expect_val(read_dr7(), 0x400UL, "DR7 after writing 0");
    write_dr6(0x0000E00F);
    expect_val(read_dr6(), 0xFFFFEFFFUL, "DR6 B0-B3, BD, BS, BT");
    write_dr6(0);
    write_cr4(cr4 & ~(1UL << 3));
    expect_val(read_dr4(), 0xFFFF0FF0UL, "DR4 aliasing DR6");
    write_dr5(0x1);
    expect_val(read_dr7(), 0x401UL, "DR5 aliasing DR7");
    write_dr7(0);
    write_cr4(cr4 | (1UL << 3));
    (void)read_dr4();
    expect_exc(6, "DR4 with CR4.DE");
    write_dr5(0);
    expect_exc(6, "DR5 with CR4.DE");
    write_cr4(cr4);
#if defined(__x86_64__)
    write_dr7(1UL << 32);
    expect_exc(13, "DR7 bit 32");
    write_dr6(1UL << 40);
    expect_exc(13, "DR6 bit 40");
    expect_val(read_dr7(), 0x400UL, "DR7 after the refused write");
#endif
    /* General detect: the access faults with #DB, DR6.BD set, GD clear. */
    write_dr7(0x400UL | (1UL << 13));
    (void)read_dr0();
    expect_exc(1, "DR0 read with DR7.GD");
    expect_val(read_dr7() & (1UL << 13), 0, "DR7.GD after the #DB");
    expect_val(read_dr6() & (1UL << 13), 1UL << 13, "DR6.BD after the #DB");
    write_dr6(0);
    printf("architectural: DR6/DR7 fixed bits, DR4/DR5, #GP, #UD and GD #DB as hardware\n");
}

void test_main(void)
{
    unsigned long pat = cmdline_u64("pattern", 0xA1) & 0xFF;
    uint64_t rounds = cmdline_u64("rounds", 30);
    unsigned long dr7 = 0x400;
    char bp[8] = "";
    unsigned long want[4];

    if (!cmdline_has("noarch"))
        architectural();
    for (unsigned int i = 0; i < 4; i++) {
        want[i] = (pat * (~0UL / 0xFF)) & ~0xFFUL;
        want[i] |= 0x10 + i;
#if defined(__x86_64__)
        want[i] &= 0x00007FFFFFFFFFFFUL;    /* canonical, as an address would be */
#endif
    }
    cmdline_get("bp", bp, sizeof(bp));
    if (!strcmp(bp, "exec"))
        dr7 |= 0xFF;                        /* L0-3/G0-3, R/W 00 (execute), LEN 00 */
    else if (!strcmp(bp, "write"))
        dr7 |= 0xFF | 0xDDDD0000UL;         /* R/W 01 (write), LEN 11 (4 bytes) */
    exc_reset();
    for (uint64_t n = 1; n <= rounds; n++) {
        for (unsigned int i = 0; i < 4; i++)
            write_dr(i, want[i] + (n & 0xF) * 0x100);
        write_dr7(dr7);
        CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_yield, 0), 0);
        for (unsigned int i = 0; i < 4; i++) {
            unsigned long got = read_dr(i), w = want[i] + (n & 0xF) * 0x100;
            if (got != w)
                guest_fail("round %llu: DR%u reads 0x%lx, this guest wrote 0x%lx",
                           (unsigned long long)n, i, got, w);
        }
        if (read_dr7() != dr7)
            guest_fail("round %llu: DR7 reads 0x%lx, this guest wrote 0x%lx",
                       (unsigned long long)n, read_dr7(), dr7);
    }
    write_dr7(0);
    printf("isolation: DR0-DR3 and DR7 kept over %llu yields\n", (unsigned long long)rounds);
}
