/*
 * The mca hypercall, for the control domain: the physical CPUs' identity
 * (XEN_MC_physcpuinfo), which Linux's xen_mcelog reads at boot before it
 * offers /dev/mcelog. Oryx reports no machine checks yet, so nothing is
 * ever fetched; every other command is -ENOSYS.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/hypercall.h>
#include <asm/cpu.h>
#include <asm/guest_access.h>
#include <asm/percpu.h>
#include <public/arch-x86/xen-mca.h>

static void describe(unsigned int cpu, struct mcinfo_logical_cpu *c)
{
    uint32_t a, b, cx, d, fam, model;

    memset(c, 0, sizeof(*c));
    cpuid(0, &a, &b, &cx, &d);
    c->mc_cpuid_level = (int32_t)a;
    memcpy(c->mc_vendorid, &b, 4);
    memcpy(c->mc_vendorid + 4, &d, 4);
    memcpy(c->mc_vendorid + 8, &cx, 4);
    cpuid(1, &a, &b, &cx, &d);
    fam = (a >> 8) & 0xF;
    model = (a >> 4) & 0xF;
    if (fam == 0xF)
        fam += (a >> 20) & 0xFF;
    if (fam >= 6)
        model |= ((a >> 16) & 0xF) << 4;
    c->mc_family = fam;
    c->mc_model = model;
    c->mc_step = a & 0xF;
    c->mc_cpu_caps[0] = d;
    c->mc_cpu_caps[4] = cx;
    c->mc_cpunr = cpu;
    c->mc_chipid = cpu;          /* one package per CPU, as the MADT shows them */
    c->mc_apicid = cpu_data[cpu]->apic_id;
    c->mc_ncores = c->mc_ncores_active = c->mc_nthreads = 1;
}

long do_mca(struct vcpu *v, const struct hcall_args *args)
{
    struct xen_mc mc;
    struct mcinfo_logical_cpu c;
    uint32_t n;

    if (!is_control_domain(v->domain))
        return -EPERM;
    if (copy_from_guest(v, &mc, args->a[0], sizeof(mc)))
        return -EFAULT;
    if (mc.interface_version != XEN_MCA_INTERFACE_VERSION)
        return -EACCES;
    if (mc.cmd != XEN_MC_physcpuinfo)
        return -ENOSYS;
    if (mc.u.mc_physcpuinfo.info) {
        n = MIN(mc.u.mc_physcpuinfo.ncpus, nr_cpus);
        for (uint32_t i = 0; i < n; i++) {
            describe(i, &c);
            if (copy_to_guest(v, mc.u.mc_physcpuinfo.info + i * sizeof(c), &c, sizeof(c)))
                return -EFAULT;
        }
    }
    mc.u.mc_physcpuinfo.ncpus = nr_cpus;
    return copy_to_guest(v, args->a[0], &mc, sizeof(mc)) ? -EFAULT : 0;
}
