/*
 * x86 instruction length decoder (see asm/insn.h).
 *
 * Layout of an instruction: legacy prefixes, REX (64-bit mode), opcode
 * (possibly behind 0F / 0F 38 / 0F 3A, or a VEX/XOP/EVEX prefix that names
 * the map), ModRM, SIB, displacement, immediate. The opcode tables below give
 * for each opcode whether a ModRM follows and what kind of immediate; the few
 * opcodes whose length depends on ModRM.reg or on a mandatory prefix are
 * handled in insn_special_imm(). Facts from the Intel SDM vol. 2 appendix A
 * and the AMD APM vol. 3 appendix A.
 *
 * Where Intel and AMD differ we follow AMD, which is what SVM runs on: an
 * operand-size prefix on a near branch in 64-bit mode selects a 16-bit
 * displacement, and LOCK MOV CR0 is the AltMovCr8 encoding.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <asm/insn.h>

/* Immediate kinds (low 4 bits of an attribute). */
enum {
    IMM_NONE,
    IMM_B,      /* imm8 */
    IMM_W,      /* imm16 */
    IMM_Z,      /* imm16 or imm32 by operand size (imm32 also for 64-bit operands) */
    IMM_V,      /* imm16, imm32 or imm64 by operand size (MOV r, imm) */
    IMM_ENTER,  /* imm16, imm8 */
    IMM_FAR,    /* ptr16:16 or ptr16:32 */
    IMM_MOFFS,  /* offset of address size */
    IMM_SPECIAL /* depends on ModRM.reg or the mandatory prefix */
};

#define IMM_MASK 0x000fu
#define M        0x0010u    /* ModRM follows */
#define INV      0x0020u    /* undefined in every mode */
#define I64      0x0040u    /* invalid in 64-bit mode */
#define D64      0x0080u    /* 64-bit default operand size in 64-bit mode */
#define F64      0x0100u    /* near branch: 64-bit operand size unless 66 (AMD) */
#define LK       0x0200u    /* LOCK allowed with a memory destination */
#define MREG     0x0400u    /* ModRM.mod ignored, always a register (MOV CR/DR) */
#define PFX      0x0800u    /* a legacy prefix or escape: handled before the table */

#define B  IMM_B
#define W  IMM_W
#define Z  IMM_Z
#define V  IMM_V
#define SP IMM_SPECIAL

static const uint16_t map_1byte[256] = {
    /* 00 */ M|LK, M|LK, M, M, B, Z, I64, I64, M|LK, M|LK, M, M, B, Z, I64, PFX,
    /* 10 */ M|LK, M|LK, M, M, B, Z, I64, I64, M|LK, M|LK, M, M, B, Z, I64, I64,
    /* 20 */ M|LK, M|LK, M, M, B, Z, PFX, I64, M|LK, M|LK, M, M, B, Z, PFX, I64,
    /* 30 */ M|LK, M|LK, M, M, B, Z, PFX, I64, M, M, M, M, B, Z, PFX, I64,
    /* 40 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 50 */ D64, D64, D64, D64, D64, D64, D64, D64,
             D64, D64, D64, D64, D64, D64, D64, D64,
    /* 60 */ I64, I64, M|I64, M, PFX, PFX, PFX, PFX, Z|D64, M|Z, B|D64, M|B, 0, 0, 0, 0,
    /* 70 */ B|F64, B|F64, B|F64, B|F64, B|F64, B|F64, B|F64, B|F64,
             B|F64, B|F64, B|F64, B|F64, B|F64, B|F64, B|F64, B|F64,
    /* 80 */ M|B|LK, M|Z|LK, M|B|LK|I64, M|B|LK, M, M, M|LK, M|LK,
             M, M, M, M, M, M, M, M|D64,
    /* 90 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, IMM_FAR|I64, 0, D64, D64, 0, 0,
    /* A0 */ IMM_MOFFS, IMM_MOFFS, IMM_MOFFS, IMM_MOFFS, 0, 0, 0, 0,
             B, Z, 0, 0, 0, 0, 0, 0,
    /* B0 */ B, B, B, B, B, B, B, B, V, V, V, V, V, V, V, V,
    /* C0 */ M|B, M|B, W|F64, F64, M|I64, M|I64, M|SP, M|SP,
             IMM_ENTER|D64, D64, W, 0, 0, B, I64, 0,
    /* D0 */ M, M, M, M, B|I64, B|I64, I64, 0, M, M, M, M, M, M, M, M,
    /* E0 */ B|F64, B|F64, B|F64, B|F64, B, B, B, B,
             Z|F64, Z|F64, IMM_FAR|I64, B|F64, 0, 0, 0, 0,
    /* F0 */ PFX, 0, PFX, PFX, 0, 0, M|SP|LK, M|SP|LK, 0, 0, 0, 0, 0, 0, M|LK, M|LK,
};

