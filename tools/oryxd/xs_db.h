/*
 * What must outlive the daemon, kept in an LMDB file (as xenstored keeps
 * its TDB): the store's nodes, the domains introduced to it and the
 * watches of clients that outlive a daemon restart (guests' and dom0's
 * kernel rings). Records are keyed by numeric ids the caller assigns,
 * not by path: a path may be 3 KiB, over LMDB's key limit.
 *
 * Changes go into one write transaction that xs_db_commit ends; the
 * store commits after each request, before its reply can reach anyone.
 * The file is opened without fsync: a killed daemon loses nothing (the
 * kernel has the pages), and a host that loses power loses its domains
 * with it. The state belongs to one boot of dom0: a file written in
 * another boot (a different boot id) is emptied on open.
 *
 * A failed write is reported once and ends persistence; serving goes on.
 */
#ifndef ORYXD_XS_DB_H
#define ORYXD_XS_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xs_tree.h"

struct xs_db;

/* Default file, under $ORYX_LIB_DIR or this directory. */
#define XS_DB_DIR  "/var/lib/oryx"
#define XS_DB_FILE "xenstore.mdb"

/* One node: its id, its parent's (0 for the root), name, ACL, value. */
struct xs_db_node {
    uint64_t id, parent;
    const char *name;
    uint32_t name_len;
    struct xs_perms perms;      /* points into the database: copy it */
    const void *value;
    uint32_t vlen;
};

struct xs_db_domain {
    uint16_t domid;
    int32_t target;             /* -1: none */
    bool introduced;
    uint64_t gfn;
    uint32_t evtchn;
};

struct xs_db_watch {
    uint64_t id;
    uint16_t domid;
    uint32_t strip;
    const char *path, *token;
};

/*
 * Opens (or creates) the database at path for the boot named boot_id;
 * one daemon at a time (-EBUSY otherwise). *restored says whether it
 * holds an earlier daemon's state of this boot. 0 or -errno, *what
 * naming the step that failed.
 */
int xs_db_open(const char *path, const char *boot_id, struct xs_db **out,
               bool *restored, const char **what);
/* Commits what is pending and closes. */
void xs_db_close(struct xs_db *db);
/* Ends the pending write transaction. 0 or -errno (persistence ends). */
int xs_db_commit(struct xs_db *db);
/* Still writing (no write has failed)? */
bool xs_db_ok(const struct xs_db *db);

int xs_db_node_put(struct xs_db *db, const struct xs_db_node *n);
int xs_db_node_del(struct xs_db *db, uint64_t id);
int xs_db_domain_put(struct xs_db *db, const struct xs_db_domain *d);
int xs_db_domain_del(struct xs_db *db, uint16_t domid);
int xs_db_watch_put(struct xs_db *db, const struct xs_db_watch *w);
int xs_db_watch_del(struct xs_db *db, uint64_t id);

/*
 * Walks the records, nodes in id order (a parent before its children,
 * as ids only grow). cb returns 0 to go on; its nonzero value stops the
 * walk and is returned. Pointers are valid during the call only.
 */
int xs_db_each_node(struct xs_db *db,
                    int (*cb)(void *ctx, const struct xs_db_node *n), void *ctx);
int xs_db_each_domain(struct xs_db *db,
                      int (*cb)(void *ctx, const struct xs_db_domain *d), void *ctx);
int xs_db_each_watch(struct xs_db *db,
                     int (*cb)(void *ctx, const struct xs_db_watch *w), void *ctx);

/* This boot's id: $ORYX_BOOT_ID (tests), else the kernel's. 0 or -errno. */
int xs_db_boot_id(char *buf, size_t len);

#endif
