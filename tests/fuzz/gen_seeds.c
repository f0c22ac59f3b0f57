/*
 * Seed inputs the fuzzers start from, generated at build time
 * (tests/fuzz/seeds.sh) rather than kept as binary files in git:
 *   gen_seeds elf DIR                   small ELF kernels (tests/unit/elf_gen.c)
 *   gen_seeds bzimage PAYLOAD SIZE OUT  a bzImage around a payload file
 *   gen_seeds insn DIR                  GNU as' encodings (tests/unit/insn_gas_table.h)
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <asm/insn.h>
#include <oryx/bzimage.h>

#include "elf_gen.h"

struct gas_case {
    enum insn_mode mode;
    uint8_t len;
    const char *bytes;
    const char *text;
};
#include "insn_gas_table.h"

static int put(const char *dir, const char *name, const void *p, size_t n)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
        perror(path);
        return 1;
    }
    return 0;
}

static int gen_elf(const char *dir)
{
    static const struct { int cls; uint16_t machine; } kinds[] = {
        { ELFCLASS32, EM_386 }, { ELFCLASS32, EM_X86_64 }, { ELFCLASS64, EM_X86_64 },
    };
    static uint8_t buf[1 << 16];
    int rc = 0;

    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        for (int v = 0; v < 3; v++) {
            struct gen g;
            struct gen_layout lay;
            char name[64];
            size_t n;

            gen_default(&g, kinds[k].cls, kinds[k].machine);
            g.segs[0].filesz = g.segs[0].memsz = 0x200;     /* small seeds fuzz faster */
            if (v == 1) {                   /* the note only in a section */
                g.note_phdr = false;
                g.note_shdr = true;
            } else if (v == 2) {            /* both, 8-byte aligned notes */
                g.note_shdr = true;
                g.note_align = 8;
            }
            n = gen_build(&g, buf, sizeof(buf), &lay);
            snprintf(name, sizeof(name), "elf%d-m%u-v%d", kinds[k].cls == ELFCLASS64 ? 64 : 32,
                     kinds[k].machine, v);
            rc |= !n || put(dir, name, buf, n);
        }
    }
    return rc;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Boot sector + 3 setup sectors, a little code, the payload, its size word. */
static int gen_bzimage(const char *payload, unsigned long size, const char *out)
{
    size_t pm = 4 * 512, poff = 0x40, n;
    static uint8_t buf[4 << 20];
    FILE *f = fopen(payload, "rb");

    if (!f) {
        perror(payload);
        return 1;
    }
    n = fread(buf + pm + poff, 1, sizeof(buf) - pm - poff - 4, f);
    fclose(f);
    memset(buf, 0, pm + poff);
    buf[BZ_SETUP_SECTS] = 3;
    buf[BZ_BOOT_FLAG] = 0x55;
    buf[BZ_BOOT_FLAG + 1] = 0xAA;
    memcpy(buf + BZ_HEADER, "HdrS", 4);
    buf[BZ_VERSION] = 0x0F;
    buf[BZ_VERSION + 1] = 0x02;
    put32(buf + BZ_KERNEL_ALIGN, 0x200000);
    buf[BZ_RELOCATABLE] = 1;
    buf[BZ_XLOADFLAGS] = 0x7F;
    put32(buf + BZ_PAYLOAD_OFFSET, (uint32_t)poff);
    /* A raw ELF payload is its own size; compressed ones carry it after. */
    if (n >= 4 && !memcmp(buf + pm + poff, "\x7f" "ELF", 4)) {
        put32(buf + BZ_PAYLOAD_LENGTH, (uint32_t)n);
    } else {
        put32(buf + BZ_PAYLOAD_LENGTH, (uint32_t)(n + 4));
        put32(buf + pm + poff + n, (uint32_t)size);
        n += 4;
    }
    put32(buf + BZ_INIT_SIZE, 0x3F98000);
    f = fopen(out, "wb");
    if (!f || fwrite(buf, 1, pm + poff + n, f) != pm + poff + n || fclose(f)) {
        perror(out);
        return 1;
    }
    return 0;
}

static int gen_insn(const char *dir)
{
    int rc = 0;

    for (size_t i = 0; i < sizeof(gas_cases) / sizeof(gas_cases[0]); i++) {
        const struct gas_case *g = &gas_cases[i];
        uint8_t b[1 + INSN_MAX_LEN];
        char name[32];

        b[0] = (uint8_t)g->mode;
        memcpy(b + 1, g->bytes, g->len);
        snprintf(name, sizeof(name), "gas-%05zu", i);
        rc |= put(dir, name, b, 1u + g->len);
    }
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "elf"))
        return gen_elf(argv[2]);
    if (argc == 5 && !strcmp(argv[1], "bzimage"))
        return gen_bzimage(argv[2], strtoul(argv[3], NULL, 0), argv[4]);
    if (argc == 3 && !strcmp(argv[1], "insn"))
        return gen_insn(argv[2]);
    fprintf(stderr, "usage: gen_seeds elf DIR | bzimage PAYLOAD SIZE OUT | insn DIR\n");
    return 2;
}
