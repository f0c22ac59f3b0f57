/*
 * The IOAPIC as domains see it (asm/vioapic.h): one register file, two
 * kinds. The control domain's view keeps what dom0 wrote (its view is what
 * it reads back) and the hardware gets a checked translation of it. An
 * HVM domain's IOAPIC is emulated whole: its pins are the lines of the
 * hypervisor's emulated devices (HPET, RTC) and deliver to the vLAPICs.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/spinlock.h>
#include <oryx/xmalloc.h>
#include <asm/apic.h>
#include <asm/hvm.h>
#include <asm/percpu.h>
#include <asm/traps.h>
#include <asm/vioapic.h>
#include <asm/vlapic.h>

#define VIOAPIC_MAX_PINS 120            /* an IOAPIC has at most 240 redirection registers */
#define VIOAPIC_EMUL_PINS 48            /* Xen's HVM IOAPIC: GSIs 0-47 */
#define VIOAPIC_VERSION   0x11          /* 82093AA-like: no EOI register */

#define RTE_VECTOR      0xFFULL
#define RTE_DELMODE     (7ULL << 8)
#define RTE_DESTMODE    (1ULL << 11)    /* logical */
#define RTE_STATUS      (1ULL << 12)
#define RTE_POLARITY    (1ULL << 13)    /* active low */
#define RTE_REMOTE_IRR  (1ULL << 14)
#define RTE_LEVEL       (1ULL << 15)
#define RTE_MASK        (1ULL << 16)
#define RTE_DEST_SHIFT  56

#define REG_SEL         0x00
#define REG_WIN         0x10
#define REG_EOI         0x40

struct vioapic {
    spinlock_t lock;                    /* everything below; taken before a vLAPIC's */
    struct domain *d;
    bool emulated;                      /* an HVM domain's own; else dom0's view */
    unsigned int pins;
    uint32_t sel;                       /* IOREGSEL as the guest wrote it */
    uint32_t id;                        /* emulated: the ID register (bits 27:24) */
    uint64_t lines;                     /* emulated: the pins asserted, a bit each */
    uint64_t rte[VIOAPIC_MAX_PINS];     /* the guest's view */
    int8_t phys_cpu[VIOAPIC_MAX_PINS];  /* where the pin is routed, -1: nowhere */
    bool hv_masked[VIOAPIC_MAX_PINS];   /* level pin delivered, dom0's EOI due */
    bool warned;
};

/* One control domain: its vIOAPIC and, per CPU, its vCPU there and the
 * level-triggered pin (+1) behind each vector. Interrupt context reads them. */
static struct vioapic *hwdom;
static struct vcpu *cpu_vcpu[MAX_CPUS];
static uint8_t level_pin[MAX_CPUS][256];
static unsigned long spurious;

static struct vcpu *dest_vcpu(struct domain *d, uint8_t dest, bool logical)
{
    if (!logical)
        return dest == 0xFF ? d->vcpus[0] : dest < d->nr_vcpus ? d->vcpus[dest] : NULL;
    for (unsigned int i = 0; i < d->nr_vcpus && i < 8; i++)     /* flat model */
        if (dest & (1u << i))
            return d->vcpus[i];
    return NULL;
}

static void write_phys(unsigned int pin, uint64_t rte)
{
    ioapic_write(0x11 + 2 * pin, (uint32_t)(rte >> 32));
    ioapic_write(0x10 + 2 * pin, (uint32_t)rte);
}

