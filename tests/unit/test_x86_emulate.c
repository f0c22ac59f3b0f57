/* Host tests of the instruction emulator (hv/arch/x86/x86_emulate.c): a
 * fake guest whose linear memory is a handful of pages with their own
 * permissions, and whose CPUID/MSRs are canned. The ALU flags are checked
 * against the host CPU's own. */
#include <errno.h>
#include <stdint.h>
#include <stdbool.h>
#include <asm/x86_emulate.h>
#include "unit.h"

/* ---- the fake guest -------------------------------------------------- */

#define PG_W    1u
#define PG_U    2u
#define PG_MMIO 4u
#define PG_NX   8u

struct fpage {
    uint64_t la;
    unsigned int flags;
    uint8_t data[4096];
};

#define NPAGES 8
static struct fpage pages[NPAGES];
static unsigned int npages;
static unsigned int nwrites, ncpuid, nmsr;
static uint64_t msr_val;

static void mem_reset(void)
{
    memset(pages, 0, sizeof(pages));
    npages = 0;
    nwrites = ncpuid = nmsr = 0;
}

static struct fpage *map_page(uint64_t la, unsigned int flags)
{
    struct fpage *p = &pages[npages++];

    p->la = la & ~0xFFFULL;
    p->flags = flags;
    return p;
}

static struct fpage *find_page(uint64_t la)
{
    for (unsigned int i = 0; i < npages; i++)
        if (pages[i].la == (la & ~0xFFFULL))
            return &pages[i];
    return NULL;
}

static uint32_t user_bit(struct x86_emul_ctxt *c, unsigned int access)
{
    return (c->cpl == 3 && !(access & X86EMUL_ACC_SYSTEM)) ? 4 : 0;
}

static int f_read(struct x86_emul_ctxt *c, uint64_t la, void *buf, unsigned int len,
                  unsigned int access, uint32_t *pfec)
{
    struct fpage *p = find_page(la);
    uint32_t u = user_bit(c, access), fe = (access & X86EMUL_ACC_FETCH) ? 0x10 : 0;

    CHECK(len >= 1 && len <= 4096 && (la & 0xFFF) + len <= 4096);
    if (!p) {
        *pfec = u | fe;
        return X86EMUL_EXCEPTION;
    }
    if ((u && !(p->flags & PG_U)) || (fe && (p->flags & PG_NX))) {
        *pfec = 1 | u | fe;
        return X86EMUL_EXCEPTION;
    }
    if (p->flags & PG_MMIO) {
        c->mmio_gpa = la;
        return X86EMUL_UNHANDLEABLE;
    }
    memcpy(buf, p->data + (la & 0xFFF), len);
    return X86EMUL_OKAY;
}

static int f_check_write(struct x86_emul_ctxt *c, uint64_t la, unsigned int len, uint32_t *pfec)
{
    struct fpage *p = find_page(la);
    uint32_t u = user_bit(c, 0);

    CHECK(len >= 1 && (la & 0xFFF) + len <= 4096);
    if (!p) {
        *pfec = 2 | u;
        return X86EMUL_EXCEPTION;
    }
    if (!(p->flags & PG_W) || (u && !(p->flags & PG_U))) {
        *pfec = 1 | 2 | u;
        return X86EMUL_EXCEPTION;
    }
    if (p->flags & PG_MMIO) {
        c->mmio_gpa = la;
        return X86EMUL_UNHANDLEABLE;
    }
    return X86EMUL_OKAY;
}

static int f_write(struct x86_emul_ctxt *c, uint64_t la, const void *buf, unsigned int len,
                   uint32_t *pfec)
{
    int rc = f_check_write(c, la, len, pfec);

    if (rc)
        return rc;
    nwrites++;
    memcpy(find_page(la)->data + (la & 0xFFF), buf, len);
    return X86EMUL_OKAY;
}

static int f_cpuid(struct x86_emul_ctxt *c)
{
    ncpuid++;
    c->gpr[0] = 0x11;
    c->gpr[3] = 0x22;
    c->gpr[1] = 0x33;
    c->gpr[2] = 0x44;
    return X86EMUL_OKAY;
}

static int f_rdmsr(struct x86_emul_ctxt *c)
{
    nmsr++;
    if ((uint32_t)c->gpr[1] != 0x1234) {
        c->event = (struct x86_event){ .vector = 13, .type = X86_EVENT_HW_EXC, .error_code = 0 };
        return X86EMUL_EXCEPTION;
    }
    c->gpr[0] = (uint32_t)msr_val;
    c->gpr[2] = msr_val >> 32;
    return X86EMUL_OKAY;
}

static int f_wrmsr(struct x86_emul_ctxt *c)
{
    nmsr++;
    msr_val = (c->gpr[0] & 0xFFFFFFFF) | (c->gpr[2] << 32);
    return X86EMUL_OKAY;
}

static uint8_t fx[512];
static unsigned int fx_puts;

static uint8_t *f_get_fxsave(struct x86_emul_ctxt *c)
{
    (void)c;
    return fx;
}

static void f_put_fxsave(struct x86_emul_ctxt *c)
{
    (void)c;
    fx_puts++;
}

static const struct x86_emul_ops fops = {
    .read = f_read, .check_write = f_check_write, .write = f_write,
    .cpuid = f_cpuid, .rdmsr = f_rdmsr, .wrmsr = f_wrmsr,
    .get_fxsave = f_get_fxsave, .put_fxsave = f_put_fxsave,
};

/* ---- contexts in each mode ------------------------------------------- */

#define CODE_LA 0x10000ULL
#define DATA_LA 0x20000ULL
#define STACK_LA 0x30000ULL
#define IDT_LA  0x40000ULL

#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_NE (1u << 5)
#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)
#define CR4_OSFXSR (1u << 9)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)

static struct x86_emul_ctxt ctx;
static struct fpage *code, *data, *stack;

static void seg_set(unsigned int i, uint16_t sel, uint16_t attr, uint32_t limit, uint64_t base)
{
    ctx.seg[i] = (struct x86_seg){ .sel = sel, .attr = attr, .limit = limit, .base = base };
}

/* 64-bit: CPL 0, flat. */
static void setup64(void)
{
    mem_reset();
    memset(&ctx, 0, sizeof(ctx));
    code = map_page(CODE_LA, PG_W | PG_U);
    data = map_page(DATA_LA, PG_W | PG_U);
    stack = map_page(STACK_LA, PG_W | PG_U);
    ctx.ops = &fops;
    ctx.cr0 = CR0_PE | CR0_PG | CR0_NE;
    ctx.cr4 = CR4_PAE | CR4_OSFXSR;
    ctx.efer = EFER_LME | EFER_LMA;
    seg_set(X86_SEG_CS, 0x08, 0xA9B, 0xFFFFFFFF, 0);
    for (unsigned int i = 0; i < X86_SEG_NR; i++)
        if (i != X86_SEG_CS)
            seg_set(i, 0x10, 0xC93, 0xFFFFFFFF, 0);
    ctx.rip = CODE_LA;
    ctx.rflags = 2;
    ctx.gpr[4] = STACK_LA + 0x800;
}

/* 32-bit protected mode, paging off, CPL 0, flat 4 GiB segments. */
static void setup32(void)
{
    setup64();
    ctx.cr0 = CR0_PE | CR0_NE;
    ctx.cr4 = CR4_OSFXSR;
    ctx.efer = 0;
    seg_set(X86_SEG_CS, 0x08, 0xC9B, 0xFFFFFFFF, 0);
}

