/*
 * The hypervisor CPUID leaves a Xen-compatible hypervisor exposes at base
 * 0x40000000 (a guest may scan 0x40000000..0x4000ff00 in steps of 0x100
 * for the signature).
 */
#ifndef ORYX_PUBLIC_ARCH_X86_CPUID_H
#define ORYX_PUBLIC_ARCH_X86_CPUID_H

#define XEN_CPUID_FIRST_LEAF   0x40000000U
#define XEN_CPUID_LEAF(i)      (XEN_CPUID_FIRST_LEAF + (i))

/*
 * Leaf base+0: EAX = largest hypervisor leaf (base+5);
 * EBX:ECX:EDX = "XenVMMXenVMM".
 */
#define XEN_CPUID_SIGNATURE_EBX 0x566e6558U   /* "XenV" */
#define XEN_CPUID_SIGNATURE_ECX 0x65584d4dU   /* "MMXe" */
#define XEN_CPUID_SIGNATURE_EDX 0x4d4d566eU   /* "nVMM" */
#define XEN_CPUID_MAX_NUM_LEAVES 5            /* base + 5 */

/* Leaf base+1: EAX = (major << 16) | minor; EBX = ECX = EDX = 0. */

/*
 * Leaf base+2: EAX = number of hypercall pages (1); EBX = MSR index to
 * write (gpa of the page | page number) to fill a hypercall page;
 * ECX = XEN_CPUID_FEAT1_* flags; EDX = 0.
 */
#define XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD (1U << 0)

/*
 * Leaf base+3 (sub-leaves 0..2): TSC mode and frequency.
 *   sub-leaf 0: EAX mode, EBX tsc_mode, ECX guest tsc kHz, EDX incarnation
 *   sub-leaf 1: EAX:EBX tsc offset, ECX mul, EDX shift (pvclock scale)
 *   sub-leaf 2: EAX host tsc kHz
 */

/* Leaf base+4: HVM features (per vCPU). EAX flags below, EBX vCPU id
 * (when VCPU_ID_PRESENT), ECX domid (when DOMID_PRESENT). */
#define XEN_HVM_CPUID_APIC_ACCESS_VIRT  (1U << 0)
#define XEN_HVM_CPUID_X2APIC_VIRT       (1U << 1)
#define XEN_HVM_CPUID_IOMMU_MAPPINGS    (1U << 2)
#define XEN_HVM_CPUID_VCPU_ID_PRESENT   (1U << 3)
#define XEN_HVM_CPUID_DOMID_PRESENT     (1U << 4)
#define XEN_HVM_CPUID_EXT_DEST_ID       (1U << 5)
#define XEN_HVM_CPUID_UPCALL_VECTOR     (1U << 6)

/* Leaf base+5: PV features; zero for HVM/PVH guests. */

/* The hypercall-page MSR Xen reports in leaf base+2 EBX. */
#define XEN_HYPERCALL_MSR_DEFAULT 0x40000000U

/*
 * Layout of a hypercall page as Xen fills it: 32-byte stubs, stub i
 * invokes hypercall i ("mov $i, %eax; vmmcall; ret" on AMD).
 */
#define XEN_HYPERCALL_STUB_SIZE 32

#endif