/* Dom0 wrote entry pin: check it and program the hardware. Lock held. */
static void program_pin(struct vioapic *vio, unsigned int pin)
{
    uint64_t g = vio->rte[pin], phys;
    uint8_t vec = g & RTE_VECTOR;
    int old = vio->phys_cpu[pin];
    bool masked = g & RTE_MASK;
    struct vcpu *t = NULL;
    const char *bad = NULL;

    if (old >= 0)
        for (unsigned int v = 0; v < 256; v++)
            if (level_pin[old][v] == pin + 1)
                level_pin[old][v] = 0;
    vio->phys_cpu[pin] = -1;
    vio->hv_masked[pin] = false;
    if (!masked) {
        if ((g & RTE_DELMODE) > (1ULL << 8))
            bad = "delivery mode other than fixed or lowest priority";
        else if (vec < HWDOM_VEC_FIRST || vec > HWDOM_VEC_LAST)
            bad = "vector outside 0x20-0xef";
        else if (!(t = dest_vcpu(vio->d, (uint8_t)(g >> RTE_DEST_SHIFT), g & RTE_DESTMODE)))
            bad = "destination is none of its vCPUs";
        if (bad) {
            if (!vio->warned)
                printk_lvl(LOG_WARN, "d%u: IOAPIC pin %u left masked: %s (entry %#lx)\n",
                           vio->d->id, pin, bad, (unsigned long)g);
            vio->warned = true;
            masked = true;
            t = NULL;
        }
    }
    /* Fixed delivery, physical destination: the CPU the vCPU is pinned to. */
    phys = vec | (g & (RTE_POLARITY | RTE_LEVEL)) | (masked ? RTE_MASK : 0);
    if (t) {
        phys |= (uint64_t)cpu_data[t->processor]->apic_id << RTE_DEST_SHIFT;
        vio->phys_cpu[pin] = (int8_t)t->processor;
        if (g & RTE_LEVEL)
            level_pin[t->processor][vec] = (uint8_t)(pin + 1);
    }
    write_phys(pin, phys);
}

/* Emulated: deliver pin's interrupt if its line is up and the entry lets
 * it through (unmasked; level: not already awaiting its EOI). Lock held. */
static void emul_check(struct vioapic *vio, unsigned int pin)
{
    uint64_t e = vio->rte[pin];
    uint32_t mode = (e & RTE_DELMODE) >> 8;

    if (!(vio->lines & (1ULL << pin)) || (e & RTE_MASK))
        return;
    if (e & RTE_LEVEL) {
        if (e & RTE_REMOTE_IRR)
            return;
        if (mode <= 1)          /* fixed and lowest priority await an EOI */
            vio->rte[pin] |= RTE_REMOTE_IRR;
    }
    vlapic_bus_message(vio->d, (uint8_t)(e >> RTE_DEST_SHIFT), e & RTE_DESTMODE, mode,
                       (uint8_t)(e & RTE_VECTOR), (e & RTE_LEVEL) && mode <= 1);
}

void vioapic_set_line(struct domain *d, unsigned int gsi, bool high)
{
    struct vioapic *vio = d->arch.vioapic;
    unsigned long f;
    bool rising;

    if (!vio || !vio->emulated || gsi >= vio->pins)
        return;
    f = spin_lock_irqsave(&vio->lock);
    rising = high && !(vio->lines & (1ULL << gsi));
    if (high)
        vio->lines |= 1ULL << gsi;
    else
        vio->lines &= ~(1ULL << gsi);
    if (rising || (high && (vio->rte[gsi] & RTE_LEVEL)))
        emul_check(vio, gsi);
    spin_unlock_irqrestore(&vio->lock, f);
}

void vioapic_pulse(struct domain *d, unsigned int gsi)
{
    vioapic_set_line(d, gsi, true);
    vioapic_set_line(d, gsi, false);
}

unsigned int vioapic_isa_gsi(unsigned int isa_irq)
{
    return isa_irq == 0 ? 2 : isa_irq;  /* the MADT's override: the PIT's IRQ 0 on pin 2 */
}

/* An EOI of vector on one of d's vCPUs: its level pins awaiting it are
 * free again, and fire again if their line is still up. */
static void emul_eoi(struct vioapic *vio, uint8_t vector)
{
    unsigned long f = spin_lock_irqsave(&vio->lock);

    for (unsigned int pin = 0; pin < vio->pins; pin++) {
        if ((vio->rte[pin] & RTE_VECTOR) != vector || !(vio->rte[pin] & RTE_REMOTE_IRR))
            continue;
        vio->rte[pin] &= ~RTE_REMOTE_IRR;
        emul_check(vio, pin);
    }
    spin_unlock_irqrestore(&vio->lock, f);
}

