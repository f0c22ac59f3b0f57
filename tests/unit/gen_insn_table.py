#!/usr/bin/env python3
"""Generate tests/unit/insn_gas_table.h: x86 encodings and their lengths as
GNU as emits them, for the instruction-length decoder's cross-check.

Every template below is assembled in 16-bit (.code16), 32-bit and 64-bit
mode as applicable; each instruction sits between two labels, so its length
is the assembler's own (not a disassembler's opinion). Templates that gas
refuses in a mode are dropped with a note on stderr.

Template syntax: an optional mode tag ("16,32:" or "64:" or "32,64:") then
AT&T text. MEM is replaced by addressing forms of the mode (a rotating
subset of two, or all of them for lines tagged "*"). Raw bytes: ".byte ...".

Usage: tests/unit/gen_insn_table.py > tests/unit/insn_gas_table.h
"""
import os
import subprocess
import sys
import tempfile

MODES = (16, 32, 64)

MEM_FORMS = {
    16: ["(%bx,%si)", "0x12(%bx,%di)", "0x1234(%bp,%si)", "(%bp)", "0x1234",
         "(%si)", "-0x12(%di)", "0x7f(%bx)", "(%eax)", "0x12345678(%eax,%ebx,2)",
         "(%esp)", "0x12(%ebp)", "%es:(%bx)", "0x1000(,%ecx,4)"],
    32: ["(%eax)", "0x12(%ebx)", "0x12345678(%ecx)", "(%esp)", "(%ebp)",
         "0x10(%eax,%ebx,4)", "0x1000(,%ecx,8)", "0x12345678", "-0x80(%esp,%esi,2)",
         "(%bx,%si)", "0x1234(%bp)", "0x12(%bp,%di)", "%fs:0x10(%eax)", "0x7fff"],
    64: ["(%rax)", "0x12(%rbx)", "0x12345678(%rcx)", "(%rsp)", "(%rbp)", "(%r12)",
         "(%r13)", "0x10(%rax,%rbx,4)", "0x1000(,%rcx,8)", "0x12345678",
         "0x100(%rip)", "(%eax)", "0x80(%r8d,%r9d)", "-0x10(%r15,%r14,8)",
         "%gs:0x28", "0x12(%esp)"],
}

ALU = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"]
SHIFTS = ["rol", "ror", "rcl", "rcr", "shl", "shr", "sar"]
CC = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"]


