/* Bringing up the application processors, and what every CPU sets up. */
#include <oryx/lib.h>
#include <oryx/cmdline.h>
#include <asm/smp.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/boot.h>
#include <asm/mm.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/time.h>
#include <asm/cpu.h>
#include <asm/hvm.h>
#include <asm/traps.h>
#include <oryx/sched.h>
#include <oryx/timer.h>

uint32_t max_cpus = MAX_CPUS;
CMDLINE_OPT_UINT("maxcpus", &max_cpus, "use at most N CPUs (1..64)");

extern const char trampoline_start[], trampoline_end[];
extern uint64_t tramp_cr3, tramp_stack, tramp_entry;

static volatile unsigned int ap_booting;    /* CPU index being started */
static volatile bool ap_alive;

void udelay(uint64_t us)
{
    uint64_t end = rdtsc() + ns_to_tsc(MICROSECS(us));

    while ((int64_t)(rdtsc() - end) < 0)
        cpu_relax();
}

/* FXSAVE/FXRSTOR of guest state needs OSFXSR (the hypervisor itself
 * never uses x87/SSE: it is built with -mno-sse). */
void cpu_fpu_init(void)
{
    write_cr0(read_cr0() & ~(X86_CR0_EM | X86_CR0_TS));
    write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
}

static void cpu_common_init(void)
{
    struct per_cpu *pc = this_cpu();

    cpu_fpu_init();
    traps_load();
    apic_init();
    timer_cpu_init();
    if (hvm->cpu_up())
        panic("CPU%u: cannot enable %s", pc->cpu_id, hvm->name);
}

/* An AP in long mode: its own set-up, then the scheduler. */
static __noreturn void ap_main(unsigned int cpu)
{
    struct per_cpu *pc = cpu_data[cpu];

    percpu_load(pc);
    cpu_common_init();
    pc->online = true;
    sched_run();
}

static void ap_entry(void)
{
    unsigned int cpu = ap_booting;

    ap_alive = true;
    ap_main(cpu);
}

/* Offsets of the trampoline's variables, patched in its low-memory copy. */
static uint64_t *tramp_var(uint64_t *sym)
{
    return __va(TRAMPOLINE_ADDR + ((const char *)sym - trampoline_start));
}

void smp_boot(void)
{
    size_t len = (size_t)(trampoline_end - trampoline_start);
    uint32_t self = apic_id();

    if (max_cpus < 1 || max_cpus > MAX_CPUS) {
        printk_lvl(LOG_WARN, "warning: maxcpus=%u out of range; using %u\n", max_cpus, MAX_CPUS);
        max_cpus = MAX_CPUS;
    }
    memcpy(__va(TRAMPOLINE_ADDR), trampoline_start, len);
    *tramp_var(&tramp_cr3) = hv_cr3;
    *tramp_var(&tramp_entry) = (uint64_t)(uintptr_t)ap_entry;

    for (unsigned int i = 0; i < acpi_info.nr_cpus; i++) {
        uint32_t id = acpi_info.cpus[i].apic_id;
        if (id == self)
            continue;
        if (nr_cpus >= max_cpus) {
            printk("SMP: maxcpus=%u: leaving APIC ID %u offline\n", max_cpus, id);
            continue;
        }
        unsigned int cpu = nr_cpus;
        struct per_cpu *pc = percpu_alloc(cpu, id);
        *tramp_var(&tramp_stack) = (uint64_t)(uintptr_t)(pc->stack + STACK_SIZE);
        ap_booting = cpu;
        ap_alive = false;
        smp_mb();
        apic_send_init(id);
        udelay(10000);
        apic_send_sipi(id, TRAMPOLINE_ADDR >> 12);
        udelay(200);
        if (!ap_alive)
            apic_send_sipi(id, TRAMPOLINE_ADDR >> 12);
        for (unsigned int t = 0; t < 1000 && !pc->online; t++)
            udelay(1000);
        if (!pc->online) {
            printk_lvl(LOG_ERR, "SMP: CPU with APIC ID %u did not start\n", id);
            continue;
        }
        nr_cpus++;
    }
    mm_seal_trampoline();
    printk("SMP: %u CPU%s online\n", nr_cpus, nr_cpus > 1 ? "s" : "");
}
