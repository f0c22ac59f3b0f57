/*
 * The store tree: nodes with a value, a sorted child list, an access
 * control list and generation counts. Knows nothing about connections;
 * the protocol layer checks permissions and quotas before calling in.
 */
#ifndef ORYXD_XS_TREE_H
#define ORYXD_XS_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum xs_access {
    XS_PERM_NONE  = 0,
    XS_PERM_READ  = 1,
    XS_PERM_WRITE = 2,
    XS_PERM_BOTH  = 3
};

struct xs_perm {
    uint16_t domid;
    uint8_t access;             /* enum xs_access */
};

/* p[0] is the owner; its access is the default for unlisted domains. */
struct xs_perms {
    uint32_t n;
    struct xs_perm *p;
};

struct xs_node {
    struct xs_node *parent;
    struct xs_node **kids;      /* sorted by name */
    uint32_t nkids, capkids;
    char *value;
    uint32_t vlen;
    struct xs_perms perms;
    uint64_t gen;               /* last change of value, perms or child set */
    uint64_t tgen;              /* newest gen anywhere in this subtree */
    uint64_t id;                /* the store database's key; 0 until stored */
    char name[];                /* last path component, "" for the root */
};

/* Called with (ctx, owner, +1/-1) as nodes come and go, for quotas. */
typedef void xs_charge_fn(void *ctx, uint16_t owner, int delta);

/* Called with each node that is created, changed (value or ACL) or about
 * to be removed with its subtree, for the store's database. */
enum xs_tree_event { XS_TREE_NEW, XS_TREE_CHANGED, XS_TREE_GONE };
typedef void xs_journal_fn(void *ctx, struct xs_node *n, enum xs_tree_event ev);

struct xs_tree {
    struct xs_node *root;
    uint64_t *gen;              /* shared counter: gens are unique store-wide */
    xs_charge_fn *charge;       /* NULL for transaction copies */
    void *charge_ctx;
    xs_journal_fn *journal;     /* NULL for transaction copies */
    void *journal_ctx;
};

int xs_tree_init(struct xs_tree *t, uint64_t *gen);
void xs_tree_destroy(struct xs_tree *t);
/* Deep copy of `from` into `to` (same gens), without charging. */
int xs_tree_clone(struct xs_tree *to, const struct xs_tree *from);

/* Node at absolute path, or NULL. */
struct xs_node *xs_tree_lookup(const struct xs_tree *t, const char *path);
/* The value at path as a C string in buf: 0, or -ENOENT (no such node, or
 * its value does not fit) with buf "". */
int xs_tree_read_str(const struct xs_tree *t, const char *path, char *buf, size_t len);
/* Deepest existing node on the way to path; *missing = components absent. */
struct xs_node *xs_tree_nearest(const struct xs_tree *t, const char *path,
                                unsigned int *missing);
/*
 * Creates the missing nodes of path; new nodes copy their parent's perms,
 * with the owner replaced by `owner` when owner >= 0. Returns the node or
 * NULL (errno ENOMEM). Nothing is created on failure.
 */
struct xs_node *xs_tree_create(struct xs_tree *t, const char *path, int owner);
int xs_tree_set_value(struct xs_tree *t, struct xs_node *n, const void *val,
                      size_t len);
int xs_tree_set_perms(struct xs_tree *t, struct xs_node *n,
                      const struct xs_perms *perms);
/* Removes n and its subtree; n must not be the root. */
void xs_tree_remove(struct xs_tree *t, struct xs_node *n);
/* Number of nodes in n's subtree, n included. */
unsigned long xs_tree_count(const struct xs_node *n);
/* Writes n's absolute path into buf[size]. */
void xs_tree_path(const struct xs_node *n, char *buf, size_t size);

/* Access bits for domid (or its target domain, -1 for none). */
unsigned int xs_perms_access(const struct xs_perms *p, uint16_t domid,
                             int target);
/* Parses n NUL-terminated "r5"-style strings at buf. 0 or -EINVAL/-ENOMEM. */
int xs_perms_parse(const char *buf, size_t len, struct xs_perms *out);
/* Writes the wire form ("b0\0r5\0") into buf; returns bytes or -E2BIG. */
int xs_perms_format(const struct xs_perms *p, char *buf, size_t size);
int xs_perms_copy(struct xs_perms *to, const struct xs_perms *from);
void xs_perms_free(struct xs_perms *p);

#endif