static uint64_t vioapic_read(struct vcpu *v, gpaddr_t gpa, unsigned int size)
{
    struct vioapic *vio = v->domain->arch.vioapic;
    unsigned int off = gpa & 0xFFF, reg;
    uint64_t val = 0;
    unsigned long f;

    (void)size;
    f = spin_lock_irqsave(&vio->lock);
    if (off == REG_SEL) {
        val = vio->sel;
    } else if (off == REG_WIN) {
        reg = vio->sel;
        if (reg <= 2 && vio->emulated) {
            val = reg == 1 ? VIOAPIC_VERSION | (vio->pins - 1) << 16 : vio->id;
        } else if (reg <= 2) {
            val = ioapic_read(reg);             /* ID, version, arbitration */
        } else if (reg >= 0x10 && reg < 0x10 + 2 * vio->pins) {
            unsigned int pin = (reg - 0x10) / 2;
            uint64_t e = vio->rte[pin];
            if (!(reg & 1) && !vio->emulated)   /* the hardware's status bits in dom0's entry */
                e = (e & ~(RTE_STATUS | RTE_REMOTE_IRR)) |
                    (ioapic_read(reg) & (RTE_STATUS | RTE_REMOTE_IRR));
            val = (reg & 1) ? e >> 32 : (uint32_t)e;
        } else {
            val = 0xFFFFFFFF;
        }
    }
    spin_unlock_irqrestore(&vio->lock, f);
    return val;
}

static void vioapic_write(struct vcpu *v, gpaddr_t gpa, unsigned int size, uint64_t val)
{
    struct vioapic *vio = v->domain->arch.vioapic;
    unsigned int off = gpa & 0xFFF, reg;
    unsigned long f;

    (void)size;
    f = spin_lock_irqsave(&vio->lock);
    if (off == REG_SEL) {
        vio->sel = val & 0xFF;
    } else if (off == REG_WIN) {
        reg = vio->sel;
        if (reg >= 0x10 && reg < 0x10 + 2 * vio->pins) {
            unsigned int pin = (reg - 0x10) / 2;
            uint64_t keep = (reg & 1) ? 0xFFFFFFFFULL : 0xFFFFFFFF00000000ULL;
            uint64_t nv = (reg & 1) ? (val & 0xFFFFFFFF) << 32 : (val & 0xFFFFFFFF);
            uint64_t ro = vio->rte[pin] & (RTE_STATUS | RTE_REMOTE_IRR);

            vio->rte[pin] = ((vio->rte[pin] & keep) | nv) & ~(RTE_STATUS | RTE_REMOTE_IRR);
            if (!vio->emulated) {
                program_pin(vio, pin);
            } else {
                if (vio->rte[pin] & RTE_LEVEL)  /* an edge pin has no remote IRR */
                    vio->rte[pin] |= ro & RTE_REMOTE_IRR;
                emul_check(vio, pin);
            }
        } else if (reg == 0 && vio->emulated) {
            vio->id = (uint32_t)val & 0x0F000000;
        }
        /* The read-only registers, and dom0's ID: writes are dropped. */
    }
    /* REG_EOI: dom0's: the hypervisor ended the interrupt when it took it;
     * the emulated IOAPIC has none (version 0x11): EOIs come by the vLAPIC. */
    spin_unlock_irqrestore(&vio->lock, f);
}

void vioapic_eoi(struct vcpu *v, uint8_t vector)
{
    struct vioapic *vio = v->domain->arch.vioapic;
    unsigned int cpu = v->processor, pin;
    unsigned long f;

    if (vio && vio->emulated) {
        emul_eoi(vio, vector);
        return;
    }
    if (!vio || cpu >= MAX_CPUS || !(pin = level_pin[cpu][vector]))
        return;
    pin--;
    f = spin_lock_irqsave(&vio->lock);
    if (vio->hv_masked[pin]) {
        vio->hv_masked[pin] = false;
        if (!(vio->rte[pin] & RTE_MASK))
            program_pin(vio, pin);      /* unmasked again: fires if still asserted */
    }
    spin_unlock_irqrestore(&vio->lock, f);
}

