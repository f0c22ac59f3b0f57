/* Hypervisor console: output sinks, log ring, input switching. */
#ifndef ORYX_CONSOLE_H
#define ORYX_CONSOLE_H

#include <oryx/types.h>

void console_early_init(void);
void console_setup(void);     /* applies console= and loglvl= */
void console_write(const char *s, size_t len);   /* raw, to every sink */
extern int console_loglvl;
/*
 * The log: every byte written since boot has a position; the ring keeps
 * the newest LOG_RING_SIZE of them, less what was cleared. Read copies up
 * to len bytes from *pos (moved up to the oldest kept, down to the head)
 * and advances *pos past them; clear forgets everything before pos.
 */
uint64_t console_log_head(void);
size_t console_log_read(uint64_t *pos, char *buf, size_t len);
void console_log_clear(uint64_t pos);

#endif
