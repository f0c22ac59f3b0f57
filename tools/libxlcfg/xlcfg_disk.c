/*
 * disk= spec strings, per xl-disk-configuration(5): comma-separated
 * positional parameters (target, format, vdev, access), key=value
 * parameters, flags, the deprecated "prefix:" forms (phy:, file:, tap:,
 * aio:, raw:, iscsi: ...) and target= which takes the rest of the string.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xlcfg.h"
#include "xlcfg_internal.h"

struct dctx {
    struct xlcfg_disk *disk;
    char **err;
    int had_depr_prefix;
    int access_set;
    int failed;
};

static const char *const format_names[] = {
    [XLCFG_FORMAT_UNKNOWN] = "unknown",
    [XLCFG_FORMAT_RAW] = "raw",
    [XLCFG_FORMAT_QCOW] = "qcow",
    [XLCFG_FORMAT_QCOW2] = "qcow2",
    [XLCFG_FORMAT_VHD] = "vhd",
    [XLCFG_FORMAT_QED] = "qed",
    [XLCFG_FORMAT_EMPTY] = "empty",
};

static const char *const backend_names[] = {
    [XLCFG_BACKEND_AUTO] = "auto",
    [XLCFG_BACKEND_PHY] = "phy",
    [XLCFG_BACKEND_QDISK] = "qdisk",
    [XLCFG_BACKEND_TAP] = "tap",
    [XLCFG_BACKEND_STANDALONE] = "standalone",
};

const char *xlcfg_format_name(enum xlcfg_disk_format f)
{
    if ((unsigned int)f < sizeof(format_names) / sizeof(format_names[0]))
        return format_names[f];
    return "invalid";
}

const char *xlcfg_backendtype_name(enum xlcfg_disk_backendtype b)
{
    if ((unsigned int)b < sizeof(backend_names) / sizeof(backend_names[0]))
        return backend_names[b];
    return "invalid";
}

/* Records the first error only: later ones tend to be consequences. */
static void derr(struct dctx *c, const char *msg, const char *near)
{
    if (c->failed)
        return;
    c->failed = 1;
    if (near)
        *c->err = xlcfg_fmt("%s: `%s'", msg, near);
    else
        *c->err = xlcfg_fmt("%s", msg);
}

/* A string parameter may be given once; an empty earlier value may be
 * replaced (xl's rule). */
static void save(struct dctx *c, char **dst, const char *val,
                 const char *what)
{
    if (*dst && **dst) {
        char *m = xlcfg_fmt("%s given twice", what);

        derr(c, m ? m : "parameter given twice", val);
        free(m);
        return;
    }
    if (xlcfg_set_str(dst, val) < 0)
        derr(c, "out of memory", NULL);
}

static void set_format(struct dctx *c, const char *s)
{
    enum xlcfg_disk_format f = XLCFG_FORMAT_UNKNOWN;

    if (!*s)
        f = XLCFG_FORMAT_RAW;
    for (unsigned int i = XLCFG_FORMAT_RAW; i <= XLCFG_FORMAT_EMPTY && *s;
         i++)
        if (!strcmp(s, format_names[i]))
            f = (enum xlcfg_disk_format)i;
    if (f == XLCFG_FORMAT_UNKNOWN) {
        derr(c, "unknown format (raw, qcow, qcow2, vhd, qed)", s);
        return;
    }
    if (c->disk->format != XLCFG_FORMAT_UNKNOWN && c->disk->format != f) {
        derr(c, "format given twice", s);
        return;
    }
    c->disk->format = f;
}

static void set_access(struct dctx *c, const char *s)
{
    c->disk->shared_rw = 0;
    if (!strcmp(s, "r") || !strcmp(s, "ro"))
        c->disk->readwrite = 0;
    else if (!strcmp(s, "w") || !strcmp(s, "rw") || !*s)
        c->disk->readwrite = 1;
    else if (!strcmp(s, "w!") || !strcmp(s, "rw!"))
        c->disk->readwrite = c->disk->shared_rw = 1;
    else
        derr(c, "unknown access (r, ro, w, rw, w!)", s);
}

static void set_backendtype(struct dctx *c, const char *s)
{
    enum xlcfg_disk_backendtype b = XLCFG_BACKEND_AUTO;

    for (unsigned int i = XLCFG_BACKEND_PHY; i <= XLCFG_BACKEND_STANDALONE;
         i++)
        if (!strcmp(s, backend_names[i]))
            b = (enum xlcfg_disk_backendtype)i;
    if (b == XLCFG_BACKEND_AUTO) {
        derr(c, "unknown backendtype (phy, qdisk, tap, standalone)", s);
        return;
    }
    if (c->disk->backendtype != XLCFG_BACKEND_AUTO &&
        c->disk->backendtype != b) {
        derr(c, "backendtype given twice", s);
        return;
    }
    c->disk->backendtype = b;
}

