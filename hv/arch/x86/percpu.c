/* Per-CPU areas: allocation, GDT and TSS with IST stacks, %gs base. */
#include <oryx/lib.h>
#include <oryx/xmalloc.h>
#include <oryx/page_alloc.h>
#include <asm/percpu.h>
#include <asm/cpu.h>
#include <asm/page.h>

struct per_cpu *cpu_data[MAX_CPUS];
unsigned int nr_cpus = 1;
bool percpu_up;

static struct per_cpu bsp_area;

static void build_gdt(struct per_cpu *pc)
{
    uint64_t tss = (uint64_t)(uintptr_t)&pc->tss;

    pc->gdt[0] = 0;
    pc->gdt[1] = 0x00af9a000000ffffULL;     /* GDT_CS64 */
    pc->gdt[2] = 0x00cf92000000ffffULL;     /* GDT_DS */
    pc->gdt[3] = 0x00cf9a000000ffffULL;     /* GDT_CS32 */
    /* 16-byte available 64-bit TSS descriptor */
    pc->gdt[4] = (sizeof(struct tss) - 1) | ((tss & 0xffffff) << 16) |
                 (0x89ULL << 40) | (((tss >> 24) & 0xff) << 56);
    pc->gdt[5] = tss >> 32;
    for (int i = 0; i < 3; i++)
        pc->tss.ist[i] = (uint64_t)(uintptr_t)(pc->ist_stacks + (i + 1) * IST_STACK_SIZE);
    pc->tss.iomap_base = sizeof(struct tss);
}

void percpu_load(struct per_cpu *pc)
{
    struct desc_ptr p = { sizeof(pc->gdt) - 1, (uint64_t)(uintptr_t)pc->gdt };

    asm volatile("lgdt %0\n\t"
                 "pushq %1\n\t"
                 "leaq 1f(%%rip), %%rax\n\t"
                 "pushq %%rax\n\t"
                 "lretq\n"
                 "1:\n\t"
                 "movl %2, %%eax\n\t"
                 "movl %%eax, %%ds\n\t"
                 "movl %%eax, %%es\n\t"
                 "movl %%eax, %%ss\n\t"
                 : : "m"(p), "i"(GDT_CS64), "i"(GDT_DS) : "rax", "memory");
    asm volatile("ltr %w0" : : "r"(GDT_TSS));
    asm volatile("movl %0, %%fs; movl %0, %%gs" : : "r"(0));
    wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)pc);
}

struct per_cpu *percpu_alloc(unsigned int cpu, uint32_t apic_id)
{
    struct per_cpu *pc = cpu ? xzalloc(sizeof(*pc)) : &bsp_area;
    paddr_t stack = page_alloc(2, NULL);        /* 16 KiB */
    paddr_t ist = page_alloc(2, NULL);          /* 3 x 4 KiB (+1 spare) */

    if (!pc || !stack || !ist)
        panic("out of memory for CPU%u's per-CPU area", cpu);
    memset(__va(ist), 0, 4 * PAGE_SIZE);
    pc->self = pc;
    pc->cpu_id = cpu;
    pc->apic_id = apic_id;
    pc->stack = __va(stack);
    pc->ist_stacks = __va(ist);
    build_gdt(pc);
    cpu_data[cpu] = pc;
    return pc;
}

void percpu_init_bsp(void)
{
    struct per_cpu *pc = percpu_alloc(0, 0);

    percpu_load(pc);
    percpu_up = true;
}
