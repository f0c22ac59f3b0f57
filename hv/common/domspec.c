/*
 * Boot-module domain specifications (oryx/domspec.h, docs/boot-domains.md).
 * Domains are strict where the hypervisor command line is lenient: a typo
 * in a domain's line stops that domain instead of being ignored.
 */
#include <oryx/domspec.h>
#include <oryx/errno.h>
#include <oryx/lib.h>
#include <oryx/parse.h>

/* A word of a domain line: key=value with value up to a full cmdline. */
#define WORD_MAX (DOMSPEC_CMDLINE_MAX + 16)

enum domspec_key {
    KEY_NAME,
    KEY_MEM,
    KEY_VCPUS,
    KEY_ON_POWEROFF,
    KEY_ON_REBOOT,
    KEY_ON_CRASH,
    KEY_CMDLINE,
    KEY_TYPE,
    KEY_NR,
};

static const char *const key_names[KEY_NR] = {
    [KEY_NAME] = "name",
    [KEY_MEM] = "mem",
    [KEY_VCPUS] = "vcpus",
    [KEY_ON_POWEROFF] = "on_poweroff",
    [KEY_ON_REBOOT] = "on_reboot",
    [KEY_ON_CRASH] = "on_crash",
    [KEY_CMDLINE] = "cmdline",
    [KEY_TYPE] = "type",
};

static const char *const action_names[] = {
    [DOMSPEC_DESTROY] = "destroy",
    [DOMSPEC_RESTART] = "restart",
    [DOMSPEC_PRESERVE] = "preserve",
};

const char *domspec_action_name(uint8_t action)
{
    return action < ARRAY_SIZE(action_names) ? action_names[action] : "?";
}

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

/* Key names compare with '-' and '_' as the same character. */
static bool key_eq(const char *key, const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        char a = key[i] == '-' ? '_' : key[i];
        char b = s[i] == '-' ? '_' : s[i];

        if (a == '\0' || a != b)
            return false;
    }
    return key[len] == '\0';
}

bool domspec_name_valid(const char *s)
{
    size_t i;

    for (i = 0; s[i]; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return i > 0;
}

static int check_name(const char *v, char *dst, const char *what, char *err, size_t errlen)
{
    if (strlen(v) >= DOMSPEC_NAME_MAX)
        return fail(err, errlen, "%s '%.40s' too long (max %d characters)", what, v,
                    DOMSPEC_NAME_MAX - 1);
    if (!domspec_name_valid(v))
        return fail(err, errlen, "%s '%s' must be 1-%d of [A-Za-z0-9_.-]", what, v,
                    DOMSPEC_NAME_MAX - 1);
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

/*
 * Find the keyword kw as the first word, or as the second word after a
 * module path. Returns the text after it, or NULL.
 */
static const char *after_keyword(const char *line, const char *kw)
{
    char word[16];
    const char *p = line ? line : "";
    int i;

    for (i = 0; i < 2; i++) {
        int rc = parse_word(&p, word, sizeof(word));

        if (rc == 0)
            break;
        if (rc == 1 && strcmp(word, kw) == 0)
            return p;
    }
    return NULL;
}

enum domspec_kind domspec_classify(const char *modcmdline)
{
    char word[16];
    const char *p = modcmdline ? modcmdline : "";
    int i;

    /* Whichever keyword comes first decides (so "initrd domain" is an initrd). */
    for (i = 0; i < 2; i++) {
        int rc = parse_word(&p, word, sizeof(word));

        if (rc == 0)
            break;
        if (rc == 1 && strcmp(word, "domain") == 0)
            return DOMSPEC_MOD_DOMAIN;
        if (rc == 1 && strcmp(word, "initrd") == 0)
            return DOMSPEC_MOD_INITRD;
    }
    return DOMSPEC_MOD_OTHER;
}

static int parse_action(const char *key, const char *v, uint8_t *out, char *err, size_t errlen)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(action_names); i++) {
        if (strcmp(v, action_names[i]) == 0) {
            *out = (uint8_t)i;
            return 0;
        }
    }
    return fail(err, errlen, "bad %s '%s' (destroy, restart or preserve)", key, v);
}

