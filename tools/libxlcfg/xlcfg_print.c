/*
 * Normalized output: what `oxl config-check` prints. Every option that
 * is set or has an effective default, in the option table's order, with
 * spec strings in canonical form. The output is itself an xl.cfg file
 * that reads back to the same domain (the fuzzer checks this).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xlcfg.h"
#include "xlcfg_internal.h"
#include "xlcfg_keys.h"

static void put_str(FILE *out, const char *key, const char *v)
{
    fprintf(out, "%s = ", key);
    xlcfg_put_quoted(out, v);
    fputc('\n', out);
}

static void put_list(FILE *out, const char *key, char *const *v, size_t n)
{
    fprintf(out, "%s = [", key);
    if (n <= 1) {
        for (size_t i = 0; i < n; i++) {
            fputc(' ', out);
            xlcfg_put_quoted(out, v[i]);
        }
        fputs(" ]\n", out);
        return;
    }
    fputc('\n', out);
    for (size_t i = 0; i < n; i++) {
        fputs("    ", out);
        xlcfg_put_quoted(out, v[i]);
        fputs(",\n", out);
    }
    fputs("    ]\n", out);
}

static void put_strlist(FILE *out, const char *key,
                        const struct xlcfg_strlist *l)
{
    if (l->n)
        put_list(out, key, l->v, l->n);
}

/* disk/vif/pci: format every entry, then print them as a list. */
static int put_devices(FILE *out, const struct xlcfg_domain *dom, int kind)
{
    size_t n = kind == 0 ? dom->ndisks : kind == 1 ? dom->nvifs : dom->npcis;
    char **specs;
    int rc = 0;

    if (!n)
        return 0;
    specs = calloc(n, sizeof(*specs));
    if (!specs)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        specs[i] = kind == 0 ? xlcfg_disk_format_spec(&dom->disks[i])
                 : kind == 1 ? xlcfg_vif_format_spec(&dom->vifs[i])
                             : xlcfg_pci_format_spec(&dom->pcis[i]);
        if (!specs[i])
            rc = -ENOMEM;
    }
    if (!rc)
        put_list(out, kind == 0 ? "disk" : kind == 1 ? "vif" : "pci", specs,
                 n);
    for (size_t i = 0; i < n; i++)
        free(specs[i]);
    free(specs);
    return rc;
}

static int put_cmdline(FILE *out, const struct xlcfg_domain *dom)
{
    char *s = NULL;

    if (dom->cmdline)
        s = strdup(dom->cmdline);
    else if (dom->root && dom->extra)
        s = xlcfg_fmt("root=%s %s", dom->root, dom->extra);
    else if (dom->root)
        s = xlcfg_fmt("root=%s", dom->root);
    else if (dom->extra)
        s = strdup(dom->extra);
    else
        return 0;
    if (!s)
        return -ENOMEM;
    put_str(out, "cmdline", s);
    free(s);
    return 0;
}

static int put_custom(FILE *out, const struct xlcfg_domain *dom,
                      const char *key)
{
    if (!strcmp(key, "name")) {
        if (dom->name)
            put_str(out, key, dom->name);
    } else if (!strcmp(key, "type")) {
        put_str(out, key, xlcfg_type_name(dom->type));
    } else if (!strcmp(key, "uuid")) {
        const uint8_t *u = dom->uuid;

        if (dom->has_uuid)
            fprintf(out, "uuid = \"%02x%02x%02x%02x-%02x%02x-%02x%02x-"
                    "%02x%02x-%02x%02x%02x%02x%02x%02x\"\n", u[0], u[1],
                    u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10],
                    u[11], u[12], u[13], u[14], u[15]);
    } else if (!strcmp(key, "cpus") || !strcmp(key, "cpus_soft")) {
        int soft = key[4] == '_';
        const struct xlcfg_strlist *l = soft ? &dom->cpus_soft : &dom->cpus;
        int is_list = soft ? dom->cpus_soft_is_list : dom->cpus_is_list;

        if (is_list)
            put_list(out, key, l->v, l->n);
        else if (l->n)
            put_str(out, key, l->v[0]);
    } else if (!strncmp(key, "on_", 3)) {
        enum xlcfg_action a = !strcmp(key, "on_poweroff") ? dom->on_poweroff
                            : !strcmp(key, "on_reboot") ? dom->on_reboot
                            : !strcmp(key, "on_watchdog") ? dom->on_watchdog
                            : !strcmp(key, "on_crash") ? dom->on_crash
                            : dom->on_soft_reset;

        put_str(out, key, xlcfg_action_name(a));
    } else if (!strcmp(key, "disk")) {
        return put_devices(out, dom, 0);
    } else if (!strcmp(key, "vif")) {
        return put_devices(out, dom, 1);
    } else if (!strcmp(key, "pci")) {
        return put_devices(out, dom, 2);
    } else if (!strcmp(key, "serial")) {
        put_strlist(out, key, &dom->serial);
    } else if (!strcmp(key, "usbdevice")) {
        put_strlist(out, key, &dom->usbdevice);
    } else if (!strcmp(key, "bootloader_args")) {
        put_strlist(out, key, &dom->bootloader_args);
    } else if (!strcmp(key, "device_model_args")) {
        put_strlist(out, key, &dom->device_model_args);
    } else if (!strcmp(key, "viridian")) {
        if (dom->viridian_bool != XLCFG_DEFAULT)
            fprintf(out, "viridian = %d\n", dom->viridian_bool);
        else
            put_strlist(out, key, &dom->viridian);
    }
    /* builder: folded into type. */
    return 0;
}

int xlcfg_domain_print(const struct xlcfg_domain *dom, FILE *out)
{
    const char *base = (const char *)dom;

    for (const struct xlcfg_key *k = xlcfg_keys; k->name; k++) {
        int64_t n;
        int8_t b;
        const char *s;
        int rc;

        switch (k->kind) {
        case XK_CUSTOM:
            rc = put_custom(out, dom, k->name);
            if (rc)
                return rc;
            break;
        case XK_INT:
            n = *(const int64_t *)(base + k->off);
            /* Effective defaults, as xl fills them in. */
            if (n == XLCFG_UNSET && !strcmp(k->name, "maxmem"))
                n = dom->memory;
            if (n == XLCFG_UNSET && !strcmp(k->name, "vcpus"))
                n = 1;
            if (n == XLCFG_UNSET && !strcmp(k->name, "maxvcpus"))
                n = dom->vcpus == XLCFG_UNSET ? 1 : dom->vcpus;
            if (n != XLCFG_UNSET)
                fprintf(out, "%s = %lld\n", k->name, (long long)n);
            break;
        case XK_BOOL:
            b = *(const int8_t *)(base + k->off);
            if (b != XLCFG_DEFAULT)
                fprintf(out, "%s = %d\n", k->name, b);
            break;
        case XK_STR:
            if (!strcmp(k->name, "cmdline")) {
                rc = put_cmdline(out, dom);
                if (rc)
                    return rc;
                break;
            }
            if (!strcmp(k->name, "root") || !strcmp(k->name, "extra"))
                break;          /* folded into cmdline */
            /* fall through */
        case XK_CHOICE:
        case XK_CHOICE_NUM:
            s = *(char *const *)(base + k->off);
            if (s)
                put_str(out, k->name, s);
            break;
        default:
            return -EINVAL;
        }
    }
    return ferror(out) ? -EIO : 0;
}
