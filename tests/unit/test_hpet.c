/*
 * Host tests of hv/arch/x86/hvm/hpet.c: register sequences a guest may
 * write, with the host timers and the IOAPIC stubbed. The clock stands
 * still (tsc_to_ns_mul 0: NOW() is 0); a timer "fires" when the test
 * calls its callback.
 */
#include "unit.h"

#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/timer.h>
#include <asm/hvm.h>
#include <asm/hpet.h>
#include <asm/time.h>
#include <asm/vioapic.h>

uint64_t tsc_at_boot, tsc_to_ns_mul = 0, ns_to_tsc_mul = 0;

static struct hvm_mmio_range range;
static struct timer *timers[3];             /* the comparators', in order */
static unsigned int ntimers;

void *xzalloc(size_t size) { return calloc(1, size); }
void xfree(void *p) { free(p); }

int hvm_mmio_register(struct domain *d, const struct hvm_mmio_range *r)
{
    (void)d;
    range = *r;
    return 0;
}

void timer_init(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
    t->fn = fn;
    t->data = data;
    t->cpu = cpu;
    t->active = false;
    if (ntimers < 3)
        timers[ntimers++] = t;
}

void set_timer(struct timer *t, uint64_t expires)
{
    t->active = true;
    t->expires = expires;
}

void stop_timer(struct timer *t) { t->active = false; }
void kill_timer(struct timer *t) { t->active = false; }

void vioapic_set_line(struct domain *d, unsigned int gsi, bool high)
{
    (void)d; (void)gsi; (void)high;
}

void vioapic_pulse(struct domain *d, unsigned int gsi) { (void)d; (void)gsi; }
unsigned int vioapic_isa_gsi(unsigned int irq) { return irq == 0 ? 2 : irq; }

static struct vcpu vcpu0;
static struct vcpu *vcpus[1] = { &vcpu0 };
static struct domain dom;

static void wr(unsigned int off, unsigned int size, uint64_t val)
{
    range.write(&vcpu0, HPET_BASE + off, size, val);
}

static void setup(void)
{
    memset(&dom, 0, sizeof(dom));
    dom.vcpus = vcpus;
    dom.nr_vcpus = 1;
    vcpu0.domain = &dom;
    ntimers = 0;
    CHECK_EQ(hpet_init(&dom), 0);
    CHECK_EQ(ntimers, 3);
}

/* A 64-bit periodic timer given a period of 2^32 ticks, then switched to
 * 32-bit mode: its period has nothing in the low half. It fires: no
 * division by zero, and no host timer sooner than a 32-bit one-shot's. */
static void period_masked_to_zero(void)
{
    struct timer *t;

    setup();
    t = timers[0];
    wr(0x100, 8, (1u << 2) | (1u << 3));        /* T0: enabled, periodic, 64-bit */
    wr(0x108, 8, 1ULL << 32);                   /* the period (VAL_SET clear) */
    wr(0x100, 8, (1u << 2) | (1u << 3) | (1u << 8) | (1u << 6)); /* 32-bit, VAL_SET */
    wr(0x108, 4, 0);                            /* comparator 0: due now */
    wr(0x010, 8, 1);                            /* enable */
    /* The comparator's host timer is armed for now; fire it by hand. */
    CHECK(t->active);
    CHECK_EQ(t->expires, 0);
    t->fn(t->data);                             /* crashed here: period / 0 */
    CHECK(t->active);                           /* the 32-bit wrap: 2^32 ticks on */
    CHECK_EQ(t->expires, (1ULL << 32) * 16);
    hpet_destroy(&dom);
}

/* A 64-bit periodic timer with a period near 2^64 ticks: the next match
 * is past the end of time, so no host timer (it used to wrap to a short
 * one, every 100 us). */
static void huge_period(void)
{
    struct timer *t;

    setup();
    t = timers[0];
    wr(0x100, 8, (1u << 2) | (1u << 3));
    wr(0x108, 8, 1ULL << 62);                   /* the period */
    wr(0x100, 8, (1u << 2) | (1u << 3) | (1u << 6));
    wr(0x108, 8, 0);                            /* comparator 0: due now */
    wr(0x010, 8, 1);
    CHECK(t->active);
    t->fn(t->data);
    CHECK(!t->active);                          /* 2^62 * 16 ns: never */
    hpet_destroy(&dom);
}

UNIT_MAIN("hpet")
{
    TEST_RUN(period_masked_to_zero);
    TEST_RUN(huge_period);
}
