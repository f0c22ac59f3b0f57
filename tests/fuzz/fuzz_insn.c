/*
 * libFuzzer target over the x86 instruction length decoder
 * (hv/arch/x86/insn.c): a guest chooses the bytes at its RIP. The first
 * input byte picks the mode (16, 32, 64-bit), the rest are the bytes.
 *
 * Checked beyond "no crash, no UB, no read past avail": a decoded length
 * is 1..15 and within avail; the parts it reports fit inside it; the same
 * bytes cut to exactly that length decode identically; any shorter cut
 * says -EFAULT (needs more bytes); with 15 bytes or more available the
 * answer is never -EFAULT.
 */
#include <stdlib.h>
#include <string.h>

#include <asm/insn.h>
#include <oryx/errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int decode_copy(const uint8_t *buf, size_t n, enum insn_mode mode, struct insn_info *out)
{
    uint8_t *p = malloc(n ? n : 1);     /* exactly n bytes: ASan sees overreads */
    int rc;

    if (!p)
        abort();
    memcpy(p, buf, n);
    memset(out, 0, sizeof(*out));
    rc = insn_decode(p, n, mode, out);
    free(p);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct insn_info a, b;
    enum insn_mode mode;
    size_t avail;
    int rc;

    if (size < 1)
        return 0;
    mode = (enum insn_mode)(data[0] % 3);
    avail = size - 1;
    if (avail > 2 * INSN_MAX_LEN)
        avail = 2 * INSN_MAX_LEN;
    rc = decode_copy(data + 1, avail, mode, &a);
    if (rc != 0 && rc != -EFAULT && rc != -EINVAL)
        abort();
    if (rc == -EFAULT && avail >= INSN_MAX_LEN)
        abort();                    /* never needs more than 15 bytes */
    if (rc)
        return 0;
    if (a.len < 1 || a.len > INSN_MAX_LEN || a.len > avail)
        abort();
    if (a.prefix_len >= a.len ||
        (size_t)a.prefix_len + a.has_modrm + a.has_sib + a.disp_size + a.imm_size +
            a.imm2_size > a.len)
        abort();
    if (a.opsize != 2 && a.opsize != 4 && a.opsize != 8)
        abort();
    if (a.addrsize != 2 && a.addrsize != 4 && a.addrsize != 8)
        abort();
    if (mode != INSN_MODE_64 && (a.rex || a.rip_relative || a.addrsize == 8))
        abort();
    rc = decode_copy(data + 1, a.len, mode, &b);
    if (rc || memcmp(&a, &b, sizeof(a)))
        abort();                    /* the bytes after it changed the answer */
    for (size_t k = 0; k < a.len; k++)
        if (decode_copy(data + 1, k, mode, &b) != -EFAULT)
            abort();                /* a cut instruction must ask for more */
    return 0;
}
