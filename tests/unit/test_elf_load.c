/* Host tests of the ELF loader: generated good and malformed images. */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdbool.h>
#include "unit.h"
#include "elf_gen.h"
#include <oryx/elf_load.h>

#define MEM_SIZE  (4u << 20)
#define IMG_CAP   (64u << 10)

static uint8_t *mem;            /* the "guest memory" */
static uint8_t img[IMG_CAP];
static const uint8_t *img_base; /* the image a load is reading */
static size_t img_len;
static int writes, cb_fail_at;
static bool cb_bad;             /* a callback got an out-of-range request */
/* Ranges the last load wrote, to re-poison cheaply; overflow = all. */
static struct { uint64_t gpa, len; } dirty[16];
static int ndirty = -1;

static void mark_dirty(uint64_t gpa, uint64_t len)
{
    if (ndirty >= 0 && ndirty < (int)ARRAY_SIZE(dirty)) {
        dirty[ndirty].gpa = gpa;
        dirty[ndirty++].len = len;
    } else {
        ndirty = -1;
    }
}

static int cb_copy(void *opaque, uint64_t gpa, const void *src, uint64_t len)
{
    const uint8_t *s = src;

    (void)opaque;
    if (cb_fail_at && ++writes == cb_fail_at)
        return -EIO;
    if (!cb_fail_at)
        writes++;
    if (gpa > MEM_SIZE || len > MEM_SIZE - gpa || s < img_base || len > img_len ||
        (size_t)(s - img_base) > img_len - len) {
        cb_bad = true;
        return -EFAULT;
    }
    mark_dirty(gpa, len);
    memcpy(mem + gpa, src, len);
    return 0;
}

static int cb_zero(void *opaque, uint64_t gpa, uint64_t len)
{
    (void)opaque;
    if (cb_fail_at && ++writes == cb_fail_at)
        return -EIO;
    if (!cb_fail_at)
        writes++;
    if (gpa > MEM_SIZE || len > MEM_SIZE - gpa) {
        cb_bad = true;
        return -EFAULT;
    }
    mark_dirty(gpa, len);
    memset(mem + gpa, 0, len);
    return 0;
}

static const struct elf_load_ops ops = { cb_copy, cb_zero, NULL };

static void reset_mem(void)
{
    /* Only what the last load wrote needs poisoning again. */
    if (ndirty < 0)
        memset(mem, 0xAA, MEM_SIZE);
    for (int i = 0; i < ndirty; i++)
        memset(mem + dirty[i].gpa, 0xAA, dirty[i].len);
    ndirty = 0;
    writes = 0;
    cb_fail_at = 0;
    cb_bad = false;
}

static int load(const uint8_t *p, size_t len, uint64_t gmem, struct elf_info *info,
                const char **why)
{
    img_base = p;
    img_len = len;
    return elf_load(p, len, gmem, &ops, info, why);
}

static size_t build(const struct gen *g, struct gen_layout *lay)
{
    size_t n = gen_build(g, img, sizeof(img), lay);

    if (!n) {
        fprintf(stderr, "  generator overflow\n");
        unit_case_failed = 1;
    }
    return n;
}

/* Expect failure with rc and a reason containing msg; nothing written. */
static void expect_fail_(const uint8_t *p, size_t len, uint64_t gmem, int rc, const char *msg,
                         int line)
{
    struct elf_info info;
    const char *why = NULL;
    int r;

    reset_mem();
    r = load(p, len, gmem, &info, &why);
    if (r != rc || !why || !strstr(why, msg) || writes || cb_bad) {
        fprintf(stderr, "  line %d: rc %d why '%s' writes %d, want rc %d '%s'\n", line, r,
                why ? why : "(null)", writes, rc, msg);
        unit_case_failed = 1;
    }
}
#define expect_fail(p, len, gmem, rc, msg) expect_fail_(p, len, gmem, rc, msg, __LINE__)

