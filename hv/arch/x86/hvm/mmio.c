/*
 * Emulated MMIO: a nested page fault inside the faulting vCPU's xAPIC page
 * or a range its domain registered (the control domain's IOAPIC view, the
 * hidden pages) is served by decoding the faulting instruction. Drivers
 * reach device registers with plain MOVs (readl/writel and their kin), so
 * those are the forms handled; anything else crashes the domain with the
 * opcode named rather than being guessed at.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <asm/hvm.h>
#include <asm/insn.h>
#include <asm/vioapic.h>
#include <asm/vlapic.h>

int hvm_mmio_register(struct domain *d, const struct hvm_mmio_range *r)
{
    if (d->arch.nr_mmio == HVM_MMIO_RANGES || r->start >= r->end)
        return -ENOSPC;
    d->arch.mmio[d->arch.nr_mmio++] = *r;
    return 0;
}

static const struct hvm_mmio_range *find_range(struct domain *d, gpaddr_t gpa)
{
    for (unsigned int i = 0; i < d->arch.nr_mmio; i++)
        if (gpa >= d->arch.mmio[i].start && gpa < d->arch.mmio[i].end)
            return &d->arch.mmio[i];
    return NULL;
}

/* A general register as an operand of `size` bytes; without REX, byte
 * registers 4-7 are AH, CH, DH, BH. */
static uint64_t reg_get(struct vcpu *v, const struct insn_info *in, unsigned int n,
                        unsigned int size)
{
    if (size == 1 && !in->rex && n >= 4 && n < 8)
        return (*hvm_gpr(v, n - 4) >> 8) & 0xFF;
    return *hvm_gpr(v, n) & (size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1);
}

static void reg_set(struct vcpu *v, const struct insn_info *in, unsigned int n,
                    unsigned int size, uint64_t val)
{
    uint64_t *r;

    if (size == 1 && !in->rex && n >= 4 && n < 8) {
        r = hvm_gpr(v, n - 4);
        *r = (*r & ~0xFF00ULL) | ((val & 0xFF) << 8);
        return;
    }
    r = hvm_gpr(v, n);
    if (size >= 4)      /* a 32-bit destination clears the upper half */
        *r = size == 8 ? val : (val & 0xFFFFFFFF);
    else
        *r = (*r & ~((1ULL << (size * 8)) - 1)) | (val & ((1ULL << (size * 8)) - 1));
}

/*
 * The chipset's window below the local APIC (0xFEC00000-0xFEDFFFFF: the
 * IOAPIC, the HPET and their kin) holds no device for a domain: an OS
 * probes there and must find nothing, as on a board without the device,
 * rather than be crashed. Reads give all-ones and writes are dropped, what
 * Xen gives an access no device model claims. Elsewhere a hole still
 * crashes the domain: there a guest has no reason to look.
 */
#define CHIPSET_WINDOW_START 0xFEC00000ULL
#define CHIPSET_WINDOW_END   0xFEE00000ULL

