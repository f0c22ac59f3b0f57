/* Host tests of the x86 instruction length decoder (hv/arch/x86/insn.c). */
#include <errno.h>
#include <stdint.h>
#include <asm/insn.h>
#include "unit.h"

struct gas_case {
    enum insn_mode mode;
    uint8_t len;
    const char *bytes;
    const char *text;
};
#include "insn_gas_table.h"

static const char *mode_name(enum insn_mode m)
{
    return m == INSN_MODE_16 ? "16" : m == INSN_MODE_32 ? "32" : "64";
}

/* Decode `len` bytes from a heap buffer of exactly `avail` bytes, so ASan
 * catches any read past what the caller fetched. */
static int decode_exact(const uint8_t *bytes, size_t avail, enum insn_mode mode,
                        struct insn_info *out)
{
    uint8_t *p = malloc(avail ? avail : 1);
    int rc;

    memcpy(p, bytes, avail);
    rc = insn_decode(avail ? p : NULL, avail, mode, out);
    free(p);
    return rc;
}

/* Every instruction GNU as emitted: the decoder agrees on its length, with
 * exactly its bytes available, with 15 bytes of trailing junk, and asks for
 * more (-EFAULT) when one byte is missing. */
static void test_gas_table(void)
{
    unsigned int i, bad = 0;
    struct insn_info ii;
    uint8_t buf[32];
    int rc;

    for (i = 0; i < ARRAY_SIZE(gas_cases); i++) {
        const struct gas_case *g = &gas_cases[i];
        unsigned int fill;

        for (fill = 0; fill < 2; fill++) {
            memset(buf, fill ? 0x66 : 0x0f, sizeof(buf));
            memcpy(buf, g->bytes, g->len);
            rc = decode_exact(buf, fill ? INSN_MAX_LEN : g->len, g->mode, &ii);
            if (rc != 0 || ii.len != g->len) {
                if (bad++ < 40)
                    fprintf(stderr, "  %s-bit \"%s\": expected len %u, got rc %d len %u\n",
                            mode_name(g->mode), g->text, g->len, rc, ii.len);
                break;
            }
        }
        rc = decode_exact(buf, g->len - 1u, g->mode, &ii);
        if (rc != -EFAULT) {
            if (bad++ < 40)
                fprintf(stderr, "  %s-bit \"%s\": short by one byte gives rc %d\n",
                        mode_name(g->mode), g->text, rc);
        }
    }
    fprintf(stderr, "  gas cross-check: %zu cases, %u mismatches\n",
            ARRAY_SIZE(gas_cases), bad);
    CHECK_EQ(bad, 0);
}

/* Hand-written encodings from the Intel SDM / AMD APM opcode maps.
 * `want` is the length, or a negative errno. */
struct hand_case {
    enum insn_mode mode;
    int want;
    uint8_t n;
    uint8_t b[16];
};

#define H(mode, want, ...) { INSN_MODE_##mode, want, \
    sizeof((uint8_t[]){ __VA_ARGS__ }), { __VA_ARGS__ } }