/* adjacent: segments touch, so skip the "untouched around" checks. */
static void check_loaded_(const struct gen *g, bool adjacent)
{
    for (int i = 0; i < g->nsegs; i++) {
        const struct gen_seg *s = &g->segs[i];
        uint64_t k;

        for (k = 0; k < s->filesz; k++)
            if (mem[s->paddr + k] != (uint8_t)(s->fill + k))
                break;
        CHECK_EQ(k, s->filesz);
        for (k = s->filesz; k < s->memsz; k++)
            if (mem[s->paddr + k] != 0)
                break;
        CHECK_EQ(k, s->memsz);
        if (!adjacent) {
            CHECK_EQ(mem[s->paddr + s->memsz], 0xAA);   /* nothing past the end */
            CHECK_EQ(mem[s->paddr - 1], 0xAA);
        }
    }
}
#define check_loaded(g) check_loaded_(g, false)

static void good_image(int cls, uint16_t machine)
{
    struct gen g;
    struct elf_info info;
    const char *why = "x";
    size_t n;

    gen_default(&g, cls, machine);
    n = build(&g, NULL);
    CHECK_EQ(elf_probe(img, n, &info, &why), 0);
    CHECK(why == NULL);
    CHECK(info.has_pvh_entry);
    CHECK_EQ(info.pvh_entry, 0x100040);
    CHECK_EQ(info.lowest, 0x100000);
    CHECK_EQ(info.highest, 0x203000);
    CHECK_EQ(info.is64, cls == ELFCLASS64);
    CHECK_EQ(info.machine, machine);

    reset_mem();
    memset(&info, 0x55, sizeof(info));
    CHECK_EQ(load(img, n, MEM_SIZE, &info, &why), 0);
    CHECK(!cb_bad);
    CHECK_EQ(writes, 3);            /* 2 copies + 1 bss */
    CHECK_EQ(info.pvh_entry, 0x100040);
    CHECK_EQ(info.highest, 0x203000);
    check_loaded(&g);
    /* Exactly the top of memory still fits. */
    reset_mem();
    CHECK_EQ(load(img, n, 0x203000, &info, &why), 0);
    expect_fail(img, n, 0x202fff, -ERANGE, "outside the domain's memory");
}

static void t_elf64(void) { good_image(ELFCLASS64, EM_X86_64); }
static void t_elf32_i386(void) { good_image(ELFCLASS32, EM_386); }
static void t_elf32_x86_64(void) { good_image(ELFCLASS32, EM_X86_64); }

static void t_no_pvh_note(void)
{
    struct gen g;
    struct elf_info info;
    const char *why;
    size_t n;

    gen_default(&g, ELFCLASS64, EM_X86_64);
    g.nnotes = 2;                   /* drop the PVH note */
    n = build(&g, NULL);
    CHECK_EQ(elf_probe(img, n, &info, &why), 0);
    CHECK(!info.has_pvh_entry);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "no PVH entry note");
    g.note_phdr = false;
    g.nnotes = 0;
    n = build(&g, NULL);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "no PVH entry note");
    /* The entry type under another name does not count. */
    gen_default(&g, ELFCLASS32, EM_386);
    g.notes[2].name = "Xem";
    n = build(&g, NULL);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "no PVH entry note");
}

static void t_note_variants(void)
{
    struct gen g;
    struct elf_info info;
    const char *why;
    size_t n;

    /* Only in a SHT_NOTE section. */
    gen_default(&g, ELFCLASS64, EM_X86_64);
    g.note_phdr = false;
    g.note_shdr = true;
    n = build(&g, NULL);
    CHECK_EQ(elf_probe(img, n, &info, &why), 0);
    CHECK(info.has_pvh_entry);
    CHECK_EQ(info.pvh_entry, 0x100040);
    gen_default(&g, ELFCLASS32, EM_386);
    g.note_phdr = false;
    g.note_shdr = true;
    n = build(&g, NULL);
    CHECK_EQ(elf_probe(img, n, &info, &why), 0);
    CHECK_EQ(info.pvh_entry, 0x100040);
    /* 8-byte note alignment. */
    gen_default(&g, ELFCLASS64, EM_X86_64);
    g.note_align = 8;
    n = build(&g, NULL);
    CHECK_EQ(elf_probe(img, n, &info, &why), 0);
    CHECK_EQ(info.pvh_entry, 0x100040);
    /* Name without its NUL (namesz 3). */
    gen_default(&g, ELFCLASS64, EM_X86_64);
    g.notes[2].namesz = 3;
    n = build(&g, NULL);
    CHECK_EQ(elf_probe(img, n, &info, &why), 0);
    CHECK_EQ(info.pvh_entry, 0x100040);
    /* 4-byte entry in an ELF64, 8-byte in an ELF32. */
    gen_default(&g, ELFCLASS64, EM_X86_64);
    g.notes[2].descsz = 4;
    n = build(&g, NULL);
    CHECK_EQ(elf_probe(img, n, &info, &why), 0);
    CHECK_EQ(info.pvh_entry, 0x100040);
    gen_default(&g, ELFCLASS32, EM_386);
    g.notes[2].descsz = 8;
    n = build(&g, NULL);
    CHECK_EQ(elf_probe(img, n, &info, &why), 0);
    CHECK_EQ(info.pvh_entry, 0x100040);
    /* The same entry twice is fine. */
    gen_default(&g, ELFCLASS64, EM_X86_64);
    g.notes[g.nnotes++] = g.notes[2];
    n = build(&g, NULL);
    CHECK_EQ(elf_probe(img, n, &info, &why), 0);
    /* PT_NOTE wins; broken section headers are then never read. */
    gen_default(&g, ELFCLASS64, EM_X86_64);
    g.note_shdr = true;
    struct gen_layout lay;
    n = build(&g, &lay);
    memset(img + 40, 0xff, 8);      /* e_shoff */
    CHECK_EQ(elf_probe(img, n, &info, &why), 0);
}