/* A device interrupt on one of dom0's vectors, on this CPU. */
static void hwdom_interrupt(struct cpu_regs *regs)
{
    unsigned int cpu = smp_processor_id(), vec = (unsigned int)regs->vector, pin;
    struct vioapic *vio = __atomic_load_n(&hwdom, __ATOMIC_ACQUIRE);
    struct vcpu *t = cpu < MAX_CPUS ? cpu_vcpu[cpu] : NULL;

    if (!vio || !t) {
        spurious++;
        return;
    }
    pin = level_pin[cpu][vec];
    if (pin) {
        /* Masked before the EOI that follows this handler, so a line
         * still asserted does not fire again until dom0 has served it. */
        spin_lock(&vio->lock);
        ioapic_write(0x10 + 2 * (pin - 1), ioapic_read(0x10 + 2 * (pin - 1)) | RTE_MASK);
        vio->hv_masked[pin - 1] = true;
        spin_unlock(&vio->lock);
        vlapic_set_irq_trig(t, (uint8_t)vec, true);
    } else {
        vlapic_set_irq(t, (uint8_t)vec);       /* edge: ISA edge pins and MSIs */
    }
}

int vioapic_hwdom_init(struct domain *d, paddr_t base)
{
    struct vioapic *vio;
    struct hvm_mmio_range r = {
        .start = base, .end = base + PAGE_SIZE, .read = vioapic_read, .write = vioapic_write,
    };

    if (!base || !ioapic_pins())
        return 0;                       /* no IOAPIC: nothing to show */
    vio = xzalloc(sizeof(*vio));
    if (!vio)
        return -ENOMEM;
    spin_lock_init(&vio->lock);
    vio->d = d;
    vio->pins = MIN(ioapic_pins(), VIOAPIC_MAX_PINS);
    for (unsigned int i = 0; i < vio->pins; i++) {
        vio->rte[i] = RTE_MASK;
        vio->phys_cpu[i] = -1;
    }
    if (hvm_mmio_register(d, &r)) {
        xfree(vio);
        return -ENOSPC;
    }
    d->arch.vioapic = vio;
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i]->processor < MAX_CPUS)
            cpu_vcpu[d->vcpus[i]->processor] = d->vcpus[i];
    for (unsigned int v = HWDOM_VEC_FIRST; v <= HWDOM_VEC_LAST; v++)
        irq_set_handler(v, hwdom_interrupt);
    __atomic_store_n(&hwdom, vio, __ATOMIC_RELEASE);
    return 0;
}

int vioapic_emul_init(struct domain *d)
{
    struct vioapic *vio = xzalloc(sizeof(*vio));
    struct hvm_mmio_range r = {
        .start = VIOAPIC_EMUL_BASE, .end = VIOAPIC_EMUL_BASE + PAGE_SIZE,
        .read = vioapic_read, .write = vioapic_write,
    };

    if (!vio)
        return -ENOMEM;
    spin_lock_init(&vio->lock);
    vio->d = d;
    vio->emulated = true;
    vio->pins = VIOAPIC_EMUL_PINS;
    for (unsigned int i = 0; i < vio->pins; i++)
        vio->rte[i] = RTE_MASK;
    if (hvm_mmio_register(d, &r)) {
        xfree(vio);
        return -ENOSPC;
    }
    d->arch.vioapic = vio;
    return 0;
}

void vioapic_destroy(struct domain *d)
{
    struct vioapic *vio = d->arch.vioapic;

    if (!vio)
        return;
    if (vio->emulated) {
        d->arch.vioapic = NULL;
        xfree(vio);
        return;
    }
    __atomic_store_n(&hwdom, NULL, __ATOMIC_RELEASE);
    for (unsigned int i = 0; i < vio->pins; i++)
        write_phys(i, RTE_MASK);
    for (unsigned int c = 0; c < MAX_CPUS; c++)
        if (cpu_vcpu[c] && cpu_vcpu[c]->domain == d)
            cpu_vcpu[c] = NULL;
    d->arch.vioapic = NULL;
    xfree(vio);
}
