/*
 * icebp: ICEBP (INT1, F1) raises #DB as a trap, as on hardware (QEMU's
 * TCG alone raises #UD for it; Oryx delivers it).
 *  - F1, and F1 behind prefixes (67; 66 F3 67; REX.W in long mode): #DB
 *    with the saved IP past the whole instruction, DR6 as it was.
 *  - With TF set, the ICEBP's #DB also reports the single step (DR6.BS).
 *  - #DB gate not present: #NP with error code 0x0B (vector 1, IDT, EXT)
 *    and IP at the ICEBP; a gate of a wrong type: #GP(0x0B) likewise.
 *  - LOCK F1 and UD2 still raise #UD at the instruction.
 * Expected: PASS.
 */
#include "guest.h"

const char test_name[] = "icebp";

#if defined(__x86_64__)
#define SP_REG "rsp"
#define GATE_SIZE 16
#else
#define SP_REG "esp"
#define GATE_SIZE 8
#endif

/* Each stub is the instruction under test, then RET. */
#define STUB(name, bytes) \
    __asm__(".pushsection .text\n" \
            ".globl " #name ", " #name "_end\n" \
            #name ": .byte " bytes "\n" \
            #name "_end: ret\n" \
            ".popsection\n"); \
    extern const char name[], name##_end[];

STUB(icebp_plain, "0xf1")
STUB(icebp_addr, "0x67, 0xf1")
STUB(icebp_prefixes, "0x66, 0xf3, 0x67, 0xf1")
#if defined(__x86_64__)
STUB(icebp_rex, "0x48, 0xf1")
#endif
STUB(icebp_lock, "0xf0, 0xf1")
STUB(ud2, "0x0f, 0x0b")

static volatile unsigned long got_vec, got_ip, got_err, got_dr6, resume;

static unsigned long read_dr6(void)
{
    unsigned long v;

    __asm__ volatile ("mov %%db6, %0" : "=r" (v));
    return v;
}

static void write_dr6(unsigned long v)
{
    __asm__ volatile ("mov %0, %%db6" :: "r" (v));
}

/* Records the exception; a fault resumes at `resume`, #DB (a trap) where
 * it stands, with TF cleared. */
static void record(struct cpu_regs *r)
{
    got_vec = r->vec;
    got_ip = r->ip;
    got_err = r->err;
    if (r->vec == 1) {
        got_dr6 = read_dr6();
        r->flags &= ~0x100UL;
    } else {
        r->ip = resume;
    }
}

static void run(const char *start, const char *end)
{
    got_vec = ~0UL;
    resume = (unsigned long)end;
    write_dr6(0);
    ((void (*)(void))(unsigned long)start)();
}

static void expect(const char *what, unsigned long vec, const char *ip, long err)
{
    if (got_vec == ~0UL)
        guest_fail("%s: no exception", what);
    if (got_vec != vec)
        guest_fail("%s: expected %s, got %s (IP %p)", what, exc_name((unsigned int)vec),
                   exc_name((unsigned int)got_vec), (void *)got_ip);
    if (got_ip != (unsigned long)ip)
        guest_fail("%s: %s with IP %p, expected %p", what, exc_name((unsigned int)vec),
                   (void *)got_ip, ip);
    if (err >= 0 && got_err != (unsigned long)err)
        guest_fail("%s: error code 0x%lx, expected 0x%lx", what, got_err, (unsigned long)err);
}

static void expect_trap(const char *what, const char *start, const char *end)
{
    run(start, end);
    expect(what, 1, end, -1);
    if (got_dr6 != 0xFFFF0FF0UL)
        guest_fail("%s: DR6 0x%lx in the #DB handler, expected 0xffff0ff0", what, got_dr6);
}

/* ICEBP right after POPF set TF: the single step is reported with it. */
static __attribute__((noinline)) void icebp_with_tf(void)
{
    got_vec = ~0UL;
    write_dr6(0);
    __asm__ volatile ("pushf\n"
                      "orl $0x100, (%%" SP_REG ")\n"
                      "popf\n"
                      ".globl icebp_tf, icebp_tf_end\n"
                      "icebp_tf: .byte 0xf1\n"
                      "icebp_tf_end:\n" ::: "memory", "cc");
}
extern const char icebp_tf[], icebp_tf_end[];

struct __attribute__((packed)) idt_desc {
    uint16_t limit;
    unsigned long base;
};

/* The #DB gate's type/present byte (the same offset in both formats). */
static volatile uint8_t *db_gate_type(void)
{
    struct idt_desc d;

    __asm__ volatile ("sidt %0" : "=m" (d));
    return (volatile uint8_t *)(d.base + 1 * GATE_SIZE + 5);
}

void test_main(void)
{
    volatile uint8_t *type = db_gate_type();
    uint8_t saved = *type;

    trap_handler[1] = trap_handler[6] = trap_handler[11] = trap_handler[13] = record;

    expect_trap("F1", icebp_plain, icebp_plain_end);
    expect_trap("67 F1", icebp_addr, icebp_addr_end);
    expect_trap("66 F3 67 F1", icebp_prefixes, icebp_prefixes_end);
#if defined(__x86_64__)
    expect_trap("48 F1", icebp_rex, icebp_rex_end);
#endif
    printf("ICEBP: #DB trap, IP past the prefixes and F1, DR6 unchanged\n");

    icebp_with_tf();
    expect("F1 with TF", 1, icebp_tf_end, -1);
    if (got_dr6 != 0xFFFF4FF0UL)
        guest_fail("F1 with TF: DR6 0x%lx in the #DB handler, expected 0xffff4ff0 (BS)", got_dr6);
    printf("ICEBP with TF: one #DB with DR6.BS\n");

    *type = saved & 0x7F;
    run(icebp_plain, icebp_plain_end);
    *type = saved;
    expect("F1, #DB gate not present", 11, icebp_plain, 0x0B);
    *type = (saved & 0xF0) | 0x0C;          /* a call gate: not allowed in the IDT */
    run(icebp_addr, icebp_addr_end);
    *type = saved;
    expect("67 F1, #DB gate of type 0xC", 13, icebp_addr, 0x0B);
    printf("ICEBP faults: #NP/#GP(0x0b) at the ICEBP\n");

    run(icebp_lock, icebp_lock_end);
    expect("F0 F1", 6, icebp_lock, -1);
    run(ud2, ud2_end);
    expect("UD2", 6, ud2, -1);
    printf("#UD: LOCK ICEBP and UD2 still raise it\n");

    expect_trap("F1 again", icebp_plain, icebp_plain_end);
}
