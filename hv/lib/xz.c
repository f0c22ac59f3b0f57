/*
 * Single-call .xz decoder, written from the .xz file format specification
 * (xz-utils doc/xz-file-format.txt) and the published description of LZMA,
 * LZMA2 and the x86 BCJ filter. See xz.h for what it supports.
 *
 * The output buffer is also the LZMA2 dictionary: a match copies bytes from
 * earlier in the same block of output, so the workspace only holds the CRC
 * tables and the probability model. Every read of input goes through a
 * bounds check against the current chunk or header; every match is checked
 * against the dictionary start and the chunk's declared output size.
 */
#include <oryx/xz.h>
#include <oryx/lib.h>
#include <oryx/errno.h>

/* ---- Workspace layout --------------------------------------------------- */

#define LZMA_STATES        12
#define LZMA_POS_STATES    16      /* 1 << pb, pb <= 4 */
#define LZMA_LIT_CODERS    16      /* 1 << (lc + lp), lc + lp <= 4 in LZMA2 */
#define LZMA_LIT_SIZE      0x300   /* probabilities per literal coder */
#define LZMA_DIST_STATES   4
#define LZMA_DIST_SLOTS    64
#define LZMA_END_POS_MODEL 14      /* slots below this use dist_special */
#define LZMA_FULL_DIST     128
#define LZMA_ALIGN_BITS    4
#define LZMA_MATCH_MIN     2
#define PROB_BITS          11
#define PROB_INIT          (1u << (PROB_BITS - 1))
#define RC_TOP             (1u << 24)

struct lzma_len_probs {
    uint16_t choice;
    uint16_t choice2;
    uint16_t low[LZMA_POS_STATES][8];
    uint16_t mid[LZMA_POS_STATES][8];
    uint16_t high[256];
};

/* Everything a state reset sets back to PROB_INIT; literal last so a reset
 * only touches the literal coders that lc + lp actually select. */
struct lzma_probs {
    uint16_t is_match[LZMA_STATES][LZMA_POS_STATES];
    uint16_t is_rep[LZMA_STATES];
    uint16_t is_rep0[LZMA_STATES];
    uint16_t is_rep1[LZMA_STATES];
    uint16_t is_rep2[LZMA_STATES];
    uint16_t is_rep0_long[LZMA_STATES][LZMA_POS_STATES];
    uint16_t dist_slot[LZMA_DIST_STATES][LZMA_DIST_SLOTS];
    uint16_t dist_special[LZMA_FULL_DIST - LZMA_END_POS_MODEL];
    uint16_t dist_align[1 << LZMA_ALIGN_BITS];
    struct lzma_len_probs match_len;
    struct lzma_len_probs rep_len;
    uint16_t literal[LZMA_LIT_CODERS][LZMA_LIT_SIZE];
};

struct xz_work {
    uint32_t crc32_tab[256];
    uint64_t crc64_tab[256];
    struct lzma_probs probs;
};
_Static_assert(sizeof(struct xz_work) <= XZ_WORK_SIZE, "XZ_WORK_SIZE too small");

/* ---- Decoder state ------------------------------------------------------ */

struct rc {
    const uint8_t *p;
    const uint8_t *end;
    uint32_t range;
    uint32_t code;
    bool overrun;       /* tried to read past the chunk: corrupt data */
};

struct lzma {
    uint32_t rep[4];
    unsigned state;
    unsigned lc, lp, pb;
    uint32_t dict_size;
    size_t dict_start;  /* output offset of the last dictionary reset */
};

struct xz_dec {
    const uint8_t *in;
    size_t in_len;
    size_t in_pos;
    uint8_t *out;
    size_t out_cap;
    size_t out_pos;
    struct xz_work *w;
    const char *why;
    unsigned check;             /* check type of the current stream */
    /* Per stream, for index verification without storing every block. */
    uint64_t blocks;
    uint64_t unpadded_sum;
    uint64_t uncomp_sum;
    uint64_t record_hash;
};

static int fail(struct xz_dec *d, int err, const char *why)
{
    d->why = why;
    return err;
}

#define ERR_TRUNC(d)   fail(d, -ENODATA, "truncated input")

/* ---- Checks ------------------------------------------------------------- */

