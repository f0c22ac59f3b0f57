/*
 * From settings to a typed struct xlcfg_domain. One table lists every
 * option we understand: its kind, where it lives in the struct, its
 * range or choices and which guest types it applies to. The table
 * drives both reading (here) and printing (xlcfg_print.c).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "xlcfg.h"
#include "xlcfg_internal.h"
#include "xlcfg_keys.h"

struct xlcfg_ctx {
    struct xlcfg_domain *dom;
    struct xlcfg_diags *d;
    int oom;
};

static void err_at(struct xlcfg_ctx *c, const struct xlcfg_value *v,
                   const char *fmt, const char *a, const char *b)
{
    if (xlcfg_diag_add(c->d, XLCFG_ERROR, v ? v->line : 0, v ? v->col : 0,
                       fmt, a, b) < 0)
        c->oom = 1;
}

static const char *vtype_name(const struct xlcfg_value *v)
{
    switch (v->type) {
    case XLCFG_V_STRING: return "a string";
    case XLCFG_V_NUMBER: return "a number";
    case XLCFG_V_LIST: return "a list";
    default: return "an unknown value";
    }
}

/* A single value (string or number), not a list. */
static const char *get_atom(struct xlcfg_ctx *c, const struct xlcfg_setting *s)
{
    if (s->value->type == XLCFG_V_LIST) {
        err_at(c, s->value, "`%s' takes a single value, not a list%s",
               s->key, "");
        return NULL;
    }
    return s->value->str;
}

static int parse_int(const char *str, int64_t *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(str, &end, 0);   /* 0x.. hex, 0.. octal, as xl does */
    if (end == str || *end || errno)
        return -EINVAL;
    *out = v;
    return 0;
}

static int get_int(struct xlcfg_ctx *c, const struct xlcfg_setting *s,
                   int64_t min, int64_t max, int64_t *out)
{
    const char *str = get_atom(c, s);
    char range[96];

    if (!str)
        return -EINVAL;
    if (s->appended) {
        err_at(c, s->value, "`%s' is a number; += cannot be used with it%s",
               s->key, "");
        return -EINVAL;
    }
    if (parse_int(str, out) < 0) {
        err_at(c, s->value, "`%s' must be a number, not \"%s\"", s->key,
               str);
        return -EINVAL;
    }
    if (*out < min || *out > max) {
        snprintf(range, sizeof(range), "%lld to %lld", (long long)min,
                 (long long)max);
        err_at(c, s->value, "`%s' is out of range (%s)", s->key, range);
        return -EINVAL;
    }
    return 0;
}

/* A string list: a list of atoms, or (when single_ok) a single atom. */
static int get_strlist(struct xlcfg_ctx *c, const struct xlcfg_setting *s,
                       int single_ok, struct xlcfg_strlist *out)
{
    const struct xlcfg_value *v = s->value;

    xlcfg_strlist_free(out);
    if (v->type != XLCFG_V_LIST) {
        if (!single_ok) {
            err_at(c, v, "`%s' must be a list, e.g. %s = [ \"...\" ]",
                   s->key, s->key);
            return -EINVAL;
        }
        if (xlcfg_strlist_add(out, v->str) < 0)
            c->oom = 1;
        return 0;
    }
    for (size_t i = 0; i < v->nitems; i++) {
        if (v->items[i]->type == XLCFG_V_LIST) {
            err_at(c, v->items[i], "`%s' items must be strings, not %s",
                   s->key, "lists");
            return -EINVAL;
        }
        if (xlcfg_strlist_add(out, v->items[i]->str) < 0) {
            c->oom = 1;
            return -ENOMEM;
        }
    }
    return 0;
}

/* ---- option handlers ---------------------------------------------- */

static int h_type(struct xlcfg_ctx *c, const struct xlcfg_setting *s)
{
    const char *v = get_atom(c, s);

    if (!v)
        return -EINVAL;
    if (!strcmp(v, "pv"))
        c->dom->type = XLCFG_TYPE_PV;
    else if (!strcmp(v, "pvh"))
        c->dom->type = XLCFG_TYPE_PVH;
    else if (!strcmp(v, "hvm"))
        c->dom->type = XLCFG_TYPE_HVM;
    else {
        err_at(c, s->value, "invalid domain type \"%s\" (pv, pvh, hvm)%s",
               v, "");
        return -EINVAL;
    }
    c->dom->type_defaulted = 0;
    return 0;
}

static int h_builder(struct xlcfg_ctx *c, const struct xlcfg_setting *s)
{
    const char *v = get_atom(c, s);

    if (!v)
        return -EINVAL;
    if (strcmp(v, "hvm") && strcmp(v, "generic")) {
        err_at(c, s->value, "invalid builder \"%s\" (hvm, generic)%s", v,
               "");
        return -EINVAL;
    }
    return 0;   /* resolved against type= once everything is read */
}