def templates():
    t = []
    a = t.append
    # --- one-byte map: ALU groups 00-3F and 80-83 ---
    for op in ALU:
        a(f"*{op}b %al, MEM" if op == "add" else f"{op}b %al, MEM")
        a(f"{op}l %eax, MEM")
        a(f"{op}w %si, MEM")
        a(f"{op}b MEM, %cl")
        a(f"{op}l MEM, %edx")
        a(f"{op}b $0x12, %al")
        a(f"{op}w $0x1234, %ax")
        a(f"{op}l $0x12345678, %eax")
        a(f"{op}b $0x12, MEM")
        a(f"{op}l $0x12345678, MEM")
        a(f"{op}w $0x1234, MEM")
        a(f"{op}l $0x12, MEM")
        a(f"{op}w $-1, %si")
        a(f"{op}l $0x1000, %ebx")
        a(f"{op}b %bh, %dl")
        a(f"64:{op}q %rax, MEM")
        a(f"64:{op}q $0x12345678, MEM")
        a(f"64:{op}q $-3, %r9")
        a(f"64:{op}b %sil, %r10b")
        a(f"64:{op}q $0x12345678, %rax")
        if op != "cmp":
            a(f"lock {op}l %eax, MEM")
            a(f"lock {op}b $1, MEM")
    a("16,32:.byte 0x82, 0xc0, 0x12")
    a("16,32:.byte 0x82, 0x00, 0x12")
    for s in ["es", "cs", "ss", "ds"]:
        a(f"16,32:push %{s}")
        if s != "cs":
            a(f"16,32:pop %{s}")
    for s in ["fs", "gs"]:
        a(f"push %{s}")
        a(f"pop %{s}")
        a(f"64:pushw %{s}")
    for op in ["daa", "das", "aaa", "aas", "aam", "aad", "aam $0x10", "aad $0x10",
               "pusha", "popa", "pushal", "popaw", "into", ".byte 0xd6"]:
        a("16,32:" + op)
    a("16,32:inc %eax")
    a("16,32:dec %cx")
    a("inc %ecx")
    a("64:inc %r8")
    a("incb MEM")
    a("decl MEM")
    a("incw MEM")
    a("lock incl MEM")
    a("lock decb MEM")
    a("16,32:push %eax")
    a("16,32:pop %si")
    a("64:push %rax")
    a("64:push %r12")
    a("64:pop %r15")
    a("64:pushw %ax")
    a("64:pop %rbp")
    a("16,32:bound %eax, MEM")
    a("16,32:bound %dx, MEM")
    a("16,32:arpl %ax, MEM")
    a("16,32:arpl %ax, %bx")
    a("64:movslq MEM, %rax")
    a("64:movslq %eax, %r11")
    a("16,32:pushl $0x12345678")
    a("pushw $0x1234")
    a("push $0x12")
    a("64:pushq $0x12345678")
    a("64:pushq $-0x10")
    a("imul $0x12345678, MEM, %eax")
    a("imul $0x12, MEM, %ecx")
    a("imul $0x1234, %ax, %bx")
    a("imul $-2, %edx, %esi")
    a("64:imul $0x1000, %r8, %r9")
    for op in ["insb", "insw", "insl", "outsb", "outsw", "outsl", "rep insb",
               "rep outsl", "movsb", "movsw", "movsl", "cmpsb", "cmpsl", "scasb",
               "scasw", "lodsb", "lodsl", "stosb", "stosl", "rep movsb",
               "rep stosl", "repne scasb", "repe cmpsw", "xlat",
               "cbw", "cwde", "cwd", "cltd", "nop", "pause", "fwait", "pushf",
               "popf", "sahf", "lahf", "ret", "lret", "iret", "leave", "int3",
               "int1", "hlt", "cmc", "clc", "stc", "cli", "sti", "cld", "std",
               "in (%dx), %al", "in (%dx), %ax", "in (%dx), %eax",
               "out %al, (%dx)", "out %eax, (%dx)", "in $0x60, %al",
               "in $0x60, %eax", "out %al, $0x80", "outw %ax, $0x80",
               "int $0x80", "ret $0x10", "lret $8", "enter $0x10, $2",
               "enter $0x1234, $0", "iretw", "xchg %eax, %ecx", "xchg %ax, %dx",
               "cs nop", "fs nop", "repz ret", "lock addl $1, MEM",
               ".byte 0x66, 0x66, 0x66, 0x90",
               ".byte 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65, 0x66, 0x67, 0xf2, 0xf3, 0x90"]:
        a(op)
    for op in ["movsq", "cmpsq", "scasq", "lodsq", "stosq", "rep stosq", "cltq",
               "cqto", "iretq", "pushfq", "popfq", "xchg %rax, %r8",
               "xchg %r9d, %eax", "lretq", "swapgs", "sysretq", "syscall",
               ".byte 0x48, 0x90", ".byte 0x41, 0x90", ".byte 0x48, 0x66, 0x90",
               ".byte 0x40, 0x48, 0x8b, 0x00"]:
        a("64:" + op)
    for cc in CC:
        a(f"j{cc} .+0x10")
        a(f"j{cc} .+0x1000")
        a(f"set{cc} MEM")
        a(f"set{cc} %al")
        a(f"cmov{cc} MEM, %eax")
        a(f"cmov{cc}w %bx, %cx")
        a(f"64:cmov{cc} MEM, %r10")
    a("test %al, MEM")
    a("test %eax, MEM")
    a("test %bx, %cx")
    a("xchg %al, MEM")
    a("xchg %eax, MEM")
    a("lock xchg %ecx, MEM")
    a("64:xchg %r12, MEM")
    a("*mov %eax, MEM")
    a("mov %al, MEM")
    a("mov MEM, %bl")
    a("mov MEM, %ebx")
    a("movw %ds, MEM")
    a("mov MEM, %es")
    a("mov %cs, %eax")
    a("mov %ax, %ss")
    a("64:mov MEM, %r11")
    a("64:mov %r8, MEM")
    a("64:mov %spl, MEM")
    a("*lea MEM, %eax")
    a("lea MEM, %si")
    a("64:lea MEM, %r14")
    a("16,32:popl MEM")
    a("popw MEM")
    a("64:popq MEM")
    a("16,32:lcalll $0x1234, $0x12345678")
    a("16,32:lcallw $0x1234, $0x5678")
    a("16,32:ljmp $0x1234, $0x5678")
    a("16,32:ljmpl $0x1234, $0x12345678")
    a("16:mov 0x1234, %ax")
    a("16:mov %al, 0x1234")
    a("16:addr32 mov 0x12345678, %eax")
    a("32:mov 0x12345678, %eax")
    a("32:mov %al, 0x12345678")
    a("32:mov %ax, 0x12345678")
    a("32:addr16 mov 0x1234, %al")
    a("64:movabs 0x1122334455667788, %al")
    a("64:movabs %rax, 0x1122334455667788")
    a("64:movabs 0x1122334455667788, %eax")
    a("64:addr32 movabs 0x12345678, %eax")
    a("test $0x12, %al")
    a("test $0x12345678, %eax")
    a("testw $0x1234, %ax")
    a("64:test $0x12345678, %rax")
    for r in ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"]:
        a(f"mov $0x12, %{r}")
    for r in ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"]:
        a(f"mov $0x12345678, %{r}")
    a("mov $0x1234, %si")
    a("64:movabs $0x1122334455667788, %rax")
    a("64:movabs $0x1122334455667788, %r15")
    a("64:mov $-1, %rax")
    a("64:mov $0x12, %r9b")
    a("64:mov $0x1234, %r10w")
    for op in SHIFTS:
        a(f"{op}b $3, MEM")
        a(f"{op}l $5, MEM")
        a(f"{op}w $1, %ax")
        a(f"{op}l %cl, %eax")
        a(f"{op}b %cl, MEM")
        a(f"{op}l MEM")
        a(f"{op}b MEM")
        a(f"64:{op}q $7, %r13")
    a(".byte 0xc1, 0xf0, 0x03")          # SAL alias /6
    a("16,32:les MEM, %eax")
    a("16,32:lds MEM, %bx")
    a("movb $0x12, MEM")
    a("*movl $0x12345678, MEM")
    a("movw $0x1234, MEM")
    a("64:movq $0x12345678, MEM")
    a("xabort $0x12")
    a("xbegin .+0x100")
    for op in ["fadds", "fmuls", "fcoms", "fcomps", "fsubs", "fsubrs", "fdivs",
               "fdivrs", "flds", "fsts", "fstps", "fldenv", "fldcw", "fnstenv",
               "fnstcw", "fiaddl", "fimull", "ficoml", "fisubl", "fidivl",
               "fildl", "fisttpl", "fistl", "fistpl", "fldt", "fstpt",
               "faddl", "fmull", "fcompl", "fsubl", "fdivrl", "fldl", "fisttpll",
               "fstl", "fstpl", "frstor", "fnsave", "fnstsw", "fiadds", "fimuls",
               "ficomps", "fisubrs", "fidivrs", "filds", "fisttps", "fists",
               "fistps", "fbld", "fildll", "fbstp", "fistpll"]:
        a(f"{op} MEM")
    for op in ["fadd %st(1), %st", "fmul %st(2), %st", "fcom %st(3)",
               "fcomp %st(1)", "fsub %st(1), %st", "fsubr %st(1), %st",
               "fdiv %st(1), %st", "fdivr %st(1), %st", "fld %st(1)",
               "fxch %st(2)", "fnop", "fchs", "fabs", "ftst", "fxam", "fld1",
               "fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2", "fldz", "f2xm1",
               "fyl2x", "fptan", "fpatan", "fxtract", "fprem1", "fdecstp",
               "fincstp", "fprem", "fyl2xp1", "fsqrt", "fsincos", "frndint",
               "fscale", "fsin", "fcos", "fcmovb %st(1), %st",
               "fcmove %st(1), %st", "fcmovbe %st(1), %st", "fcmovu %st(1), %st",
               "fucompp", "fcmovnb %st(1), %st", "fnclex", "fninit",
               "fucomi %st(1), %st", "fcomi %st(2), %st", "fadd %st, %st(1)",
               "fmul %st, %st(2)", "ffree %st(1)", "fst %st(1)", "fstp %st(2)",
               "fucom %st(1)", "fucomp %st(1)", "faddp %st, %st(1)",
               "fmulp %st, %st(1)", "fcompp", "fsubrp %st, %st(1)",
               "fdivp %st, %st(1)", "fnstsw %ax", "fucomip %st(1), %st",
               "fcomip %st(1), %st"]:
        a(op)
    for op in ["loop", "loope", "loopne"]:
        a(f"{op} .+0x10")
    a("16,32:jecxz .+0x10")
    a("16,32:jcxz .+0x10")
    a("64:jrcxz .+0x10")
    a("64:jecxz .+0x10")
    a("call .+0x1000")
    a("jmp .+0x1000")
    a("jmp .+0x10")
    a("16,32:callw .+0x100")
    a("16,32:calll .+0x100")
    a("testb $0x12, MEM")
    a("*testl $0x12345678, MEM")
    a("testw $0x1234, MEM")
    a(".byte 0xf6, 0xc8, 0x12")          # TEST alias /1
    a("64:testq $0x12345678, MEM")
    for op in ["not", "neg", "mul", "imul", "div", "idiv"]:
        a(f"{op}b MEM")
        a(f"{op}l MEM")
        a(f"{op}w %si")
    a("lock notl MEM")
    a("lock negb MEM")
    a("16,32:call *MEM")
    a("16,32:call *%eax")
    a("16,32:jmp *MEM")
    a("64:call *MEM")
    a("64:call *%rax")
    a("64:jmp *%r11")
    a("64:jmp *MEM")
    a("lcall *MEM")
    a("ljmp *MEM")
    a("16,32:pushl MEM")
    a("pushw MEM")
    a("64:pushq MEM")
    a("notrack jmp *MEM")
    a("bnd jmp .+0x100")
    a("xacquire lock addl $1, MEM")
    a("xrelease movl $0, MEM")

    # --- two-byte map 0F ---
    for op in ["sldt", "str", "lldt", "ltr", "verr", "verw", "sgdt", "sidt",
               "lgdt", "lidt", "smsw", "lmsw", "invlpg", "fxsave", "fxrstor",
               "ldmxcsr", "stmxcsr", "xsave", "xrstor", "xsaveopt", "clflush",
               "clflushopt", "clwb", "prefetch", "prefetchw", "prefetchnta",
               "prefetcht0", "prefetcht1", "prefetcht2", "nopw", "nopl",
               "cmpxchg8b", "vmptrld", "vmptrst", "vmclear", "vmxon", "xrstors",
               "xsavec", "xsaves", "rstorssp", "clrssbsy", "cldemote"]:
        a(f"{op} MEM")
    a("16,32:lgdtl MEM")
    a("smsw %eax")
    a("str %ax")
    a("lmsw %ax")
    a("sldt %eax")
    for op in ["vmcall", "vmlaunch", "vmresume", "vmxoff", "monitor", "mwait",
               "clac", "stac", "encls", "xgetbv", "xsetbv", "vmfunc", "xend",
               "xtest", "enclu", "vmrun", "vmmcall", "vmload", "vmsave", "stgi",
               "clgi", "skinit", "invlpga", "rdtscp", "monitorx", "mwaitx",
               "clzero", "rdpkru", "wrpkru", "serialize", "rdpru", "invlpgb",
               "tlbsync", "clts", "invd", "wbinvd", "femms", "wrmsr", "rdtsc",
               "rdmsr", "rdpmc", "sysenter", "sysexit", "getsec", "emms",
               "cpuid", "rsm", "lfence", "mfence", "sfence", "endbr32",
               "endbr64", "setssbsy", "saveprevssp", "rdsspd %eax", "incsspd %eax",
               "wbnoinvd", "xsusldtrk", "xresldtrk", "hreset $1"]:
        a(op)
    a("lar MEM, %eax")
    a("lsl MEM, %dx")
    a("lar %ax, %cx")
    for op in ["pfadd", "pfsub", "pfmul", "pi2fd", "pf2id", "pfrcp", "pswapd",
               "pmulhrw", "pavgusb", "pfcmpeq", "pfmax", "pfacc"]:
        a(f"{op} MEM, %mm0")
        a(f"{op} %mm1, %mm2")
    a("16,32:mov %cr0, %eax")
    a("16,32:mov %eax, %cr3")
    a("16,32:mov %cr4, %edx")
    a("16,32:mov %dr7, %eax")
    a("16,32:mov %eax, %dr0")
    a("64:mov %cr0, %rax")
    a("64:mov %rax, %cr3")
    a("64:mov %cr8, %rax")
    a("64:mov %r9, %cr8")
    a("64:mov %dr7, %r10")
    a(".byte 0x0f, 0x20, 0x00")           # mod is ignored: no SIB or disp follows
    a(".byte 0x0f, 0x22, 0x45")
    a("16,32:.byte 0xf0, 0x0f, 0x20, 0xc0")  # AMD AltMovCr8
    sse_rm = ["movups", "movupd", "movss", "movsd", "movlps", "unpcklps",
              "unpckhpd", "movhps", "movaps", "movapd", "cvtsi2ssl", "cvttss2si",
              "cvtsd2si", "ucomiss", "comisd", "sqrtps", "rsqrtss",
              "rcpps", "andps", "andnpd", "orps", "xorpd", "addps", "mulss",
              "cvtps2pd", "cvtdq2ps", "cvttps2dq", "subpd", "minps", "divss",
              "maxsd", "punpcklbw", "punpcklwd", "punpckldq", "packsswb",
              "pcmpgtb", "pcmpgtw", "pcmpgtd", "packuswb", "punpckhbw",
              "punpckhwd", "punpckhdq", "packssdw", "punpcklqdq", "punpckhqdq",
              "movdqa", "movdqu", "pcmpeqb", "pcmpeqw", "pcmpeqd", "haddpd",
              "haddps", "hsubpd", "hsubps", "addsubpd", "addsubps", "psrlw",
              "psrld", "psrlq", "paddq", "pmullw", "psubusb", "psubusw",
              "pminub", "pand", "paddusb", "paddusw", "pmaxub", "pandn",
              "pavgb", "psraw", "psrad", "pavgw", "pmulhuw", "pmulhw",
              "cvttpd2dq", "cvtdq2pd", "psubsb", "psubsw", "pminsw", "por",
              "paddsb", "paddsw", "pmaxsw", "pxor", "psllw", "pslld", "psllq",
              "pmuludq", "pmaddwd", "psadbw", "psubb", "psubw", "psubd",
              "psubq", "paddb", "paddw", "paddd", "pshufb", "phaddw", "phaddd",
              "phaddsw", "pmaddubsw", "phsubw", "phsubd", "phsubsw", "psignb",
              "psignw", "psignd", "pmulhrsw", "pabsb", "pabsw", "pabsd",
              "pblendvb", "blendvps", "blendvpd", "ptest", "pmovsxbw",
              "pmovsxbd", "pmovsxbq", "pmovsxwd", "pmovsxwq", "pmovsxdq",
              "pmuldq", "pcmpeqq", "movntdqa", "packusdw", "pmovzxbw",
              "pmovzxbd", "pmovzxbq", "pmovzxwd", "pmovzxwq", "pmovzxdq",
              "pcmpgtq", "pminsb", "pminsd", "pminuw", "pminud", "pmaxsb",
              "pmaxsd", "pmaxuw", "pmaxud", "pmulld", "phminposuw",
              "sha1nexte", "sha1msg1", "sha1msg2", "sha256rnds2",
              "sha256msg1", "sha256msg2", "aesimc", "aesenc", "aesenclast",
              "aesdec", "aesdeclast", "gf2p8mulb", "lddqu", "movshdup",
              "movsldup", "movddup", "cvtpi2ps", "cvtps2pi", "cvtpd2pi"]
    for op in sse_rm:
        dst = "%mm0" if op in ("cvtps2pi", "cvtpd2pi") else "%xmm1"
        if op in ("cvttss2si", "cvtsd2si"):
            dst = "%eax"
        a(f"{op} MEM, {dst}")
    for op in ["punpcklbw", "pcmpeqb", "psubb", "paddd", "pmaddwd", "pshufb",
               "pabsd", "pmulhrsw", "pxor", "pand", "psrlq", "pavgb"]:
        a(f"{op} MEM, %mm3")
    a("64:movups MEM, %xmm12")
    a("64:cvtsi2sdq MEM, %xmm9")
    a("movntps %xmm0, MEM")
    a("movnti %eax, MEM")
    a("movntq %mm0, MEM")
    a("movntdq %xmm0, MEM")
    a("movd MEM, %mm0")
    a("movd %mm0, MEM")
    a("movd MEM, %xmm0")
    a("movq MEM, %xmm0")
    a("movq %xmm0, MEM")
    a("movq %mm1, MEM")
    a("movdqa %xmm0, MEM")
    a("movdqu %xmm2, MEM")
    a("movq2dq %mm0, %xmm1")
    a("movdq2q %xmm1, %mm0")
    a("pmovmskb %xmm1, %eax")
    a("maskmovq %mm1, %mm2")
    a("maskmovdqu %xmm1, %xmm2")
    a("64:movq %rax, %xmm3")
    for op in ["pshufd", "pshuflw", "pshufhw", "shufps", "shufpd", "cmpps",
               "cmpsd", "roundps", "roundss", "roundsd", "blendps", "blendpd",
               "pblendw", "palignr", "dpps", "dppd", "mpsadbw", "pclmulqdq",
               "pcmpestrm", "pcmpestri", "pcmpistrm", "pcmpistri", "sha1rnds4",
               "aeskeygenassist", "gf2p8affineqb", "gf2p8affineinvqb",
               "insertps", "pinsrb"]:
        src = "MEM"
        a(f"{op} $1, {src}, %xmm0")
    a("pshufw $1, MEM, %mm0")
    a("palignr $3, MEM, %mm1")
    a("pinsrw $1, MEM, %mm0")
    a("pinsrw $1, MEM, %xmm0")
    a("pinsrd $1, MEM, %xmm0")
    a("pextrw $1, %mm0, %eax")
    a("pextrw $1, %xmm0, MEM")
    a("pextrb $1, %xmm0, MEM")
    a("pextrd $1, %xmm0, MEM")
    a("extractps $1, %xmm0, MEM")
    a("64:pextrq $1, %xmm0, MEM")
    a("64:pinsrq $1, MEM, %xmm0")
    a("cmpeqps MEM, %xmm2")
    for op in ["psrlw", "psraw", "psllw", "psrld", "psrad", "pslld", "psrlq",
               "psllq"]:
        a(f"{op} $3, %mm0")
        a(f"{op} $3, %xmm1")
    a("psrldq $3, %xmm1")
    a("pslldq $3, %xmm1")
    a("16,32:vmread %eax, MEM")
    a("16,32:vmwrite MEM, %eax")
    a("64:vmread %rax, MEM")
    a("64:vmwrite MEM, %rax")
    a("extrq $1, $2, %xmm0")
    a("insertq $1, $2, %xmm1, %xmm0")
    a("extrq %xmm1, %xmm0")
    a("insertq %xmm1, %xmm0")
    a("movntss %xmm0, MEM")
    a("movntsd %xmm0, MEM")
    a("bt %eax, MEM")
    a("bts %eax, MEM")
    a("btr %eax, MEM")
    a("btc %eax, MEM")
    a("lock bts %eax, MEM")
    a("lock btc $3, MEM")
    a("btl $3, MEM")
    a("btsl $3, MEM")
    a("btrw $3, MEM")
    a("btcl $3, MEM")
    a("shld $3, %eax, MEM")
    a("shld %cl, %eax, MEM")
    a("shrd $3, %eax, MEM")
    a("shrd %cl, %ax, MEM")
    a("imul MEM, %eax")
    a("cmpxchg %al, MEM")
    a("cmpxchg %eax, MEM")
    a("lock cmpxchg %ecx, MEM")
    a("lock cmpxchg8b MEM")
    a("64:lock cmpxchg16b MEM")
    a("lss MEM, %eax")
    a("lfs MEM, %bx")
    a("lgs MEM, %eax")
    a("movzbl MEM, %eax")
    a("movzwl MEM, %eax")
    a("movsbl MEM, %eax")
    a("movswl MEM, %eax")
    a("movzbw %al, %dx")
    a("64:movzbl %sil, %r8d")
    a("64:movsbq MEM, %rax")
    a("popcnt MEM, %eax")
    a("tzcnt MEM, %eax")
    a("lzcnt MEM, %ecx")
    a("bsf MEM, %eax")
    a("bsr MEM, %dx")
    a("xadd %eax, MEM")
    a("lock xadd %al, MEM")
    a("bswap %eax")
    a("64:bswap %r12")
    a("64:bswap %rax")
    a("rdrand %eax")
    a("rdseed %ax")
    a("16,32:rdpid %eax")
    a("64:rdpid %rax")
    a("64:rdfsbase %rax")
    a("64:wrgsbase %eax")
    a("64:incsspq %rax")
    a("movbe MEM, %eax")
    a("movbe %ax, MEM")
    a("crc32b MEM, %eax")
    a("crc32l MEM, %eax")
    a("crc32w %ax, %ecx")
    a("64:crc32q MEM, %rax")
    a("adcx MEM, %eax")
    a("adox MEM, %eax")
    a("16,32:invept MEM, %eax")
    a("16,32:invvpid MEM, %eax")
    a("16,32:invpcid MEM, %eax")
    a("64:invept MEM, %rax")
    a("64:invpcid MEM, %rax")
    a("movdiri %eax, MEM")
    a("32:movdir64b MEM, %eax")
    a("16:movdir64b MEM, %di")
    a("64:movdir64b MEM, %rax")
    a("64:enqcmd MEM, %rax")
    a("ptwrite MEM")
    a("wrssd %eax, MEM")
    a("wrussd %eax, MEM")
    a("32:umonitor %eax")
    a("umwait %eax")
    a("tpause %ecx")

    # --- VEX ---
    for op in ["vaddps", "vmulpd", "vsubss", "vxorps", "vpaddd", "vpxor",
               "vpshufb", "vpermilps", "vunpcklps", "vmaxsd", "vpcmpeqq",
               "vandnps", "vhaddps", "vpsllvd", "vpsrlvq",
               "vpmaddwd", "vaesenc", "vpsadbw"]:
        a(f"{op} MEM, %xmm1, %xmm2")
        a(f"{op} MEM, %ymm1, %ymm2" if op not in ("vsubss", "vmaxsd") else f"{op} %xmm3, %xmm1, %xmm2")
    a("64:vaddps MEM, %ymm9, %ymm12")
    a("64:vpaddq %ymm15, %ymm14, %ymm13")
    for op in ["vmovups", "vmovdqu", "vmovdqa", "vmovaps", "vsqrtps",
               "vrcpps", "vcvtdq2ps", "vbroadcastss", "vpbroadcastd",
               "vptest", "vpmovzxbw", "vcvtph2ps", "vlddqu", "vmovshdup"]:
        a(f"{op} MEM, %ymm0")
    a("vmovdqu %ymm0, MEM")
    a("vmovd %xmm0, MEM")
    a("vmovq MEM, %xmm1")
    a("64:vmovq %xmm0, %rax")
    a("vzeroupper")
    a("vzeroall")
    a("vldmxcsr MEM")
    a("vstmxcsr MEM")
    for op in ["vpshufd", "vpermq", "vpermpd", "vroundps", "vblendps",
               "vpblendd", "vmpsadbw", "vdpps", "vpalignr", "vcmpps",
               "vshufps", "vpclmulqdq", "vgf2p8affineqb"]:
        src = "%ymm1, " if op not in ("vpshufd", "vpermq", "vpermpd", "vroundps") else ""
        a(f"{op} $1, MEM, {src}%ymm0")
    a("vpsrlw $3, %xmm1, %xmm2")
    a("vpslld $3, %ymm1, %ymm2")
    a("vpsrldq $3, %ymm1, %ymm2")
    a("vpinsrw $1, MEM, %xmm1, %xmm2")
    a("vpextrw $1, %xmm1, %eax")
    a("vpextrb $1, %xmm1, MEM")
    a("vinsertf128 $1, MEM, %ymm1, %ymm2")
    a("vextractf128 $1, %ymm1, MEM")
    a("vperm2f128 $1, MEM, %ymm1, %ymm2")
    a("vcvtps2ph $1, %ymm1, MEM")
    a("vblendvps %ymm3, MEM, %ymm1, %ymm2")
    a("vpblendvb %xmm3, MEM, %xmm1, %xmm2")
    a("vfmadd132ps MEM, %ymm1, %ymm2")
    a("vfmadd231sd MEM, %xmm1, %xmm2")
    a("vfnmsub213pd MEM, %ymm1, %ymm2")
    a("vfmaddps %xmm3, MEM, %xmm1, %xmm2")   # FMA4
    a("vmaskmovps MEM, %ymm1, %ymm2")
    a("vpmaskmovd %ymm1, %ymm2, MEM")
    a("andn MEM, %eax, %ebx")
    a("bextr %ecx, MEM, %eax")
    a("blsr MEM, %eax")
    a("blsi %ecx, %eax")
    a("blsmsk MEM, %edx")
    a("bzhi %ecx, MEM, %eax")
    a("pdep MEM, %eax, %ebx")
    a("pext MEM, %eax, %ebx")
    a("mulx MEM, %eax, %ebx")
    a("rorx $3, MEM, %eax")
    a("sarx %ecx, MEM, %eax")
    a("shlx %ecx, MEM, %eax")
    a("shrx %ecx, MEM, %eax")
    a("64:andn MEM, %r8, %r9")
    a("64:rorx $3, %rax, %r12")
    a("kmovw MEM, %k1")
    a("kmovq %k1, MEM")
    a("kandw %k1, %k2, %k3")
    a("knotb %k1, %k2")
    a("kshiftlw $3, %k1, %k2")
    a("kortestw %k1, %k2")
    a("32,64:kmovd %eax, %k1")
    a("32:vpgatherdd %xmm3, 0x10(%eax,%xmm1,4), %xmm2")
    a("64:vpgatherdd %ymm3, 0x10(%rax,%ymm1,4), %ymm2")
    a("64:vgatherqpd %ymm3, (%r8,%ymm9,8), %ymm2")

    # --- EVEX ---
    a("vaddps MEM, %zmm1, %zmm2")
    a("vaddps MEM, %zmm1, %zmm2{%k1}{z}")
    a("32:vaddps 0x40(%eax){1to16}, %zmm1, %zmm2")
    a("64:vaddps 0x40(%rax){1to16}, %zmm1, %zmm2")
    a("64:vaddps %zmm17, %zmm30, %zmm31")
    a("64:vaddps MEM, %xmm16, %xmm17")
    a("vpternlogd $0x12, MEM, %zmm1, %zmm2")
    a("vpermt2d MEM, %zmm1, %zmm2")
    a("vmovdqu64 MEM, %zmm0")
    a("vmovdqu64 %zmm0, MEM")
    a("vmovdqa32 MEM, %zmm3{%k2}")
    a("vpshufd $1, MEM, %zmm0")
    a("vcmpps $1, MEM, %zmm0, %k1")
    a("vpsrlq $3, MEM, %zmm1")
    a("vpsrld $3, %zmm2, %zmm1")
    a("vaddph MEM, %zmm1, %zmm2")
    a("vfmadd132ph MEM, %zmm1, %zmm2")
    a("vrndscaleph $1, MEM, %zmm2")
    a("vcvtw2ph MEM, %zmm2")
    a("vaddps {rn-sae}, %zmm1, %zmm2, %zmm3")
    a("vextracti64x4 $1, %zmm1, MEM")
    a("vpcompressd %zmm1, MEM{%k1}")
    a("vpbroadcastd %eax, %zmm1")
    a("vpermb MEM, %zmm1, %zmm2")
    a("vpdpbusd MEM, %zmm1, %zmm2")
    a("32:vpgatherdd 0x10(%eax,%zmm1,4), %zmm0{%k1}")
    a("64:vpgatherdd 0x10(%rax,%zmm1,4), %zmm0{%k1}")
    a("64:vpscatterdd %zmm0, (%r9,%zmm25,4){%k1}")
    a("{evex} vaddps MEM, %xmm1, %xmm2")
    a("{evex} vpshufd $1, %xmm1, %xmm2")

    # --- XOP, TBM, LWP (AMD) ---
    a("vpcmov MEM, %xmm1, %xmm2, %xmm3")
    a("vpcmov %ymm4, MEM, %ymm2, %ymm3")
    a("vprotb $3, MEM, %xmm0")
    a("vprotd MEM, %xmm1, %xmm2")
    a("vpmacsdd %xmm4, MEM, %xmm2, %xmm3")
    a("vfrczps MEM, %xmm0")
    a("vphaddbw MEM, %xmm0")
    a("vpcomb $1, MEM, %xmm1, %xmm2")
    a("bextr $0x1234, MEM, %eax")
    a("blcfill MEM, %eax")
    a("blsic %ecx, %eax")
    a("t1mskc MEM, %edx")
    a("lwpins $0x12345678, MEM, %eax")
    a("lwpval $0x12345678, %ecx, %eax")
    a("llwpcb %eax")
    a("slwpcb %ecx")
    a("64:bextr $0x1234, MEM, %r9")
    return t


