/*
 * What the control verbs share besides oxl.h's oxl_open_xctl and
 * oxl_lookup: several DOMAIN arguments (names or ids) resolved at once, a
 * domain's UUID from the store when oryxd knows it, and the usage error
 * for an argument too many.
 */
#ifndef ORYX_OXL_CTL_H
#define ORYX_OXL_CTL_H

#include <stdint.h>

#include "public/domctl.h"

struct xctl;
struct oxl_cmd;

/* Usage error for an argument the verb does not take: one line, the
 * verb's help, status 2. */
int oxl_extra_args(const struct oxl_cmd *cmd, const char *arg);

/*
 * The domains the arguments name, in their order, or every domain when
 * there are none: *out (malloc'd, the caller frees) and the count, or -1
 * after a one-line error (an unknown domain, the hypervisor refusing).
 */
int oxl_ctl_select(struct xctl *x, int argc, char **argv,
                   struct oryx_domctl_getdomaininfo **out);

/* The UUID the store gives domid (/local/domain/N/vm = /vm/UUID): 0, or
 * -1 when there is none to be had (no store, no entry). */
int oxl_ctl_uuid(unsigned int domid, char out[37]);

#endif
