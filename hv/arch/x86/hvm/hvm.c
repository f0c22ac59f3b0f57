/*
 * Vendor-neutral exit handling: the guest's CPUID policy, MSRs, port I/O,
 * HLT, nested page faults, triple faults, and fetching the intercepted
 * instruction to learn its length (no decode assists under QEMU).
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/hypercall.h>
#include <oryx/sched.h>
#include <asm/hvm.h>
#include <asm/guest_access.h>
#include <asm/cpu.h>
#include <asm/page.h>
#include <public/arch-x86/cpuid.h>
#include <public/xen.h>
#include <public/sched.h>
#include <public/hvm/params.h>
#include <asm/percpu.h>
#include <asm/vlapic.h>
#include <asm/dom0.h>
#include <asm/vrtc.h>

const struct hvm_ops *hvm;

int hvm_setup(void)
{
    uint32_t a, b, c, d;

    hvm = svm_probe();
    if (!hvm)
        return -ENODEV;
    cpuid(0x80000008, &a, &b, &c, &d);
    guest_access_init(a & 0xff);
    hvm_cpuid_init();
    hvm_fep_init();
    return 0;
}

const char *const exit_names[EXIT_NR] = {
    [EXIT_CPUID] = "cpuid", [EXIT_HYPERCALL] = "hypercall", [EXIT_HLT] = "hlt",
    [EXIT_IO] = "io", [EXIT_MSR] = "msr", [EXIT_NPF] = "npf", [EXIT_INTR] = "intr",
    [EXIT_SHUTDOWN] = "shutdown", [EXIT_EXCEPTION] = "exception",
    [EXIT_VIRT_INSN] = "virt-insn", [EXIT_VINTR] = "vintr", [EXIT_PAUSE] = "pause",
    [EXIT_CR] = "cr", [EXIT_DR] = "dr", [EXIT_IRET] = "iret",
    [EXIT_OTHER] = "other",
};


/*
 * No device sits behind any port: reads float high, writes are dropped.
 * The table lists the ports that read otherwise, and why.
 */
static const struct {
    uint16_t port;
    uint32_t value;
} port_reads[] = {
    /* PIT channel 2's counter: Linux's quick PIT calibration first waits
     * for MSB 0xFF and would spin ~100,000 exits on all-ones; 0 makes it
     * give up at once (the guest takes its TSC rate from pvclock). */
    { 0x42, 0 },
};

static uint32_t port_read_value(uint16_t port)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(port_reads); i++)
        if (port_reads[i].port == port)
            return port_reads[i].value;
    return 0xFFFFFFFF;
}

/* An IN's value into AL, AX or EAX (zero-extended into RAX). */
static void io_set_result(struct vcpu *v, unsigned int size, uint32_t data)
{
    uint64_t ones = size == 1 ? 0xFF : size == 2 ? 0xFFFF : 0xFFFFFFFF;

    v->arch.regs.rax = (v->arch.regs.rax & ~ones) | (data & ones);
    if (size == 4)
        v->arch.regs.rax &= 0xFFFFFFFF;
}

bool hvm_handle_io(struct vcpu *v, uint16_t port, unsigned int size, bool in,
                   bool string, bool rep)
{
    (void)rep;
    if (string) {
        /* INS/OUTS: nothing behind our ports; skip it like a bus abort
         * would. Count and pointers are left as is. */
        printk_lvl(LOG_DEBUG, "d%u: string I/O on port %#x ignored\n", v->domain->id, port);
        return true;
    }
    uint32_t data = (uint32_t)v->arch.regs.rax;
    if ((is_control_domain(v->domain) && dom0_handle_io(v, port, size, in, &data)) ||
        vrtc_handle_io(v, port, size, in, &data)) {
        if (in)
            io_set_result(v, size, data);
        return true;
    }
    if (in)
        io_set_result(v, size, port_read_value(port));
    return true;
}

/*
 * A fault on a page the nested tables do map: the access is one they
 * refuse (a write to a page mapped read-only, a grant or foreign page
 * mapped so) or they changed since (another CPU remapped or unmapped
 * it: the access is simply retried).
 * A refused write is Xen's #GP in the guest, reported once per domain;
 * true when handled, false for the caller's fatal path (a fetch).
 */
