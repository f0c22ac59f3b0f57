/*
 * The guest's local APIC (see asm/vlapic.h). APIC ID = vCPU id. One
 * register file serves both modes: register n is x2APIC MSR 0x800 + n and
 * xAPIC offset n * 16. In x2APIC mode a register the mode lacks raises
 * #GP; in xAPIC mode it reads 0 and ignores writes, as hardware does.
 *
 * The timer (SDM vol. 3 10.5.4) runs on a software timer of the vCPU's
 * CPU, the one the vCPU is pinned to, so its callback and the vCPU's own
 * register accesses never run at once; other CPUs only stop it (INIT,
 * VCPUOP_down, the domain's end). Everything about it is under the lock.
 * What the SDM leaves open, chosen here:
 *  - any change of the LVT timer mode bits stops the timer (one-shot,
 *    periodic or deadline); TMICT keeps its value, TMCCT reads 0 until
 *    TMICT is written again;
 *  - the reserved mode 11 counts as one-shot;
 *  - a TDCR write while counting goes on from the current count at the
 *    new rate;
 *  - a masked LVT (and a software-disabled APIC, whose LVTs are masked)
 *    keeps counting and reloading, and delivers nothing;
 *  - a timer that expired many periods ago (its CPU was busy) delivers
 *    one interrupt and goes on at the next period on its grid;
 *  - moving the APIC to off, and a vCPU going down, stop the timer.
 */
#include <oryx/lib.h>
#include <oryx/domain.h>
#include <oryx/vcpu.h>
#include <oryx/sched.h>
#include <asm/vlapic.h>
#include <asm/hvm.h>
#include <asm/cpu.h>
#include <asm/guest_access.h>
#include <asm/vioapic.h>
#include <asm/time.h>

#define REG_ID      0x02
#define REG_LVR     0x03
#define REG_TPR     0x08
#define REG_PPR     0x0A
#define REG_EOI     0x0B
#define REG_LDR     0x0D
#define REG_DFR     0x0E        /* xAPIC only */
#define REG_SVR     0x0F
#define REG_ISR0    0x10
#define REG_TMR0    0x18
#define REG_IRR0    0x20
#define REG_ESR     0x28
#define REG_LVT_CMCI 0x2F
#define REG_ICR     0x30        /* x2APIC: all 64 bits; xAPIC: the low half */
#define REG_ICR_HI  0x31        /* xAPIC only: the destination */
#define REG_LVT_TIMER 0x32
#define REG_LVT_ERR 0x37
#define REG_TMICT   0x38
#define REG_TMCCT   0x39
#define REG_TDCR    0x3E
#define REG_SELF_IPI 0x3F       /* x2APIC only */

#define LVR_VALUE   0x00050014  /* version 0x14 (integrated), max LVT 5 */

#define SVR_ENABLED         (1u << 8)
#define ICR_BUSY            (1u << 12)
#define ESR_SEND_ILLEGAL    (1u << 5)
#define ESR_RECV_ILLEGAL    (1u << 6)

static struct vlapic *vl(struct vcpu *v)
{
    return &v->arch.vlapic;
}

static bool x2apic_mode(const struct vlapic *l)
{
    return vlapic_mode_of(l->apic_base) == APIC_MODE_X2APIC;
}

static void timer_stop_locked(struct vlapic *l);

/* The registers as after a reset (IA32_APIC_BASE apart); the timer
 * stopped. Called with the lock held (or before anyone else can take it). */
static void reset_regs(struct vlapic *l)
{
    timer_stop_locked(l);
    l->tpr = 0;
    l->svr = 0xFF;                      /* software-disabled */
    l->esr = l->esr_pending = 0;
    l->ldr = 0;
    l->dfr = 0xFFFFFFFF;                /* flat model */
    l->icr_lo = l->icr_hi = 0;
    for (unsigned int i = 0; i < LVT_NR; i++)
        l->lvt[i] = LVT_MASKED;
    l->tmict = l->tdcr = 0;
    memset(l->irr, 0, sizeof(l->irr));
    memset(l->isr, 0, sizeof(l->isr));
    memset(l->tmr, 0, sizeof(l->tmr));
}

