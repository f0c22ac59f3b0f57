/*
 * What every PVH domU finds beside its RAM, whoever builds it (boot
 * modules or the toolstack): ACPI tables (RSDP, XSDT, FADT, DSDT, MADT for
 * its vCPUs) and the "special pages" holding its console ring, served by
 * the hypervisor (vconsole.c), or its console and xenstore rings, served
 * by dom0's toolstack. Guest-physical places are libxl's
 * (pvh-linux-abi.md §1.4).
 */
#ifndef ORYX_DOMAIN_PLATFORM_H
#define ORYX_DOMAIN_PLATFORM_H

#include <oryx/types.h>
#include <oryx/pvh_build.h>

struct domain;

#define GUEST_ACPI_GPA      0xFC000000ULL
#define GUEST_SPECIAL_GPA   0xFEFF8000ULL  /* "special pages": rings */
#define GUEST_SPECIAL_SIZE  0x8000ULL
#define GUEST_CONSOLE_GFN   0xFEFFFULL     /* console ring page */
#define GUEST_XENSTORE_GFN  0xFEFFEULL     /* xenstore ring page */

#define DOMAIN_PLATFORM_RANGES 2

struct domain_platform {
    uint64_t rsdp;                                      /* GPA of the RSDP */
    struct pvh_mem_range extra[DOMAIN_PLATFORM_RANGES]; /* ACPI, special pages */
};

/* Build d's ACPI tables and its ring pages (after its vCPUs and event
 * channels exist): with hv_console the hypervisor serves its console;
 * else it gets zeroed console and store pages of its own. 0 or -errno
 * with *why set. */
int domain_platform_init(struct domain *d, struct domain_platform *p, bool hv_console,
                         const char **why);

#endif
