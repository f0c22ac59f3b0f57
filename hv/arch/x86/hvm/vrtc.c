/*
 * The RTC/CMOS of a domain with XEN_X86_EMU_RTC (asm/vrtc.h): an MC146818
 * behind index port 0x70 and data port 0x71, interrupting on ISA IRQ 8.
 *
 * The clock. Guest time is base_sec at NOW() == base_ns, a second more at
 * each whole second after base_ns; it starts as the host's wall clock
 * (UTC, the wall clock shared_info gives). The time registers (0x00-0x09
 * and the century byte 0x32, which this RTC counts as chipsets with a
 * century register do) show the current second, brought up to date
 * whenever the guest looks. A guest write to one of them while the clock
 * updates moves the clock to the registers' new time (in phase: its next
 * second comes when it would have); while status B's SET is held, or the
 * divider is in reset (A's DV = 11x), the registers are frozen and take
 * writes, and the clock restarts from them when SET is cleared (in phase)
 * or the divider released (its first second 500 ms later, as the
 * datasheet has it). Other DV values run the clock as 010 does. Fields
 * out of range carry over (vrtc_decode); the day of the week counts on
 * from whatever was written. Changing B's binary or 24-hour bit while
 * the clock runs shows the registers in the new format at once.
 *
 * Status A: UIP (read-only) is up for the last 244 us before each second
 * while the clock updates (and once more, late, for a poller that was not
 * running then: uip()). B: every bit is kept; DSE has no effect, SQWE
 * drives no pin, and setting SET leaves UIE as it is. C: the flags, read-only; reading clears them and
 * lowers IRQ 8. D: VRT, always 0x80.
 *
 * Flags. UF at each second's update, AF at an update whose time matches
 * the alarm bytes, PF at each period of A's rate (while the divider
 * runs); IRQF = PF.PIE + AF.AIE + UF.UIE, recomputed whenever B or a flag
 * changes, drives the IRQ line (held up until C is read: an edge to the
 * IOAPIC). Flags nobody waits for are computed when the guest next
 * touches the RTC; a host timer runs only for a flag an enabled
 * interrupt waits for (PIE, AIE or UIE set and its flag clear), at the
 * next period, alarm or second: periods missed meanwhile make one
 * interrupt.
 *
 * The ports. 0x70 takes the index (bit 7, NMI disable, kept to no
 * effect) and reads all-ones, as it is write-only. A word or dword access
 * is split into bytes on consecutive ports (as the ISA bus does): OUTW to
 * 0x70 writes the index, then the data; bytes on ports other than 0x70
 * and 0x71 read all-ones and writes to them are dropped. String I/O stays
 * ignored (hvm_handle_io).
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/spinlock.h>
#include <oryx/timer.h>
#include <oryx/xmalloc.h>
#include <oryx/pvclock.h>
#include <asm/time.h>
#include <asm/vioapic.h>
#include <asm/vrtc.h>
#include <asm/vrtc_rules.h>
#include <public/xen.h>

#define NS_PER_SEC      1000000000ULL
#define RELEASE_NS      (NS_PER_SEC / 2)        /* divider out of reset: first update */
#define RTC_ISA_IRQ     8

struct vrtc {
    spinlock_t lock;                    /* everything below; taken before the vIOAPIC's */
    struct domain *d;
    struct timer timer;                 /* on vCPU 0's CPU */
    bool stopped;                       /* no timer from here on */
    bool line;                          /* IRQ 8 is up */
    uint8_t index;                      /* the last write to 0x70 */
    uint8_t cmos[RTC_CMOS_SIZE];        /* the time registers as of shown_sec */
    int64_t base_sec;                   /* guest time at base_ns */
    uint64_t base_ns;                   /* divider phase: seconds and periods count from it */
    int64_t shown_sec;                  /* the second the registers show */
    unsigned int wday_shift;            /* day-of-week register less the real one */
    uint64_t pf_period;                 /* periods of the rate accounted for since base_ns */
    uint64_t last_a_read;               /* NOW() of the last read of status A */
};

static struct vrtc *vrtc_of(struct domain *d)
{
    return d->arch.vrtc;
}

