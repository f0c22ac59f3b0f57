/* list -l's JSON (oxl_json.h). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "oxl_fmt.h"
#include "oxl_json.h"
#include "public/sched.h"

static const char *const reasons[] = {
    [SHUTDOWN_poweroff] = "poweroff", [SHUTDOWN_reboot] = "reboot",
    [SHUTDOWN_suspend] = "suspend", [SHUTDOWN_crash] = "crash",
    [SHUTDOWN_watchdog] = "watchdog", [SHUTDOWN_soft_reset] = "soft_reset",
};

/* Like json_object_set_new, but remembers a failure in *ok. */
static void set(json_t *o, const char *key, json_t *v, int *ok)
{
    if (!v || json_object_set_new(o, key, v))
        *ok = 0;
}

static json_t *disks(const struct oxl_json_devs *dv, int *ok)
{
    json_t *a = json_array();

    for (unsigned int i = 0; a && dv && i < dv->nvbd; i++) {
        const struct xdev_info *x = &dv->vbd[i];
        json_t *o = json_object();

        if (!o || json_array_append_new(a, o)) {
            *ok = 0;
            break;
        }
        set(o, "pdev_path", json_string(x->target), ok);
        set(o, "vdev", json_string(x->vdev), ok);
        set(o, "devid", json_integer(x->devid), ok);
        set(o, "readwrite", json_integer(x->mode[0] == 'w'), ok);
        if (x->node[0] && strcmp(x->node, x->target))
            set(o, strncmp(x->node, "/dev/nbd", 8) ? "loop" : "nbd", json_string(x->node), ok);
        set(o, "backend_state", json_integer(x->be_state), ok);
        set(o, "frontend_state", json_integer(x->fe_state), ok);
    }
    if (!a)
        *ok = 0;
    return a;
}

static json_t *nics(const struct oxl_json_devs *dv, int *ok)
{
    json_t *a = json_array();

    for (unsigned int i = 0; a && dv && i < dv->nvif; i++) {
        const struct xdev_info *x = &dv->vif[i];
        json_t *o = json_object();

        if (!o || json_array_append_new(a, o)) {
            *ok = 0;
            break;
        }
        set(o, "devid", json_integer(x->devid), ok);
        set(o, "mac", json_string(x->mac), ok);
        set(o, "bridge", json_string(x->target), ok);
        set(o, "vifname", json_string(x->node), ok);
        set(o, "backend_state", json_integer(x->be_state), ok);
        set(o, "frontend_state", json_integer(x->fe_state), ok);
    }
    if (!a)
        *ok = 0;
    return a;
}

static json_t *domain(const struct oryx_domctl_getdomaininfo *d, const char *uuid,
                      const struct oxl_json_devs *dv)
{
    json_t *o = json_object(), *config = json_object(), *c_info = json_object();
    json_t *b_info = json_object(), *avail = json_array();
    char name[ORYX_DOMCTL_NAME_MAX + 1];
    uint64_t kb = d->tot_pages * 4, max_kb = d->max_pages ? d->max_pages * 4 : kb;
    int ok = o && config && c_info && b_info && avail;

    memcpy(name, d->name, sizeof(d->name));
    name[sizeof(d->name)] = 0;
    for (uint32_t v = 0; ok && v < d->nr_vcpus; v++)
        if (json_array_append_new(avail, json_integer(v)))
            ok = 0;
    if (ok) {
        set(o, "domid", json_integer(d->domain), &ok);
        set(o, "state", json_string(oxl_state_name(d->flags)), &ok);
        if (d->flags & ORYX_DOMINF_shutdown)
            set(o, "shutdown_reason",
                json_string(d->shutdown_reason < sizeof(reasons) / sizeof(reasons[0]) &&
                            reasons[d->shutdown_reason] ? reasons[d->shutdown_reason] : "unknown"),
                &ok);
        set(o, "cpu_time_ns", json_integer((json_int_t)d->cpu_time_ns), &ok);
        set(o, "online_vcpus", json_integer(d->nr_online_vcpus), &ok);
        set(c_info, "type", json_string("pvh"), &ok);
        set(c_info, "name", json_string(name), &ok);
        set(c_info, "uuid", json_string(uuid ? uuid : "00000000-0000-0000-0000-000000000000"),
            &ok);
        set(b_info, "max_vcpus", json_integer(d->nr_vcpus), &ok);
        set(b_info, "avail_vcpus", avail, &ok);
        avail = NULL;
        set(b_info, "max_memkb", json_integer((json_int_t)max_kb), &ok);
        set(b_info, "target_memkb", json_integer((json_int_t)kb), &ok);
        set(config, "c_info", c_info, &ok);
        c_info = NULL;
        set(config, "b_info", b_info, &ok);
        b_info = NULL;
        set(config, "disks", disks(dv, &ok), &ok);
        set(config, "nics", nics(dv, &ok), &ok);
        set(o, "config", config, &ok);
        config = NULL;
    }
    json_decref(avail);
    json_decref(c_info);
    json_decref(b_info);
    json_decref(config);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

char *oxl_json_domains(const struct oryx_domctl_getdomaininfo *d, const char *const *uuids,
                       const struct oxl_json_devs *devs, int n)
{
    json_t *all = json_array();
    char *text = NULL, *out;
    size_t len;

    for (int i = 0; all && i < n; i++) {
        if (json_array_append_new(all, domain(&d[i], uuids ? uuids[i] : NULL, devs ? &devs[i] : NULL))) {
            json_decref(all);
            return NULL;
        }
    }
    if (all)
        text = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
    json_decref(all);
    if (!text)
        return NULL;
    len = strlen(text);
    out = realloc(text, len + 2);
    if (!out) {
        free(text);
        return NULL;
    }
    out[len] = '\n';
    out[len + 1] = 0;
    return out;
}
