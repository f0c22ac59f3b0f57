/*
 * Local APIC rules that depend only on register values (asm/vlapic_rules.h),
 * after the Intel SDM vol. 3 ch. 11 (x2APIC states, logical destinations,
 * LVT layout) and the AMD APM vol. 2 ch. 16.
 */
#include <asm/vlapic_rules.h>

enum apic_mode vlapic_mode_of(uint64_t apic_base)
{
    switch (apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) {
    case 0:
        return APIC_MODE_OFF;
    case APIC_BASE_EN:
        return APIC_MODE_XAPIC;
    case APIC_BASE_EN | APIC_BASE_EXTD:
        return APIC_MODE_X2APIC;
    default:
        return APIC_MODE_INVALID;
    }
}

/*
 * The moves the SDM allows: off -> xAPIC, xAPIC -> x2APIC, either -> off,
 * and staying in a mode (the base or BSP bit may change). x2APIC -> xAPIC
 * and off -> x2APIC must go through the other state; EXTD without EN is
 * no state at all. Bits 0-7, 9 and those above the physical-address width
 * are reserved. Enabling a disabled APIC starts it from its reset values,
 * as Xen does (what was there before the disable is not kept).
 */
enum apic_base_write vlapic_base_write(uint64_t old, uint64_t val, unsigned int paddr_bits)
{
    uint64_t allowed = APIC_BASE_BSP | APIC_BASE_EXTD | APIC_BASE_EN |
                       (APIC_BASE_ADDR & ((1ULL << paddr_bits) - 1));
    enum apic_mode from = vlapic_mode_of(old), to = vlapic_mode_of(val);

    if ((val & ~allowed) || to == APIC_MODE_INVALID)
        return APIC_BASE_REFUSED;
    if ((from == APIC_MODE_X2APIC && to == APIC_MODE_XAPIC) ||
        (from == APIC_MODE_OFF && to == APIC_MODE_X2APIC))
        return APIC_BASE_REFUSED;
    return from == APIC_MODE_OFF && to != APIC_MODE_OFF ? APIC_BASE_RESET : APIC_BASE_STORED;
}

uint32_t vlapic_x2apic_ldr(uint32_t id)
{
    return ((id >> 4) << 16) | (1u << (id & 15));
}

bool vlapic_x2apic_match(uint32_t dest, bool logical, uint32_t id)
{
    uint32_t ldr = vlapic_x2apic_ldr(id);

    if (dest == 0xFFFFFFFF)
        return true;                    /* broadcast in both models */
    if (!logical)
        return dest == id;
    return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xFFFF);
}

/*
 * DFR bits 31:28 pick the model: 1111 flat (LDR[31:24] is a mask of up to
 * 8 APICs, any common bit matches), 0000 cluster (the high nibbles name
 * the cluster and must be equal, the low nibbles are a mask of up to 4).
 * 0xFF reaches every APIC in both.
 */
bool vlapic_xapic_match(uint8_t dest, bool logical, uint8_t id, uint32_t ldr, uint32_t dfr)
{
    uint8_t lid = (uint8_t)(ldr >> 24);

    if (dest == 0xFF)
        return true;
    if (!logical)
        return dest == id;
    if ((dfr >> 28) == 0xF)
        return (dest & lid) != 0;
    return (dest >> 4) == (lid >> 4) && (dest & lid & 0xF);
}

/*
 * Vector 7:0, delivery mode 10:8, polarity 13, trigger 15, mask 16,
 * timer mode 18:17, each where the entry has it. Delivery status (12) and
 * remote IRR (14) are the APIC's to set.
 */
uint32_t vlapic_lvt_writable(unsigned int lvt)
{
    switch (lvt) {
    case LVT_TIMER:
        return 0x000600FF | LVT_MASKED;
    case LVT_LINT0:
    case LVT_LINT1:
        return 0x0000A7FF | LVT_MASKED;
    case LVT_ERROR:
        return 0x000000FF | LVT_MASKED;
    case LVT_CMCI:
    case LVT_THERMAL:
    case LVT_PMC:
        return 0x000007FF | LVT_MASKED;
    default:
        return 0;
    }
}

/* Registers are 32 bits at 16-byte intervals; narrower accesses inside
 * those 32 bits reach them too, as on the CPUs that allow it. */
bool vlapic_mmio_slot(uint32_t offset, unsigned int size, unsigned int *reg, unsigned int *byte)
{
    if (offset >= 0x1000 || (offset & 0xF) + size > 4)
        return false;
    *reg = offset >> 4;
    *byte = offset & 3;
    return true;
}

uint32_t vlapic_mmio_merge(uint32_t old, uint64_t val, unsigned int byte, unsigned int size)
{
    uint32_t mask = size >= 4 ? 0xFFFFFFFFu : ((1u << (size * 8)) - 1) << (byte * 8);

    return (old & ~mask) | (((uint32_t)val << (byte * 8)) & mask);
}

unsigned int vlapic_timer_divisor(uint32_t tdcr)
{
    uint32_t code = ((tdcr >> 1) & 4) | (tdcr & 3);

    return 1u << ((code + 1) & 7);
}

uint64_t vlapic_timer_ns(uint32_t count, uint32_t tdcr)
{
    return (uint64_t)count * vlapic_timer_divisor(tdcr) * VLAPIC_BUS_TICK_NS;
}

uint32_t vlapic_timer_remaining(uint32_t count, uint32_t tdcr, uint64_t elapsed_ns)
{
    uint64_t ticks = elapsed_ns / (vlapic_timer_divisor(tdcr) * VLAPIC_BUS_TICK_NS);

    return ticks >= count ? 0 : count - (uint32_t)ticks;
}

uint64_t vlapic_timer_period_ns(uint32_t tmict, uint32_t tdcr)
{
    uint64_t ns = vlapic_timer_ns(tmict, tdcr);

    return ns < VLAPIC_TIMER_MIN_PERIOD_NS ? VLAPIC_TIMER_MIN_PERIOD_NS : ns;
}

uint64_t vlapic_timer_next(uint64_t expires, uint64_t period_ns, uint64_t now)
{
    if (!period_ns)
        period_ns = VLAPIC_TIMER_MIN_PERIOD_NS;
    if (now < expires)
        return expires;
    return expires + ((now - expires) / period_ns + 1) * period_ns;
}