static void set16(size_t off, uint16_t v) { memcpy(img + off, &v, 2); }
static void set32(size_t off, uint32_t v) { memcpy(img + off, &v, 4); }
static void set64(size_t off, uint64_t v) { memcpy(img + off, &v, 8); }

static void t_bad_header(void)
{
    struct gen g;
    struct gen_layout lay;
    size_t n;

#define FRESH64() do { gen_default(&g, ELFCLASS64, EM_X86_64); n = build(&g, &lay); } while (0)
#define FRESH32() do { gen_default(&g, ELFCLASS32, EM_386); n = build(&g, &lay); } while (0)
    FRESH64();
    expect_fail(img, 0, MEM_SIZE, -ENOEXEC, "not an ELF image");
    expect_fail(img, 15, MEM_SIZE, -ENOEXEC, "not an ELF image");
    expect_fail(img, 63, MEM_SIZE, -ENOEXEC, "truncated ELF header");
    FRESH32();
    expect_fail(img, 51, MEM_SIZE, -ENOEXEC, "truncated ELF header");
    FRESH64(); img[1] = 'e';
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "not an ELF image");
    FRESH64(); img[EI_CLASS] = 3;
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "unsupported ELF class");
    FRESH64(); img[EI_CLASS] = 0;
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "unsupported ELF class");
    FRESH64(); img[EI_DATA] = ELFDATA2MSB;
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "not little-endian");
    FRESH64(); img[EI_VERSION] = 0;
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "bad ELF version");
    FRESH64(); set32(20, 2);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "bad ELF version");
    FRESH64(); set16(16, ET_DYN);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "not an executable");
    FRESH64(); set16(16, ET_REL);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "not an executable");
    FRESH64(); set16(18, EM_386);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "wrong machine");
    FRESH64(); set16(18, EM_AARCH64);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "wrong machine");
    FRESH32(); set16(18, EM_ARM);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "wrong machine");
    FRESH64(); set16(54, 32);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "bad ELF program header size");
    FRESH32(); set16(42, 56);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "bad ELF program header size");
    FRESH64(); set16(56, 0);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "no program headers");
    FRESH64(); set16(56, 0xffff);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "too many ELF program headers");
    FRESH64(); set16(56, 1000);     /* allowed count, but past the file */
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "program headers outside the file");
    FRESH64(); set64(32, n);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "program headers outside the file");
    FRESH64(); set64(32, UINT64_MAX - 8);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "program headers outside the file");
    FRESH64(); set64(32, n - 3 * 56 + 1);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "program headers outside the file");
    FRESH32(); set32(28, 0xfffffff0u);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "program headers outside the file");
    /* Broken section headers matter only when the notes are needed there. */
    gen_default(&g, ELFCLASS64, EM_X86_64);
    g.note_phdr = false;
    g.note_shdr = true;
    n = build(&g, &lay);
    set64(40, UINT64_MAX - 63);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "section headers outside the file");
    n = build(&g, &lay);
    set16(58, 40);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "bad ELF section header size");
    n = build(&g, &lay);
    set64(lay.shoff + 64 + 24, n - 4);   /* the note section's sh_offset */
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "note section outside the file");
    n = build(&g, &lay);
    set64(lay.shoff + 64 + 32, UINT64_MAX);   /* sh_size */
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "note section outside the file");
    n = build(&g, &lay);
    expect_fail(img, n - 1, MEM_SIZE, -ENOEXEC, "section headers outside the file");