static bool npf_on_mapping(struct vcpu *v, uint64_t gpa, uint64_t error)
{
    struct domain *d = v->domain;
    unsigned int perms;

    if (error & NPF_RSVD)
        return false;                   /* our tables are broken */
    if (p2m_query(&d->p2m, gpa, NULL, &perms, NULL))
        return true;                    /* unmapped since: the retry faults anew */
    if (!(error & NPF_WRITE) || (perms & P2M_W))
        return !(error & NPF_FETCH) || (perms & P2M_X);
    if (!(__atomic_fetch_or(&d->arch.npf_warned, NPF_WARNED_RO_WRITE, __ATOMIC_RELAXED) &
          NPF_WARNED_RO_WRITE))
        printk_lvl(LOG_WARN, "d%u: write to read-only guest-physical %#lx: #GP (reported "
                   "once)\n", d->id, (unsigned long)gpa);
    hvm->inject_exception(v, X86_EXC_GP, 0);
    return true;
}

void hvm_handle_npf(struct vcpu *v, uint64_t gpa, uint64_t error)
{
    char why[96];

    if (hvm_mmio_emulate(v, gpa))
        return;
    if ((error & NPF_PRESENT) && npf_on_mapping(v, gpa, error))
        return;
    if (is_control_domain(v->domain) && !(error & NPF_PRESENT) &&
        dom0_handle_npf(v, gpa, error))
        return;
    /* A hole in a PC's address space: only a data access by the
     * instruction itself (the final translation, not the guest's own
     * page walk or an event's delivery) to nothing mapped at all. */
    if (domain_has_pc_chipset(v->domain) && !(error & (NPF_PRESENT | NPF_FETCH)) &&
        (error & NPF_FINAL_GPA) && hvm_mmio_emulate_absent(v, gpa))
        return;

    snprintf(why, sizeof(why), "%s guest-physical %#lx (%s)",
             (error & NPF_PRESENT) ? "refused access to" : "access to unmapped",
             (unsigned long)gpa,
             (error & NPF_WRITE) ? "write" : (error & NPF_FETCH) ? "fetch" : "read");
    domain_crash(v->domain, why);
}

void hvm_handle_triple_fault(struct vcpu *v)
{
    domain_crash(v->domain, "triple fault");
}

int hvm_insn_fetch(struct vcpu *v, struct insn_info *info)
{
    enum insn_mode mode = hvm->insn_mode(v);
    gvaddr_t rip = v->arch.regs.rip + hvm->cs_base(v);
    uint8_t buf[15];
    size_t got = fetch_from_guest(v, buf, rip, sizeof(buf));

    if (!got) {
        char why[96];
        gpaddr_t gpa = 0;
        uint32_t pfec = 0;
        int rc = guest_translate(v, rip, GW_FETCH, &gpa, &pfec);
        snprintf(why, sizeof(why), "cannot fetch the instruction at %#lx (walk %d, pfec %#x, gpa %#lx)",
                 (unsigned long)rip, rc, pfec, (unsigned long)gpa);
        domain_crash(v->domain, why);
        return -EFAULT;
    }
    if (insn_decode(buf, got, mode, info)) {
        hvm->inject_exception(v, X86_EXC_UD, -1);
        return -EINVAL;
    }
    return 0;
}

unsigned int hvm_insn_length(struct vcpu *v)
{
    struct insn_info info;

    return hvm_insn_fetch(v, &info) ? 0 : info.len;
}

uint64_t *hvm_gpr(struct vcpu *v, unsigned int n)
{
    struct guest_regs *r = &v->arch.regs;
    /* ModRM order: rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
    uint64_t *const map[16] = {
        &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi, &r->rdi,
        &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15,
    };

    return map[n & 15];
}

int hvm_decode_mov_crdr(struct vcpu *v, uint8_t opcode, unsigned int *num,
                        unsigned int *gpr, unsigned int *len)
{
    struct insn_info info;

    if (hvm_insn_fetch(v, &info))
        return -EFAULT;
    if (info.opcode_map != INSN_MAP_0F || info.opcode != opcode || !info.has_modrm)
        return -EINVAL;
    *num = info.reg;            /* REX.R included: CR8, or #UD for DR8+ */
    *gpr = info.rm;             /* the register operand whatever ModRM.mod says */
    *len = info.len;
    return 0;
}

/* ---- interrupts, INIT/SIPI, FPU ---------------------------------------- */

static int callback_vector(struct domain *d)
{
    uint64_t cb = d->hvm_params[HVM_PARAM_CALLBACK_IRQ];

    return (cb >> 56) == 2 ? (int)(cb & 0xFF) : -1;     /* type 2: a vector */
}

/*
 * NMI first (unless one is being handled: held until its IRET), then the
 * event-channel upcall (a level: it is offered again while vcpu_info says
 * an upcall is pending; it bypasses the LAPIC), then the highest
 * deliverable LAPIC vector.
 */
enum hvm_intr_src hvm_next_interrupt(struct vcpu *v, int *vector)
{
    struct vcpu_info *vi = vcpu_info_of(v);
    int cb;

