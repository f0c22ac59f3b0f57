/*
 * hypercall-args: the hypervisor validates hypercall arguments.
 *   - pointers that do not translate (not mapped in the guest's page
 *     tables, non-canonical) or translate to unbacked guest-physical
 *     memory give -EFAULT (14), and nothing else happens;
 *   - unknown hypercall numbers and unknown sub-ops give -ENOSYS (38);
 *   - the control domain's hypercalls (platform_op, physdev_op's PCI
 *     notices, mca, CONSOLEIO_read, foreign memory_ops, domctl, sysctl,
 *     XENVER_commandline) give -EPERM (1) to this domain, with
 *     good and bad argument pointers alike;
 *   - xen_version answers are sane (major >= 4, strings NUL-terminated,
 *     capabilities non-empty) and agree with CPUID base+1;
 *   - a grant copy of 300 ops is continued until every op is done, in
 *     every mode (the compat layout for 32-bit callers).
 * Expected: PASS. Option bad=<addr> adds one more address to the bad list.
 */
#include "guest.h"
#include <public/grant_table.h>
#include <public/domctl.h>
#include <public/sysctl.h>

const char test_name[] = "hypercall-args";

static unsigned long bad_ptrs[4];
static unsigned int nr_bad;

static void setup_bad_ptrs(void)
{
#if defined(__x86_64__)
    /* Not mapped in our page tables (only 0-4 GiB is). */
    bad_ptrs[nr_bad++] = 0x10000000000UL;
    /* Non-canonical. */
    bad_ptrs[nr_bad++] = 0x8000000000000000UL;
#endif
    /* Mapped (or paging off) but no guest RAM there: 3.75 GiB. */
    bad_ptrs[nr_bad++] = 0xF0000000UL;
    bad_ptrs[nr_bad] = (unsigned long)cmdline_u64("bad", 0);
    if (bad_ptrs[nr_bad])
        nr_bad++;
}

/*
 * 32-bit guests need the compat layout of xen_add_to_physmap; a
 * hypervisor that does not offer it yet answers -ENOSYS. Tolerated (with a
 * note) unless the command line says `strict`.
 */
static void check_memory_op_efault(unsigned long p)
{
    long rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, p);

#if !defined(__x86_64__)
    if (rc == -ENOSYS && !cmdline_has("strict")) {
        printf("note: memory_op from 32-bit code gives -ENOSYS\n");
        return;
    }
#endif
    if (rc != -EFAULT)
        guest_fail("memory_op(add_to_physmap, %p) returned %ld, expected "
                   "-EFAULT", (void *)p, rc);
}

static void check_efault(void)
{
    unsigned int i;

    for (i = 0; i < nr_bad; i++) {
        unsigned long p = bad_ptrs[i];

        printf("bad pointer %p\n", (void *)p);
        CHECK_RC(HYPERVISOR_console_io(CONSOLEIO_write, 16, p), -EFAULT);
        CHECK_RC(HYPERVISOR_xen_version(XENVER_extraversion, p), -EFAULT);
        CHECK_RC(HYPERVISOR_xen_version(XENVER_compile_info, p), -EFAULT);
        CHECK_RC(HYPERVISOR_xen_version(XENVER_capabilities, p), -EFAULT);
        CHECK_RC(HYPERVISOR_xen_version(XENVER_get_features, p), -EFAULT);
        check_memory_op_efault(p);
        /* Must fail, not shut us down. */
        CHECK_RC(HYPERVISOR_sched_op(SCHEDOP_shutdown, p), -EFAULT);
    }
}

static void check_enosys(void)
{
    static const unsigned long numbers[] = {
        11, 43, 47, 56, 63, 64, 255, 1000, 0x80000000UL, ~0UL,
#if defined(__x86_64__)
        0x100000000UL + __HYPERVISOR_xen_version,   /* high bits set */
#endif
    };
    unsigned int i;

    for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
        long rc = hypercall_raw(numbers[i], 0, 0, 0, 0, 0);

        if (rc != -ENOSYS)
            guest_fail("hypercall 0x%lx returned %ld, expected -ENOSYS",
                       numbers[i], rc);
    }
    CHECK_RC(HYPERVISOR_xen_version(0x1000, 0), -ENOSYS);
    CHECK_RC(HYPERVISOR_sched_op(0x1000, 0), -ENOSYS);
    CHECK_RC(HYPERVISOR_memory_op(62, 0), -ENOSYS);
    CHECK_RC(HYPERVISOR_console_io(0x1000, 0, 0), -ENOSYS);
}

