/* IDT set-up and the C side of exception handling. */
#include "traps.h"
#include "arch.h"
#include "layout.h"
#include "runtime.h"

#define NR_VECTORS 256
#define NR_EXCEPTIONS 32

volatile int exc_last_vector = EXC_NONE;
volatile unsigned long exc_last_ip;

extern const unsigned long exc_stubs[NR_VECTORS];
extern const struct exc_fixup __exc_fixup_start[], __exc_fixup_end[];

#if defined(__x86_64__)
struct idt_gate {
    uint16_t off_lo;
    uint16_t sel;
    uint8_t  ist;
    uint8_t  type;
    uint16_t off_mid;
    uint32_t off_hi;
    uint32_t zero;
};
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate");
#else
struct idt_gate {
    uint16_t off_lo;
    uint16_t sel;
    uint8_t  zero;
    uint8_t  type;
    uint16_t off_hi;
};
_Static_assert(sizeof(struct idt_gate) == 8, "32-bit IDT gate");
#endif

struct __attribute__((packed)) idt_desc {
    uint16_t limit;
    unsigned long base;
};

static struct idt_gate idt[NR_VECTORS] __attribute__((aligned(16)));

static const char *const names[NR_EXCEPTIONS] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
    "#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "rsvd15",
    "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "rsvd22", "rsvd23",
    "rsvd24", "rsvd25", "rsvd26", "rsvd27", "#HV", "#VC", "#SX", "rsvd31",
};

const char *exc_name(unsigned int vec)
{
    return vec < NR_EXCEPTIONS ? names[vec] : "?";
}

static void load_idt(uint16_t limit, const void *base)
{
    struct idt_desc d = { limit, (unsigned long)base };

    __asm__ volatile ("lidt %0" :: "m" (d) : "memory");
}

void traps_init(void)
{
    unsigned int v;

    for (v = 0; v < NR_VECTORS; v++) {
        unsigned long a = exc_stubs[v];

        idt[v].off_lo = (uint16_t)a;
        idt[v].sel = SEL_CODE;
        idt[v].type = 0x8e;             /* present, DPL 0, interrupt gate */
#if defined(__x86_64__)
        idt[v].ist = 0;
        idt[v].off_mid = (uint16_t)(a >> 16);
        idt[v].off_hi = (uint32_t)(a >> 32);
        idt[v].zero = 0;
#else
        idt[v].zero = 0;
        idt[v].off_hi = (uint16_t)(a >> 16);
#endif
    }
    load_idt(sizeof(idt) - 1, idt);
}

void traps_load_empty_idt(void)
{
    load_idt(0, 0);
}

void (*trap_handler[NR_VECTORS])(struct cpu_regs *r);

void trap_dispatch(struct cpu_regs *r);
void trap_dispatch(struct cpu_regs *r)
{
    const struct exc_fixup *f;

    if (r->vec < NR_VECTORS && trap_handler[r->vec]) {
        trap_handler[r->vec](r);
        return;
    }
    /* Not at a fixup: an interrupt may arrive at any instruction. */
    if (r->vec >= NR_EXCEPTIONS)
        guest_fail("unexpected interrupt %u at RIP %p", (unsigned int)r->vec,
                   (void *)(unsigned long)r->ip);

    for (f = __exc_fixup_start; f < __exc_fixup_end; f++) {
        if (f->fault == r->ip) {
            exc_last_vector = (int)r->vec;
            exc_last_ip = r->ip;
            r->ip = f->fixup;
            return;
        }
    }
    if (r->vec == 14)
        guest_fail("exception %u (%s) err=%lx at RIP %p cr2=%p",
                   (unsigned int)r->vec, exc_name((unsigned int)r->vec),
                   (unsigned long)r->err, (void *)(unsigned long)r->ip,
                   (void *)read_cr2());
    guest_fail("exception %u (%s) err=%lx at RIP %p",
               (unsigned int)r->vec, exc_name((unsigned int)r->vec),
               (unsigned long)r->err, (void *)(unsigned long)r->ip);
}
