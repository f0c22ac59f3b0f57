/*
 * pci= spec strings, per xl-pci-configuration(5):
 *   [DDDD:]BB:SS.F[@VSLOT][,KEY=VALUE...]  or  KEY=VALUE,...
 * F may be '*' (every function). Numbers are hexadecimal.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xlcfg.h"
#include "xlcfg_internal.h"

static int perr(char **err, const char *msg, const char *near)
{
    if (!*err)
        *err = near ? xlcfg_fmt("%s: `%s'", msg, near) : xlcfg_fmt("%s", msg);
    return -EINVAL;
}

/* Up to maxdigits hex digits, value <= max. Returns the end or NULL. */
static const char *hexnum(const char *s, int maxdigits, unsigned long max,
                          unsigned long *v)
{
    unsigned long n = 0;
    int i;

    for (i = 0; i < maxdigits; i++) {
        char c = s[i];
        int d;

        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            break;
        n = n * 16 + (unsigned long)d;
    }
    if (i == 0 || n > max)
        return NULL;
    *v = n;
    return s + i;
}

static int parse_bdf(struct xlcfg_pci *pci, const char *s, int allow_vslot)
{
    unsigned long a, b, dev, fn = 0;
    const char *p;

    p = hexnum(s, 4, 0xffff, &a);
    if (!p || *p != ':')
        return -EINVAL;
    p = hexnum(p + 1, 4, 0xffff, &b);
    if (!p)
        return -EINVAL;
    if (*p == ':') {            /* DDDD:BB:SS */
        if (b > 0xff)
            return -EINVAL;
        pci->domain = (uint16_t)a;
        pci->bus = (uint8_t)b;
        p = hexnum(p + 1, 2, 0x1f, &dev);
        if (!p)
            return -EINVAL;
    } else {                    /* BB:SS */
        if (a > 0xff || b > 0x1f)
            return -EINVAL;
        pci->domain = 0;
        pci->bus = (uint8_t)a;
        dev = b;
    }
    pci->dev = (uint8_t)dev;
    if (*p++ != '.')
        return -EINVAL;
    if (*p == '*') {
        pci->all_functions = 1;
        p++;
    } else {
        p = hexnum(p, 1, 7, &fn);
        if (!p)
            return -EINVAL;
    }
    pci->func = (uint8_t)fn;
    if (*p == '@' && allow_vslot) {
        unsigned long vs;

        p = hexnum(p + 1, 2, 0xff, &vs);
        if (!p)
            return -EINVAL;
        pci->vslot = (int)vs;
    }
    if (*p)
        return -EINVAL;
    pci->has_bdf = 1;
    return 0;
}

static int boolval(const char *v, int8_t *dst)
{
    if (!strcmp(v, "0") || !strcmp(v, "1")) {
        *dst = (int8_t)(v[0] - '0');
        return 0;
    }
    return -EINVAL;
}