#undef FRESH64
#undef FRESH32
}

static void t_bad_segments(void)
{
    struct gen g;
    struct gen_layout lay;
    size_t n;
    size_t ph1;

    /* Data beyond the file end, via offset and via filesz; 64-bit overflow. */
    gen_default(&g, ELFCLASS64, EM_X86_64);
    n = build(&g, &lay);
    ph1 = lay.phoff + lay.phentsize;
    set64(ph1 + 8, n - 0x80);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "segment data outside the file");
    n = build(&g, &lay);
    set64(ph1 + 8, UINT64_MAX - 0x10);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "segment data outside the file");
    n = build(&g, &lay);
    set64(ph1 + 32, UINT64_MAX);    /* filesz */
    set64(ph1 + 40, UINT64_MAX);    /* memsz */
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "segment data outside the file");
    n = build(&g, &lay);
    set64(ph1 + 24, UINT64_MAX - 0x1000);   /* paddr + memsz wraps */
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "address range overflows");
    n = build(&g, &lay);
    set64(ph1 + 24, 0xffffffff00000000ull); /* no wrap, just far away */
    expect_fail(img, n, MEM_SIZE, -ERANGE, "outside the domain's memory");

    /* filesz > memsz. */
    gen_default(&g, ELFCLASS64, EM_X86_64);
    g.segs[1].memsz = 0x80;
    n = build(&g, NULL);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "file size exceeds its memory size");
    gen_default(&g, ELFCLASS32, EM_386);
    g.segs[0].memsz = 0x1000;
    n = build(&g, NULL);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "file size exceeds its memory size");

    /* ELF32 segment past 4 GiB. */
    gen_default(&g, ELFCLASS32, EM_386);
    g.segs[1].paddr = 0xfffff000;
    n = build(&g, NULL);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "extends past 4 GiB");

    /* Overlaps, in both orders and by one byte. */
    gen_default(&g, ELFCLASS64, EM_X86_64);
    g.segs[1].paddr = 0x100000 + 0x1233;
    n = build(&g, NULL);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "segments overlap");
    gen_default(&g, ELFCLASS64, EM_X86_64);
    g.segs[0].paddr = 0x200000 + 0x2fff;
    g.notes[2].value = 0x202fff + 0x40;
    n = build(&g, NULL);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "segments overlap");
    gen_default(&g, ELFCLASS32, EM_X86_64);
    g.segs[1].paddr = 0x100000;     /* bss of 1 covers 0 entirely */
    n = build(&g, NULL);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "segments overlap");
    /* Adjacent is fine. */
    gen_default(&g, ELFCLASS64, EM_X86_64);
    g.segs[1].paddr = 0x100000 + 0x1234;
    n = build(&g, NULL);
    reset_mem();
    {
        struct elf_info info;
        const char *why;
        CHECK_EQ(load(img, n, MEM_SIZE, &info, &why), 0);
        check_loaded_(&g, true);
    }

    /* Outside the domain's memory and inside the reserved first MiB. */
    gen_default(&g, ELFCLASS64, EM_X86_64);
    g.segs[1].paddr = MEM_SIZE - 0x1000;
    n = build(&g, NULL);
    expect_fail(img, n, MEM_SIZE, -ERANGE, "outside the domain's memory");
    gen_default(&g, ELFCLASS32, EM_386);
    g.segs[0].paddr = 0xff000;
    g.notes[2].value = 0xff040;
    n = build(&g, NULL);
    expect_fail(img, n, MEM_SIZE, -ERANGE, "reserved first 1 MiB");
    gen_default(&g, ELFCLASS32, EM_386);
    g.segs[0].paddr = 0;
    g.notes[2].value = 0x40;
    n = build(&g, NULL);
    expect_fail(img, n, MEM_SIZE, -ERANGE, "reserved first 1 MiB");

    /* No loadable segment; zero-sized PT_LOADs are ignored. */
    gen_default(&g, ELFCLASS64, EM_X86_64);
    g.segs[0].type = PT_DYNAMIC;
    g.segs[1].type = PT_GNU_STACK;
    n = build(&g, NULL);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "no loadable segments");
    gen_default(&g, ELFCLASS64, EM_X86_64);
    g.segs[2] = (struct gen_seg){ .paddr = 0x100100, .filesz = 0, .memsz = 0 };
    g.nsegs = 3;
    n = build(&g, NULL);
    reset_mem();
    {
        struct elf_info info;
        const char *why;
        CHECK_EQ(load(img, n, MEM_SIZE, &info, &why), 0);
        CHECK_EQ(writes, 3);
    }
}

