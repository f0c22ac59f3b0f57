/*
 * Small string helpers for the library.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "xlcfg_internal.h"

char *xlcfg_fmt(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

int xlcfg_set_str(char **dst, const char *src)
{
    char *n = NULL;

    if (src) {
        n = strdup(src);
        if (!n)
            return -ENOMEM;
    }
    free(*dst);
    *dst = n;
    return 0;
}

void xlcfg_put_quoted(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        case '\r': fputs("\\r", out); break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(out, "\\x%02x", c);
            else
                fputc(c, out);
            break;
        }
    }
    fputc('"', out);
}

static void buf_vadd(struct xlcfg_buf *b, const char *fmt, va_list ap)
{
    va_list aq;
    int n;

    if (b->oom)
        return;
    va_copy(aq, ap);
    n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t ncap = (b->len + (size_t)n + 1) * 2;
        char *ns = realloc(b->s, ncap);

        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = ncap;
    }
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    b->len += (size_t)n;
}

void xlcfg_buf_add(struct xlcfg_buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    buf_vadd(b, fmt, ap);
    va_end(ap);
}

void xlcfg_buf_item(struct xlcfg_buf *b, const char *fmt, ...)
{
    va_list ap;

    if (b->len)
        xlcfg_buf_add(b, ", ");
    va_start(ap, fmt);
    buf_vadd(b, fmt, ap);
    va_end(ap);
}

char *xlcfg_buf_take(struct xlcfg_buf *b)
{
    char *s;

    if (b->oom) {
        free(b->s);
        memset(b, 0, sizeof(*b));
        return NULL;
    }
    if (!b->s)
        return strdup("");
    s = b->s;
    memset(b, 0, sizeof(*b));
    return s;
}

int xlcfg_strlist_add(struct xlcfg_strlist *l, const char *s)
{
    char **nv;
    char *c = strdup(s);

    if (!c)
        return -ENOMEM;
    nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
    if (!nv) {
        free(c);
        return -ENOMEM;
    }
    l->v = nv;
    l->v[l->n++] = c;
    return 0;
}

void xlcfg_strlist_free(struct xlcfg_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}
