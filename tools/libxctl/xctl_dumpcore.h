/*
 * libxctl: a domain's core file (what xc_domain_dumpcore is to Xen's
 * tools), written by oryxd for on_crash=coredump-* and by oxl dump-core.
 *
 * The file is an ELF64 ET_CORE (EM_X86_64) readable by readelf and gdb:
 * one PT_NOTE, then one PT_LOAD per guest-physical RAM range of the
 * domain's layout ([0, low end) and from 4 GiB; pvh_build.h) with
 * p_paddr the guest-physical address and p_vaddr 0 (the guest's virtual
 * layout is its own). The note, owner "Oryx", type XCTL_CORE_NOTE_DOMAIN,
 * holds struct xctl_core_domain. Pages the domain does not hold now
 * (ballooned out) and zero pages read as zeros (holes in the file).
 * There are no register notes: Oryx has no domctl that reads a vCPU's
 * state yet.
 */
#ifndef ORYX_XCTL_DUMPCORE_H
#define ORYX_XCTL_DUMPCORE_H

#include <stddef.h>
#include <stdint.h>

struct xctl;

#define XCTL_CORE_NOTE_DOMAIN 0x4f590001U   /* "OY", 1 */

struct xctl_core_domain {
    uint32_t domid;
    uint32_t nr_vcpus;
    uint64_t mem_kb;                    /* RAM at creation: the PT_LOADs' sum */
    uint64_t missing_pages;             /* RAM pages it did not hold (zeros) */
    char     name[32];
};
_Static_assert(sizeof(struct xctl_core_domain) == 56, "xctl_core_domain");

/*
 * Writes dom's core file to path, through a temporary file in the same
 * directory renamed over it at the end: on any failure no file is left.
 * A running domain is paused while its memory is read and resumed after.
 * 0, or -errno with a message naming the problem in err.
 */
int xctl_domain_dumpcore(struct xctl *x, uint16_t dom, const char *path, char *err,
                         size_t errlen);

/*
 * The core of a crashed domain (on_crash=coredump-*), where the
 * toolstack keeps them: $ORYX_LIB_DIR/dump (default /var/lib/oryx/dump,
 * created if missing), file NAME-ID.core, NAME the hypervisor's. path
 * gets the file's name. 0, or -errno with err set.
 */
int xctl_domain_dumpcore_crashed(struct xctl *x, uint16_t dom, char *path, size_t len,
                                 char *err, size_t errlen);

#endif
