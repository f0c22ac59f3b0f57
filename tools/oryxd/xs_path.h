/*
 * Store path rules: validation, expansion of relative paths under a
 * domain's home (/local/domain/<id>) and the parent/child relation that
 * watches and transactions use.
 */
#ifndef ORYXD_XS_PATH_H
#define ORYXD_XS_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest canonical path plus its NUL. */
#define XS_PATH_BUF 3080

#define XS_SPECIAL_INTRODUCE "@introduceDomain"
#define XS_SPECIAL_RELEASE   "@releaseDomain"

/* Writes /local/domain/<domid> into buf (at least 32 bytes). */
void xs_path_domain_home(uint16_t domid, char *buf, size_t size);

/*
 * Checks `in` and writes its absolute form into out[XS_PATH_BUF].
 * allow_special admits "@introduceDomain"/"@releaseDomain" (watches and
 * permissions of those special nodes). Returns 0 or -EINVAL.
 */
int xs_path_canon(uint16_t domid, const char *in, bool allow_special,
                  char *out, bool *relative);

/* True if `child` is `parent` or lies below it. */
bool xs_path_is_child(const char *child, const char *parent);

/* True for the two special watch names. */
bool xs_path_is_special(const char *path);

#endif
