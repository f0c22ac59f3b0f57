/*
 * vcpu-up: VCPUOP_initialise, VCPUOP_up and VCPUOP_down for a PVH vCPU
 * (run with vcpus=3). vCPU 0:
 *  - VCPUOP_up of a vCPU that has no state: -EINVAL; of vCPU 99: -ENOENT;
 *    VCPUOP_initialise of itself (running): -EEXIST;
 *  - contexts hardware could not run are refused with -EINVAL and leave
 *    the vCPU without a state: an unknown mode, a pad set, a data segment
 *    in CS, EIP past CS's limit, SS.DPL != CS.DPL, a null TR, a reserved
 *    CR0, CR4 or EFER bit, 64B mode without paging or with a
 *    non-canonical RIP; a context it cannot read: -EFAULT;
 *  - gives vCPU 1 and 2 the state of its own paging (32B flat segments in
 *    the 32-bit modes, 64B in 64-bit mode), each with a stack and its
 *    index as the argument of ap_main, which counts in counters[index];
 *    a second VCPUOP_initialise: -EEXIST;
 *  - brings them up (the counts move, VCPUOP_is_up says 1), vCPU 1 down
 *    (its count stops, is_up 0, vCPU 2 goes on) and up again (it resumes).
 * With `last` it then takes vCPUs 1 and 2 down and itself last: the
 * domain must be powered off (as on Xen), not left with none running.
 * Expected: PASS (with last: "shutdown: poweroff", no PASS).
 */
#include "guest.h"
#include <public/vcpu.h>
#include <public/hvm/hvm_vcpu.h>

const char test_name[] = "vcpu-up";

#define MSR_EFER 0xC0000080
#define NR_AP 2
#define STACK 4096

static volatile unsigned long counters[NR_AP + 1];
static uint8_t stacks[NR_AP + 1][STACK] __attribute__((aligned(16)));

static __attribute__((noreturn, used)) void ap_main(unsigned long index)
{
    /* Yielding each time round: a spinning vCPU would keep vCPU 0 waiting
     * for whole time slices under an emulator. */
    for (;;) {
        counters[index]++;
        HYPERVISOR_sched_op(SCHEDOP_yield, 0);
    }
}

static unsigned long read_cr3(void)
{
    unsigned long v;

    asm volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

/* The context that runs ap_main(index) in this guest's own paging mode. */
static struct vcpu_hvm_context ap_context(unsigned int index)
{
    struct vcpu_hvm_context c;
    unsigned long top = (unsigned long)&stacks[index][STACK];

    memset(&c, 0, sizeof(c));
#if defined(__x86_64__)
    c.mode = VCPU_HVM_MODE_64B;
    c.cpu_regs.x86_64.rip = (unsigned long)ap_main;
    c.cpu_regs.x86_64.rdi = index;
    c.cpu_regs.x86_64.rsp = top - 8;            /* as after a call */
    c.cpu_regs.x86_64.rflags = 0x2;
    c.cpu_regs.x86_64.cr0 = read_cr0();
    c.cpu_regs.x86_64.cr3 = read_cr3();
    c.cpu_regs.x86_64.cr4 = read_cr4();
    c.cpu_regs.x86_64.efer = rdmsr(MSR_EFER);
#else
    struct vcpu_hvm_x86_32 *r = &c.cpu_regs.x86_32;
    uint32_t *sp = (uint32_t *)(top - 8);

    sp[1] = index;                              /* cdecl: the argument above the return address */
    sp[0] = 0;
    c.mode = VCPU_HVM_MODE_32B;
    r->eip = (uint32_t)(unsigned long)ap_main;
    r->esp = (uint32_t)(unsigned long)sp;
    r->eflags = 0x2;
    r->cr0 = (uint32_t)read_cr0();
    r->cr3 = (uint32_t)read_cr3();
    r->cr4 = (uint32_t)read_cr4();
    r->efer = rdmsr(MSR_EFER);
    r->cs_limit = r->ds_limit = r->ss_limit = r->es_limit = ~0u;
    r->tr_limit = 0x67;
    r->cs_ar = 0xC9B;                           /* 32-bit code, present, G */
    r->ds_ar = r->ss_ar = r->es_ar = 0xC93;     /* writable data */
    r->tr_ar = 0x8B;                            /* busy 32-bit TSS */
#endif
    return c;
}

static long initialise(unsigned int vcpu, struct vcpu_hvm_context *c)
{
    return HYPERVISOR_vcpu_op(VCPUOP_initialise, vcpu, c);
}

/* Refused with -EINVAL, and vCPU 1 still has no state. */
static void refused(const char *what, struct vcpu_hvm_context c)
{
    long rc = initialise(1, &c);

    if (rc != -EINVAL)
        guest_fail("%s: VCPUOP_initialise returned %ld, want -EINVAL", what, rc);
    rc = HYPERVISOR_vcpu_op(VCPUOP_up, 1, 0);
    if (rc != -EINVAL)
        guest_fail("%s: VCPUOP_up after the refusal returned %ld, want -EINVAL", what, rc);
}

static uint64_t now_ns(void)
{
    return pvclock_read_ns(&shared_info->vcpu_info[0].time);
}

/* vCPU i counts: its count moves by n within 10 s (a loaded host may
 * leave a vCPU waiting long for a CPU; a stuck one never moves). */
static bool moves(unsigned int i, unsigned long n)
{
    unsigned long c0 = counters[i];
    uint64_t end = now_ns() + 10000000000ULL;

    while (counters[i] - c0 < n)
        if (now_ns() > end)
            return false;
        else
            HYPERVISOR_sched_op(SCHEDOP_yield, 0);
    return true;
}

void test_main(void)
{
    struct vcpu_hvm_context c;
    unsigned long c1;
    long rc;

    if (!shared_info_map(&rc))
        guest_fail("add_to_physmap(shared_info) returned %ld", rc);

    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_up, 1, 0), -EINVAL);
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_up, 99, 0), -ENOENT);
    c = ap_context(0);
    CHECK_RC(initialise(0, &c), -EEXIST);
    CHECK_RC(initialise(1, (void *)0xF0000000UL), -EFAULT);

    c = ap_context(1);
    c.mode = 7;
    refused("mode 7", c);
    c = ap_context(1);
    c.pad = 1;
    refused("pad", c);
    c = ap_context(1);
