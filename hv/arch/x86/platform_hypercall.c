/*
 * platform_op, for the control domain only: what Linux asks of the
 * physical machine at boot. The CPUs are described (its xen_cpu driver
 * and ACPI processor code use them), and the wall clock is set: Linux
 * sets it when its clock steps and every 11 minutes, but after a refusal
 * it tries again at every tick. Firmware and power-management calls are
 * refused with -ENOSYS, which Linux takes silently (pvh-dom0-abi.md §1.2).
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/hypercall.h>
#include <oryx/pvclock.h>
#include <asm/guest_access.h>
#include <asm/percpu.h>
#include <public/platform.h>

#define NS_PER_SEC 1000000000ULL

/* The wall clock is secs.nsecs at system time system_ns: UNIX ns at 0. */
static long settime(uint64_t secs, uint32_t nsecs, uint64_t system_ns)
{
    if (nsecs >= NS_PER_SEC || secs > UINT64_MAX / NS_PER_SEC - 1)
        return -EINVAL;
    uint64_t unix_ns = secs * NS_PER_SEC + nsecs;
    if (system_ns > unix_ns)
        return -EINVAL;                 /* before 1970 at our boot */
    pvclock_set_wallclock(unix_ns - system_ns);
    return 0;
}

long do_platform_op(struct vcpu *v, const struct hcall_args *args)
{
    struct xen_platform_op op;
    struct xenpf_pcpuinfo *pi = &op.u.pcpu_info;

    if (!is_control_domain(v->domain))
        return -EPERM;
    if (copy_from_guest(v, &op, args->a[0], sizeof(op)))
        return -EFAULT;
    if (op.interface_version != XENPF_INTERFACE_VERSION)
        return -EACCES;
    switch (op.cmd) {
    case XENPF_get_cpuinfo:
        pi->max_present = nr_cpus - 1;
        if (pi->xen_cpuid >= nr_cpus || !cpu_data[pi->xen_cpuid]) {
            pi->flags = XEN_PCPU_FLAGS_INVALID;
            pi->apic_id = pi->acpi_id = 0;
        } else {
            pi->flags = cpu_data[pi->xen_cpuid]->online ? XEN_PCPU_FLAGS_ONLINE : 0;
            pi->apic_id = cpu_data[pi->xen_cpuid]->apic_id;
            pi->acpi_id = pi->apic_id;      /* the MADT's processor UIDs on PCs */
        }
        return copy_to_guest(v, args->a[0], &op, sizeof(op)) ? -EFAULT : 0;
    case XENPF_settime32:
        return settime(op.u.settime32.secs, op.u.settime32.nsecs, op.u.settime32.system_time);
    case XENPF_settime64:
        if (op.u.settime64.mbz)
            return -EINVAL;
        return settime(op.u.settime64.secs, op.u.settime64.nsecs, op.u.settime64.system_time);
    default:
        return -ENOSYS;
    }
}
