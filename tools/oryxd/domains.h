/*
 * The domains oryxd serves in dom0, and their lifecycle. When dom0's
 * toolstack introduces a domain, its store ring (xs_guest) and its
 * console (console) are served. VIRQ_DOM_EXC says some domain shut down
 * or died: for each introduced domain the hypervisor is asked how it
 * stands, and
 *   - shut down (poweroff, reboot, crash, watchdog): its /vm/<uuid>/on_*
 *     action is applied: destroy, preserve, restart and rename-restart
 *     (destroyed, then `oxl create` of its saved configuration with the
 *     same uuid), coredump-* (as destroy/restart; no core file yet);
 *   - gone: it is released from the store (@releaseDomain fires), its
 *     ring and console end, its entries and saved configuration go.
 * oryxd acts through its own privileged store session, so watches and
 * the protocol's checks apply to what it does as to any client.
 */
#ifndef ORYXD_DOMAINS_H
#define ORYXD_DOMAINS_H

struct xs_loop;
struct xs_proto;
struct domains;

/* 0 or -errno with *what naming the step that failed. */
int domains_start(struct xs_loop *l, struct xs_proto *p, struct domains **out,
                  const char **what);
void domains_stop(struct domains *ds);

#endif