/* Real mode: 64 KiB segments; CS base 0x10000 so IP 0 is CODE_LA. */
static void setup16(void)
{
    setup64();
    ctx.cr0 = 0;
    ctx.cr4 = 0;
    ctx.efer = 0;
    seg_set(X86_SEG_CS, 0x1000, 0x9B, 0xFFFF, 0x10000);
    seg_set(X86_SEG_DS, 0x2000, 0x93, 0xFFFF, 0x20000);
    seg_set(X86_SEG_ES, 0x2000, 0x93, 0xFFFF, 0x20000);
    seg_set(X86_SEG_SS, 0x3000, 0x93, 0xFFFF, 0x30000);
    ctx.rip = 0;
    ctx.gpr[4] = 0x800;
}

static void code_bytes(const uint8_t *b, unsigned int n)
{
    memcpy(code->data + (ctx.rip & 0xFFF), b, n);
}

#define CODE(...) do { static const uint8_t _b[] = { __VA_ARGS__ }; code_bytes(_b, sizeof(_b)); } while (0)

static uint64_t rd64(struct fpage *p, unsigned int off)
{
    uint64_t v;

    memcpy(&v, p->data + off, 8);
    return v;
}

static void wr64(struct fpage *p, unsigned int off, uint64_t v)
{
    memcpy(p->data + off, &v, 8);
}

#define EXPECT_FAULT(vec, ec) do { \
    uint64_t _rip = ctx.rip; \
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_EXCEPTION); \
    CHECK_EQ(ctx.event.type, X86_EVENT_HW_EXC); \
    CHECK_EQ(ctx.event.vector, (vec)); \
    CHECK_EQ(ctx.event.error_code, (ec)); \
    CHECK_EQ(ctx.rip, _rip); \
} while (0)

/* ---- ALU flags against the host --------------------------------------- */

#define HOST_FLAGS_MASK 0x8D5ULL   /* CF PF AF ZF SF OF */

#define HOST_OP(insn, sfx, reg, type) \
    asm volatile("push %[fi]; popfq; " insn sfx " %" reg "[b], %" reg "[a]; pushfq; pop %[fo]" \
                 : [a] "+r"(a_##type), [fo] "=&r"(fo) : [b] "r"(b_##type), [fi] "r"(fi) : "cc")

static uint64_t host_alu(unsigned int op, unsigned int size, uint64_t a, uint64_t b,
                         uint64_t fi, uint64_t *res)
{
    uint64_t fo = 0, a_q = a, b_q = b;
    uint32_t a_l = (uint32_t)a, b_l = (uint32_t)b;
    uint16_t a_w = (uint16_t)a, b_w = (uint16_t)b;
    uint8_t a_b = (uint8_t)a, b_b = (uint8_t)b;

#define OPS(sfx, reg, type) \
    switch (op) { \
    case 0: HOST_OP("add", sfx, reg, type); break; \
    case 1: HOST_OP("or", sfx, reg, type); break; \
    case 2: HOST_OP("adc", sfx, reg, type); break; \
    case 3: HOST_OP("sbb", sfx, reg, type); break; \
    case 4: HOST_OP("and", sfx, reg, type); break; \
    case 5: HOST_OP("sub", sfx, reg, type); break; \
    case 6: HOST_OP("xor", sfx, reg, type); break; \
    default: HOST_OP("cmp", sfx, reg, type); break; \
    }
    switch (size) {
    case 1: OPS("b", "b", b) *res = op == 7 ? a & 0xFF : a_b; break;
    case 2: OPS("w", "w", w) *res = op == 7 ? a & 0xFFFF : a_w; break;
    case 4: OPS("l", "k", l) *res = op == 7 ? a & 0xFFFFFFFF : a_l; break;
    default: OPS("q", "q", q) *res = a_q; break;
    }
    return fo;
}

static uint64_t rnd_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

static uint64_t interesting(void)
{
    static const uint64_t v[] = { 0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF,
                                  0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x7FFFFFFFFFFFFFFF,
                                  0x8000000000000000, ~0ULL, 0xF, 0x10 };
    uint64_t r = rnd();

    return (r & 1) ? v[(r >> 1) % (sizeof(v) / sizeof(v[0]))] : rnd();
}

static void test_alu_flags_vs_host(void)
{
    static const unsigned int sizes[] = { 1, 2, 4, 8 };

    for (unsigned int i = 0; i < 200000; i++) {
        unsigned int op = i & 7, size = sizes[(i >> 3) & 3];
        uint64_t a = interesting(), b = interesting(), fi = 2 | (rnd() & 1);
        uint64_t r1, r2, f1, f2;
        uint64_t m = size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;

        f1 = x86_emul_alu(op, size, a & m, b & m, fi, &r1);
        f2 = host_alu(op, size, a & m, b & m, fi, &r2);
        /* AF is undefined after the logical ops. */
        uint64_t mask = (op == 1 || op == 4 || op == 6) ? HOST_FLAGS_MASK & ~0x10ULL
                                                         : HOST_FLAGS_MASK;
        if ((f1 & mask) != (f2 & mask) || (op != 7 && r1 != (r2 & m))) {
            fprintf(stderr, "  op %u size %u a %#llx b %#llx cf %llu: flags %#llx vs host %#llx, "
                    "res %#llx vs %#llx\n", op, size, (unsigned long long)a,
                    (unsigned long long)b, (unsigned long long)(fi & 1),
                    (unsigned long long)f1, (unsigned long long)f2,
                    (unsigned long long)r1, (unsigned long long)r2);
            CHECK(0);
            return;
        }
    }
}

/* ---- instructions ----------------------------------------------------- */

static void test_mov_forms_64(void)
{
    setup64();
    /* mov %rcx, (%rax) */
    CODE(0x48, 0x89, 0x08);
    ctx.gpr[0] = DATA_LA + 0x10;
    ctx.gpr[1] = 0x1122334455667788ULL;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(rd64(data, 0x10), 0x1122334455667788ULL);
    CHECK_EQ(ctx.rip, CODE_LA + 3);

    /* mov 0x8(%rax,%rbx,4), %edx: upper half of rdx cleared */
    setup64();
    CODE(0x8B, 0x54, 0x98, 0x08);
    ctx.gpr[0] = DATA_LA;
    ctx.gpr[3] = 2;
    ctx.gpr[2] = ~0ULL;
    wr64(data, 0x10, 0xAABBCCDD99887766ULL);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[2], 0x99887766ULL);
    CHECK_EQ(ctx.rip, CODE_LA + 4);

    /* movb $0x5a, 0x100(%rip) */
    setup64();
    ctx.rip = CODE_LA + 0x200;
    CODE(0xC6, 0x05, 0x00, 0x01, 0x00, 0x00, 0x5A);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(code->data[0x200 + 7 + 0x100], 0x5A);

    /* movabs %al, moffs64 ; mov $imm64, %r9 ; mov %ah, (%rax) without REX */
    setup64();
    CODE(0xA2, 0x20, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00);
    ctx.gpr[0] = 0x1234;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(data->data[0x20], 0x34);
    CHECK_EQ(ctx.rip, CODE_LA + 9);
    CODE(0x49, 0xB9, 1, 2, 3, 4, 5, 6, 7, 8);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[9], 0x0807060504030201ULL);
    CODE(0x88, 0x20);               /* mov %ah, (%rax) */
    ctx.gpr[0] = DATA_LA + 0x30 + 0x0000;
    ctx.gpr[0] |= 0;
    {
        uint64_t rax = DATA_LA + 0x30;      /* AH = 0x00: the address's second byte */
        ctx.gpr[0] = rax;
        CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
        CHECK_EQ(data->data[0x30], (rax >> 8) & 0xFF);
    }
    /* with REX, register 4 is SPL */
    CODE(0x40, 0x88, 0x20);
    ctx.gpr[4] = 0x77;
    ctx.gpr[0] = DATA_LA + 0x31;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(data->data[0x31], 0x77);

    /* xsa-123's %cs: mov %reg, %reg */
    setup64();
    CODE(0x2E, 0x89, 0xC8);
    ctx.gpr[1] = 0x1234;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[0], 0x1234);
    CHECK_EQ(nwrites, 0);
}

