/*
 * x86 part of the guest ABI: guest handles, the word-sized types and the
 * per-architecture pieces of vcpu_info and shared_info.
 *
 * Layouts follow the compiler's mode, as Xen's do: built for x86_64 they
 * are the native 64-bit ABI; built with -m32 they are the 32-bit ("compat")
 * ABI that Xen uses for guests running in 32-bit mode. The hypervisor is
 * 64-bit and sees the native layouts; structs whose 32-bit layout differs
 * also have a fixed-width compat_* twin next to them (see memory.h,
 * version.h).
 */
#ifndef ORYX_PUBLIC_ARCH_X86_XEN_H
#define ORYX_PUBLIC_ARCH_X86_XEN_H

#include <stdint.h>
#include "../xen-compat.h"

#if !defined(__x86_64__) && !defined(__i386__)
#error "arch-x86/xen.h: x86_64 or i386 only"
#endif

/*
 * Guest handles: a guest-virtual address of an array of `type`, wrapped in
 * a struct so that handles of different types do not mix. The hypervisor
 * never dereferences .p: it translates it through the guest's page tables.
 */
#define ___DEFINE_XEN_GUEST_HANDLE(name, type) \
    typedef struct { type *p; } __guest_handle_ ## name
#define __DEFINE_XEN_GUEST_HANDLE(name, type) \
    ___DEFINE_XEN_GUEST_HANDLE(name, type); \
    ___DEFINE_XEN_GUEST_HANDLE(const_ ## name, const type)
#define DEFINE_XEN_GUEST_HANDLE(name)   __DEFINE_XEN_GUEST_HANDLE(name, name)
#define __XEN_GUEST_HANDLE(name)        __guest_handle_ ## name
#define XEN_GUEST_HANDLE(name)          __XEN_GUEST_HANDLE(name)
#define XEN_GUEST_HANDLE_PARAM(name)    XEN_GUEST_HANDLE(name)
#define set_xen_guest_handle_raw(hnd, val)  do { (hnd).p = (val); } while (0)
#define set_xen_guest_handle(hnd, val)      set_xen_guest_handle_raw(hnd, val)
/* The guest-virtual address held in a handle, as a number. */
#define xen_guest_handle_addr(hnd)          ((uint64_t)(uintptr_t)(hnd).p)

/*
 * 64-bit-wide handle used by a few interfaces (tools ABI) whatever the
 * guest's mode; the upper half is zero for 32-bit callers.
 */
#define __XEN_GUEST_HANDLE_64(name) __guest_handle_64_ ## name
#define XEN_GUEST_HANDLE_64(name)   __XEN_GUEST_HANDLE_64(name)
#define DEFINE_XEN_GUEST_HANDLE_64(name) \
    typedef union { name *p; uint64_t q; } \
        __attribute__((aligned(8))) __guest_handle_64_ ## name

#if defined(__x86_64__)
typedef uint64_t xen_ulong_t;   /* "unsigned long" of the guest ABI */
typedef int64_t  xen_long_t;
typedef uint64_t xen_pfn_t;     /* guest frame number */
#define PRI_xen_ulong "lx"
#define PRI_xen_pfn   "lx"
#else
typedef uint32_t xen_ulong_t;
typedef int32_t  xen_long_t;
typedef uint32_t xen_pfn_t;
#define PRI_xen_ulong "x"
#define PRI_xen_pfn   "x"
#endif

/* Guests may request at most this many vCPUs through shared_info. */
#define XEN_LEGACY_MAX_VCPUS 32

__DEFINE_XEN_GUEST_HANDLE(uchar, unsigned char);
__DEFINE_XEN_GUEST_HANDLE(uint,  unsigned int);
DEFINE_XEN_GUEST_HANDLE(char);
DEFINE_XEN_GUEST_HANDLE(int);
DEFINE_XEN_GUEST_HANDLE(void);
DEFINE_XEN_GUEST_HANDLE(uint64_t);
DEFINE_XEN_GUEST_HANDLE(xen_pfn_t);
DEFINE_XEN_GUEST_HANDLE(xen_ulong_t);

/* Per-vCPU architectural state in vcpu_info. Unused by HVM/PVH guests. */
struct arch_vcpu_info {
    xen_ulong_t cr2;            /* PV only */
#if defined(__x86_64__)
    xen_ulong_t pad;
#else
    xen_ulong_t pad[5];         /* keeps sizeof(vcpu_info) == 64 */
#endif
};
typedef struct arch_vcpu_info arch_vcpu_info_t;

/* Architectural part of shared_info. PV only; zero for HVM/PVH. */
struct arch_shared_info {
    xen_ulong_t max_pfn;                        /* OUT: pseudo-phys size */
    xen_pfn_t   pfn_to_mfn_frame_list_list;     /* PV p2m */
    xen_ulong_t nmi_reason;
    xen_ulong_t p2m_cr3;
    xen_ulong_t p2m_vaddr;
    xen_ulong_t p2m_generation;
#if defined(__i386__)
    uint32_t    wc_sec_hi;      /* x86_64 keeps it in shared_info proper */
#endif
};
typedef struct arch_shared_info arch_shared_info_t;

#if defined(__x86_64__)
XEN_ABI_ASSERT(sizeof(struct arch_vcpu_info) == 16, "arch_vcpu_info size");
XEN_ABI_ASSERT(sizeof(struct arch_shared_info) == 48, "arch_shared_info size");
#else
XEN_ABI_ASSERT(sizeof(struct arch_vcpu_info) == 24, "arch_vcpu_info size");
XEN_ABI_ASSERT(sizeof(struct arch_shared_info) == 28, "arch_shared_info size");
#endif

/* The hypercall-page MSR index is in CPUID leaf base+2 (see cpuid.h). */

/*
 * The devices the hypervisor emulates for a domain
 * (xen_arch_domainconfig.emulation_flags in Xen's domctl). A PVH domain
 * has the local APIC only; an HVM one also the IOAPIC, HPET and RTC.
 */
#define XEN_X86_EMU_LAPIC       (1U << 0)
#define XEN_X86_EMU_HPET        (1U << 1)
#define XEN_X86_EMU_PM          (1U << 2)
#define XEN_X86_EMU_RTC         (1U << 3)
#define XEN_X86_EMU_IOAPIC      (1U << 4)
#define XEN_X86_EMU_PIC         (1U << 5)
#define XEN_X86_EMU_VGA         (1U << 6)
#define XEN_X86_EMU_IOMMU       (1U << 7)
#define XEN_X86_EMU_PIT         (1U << 8)
#define XEN_X86_EMU_USE_PIRQ    (1U << 9)
#define XEN_X86_EMU_VPCI        (1U << 10)

#endif
