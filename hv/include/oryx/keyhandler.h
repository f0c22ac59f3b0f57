/*
 * Debug keys: single keystrokes typed on the hypervisor console while it
 * holds the input focus (see vconsole.h). 'h' lists them.
 */
#ifndef ORYX_KEYHANDLER_H
#define ORYX_KEYHANDLER_H

/* Run the handler of one key; unknown keys print a hint. */
void keyhandler_handle(char key);

#endif