/* "hdc:cdrom" in the vdev position (xend's syntax). 1 if it was one. */
static int vdev_and_devtype(struct dctx *c, const char *s)
{
    const char *colon = strrchr(s, ':');
    char *vdev;

    if (!colon)
        return 0;
    vdev = strndup(s, (size_t)(colon - s));
    if (!vdev) {
        derr(c, "out of memory", NULL);
        return 1;
    }
    save(c, &c->disk->vdev, vdev, "vdev");
    free(vdev);
    if (!strcmp(colon + 1, "cdrom"))
        c->disk->is_cdrom = 1;
    else if (!strcmp(colon + 1, "disk"))
        c->disk->is_cdrom = 0;
    else
        derr(c, "unknown device type after ':' (cdrom, disk)", colon + 1);
    return 1;
}

static void positional(struct dctx *c, const char *tok)
{
    struct xlcfg_disk *d = c->disk;

    if (!d->target) {
        save(c, &d->target, tok, "target");
    } else if (!c->had_depr_prefix && d->format == XLCFG_FORMAT_UNKNOWN) {
        if (!*d->target && vdev_and_devtype(c, tok))
            d->format = XLCFG_FORMAT_EMPTY;
        else
            set_format(c, tok);
    } else if (!d->vdev) {
        if (!vdev_and_devtype(c, tok))
            save(c, &d->vdev, tok, "vdev");
    } else if (!c->access_set) {
        c->access_set = 1;
        set_access(c, tok);
    } else {
        derr(c, "too many positional parameters", tok);
    }
}

static int set_tristate(int8_t *dst, int v)
{
    *dst = (int8_t)v;
    return 1;
}

/* Bare flags. Returns 1 if tok was one. */
static int flag(struct dctx *c, const char *tok)
{
    struct xlcfg_disk *d = c->disk;

    if (!strcmp(tok, "cdrom"))
        return d->is_cdrom = 1;
    if (!strcmp(tok, "direct-io-safe"))
        return d->direct_io_safe = 1;
    if (!strcmp(tok, "discard"))
        return set_tristate(&d->discard, 1);
    if (!strcmp(tok, "no-discard"))
        return set_tristate(&d->discard, 0);
    if (!strcmp(tok, "trusted"))
        return set_tristate(&d->trusted, 1);
    if (!strcmp(tok, "untrusted"))
        return set_tristate(&d->trusted, 0);
    if (!strcmp(tok, "colo"))
        return set_tristate(&d->colo, 1);
    if (!strcmp(tok, "no-colo"))
        return set_tristate(&d->colo, 0);
    return 0;
}

static int is_key(const char *k, size_t n)
{
    if (!n || !(k[0] >= 'a' && k[0] <= 'z'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') ||
              k[i] == '-' || k[i] == '_'))
            return 0;
    return 1;
}

static void keyval(struct dctx *c, const char *key, const char *val)
{
    struct xlcfg_disk *d = c->disk;

    if (!strcmp(key, "format")) {
        set_format(c, val);
    } else if (!strcmp(key, "access")) {
        set_access(c, val);
    } else if (!strcmp(key, "vdev")) {
        save(c, &d->vdev, val, "vdev");
    } else if (!strcmp(key, "script")) {
        save(c, &d->script, val, "script");
    } else if (!strcmp(key, "backend")) {
        save(c, &d->backend, val, "backend");
    } else if (!strcmp(key, "backendtype")) {
        set_backendtype(c, val);
    } else if (!strcmp(key, "devtype")) {
        if (!strcmp(val, "cdrom"))
            d->is_cdrom = 1;
        else if (!strcmp(val, "disk"))
            d->is_cdrom = 0;
        else
            derr(c, "unknown devtype (cdrom, disk)", val);
    } else if (!strcmp(key, "specification")) {
        if (!strcmp(val, "xen"))
            d->specification = XLCFG_SPEC_XEN;
        else if (!strcmp(val, "virtio"))
            d->specification = XLCFG_SPEC_VIRTIO;
        else
            derr(c, "unknown specification (xen, virtio)", val);
    } else if (!strcmp(key, "grant_usage")) {
        if (!strcmp(val, "0") || !strcmp(val, "1"))
            d->grant_usage = (int8_t)(val[0] - '0');
        else
            derr(c, "grant_usage must be 0 or 1", val);
    } else if (!strcmp(key, "colo-host")) {
        save(c, &d->colo_host, val, "colo-host");
    } else if (!strcmp(key, "colo-export")) {
        save(c, &d->colo_export, val, "colo-export");
    } else if (!strcmp(key, "active-disk")) {
        save(c, &d->active_disk, val, "active-disk");
    } else if (!strcmp(key, "hidden-disk")) {
        save(c, &d->hidden_disk, val, "hidden-disk");
    } else if (!strcmp(key, "colo-port")) {
        char *end;
        long p = strtol(val, &end, 10);

        if (!*val || *end || p <= 0 || p > 65535)
            derr(c, "colo-port must be a port number", val);
        else
            d->colo_port = (int)p;
    } else {
        derr(c, "unknown parameter", key);
    }
}

