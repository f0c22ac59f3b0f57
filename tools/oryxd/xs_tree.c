/* The store tree (see xs_tree.h). */
#include "xs_tree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct xs_node *node_new(const char *name, size_t len)
{
    struct xs_node *n = calloc(1, sizeof(*n) + len + 1);

    if (n)
        memcpy(n->name, name, len);
    return n;
}

static void node_free(struct xs_tree *t, struct xs_node *n)
{
    uint32_t i;

    for (i = 0; i < n->nkids; i++)
        node_free(t, n->kids[i]);
    if (t && t->charge && n->perms.n)
        t->charge(t->charge_ctx, n->perms.p[0].domid, -1);
    free(n->kids);
    free(n->value);
    xs_perms_free(&n->perms);
    free(n);
}

static void touch(struct xs_tree *t, struct xs_node *n)
{
    uint64_t g = ++*t->gen;

    n->gen = g;
    for (; n; n = n->parent)
        n->tgen = g;
}

/* Index of the child named name[0..len) or of where it would go. */
static uint32_t kid_search(const struct xs_node *n, const char *name,
                           size_t len, bool *found)
{
    uint32_t lo = 0, hi = n->nkids;

    *found = false;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const char *k = n->kids[mid]->name;
        int c = strncmp(k, name, len);

        if (c == 0)
            c = k[len] ? 1 : 0;
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int xs_tree_init(struct xs_tree *t, uint64_t *gen)
{
    memset(t, 0, sizeof(*t));
    t->gen = gen;
    t->root = node_new("", 0);
    if (!t->root)
        return -ENOMEM;
    t->root->perms.p = calloc(1, sizeof(struct xs_perm));
    if (!t->root->perms.p) {
        free(t->root);
        t->root = NULL;
        return -ENOMEM;
    }
    t->root->perms.n = 1;               /* owned by dom0, no access for others */
    touch(t, t->root);
    return 0;
}

void xs_tree_destroy(struct xs_tree *t)
{
    if (t->root)
        node_free(NULL, t->root);
    t->root = NULL;
}

static struct xs_node *clone_node(const struct xs_node *s, struct xs_node *parent)
{
    size_t len = strlen(s->name);
    struct xs_node *n = node_new(s->name, len);
    uint32_t i;

    if (!n)
        return NULL;
    n->parent = parent;
    n->gen = s->gen;
    n->tgen = s->tgen;
    if (xs_perms_copy(&n->perms, &s->perms))
        goto fail;
    if (s->vlen) {
        n->value = malloc(s->vlen);
        if (!n->value)
            goto fail;
        memcpy(n->value, s->value, s->vlen);
        n->vlen = s->vlen;
    }
    if (s->nkids) {
        n->kids = calloc(s->nkids, sizeof(*n->kids));
        if (!n->kids)
            goto fail;
        n->capkids = s->nkids;
        for (i = 0; i < s->nkids; i++) {
            n->kids[i] = clone_node(s->kids[i], n);
            if (!n->kids[i])
                goto fail;
            n->nkids++;
        }
    }
    return n;
fail:
    node_free(NULL, n);
    return NULL;
}

int xs_tree_clone(struct xs_tree *to, const struct xs_tree *from)
{
    memset(to, 0, sizeof(*to));
    to->gen = from->gen;
    to->root = clone_node(from->root, NULL);
    return to->root ? 0 : -ENOMEM;
}

struct xs_node *xs_tree_nearest(const struct xs_tree *t, const char *path,
                                unsigned int *missing)
{
    struct xs_node *n = t->root;
    const char *p = path;

    *missing = 0;
    while (*p == '/')
        p++;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        bool found;
        uint32_t i = kid_search(n, p, len, &found);

        if (!found) {
            for (; *p; p++)
                if (*p == '/')
                    (*missing)++;
            (*missing)++;
            return n;
        }
        n = n->kids[i];
        p += len;
        while (*p == '/')
            p++;
    }
    return n;
}

struct xs_node *xs_tree_lookup(const struct xs_tree *t, const char *path)
{
    unsigned int missing;
    struct xs_node *n = xs_tree_nearest(t, path, &missing);

    return missing ? NULL : n;
}

