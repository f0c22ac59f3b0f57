/*
 * hcfuzz's intercepted instructions: RDMSR/WRMSR of edge-case MSRs, port
 * I/O (string forms too), CPUID of any leaf, and the SVM instructions,
 * which a guest must see as #UD. Each runs under an exception fixup; the
 * exceptions allowed are the architectural ones (#GP for MSRs, #UD for
 * SVM), anything else fails the test.
 *
 * Checked on the way (a wrong answer fails the test):
 *   - a WRMSR to EFER never changes LME or LMA while paging is on (the CPU
 *     raises #GP for a change of LME then; LMA is read-only);
 *   - CPUID says "hypervisor" and never offers SVM or VMX;
 *   - VMMCALL with an unknown number returns -ENOSYS.
 * Not excluded: writes to the reset and power-off ports (0x64, 0x92,
 * 0xCF9, ACPI PM1a), QEMU's exit port 0xF4 and the serial port. A domain
 * has no devices behind its ports; if one of those writes reached the
 * real machine, the host would go down, which is what this is for.
 * Excluded: an x2APIC INIT IPI (ICR delivery mode 5). Our only vCPU is
 * its target whatever the destination, and INIT puts it into
 * wait-for-SIPI: the domain would stop, legitimately.
 */
#include "fuzz.h"

#define MSR_EFER_ID 0xC0000080u
#define EFER_LME_B  (1ULL << 8)
#define EFER_LMA_B  (1ULL << 10)
#define X2APIC_ICR  0x830u
#define VEC_DB      1
#define VEC_UD      6
#define VEC_GP      13

