/*
 * Single-call .xz decoder (xz-utils' .xz container, LZMA2, x86 BCJ).
 *
 * Used to unpack the vmlinux inside a Debian bzImage, so the whole output
 * is one caller buffer and it doubles as the LZMA2 dictionary: no heap, a
 * small fixed workspace, no state kept between calls.
 *
 * Supported: concatenated streams and stream padding, any number of
 * blocks, block headers with or without the optional sizes, the filter
 * chains "LZMA2" and "x86 BCJ + LZMA2", every kind of LZMA2 chunk, checks
 * none, CRC32 and CRC64 (all verified), full index verification.
 * Not supported (-EOPNOTSUPP): SHA-256 and reserved check types, other
 * filters (delta, BCJ for other CPUs).
 *
 * Corrupt input of any kind yields an error, never an access outside
 * [in, in + in_len), [out, out + out_cap) or the workspace.
 */
#ifndef ORYX_XZ_H
#define ORYX_XZ_H

#include <oryx/types.h>

/* Bytes of scratch memory xz_decode needs, 8-byte aligned. Holds the CRC
 * tables and the LZMA probability model for lc + lp <= 4 (the LZMA2 limit). */
#define XZ_WORK_SIZE (32u * 1024u)

/*
 * Decode the .xz file in[0, in_len) into out[0, out_cap).
 *
 * Returns 0 and sets *out_len to the number of bytes produced, or a
 * negative errno with *why (when why is non-NULL) pointing at a static
 * message that names the problem:
 *   -ENOEXEC     the input does not start with the .xz stream magic
 *   -EBADMSG     corrupt data: bad header, LZMA2 error, index or check
 *                mismatch ("CRC32 mismatch", "bad stream footer magic", ...)
 *   -ENODATA     truncated input
 *   -ENOSPC      out_cap is smaller than the decoded data
 *   -EOPNOTSUPP  valid but unsupported (SHA-256 check, unknown filter)
 *   -EINVAL      bad arguments (work too small or misaligned)
 * On failure the contents of out are unspecified.
 */
int xz_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
              size_t *out_len, void *work, size_t work_len, const char **why);

#endif
