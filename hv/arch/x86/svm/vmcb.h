/*
 * The AMD SVM Virtual Machine Control Block (AMD64 APM vol. 2, appendix B).
 * One 4 KiB page per vCPU: control area at 0x000, state save area at 0x400.
 */
#ifndef SVM_VMCB_H
#define SVM_VMCB_H

#include <oryx/types.h>

/* Intercept vector 3 (offset 0x00C) */
#define INTERCEPT_INTR      (1u << 0)
#define INTERCEPT_NMI       (1u << 1)
#define INTERCEPT_SMI       (1u << 2)
#define INTERCEPT_INIT      (1u << 3)
#define INTERCEPT_VINTR     (1u << 4)
#define INTERCEPT_RDPMC     (1u << 15)
#define INTERCEPT_CPUID     (1u << 18)
#define INTERCEPT_RSM       (1u << 19)
#define INTERCEPT_INVD      (1u << 22)
#define INTERCEPT_PAUSE     (1u << 23)
#define INTERCEPT_HLT       (1u << 24)
#define INTERCEPT_INVLPGA   (1u << 26)
#define INTERCEPT_IOIO      (1u << 27)
#define INTERCEPT_MSR       (1u << 28)
#define INTERCEPT_TASKSW    (1u << 29)
#define INTERCEPT_CR0_SEL   (1u << 5)     /* CR0 writes changing more than TS/MP */
#define INTERCEPT_IRET      (1u << 20)
#define INTERCEPT_SHUTDOWN  (1u << 31)
/* Intercept vector 4 (offset 0x010) */
#define INTERCEPT_VMRUN     (1u << 0)
#define INTERCEPT_VMMCALL   (1u << 1)
#define INTERCEPT_VMLOAD    (1u << 2)
#define INTERCEPT_VMSAVE    (1u << 3)
#define INTERCEPT_STGI      (1u << 4)
#define INTERCEPT_CLGI      (1u << 5)
#define INTERCEPT_SKINIT    (1u << 6)
#define INTERCEPT_RDTSCP    (1u << 7)
#define INTERCEPT_ICEBP     (1u << 8)
#define INTERCEPT_WBINVD    (1u << 9)
#define INTERCEPT_MONITOR   (1u << 10)
#define INTERCEPT_MWAIT     (1u << 11)
#define INTERCEPT_XSETBV    (1u << 13)

/* Exit codes */
#define VMEXIT_EXCP_BASE    0x040
#define VMEXIT_INTR         0x060
#define VMEXIT_NMI          0x061
#define VMEXIT_SMI          0x062
#define VMEXIT_INIT         0x063
#define VMEXIT_VINTR        0x064
#define VMEXIT_RDPMC        0x06F
#define VMEXIT_CPUID        0x072
#define VMEXIT_RSM          0x073
#define VMEXIT_INVD         0x076
#define VMEXIT_PAUSE        0x077
#define VMEXIT_HLT          0x078
#define VMEXIT_INVLPGA      0x07A
#define VMEXIT_IOIO         0x07B
#define VMEXIT_MSR          0x07C
#define VMEXIT_TASK_SWITCH  0x07D
#define VMEXIT_SHUTDOWN     0x07F
#define VMEXIT_VMRUN        0x080
#define VMEXIT_VMMCALL      0x081
#define VMEXIT_VMLOAD       0x082
#define VMEXIT_VMSAVE       0x083
#define VMEXIT_STGI         0x084
#define VMEXIT_CLGI         0x085
#define VMEXIT_SKINIT       0x086
#define VMEXIT_RDTSCP       0x087
#define VMEXIT_ICEBP        0x088
#define VMEXIT_WBINVD       0x089
#define VMEXIT_MONITOR      0x08A
#define VMEXIT_MWAIT        0x08B
#define VMEXIT_XSETBV       0x08D
#define VMEXIT_NPF          0x400
#define VMEXIT_INVALID      ((uint64_t)-1)
/* QEMU's TCG reports the invalid-state exit as a 32-bit -1. */
#define VMEXIT_INVALID_32   0xFFFFFFFFULL
#define VMEXIT_CR0_WRITE    0x010
#define VMEXIT_DR0_READ     0x020
#define VMEXIT_DR0_WRITE    0x030
#define VMEXIT_CR0_SEL_WRITE 0x065
#define VMEXIT_IRET         0x074

/* EVENTINJ / EXITINTINFO */
#define EVENT_TYPE_MASK     (7u << 8)
#define EVENT_TYPE_INTR     (0u << 8)
#define EVENT_TYPE_NMI      (2u << 8)
#define EVENT_TYPE_EXCEPTION (3u << 8)
#define EVENT_TYPE_SWINT    (4u << 8)
#define EVENT_ERR_VALID     (1u << 11)
#define EVENT_VALID         (1u << 31)

/* TLB_CONTROL */
#define TLB_CONTROL_NONE        0
#define TLB_CONTROL_FLUSH_ALL   1
#define TLB_CONTROL_FLUSH_ASID  3

/* V_INTR fields of the 64-bit word at 0x060 */
#define VINTR_IRQ           (1ULL << 8)
#define VINTR_PRIO_SHIFT    16
#define VINTR_IGN_TPR       (1ULL << 20)
#define VINTR_MASKING       (1ULL << 24)
#define VINTR_VECTOR_SHIFT  32

struct vmcb_seg {
    uint16_t sel;
    uint16_t attrib;        /* descriptor bits 40-47 and 52-55, packed */
    uint32_t limit;
    uint64_t base;
} __packed;
_Static_assert(sizeof(struct vmcb_seg) == 16, "VMCB segment");

