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
#include <asm/cpu.h>
#include <asm/page.h>
#include <public/arch-x86/cpuid.h>
#include <public/xen.h>

const struct hvm_ops *hvm;

#define ORYX_XEN_MAJOR 4
#define ORYX_XEN_MINOR 17

static void cpuid_xen_leaves(struct vcpu *v, uint32_t leaf, struct guest_regs *r)
{
    uint32_t idx = leaf - XEN_CPUID_FIRST_LEAF;

    r->rax = r->rbx = r->rcx = r->rdx = 0;
    switch (idx) {
    case 0:
        r->rax = XEN_CPUID_FIRST_LEAF + XEN_CPUID_MAX_NUM_LEAVES;
        r->rbx = XEN_CPUID_SIGNATURE_EBX;
        r->rcx = XEN_CPUID_SIGNATURE_ECX;
        r->rdx = XEN_CPUID_SIGNATURE_EDX;
        break;
    case 1:
        r->rax = (ORYX_XEN_MAJOR << 16) | ORYX_XEN_MINOR;
        break;
    case 2:
        r->rax = 1;                             /* hypercall pages */
        r->rbx = XEN_HYPERCALL_MSR_DEFAULT;
        break;
    case 4:
        r->rax = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT;
        r->rbx = v->id;
        r->rcx = v->domain->id;
        break;
    default:
        break;      /* leaves 3 and 5: nothing offered yet */
    }
}

bool hvm_handle_cpuid(struct vcpu *v)
{
    struct guest_regs *r = &v->arch.regs;
    uint32_t leaf = (uint32_t)r->rax, sub = (uint32_t)r->rcx;
    uint32_t a, b, c, d;

    if (leaf >= XEN_CPUID_FIRST_LEAF && leaf < XEN_CPUID_FIRST_LEAF + 0x10000) {
        if (leaf <= XEN_CPUID_FIRST_LEAF + XEN_CPUID_MAX_NUM_LEAVES)
            cpuid_xen_leaves(v, leaf, r);
        else
            r->rax = r->rbx = r->rcx = r->rdx = 0;
        return true;
    }
    cpuid_count(leaf, sub, &a, &b, &c, &d);
    switch (leaf) {
    case 1:
        c |= 1u << 31;                  /* running under a hypervisor */
        c &= ~((1u << 5) | (1u << 3));  /* no VMX, no MONITOR/MWAIT */
        c &= ~(1u << 26 | 1u << 27);    /* no XSAVE/OSXSAVE: not context-switched yet */
        c &= ~(1u << 28);               /* no AVX either */
        b = (b & 0x00FFFFFF) | ((uint32_t)v->id << 24);    /* initial APIC ID */
        b = (b & 0xFF00FFFF) | ((uint32_t)v->domain->nr_vcpus << 16);
        break;
    case 7:
        if (sub == 0)
            b &= ~((1u << 5) | (1u << 16) | (1u << 30) | (1u << 31)); /* AVX2, AVX-512 */
        break;
    case 0xD:
        a = b = c = d = 0;
        break;
    case 0x80000001:
        c &= ~((1u << 2) | (1u << 3));  /* no SVM, no ExtApicSpace */
        break;
    case 0x8000000A:
        a = b = c = d = 0;              /* SVM features: none */
        break;
    default:
        break;
    }
    r->rax = a;
    r->rbx = b;
    r->rcx = c;
    r->rdx = d;
    return true;
}

/* The hypercall page: one 32-byte stub per hypercall, "mov $nr, %eax;
 * vmmcall; ret". */
static int write_hypercall_page(struct vcpu *v, uint64_t val)
{
    struct domain *d = v->domain;
    gpaddr_t gpa = val & PAGE_MASK;
    uint8_t page[PAGE_SIZE];

    if (val & ~PAGE_MASK)
        return -EINVAL;         /* only page 0 exists */
    memset(page, 0xCC, sizeof(page));   /* int3 between stubs */
    for (unsigned int i = 0; i < PAGE_SIZE / XEN_HYPERCALL_STUB_SIZE; i++) {
        uint8_t *s = page + i * XEN_HYPERCALL_STUB_SIZE;
        s[0] = 0xB8;
        s[1] = i & 0xff; s[2] = i >> 8; s[3] = 0; s[4] = 0;
        s[5] = 0x0F; s[6] = 0x01; s[7] = 0xD9;
        s[8] = 0xC3;
    }
    return copy_to_gpa(d, gpa, page, sizeof(page));
}