static const uint16_t map_0f[256] = {
    /* 00 */ M, M, M, M, INV, 0, 0, 0, 0, 0, INV, INV, INV, M, 0, M|B,
    /* 10 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
    /* 20 */ M|MREG, M|MREG, M|MREG, M|MREG, INV, INV, INV, INV, M, M, M, M, M, M, M, M,
    /* 30 */ 0, 0, 0, 0, 0, 0, INV, 0, PFX, INV, PFX, INV, INV, INV, INV, INV,
    /* 40 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
    /* 50 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
    /* 60 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
    /* 70 */ M|B, M|B, M|B, M|B, M, M, M, 0, M|SP, M, INV, INV, M, M, M, M,
    /* 80 */ Z|F64, Z|F64, Z|F64, Z|F64, Z|F64, Z|F64, Z|F64, Z|F64,
             Z|F64, Z|F64, Z|F64, Z|F64, Z|F64, Z|F64, Z|F64, Z|F64,
    /* 90 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
    /* A0 */ D64, D64, 0, M, M|B, M, INV, INV, D64, D64, 0, M|LK, M|B, M, M, M,
    /* B0 */ M|LK, M|LK, M, M|LK, M, M, M, M, M, M|INV, M|B|LK, M|LK, M, M, M, M,
    /* C0 */ M|LK, M|LK, M|B, M, M|B, M|B, M|B, M|LK, 0, 0, 0, 0, 0, 0, 0, 0,
    /* D0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
    /* E0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, M,
    /* F0 */ M, M, M, M, M, M, M, M, M, M, M, M, M, M, M, INV,
};

#undef B
#undef W
#undef Z
#undef V
#undef SP

/* Byte cursor over the fetched bytes. */
struct insn_cursor {
    const uint8_t *buf;
    size_t avail;
    unsigned int pos;
};

/* Peek at byte `pos + ahead` without consuming it. */
static int insn_peek(const struct insn_cursor *c, unsigned int ahead, uint8_t *b)
{
    unsigned int at = c->pos + ahead;

    if (at >= INSN_MAX_LEN)
        return -EINVAL;
    if (at >= c->avail)
        return -EFAULT;
    *b = c->buf[at];
    return 0;
}

/* Consume `n` (<= 8) bytes as a little-endian value. */
static int insn_take(struct insn_cursor *c, unsigned int n, uint64_t *val)
{
    uint64_t v = 0;
    unsigned int i;
    uint8_t b;
    int rc;

    for (i = 0; i < n; i++) {
        rc = insn_peek(c, i, &b);
        if (rc)
            return rc;
        v |= (uint64_t)b << (8 * i);
    }
    c->pos += n;
    *val = v;
    return 0;
}

static int insn_take8(struct insn_cursor *c, uint8_t *b)
{
    uint64_t v;
    int rc = insn_take(c, 1, &v);

    if (!rc)
        *b = (uint8_t)v;
    return rc;
}

static int64_t insn_sext(uint64_t v, unsigned int bytes)
{
    unsigned int shift = 64 - 8 * bytes;

    return (int64_t)(v << shift) >> shift;
}

static bool insn_is_legacy_prefix(uint8_t b)
{
    switch (b) {
    case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
    case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
        return true;
    default:
        return false;
    }
}

/* ModRM, SIB and displacement. `force_reg` treats the operand as a register
 * whatever mod says (MOV to/from control and debug registers). */
static int insn_modrm(struct insn_cursor *c, enum insn_mode mode, bool force_reg,
                      struct insn_info *out)
{
    unsigned int disp = 0;
    uint64_t v;
    int rc;

    rc = insn_take8(c, &out->modrm);
    if (rc)
        return rc;
    out->has_modrm = true;
    out->mod = out->modrm >> 6;
    out->reg |= (out->modrm >> 3) & 7;
    out->rm |= out->modrm & 7;
    if (force_reg)
        out->mod = 3;
    if (out->mod == 3)
        return 0;