static int option(struct xlcfg_pci *pci, char *tok, int first, char **err)
{
    char *val = strchr(tok, '=');

    if (!val) {
        if (!first)
            return perr(err, "unexpected parameter (want key=value)", tok);
        if (parse_bdf(pci, tok, 1) < 0)
            return perr(err, "invalid BDF (want [DDDD:]BB:SS.F[@VSLOT])",
                        tok);
        return 0;
    }
    *val++ = 0;
    if (!strcmp(tok, "bdf")) {
        if (pci->has_bdf)
            return perr(err, "bdf given twice", val);
        if (parse_bdf(pci, val, 0) < 0)
            return perr(err, "invalid BDF (want [DDDD:]BB:SS.F)", val);
        return 0;
    }
    if (!strcmp(tok, "vslot")) {
        unsigned long vs;
        const char *e = hexnum(val, 2, 0xff, &vs);

        if (!e || *e)
            return perr(err, "invalid vslot (hex, 0-ff)", val);
        pci->vslot = (int)vs;
        return 0;
    }
    if (!strcmp(tok, "permissive") || !strcmp(tok, "msitranslate") ||
        !strcmp(tok, "seize") || !strcmp(tok, "power_mgmt")) {
        int8_t *dst = tok[0] == 'p' ? (tok[1] == 'e' ? &pci->permissive
                                                      : &pci->power_mgmt)
                    : tok[0] == 'm' ? &pci->msitranslate : &pci->seize;

        if (boolval(val, dst) < 0)
            return perr(err, "expected 0 or 1", val);
        return 0;
    }
    if (!strcmp(tok, "rdm_policy")) {
        if (!strcmp(val, "strict"))
            pci->rdm_policy = 0;
        else if (!strcmp(val, "relaxed"))
            pci->rdm_policy = 1;
        else
            return perr(err, "invalid rdm_policy (strict, relaxed)", val);
        return 0;
    }
    if (!strcmp(tok, "name"))
        return xlcfg_set_str(&pci->name, val);
    return perr(err, "unknown parameter", tok);
}

int xlcfg_pci_parse(const char *spec, struct xlcfg_pci *pci, char **err)
{
    char *copy, *p, *tok;
    int first = 1, rc = 0;

    memset(pci, 0, sizeof(*pci));
    pci->vslot = -1;
    pci->permissive = pci->msitranslate = pci->seize = pci->power_mgmt =
        XLCFG_DEFAULT;
    pci->rdm_policy = XLCFG_DEFAULT;
    *err = NULL;

    copy = strdup(spec);
    if (!copy)
        return -ENOMEM;
    for (p = copy; p && !rc; first = 0) {
        tok = p;
        p = strchr(p, ',');
        if (p)
            *p++ = 0;
        while (*tok == ' ' || *tok == '\t')
            tok++;
        if (!*tok)
            continue;
        rc = option(pci, tok, first, err);
    }
    free(copy);
    if (!rc && !pci->has_bdf && !pci->name)
        rc = perr(err, "no device given (want a BDF or name=)", NULL);
    if (!rc && pci->has_bdf && pci->name)
        rc = perr(err, "give either a BDF or name=, not both", NULL);
    if (rc == -ENOMEM && !*err)
        *err = xlcfg_fmt("out of memory");
    return rc;
}

void xlcfg_pci_free(struct xlcfg_pci *pci)
{
    free(pci->name);
    memset(pci, 0, sizeof(*pci));
}

char *xlcfg_pci_format_spec(const struct xlcfg_pci *p)
{
    struct xlcfg_buf b = { 0 };

    if (p->has_bdf) {
        if (p->all_functions)
            xlcfg_buf_add(&b, "%04x:%02x:%02x.*", p->domain, p->bus, p->dev);
        else
            xlcfg_buf_add(&b, "%04x:%02x:%02x.%x", p->domain, p->bus,
                          p->dev, p->func);
    } else {
        xlcfg_buf_add(&b, "name=%s", p->name ? p->name : "");
    }
    if (p->vslot >= 0)
        xlcfg_buf_item(&b, "vslot=%x", p->vslot);
    if (p->permissive != XLCFG_DEFAULT)
        xlcfg_buf_item(&b, "permissive=%d", p->permissive);
    if (p->msitranslate != XLCFG_DEFAULT)
        xlcfg_buf_item(&b, "msitranslate=%d", p->msitranslate);
    if (p->seize != XLCFG_DEFAULT)
        xlcfg_buf_item(&b, "seize=%d", p->seize);
    if (p->power_mgmt != XLCFG_DEFAULT)
        xlcfg_buf_item(&b, "power_mgmt=%d", p->power_mgmt);
    if (p->rdm_policy != XLCFG_DEFAULT)
        xlcfg_buf_item(&b, "rdm_policy=%s", p->rdm_policy ? "relaxed"
                                                          : "strict");
    return xlcfg_buf_take(&b);
}
