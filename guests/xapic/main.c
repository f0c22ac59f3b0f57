/*
 * xapic: the local APIC by MMIO (xAPIC mode), and the IA32_APIC_BASE moves
 * around it. vCPU 0:
 *  - starts in x2APIC mode at 0xFEE00000; x2APIC -> xAPIC directly, EXTD
 *    without EN, reserved bits and off -> x2APIC raise #GP;
 *  - goes x2APIC -> off -> xAPIC; the x2APIC MSRs then #GP;
 *  - reads ID (APIC ID << 24) and the version; TPR, SVR, LDR, DFR, ICR
 *    and LVT entries read back with their writable bits; write-only and
 *    reserved offsets read 0 and ignore writes;
 *  - sends itself fixed IPIs through ICR_LO (self shorthand; physical,
 *    flat and cluster logical destinations, broadcast), takes the ones
 *    that match and ends them with an EOI by MMIO; TPR holds one back;
 *  - an illegal vector sets ESR's Send Illegal Vector, through LVTERR too;
 *  - with `ap` (and vcpus=2): starts vCPU 1 by INIT-SIPI through the ICR;
 *    its ID reads 1 << 24, and of logical IPIs in cluster model it gets
 *    those its LDR matches, vCPU 0 none;
 *  - moves the base to 0xFEA00000: the page answers there;
 *  - goes back to x2APIC mode: the MSRs answer, with the registers kept.
 * With touch=old it then reads the page's old place, and with touch=x2
 * the page itself in x2APIC mode: both are holes and the domain must be
 * crashed (a FAIL if the read returns).
 * Expected: PASS (with touch=: the domain crashed).
 */
#include "guest.h"
#include "ap.h"

const char test_name[] = "xapic";

#define MSR_APIC_BASE   0x1B
#define BASE_BSP        (1u << 8)
#define BASE_EXTD       (1u << 10)
#define BASE_EN         (1u << 11)
#define APIC_DEFAULT    0xFEE00000UL
#define APIC_MOVED      0xFEA00000UL

#define ID      0x020
#define LVR     0x030
#define TPR     0x080
#define PPR     0x0A0
#define EOI     0x0B0
#define LDR     0x0D0
#define DFR     0x0E0
#define SVR     0x0F0
#define ISR     0x100
#define IRR     0x200
#define ESR     0x280
#define ICR_LO  0x300
#define ICR_HI  0x310
#define LVT_TIMER 0x320
#define LVT_LINT0 0x350
#define LVT_ERR 0x370
#define SELF_IPI 0x3F0

#define ICR_LOGICAL (1u << 11)
#define ICR_SELF    (1u << 18)
#define ESR_SEND_ILLEGAL 0x20

static unsigned long apic = APIC_DEFAULT;

static uint32_t rd(unsigned int off)
{
    return *(volatile uint32_t *)(apic + off);
}

static void wr(unsigned int off, uint32_t val)
{
    *(volatile uint32_t *)(apic + off) = val;
}

static void expect_reg(unsigned int off, uint32_t want, const char *what)
{
    uint32_t got = rd(off);

    if (got != want)
        guest_fail("%s: offset 0x%x reads 0x%08x, expected 0x%08x", what, off, got, want);
}

static void expect_base_gp(uint64_t val, const char *what)
{
    uint64_t before = rdmsr(MSR_APIC_BASE);

    if (try_wrmsr(MSR_APIC_BASE, val) != 13)
        guest_fail("APIC_BASE <- 0x%llx (%s): no #GP", (unsigned long long)val, what);
    if (rdmsr(MSR_APIC_BASE) != before)
        guest_fail("APIC_BASE changed by a refused write (%s)", what);
}

static void set_base(uint64_t val)
{
    if (try_wrmsr(MSR_APIC_BASE, val) != EXC_NONE)
        guest_fail("APIC_BASE <- 0x%llx raised %s", (unsigned long long)val,
                   exc_name((unsigned int)exc_last_vector));
}

