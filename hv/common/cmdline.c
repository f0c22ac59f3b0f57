/*
 * Table-driven parser for the hypervisor command line (see oryx/cmdline.h
 * for the accepted forms). A bad word never stops the boot: it is named in
 * a warning and skipped.
 */
#include <oryx/cmdline.h>
#include <oryx/errno.h>
#include <oryx/lib.h>
#include <oryx/parse.h>

/* Bounds of the "oryx_cmdline" section. The linker provides them for a
 * section whose name is a C identifier; weak so an image that registers
 * nothing still links (both are then NULL). */
extern const struct cmdline_opt __start_oryx_cmdline[] __attribute__((weak));
extern const struct cmdline_opt __stop_oryx_cmdline[] __attribute__((weak));

const struct cmdline_opt *cmdline_registered(size_t *n)
{
    const struct cmdline_opt *start = __start_oryx_cmdline;
    const struct cmdline_opt *stop = __stop_oryx_cmdline;

    *n = (start && stop > start) ? (size_t)(stop - start) : 0;
    return start;
}

/* Option names compare with '-' and '_' as the same character. */
static bool name_eq(const char *a, const char *b, size_t blen)
{
    size_t i;

    for (i = 0; i < blen; i++) {
        char ca = a[i] == '_' ? '-' : a[i];
        char cb = b[i] == '_' ? '-' : b[i];

        if (ca == '\0' || ca != cb)
            return false;
    }
    return a[blen] == '\0';
}

static const struct cmdline_opt *find_opt(const struct cmdline_opt *opts, size_t n,
                                          const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (name_eq(opts[i].name, name, len))
            return &opts[i];
    return NULL;
}

/* "no-X" / "no_X" naming a bool option X. */
static const struct cmdline_opt *find_negated(const struct cmdline_opt *opts, size_t n,
                                              const char *name, size_t len)
{
    const struct cmdline_opt *o;

    if (len <= 3 || name[0] != 'n' || name[1] != 'o' || (name[2] != '-' && name[2] != '_'))
        return NULL;
    o = find_opt(opts, n, name + 3, len - 3);
    return (o && o->type == CMDLINE_BOOL) ? o : NULL;
}

static int store_uint(const struct cmdline_opt *o, uint64_t v)
{
    int rc = 0;

    switch (o->size) {
    case 1:
        if (v > UINT8_MAX)
            rc = -ERANGE;
        else
            *(uint8_t *)o->var = (uint8_t)v;
        break;
    case 2:
        if (v > UINT16_MAX)
            rc = -ERANGE;
        else
            *(uint16_t *)o->var = (uint16_t)v;
        break;
    case 4:
        if (v > UINT32_MAX)
            rc = -ERANGE;
        else
            *(uint32_t *)o->var = (uint32_t)v;
        break;
    case 8:
        *(uint64_t *)o->var = v;
        break;
    default:
        rc = -EINVAL;       /* a table bug: refuse rather than guess */
        break;
    }
    return rc;
}

/* Apply one option; value is NULL for a bare "opt". Returns 0 or -errno
 * and sets *what to a short reason for the warning. */
static int apply(const struct cmdline_opt *o, const char *value, const char **what)
{
    uint64_t v;
    bool b;
    size_t len;
    int rc = 0;

    switch (o->type) {
    case CMDLINE_BOOL:
        if (!value)
            b = true;
        else if ((rc = parse_bool(value, &b)) != 0)
            *what = "not a boolean";
        if (!rc)
            *(bool *)o->var = b;
        break;
    case CMDLINE_UINT:
    case CMDLINE_SIZE:
        if (!value || !*value) {
            rc = -EINVAL;
            *what = "needs a value";
            break;
        }
        rc = parse_u64(value, NULL, &v, o->type == CMDLINE_SIZE);
        if (rc == -ERANGE) {
            *what = "out of range";
            break;
        }
        if (rc) {
            *what = o->type == CMDLINE_SIZE ? "not a size" : "not a number";
            break;
        }
        if ((rc = store_uint(o, v)) != 0)
            *what = "out of range";
        break;
    case CMDLINE_STRING:
        if (!value) {
            rc = -EINVAL;
            *what = "needs a value";
            break;
        }
        len = strlen(value);
        if (len >= o->size) {
            rc = -E2BIG;
            *what = "value too long";
            break;
        }
        memcpy(o->var, value, len + 1);
        break;
    case CMDLINE_CUSTOM:
        if (!o->handler || (rc = o->handler(value)) != 0) {
            rc = rc ? rc : -EINVAL;
            *what = "rejected";
        }
        break;
    default:
        rc = -EINVAL;
        *what = "bad option table entry";
        break;
    }
    return rc;
}