static const struct hand_case hand_cases[] = {
    /* One-byte opcodes that change meaning or validity in 64-bit mode. */
    H(32, 1, 0x06), H(16, 1, 0x07), H(64, -EINVAL, 0x06), H(64, -EINVAL, 0x1f),
    H(64, -EINVAL, 0x27), H(64, -EINVAL, 0x60), H(64, -EINVAL, 0xce),
    H(64, -EINVAL, 0xd4, 0x0a), H(64, -EINVAL, 0xd5, 0x0a), H(64, -EINVAL, 0xd6),
    H(32, 2, 0xd4, 0x0a), H(32, 1, 0xd6), H(64, -EINVAL, 0x82, 0xc0, 0x01),
    H(32, 1, 0x40), H(16, 1, 0x4f), H(64, 2, 0x40, 0x90), H(64, 3, 0x48, 0x8b, 0xc0),
    /* LES/LDS/BOUND vs VEX/EVEX outside 64-bit mode. */
    H(32, 2, 0xc4, 0x00), H(32, 6, 0xc4, 0x05, 0, 0, 0, 0), H(16, 4, 0xc5, 0x06, 0x34, 0x12),
    H(32, 3, 0xc5, 0xf8, 0x77), H(16, 3, 0xc5, 0xf8, 0x77), H(64, 3, 0xc5, 0xf8, 0x77),
    H(32, 2, 0x62, 0x00), H(32, 4, 0x62, 0x44, 0x24, 0x00),
    H(64, 6, 0x62, 0xf1, 0x7c, 0x48, 0x58, 0xc1),
    H(32, 6, 0x62, 0xf1, 0x7c, 0x48, 0x58, 0xc1),
    H(64, -EINVAL, 0x62, 0xf9, 0x7c, 0x48, 0x58, 0xc1),   /* P0 bit 3 set */
    H(64, -EINVAL, 0x62, 0xf4, 0x7c, 0x48, 0x58, 0xc1),   /* map 4 (APX) */
    H(64, -EINVAL, 0x62, 0xf1, 0x78, 0x48, 0x58, 0xc1),   /* P1 bit 2 clear */
    H(64, -EINVAL, 0xc4, 0xe0, 0x79, 0x0f, 0xc1),         /* VEX map 0 */
    H(64, -EINVAL, 0xc4, 0xe4, 0x79, 0x0f, 0xc1),         /* VEX map 4 */
    H(64, -EINVAL, 0x66, 0xc5, 0xf8, 0x77),               /* 66 before VEX */
    H(64, -EINVAL, 0xf3, 0xc5, 0xf8, 0x77),
    H(64, -EINVAL, 0xf0, 0xc5, 0xf8, 0x77),
    H(64, -EINVAL, 0x48, 0xc5, 0xf8, 0x77),               /* REX before VEX */
    H(64, 4, 0x2e, 0xc5, 0xf8, 0x77),                     /* segment prefix is fine */
    H(64, 6, 0xc4, 0xe3, 0x7d, 0x0f, 0xc1, 0x01),         /* vpalignr: map 3 has imm8 */
    /* XOP vs POP Ev. */
    H(32, 2, 0x8f, 0x00), H(32, 2, 0x8f, 0xc0), H(32, -EINVAL, 0x8f, 0x20),
    H(64, 6, 0x8f, 0xe8, 0x78, 0xc0, 0xc1, 0x01), H(64, 5, 0x8f, 0xe9, 0x78, 0x80, 0xc1),
    H(32, 9, 0x8f, 0xea, 0x78, 0x10, 0xc1, 0x34, 0x12, 0, 0),
    H(32, -EINVAL, 0x8f, 0xeb, 0x78, 0x10, 0xc1),          /* XOP map 11 */
    /* Far pointers and moffs. */
    H(16, 5, 0x9a, 1, 2, 3, 4), H(32, 7, 0x9a, 1, 2, 3, 4, 5, 6),
    H(16, 8, 0x66, 0xea, 1, 2, 3, 4, 5, 6), H(32, 6, 0x66, 0xea, 1, 2, 3, 4),
    H(64, -EINVAL, 0x9a, 1, 2, 3, 4, 5, 6), H(64, -EINVAL, 0xea, 1, 2, 3, 4, 5, 6),
    H(16, 3, 0xa1, 0x34, 0x12), H(32, 5, 0xa1, 1, 2, 3, 4), H(64, 9, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8),
    H(64, 6, 0x67, 0xa1, 1, 2, 3, 4), H(32, 4, 0x67, 0xa2, 1, 2), H(16, 6, 0x67, 0xa3, 1, 2, 3, 4),
    H(64, 10, 0x48, 0xa3, 1, 2, 3, 4, 5, 6, 7, 8),
    /* Immediates sized by operand size. */
    H(64, 10, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8), H(64, 5, 0xb8, 1, 2, 3, 4),
    H(64, 4, 0x66, 0xb8, 1, 2), H(16, 3, 0xb8, 1, 2), H(16, 6, 0x66, 0xb8, 1, 2, 3, 4),
    H(64, 7, 0x48, 0xc7, 0xc0, 1, 2, 3, 4), H(64, 6, 0x48, 0x05, 1, 2, 3, 4),
    H(64, 4, 0xc8, 0x10, 0x00, 0x01), H(16, 4, 0xc8, 0x10, 0x00, 0x01),
    H(32, 3, 0xc2, 0x08, 0x00), H(64, 3, 0xca, 0x08, 0x00),
    H(32, 3, 0xf6, 0x00, 0x12), H(32, 3, 0xf6, 0xc8, 0x12), H(32, 2, 0xf6, 0x10),
    H(32, 6, 0xf7, 0x00, 1, 2, 3, 4), H(16, 4, 0xf7, 0x00, 1, 2), H(32, 2, 0xf7, 0x38),
    H(64, 7, 0x48, 0xf7, 0xc0, 1, 2, 3, 4), H(64, 3, 0x48, 0xf7, 0xd8),
    H(64, 5, 0x68, 1, 2, 3, 4), H(64, 4, 0x66, 0x68, 1, 2), H(16, 3, 0x68, 1, 2),
    H(64, 3, 0xc6, 0xf8, 0x12), H(32, 6, 0xc7, 0xf8, 1, 2, 3, 4), H(16, 4, 0xc7, 0xf8, 1, 2),
    H(32, -EINVAL, 0xc6, 0xc8, 0x12), H(32, -EINVAL, 0xc7, 0x08, 1, 2, 3, 4),
    /* Near branches: in 64-bit mode 66 selects a 16-bit displacement (AMD). */
    H(64, 5, 0xe8, 1, 2, 3, 4), H(64, 4, 0x66, 0xe8, 1, 2), H(16, 3, 0xe9, 1, 2),
    H(64, 6, 0x0f, 0x84, 1, 2, 3, 4), H(16, 4, 0x0f, 0x84, 1, 2), H(64, 2, 0xeb, 0xfe),
    /* ModRM, SIB, displacement. */
    H(16, 4, 0x8b, 0x06, 0x34, 0x12), H(16, 3, 0x8b, 0x46, 0x12), H(16, 4, 0x8b, 0x86, 0x34, 0x12),
    H(16, 2, 0x8b, 0x04), H(16, 2, 0x8b, 0xc0),
    H(32, 7, 0x8b, 0x04, 0x25, 1, 2, 3, 4), H(32, 6, 0x8b, 0x05, 1, 2, 3, 4),
    H(32, 4, 0x8b, 0x44, 0x24, 0x08), H(32, 3, 0x8b, 0x04, 0x24), H(32, 7, 0x8b, 0x84, 0x24, 1, 2, 3, 4),
    H(32, 7, 0x8b, 0x04, 0x05, 1, 2, 3, 4), H(32, 4, 0x8b, 0x44, 0x05, 0x01),
    H(32, 5, 0x67, 0x8b, 0x06, 0x34, 0x12), H(16, 4, 0x67, 0x8b, 0x04, 0x24),
    H(64, 6, 0x8b, 0x05, 1, 2, 3, 4), H(64, 7, 0x67, 0x8b, 0x05, 1, 2, 3, 4),
    H(64, 4, 0x41, 0x8b, 0x45, 0x00), H(64, 4, 0x41, 0x8b, 0x04, 0x24),
    /* MOV CR/DR ignore mod: never a SIB or displacement. */
    H(32, 3, 0x0f, 0x20, 0x00), H(32, 3, 0x0f, 0x22, 0x05), H(64, 3, 0x0f, 0x21, 0x84),
    H(32, 4, 0xf0, 0x0f, 0x20, 0xc0), H(64, -EINVAL, 0x0f, 0x24, 0xc0),
    /* 3DNow!, x87, AMD SSE4a. */
    H(32, 4, 0x0f, 0x0f, 0xc1, 0x9e), H(32, 8, 0x0f, 0x0f, 0x80, 1, 2, 3, 4, 0x9e),
    H(16, 4, 0xd9, 0x06, 0x34, 0x12), H(64, 2, 0xde, 0xc1), H(64, 1, 0x9b, 0xdb, 0xe3),
    H(64, 6, 0x66, 0x0f, 0x78, 0xc0, 0x01, 0x02), H(64, 6, 0xf2, 0x0f, 0x78, 0xc1, 0x01, 0x02),
    H(64, 3, 0x0f, 0x78, 0xc1), H(64, -EINVAL, 0xf3, 0x0f, 0x78, 0xc1),
    /* Intercepted instructions. */
    H(64, 2, 0x0f, 0xa2), H(32, 1, 0xf4), H(64, 3, 0x0f, 0x01, 0xd9), H(64, 3, 0x0f, 0x01, 0xd8),
    H(64, 2, 0x0f, 0x32), H(64, 2, 0x0f, 0x30), H(64, 3, 0x0f, 0x01, 0x38),
    H(64, 8, 0x0f, 0x01, 0x3c, 0x25, 1, 2, 3, 4), H(64, 2, 0x0f, 0x31), H(64, 3, 0x0f, 0x01, 0xf9),
    H(64, 2, 0xf3, 0x90), H(64, 2, 0x0f, 0x08), H(64, 2, 0x0f, 0x09), H(64, 3, 0x0f, 0x01, 0xd1),
    H(64, 3, 0x0f, 0x01, 0xf8), H(32, -EINVAL, 0x0f, 0x01, 0xf8),
    H(16, 4, 0x66, 0x0f, 0x01, 0xd9), H(16, 2, 0xe4, 0x60), H(16, 1, 0xef),
    /* Undefined encodings. */
    H(64, -EINVAL, 0x0f, 0x0b), H(64, -EINVAL, 0x0f, 0xb9, 0xc0), H(64, -EINVAL, 0x0f, 0xff, 0xc0),
    H(64, -EINVAL, 0x0f, 0x04), H(64, -EINVAL, 0x0f, 0x36), H(64, -EINVAL, 0x0f, 0x39),
    H(64, -EINVAL, 0x0f, 0x3b), H(64, -EINVAL, 0x0f, 0xa6, 0xc0), H(64, -EINVAL, 0x8d, 0xc0),
    H(64, -EINVAL, 0xfe, 0x10), H(64, -EINVAL, 0xff, 0x38), H(64, -EINVAL, 0xff, 0xd8),
    H(64, -EINVAL, 0xff, 0xe8), H(64, 2, 0xff, 0x18), H(64, -EINVAL, 0x0f, 0x00, 0x30),
    H(64, -EINVAL, 0x0f, 0xba, 0x00, 0x01),
    /* LOCK: only on a memory destination of a lockable instruction. */
    H(64, -EINVAL, 0xf0, 0x90), H(64, 3, 0xf0, 0x01, 0x00), H(64, -EINVAL, 0xf0, 0x01, 0xc0),
    H(64, -EINVAL, 0xf0, 0x39, 0x00), H(64, -EINVAL, 0xf0, 0x80, 0x38, 0x01),
    H(64, 4, 0xf0, 0x80, 0x30, 0x01), H(64, -EINVAL, 0xf0, 0x8b, 0x00),
    H(64, 3, 0xf0, 0xf7, 0x18), H(64, -EINVAL, 0xf0, 0xf7, 0x20), H(64, 4, 0xf0, 0x0f, 0xc7, 0x08),
    H(64, -EINVAL, 0xf0, 0x0f, 0xc7, 0x30), H(64, -EINVAL, 0xf0, 0x0f, 0xba, 0x20, 0x01),
    H(64, 5, 0xf0, 0x0f, 0xba, 0x28, 0x01), H(64, -EINVAL, 0xf0, 0x0f, 0xa3, 0x00),
    H(64, -EINVAL, 0xf0, 0x0f, 0x38, 0xf0, 0x00),
    /* The 15-byte limit. */
    H(64, 15, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90),
    H(64, -EINVAL, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90),
    H(64, 15, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x67, 0x66, 0x48, 0x81, 0x00, 1, 2, 3, 4),
    H(64, -EINVAL, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x67, 0x66, 0x3e, 0x48, 0x81, 0x00, 1, 2, 3, 4),
    H(16, 15, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x2e, 0x67, 0x66, 0x81, 0x00, 1, 2, 3, 4),
    H(16, -EINVAL, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x67, 0x66, 0x81, 0x84, 0x24, 1, 2, 3, 4, 5),
    /* Running out of fetched bytes. */
    H(64, -EFAULT, 0x66), H(64, -EFAULT, 0x0f), H(64, -EFAULT, 0x0f, 0x38),
    H(64, -EFAULT, 0xc5), H(32, -EFAULT, 0xc4), H(64, -EFAULT, 0x8b, 0x04),
    H(64, -EFAULT, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7),
};

