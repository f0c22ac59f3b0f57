/* CPU instructions and control registers. */
#ifndef ASM_CPU_H
#define ASM_CPU_H

#include <oryx/types.h>

#define X86_CR0_PE (1UL << 0)
#define X86_CR0_MP (1UL << 1)
#define X86_CR0_EM (1UL << 2)
#define X86_CR0_TS (1UL << 3)
#define X86_CR0_ET (1UL << 4)
#define X86_CR0_NE (1UL << 5)
#define X86_CR0_WP (1UL << 16)
#define X86_CR0_AM (1UL << 18)
#define X86_CR0_NW (1UL << 29)
#define X86_CR0_CD (1UL << 30)
#define X86_CR0_PG (1UL << 31)

#define X86_CR4_VME (1UL << 0)
#define X86_CR4_PVI (1UL << 1)
#define X86_CR4_TSD (1UL << 2)
#define X86_CR4_DE  (1UL << 3)
#define X86_CR4_PSE (1UL << 4)
#define X86_CR4_PAE (1UL << 5)
#define X86_CR4_MCE (1UL << 6)
#define X86_CR4_PGE (1UL << 7)
#define X86_CR4_PCE (1UL << 8)
#define X86_CR4_OSFXSR (1UL << 9)
#define X86_CR4_OSXMMEXCPT (1UL << 10)
#define X86_CR4_UMIP (1UL << 11)
#define X86_CR4_LA57 (1UL << 12)
#define X86_CR4_FSGSBASE (1UL << 16)
#define X86_CR4_PCIDE (1UL << 17)
#define X86_CR4_OSXSAVE (1UL << 18)
#define X86_CR4_SMEP (1UL << 20)
#define X86_CR4_SMAP (1UL << 21)
#define X86_CR4_PKE (1UL << 22)

#define X86_EFLAGS_TF (1UL << 8)
#define X86_EFLAGS_IF (1UL << 9)
#define X86_EFLAGS_RF (1UL << 16)

/* Exception vectors. */
#define X86_EXC_DB  1
#define X86_EXC_NMI 2
#define X86_EXC_UD  6
#define X86_EXC_NP  11
#define X86_EXC_GP  13

/* Debug registers: DR6 reads 1 in bits 4-11 and 16-31 (no RTM, no bus
 * lock detect), DR7 bit 10; the rest of DR7's low half is the guest's. */
#define X86_DR6_DEFAULT 0xFFFF0FF0UL
#define X86_DR6_WRITABLE 0x0000E00FUL  /* B0-B3, BD, BS, BT */
#define X86_DR6_BD (1UL << 13)
#define X86_DR6_BS (1UL << 14)
#define X86_DR7_DEFAULT 0x400UL
#define X86_DR7_WRITABLE 0xFFFF23FFUL  /* L/G0-3, LE, GE, GD, R/W and LEN */
#define X86_DR7_GD (1UL << 13)
#define X86_DR7_ENABLES 0xFFUL         /* L0/G0 ... L3/G3 */

#define MSR_EFER          0xC0000080
#define EFER_SCE          (1ULL << 0)
#define EFER_LME          (1ULL << 8)
#define EFER_LMA          (1ULL << 10)
#define EFER_NXE          (1ULL << 11)
#define EFER_SVME         (1ULL << 12)
#define MSR_STAR          0xC0000081
#define MSR_LSTAR         0xC0000082
#define MSR_CSTAR         0xC0000083
#define MSR_SFMASK        0xC0000084
#define MSR_FS_BASE       0xC0000100
#define MSR_GS_BASE       0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define MSR_TSC_AUX       0xC0000103
#define MSR_VM_CR         0xC0010114
#define MSR_VM_HSAVE_PA   0xC0010117
#define MSR_APIC_BASE     0x1B
#define MSR_DEBUGCTL      0x1D9
#define DEBUGCTL_LBR      (1ULL << 0)   /* last branch record */
#define DEBUGCTL_BTF      (1ULL << 1)   /* single-step on branches */
#define MSR_PAT           0x277
#define MSR_SYSENTER_CS   0x174
#define MSR_SYSENTER_ESP  0x175
#define MSR_SYSENTER_EIP  0x176

static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
                               uint32_t *c, uint32_t *d)
{
    asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    cpuid_count(leaf, 0, a, b, c, d);
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR(n) \
    static inline unsigned long read_cr##n(void) { unsigned long v; asm volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
    static inline void write_cr##n(unsigned long v) { asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void local_irq_enable(void) { asm volatile("sti" : : : "memory"); }
static inline void local_irq_disable(void) { asm volatile("cli" : : : "memory"); }
static inline bool local_irq_enabled(void)
{
    unsigned long f;
    asm volatile("pushfq; popq %0" : "=r"(f));
    return f & X86_EFLAGS_IF;
}
static inline void halt(void) { asm volatile("hlt" : : : "memory"); }
/* sti takes effect after the next instruction, so no wake-up is lost. */
static inline void safe_halt(void) { asm volatile("sti; hlt" : : : "memory"); }

static inline void barrier(void) { asm volatile("" : : : "memory"); }
static inline void smp_mb(void) { asm volatile("mfence" : : : "memory"); }

#endif
