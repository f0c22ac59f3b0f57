/* libxs: synchronous xenstore-protocol client (see xs_client.h). */
#include <errno.h>     /* first: xs_wire.h builds xsd_errors[] only with it */

#include "xs_client.h"

#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "public/io/xs_wire.h"

#define XS_CLIENT_DEFAULT_RUNDIR "/var/run/xenstored"

/* A watch event received while waiting for a reply. */
struct xs_event {
    struct xs_event *next;
    char *path, *token;
};

struct xs_client {
    int fd;
    uint32_t next_req;
    uint32_t tx_id;                     /* 0: no transaction open */
    struct xs_event *ev_head, *ev_tail;
};

struct xs_client *xs_client_open(const char *socket_path)
{
    struct sockaddr_un sa;
    struct xs_client *c;
    char def[sizeof(sa.sun_path)];
    int saved;

    if (!socket_path)
        socket_path = getenv("XENSTORED_PATH");
    if (!socket_path) {
        const char *rundir = getenv("XENSTORED_RUNDIR");

        snprintf(def, sizeof(def), "%s/socket",
                 rundir ? rundir : XS_CLIENT_DEFAULT_RUNDIR);
        socket_path = def;
    }
    if (strlen(socket_path) >= sizeof(sa.sun_path)) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        goto fail;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, socket_path);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        goto fail;
    c->next_req = 1;
    return c;
fail:
    saved = errno;
    if (c->fd >= 0)
        close(c->fd);
    free(c);
    errno = saved;
    return NULL;
}

