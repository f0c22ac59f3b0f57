/*
 * The event loop: one poll(2) over every source the transports register
 * (the socket's listener and connections, a ring's event-channel fd).
 * It knows nothing of connections or the protocol: each source says
 * which events it wants, handles the ones that came, and gets a call
 * after every round, where transports flush output (a request on one
 * connection may queue watch events on any other) and drop what died.
 */
#ifndef ORYXD_XS_LOOP_H
#define ORYXD_XS_LOOP_H

#include <poll.h>
#include <stdint.h>

struct xs_loop_src;

struct xs_loop_src_ops {
    /* poll(2) events wanted this round (POLLIN, POLLOUT); 0: not polled. */
    short (*events)(struct xs_loop_src *s);
    /* fd had revents (nonzero) this round. May add sources, never free one. */
    void (*ready)(struct xs_loop_src *s, short revents);
    /*
     * After every round, for every source: flush; may xs_loop_del and
     * free s, or set loop->again when it stopped with work left.
     */
    void (*after)(struct xs_loop_src *s);
};

struct xs_loop_src {
    struct xs_loop_src *next, *prev;    /* loop->head, newest first */
    struct xs_loop *loop;
    const struct xs_loop_src_ops *ops;
    int fd;
    void *priv;                         /* the transport's */
};

struct xs_loop {
    struct xs_loop_src *head;
    uint32_t n;
    /* Scratch for poll(2), grown as sources are added. */
    struct pollfd *pfd;
    struct xs_loop_src **who;
    uint32_t cap;
    /* Set by an after() with work left: the next poll does not wait. */
    int again;
};

void xs_loop_init(struct xs_loop *l);
/* Frees the scratch arrays; sources are their owners' to free first. */
void xs_loop_fini(struct xs_loop *l);
void xs_loop_add(struct xs_loop *l, struct xs_loop_src *s);
void xs_loop_del(struct xs_loop_src *s);
/*
 * Polls and dispatches until *stop is nonzero (checked after each
 * wakeup; a signal interrupts the wait) or no source is left. 0 or
 * -errno.
 */
int xs_loop_run(struct xs_loop *l, volatile int *stop);

#endif