static bool divider_runs(const struct vrtc *s)
{
    return (s->cmos[RTC_REG_A] & 0x60) != 0x60;         /* DV 11x: in reset */
}

static bool updating(const struct vrtc *s)
{
    return divider_runs(s) && !(s->cmos[RTC_REG_B] & RTC_B_SET);
}

static bool is_time_reg(unsigned int i)
{
    return i == RTC_SEC || i == RTC_MIN || i == RTC_HOUR || (i >= RTC_WDAY && i <= RTC_YEAR) ||
           i == RTC_CENTURY;
}

static uint64_t elapsed(const struct vrtc *s, uint64_t now)
{
    return now > s->base_ns ? now - s->base_ns : 0;
}

/* Periods of the current rate since base_ns (0 without a rate). */
static uint64_t periods(const struct vrtc *s, uint64_t now)
{
    unsigned int shift = vrtc_rate_shift(s->cmos[RTC_REG_A]);

    return shift ? vrtc_ns_to_ticks(elapsed(s, now)) >> shift : 0;
}

static void encode(struct vrtc *s)
{
    vrtc_encode(s->shown_sec, s->cmos[RTC_REG_B], s->wday_shift, s->cmos);
}

/* The clock restarts from the registers, its seconds counting from base_ns. */
static void rebase(struct vrtc *s, uint64_t base_ns, uint64_t now)
{
    s->base_sec = s->shown_sec = vrtc_decode(s->cmos, s->cmos[RTC_REG_B], &s->wday_shift);
    s->base_ns = base_ns;
    s->pf_period = periods(s, now);
}

/* The start of the current second: a restart in phase. */
static uint64_t second_start(const struct vrtc *s, uint64_t now)
{
    return s->base_ns + elapsed(s, now) / NS_PER_SEC * NS_PER_SEC;
}

static void irq_update(struct vrtc *s)
{
    uint8_t b = s->cmos[RTC_REG_B], c = s->cmos[RTC_REG_C] & ~RTC_C_IRQF;
    bool up = (c & RTC_C_PF && b & RTC_B_PIE) || (c & RTC_C_AF && b & RTC_B_AIE) ||
              (c & RTC_C_UF && b & RTC_B_UIE);

    s->cmos[RTC_REG_C] = c | (up ? RTC_C_IRQF : 0);
    if (up != s->line) {
        s->line = up;
        vioapic_set_line(s->d, vioapic_isa_gsi(RTC_ISA_IRQ), up);
    }
}

/* Bring the registers and flags up to now. */
static void sync(struct vrtc *s, uint64_t now)
{
    if (updating(s)) {
        int64_t cur = s->base_sec + (int64_t)(elapsed(s, now) / NS_PER_SEC);

        if (cur > s->shown_sec) {
            /* The updates of seconds shown_sec+1 .. cur: did one match? */
            int64_t first = s->shown_sec + 1;
            int off = vrtc_alarm_next((unsigned int)vrtc_floor_mod(first, 86400),
                                     s->cmos[RTC_SEC_ALARM], s->cmos[RTC_MIN_ALARM],
                                     s->cmos[RTC_HOUR_ALARM], s->cmos[RTC_REG_B]);
            s->cmos[RTC_REG_C] |= RTC_C_UF;
            if (off >= 0 && first + off <= cur)
                s->cmos[RTC_REG_C] |= RTC_C_AF;
            s->shown_sec = cur;
            encode(s);
        }
    }
    if (divider_runs(s)) {
        uint64_t p = periods(s, now);

        if (p > s->pf_period)
            s->cmos[RTC_REG_C] |= RTC_C_PF;
        s->pf_period = p;
    }
    irq_update(s);
}