static int h_uuid(struct xlcfg_ctx *c, const struct xlcfg_setting *s)
{
    const char *v = get_atom(c, s);
    int n = 0;

    if (!v)
        return -EINVAL;
    /* 8-4-4-4-12 hex digits */
    for (const char *p = v; *p; p++) {
        int pos = (int)(p - v);
        int dash = pos == 8 || pos == 13 || pos == 18 || pos == 23;
        int hex = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
                  (*p >= 'A' && *p <= 'F');

        if (pos >= 36 || (dash && *p != '-') || (!dash && !hex))
            goto bad;
        if (!dash) {
            int d = *p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10;

            if (n % 2 == 0)
                c->dom->uuid[n / 2] = (uint8_t)(d << 4);
            else
                c->dom->uuid[n / 2] |= (uint8_t)d;
            n++;
        }
    }
    if (n != 32)
        goto bad;
    c->dom->has_uuid = 1;
    return 0;
bad:
    err_at(c, s->value, "invalid uuid \"%s\" (want %s)", v,
           "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
    return -EINVAL;
}

static int h_name(struct xlcfg_ctx *c, const struct xlcfg_setting *s)
{
    const char *v = get_atom(c, s);

    if (!v)
        return -EINVAL;
    if (!*v) {
        err_at(c, s->value, "`%s' must not be empty%s", s->key, "");
        return -EINVAL;
    }
    if (xlcfg_set_str(&c->dom->name, v) < 0)
        c->oom = 1;
    return 0;
}

/* CPU lists: "all", "N", "N-M", "^N", "^N-M", "node:N", "nodes:N-M",
 * comma-separated. */
static int cpulist_ok(const char *s)
{
    if (!*s)
        return 0;
    while (*s) {
        const char *p = s;

        if (*p == '^')
            p++;
        if (!strncmp(p, "nodes:", 6))
            p += 6;
        else if (!strncmp(p, "node:", 5))
            p += 5;
        if (!strncmp(p, "all", 3)) {
            p += 3;
        } else {
            if (!(*p >= '0' && *p <= '9'))
                return 0;
            while (*p >= '0' && *p <= '9')
                p++;
            if (*p == '-') {
                p++;
                if (!(*p >= '0' && *p <= '9'))
                    return 0;
                while (*p >= '0' && *p <= '9')
                    p++;
            }
        }
        if (*p == ',')
            p++;
        else if (*p)
            return 0;
        s = p;
    }
    return 1;
}

static int h_cpus(struct xlcfg_ctx *c, const struct xlcfg_setting *s)
{
    int soft = !strcmp(s->key, "cpus_soft");
    struct xlcfg_strlist *l = soft ? &c->dom->cpus_soft : &c->dom->cpus;

    if (get_strlist(c, s, 1, l) < 0)
        return -EINVAL;
    for (size_t i = 0; i < l->n; i++) {
        if (!cpulist_ok(l->v[i])) {
            const struct xlcfg_value *v = s->value->type == XLCFG_V_LIST
                                          ? s->value->items[i] : s->value;

            err_at(c, v, "invalid CPU list \"%s\" in `%s' (e.g. \"0-3,^1\", "
                   "\"all\", \"node:0\")", l->v[i], s->key);
            return -EINVAL;
        }
    }
    if (soft)
        c->dom->cpus_soft_is_list = s->value->type == XLCFG_V_LIST;
    else
        c->dom->cpus_is_list = s->value->type == XLCFG_V_LIST;
    return 0;
}

static const char *const action_names[] = {
    [XLCFG_ACTION_DESTROY] = "destroy",
    [XLCFG_ACTION_RESTART] = "restart",
    [XLCFG_ACTION_RENAME_RESTART] = "rename-restart",
    [XLCFG_ACTION_PRESERVE] = "preserve",
    [XLCFG_ACTION_COREDUMP_DESTROY] = "coredump-destroy",
    [XLCFG_ACTION_COREDUMP_RESTART] = "coredump-restart",
    [XLCFG_ACTION_SOFT_RESET] = "soft-reset",
};

const char *xlcfg_action_name(enum xlcfg_action a)
{
    if ((unsigned int)a < sizeof(action_names) / sizeof(action_names[0]))
        return action_names[a];
    return "invalid";
}

const char *xlcfg_type_name(enum xlcfg_type t)
{
    switch (t) {
    case XLCFG_TYPE_PV: return "pv";
    case XLCFG_TYPE_PVH: return "pvh";
    case XLCFG_TYPE_HVM: return "hvm";
    default: return "invalid";
    }
}

static int h_action(struct xlcfg_ctx *c, const struct xlcfg_setting *s)
{
    const char *v = get_atom(c, s);
    enum xlcfg_action *dst;

    if (!v)
        return -EINVAL;
    if (!strcmp(s->key, "on_poweroff"))
        dst = &c->dom->on_poweroff;
    else if (!strcmp(s->key, "on_reboot"))
        dst = &c->dom->on_reboot;
    else if (!strcmp(s->key, "on_watchdog"))
        dst = &c->dom->on_watchdog;
    else if (!strcmp(s->key, "on_crash"))
        dst = &c->dom->on_crash;
    else
        dst = &c->dom->on_soft_reset;
    for (unsigned int i = 0; i < sizeof(action_names) / sizeof(action_names[0]);
         i++) {
        const char *n = action_names[i];
        size_t k;

        /* '_' and '-' are interchangeable, as in libxl. */
        for (k = 0; n[k] && (v[k] == n[k] || (n[k] == '-' && v[k] == '_'));
             k++)
            ;
        if (!n[k] && !v[k]) {
            *dst = (enum xlcfg_action)i;
            return 0;
        }
    }
    err_at(c, s->value, "unknown %s action \"%s\" (destroy, restart, "
           "rename-restart, preserve, coredump-destroy, coredump-restart, "
           "soft-reset)", s->key, v);
    return -EINVAL;
}

static int h_strlist(struct xlcfg_ctx *c, const struct xlcfg_setting *s)
{
    struct xlcfg_strlist *l;
    int single_ok = 1;

    if (!strcmp(s->key, "serial"))
        l = &c->dom->serial;
    else if (!strcmp(s->key, "usbdevice"))
        l = &c->dom->usbdevice;
    else if (!strcmp(s->key, "bootloader_args"))
        l = &c->dom->bootloader_args;
    else {
        l = &c->dom->device_model_args;
        single_ok = 0;
    }
    return get_strlist(c, s, single_ok, l);
}

static const char *const viridian_groups[] = {
    "base", "freq", "time_ref_count", "reference_tsc",
    "hcall_remote_tlb_flush", "apic_assist", "crash_ctl", "stimer",
    "hcall_ipi", "ex_processor_masks", "no_vp_limit", "cpu_hotplug",
    "defaults", "all",
};

static int h_viridian(struct xlcfg_ctx *c, const struct xlcfg_setting *s)
{
    int64_t b;

    if (s->value->type != XLCFG_V_LIST) {
        if (get_int(c, s, INT64_MIN + 1, INT64_MAX, &b) < 0)
            return -EINVAL;
        c->dom->viridian_bool = b != 0;
        xlcfg_strlist_free(&c->dom->viridian);
        return 0;
    }
    if (get_strlist(c, s, 0, &c->dom->viridian) < 0)
        return -EINVAL;
    c->dom->viridian_bool = XLCFG_DEFAULT;
    for (size_t i = 0; i < c->dom->viridian.n; i++) {
        const char *g = c->dom->viridian.v[i];
        size_t k, ng = sizeof(viridian_groups) / sizeof(viridian_groups[0]);

        if (*g == '!')
            g++;
        for (k = 0; k < ng && strcmp(g, viridian_groups[k]); k++)
            ;
        if (k == ng) {
            err_at(c, s->value->items[i], "unknown viridian group \"%s\"%s",
                   g, "");
            return -EINVAL;
        }
    }
    return 0;
}

/* disk=, vif=, pci=: lists of spec strings. */
static int h_devices(struct xlcfg_ctx *c, const struct xlcfg_setting *s)
{
    const struct xlcfg_value *v = s->value;
    struct xlcfg_domain *dom = c->dom;
    int kind = s->key[0] == 'd' ? 0 : s->key[0] == 'v' ? 1 : 2;
    int rc = 0;

    if (v->type != XLCFG_V_LIST) {
        err_at(c, v, "`%s' must be a list, e.g. %s = [ '...' ]", s->key,
               s->key);
        return -EINVAL;
    }
    /* A repeated key replaces the earlier list. */
    for (size_t i = 0; i < dom->ndisks && kind == 0; i++)
        xlcfg_disk_free(&dom->disks[i]);
    for (size_t i = 0; i < dom->nvifs && kind == 1; i++)
        xlcfg_vif_free(&dom->vifs[i]);
    for (size_t i = 0; i < dom->npcis && kind == 2; i++)
        xlcfg_pci_free(&dom->pcis[i]);
    if (kind == 0) {
        free(dom->disks);
        dom->disks = calloc(v->nitems ? v->nitems : 1, sizeof(*dom->disks));
        dom->ndisks = 0;
        if (!dom->disks)
            goto oom;
    } else if (kind == 1) {
        free(dom->vifs);
        dom->vifs = calloc(v->nitems ? v->nitems : 1, sizeof(*dom->vifs));
        dom->nvifs = 0;
        if (!dom->vifs)
            goto oom;
    } else {
        free(dom->pcis);
        dom->pcis = calloc(v->nitems ? v->nitems : 1, sizeof(*dom->pcis));
        dom->npcis = 0;
        if (!dom->pcis)
            goto oom;
    }
    for (size_t i = 0; i < v->nitems; i++) {
        const struct xlcfg_value *it = v->items[i];
        char *e = NULL;
        int r;

        if (it->type == XLCFG_V_LIST) {
            err_at(c, it, "`%s' items must be strings, not %s", s->key,
                   vtype_name(it));
            rc = -EINVAL;
            continue;
        }
        if (kind == 0) {
            r = xlcfg_disk_parse(it->str, &dom->disks[dom->ndisks], &e);
            if (r)
                xlcfg_disk_free(&dom->disks[dom->ndisks]);
            else
                dom->ndisks++;
        } else if (kind == 1) {
            r = xlcfg_vif_parse(it->str, &dom->vifs[dom->nvifs], &e);
            if (r)
                xlcfg_vif_free(&dom->vifs[dom->nvifs]);
            else
                dom->nvifs++;
        } else {
            r = xlcfg_pci_parse(it->str, &dom->pcis[dom->npcis], &e);
            if (r)
                xlcfg_pci_free(&dom->pcis[dom->npcis]);
            else
                dom->npcis++;
        }
        if (r) {
            if (xlcfg_diag_add(c->d, XLCFG_ERROR, it->line, it->col,
                               "%s spec \"%s\": %s", s->key, it->str,
                               e ? e : "out of memory") < 0)
                c->oom = 1;
            rc = -EINVAL;
        }
        free(e);
    }
    return rc;
oom:
    c->oom = 1;
    return -ENOMEM;
}

/* ---- the option table --------------------------------------------- */

#define F(field) offsetof(struct xlcfg_domain, field)
#define HVM  XLCFG_ONLY_HVM
#define PVX  XLCFG_ONLY_PV_PVH
#define PVO  XLCFG_ONLY_PV
#define PVHO XLCFG_ONLY_PVH
#define BIG  ((int64_t)1 << 40)

static const char *const dmv_choices[] = {
    "qemu-xen", "qemu-xen-traditional", NULL };
static const char *const tsc_choices[] = {
    "default", "always_emulate", "native", "native_paravirt", NULL };
static const char *const timer_choices[] = {
    "delay_for_missed_ticks", "no_delay_for_missed_ticks",
    "no_missed_ticks_pending", "one_missed_tick_pending", NULL };
static const char *const hdtype_choices[] = { "ide", "ahci", NULL };
static const char *const bios_choices[] = {
    "rombios", "seabios", "ovmf", NULL };
static const char *const vga_choices[] = {
    "none", "stdvga", "cirrus", "qxl", NULL };
static const char *const altp2m_choices[] = {
    "disabled", "mixed", "external", "limited", NULL };
static const char *const genid_choices[] = { "none", "generate", NULL };

const struct xlcfg_key xlcfg_keys[] = {
    { "name", XK_CUSTOM, 0, 0, 0, 0, NULL, h_name },
    { "type", XK_CUSTOM, 0, 0, 0, 0, NULL, h_type },
    { "builder", XK_CUSTOM, 0, 0, 0, 0, NULL, h_builder },
    { "uuid", XK_CUSTOM, 0, 0, 0, 0, NULL, h_uuid },
    { "pool", XK_STR, F(pool), 0, 0, 0, NULL, NULL },
    { "memory", XK_INT, F(memory), 0, 0, BIG, NULL, NULL },
    { "maxmem", XK_INT, F(maxmem), 0, 0, BIG, NULL, NULL },
    { "vcpus", XK_INT, F(vcpus), 0, 1, 4096, NULL, NULL },
    { "maxvcpus", XK_INT, F(maxvcpus), 0, 1, 4096, NULL, NULL },
    { "cpus", XK_CUSTOM, 0, 0, 0, 0, NULL, h_cpus },
    { "cpus_soft", XK_CUSTOM, 0, 0, 0, 0, NULL, h_cpus },
    { "cpu_weight", XK_INT, F(cpu_weight), 0, 1, 65535, NULL, NULL },
    { "cap", XK_INT, F(cap), 0, 0, 100 * 4096, NULL, NULL },
    { "kernel", XK_STR, F(kernel), 0, 0, 0, NULL, NULL },
    { "ramdisk", XK_STR, F(ramdisk), 0, 0, 0, NULL, NULL },
    { "cmdline", XK_STR, F(cmdline), 0, 0, 0, NULL, NULL },
    { "root", XK_STR, F(root), 0, 0, 0, NULL, NULL },
    { "extra", XK_STR, F(extra), 0, 0, 0, NULL, NULL },
    { "bootloader", XK_STR, F(bootloader), PVX, 0, 0, NULL, NULL },
    { "bootloader_args", XK_CUSTOM, 0, PVX, 0, 0, NULL, h_strlist },
    { "bootloader_user", XK_STR, F(bootloader_user), PVX, 0, 0, NULL, NULL },
    { "firmware", XK_STR, F(firmware), 0, 0, 0, NULL, NULL },
    { "pvshim", XK_BOOL, F(pvshim), PVHO, 0, 0, NULL, NULL },
    { "pvshim_path", XK_STR, F(pvshim_path), PVHO, 0, 0, NULL, NULL },
    { "pvshim_cmdline", XK_STR, F(pvshim_cmdline), PVHO, 0, 0, NULL, NULL },
    { "pvshim_extra", XK_STR, F(pvshim_extra), PVHO, 0, 0, NULL, NULL },
    { "on_poweroff", XK_CUSTOM, 0, 0, 0, 0, NULL, h_action },
    { "on_reboot", XK_CUSTOM, 0, 0, 0, 0, NULL, h_action },
    { "on_watchdog", XK_CUSTOM, 0, 0, 0, 0, NULL, h_action },
    { "on_crash", XK_CUSTOM, 0, 0, 0, 0, NULL, h_action },
    { "on_soft_reset", XK_CUSTOM, 0, 0, 0, 0, NULL, h_action },
    { "disk", XK_CUSTOM, 0, 0, 0, 0, NULL, h_devices },
    { "vif", XK_CUSTOM, 0, 0, 0, 0, NULL, h_devices },
    { "pci", XK_CUSTOM, 0, 0, 0, 0, NULL, h_devices },
    { "pci_permissive", XK_BOOL, F(pci_permissive), 0, 0, 0, NULL, NULL },
    { "pci_msitranslate", XK_BOOL, F(pci_msitranslate), 0, 0, 0, NULL, NULL },
    { "pci_seize", XK_BOOL, F(pci_seize), 0, 0, 0, NULL, NULL },
    { "pci_power_mgmt", XK_BOOL, F(pci_power_mgmt), 0, 0, 0, NULL, NULL },
    { "e820_host", XK_BOOL, F(e820_host), PVO, 0, 0, NULL, NULL },
    { "serial", XK_CUSTOM, 0, HVM, 0, 0, NULL, h_strlist },
    { "vnc", XK_BOOL, F(vnc), 0, 0, 0, NULL, NULL },
    { "vnclisten", XK_STR, F(vnclisten), 0, 0, 0, NULL, NULL },
    { "vncdisplay", XK_INT, F(vncdisplay), 0, 0, 65535, NULL, NULL },
    { "vncunused", XK_BOOL, F(vncunused), 0, 0, 0, NULL, NULL },
    { "vncpasswd", XK_STR, F(vncpasswd), 0, 0, 0, NULL, NULL },
    { "keymap", XK_STR, F(keymap), 0, 0, 0, NULL, NULL },
    { "sdl", XK_BOOL, F(sdl), 0, 0, 0, NULL, NULL },
    { "nographic", XK_BOOL, F(nographic), HVM, 0, 0, NULL, NULL },
    { "stdvga", XK_BOOL, F(stdvga), HVM, 0, 0, NULL, NULL },
    { "vga", XK_CHOICE, F(vga), HVM, 0, 0, vga_choices, NULL },
    { "videoram", XK_INT, F(videoram), HVM, 0, 4096, NULL, NULL },
    { "usb", XK_BOOL, F(usb), HVM, 0, 0, NULL, NULL },
    { "usbversion", XK_INT, F(usbversion), HVM, 1, 3, NULL, NULL },
    { "usbdevice", XK_CUSTOM, 0, HVM, 0, 0, NULL, h_strlist },
    { "soundhw", XK_STR, F(soundhw), HVM, 0, 0, NULL, NULL },
    { "boot", XK_STR, F(boot), HVM, 0, 0, NULL, NULL },
    { "hdtype", XK_CHOICE, F(hdtype), HVM, 0, 0, hdtype_choices, NULL },
    { "bios", XK_CHOICE, F(bios), HVM, 0, 0, bios_choices, NULL },
    { "acpi", XK_BOOL, F(acpi), HVM, 0, 0, NULL, NULL },
    { "acpi_s3", XK_BOOL, F(acpi_s3), HVM, 0, 0, NULL, NULL },
    { "acpi_s4", XK_BOOL, F(acpi_s4), HVM, 0, 0, NULL, NULL },
    { "apic", XK_BOOL, F(apic), HVM, 0, 0, NULL, NULL },
    { "pae", XK_BOOL, F(pae), HVM, 0, 0, NULL, NULL },
    { "hap", XK_BOOL, F(hap), 0, 0, 0, NULL, NULL },
    { "oos", XK_BOOL, F(oos), 0, 0, 0, NULL, NULL },
    { "shadow_memory", XK_INT, F(shadow_memory), 0, 0, BIG, NULL, NULL },
    { "nx", XK_BOOL, F(nx), HVM, 0, 0, NULL, NULL },
    { "hpet", XK_BOOL, F(hpet), HVM, 0, 0, NULL, NULL },
    { "nestedhvm", XK_BOOL, F(nestedhvm), 0, 0, 0, NULL, NULL },
    { "altp2m", XK_CHOICE, F(altp2m), HVM, 0, 0, altp2m_choices, NULL },
    { "viridian", XK_CUSTOM, 0, HVM, 0, 0, NULL, h_viridian },
    { "xen_platform_pci", XK_BOOL, F(xen_platform_pci), HVM, 0, 0, NULL,
      NULL },
    { "ms_vm_genid", XK_CHOICE, F(ms_vm_genid), HVM, 0, 0, genid_choices,
      NULL },
    { "localtime", XK_BOOL, F(localtime), 0, 0, 0, NULL, NULL },
    { "rtc_timeoffset", XK_INT, F(rtc_timeoffset), 0, -BIG, BIG, NULL,
      NULL },
    { "tsc_mode", XK_CHOICE_NUM, F(tsc_mode), 0, 0, 0, tsc_choices, NULL },
    { "timer_mode", XK_CHOICE_NUM, F(timer_mode), HVM, 0, 0, timer_choices,
      NULL },
    { "vpt_align", XK_BOOL, F(vpt_align), HVM, 0, 0, NULL, NULL },
    { "mmio_hole", XK_INT, F(mmio_hole), HVM, 256, 3840, NULL, NULL },
    { "device_model_version", XK_CHOICE, F(device_model_version), HVM, 0, 0,
      dmv_choices, NULL },
    { "device_model_override", XK_STR, F(device_model_override), HVM, 0, 0,
      NULL, NULL },
    { "device_model_args", XK_CUSTOM, 0, HVM, 0, 0, NULL, h_strlist },
    { "device_model_user", XK_STR, F(device_model_user), HVM, 0, 0, NULL,
      NULL },
    { "dm_restrict", XK_BOOL, F(dm_restrict), HVM, 0, 0, NULL, NULL },
    { "nomigrate", XK_BOOL, F(nomigrate), 0, 0, 0, NULL, NULL },
    { "driver_domain", XK_BOOL, F(driver_domain), 0, 0, 0, NULL, NULL },
    { "seclabel", XK_STR, F(seclabel), 0, 0, 0, NULL, NULL },
    { "max_grant_frames", XK_INT, F(max_grant_frames), 0, 0, 0x7fffffff,
      NULL, NULL },
    { "max_maptrack_frames", XK_INT, F(max_maptrack_frames), 0, 0,
      0x7fffffff, NULL, NULL },
    { "max_event_channels", XK_INT, F(max_event_channels), 0, 0, 0x7fffffff,
      NULL, NULL },
    { NULL, XK_CUSTOM, 0, 0, 0, 0, NULL, NULL },
};

/* xl.cfg options that are valid for xl but that Oryx does not read yet:
 * accepted with a gentler warning than a misspelt key gets. */
static const char *const xl_known_unsupported[] = {
    "vfb", "vkb", "vtpm", "p9", "pvcalls", "channel", "usbctrl", "usbdev",
    "vdispl", "vsnd", "virtio", "vnuma", "rdm", "rdm_mem_boundary", "dtdev",
    "iomem", "ioports", "irqs", "spice", "spicehost", "spiceport",
    "spicetls_port", "spicedisable_ticketing", "spicepasswd",
    "spiceagent_mouse", "spicevdagent", "spice_clipboard_sharing",
    "spiceusbredirection", "spice_image_compression",
    "spice_streaming_video", "cpuid", "msr_relaxed", "smbios",
    "smbios_firmware", "acpi_firmware", "gfx_passthru", "vpmu",
    "vmtrace_buf_kb", "mca_caps", "init_seclabel",
    "device_model_stubdomain_override", "device_model_stubdomain_seclabel",
    "stubdomain_memory", "stubdomain_kernel", "stubdomain_ramdisk",
    "bootloader_restrict", "xenstore_quota", "xenstore_feature_mask",
    "max_grant_version", "passthrough", "xend_suspend_evtchn_compat",
    "vkb_device", "vendor_device", "hvm_pirq", "xen_platform_pci_bar_uc",
    "acpi_laptop_slate", "altp2mhvm", "altp2m_count", "bios_path_override",
    "claim_mode", "display", "xauthority", "opengl", "period", "slice",
    "latency", "extratime", "tee", "vuart", "gic_version", "device_tree",
    "llc_colors", "nr_spis", "sve", "trap_unmapped_accesses", "arm_sci",
    "vif2", "vncviewer", NULL,
};

const struct xlcfg_key *xlcfg_key_find(const char *name)
{
    for (const struct xlcfg_key *k = xlcfg_keys; k->name; k++)
        if (!strcmp(k->name, name))
            return k;
    return NULL;
}

static int apply_simple(struct xlcfg_ctx *c, const struct xlcfg_key *k,
                        const struct xlcfg_setting *s)
{
    char *base = (char *)c->dom;
    const char *v;
    int64_t n;

    switch (k->kind) {
    case XK_STR:
        v = get_atom(c, s);
        if (!v)
            return -EINVAL;
        if (xlcfg_set_str((char **)(base + k->off), v) < 0)
            c->oom = 1;
        return 0;
    case XK_INT:
        if (get_int(c, s, k->min, k->max, &n) < 0)
            return -EINVAL;
        *(int64_t *)(base + k->off) = n;
        return 0;
    case XK_BOOL:
        if (s->value->type == XLCFG_V_LIST) {
            get_atom(c, s);
            return -EINVAL;
        }
        if (parse_int(s->value->str, &n) < 0) {
            err_at(c, s->value, "`%s' must be 0 or 1, not \"%s\"", s->key,
                   s->value->str);
            return -EINVAL;
        }
        *(int8_t *)(base + k->off) = n != 0;
        return 0;
    case XK_CHOICE:
    case XK_CHOICE_NUM:
        v = get_atom(c, s);
        if (!v)
            return -EINVAL;
        if (k->kind == XK_CHOICE_NUM && parse_int(v, &n) == 0) {
            int64_t count = 0;

            while (k->choices[count])
                count++;
            if (n < 0 || n >= count) {
                err_at(c, s->value, "`%s' number %s is out of range", s->key,
                       v);
                return -EINVAL;
            }
            v = k->choices[n];
        }
        for (size_t i = 0; k->choices[i]; i++) {
            if (!strcmp(v, k->choices[i])) {
                if (xlcfg_set_str((char **)(base + k->off), v) < 0)
                    c->oom = 1;
                return 0;
            }
        }
        {
            struct xlcfg_buf b = { 0 };
            char *list;

            for (size_t i = 0; k->choices[i]; i++)
                xlcfg_buf_item(&b, "%s", k->choices[i]);
            list = xlcfg_buf_take(&b);
            if (xlcfg_diag_add(c->d, XLCFG_ERROR, s->value->line,
                               s->value->col,
                               "invalid value \"%s\" for `%s' (%s)", v,
                               s->key, list ? list : "...") < 0)
                c->oom = 1;
            free(list);
        }
        return -EINVAL;
    case XK_CUSTOM:
        return k->handler(c, s);
    default:
        return -EINVAL;
    }
}

void xlcfg_domain_init(struct xlcfg_domain *dom)
{
    memset(dom, 0, sizeof(*dom));
    dom->type = XLCFG_TYPE_PV;
    dom->type_defaulted = 1;
    for (const struct xlcfg_key *k = xlcfg_keys; k->name; k++) {
        char *base = (char *)dom;

        if (k->kind == XK_INT)
            *(int64_t *)(base + k->off) = XLCFG_UNSET;
        else if (k->kind == XK_BOOL)
            *(int8_t *)(base + k->off) = XLCFG_DEFAULT;
    }
    dom->viridian_bool = XLCFG_DEFAULT;
    dom->on_poweroff = XLCFG_ACTION_DESTROY;
    dom->on_reboot = XLCFG_ACTION_RESTART;
    dom->on_watchdog = XLCFG_ACTION_DESTROY;
    dom->on_crash = XLCFG_ACTION_DESTROY;
    dom->on_soft_reset = XLCFG_ACTION_SOFT_RESET;
}

void xlcfg_domain_free(struct xlcfg_domain *dom)
{
    for (const struct xlcfg_key *k = xlcfg_keys; k->name; k++) {
        if (k->kind == XK_STR || k->kind == XK_CHOICE ||
            k->kind == XK_CHOICE_NUM) {
            char **p = (char **)((char *)dom + k->off);

            free(*p);
        }
    }
    free(dom->name);
    xlcfg_strlist_free(&dom->cpus);
    xlcfg_strlist_free(&dom->cpus_soft);
    xlcfg_strlist_free(&dom->bootloader_args);
    xlcfg_strlist_free(&dom->serial);
    xlcfg_strlist_free(&dom->usbdevice);
    xlcfg_strlist_free(&dom->viridian);
    xlcfg_strlist_free(&dom->device_model_args);
    for (size_t i = 0; i < dom->ndisks; i++)
        xlcfg_disk_free(&dom->disks[i]);
    free(dom->disks);
    for (size_t i = 0; i < dom->nvifs; i++)
        xlcfg_vif_free(&dom->vifs[i]);
    free(dom->vifs);
    for (size_t i = 0; i < dom->npcis; i++)
        xlcfg_pci_free(&dom->pcis[i]);
    free(dom->pcis);
    xlcfg_domain_init(dom);
}

static void warn(struct xlcfg_ctx *c, unsigned int line, unsigned int col,
                 const char *fmt, const char *a, const char *b)
{
    if (xlcfg_diag_add(c->d, XLCFG_WARNING, line, col, fmt, a, b) < 0)
        c->oom = 1;
}

static unsigned int type_bit(enum xlcfg_type t)
{
    return 1u << t;
}

/* Checks across options, once all are read. */
static void cross_checks(struct xlcfg_ctx *c, const struct xlcfg_file *f)
{
    struct xlcfg_domain *dom = c->dom;
    const struct xlcfg_setting *s;

    s = xlcfg_file_get(f, "builder");
    if (s && s->value->type != XLCFG_V_LIST) {
        enum xlcfg_type bt = !strcmp(s->value->str, "hvm") ? XLCFG_TYPE_HVM
                                                          : XLCFG_TYPE_PV;

        if (!strcmp(s->value->str, "hvm") || !strcmp(s->value->str,
                                                     "generic")) {
            if (!dom->type_defaulted && dom->type != bt) {
                err_at(c, s->value, "contradicting `builder' and `type' "
                       "options (builder=\"%s\", type=\"%s\")",
                       s->value->str, xlcfg_type_name(dom->type));
            } else {
                dom->type = bt;
                dom->type_defaulted = 0;
                dom->type_from_builder = 1;
                warn(c, s->line, s->col, "`builder' is deprecated; use "
                     "type=\"%s\"%s", xlcfg_type_name(bt), "");
            }
        }
    }
    if (!dom->name && !xlcfg_file_get(f, "name"))
        xlcfg_diag_add(c->d, XLCFG_ERROR, 0, 0,
                       "domain name must be specified (name = \"...\")");
    if (dom->vcpus != XLCFG_UNSET && dom->maxvcpus != XLCFG_UNSET &&
        dom->maxvcpus < dom->vcpus) {
        s = xlcfg_file_get(f, "maxvcpus");
        err_at(c, s->value, "maxvcpus < vcpus%s%s", "", "");
    }
    if (dom->memory != XLCFG_UNSET && dom->maxmem != XLCFG_UNSET &&
        dom->maxmem < dom->memory) {
        s = xlcfg_file_get(f, "maxmem");
        err_at(c, s->value, "maxmem is smaller than memory%s%s", "", "");
    }
    if (dom->cmdline && (dom->root || dom->extra)) {
        s = xlcfg_file_get(f, "cmdline");
        warn(c, s->line, s->col, "ignoring root= and extra= in favour of "
             "cmdline=%s%s", "", "");
    }
    if (dom->type != XLCFG_TYPE_HVM && !dom->kernel && !dom->bootloader &&
        !dom->firmware && !c->d->nerrors)
        warn(c, 0, 0, "type=%s guest has no kernel, bootloader or firmware: "
             "it has nothing to boot%s", xlcfg_type_name(dom->type), "");
    if (dom->boot) {
        s = xlcfg_file_get(f, "boot");
        if (!*dom->boot || strspn(dom->boot, "acdn") != strlen(dom->boot))
            err_at(c, s->value, "invalid boot order \"%s\" (letters c, d, "
                   "n)%s", dom->boot, "");
    }
    for (size_t i = 0; i < dom->ndisks; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcmp(dom->disks[i].vdev, dom->disks[j].vdev)) {
                s = xlcfg_file_get(f, "disk");
                err_at(c, s->value, "vdev `%s' is used by two disks%s",
                       dom->disks[i].vdev, "");
            }
    for (size_t i = 0; i < dom->nvifs; i++)
        for (size_t j = 0; j < i; j++)
            if (dom->vifs[i].has_mac && dom->vifs[j].has_mac &&
                !memcmp(dom->vifs[i].mac, dom->vifs[j].mac, 6)) {
                s = xlcfg_file_get(f, "vif");
                err_at(c, s->value, "two vifs have the same mac%s%s", "", "");
            }
    /* Options that do nothing for this guest type. */
    for (size_t i = 0; i < f->n; i++) {
        const struct xlcfg_key *k = xlcfg_key_find(f->settings[i].key);

        if (k && k->only && !(k->only & type_bit(dom->type)))
            warn(c, f->settings[i].line, f->settings[i].col,
                 "`%s' has no effect for type=%s guests", k->name,
                 xlcfg_type_name(dom->type));
    }
}

int xlcfg_domain_from_file(const struct xlcfg_file *f,
                           struct xlcfg_domain *dom, struct xlcfg_diags *d)
{
    struct xlcfg_ctx c = { .dom = dom, .d = d };
    unsigned int errors_before = d->nerrors;

    for (size_t i = 0; i < f->n && !c.oom; i++) {
        const struct xlcfg_setting *s = &f->settings[i];
        const struct xlcfg_key *k = xlcfg_key_find(s->key);

        if (!k) {
            const char *const *u;

            for (u = xl_known_unsupported; *u && strcmp(*u, s->key); u++)
                ;
            warn(&c, s->line, s->col, *u
                 ? "option `%s' is not supported by Oryx yet; ignored%s"
                 : "unknown option `%s'; ignored%s", s->key, "");
            continue;
        }
        apply_simple(&c, k, s);
    }
    if (!c.oom)
        cross_checks(&c, f);
    if (c.oom)
        return -ENOMEM;
    return d->nerrors != errors_before ? -EINVAL : 0;
}

int xlcfg_domain_load(const char *path, struct xlcfg_domain *dom,
                      struct xlcfg_diags *d)
{
    struct xlcfg_file *f = NULL;
    int rc;

    rc = xlcfg_parse_path(path, &f, d);
    if (rc)
        return rc;
    rc = xlcfg_domain_from_file(f, dom, d);
    xlcfg_file_free(f);
    return rc;
}