static void test_alu_insns(void)
{
    setup64();
    /* addl $-1, (%rax) with 83 /0 */
    CODE(0x83, 0x00, 0xFF);
    ctx.gpr[0] = DATA_LA;
    wr64(data, 0, 1);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(rd64(data, 0), 0);
    CHECK(ctx.rflags & 0x40);       /* ZF */
    CHECK(ctx.rflags & 0x01);       /* CF */

    /* cmp %ecx, (%rax): memory unchanged */
    setup64();
    CODE(0x39, 0x08);
    ctx.gpr[0] = DATA_LA;
    ctx.gpr[1] = 5;
    wr64(data, 0, 3);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(rd64(data, 0), 3);
    CHECK_EQ(nwrites, 0);
    CHECK(ctx.rflags & 0x01);       /* 3 - 5 borrows */
    CHECK(ctx.rflags & 0x80);       /* SF */

    /* sub $0x10, %al ; xor %rbx, %rbx ; or imm32 sign-extended to 64 */
    setup64();
    CODE(0x2C, 0x10);
    ctx.gpr[0] = 0x105;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[0], 0x1F5);
    CODE(0x48, 0x31, 0xDB);
    ctx.gpr[3] = 77;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[3], 0);
    CHECK(ctx.rflags & 0x44);
    CODE(0x48, 0x0D, 0x00, 0x00, 0x00, 0x80);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[0], 0xFFFFFFFF800001F5ULL);

    /* inc keeps CF; neg; not; test */
    setup64();
    ctx.rflags |= 1;
    CODE(0xFF, 0xC1);               /* inc %ecx */
    ctx.gpr[1] = 0xFFFFFFFF;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[1], 0);
    CHECK(ctx.rflags & 0x41);
    CODE(0xF7, 0xDA);               /* neg %edx */
    ctx.gpr[2] = 1;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[2], 0xFFFFFFFF);
    CHECK(ctx.rflags & 0x01);
    CODE(0xF6, 0xD2);               /* not %dl */
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[2], 0xFFFFFF00);
    CODE(0xA8, 0x01);               /* test $1, %al */
    ctx.gpr[0] = 2;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK(ctx.rflags & 0x40);
}

static void test_stack_and_misc(void)
{
    setup64();
    CODE(0x41, 0x50);               /* push %r8 */
    ctx.gpr[8] = 0xDEADBEEF;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[4], STACK_LA + 0x7F8);
    CHECK_EQ(rd64(stack, 0x7F8), 0xDEADBEEF);
    CODE(0x5B);                     /* pop %rbx */
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[3], 0xDEADBEEF);
    CHECK_EQ(ctx.gpr[4], STACK_LA + 0x800);
    CODE(0x6A, 0xFE);               /* push $-2 */
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(rd64(stack, 0x7F8), (uint64_t)-2);

    /* lea 0x10(%rax,%rcx,8), %edx */
    CODE(0x8D, 0x54, 0xC8, 0x10);
    ctx.gpr[0] = 0x100000000ULL;
    ctx.gpr[1] = 1;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[2], 0x18);

    /* movzbl / movswq */
    CODE(0x0F, 0xB6, 0xC1);
    ctx.gpr[1] = 0x1FF;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[0], 0xFF);
    CODE(0x48, 0x0F, 0xBF, 0xC1);
    ctx.gpr[1] = 0x8000;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[0], 0xFFFFFFFFFFFF8000ULL);

    /* xchg %rcx, (%rax) */
    setup64();
    CODE(0x48, 0x87, 0x08);
    ctx.gpr[0] = DATA_LA;
    ctx.gpr[1] = 5;
    wr64(data, 0, 9);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[1], 9);
    CHECK_EQ(rd64(data, 0), 5);

    /* cmpxchg %ecx, (%rdx): equal, then not */
    setup64();
    CODE(0x0F, 0xB1, 0x0A);
    ctx.gpr[2] = DATA_LA;
    ctx.gpr[0] = 7;
    ctx.gpr[1] = 8;
    wr64(data, 0, 7);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(rd64(data, 0), 8);
    CHECK(ctx.rflags & 0x40);
    CODE(0x0F, 0xB1, 0x0A);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[0], 8);
    CHECK(!(ctx.rflags & 0x40));

    /* xsa-200: 66 cmpxchg8b (%rdi) */
    setup64();
    CODE(0x66, 0x0F, 0xC7, 0x0F);
    ctx.gpr[7] = DATA_LA;
    wr64(data, 0, 0xC2C2C2C2C2C2C2C2ULL);
    ctx.gpr[0] = 0x89abcdef;
    ctx.gpr[2] = 0x01234567;
    ctx.gpr[1] = 0xfedcba98;
    ctx.gpr[3] = 0x76543210;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[0], 0xC2C2C2C2);
    CHECK_EQ(ctx.gpr[2], 0xC2C2C2C2);
    CHECK_EQ(rd64(data, 0), 0xC2C2C2C2C2C2C2C2ULL);
    ctx.rip = CODE_LA;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(rd64(data, 0), 0xfedcba9876543210ULL);
    CHECK(ctx.rflags & 0x40);

    /* cpuid, rdmsr, wrmsr at CPL 0; #GP at CPL 3 */
    setup64();
    CODE(0x0F, 0xA2);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[0], 0x11);
    CHECK_EQ(ncpuid, 1);
    CODE(0x0F, 0x30);
    ctx.gpr[1] = 0x1234;
    ctx.gpr[0] = 0xAAAA;
    ctx.gpr[2] = 0xBBBB;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(msr_val, 0xBBBB0000AAAAULL);
    CODE(0x0F, 0x32);
    ctx.gpr[0] = ctx.gpr[2] = 0;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[0], 0xAAAA);
    CHECK_EQ(ctx.gpr[2], 0xBBBB);
    CODE(0x0F, 0x32);
    ctx.gpr[1] = 0x99;
    EXPECT_FAULT(13, 0);
    ctx.cpl = 3;
    ctx.gpr[1] = 0x1234;
    nmsr = 0;
    EXPECT_FAULT(13, 0);
    CHECK_EQ(nmsr, 0);

    /* jmp *%rax to a non-canonical address: #GP, RIP stays (xsa-170) */
    setup64();
    CODE(0xFF, 0xE0);
    ctx.gpr[0] = 0x8000000000000000ULL;
    EXPECT_FAULT(13, 0);
    ctx.gpr[0] = CODE_LA + 0x40;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.rip, CODE_LA + 0x40);

    /* call rel32, ret */
    setup64();
    CODE(0xE8, 0x10, 0x00, 0x00, 0x00);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.rip, CODE_LA + 0x15);
    CHECK_EQ(rd64(stack, 0x7F8), CODE_LA + 5);
    CODE(0xC3);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.rip, CODE_LA + 5);
    CHECK_EQ(ctx.gpr[4], STACK_LA + 0x800);
}

/* ---- addressing and segmentation ------------------------------------- */

