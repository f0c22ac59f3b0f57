#ifndef ASM_SMP_H
#define ASM_SMP_H

#include <oryx/types.h>

extern uint32_t max_cpus;
/* Starts every enabled CPU of the MADT (up to maxcpus=) with INIT-SIPI-SIPI. */
void smp_boot(void);
void udelay(uint64_t us);
/* x87/SSE usable for guest state (OSFXSR); on every CPU. */
void cpu_fpu_init(void);

#endif
