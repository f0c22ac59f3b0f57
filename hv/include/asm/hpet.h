/*
 * An HVM domain's HPET (XEN_X86_EMU_HPET), emulated in hpet.c: three
 * timers at 62.5 MHz, their interrupts on the domain's emulated IOAPIC.
 */
#ifndef ASM_HPET_H
#define ASM_HPET_H

#include <oryx/types.h>

struct domain;

#define HPET_BASE 0xFED00000ULL

int hpet_init(struct domain *d);        /* 0 or -errno */
void hpet_stop(struct domain *d);       /* its timers, for good */
void hpet_destroy(struct domain *d);

#endif
