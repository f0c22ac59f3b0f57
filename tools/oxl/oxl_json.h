/*
 * `oxl list -l`: domains as JSON, in the shape of xl's (an array of
 * {"domid", "config": {"c_info", "b_info"}}) with what the hypervisor
 * knows of each, and Oryx's "state", "cpu_time_ns" and "online_vcpus"
 * beside "domid". Written with jansson.
 */
#ifndef ORYX_OXL_JSON_H
#define ORYX_OXL_JSON_H

#include "public/domctl.h"
#include "xdev.h"

/* A domain's devices as the store describes them (libxdev's xdev_list). */
struct oxl_json_devs {
    const struct xdev_info *vbd, *vif;
    unsigned int nvbd, nvif;
};

/* The JSON text for n domains (uuids[i] may be NULL: all zeros; devs
 * NULL or devs[i] empty: no devices), with a final newline; malloc'd, or
 * NULL when out of memory. Devices go where xl puts them: config.disks
 * (pdev_path, vdev, readwrite) and config.nics (devid, mac, bridge), each
 * with Oryx's backend_state and frontend_state beside. */
char *oxl_json_domains(const struct oryx_domctl_getdomaininfo *d, const char *const *uuids,
                       const struct oxl_json_devs *devs, int n);

#endif