/* ---- interrupts ---- */

static volatile unsigned int taken[256];
static volatile uint32_t isr_in_handler;

static void on_irq(struct cpu_regs *r)
{
    unsigned int vec = (unsigned int)r->vec;

    taken[vec]++;
    isr_in_handler = rd(ISR + (vec / 32) * 0x10);
    wr(EOI, 0);
}

static void open_window(void)
{
    __asm__ volatile ("sti" ::: "memory");
    for (unsigned int i = 0; i < 2000; i++)
        cpu_relax();
    __asm__ volatile ("cli" ::: "memory");
}

static bool irr_has(unsigned int vec)
{
    return rd(IRR + (vec / 32) * 0x10) & (1u << (vec % 32));
}

/* Send an IPI (ICR_HI first, then ICR_LO) and give it the chance to arrive. */
static void send(uint32_t lo, uint8_t dest)
{
    wr(ICR_HI, (uint32_t)dest << 24);
    wr(ICR_LO, lo);
    open_window();
}

static void expect_taken(unsigned int vec, const char *what)
{
    if (taken[vec] != 1)
        guest_fail("%s: vector 0x%x taken %u times, expected once", what, vec, taken[vec]);
    if (irr_has(vec) || (rd(ISR + (vec / 32) * 0x10) & (1u << (vec % 32))))
        guest_fail("%s: vector 0x%x still in IRR or ISR after its EOI", what, vec);
}

static void expect_not_taken(unsigned int vec, const char *what)
{
    if (taken[vec] || irr_has(vec))
        guest_fail("%s: vector 0x%x reached this vCPU (taken %u, IRR %d)", what, vec,
                   taken[vec], irr_has(vec));
}

/* ---- the checks ---- */

static void check_preset_and_moves(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    uint32_t cpuid_id = cpuid(1).ebx >> 24;
    uint64_t v;

    if ((base & ~0xFFFULL) != APIC_DEFAULT || !(base & BASE_EN) || !(base & BASE_EXTD) ||
        !(base & BASE_BSP))
        guest_fail("APIC_BASE at start 0x%llx, expected 0xfee00d00", (unsigned long long)base);
    if (try_rdmsr(0x802, &v) != EXC_NONE || v != cpuid_id)
        guest_fail("x2APIC ID 0x%llx, CPUID says 0x%x", (unsigned long long)v, cpuid_id);
    printf("xapic: x2APIC preset, base 0x%08lx, ID %u\n", (unsigned long)(base & ~0xFFFULL),
           (unsigned int)v);

    expect_base_gp(base & ~BASE_EXTD, "x2APIC -> xAPIC");
    expect_base_gp(base & ~BASE_EN, "EXTD without EN");
    expect_base_gp(base | (1u << 9), "reserved bit 9");
    expect_base_gp(base | 1, "reserved bit 0");
    set_base(base & ~(BASE_EN | BASE_EXTD));
    expect_base_gp(base, "off -> x2APIC");
    set_base((base & ~BASE_EXTD) | BASE_EN);
    if (try_rdmsr(0x802, &v) != 13 || try_wrmsr(0x808, 0) != 13)
        guest_fail("xAPIC mode: x2APIC MSRs do not raise #GP");
    printf("xapic: refused moves #GP; x2APIC -> off -> xAPIC; x2APIC MSRs #GP\n");
}

