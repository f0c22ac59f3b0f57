#ifndef ASM_TIME_H
#define ASM_TIME_H

#include <oryx/types.h>
#include <asm/cpu.h>

extern uint64_t tsc_khz;
extern uint64_t tsc_at_boot;
/* 32.32 fixed-point factors, so conversions need no 128-bit division. */
extern uint64_t tsc_to_ns_mul, ns_to_tsc_mul;

/* Boot CPU, once, after acpi_init() and apic_init(): tsc_khz and
 * apic_timer_khz against PIT channel 2 and the ACPI PM timer (time.c). */
void time_calibrate(void);
void time_init(void);   /* after calibration: sets the factors */

static inline uint64_t tsc_to_ns(uint64_t tsc)
{
    return (uint64_t)(((unsigned __int128)tsc * tsc_to_ns_mul) >> 32);
}

static inline uint64_t ns_to_tsc(uint64_t ns)
{
    return (uint64_t)(((unsigned __int128)ns * ns_to_tsc_mul) >> 32);
}

/* Nanoseconds since boot, from the invariant TSC. */
static inline uint64_t NOW(void)
{
    return tsc_to_ns(rdtsc() - tsc_at_boot);
}

#define MILLISECS(x) ((uint64_t)(x) * 1000000ULL)
#define MICROSECS(x) ((uint64_t)(x) * 1000ULL)
#define SECONDS(x)   ((uint64_t)(x) * 1000000000ULL)

#endif