static const uint32_t msrs[] = {
    0x0, 0x1, 0x10, 0x17, 0x1B, 0x2A, 0x3A, 0x3B, 0x48, 0x49, 0x8B, 0x9B,
    0xC1, 0xE7, 0xE8, 0xFE, 0x10A, 0x174, 0x175, 0x176, 0x179, 0x17A, 0x17B,
    0x186, 0x198, 0x199, 0x1A0, 0x1D9, 0x1DB, 0x1DC, 0x1DD, 0x1DE, 0x200,
    0x201, 0x250, 0x258, 0x259, 0x268, 0x277, 0x2FF, 0x400, 0x401, 0x402,
    0x403, 0x6E0,
    /* x2APIC: ID, version, TPR, PPR, EOI, LDR, SVR, ISR/TMR/IRR, ESR, the
     * LVTs, ICR (and the xAPIC-only ICR2 slot), timer, self-IPI */
    0x802, 0x803, 0x808, 0x80A, 0x80B, 0x80D, 0x80F, 0x810, 0x817, 0x818,
    0x820, 0x827, 0x828, 0x82F, 0x830, 0x831, 0x832, 0x833, 0x834, 0x835,
    0x836, 0x837, 0x838, 0x839, 0x83E, 0x83F, 0x840, 0x8FF,
    /* EFER, the syscall MSRs and segment bases (passed through to us) */
    0xC0000080, 0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084, 0xC0000100,
    0xC0000101, 0xC0000102, 0xC0000103,
    /* AMD: SYSCFG, HWCR, interrupt pending, MMIO config, VM_CR, IGNNE,
     * SMM control, VM_HSAVE_PA, SEV status, OSVW */
    0xC0010000, 0xC0010004, 0xC0010010, 0xC0010015, 0xC0010055, 0xC0010058,
    0xC0010114, 0xC0010115, 0xC0010116, 0xC0010117, 0xC0010118, 0xC0010131,
    0xC0010140, 0xC0010141, 0xC0011020, 0xC0011029,
    /* hypervisor ranges: Xen's hypercall page, KVM's, Hyper-V's */
    0x40000000, 0x40000001, 0x40000100, 0x40000200, 0x4B564D00, 0x4B564D01,
    0x40000073, 0x80000000, 0xFFFFFFFF,
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static uint32_t pick_msr(void)
{
    switch (rnd_below(10)) {
    case 0: case 1:
        return 0x800 + rnd_below(256);
    case 2:
        return 0xC0010000 + rnd_below(0x200);
    case 3:
        return rnd32();
    default:
        return msrs[rnd_below(NELEM(msrs))];
    }
}

static bool paging_on(void)
{
    return read_cr0() & 0x80000000UL;
}

void msr_one(void)
{
    uint32_t msr = pick_msr();
    uint64_t val, before = 0, after;
    int vec;

    st.kind[K_MSR]++;
    if (chance(50)) {
        DESCRIBE("rdmsr 0x%x", msr);
        vec = try_rdmsr(msr, &val);
    } else {
        switch (rnd_below(8)) {
        case 0: case 1:
            val = edge_int();
            break;
        case 2:
            val = edge_ptr();
            break;
        case 3:
            val = rnd64();
            break;
        case 4:
            val = rnd_below(16);
            break;
        case 5:                 /* what is there, one bit flipped */
            if (try_rdmsr(msr, &val) != EXC_NONE)
                val = 0;
            val ^= 1ULL << rnd_below(64);
            break;
        default:
            val = 0;
            break;
        }
        val = sanitize64(val);
        if (msr == X2APIC_ICR && ((val >> 8) & 7) == 5)
            val &= ~(7ULL << 8);
        if (msr == MSR_EFER_ID)
            try_rdmsr(MSR_EFER_ID, &before);
        DESCRIBE("wrmsr 0x%x <- 0x%llx", msr, (unsigned long long)val);
        vec = try_wrmsr(msr, val);
        if (msr == MSR_EFER_ID && paging_on()) {
            try_rdmsr(MSR_EFER_ID, &after);
            if ((before ^ after) & (EFER_LME_B | EFER_LMA_B))
                FAIL("iteration %llu: %s with paging on changed EFER 0x%llx -> 0x%llx "
                           "(%s)", (unsigned long long)cur_iter, cur_desc,
                           (unsigned long long)before, (unsigned long long)after,
                           vec == EXC_NONE ? "no #GP" : exc_name((unsigned int)vec));
        }
    }
    if (vec == EXC_NONE)
        st.msr_ok++;
    else if (vec == VEC_GP)
        st.msr_gp++;
    else
        FAIL("iteration %llu: %s raised %s, expected #GP or nothing",
                   (unsigned long long)cur_iter, cur_desc, exc_name((unsigned int)vec));
}

/* ---- ports ---- */

static const uint16_t ports[] = {
    0x0000, 0x0020, 0x0021, 0x0040, 0x0041, 0x0042, 0x0043, 0x0060, 0x0061,
    0x0064, 0x0070, 0x0071, 0x0080, 0x0092, 0x00A0, 0x00A1, 0x00B2, 0x00B3,
    0x00E9, 0x00F4, 0x00F5, 0x00F6, 0x00F7, 0x0170, 0x01F0, 0x01F7, 0x02F8,
    0x03C0, 0x03D4, 0x03F8, 0x03F9, 0x03FD, 0x0402, 0x04D0, 0x04D1, 0x0510,
    0x0511, 0x0600, 0x0604, 0x0CF8, 0x0CF9, 0x0CFC, 0x0CFF, 0x5658, 0xB000,
    0xB004, 0xFFFC, 0xFFFF,
};

void io_one(void)
{
    uint16_t port = chance(70) ? ports[rnd_below(NELEM(ports))] : (uint16_t)rnd32();
    uint32_t val = chance(50) ? (uint32_t)edge_int() : rnd32();
    unsigned int how = rnd_below(8);

    st.kind[K_IO]++;
    DESCRIBE("port 0x%x op %u value 0x%x", port, how, val);
    exc_reset();
    switch (how) {
    case 0:
        __asm__ volatile (EXC_FIXUP("outb %%al, %%dx") :: "a" (val), "d" (port) : "memory");
        break;
    case 1:
        __asm__ volatile (EXC_FIXUP("outw %%ax, %%dx") :: "a" (val), "d" (port) : "memory");
        break;
    case 2:
        __asm__ volatile (EXC_FIXUP("outl %%eax, %%dx") :: "a" (val), "d" (port) : "memory");
        break;
    case 3:
        __asm__ volatile (EXC_FIXUP("inb %%dx, %%al") : "+a" (val) : "d" (port) : "memory");
        break;
    case 4:
        __asm__ volatile (EXC_FIXUP("inw %%dx, %%ax") : "+a" (val) : "d" (port) : "memory");
        break;
    case 5:
        __asm__ volatile (EXC_FIXUP("inl %%dx, %%eax") : "+a" (val) : "d" (port) : "memory");
        break;
    case 6: {
        /* String forms: the buffer is arena, the count small (a REP may
         * run to completion if the hypervisor ever emulates it). */
        unsigned long p = arena_ptr(64), n = rnd_below(16);

        __asm__ volatile (EXC_FIXUP("rep outsb") : "+S" (p), "+c" (n) : "d" (port) : "memory");
        break;
    }
    default: {
        unsigned long p = arena_ptr(64), n = rnd_below(16);

        __asm__ volatile (EXC_FIXUP("rep insb") : "+D" (p), "+c" (n) : "d" (port) : "memory");
        break;
    }
    }
    if (exc_last_vector != EXC_NONE)
        FAIL("iteration %llu: %s raised %s", (unsigned long long)cur_iter, cur_desc,
                   exc_name((unsigned int)exc_last_vector));
}

/* ---- CPUID ---- */

static const uint32_t leaves[] = {
    0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0xA, 0xB, 0xD, 0xF, 0x10, 0x12,
    0x14, 0x15, 0x16, 0x17, 0x18, 0x1A, 0x1F, 0x20, 0x40000000, 0x40000001,
    0x40000002, 0x40000003, 0x40000004, 0x40000005, 0x40000100, 0x40000101,
    0x40000102, 0x400000FF, 0x40010000, 0x4FFFFFFF, 0x80000000, 0x80000001,
    0x80000002, 0x80000007, 0x80000008, 0x8000000A, 0x80000019, 0x8000001A,
    0x8000001D, 0x8000001E, 0x8000001F, 0x80000020, 0x80000021, 0x80000022,
    0x8FFFFFFF, 0xC0000000, 0xFFFFFFFF,
};

void cpuid_one(void)
{
    uint32_t leaf, sub, a, b, c, d;

    switch (rnd_below(10)) {
    case 0:
        leaf = rnd_below(0x30);
        break;
    case 1:
        leaf = 0x40000000 + rnd_below(0x300);
        break;
    case 2:
        leaf = 0x80000000 + rnd_below(0x30);
        break;
    case 3: case 4:
        leaf = rnd32();
        break;
    default:
        leaf = leaves[rnd_below(NELEM(leaves))];
        break;
    }
    sub = chance(50) ? 0 : chance(60) ? rnd_below(8) : rnd32();
    st.kind[K_CPUID]++;
    DESCRIBE("cpuid 0x%x.0x%x", leaf, sub);
    exc_reset();
    a = leaf;
    c = sub;
    __asm__ volatile (EXC_FIXUP("cpuid") : "+a" (a), "=b" (b), "+c" (c), "=d" (d) :: "memory");
    if (exc_last_vector != EXC_NONE)
        FAIL("iteration %llu: %s raised %s", (unsigned long long)cur_iter, cur_desc,
                   exc_name((unsigned int)exc_last_vector));
    if (leaf == 1 && (!(c & (1u << 31)) || (c & (1u << 5))))
        FAIL("CPUID 1: ECX 0x%x (want hypervisor set, VMX clear)", c);
    if (leaf == 0x80000001 && (c & (1u << 2)))
        FAIL("CPUID 0x80000001: ECX 0x%x offers SVM", c);
}

/* ---- SVM and other intercepted instructions ---- */

#define SVM_INSN(bytes) \
    __asm__ volatile (EXC_FIXUP(".byte " bytes) : "+a" (rax), "+c" (rcx) :: "memory")

static const char *const svm_names[] = {
    "VMRUN", "VMLOAD", "VMSAVE", "STGI", "CLGI", "SKINIT", "INVLPGA",
    "VMMCALL", "XSETBV", "RDPMC", "RDTSCP", "INVD", "WBINVD", "ICEBP",
};

/* VMMCALL with every register random and an unknown number. */
static void raw_vmmcall(void)
{
    unsigned long a1 = (unsigned long)edge_word(), a2 = (unsigned long)edge_word();
    unsigned long a3 = (unsigned long)edge_word();
    unsigned long a4 = (unsigned long)edge_word(), a5 = (unsigned long)edge_word();
    unsigned long nr;

#if defined(__x86_64__)
    switch (rnd_below(3)) {
    case 0:
        nr = 64 + rnd_below(0x10000);
        break;
    case 1:     /* a known number in the low half: the high half counts */
        nr = ((uint64_t)(1 + rnd32()) << 32) | rnd_below(64);
        break;
    default:
        nr = rnd64() | (1ULL << 63);
        break;
    }
    register unsigned long r10 __asm__("r10") = a4;
    register unsigned long r8 __asm__("r8") = a5;

    DESCRIBE("raw VMMCALL rax 0x%lx", nr);
    exc_reset();
    __asm__ volatile (EXC_FIXUP("vmmcall")
                      : "+a" (nr), "+D" (a1), "+S" (a2), "+d" (a3), "+r" (r10), "+r" (r8)
                      :: "memory", "cc");
#else
    nr = chance(50) ? 64 + rnd_below(0x10000) : rnd32() | 0x80000000UL;
    DESCRIBE("raw VMMCALL eax 0x%lx", nr);
    exc_reset();
    __asm__ volatile (EXC_FIXUP("vmmcall")
                      : "+a" (nr), "+b" (a1), "+c" (a2), "+d" (a3), "+S" (a4), "+D" (a5)
                      :: "memory", "cc");
#endif
    if (exc_last_vector != EXC_NONE)
        FAIL("iteration %llu: %s raised %s", (unsigned long long)cur_iter, cur_desc,
                   exc_name((unsigned int)exc_last_vector));
    if ((long)nr != -ENOSYS)
        FAIL("iteration %llu: %s returned %ld, expected -ENOSYS",
                   (unsigned long long)cur_iter, cur_desc, (long)nr);
}

/*
 * VMRUN, VMLOAD and VMSAVE check their operand before the intercept (QEMU
 * does, as the APM's order allows): an rAX that is not page-aligned or
 * lies beyond MAXPHYADDR raises #GP from the CPU itself, whatever the
 * hypervisor wants. Only then is #GP an acceptable answer.
 */
static bool rax_is_page(unsigned long rax)
{
    static unsigned int maxphy;

    if (!maxphy) {
        struct cpuid_regs r = cpuid(0x80000000);

        maxphy = r.eax >= 0x80000008 ? cpuid(0x80000008).eax & 0xFF : 36;
    }
    return !(rax & (PAGE_SZ - 1)) && !((uint64_t)rax >> maxphy);
}

void svm_one(void)
{
    unsigned int which = rnd_below(NELEM(svm_names));
    unsigned long rax = (unsigned long)edge_ptr(), rcx = rnd32(), rdx = 0;
    int vec;

    st.kind[K_SVM]++;
    if (which == 7) {
        raw_vmmcall();
        return;
    }
    DESCRIBE("%s rax 0x%lx rcx 0x%lx", svm_names[which], rax, rcx);
    exc_reset();
    switch (which) {
    case 0: SVM_INSN("0x0f, 0x01, 0xd8"); break;
    case 1: SVM_INSN("0x0f, 0x01, 0xda"); break;
    case 2: SVM_INSN("0x0f, 0x01, 0xdb"); break;
    case 3: SVM_INSN("0x0f, 0x01, 0xdc"); break;
    case 4: SVM_INSN("0x0f, 0x01, 0xdd"); break;
    case 5: SVM_INSN("0x0f, 0x01, 0xde"); break;
    case 6: SVM_INSN("0x0f, 0x01, 0xdf"); break;
    case 8:
        rcx = chance(50) ? 0 : rcx;
        __asm__ volatile (EXC_FIXUP("xsetbv") : "+a" (rax), "+c" (rcx) : "d" (rnd32()) : "memory");
        break;
    case 9:
        __asm__ volatile (EXC_FIXUP("rdpmc") : "+a" (rax), "+c" (rcx), "=d" (rdx) :: "memory");
        break;
    case 10:
        __asm__ volatile (EXC_FIXUP("rdtscp") : "+a" (rax), "+c" (rcx), "=d" (rdx) :: "memory");
        break;
    case 11:
        __asm__ volatile (EXC_FIXUP("invd") ::: "memory");
        break;
    case 12:
        __asm__ volatile (EXC_FIXUP("wbinvd") ::: "memory");
        break;
    default:
        __asm__ volatile (EXC_FIXUP(".byte 0xf1") ::: "memory");
        break;
    }
    (void)rdx;
    vec = exc_last_vector;
    if (which <= 2 && vec == VEC_GP && !rax_is_page(rax)) {
        st.insn_fault++;        /* the CPU's own check, made before the intercept */
    } else if (which <= 6) {
        if (vec != VEC_UD)
            FAIL("iteration %llu: %s gave %s, expected #UD", (unsigned long long)cur_iter,
                       cur_desc, vec == EXC_NONE ? "no exception" : exc_name((unsigned int)vec));
        st.svm_ud++;
    } else if (which == 13) {
        if (vec != VEC_DB)
            FAIL("iteration %llu: ICEBP gave %s, expected #DB", (unsigned long long)cur_iter,
                       vec == EXC_NONE ? "no exception" : exc_name((unsigned int)vec));
    } else if (vec != EXC_NONE && vec != VEC_UD && vec != VEC_GP) {
        FAIL("iteration %llu: %s raised %s", (unsigned long long)cur_iter, cur_desc,
                   exc_name((unsigned int)vec));
    } else if (vec != EXC_NONE) {
        st.insn_fault++;
    }
}

/*
 * The chipset's window (0xFEC00000-0xFEDFFFFF): in a type=hvm domain the
 * IOAPIC and the HPET answer there, elsewhere all-ones. Random widths,
 * offsets mostly on their registers, random values, MOVs and the bit-test
 * family; reads may give anything, but nothing may fault. Their
 * interrupts find IF clear (NMIs are counted by fuzz_trap).
 */
void mmio_one(void)
{
    static const unsigned long bases[] = { 0xFEC00000UL, 0xFED00000UL };
    unsigned long a;
    uint32_t val = chance(50) ? (uint32_t)edge_int() : rnd32();
    unsigned int how = rnd_below(8);

    if (chance(85))
        a = bases[rnd_below(NELEM(bases))] + (chance(70) ? rnd_below(0x140) : rnd_below(0x1000));
    else
        a = 0xFEC00000UL + rnd_below(0x200000);
    a &= ~(unsigned long)(how == 0 || how == 4 ? 0 : how == 1 || how == 5 ? 1 : 3);
    if (a > 0xFEDFFFFCUL)
        a = 0xFEDFFFFCUL;
    st.kind[K_MMIO]++;
    DESCRIBE("mmio %#lx op %u value 0x%x", a, how, val);
    exc_reset();
    switch (how) {
    case 0: *(volatile uint8_t *)a = (uint8_t)val; break;
    case 1: *(volatile uint16_t *)a = (uint16_t)val; break;
    case 2: *(volatile uint32_t *)a = val; break;
    case 3: __asm__ volatile ("btsl %1, %0" : "+m" (*(volatile uint32_t *)a) : "r" (val & 31)); break;
    case 4: val = *(volatile uint8_t *)a; break;
    case 5: val = *(volatile uint16_t *)a; break;
    case 6: val = *(volatile uint32_t *)a; break;
    default: __asm__ volatile ("btl %1, %0" :: "m" (*(volatile uint32_t *)a), "r" (val & 31)); break;
    }
    (void)val;
    if (exc_last_vector != EXC_NONE)
        FAIL("iteration %llu: %s raised %s", (unsigned long long)cur_iter, cur_desc,
             exc_name((unsigned int)exc_last_vector));
}
