/*
 * x86 instructions the micro-guests need, as inline functions. Work in
 * both 32- and 64-bit builds.
 */
#ifndef GUEST_ARCH_H
#define GUEST_ARCH_H

#include <stdint.h>
#include <stdbool.h>

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid_count(uint32_t leaf, uint32_t sub)
{
    struct cpuid_regs r;

    __asm__ volatile ("cpuid"
                      : "=a" (r.eax), "=b" (r.ebx), "=c" (r.ecx), "=d" (r.edx)
                      : "a" (leaf), "c" (sub));
    return r;
}

static inline struct cpuid_regs cpuid(uint32_t leaf)
{
    return cpuid_count(leaf, 0);
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ volatile ("rdtsc" : "=a" (lo), "=d" (hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;

    __asm__ volatile ("rdmsr" : "=a" (lo), "=d" (hi) : "c" (msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
    __asm__ volatile ("wrmsr"
                      :: "c" (msr), "a" ((uint32_t)val),
                         "d" ((uint32_t)(val >> 32))
                      : "memory");
}

static inline void outb(uint16_t port, uint8_t val)
{
    __asm__ volatile ("outb %0, %1" :: "a" (val), "Nd" (port));
}

static inline void outl(uint16_t port, uint32_t val)
{
    __asm__ volatile ("outl %0, %1" :: "a" (val), "Nd" (port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;

    __asm__ volatile ("inb %1, %0" : "=a" (v) : "Nd" (port));
    return v;
}

static inline unsigned long read_cr0(void)
{
    unsigned long v;

    __asm__ volatile ("mov %%cr0, %0" : "=r" (v));
    return v;
}

static inline unsigned long read_cr2(void)
{
    unsigned long v;

    __asm__ volatile ("mov %%cr2, %0" : "=r" (v));
    return v;
}

static inline unsigned long read_cr4(void)
{
    unsigned long v;

    __asm__ volatile ("mov %%cr4, %0" : "=r" (v));
    return v;
}

static inline void cpu_relax(void)
{
    __asm__ volatile ("pause" ::: "memory");
}

static inline void barrier(void)
{
    __asm__ volatile ("" ::: "memory");
}

static inline __attribute__((noreturn)) void halt_forever(void)
{
    for (;;)
        __asm__ volatile ("cli; hlt");
}

#endif
