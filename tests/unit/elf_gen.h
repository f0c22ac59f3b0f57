/*
 * Test-time generator of small ELF images for the loader tests: a header,
 * program headers, an optional note area (PT_NOTE and/or SHT_NOTE), then
 * the segments' bytes. Built with the host's <elf.h>, independently of
 * the loader's own definitions.
 */
#ifndef TEST_ELF_GEN_H
#define TEST_ELF_GEN_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define GEN_MAX_SEGS  8
#define GEN_MAX_NOTES 6

struct gen_seg {
    uint32_t type;          /* PT_LOAD by default (0 means PT_LOAD) */
    uint64_t paddr, vaddr;
    uint64_t filesz, memsz;
    uint8_t fill;           /* file bytes are fill, fill+1, ... */
};

struct gen_note {
    const char *name;       /* "Xen" */
    uint32_t namesz;        /* 0: strlen(name)+1 */
    uint32_t type;
    uint32_t descsz;
    uint64_t value;         /* little-endian, descsz bytes (<= 8), or ... */
    const char *str;        /* ... this string when set */
};

struct gen {
    int cls;                /* ELFCLASS32 / ELFCLASS64 */
    uint16_t machine;
    uint16_t etype;         /* 0: ET_EXEC */
    struct gen_seg segs[GEN_MAX_SEGS];
    int nsegs;
    struct gen_note notes[GEN_MAX_NOTES];
    int nnotes;
    bool note_phdr;         /* emit a PT_NOTE covering the notes */
    bool note_shdr;         /* emit section headers with a SHT_NOTE */
    uint32_t note_align;    /* 0: 4 */
};

/* Where things landed, for tests that corrupt particular fields. */
struct gen_layout {
    size_t len;
    size_t phoff, phentsize;
    size_t notes_off, notes_len;
    size_t note_phdr_index;        /* index of the PT_NOTE phdr */
    size_t seg_off[GEN_MAX_SEGS];  /* file offset of each segment's data */
    size_t shoff;
};

/* Writes the image into buf (cap bytes); returns its length (0 if it did
 * not fit). */
size_t gen_build(const struct gen *g, uint8_t *buf, size_t cap, struct gen_layout *lay);

/* A PVH-note, two-segment image (text + data with bss) for class/machine. */
void gen_default(struct gen *g, int cls, uint16_t machine);

#endif
