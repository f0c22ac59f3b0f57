/*
 * libFuzzer target over the hypervisor's ELF loader (hv/common/elf_load.c,
 * shared with libxctl's builder) and the PVH note finder of
 * hv/common/bzimage.c: a guest's kernel image is untrusted input.
 *
 * Beyond "no crash, no UB": a loaded image writes only inside
 * [ELF_LOAD_LOW_RESERVED, guest memory size), copies only from inside the
 * image, and elf_load agrees with elf_probe.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <oryx/bzimage.h>
#include <oryx/elf_load.h>
#include <oryx/errno.h>

#define GUEST_MEM  (64ull << 20)

struct sink {
    const uint8_t *img;
    size_t len;
    uint64_t lo, hi;            /* span written */
    uint32_t sum;
};

static void check_range(struct sink *s, uint64_t gpa, uint64_t len)
{
    if (gpa < ELF_LOAD_LOW_RESERVED || len > GUEST_MEM || gpa > GUEST_MEM - len)
        abort();                /* outside the domain's memory */
    if (gpa < s->lo)
        s->lo = gpa;
    if (gpa + len > s->hi)
        s->hi = gpa + len;
}

static int fz_copy(void *opaque, uint64_t gpa, const void *src, uint64_t len)
{
    struct sink *s = opaque;
    const uint8_t *p = src;

    check_range(s, gpa, len);
    if (p < s->img || len > s->len || (size_t)(p - s->img) > s->len - len)
        abort();                /* source outside the image */
    for (uint64_t i = 0; i < len; i++)  /* ASan sees every byte read */
        s->sum += p[i];
    return 0;
}

static int fz_zero(void *opaque, uint64_t gpa, uint64_t len)
{
    check_range(opaque, gpa, len);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sink s = { .img = data, .len = size, .lo = UINT64_MAX, .hi = 0 };
    struct elf_load_ops ops = { fz_copy, fz_zero, &s };
    struct elf_info pi, li;
    const char *why = NULL;
    uint32_t entry;
    int prc, lrc;

    prc = elf_probe(data, size, &pi, &why);
    if (prc && !why)
        abort();                /* every refusal says why */
    if (!prc && pi.has_pvh_entry && pi.pvh_entry > 0xFFFFFFFFu)
        abort();
    lrc = elf_load(data, size, GUEST_MEM, &ops, &li, &why);
    if (lrc && !why)
        abort();
    if (!lrc) {
        if (prc || !li.has_pvh_entry || li.pvh_entry != pi.pvh_entry ||
            li.lowest != pi.lowest || li.highest != pi.highest || li.is64 != pi.is64 ||
            li.machine != pi.machine)
            abort();            /* load accepted what probe refused */
        if (s.hi && (s.lo < li.lowest || s.hi > li.highest))
            abort();            /* wrote outside the span it reported */
    } else if (!prc && pi.has_pvh_entry && lrc == -ENOEXEC) {
        abort();                /* probe's image refused as an image */
    }

    why = NULL;
    if (elf_find_pvh_entry(data, size, &entry, &why) && !why)
        abort();
    return 0;
}
