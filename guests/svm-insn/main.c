/*
 * svm-insn: the SVM instructions are not available to a guest. VMRUN,
 * VMLOAD, VMSAVE, STGI, CLGI, SKINIT and INVLPGA must each raise #UD at
 * the instruction itself (RIP not advanced); VMMCALL with an unknown
 * hypercall number returns -ENOSYS. Expected: PASS.
 */
#include "guest.h"

const char test_name[] = "svm-insn";

#define UD_VECTOR 6

/* Run one 3-byte instruction with a fixup; return the vector seen. */
#define TRY_INSN(bytes) ({ \
    exc_reset(); \
    __asm__ volatile (EXC_FIXUP(".byte " bytes) \
                      :: "a" (0), "c" (0) : "memory"); \
    exc_last_vector; \
})

static void expect_ud(const char *name, int vec)
{
    if (vec == EXC_NONE)
        guest_fail("%s executed without an exception", name);
    if (vec != UD_VECTOR)
        guest_fail("%s raised %s (%d), expected #UD", name,
                   exc_name((unsigned int)vec), vec);
    printf("%s: #UD\n", name);
}

void test_main(void)
{
    expect_ud("VMRUN",   TRY_INSN("0x0f, 0x01, 0xd8"));
    expect_ud("VMLOAD",  TRY_INSN("0x0f, 0x01, 0xda"));
    expect_ud("VMSAVE",  TRY_INSN("0x0f, 0x01, 0xdb"));
    expect_ud("STGI",    TRY_INSN("0x0f, 0x01, 0xdc"));
    expect_ud("CLGI",    TRY_INSN("0x0f, 0x01, 0xdd"));
    expect_ud("SKINIT",  TRY_INSN("0x0f, 0x01, 0xde"));
    expect_ud("INVLPGA", TRY_INSN("0x0f, 0x01, 0xdf"));

    if (cons_debugcon()) {
        printf("debugcon: VMMCALL not tried\n");
        return;
    }
    CHECK_RC(hypercall_raw(60, 0, 0, 0, 0, 0), -ENOSYS);
    printf("VMMCALL 60: -ENOSYS\n");
}