static uint64_t absent_read(struct vcpu *v, gpaddr_t gpa, unsigned int size)
{
    (void)v;
    (void)gpa;
    return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static void absent_write(struct vcpu *v, gpaddr_t gpa, unsigned int size, uint64_t val)
{
    (void)v;
    (void)gpa;
    (void)size;
    (void)val;
}

/* Where no device answers: the chipset's window, and in a domain with a
 * PC's chipset any hole (the range's bounds are not consulted). */
static const struct hvm_mmio_range absent = {
    CHIPSET_WINDOW_START, CHIPSET_WINDOW_END, absent_read, absent_write,
};

/* A domain with a PC's chipset (type=hvm) finds what a PC gives where no
 * device answers, anywhere: all-ones, writes dropped (Xen gives any HVM
 * domain the same). A PVH domain's stray access crashes it instead. */
bool hvm_mmio_emulate_absent(struct vcpu *v, gpaddr_t gpa)
{
    return hvm_mmio_emulate_range(v, gpa, &absent);
}

bool hvm_mmio_emulate(struct vcpu *v, gpaddr_t gpa)
{
    struct hvm_mmio_range apic;
    const struct hvm_mmio_range *r;

    /* Each vCPU has its own APIC page, at its own base: it is looked up
     * for the vCPU that faulted, and before the domain's ranges (as the
     * CPU's APIC decodes its page before the bus sees the address). */
    if (vlapic_mmio_range(v, gpa, &apic))
        return hvm_mmio_emulate_range(v, gpa, &apic);
    r = find_range(v->domain, gpa);
    if (!r && !is_control_domain(v->domain) &&
        gpa >= CHIPSET_WINDOW_START && gpa < CHIPSET_WINDOW_END)
        r = &absent;            /* the control domain has the real devices there */
    return r && hvm_mmio_emulate_range(v, gpa, r);
}

bool hvm_mmio_emulate_range(struct vcpu *v, gpaddr_t gpa, const struct hvm_mmio_range *r)
{
    struct insn_info in;
    unsigned int size;
    uint64_t val;

    if (hvm_insn_fetch(v, &in))
        return true;            /* crashed or #UD injected */
    if (in.opcode_map == INSN_MAP_1BYTE && in.has_modrm && !in.rep && !in.lock) {
        switch (in.opcode) {
        case 0x88: case 0x89:           /* mov r/m, reg */
            size = in.opcode == 0x88 ? 1 : in.opsize;
            r->write(v, gpa, size, reg_get(v, &in, in.reg, size));
            goto done;
        case 0x8A: case 0x8B:           /* mov reg, r/m */
            size = in.opcode == 0x8A ? 1 : in.opsize;
            reg_set(v, &in, in.reg, size, r->read(v, gpa, size));
            goto done;
        case 0xC6: case 0xC7:           /* mov r/m, imm */
            if ((in.modrm >> 3 & 7) != 0)
                break;
            size = in.opcode == 0xC6 ? 1 : in.opsize;
            val = in.imm;
            if (size == 8 && (val & 0x80000000))
                val |= 0xFFFFFFFF00000000ULL;   /* imm32 sign-extended */
            r->write(v, gpa, size, val);
            goto done;
        }
    } else if (in.opcode_map == INSN_MAP_1BYTE && in.opcode >= 0xA0 && in.opcode <= 0xA3 &&
               !in.rep && !in.lock) {
        /* mov with an absolute address (moffs), to or from AL/eAX: what a
         * compiler makes of a constant pointer in 32-bit code. */
        size = (in.opcode & 1) ? in.opsize : 1;
        if (in.opcode & 2)
            r->write(v, gpa, size, reg_get(v, &in, 0, size));
        else
            reg_set(v, &in, 0, size, r->read(v, gpa, size));
        goto done;
    } else if (in.opcode_map == INSN_MAP_0F && in.has_modrm && !in.rep &&
               (in.opcode == 0xA3 || in.opcode == 0xAB || in.opcode == 0xB3 ||
                in.opcode == 0xBB || (in.opcode == 0xBA && (in.modrm >> 3 & 7) >= 4))) {
        /* bt, bts, btr, btc: the CPU has already moved the access to the
         * word holding the bit (gpa); the offset's low bits pick the bit. */
        unsigned int op = in.opcode == 0xBA ? (in.modrm >> 3 & 7) - 4 : (in.opcode >> 3) & 3;
        uint64_t off = in.opcode == 0xBA ? in.imm : reg_get(v, &in, in.reg, in.opsize);
        uint64_t mask = 1ULL << (off & (in.opsize * 8 - 1));
        uint64_t old = r->read(v, gpa, in.opsize);

        if (op)
            r->write(v, gpa, in.opsize, op == 1 ? old | mask : op == 2 ? old & ~mask : old ^ mask);
        v->arch.regs.rflags = (v->arch.regs.rflags & ~1ULL) | ((old & mask) ? 1 : 0);   /* CF */
        goto done;
    } else if (in.opcode_map == INSN_MAP_0F && in.has_modrm &&
               (in.opcode == 0xB6 || in.opcode == 0xB7)) {  /* movzx */
        size = in.opcode == 0xB6 ? 1 : 2;
        reg_set(v, &in, in.reg, in.opsize, r->read(v, gpa, size));
        goto done;
    }
    {
        char why[96];
        snprintf(why, sizeof(why), "MMIO access at %#lx by an instruction not emulated "
                 "(map %u opcode %#x)", (unsigned long)gpa, in.opcode_map, in.opcode);
        domain_crash(v->domain, why);
        return true;
    }
done:
    v->arch.regs.rip += in.len;
    return true;
}
