/*
 * `oxl list -l`: domains as JSON, in the shape of xl's (an array of
 * {"domid", "config": {"c_info", "b_info"}}) with what the hypervisor
 * knows of each, and Oryx's "state", "cpu_time_ns" and "online_vcpus"
 * beside "domid". Written with jansson.
 */
#ifndef ORYX_OXL_JSON_H
#define ORYX_OXL_JSON_H

#include "public/domctl.h"

/* The JSON text for n domains (uuids[i] may be NULL: all zeros), with a
 * final newline; malloc'd, or NULL when out of memory. */
char *oxl_json_domains(const struct oryx_domctl_getdomaininfo *d, const char *const *uuids,
                       int n);

#endif