static void crc_tables(struct xz_work *w)
{
    for (unsigned i = 0; i < 256; i++) {
        uint32_t c32 = i;
        uint64_t c64 = i;
        for (unsigned k = 0; k < 8; k++) {
            c32 = (c32 >> 1) ^ (0xEDB88320u & (0u - (c32 & 1)));
            c64 = (c64 >> 1) ^ (0xC96C5795D7870F42ull & (0ull - (c64 & 1)));
        }
        w->crc32_tab[i] = c32;
        w->crc64_tab[i] = c64;
    }
}

static uint32_t crc32_upd(const struct xz_work *w, uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n--)
        crc = w->crc32_tab[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

static uint64_t crc64_upd(const struct xz_work *w, uint64_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n--)
        crc = w->crc64_tab[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint64_t get_le64(const uint8_t *p)
{
    return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* Size in bytes of each check type (spec 2.1.1.2). */
static const uint8_t check_sizes[16] = {
    0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64,
};

#define CHECK_NONE   0x00
#define CHECK_CRC32  0x01
#define CHECK_CRC64  0x04
#define CHECK_SHA256 0x0A

/* ---- Range decoder ------------------------------------------------------ */

static inline void rc_normalize(struct rc *rc)
{
    if (rc->range < RC_TOP) {
        rc->range <<= 8;
        if (likely(rc->p < rc->end)) {
            rc->code = (rc->code << 8) | *rc->p++;
        } else {
            rc->code <<= 8;
            rc->overrun = true;
        }
    }
}

static inline unsigned rc_bit(struct rc *rc, uint16_t *prob)
{
    uint32_t bound;

    rc_normalize(rc);
    bound = (rc->range >> PROB_BITS) * *prob;
    if (rc->code < bound) {
        rc->range = bound;
        *prob += ((1u << PROB_BITS) - *prob) >> 5;
        return 0;
    }
    rc->range -= bound;
    rc->code -= bound;
    *prob -= *prob >> 5;
    return 1;
}

/* MSB-first tree of nbits bits; probs[1 .. 2^nbits - 1] are used. */
static inline unsigned rc_tree(struct rc *rc, uint16_t *probs, unsigned nbits)
{
    unsigned m = 1;

    for (unsigned i = 0; i < nbits; i++)
        m = (m << 1) | rc_bit(rc, &probs[m]);
    return m - (1u << nbits);
}

/* LSB-first tree of nbits bits; probs[0 .. 2^nbits - 2] are used. */
static inline uint32_t rc_tree_rev(struct rc *rc, uint16_t *probs, unsigned nbits)
{
    unsigned m = 1;
    uint32_t sym = 0;

    for (unsigned i = 0; i < nbits; i++) {
        unsigned b = rc_bit(rc, &probs[m - 1]);
        m = (m << 1) | b;
        sym |= (uint32_t)b << i;
    }
    return sym;
}

/* Bits with fixed probability one half. */
static inline uint32_t rc_direct(struct rc *rc, unsigned nbits)
{
    uint32_t r = 0;

    while (nbits--) {
        rc_normalize(rc);
        rc->range >>= 1;
        if (rc->code >= rc->range) {
            rc->code -= rc->range;
            r = (r << 1) | 1;
        } else {
            r <<= 1;
        }
    }
    return r;
}

/* ---- LZMA --------------------------------------------------------------- */

static void lzma_reset(struct lzma *lz, struct lzma_probs *pr)
{
    uint16_t *p = (uint16_t *)pr;
    size_t n = offsetof(struct lzma_probs, literal) / sizeof(uint16_t) +
               ((size_t)LZMA_LIT_SIZE << (lz->lc + lz->lp));

    for (size_t i = 0; i < n; i++)
        p[i] = PROB_INIT;
    lz->state = 0;
    lz->rep[0] = lz->rep[1] = lz->rep[2] = lz->rep[3] = 0;
}

static unsigned lzma_len(struct rc *rc, struct lzma_len_probs *lp, unsigned ps)
{
    if (!rc_bit(rc, &lp->choice))
        return LZMA_MATCH_MIN + rc_tree(rc, lp->low[ps], 3);
    if (!rc_bit(rc, &lp->choice2))
        return LZMA_MATCH_MIN + 8 + rc_tree(rc, lp->mid[ps], 3);
    return LZMA_MATCH_MIN + 16 + rc_tree(rc, lp->high, 8);
}

/* Distance minus one of a new match of length len. */
static uint32_t lzma_dist(struct rc *rc, struct lzma_probs *pr, unsigned len)
{
    unsigned ds = len - LZMA_MATCH_MIN < LZMA_DIST_STATES ? len - LZMA_MATCH_MIN
                                                          : LZMA_DIST_STATES - 1;
    unsigned slot = rc_tree(rc, pr->dist_slot[ds], 6);
    unsigned nd;
    uint32_t dist;

    if (slot < 4)
        return slot;
    nd = (slot >> 1) - 1;
    dist = (2u | (slot & 1)) << nd;
    if (slot < LZMA_END_POS_MODEL)
        return dist + rc_tree_rev(rc, pr->dist_special + dist - slot, nd);
    dist += rc_direct(rc, nd - LZMA_ALIGN_BITS) << LZMA_ALIGN_BITS;
    return dist + rc_tree_rev(rc, pr->dist_align, LZMA_ALIGN_BITS);
}

static inline unsigned next_state_lit(unsigned s)
{
    return s < 4 ? 0 : s < 10 ? s - 3 : s - 6;
}

/*
 * Decode one LZMA chunk: exactly `usize` bytes of output from exactly the
 * bytes in rc. A match may not run past the chunk (LZMA2 rule).
 */
static int lzma_chunk(struct xz_dec *d, struct lzma *lz, struct rc *rcp, size_t usize)
{
    struct lzma_probs *pr = &d->w->probs;
    struct rc rc = *rcp;
    uint8_t *out = d->out;
    size_t pos = d->out_pos;
    size_t end = pos + usize;
    const size_t base = lz->dict_start;
    const unsigned pb_mask = (1u << lz->pb) - 1;
    const unsigned lp_mask = (1u << lz->lp) - 1;
    const unsigned lc = lz->lc;
    unsigned state = lz->state;
    uint32_t rep0 = lz->rep[0], rep1 = lz->rep[1], rep2 = lz->rep[2], rep3 = lz->rep[3];
    int rc_err = 0;

    while (pos < end) {
        size_t rel = pos - base;            /* position in the dictionary */
        unsigned ps = rel & pb_mask;
        unsigned len;

        if (unlikely(rc.overrun))
            break;

        if (!rc_bit(&rc, &pr->is_match[state][ps])) {
            unsigned prev = rel ? out[pos - 1] : 0;
            uint16_t *lit = pr->literal[((rel & lp_mask) << lc) + (prev >> (8 - lc))];
            unsigned sym = 1;

            if (state >= 7) {
                /* After a match the literal is coded against the byte
                 * at rep0, bit by bit, until the first mismatch. */
                unsigned mb;

                if (unlikely(rep0 >= rel)) {
                    rc_err = fail(d, -EBADMSG, "LZMA distance beyond dictionary");
                    break;
                }
                mb = out[pos - rep0 - 1];
                while (sym < 0x100) {
                    unsigned mbit = (mb >> 7) & 1;
                    unsigned b;

                    mb <<= 1;
                    b = rc_bit(&rc, &lit[0x100 + (mbit << 8) + sym]);
                    sym = (sym << 1) | b;
                    if (b != mbit)
                        break;
                }
            }
            while (sym < 0x100)
                sym = (sym << 1) | rc_bit(&rc, &lit[sym]);
            out[pos++] = (uint8_t)sym;
            state = next_state_lit(state);
            continue;
        }

        if (!rc_bit(&rc, &pr->is_rep[state])) {
            len = lzma_len(&rc, &pr->match_len, ps);
            rep3 = rep2;
            rep2 = rep1;
            rep1 = rep0;
            rep0 = lzma_dist(&rc, pr, len);
            if (unlikely(rep0 == 0xFFFFFFFFu)) {
                rc_err = fail(d, -EBADMSG, "LZMA end marker inside LZMA2 chunk");
                break;
            }
            state = state < 7 ? 7 : 10;
        } else if (!rc_bit(&rc, &pr->is_rep0[state])) {
            if (!rc_bit(&rc, &pr->is_rep0_long[state][ps])) {
                len = 1;                    /* "short rep": one byte at rep0 */
                state = state < 7 ? 9 : 11;
            } else {
                len = lzma_len(&rc, &pr->rep_len, ps);
                state = state < 7 ? 8 : 11;
            }
        } else {
            uint32_t dist;

            if (!rc_bit(&rc, &pr->is_rep1[state])) {
                dist = rep1;
            } else {
                if (!rc_bit(&rc, &pr->is_rep2[state])) {
                    dist = rep2;
                } else {
                    dist = rep3;
                    rep3 = rep2;
                }
                rep2 = rep1;
            }
            rep1 = rep0;
            rep0 = dist;
            len = lzma_len(&rc, &pr->rep_len, ps);
            state = state < 7 ? 8 : 11;
        }

        if (unlikely(rep0 >= rel || rep0 >= lz->dict_size)) {
            rc_err = fail(d, -EBADMSG, "LZMA distance beyond dictionary");
            break;
        }
        if (unlikely(len > end - pos)) {
            rc_err = fail(d, -EBADMSG, "LZMA match runs past the chunk");
            break;
        }
        {
            const uint8_t *src = out + pos - rep0 - 1;
            uint8_t *dst = out + pos;

            pos += len;
            if (len >= 64 && rep0 + 1 >= len) {
                memcpy(dst, src, len);
            } else {
                /* Short or overlapping (repeating the last rep0 + 1
                 * bytes): a byte loop beats a string instruction. */
                while (len--)
                    *dst++ = *src++;
            }
        }
    }

    /* The encoder normalizes after its last bit; catch up with it. */
    if (!rc_err)
        rc_normalize(&rc);
    d->out_pos = pos;
    lz->state = state;
    lz->rep[0] = rep0;
    lz->rep[1] = rep1;
    lz->rep[2] = rep2;
    lz->rep[3] = rep3;
    *rcp = rc;
    if (rc_err)
        return rc_err;
    if (rc.overrun)
        return fail(d, -EBADMSG, "LZMA chunk data overrun");
    if (rc.p != rc.end)
        return fail(d, -EBADMSG, "LZMA chunk has unused compressed bytes");
    if (rc.code != 0)
        return fail(d, -EBADMSG, "LZMA chunk does not end cleanly");
    return 0;
}

/* ---- LZMA2 -------------------------------------------------------------- */

static int lzma2_props(struct lzma *lz, uint8_t b)
{
    if (b >= 9 * 5 * 5)
        return -1;
    lz->lc = b % 9;
    b /= 9;
    lz->lp = b % 5;
    lz->pb = b / 5;
    if (lz->lc + lz->lp > 4)
        return -1;
    return 0;
}

/* Decode LZMA2 chunks from d->in_pos up to and including the end marker. */
static int lzma2_decode(struct xz_dec *d, uint32_t dict_size)
{
    struct lzma lz = { .dict_size = dict_size, .dict_start = d->out_pos };
    bool need_dict_reset = true;
    bool need_props = true;
    const uint8_t *in = d->in;
    int rc;

    for (;;) {
        size_t avail = d->in_len - d->in_pos;
        unsigned ctl;
        size_t usize, csize;

        if (avail < 1)
            return ERR_TRUNC(d);
        ctl = in[d->in_pos];
        if (ctl == 0x00) {
            d->in_pos++;
            return 0;
        }
        if (ctl >= 0xE0 || ctl == 0x01) {
            need_props = true;
            need_dict_reset = false;
            lz.dict_start = d->out_pos;
        } else if (need_dict_reset) {
            return fail(d, -EBADMSG, "LZMA2 data does not start with a dictionary reset");
        }

        if (ctl >= 0x80) {
            size_t hdr = ctl >= 0xC0 ? 6 : 5;
            struct rc r;

            if (avail < hdr)
                return ERR_TRUNC(d);
            usize = ((size_t)(ctl & 0x1F) << 16) + ((size_t)in[d->in_pos + 1] << 8) +
                    in[d->in_pos + 2] + 1;
            csize = ((size_t)in[d->in_pos + 3] << 8) + in[d->in_pos + 4] + 1;
            if (ctl >= 0xC0) {
                if (lzma2_props(&lz, in[d->in_pos + 5]))
                    return fail(d, -EBADMSG, "bad LZMA properties in LZMA2 chunk");
                need_props = false;
            } else if (need_props) {
                return fail(d, -EBADMSG, "LZMA2 chunk lacks the properties it needs");
            }
            if (ctl >= 0xA0)
                lzma_reset(&lz, &d->w->probs);
            d->in_pos += hdr;
            if (csize > d->in_len - d->in_pos)
                return ERR_TRUNC(d);
            if (usize > d->out_cap - d->out_pos)
                return fail(d, -ENOSPC, "output buffer too small");
            if (csize < 5 || in[d->in_pos] != 0x00)
                return fail(d, -EBADMSG, "bad range coder start in LZMA2 chunk");
            r.p = in + d->in_pos + 5;
            r.end = in + d->in_pos + csize;
            r.code = get_be32(in + d->in_pos + 1);
            r.range = 0xFFFFFFFFu;
            r.overrun = false;
            rc = lzma_chunk(d, &lz, &r, usize);
            if (rc)
                return rc;
            d->in_pos += csize;
        } else if (ctl <= 0x02) {
            if (avail < 3)
                return ERR_TRUNC(d);
            usize = ((size_t)in[d->in_pos + 1] << 8) + in[d->in_pos + 2] + 1;
            d->in_pos += 3;
            if (usize > d->in_len - d->in_pos)
                return ERR_TRUNC(d);
            if (usize > d->out_cap - d->out_pos)
                return fail(d, -ENOSPC, "output buffer too small");
            memcpy(d->out + d->out_pos, in + d->in_pos, usize);
            d->in_pos += usize;
            d->out_pos += usize;
        } else {
            return fail(d, -EBADMSG, "bad LZMA2 control byte");
        }
    }
}

/* ---- x86 BCJ ------------------------------------------------------------ */

static inline bool x86_imm_top_ok(uint8_t b)
{
    return b == 0x00 || b == 0xFF;
}

/*
 * Undo the x86 branch converter on a whole block: E8/E9 (call/jmp rel32)
 * operands were turned from relative into absolute addresses, unless the
 * recent bytes made the opcode look like part of another instruction.
 * `mask` records which of the previous bytes were E8/E9 candidates.
 */
static void bcj_x86_decode(uint8_t *buf, size_t size, uint32_t start)
{
    /* Indexed by (mask >> 1) & 7: patterns where conversion is allowed. */
    static const uint8_t allowed = 0x17;        /* patterns 0, 1, 2, 4 */
    static const uint8_t byte_of[8] = { 0, 1, 2, 2, 3, 3, 3, 3 };
    uint32_t mask = 0;
    size_t prev = 0;
    bool have_prev = false;
    size_t i = 0;

    if (size < 5)
        return;
    while (i <= size - 5) {
        uint8_t b = buf[i];
        size_t gap;

        if (b != 0xE8 && b != 0xE9) {
            i++;
            continue;
        }
        gap = have_prev ? i - prev : 6;
        prev = i;
        have_prev = true;
        if (gap > 5) {
            mask = 0;
        } else {
            while (gap--)
                mask = (mask & 0x77) << 1;
        }

        b = buf[i + 4];
        if (x86_imm_top_ok(b) && ((allowed >> ((mask >> 1) & 7)) & 1) && (mask >> 1) < 0x10) {
            uint32_t src = get_le32(buf + i + 1);
            uint32_t dst;

            for (;;) {
                unsigned k;

                dst = src - (start + (uint32_t)i + 5);
                if (mask == 0)
                    break;
                k = byte_of[(mask >> 1) & 7];
                if (!x86_imm_top_ok((uint8_t)(dst >> (24 - k * 8))))
                    break;
                src = dst ^ ((1u << (32 - k * 8)) - 1);
            }
            /* Bit 24 is sign-extended into the top byte. */
            buf[i + 1] = (uint8_t)dst;
            buf[i + 2] = (uint8_t)(dst >> 8);
            buf[i + 3] = (uint8_t)(dst >> 16);
            buf[i + 4] = (dst >> 24) & 1 ? 0xFF : 0x00;
            i += 5;
            mask = 0;
        } else {
            i++;
            mask |= 1;
            if (x86_imm_top_ok(b))
                mask |= 0x10;
        }
    }
}

/* ---- Container ---------------------------------------------------------- */

#define FILTER_X86   0x04
#define FILTER_LZMA2 0x21

static const uint8_t stream_magic[6] = { 0xFD, '7', 'z', 'X', 'Z', 0x00 };

/* Variable-length integer from d->in[*pos, limit): 7 bits a byte, at most
 * 9 bytes, shortest form only. */
static int read_vli(struct xz_dec *d, size_t *pos, size_t limit, uint64_t *val)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < 9; i++) {
        uint8_t b;

        if (*pos >= limit)
            return limit == d->in_len ? ERR_TRUNC(d)
                                      : fail(d, -EBADMSG, "integer runs past its field");
        b = d->in[(*pos)++];
        if (i > 0 && b == 0x00)
            return fail(d, -EBADMSG, "integer not in shortest form");
        v |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            *val = v;
            return 0;
        }
    }
    return fail(d, -EBADMSG, "integer longer than 9 bytes");
}

