/*
 * Test-and-test-and-set spinlocks. Every lock's declaration says what it
 * protects; the nesting order is in docs/design/locking.md.
 */
#ifndef ORYX_SPINLOCK_H
#define ORYX_SPINLOCK_H

#include <oryx/types.h>

typedef struct {
    volatile uint32_t locked;
} spinlock_t;

#define SPINLOCK_INIT { 0 }

static inline void cpu_relax(void)
{
    __builtin_ia32_pause();
}

static inline void spin_lock_init(spinlock_t *l)
{
    l->locked = 0;
}

static inline bool spin_trylock(spinlock_t *l)
{
    return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_lock(spinlock_t *l)
{
    while (!spin_trylock(l))
        while (l->locked)
            cpu_relax();
}

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(const spinlock_t *l)
{
    return l->locked != 0;
}

#ifdef ORYX_HOST_TEST
static inline unsigned long local_irq_save(void) { return 0; }
static inline void local_irq_restore(unsigned long f) { (void)f; }
#else
static inline unsigned long local_irq_save(void)
{
    unsigned long f;
    asm volatile("pushfq; popq %0; cli" : "=r"(f) : : "memory");
    return f;
}

static inline void local_irq_restore(unsigned long f)
{
    asm volatile("pushq %0; popfq" : : "r"(f) : "memory", "cc");
}
#endif

static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
    unsigned long f = local_irq_save();
    spin_lock(l);
    return f;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long f)
{
    spin_unlock(l);
    local_irq_restore(f);
}

#endif