static bool nul_within(const char *s, size_t n)
{
    return strnlen(s, n) < n;
}

static void check_version(void)
{
    static xen_capabilities_info_t caps;
    static struct xen_compile_info ci;
    xen_extraversion_t extra;
    struct xen_feature_info fi;
    uint32_t base = xen_cpuid_base();
    long v;

    v = HYPERVISOR_xen_version(XENVER_version, 0);
    if (v < 0)
        guest_fail("XENVER_version returned %ld", v);
    printf("version %ld.%ld\n", v >> 16, v & 0xffff);
    ASSERT((v >> 16) >= 4);
    if (base)
        ASSERT((uint32_t)v == cpuid(base + 1).eax);

    memset(extra, 0xaa, sizeof(extra));
    CHECK_RC(HYPERVISOR_xen_version(XENVER_extraversion, extra), 0);
    ASSERT(nul_within(extra, sizeof(extra)));
    printf("extraversion \"%s\"\n", extra);

    memset(caps, 0xaa, sizeof(caps));
    CHECK_RC(HYPERVISOR_xen_version(XENVER_capabilities, caps), 0);
    ASSERT(nul_within(caps, sizeof(caps)));
    ASSERT(caps[0] != '\0');
    printf("capabilities \"%s\"\n", caps);

    memset(&ci, 0xaa, sizeof(ci));
    CHECK_RC(HYPERVISOR_xen_version(XENVER_compile_info, &ci), 0);
    ASSERT(nul_within(ci.compiler, sizeof(ci.compiler)));
    ASSERT(nul_within(ci.compile_by, sizeof(ci.compile_by)));
    ASSERT(nul_within(ci.compile_domain, sizeof(ci.compile_domain)));
    ASSERT(nul_within(ci.compile_date, sizeof(ci.compile_date)));
    printf("compiled by %s@%s with %s on %s\n", ci.compile_by,
           ci.compile_domain, ci.compiler, ci.compile_date);

    fi.submap_idx = 0;
    fi.submap = 0xdeadbeef;
    CHECK_RC(HYPERVISOR_xen_version(XENVER_get_features, &fi), 0);
    printf("features[0] 0x%x\n", fi.submap);
    fi.submap_idx = 1000;
    ASSERT(HYPERVISOR_xen_version(XENVER_get_features, &fi) < 0);
}

static void check_odd_sizes(void)
{
    static const char msg[] = "console_io with a short count works\n";
    long rc;

    CHECK_RC(HYPERVISOR_console_io(CONSOLEIO_write, sizeof(msg) - 1, msg),
             0);
    /* A huge count over valid memory: any answer, but we must survive. */
    rc = HYPERVISOR_console_io(CONSOLEIO_write, 1UL << 30, msg);
    printf("\nconsole_io with a 1 GiB count returned %ld\n", rc);
}