/* Fold one block's sizes into the running record of the stream. */
static void note_block(struct xz_dec *d, uint64_t unpadded, uint64_t uncomp)
{
    uint8_t rec[16];

    for (unsigned i = 0; i < 8; i++) {
        rec[i] = (uint8_t)(unpadded >> (8 * i));
        rec[8 + i] = (uint8_t)(uncomp >> (8 * i));
    }
    d->record_hash = crc64_upd(d->w, d->record_hash, rec, sizeof(rec));
    d->blocks++;
    d->unpadded_sum += unpadded;
    d->uncomp_sum += uncomp;
}

static int decode_block(struct xz_dec *d)
{
    const uint8_t *in = d->in;
    size_t hstart = d->in_pos;
    size_t hsize = ((size_t)in[hstart] + 1) * 4;
    size_t hend, pos, cstart, ostart, csize, usize, csum_size;
    uint64_t c_hdr = 0, u_hdr = 0, id, psize;
    bool have_c, have_u, x86 = false;
    uint32_t x86_start = 0, dict_size = 0;
    unsigned flags, nfilters;
    int rc;

    if (hsize > d->in_len - hstart)
        return ERR_TRUNC(d);
    hend = hstart + hsize - 4;
    if (crc32_upd(d->w, 0, in + hstart, hsize - 4) != get_le32(in + hend))
        return fail(d, -EBADMSG, "block header CRC32 mismatch");
    flags = in[hstart + 1];
    if (flags & 0x3C)
        return fail(d, -EOPNOTSUPP, "reserved block flags set");
    nfilters = (flags & 0x03) + 1;
    have_c = flags & 0x40;
    have_u = flags & 0x80;
    pos = hstart + 2;
    if (have_c && (rc = read_vli(d, &pos, hend, &c_hdr)))
        return rc;
    if (have_c && c_hdr == 0)
        return fail(d, -EBADMSG, "block header says compressed size 0");
    if (have_u && (rc = read_vli(d, &pos, hend, &u_hdr)))
        return rc;

    for (unsigned f = 0; f < nfilters; f++) {
        bool last = f == nfilters - 1;

        if ((rc = read_vli(d, &pos, hend, &id)) || (rc = read_vli(d, &pos, hend, &psize)))
            return rc;
        if (psize > hend - pos)
            return fail(d, -EBADMSG, "filter properties run past the block header");
        if (id == FILTER_LZMA2) {
            uint8_t bits;

            if (!last)
                return fail(d, -EBADMSG, "LZMA2 is not the last filter");
            if (psize != 1)
                return fail(d, -EBADMSG, "bad LZMA2 properties size");
            bits = in[pos];
            if (bits & 0xC0)
                return fail(d, -EOPNOTSUPP, "reserved LZMA2 property bits set");
            if (bits > 40)
                return fail(d, -EBADMSG, "LZMA2 dictionary size too big");
            dict_size = bits == 40 ? 0xFFFFFFFFu : (2u | (bits & 1)) << (bits / 2 + 11);
        } else if (id == FILTER_X86) {
            if (last)
                return fail(d, -EBADMSG, "x86 BCJ filter is the last filter");
            if (x86)
                return fail(d, -EOPNOTSUPP, "filter chain not supported");
            if (psize == 4)
                x86_start = get_le32(in + pos);
            else if (psize != 0)
                return fail(d, -EBADMSG, "bad x86 BCJ properties size");
            x86 = true;
        } else if (last) {
            return fail(d, -EOPNOTSUPP, "unsupported last filter (only LZMA2)");
        } else {
            return fail(d, -EOPNOTSUPP, "unsupported filter (only x86 BCJ and LZMA2)");
        }
        pos += psize;
    }
    for (; pos < hend; pos++)
        if (in[pos] != 0)
            return fail(d, -EOPNOTSUPP, "nonzero block header padding");

    d->in_pos = hstart + hsize;
    cstart = d->in_pos;
    ostart = d->out_pos;
    if ((rc = lzma2_decode(d, dict_size)))
        return rc;
    csize = d->in_pos - cstart;
    usize = d->out_pos - ostart;
    if (have_c && c_hdr != csize)
        return fail(d, -EBADMSG, "compressed size differs from the block header");
    if (have_u && u_hdr != usize)
        return fail(d, -EBADMSG, "uncompressed size differs from the block header");

    while ((d->in_pos - cstart) % 4) {
        if (d->in_pos >= d->in_len)
            return ERR_TRUNC(d);
        if (in[d->in_pos++] != 0)
            return fail(d, -EBADMSG, "nonzero block padding");
    }

    if (x86)
        bcj_x86_decode(d->out + ostart, usize, x86_start);

    csum_size = check_sizes[d->check];
    if (csum_size > d->in_len - d->in_pos)
        return ERR_TRUNC(d);
    switch (d->check) {
    case CHECK_NONE:
        break;
    case CHECK_CRC32:
        if (crc32_upd(d->w, 0, d->out + ostart, usize) != get_le32(in + d->in_pos))
            return fail(d, -EBADMSG, "CRC32 mismatch");
        break;
    case CHECK_CRC64:
        if (crc64_upd(d->w, 0, d->out + ostart, usize) != get_le64(in + d->in_pos))
            return fail(d, -EBADMSG, "CRC64 mismatch");
        break;
    default:
        return fail(d, -EOPNOTSUPP, "unsupported check type");
    }
    d->in_pos += csum_size;
    note_block(d, hsize + csize + csum_size, usize);
    return 0;
}