static void test_addressing_16(void)
{
    setup16();
    /* mov (%bp,%si), %al: SS by default */
    CODE(0x8A, 0x02);
    ctx.gpr[5] = 0x10;
    ctx.gpr[6] = 0x5;
    stack->data[0x15] = 0xAB;
    data->data[0x15] = 0xCD;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[0] & 0xFF, 0xAB);
    CHECK_EQ(ctx.rip, 2);
    /* mov (%bx,%si), %al: DS */
    CODE(0x8A, 0x00);
    ctx.gpr[3] = 0x10;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[0] & 0xFF, 0xCD);
    /* %ds:(%bp): the override wins */
    CODE(0x3E, 0x8A, 0x46, 0x05);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[0] & 0xFF, 0xCD);
    /* push %ax in real mode: 16-bit stack */
    CODE(0x50);
    ctx.gpr[0] = 0xBEEF;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[4], 0x7FE);
    CHECK_EQ(stack->data[0x7FE] | (stack->data[0x7FF] << 8), 0xBEEF);
    /* a word at 0xFFFF crosses the 64 KiB limit: #GP(0) */
    CODE(0x8B, 0x07);           /* mov (%bx), %ax */
    ctx.gpr[3] = 0xFFFF;
    EXPECT_FAULT(13, 0);
    CODE(0x8B, 0x46, 0xFF);     /* mov -1(%bp), %ax; BP = 0 -> 0xFFFF in SS: #SS */
    ctx.gpr[5] = 0;
    EXPECT_FAULT(12, 0);
}

static void test_segments_32(void)
{
    setup32();
    /* XTF memop-seg's 32-bit set-up: 2 GiB limits */
    seg_set(X86_SEG_DS, 0x23, 0xCF3, 0x7FFFFFFF, 0);
    seg_set(X86_SEG_SS, 0x23, 0xCF3, 0x7FFFFFFF, 0);
    seg_set(X86_SEG_ES, 0x23, 0xCF3, 0x7FFFFFFF, 0);
    CODE(0xC6, 0x05, 0x00, 0x00, 0x00, 0xC0, 0x00);     /* movb $0, 0xc0000000 */
    EXPECT_FAULT(13, 0);
    CODE(0x36, 0xC6, 0x05, 0x00, 0x00, 0x00, 0xC0, 0x00);
    EXPECT_FAULT(12, 0);
    CODE(0xC6, 0x04, 0x24, 0x00);                       /* movb $0, (%esp) */
    ctx.gpr[4] = 0xC0000000;
    EXPECT_FAULT(12, 0);
    CODE(0x26, 0xC6, 0x04, 0x24, 0x00);                 /* %es:(%esp) */
    EXPECT_FAULT(13, 0);
    CODE(0xC6, 0x45, 0x00, 0x00);                       /* movb $0, 0(%ebp) */
    ctx.gpr[5] = 0xC0000000;
    EXPECT_FAULT(12, 0);

    /* a dword whose last byte passes the limit */
    setup32();
    seg_set(X86_SEG_DS, 0x10, 0x93, 0x20001, 0);
    CODE(0x8B, 0x00);
    ctx.gpr[0] = DATA_LA;
    EXPECT_FAULT(13, 0);
    ctx.seg[X86_SEG_DS].limit = DATA_LA + 3;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);

    /* null DS: #GP(0) (xsa-191) */
    setup32();
    seg_set(X86_SEG_FS, 0, 0, 0, 0);
    CODE(0x64, 0x8B, 0x3D, 0, 0, 0, 0);                 /* mov %fs:0, %edi */
    EXPECT_FAULT(13, 0);

    /* read-only data: writes #GP, reads fine */
    setup32();
    seg_set(X86_SEG_DS, 0x10, 0xC91, 0xFFFFFFFF, 0);
    CODE(0x89, 0x08);
    ctx.gpr[0] = DATA_LA;
    EXPECT_FAULT(13, 0);
    CODE(0x8B, 0x08);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);

    /* execute-only code through %cs: #GP; readable code: fine; never writable */
    setup32();
    seg_set(X86_SEG_CS, 0x08, 0xC99, 0xFFFFFFFF, 0);
    CODE(0x2E, 0x8B, 0x08);
    ctx.gpr[0] = DATA_LA;
    EXPECT_FAULT(13, 0);
    ctx.seg[X86_SEG_CS].attr = 0xC9B;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CODE(0x2E, 0x89, 0x08);
    EXPECT_FAULT(13, 0);

    /* expand-down: valid above the limit */
    setup32();
    seg_set(X86_SEG_DS, 0x10, 0xC97, DATA_LA + 0xFF, 0);
    CODE(0x8B, 0x08);
    ctx.gpr[0] = DATA_LA + 0x100;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CODE(0x8B, 0x08);
    ctx.gpr[0] = DATA_LA + 0xFE;
    EXPECT_FAULT(13, 0);

    /* segment base applies */
    setup32();
    seg_set(X86_SEG_DS, 0x10, 0xC93, 0xFFFF, DATA_LA);
    data->data[4] = 0x42;
    CODE(0x8A, 0x05, 4, 0, 0, 0);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[0] & 0xFF, 0x42);
}

static void test_canonical_64(void)
{
    static const struct { uint8_t b[4]; unsigned int len; unsigned int reg; int vec; } t[] = {
        { { 0xC6, 0x00, 0x00 }, 3, 0, 13 },              /* movb $0, (%rax) */
        { { 0xC6, 0x04, 0x24, 0x00 }, 4, 4, 12 },         /* (%rsp) */
        { { 0xC6, 0x45, 0x00, 0x00 }, 4, 5, 12 },         /* 0(%rbp) */
        { { 0x41, 0xC6, 0x04, 0x24 }, 4, 12, 13 },        /* (%r12): DS */
        { { 0x26, 0xC6, 0x04, 0x24 }, 4, 4, 12 },         /* %es:(%rsp): ES ignored */
        { { 0x36, 0xC6, 0x00, 0x00 }, 4, 0, 13 },         /* %ss:(%rax): SS ignored */
        { { 0x64, 0xC6, 0x04, 0x24 }, 4, 4, 13 },         /* %fs:(%rsp) */
    };

    for (unsigned int i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        setup64();
        ctx.cpl = 3;
        code_bytes(t[i].b, t[i].len);
        code->data[t[i].len] = 0;
        code->data[t[i].len + 1] = 0;
        ctx.gpr[t[i].reg] = 0x8000000040000001ULL;
        EXPECT_FAULT(t[i].vec, 0);
    }
    /* movabs %al, 0x8000000040000000 */
    setup64();
    CODE(0xA2, 0, 0, 0, 0x40, 0, 0, 0, 0x80);
    EXPECT_FAULT(13, 0);
    /* %fs base applies and is checked */
    setup64();
    ctx.seg[X86_SEG_FS].base = 0x7FFFFFFFF000ULL;
    CODE(0x64, 0x8B, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00);   /* mov %fs:0x1000, %eax */
    EXPECT_FAULT(13, 0);
    ctx.seg[X86_SEG_FS].base = DATA_LA - 0x1000;
    wr64(data, 0, 0x55);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[0], 0x55);
}

