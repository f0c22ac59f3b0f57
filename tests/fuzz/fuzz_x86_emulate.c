/*
 * libFuzzer target over the instruction emulator behind the
 * forced-emulation prefix (hv/arch/x86/x86_emulate.c): with hvm_fep a
 * guest chooses the instruction bytes and every register, segment and
 * control-register value the emulator starts from.
 *
 * Input: a header of state (mode, CPL, CR0/CR4/EFER bits, RFLAGS, GPRs,
 * segment attributes, bases and limits, descriptor-table bases), then the
 * bytes of guest memory. The fake guest has four pages of that memory at
 * linear addresses the header picks (one may be MMIO, one read-only), the
 * rest of the address space faults.
 *
 * Checked beyond "no crash, no UB, no access outside the fake pages": the
 * emulator asks for at most one page per call and never beyond it; a
 * result is one of its four kinds; X86EMUL_OKAY leaves a decoded length
 * of 1..15; an exception names a vector below 32; X86EMUL_UNHANDLEABLE
 * names an MMIO page; a fault writes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include <asm/x86_emulate.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NPAGES  4
#define PG_W    1u
#define PG_U    2u
#define PG_MMIO 4u
#define PG_NX   8u

struct fpage {
    uint64_t la;
    unsigned int flags;
    uint8_t data[4096];
};

static struct fpage pages[NPAGES];
static unsigned int writes;
static uint8_t fx[512];

static struct fpage *find_page(uint64_t la)
{
    for (unsigned int i = 0; i < NPAGES; i++)
        if (pages[i].la == (la & ~0xFFFULL))
            return &pages[i];
    return NULL;
}

static void check_span(uint64_t la, unsigned int len)
{
    if (len < 1 || len > 4096 || (la & 0xFFF) + len > 4096)
        abort();                        /* the emulator must split per page */
}