/* Privileged hypercalls: -EPERM before anything is read. */
static void check_eperm(void)
{
    static uint8_t arg[512];
    unsigned long ptrs[2] = { (unsigned long)arg, bad_ptrs[0] };
    unsigned int i;

    for (i = 0; i < 2; i++) {
        /* platform_op get_cpuinfo, with the right interface version */
        memset(arg, 0, sizeof(arg));
        arg[0] = 55;
        arg[4] = 0x01; arg[5] = 0x00; arg[6] = 0x00; arg[7] = 0x03;
        CHECK_RC(hypercall_raw(7, ptrs[i], 0, 0, 0, 0), -EPERM);
        CHECK_RC(hypercall_raw(33, 25, ptrs[i], 0, 0, 0), -EPERM);   /* pci_device_add */
        CHECK_RC(hypercall_raw(33, 24, ptrs[i], 0, 0, 0), -EPERM);   /* pci_mmcfg_reserved */
        CHECK_RC(hypercall_raw(48, ptrs[i], 0, 0, 0, 0), -EPERM);    /* mca */
        CHECK_RC(HYPERVISOR_console_io(1, 16, ptrs[i]), -EPERM);     /* CONSOLEIO_read */
    }
    CHECK_RC(hypercall_raw(33, 21, 0, 0, 0, 0), -ENOSYS);   /* a pirq sub-op: PV only */
    /* Foreign mappings (memory_op add_to_physmap_batch, acquire_resource,
     * remove_from_physmap) are dom0's. */
    CHECK_RC(hypercall_raw(12, 23, bad_ptrs[0], 0, 0, 0), -EPERM);
    CHECK_RC(hypercall_raw(12, 28, bad_ptrs[0], 0, 0, 0), -EPERM);
    CHECK_RC(hypercall_raw(12, 15, bad_ptrs[0], 0, 0, 0), -EPERM);
    /* domctl: the control domain's toolstack only. */
    for (i = 0; i < 2; i++)
        CHECK_RC(hypercall_raw(36, ptrs[i], 0, 0, 0, 0), -EPERM);
    CHECK_RC(HYPERVISOR_xen_version(XENVER_commandline, arg), -EPERM);
    /* Well-formed ones too: pausing dom0 or itself, its vCPUs, the log. */
    {
        static struct oryx_domctl dc;
        static struct oryx_sysctl sc;
        static const uint32_t dcmds[] = { XEN_DOMCTL_pausedomain, XEN_DOMCTL_unpausedomain,
                                          XEN_DOMCTL_getvcpuinfo, XEN_DOMCTL_getdomaininfo };
        static const uint32_t scmds[] = { XEN_SYSCTL_physinfo, XEN_SYSCTL_readconsole,
                                          XEN_SYSCTL_debug_keys, 99 };
        for (i = 0; i < sizeof(dcmds) / sizeof(dcmds[0]); i++) {
            memset(&dc, 0, sizeof(dc));
            dc.cmd = dcmds[i];
            dc.interface_version = ORYX_DOMCTL_INTERFACE_VERSION;
            dc.domain = (domid_t)(i & 1 ? 0 : DOMID_SELF);
            CHECK_RC(hypercall_raw(36, (unsigned long)&dc, 0, 0, 0, 0), -EPERM);
        }
        for (i = 0; i < sizeof(scmds) / sizeof(scmds[0]); i++) {
            memset(&sc, 0, sizeof(sc));
            sc.cmd = scmds[i];
            sc.interface_version = ORYX_SYSCTL_INTERFACE_VERSION;
            sc.u.readconsole.buffer = (unsigned long)arg;
            sc.u.readconsole.count = sizeof(arg);
            sc.u.readconsole.flags = ORYX_READCONSOLE_clear;
            CHECK_RC(hypercall_raw(35, (unsigned long)&sc, 0, 0, 0, 0), -EPERM);
            CHECK_RC(hypercall_raw(35, bad_ptrs[0], 0, 0, 0, 0), -EPERM);
        }
    }
}

/* A grant copy of more ops than one part: the hypervisor continues the
 * call (RIP stays on it, the registers move on) until all are done. */
static void check_continuation(void)
{
    static struct gnttab_copy ops[300];
    unsigned int i;

    for (i = 0; i < 300; i++) {
        memset(&ops[i], 0, sizeof(ops[i]));
        ops[i].source.domid = DOMID_SELF;
        ops[i].dest.domid = DOMID_SELF;
        ops[i].status = 99;
    }
    ops[299].source.domid = 0x7777;     /* not ours: the last status says so */
    CHECK_RC(HYPERVISOR_grant_table_op(GNTTABOP_copy, ops, 300), 0);
    for (i = 0; i < 299; i++)
        if (ops[i].status != GNTST_okay)
            guest_fail("copy op %u: status %d", i, ops[i].status);
    ASSERT(ops[299].status == GNTST_permission_denied);
    printf("grant copy of 300 ops: done in parts\n");
}

void test_main(void)
{
    setup_bad_ptrs();
    check_eperm();
    check_version();
    check_efault();
    check_enosys();
    check_odd_sizes();
    check_continuation();
}
