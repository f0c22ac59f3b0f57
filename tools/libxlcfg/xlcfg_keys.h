/*
 * The option table shared by the reader (xlcfg_domain.c) and the
 * printer (xlcfg_print.c). Internal to the library.
 */
#ifndef ORYX_XLCFG_KEYS_H
#define ORYX_XLCFG_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "xlcfg.h"

enum xlcfg_kind {
    XK_STR,             /* char * */
    XK_INT,             /* int64_t, XLCFG_UNSET when absent */
    XK_BOOL,            /* int8_t, XLCFG_DEFAULT when absent */
    XK_CHOICE,          /* char *, one of choices */
    XK_CHOICE_NUM,      /* char *, one of choices or its index */
    XK_CUSTOM,          /* handler; printed by xlcfg_print.c */
};

/* Guest types an option applies to (0: all). */
#define XLCFG_ONLY_PV      (1u << XLCFG_TYPE_PV)
#define XLCFG_ONLY_PVH     (1u << XLCFG_TYPE_PVH)
#define XLCFG_ONLY_HVM     (1u << XLCFG_TYPE_HVM)
#define XLCFG_ONLY_PV_PVH  (XLCFG_ONLY_PV | XLCFG_ONLY_PVH)

struct xlcfg_ctx;

struct xlcfg_key {
    const char *name;
    enum xlcfg_kind kind;
    size_t off;
    unsigned int only;
    int64_t min, max;
    const char *const *choices;
    int (*handler)(struct xlcfg_ctx *c, const struct xlcfg_setting *s);
};

/* Terminated by an entry with a NULL name. */
extern const struct xlcfg_key xlcfg_keys[];
const struct xlcfg_key *xlcfg_key_find(const char *name);

#endif