struct prefix {
    const char *name;
    int kind;           /* 0 ignored, 1 format, 2 script */
};

static const struct prefix prefixes[] = {
    { "tapdisk", 0 }, { "tap2", 0 }, { "tap", 0 }, { "aio", 0 },
    { "ioemu", 0 }, { "file", 0 }, { "phy", 0 },
    { "raw", 1 }, { "qcow2", 1 }, { "qcow", 1 }, { "vhd", 1 },
    { "iscsi", 2 }, { "nbd", 2 }, { "enbd", 2 }, { "drbd", 2 },
};

/* Handles a deprecated "name:" prefix at p. Returns its length with the
 * colon, or 0 if p does not start with one. */
static size_t depr_prefix(struct dctx *c, const char *p)
{
    size_t n;

    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        n = strlen(prefixes[i].name);
        if (strncmp(p, prefixes[i].name, n) || p[n] != ':')
            continue;
        c->had_depr_prefix = 1;
        if (prefixes[i].kind == 1) {
            char *f = strndup(p, n);

            if (!f) {
                derr(c, "out of memory", NULL);
            } else {
                set_format(c, f);
                free(f);
            }
        } else if (prefixes[i].kind == 2) {
            char *s = xlcfg_fmt("block-%.*s", (int)n, p);

            if (!s) {
                derr(c, "out of memory", NULL);
            } else {
                save(c, &c->disk->script, s, "script");
                free(s);
            }
        }
        return n + 1;
    }
    /* An unknown lower-case word and a colon followed by something that
     * is not alphanumeric ("foo:/dev/x") is a prefix we do not know;
     * "hdc:cdrom" is not. */
    if (!(p[0] >= 'a' && p[0] <= 'z'))
        return 0;
    for (n = 1; (p[n] >= 'a' && p[n] <= 'z') || (p[n] >= '0' && p[n] <= '9');
         n++)
        ;
    if (p[n] == ':') {
        char next = p[n + 1];

        if (!((next >= 'a' && next <= 'z') || (next >= '0' && next <= '9'))) {
            char *w = strndup(p, n + 1);

            derr(c, "unknown deprecated disk prefix", w ? w : p);
            free(w);
            return n + 1;
        }
    }
    return 0;
}