static void t_bad_notes(void)
{
    struct gen g;
    struct gen_layout lay;
    size_t n, ph;

    gen_default(&g, ELFCLASS64, EM_X86_64);
    g.notes[2].descsz = 2;
    n = build(&g, NULL);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "bad size (not 4 or 8");
    gen_default(&g, ELFCLASS32, EM_386);
    g.notes[2].descsz = 16;
    n = build(&g, NULL);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "bad size (not 4 or 8");
    gen_default(&g, ELFCLASS64, EM_X86_64);
    g.notes[g.nnotes] = g.notes[2];
    g.notes[g.nnotes++].value = 0x100080;
    n = build(&g, NULL);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "conflicting PVH entry notes");
    gen_default(&g, ELFCLASS64, EM_X86_64);
    g.notes[2].value = 0x100000100000ull;
    n = build(&g, NULL);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "above 4 GiB");
    gen_default(&g, ELFCLASS64, EM_X86_64);
    g.notes[2].value = 0x203000;
    n = build(&g, NULL);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "outside the loaded segments");
    gen_default(&g, ELFCLASS32, EM_386);
    g.notes[2].value = 0xfffff;
    n = build(&g, NULL);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "outside the loaded segments");

    /* Lengths inside the note area that run past the PT_NOTE. */
    gen_default(&g, ELFCLASS64, EM_X86_64);
    n = build(&g, &lay);
    set32(lay.notes_off, 0xfffffff0u);          /* first namesz */
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "note name runs past");
    n = build(&g, &lay);
    set32(lay.notes_off, 0xffffffffu);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "note name runs past");
    n = build(&g, &lay);
    set32(lay.notes_off + 4, 0xffffffffu);      /* first descsz */
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "note descriptor runs past");
    n = build(&g, &lay);
    set32(lay.notes_off + 4, (uint32_t)lay.notes_len);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "note descriptor runs past");
    /* PT_NOTE sizes that cut a note header, or leave the file. */
    ph = lay.phoff + lay.note_phdr_index * lay.phentsize;
    n = build(&g, &lay);
    set64(ph + 32, 8);                          /* p_filesz */
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "truncated ELF note header");
    n = build(&g, &lay);
    set64(ph + 32, lay.notes_len - 4);          /* cuts the PVH note's desc */
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "note descriptor runs past");
    n = build(&g, &lay);
    set64(ph + 8, n - 8);                       /* p_offset */
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "note segment outside the file");
    n = build(&g, &lay);
    set64(ph + 8, UINT64_MAX);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "note segment outside the file");
    gen_default(&g, ELFCLASS32, EM_386);
    n = build(&g, &lay);
    ph = lay.phoff + lay.note_phdr_index * lay.phentsize;
    set32(ph + 16, 0xffffffffu);
    expect_fail(img, n, MEM_SIZE, -ENOEXEC, "note segment outside the file");
}

/* Every proper prefix of an image (segment data last, no section
 * headers) must be refused without a write. */
static void truncations(int cls, uint16_t machine)
{
    struct gen g;
    size_t n, len;
    int bad = 0;

    gen_default(&g, cls, machine);
    n = build(&g, NULL);
    for (len = 0; len < n; len++) {
        struct elf_info info;
        const char *why = NULL;
        /* Exactly-sized heap copies let ASan catch any read past the end. */
        uint8_t *copy = malloc(len ? len : 1);

        memcpy(copy, img, len);
        reset_mem();
        if (load(copy, len, MEM_SIZE, &info, &why) == 0 || !why || writes || cb_bad)
            bad++;
        free(copy);
    }
    CHECK_EQ(bad, 0);
}

static void t_truncated(void)
{
    truncations(ELFCLASS64, EM_X86_64);
    truncations(ELFCLASS32, EM_386);
    truncations(ELFCLASS32, EM_X86_64);
}

