/*
 * vif= spec strings, per xl-network-configuration(5): comma-separated
 * key=value pairs and flags; an empty spec is a NIC with every default.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xlcfg.h"
#include "xlcfg_internal.h"

static int verr(char **err, const char *msg, const char *near)
{
    if (!*err)
        *err = near ? xlcfg_fmt("%s: `%s'", msg, near) : xlcfg_fmt("%s", msg);
    return -EINVAL;
}

static int hexdig(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Six octets of one or two hex digits separated by ':'. */
static int parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        int hi = hexdig(s[0]), lo;

        if (hi < 0)
            return -EINVAL;
        lo = hexdig(s[1]);
        if (lo >= 0) {
            mac[i] = (uint8_t)(hi * 16 + lo);
            s += 2;
        } else {
            mac[i] = (uint8_t)hi;
            s += 1;
        }
        if (i < 5 && *s++ != ':')
            return -EINVAL;
    }
    return *s ? -EINVAL : 0;
}

/* Decimal digits then nothing else; value in *v. */
static const char *parse_u64(const char *s, uint64_t *v)
{
    uint64_t n = 0;

    if (!(*s >= '0' && *s <= '9'))
        return NULL;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (n > (UINT64_MAX - 9) / 10)
            return NULL;
        n = n * 10 + (uint64_t)(*s - '0');
    }
    *v = n;
    return s;
}

/* RATE[@INTERVAL]: RATE is N[GMK](B|b)/s, INTERVAL is N[m|u]s (default
 * 50ms). Stored as bytes per interval, as netback wants it. */
static int parse_rate(struct xlcfg_vif *vif, const char *rate, char **err)
{
    uint64_t bytes, interval = 50000, mult = 1;
    const char *p = rate, *at = strchr(rate, '@');

    p = parse_u64(p, &bytes);
    if (!p || bytes == 0 || bytes > UINT32_MAX)
        return verr(err, "invalid rate (e.g. 10Mb/s, 1MB/s@20ms)", rate);
    if (*p == 'G')
        mult = 1000000000;
    else if (*p == 'M')
        mult = 1000000;
    else if (*p == 'K')
        mult = 1000;
    if (mult != 1)
        p++;
    bytes *= mult;
    if (*p == 'b')
        bytes /= 8;
    else if (*p != 'B')
        return verr(err, "invalid rate (e.g. 10Mb/s, 1MB/s@20ms)", rate);
    p++;
    if (strncmp(p, "/s", 2) || (p[2] && p[2] != '@'))
        return verr(err, "invalid rate (e.g. 10Mb/s, 1MB/s@20ms)", rate);
    if (at) {
        p = parse_u64(at + 1, &interval);
        if (!p || interval == 0 || interval > UINT32_MAX)
            return verr(err, "invalid replenishment interval", at + 1);
        if (!strcmp(p, "ms"))
            interval *= 1000;
        else if (!strcmp(p, "s") || !*p)
            interval *= 1000000;
        else if (strcmp(p, "us"))
            return verr(err, "invalid replenishment interval", at + 1);
        if (interval > UINT32_MAX)
            return verr(err, "replenishment interval too long", at + 1);
    }
    if (bytes > UINT64_MAX / interval)
        return verr(err, "rate too large", rate);
    vif->rate_interval_usecs = (uint32_t)interval;
    vif->rate_bytes_per_interval = bytes * interval / 1000000;
    return xlcfg_set_str(&vif->rate, rate);
}