int xlcfg_disk_parse(const char *spec, struct xlcfg_disk *disk, char **err)
{
    struct dctx c = { .disk = disk, .err = err };
    const char *p = spec;
    char *tok = NULL;

    memset(disk, 0, sizeof(*disk));
    disk->readwrite = 1;
    disk->discard = disk->trusted = disk->grant_usage = disk->colo =
        XLCFG_DEFAULT;
    *err = NULL;

    while (*p && !c.failed) {
        const char *comma, *eq;
        size_t n;

        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            break;
        if (!strncmp(p, "target=", 7)) {
            /* Takes the rest, less one trailing comma (xl's rule). */
            size_t len = strlen(p + 7);

            free(tok);
            tok = strndup(p + 7, len && p[7 + len - 1] == ',' ? len - 1
                                                               : len);
            if (!tok) {
                derr(&c, "out of memory", NULL);
                break;
            }
            save(&c, &disk->target, tok, "target");
            break;
        }
        n = depr_prefix(&c, p);
        if (n) {
            p += n;
            continue;
        }
        comma = strchr(p, ',');
        n = comma ? (size_t)(comma - p) : strlen(p);
        free(tok);
        tok = strndup(p, n);
        if (!tok) {
            derr(&c, "out of memory", NULL);
            break;
        }
        p += n + (comma ? 1 : 0);
        eq = strchr(tok, '=');
        if (eq) {
            tok[eq - tok] = 0;
            if (!is_key(tok, (size_t)(eq - tok))) {
                tok[eq - tok] = '=';
                derr(&c, "bad disk syntax (a target containing '=' or ',' "
                     "must be given last as target=...)", tok);
                break;
            }
            keyval(&c, tok, eq + 1);
        } else if (!flag(&c, tok)) {
            positional(&c, tok);
        }
    }
    free(tok);
    if (c.failed)
        return -EINVAL;

    if (disk->format == XLCFG_FORMAT_UNKNOWN)
        disk->format = XLCFG_FORMAT_RAW;
    if (disk->is_cdrom) {
        disk->readwrite = 0;
        if (!disk->target || !*disk->target) {
            free(disk->target);
            disk->target = NULL;
            disk->format = XLCFG_FORMAT_EMPTY;
        }
    }
    if (!disk->vdev || !*disk->vdev) {
        derr(&c, "no vdev specified", NULL);
        return -EINVAL;
    }
    if (!disk->is_cdrom && (!disk->target || !*disk->target)) {
        derr(&c, "no target specified (and the device is not a cdrom)",
             NULL);
        return -EINVAL;
    }
    if (disk->format == XLCFG_FORMAT_EMPTY && disk->target) {
        derr(&c, "format=empty needs an empty cdrom drive, not a target",
             disk->target);
        return -EINVAL;
    }
    return 0;
}

void xlcfg_disk_free(struct xlcfg_disk *disk)
{
    free(disk->target);
    free(disk->vdev);
    free(disk->backend);
    free(disk->script);
    free(disk->colo_host);
    free(disk->colo_export);
    free(disk->active_disk);
    free(disk->hidden_disk);
    memset(disk, 0, sizeof(*disk));
}

char *xlcfg_disk_format_spec(const struct xlcfg_disk *d)
{
    struct xlcfg_buf b = { 0 };

    xlcfg_buf_item(&b, "format=%s", xlcfg_format_name(d->format));
    xlcfg_buf_item(&b, "vdev=%s", d->vdev ? d->vdev : "");
    xlcfg_buf_item(&b, "access=%s", d->readwrite ? (d->shared_rw ? "w!" : "rw") : "ro");
    if (d->is_cdrom)
        xlcfg_buf_item(&b, "devtype=cdrom");
    if (d->backendtype != XLCFG_BACKEND_AUTO)
        xlcfg_buf_item(&b, "backendtype=%s",
                       xlcfg_backendtype_name(d->backendtype));
    if (d->specification == XLCFG_SPEC_VIRTIO)
        xlcfg_buf_item(&b, "specification=virtio");
    if (d->backend)
        xlcfg_buf_item(&b, "backend=%s", d->backend);
    if (d->script)
        xlcfg_buf_item(&b, "script=%s", d->script);
    if (d->discard != XLCFG_DEFAULT)
        xlcfg_buf_item(&b, "%s", d->discard ? "discard" : "no-discard");
    if (d->trusted != XLCFG_DEFAULT)
        xlcfg_buf_item(&b, "%s", d->trusted ? "trusted" : "untrusted");
    if (d->grant_usage != XLCFG_DEFAULT)
        xlcfg_buf_item(&b, "grant_usage=%d", d->grant_usage);
    if (d->direct_io_safe)
        xlcfg_buf_item(&b, "direct-io-safe");
    if (d->colo != XLCFG_DEFAULT)
        xlcfg_buf_item(&b, "%s", d->colo ? "colo" : "no-colo");
    if (d->colo_host)
        xlcfg_buf_item(&b, "colo-host=%s", d->colo_host);
    if (d->colo_port)
        xlcfg_buf_item(&b, "colo-port=%d", d->colo_port);
    if (d->colo_export)
        xlcfg_buf_item(&b, "colo-export=%s", d->colo_export);
    if (d->active_disk)
        xlcfg_buf_item(&b, "active-disk=%s", d->active_disk);
    if (d->hidden_disk)
        xlcfg_buf_item(&b, "hidden-disk=%s", d->hidden_disk);
    if (d->target) {
        size_t n = strlen(d->target);

        /* target= drops one trailing comma when read back: add one. */
        xlcfg_buf_item(&b, "target=%s%s", d->target,
                       n && d->target[n - 1] == ',' ? "," : "");
    }
    return xlcfg_buf_take(&b);
}
