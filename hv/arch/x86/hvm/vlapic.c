/*
 * x2APIC emulation for guests (see asm/vlapic.h). APIC ID = vCPU id;
 * logical ID per the x2APIC cluster rule. Register numbers are the x2APIC
 * MSR index minus 0x800 (the xAPIC offset divided by 16).
 */
#include <oryx/lib.h>
#include <oryx/domain.h>
#include <oryx/vcpu.h>
#include <oryx/sched.h>
#include <asm/vlapic.h>
#include <asm/hvm.h>
#include <asm/cpu.h>
#include <asm/vioapic.h>

#define APIC_BASE_BSP   (1ULL << 8)
#define APIC_BASE_EXTD  (1ULL << 10)
#define APIC_BASE_EN    (1ULL << 11)
#define APIC_DEFAULT_PA 0xFEE00000ULL

#define REG_ID      0x02
#define REG_LVR     0x03
#define REG_TPR     0x08
#define REG_PPR     0x0A
#define REG_EOI     0x0B
#define REG_LDR     0x0D
#define REG_SVR     0x0F
#define REG_ISR0    0x10
#define REG_TMR0    0x18
#define REG_IRR0    0x20
#define REG_ESR     0x28
#define REG_LVT_CMCI 0x2F
#define REG_ICR     0x30
#define REG_LVT_TIMER 0x32
#define REG_LVT_ERR 0x37
#define REG_TMICT   0x38
#define REG_TMCCT   0x39
#define REG_TDCR    0x3E
#define REG_SELF_IPI 0x3F

#define LVR_VALUE   0x00050014  /* version 0x14 (integrated), max LVT 5 */

static struct vlapic *vl(struct vcpu *v)
{
    return &v->arch.vlapic;
}

void vlapic_init(struct vcpu *v)
{
    struct vlapic *l = vl(v);

    memset(l, 0, sizeof(*l));
    spin_lock_init(&l->lock);
    /* x2APIC preset: Linux then never uses the xAPIC page. */
    l->apic_base = APIC_DEFAULT_PA | APIC_BASE_EN | APIC_BASE_EXTD |
                   (v->id == 0 ? APIC_BASE_BSP : 0);
    l->svr = 0xFF;
    for (unsigned int i = 0; i < ARRAY_SIZE(l->lvt); i++)
        l->lvt[i] = 1u << 16;           /* masked */
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

    if (irr >= 0 && (l->svr & 0x100) && ((uint32_t)irr & 0xF0) > (ppr(l) & 0xF0))
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

void vlapic_set_irq_trig(struct vcpu *v, uint8_t vector, bool level)
{
    struct vlapic *l = vl(v);
    uint32_t bit = 1u << (vector % 32);
    unsigned long f;

    if (vector < 16)
        return;                         /* illegal vector: dropped (ESR would say so) */
    f = spin_lock_irqsave(&l->lock);
    l->irr[vector / 32] |= bit;
    if (level)
        l->tmr[vector / 32] |= bit;
    else
        l->tmr[vector / 32] &= ~bit;
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

static uint32_t ldr_of(uint32_t id)
{
    return ((id >> 4) << 16) | (1u << (id & 15));
}

static bool dest_match(struct vcpu *t, uint32_t dest, bool logical)
{
    if (!logical)
        return dest == 0xFFFFFFFF || dest == t->id;
    uint32_t ldr = ldr_of(t->id);
    return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xFFFF);
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

static void send_ipi(struct vcpu *v, uint64_t icr)
{
    struct domain *d = v->domain;
    uint8_t vector = icr & 0xFF;
    uint32_t mode = (icr >> 8) & 7;
    bool logical = icr & (1u << 11);
    uint32_t shorthand = (icr >> 18) & 3;
    uint32_t dest = (uint32_t)(icr >> 32);

    /* INIT level de-assert carries no action. */
    if (mode == 5 && !(icr & (1u << 14)))
        return;
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *t = d->vcpus[i];
        bool hit;
        switch (shorthand) {
        case 1: hit = t == v; break;
        case 2: hit = true; break;
        case 3: hit = t != v; break;
        default: hit = dest_match(t, dest, logical); break;
        }
        if (hit)
            deliver(v, t, mode, vector);
    }
}

/*
 * Slot in lvt[] (CMCI, timer, thermal, PMC, LINT0, LINT1, error) of an
 * x2APIC register, -1 if it is no LVT. 0x830 is the ICR and 0x831, the
 * xAPIC's ICR high half, does not exist in x2APIC mode: indexing by
 * reg - REG_LVT_CMCI (as once done) gave LINT1 and LVT Error slots 7 and 8,
 * past the array, on TMICT and TDCR (guests/hcfuzz checks this).
 */
_Static_assert(REG_LVT_ERR - REG_LVT_TIMER + 2 ==
               sizeof(((struct vlapic *)0)->lvt) / sizeof(uint32_t),
               "one lvt[] slot for CMCI and each of timer..error");

static int lvt_index(uint32_t reg)
{
    if (reg == REG_LVT_CMCI)
        return 0;
    if (reg >= REG_LVT_TIMER && reg <= REG_LVT_ERR)
        return (int)(reg - REG_LVT_TIMER) + 1;
    return -1;
}

bool vlapic_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    struct vlapic *l = vl(v);
    uint32_t reg = msr - 0x800;

    if (msr == MSR_APIC_BASE) {
        *val = l->apic_base;
        return true;
    }
    if (msr < 0x800 || msr > 0x8FF || !(l->apic_base & APIC_BASE_EXTD))
        return false;
    unsigned long f = spin_lock_irqsave(&l->lock);
    bool ok = true;
    switch (reg) {
    case REG_ID: *val = v->id; break;
    case REG_LVR: *val = LVR_VALUE; break;
    case REG_TPR: *val = l->tpr; break;
    case REG_PPR: *val = ppr(l); break;
    case REG_LDR: *val = ldr_of(v->id); break;
    case REG_SVR: *val = l->svr; break;
    case REG_ESR: *val = l->esr; break;
    case REG_ICR: *val = 0; break;      /* delivery is instant: never busy */
    case REG_TMICT: *val = l->tmict; break;
    case REG_TMCCT: *val = 0; break;
    case REG_TDCR: *val = l->tdcr; break;
    default:
        if (reg >= REG_ISR0 && reg < REG_ISR0 + 8)
            *val = l->isr[reg - REG_ISR0];
        else if (reg >= REG_TMR0 && reg < REG_TMR0 + 8)
            *val = l->tmr[reg - REG_TMR0];
        else if (reg >= REG_IRR0 && reg < REG_IRR0 + 8)
            *val = l->irr[reg - REG_IRR0];
        else if (lvt_index(reg) >= 0)
            *val = l->lvt[lvt_index(reg)];
        else
            ok = false;
        break;
    }
    spin_unlock_irqrestore(&l->lock, f);
    return ok;
}

