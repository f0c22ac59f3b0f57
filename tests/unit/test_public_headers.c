/*
 * Run-time cross-check of the public guest-ABI headers: the numbers and
 * offsets the hypervisor and Linux agree on (pvh-linux-abi.md), checked
 * again here so that a wrong edit shows up as a named failing case even
 * where a static assertion was forgotten.
 */
#include "unit.h"

#include <stddef.h>
#include <public/xen.h>
#include <public/version.h>
#include <public/features.h>
#include <public/sched.h>
#include <public/memory.h>
#include <public/event_channel.h>
#include <public/vcpu.h>
#include <public/grant_table.h>
#include <public/hvm/params.h>
#include <public/hvm/hvm_op.h>
#include <public/arch-x86/cpuid.h>
#include <public/elfnote.h>
#include <public/arch-x86/hvm/start_info.h>
#include <public/domctl.h>
#include <public/sysctl.h>

static void hypercall_numbers(void)
{
    CHECK_EQ(__HYPERVISOR_memory_op, 12);
    CHECK_EQ(__HYPERVISOR_set_timer_op, 15);
    CHECK_EQ(__HYPERVISOR_xen_version, 17);
    CHECK_EQ(__HYPERVISOR_console_io, 18);
    CHECK_EQ(__HYPERVISOR_grant_table_op, 20);
    CHECK_EQ(__HYPERVISOR_vcpu_op, 24);
    CHECK_EQ(__HYPERVISOR_sched_op, 29);
    CHECK_EQ(__HYPERVISOR_event_channel_op, 32);
    CHECK_EQ(__HYPERVISOR_hvm_op, 34);
    CHECK_EQ(__HYPERVISOR_hypfs_op, 42);
    CHECK(XEN_HYPERCALL_NR > __HYPERVISOR_arch_7);
}

static void sub_op_numbers(void)
{
    CHECK_EQ(XENVER_get_features, 6);
    CHECK_EQ(XENVER_build_id, 10);
    CHECK_EQ(SCHEDOP_shutdown, 2);
    CHECK_EQ(SCHEDOP_poll, 3);
    CHECK_EQ(SHUTDOWN_crash, 3);
    CHECK_EQ(SHUTDOWN_watchdog, 4);
    CHECK_EQ(XENMEM_add_to_physmap, 7);
    CHECK_EQ(XENMAPSPACE_grant_table, 1);
    CHECK_EQ(VCPUOP_set_singleshot_timer, 8);
    CHECK_EQ(VCPUOP_register_vcpu_info, 10);
    CHECK_EQ(EVTCHNOP_init_control, 11);
    CHECK_EQ(GNTTABOP_set_version, 8);
    CHECK_EQ(HVMOP_set_evtchn_upcall_vector, 23);
    CHECK_EQ(HVM_PARAM_CONSOLE_EVTCHN, 18);
    CHECK_EQ(DOMID_SELF, 0x7FF0);
}

static void shared_info_layout(void)
{
    CHECK_EQ(sizeof(struct vcpu_info), 64);
    CHECK_EQ(offsetof(struct vcpu_info, time), 32);
    CHECK_EQ(sizeof(struct shared_info), 3136);
    CHECK_EQ(offsetof(struct shared_info, evtchn_mask), 2560);
    CHECK_EQ(offsetof(struct shared_info, wc_version), 3072);
    CHECK_EQ(offsetof(struct vcpu_time_info, tsc_shift), 28);
    CHECK(sizeof(struct shared_info) <= XEN_PAGE_SIZE);
    CHECK_EQ(EVTCHN_2L_NR_CHANNELS, 4096);
}

static void hypercall_structs(void)
{
    CHECK_EQ(sizeof(struct xen_add_to_physmap), 24);
    CHECK_EQ(offsetof(struct xen_add_to_physmap, gpfn), 16);
    CHECK_EQ(sizeof(struct compat_add_to_physmap), 16);
    CHECK_EQ(sizeof(struct xen_compile_info), 144);
    CHECK_EQ(sizeof(struct sched_poll), 24);
    CHECK_EQ(sizeof(struct evtchn_status), 24);
    CHECK_EQ(sizeof(struct vcpu_set_singleshot_timer), 16);
    CHECK_EQ(sizeof(struct xen_hvm_param), 16);
    CHECK_EQ(sizeof(struct gnttab_query_size), 16);
    CHECK_EQ(sizeof(struct grant_entry_v1), 8);
}

/* The toolstack's control interfaces: Xen's numbers where they mean the same. */
static void control_interfaces(void)
{
    CHECK_EQ(__HYPERVISOR_sysctl, 35);
    CHECK_EQ(__HYPERVISOR_domctl, 36);
    CHECK_EQ(XEN_DOMCTL_pausedomain, 3);
    CHECK_EQ(XEN_DOMCTL_unpausedomain, 4);
    CHECK_EQ(XEN_DOMCTL_getvcpuinfo, 14);
    CHECK_EQ(XEN_SYSCTL_readconsole, 1);
    CHECK_EQ(XEN_SYSCTL_physinfo, 3);
    CHECK_EQ(sizeof(struct oryx_domctl), 128);
    CHECK_EQ(sizeof(struct oryx_sysctl), 128);
    CHECK_EQ(offsetof(struct oryx_domctl_getdomaininfo, start_ns), 72);
    CHECK_EQ(offsetof(struct oryx_domctl_getvcpuinfo, cpu), 16);
    CHECK_EQ(offsetof(struct oryx_sysctl_readconsole, head), 24);
    CHECK_EQ(offsetof(struct oryx_sysctl_physinfo, uptime_ns), 32);
}

static void cpuid_signature(void)
{
    char sig[13];
    uint32_t r[3] = { XEN_CPUID_SIGNATURE_EBX, XEN_CPUID_SIGNATURE_ECX,
                      XEN_CPUID_SIGNATURE_EDX };

    memcpy(sig, r, 12);
    sig[12] = 0;
    CHECK(strcmp(sig, "XenVMMXenVMM") == 0);
    CHECK_EQ(XEN_CPUID_LEAF(2), 0x40000002);
}

UNIT_MAIN("public_headers")
{
    TEST_RUN(hypercall_numbers);
    TEST_RUN(sub_op_numbers);
    TEST_RUN(shared_info_layout);
    TEST_RUN(hypercall_structs);
    TEST_RUN(cpuid_signature);
    TEST_RUN(control_interfaces);
}
