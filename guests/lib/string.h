/* Freestanding string and memory helpers for the micro-guests. */
#ifndef GUEST_STRING_H
#define GUEST_STRING_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* Parse an unsigned number (decimal, or hex with 0x) with an optional
 * K/M/G suffix; *end gets the first unparsed character. */
uint64_t str_to_u64(const char *s, const char **end);

/* 64-bit division without libgcc (32-bit builds have no __udivdi3). */
uint64_t div64(uint64_t n, uint64_t d, uint64_t *rem);

#endif