void xs_client_close(struct xs_client *c)
{
    if (!c)
        return;
    while (c->ev_head) {
        struct xs_event *e = c->ev_head;

        c->ev_head = e->next;
        free(e->path);
        free(e->token);
        free(e);
    }
    close(c->fd);
    free(c);
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
    char *p = buf;

    while (len) {
        ssize_t n = recv(fd, p, len, 0);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -ECONNRESET;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads one message; *body is malloc'd with a NUL after the payload. */
static int read_msg(struct xs_client *c, struct xsd_sockmsg *h, char **body)
{
    int rc = read_all(c->fd, h, sizeof(*h));

    if (rc)
        return rc;
    if (h->len > XENSTORE_PAYLOAD_MAX)
        return -EPROTO;
    *body = malloc(h->len + 1);
    if (!*body)
        return -ENOMEM;
    rc = read_all(c->fd, *body, h->len);
    if (rc) {
        free(*body);
        return rc;
    }
    (*body)[h->len] = '\0';
    return 0;
}

/* Queues a WATCH_EVENT payload ("path\0token\0"). */
static int queue_event(struct xs_client *c, const char *body, uint32_t len)
{
    size_t plen = strnlen(body, len);
    struct xs_event *e;

    if (plen >= len)
        return -EPROTO;
    e = calloc(1, sizeof(*e));
    if (!e)
        return -ENOMEM;
    e->path = strdup(body);
    e->token = strdup(body + plen + 1);
    if (!e->path || !e->token) {
        free(e->path);
        free(e->token);
        free(e);
        return -ENOMEM;
    }
    if (c->ev_tail)
        c->ev_tail->next = e;
    else
        c->ev_head = e;
    c->ev_tail = e;
    return 0;
}

static int error_from_name(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
        if (strcmp(xsd_errors[i].errstring, name) == 0)
            return -xsd_errors[i].errnum;
    return -EINVAL;
}

/*
 * Sends one request made of nparts pieces and waits for its reply.
 * On success *reply (malloc'd, NUL after the payload) and *rlen.
 */
static int talk(struct xs_client *c, uint32_t type, const void *const *parts,
                const size_t *lens, unsigned int nparts, char **reply,
                uint32_t *rlen)
{
    struct xsd_sockmsg h = { .type = type };
    char buf[sizeof(h) + XENSTORE_PAYLOAD_MAX];
    size_t off = sizeof(h);
    unsigned int i;
    int rc;

    for (i = 0; i < nparts; i++) {
        if (lens[i] > XENSTORE_PAYLOAD_MAX - (off - sizeof(h)))
            return -E2BIG;
        memcpy(buf + off, parts[i], lens[i]);
        off += lens[i];
    }
    h.req_id = c->next_req++;
    h.tx_id = c->tx_id;
    h.len = (uint32_t)(off - sizeof(h));
    memcpy(buf, &h, sizeof(h));
    rc = write_all(c->fd, buf, off);
    if (rc)
        return rc;
    for (;;) {
        struct xsd_sockmsg r;
        char *body;

        rc = read_msg(c, &r, &body);
        if (rc)
            return rc;
        if (r.type == XS_WATCH_EVENT) {
            rc = queue_event(c, body, r.len);
            free(body);
            if (rc)
                return rc;
            continue;
        }
        if (r.req_id != h.req_id) {
            free(body);
            continue;                   /* stale reply: ignore */
        }
        if (r.type == XS_ERROR) {
            rc = error_from_name(body);
            free(body);
            return rc;
        }
        if (r.type != type) {
            free(body);
            return -EPROTO;
        }
        if (reply)
            *reply = body;
        else
            free(body);
        if (rlen)
            *rlen = r.len;
        return 0;
    }
}

static int talk_path(struct xs_client *c, uint32_t type, const char *path,
                     char **reply, uint32_t *rlen)
{
    const void *parts[1] = { path };
    size_t lens[1] = { strlen(path) + 1 };

    return talk(c, type, parts, lens, 1, reply, rlen);
}

int xs_client_read(struct xs_client *c, const char *path, char **val, size_t *len)
{
    uint32_t rlen;
    int rc = talk_path(c, XS_READ, path, val, &rlen);

    if (!rc && len)
        *len = rlen;
    return rc;
}

int xs_client_write(struct xs_client *c, const char *path, const void *val,
                    size_t len)
{
    const void *parts[2] = { path, val };
    size_t lens[2] = { strlen(path) + 1, len };

    return talk(c, XS_WRITE, parts, lens, 2, NULL, NULL);
}

int xs_client_mkdir(struct xs_client *c, const char *path)
{
    return talk_path(c, XS_MKDIR, path, NULL, NULL);
}

int xs_client_rm(struct xs_client *c, const char *path)
{
    return talk_path(c, XS_RM, path, NULL, NULL);
}

/* Turns "a\0b\0" into one block: pointer array, then the strings. */
static int split_list(const char *body, uint32_t len, char ***names,
                      unsigned int *n)
{
    unsigned int count = 0, i;
    uint32_t off;
    char **v, *s;

    for (off = 0; off < len; off += (uint32_t)strlen(body + off) + 1)
        count++;
    v = malloc((count + 1) * sizeof(char *) + len + 1);
    if (!v)
        return -ENOMEM;
    s = (char *)(v + count + 1);
    memcpy(s, body, len);
    s[len] = '\0';
    for (i = 0, off = 0; i < count; i++) {
        v[i] = s + off;
        off += (uint32_t)strlen(s + off) + 1;
    }
    v[count] = NULL;
    *names = v;
    *n = count;
    return 0;
}

int xs_client_directory(struct xs_client *c, const char *path, char ***names,
                        unsigned int *n)
{
    char *body;
    uint32_t len;
    int rc = talk_path(c, XS_DIRECTORY, path, &body, &len);

    if (rc)
        return rc;
    rc = split_list(body, len, names, n);
    free(body);
    return rc;
}

int xs_client_get_perms(struct xs_client *c, const char *path, char **perms)
{
    char *body;
    uint32_t len, i;
    int rc = talk_path(c, XS_GET_PERMS, path, &body, &len);

    if (rc)
        return rc;
    /* Entries end in NUL on the wire; show them one per line. */
    for (i = 0; i + 1 < len; i++)
        if (body[i] == '\0')
            body[i] = '\n';
    *perms = body;
    return 0;
}

int xs_client_set_perms(struct xs_client *c, const char *path,
                        const char *const *perms, unsigned int n)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    const void *parts[2] = { path, buf };
    size_t lens[2] = { strlen(path) + 1, 0 };
    unsigned int i;

    if (n == 0)
        return -EINVAL;
    for (i = 0; i < n; i++) {
        size_t l = strlen(perms[i]) + 1;

        if (lens[1] + l > sizeof(buf))
            return -E2BIG;
        memcpy(buf + lens[1], perms[i], l);
        lens[1] += l;
    }
    return talk(c, XS_SET_PERMS, parts, lens, 2, NULL, NULL);
}

int xs_client_watch(struct xs_client *c, const char *path, const char *token)
{
    const void *parts[2] = { path, token };
    size_t lens[2] = { strlen(path) + 1, strlen(token) + 1 };

    return talk(c, XS_WATCH, parts, lens, 2, NULL, NULL);
}

int xs_client_unwatch(struct xs_client *c, const char *path, const char *token)
{
    const void *parts[2] = { path, token };
    size_t lens[2] = { strlen(path) + 1, strlen(token) + 1 };

    return talk(c, XS_UNWATCH, parts, lens, 2, NULL, NULL);
}

int xs_client_introduce(struct xs_client *c, unsigned int domid, unsigned long long gfn,
                        unsigned int port)
{
    char a[3][24];
    const void *parts[3] = { a[0], a[1], a[2] };
    size_t lens[3];

    snprintf(a[0], sizeof(a[0]), "%u", domid);
    snprintf(a[1], sizeof(a[1]), "%llu", gfn);
    snprintf(a[2], sizeof(a[2]), "%u", port);
    for (int i = 0; i < 3; i++)
        lens[i] = strlen(a[i]) + 1;
    return talk(c, XS_INTRODUCE, parts, lens, 3, NULL, NULL);
}

int xs_client_release(struct xs_client *c, unsigned int domid)
{
    char a[24];

    snprintf(a, sizeof(a), "%u", domid);
    return talk_path(c, XS_RELEASE, a, NULL, NULL);
}

int xs_client_transaction_start(struct xs_client *c)
{
    char *id = NULL;
    int rc;

    if (c->tx_id)
        return -EBUSY;
    rc = talk_path(c, XS_TRANSACTION_START, "", &id, NULL);
    if (rc)
        return rc;
    c->tx_id = (uint32_t)strtoul(id, NULL, 10);
    free(id);
    return c->tx_id ? 0 : -EPROTO;
}

int xs_client_transaction_end(struct xs_client *c, int commit)
{
    int rc;

    if (!c->tx_id)
        return -EINVAL;
    rc = talk_path(c, XS_TRANSACTION_END, commit ? "T" : "F", NULL, NULL);
    c->tx_id = 0;
    return rc;
}

int xs_client_read_watch(struct xs_client *c, char **path, char **token)
{
    return xs_client_read_watch_timeout(c, path, token, -1);
}

int xs_client_read_watch_timeout(struct xs_client *c, char **path, char **token,
                                 int timeout_ms)
{
    while (!c->ev_head) {
        struct pollfd p = { .fd = c->fd, .events = POLLIN };
        struct xsd_sockmsg h;
        char *body;
        int rc;

        if (timeout_ms >= 0) {
            rc = poll(&p, 1, timeout_ms);
            if (rc < 0 && errno == EINTR)
                continue;
            if (rc < 0)
                return -errno;
            if (rc == 0)
                return -ETIMEDOUT;
        }
        rc = read_msg(c, &h, &body);
        if (rc)
            return rc;
        if (h.type == XS_WATCH_EVENT)
            rc = queue_event(c, body, h.len);
        free(body);
        if (rc)
            return rc;
    }
    {
        struct xs_event *e = c->ev_head;

        c->ev_head = e->next;
        if (!c->ev_head)
            c->ev_tail = NULL;
        *path = e->path;
        *token = e->token;
        free(e);
    }
    return 0;
}

const char *xs_client_strerror(int err)
{
    return strerror(err < 0 ? -err : err);
}