    if (out->addrsize == 2) {
        if (out->mod == 1)
            disp = 1;
        else if (out->mod == 2 || (out->modrm & 7) == 6)
            disp = 2;
    } else {
        if ((out->modrm & 7) == 4) {
            rc = insn_take8(c, &out->sib);
            if (rc)
                return rc;
            out->has_sib = true;
        }
        if (out->mod == 1)
            disp = 1;
        else if (out->mod == 2)
            disp = 4;
        else if ((out->modrm & 7) == 5) {
            disp = 4;
            out->rip_relative = mode == INSN_MODE_64;
        } else if (out->has_sib && (out->sib & 7) == 5)
            disp = 4;
    }
    if (disp) {
        rc = insn_take(c, disp, &v);
        if (rc)
            return rc;
        out->disp_size = (uint8_t)disp;
        out->disp = insn_sext(v, disp);
    }
    return 0;
}

/* Immediate size for IMM_SPECIAL opcodes, and their ModRM-dependent
 * validity. *imm2 gets the size of a second immediate. */
static int insn_special_imm(const struct insn_info *in, unsigned int zsize,
                            unsigned int *imm, unsigned int *imm2)
{
    unsigned int reg = (in->modrm >> 3) & 7;

    *imm = 0;
    *imm2 = 0;
    if (in->opcode_map == INSN_MAP_1BYTE) {
        switch (in->opcode) {
        case 0xf6:      /* group 3: TEST (/0, and its alias /1) takes an immediate */
        case 0xf7:
            if (reg <= 1)
                *imm = in->opcode == 0xf6 ? 1 : zsize;
            return 0;
        case 0xc6:      /* group 11: MOV Eb,Ib / XABORT Ib */
            if (reg == 0 || in->modrm == 0xf8) {
                *imm = 1;
                return 0;
            }
            return -EINVAL;
        case 0xc7:      /* group 11: MOV Ev,Iz / XBEGIN Jz */
            if (reg == 0 || in->modrm == 0xf8) {
                *imm = zsize;
                return 0;
            }
            return -EINVAL;
        default:
            return -EINVAL;
        }
    }
    if (in->opcode_map == INSN_MAP_0F && in->opcode == 0x78) {
        /* VMREAD without a mandatory prefix; AMD's EXTRQ (66) and
         * INSERTQ (F2) carry two imm8 (length, index). */
        if (in->rep == 0xf2 || (!in->rep && in->prefix_66)) {
            *imm = 1;
            *imm2 = 1;
        } else if (in->rep) {
            return -EINVAL;
        }
        return 0;
    }
    return -EINVAL;
}

/* Per-opcode checks that need ModRM: encodings undefined for some reg/mod,
 * and whether a LOCK prefix is allowed. */
static int insn_check(const struct insn_info *in, uint16_t attr, enum insn_mode mode)
{
    unsigned int reg = (in->modrm >> 3) & 7;
    bool mem = in->has_modrm && in->mod != 3;
    bool lockable = (attr & LK) && mem;

    if (in->opcode_map == INSN_MAP_1BYTE) {
        switch (in->opcode) {
        case 0x8d:                          /* LEA needs a memory operand */
            if (!mem)
                return -EINVAL;
            break;
        case 0x8f:                          /* group 1a: only POP */
            if (reg != 0)
                return -EINVAL;
            break;
        case 0x80: case 0x81: case 0x82: case 0x83:
            lockable = lockable && reg != 7;    /* CMP cannot be locked */
            break;
        case 0xf6: case 0xf7:
            lockable = lockable && (reg == 2 || reg == 3);  /* NOT, NEG */
            break;
        case 0xfe:
            if (reg > 1)
                return -EINVAL;
            break;
        case 0xff:
            if (reg == 7 || ((reg == 3 || reg == 5) && !mem))
                return -EINVAL;
            lockable = lockable && reg <= 1;
            break;
        default:
            break;
        }
    } else if (in->opcode_map == INSN_MAP_0F) {
        switch (in->opcode) {
        case 0x00:                          /* group 6 */
            if (reg >= 6)
                return -EINVAL;
            break;
        case 0x01:                          /* group 7: SWAPGS only in 64-bit mode */
            if (in->modrm == 0xf8 && mode != INSN_MODE_64)
                return -EINVAL;
            break;
        case 0xba:                          /* group 8: BT, BTS, BTR, BTC */
            if (reg < 4)
                return -EINVAL;
            lockable = lockable && reg != 4;
            break;
        case 0xc7:                          /* group 9: CMPXCHG8B/16B is lockable */
            lockable = mem && reg == 1;
            break;
        case 0x20: case 0x22:               /* AMD AltMovCr8 */
            lockable = true;
            break;
        default:
            break;
        }
    }
    if (in->lock && !lockable)
        return -EINVAL;
    return 0;
}

/* VEX (C4/C5), XOP (8F) or EVEX (62) prefix at the cursor. Fills the map
 * and the operand-register extensions; the opcode follows. */