static int set_key(struct domspec *d, enum domspec_key k, const char *v, char *err, size_t errlen)
{
    uint64_t n;
    int rc;

    switch (k) {
    case KEY_NAME:
        return check_name(v, d->name, "name", err, errlen);
    case KEY_MEM:
        rc = parse_u64(v, NULL, &n, true);
        if (rc)
            return fail(err, errlen, "bad mem '%s' (a size such as 64M)", v);
        if (n < DOMSPEC_MEM_MIN || n > DOMSPEC_MEM_MAX)
            return fail(err, errlen, "mem '%s' outside 1M..%lluG", v,
                        (unsigned long long)(DOMSPEC_MEM_MAX >> 30));
        if (!IS_ALIGNED(n, PAGE_SIZE))
            return fail(err, errlen, "mem '%s' is not a multiple of 4K", v);
        d->mem_bytes = n;
        return 0;
    case KEY_VCPUS:
        rc = parse_u64(v, NULL, &n, false);
        if (rc || n < 1 || n > DOMSPEC_VCPUS_MAX)
            return fail(err, errlen, "bad vcpus '%s' (1..%d)", v, DOMSPEC_VCPUS_MAX);
        d->vcpus = (uint32_t)n;
        return 0;
    case KEY_ON_POWEROFF:
        return parse_action("on_poweroff", v, &d->on_poweroff, err, errlen);
    case KEY_ON_REBOOT:
        return parse_action("on_reboot", v, &d->on_reboot, err, errlen);
    case KEY_ON_CRASH:
        return parse_action("on_crash", v, &d->on_crash, err, errlen);
    case KEY_CMDLINE:
        if (strlen(v) >= DOMSPEC_CMDLINE_MAX)
            return fail(err, errlen, "cmdline too long (max %d bytes)", DOMSPEC_CMDLINE_MAX - 1);
        memcpy(d->cmdline, v, strlen(v) + 1);
        return 0;
    case KEY_TYPE:
        if (strcmp(v, "pvh") && strcmp(v, "hvm"))
            return fail(err, errlen, "bad type '%s' (pvh or hvm)", v);
        d->hvm = v[0] == 'h';
        return 0;
    default:
        return fail(err, errlen, "internal: unhandled key %d", (int)k);
    }
}

/* Text after "--": the guest's command line, minus surrounding blanks. */
static int take_rest(struct domspec *d, const char *rest, char *err, size_t errlen)
{
    const char *s = parse_skip_blanks(rest);
    size_t len = strlen(s);

    while (len && parse_is_blank(s[len - 1]))
        len--;
    if (len >= DOMSPEC_CMDLINE_MAX)
        return fail(err, errlen, "cmdline too long (max %d bytes)", DOMSPEC_CMDLINE_MAX - 1);
    memcpy(d->cmdline, s, len);
    d->cmdline[len] = '\0';
    return 0;
}

int domspec_parse(const char *modcmdline, struct domspec *out, char *err, size_t errlen)
{
    char word[WORD_MAX];
    bool seen[KEY_NR] = { false };
    const char *p;
    int rc;

    memset(out, 0, sizeof(*out));
    out->mem_bytes = DOMSPEC_MEM_DEFAULT;
    out->vcpus = 1;
    out->on_poweroff = DOMSPEC_DESTROY;
    out->on_reboot = DOMSPEC_RESTART;
    out->on_crash = DOMSPEC_DESTROY;
    if (err && errlen)
        err[0] = '\0';

    p = after_keyword(modcmdline, "domain");
    if (!p)
        return fail(err, errlen, "not a domain module (no 'domain' keyword)");

    while ((rc = parse_word(&p, word, sizeof(word))) != 0) {
        char *eq;
        size_t klen;
        enum domspec_key k;

        if (rc == -EINVAL)
            return fail(err, errlen, "unterminated quote in '%.40s'", word);
        if (rc == -E2BIG)
            return fail(err, errlen, "'%.20s...' too long (max %d bytes)", word,
                        DOMSPEC_CMDLINE_MAX - 1);
        if (strcmp(word, "--") == 0) {
            if (seen[KEY_CMDLINE])
                return fail(err, errlen, "cmdline given twice (cmdline= and --)");
            seen[KEY_CMDLINE] = true;
            rc = take_rest(out, p, err, errlen);
            if (rc)
                return rc;
            break;
        }
        eq = strchr(word, '=');
        if (!eq)
            return fail(err, errlen, "'%.40s': expected key=value", word);
        klen = (size_t)(eq - word);
        for (k = 0; k < KEY_NR; k++)
            if (key_eq(key_names[k], word, klen))
                break;
        if (k == KEY_NR) {
            *eq = '\0';
            return fail(err, errlen, "unknown key '%.40s'", word);
        }
        if (seen[k])
            return fail(err, errlen, "%s given twice", key_names[k]);
        seen[k] = true;
        if (k != KEY_CMDLINE && eq[1] == '\0')
            return fail(err, errlen, "%s= needs a value", key_names[k]);
        rc = set_key(out, k, eq + 1, err, errlen);
        if (rc)
            return rc;
    }
    if (!seen[KEY_NAME])
        return fail(err, errlen, "missing name=");
    return 0;
}

