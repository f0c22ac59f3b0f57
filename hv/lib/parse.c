/*
 * Number, boolean and word parsing for command lines. Pure functions over
 * NUL-terminated strings: no allocation, no global state.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/parse.h>

static int digit_value(char c, unsigned int base)
{
    unsigned int v;

    if (c >= '0' && c <= '9')
        v = (unsigned int)(c - '0');
    else if (c >= 'a' && c <= 'f')
        v = (unsigned int)(c - 'a') + 10;
    else if (c >= 'A' && c <= 'F')
        v = (unsigned int)(c - 'A') + 10;
    else
        return -1;
    return v < base ? (int)v : -1;
}

static unsigned int suffix_shift(char c)
{
    switch (c) {
    case 'k': case 'K': return 10;
    case 'm': case 'M': return 20;
    case 'g': case 'G': return 30;
    case 't': case 'T': return 40;
    default:            return 0;
    }
}

int parse_u64(const char *s, const char **end, uint64_t *out, bool allow_suffix)
{
    unsigned int base = 10, shift;
    uint64_t v = 0;
    bool overflow = false;
    const char *p = s;
    int d, rc = 0;

    if (!s) {
        rc = -EINVAL;
        goto out;
    }
    /* "0x" counts as a prefix only when a hex digit follows it. */
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit_value(p[2], 16) >= 0) {
        base = 16;
        p += 2;
    }
    if (digit_value(*p, base) < 0) {
        rc = -EINVAL;
        goto out;
    }
    for (; (d = digit_value(*p, base)) >= 0; p++) {
        if (v > (UINT64_MAX - (uint64_t)d) / base)
            overflow = true;
        v = v * base + (uint64_t)d;
    }
    if (allow_suffix && (shift = suffix_shift(*p)) != 0) {
        if (v > (UINT64_MAX >> shift))
            overflow = true;
        v <<= shift;
        p++;
    }
    if (overflow)
        rc = -ERANGE;
    else if (!end && *p != '\0')
        rc = -EINVAL;
    else
        *out = v;
out:
    if (end)
        *end = p;
    return rc;
}

const char *parse_skip_blanks(const char *s)
{
    while (parse_is_blank(*s))
        s++;
    return s;
}

int parse_word(const char **pos, char *buf, size_t size)
{
    const char *p = parse_skip_blanks(*pos);
    size_t n = 0;
    bool too_long = false, unterminated = false;
    char quote = 0, c;
    int rc = 1;

    if (*p == '\0') {
        rc = 0;
        goto out;
    }
    while ((c = *p) != '\0' && (quote || !parse_is_blank(c))) {
        p++;
        if (!quote && (c == '"' || c == '\'')) {
            quote = c;
            continue;
        }
        if (quote && c == quote) {
            quote = 0;
            continue;
        }
        if (quote == '"' && c == '\\' && (*p == '"' || *p == '\\'))
            c = *p++;
        else if (!quote && c == '\\' && *p != '\0')
            c = *p++;   /* outside quotes \x is x (GRUB escapes \, ' and " so) */
        if (n + 1 < size)
            buf[n++] = c;
        else
            too_long = true;
    }
    unterminated = quote != 0;
    if (unterminated)
        rc = -EINVAL;
    else if (too_long)
        rc = -E2BIG;
out:
    if (size)
        buf[n] = '\0';
    *pos = p;
    return rc;
}

int parse_bool(const char *s, bool *out)
{
    static const struct { const char *word; bool value; } words[] = {
        { "1", true },     { "0", false },
        { "yes", true },   { "no", false },
        { "on", true },    { "off", false },
        { "true", true },  { "false", false },
        { "enable", true }, { "disable", false },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(words); i++) {
        if (strcmp(s, words[i].word) == 0) {
            *out = words[i].value;
            return 0;
        }
    }
    return -EINVAL;
}