static int insn_vex(struct insn_cursor *c, uint8_t lead, enum insn_mode mode,
                    struct insn_info *out)
{
    unsigned int n = lead == 0xc5 ? 1 : lead == 0x62 ? 3 : 2;
    unsigned int map;
    uint64_t v;
    int rc;

    /* These prefixes cannot follow 66, F2, F3, LOCK or REX. */
    if (out->prefix_66 || out->rep || out->lock || out->rex)
        return -EINVAL;
    c->pos++;                               /* the lead byte */
    rc = insn_take(c, n, &v);
    if (rc)
        return rc;
    out->vex[0] = (uint8_t)v;
    out->vex[1] = (uint8_t)(v >> 8);
    out->vex[2] = (uint8_t)(v >> 16);

    switch (lead) {
    case 0xc5:
        out->vex_kind = INSN_VEX_C5;
        map = INSN_MAP_0F;
        break;
    case 0xc4:
        out->vex_kind = INSN_VEX_C4;
        map = out->vex[0] & 0x1f;
        if (map < INSN_MAP_0F || map > INSN_MAP_0F3A)
            return -EINVAL;
        break;
    case 0x8f:
        out->vex_kind = INSN_VEX_XOP;
        map = out->vex[0] & 0x1f;
        if (map < INSN_MAP_XOP8 || map > INSN_MAP_XOPA)
            return -EINVAL;
        break;
    case 0x62:
        out->vex_kind = INSN_VEX_EVEX;
        map = out->vex[0] & 0x07;
        /* P0 bit 3 and P1 bit 2 are fixed; map 4 is APX, not supported */
        if ((out->vex[0] & 0x08) || !(out->vex[1] & 0x04) ||
            map == 0 || map == 4 || map == 7)
            return -EINVAL;
        break;
    default:
        return -EINVAL;
    }
    out->opcode_map = (uint8_t)map;

    /* R, X, B are stored inverted; outside 64-bit mode they are ignored. */
    if (mode == INSN_MODE_64) {
        if (!(out->vex[0] & 0x80))
            out->reg = 8;
        if (lead != 0xc5 && !(out->vex[0] & 0x20))
            out->rm = 8;
        if (lead == 0x62 && !(out->vex[0] & 0x10))
            out->reg |= 16;
    }
    return 0;
}

/* Immediate size of a VEX/XOP/EVEX-encoded opcode, and whether it has a
 * ModRM (all do except VZEROUPPER/VZEROALL). */
static void insn_vex_layout(const struct insn_info *in, bool *modrm, unsigned int *imm)
{
    *modrm = true;
    *imm = 0;
    switch (in->opcode_map) {
    case INSN_MAP_0F:
        switch (in->opcode) {
        case 0x77:
            *modrm = in->vex_kind == INSN_VEX_EVEX;
            break;
        case 0x70: case 0x71: case 0x72: case 0x73:
        case 0xc2: case 0xc4: case 0xc5: case 0xc6:
            *imm = 1;
            break;
        default:
            break;
        }
        break;
    case INSN_MAP_0F3A:
    case INSN_MAP_XOP8:
        *imm = 1;
        break;
    case INSN_MAP_XOPA:
        *imm = 4;
        break;
    default:            /* 0F38, EVEX maps 5 and 6, XOP map 9 */
        break;
    }
}

int insn_decode(const uint8_t *buf, size_t avail, enum insn_mode mode,
                struct insn_info *out)
{
    struct insn_cursor c = { .buf = buf, .avail = avail, .pos = 0 };
    unsigned int imm = 0, imm2 = 0, zsize;
    bool is_vex = false, want_modrm;
    uint16_t attr = 0;
    uint8_t b, next;
    uint64_t v;
    int rc;

    memset(out, 0, sizeof(*out));
    if (mode != INSN_MODE_16 && mode != INSN_MODE_32 && mode != INSN_MODE_64)
        return -EINVAL;

    /* Legacy prefixes and REX. A REX followed by anything but the opcode
     * is ignored. */
    for (;;) {
        rc = insn_peek(&c, 0, &b);
        if (rc)
            return rc;
        if (mode == INSN_MODE_64 && (b & 0xf0) == 0x40) {
            out->rex = b;
            c.pos++;
            continue;
        }
        if (!insn_is_legacy_prefix(b))
            break;
        out->rex = 0;
        switch (b) {
        case 0x66:
            out->prefix_66 = 0x66;
            break;
        case 0x67:
            out->addrsize = 1;      /* marker, resolved below */
            break;
        case 0xf0:
            out->lock = true;
            break;
        case 0xf2:
        case 0xf3:
            out->rep = b;
            break;
        default:
            /* ES, CS, SS, DS overrides are ignored in 64-bit mode but still
             * recorded: the last one given wins. */
            out->seg_override = b;
            break;
        }
        c.pos++;
    }
    out->prefix_len = (uint8_t)c.pos;