static int decode_index(struct xz_dec *d, size_t *index_size)
{
    size_t start = d->in_pos;
    uint64_t count, unpadded, uncomp;
    struct xz_dec seen = *d;
    int rc;

    d->in_pos++;                                    /* the 0x00 indicator */
    d->blocks = d->unpadded_sum = d->uncomp_sum = d->record_hash = 0;
    if ((rc = read_vli(d, &d->in_pos, d->in_len, &count)))
        return rc;
    if (count != seen.blocks)
        return fail(d, -EBADMSG, "index record count differs from the blocks");
    for (uint64_t i = 0; i < count; i++) {
        if ((rc = read_vli(d, &d->in_pos, d->in_len, &unpadded)) ||
            (rc = read_vli(d, &d->in_pos, d->in_len, &uncomp)))
            return rc;
        note_block(d, unpadded, uncomp);
    }
    if (d->unpadded_sum != seen.unpadded_sum || d->uncomp_sum != seen.uncomp_sum ||
        d->record_hash != seen.record_hash)
        return fail(d, -EBADMSG, "index records differ from the blocks");
    while ((d->in_pos - start) % 4) {
        if (d->in_pos >= d->in_len)
            return ERR_TRUNC(d);
        if (d->in[d->in_pos++] != 0)
            return fail(d, -EBADMSG, "nonzero index padding");
    }
    if (d->in_len - d->in_pos < 4)
        return ERR_TRUNC(d);
    if (crc32_upd(d->w, 0, d->in + start, d->in_pos - start) != get_le32(d->in + d->in_pos))
        return fail(d, -EBADMSG, "index CRC32 mismatch");
    d->in_pos += 4;
    *index_size = d->in_pos - start;
    return 0;
}

