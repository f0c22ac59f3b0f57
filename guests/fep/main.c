/*
 * fep: the forced-emulation prefix (ud2; .ascii "xen"), boot option
 * hvm_fep. With it (the default here), instructions behind the prefix are
 * emulated by the hypervisor:
 *  - MOV imm to a register, ADD to memory (result and flags), CPUID (the
 *    same answer as natively), CMPXCHG8B;
 *  - a fault in the emulated instruction comes at it, not at the prefix
 *    (UD2 behind the prefix: #UD there; a non-canonical address in
 *    64-bit mode: #GP(0));
 *  - INT3 behind the prefix traps with the IP past the INT3;
 *  - with TF set, the emulated instruction is followed by a single-step
 *    #DB with DR6.BS.
 * With the command-line word "nofep" (a hypervisor without hvm_fep), the
 * prefix is a plain #UD at its UD2.
 * Expected: PASS.
 */
#include "guest.h"

const char test_name[] = "fep";

#define FEP ".byte 0x0f, 0x0b, 0x78, 0x65, 0x6e\n"

#if defined(__x86_64__)
#define SP_REG "rsp"
#else
#define SP_REG "esp"
#endif

static volatile unsigned long got_vec, got_ip, got_err, got_dr6, resume;

static unsigned long read_dr6(void)
{
    unsigned long v;

    __asm__ volatile ("mov %%db6, %0" : "=r" (v));
    return v;
}

static void write_dr6(unsigned long v)
{
    __asm__ volatile ("mov %0, %%db6" :: "r" (v));
}

/* Faults resume at `resume`; traps (#DB, #BP) where they stand. */
static void record(struct cpu_regs *r)
{
    got_vec = r->vec;
    got_ip = r->ip;
    got_err = r->err;
    if (r->vec == 1) {
        got_dr6 = read_dr6();
        r->flags &= ~0x100UL;
    } else if (r->vec != 3) {
        r->ip = resume;
    }
}

static void expect(const char *what, unsigned long vec, unsigned long ip, long err)
{
    if (got_vec == ~0UL)
        guest_fail("%s: no exception", what);
    if (got_vec != vec)
        guest_fail("%s: expected %s, got %s (IP %p)", what, exc_name((unsigned int)vec),
                   exc_name((unsigned int)got_vec), (void *)got_ip);
    if (got_ip != ip)
        guest_fail("%s: %s with IP %p, expected %p", what, exc_name((unsigned int)vec),
                   (void *)got_ip, (void *)ip);
    if (err >= 0 && got_err != (unsigned long)err)
        guest_fail("%s: error code 0x%lx, expected 0x%lx", what, got_err, (unsigned long)err);
}

extern const char fep_ud_start[], fep_ud_insn[], fep_ud_end[];
extern const char fep_int3_end[], fep_nc_insn[], fep_nc_end[], fep_tf_end[];
extern const char plain_ud_start[], plain_ud_end[];

static void without_fep(void)
{
    unsigned long v = 7;

    got_vec = ~0UL;
    resume = (unsigned long)plain_ud_end;
    __asm__ volatile (".globl plain_ud_start, plain_ud_end\n"
                      "plain_ud_start: " FEP "mov $1, %0\n"
                      "plain_ud_end:\n" : "+r" (v) :: "memory");
    expect("FEP without hvm_fep", 6, (unsigned long)plain_ud_start, -1);
    if (v != 7)
        guest_fail("FEP without hvm_fep: the MOV behind it ran");
    printf("without hvm_fep: the prefix is a plain #UD\n");
}

void test_main(void)
{
    unsigned long a = 0, b, c, d, fa, fb, fc, fd, flags;
    volatile uint32_t mem = 0xFFFFFFFB;

    trap_handler[1] = trap_handler[3] = trap_handler[6] = trap_handler[13] = record;
    if (cmdline_has("nofep")) {
        without_fep();
        return;
    }

    got_vec = ~0UL;
    __asm__ volatile (FEP "mov $0x1234, %0" : "=a" (a));
    if (a != 0x1234 || got_vec != ~0UL)
        guest_fail("FEP mov $0x1234, %%eax: got 0x%lx (exception %ld)", a, (long)got_vec);

    __asm__ volatile (FEP "addl $5, %1\n pushf\n pop %0" : "=r" (flags), "+m" (mem) :: "cc");
    if (mem != 0 || !(flags & 0x40) || !(flags & 0x1))
        guest_fail("FEP addl $5, mem: 0x%x, flags 0x%lx (ZF, CF expected)", mem, flags);
    printf("MOV and ADD through the emulator\n");

    __asm__ volatile ("cpuid" : "=a" (a), "=b" (b), "=c" (c), "=d" (d) : "0" (0), "2" (0));
    __asm__ volatile (FEP "cpuid" : "=a" (fa), "=b" (fb), "=c" (fc), "=d" (fd) : "0" (0), "2" (0));
    if (a != fa || b != fb || c != fc || d != fd)
        guest_fail("FEP cpuid leaf 0 differs from cpuid");
    {
        volatile uint64_t m = 0x0123456789ABCDEFULL;
        uint32_t lo = 0x89ABCDEF, hi = 0x01234567;

        __asm__ volatile (FEP "cmpxchg8b %0" : "+m" (m), "+a" (lo), "+d" (hi)
                          : "b" (0x11111111), "c" (0x22222222) : "cc");
        if (m != 0x2222222211111111ULL)
            guest_fail("FEP cmpxchg8b: memory 0x%llx", (unsigned long long)m);
    }
    printf("CPUID and CMPXCHG8B through the emulator\n");

    got_vec = ~0UL;
    resume = (unsigned long)fep_ud_end;
    __asm__ volatile (".globl fep_ud_start, fep_ud_insn, fep_ud_end\n"
                      "fep_ud_start: " FEP "fep_ud_insn: ud2\n"
                      "fep_ud_end:\n" ::: "memory");
    expect("FEP ud2", 6, (unsigned long)fep_ud_insn, -1);

    got_vec = ~0UL;
    __asm__ volatile (FEP "int3\n"
                      ".globl fep_int3_end\n fep_int3_end:\n" ::: "memory");
    expect("FEP int3", 3, (unsigned long)fep_int3_end, -1);

#if defined(__x86_64__)
    got_vec = ~0UL;
    resume = (unsigned long)fep_nc_end;
    __asm__ volatile (FEP ".globl fep_nc_insn, fep_nc_end\n"
                      "fep_nc_insn: movb $0, (%0)\n"
                      "fep_nc_end:\n" :: "r" (0x8000000040000000UL) : "memory");
    expect("FEP movb to a non-canonical address", 13, (unsigned long)fep_nc_insn, 0);
#endif
    printf("faults come at the emulated instruction; INT3 traps past it\n");

    got_vec = ~0UL;
    write_dr6(0);
    __asm__ volatile ("pushf\n"
                      "orl $0x100, (%%" SP_REG ")\n"
                      "popf\n"
                      FEP "nop\n"
                      ".globl fep_tf_end\n fep_tf_end:\n" ::: "memory", "cc");
    expect("FEP nop with TF", 1, (unsigned long)fep_tf_end, -1);
    if (!(got_dr6 & 0x4000))
        guest_fail("FEP nop with TF: DR6 0x%lx, BS expected", got_dr6);
    printf("TF: a single-step #DB after the emulated instruction\n");
}
