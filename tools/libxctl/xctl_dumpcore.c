/* A domain's ELF core file (xctl_dumpcore.h). */
#define _GNU_SOURCE                     /* asprintf */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <oryx/pvh_build.h>

#include "xctl.h"
#include "xctl_err.h"
#include "xctl_dumpcore.h"
#include "xctl_sched.h"

#define PAGE 4096ULL
#define CHUNK 256                       /* pages mapped at a time: 1 MiB */
#define NOTE_OWNER "Oryx"               /* with its NUL: 5 bytes, padded to 8 */

/* As the file holds it: the descriptor follows the owner's 8 bytes at
 * once (4-byte alignment, as ELF notes have), with no padding. */
struct __attribute__((packed)) core_note {
    Elf64_Nhdr h;
    char owner[8];
    struct xctl_core_domain d;
};
_Static_assert(sizeof(struct core_note) == 12 + 8 + 56, "core_note");

struct range {
    uint64_t gpa, size;
};

static int all_zero(const uint8_t *p)
{
    for (size_t i = 0; i < PAGE; i += 8)
        if (*(const uint64_t *)(p + i))
            return 0;
    return 1;
}

static int write_at(int fd, const void *buf, size_t len, off_t off)
{
    const uint8_t *p = buf;

    while (len) {
        ssize_t n = pwrite(fd, p, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        p += n;
        len -= (size_t)n;
        off += n;
    }
    return 0;
}

/* One RAM range to the file at off; zero and unmapped pages stay holes. */
static int dump_range(struct xctl *x, uint16_t dom, const struct range *r, int fd, off_t off,
                      uint64_t *missing, char *err, size_t errlen)
{
    int errs[CHUNK];

    for (uint64_t done = 0; done < r->size; done += CHUNK * PAGE) {
        size_t n = (size_t)((r->size - done) / PAGE < CHUNK ? (r->size - done) / PAGE : CHUNK);
        uint64_t gfn = (r->gpa + done) / PAGE;
        uint8_t *m = xctl_map_foreign(x, dom, gfn, n, PROT_READ, errs);
        int rc = 0;

        if (m == MAP_FAILED)
            return xctl_fail(err, errlen, -errno, "cannot map its memory at %#llx: %s",
                             (unsigned long long)(gfn * PAGE), strerror(errno));
        for (size_t i = 0; i < n && !rc; i++) {
            if (errs[i])
                (*missing)++;
            else if (!all_zero(m + i * PAGE))
                rc = write_at(fd, m + i * PAGE, PAGE, off + (off_t)(done + i * PAGE));
        }
        munmap(m, n * PAGE);
        if (rc)
            return xctl_fail(err, errlen, rc, "writing the core file: %s", strerror(-rc));
    }
    return 0;
}

int xctl_domain_dumpcore(struct xctl *x, uint16_t dom, const char *path, char *err,
                         size_t errlen)
{
    struct oryx_domctl_getdomaininfo info;
    struct range ram[2];
    unsigned int nr = 0;
    char *tmp = NULL;
    int fd = -1, made = 0, paused = 0, rc;

    rc = xctl_domain_info(x, dom, &info);
    if (rc)
        return xctl_fail(err, errlen, rc, "no domain %u", dom);
    if ((info.flags & ORYX_DOMINF_control) || !info.mem_kb)
        return xctl_fail(err, errlen, -EPERM, "the control domain's core cannot be written");
    uint64_t mem = info.mem_kb << 10, low = pvh_low_ram_end(mem);
    ram[nr++] = (struct range){ 0, low };
    if (pvh_high_ram_size(mem))
        ram[nr++] = (struct range){ PVH_HIGH_RAM_BASE, pvh_high_ram_size(mem) };

    if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
        return xctl_fail(err, errlen, -ENOMEM, "out of memory");
    fd = mkstemp(tmp);                  /* 0600: a guest's memory is its own */
    if (fd < 0) {
        rc = xctl_fail(err, errlen, -errno, "cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    made = 1;
    /* A consistent image: the domain does not run while it is read. */
    if (!(info.flags & (ORYX_DOMINF_shutdown | ORYX_DOMINF_paused))) {
        rc = xctl_domain_set_paused(x, dom, 1);
        if (rc) {
            rc = xctl_fail(err, errlen, rc, "cannot pause it: %s", strerror(-rc));
            goto out;
        }
        paused = 1;
    }

    /* Headers, the note, then the ranges from the first page boundary. */
    size_t phnum = 1 + nr;
    off_t note_off = (off_t)(sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr));
    off_t data = (off_t)((note_off + sizeof(struct core_note) + PAGE - 1) / PAGE * PAGE);
    Elf64_Ehdr eh = {
        .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT,
                     ELFOSABI_SYSV },
        .e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
        .e_phoff = sizeof(Elf64_Ehdr), .e_ehsize = sizeof(Elf64_Ehdr),
        .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = (Elf64_Half)phnum,
    };
    Elf64_Phdr ph[3] = { { .p_type = PT_NOTE, .p_offset = (Elf64_Off)note_off,
                           .p_filesz = sizeof(struct core_note), .p_align = 4 } };
    struct core_note note = { .h = { sizeof(NOTE_OWNER), sizeof(struct xctl_core_domain),
                                     XCTL_CORE_NOTE_DOMAIN },
                              .owner = NOTE_OWNER,
                              .d = { .domid = dom, .nr_vcpus = info.nr_vcpus,
                                     .mem_kb = info.mem_kb } };
    memcpy(note.d.name, info.name, sizeof(note.d.name));
    uint64_t missing = 0;
    off_t off = data;
    for (unsigned int i = 0; i < nr; i++) {
        ph[1 + i] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X,
                                  .p_offset = (Elf64_Off)off, .p_paddr = ram[i].gpa,
                                  .p_filesz = ram[i].size, .p_memsz = ram[i].size,
                                  .p_align = PAGE };
        rc = dump_range(x, dom, &ram[i], fd, off, &missing, err, errlen);
        if (rc)
            goto out;
        off += (off_t)ram[i].size;
    }
    note.d.missing_pages = missing;
    if ((rc = write_at(fd, &eh, sizeof(eh), 0)) ||
        (rc = write_at(fd, ph, phnum * sizeof(ph[0]), (off_t)sizeof(eh))) ||
        (rc = write_at(fd, &note, sizeof(note), note_off)) ||
        (ftruncate(fd, off) && (rc = -errno)) || (fsync(fd) && (rc = -errno))) {
        rc = xctl_fail(err, errlen, rc, "writing the core file: %s", strerror(-rc));
        goto out;
    }
    if (close(fd)) {
        fd = -1;
        rc = xctl_fail(err, errlen, -errno, "writing the core file: %s", strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path))
        rc = xctl_fail(err, errlen, -errno, "cannot rename %s to %s: %s", tmp, path,
                       strerror(errno));
out:
    if (paused)
        xctl_domain_set_paused(x, dom, 0);
    if (fd >= 0)
        close(fd);
    if (rc && made)
        unlink(tmp);                    /* no partial file */
    free(tmp);
    return rc;
}

int xctl_domain_dumpcore_crashed(struct xctl *x, uint16_t dom, char *path, size_t len,
                                 char *err, size_t errlen)
{
    struct oryx_domctl_getdomaininfo info;
    const char *lib = xctl_lib_dir();
    int rc = xctl_domain_info(x, dom, &info), n;

    if (rc)
        return xctl_fail(err, errlen, rc, "no domain %u", dom);
    n = snprintf(path, len, "%s/dump", lib);
    if (n < 0 || (size_t)n >= len)
        return xctl_fail(err, errlen, -ENAMETOOLONG, "%s/dump: name too long", lib);
    mkdir(lib, 0755);
    if (mkdir(path, 0700) && errno != EEXIST)
        return xctl_fail(err, errlen, -errno, "cannot create %s: %s", path, strerror(errno));
    n = snprintf(path, len, "%s/dump/%.*s-%u.core", lib, (int)sizeof(info.name), info.name,
                 dom);
    if (n < 0 || (size_t)n >= len)
        return xctl_fail(err, errlen, -ENAMETOOLONG, "%s/dump: name too long", lib);
    return xctl_domain_dumpcore(x, dom, path, err, errlen);
}