static void test_paging_faults(void)
{
    /* write to a read-only page at CPL 3: #PF, P|W|U, CR2 the address */
    setup64();
    data->flags = PG_U;
    ctx.cpl = 3;
    CODE(0x89, 0x08);
    ctx.gpr[0] = DATA_LA + 0x123;
    EXPECT_FAULT(14, 7);
    CHECK_EQ(ctx.event.cr2, DATA_LA + 0x123);

    /* a qword write across into an unmapped page: nothing written */
    setup64();
    CODE(0x48, 0x89, 0x08);
    ctx.gpr[0] = DATA_LA + 0xFFC;
    ctx.gpr[1] = ~0ULL;
    EXPECT_FAULT(14, 2);
    CHECK_EQ(ctx.event.cr2, DATA_LA + 0x1000);
    CHECK_EQ(nwrites, 0);
    CHECK_EQ(data->data[0xFFC], 0);

    /* a read across two mapped pages works */
    setup64();
    map_page(DATA_LA + 0x1000, PG_W);
    CODE(0x48, 0x8B, 0x08);
    ctx.gpr[0] = DATA_LA + 0xFFC;
    data->data[0xFFF] = 0x11;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.gpr[1], 0x11000000ULL);

    /* an instruction crossing into an unmapped page: fetch #PF */
    setup64();
    ctx.rip = CODE_LA + 0xFFE;
    code->data[0xFFE] = 0x48;
    code->data[0xFFF] = 0x89;
    EXPECT_FAULT(14, 0x10);
    CHECK_EQ(ctx.event.cr2, CODE_LA + 0x1000);
    /* ... but one that fits before the boundary runs */
    code->data[0xFFE] = 0x89;
    code->data[0xFFF] = 0xC8;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);

    /* a user access to a supervisor page */
    setup64();
    data->flags = PG_W;
    ctx.cpl = 3;
    CODE(0x8B, 0x08);
    ctx.gpr[0] = DATA_LA;
    EXPECT_FAULT(14, 5);

    /* MMIO: handed back, nothing changed */
    setup64();
    data->flags |= PG_MMIO;
    CODE(0x89, 0x08);
    ctx.gpr[0] = DATA_LA + 0x300;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_UNHANDLEABLE);
    CHECK_EQ(ctx.mmio_gpa, DATA_LA + 0x300);
    CHECK(ctx.mmio_write);
    CHECK_EQ(ctx.rip, CODE_LA);

    /* CS limit on fetch: #GP(0) */
    setup32();
    ctx.seg[X86_SEG_CS].limit = CODE_LA + 1;
    ctx.gpr[0] = DATA_LA;
    CODE(0x89, 0x08, 0x90);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    ctx.rip = CODE_LA;
    CODE(0xC6, 0x00, 0x01);
    EXPECT_FAULT(13, 0);
}

/* ---- software interrupts ----------------------------------------------- */

static void set_gate(bool lm, unsigned int vec, unsigned int type, unsigned int dpl, bool present)
{
    struct fpage *idt = find_page(IDT_LA);
    uint32_t g[4] = { 0x00081000, (type << 8) | (dpl << 13) | (present ? 0x8000 : 0), 0, 0 };

    memcpy(idt->data + vec * (lm ? 16 : 8), g, lm ? 16 : 8);
}

static void test_swint(void)
{
    for (int lm = 0; lm < 2; lm++) {
        if (lm)
            setup64();
        else
            setup32();
        map_page(IDT_LA, 0);
        ctx.idtr_base = IDT_LA;
        ctx.idtr_limit = 256 * (lm ? 16 : 8) - 1;
        ctx.cpl = 3;
        set_gate(lm, 3, 0xE, 3, true);
        set_gate(lm, 1, 0xE, 0, true);
        set_gate(lm, 0x80, 0xF, 0, true);
        set_gate(lm, 0x81, 0xF, 3, false);

        CODE(0xCC);                 /* int3 via a DPL 3 gate: a trap, RIP past it */
        CHECK_EQ(x86_emulate(&ctx), X86EMUL_EXCEPTION);
        CHECK_EQ(ctx.event.type, X86_EVENT_SW_EXC);
        CHECK_EQ(ctx.event.vector, 3);
        CHECK_EQ(ctx.rip, CODE_LA + 1);

        ctx.rip = CODE_LA;
        CODE(0xCD, 0x01);           /* int $1 via a DPL 0 gate at CPL 3: #GP(1*8+2) */
        EXPECT_FAULT(13, 0x0A);
        CODE(0xF1);                 /* icebp: no DPL check */
        CHECK_EQ(x86_emulate(&ctx), X86EMUL_EXCEPTION);
        CHECK_EQ(ctx.event.type, X86_EVENT_ICEBP);
        CHECK_EQ(ctx.event.vector, 1);
        CHECK_EQ(ctx.rip, CODE_LA + 1);
        ctx.rip = CODE_LA;
        CODE(0x67, 0xCD, 0x80);     /* int $0x80 DPL 0 */
        EXPECT_FAULT(13, 0x402);
        CODE(0xCD, 0x81);           /* not present */
        EXPECT_FAULT(11, 0x40A);
        ctx.cpl = 0;
        CODE(0xCD, 0x80);
        CHECK_EQ(x86_emulate(&ctx), X86EMUL_EXCEPTION);
        CHECK_EQ(ctx.event.type, X86_EVENT_SW_INT);
        CHECK_EQ(ctx.event.vector, 0x80);
        CHECK_EQ(ctx.rip, CODE_LA + 2);
        /* beyond the IDT limit */
        ctx.rip = CODE_LA;
        ctx.idtr_limit = 0x7F;
        CODE(0xCD, 0x80);
        EXPECT_FAULT(13, 0x402);
        if (!lm) {
            /* into with OF clear does nothing; with OF set traps */
            ctx.idtr_limit = 0x7FF;
            set_gate(lm, 4, 0xE, 3, true);
            CODE(0xCE);
            CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
            CHECK_EQ(ctx.rip, CODE_LA + 1);
            ctx.rip = CODE_LA;
            ctx.rflags |= 0x800;
            CHECK_EQ(x86_emulate(&ctx), X86EMUL_EXCEPTION);
            CHECK_EQ(ctx.event.vector, 4);
            CHECK_EQ(ctx.event.type, X86_EVENT_SW_EXC);
        } else {
            CODE(0xCE);             /* invalid in 64-bit mode */
            EXPECT_FAULT(6, -1);
        }
    }
}

/* ---- FPU checks ---------------------------------------------------------- */

static void test_fpu_checks(void)
{
    static const struct { uint32_t cr0; int x87, wait, mmx; } t[] = {
        { 0, -1, -1, -1 },
        { CR0_TS, 7, -1, 7 },
        { CR0_MP, -1, -1, -1 },
        { CR0_MP | CR0_TS, 7, 7, 7 },
        { CR0_EM, 7, -1, 6 },
        { CR0_EM | CR0_TS, 7, -1, 6 },
        { CR0_EM | CR0_MP, 7, -1, 6 },
        { CR0_EM | CR0_MP | CR0_TS, 7, 7, 6 },
    };

    for (unsigned int i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        setup64();
        ctx.cr0 |= t[i].cr0;
        CODE(0xD9, 0xD0);           /* fnop */
        if (t[i].x87 < 0)
            CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
        else
            EXPECT_FAULT(t[i].x87, -1);
        ctx.rip = CODE_LA;
        CODE(0x9B);                 /* wait */
        if (t[i].wait < 0)
            CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
        else
            EXPECT_FAULT(t[i].wait, -1);
        ctx.rip = CODE_LA;
        CODE(0x0F, 0x10, 0xC0);     /* movups %xmm0, %xmm0 */
        if (t[i].mmx < 0)
            CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
        else
            EXPECT_FAULT(t[i].mmx, -1);
        ctx.rip = CODE_LA;
        CODE(0x0F, 0x6F, 0xC0);     /* movq %mm0, %mm0 */
        if (t[i].mmx < 0)
            CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
        else
            EXPECT_FAULT(t[i].mmx, -1);
    }
    /* SSE without CR4.OSFXSR: #UD */
    setup64();
    ctx.cr4 &= ~(uint64_t)CR4_OSFXSR;
    CODE(0x0F, 0x10, 0xC0);
    EXPECT_FAULT(6, -1);
    /* fwait with a pending unmasked exception: #MF */
    setup64();
    ctx.fsw = 0x81;
    CODE(0x9B);
    EXPECT_FAULT(16, -1);
    /* AVX (VEX): #UD */
    setup64();
    CODE(0xC5, 0xF8, 0x10, 0xC0);
    EXPECT_FAULT(6, -1);
}