static void timer_expired(void *data);

void vlapic_init(struct vcpu *v)
{
    struct vlapic *l = vl(v);

    memset(l, 0, sizeof(*l));
    spin_lock_init(&l->lock);
    timer_init(&l->timer, timer_expired, v, v->processor);
    /* x2APIC preset: Linux then never uses the xAPIC page. */
    l->apic_base = APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD |
                   (v->id == 0 ? APIC_BASE_BSP : 0);
    reset_regs(l);
    l->sipi_vector = -1;
}

static int highest_bit(const uint32_t *r)
{
    for (int i = 7; i >= 0; i--)
        if (r[i])
            return i * 32 + 31 - __builtin_clz(r[i]);
    return -1;
}

static uint32_t ppr(struct vlapic *l)
{
    int isr = highest_bit(l->isr);
    uint32_t isrv = isr < 0 ? 0 : (uint32_t)isr & 0xF0;

    return (l->tpr & 0xF0) >= isrv ? l->tpr & 0xFF : isrv;
}

int vlapic_pending_vector(struct vcpu *v)
{
    struct vlapic *l = vl(v);
    unsigned long f = spin_lock_irqsave(&l->lock);
    int irr = highest_bit(l->irr);
    int ret = -1;

    if (irr >= 0 && (l->apic_base & APIC_BASE_EN) && (l->svr & SVR_ENABLED) &&
        ((uint32_t)irr & 0xF0) > (ppr(l) & 0xF0))
        ret = irr;
    spin_unlock_irqrestore(&l->lock, f);
    return ret;
}

void vlapic_ack(struct vcpu *v, int vector)
{
    struct vlapic *l = vl(v);
    unsigned long f = spin_lock_irqsave(&l->lock);

    l->irr[vector / 32] &= ~(1u << (vector % 32));
    l->isr[vector / 32] |= 1u << (vector % 32);
    spin_unlock_irqrestore(&l->lock, f);
}

static void accept_locked(struct vlapic *l, uint8_t vector, bool level);

/*
 * An error (an ESR bit) with the lock held. LVTERR is raised once per new
 * bit, as Xen does (the SDM leaves per-bit or per-first-error to the
 * implementation). An LVTERR with an illegal vector would signal a
 * receive error of its own: that bit is folded in at once, not raised.
 */
static void error_locked(struct vlapic *l, uint32_t bit)
{
    uint32_t lvt = l->lvt[LVT_ERROR];

    if (l->esr_pending & bit)
        return;
    l->esr_pending |= bit;
    if (lvt & LVT_MASKED)
        return;
    if ((lvt & 0xFF) < 16)
        l->esr_pending |= ESR_RECV_ILLEGAL;
    else
        accept_locked(l, (uint8_t)lvt, false);
}

/* A fixed interrupt into the IRR; vectors 0-15 are illegal: not accepted,
 * a receive error instead. */
static void accept_locked(struct vlapic *l, uint8_t vector, bool level)
{
    uint32_t bit = 1u << (vector % 32);

    if (vector < 16) {
        error_locked(l, ESR_RECV_ILLEGAL);
        return;
    }
    l->irr[vector / 32] |= bit;
    if (level)
        l->tmr[vector / 32] |= bit;
    else
        l->tmr[vector / 32] &= ~bit;
}

void vlapic_set_irq_trig(struct vcpu *v, uint8_t vector, bool level)
{
    struct vlapic *l = vl(v);
    unsigned long f = spin_lock_irqsave(&l->lock);

    accept_locked(l, vector, level);
    spin_unlock_irqrestore(&l->lock, f);
    vcpu_kick_upcall(v);
}

void vlapic_set_irq(struct vcpu *v, uint8_t vector)
{
    vlapic_set_irq_trig(v, vector, false);
}

/* Returns the vector of a level-triggered interrupt just ended, or -1. */
static int eoi(struct vlapic *l)
{
    int isr = highest_bit(l->isr);
    uint32_t bit;

    if (isr < 0)
        return -1;
    bit = 1u << (isr % 32);
    l->isr[isr / 32] &= ~bit;
    if (!(l->tmr[isr / 32] & bit))
        return -1;
    l->tmr[isr / 32] &= ~bit;
    return isr;
}