static void check_registers(void)
{
    uint32_t cpuid_id = cpuid(1).ebx >> 24;

    expect_reg(ID, cpuid_id << 24, "ID");
    expect_reg(LVR, 0x00050014, "version");
    printf("xapic: ID 0x%08x, version 0x%08x\n", rd(ID), rd(LVR));

    /* Reset values after the enable. */
    expect_reg(SVR, 0xFF, "SVR at enable");
    expect_reg(DFR, 0xFFFFFFFF, "DFR at enable");
    expect_reg(LVT_LINT0, 0x10000, "LINT0 at enable");
    /* Software-disabled: the LVT mask bits cannot be cleared. */
    wr(LVT_LINT0, 0x700);
    expect_reg(LVT_LINT0, 0x10700, "LINT0 while software-disabled");
    wr(SVR, 0x1FF);
    expect_reg(SVR, 0x1FF, "SVR");
    wr(LVT_LINT0, 0xFFFFFFFF);
    expect_reg(LVT_LINT0, 0x0001A7FF, "LINT0 writable bits");
    wr(LVT_LINT0, 0x700);
    expect_reg(LVT_LINT0, 0x700, "LINT0 unmasked");
    wr(LVT_ERR, 0xFFFFFFFF);
    expect_reg(LVT_ERR, 0x000100FF, "LVTERR writable bits");
    wr(LVT_TIMER, 0x00020030);
    expect_reg(LVT_TIMER, 0x00020030, "LVT timer");
    wr(LVT_TIMER, 0x10000);
    wr(TPR, 0x12345678);
    expect_reg(TPR, 0x78, "TPR");
    expect_reg(PPR, 0x78, "PPR");
    wr(TPR, 0);
    wr(LDR, 0x12345678);
    expect_reg(LDR, 0x12000000, "LDR");
    wr(DFR, 0);
    expect_reg(DFR, 0x0FFFFFFF, "DFR cluster");
    wr(DFR, 0xFFFFFFFF);
    expect_reg(DFR, 0xFFFFFFFF, "DFR flat");
    wr(ICR_HI, 0xABCDEF12);
    expect_reg(ICR_HI, 0xAB000000, "ICR_HI");
    /* Write-only, reserved and x2APIC-only offsets read 0; writes vanish. */
    expect_reg(EOI, 0, "EOI (write-only)");
    expect_reg(0x000, 0, "reserved 0x000");
    expect_reg(0x3E0 + 0x4, 0, "bytes 4-7 of TDCR's slot");
    expect_reg(SELF_IPI, 0, "SELF_IPI (x2APIC only)");
    wr(0x000, 0xFFFFFFFF);
    wr(0x3B0, 0xFFFFFFFF);
    wr(ICR_LO + 4, ICR_SELF | 0x4F);    /* not the ICR: nothing is sent */
    wr(SELF_IPI, 0x4F);
    expect_reg(0x000, 0, "reserved 0x000 after a write");
    open_window();
    expect_not_taken(0x4F, "writes outside registers");
    printf("xapic: TPR SVR LDR DFR ICR_HI LVT read back; reserved offsets read 0\n");
}

static void check_self_ipi(void)
{
    send(ICR_SELF | 0x40, 0);
    expect_taken(0x40, "self IPI");
    if (!(isr_in_handler & 1))
        guest_fail("self IPI: vector 0x40 not in ISR during its handler (0x%x)", isr_in_handler);
    expect_reg(ICR_LO, ICR_SELF | 0x40, "ICR_LO after a send");

    /* TPR 0x50 holds vector 0x45 (class 4) back until it drops. */
    wr(TPR, 0x50);
    send(ICR_SELF | 0x45, 0);
    if (taken[0x45] || !irr_has(0x45))
        guest_fail("TPR 0x50: vector 0x45 taken %u, in IRR %d", taken[0x45], irr_has(0x45));
    wr(TPR, 0);
    open_window();
    expect_taken(0x45, "after TPR 0");
    printf("xapic: self IPI 0x40 taken, EOI by MMIO; TPR 0x50 held 0x45 back\n");
}

