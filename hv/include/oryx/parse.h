/*
 * Small text parsers shared by the command-line and boot-module parsers.
 * parse_u64() itself is declared in oryx/lib.h.
 */
#ifndef ORYX_PARSE_H
#define ORYX_PARSE_H

#include <oryx/types.h>

/* Space, tab, CR or LF: what separates words on a boot command line. */
static inline bool parse_is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Take the next blank-separated word from *pos into buf (size bytes,
 * NUL-terminated) and advance *pos past it. Quoting joins blanks into a
 * word and is removed: "..." (inside it \" and \\ stand for " and \) and
 * '...' (literal); outside quotes \x stands for x (GRUB writes module
 * arguments that way). Returns 1 for a word (possibly empty, e.g. ""), 0 at
 * the end of the string, -E2BIG when the word did not fit (it is skipped,
 * buf holds its truncated start), -EINVAL for an unterminated quote (the
 * rest of the string is consumed).
 */
int parse_word(const char **pos, char *buf, size_t size);

/* Advance past blanks; returns the new position. */
const char *parse_skip_blanks(const char *s);

/* 1/0, yes/no, on/off, true/false, enable/disable. 0 or -EINVAL. */
int parse_bool(const char *s, bool *out);

#endif