/* Destinations are read in the sender's mode; the target's LDR and DFR
 * are read without its lock (each a single aligned word). */
static bool dest_match(struct vcpu *t, uint32_t dest, bool logical, bool x2)
{
    if (x2)
        return vlapic_x2apic_match(dest, logical, t->id);
    return vlapic_xapic_match((uint8_t)dest, logical, (uint8_t)t->id,
                              __atomic_load_n(&vl(t)->ldr, __ATOMIC_RELAXED),
                              __atomic_load_n(&vl(t)->dfr, __ATOMIC_RELAXED));
}

/* INIT puts an AP into wait-for-SIPI; SIPI starts it in real mode. */
static void deliver(struct vcpu *src, struct vcpu *t, uint32_t mode, uint8_t vector)
{
    switch (mode) {
    case 0:     /* fixed */
    case 1:     /* lowest priority: treated as fixed */
        vlapic_set_irq(t, vector);
        break;
    case 4:     /* NMI */
        vl(t)->nmi_pending = true;
        vcpu_kick_upcall(t);
        break;
    case 5:     /* INIT */
        if (t != src)
            hvm_vcpu_init_signal(t);
        break;
    case 6:     /* SIPI */
        if (t != src)
            hvm_vcpu_sipi(t, vector);
        break;
    default:
        break;  /* SMI, ExtINT, reserved: dropped */
    }
}

/* icr: the ICR's low half; dest: x2APIC ICR[63:32], or xAPIC ICR[63:56]. */
static void send_ipi(struct vcpu *v, uint32_t icr, uint32_t dest, bool x2)
{
    struct domain *d = v->domain;
    uint8_t vector = icr & 0xFF;
    uint32_t mode = (icr >> 8) & 7;
    bool logical = icr & (1u << 11);
    uint32_t shorthand = (icr >> 18) & 3;

    /* INIT level de-assert carries no action. */
    if (mode == 5 && !(icr & (1u << 14)))
        return;
    if ((mode == 0 || mode == 1) && vector < 16) {
        /* Never sent: an error at the sender (the SDM's Send Illegal Vector). */
        struct vlapic *l = vl(v);
        unsigned long f = spin_lock_irqsave(&l->lock);

        error_locked(l, ESR_SEND_ILLEGAL);
        spin_unlock_irqrestore(&l->lock, f);
        vcpu_kick_upcall(v);
        return;
    }
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *t = d->vcpus[i];
        bool hit;
        switch (shorthand) {
        case 1: hit = t == v; break;
        case 2: hit = true; break;
        case 3: hit = t != v; break;
        default: hit = dest_match(t, dest, logical, x2); break;
        }
        if (hit)
            deliver(v, t, mode, vector);
    }
}

/* ---- the timer ---------------------------------------------------------- */

static void write_lvt(struct vlapic *l, unsigned int lvt, uint32_t val)
{
    val &= vlapic_lvt_writable(lvt);
    if (!(l->svr & SVR_ENABLED))
        val |= LVT_MASKED;              /* stays masked while software-disabled */
    l->lvt[lvt] = val;
}

static unsigned int timer_mode(const struct vlapic *l)
{
    return LVT_TIMER_MODE(l->lvt[LVT_TIMER]);
}

/* Lock held. No interrupt comes from the timer after this: a callback
 * that got in first has finished (under the lock); a later one finds it
 * disarmed. */
static void timer_stop_locked(struct vlapic *l)
{
    l->timer_armed = false;
    l->tsc_deadline = 0;
    stop_timer(&l->timer);
}

/* Lock held: due at expires. Never for a vCPU that is down: its timer
 * stays stopped (vlapic_timer_stop wrote the state before taking the
 * lock, so this look cannot miss it). */
static void timer_arm_locked(struct vcpu *v, uint64_t expires)
{
    struct vlapic *l = vl(v);

    if (v->state == VCPU_DOWN)
        return;
    l->timer_armed = true;
    l->expires_ns = expires;
    set_timer(&l->timer, expires);
}

/* Lock held: the timer's vector into the IRR unless its LVT is masked.
 * True: the vCPU is to be kicked once the lock is dropped. */
