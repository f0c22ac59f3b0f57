#ifndef ASM_SMP_H
#define ASM_SMP_H

#include <oryx/types.h>

extern uint32_t max_cpus;
/* Starts every enabled CPU of the MADT (up to maxcpus=) with INIT-SIPI-SIPI. */
void smp_boot(void);
void udelay(uint64_t us);
/* Runs on each AP once it is in long mode; set up by the lead's setup.c. */
void ap_main(unsigned int cpu) __attribute__((noreturn));

#endif
