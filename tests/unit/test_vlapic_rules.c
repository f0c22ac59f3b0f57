/* Host tests of the local APIC rules (hv/arch/x86/hvm/vlapic_rules.c). */
#include <stdint.h>
#include <asm/vlapic_rules.h>
#include "unit.h"

#define OFF     APIC_BASE_DEFAULT
#define XAPIC   (APIC_BASE_DEFAULT | APIC_BASE_EN)
#define X2APIC  (APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD)
#define EXTD    (APIC_BASE_DEFAULT | APIC_BASE_EXTD)

static void modes(void)
{
    CHECK_EQ(vlapic_mode_of(OFF), APIC_MODE_OFF);
    CHECK_EQ(vlapic_mode_of(XAPIC), APIC_MODE_XAPIC);
    CHECK_EQ(vlapic_mode_of(X2APIC | APIC_BASE_BSP), APIC_MODE_X2APIC);
    CHECK_EQ(vlapic_mode_of(EXTD), APIC_MODE_INVALID);
}

/* Every pair of the four states: the SDM's table of x2APIC transitions. */
static void transitions(void)
{
    static const uint64_t st[] = { OFF, XAPIC, X2APIC, EXTD };
    /* [from][to], from EXTD never reached */
    static const enum apic_base_write want[3][4] = {
        { APIC_BASE_STORED, APIC_BASE_RESET, APIC_BASE_REFUSED, APIC_BASE_REFUSED },
        { APIC_BASE_STORED, APIC_BASE_STORED, APIC_BASE_STORED, APIC_BASE_REFUSED },
        { APIC_BASE_STORED, APIC_BASE_REFUSED, APIC_BASE_STORED, APIC_BASE_REFUSED },
    };

    for (unsigned int f = 0; f < 3; f++)
        for (unsigned int t = 0; t < 4; t++) {
            enum apic_base_write got = vlapic_base_write(st[f], st[t], 40);
            if (got != want[f][t])
                fprintf(stderr, "  from %u to %u: %d, want %d\n", f, t, got, want[f][t]);
            CHECK_EQ(got, want[f][t]);
        }
}

/* The x2APIC -> off -> xAPIC -> x2APIC walk XTF's apic_init() makes. */
static void xtf_walk(void)
{
    uint64_t b = X2APIC | APIC_BASE_BSP;

    CHECK_EQ(vlapic_base_write(b, b & ~(APIC_BASE_EN | APIC_BASE_EXTD), 40), APIC_BASE_STORED);
    b &= ~(APIC_BASE_EN | APIC_BASE_EXTD);
    CHECK_EQ(vlapic_base_write(b, b | APIC_BASE_EN, 40), APIC_BASE_RESET);
    b |= APIC_BASE_EN;
    CHECK_EQ(vlapic_base_write(b, b | APIC_BASE_EXTD, 40), APIC_BASE_STORED);
}

static void reserved_bits(void)
{
    for (unsigned int bit = 0; bit < 8; bit++)
        CHECK_EQ(vlapic_base_write(XAPIC, XAPIC | (1ULL << bit), 40), APIC_BASE_REFUSED);
    CHECK_EQ(vlapic_base_write(XAPIC, XAPIC | (1ULL << 9), 40), APIC_BASE_REFUSED);
    CHECK_EQ(vlapic_base_write(XAPIC, XAPIC | (1ULL << 40), 40), APIC_BASE_REFUSED);
    CHECK_EQ(vlapic_base_write(XAPIC, XAPIC | (1ULL << 63), 40), APIC_BASE_REFUSED);
    CHECK_EQ(vlapic_base_write(XAPIC, XAPIC | (1ULL << 39), 40), APIC_BASE_STORED);
    CHECK_EQ(vlapic_base_write(XAPIC, XAPIC | (1ULL << 39), 36), APIC_BASE_REFUSED);
    /* The BSP flag is read/write; the base may move in any mode. */
    CHECK_EQ(vlapic_base_write(XAPIC, XAPIC | APIC_BASE_BSP, 40), APIC_BASE_STORED);
    CHECK_EQ(vlapic_base_write(XAPIC, 0xFEC01000ULL | APIC_BASE_EN, 40), APIC_BASE_STORED);
    CHECK_EQ(vlapic_base_write(X2APIC, 0x1000ULL | APIC_BASE_EN | APIC_BASE_EXTD, 40),
             APIC_BASE_STORED);
}

