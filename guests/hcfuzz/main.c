/*
 * hcfuzz: a hostile guest. For calls=N iterations (default 10000) it
 * issues one random operation each:
 *   hypercall (60%)  any number 0-63 and beyond, weighted to the ones Oryx
 *                    implements; sub-ops around the known ones and random;
 *                    arguments from edge cases: 0, -1, small and huge
 *                    integers, domain ids (0-7, itself, DOMID_SELF, IO,
 *                    XEN, ...), pointers to freshly filled random buffers
 *                    (so that every structure field is random), unmapped,
 *                    unbacked, non-canonical and hypervisor-range
 *                    addresses, pointers straddling a hole, frames near
 *                    4 GiB and beyond (hcall.c);
 *   RDMSR/WRMSR (14%), port I/O (10%), CPUID (8%), and the SVM and other
 *   intercepted instructions (8%) (insn.c); with `chipset` (a type=hvm
 *   domain) a tenth of the hypercalls' share goes to MOVs and bit tests
 *   on the IOAPIC, the HPET and the rest of the chipset's window.
 * seed=N makes a run reproducible: the same seed and mode give the same
 * operations in the same order (the answers may differ with timing: timers,
 * other domains). mask=N restricts the kinds (bit 0
 * hypercalls, 1 MSRs, 2 ports, 3 CPUID, 4 SVM, 5 chipset MMIO), for narrowing a failure
 * down. report=N prints progress every N calls (default calls / 10);
 * trace=N prints each operation from iteration N on.
 *
 * What it must not do is kill itself: fuzz.h gives the memory layout and
 * the rule that keeps the hypervisor off our own memory; hcall.c and
 * insn.c say which calls are corrected and why (ending the domain:
 * shutdown, INIT, VCPUOP_down; blocking forever: block and poll get a
 * timer; a watchdog that would fire). Any other outcome is the
 * hypervisor's: an exception we did not ask for, a wrong architectural
 * answer, our image changed behind our back, or the domain crashed or
 * hung, fails the test. PASS after the last call, with
 * "calls N in S s" for the rate.
 */
#include <stdarg.h>
#include "fuzz.h"

const char test_name[] = "hcfuzz";

struct stats st;
uint64_t cur_iter;
char cur_desc[160];
bool cons_dirty;
static uint64_t trace_from = ~0ULL;

void describe(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cur_desc, sizeof(cur_desc), fmt, ap);
    va_end(ap);
    if (cur_iter >= trace_from) {
        cons_break();
        printf("hcfuzz: %llu: %s\n", (unsigned long long)cur_iter, cur_desc);
    }
}

extern const struct exc_fixup __exc_fixup_start[], __exc_fixup_end[];
extern char __image_start[], __image_end[];

/* End whatever half line a fuzzed console write left, so that our own
 * lines start at the beginning of one. */
void cons_break(void)
{
    if (cons_dirty) {
        printf("\n");
        cons_dirty = false;
    }
}

static void fuzz_trap(struct cpu_regs *r)
{
    const struct exc_fixup *f;

    if (r->vec == 2) {          /* NMIs we sent ourselves (ICR, send_nmi) */
        st.nmis++;
        return;
    }
    for (f = __exc_fixup_start; f < __exc_fixup_end; f++) {
        /* A fault at the instruction, or a #DB trap just after it (ICEBP). */
        if (f->fault == r->ip || (r->vec == 1 && f->fixup == r->ip)) {
            exc_last_vector = (int)r->vec;
            exc_last_ip = r->ip;
            r->ip = f->fixup;
            return;
        }
    }
    FAIL("iteration %llu (%s): exception %u (%s) err=0x%lx at RIP %p cr2=%p",
         (unsigned long long)cur_iter, cur_desc, (unsigned int)r->vec,
         exc_name((unsigned int)r->vec), (unsigned long)r->err,
         (void *)(unsigned long)r->ip, (void *)read_cr2());
}

