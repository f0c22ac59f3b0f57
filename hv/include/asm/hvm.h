/*
 * Vendor-neutral hardware-virtualisation interface. svm.c (and later
 * vmx.c) fill one struct hvm_ops; nothing outside the vendor directory
 * knows which one runs.
 */
#ifndef ASM_HVM_H
#define ASM_HVM_H

#include <oryx/types.h>
#include <asm/guest_walk.h>
#include <asm/insn.h>

struct vcpu;
struct domain;

/* A segment register as the vendor code loads it: attr in the 12-bit
 * form of vcpu_hvm_context (type/S/DPL/P, then AVL/L/DB/G). */
struct hvm_seg {
    uint16_t sel, attr;
    uint32_t limit;
    uint64_t base;
};

/* A whole start state (VCPUOP_initialise), checked by the caller. */
struct hvm_vcpu_state {
    uint64_t gpr[8];            /* rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi */
    uint64_t rip, rflags;
    uint64_t cr0, cr3, cr4, efer;
    struct hvm_seg cs, ds, ss, es, tr;
};

struct hvm_ops {
    const char *name;
    int (*cpu_up)(void);                        /* enable on this CPU */
    /* This CPU is about to halt idle, interrupts off: whatever must hold
     * for an interrupt to wake it. */
    void (*cpu_idle)(void);
    int (*vcpu_init)(struct vcpu *v);
    void (*vcpu_destroy)(struct vcpu *v);
    /* PVH start state: 32-bit flat protected mode, paging off. */
    void (*vcpu_set_pvh_entry)(struct vcpu *v, uint32_t eip, uint32_t ebx);
    /* Real-mode start at vector << 12 (an AP after INIT-SIPI). */
    void (*vcpu_set_realmode_entry)(struct vcpu *v, uint8_t vector);
    /* Any start state (VCPUOP_initialise); FS, GS, LDTR, GDTR, IDTR null. */
    void (*vcpu_set_state)(struct vcpu *v, const struct hvm_vcpu_state *s);
    /* Enter the guest once; returns after the exit has been handled.
     * Called with interrupts disabled; returns with them enabled. */
    void (*vcpu_run)(struct vcpu *v);
    void (*inject_exception)(struct vcpu *v, unsigned int vector, int errcode);
    void (*get_paging)(struct vcpu *v, struct guest_paging *pg);
    enum insn_mode (*insn_mode)(struct vcpu *v);
    int (*cpl)(struct vcpu *v);
    uint64_t (*cs_base)(struct vcpu *v);
    uint64_t (*get_efer)(struct vcpu *v);       /* as the guest sees it */
    void (*set_efer)(struct vcpu *v, uint64_t efer);
    uint64_t (*get_pat)(struct vcpu *v);
    void (*set_pat)(struct vcpu *v, uint64_t pat);
    void (*set_cr0)(struct vcpu *v, uint64_t cr0);      /* checked by the caller; */
    void (*set_cr4)(struct vcpu *v, uint64_t cr4);      /* set_cr0 keeps EFER.LMA right */
    uint64_t (*get_dr)(struct vcpu *v, unsigned int n); /* DR6 or DR7 */
    void (*get_idtr)(struct vcpu *v, uint64_t *base, uint32_t *limit);
    void (*set_dr)(struct vcpu *v, unsigned int n, uint64_t val);
    /* Segment register n (ES CS SS DS FS GS, then 6: LDTR, 7: TR), as the
     * CPU holds it; set_seg loads one (n 0-5) as an instruction would. */
    void (*get_seg)(struct vcpu *v, unsigned int n, struct hvm_seg *s);
    void (*set_seg)(struct vcpu *v, unsigned int n, const struct hvm_seg *s);
    void (*get_gdtr)(struct vcpu *v, uint64_t *base, uint32_t *limit);
    void (*set_cpl)(struct vcpu *v, unsigned int cpl);
    /* STAR, LSTAR, CSTAR, SFMASK (SYSCALL's MSRs), as the guest set them. */
    void (*get_syscall_msrs)(struct vcpu *v, uint64_t msr[4]);
    void (*set_cr2)(struct vcpu *v, uint64_t cr2);      /* before injecting #PF */
    /* INT n delivered with RIP already past it (gate checks made). */
    void (*inject_swint)(struct vcpu *v, unsigned int vector);
};

extern const struct hvm_ops *hvm;

/* Picks the vendor back end (sets hvm) at boot; -ENODEV without one. */
int hvm_setup(void);

/* Vendor probes: return their ops, or NULL with a printed reason. */
const struct hvm_ops *svm_probe(void);

/* Vendor-neutral exit handlers (hvm.c). Each returns true when the
 * instruction completed and RIP must move past it. */
bool hvm_handle_cpuid(struct vcpu *v);
/* At boot: what follows from the guest CPUID policy (the CR4 mask). */
void hvm_cpuid_init(void);
/* The CR4 bits a guest may set (its CPUID's features). */
uint64_t hvm_cr4_valid_bits(void);
struct vcpu_hvm_context;
/* VCPUOP_initialise: t's start state from c, checked; 0 or -EINVAL. */
long hvm_vcpu_initialise(struct vcpu *t, const struct vcpu_hvm_context *c);
bool hvm_handle_msr(struct vcpu *v, bool write);
bool hvm_handle_hypercall(struct vcpu *v);
bool hvm_handle_hlt(struct vcpu *v);
bool hvm_handle_io(struct vcpu *v, uint16_t port, unsigned int size, bool in,
                   bool string, bool rep);
/* The nested page fault's error code (AMD APM 15.25.6), as the vendor
 * back end and the instruction emulator give it to hvm_handle_npf. */