#if defined(__x86_64__)
    c.cpu_regs.x86_64.cr0 |= 1ULL << 40;
    refused("reserved CR0 bit", c);
    c = ap_context(1);
    c.cpu_regs.x86_64.cr4 |= 1ULL << 31;
    refused("reserved CR4 bit", c);
    c = ap_context(1);
    c.cpu_regs.x86_64.efer |= 1ULL << 20;
    refused("unknown EFER bit", c);
    c = ap_context(1);
    c.cpu_regs.x86_64.cr0 &= ~0x80000000ULL;
    refused("64B without paging", c);
    c = ap_context(1);
    c.cpu_regs.x86_64.rip = 0x0000800000000000ULL;
    refused("non-canonical RIP", c);
#else
    c.cpu_regs.x86_32.cr0 |= 1u << 20;
    refused("reserved CR0 bit", c);
    c = ap_context(1);
    c.cpu_regs.x86_32.cr4 |= 1u << 31;
    refused("reserved CR4 bit", c);
    c = ap_context(1);
    c.cpu_regs.x86_32.efer |= 1ULL << 20;
    refused("unknown EFER bit", c);
    c = ap_context(1);
    c.cpu_regs.x86_32.cs_ar = 0xC93;
    refused("data segment in CS", c);
    c = ap_context(1);
    c.cpu_regs.x86_32.cs_ar = 0x49B;            /* byte granular: limit 0xFFFFF bytes */
    c.cpu_regs.x86_32.cs_limit = 0xFFF;
    refused("EIP past CS's limit", c);
    c = ap_context(1);
    c.cpu_regs.x86_32.ss_ar = 0xCF3;            /* DPL 3 */
    refused("SS.DPL != CS.DPL", c);
    c = ap_context(1);
    c.cpu_regs.x86_32.tr_ar = 0;
    refused("null TR", c);
#endif
    printf("bad contexts refused, vCPU 1 left without a state\n");

    for (unsigned int i = 1; i <= NR_AP; i++) {
        c = ap_context(i);
        CHECK_RC(initialise(i, &c), 0);
        CHECK_RC(initialise(i, &c), -EEXIST);
        CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_is_up, i, 0), 0);
        CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_up, i, 0), 0);
        if (!moves(i, 1))
            guest_fail("vCPU %u never counted after VCPUOP_up", i);
        CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_is_up, i, 0), 1);
    }
    printf("vCPUs 1 and 2 up, counting\n");

    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_down, 1, 0), 0);
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, 0), 0);
    /* A last count may land as it stops: look once vCPU 2 has gone round
     * a few times, then while vCPU 2 goes round 50 more. */
    if (!moves(2, 5))
        guest_fail("vCPU 2 stopped with vCPU 1");
    c1 = counters[1];
    if (!moves(2, 50))
        guest_fail("vCPU 2 stopped with vCPU 1");
    if (counters[1] != c1)
        guest_fail("vCPU 1 still counts after VCPUOP_down (%lu -> %lu)", c1, counters[1]);
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_up, 1, 0), 0);
    if (!moves(1, 1))
        guest_fail("vCPU 1 did not resume after a second VCPUOP_up");
    printf("vCPU 1 down (vCPU 2 on), then up again where it was\n");
    if (cmdline_has("last")) {
        /* The last vCPU running going down powers the domain off. */
        CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_down, 1, 0), 0);
        CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_down, 2, 0), 0);
        printf("about to down the last vCPU running\n");
        cons_flush();
        HYPERVISOR_vcpu_op(VCPUOP_down, 0, 0);
        guest_fail("still running after downing the last vCPU");
    }
}