static void test_simd_moves(void)
{
    /* movq %mm1, %mm3 with TOS 5: mm1 is ST(4), mm3 is ST(6) before; after,
     * TOS 0, all tags valid, mm3 = mm1 with exponent all ones */
    setup64();
    memset(fx, 0, sizeof(fx));
    fx_puts = 0;
    fx[2 + 1] = 5 << 3;             /* FSW.TOP = 5 */
    fx[4] = 0x01;
    memcpy(fx + 32 + 16 * 4, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
    CODE(0x0F, 0x6F, 0xD9);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(fx[3] & 0x38, 0);
    CHECK_EQ(fx[4], 0xFF);
    CHECK(!memcmp(fx + 32 + 16 * 3, "\x11\x22\x33\x44\x55\x66\x77\x88\xFF\xFF", 10));
    CHECK(!memcmp(fx + 32 + 16 * 1, "\x11\x22\x33\x44\x55\x66\x77\x88", 8));
    CHECK_EQ(fx_puts, 1);

    /* movdqa %xmm9, (%rax): aligned store; misaligned: #GP(0) */
    setup64();
    memset(fx, 0, sizeof(fx));
    for (unsigned int i = 0; i < 16; i++)
        fx[160 + 16 * 9 + i] = (uint8_t)(i + 1);
    CODE(0x66, 0x44, 0x0F, 0x7F, 0x08);
    ctx.gpr[0] = DATA_LA + 0x40;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK(!memcmp(data->data + 0x40, fx + 160 + 16 * 9, 16));
    ctx.rip = CODE_LA;
    ctx.gpr[0] = DATA_LA + 0x48;
    EXPECT_FAULT(13, 0);
    /* movups (%rax), %xmm2 unaligned is fine */
    CODE(0x0F, 0x10, 0x10);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK(!memcmp(fx + 160 + 32, data->data + 0x48, 16));
    /* movss (F3 0F 10): not emulated */
    CODE(0xF3, 0x0F, 0x10, 0xC0);
    EXPECT_FAULT(6, -1);
}

/* ---- single step, RF ---------------------------------------------------- */

static void test_singlestep(void)
{
    setup64();
    ctx.rflags |= 0x100 | 0x10000;
    CODE(0x90);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK(ctx.singlestep);
    CHECK(!(ctx.rflags & 0x10000));
    ctx.rip = CODE_LA;
    CODE(0x0F, 0x0B);
    EXPECT_FAULT(6, -1);
    CHECK(!ctx.singlestep);
}

/* ---- segment loads, SYSCALL ------------------------------------------- */

#define GDT_LA 0x50000ULL
#define LDT_LA 0x51000ULL

static void put_desc(struct fpage *p, unsigned int idx, uint32_t base, uint32_t limit,
                     unsigned int access, unsigned int flags)
{
    uint64_t d = (limit & 0xFFFF) | ((uint64_t)(base & 0xFFFFFF) << 16) |
                 ((uint64_t)(access & 0xFF) << 40) | ((uint64_t)((limit >> 16) & 0xF) << 48) |
                 ((uint64_t)(flags & 0xF) << 52) | ((uint64_t)(base >> 24) << 56);

    wr64(p, idx * 8, d);
}

static void test_mov_sreg(void)
{
    struct fpage *gdt, *ldt;

    setup32();
    gdt = map_page(GDT_LA, 0);
    ldt = map_page(LDT_LA, 0);
    ctx.gdtr_base = GDT_LA;
    ctx.gdtr_limit = 0x7F;
    put_desc(gdt, 1, 0, 0xFFFFF, 0x9B, 0xC);        /* 0x08 code DPL 0 */
    put_desc(gdt, 2, 0x1000, 0xFFFFF, 0x93, 0xC);   /* 0x10 data DPL 0, base 0x1000 */
    put_desc(gdt, 3, 0, 0xFFFF, 0xF3, 0x0);         /* 0x18 data DPL 3, byte limit */
    put_desc(gdt, 4, 0, 0xFFFFF, 0x13, 0xC);        /* 0x20 data not present */
    put_desc(gdt, 5, 0, 0xFFFFF, 0x99, 0xC);        /* 0x28 execute-only code */
    put_desc(gdt, 6, 0, 0xFFFFF, 0x9F, 0xC);        /* 0x30 conforming readable code */
    put_desc(gdt, 7, 0, 0xFFFFF, 0x91, 0xC);        /* 0x38 read-only data */
    put_desc(gdt, 8, 0, 0, 0x82, 0);                /* 0x40 an LDT descriptor (system) */
    put_desc(ldt, 0, 0x2000, 0xFFFF, 0x93, 0);      /* LDT 0x04 */

    /* mov %ax, %fs: a good load */
    ctx.gpr[0] = 0x10;
    CODE(0x8E, 0xE0);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.seg[X86_SEG_FS].sel, 0x10);
    CHECK_EQ(ctx.seg[X86_SEG_FS].base, 0x1000);
    CHECK_EQ(ctx.seg[X86_SEG_FS].limit, 0xFFFFFFFF);
    CHECK_EQ(ctx.seg[X86_SEG_FS].attr, 0xC93);
    CHECK_EQ(ctx.seg_loaded, 1u << X86_SEG_FS);
    CHECK_EQ(ctx.rip, CODE_LA + 2);
#define SREG_FAULT(modrm, sel, vec, ec) do { \
        ctx.rip = CODE_LA; ctx.gpr[0] = (sel); CODE(0x8E, (modrm)); \
        struct x86_seg _fs = ctx.seg[X86_SEG_FS]; \
        EXPECT_FAULT((vec), (ec)); \
        CHECK(!memcmp(&_fs, &ctx.seg[X86_SEG_FS], sizeof(_fs))); \
    } while (0)
    SREG_FAULT(0xE0, 0x04, 13, 0x04);       /* TI with a null LDTR: #GP(sel) */
    SREG_FAULT(0xE0, 0x80, 13, 0x80);       /* past the GDT limit */
    SREG_FAULT(0xE0, 0x20, 11, 0x20);       /* not present: #NP */
    SREG_FAULT(0xE0, 0x23, 13, 0x20);       /* RPL 3 > DPL 0 before that */
    SREG_FAULT(0xE0, 0x28, 13, 0x28);       /* execute-only */
    SREG_FAULT(0xE0, 0x40, 13, 0x40);       /* system */
    SREG_FAULT(0xD0, 0x00, 13, 0x00);       /* null SS outside 64-bit mode */
    SREG_FAULT(0xD0, 0x18, 13, 0x18);       /* SS with DPL 3 at CPL 0 */
    SREG_FAULT(0xD0, 0x38, 13, 0x38);       /* read-only SS */
    SREG_FAULT(0xD0, 0x23, 13, 0x20);       /* SS: RPL != CPL first */
    SREG_FAULT(0xC8, 0x10, 6, -1);          /* mov to CS */
    SREG_FAULT(0xF0, 0x10, 6, -1);          /* Sreg 6 */
    ctx.cpl = 3;
    SREG_FAULT(0xD8, 0x13, 13, 0x10);       /* DS DPL 0 at CPL 3 */
    ctx.rip = CODE_LA;
    ctx.gpr[0] = 0x1B;                      /* SS DPL 3 with RPL 3 at CPL 3: fine */
    CODE(0x8E, 0xD0);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.seg[X86_SEG_SS].sel, 0x1B);
    CHECK_EQ(ctx.seg[X86_SEG_SS].limit, 0xFFFF);
    ctx.cpl = 0;
    ctx.seg[X86_SEG_SS] = ctx.seg[X86_SEG_DS];
    ctx.rip = CODE_LA;
    ctx.gpr[0] = 0x33;                      /* conforming readable code, RPL 3: fine */
    CODE(0x8E, 0xD8);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.seg[X86_SEG_DS].sel, 0x33);

    /* the null selector into DS: unusable, no fault */
    ctx.rip = CODE_LA;
    ctx.gpr[0] = 3;
    CODE(0x8E, 0xD8);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.seg[X86_SEG_DS].sel, 3);
    CHECK(!(ctx.seg[X86_SEG_DS].attr & X86_SEG_ATTR_P));
    /* then a read through it: #GP(0) */
    ctx.rip = CODE_LA;
    CODE(0x8B, 0x03);
    EXPECT_FAULT(13, 0);

    /* the LDT, once LDTR is usable */
    ctx.ldtr = (struct x86_seg){ .sel = 0x40, .attr = 0x82, .limit = 7, .base = LDT_LA };
    ctx.rip = CODE_LA;
    ctx.gpr[0] = 0x04;
    CODE(0x8E, 0xE8);                       /* mov %ax, %gs */
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.seg[X86_SEG_GS].base, 0x2000);
    CHECK_EQ(ctx.seg[X86_SEG_GS].limit, 0xFFFF);
    SREG_FAULT(0xE8, 0x0C, 13, 0x0C);       /* past the LDT limit */

    /* pop %ss: loads SS, moves ESP, no single-step trap after it */
    ctx.rip = CODE_LA;
    ctx.rflags |= 0x100;
    ctx.gpr[4] = STACK_LA + 0x800;
    wr64(stack, 0x800, 0x10);
    CODE(0x17);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.seg[X86_SEG_SS].base, 0x1000);
    CHECK_EQ(ctx.gpr[4], STACK_LA + 0x804);
    CHECK(!ctx.singlestep);

    /* real mode: base = sel * 16 */
    setup16();
    ctx.gpr[0] = 0x1234;
    CODE(0x8E, 0xC0);                       /* mov %ax, %es */
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.seg[X86_SEG_ES].base, 0x12340);
    CHECK_EQ(ctx.seg[X86_SEG_ES].sel, 0x1234);
}