static void test_hand_table(void)
{
    struct insn_info ii;
    unsigned int i;
    int rc, got;

    for (i = 0; i < ARRAY_SIZE(hand_cases); i++) {
        const struct hand_case *h = &hand_cases[i];

        rc = decode_exact(h->b, h->n, h->mode, &ii);
        got = rc ? rc : ii.len;
        if (got != h->want) {
            fprintf(stderr, "  hand case %u (%s-bit, %02x %02x %02x ...): want %d, got %d\n",
                    i, mode_name(h->mode), h->b[0], h->b[1], h->b[2], h->want, got);
            unit_case_failed = 1;
        }
    }
}

/* The operand fields later MMIO emulation relies on. */
static void test_fields(void)
{
    struct insn_info ii;

    /* mov 0x12345678(%rip), %r9 : 4c 8b 0d 78 56 34 12 */
    CHECK_EQ(insn_decode((const uint8_t *)"\x4c\x8b\x0d\x78\x56\x34\x12", 7, INSN_MODE_64, &ii), 0);
    CHECK_EQ(ii.len, 7);
    CHECK_EQ(ii.rex, 0x4c);
    CHECK_EQ(ii.opsize, 8);
    CHECK_EQ(ii.addrsize, 8);
    CHECK_EQ(ii.opcode_map, INSN_MAP_1BYTE);
    CHECK_EQ(ii.opcode, 0x8b);
    CHECK(ii.has_modrm);
    CHECK_EQ(ii.mod, 0);
    CHECK_EQ(ii.reg, 9);
    CHECK_EQ(ii.rm, 5);
    CHECK(ii.rip_relative);
    CHECK_EQ(ii.disp_size, 4);
    CHECK_EQ(ii.disp, 0x12345678);
    CHECK_EQ(ii.prefix_len, 1);

    /* movl $0xdeadbeef, -0x10(%ebx,%esi,4) with fs: and 67 in 64-bit */
    CHECK_EQ(insn_decode((const uint8_t *)"\x64\x67\xc7\x44\xb3\xf0\xef\xbe\xad\xde", 10,
                         INSN_MODE_64, &ii), 0);
    CHECK_EQ(ii.len, 10);
    CHECK_EQ(ii.seg_override, 0x64);
    CHECK_EQ(ii.addrsize, 4);
    CHECK_EQ(ii.opsize, 4);
    CHECK(ii.has_sib);
    CHECK_EQ(ii.sib, 0xb3);
    CHECK_EQ(ii.disp_size, 1);
    CHECK_EQ(ii.disp, -0x10);
    CHECK_EQ(ii.imm_size, 4);
    CHECK_EQ(ii.imm, 0xdeadbeef);
    CHECK(!ii.rip_relative);

    /* REX followed by a legacy prefix is ignored: 48 66 89 08 = mov %cx,(%rax) */
    CHECK_EQ(insn_decode((const uint8_t *)"\x48\x66\x89\x08", 4, INSN_MODE_64, &ii), 0);
    CHECK_EQ(ii.rex, 0);
    CHECK_EQ(ii.opsize, 2);
    CHECK_EQ(ii.prefix_66, 0x66);

    /* 16-bit: mov %ax, 0x1234(%bp,%si) with 66 -> 32-bit operand */
    CHECK_EQ(insn_decode((const uint8_t *)"\x66\x89\x82\x34\x12", 5, INSN_MODE_16, &ii), 0);
    CHECK_EQ(ii.opsize, 4);
    CHECK_EQ(ii.addrsize, 2);
    CHECK_EQ(ii.disp_size, 2);
    CHECK_EQ(ii.disp, 0x1234);
    CHECK(!ii.has_sib);

    /* movabs 0x1122334455667788, %al: moffs in disp */
    CHECK_EQ(insn_decode((const uint8_t *)"\xa0\x88\x77\x66\x55\x44\x33\x22\x11", 9, INSN_MODE_64, &ii), 0);
    CHECK_EQ(ii.disp_size, 8);
    CHECK_EQ((uint64_t)ii.disp, 0x1122334455667788ULL);

    /* ljmp $0x1234, $0x56789abc in 32-bit */
    CHECK_EQ(insn_decode((const uint8_t *)"\xea\xbc\x9a\x78\x56\x34\x12", 7, INSN_MODE_32, &ii), 0);
    CHECK_EQ(ii.imm_size, 4);
    CHECK_EQ(ii.imm, 0x56789abc);
    CHECK_EQ(ii.imm2_size, 2);
    CHECK_EQ(ii.imm2, 0x1234);

    /* enter $0x100, $3 */
    CHECK_EQ(insn_decode((const uint8_t *)"\xc8\x00\x01\x03", 4, INSN_MODE_64, &ii), 0);
    CHECK_EQ(ii.imm, 0x100);
    CHECK_EQ(ii.imm2, 3);
    CHECK_EQ(ii.opsize, 8);

    /* mov %cr3, %r8 : 41 0f 20 d8 -- MOV CR: reg is the CR, rm the GPR */
    CHECK_EQ(insn_decode((const uint8_t *)"\x41\x0f\x20\xd8", 4, INSN_MODE_64, &ii), 0);
    CHECK_EQ(ii.opcode_map, INSN_MAP_0F);
    CHECK_EQ(ii.opcode, 0x20);
    CHECK_EQ(ii.reg, 3);
    CHECK_EQ(ii.rm, 8);
    CHECK_EQ(ii.mod, 3);

    /* lock cmpxchg %ecx, (%rdx) with rep-style prefix recorded */
    CHECK_EQ(insn_decode((const uint8_t *)"\xf2\xf0\x0f\xb1\x0a", 5, INSN_MODE_64, &ii), 0);
    CHECK(ii.lock);
    CHECK_EQ(ii.rep, 0xf2);

    /* VEX: vaddps (%r9), %ymm10, %ymm11 = c4 41 2c 58 19 */
    CHECK_EQ(insn_decode((const uint8_t *)"\xc4\x41\x2c\x58\x19", 5, INSN_MODE_64, &ii), 0);
    CHECK_EQ(ii.vex_kind, INSN_VEX_C4);
    CHECK_EQ(ii.opcode_map, INSN_MAP_0F);
    CHECK_EQ(ii.opcode, 0x58);
    CHECK_EQ(ii.reg, 11);
    CHECK_EQ(ii.rm, 9);

    /* EVEX map 3 with imm8 */
    CHECK_EQ(insn_decode((const uint8_t *)"\x62\xf3\x75\x48\x25\xd0\x12", 7, INSN_MODE_64, &ii), 0);
    CHECK_EQ(ii.vex_kind, INSN_VEX_EVEX);
    CHECK_EQ(ii.opcode_map, INSN_MAP_0F3A);
    CHECK_EQ(ii.imm, 0x12);

    /* push: 64-bit default operand size; 66 makes it 16 */
    CHECK_EQ(insn_decode((const uint8_t *)"\x50", 1, INSN_MODE_64, &ii), 0);
    CHECK_EQ(ii.opsize, 8);
    CHECK_EQ(insn_decode((const uint8_t *)"\x66\x50", 2, INSN_MODE_64, &ii), 0);
    CHECK_EQ(ii.opsize, 2);

    /* A bad mode is rejected. */
    CHECK_EQ(insn_decode((const uint8_t *)"\x90", 1, (enum insn_mode)7, &ii), -EINVAL);
}

