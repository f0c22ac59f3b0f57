/*
 * A domain's store entries (Xen's layout): written by oxl create before
 * the domain runs, removed when it is destroyed. See oxl_xsdomain.c.
 */
#ifndef ORYX_OXL_XSDOMAIN_H
#define ORYX_OXL_XSDOMAIN_H

#include <stddef.h>
#include <stdint.h>

struct xs_client;

struct oxl_xs_domain {
    unsigned int domid, vcpus;
    const char *name, *uuid;            /* uuid: 36 characters */
    uint64_t mem_kb;
    uint64_t store_gfn, console_gfn;
    uint32_t store_port, console_port;
    /* xl's action names ("destroy", "restart", ...) */
    const char *on_poweroff, *on_reboot, *on_crash, *on_watchdog;
    const char *config;                 /* saved config file, or NULL */
};

/* Writes /vm/<uuid> and /local/domain/N. 0 or -errno with err set. */
int oxl_xs_domain_add(struct xs_client *c, const struct oxl_xs_domain *d, char *err,
                      size_t errlen);
/* Removes both (what exists of them). */
void oxl_xs_domain_remove(struct xs_client *c, unsigned int domid, const char *uuid);
/* After domid is gone: release it from the store, remove its entries and
 * its saved configuration (silently nothing when the store is not there). */
void oxl_xs_domain_forget(unsigned int domid);
/* The uuid /local/domain/N/vm names. 0 or -errno. */
int oxl_xs_domain_uuid(struct xs_client *c, unsigned int domid, char out[37]);

void oxl_uuid_format(const uint8_t u[16], char out[37]);
/* A random (version 4) uuid. 0 or -EIO. */
int oxl_uuid_random(uint8_t u[16]);

#endif