static bool timer_fire_locked(struct vlapic *l)
{
    uint32_t lvt = l->lvt[LVT_TIMER];

    if (lvt & LVT_MASKED)
        return false;
    accept_locked(l, (uint8_t)lvt, false);     /* a vector below 16: an error */
    return true;
}

/* The software timer's callback, on the vCPU's CPU. */
static void timer_expired(void *data)
{
    struct vcpu *v = data;
    struct vlapic *l = vl(v);
    unsigned long f = spin_lock_irqsave(&l->lock);
    uint64_t now = NOW();
    bool kick = false;

    if (l->timer_armed && now < l->expires_ns) {
        set_timer(&l->timer, l->expires_ns);    /* not yet (re-armed meanwhile) */
    } else if (l->timer_armed) {
        kick = timer_fire_locked(l);
        l->timer_armed = false;
        l->tsc_deadline = 0;                    /* the MSR reads 0 once it fired */
        if (l->period_ns) {
            uint64_t next = vlapic_timer_next(l->expires_ns, l->period_ns, now);
            l->count0 = l->tmict;
            l->start_ns = next - l->period_ns;
            timer_arm_locked(v, next);
        }
    }
    spin_unlock_irqrestore(&l->lock, f);
    if (kick)
        vcpu_kick_upcall(v);                    /* out of HLT, or into the guest */
}

static uint32_t timer_current(const struct vlapic *l)
{
    uint64_t now = NOW();

    if (!l->timer_armed || timer_mode(l) == LVT_TIMER_TSC_DEADLINE)
        return 0;
    return vlapic_timer_remaining(l->count0, l->tdcr, now > l->start_ns ? now - l->start_ns : 0);
}

/* TMICT, lock held: 0 stops the timer, another value starts it afresh.
 * Ignored in TSC-deadline mode (SDM 10.5.4.1). */
static void timer_write_tmict(struct vcpu *v, uint32_t val)
{
    struct vlapic *l = vl(v);
    uint64_t now = NOW();

    if (timer_mode(l) == LVT_TIMER_TSC_DEADLINE)
        return;
    l->tmict = val;
    timer_stop_locked(l);
    if (!val)
        return;
    l->count0 = val;
    l->start_ns = now;
    if (timer_mode(l) == LVT_TIMER_PERIODIC) {
        l->period_ns = vlapic_timer_period_ns(val, l->tdcr);
        timer_arm_locked(v, now + l->period_ns);
    } else {
        l->period_ns = 0;
        timer_arm_locked(v, now + vlapic_timer_ns(val, l->tdcr));
    }
}

/* TDCR, lock held: a running count goes on from where it is at the new rate. */
static void timer_write_tdcr(struct vcpu *v, uint32_t val)
{
    struct vlapic *l = vl(v);
    uint32_t old = l->tdcr;
    uint64_t now = NOW(), elapsed;
    uint32_t left;

    l->tdcr = val & 0xB;
    if (!l->timer_armed || timer_mode(l) == LVT_TIMER_TSC_DEADLINE ||
        vlapic_timer_divisor(old) == vlapic_timer_divisor(l->tdcr))
        return;
    elapsed = now > l->start_ns ? now - l->start_ns : 0;
    left = vlapic_timer_remaining(l->count0, old, elapsed);
    if (l->period_ns)
        l->period_ns = vlapic_timer_period_ns(l->tmict, l->tdcr);
    if (!left)
        return;     /* due already (or a short period's minimum): it stays due then */
    l->count0 = left;
    l->start_ns = now;
    timer_arm_locked(v, now + vlapic_timer_ns(left, l->tdcr));
}

/* LVT timer, lock held: a change of mode stops the timer. */
static void timer_write_lvt(struct vlapic *l, uint32_t val)
{
    unsigned int old = timer_mode(l);

    write_lvt(l, LVT_TIMER, val);
    if (timer_mode(l) != old)
        timer_stop_locked(l);
}

/* A guest TSC value as a NOW() time. The guest's TSC is the host's (the
 * VMCB's TSC offset is 0). Values before boot are past; far ones are
 * held at 2^60 ns (36 years), so that no conversion overflows. */
