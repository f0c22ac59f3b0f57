/* Store path rules (see xs_path.h and docs/misc/xenstore.txt). */
#include "xs_path.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "public/io/xs_wire.h"

void xs_path_domain_home(uint16_t domid, char *buf, size_t size)
{
    snprintf(buf, size, "/local/domain/%u", (unsigned)domid);
}

bool xs_path_is_special(const char *path)
{
    return strcmp(path, XS_SPECIAL_INTRODUCE) == 0 ||
           strcmp(path, XS_SPECIAL_RELEASE) == 0;
}

static bool path_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '/' || c == '_' ||
           c == '@';
}

/* The characters and slashes of an absolute path; no length check. */
static bool abs_path_ok(const char *p)
{
    size_t i;

    if (p[0] != '/')
        return false;
    if (p[1] == '\0')
        return true;                    /* the root */
    for (i = 0; p[i]; i++) {
        if (!path_char_ok(p[i]))
            return false;
        if (p[i] == '/' && (p[i + 1] == '/' || p[i + 1] == '\0'))
            return false;               /* doubled or trailing slash */
    }
    return true;
}

int xs_path_canon(uint16_t domid, const char *in, bool allow_special,
                  char *out, bool *relative)
{
    size_t len = strlen(in);
    char home[32];
    int n;

    *relative = false;
    if (len == 0)
        return -EINVAL;
    if (in[0] == '@') {
        if (!allow_special || !xs_path_is_special(in))
            return -EINVAL;
        memcpy(out, in, len + 1);
        return 0;
    }
    if (in[0] == '/') {
        if (len > XENSTORE_ABS_PATH_MAX || !abs_path_ok(in))
            return -EINVAL;
        memcpy(out, in, len + 1);
        return 0;
    }
    if (len > XENSTORE_REL_PATH_MAX)
        return -EINVAL;
    xs_path_domain_home(domid, home, sizeof(home));
    n = snprintf(out, XS_PATH_BUF, "%s/%s", home, in);
    if (n < 0 || n >= XS_PATH_BUF || !abs_path_ok(out))
        return -EINVAL;
    *relative = true;
    return 0;
}

bool xs_path_is_child(const char *child, const char *parent)
{
    size_t plen = strlen(parent);

    if (strcmp(parent, "/") == 0)
        return child[0] == '/';
    return strncmp(child, parent, plen) == 0 &&
           (child[plen] == '\0' || child[plen] == '/');
}