def expand(tmpl, mode, idx):
    tag = "16,32,64"
    line = tmpl
    full = False
    if line.startswith("*"):
        full = True
        line = line[1:]
    if ":" in line.split(" ")[0] and not line.startswith(".") and line[0].isdigit():
        tag, line = line.split(":", 1)
    if str(mode) not in tag.split(","):
        return []
    if "MEM" not in line:
        return [line]
    forms = MEM_FORMS[mode]
    if full:
        picks = forms
    else:
        picks = [forms[(idx * 2 + k) % len(forms)] for k in range(2)]
    return [line.replace("MEM", f) for f in picks]


def assemble(lines, mode, tmp):
    """Assemble lines; returns list of (text, bytes) and list of rejects."""
    rejects = []
    while True:
        src = os.path.join(tmp, f"m{mode}.s")
        obj = os.path.join(tmp, f"m{mode}.o")
        with open(src, "w") as f:
            f.write(".text\n")
            if mode == 16:
                f.write(".code16\n")
            for i, l in enumerate(lines):
                f.write(f"t{i}:\n{l}\n")
            f.write(f"t{len(lines)}:\n")
        arch = "--64" if mode == 64 else "--32"
        r = subprocess.run(["as", arch, "-o", obj, src], capture_output=True, text=True)
        if r.returncode == 0:
            break
        bad = set()
        for err in r.stderr.splitlines():
            # "file.s:LINE: Error: ..." ; line 2k+3 (1-based) holds lines[k]
            parts = err.split(":")
            if len(parts) > 2 and "Error" in err:
                n = int(parts[1])
                k = (n - (4 if mode == 16 else 3)) // 2
                if 0 <= k < len(lines):
                    bad.add(k)
        if not bad:
            sys.exit("as failed:\n" + r.stderr)
        for k in sorted(bad, reverse=True):
            rejects.append(lines.pop(k))
    nm = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
    addr = {}
    for l in nm.splitlines():
        v, _, name = l.split()
        if name.startswith("t") and name[1:].isdigit():
            addr[int(name[1:])] = int(v, 16)
    binf = os.path.join(tmp, f"m{mode}.bin")
    subprocess.run(["objcopy", "-O", "binary", "-j", ".text", obj, binf], check=True)
    data = open(binf, "rb").read()
    out = []
    for i, l in enumerate(lines):
        b = data[addr[i]:addr[i + 1]]
        out.append((l, b))
    return out, rejects


def cstr(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def main():
    tm = templates()
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        for mode in MODES:
            lines = []
            for idx, t in enumerate(tm):
                lines.extend(expand(t, mode, idx))
            out, rejects = assemble(lines, mode, tmp)
            for r in rejects:
                print(f"note: {mode}-bit: gas rejects: {r}", file=sys.stderr)
            for text, b in out:
                if not 1 <= len(b) <= 15:
                    sys.exit(f"bad length {len(b)} for {text}")
                cases.append((mode, text, b))
    print("/* Generated by tests/unit/gen_insn_table.py from GNU as output: do not edit. */")
    print("/* Each entry: mode, the assembler's length, its bytes, the source. */")
    print("static const struct gas_case gas_cases[] = {")
    for mode, text, b in cases:
        hexs = "".join(f"\\x{x:02x}" for x in b)
        print(f'    {{ INSN_MODE_{mode}, {len(b)}, "{hexs}", "{cstr(text)}" }},')
    print("};")
    print(f"/* {len(cases)} cases */")


if __name__ == "__main__":
    main()