static uint64_t guest_tsc_to_now(uint64_t tsc)
{
    const uint64_t max_ns = 1ULL << 60;

    if (tsc <= tsc_at_boot)
        return 0;
    if (tsc - tsc_at_boot >= ns_to_tsc(max_ns))
        return max_ns;
    return tsc_to_ns(tsc - tsc_at_boot);
}

uint64_t vlapic_tsc_deadline_read(struct vcpu *v)
{
    struct vlapic *l = vl(v);
    unsigned long f = spin_lock_irqsave(&l->lock);
    uint64_t val = timer_mode(l) == LVT_TIMER_TSC_DEADLINE ? l->tsc_deadline : 0;

    spin_unlock_irqrestore(&l->lock, f);
    return val;
}

void vlapic_tsc_deadline_write(struct vcpu *v, uint64_t tsc)
{
    struct vlapic *l = vl(v);
    unsigned long f = spin_lock_irqsave(&l->lock);
    bool kick = false;
    uint64_t when;

    if (vlapic_mode_of(l->apic_base) == APIC_MODE_XAPIC ||
        vlapic_mode_of(l->apic_base) == APIC_MODE_X2APIC) {
        if (timer_mode(l) == LVT_TIMER_TSC_DEADLINE) {
            timer_stop_locked(l);
            if (tsc) {
                when = guest_tsc_to_now(tsc);
                l->period_ns = 0;
                if (when <= NOW()) {
                    kick = timer_fire_locked(l);        /* in the past: at once */
                } else {
                    l->tsc_deadline = tsc;
                    timer_arm_locked(v, when);
                }
            }
        }
    }
    spin_unlock_irqrestore(&l->lock, f);
    if (kick)
        vcpu_kick_upcall(v);
}

void vlapic_timer_stop(struct vcpu *v)
{
    struct vlapic *l = vl(v);
    unsigned long f = spin_lock_irqsave(&l->lock);

    timer_stop_locked(l);
    spin_unlock_irqrestore(&l->lock, f);
}

void vlapic_reset(struct vcpu *v)
{
    struct vlapic *l = vl(v);
    unsigned long f = spin_lock_irqsave(&l->lock);

    reset_regs(l);
    spin_unlock_irqrestore(&l->lock, f);
}

void vlapic_destroy(struct vcpu *v)
{
    vlapic_timer_stop(v);
    kill_timer(&vl(v)->timer);      /* a callback on its CPU now has finished */
}

/* Register reg in the current mode (x2: the MSR view). False: no such
 * register to read in this mode. Called with the lock held. */
static bool reg_read(struct vcpu *v, unsigned int reg, bool x2, uint64_t *val)
{
    struct vlapic *l = vl(v);

    switch (reg) {
    case REG_ID: *val = x2 ? v->id : v->id << 24; return true;
    case REG_LVR: *val = LVR_VALUE; return true;
    case REG_TPR: *val = l->tpr; return true;
    case REG_PPR: *val = ppr(l); return true;
    case REG_LDR: *val = x2 ? vlapic_x2apic_ldr(v->id) : l->ldr; return true;
    case REG_DFR: *val = l->dfr; return !x2;
    case REG_SVR: *val = l->svr; return true;
    case REG_ESR: *val = l->esr; return true;
    /* Delivery is instant: the busy bit always reads 0. */
    case REG_ICR: *val = x2 ? (uint64_t)l->icr_hi << 32 | l->icr_lo : l->icr_lo; return true;
    case REG_ICR_HI: *val = l->icr_hi; return !x2;
    case REG_TMICT: *val = l->tmict; return true;
    case REG_TMCCT: *val = timer_current(l); return true;
    case REG_TDCR: *val = l->tdcr; return true;
    }
    if (reg >= REG_ISR0 && reg < REG_ISR0 + 8)
        *val = l->isr[reg - REG_ISR0];
    else if (reg >= REG_TMR0 && reg < REG_TMR0 + 8)
        *val = l->tmr[reg - REG_TMR0];
    else if (reg >= REG_IRR0 && reg < REG_IRR0 + 8)
        *val = l->irr[reg - REG_IRR0];
    else if (reg == REG_LVT_CMCI)
        *val = l->lvt[LVT_CMCI];
    else if (reg >= REG_LVT_TIMER && reg <= REG_LVT_ERR)
        *val = l->lvt[LVT_TIMER + reg - REG_LVT_TIMER];
    else
        return false;
    return true;
}

