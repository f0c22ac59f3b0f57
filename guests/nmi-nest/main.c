/*
 * nmi-nest: an NMI is not delivered while the guest is still in its NMI
 * handler. Through the x2APIC, the guest sends itself an NMI; the handler
 * sends a second one and makes exits=N (default 50) exits (each an
 * injection opportunity) before its IRET. The second NMI must arrive only
 * after that IRET: never nested, never lost. Repeated rounds=N (default
 * 20) times.
 * Expected: PASS; "nested NMI" or a lost second NMI is a FAIL.
 */
#include "guest.h"

const char test_name[] = "nmi-nest";

#define MSR_APIC_BASE   0x1B
#define MSR_X2APIC_ICR  0x830
#define ICR_SELF_NMI    ((1u << 18) | (4u << 8) | 2u)

static volatile unsigned int depth, count, nested, exits_in_handler = 50;

static void self_nmi(void)
{
    wrmsr(MSR_X2APIC_ICR, ICR_SELF_NMI);
}

static void nmi_handler(struct cpu_regs *r)
{
    (void)r;
    if (++depth > 1)
        nested++;
    if (++count % 2 == 1) {
        /* First of a pair: the second must wait for our IRET. */
        self_nmi();
        for (unsigned int i = 0; i < exits_in_handler; i++)
            (void)cpuid(0);
    }
    depth--;
}

void test_main(void)
{
    uint64_t rounds = cmdline_u64("rounds", 20);

    exits_in_handler = (unsigned int)cmdline_u64("exits", 50);
    trap_handler[2] = nmi_handler;
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11) | (1u << 10));   /* EN, EXTD */
    for (uint64_t n = 1; n <= rounds; n++) {
        unsigned int want = (unsigned int)(2 * n), spins = 0;

        self_nmi();
        /* Exits after the IRET let the held NMI in. */
        while (count < want && spins++ < 100000)
            (void)cpuid(0);
        if (nested)
            guest_fail("nested NMI: %u delivered inside the handler (round %llu)",
                       nested, (unsigned long long)n);
        if (count != want)
            guest_fail("round %llu: %u NMIs delivered, expected %u", (unsigned long long)n,
                       count, want);
    }
    printf("nmi: %u NMIs in %llu pairs, none nested\n", count, (unsigned long long)rounds);
}