int domspec_parse_initrd(const char *modcmdline, char *for_name, char *err, size_t errlen)
{
    char word[DOMSPEC_NAME_MAX + 16];
    bool seen_for = false;
    const char *p;
    int rc;

    for_name[0] = '\0';
    if (err && errlen)
        err[0] = '\0';
    p = after_keyword(modcmdline, "initrd");
    if (!p)
        return fail(err, errlen, "not an initrd module (no 'initrd' keyword)");
    while ((rc = parse_word(&p, word, sizeof(word))) != 0) {
        if (rc < 0)
            return fail(err, errlen, "malformed word '%.40s'", word);
        if (strncmp(word, "for=", 4) != 0)
            return fail(err, errlen, "unknown initrd option '%.40s' (only for=NAME)", word);
        if (seen_for)
            return fail(err, errlen, "for given twice");
        seen_for = true;
        rc = check_name(word + 4, for_name, "for=", err, errlen);
        if (rc)
            return rc;
    }
    return 0;
}

size_t domspec_scan(const char *const *modcmdlines, size_t nmods,
                    struct domspec_entry *out, size_t max)
{
    size_t i, j, n = 0;
    char for_name[DOMSPEC_NAME_MAX], err[96];
    int rc;

    /* Pass 1: the domains, in module order. */
    for (i = 0; i < nmods; i++) {
        const char *line = modcmdlines[i] ? modcmdlines[i] : "";
        struct domspec_entry *e;

        if (domspec_classify(line) != DOMSPEC_MOD_DOMAIN)
            continue;
        if (n == max) {
            printk_lvl(LOG_WARN, "warning: module %zu: too many domains (max %zu); skipped\n",
                       i, max);
            continue;
        }
        e = &out[n++];
        e->kernel_module = (uint32_t)i;
        e->initrd_module = -1;
        e->rc = domspec_parse(line, &e->spec, e->err, sizeof(e->err));
        if (e->rc)
            continue;
        for (j = 0; j + 1 < n; j++) {
            if (out[j].rc == 0 && strcmp(out[j].spec.name, e->spec.name) == 0) {
                e->rc = -EEXIST;
                snprintf(e->err, sizeof(e->err), "duplicate domain name '%s' (module %u)",
                         e->spec.name, out[j].kernel_module);
                break;
            }
        }
    }

    /* Pass 2: attach the initrds. */
    for (i = 0; i < nmods; i++) {
        const char *line = modcmdlines[i] ? modcmdlines[i] : "";
        struct domspec_entry *t = NULL;

        if (domspec_classify(line) != DOMSPEC_MOD_INITRD)
            continue;
        rc = domspec_parse_initrd(line, for_name, err, sizeof(err));
        if (rc) {
            printk_lvl(LOG_WARN, "warning: module %zu: %s; ignored\n", i, err);
            continue;
        }
        for (j = 0; j < n; j++) {
            if (for_name[0] ? strcmp(out[j].spec.name, for_name) == 0
                            : out[j].kernel_module < i)
                t = &out[j];    /* last match before i wins for the no-for= case */
            if (t && for_name[0])
                break;
        }
        if (!t) {
            if (for_name[0])
                printk_lvl(LOG_WARN, "warning: module %zu: initrd for unknown domain '%s'; ignored\n",
                           i, for_name);
            else
                printk_lvl(LOG_WARN, "warning: module %zu: initrd with no domain module before it; ignored\n",
                           i);
            continue;
        }
        if (t->initrd_module >= 0) {
            if (t->rc == 0) {
                t->rc = -EINVAL;
                snprintf(t->err, sizeof(t->err), "two initrd modules (%d and %zu)",
                         t->initrd_module, i);
            }
            continue;
        }
        t->initrd_module = (int32_t)i;
    }
    return n;
}
