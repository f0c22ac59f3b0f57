/*
 * start_oryx: the boot CPU's path from long mode to the scheduler (the
 * others start in smp.c). Order matters: console, traps, boot info,
 * command line, memory, page tables, per-CPU, ACPI, APIC, time, SVM, SMP,
 * then the boot-time domains.
 */
#include <oryx/lib.h>
#include <oryx/version.h>
#include <oryx/console.h>
#include <oryx/cmdline.h>
#include <oryx/page_alloc.h>
#include <oryx/xmalloc.h>
#include <oryx/sched.h>
#include <oryx/timer.h>
#include <oryx/boot_domains.h>
#include <oryx/vconsole.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/bootinfo.h>
#include <asm/cpu.h>
#include <asm/dom0.h>
#include <asm/hvm.h>
#include <asm/mm.h>
#include <asm/npt.h>
#include <asm/percpu.h>
#include <asm/smp.h>
#include <asm/time.h>
#include <asm/rtc.h>
#include <asm/traps.h>

void start_oryx(uint32_t magic, uint32_t info);

static void print_banner(void)
{
    printk("\n Oryx hypervisor (Xen %d.%d ABI) on x86-64\n", ORYX_XEN_MAJOR, ORYX_XEN_MINOR);
    printk(" (c) the Oryx developers; clean-room, built " __DATE__ "\n\n");
}

void start_oryx(uint32_t magic, uint32_t info)
{
    uint32_t a, b, c, d;

    console_early_init();
    traps_init();
    traps_load();
    print_banner();

    if (multiboot_parse(magic, info))
        panic("not started by a multiboot loader (magic %#x)", magic);
    cmdline_parse_boot(boot_info.cmdline);
    console_setup();
    printk("Loader: %s, command line: \"%s\"\n", boot_info.loader, boot_info.cmdline);

    dom0_boot_prepare();        /* before the allocator takes its kernel's range */
    mm_init_allocator();
    mm_init_pagetables();
    printk("Memory: %lu MiB free of RAM up to %#lx; %u boot module(s)\n",
           (unsigned long)(page_alloc_free_pages() >> 8), (unsigned long)max_ram_addr,
           boot_info.nr_modules);

    percpu_init_bsp();
    if (acpi_init(boot_info.rsdp))
        printk_lvl(LOG_WARN, "ACPI: no usable MADT; running on the boot CPU only\n");
    else
        printk("ACPI: RSDP at %#lx, %u CPU(s), IOAPIC at %#lx\n", (unsigned long)acpi_info.rsdp,
               acpi_info.nr_cpus, (unsigned long)acpi_info.ioapic_base);
    cpu_data[0]->apic_id = apic_id();
    pic_disable();
    ioapic_init(acpi_info.ioapic_base);

    cpuid(0x80000001, &a, &b, &c, &d);
    if (!(d & (1u << 26)))
        p2m_set_max_leaf_order(PAGE_ORDER_2M);     /* no 1 GiB pages */

    if (hvm_setup())
        panic("Oryx needs AMD SVM with nested paging; this CPU lacks it (see above)");

    apic_init();
    time_calibrate();
    tsc_at_boot = rdtsc();
    time_init();
    rtc_init();
    printk("Time: TSC %lu kHz, LAPIC timer %u kHz\n", (unsigned long)tsc_khz, apic_timer_khz);

    sched_init();
    cpu_fpu_init();
    timer_cpu_init();
    if (hvm->cpu_up())
        panic("CPU0: cannot enable %s", hvm->name);
    cpu_data[0]->online = true;

    smp_boot();
    vconsole_init();
    boot_domains_create();
    dom0_create();
    boot_domains_finish();
    sched_run();
}
