/* Test ELF image generator (see elf_gen.h). */
#include <elf.h>
#include <string.h>
#include "elf_gen.h"

static size_t align_up(size_t x, size_t a)
{
    return (x + a - 1) / a * a;
}

static size_t put_notes(const struct gen *g, uint8_t *p, size_t a)
{
    size_t off = 0;

    for (int i = 0; i < g->nnotes; i++) {
        const struct gen_note *n = &g->notes[i];
        uint32_t namesz = n->namesz ? n->namesz : (uint32_t)strlen(n->name) + 1;
        uint32_t hdr[3] = { namesz, n->descsz, n->type };
        size_t nlen = strlen(n->name) + 1;

        memcpy(p + off, hdr, sizeof(hdr));
        off += sizeof(hdr);
        memcpy(p + off, n->name, nlen < namesz ? nlen : namesz);
        off += align_up(namesz, a);
        if (n->str)
            memcpy(p + off, n->str, n->descsz);
        else
            memcpy(p + off, &n->value, n->descsz > 8 ? 8 : n->descsz);
        off += align_up(n->descsz, a);
    }
    return off;
}

size_t gen_build(const struct gen *g, uint8_t *buf, size_t cap, struct gen_layout *lay)
{
    bool is64 = g->cls == ELFCLASS64;
    size_t ehsz = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    size_t phsz = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    size_t shsz = is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
    size_t a = g->note_align ? g->note_align : 4;
    size_t nph = (size_t)g->nsegs + (g->note_phdr ? 1 : 0);
    size_t off, notes_off, notes_len, shoff = 0;
    struct gen_layout l;
    uint8_t notes[4096];

    memset(&l, 0, sizeof(l));
    notes_len = put_notes(g, notes, a);
    off = ehsz + nph * phsz;
    notes_off = align_up(off, 8);
    off = notes_off + notes_len;
    for (int i = 0; i < g->nsegs; i++) {
        off = align_up(off, 16);
        l.seg_off[i] = off;
        off += g->segs[i].filesz;
    }
    if (g->note_shdr) {
        shoff = align_up(off, 8);
        off = shoff + 2 * shsz;
    }
    if (off > cap)
        return 0;
    memset(buf, 0, off);

    memcpy(buf + notes_off, notes, notes_len);
    for (int i = 0; i < g->nsegs; i++)
        for (uint64_t k = 0; k < g->segs[i].filesz; k++)
            buf[l.seg_off[i] + k] = (uint8_t)(g->segs[i].fill + k);

    if (is64) {
        Elf64_Ehdr eh = { 0 };
        memcpy(eh.e_ident, ELFMAG, SELFMAG);
        eh.e_ident[EI_CLASS] = ELFCLASS64;
        eh.e_ident[EI_DATA] = ELFDATA2LSB;
        eh.e_ident[EI_VERSION] = EV_CURRENT;
        eh.e_type = g->etype ? g->etype : ET_EXEC;
        eh.e_machine = g->machine;
        eh.e_version = EV_CURRENT;
        eh.e_entry = 0xffffffff81000000ull;
        eh.e_phoff = ehsz;
        eh.e_shoff = shoff;
        eh.e_ehsize = (uint16_t)ehsz;
        eh.e_phentsize = (uint16_t)phsz;
        eh.e_phnum = (uint16_t)nph;
        eh.e_shentsize = g->note_shdr ? (uint16_t)shsz : 0;
        eh.e_shnum = g->note_shdr ? 2 : 0;
        memcpy(buf, &eh, sizeof(eh));
        for (int i = 0; i < g->nsegs; i++) {
            Elf64_Phdr ph = { 0 };
            ph.p_type = g->segs[i].type ? g->segs[i].type : PT_LOAD;
            ph.p_flags = PF_R | PF_W | PF_X;
            ph.p_offset = l.seg_off[i];
            ph.p_vaddr = g->segs[i].vaddr;
            ph.p_paddr = g->segs[i].paddr;
            ph.p_filesz = g->segs[i].filesz;
            ph.p_memsz = g->segs[i].memsz;
            ph.p_align = 0x1000;
            memcpy(buf + ehsz + (size_t)i * phsz, &ph, sizeof(ph));
        }
        if (g->note_phdr) {
            Elf64_Phdr ph = { 0 };
            ph.p_type = PT_NOTE;
            ph.p_offset = notes_off;
            ph.p_filesz = notes_len;
            ph.p_align = a;
            memcpy(buf + ehsz + (size_t)g->nsegs * phsz, &ph, sizeof(ph));
        }
        if (g->note_shdr) {
            Elf64_Shdr sh = { 0 };
            sh.sh_type = SHT_NOTE;
            sh.sh_offset = notes_off;
            sh.sh_size = notes_len;
            sh.sh_addralign = a;
            memcpy(buf + shoff + shsz, &sh, sizeof(sh));
        }
    } else {
        Elf32_Ehdr eh = { 0 };
        memcpy(eh.e_ident, ELFMAG, SELFMAG);
        eh.e_ident[EI_CLASS] = ELFCLASS32;
        eh.e_ident[EI_DATA] = ELFDATA2LSB;
        eh.e_ident[EI_VERSION] = EV_CURRENT;
        eh.e_type = g->etype ? g->etype : ET_EXEC;
        eh.e_machine = g->machine;
        eh.e_version = EV_CURRENT;
        eh.e_entry = 0x100000;
        eh.e_phoff = (Elf32_Off)ehsz;
        eh.e_shoff = (Elf32_Off)shoff;
        eh.e_ehsize = (uint16_t)ehsz;
        eh.e_phentsize = (uint16_t)phsz;
        eh.e_phnum = (uint16_t)nph;
        eh.e_shentsize = g->note_shdr ? (uint16_t)shsz : 0;
        eh.e_shnum = g->note_shdr ? 2 : 0;
        memcpy(buf, &eh, sizeof(eh));
        for (int i = 0; i < g->nsegs; i++) {
            Elf32_Phdr ph = { 0 };
            ph.p_type = g->segs[i].type ? g->segs[i].type : PT_LOAD;
            ph.p_flags = PF_R | PF_W | PF_X;
            ph.p_offset = (Elf32_Off)l.seg_off[i];
            ph.p_vaddr = (Elf32_Addr)g->segs[i].vaddr;
            ph.p_paddr = (Elf32_Addr)g->segs[i].paddr;
            ph.p_filesz = (Elf32_Word)g->segs[i].filesz;
            ph.p_memsz = (Elf32_Word)g->segs[i].memsz;
            ph.p_align = 0x1000;
            memcpy(buf + ehsz + (size_t)i * phsz, &ph, sizeof(ph));
        }
        if (g->note_phdr) {
            Elf32_Phdr ph = { 0 };
            ph.p_type = PT_NOTE;
            ph.p_offset = (Elf32_Off)notes_off;
            ph.p_filesz = (Elf32_Word)notes_len;
            ph.p_align = (Elf32_Word)a;
            memcpy(buf + ehsz + (size_t)g->nsegs * phsz, &ph, sizeof(ph));
        }
        if (g->note_shdr) {
            Elf32_Shdr sh = { 0 };
            sh.sh_type = SHT_NOTE;
            sh.sh_offset = (Elf32_Off)notes_off;
            sh.sh_size = (Elf32_Word)notes_len;
            sh.sh_addralign = (Elf32_Word)a;
            memcpy(buf + shoff + shsz, &sh, sizeof(sh));
        }
    }
    l.len = off;
    l.phoff = ehsz;
    l.phentsize = phsz;
    l.notes_off = notes_off;
    l.notes_len = notes_len;
    l.note_phdr_index = (size_t)g->nsegs;
    l.shoff = shoff;
    if (lay)
        *lay = l;
    return off;
}

void gen_default(struct gen *g, int cls, uint16_t machine)
{
    memset(g, 0, sizeof(*g));
    g->cls = cls;
    g->machine = machine;
    g->nsegs = 2;
    g->segs[0] = (struct gen_seg){ .paddr = 0x100000, .vaddr = 0xffffffff80100000ull,
                                   .filesz = 0x1234, .memsz = 0x1234, .fill = 0x10 };
    g->segs[1] = (struct gen_seg){ .paddr = 0x200000, .vaddr = 0xffffffff80200000ull,
                                   .filesz = 0x100, .memsz = 0x3000, .fill = 0x80 };
    g->nnotes = 3;
    g->notes[0] = (struct gen_note){ .name = "GNU", .type = 3, .descsz = 20,
                                     .str = "0123456789abcdefghij" };
    g->notes[1] = (struct gen_note){ .name = "Xen", .type = 6, .descsz = 6, .str = "linux" };
    g->notes[2] = (struct gen_note){ .name = "Xen", .type = 18,
                                     .descsz = cls == ELFCLASS64 ? 8 : 4, .value = 0x100040 };
    g->note_phdr = true;
}