/* Write register reg; the side effects outside this vCPU's state (IPIs,
 * the IOAPIC's EOI) run after the lock is dropped. False: no such
 * register to write in this mode, or (x2APIC) a value it refuses. */
static bool reg_write(struct vcpu *v, unsigned int reg, bool x2, uint64_t val)
{
    struct vlapic *l = vl(v);
    unsigned long f = spin_lock_irqsave(&l->lock);
    bool ok = true, ipi = false;
    uint32_t icr = 0, dest = 0;
    int level_eoi = -1;

    switch (reg) {
    case REG_TPR: l->tpr = val & 0xFF; break;
    case REG_EOI: level_eoi = eoi(l); break;
    case REG_LDR:
        if (x2)
            ok = false;                 /* derived from the ID */
        else
            l->ldr = val & 0xFF000000;
        break;
    case REG_DFR:
        if (x2)
            ok = false;
        else
            l->dfr = (uint32_t)val | 0x0FFFFFFF;
        break;
    case REG_SVR:
        l->svr = val & 0x11FF;
        if (!(val & SVR_ENABLED))
            for (unsigned int i = 0; i < LVT_NR; i++)
                l->lvt[i] |= LVT_MASKED;
        break;
    case REG_ESR:
        /* A write latches the errors since the last one; x2APIC wants 0. */
        if (x2 && val) {
            ok = false;
            break;
        }
        l->esr = l->esr_pending;
        l->esr_pending = 0;
        break;
    case REG_ICR:
        l->icr_lo = (uint32_t)val & ~ICR_BUSY;
        if (x2)
            l->icr_hi = (uint32_t)(val >> 32);
        icr = l->icr_lo;
        dest = x2 ? l->icr_hi : l->icr_hi >> 24;
        ipi = true;
        break;
    case REG_ICR_HI:
        if (x2)
            ok = false;
        else
            l->icr_hi = val & 0xFF000000;
        break;
    case REG_TMICT: timer_write_tmict(v, (uint32_t)val); break;
    case REG_TDCR: timer_write_tdcr(v, (uint32_t)val); break;
    case REG_SELF_IPI:
        if (x2) {
            icr = (val & 0xFF) | (1u << 18);
            ipi = true;
        } else {
            ok = false;
        }
        break;
    default:
        if (reg == REG_LVT_CMCI)
            write_lvt(l, LVT_CMCI, (uint32_t)val);
        else if (reg == REG_LVT_TIMER)
            timer_write_lvt(l, (uint32_t)val);
        else if (reg >= REG_LVT_TIMER && reg <= REG_LVT_ERR)
            write_lvt(l, LVT_TIMER + reg - REG_LVT_TIMER, (uint32_t)val);
        else
            ok = false;     /* read-only or reserved register */
        break;
    }
    spin_unlock_irqrestore(&l->lock, f);
    if (ipi)
        send_ipi(v, icr, dest, x2);
    if (level_eoi >= 0)
        vioapic_eoi(v, (uint8_t)level_eoi);     /* the line may fire again */
    return ok;
}

/*
 * IA32_APIC_BASE. Every vCPU starts in x2APIC mode (vlapic_init): Linux
 * PVH guests rely on it and never write the mode back. Other moves follow
 * the SDM, as Xen does (vlapic_base_write()): x2APIC -> xAPIC goes by way
 * of off, and enabling from off starts from reset values; a move to off
 * keeps the registers until then. The BSP flag is read/write. The base
 * may move anywhere below the physical-address width, in every mode. Xen
 * refuses a non-default base in xAPIC mode because its P2M is per domain;
 * Oryx looks the page up per vCPU on each nested page fault, so the page
 * answers at its new base wherever the guest has no RAM (RAM there stays
 * RAM: the P2M is not changed).
 */
