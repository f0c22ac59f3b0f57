/* A PVH domU's ACPI tables and console ring (oryx/domain_platform.h). */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/acpi_build.h>
#include <oryx/vconsole.h>
#include <oryx/domain_platform.h>
#include <asm/page.h>
#include <asm/hvm.h>
#include <public/xen.h>

/* ACPI tables at GUEST_ACPI_GPA, in pages the domain owns, listed in its
 * memory map as ACPI. */
static int build_acpi(struct domain *d, struct pvh_mem_range *range, uint64_t *rsdp,
                      const char **why)
{
    bool pc = domain_has_pc_chipset(d);
    size_t need = acpi_build_size(d->nr_vcpus, pc);
    struct acpi_build_result res;
    unsigned int order = 0;
    int rc;

    if (!need) {
        *why = "too many vCPUs for the ACPI tables";
        return -EINVAL;
    }
    while ((PAGE_SIZE << order) < need)
        order++;
    d->acpi_tables = page_alloc_zeroed(order, &d->acct);
    if (!d->acpi_tables) {
        *why = "no memory for the ACPI tables";
        return -ENOMEM;
    }
    d->acpi_order = order;
    struct acpi_build_params p = { .nr_vcpus = d->nr_vcpus, .gpa = GUEST_ACPI_GPA, .pc = pc };
    rc = acpi_build_tables(&p, __va(d->acpi_tables), PAGE_SIZE << order, &res, why);
    if (rc)
        return rc;
    rc = p2m_map(&d->p2m, GUEST_ACPI_GPA, d->acpi_tables, PAGE_SIZE << order, P2M_R | P2M_W);
    if (rc) {
        *why = "cannot map the ACPI tables";
        return rc;
    }
    *range = (struct pvh_mem_range){ .addr = GUEST_ACPI_GPA, .size = PAGE_SIZE << order,
                                     .type = XEN_HVM_MEMMAP_TYPE_ACPI };
    *rsdp = res.rsdp_gpa;
    return 0;
}

int domain_platform_init(struct domain *d, struct domain_platform *p, bool hv_console,
                         const char **why)
{
    int rc = build_acpi(d, &p->extra[0], &p->rsdp, why);

    if (rc)
        return rc;
    rc = hvm_domain_devices_init(d);
    if (rc) {
        *why = "no memory for its emulated devices";
        return rc;
    }
    if (hv_console) {
        rc = vconsole_domain_init(d, GUEST_CONSOLE_GFN);
        if (rc) {
            *why = "cannot set up the console ring";
            return rc;
        }
    } else {
        /* dom0's back ends serve the rings: pages of the domain's own, which
         * the toolstack grants to dom0 and names in the HVM params. */
        rc = domain_ram_add_page(d, GUEST_CONSOLE_GFN);
        if (!rc)
            rc = domain_ram_add_page(d, GUEST_XENSTORE_GFN);
        if (rc) {
            *why = "no memory for the console and store ring pages";
            return rc;
        }
    }
    p->extra[1] = (struct pvh_mem_range){ .addr = GUEST_SPECIAL_GPA, .size = GUEST_SPECIAL_SIZE,
                                          .type = XEN_HVM_MEMMAP_TYPE_RESERVED };
    return 0;
}