static void check_destinations(void)
{
    /* Physical: our ID (0 on vCPU 0) only. */
    send(0x46, (uint8_t)(rd(ID) >> 24));
    expect_taken(0x46, "physical, own ID");
    send(0x47, (uint8_t)((rd(ID) >> 24) + 5));
    expect_not_taken(0x47, "physical, other ID");

    /* Flat: LDR[31:24] a bit mask. */
    wr(DFR, 0xFFFFFFFF);
    wr(LDR, 0x01000000);
    send(ICR_LOGICAL | 0x48, 0x01);
    expect_taken(0x48, "flat, own bit");
    send(ICR_LOGICAL | 0x49, 0x06);
    expect_not_taken(0x49, "flat, other bits");
    send(ICR_LOGICAL | 0x4A, 0xFF);
    expect_taken(0x4A, "flat, broadcast");

    /* Cluster: high nibble the cluster, low nibble a mask. */
    wr(DFR, 0x0FFFFFFF);
    wr(LDR, 0x21000000);
    send(ICR_LOGICAL | 0x4B, 0x23);
    expect_taken(0x4B, "cluster 2, bits 0-1");
    send(ICR_LOGICAL | 0x4C, 0x31);
    expect_not_taken(0x4C, "cluster 3 (would match flat)");
    send(ICR_LOGICAL | 0x4D, 0x22);
    expect_not_taken(0x4D, "cluster 2, other bit");
    send(ICR_LOGICAL | 0x4E, 0xFF);
    expect_taken(0x4E, "cluster, broadcast");
    printf("xapic: physical, flat and cluster logical destinations, broadcast\n");
}

static void check_esr(void)
{
    wr(ESR, 0);
    expect_reg(ESR, 0, "ESR at first");
    send(ICR_SELF | 0x05, 0);           /* illegal vector: never sent */
    expect_reg(ESR, 0, "ESR before the latching write");
    wr(ESR, 0);
    expect_reg(ESR, ESR_SEND_ILLEGAL, "ESR after an illegal vector");
    wr(ESR, 0);
    expect_reg(ESR, 0, "ESR after a second write");
    /* Unmasked LVTERR: the error raises its vector. */
    wr(LVT_ERR, 0x4F);
    send(ICR_SELF | 0x05, 0);
    expect_taken(0x4F, "LVTERR");
    wr(ESR, 0);
    expect_reg(ESR, ESR_SEND_ILLEGAL, "ESR after an LVTERR");
    wr(LVT_ERR, 0x10000);
    printf("xapic: illegal vector: ESR 0x%x, LVTERR vector taken\n", ESR_SEND_ILLEGAL);
}

static void wait_ap(uint32_t state)
{
    volatile uint32_t *st = (volatile uint32_t *)AP_STATE;

    for (unsigned int i = 0; i < 100000 && *st != state; i++)
        CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_yield, 0), 0);
    if (*st != state)
        guest_fail("vCPU 1: state %u, expected %u", *st, state);
}

static void check_second_vcpu(void)
{
    volatile uint32_t *ap_id = (volatile uint32_t *)AP_ID;
    volatile uint32_t *ap_irr = (volatile uint32_t *)AP_IRR3;

    memset((void *)AP_DATA, 0, 16);
    memcpy((void *)AP_PAGE, ap_start, (size_t)(ap_end - ap_start));
    send(0x00004500, 1);                /* INIT, level assert, physical 1 */
    send(0x00004600 | (AP_PAGE >> 12), 1);  /* SIPI */
    wait_ap(1);
    if (*ap_id != 1u << 24)
        guest_fail("vCPU 1: ID reads 0x%08x, expected 0x01000000", *ap_id);

    /* Both in cluster model; we are cluster 0 bit 0, vCPU 1 cluster 1 bit 1. */
    wr(DFR, 0x0FFFFFFF);
    wr(LDR, 0x01000000);
    send(ICR_LOGICAL | 0x61, 0x12);
    send(ICR_LOGICAL | 0x62, 0x22);
    send(ICR_LOGICAL | 0x63, 0x11);
    send(ICR_LOGICAL | 0x64, 0x13);
    for (unsigned int v = 0x61; v <= 0x64; v++)
        expect_not_taken(v, "logical IPI meant for vCPU 1");
    *(volatile uint32_t *)AP_GO = 1;
    wait_ap(2);
    if (*ap_irr != ((1u << 1) | (1u << 4)))
        guest_fail("vCPU 1: IRR 0x60-0x7F is 0x%08x, expected 0x00000012", *ap_irr);
    printf("xapic: vCPU 1 by INIT-SIPI: ID 0x%08x, IRR 0x%08x from logical IPIs\n",
           *ap_id, *ap_irr);
}

