/* Hypervisor console: output sinks, log ring, input switching. */
#ifndef ORYX_CONSOLE_H
#define ORYX_CONSOLE_H

#include <oryx/types.h>

void console_early_init(void);
void console_setup(void);     /* applies console= and loglvl= */
void console_write(const char *s, size_t len);   /* raw, to every sink */
extern int console_loglvl;
/* Copy up to len bytes of the log ring (oldest first) into buf. */
size_t console_read_ring(char *buf, size_t len);

#endif