#define NPF_PRESENT     (1ULL << 0)
#define NPF_WRITE       (1ULL << 1)
#define NPF_USER        (1ULL << 2)
#define NPF_RSVD        (1ULL << 3)     /* a reserved bit in a nested entry */
#define NPF_FETCH       (1ULL << 4)
#define NPF_FINAL_GPA   (1ULL << 32)    /* the access itself, not a page walk */
void hvm_handle_npf(struct vcpu *v, uint64_t gpa, uint64_t error);
/* Emulated MMIO (mmio.c): a range of d's guest-physical space served by
 * handlers (0 or -ENOSPC); hvm_mmio_emulate() is true when gpa was in one
 * and the access was dealt with (done, or the domain crashed). */
struct hvm_mmio_range;
int hvm_mmio_register(struct domain *d, const struct hvm_mmio_range *r);
bool hvm_mmio_emulate(struct vcpu *v, uint64_t gpa);
/* A hole in a domain with a PC's chipset (type=hvm): reads all-ones,
 * writes dropped, for the instructions the MMIO emulator knows. */
bool hvm_mmio_emulate_absent(struct vcpu *v, uint64_t gpa);
bool hvm_mmio_emulate_range(struct vcpu *v, uint64_t gpa, const struct hvm_mmio_range *r);
/* The devices emulated for d (its emulation flags): made with its platform,
 * their timers stopped with its vCPUs, freed at its teardown (devices.c). */
int hvm_domain_devices_init(struct domain *d);
void hvm_domain_devices_stop(struct domain *d);
void hvm_domain_destroy(struct domain *d);
/* MOV to a CR, MOV to/from a DR: emulated from the instruction they
 * decode, whose length they return (0: RIP stays, a fault was injected
 * or the instruction must run again). */
unsigned int hvm_handle_cr_write(struct vcpu *v, unsigned int cr);
unsigned int hvm_handle_dr_access(struct vcpu *v, unsigned int dr, bool write);
void hvm_handle_invalid_state(struct vcpu *v, uint64_t cr0, uint64_t cr3, uint64_t cr4,
                              uint64_t efer);
/* DR0-DR3 into the CPU before entry, when the guest's DR7 needs them. */
void hvm_debugreg_load(struct vcpu *v);
/* DR0-DR3 and MSR_DEBUGCTL back to zero; no CPU holds this vCPU's values
 * any more. */
void hvm_debugreg_reset(struct vcpu *v);
/* MSR_DEBUGCTL: the guest's value; a write returns false (the caller
 * raises #GP) for bits the vCPU may not set. */
uint64_t hvm_debugctl_read(struct vcpu *v);
bool hvm_debugctl_write(struct vcpu *v, uint64_t val);
void hvm_handle_triple_fault(struct vcpu *v);
/* ICEBP (icebp.c): the instruction at RIP raised the ICEBP intercept, or
 * #UD (an emulator that does not know ICEBP). Both return the length to
 * move RIP past when #DB was injected as ICEBP's trap, 0 when RIP stays
 * (a fault injected, #UD passed on, or the instruction is no longer
 * there: run it again). */
unsigned int hvm_handle_icebp(struct vcpu *v);
unsigned int hvm_handle_ud(struct vcpu *v);
/* The forced-emulation prefix (fep.c, boot option hvm_fep): true when the
 * #UD at RIP was the prefix and the instruction after it was emulated (or
 * its fault injected); false to treat the #UD as usual. */
bool hvm_fep_handle(struct vcpu *v);
void hvm_fep_init(void);        /* at boot: the warning when enabled */

/* Interrupt sources, in the order they are delivered. */
enum hvm_intr_src { HVM_INTR_NONE, HVM_INTR_NMI, HVM_INTR_UPCALL, HVM_INTR_LAPIC };
enum hvm_intr_src hvm_next_interrupt(struct vcpu *v, int *vector);
/* Something waits for this vCPU: an NMI, an upcall (callback vector or
 * not) or a LAPIC interrupt. Ends SCHEDOP_block and HLT at once. */
bool hvm_events_pending(struct vcpu *v);
void hvm_vcpu_init_signal(struct vcpu *v);
/* v left the run queues until it is started again (sched_remove_vcpu):
 * its timers stop. */
void hvm_vcpu_down(struct vcpu *v);
void hvm_vcpu_sipi(struct vcpu *v, uint8_t vector);
void hvm_vcpu_reset(struct vcpu *v);    /* state every vCPU starts from */
void hvm_fpu_switch_to(struct vcpu *v); /* this CPU's FPU registers become v's */
void hvm_vcpu_forget(struct vcpu *v);   /* v is going away: no CPU keeps its state */

/* Length of the instruction at the guest's RIP (fetched through its page
 * tables); 0 after injecting #PF/#UD when it cannot be decoded. */
unsigned int hvm_insn_length(struct vcpu *v);
/* Fetch and decode the instruction at RIP; on failure the domain has been
 * crashed (-EFAULT) or #UD injected (-EINVAL). */
int hvm_insn_fetch(struct vcpu *v, struct insn_info *info);
/* General register n in ModRM numbering (0 = rAX ... 15 = r15). */
uint64_t *hvm_gpr(struct vcpu *v, unsigned int n);
/* MOV to/from a control or debug register at RIP (0F 20-23 = opcode):
 * the CR/DR number, the general register and the length. -EINVAL if the
 * instruction is something else (the caller decides what that means). */
int hvm_decode_mov_crdr(struct vcpu *v, uint8_t opcode, unsigned int *num,
                        unsigned int *gpr, unsigned int *len);

#endif