bool hvm_handle_msr(struct vcpu *v, bool write)
{
    struct guest_regs *r = &v->arch.regs;
    uint32_t msr = (uint32_t)r->rcx;
    uint64_t val = (r->rdx << 32) | (uint32_t)r->rax;

    if (write) {
        switch (msr) {
        case MSR_EFER:
            if (val & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
                goto gp;
            hvm->set_efer(v, val);
            return true;
        case XEN_HYPERCALL_MSR_DEFAULT:
            if (write_hypercall_page(v, val))
                goto gp;
            return true;
        case MSR_PAT:
            hvm->set_pat(v, val);
            return true;
        case 0xC0010117:        /* VM_HSAVE_PA: no nested SVM */
            goto gp;
        default:
            /* Writes to MSRs we do not model are dropped (as Xen does for
             * many harmless ones) but logged once per vCPU at debug level. */
            printk_lvl(LOG_DEBUG, "d%u v%u: ignored wrmsr %#x <- %#lx\n",
                       v->domain->id, v->id, msr, (unsigned long)val);
            return true;
        }
    }
    switch (msr) {
    case MSR_EFER:
        val = hvm->get_efer(v);
        break;
    case MSR_PAT:
        val = hvm->get_pat(v);
        break;
    case MSR_APIC_BASE:
        val = 0xFEE00000ULL | (1ULL << 11) | (v->id == 0 ? (1ULL << 8) : 0);
        break;
    case 0xC0010114:            /* VM_CR: SVM disabled, locked */
        val = (1ULL << 4) | (1ULL << 3);
        break;
    case 0x10:                  /* TSC */
        val = rdtsc();
        break;
    default:
        printk_lvl(LOG_DEBUG, "d%u v%u: rdmsr %#x unmodelled: #GP\n",
                   v->domain->id, v->id, msr);
        goto gp;
    }
    r->rax = (uint32_t)val;
    r->rdx = val >> 32;
    return true;
gp:
    hvm->inject_exception(v, 13, 0);
    return false;
}

bool hvm_handle_hlt(struct vcpu *v)
{
    vcpu_block(v);
    return true;
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
    if (in) {
        /* No device behind any port: reads float high. */
        uint64_t ones = size == 1 ? 0xFF : size == 2 ? 0xFFFF : 0xFFFFFFFF;
        v->arch.regs.rax = (v->arch.regs.rax & ~ones) | ones;
        if (size == 4)
            v->arch.regs.rax &= 0xFFFFFFFF;
    }
    return true;
}

void hvm_handle_npf(struct vcpu *v, uint64_t gpa, uint64_t error)
{
    char why[96];

    snprintf(why, sizeof(why), "access to unmapped guest-physical %#lx (%s)",
             (unsigned long)gpa, (error & 2) ? "write" : (error & 0x10) ? "fetch" : "read");
    domain_crash(v->domain, why);
}

void hvm_handle_triple_fault(struct vcpu *v)
{
    domain_crash(v->domain, "triple fault");
}

/* Guest memory access for the page walker: guest-physical, RAM only. */
static int walk_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    return copy_from_gpa(opaque, buf, gpa, len);
}

static int walk_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    return copy_to_gpa(opaque, gpa, buf, len);
}

static int guest_translate(struct vcpu *v, gvaddr_t gva, unsigned int access,
                           gpaddr_t *gpa, uint32_t *pfec)
{
    struct guest_paging pg = { 0 };
    struct guest_mem_ops ops = { walk_read, walk_write, v->domain };
    static unsigned int maxphy;

    if (!maxphy) {
        uint32_t a, b, c, d;
        cpuid(0x80000008, &a, &b, &c, &d);
        maxphy = a & 0xff;
    }
    hvm->get_paging(v, &pg);
    pg.maxphyaddr = maxphy;
    if (hvm->cpl(v) == 3)
        access |= GW_USER;
    return guest_walk(&pg, &ops, gva, access, gpa, pfec);
}

static int guest_copy(struct vcpu *v, gvaddr_t gva, void *buf, size_t len,
                      bool write, unsigned int access)
{
    while (len) {
        size_t chunk = MIN(len, PAGE_SIZE - (gva & (PAGE_SIZE - 1)));
        gpaddr_t gpa;
        uint32_t pfec;
        int rc = guest_translate(v, gva, access | (write ? GW_WRITE : 0), &gpa, &pfec);

        if (rc)
            return -EFAULT;
        rc = write ? copy_to_gpa(v->domain, gpa, buf, chunk)
                   : copy_from_gpa(v->domain, buf, gpa, chunk);
        if (rc)
            return -EFAULT;
        gva += chunk;
        buf = (uint8_t *)buf + chunk;
        len -= chunk;
    }
    return 0;
}

int copy_from_guest(struct vcpu *v, void *dst, gvaddr_t gva, size_t len)
{
    return guest_copy(v, gva, dst, len, false, 0);
}

int copy_to_guest(struct vcpu *v, gvaddr_t gva, const void *src, size_t len)
{
    return guest_copy(v, gva, (void *)src, len, true, 0);
}

unsigned int hvm_insn_length(struct vcpu *v)
{
    enum insn_mode mode = hvm->insn_mode(v);
    gvaddr_t rip = v->arch.regs.rip + hvm->cs_base(v);
    uint8_t buf[15];
    size_t got = 0;
    struct insn_info info;

    /* Fetch up to 15 bytes, stopping at the first page that fails. */
    while (got < sizeof(buf)) {
        size_t chunk = MIN(sizeof(buf) - got, PAGE_SIZE - ((rip + got) & (PAGE_SIZE - 1)));
        if (guest_copy(v, rip + got, buf + got, chunk, false, GW_FETCH))
            break;
        got += chunk;
    }
    if (!got) {
        char why[96];
        gpaddr_t gpa = 0;
        uint32_t pfec = 0;
        int rc = guest_translate(v, rip, GW_FETCH, &gpa, &pfec);
        snprintf(why, sizeof(why), "cannot fetch the instruction at %#lx (walk %d, pfec %#x, gpa %#lx)",
                 (unsigned long)rip, rc, pfec, (unsigned long)gpa);
        domain_crash(v->domain, why);
        return 0;
    }
    int rc = insn_decode(buf, got, mode, &info);
    if (rc) {
        hvm->inject_exception(v, 6, -1);
        return 0;
    }
    return info.len;
}