bool vlapic_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct vlapic *l = vl(v);
    uint32_t reg = msr - 0x800;
    uint64_t icr = 0;
    int level_eoi = -1;
    bool ok = true;

    if (msr == MSR_APIC_BASE) {
        /* Keep the address; EN and EXTD as written (x2APIC -> xAPIC is not offered). */
        if ((val & ~(APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP | 0xFFFFFF000ULL)) ||
            ((val & APIC_BASE_EXTD) && !(val & APIC_BASE_EN)))
            return false;
        l->apic_base = (l->apic_base & (APIC_BASE_BSP | ~0xFFFULL)) |
                       (val & (APIC_BASE_EN | APIC_BASE_EXTD));
        return true;
    }
    if (msr < 0x800 || msr > 0x8FF || !(l->apic_base & APIC_BASE_EXTD))
        return false;
    unsigned long f = spin_lock_irqsave(&l->lock);
    switch (reg) {
    case REG_TPR: l->tpr = val & 0xFF; break;
    case REG_EOI: level_eoi = eoi(l); break;
    case REG_SVR: l->svr = val & 0x11FF; break;
    case REG_ESR: l->esr = 0; break;
    case REG_ICR: icr = val; break;
    case REG_TMICT: l->tmict = (uint32_t)val; break;
    case REG_TDCR: l->tdcr = val & 0xB; break;
    case REG_SELF_IPI: icr = (val & 0xFF) | (1u << 18); break;
    default:
        if (lvt_index(reg) >= 0)
            l->lvt[lvt_index(reg)] = (uint32_t)val;
        else
            ok = false;     /* read-only or reserved register */
        break;
    }
    spin_unlock_irqrestore(&l->lock, f);
    if (ok && (reg == REG_ICR || reg == REG_SELF_IPI))
        send_ipi(v, icr);
    if (level_eoi >= 0)
        vioapic_eoi(v, (uint8_t)level_eoi);     /* the line may fire again */
    return ok;
}
