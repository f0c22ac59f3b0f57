/*
 * The local APIC in xAPIC mode (QEMU's emulated CPU has no x2APIC): ICR
 * IPIs, the timer (its rate calibrated by arch/x86/time.c), and the EOI.
 */
#include <oryx/lib.h>
#include <oryx/spinlock.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/io.h>
#include <asm/traps.h>

#define APIC_ID       0x020
#define APIC_EOI      0x0B0
#define APIC_SVR      0x0F0
#define APIC_ESR      0x280
#define APIC_ICR_LO   0x300
#define APIC_ICR_HI   0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERR  0x370
#define APIC_TMICT    0x380
#define APIC_TMCCT    0x390
#define APIC_TDCR     0x3E0

#define ICR_BUSY      (1u << 12)
#define APIC_TIMER_MIN_NS      200000ULL       /* 200 us: deadlines are that coarse */
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_ALLBUTSELF (3u << 18)

static uintptr_t apic_base = APIC_DEFAULT_BASE;
uint32_t apic_timer_khz;

static uint32_t apic_read(uint32_t reg) { return mmio_read32(apic_base + reg); }
static void apic_write(uint32_t reg, uint32_t v) { mmio_write32(apic_base + reg, v); }

uint32_t apic_id(void)
{
    return apic_read(APIC_ID) >> 24;
}

void apic_eoi(void)
{
    apic_write(APIC_EOI, 0);
}

void apic_init(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);

    wrmsr(MSR_APIC_BASE, (base & ~0xFFFULL & ~(1ULL << 10)) | (1ULL << 11) | (base & (1ULL << 8)));
    apic_base = base & 0xFFFFF000UL;
    apic_write(APIC_SVR, 0x100 | VEC_SPURIOUS);     /* software enable */
    apic_write(APIC_LVT_LINT0, 1u << 16);           /* masked */
    apic_write(APIC_LVT_LINT1, 0x400);              /* NMI */
    apic_write(APIC_LVT_ERR, 1u << 16);
    apic_write(APIC_ESR, 0);
    apic_write(APIC_TDCR, 0xB);                     /* divide by 1 */
    apic_write(APIC_LVT_TIMER, VEC_TIMER);         /* one-shot */
    apic_write(APIC_TMICT, 0);
    apic_eoi();
}

static void icr_wait(void)
{
    for (unsigned int i = 0; i < 1000000 && (apic_read(APIC_ICR_LO) & ICR_BUSY); i++)
        cpu_relax();
}

void apic_send_ipi(uint32_t id, uint8_t vector)
{
    unsigned long f = local_irq_save();

    icr_wait();
    apic_write(APIC_ICR_HI, id << 24);
    apic_write(APIC_ICR_LO, vector | ICR_LEVEL_ASSERT);
    local_irq_restore(f);
}

void apic_send_ipi_allbutself(uint8_t vector)
{
    icr_wait();
    apic_write(APIC_ICR_LO, vector | ICR_LEVEL_ASSERT | ICR_ALLBUTSELF);
}

void apic_send_init(uint32_t id)
{
    icr_wait();
    apic_write(APIC_ICR_HI, id << 24);
    apic_write(APIC_ICR_LO, 0x500 | ICR_LEVEL_ASSERT);
    icr_wait();
}

void apic_send_sipi(uint32_t id, uint8_t page)
{
    icr_wait();
    apic_write(APIC_ICR_HI, id << 24);
    apic_write(APIC_ICR_LO, 0x600 | page);
    icr_wait();
}

/*
 * The next deadline, one-shot: every timer interrupt leads to the next
 * reprogramming (timer_run_expired), and no deadline stops the timer, so
 * an idle CPU sleeps until an interrupt. (A periodic 10 ms backstop once
 * hid a stalled CPU; its causes, a lost wake-up and a guest entered with
 * an unprocessed timer interrupt, are fixed, and soak runs without it
 * show no stall: docs/status.md.)
 */
void apic_timer_oneshot(uint64_t ns)
{
    uint64_t ticks;

    if (!ns) {
        apic_write(APIC_TMICT, 0);
        return;
    }
    if (ns < APIC_TIMER_MIN_NS)
        ns = APIC_TIMER_MIN_NS;     /* closer deadlines would be an interrupt storm */
    /* A deadline hours away (a guest's timer) must not wrap the product
     * to a short count and fire at once, again and again. A minute is
     * past the capped count at any bus clock above 72 MHz; below, the
     * timer only wakes early and is reprogrammed. */
    if (ns > 60000000000ULL)
        ns = 60000000000ULL;
    ticks = ns * apic_timer_khz / 1000000;
    if (!ticks)
        ticks = 1;
    if (ticks > 0xFFFFFFFFu)
        ticks = 0xFFFFFFFFu;
    apic_write(APIC_TMICT, (uint32_t)ticks);
}

/*
 * For calibration (arch/x86/time.c): the timer masked, counting down from
 * 2^32 - 1 at divide-by-1, read back, and stopped again.
 */
void apic_timer_count_start(void)
{
    apic_write(APIC_LVT_TIMER, (1u << 16) | VEC_TIMER);
    apic_write(APIC_TMICT, 0xFFFFFFFFu);
}

uint32_t apic_timer_count(void)
{
    return apic_read(APIC_TMCCT);
}

void apic_timer_count_stop(void)
{
    apic_write(APIC_TMICT, 0);
    apic_write(APIC_LVT_TIMER, VEC_TIMER);         /* one-shot */
}

void pic_disable(void)
{
    /* Remap to 0x20/0x28 first so a spurious IRQ cannot look like an exception. */
    outb(0x20, 0x11); outb(0xA0, 0x11);
    outb(0x21, 0x20); outb(0xA1, 0x28);
    outb(0x21, 0x04); outb(0xA1, 0x02);
    outb(0x21, 0x01); outb(0xA1, 0x01);
    outb(0x21, 0xFF); outb(0xA1, 0xFF);
}

static uintptr_t ioapic_base;
static unsigned int ioapic_nr_pins;
static spinlock_t ioapic_lock = SPINLOCK_INIT;     /* the index/data window */

uint32_t ioapic_read(unsigned int reg)
{
    unsigned long f = spin_lock_irqsave(&ioapic_lock);
    uint32_t v;

    mmio_write32(ioapic_base, reg);
    v = mmio_read32(ioapic_base + 0x10);
    spin_unlock_irqrestore(&ioapic_lock, f);
    return v;
}

void ioapic_write(unsigned int reg, uint32_t val)
{
    unsigned long f = spin_lock_irqsave(&ioapic_lock);

    mmio_write32(ioapic_base, reg);
    mmio_write32(ioapic_base + 0x10, val);
    spin_unlock_irqrestore(&ioapic_lock, f);
}

void ioapic_write_eoi(uint8_t vector)
{
    mmio_write32(ioapic_base + 0x40, vector);   /* version 0x20 and later */
}

unsigned int ioapic_pins(void)
{
    return ioapic_nr_pins;
}

void ioapic_init(paddr_t base)
{
    uint32_t ver, pins;

    if (!base)
        return;
    ioapic_base = (uintptr_t)base;
    ver = ioapic_read(1);
    pins = ((ver >> 16) & 0xFF) + 1;
    ioapic_nr_pins = pins;
    for (uint32_t i = 0; i < pins; i++) {
        ioapic_write(0x10 + 2 * i, 1u << 16);      /* masked */
        ioapic_write(0x11 + 2 * i, 0);
    }
}