/* Deterministic random corruption: never a crash or an out-of-range
 * callback; a success must still have loaded inside memory. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void t_fuzz(void)
{
    static const uint64_t interesting[] = {
        0, 1, 3, 4, 7, 8, 0x7f, 0x80, 0xff, 0xffff, 0x100000, 0x7fffffff, 0xffffffffu,
        0xfffffffcu, UINT64_MAX, UINT64_MAX - 7, 0x8000000000000000ull,
    };
    int ok = 0, iters = 12000;

    for (int it = 0; it < iters; it++) {
        struct gen g;
        struct gen_layout lay;
        struct elf_info info;
        const char *why;
        size_t n, hot;
        int k, muts = 1 + (int)(next_rand() % 4);
        uint8_t *copy;

        gen_default(&g, (it & 1) ? ELFCLASS64 : ELFCLASS32,
                    (it & 2) ? EM_X86_64 : ((it & 1) ? EM_X86_64 : EM_386));
        g.note_shdr = (it % 3) == 0;
        if (it % 5 == 0)
            g.note_phdr = false;
        n = build(&g, &lay);
        hot = lay.notes_off + lay.notes_len;   /* headers and notes */
        if (g.note_shdr)
            hot = n;
        for (k = 0; k < muts; k++) {
            uint64_t r = next_rand();
            size_t off = (g.note_shdr && (r & 1)) ? lay.shoff + (size_t)((r >> 8) % (n - lay.shoff))
                                                  : (size_t)((r >> 8) % hot);
            switch ((r >> 40) % 3) {
            case 0:
                img[off] ^= (uint8_t)(1u << ((r >> 48) % 8));
                break;
            case 1:
                img[off] = (uint8_t)(r >> 32);
                break;
            default: {
                uint64_t v = interesting[(r >> 48) % ARRAY_SIZE(interesting)];
                size_t w = (r >> 56) & 1 ? 8 : 4;
                if (off + w <= n)
                    memcpy(img + off, &v, w);
                break;
            }
            }
        }
        copy = malloc(n);
        memcpy(copy, img, n);
        reset_mem();
        if (load(copy, n, MEM_SIZE, &info, &why) == 0) {
            ok++;
            CHECK(info.has_pvh_entry && info.pvh_entry >= info.lowest &&
                  info.pvh_entry < info.highest && info.highest <= MEM_SIZE &&
                  info.lowest >= ELF_LOAD_LOW_RESERVED);
        } else {
            CHECK(why != NULL);
        }
        CHECK(!cb_bad);
        free(copy);
    }
    /* Some mutations are harmless (padding, vaddr): both outcomes seen. */
    if (getenv("ELF_FUZZ_VERBOSE"))
        fprintf(stderr, "  fuzz: %d of %d loaded\n", ok, iters);
    CHECK(ok > 0 && ok < iters);
}

static void t_callback_errors(void)
{
    struct gen g;
    struct elf_info info;
    const char *why;
    size_t n;

    gen_default(&g, ELFCLASS64, EM_X86_64);
    n = build(&g, NULL);
    reset_mem();
    cb_fail_at = 1;
    CHECK_EQ(load(img, n, MEM_SIZE, &info, &why), -EIO);
    CHECK(why && strstr(why, "copying"));
    reset_mem();
    cb_fail_at = 3;
    CHECK_EQ(load(img, n, MEM_SIZE, &info, &why), -EIO);
    CHECK(why && strstr(why, "zeroing"));
    CHECK_EQ(elf_probe(NULL, 10, &info, &why), -ENOEXEC);
    CHECK_EQ(elf_load(NULL, 10, MEM_SIZE, &ops, &info, &why), -ENOEXEC);
}

UNIT_MAIN("elf_load")
{
    mem = malloc(MEM_SIZE);
    TEST_RUN(t_elf64);
    TEST_RUN(t_elf32_i386);
    TEST_RUN(t_elf32_x86_64);
    TEST_RUN(t_no_pvh_note);
    TEST_RUN(t_note_variants);
    TEST_RUN(t_bad_header);
    TEST_RUN(t_bad_segments);
    TEST_RUN(t_bad_notes);
    TEST_RUN(t_truncated);
    TEST_RUN(t_fuzz);
    TEST_RUN(t_callback_errors);
    free(mem);
}