static int parse_num(const char *s, int64_t max, int64_t *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < 0 || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

static int option(struct xlcfg_vif *vif, char *tok, char **err)
{
    char *val = strchr(tok, '=');
    char **dst = NULL;

    if (!val) {
        if (!strcmp(tok, "trusted")) {
            vif->trusted = 1;
            return 0;
        }
        if (!strcmp(tok, "untrusted")) {
            vif->trusted = 0;
            return 0;
        }
        return verr(err, "unrecognized argument", tok);
    }
    *val++ = 0;
    if (!strcmp(tok, "mac")) {
        if (parse_mac(val, vif->mac) < 0)
            return verr(err, "invalid mac (want six hex octets, "
                        "00:16:3e:xx:xx:xx)", val);
        vif->has_mac = 1;
        return 0;
    }
    if (!strcmp(tok, "type")) {
        if (!strcmp(val, "vif"))
            vif->type = XLCFG_VIF_VIF;
        else if (!strcmp(val, "ioemu"))
            vif->type = XLCFG_VIF_IOEMU;
        else
            return verr(err, "invalid type (vif, ioemu)", val);
        return 0;
    }
    if (!strcmp(tok, "rate"))
        return parse_rate(vif, val, err);
    if (!strcmp(tok, "mtu")) {
        if (parse_num(val, 65535, &vif->mtu) < 0)
            return verr(err, "invalid mtu", val);
        return 0;
    }
    if (!strcmp(tok, "devid")) {
        if (parse_num(val, 65535, &vif->devid) < 0)
            return verr(err, "invalid devid", val);
        return 0;
    }
    if (!strcmp(tok, "bridge"))
        dst = &vif->bridge;
    else if (!strcmp(tok, "ip"))
        dst = &vif->ip;
    else if (!strcmp(tok, "script"))
        dst = &vif->script;
    else if (!strcmp(tok, "vifname"))
        dst = &vif->vifname;
    else if (!strcmp(tok, "model"))
        dst = &vif->model;
    else if (!strcmp(tok, "backend"))
        dst = &vif->backend;
    else if (!strcmp(tok, "gatewaydev") || !strcmp(tok, "netdev"))
        dst = &vif->gatewaydev;   /* netdev is the deprecated name */
    else if (!strcmp(tok, "vlan"))
        dst = &vif->vlan;
    else if (!strcmp(tok, "accel"))
        return 0;                 /* xl accepts and ignores it */
    else if (!strncmp(tok, "colo_", 5) || !strcmp(tok, "forwarddev"))
        return verr(err, "COLO parameters are not supported", tok);
    else
        return verr(err, "unrecognized argument", tok);
    return xlcfg_set_str(dst, val);
}

int xlcfg_vif_parse(const char *spec, struct xlcfg_vif *vif, char **err)
{
    char *copy, *p, *tok;
    int rc = 0;

    memset(vif, 0, sizeof(*vif));
    vif->type = XLCFG_DEFAULT;
    vif->trusted = XLCFG_DEFAULT;
    vif->mtu = vif->devid = XLCFG_UNSET;
    *err = NULL;

    copy = strdup(spec);
    if (!copy)
        return -ENOMEM;
    for (p = copy; p; ) {
        char *end;

        tok = p;
        p = strchr(p, ',');
        if (p)
            *p++ = 0;
        while (*tok == ' ' || *tok == '\t' || *tok == '\n')
            tok++;
        end = tok + strlen(tok);
        while (end > tok && (end[-1] == ' ' || end[-1] == '\t' ||
                             end[-1] == '\n'))
            *--end = 0;
        if (!*tok)
            continue;           /* empty items are skipped, as in xl */
        rc = option(vif, tok, err);
        if (rc)
            break;
    }
    free(copy);
    if (rc == -ENOMEM && !*err)
        *err = xlcfg_fmt("out of memory");
    return rc;
}

void xlcfg_vif_free(struct xlcfg_vif *vif)
{
    free(vif->bridge);
    free(vif->ip);
    free(vif->script);
    free(vif->vifname);
    free(vif->model);
    free(vif->backend);
    free(vif->gatewaydev);
    free(vif->vlan);
    free(vif->rate);
    memset(vif, 0, sizeof(*vif));
}

char *xlcfg_vif_format_spec(const struct xlcfg_vif *v)
{
    struct xlcfg_buf b = { 0 };

    if (v->has_mac)
        xlcfg_buf_item(&b, "mac=%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0],
                       v->mac[1], v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
    if (v->type != XLCFG_DEFAULT)
        xlcfg_buf_item(&b, "type=%s", v->type == XLCFG_VIF_IOEMU ? "ioemu"
                                                                 : "vif");
    if (v->bridge)
        xlcfg_buf_item(&b, "bridge=%s", v->bridge);
    if (v->ip)
        xlcfg_buf_item(&b, "ip=%s", v->ip);
    if (v->script)
        xlcfg_buf_item(&b, "script=%s", v->script);
    if (v->vifname)
        xlcfg_buf_item(&b, "vifname=%s", v->vifname);
    if (v->model)
        xlcfg_buf_item(&b, "model=%s", v->model);
    if (v->backend)
        xlcfg_buf_item(&b, "backend=%s", v->backend);
    if (v->gatewaydev)
        xlcfg_buf_item(&b, "gatewaydev=%s", v->gatewaydev);
    if (v->vlan)
        xlcfg_buf_item(&b, "vlan=%s", v->vlan);
    if (v->rate)
        xlcfg_buf_item(&b, "rate=%s", v->rate);
    if (v->mtu != XLCFG_UNSET)
        xlcfg_buf_item(&b, "mtu=%lld", (long long)v->mtu);
    if (v->devid != XLCFG_UNSET)
        xlcfg_buf_item(&b, "devid=%lld", (long long)v->devid);
    if (v->trusted != XLCFG_DEFAULT)
        xlcfg_buf_item(&b, "%s", v->trusted ? "trusted" : "untrusted");
    return xlcfg_buf_take(&b);
}
