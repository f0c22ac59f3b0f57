/*
 * IDT set-up and the C side of interrupt/exception entry. An exception in
 * the hypervisor itself is fatal: print vector, error code, registers and a
 * backtrace, then stop every CPU. Interrupts go to registered handlers.
 */
#include <oryx/lib.h>
#include <asm/traps.h>
#include <asm/desc.h>
#include <asm/cpu.h>
#include <asm/percpu.h>
#include <asm/apic.h>
#include <asm/io.h>
#include <oryx/cmdline.h>
#include <asm/acpi.h>

extern const uint8_t trap_stubs[];

static struct idt_entry idt[256] __aligned(16);
static irq_handler_t irq_handlers[256];

static const char *const exc_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound", "#UD invalid opcode", "#NM no FPU", "#DF double fault",
    "coprocessor overrun", "#TS invalid TSS", "#NP not present",
    "#SS stack fault", "#GP general protection", "#PF page fault", "reserved",
    "#MF x87", "#AC alignment", "#MC machine check", "#XM SIMD",
    "#VE virtualization", "#CP control protection",
};

static void set_gate(unsigned int v, uint8_t ist)
{
    uint64_t a = (uint64_t)(uintptr_t)(trap_stubs + 16 * v);

    idt[v] = (struct idt_entry){
        .offset_lo = a & 0xffff,
        .selector = GDT_CS64,
        .ist = ist,
        .type_attr = 0x8E,          /* present, DPL0, 64-bit interrupt gate */
        .offset_mid = (a >> 16) & 0xffff,
        .offset_hi = a >> 32,
    };
}

void traps_init(void)
{
    for (unsigned int v = 0; v < 256; v++)
        set_gate(v, 0);
    set_gate(TRAP_NMI, IST_NMI);
    set_gate(TRAP_DF, IST_DF);
    set_gate(TRAP_MC, IST_MC);
}

void traps_load(void)
{
    struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

    asm volatile("lidt %0" : : "m"(p));
}

void irq_set_handler(unsigned int vector, irq_handler_t h)
{
    if (vector < 256)
        irq_handlers[vector] = h;
}

void show_backtrace(uint64_t rbp)
{
    printk("Backtrace:\n");
    for (int depth = 0; depth < 32 && rbp; depth++) {
        /* Only follow frames inside the identity-mapped low 4 GiB. */
        if ((rbp & 7) || rbp < 0x1000 || rbp >= GiB(4))
            break;
        uint64_t *frame = (uint64_t *)(uintptr_t)rbp;
        uint64_t ret = frame[1];
        if (!ret)
            break;
        printk("  [<%016lx>]\n", (unsigned long)ret);
        if (frame[0] <= rbp)
            break;          /* frames grow upwards; anything else is junk */
        rbp = frame[0];
    }
}

__noreturn void stop_this_cpu(void)
{
    local_irq_disable();
    for (;;)
        halt();
}

static bool exit_when_done;
CMDLINE_OPT_BOOL("exit_when_done", &exit_when_done,
                 "when the last domain stops, end the run (QEMU isa-debug-exit port 0xf4)");

void arch_end_run(unsigned int status)
{
    if (exit_when_done)
        outb(0xF4, (uint8_t)status);
}

/* After a panic's report: every CPU stops; under test (exit_when_done) a
 * halted system also ends QEMU, with status 3. */
__noreturn void arch_panic_halt(void)
{
    if (this_cpu_ready())
        apic_send_ipi_allbutself(VEC_STOP);
    printk_lvl(LOG_ERR, "**** System halted.\n");
    arch_end_run(1);
    stop_this_cpu();
}

__noreturn void machine_restart(void)
{
    static const struct desc_ptr no_idt = { 0, 0 };

    printk("**** Resetting the machine.\n");
    local_irq_disable();
    if (acpi_info.reset_port)
        outb(acpi_info.reset_port, acpi_info.reset_value);
    outb(0xCF9, 0x06);          /* hard reset through the PCI reset control */
    outb(0x64, 0xFE);           /* the keyboard controller's reset line */
    asm volatile("lidt %0; int3" : : "m"(no_idt));     /* a triple fault */
    for (;;)
        asm volatile("hlt");
}

unsigned int arch_panic_cpu(void)
{
    return this_cpu_ready() ? smp_processor_id() : 0;
}

static __noreturn void fatal_trap(struct cpu_regs *r)
{
    local_irq_disable();
    if (!panic_claim())
        stop_this_cpu();
    printk_lvl(LOG_ERR, "\n**** Oryx FATAL EXCEPTION on CPU%u: vector %lu (%s), error code %#lx\n",
               arch_panic_cpu(),
               (unsigned long)r->vector,
               r->vector < 32 && exc_names[r->vector] ? exc_names[r->vector] : "?",
               (unsigned long)r->error_code);
    printk_lvl(LOG_ERR, "RIP: %04lx:%016lx  RFLAGS: %016lx  RSP: %04lx:%016lx\n",
               (unsigned long)r->cs, (unsigned long)r->rip, (unsigned long)r->rflags,
               (unsigned long)r->ss, (unsigned long)r->rsp);
    printk_lvl(LOG_ERR, "RAX: %016lx RBX: %016lx RCX: %016lx RDX: %016lx\n",
               (unsigned long)r->rax, (unsigned long)r->rbx, (unsigned long)r->rcx, (unsigned long)r->rdx);
    printk_lvl(LOG_ERR, "RSI: %016lx RDI: %016lx RBP: %016lx R8:  %016lx\n",
               (unsigned long)r->rsi, (unsigned long)r->rdi, (unsigned long)r->rbp, (unsigned long)r->r8);
    printk_lvl(LOG_ERR, "R9:  %016lx R10: %016lx R11: %016lx R12: %016lx\n",
               (unsigned long)r->r9, (unsigned long)r->r10, (unsigned long)r->r11, (unsigned long)r->r12);
    printk_lvl(LOG_ERR, "R13: %016lx R14: %016lx R15: %016lx\n",
               (unsigned long)r->r13, (unsigned long)r->r14, (unsigned long)r->r15);
    printk_lvl(LOG_ERR, "CR0: %016lx CR2: %016lx CR3: %016lx CR4: %016lx\n",
               read_cr0(), read_cr2(), read_cr3(), read_cr4());
    printk("  [<%016lx>] (faulting RIP)\n", (unsigned long)r->rip);
    show_backtrace(r->rbp);
    arch_panic_halt();
}

void do_trap(struct cpu_regs *regs)
{
    unsigned int v = (unsigned int)regs->vector;

    if (v == VEC_STOP)
        stop_this_cpu();
    if (v < 32)
        fatal_trap(regs);
    if (irq_handlers[v])
        irq_handlers[v](regs);
    if (v != VEC_SPURIOUS)
        apic_eoi();
}
