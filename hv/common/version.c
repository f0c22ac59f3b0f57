/* xen_version: the version and build facts a Xen guest asks for. */
#include <oryx/lib.h>
#include <oryx/version.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <asm/bootinfo.h>
#include <asm/guest_access.h>
#include <oryx/hypercall.h>
#include <public/version.h>
#include <public/features.h>


/* Features this build offers to PVH guests (submap 0); XENFEAT_dom0 says
 * the caller is the control domain. */
static uint32_t features_submap0(struct vcpu *v)
{
    return (1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_auto_translated_physmap) |
           (1u << XENFEAT_hvm_callback_vector) | (1u << XENFEAT_hvm_safe_pvclock) |
           (is_control_domain(v->domain) ? 1u << XENFEAT_dom0 : 0);
}

static long put(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    return copy_to_guest(v, gva, src, len) ? -EFAULT : 0;
}

long do_xen_version(struct vcpu *v, const struct hcall_args *args)
{
    uint64_t arg = args->a[1];

    switch (args->a[0]) {
    case XENVER_version:
        return (ORYX_XEN_MAJOR << 16) | ORYX_XEN_MINOR;
    case XENVER_extraversion: {
        xen_extraversion_t s = ".0-oryx";
        return put(v, arg, s, sizeof(s));
    }
    case XENVER_compile_info: {
        struct xen_compile_info ci;
        memset(&ci, 0, sizeof(ci));
        strlcpy(ci.compiler, __VERSION__, sizeof(ci.compiler));
        strlcpy(ci.compile_by, "oryx", sizeof(ci.compile_by));
        strlcpy(ci.compile_domain, "oryx.local", sizeof(ci.compile_domain));
        strlcpy(ci.compile_date, __DATE__ " " __TIME__, sizeof(ci.compile_date));
        return put(v, arg, &ci, sizeof(ci));
    }
    case XENVER_capabilities: {
        static const char caps[] = "hvm-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p";
        return put(v, arg, caps, sizeof(caps));
    }
    case XENVER_changeset: {
        char cs[64] = "oryx";
        return put(v, arg, cs, sizeof(cs));
    }
    case XENVER_get_features: {
        struct xen_feature_info fi;
        if (copy_from_guest(v, &fi, arg, sizeof(fi)))
            return -EFAULT;
        if (fi.submap_idx != 0)
            return -EINVAL;
        fi.submap = features_submap0(v);
        return put(v, arg, &fi, sizeof(fi));
    }
    case XENVER_pagesize:
        return PAGE_SIZE;
    case XENVER_commandline: {
        /* The control domain's only (xl info), as Xen's default policy. */
        xen_commandline_t cl;
        if (!is_control_domain(v->domain))
            return -EPERM;
        memset(cl, 0, sizeof(cl));
        strlcpy(cl, boot_info.cmdline, sizeof(cl));
        return put(v, arg, cl, sizeof(cl));
    }
    default:
        return -ENOSYS;
    }
}