/* Handle one unquoted word; returns 0 if it was accepted. */
static int parse_one(char *word, const struct cmdline_opt *opts, size_t n)
{
    const struct cmdline_opt *o;
    const char *value = NULL, *what = NULL;
    char *eq = strchr(word, '=');
    size_t name_len = eq ? (size_t)(eq - word) : strlen(word);
    int rc;

    if (eq)
        value = eq + 1;
    o = find_opt(opts, n, word, name_len);
    if (!o) {
        o = find_negated(opts, n, word, name_len);
        if (!o) {
            printk_lvl(LOG_WARN, "warning: cmdline: unknown option '%s'\n", word);
            return -ENOENT;
        }
        if (value) {
            printk_lvl(LOG_WARN, "warning: cmdline: '%s': a no- option takes no value\n",
                       word);
            return -EINVAL;
        }
        *(bool *)o->var = false;
        return 0;
    }
    rc = apply(o, value, &what);
    if (rc)
        printk_lvl(LOG_WARN, "warning: cmdline: '%s': %s\n", word, what ? what : "invalid");
    return rc;
}

unsigned int cmdline_parse(const char *cmdline, const struct cmdline_opt *opts, size_t n)
{
    char word[CMDLINE_WORD_MAX];
    const char *p = cmdline ? cmdline : "";
    unsigned int bad = 0;
    int rc;

    while ((rc = parse_word(&p, word, sizeof(word))) != 0) {
        if (rc == -E2BIG) {
            printk_lvl(LOG_WARN, "warning: cmdline: option too long: '%.32s...'\n", word);
            bad++;
            continue;
        }
        if (rc == -EINVAL) {
            printk_lvl(LOG_WARN, "warning: cmdline: unterminated quote in '%s'\n", word);
            bad++;
            continue;
        }
        if (word[0] == '\0')
            continue;           /* "" on its own: nothing to do */
        if (parse_one(word, opts, n))
            bad++;
    }
    return bad;
}

const char *cmdline_skip_image(const char *cmdline, const struct cmdline_opt *opts, size_t n)
{
    char word[CMDLINE_WORD_MAX];
    const char *p, *after, *slash, *eq;
    size_t len;
    int rc;

    if (!cmdline)
        return "";
    p = parse_skip_blanks(cmdline);
    after = p;
    rc = parse_word(&after, word, sizeof(word));
    if (rc == 0 || rc == -EINVAL)
        return p;               /* empty, or let the parser report it */
    slash = strchr(word, '/');
    eq = strchr(word, '=');
    if (slash && (!eq || slash < eq))
        return after;           /* a path */
    if (eq)
        return p;               /* name=value: an option */
    len = strlen(word);
    if (find_opt(opts, n, word, len) || find_negated(opts, n, word, len))
        return p;               /* a known bare option */
    return after;               /* a bare file name */
}

unsigned int cmdline_parse_boot(const char *cmdline)
{
    size_t n;
    const struct cmdline_opt *opts = cmdline_registered(&n);

    return cmdline_parse(cmdline_skip_image(cmdline, opts, n), opts, n);
}

void cmdline_print_help(const struct cmdline_opt *opts, size_t n)
{
    static const char *const type_names[] = {
        [CMDLINE_BOOL] = "<bool>",
        [CMDLINE_UINT] = "<number>",
        [CMDLINE_SIZE] = "<size>",
        [CMDLINE_STRING] = "<string>",
        [CMDLINE_CUSTOM] = "<value>",
    };
    size_t i;

    for (i = 0; i < n; i++) {
        const char *t = opts[i].type < ARRAY_SIZE(type_names) ? type_names[opts[i].type] : "?";

        printk_lvl(LOG_INFO, "  %s=%-9s %s\n", opts[i].name, t, opts[i].help ? opts[i].help : "");
    }
}