/* The next moment a flag an enabled interrupt waits for is set; 0: none. */
static uint64_t next_event(const struct vrtc *s)
{
    uint8_t b = s->cmos[RTC_REG_B], c = s->cmos[RTC_REG_C];
    uint64_t next = 0;
    unsigned int shift = vrtc_rate_shift(s->cmos[RTC_REG_A]);

    if (!divider_runs(s))
        return 0;
    if ((b & RTC_B_PIE) && !(c & RTC_C_PF) && shift)
        next = s->base_ns + vrtc_ticks_to_ns((s->pf_period + 1) << shift);
    if (!updating(s))
        return next;
    /* Seconds since base_ns of the update after the one shown. */
    uint64_t sec = (uint64_t)(s->shown_sec - s->base_sec) + 1;
    if ((b & RTC_B_UIE) && !(c & RTC_C_UF)) {
        uint64_t t = s->base_ns + sec * NS_PER_SEC;
        next = next && next < t ? next : t;
    }
    if ((b & RTC_B_AIE) && !(c & RTC_C_AF)) {
        int off = vrtc_alarm_next((unsigned int)vrtc_floor_mod(s->shown_sec + 1, 86400),
                                 s->cmos[RTC_SEC_ALARM], s->cmos[RTC_MIN_ALARM],
                                 s->cmos[RTC_HOUR_ALARM], b);
        if (off >= 0) {
            uint64_t t = s->base_ns + (sec + (uint64_t)off) * NS_PER_SEC;
            next = next && next < t ? next : t;
        }
    }
    return next;
}

static void rearm(struct vrtc *s)
{
    uint64_t next = s->stopped ? 0 : next_event(s);

    if (next)
        set_timer(&s->timer, next);
    else
        stop_timer(&s->timer);
}

static void vrtc_timer_fn(void *data)
{
    struct vrtc *s = data;
    unsigned long f = spin_lock_irqsave(&s->lock);

    if (!s->stopped) {
        sync(s, NOW());
        rearm(s);
    }
    spin_unlock_irqrestore(&s->lock, f);
}

/*
 * UIP, for a read of status A at now: up in the 244 us before each update.
 * A guest polling for its rising edge (to start at a second's beginning)
 * is preempted often enough here to miss a window that short every time;
 * so a window that passed since the guest's last look, less than a second
 * ago, reads as up once, late, as if that look had caught it.
 */
static bool uip(const struct vrtc *s, uint64_t now)
{
    uint64_t e = elapsed(s, now), ws;

    if (!updating(s))
        return false;
    if (e % NS_PER_SEC >= NS_PER_SEC - RTC_UIP_NS)
        return true;
    if (!s->last_a_read || now - s->last_a_read >= NS_PER_SEC || e < NS_PER_SEC - RTC_UIP_NS)
        return false;
    ws = s->base_ns + e / NS_PER_SEC * NS_PER_SEC - RTC_UIP_NS;  /* the last window's start */
    return s->last_a_read < ws;
}

static uint8_t reg_read(struct vrtc *s, unsigned int i, uint64_t now)
{
    uint8_t v;

    sync(s, now);
    switch (i) {
    case RTC_REG_A:
        v = s->cmos[i] & ~RTC_A_UIP;
        if (uip(s, now))
            v |= RTC_A_UIP;
        s->last_a_read = now;
        return v;
    case RTC_REG_C:
        v = s->cmos[i];
        s->cmos[i] = 0;
        irq_update(s);
        rearm(s);
        return v;
    case RTC_REG_D:
        return RTC_D_VRT;
    default:
        return s->cmos[i];
    }
}

static void reg_write(struct vrtc *s, unsigned int i, uint8_t val, uint64_t now)
{
    bool was_updating, was_running;
    uint8_t old;

    sync(s, now);
    was_updating = updating(s);
    was_running = divider_runs(s);
    switch (i) {
    case RTC_REG_A:
        old = s->cmos[i];
        s->cmos[i] = val & ~RTC_A_UIP;          /* UIP is computed when read */
        if (was_running && !divider_runs(s))
            break;                              /* into reset: registers frozen */
        if (!was_running && divider_runs(s)) {
            uint64_t base = now > RELEASE_NS ? now - RELEASE_NS : 0;

            if (updating(s))
                rebase(s, base, now);
            else                                /* SET still held: the phase only */
                s->base_ns = base;
            s->pf_period = periods(s, now);
        } else if ((old ^ val) & RTC_A_RS) {
            s->pf_period = periods(s, now);     /* the new rate counts from here */
        }
        break;
    case RTC_REG_B:
        old = s->cmos[i];
        s->cmos[i] = val;
        if (was_updating && updating(s) && ((old ^ val) & (RTC_B_DM | RTC_B_24H)))
            encode(s);                          /* the time in the new format */
        else if (!was_updating && updating(s))
            rebase(s, second_start(s, now), now);   /* SET cleared */
        break;
    case RTC_REG_C:
    case RTC_REG_D:
        break;                                  /* read-only */
    default:
        s->cmos[i] = val;
        if (was_updating && is_time_reg(i))
            rebase(s, second_start(s, now), now);
        break;
    }
    irq_update(s);
    rearm(s);
}