static int f_read(struct x86_emul_ctxt *c, uint64_t la, void *buf, unsigned int len,
                  unsigned int access, uint32_t *pfec)
{
    struct fpage *p = find_page(la);
    uint32_t u = (c->cpl == 3 && !(access & X86EMUL_ACC_SYSTEM)) ? 4 : 0;
    uint32_t fe = (access & X86EMUL_ACC_FETCH) ? 0x10 : 0;

    check_span(la, len);
    if (!p || (u && !(p->flags & PG_U)) || (fe && (p->flags & PG_NX))) {
        *pfec = (p ? 1 : 0) | u | fe;
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
    uint32_t u = c->cpl == 3 ? 4 : 0;

    check_span(la, len);
    if (!p || !(p->flags & PG_W) || (u && !(p->flags & PG_U))) {
        *pfec = (p ? 1 : 0) | 2 | u;
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
    writes++;
    memcpy(find_page(la)->data + (la & 0xFFF), buf, len);
    return X86EMUL_OKAY;
}

static int f_cpuid(struct x86_emul_ctxt *c)
{
    c->gpr[0] = c->gpr[1] = c->gpr[2] = c->gpr[3] = 0;
    return X86EMUL_OKAY;
}

static int f_msr(struct x86_emul_ctxt *c)
{
    if ((uint32_t)c->gpr[1] & 1) {
        c->event = (struct x86_event){ .vector = 13, .type = X86_EVENT_HW_EXC, .error_code = 0 };
        return X86EMUL_EXCEPTION;
    }
    return X86EMUL_OKAY;
}

static uint8_t *f_get_fxsave(struct x86_emul_ctxt *c)
{
    return (c->cr0 & 1) && (c->gpr[7] & 1) ? NULL : fx;   /* sometimes unavailable */
}

static void f_put_fxsave(struct x86_emul_ctxt *c)
{
    (void)c;
}

static const struct x86_emul_ops fops = {
    .read = f_read, .check_write = f_check_write, .write = f_write,
    .cpuid = f_cpuid, .rdmsr = f_msr, .wrmsr = f_msr,
    .get_fxsave = f_get_fxsave, .put_fxsave = f_put_fxsave,
};

/* The input, consumed front to back; zeros once it runs out. */
struct in {
    const uint8_t *p;
    size_t n;
};

static uint64_t take(struct in *in, unsigned int bytes)
{
    uint64_t v = 0;

    for (unsigned int i = 0; i < bytes; i++) {
        uint8_t b = in->n ? (in->n--, *in->p++) : 0;
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct in in = { data, size };
    struct x86_emul_ctxt c;
    unsigned int mode, writes_before;
    int rc;

    memset(&c, 0, sizeof(c));
    memset(pages, 0, sizeof(pages));
    writes = 0;
    mode = (unsigned int)take(&in, 1);

    /* Control state: protected mode always (FEP is #UD in real mode
     * before it could reach the emulator only if the CPU delivers it;
     * real mode is allowed too when bit 7 says so). */
    c.cr0 = (mode & 0x80) ? 0 : 1;
    c.cr0 |= take(&in, 1) & 0x2E;                       /* MP, EM, TS, NE */
    c.cr4 = take(&in, 2) & 0x0600;                      /* OSFXSR, OSXMMEXCPT */
    if ((mode & 3) == 2 && (c.cr0 & 1)) {
        c.cr0 |= 1ULL << 31;
        c.cr4 |= 1ULL << 5;
        c.efer = (1ULL << 8) | (1ULL << 10);            /* LME, LMA */
    }
    c.efer |= take(&in, 1) & 1;                         /* SCE */
    c.cpl = (unsigned int)take(&in, 1) & 3;
    c.rflags = (take(&in, 4) & 0x3F7FD5) | 2;
    c.fsw = (uint16_t)take(&in, 2);
    for (unsigned int i = 0; i < 16; i++)
        c.gpr[i] = take(&in, 8);
    for (unsigned int s = 0; s < X86_SEG_NR; s++) {
        c.seg[s].sel = (uint16_t)take(&in, 2);
        c.seg[s].attr = (uint16_t)take(&in, 2) | X86_SEG_ATTR_P | X86_SEG_ATTR_S;
        c.seg[s].limit = (uint32_t)take(&in, 4);
        c.seg[s].base = take(&in, 4);
    }
    if ((mode & 3) == 2 && (c.cr0 & 1))
        c.seg[X86_SEG_CS].attr = (uint16_t)((c.seg[X86_SEG_CS].attr & ~X86_SEG_ATTR_DB) |
                                            ((mode & 4) ? 0 : X86_SEG_ATTR_L));
    else if (mode & 1)
        c.seg[X86_SEG_CS].attr |= X86_SEG_ATTR_DB;
    else
        c.seg[X86_SEG_CS].attr &= (uint16_t)~X86_SEG_ATTR_DB;
    c.seg[X86_SEG_CS].attr |= 0x8;                      /* code */
    c.ldtr.base = take(&in, 4);
    c.ldtr.limit = (uint32_t)take(&in, 2);
    c.ldtr.attr = (uint16_t)take(&in, 2);
    c.idtr_base = take(&in, 4);
    c.idtr_limit = (uint32_t)take(&in, 2);
    c.gdtr_base = take(&in, 4);
    c.gdtr_limit = (uint32_t)take(&in, 2);
    c.star = take(&in, 8);
    c.lstar = take(&in, 8);
    c.cstar = take(&in, 8);
    c.sfmask = take(&in, 4);
    c.rip = take(&in, 4);
    for (unsigned int i = 0; i < NPAGES; i++) {
        /* Page 0 holds the code (at RIP); the others at chosen places. */
        uint64_t la = i == 0 ? c.seg[X86_SEG_CS].base + c.rip : take(&in, 4) << 12;

        if (i == 0 && (mode & 3) != 2)
            la &= 0xFFFFFFFF;
        pages[i].la = la & ~0xFFFULL;
        pages[i].flags = i == 0 ? PG_U : (unsigned int)take(&in, 1) & 0xF;
    }
    for (unsigned int i = 0; i < NPAGES && in.n; i++) {
        size_t n = in.n < 4096 ? in.n : 4096;
        size_t off = i == 0 ? (size_t)(c.rip & 0xFFF) : 0;  /* code at RIP */

        if (n > 4096 - off)
            n = 4096 - off;
        memcpy(pages[i].data + off, in.p, n);
        in.p += n;
        in.n -= n;
    }
    memcpy(fx, pages[1].data, sizeof(fx));
    c.ops = &fops;

    writes_before = writes;
    rc = x86_emulate(&c);
    switch (rc) {
    case X86EMUL_OKAY:
        if (c.insn_len < 1 || c.insn_len > 15)
            abort();
        break;
    case X86EMUL_EXCEPTION:
        if (c.event.vector >= 32 && c.event.type == X86_EVENT_HW_EXC)
            abort();
        if (c.event.type == X86_EVENT_HW_EXC && writes != writes_before)
            abort();                    /* a fault must leave memory as it was */
        break;
    case X86EMUL_UNHANDLEABLE:
        if (!find_page(c.mmio_gpa) || !(find_page(c.mmio_gpa)->flags & PG_MMIO))
            abort();
        break;
    case X86EMUL_DONE:
        break;
    default:
        abort();
    }
    return 0;
}