static bool write_base(struct vcpu *v, uint64_t val)
{
    struct vlapic *l = vl(v);
    unsigned long f = spin_lock_irqsave(&l->lock);
    bool ok = true;

    switch (vlapic_base_write(l->apic_base, val, guest_paddr_bits())) {
    case APIC_BASE_REFUSED:
        ok = false;
        break;
    case APIC_BASE_RESET:
        reset_regs(l);
        l->apic_base = val;
        break;
    case APIC_BASE_STORED:
        l->apic_base = val;
        if (vlapic_mode_of(val) == APIC_MODE_OFF)
            timer_stop_locked(l);       /* nothing to deliver to; a re-enable resets it */
        break;
    }
    spin_unlock_irqrestore(&l->lock, f);
    return ok;
}

bool vlapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    struct vlapic *l = vl(v);
    unsigned long f;
    bool ok;

    if (msr == MSR_APIC_BASE) {
        *val = l->apic_base;
        return true;
    }
    if (msr < 0x800 || msr > 0x8FF || !x2apic_mode(l))
        return false;
    f = spin_lock_irqsave(&l->lock);
    ok = reg_read(v, msr - 0x800, true, val);
    spin_unlock_irqrestore(&l->lock, f);
    return ok;
}

bool vlapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
    if (msr == MSR_APIC_BASE)
        return write_base(v, val);
    if (msr < 0x800 || msr > 0x8FF || !x2apic_mode(vl(v)))
        return false;
    return reg_write(v, msr - 0x800, true, val);
}

/* ---- the xAPIC page ---------------------------------------------------- */

static uint64_t mmio_read(struct vcpu *v, gpaddr_t gpa, unsigned int size)
{
    struct vlapic *l = vl(v);
    unsigned int reg, byte;
    uint64_t val = 0;
    unsigned long f;

    if (!vlapic_mmio_slot(gpa & (PAGE_SIZE - 1), size, &reg, &byte))
        return 0;
    f = spin_lock_irqsave(&l->lock);
    if (!reg_read(v, reg, false, &val))
        val = 0;                        /* write-only or reserved */
    spin_unlock_irqrestore(&l->lock, f);
    val = (uint32_t)val >> (byte * 8);
    return size >= 4 ? val : val & ((1u << (size * 8)) - 1);
}

static void mmio_write(struct vcpu *v, gpaddr_t gpa, unsigned int size, uint64_t val)
{
    struct vlapic *l = vl(v);
    unsigned int reg, byte;
    uint64_t old = 0;

    if (!vlapic_mmio_slot(gpa & (PAGE_SIZE - 1), size, &reg, &byte))
        return;                         /* no register there: ignored */
    if (size < 4) {
        unsigned long f = spin_lock_irqsave(&l->lock);
        if (!reg_read(v, reg, false, &old))
            old = 0;
        spin_unlock_irqrestore(&l->lock, f);
    }
    /* Read-only and reserved registers ignore the write. */
    (void)reg_write(v, reg, false, vlapic_mmio_merge((uint32_t)old, val, byte, size));
}

bool vlapic_mmio_range(struct vcpu *v, uint64_t gpa, struct hvm_mmio_range *r)
{
    uint64_t base = vl(v)->apic_base;

    if (vlapic_mode_of(base) != APIC_MODE_XAPIC || (gpa & PAGE_MASK) != (base & PAGE_MASK))
        return false;
    r->start = base & PAGE_MASK;
    r->end = r->start + PAGE_SIZE;
    r->read = mmio_read;
    r->write = mmio_write;
    return true;
}

void vlapic_bus_message(struct domain *d, uint8_t dest, bool logical, uint32_t mode,
                        uint8_t vector, bool level)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *t = d->vcpus[i];
        bool x2 = x2apic_mode(vl(t));

        /* 0xFF is the physical broadcast in either mode: 8 bits of the
         * x2APIC ID are all a bus message carries. */
        if (!(!logical && dest == 0xFF) && !dest_match(t, dest, logical, x2))
            continue;
        if (mode <= 1)
            vlapic_set_irq_trig(t, vector, level);
        else
            deliver(NULL, t, mode == 5 || mode == 6 ? 7 : mode, vector);   /* no INIT/SIPI */
        if (mode == 1)
            break;      /* lowest priority: one target, the first */
    }
}