/* Text and read-only data: the hypervisor must never write them. */
static uint32_t image_sum(void)
{
    const uint32_t *p = (const uint32_t *)__image_start;
    const uint32_t *end = (const uint32_t *)__exc_fixup_end;
    uint32_t h = 2166136261u;

    while (p < end)
        h = (h ^ *p++) * 16777619u;
    return h;
}

static void find_ram(void)
{
    const struct hvm_start_info *si = guest_start_info;
    const struct hvm_memmap_table_entry *m;
    uint32_t i;

    if (si->version < 1 || !si->memmap_paddr)
        FAIL("no memory map in hvm_start_info");
    m = (const struct hvm_memmap_table_entry *)(unsigned long)si->memmap_paddr;
    for (i = 0; i < si->memmap_entries; i++)
        if (m[i].type == XEN_HVM_MEMMAP_TYPE_RAM && m[i].addr <= PROT_LO &&
            m[i].addr + m[i].size > PROT_LO)
            ram_end = (unsigned long)(m[i].addr + m[i].size < 0xF0000000ULL
                                      ? m[i].addr + m[i].size : 0xF0000000ULL);
    image_end = ((unsigned long)__image_end + PAGE_SZ - 1) & ~(PAGE_SZ - 1);
    if (ram_end < MIN_RAM_END)
        FAIL("RAM ends at 0x%lx: give the domain at least mem=%luM", ram_end,
             MIN_RAM_END >> 20);
    if (image_end > ARENA_BASE)
        FAIL("image ends at 0x%lx, over the arena", image_end);
    free_gfn_lo = (GUARD >> 12) + 1;
    free_gfn_hi = ram_end >> 12;
}

/* Our domain id: the one whose reservation we may query (a domU may name
 * only itself). */
static void find_self(void)
{
    static domid_t id;
    unsigned int i;

    for (i = 0; i < 256; i++) {
        id = (domid_t)i;
        if (HYPERVISOR_memory_op(XENMEM_current_reservation, &id) > 0) {
            self_domid = (domid_t)i;
            return;
        }
    }
}

/* Give the guard page back: nothing readable follows the arena. */
static void make_guard(void)
{
    static xen_pfn_t gfn;
    static struct xen_memory_reservation r;

    gfn = GUARD >> 12;
    set_xen_guest_handle(r.extent_start, &gfn);
    r.nr_extents = 1;
    r.domid = DOMID_SELF;
    CHECK_RC(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 1);
    CHECK_RC(HYPERVISOR_console_io(CONSOLEIO_write, 1, GUARD), -EFAULT);
}

/*
 * Regression check, before any fuzzing: every x2APIC LVT register, the
 * timer's initial count and divide configuration keep their own values
 * (Oryx once indexed its 7 LVTs by MSR - 0x82F, so LINT1 and LVT Error
 * landed on the timer registers behind the array), and 0x831, the xAPIC's
 * ICR high half, is no x2APIC register (#GP).
 */