/* One byte on port 0x70 or 0x71. */
static uint8_t port_read(struct vrtc *s, uint16_t port)
{
    unsigned long f;
    uint8_t v;

    if (port != VRTC_PORT_DATA)
        return 0xFF;                            /* 0x70 is write-only */
    f = spin_lock_irqsave(&s->lock);
    v = reg_read(s, s->index & 0x7F, NOW());
    spin_unlock_irqrestore(&s->lock, f);
    return v;
}

static void port_write(struct vrtc *s, uint16_t port, uint8_t val)
{
    unsigned long f = spin_lock_irqsave(&s->lock);

    if (port == VRTC_PORT_INDEX)
        s->index = val;
    else
        reg_write(s, s->index & 0x7F, val, NOW());
    spin_unlock_irqrestore(&s->lock, f);
}

bool vrtc_handle_io(struct vcpu *v, uint16_t port, unsigned int size, bool in,
                    uint32_t *data)
{
    struct vrtc *s = vrtc_of(v->domain);
    uint32_t out = 0;

    if (!s || size < 1 || size > 4 || port > VRTC_PORT_DATA ||
        port + size <= VRTC_PORT_INDEX)
        return false;
    for (unsigned int b = 0; b < size; b++) {
        uint16_t p = (uint16_t)(port + b);
        bool ours = p == VRTC_PORT_INDEX || p == VRTC_PORT_DATA;

        if (in)
            out |= (uint32_t)(ours ? port_read(s, p) : 0xFF) << (8 * b);
        else if (ours)
            port_write(s, p, (uint8_t)(*data >> (8 * b)));
    }
    if (in)
        *data = out;
    return true;
}

int vrtc_init(struct domain *d)
{
    struct vrtc *s = xzalloc(sizeof(*s));
    uint64_t now = NOW();

    if (!s)
        return -ENOMEM;
    spin_lock_init(&s->lock);
    s->d = d;
    timer_init(&s->timer, vrtc_timer_fn, s, d->vcpus[0]->processor);
    s->cmos[RTC_REG_A] = 0x26;                  /* 32.768 kHz, 1024 Hz: as a BIOS leaves it */
    s->cmos[RTC_REG_B] = RTC_B_24H;             /* BCD, 24-hour */
    s->cmos[RTC_REG_D] = RTC_D_VRT;
    /* The host's wall clock, its seconds in phase with the host's. */
    s->base_ns = 0;
    s->base_sec = (int64_t)(pvclock_wallclock() / NS_PER_SEC);
    s->shown_sec = s->base_sec + (int64_t)(now / NS_PER_SEC);
    s->pf_period = periods(s, now);
    encode(s);
    d->arch.vrtc = s;
    return 0;
}

void vrtc_stop(struct domain *d)
{
    struct vrtc *s = vrtc_of(d);
    unsigned long f;

    if (!s)
        return;
    f = spin_lock_irqsave(&s->lock);
    s->stopped = true;                  /* a callback running now re-arms nothing */
    spin_unlock_irqrestore(&s->lock, f);
    kill_timer(&s->timer);              /* unlocked: the callback may wait on it */
}

void vrtc_destroy(struct domain *d)
{
    struct vrtc *s = vrtc_of(d);

    if (!s)
        return;
    vrtc_stop(d);
    d->arch.vrtc = NULL;
    xfree(s);
}
