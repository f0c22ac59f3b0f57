/* Freestanding library: strings, formatted output, assertions. */
#ifndef ORYX_LIB_H
#define ORYX_LIB_H

#include <oryx/types.h>
#include <stdarg.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
size_t strlcpy(char *dst, const char *src, size_t size);

/* Parse an unsigned number (0x.. hex, 0.. octal off: decimal) with optional K/M/G suffix when
 * allow_suffix; returns 0 on success, -EINVAL on junk, -ERANGE on overflow. *end gets the stop. */
int parse_u64(const char *s, const char **end, uint64_t *out, bool allow_suffix);

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Log levels, lowest number most severe (loglvl= picks the cut-off). */
enum {
    LOG_ERR = 0,
    LOG_WARN = 1,
    LOG_INFO = 2,
    LOG_DEBUG = 3,
};

/* printk: "<lvl>" prefix optional; default level LOG_INFO. */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void printk_lvl(int lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vprintk_lvl(int lvl, const char *fmt, va_list ap);

__noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first CPU to fail owns the report (true); later ones just stop. */
bool panic_claim(void);

#define BUG() panic("BUG at %s:%d", __FILE__, __LINE__)
#define BUG_ON(c) do { if (unlikely(c)) panic("BUG_ON(%s) at %s:%d", #c, __FILE__, __LINE__); } while (0)
#ifdef NDEBUG
#define ASSERT(c) ((void)0)
#else
#define ASSERT(c) do { if (unlikely(!(c))) panic("ASSERT(%s) failed at %s:%d", #c, __FILE__, __LINE__); } while (0)
#endif

#endif