static void x2apic_dest(void)
{
    CHECK_EQ(vlapic_x2apic_ldr(0), 0x00000001);
    CHECK_EQ(vlapic_x2apic_ldr(17), 0x00010002);
    CHECK(vlapic_x2apic_match(3, false, 3));
    CHECK(!vlapic_x2apic_match(3, false, 4));
    CHECK(vlapic_x2apic_match(0xFFFFFFFF, false, 4));
    CHECK(vlapic_x2apic_match(0xFFFFFFFF, true, 40));
    CHECK(vlapic_x2apic_match(0x00010006, true, 17));   /* cluster 1, bits 1-2 */
    CHECK(!vlapic_x2apic_match(0x00000006, true, 17));  /* cluster 0 */
    CHECK(!vlapic_x2apic_match(0x00010001, true, 17));
}

static void xapic_physical(void)
{
    CHECK(vlapic_xapic_match(0, false, 0, 0, 0xFFFFFFFF));
    CHECK(!vlapic_xapic_match(1, false, 0, 0, 0xFFFFFFFF));
    CHECK(vlapic_xapic_match(0xFF, false, 5, 0, 0xFFFFFFFF));
    /* The LDR plays no part. */
    CHECK(!vlapic_xapic_match(0x01, false, 0, 0x01000000, 0xFFFFFFFF));
}

static void xapic_flat(void)
{
    uint32_t dfr = 0xFFFFFFFF;

    CHECK(vlapic_xapic_match(0x01, true, 0, 0x01000000, dfr));
    CHECK(vlapic_xapic_match(0x83, true, 9, 0x02000000, dfr));
    CHECK(!vlapic_xapic_match(0x04, true, 0, 0x02000000, dfr));
    CHECK(!vlapic_xapic_match(0x01, true, 0, 0x00000000, dfr));
    CHECK(vlapic_xapic_match(0xFF, true, 0, 0x00000000, dfr));
}

static void xapic_cluster(void)
{
    uint32_t dfr = 0x0FFFFFFF;

    CHECK(vlapic_xapic_match(0x21, true, 0, 0x21000000, dfr));
    CHECK(vlapic_xapic_match(0x2F, true, 0, 0x24000000, dfr));
    CHECK(!vlapic_xapic_match(0x11, true, 0, 0x21000000, dfr));   /* other cluster */
    CHECK(!vlapic_xapic_match(0x22, true, 0, 0x21000000, dfr));   /* other member */
    CHECK(vlapic_xapic_match(0xFF, true, 0, 0x21000000, dfr));
    /* What flat would match, cluster does not: 0x21 & 0x31 share bits. */
    CHECK(vlapic_xapic_match(0x21, true, 0, 0x31000000, 0xFFFFFFFF));
    CHECK(!vlapic_xapic_match(0x21, true, 0, 0x31000000, dfr));
}

static void lvt_bits(void)
{
    CHECK_EQ(vlapic_lvt_writable(LVT_TIMER), 0x000700FF);
    CHECK_EQ(vlapic_lvt_writable(LVT_LINT0), 0x0001A7FF);
    CHECK_EQ(vlapic_lvt_writable(LVT_LINT1), 0x0001A7FF);
    CHECK_EQ(vlapic_lvt_writable(LVT_ERROR), 0x000100FF);
    CHECK_EQ(vlapic_lvt_writable(LVT_THERMAL), 0x000107FF);
    CHECK_EQ(vlapic_lvt_writable(LVT_NR), 0);
    /* Delivery status and remote IRR are never the guest's. */
    for (unsigned int i = 0; i < LVT_NR; i++)
        CHECK_EQ(vlapic_lvt_writable(i) & ((1u << 12) | (1u << 14)), 0);
}

static void mmio_slots(void)
{
    unsigned int reg = 99, byte = 99;

    CHECK(vlapic_mmio_slot(0x020, 4, &reg, &byte));
    CHECK_EQ(reg, 0x02);
    CHECK_EQ(byte, 0);
    CHECK(vlapic_mmio_slot(0x3F0, 4, &reg, &byte));
    CHECK_EQ(reg, 0x3F);
    CHECK(vlapic_mmio_slot(0x083, 1, &reg, &byte));
    CHECK_EQ(reg, 0x08);
    CHECK_EQ(byte, 3);
    CHECK(vlapic_mmio_slot(0x302, 2, &reg, &byte));
    CHECK_EQ(byte, 2);
    CHECK(!vlapic_mmio_slot(0x024, 4, &reg, &byte));    /* bytes 4-15: nothing */
    CHECK(!vlapic_mmio_slot(0x022, 4, &reg, &byte));    /* straddles the 32 bits */
    CHECK(!vlapic_mmio_slot(0x300, 8, &reg, &byte));
    CHECK(!vlapic_mmio_slot(0x1000, 4, &reg, &byte));
}

