/* Saved register frame of an interrupt or exception in the hypervisor. */
#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H

#include <oryx/types.h>

struct cpu_regs {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};

#define TRAP_NMI 2
#define TRAP_DF  8
#define TRAP_PF  14
#define TRAP_MC  18

/* Interrupt vectors owned by the hypervisor. */
#define VEC_TIMER       0xF0
#define VEC_EVENT_CHECK 0xF1    /* IPI: re-evaluate scheduling */
#define VEC_STOP        0xF2    /* IPI: a CPU panicked, halt */
#define VEC_SPURIOUS    0xFF

typedef void (*irq_handler_t)(struct cpu_regs *regs);

void traps_init(void);          /* builds the IDT (once) */
void traps_load(void);          /* loads it on this CPU */
void irq_set_handler(unsigned int vector, irq_handler_t h);
void do_trap(struct cpu_regs *regs);
void show_backtrace(uint64_t rbp);
__noreturn void stop_this_cpu(void);
/* For panic(): the CPU to name, and stopping the machine after the report. */
unsigned int arch_panic_cpu(void);
__noreturn void arch_panic_halt(void);
/* Reset the machine: the FADT's reset register, the PCI reset control
 * port, the keyboard controller, then a triple fault. */
__noreturn void machine_restart(void);
/*
 * With exit_when_done (the tests), end the emulator's run: QEMU's
 * isa-debug-exit device at port 0xF4 exits with (status << 1) | 1.
 * Without it, nothing happens.
 */
void arch_end_run(unsigned int status);

#endif