static void check_x2apic_regs(void)
{
    static const uint32_t regs[] = {
        0x82F, 0x832, 0x833, 0x834, 0x835, 0x836, 0x837, 0x838, 0x83E,
    };
    uint32_t lo, hi, i;

    for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        uint32_t val = regs[i] == 0x83E ? 0x3 : regs[i] == 0x838 ? 0x12345 : 0x10040 + i;

        exc_reset();
        __asm__ volatile (EXC_FIXUP("wrmsr") :: "c" (regs[i]), "a" (val), "d" (0) : "memory");
        if (exc_last_vector != EXC_NONE)
            FAIL("x2APIC: wrmsr 0x%x <- 0x%x raised %s", regs[i], val,
                 exc_name((unsigned int)exc_last_vector));
    }
    for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        uint32_t want = regs[i] == 0x83E ? 0x3 : regs[i] == 0x838 ? 0x12345 : 0x10040 + i;

        lo = hi = 0;
        exc_reset();
        __asm__ volatile (EXC_FIXUP("rdmsr") : "+a" (lo), "+d" (hi) : "c" (regs[i]) : "memory");
        if (exc_last_vector != EXC_NONE || lo != want || hi)
            FAIL("x2APIC: rdmsr 0x%x gave 0x%x:%x (%s), wrote 0x%x", regs[i], hi, lo,
                 exc_last_vector == EXC_NONE ? "no fault" : exc_name((unsigned int)exc_last_vector),
                 want);
    }
    exc_reset();
    __asm__ volatile (EXC_FIXUP("rdmsr") : "+a" (lo), "+d" (hi) : "c" (0x831) : "memory");
    if (exc_last_vector != 13)
        FAIL("x2APIC: rdmsr 0x831 (no such register) gave %s",
             exc_last_vector == EXC_NONE ? "no fault" : exc_name((unsigned int)exc_last_vector));
    /* Back to masked LVTs and a stopped timer. */
    for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        uint32_t val = regs[i] == 0x83E || regs[i] == 0x838 ? 0 : 0x10000;

        __asm__ volatile (EXC_FIXUP("wrmsr") :: "c" (regs[i]), "a" (val), "d" (0) : "memory");
    }
    printf("hcfuzz: x2APIC LVT and timer registers keep their values\n");
}

/*
 * Regression check: with paging on, a WRMSR that flips EFER.LME raises #GP
 * and changes nothing (Oryx once took it, leaving a 64-bit guest with LMA
 * but no LME). With paging off (mode 32) it is allowed.
 */
static void check_efer(void)
{
    uint32_t lo = 0, hi = 0, lo2 = 0, hi2 = 0;
    bool pg = read_cr0() & 0x80000000UL;
    int vec;

    __asm__ volatile ("rdmsr" : "=a" (lo), "=d" (hi) : "c" (0xC0000080u));
    exc_reset();
    __asm__ volatile (EXC_FIXUP("wrmsr") :: "c" (0xC0000080u), "a" (lo ^ 0x100), "d" (hi)
                      : "memory");
    vec = exc_last_vector;
    __asm__ volatile ("rdmsr" : "=a" (lo2), "=d" (hi2) : "c" (0xC0000080u));
    if (pg && (vec != 13 || lo2 != lo || hi2 != hi))
        FAIL("EFER 0x%x, paging on: flipping LME gave %s and EFER 0x%x", lo,
             vec == EXC_NONE ? "no fault" : exc_name((unsigned int)vec), lo2);
    if (!pg && (vec != EXC_NONE || ((lo2 ^ lo) & 0x100) == 0))
        FAIL("EFER 0x%x, paging off: flipping LME gave %s and EFER 0x%x", lo,
             vec == EXC_NONE ? "no fault" : exc_name((unsigned int)vec), lo2);
    if (!pg)
        __asm__ volatile ("wrmsr" :: "c" (0xC0000080u), "a" (lo), "d" (hi) : "memory");
    printf("hcfuzz: EFER.LME %s with paging %s\n", pg ? "fixed" : "writable", pg ? "on" : "off");
}

static void print_ms(const char *what, uint64_t ns)
{
    uint64_t ms = div64(ns, 1000000, 0), rem;
    uint64_t s = div64(ms, 1000, &rem);

    printf("%s%llu.%03llu s", what, (unsigned long long)s, (unsigned long long)rem);
}