static void check_relocation(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);

    set_base((base & 0xFFF) | APIC_MOVED);
    if ((rdmsr(MSR_APIC_BASE) & ~0xFFFULL) != APIC_MOVED)
        guest_fail("APIC_BASE reads 0x%llx after the move",
                   (unsigned long long)rdmsr(MSR_APIC_BASE));
    apic = APIC_MOVED;
    expect_reg(LVR, 0x00050014, "version at the new base");
    wr(TPR, 0x20);
    expect_reg(TPR, 0x20, "TPR at the new base");
    send(ICR_SELF | 0x41, 0);
    expect_taken(0x41, "self IPI at the new base");
    printf("xapic: base moved to 0x%08lx: the page answers there\n", APIC_MOVED);
}

static void check_back_to_x2apic(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE), v;

    set_base(base | BASE_EXTD);
    if (try_rdmsr(0x803, &v) != EXC_NONE || v != 0x00050014)
        guest_fail("x2APIC again: version MSR 0x%llx", (unsigned long long)v);
    if (try_rdmsr(0x808, &v) != EXC_NONE || v != 0x20)
        guest_fail("x2APIC again: TPR 0x%llx, expected the 0x20 written by MMIO",
                   (unsigned long long)v);
    if (try_rdmsr(0x80D, &v) != EXC_NONE || v != 1)
        guest_fail("x2APIC again: LDR 0x%llx, expected 1 (derived from ID 0)",
                   (unsigned long long)v);
    wrmsr(0x808, 0);
    __asm__ volatile ("sti" ::: "memory");
    wrmsr(0x83F, 0x42);                 /* SELF_IPI */
    for (unsigned int i = 0; i < 2000 && !taken[0x42]; i++)
        cpu_relax();
    __asm__ volatile ("cli" ::: "memory");
    if (taken[0x42] != 1)
        guest_fail("x2APIC again: SELF_IPI vector 0x42 taken %u times", taken[0x42]);
    printf("xapic: back to x2APIC: MSRs answer, TPR kept, SELF_IPI taken\n");
}

/* The handler's EOI goes by MSR once the APIC is back in x2APIC mode. */
static void on_irq_x2(struct cpu_regs *r)
{
    taken[r->vec]++;
    wrmsr(0x80B, 0);
}

static void touch(unsigned long addr)
{
    uint32_t v;

    printf("about to fault: reading %p\n", (void *)addr);
    cons_flush();
    v = *(volatile uint32_t *)addr;
    guest_fail("read of %p returned 0x%x: not a hole", (void *)addr, v);
}

void test_main(void)
{
    char where[8] = "";

    for (unsigned int v = 0x40; v < 0x70; v++)
        trap_handler[v] = on_irq;
    check_preset_and_moves();
    check_registers();
    check_self_ipi();
    check_destinations();
    check_esr();
    if (cmdline_has("ap"))
        check_second_vcpu();
    check_relocation();
    cmdline_get("touch", where, sizeof(where));
    if (!strcmp(where, "old"))
        touch(APIC_DEFAULT + LVR);
    for (unsigned int v = 0x40; v < 0x70; v++)
        trap_handler[v] = on_irq_x2;
    check_back_to_x2apic();
    if (!strcmp(where, "x2"))
        touch(APIC_MOVED + LVR);
}
