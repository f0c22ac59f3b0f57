/*
 * Helpers shared by the library's files; not part of the API.
 */
#ifndef ORYX_XLCFG_INTERNAL_H
#define ORYX_XLCFG_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>

#include "xlcfg.h"

void xlcfg_value_free(struct xlcfg_value *v);

/* malloc'd printf; NULL on ENOMEM. */
char *xlcfg_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Replaces *dst with a copy of src (NULL stays NULL); -ENOMEM. */
int xlcfg_set_str(char **dst, const char *src);

/* Writes s as a double-quoted xl.cfg string with escapes. */
void xlcfg_put_quoted(FILE *out, const char *s);

/* Growable text buffer for building spec strings. */
struct xlcfg_buf {
    char *s;
    size_t len, cap;
    int oom;
};
void xlcfg_buf_add(struct xlcfg_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Adds ", " between items. */
void xlcfg_buf_item(struct xlcfg_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Returns the string (caller frees) or NULL after an allocation failure. */
char *xlcfg_buf_take(struct xlcfg_buf *b);

#endif
