/*
 * Diagnostics: the library never prints on its own; callers decide where
 * messages go (oxl prints them like a compiler does).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "xlcfg.h"

void xlcfg_diags_init(struct xlcfg_diags *d, const char *source)
{
    memset(d, 0, sizeof(*d));
    d->source = strdup(source ? source : "<config>");
}

void xlcfg_diags_free(struct xlcfg_diags *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->v[i].msg);
    free(d->v);
    free(d->source);
    memset(d, 0, sizeof(*d));
}

int xlcfg_diag_add(struct xlcfg_diags *d, enum xlcfg_severity sev,
                   unsigned int line, unsigned int col, const char *fmt, ...)
{
    va_list ap;
    char *msg = NULL;
    int rc = 0;

    /* Count even when storing fails, so callers still see an error. */
    if (sev == XLCFG_ERROR)
        d->nerrors++;
    else
        d->nwarnings++;

    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    if (!msg) {
        rc = -ENOMEM;
        goto out;
    }
    if (d->n == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 8;
        struct xlcfg_diag *nv = realloc(d->v, ncap * sizeof(*nv));

        if (!nv) {
            rc = -ENOMEM;
            goto out;
        }
        d->v = nv;
        d->cap = ncap;
    }
    d->v[d->n].severity = sev;
    d->v[d->n].line = line;
    d->v[d->n].col = col;
    d->v[d->n].msg = msg;
    d->n++;
    msg = NULL;
out:
    free(msg);
    return rc;
}

void xlcfg_diags_print(const struct xlcfg_diags *d, FILE *out)
{
    const char *src = d->source ? d->source : "<config>";

    for (size_t i = 0; i < d->n; i++) {
        const struct xlcfg_diag *g = &d->v[i];
        const char *sev = g->severity == XLCFG_ERROR ? "error" : "warning";

        if (g->line && g->col)
            fprintf(out, "%s:%u:%u: %s: %s\n", src, g->line, g->col, sev,
                    g->msg);
        else if (g->line)
            fprintf(out, "%s:%u: %s: %s\n", src, g->line, sev, g->msg);
        else
            fprintf(out, "%s: %s: %s\n", src, sev, g->msg);
    }
}