/* xorshift64*: deterministic test randomness */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Random byte strings: never read past `avail` (ASan), never a length over
 * 15 or over avail, and consistent as avail grows: with the instruction's
 * own length available the answer is the same, one byte short it is
 * -EFAULT, and a verdict reached with fewer bytes never changes. */
static void test_random_bytes(void)
{
    static const uint8_t bias[] = { 0x0f, 0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x48, 0x41,
                                    0xc4, 0xc5, 0x62, 0x8f, 0x38, 0x3a, 0x26, 0x64 };
    unsigned int iter, i, bad = 0, ok = 0;
    struct insn_info full, ii;
    uint8_t buf[INSN_MAX_LEN];
    int rc_full, rc;
    size_t avail;

    for (iter = 0; iter < 200000; iter++) {
        enum insn_mode mode = (enum insn_mode)(rng() % 3);

        for (i = 0; i < sizeof(buf); i++) {
            uint64_t r = rng();
            buf[i] = (r & 0x300) == 0 ? bias[(r >> 12) % sizeof(bias)] : (uint8_t)r;
        }
        rc_full = decode_exact(buf, sizeof(buf), mode, &full);
        if (rc_full == -EFAULT || (rc_full == 0 && (full.len < 1 || full.len > 15)) ||
            (rc_full && rc_full != -EINVAL)) {
            bad++;
            continue;
        }
        if (rc_full == 0)
            ok++;
        for (avail = 0; avail < sizeof(buf); avail++) {
            rc = decode_exact(buf, avail, mode, &ii);
            if (rc == 0) {
                if (rc_full || ii.len != full.len || ii.len > avail)
                    bad++;
            } else if (rc == -EFAULT) {
                if (rc_full == 0 && avail >= full.len)
                    bad++;
            } else if (rc == -EINVAL) {
                if (rc_full != -EINVAL)
                    bad++;
            } else {
                bad++;
            }
        }
    }
    fprintf(stderr, "  random: 200000 strings, %u decoded, %u inconsistencies\n", ok, bad);
    CHECK_EQ(bad, 0);
}

UNIT_MAIN("insn")
{
    TEST_RUN(test_gas_table);
    TEST_RUN(test_hand_table);
    TEST_RUN(test_fields);
    TEST_RUN(test_random_bytes);
}