    if (v->arch.vlapic.nmi_pending && !v->arch.nmi_masked) {
        *vector = 2;
        return HVM_INTR_NMI;
    }
    if (vi && vi->evtchn_upcall_pending && (cb = callback_vector(v->domain)) >= 0) {
        *vector = cb;
        return HVM_INTR_UPCALL;
    }
    if ((*vector = vlapic_pending_vector(v)) >= 0)
        return HVM_INTR_LAPIC;
    return HVM_INTR_NONE;
}

bool hvm_events_pending(struct vcpu *v)
{
    struct vcpu_info *vi = vcpu_info_of(v);

    return v->arch.vlapic.nmi_pending ||
           (vi && __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_ACQUIRE)) ||
           vlapic_pending_vector(v) >= 0;
}

void hvm_vcpu_reset(struct vcpu *v)
{
    vlapic_init(v);
    v->arch.fpu_initialised = false;
    v->arch.nmi_masked = v->arch.nmi_iret_seen = false;
    hvm_debugreg_reset(v);
}

void hvm_vcpu_init_signal(struct vcpu *v)
{
    v->arch.vlapic.init_pending = true;
    if (v->state != VCPU_DOWN)
        sched_remove_vcpu(v);   /* INIT to a running vCPU: back to wait-for-SIPI */
    vlapic_reset(v);            /* as at power-up, but for its ID and base (SDM 10.4.7.3) */
}

void hvm_vcpu_down(struct vcpu *v)
{
    vlapic_timer_stop(v);
}

void hvm_vcpu_sipi(struct vcpu *v, uint8_t vector)
{
    struct domain *d = v->domain;
    /* Under the domain's lock, as VCPUOP_initialise and VCPUOP_up: the
     * look at the vCPU and its new state are one step, so no other start
     * path writes its VMCB or starts it in between. */
    unsigned long f = spin_lock_irqsave(&d->lock);

    if (!v->arch.vlapic.init_pending || v->state != VCPU_DOWN || v->is_running ||
        (d->state != DOMAIN_RUNNING && d->state != DOMAIN_PAUSED)) {
        spin_unlock_irqrestore(&d->lock, f);
        return;                 /* SIPI only leaves wait-for-SIPI; a second one is ignored */
    }
    /* One sent just as the domain was paused still starts the vCPU: it is
     * runnable and queued when the domain is unpaused. */
    v->arch.vlapic.init_pending = false;
    hvm->vcpu_set_realmode_entry(v, vector);
    sched_start_vcpu(v);
    spin_unlock_irqrestore(&d->lock, f);
    printk_lvl(LOG_DEBUG, "(d%u) %s: vCPU%u started at %#x (SIPI)\n", d->id, d->name, v->id,
               (unsigned int)vector << 12);
}

bool hvm_handle_hlt(struct vcpu *v)
{
    struct domain *d = v->domain;

    if (!(v->arch.regs.rflags & X86_EFLAGS_IF)) {
        /* cli; hlt: this vCPU is done. All of them done = powered off. */
        bool all_down = true;
        sched_remove_vcpu(v);
        for (unsigned int i = 0; i < d->nr_vcpus; i++)
            if (d->vcpus[i]->state != VCPU_DOWN)
                all_down = false;
        if (all_down)
            domain_shutdown(d, SHUTDOWN_poweroff);
        return true;
    }
    vcpu_block(v);              /* falls through when something is pending */
    return true;
}

void hvm_fpu_switch_to(struct vcpu *v)
{
    struct per_cpu *pc = this_cpu();
    struct vcpu *old = pc->fpu_owner;

    if (old == v)
        return;
    if (old)
        asm volatile("fxsaveq %0" : "=m"(old->arch.fxsave));
    if (!v->arch.fpu_initialised) {
        memset(v->arch.fxsave, 0, sizeof(v->arch.fxsave));
        *(uint16_t *)&v->arch.fxsave[0] = 0x37F;        /* FCW at reset */
        *(uint32_t *)&v->arch.fxsave[24] = 0x1F80;      /* MXCSR at reset */
        v->arch.fpu_initialised = true;
    }
    asm volatile("fxrstorq %0" : : "m"(v->arch.fxsave));
    pc->fpu_owner = v;
}

void hvm_vcpu_forget(struct vcpu *v)
{
    for (unsigned int i = 0; i < nr_cpus; i++)
        if (cpu_data[i] && cpu_data[i]->fpu_owner == v)
            cpu_data[i]->fpu_owner = NULL;
    hvm_debugreg_reset(v);
    vlapic_destroy(v);
}