static int kids_reserve(struct xs_node *n)
{
    struct xs_node **k;
    uint32_t cap;

    if (n->nkids < n->capkids)
        return 0;
    cap = n->capkids ? n->capkids * 2 : 4;
    k = realloc(n->kids, cap * sizeof(*k));
    if (!k)
        return -ENOMEM;
    n->kids = k;
    n->capkids = cap;
    return 0;
}

struct xs_node *xs_tree_create(struct xs_tree *t, const char *path, int owner)
{
    unsigned int missing;
    struct xs_node *base = xs_tree_nearest(t, path, &missing);
    struct xs_node *first = NULL, *last = NULL, *n;
    const char *p = path;
    unsigned int depth = 0, i;
    size_t first_len = 0;
    bool found;

    if (!missing)
        return base;
    if (kids_reserve(base))
        goto fail;
    /* Skip the components that exist. */
    for (n = base; n->parent; n = n->parent)
        depth++;
    while (*p == '/')
        p++;
    for (i = 0; i < depth; i++) {
        p = strchr(p, '/');
        p++;
    }
    /* Build the missing chain off-tree first so failure leaves no trace. */
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);

        n = node_new(p, len);
        if (!n)
            goto fail;
        if (xs_perms_copy(&n->perms, last ? &last->perms : &base->perms)) {
            free(n);
            goto fail;
        }
        if (owner >= 0)
            n->perms.p[0].domid = (uint16_t)owner;
        if (last) {
            last->kids = malloc(sizeof(*last->kids));
            if (!last->kids) {
                xs_perms_free(&n->perms);
                free(n);
                goto fail;
            }
            last->kids[0] = n;
            last->nkids = last->capkids = 1;
            n->parent = last;
        } else {
            first = n;
            first_len = len;
        }
        last = n;
        p += len;
        if (*p == '/')
            p++;
    }
    i = kid_search(base, first->name, first_len, &found);
    memmove(&base->kids[i + 1], &base->kids[i],
            (base->nkids - i) * sizeof(*base->kids));
    base->kids[i] = first;
    base->nkids++;
    first->parent = base;
    touch(t, base);
    for (n = first; n; n = n->nkids ? n->kids[0] : NULL) {
        touch(t, n);
        if (t->charge)
            t->charge(t->charge_ctx, n->perms.p[0].domid, +1);
        if (t->journal)
            t->journal(t->journal_ctx, n, XS_TREE_NEW);
    }
    return last;
fail:
    if (first)
        node_free(NULL, first);
    errno = ENOMEM;
    return NULL;
}

int xs_tree_set_value(struct xs_tree *t, struct xs_node *n, const void *val,
                      size_t len)
{
    char *v = NULL;

    if (len) {
        v = malloc(len);
        if (!v)
            return -ENOMEM;
        memcpy(v, val, len);
    }
    free(n->value);
    n->value = v;
    n->vlen = (uint32_t)len;
    touch(t, n);
    if (t->journal)
        t->journal(t->journal_ctx, n, XS_TREE_CHANGED);
    return 0;
}

int xs_tree_set_perms(struct xs_tree *t, struct xs_node *n,
                      const struct xs_perms *perms)
{
    struct xs_perms np;
    uint16_t old_owner = n->perms.p[0].domid;

    if (xs_perms_copy(&np, perms))
        return -ENOMEM;
    xs_perms_free(&n->perms);
    n->perms = np;
    if (t->charge && old_owner != np.p[0].domid) {
        t->charge(t->charge_ctx, old_owner, -1);
        t->charge(t->charge_ctx, np.p[0].domid, +1);
    }
    touch(t, n);
    if (t->journal)
        t->journal(t->journal_ctx, n, XS_TREE_CHANGED);
    return 0;
}

void xs_tree_remove(struct xs_tree *t, struct xs_node *n)
{
    struct xs_node *parent = n->parent;
    bool found;
    uint32_t i = kid_search(parent, n->name, strlen(n->name), &found);

    if (found) {
        memmove(&parent->kids[i], &parent->kids[i + 1],
                (parent->nkids - i - 1) * sizeof(*parent->kids));
        parent->nkids--;
    }
    touch(t, parent);
    if (t->journal)
        t->journal(t->journal_ctx, n, XS_TREE_GONE);
    node_free(t, n);
}

unsigned long xs_tree_count(const struct xs_node *n)
{
    unsigned long c = 1;
    uint32_t i;

    for (i = 0; i < n->nkids; i++)
        c += xs_tree_count(n->kids[i]);
    return c;
}

