/*
 * Xen ELF notes: typed values a guest kernel image carries in its
 * PT_NOTE segments (or SHT_NOTE sections), each with the note name "Xen".
 * A loader reads them to learn how the image wants to be started.
 *
 * Numeric notes hold a little-endian integer whose width is the note's
 * descriptor size (4 or 8 bytes); string notes hold a NUL-terminated
 * string. The type numbers are Xen's public interface; the text is ours.
 */
#ifndef ORYX_PUBLIC_ELFNOTE_H
#define ORYX_PUBLIC_ELFNOTE_H

/* The note name every Xen note carries (namesz 4, including the NUL). */
#define XEN_ELFNOTE_NAME              "Xen"

#define XEN_ELFNOTE_INFO               0  /* string: NAME=VALUE (legacy) */
#define XEN_ELFNOTE_ENTRY              1  /* numeric: PV entry (virtual) */
#define XEN_ELFNOTE_HYPERCALL_PAGE     2  /* numeric: PV hypercall page VA */
#define XEN_ELFNOTE_VIRT_BASE          3  /* numeric: PV mapping base */
#define XEN_ELFNOTE_PADDR_OFFSET       4  /* numeric: p_paddr bias (PV) */
#define XEN_ELFNOTE_XEN_VERSION        5  /* string: e.g. "xen-3.0" */
#define XEN_ELFNOTE_GUEST_OS           6  /* string: e.g. "linux" */
#define XEN_ELFNOTE_GUEST_VERSION      7  /* string */
#define XEN_ELFNOTE_LOADER             8  /* string: "generic" */
#define XEN_ELFNOTE_PAE_MODE           9  /* string: "yes"/"no" (PV) */
#define XEN_ELFNOTE_FEATURES          10  /* string: '|'-separated XENFEAT
                                           * names, '!' marks required */
#define XEN_ELFNOTE_BSD_SYMTAB        11  /* string: "yes"/"no" */
#define XEN_ELFNOTE_HV_START_LOW      12  /* numeric (PV) */
#define XEN_ELFNOTE_L1_MFN_VALID      13  /* numeric mask/value pair (PV) */
#define XEN_ELFNOTE_SUSPEND_CANCEL    14  /* numeric */
#define XEN_ELFNOTE_INIT_P2M          15  /* numeric (PV) */
#define XEN_ELFNOTE_MOD_START_PFN     16  /* numeric (PV) */
#define XEN_ELFNOTE_SUPPORTED_FEATURES 17 /* numeric: XENFEAT bitmap */
/*
 * PVH entry: the guest-physical address where a vCPU starts in 32-bit
 * protected mode, paging off, with %ebx = GPA of struct hvm_start_info
 * (arch-x86/hvm/start_info.h). Linux emits it 8 bytes wide on x86-64 and
 * 4 bytes wide on i386; the value always fits in 32 bits.
 */
#define XEN_ELFNOTE_PHYS32_ENTRY      18
#define XEN_ELFNOTE_PHYS32_RELOC      19  /* relocatable PVH image (unused) */

#define XEN_ELFNOTE_MAX               XEN_ELFNOTE_PHYS32_RELOC

#endif
