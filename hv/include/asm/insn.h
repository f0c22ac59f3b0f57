/*
 * x86 instruction length decoder.
 *
 * SVM without nRIP-save or decode assists (QEMU's emulated SVM) leaves the
 * hypervisor to find where an intercepted instruction ends; later MMIO
 * emulation needs its operands too. insn_decode() reads the bytes fetched
 * at the guest RIP and fills struct insn_info. It never reads past `avail`
 * and never looks at more than INSN_MAX_LEN bytes.
 */
#ifndef ASM_INSN_H
#define ASM_INSN_H

#include <oryx/types.h>

#define INSN_MAX_LEN 15

/* The code segment's default size: real mode and 16-bit protected mode are
 * INSN_MODE_16, CS.D=1 is INSN_MODE_32, CS.L=1 in long mode is INSN_MODE_64
 * (compatibility mode is 16 or 32 per CS.D). */
enum insn_mode {
    INSN_MODE_16,
    INSN_MODE_32,
    INSN_MODE_64,
};

/* opcode_map values */
enum {
    INSN_MAP_1BYTE = 0,
    INSN_MAP_0F    = 1,
    INSN_MAP_0F38  = 2,
    INSN_MAP_0F3A  = 3,
    INSN_MAP_EVEX5 = 5,     /* EVEX map 5 (AVX512-FP16) */
    INSN_MAP_EVEX6 = 6,     /* EVEX map 6 (AVX512-FP16) */
    INSN_MAP_XOP8  = 8,     /* AMD XOP maps */
    INSN_MAP_XOP9  = 9,
    INSN_MAP_XOPA  = 10,
};

/* vex_kind values: which multi-byte prefix introduced the opcode */
enum {
    INSN_VEX_NONE = 0,
    INSN_VEX_C5   = 1,      /* 2-byte VEX */
    INSN_VEX_C4   = 2,      /* 3-byte VEX */
    INSN_VEX_XOP  = 3,      /* 8F, AMD XOP */
    INSN_VEX_EVEX = 4,      /* 62, EVEX */
};

struct insn_info {
    uint8_t len;            /* total length in bytes, 1..15 */
    uint8_t opcode_map;     /* INSN_MAP_* */
    uint8_t opcode;         /* the opcode byte within its map */
    bool has_modrm;
    uint8_t modrm;
    uint8_t prefix_66;      /* 0x66 if an operand-size prefix was present, else 0 */
    uint8_t rep;            /* 0xF2, 0xF3 (the last one given) or 0 */
    uint8_t rex;            /* the effective REX byte (0x40..0x4F) or 0 */
    uint8_t seg_override;   /* 0x26/2E/36/3E/64/65 (the last one given) or 0;
                             * in 64-bit mode only 64/65 have an effect */
    uint8_t opsize;         /* effective operand size: 2, 4 or 8 */
    uint8_t addrsize;       /* effective address size: 2, 4 or 8 */
    bool lock;              /* F0 present (already checked to be allowed) */

    /* Operand details for emulation. */
    uint8_t prefix_len;     /* legacy prefixes + REX, in bytes */
    uint8_t vex_kind;       /* INSN_VEX_* */
    uint8_t vex[3];         /* payload bytes of VEX/XOP/EVEX (after C4/C5/8F/62) */
    uint8_t mod;            /* ModRM fields; reg and rm include REX/VEX .R/.B */
    uint8_t reg;
    uint8_t rm;
    bool has_sib;
    uint8_t sib;
    bool rip_relative;      /* 64-bit mode, mod=00 rm=101: disp is from the next RIP */
    uint8_t disp_size;      /* 0, 1, 2 or 4 (moffs: 2, 4 or 8) */
    int64_t disp;           /* sign-extended (moffs: zero-extended) */
    uint8_t imm_size;       /* 0, 1, 2, 4 or 8 */
    uint64_t imm;           /* raw little-endian value, zero-extended */
    uint8_t imm2_size;      /* second immediate: ENTER's ib, far pointer's selector, EXTRQ/INSERTQ */
    uint16_t imm2;
};

/*
 * Decode the instruction at buf[0..avail).
 * Returns 0 with *out filled, -EFAULT if the instruction needs more bytes
 * than `avail` (the caller fetched fewer, e.g. at a page boundary), or
 * -EINVAL if the encoding is invalid or undefined in this mode, or longer
 * than 15 bytes (the caller injects #UD; for the length limit the CPU would
 * raise #GP(0)).
 *
 * Validity is checked exactly for the legacy maps (opcodes undefined or
 * invalid in the mode, ModRM.reg of groups, LOCK on a non-lockable or
 * register destination, VEX/EVEX after 66/F2/F3/F0/REX); opcodes inside
 * the VEX, XOP and EVEX maps and the 0F38/0F3A maps are accepted with
 * their length whether or not they are defined.
 */
int insn_decode(const uint8_t *buf, size_t avail, enum insn_mode mode,
                struct insn_info *out);

#endif