static size_t path_put(const struct xs_node *n, char *buf, size_t size)
{
    size_t off, len;

    if (!n->parent)
        return 0;
    off = path_put(n->parent, buf, size);
    len = strlen(n->name);
    if (off + 1 + len + 1 <= size) {
        buf[off] = '/';
        memcpy(buf + off + 1, n->name, len);
    }
    return off + 1 + len;
}

void xs_tree_path(const struct xs_node *n, char *buf, size_t size)
{
    size_t len = path_put(n, buf, size);

    if (len == 0 && size > 1) {
        buf[0] = '/';
        len = 1;
    }
    buf[len < size ? len : size - 1] = '\0';
}

unsigned int xs_perms_access(const struct xs_perms *p, uint16_t domid,
                             int target)
{
    uint32_t i;

    if (p->n == 0)
        return XS_PERM_NONE;
    if (p->p[0].domid == domid || (target >= 0 && p->p[0].domid == target))
        return XS_PERM_BOTH;
    for (i = 1; i < p->n; i++)
        if (p->p[i].domid == domid)
            return p->p[i].access;
    if (target >= 0)
        for (i = 1; i < p->n; i++)
            if (p->p[i].domid == target)
                return p->p[i].access;
    return p->p[0].access;
}

int xs_perms_parse(const char *buf, size_t len, struct xs_perms *out)
{
    size_t off = 0;
    uint32_t n = 0;
    int rc = -EINVAL;

    out->n = 0;
    out->p = NULL;
    if (len == 0 || buf[len - 1] != '\0')
        return -EINVAL;
    for (off = 0; off < len; off += strlen(buf + off) + 1)
        n++;
    out->p = calloc(n, sizeof(*out->p));
    if (!out->p)
        return -ENOMEM;
    for (off = 0; off < len; off += strlen(buf + off) + 1) {
        const char *s = buf + off;
        unsigned long id = 0;
        const char *d;
        uint8_t acc;

        switch (s[0]) {
        case 'n': acc = XS_PERM_NONE; break;
        case 'r': acc = XS_PERM_READ; break;
        case 'w': acc = XS_PERM_WRITE; break;
        case 'b': acc = XS_PERM_BOTH; break;
        default: goto fail;
        }
        if (!s[1])
            goto fail;
        for (d = s + 1; *d; d++) {
            if (*d < '0' || *d > '9')
                goto fail;
            id = id * 10 + (unsigned long)(*d - '0');
            if (id > 65535)
                goto fail;
        }
        out->p[out->n].domid = (uint16_t)id;
        out->p[out->n].access = acc;
        out->n++;
    }
    return 0;
fail:
    xs_perms_free(out);
    return rc;
}

int xs_perms_format(const struct xs_perms *p, char *buf, size_t size)
{
    static const char letter[] = "nrwb";
    size_t off = 0;
    uint32_t i;

    for (i = 0; i < p->n; i++) {
        char tmp[8];
        unsigned int id = p->p[i].domid, k = 0;
        char digits[6];
        int d = 0;

        tmp[k++] = letter[p->p[i].access & 3];
        do {
            digits[d++] = (char)('0' + id % 10);
            id /= 10;
        } while (id);
        while (d)
            tmp[k++] = digits[--d];
        tmp[k++] = '\0';
        if (off + k > size)
            return -E2BIG;
        memcpy(buf + off, tmp, k);
        off += k;
    }
    return (int)off;
}

int xs_perms_copy(struct xs_perms *to, const struct xs_perms *from)
{
    to->n = 0;
    to->p = calloc(from->n ? from->n : 1, sizeof(*to->p));
    if (!to->p)
        return -ENOMEM;
    memcpy(to->p, from->p, from->n * sizeof(*to->p));
    to->n = from->n;
    return 0;
}

void xs_perms_free(struct xs_perms *p)
{
    free(p->p);
    p->p = NULL;
    p->n = 0;
}

int xs_tree_read_str(const struct xs_tree *t, const char *path, char *buf, size_t len)
{
    const struct xs_node *n = xs_tree_lookup(t, path);

    buf[0] = 0;
    if (!n || n->vlen >= len)
        return -ENOENT;
    if (n->vlen)
        memcpy(buf, n->value, n->vlen);
    buf[n->vlen] = 0;
    return 0;
}
