/*
 * Guests' consoles, served from dom0 the way xenconsoled serves them: a
 * domain the toolstack introduces gets its console ring mapped (grant
 * GNTTAB_RESERVED_CONSOLE) and its port (/local/domain/N/console/port)
 * bound. What the guest writes goes to its log, /var/log/oryx/
 * guest-NAME.log, and to a pseudo-terminal named in
 * /local/domain/N/console/tty, which `oxl console` attaches to; what is
 * typed there goes into the ring. The guest is not trusted: its indices
 * are read once per pass and checked; a ring out of bounds is resynced
 * and reported once.
 */
#ifndef ORYXD_CONSOLE_H
#define ORYXD_CONSOLE_H

#include <stdint.h>

struct xs_loop;
struct xs_store;
struct console;

#define CONSOLE_LOG_DIR "/var/log/oryx"

struct consoles {
    struct xs_loop *loop;
    struct xs_store *store;
    const char *log_dir;                /* NULL: $ORYX_LOG_DIR or CONSOLE_LOG_DIR */
    int gntdev_fd;
    struct console *list;
};

void consoles_init(struct consoles *cs, struct xs_loop *l, struct xs_store *s);
/* Starts serving domid's console from what the store says. 0 or -errno. */
int consoles_attach(struct consoles *cs, uint16_t domid);
/* Stops it (its log is flushed and closed); nothing if not served. */
void consoles_detach(struct consoles *cs, uint16_t domid);
void consoles_fini(struct consoles *cs);

#endif