static void report(uint64_t done, uint64_t total, uint64_t ns)
{
    cons_break();
    printf("hcfuzz: %llu/%llu calls, ", (unsigned long long)done, (unsigned long long)total);
    print_ms("", ns);
    printf(": hc %llu msr %llu [gp %llu] io %llu cpuid %llu svm %llu [ud %llu fault %llu] "
           "mmio %llu nmi %llu\n",
           (unsigned long long)st.kind[K_HC], (unsigned long long)st.kind[K_MSR],
           (unsigned long long)st.msr_gp, (unsigned long long)st.kind[K_IO],
           (unsigned long long)st.kind[K_CPUID], (unsigned long long)st.kind[K_SVM],
           (unsigned long long)st.svm_ud, (unsigned long long)st.insn_fault,
           (unsigned long long)st.kind[K_MMIO], (unsigned long long)st.nmis);
    printf("hcfuzz:   hypercall results: ok %llu nosys %llu fault %llu perm %llu inval %llu "
           "other %llu exception %llu\n", (unsigned long long)st.hc_res[R_OK],
           (unsigned long long)st.hc_res[R_ENOSYS], (unsigned long long)st.hc_res[R_EFAULT],
           (unsigned long long)st.hc_res[R_EPERM], (unsigned long long)st.hc_res[R_EINVAL],
           (unsigned long long)st.hc_res[R_OTHER], (unsigned long long)st.hc_exc);
}

void test_main(void)
{
    /* Read now: the start-of-day area is in low RAM, fair game later. */
    uint64_t seed = cmdline_u64("seed", 1);
    uint64_t calls = cmdline_u64("calls", 10000);
    uint64_t every = cmdline_u64("report", 0);
    bool chipset = cmdline_has("chipset");
    uint32_t all = chipset ? 0x3F : 0x1F;
    uint32_t mask = (uint32_t)cmdline_u64("mask", all) & all;

    trace_from = cmdline_u64("trace", ~0ULL);
    uint64_t i, t0, t1, next_report;
    uint32_t sum;
    unsigned int v;

    if (cons_debugcon())
        FAIL("hcfuzz needs the hypervisor (no debugcon)");
    if (!mask)
        mask = all;
    if (!every)
        every = calls >= 10 ? div64(calls, 10, 0) : 1;
    find_ram();
    find_self();
    make_guard();
    rng_seed(seed);
    arena_fill_all();
    for (v = 0; v < 32; v++)
        trap_handler[v] = fuzz_trap;
    check_x2apic_regs();
    check_efer();
    sum = image_sum();
    printf("hcfuzz: seed %llu calls %llu mask 0x%x (domid %u, RAM to 0x%lx, image to 0x%lx)\n",
           (unsigned long long)seed, (unsigned long long)calls, mask,
           (unsigned int)self_domid, ram_end, image_end);

    next_report = every;
    t0 = now_ns();
    for (i = 0; i < calls; i++) {
        uint32_t k;

        cur_iter = i;
        arena_stir();
        do {
            k = rnd_below(100);
            k = k < 6 && chipset ? K_MMIO : k < 60 ? K_HC : k < 74 ? K_MSR : k < 84 ? K_IO :
                k < 92 ? K_CPUID : K_SVM;
        } while (!(mask & (1u << k)));
        switch (k) {
        case K_HC:
            hc_one();
            break;
        case K_MSR:
            msr_one();
            break;
        case K_IO:
            io_one();
            break;
        case K_CPUID:
            cpuid_one();
            break;
        case K_MMIO:
            mmio_one();
            break;
        default:
            svm_one();
            break;
        }
        if (i + 1 == next_report || i + 1 == calls) {
            if (image_sum() != sum)
                FAIL("our text changed during calls up to %llu (last: %s)",
                     (unsigned long long)i, cur_desc);
            if (i + 1 != calls)
                report(i + 1, calls, now_ns() - t0);
            next_report += every;
        }
    }
    t1 = now_ns();
    report(calls, calls, t1 - t0);
    printf("hcfuzz: calls %llu in ", (unsigned long long)calls);
    print_ms("", t1 - t0);
    printf(", %llu calls/s (mode %s seed %llu)\n",
           (unsigned long long)div64(calls * 1000000000ULL, t1 - t0 ? t1 - t0 : 1, 0),
           guest_mode(), (unsigned long long)seed);
}