static void mmio_merge(void)
{
    CHECK_EQ(vlapic_mmio_merge(0x11223344, 0xAABBCCDD, 0, 4), 0xAABBCCDD);
    CHECK_EQ(vlapic_mmio_merge(0x11223344, 0xAA, 0, 1), 0x112233AA);
    CHECK_EQ(vlapic_mmio_merge(0x11223344, 0xAA, 3, 1), 0xAA223344);
    CHECK_EQ(vlapic_mmio_merge(0x11223344, 0xFFFFAABB, 2, 2), 0xAABB3344);
}

/* The SDM's TDCR encoding (bits 0, 1, 3; bit 2 and the rest ignored). */
static void timer_divide(void)
{
    static const unsigned int want[8] = { 2, 4, 8, 16, 32, 64, 128, 1 };

    for (uint32_t code = 0; code < 8; code++) {
        uint32_t tdcr = ((code & 4) << 1) | (code & 3);
        CHECK_EQ(vlapic_timer_divisor(tdcr), want[code]);
        CHECK_EQ(vlapic_timer_divisor(tdcr | 4), want[code]);
        CHECK_EQ(vlapic_timer_divisor(tdcr | 0xFFFFFFF4u), want[code]);
    }
    CHECK_EQ(vlapic_timer_divisor(0xB), 1);
    CHECK_EQ(vlapic_timer_divisor(0xA), 128);
}

static void timer_count(void)
{
    /* Divide by 1: a tick every 10 ns; by 16 (TDCR 3): every 160 ns. */
    CHECK_EQ(vlapic_timer_ns(1000, 0xB), 10000);
    CHECK_EQ(vlapic_timer_ns(1000, 0x3), 160000);
    CHECK_EQ(vlapic_timer_ns(0xFFFFFFFF, 0xA), 0xFFFFFFFFULL * 1280);
    CHECK_EQ(vlapic_timer_remaining(1000, 0xB, 0), 1000);
    CHECK_EQ(vlapic_timer_remaining(1000, 0xB, 9), 1000);
    CHECK_EQ(vlapic_timer_remaining(1000, 0xB, 10), 999);
    CHECK_EQ(vlapic_timer_remaining(1000, 0xB, 9990), 1);
    CHECK_EQ(vlapic_timer_remaining(1000, 0xB, 10000), 0);
    CHECK_EQ(vlapic_timer_remaining(1000, 0x3, 10000), 1000 - 62);
    CHECK_EQ(vlapic_timer_remaining(1000, 0xB, ~0ULL), 0);
    CHECK_EQ(vlapic_timer_remaining(0xFFFFFFFF, 0xA, ~0ULL / 2), 0);
    CHECK_EQ(vlapic_timer_remaining(0, 0xB, 0), 0);
}

static void timer_period(void)
{
    /* Tiny periods are held at the minimum; long ones are exact. */
    CHECK_EQ(vlapic_timer_period_ns(1, 0xB), VLAPIC_TIMER_MIN_PERIOD_NS);
    CHECK_EQ(vlapic_timer_period_ns(0, 0xB), VLAPIC_TIMER_MIN_PERIOD_NS);
    CHECK_EQ(vlapic_timer_period_ns(100000, 0xB), 1000000);
    CHECK_EQ(vlapic_timer_period_ns(10000, 0xB), VLAPIC_TIMER_MIN_PERIOD_NS);
    /* Missed periods: one step to the first expiry after now, on the grid. */
    CHECK_EQ(vlapic_timer_next(1000, 100, 1000), 1100);
    CHECK_EQ(vlapic_timer_next(1000, 100, 1050), 1100);
    CHECK_EQ(vlapic_timer_next(1000, 100, 1100), 1200);
    CHECK_EQ(vlapic_timer_next(1000, 100, 123456), 123500);
    CHECK_EQ(vlapic_timer_next(1000, 100, 999), 1000);
    CHECK_EQ(vlapic_timer_next(1000, 0, 1000), 1000 + VLAPIC_TIMER_MIN_PERIOD_NS);
}

UNIT_MAIN("vlapic_rules")
{
    TEST_RUN(modes);
    TEST_RUN(transitions);
    TEST_RUN(xtf_walk);
    TEST_RUN(reserved_bits);
    TEST_RUN(x2apic_dest);
    TEST_RUN(xapic_physical);
    TEST_RUN(xapic_flat);
    TEST_RUN(xapic_cluster);
    TEST_RUN(lvt_bits);
    TEST_RUN(mmio_slots);
    TEST_RUN(mmio_merge);
    TEST_RUN(timer_divide);
    TEST_RUN(timer_count);
    TEST_RUN(timer_period);
}