    switch (mode) {
    case INSN_MODE_16:
        out->addrsize = out->addrsize ? 4 : 2;
        break;
    case INSN_MODE_32:
        out->addrsize = out->addrsize ? 2 : 4;
        break;
    default:
        out->addrsize = out->addrsize ? 4 : 8;
        break;
    }
    if (out->rex & 0x04)
        out->reg = 8;
    if (out->rex & 0x01)
        out->rm = 8;

    /* Opcode, possibly behind an escape or a VEX-family prefix. */
    rc = insn_peek(&c, 0, &b);
    if (rc)
        return rc;
    if (b == 0xc4 || b == 0xc5 || b == 0x62 || b == 0x8f) {
        rc = insn_peek(&c, 1, &next);
        if (rc)
            return rc;
        /* Outside 64-bit mode C4/C5/62 are LES/LDS/BOUND unless ModRM.mod
         * is 11; 8F is POP Ev unless the map field is 8 or more. */
        if (b == 0x8f)
            is_vex = (next & 0x1f) >= 8;
        else
            is_vex = mode == INSN_MODE_64 || (next & 0xc0) == 0xc0;
    }
    if (is_vex) {
        rc = insn_vex(&c, b, mode, out);
        if (rc)
            return rc;
        rc = insn_take8(&c, &out->opcode);
        if (rc)
            return rc;
        insn_vex_layout(out, &want_modrm, &imm);
    } else {
        c.pos++;
        if (b == 0x0f) {
            rc = insn_take8(&c, &b);
            if (rc)
                return rc;
            if (b == 0x38 || b == 0x3a) {
                out->opcode_map = b == 0x38 ? INSN_MAP_0F38 : INSN_MAP_0F3A;
                rc = insn_take8(&c, &b);
                if (rc)
                    return rc;
                attr = out->opcode_map == INSN_MAP_0F38 ? M : (M | IMM_B);
            } else {
                out->opcode_map = INSN_MAP_0F;
                attr = map_0f[b];
            }
        } else {
            attr = map_1byte[b];
        }
        out->opcode = b;
        if ((attr & INV) || ((attr & I64) && mode == INSN_MODE_64))
            return -EINVAL;
        want_modrm = attr & M;
    }

    /* Operand size; 64-bit mode has REX.W and the 64-bit defaults. */
    if (mode == INSN_MODE_16)
        out->opsize = out->prefix_66 ? 4 : 2;
    else if (mode == INSN_MODE_32)
        out->opsize = out->prefix_66 ? 2 : 4;
    else if (out->rex & 0x08)
        out->opsize = 8;
    else if (out->prefix_66)
        out->opsize = 2;
    else
        out->opsize = (attr & (D64 | F64)) ? 8 : 4;
    zsize = out->opsize == 2 ? 2 : 4;

    if (want_modrm) {
        rc = insn_modrm(&c, mode, attr & MREG, out);
        if (rc)
            return rc;
    }

    if (!is_vex) {
        rc = insn_check(out, attr, mode);
        if (rc)
            return rc;
        switch (attr & IMM_MASK) {
        case IMM_NONE:
            break;
        case IMM_B:
            imm = 1;
            break;
        case IMM_W:
            imm = 2;
            break;
        case IMM_Z:
            imm = zsize;
            break;
        case IMM_V:
            imm = out->opsize;
            break;
        case IMM_ENTER:
            imm = 2;
            imm2 = 1;
            break;
        case IMM_FAR:
            imm = zsize;
            imm2 = 2;
            break;
        case IMM_MOFFS:
            imm = 0;
            rc = insn_take(&c, out->addrsize, &v);
            if (rc)
                return rc;
            out->disp_size = out->addrsize;
            out->disp = (int64_t)v;
            break;
        case IMM_SPECIAL:
            rc = insn_special_imm(out, zsize, &imm, &imm2);
            if (rc)
                return rc;
            break;
        default:
            return -EINVAL;
        }
    }

    if (imm) {
        rc = insn_take(&c, imm, &out->imm);
        if (rc)
            return rc;
        out->imm_size = (uint8_t)imm;
    }
    if (imm2) {
        rc = insn_take(&c, imm2, &v);
        if (rc)
            return rc;
        out->imm2_size = (uint8_t)imm2;
        out->imm2 = (uint16_t)v;
    }
    out->len = (uint8_t)c.pos;
    return 0;
}
