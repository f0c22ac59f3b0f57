/* Hypercall invocation: VMMCALL directly or through the hypercall page. */
#include "hypercall.h"

const void *hypercall_page_base;

void hypercall_page_enable(const void *page)
{
    hypercall_page_base = page;
}

void hypercall_page_disable(void)
{
    hypercall_page_base = 0;
}

long hypercall_raw(unsigned long nr, unsigned long a1, unsigned long a2,
                   unsigned long a3, unsigned long a4, unsigned long a5)
{
    long ret;

#if defined(__x86_64__)
    register unsigned long r10 __asm__("r10") = a4;
    register unsigned long r8 __asm__("r8") = a5;

    if (hypercall_page_base && nr < 128) {
        /* A memory operand: no general register is left free. */
        unsigned long target = (unsigned long)hypercall_page_base + nr * 32;

        __asm__ volatile ("call *%[t]"
                          : "=a" (ret), "+D" (a1), "+S" (a2), "+d" (a3),
                            "+r" (r10), "+r" (r8)
                          : "0" (nr), [t] "m" (target)
                          : "memory", "cc");
    } else {
        __asm__ volatile ("vmmcall"
                          : "=a" (ret), "+D" (a1), "+S" (a2), "+d" (a3),
                            "+r" (r10), "+r" (r8)
                          : "0" (nr)
                          : "memory", "cc");
    }
#else
    if (hypercall_page_base && nr < 128) {
        unsigned long target = (unsigned long)hypercall_page_base + nr * 32;

        __asm__ volatile ("call *%[t]"
                          : "=a" (ret), "+b" (a1), "+c" (a2), "+d" (a3),
                            "+S" (a4), "+D" (a5)
                          : "0" (nr), [t] "m" (target)
                          : "memory", "cc");
    } else {
        __asm__ volatile ("vmmcall"
                          : "=a" (ret), "+b" (a1), "+c" (a2), "+d" (a3),
                            "+S" (a4), "+D" (a5)
                          : "0" (nr)
                          : "memory", "cc");
    }
#endif
    return ret;
}

long HYPERVISOR_set_timer_op(uint64_t timeout_ns)
{
#if defined(__x86_64__)
    return _HC(__HYPERVISOR_set_timer_op, timeout_ns, 0, 0);
#else
    return _HC(__HYPERVISOR_set_timer_op, (uint32_t)timeout_ns,
               (uint32_t)(timeout_ns >> 32), 0);
#endif
}
