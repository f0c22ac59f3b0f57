/*
 * Exceptions and interrupts in the micro-guests: an IDT for all 256
 * vectors. An exception at an instruction registered with EXC_FIXUP (or
 * through exc_try_*) is recorded and execution resumes at the fixup; any
 * other exception ends the test with "FAIL exception N (...) at RIP ...".
 * An interrupt (vector 32-255) goes to its trap_handler[], and without
 * one ends the test with "FAIL unexpected interrupt N".
 */
#ifndef GUEST_TRAPS_H
#define GUEST_TRAPS_H

#include <stdint.h>

/* The frame built by entry.S; the field order is the push order. */
#if defined(__x86_64__)
struct cpu_regs {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t bp, di, si, dx, cx, bx, ax;
    uint64_t vec, err;
    uint64_t ip, cs, flags, sp, ss;     /* pushed by the CPU */
};
#else
struct cpu_regs {
    uint32_t di, si, bp, sp_unused, bx, dx, cx, ax;    /* pusha */
    uint32_t vec, err;
    uint32_t ip, cs, flags;             /* pushed by the CPU (same CPL) */
};
#endif

/* A fixup entry: a fault at `fault` resumes at `fixup`. */
struct exc_fixup {
    unsigned long fault;
    unsigned long fixup;
};

#if defined(__x86_64__)
#define _EXC_PTR ".quad"
#else
#define _EXC_PTR ".long"
#endif

/*
 * Wrap one instruction string in inline assembly: a fault on it resumes
 * right after it. Use: asm volatile(EXC_FIXUP("vmrun") :: "a"(0));
 */
#define EXC_FIXUP(insn) \
    "1: " insn "\n2:\n" \
    ".pushsection .exc_fixup, \"a\"\n" \
    _EXC_PTR " 1b, 2b\n" \
    ".popsection\n"

#define EXC_NONE (-1)

/* Vector of the last fixed-up exception, EXC_NONE if none since reset. */
extern volatile int exc_last_vector;
extern volatile unsigned long exc_last_ip;
static inline void exc_reset(void)
{
    exc_last_vector = EXC_NONE;
}

/* WRMSR / RDMSR, returning the vector it raised (EXC_NONE: none). */
static inline int try_wrmsr(uint32_t msr, uint64_t val)
{
    exc_reset();
    __asm__ volatile (EXC_FIXUP("wrmsr")
                      :: "c" (msr), "a" ((uint32_t)val), "d" ((uint32_t)(val >> 32))
                      : "memory");
    return exc_last_vector;
}

static inline int try_rdmsr(uint32_t msr, uint64_t *val)
{
    uint32_t lo = 0, hi = 0;

    exc_reset();
    __asm__ volatile (EXC_FIXUP("rdmsr") : "+a" (lo), "+d" (hi) : "c" (msr) : "memory");
    *val = ((uint64_t)hi << 32) | lo;
    return exc_last_vector;
}

void traps_init(void);
/* A test's own handler for a vector (NULL: fixups, then failure). */
extern void (*trap_handler[256])(struct cpu_regs *r);
const char *exc_name(unsigned int vec);

/* Load an IDT with limit 0: the next exception cannot be delivered. */
void traps_load_empty_idt(void);

#endif