static void test_syscall(void)
{
    setup64();
    ctx.cpl = 3;
    ctx.seg[X86_SEG_CS] = (struct x86_seg){ .sel = 0x33, .attr = 0xAFB, .limit = ~0u };
    ctx.star = (0x23ULL << 48) | (0x08ULL << 32);
    ctx.lstar = 0xFFFF800000001000ULL;
    ctx.sfmask = 0x100;
    ctx.rflags = 0x302;
    CODE(0x0F, 0x05);
    EXPECT_FAULT(6, -1);                    /* EFER.SCE clear */
    ctx.efer |= 1;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.rip, 0xFFFF800000001000ULL);
    CHECK_EQ(ctx.gpr[1], CODE_LA + 2);
    CHECK_EQ(ctx.gpr[11], 0x302);
    CHECK_EQ(ctx.rflags, 0x202);
    CHECK_EQ(ctx.cpl, 0);
    CHECK_EQ(ctx.seg[X86_SEG_CS].sel, 0x08);
    CHECK(ctx.seg[X86_SEG_CS].attr & X86_SEG_ATTR_L);
    CHECK_EQ(ctx.seg[X86_SEG_SS].sel, 0x10);
    CHECK_EQ(ctx.seg_loaded, (1u << X86_SEG_CS) | (1u << X86_SEG_SS));
    CHECK(!ctx.singlestep);                 /* TF masked: no trap (XSA-204) */
    /* TF not in the mask: the trap follows */
    ctx.rip = CODE_LA;
    ctx.cpl = 3;
    ctx.seg[X86_SEG_CS] = (struct x86_seg){ .sel = 0x33, .attr = 0xAFB, .limit = ~0u };
    ctx.sfmask = 0;
    ctx.rflags = 0x302;
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK(ctx.singlestep);
    /* outside long mode: #UD */
    setup32();
    ctx.efer = 1;
    CODE(0x0F, 0x05);
    EXPECT_FAULT(6, -1);
}

/* A 16-bit code segment (here in compatibility mode) does not truncate
 * EIP when it steps past an instruction. */
static void test_eip_16bit(void)
{
    setup64();
    ctx.seg[X86_SEG_CS] = (struct x86_seg){ .sel = 0x40, .attr = 0x89B, .limit = ~0u };
    ctx.rip = CODE_LA + 0xFFE;
    CODE(0x90);
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    CHECK_EQ(ctx.rip, CODE_LA + 0xFFF);
}

/* ---- SSE arithmetic against the host ------------------------------------ */

static uint32_t host_sse(unsigned int op, bool dbl, uint64_t *a, uint64_t b, uint32_t mx,
                         uint64_t *rfl)
{
    uint32_t save, m = mx;
    uint64_t fl = 0;

    asm volatile("stmxcsr %0" : "=m"(save));
    if (op == 0x5E && !dbl)
        asm volatile("ldmxcsr %[m]; movq %[a], %%xmm0; movq %[b], %%xmm1; divss %%xmm1, %%xmm0;"
                     "movq %%xmm0, %[a]; stmxcsr %[m]"
                     : [a] "+r"(*a), [m] "+m"(m) : [b] "r"(b) : "xmm0", "xmm1");
    else if (op == 0x5E)
        asm volatile("ldmxcsr %[m]; movq %[a], %%xmm0; movq %[b], %%xmm1; divsd %%xmm1, %%xmm0;"
                     "movq %%xmm0, %[a]; stmxcsr %[m]"
                     : [a] "+r"(*a), [m] "+m"(m) : [b] "r"(b) : "xmm0", "xmm1");
    else if (op == 0x2E && !dbl)
        asm volatile("ldmxcsr %[m]; movq %[a], %%xmm0; movq %[b], %%xmm1; ucomiss %%xmm1, %%xmm0;"
                     "pushfq; pop %[f]; stmxcsr %[m]"
                     : [f] "=r"(fl), [m] "+m"(m) : [a] "r"(*a), [b] "r"(b) : "xmm0", "xmm1", "cc");
    else
        asm volatile("ldmxcsr %[m]; movq %[a], %%xmm0; movq %[b], %%xmm1; comisd %%xmm1, %%xmm0;"
                     "pushfq; pop %[f]; stmxcsr %[m]"
                     : [f] "=r"(fl), [m] "+m"(m) : [a] "r"(*a), [b] "r"(b) : "xmm0", "xmm1", "cc");
    asm volatile("ldmxcsr %0" : : "m"(save));
    *rfl = fl & HOST_FLAGS_MASK;
    return m;
}

static uint64_t fp_interesting(bool dbl)
{
    static const uint32_t s32[] = { 0, 0x80000000, 1, 0x80000001, 0x007FFFFF, 0x00800000,
                                    0x7F7FFFFF, 0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001,
                                    0x3F800000, 0x40000000, 0x3F7FFFFF, 0x00400000, 0x34000000 };
    static const uint64_t s64[] = { 0, 1ULL << 63, 1, 0x000FFFFFFFFFFFFFULL,
                                    0x0010000000000000ULL, 0x7FEFFFFFFFFFFFFFULL,
                                    0x7FF0000000000000ULL, 0x7FF8000000000000ULL,
                                    0x7FF0000000000001ULL, 0x3FF0000000000000ULL,
                                    0x3FEFFFFFFFFFFFFFULL, 0x0008000000000000ULL };
    uint64_t r = rnd();

    if (!dbl) {
        if (r & 1)
            return s32[(r >> 1) % (sizeof(s32) / sizeof(s32[0]))] ^ ((r >> 8) & 0x80000000);
        if ((r & 6) == 2)       /* small: near the denormal range */
            return (r >> 16) & 0x81FFFFFF;
        if ((r & 6) == 4)       /* large */
            return ((r >> 16) & 0x80FFFFFF) | 0x7E000000;
        return (uint32_t)(r >> 16);
    }
    if (r & 1)
        return s64[(r >> 1) % (sizeof(s64) / sizeof(s64[0]))] ^ (r & (1ULL << 63));
    if ((r & 6) == 2)
        return rnd() & 0x803FFFFFFFFFFFFFULL;
    if ((r & 6) == 4)
        return (rnd() & 0x80FFFFFFFFFFFFFFULL) | 0x7FE0000000000000ULL;
    return rnd();
}