static int decode_stream(struct xz_dec *d)
{
    const uint8_t *in = d->in;
    size_t hpos = d->in_pos;
    size_t index_size;
    const uint8_t *ft;
    int rc;

    if (d->in_len - hpos < 12)
        return d->in_len - hpos >= 6 && memcmp(in + hpos, stream_magic, 6)
                   ? fail(d, -ENOEXEC, "bad stream header magic")
                   : ERR_TRUNC(d);
    if (memcmp(in + hpos, stream_magic, 6))
        return fail(d, -ENOEXEC, "bad stream header magic");
    if (crc32_upd(d->w, 0, in + hpos + 6, 2) != get_le32(in + hpos + 8))
        return fail(d, -EBADMSG, "stream header CRC32 mismatch");
    if (in[hpos + 6] != 0 || (in[hpos + 7] & 0xF0))
        return fail(d, -EOPNOTSUPP, "unsupported stream flags");
    d->check = in[hpos + 7] & 0x0F;
    if (d->check == CHECK_SHA256)
        return fail(d, -EOPNOTSUPP, "SHA-256 check not supported");
    if (d->check != CHECK_NONE && d->check != CHECK_CRC32 && d->check != CHECK_CRC64)
        return fail(d, -EOPNOTSUPP, "unsupported check type");
    d->in_pos = hpos + 12;
    d->blocks = d->unpadded_sum = d->uncomp_sum = d->record_hash = 0;

    for (;;) {
        if (d->in_pos >= d->in_len)
            return ERR_TRUNC(d);
        if (in[d->in_pos] == 0x00)
            break;
        if ((rc = decode_block(d)))
            return rc;
    }
    if ((rc = decode_index(d, &index_size)))
        return rc;

    if (d->in_len - d->in_pos < 12)
        return ERR_TRUNC(d);
    ft = in + d->in_pos;
    if (ft[10] != 'Y' || ft[11] != 'Z')
        return fail(d, -EBADMSG, "bad stream footer magic");
    if (crc32_upd(d->w, 0, ft + 4, 6) != get_le32(ft))
        return fail(d, -EBADMSG, "stream footer CRC32 mismatch");
    if (((uint64_t)get_le32(ft + 4) + 1) * 4 != index_size)
        return fail(d, -EBADMSG, "footer backward size differs from the index");
    if (ft[8] != in[hpos + 6] || ft[9] != in[hpos + 7])
        return fail(d, -EBADMSG, "footer stream flags differ from the header");
    d->in_pos += 12;
    return 0;
}