struct vmcb {
    /* Control area */
    uint16_t cr_read_icpt, cr_write_icpt;           /* 0x000 */
    uint16_t dr_read_icpt, dr_write_icpt;           /* 0x004 */
    uint32_t exception_icpt;                        /* 0x008 */
    uint32_t icpt3;                                 /* 0x00C */
    uint32_t icpt4;                                 /* 0x010 */
    uint32_t icpt5;                                 /* 0x014 */
    uint8_t  rsvd0[0x03C - 0x018];
    uint16_t pause_filter_thresh;                   /* 0x03C */
    uint16_t pause_filter_count;                    /* 0x03E */
    uint64_t iopm_base_pa;                          /* 0x040 */
    uint64_t msrpm_base_pa;                         /* 0x048 */
    uint64_t tsc_offset;                            /* 0x050 */
    uint32_t asid;                                  /* 0x058 */
    uint8_t  tlb_control;                           /* 0x05C */
    uint8_t  rsvd1[3];
    uint64_t vintr;                                 /* 0x060 */
    uint64_t interrupt_shadow;                      /* 0x068 */
    uint64_t exitcode;                              /* 0x070 */
    uint64_t exitinfo1;                             /* 0x078 */
    uint64_t exitinfo2;                             /* 0x080 */
    uint64_t exitintinfo;                           /* 0x088 */
    uint64_t np_enable;                             /* 0x090 */
    uint64_t avic_apic_bar;                         /* 0x098 */
    uint64_t ghcb_pa;                               /* 0x0A0 */
    uint64_t eventinj;                              /* 0x0A8 */
    uint64_t n_cr3;                                 /* 0x0B0 */
    uint64_t virt_ext;                              /* 0x0B8 */
    uint32_t clean_bits;                            /* 0x0C0 */
    uint32_t rsvd2;
    uint64_t nrip;                                  /* 0x0C8 */
    uint8_t  insn_len;                              /* 0x0D0 */
    uint8_t  insn_bytes[15];                        /* 0x0D1 */
    uint8_t  rsvd3[0x400 - 0x0E0];

    /* State save area */
    struct vmcb_seg es, cs, ss, ds, fs, gs;         /* 0x400 */
    struct vmcb_seg gdtr, ldtr, idtr, tr;           /* 0x460 */
    uint8_t  rsvd4[0x4CB - 0x4A0];
    uint8_t  cpl;                                   /* 0x4CB */
    uint32_t rsvd5;
    uint64_t efer;                                  /* 0x4D0 */
    uint8_t  rsvd6[0x548 - 0x4D8];
    uint64_t cr4;                                   /* 0x548 */
    uint64_t cr3;                                   /* 0x550 */
    uint64_t cr0;                                   /* 0x558 */
    uint64_t dr7;                                   /* 0x560 */
    uint64_t dr6;                                   /* 0x568 */
    uint64_t rflags;                                /* 0x570 */
    uint64_t rip;                                   /* 0x578 */
    uint8_t  rsvd7[0x5D8 - 0x580];
    uint64_t rsp;                                   /* 0x5D8 */
    uint64_t s_cet, ssp, isst_addr;                 /* 0x5E0 */
    uint64_t rax;                                   /* 0x5F8 */
    uint64_t star, lstar, cstar, sfmask;            /* 0x600 */
    uint64_t kernel_gs_base;                        /* 0x620 */
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip; /* 0x628 */
    uint64_t cr2;                                   /* 0x640 */
    uint8_t  rsvd8[0x668 - 0x648];
    uint64_t g_pat;                                 /* 0x668 */
    uint64_t dbgctl;                                /* 0x670 */
    uint64_t br_from, br_to, lastexcp_from, lastexcp_to; /* 0x678 */
    uint8_t  rsvd9[0x1000 - 0x698];
} __packed;

_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");
_Static_assert(offsetof(struct vmcb, icpt3) == 0x00C, "VMCB intercepts");
_Static_assert(offsetof(struct vmcb, iopm_base_pa) == 0x040, "VMCB IOPM");
_Static_assert(offsetof(struct vmcb, asid) == 0x058, "VMCB ASID");
_Static_assert(offsetof(struct vmcb, vintr) == 0x060, "VMCB V_INTR");
_Static_assert(offsetof(struct vmcb, exitcode) == 0x070, "VMCB exitcode");
_Static_assert(offsetof(struct vmcb, np_enable) == 0x090, "VMCB NP enable");
_Static_assert(offsetof(struct vmcb, eventinj) == 0x0A8, "VMCB EVENTINJ");
_Static_assert(offsetof(struct vmcb, n_cr3) == 0x0B0, "VMCB nCR3");
_Static_assert(offsetof(struct vmcb, nrip) == 0x0C8, "VMCB nRIP");
_Static_assert(offsetof(struct vmcb, es) == 0x400, "VMCB save area");
_Static_assert(offsetof(struct vmcb, tr) == 0x490, "VMCB TR");
_Static_assert(offsetof(struct vmcb, cpl) == 0x4CB, "VMCB CPL");
_Static_assert(offsetof(struct vmcb, efer) == 0x4D0, "VMCB EFER");
_Static_assert(offsetof(struct vmcb, cr4) == 0x548, "VMCB CR4");
_Static_assert(offsetof(struct vmcb, rip) == 0x578, "VMCB RIP");
_Static_assert(offsetof(struct vmcb, rsp) == 0x5D8, "VMCB RSP");
_Static_assert(offsetof(struct vmcb, rax) == 0x5F8, "VMCB RAX");
_Static_assert(offsetof(struct vmcb, star) == 0x600, "VMCB STAR");
_Static_assert(offsetof(struct vmcb, cr2) == 0x640, "VMCB CR2");
_Static_assert(offsetof(struct vmcb, g_pat) == 0x668, "VMCB G_PAT");

#endif