static void test_sse_vs_host(void)
{
    static const unsigned int ops[] = { 0x5E, 0x5E, 0x2E, 0x2F };
    unsigned int bad = 0;

    for (unsigned int i = 0; i < 400000 && bad < 5; i++) {
        unsigned int op = ops[i % 4];
        bool dbl = op == 0x2F ? true : op == 0x2E ? false : (i / 4) & 1;
        uint64_t a = fp_interesting(dbl), b = fp_interesting(dbl), ha = a, hfl, r = 0;
        uint32_t mx = 0x1F80 | ((uint32_t)rnd() & 0xE040), hmx, emx;

        hmx = host_sse(op, dbl, &ha, b, mx, &hfl);
        setup64();
        memset(fx, 0, sizeof(fx));
        memcpy(fx + 160, &a, 8);
        memcpy(fx + 176, &b, 8);
        memcpy(fx + 24, &mx, 4);
        ctx.rflags = 2 | 0x8D5;
        {
            uint8_t b4[4] = { 0x66, 0x0F, (uint8_t)op, 0xC1 };

            if (op == 0x5E)
                b4[0] = dbl ? 0xF2 : 0xF3;
            if (op == 0x5E || dbl)
                code_bytes(b4, 4);
            else
                code_bytes(b4 + 1, 3);
        }
        CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
        memcpy(&r, fx + 160, 8);
        memcpy(&emx, fx + 24, 4);
        if (op == 0x5E ? r != ha : (ctx.rflags & HOST_FLAGS_MASK) != hfl)
            bad++;
        else if (emx != hmx)
            bad++;
        else
            continue;
        fprintf(stderr, "  op %02x %s a %#llx b %#llx mxcsr %#x: emulated %#llx/%#llx mxcsr %#x,"
                " host %#llx/%#llx mxcsr %#x\n", op, dbl ? "d" : "s",
                (unsigned long long)a, (unsigned long long)b, mx, (unsigned long long)r,
                (unsigned long long)(ctx.rflags & HOST_FLAGS_MASK), emx,
                (unsigned long long)ha, (unsigned long long)hfl, hmx);
    }
    CHECK_EQ(bad, 0);
}

static void test_sse_exceptions(void)
{
    uint32_t mx = 0, v;

    /* xsa-451: 0.0 / 0.0 with everything unmasked: #XM, IE, xmm0 kept */
    setup64();
    ctx.cr4 |= 1u << 10;
    memset(fx, 0, sizeof(fx));
    memcpy(fx + 24, &mx, 4);
    CODE(0xF3, 0x0F, 0x5E, 0xC0);
    EXPECT_FAULT(19, -1);
    memcpy(&v, fx + 24, 4);
    CHECK_EQ(v, 1);
    /* xsa-470: ucomiss of a denormal with itself: #XM, DE; EFLAGS kept */
    memset(fx, 0, sizeof(fx));
    fx[160] = 1;
    ctx.rflags = 2;
    CODE(0x0F, 0x2E, 0xC0);
    EXPECT_FAULT(19, -1);
    memcpy(&v, fx + 24, 4);
    CHECK_EQ(v, 2);
    CHECK_EQ(ctx.rflags, 2);
    /* without CR4.OSXMMEXCPT: #UD */
    ctx.cr4 &= ~(1u << 10);
    EXPECT_FAULT(6, -1);
    /* packed from memory: alignment */
    ctx.cr4 |= 1u << 10;
    ctx.gpr[0] = DATA_LA + 8;
    CODE(0x0F, 0x5E, 0x00);
    EXPECT_FAULT(13, 0);
    /* 1.0f / 2.0f packed, masked: every lane */
    ctx.gpr[0] = DATA_LA;
    mx = 0x1F80;
    memcpy(fx + 24, &mx, 4);
    for (unsigned int i = 0; i < 4; i++) {
        v = 0x3F800000;
        memcpy(fx + 160 + 4 * i, &v, 4);
        v = 0x40000000;
        memcpy(data->data + 4 * i, &v, 4);
    }
    CHECK_EQ(x86_emulate(&ctx), X86EMUL_OKAY);
    for (unsigned int i = 0; i < 4; i++) {
        memcpy(&v, fx + 160 + 4 * i, 4);
        CHECK_EQ(v, 0x3F000000);
    }
}

/* ---- hostile input ------------------------------------------------------- */

static void test_random_bytes(void)
{
    for (unsigned int i = 0; i < 300000; i++) {
        unsigned int mode = i % 3;

        if (mode == 0)
            setup64();
        else if (mode == 1)
            setup32();
        else
            setup16();
        map_page(IDT_LA, 0);
        ctx.idtr_base = IDT_LA;
        ctx.idtr_limit = (unsigned int)rnd() & 0xFFF;
        ctx.cpl = (unsigned int)(rnd() & 3);
        if (mode == 2)
            ctx.cpl = 0;
        for (unsigned int j = 0; j < 16; j++) {
            ctx.gpr[j] = (rnd() & 1) ? DATA_LA + (rnd() & 0x1FFF) : interesting();
        }
        ctx.gpr[4] = (rnd() & 1) ? STACK_LA + (rnd() & 0xFFF) : interesting();
        ctx.rflags = 2 | (rnd() & 0x8D5);
        /* near the end of the page half the time: fetches cross it */
        ctx.rip = (mode == 2 ? 0 : CODE_LA) + ((rnd() & 1) ? 0xFF0 + (rnd() & 0xF) : 0);
        for (unsigned int j = 0; j < 16; j++)
            code->data[((ctx.rip & 0xFFF) + j) & 0xFFF] = (uint8_t)rnd();
        if (rnd() & 1)
            code->data[ctx.rip & 0xFFF] = (uint8_t)(0x80 + (rnd() & 0x7F));

        struct x86_emul_ctxt before = ctx;
        int rc = x86_emulate(&ctx);

        CHECK(rc == X86EMUL_OKAY || rc == X86EMUL_EXCEPTION || rc == X86EMUL_UNHANDLEABLE);
        if (rc == X86EMUL_EXCEPTION && ctx.event.type == X86_EVENT_HW_EXC) {
            CHECK(ctx.event.vector <= 16 || ctx.event.vector == 19);
            CHECK_EQ(ctx.rip, before.rip);
            CHECK(!memcmp(ctx.gpr, before.gpr, sizeof(ctx.gpr)));
        }
        if (rc == X86EMUL_OKAY)
            CHECK(ctx.insn_len >= 1 && ctx.insn_len <= 15);
        if (unit_case_failed) {
            fprintf(stderr, "  iteration %u mode %u rc %d\n", i, mode, rc);
            return;
        }
    }
}

UNIT_MAIN("x86_emulate")
{
    TEST_RUN(test_alu_flags_vs_host);
    TEST_RUN(test_mov_forms_64);
    TEST_RUN(test_alu_insns);
    TEST_RUN(test_stack_and_misc);
    TEST_RUN(test_addressing_16);
    TEST_RUN(test_segments_32);
    TEST_RUN(test_canonical_64);
    TEST_RUN(test_paging_faults);
    TEST_RUN(test_swint);
    TEST_RUN(test_fpu_checks);
    TEST_RUN(test_simd_moves);
    TEST_RUN(test_singlestep);
    TEST_RUN(test_mov_sreg);
    TEST_RUN(test_syscall);
    TEST_RUN(test_eip_16bit);
    TEST_RUN(test_sse_vs_host);
    TEST_RUN(test_sse_exceptions);
    TEST_RUN(test_random_bytes);
}