int xz_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
              size_t *out_len, void *work, size_t work_len, const char **why)
{
    struct xz_dec d = {
        .in = in, .in_len = in_len, .out = out, .out_cap = out_cap, .w = work,
    };
    int rc = 0;

    if (!in || !out_len || (!out && out_cap) || !work || work_len < XZ_WORK_SIZE ||
        !IS_ALIGNED((uintptr_t)work, 8)) {
        rc = fail(&d, -EINVAL, "bad arguments (workspace too small or misaligned?)");
        goto out;
    }
    if (!out) {
        /* Zero capacity: a private byte keeps pointer arithmetic defined. */
        static uint8_t none;
        d.out = &none;
    }
    crc_tables(d.w);

    /* One or more streams, each optionally followed by 4-byte-aligned
     * runs of zero bytes (stream padding). */
    do {
        size_t zeros = 0;

        if ((rc = decode_stream(&d)))
            goto out;
        while (d.in_pos < in_len && in[d.in_pos] == 0) {
            d.in_pos++;
            zeros++;
        }
        if (zeros % 4) {
            rc = fail(&d, -EBADMSG, "stream padding is not a multiple of four bytes");
            goto out;
        }
        if (d.in_pos < in_len && (in_len - d.in_pos < 6 || memcmp(in + d.in_pos, stream_magic, 6))) {
            rc = fail(&d, -EBADMSG, "trailing garbage after the stream");
            goto out;
        }
    } while (d.in_pos < in_len);

out:
    if (out_len)
        *out_len = rc ? 0 : d.out_pos;
    if (why)
        *why = rc ? d.why : NULL;
    return rc;
}
