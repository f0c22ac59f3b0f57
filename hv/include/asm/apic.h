/* Local APIC (xAPIC, MMIO), IOAPIC and legacy PIC. */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <oryx/types.h>

#define APIC_DEFAULT_BASE 0xFEE00000UL

void apic_init(void);               /* this CPU: enable, spurious vector, timer */
uint32_t apic_id(void);
void apic_eoi(void);
void apic_send_ipi(uint32_t apic_id, uint8_t vector);
void apic_send_ipi_allbutself(uint8_t vector);
void apic_send_init(uint32_t apic_id);
void apic_send_sipi(uint32_t apic_id, uint8_t page);
/* One timer interrupt (VEC_TIMER) after ns nanoseconds (at least 200 us;
 * a far deadline may come early, after 2^32 ticks); 0 stops the timer. */
void apic_timer_oneshot(uint64_t ns);
extern uint32_t apic_timer_khz;     /* timer ticks per ms at divide-by-1 (time_calibrate) */
/* Calibration only: masked, counting down from 2^32 - 1 at divide-by-1. */
void apic_timer_count_start(void);
uint32_t apic_timer_count(void);    /* the current count */
void apic_timer_count_stop(void);   /* stopped, back in periodic mode */

void pic_disable(void);
void ioapic_init(paddr_t base);     /* masks every pin */
/* The IOAPIC's registers through its index/data window (0 pins: none). */
uint32_t ioapic_read(unsigned int reg);
void ioapic_write(unsigned int reg, uint32_t val);
void ioapic_write_eoi(uint8_t vector);
unsigned int ioapic_pins(void);

#endif
