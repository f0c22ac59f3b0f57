/* Domains defined by boot modules ("dom0-less"). */
#ifndef ORYX_BOOT_DOMAINS_H
#define ORYX_BOOT_DOMAINS_H

#include <oryx/domspec.h>

#define BOOT_DOMAIN_MAX_RESTARTS 8

/* Creates every domain the boot modules define and starts them; the end
 * of the run is not looked for until boot_domains_finish() (dom0 is built
 * in between). */
void boot_domains_create(void);
void boot_domains_finish(void);
/* Builds one domain from its modules; returns 0 or -errno (reported). */
int boot_domain_build(const struct domspec *spec, int kernel_module, int initrd_module,
                      unsigned int restarts);
/* When the last domain is gone: report, and end the run if asked to. */
void boot_domains_check_done(void);

#endif
