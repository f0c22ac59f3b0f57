/*
 * The hypervisor command line: a table of options, each owned by the
 * subsystem that declares it next to its variable:
 *
 *     static uint32_t max_cpus = 64;
 *     CMDLINE_OPT_UINT("maxcpus", &max_cpus, "use at most N CPUs");
 *
 * The CMDLINE_OPT_* macros place a struct cmdline_opt in the linker
 * section "oryx_cmdline"; cmdline_parse_boot() walks it. Host tests and
 * other callers can pass an explicit array of CMDLINE_DESC_* initialisers
 * to cmdline_parse() instead.
 *
 * Word forms (words are blank-separated; "..." and '...' quote blanks):
 *   opt            bool: true; custom: handler gets NULL
 *   no-opt         bool: false
 *   opt=VALUE      bool: 1/0 yes/no on/off true/false enable/disable;
 *                  uint: decimal or 0x hex; size: uint with optional
 *                  K/M/G/T suffix (powers of 1024); string: copied;
 *                  custom: handler gets VALUE
 * '-' and '_' are the same in option names. A later word overrides an
 * earlier one. An unknown or malformed word is reported with
 * printk_lvl(LOG_WARN, ...) naming it, the variable is left unchanged and
 * parsing goes on.
 */
#ifndef ORYX_CMDLINE_H
#define ORYX_CMDLINE_H

#include <oryx/types.h>

enum cmdline_type {
    CMDLINE_BOOL,     /* bool */
    CMDLINE_UINT,     /* uint8_t..uint64_t; range-checked against its size */
    CMDLINE_SIZE,     /* as UINT, with K/M/G/T suffixes */
    CMDLINE_STRING,   /* char[size]; too long a value is rejected */
    CMDLINE_CUSTOM,   /* handler(value) returns 0 or -errno */
};

struct cmdline_opt {
    const char *name;
    const char *help;
    void *var;                          /* BOOL/UINT/SIZE/STRING target */
    int (*handler)(const char *value);  /* CUSTOM: value is NULL for "opt" */
    uint32_t size;                      /* bytes at var */
    uint8_t type;                       /* enum cmdline_type */
    uint8_t pad[3];
};
/* Entries sit back to back in the section: keep the stride a multiple of
 * the alignment the macros request. */
_Static_assert(sizeof(struct cmdline_opt) % 8 == 0, "cmdline_opt stride");

/* Longest word (name=value after unquoting) the parser accepts. */
#define CMDLINE_WORD_MAX 256

/* The _Generic selections make a wrongly typed variable a compile error. */
#define CMDLINE_DESC_BOOL(n, p, h) \
    { .name = (n), .help = (h), .var = _Generic((p), bool *: (p)), \
      .size = sizeof(*(p)), .type = CMDLINE_BOOL }
#define CMDLINE__UINT_PTR(p) _Generic((p), uint8_t *: (p), uint16_t *: (p), \
                                      uint32_t *: (p), uint64_t *: (p))
#define CMDLINE_DESC_UINT(n, p, h) \
    { .name = (n), .help = (h), .var = CMDLINE__UINT_PTR(p), \
      .size = sizeof(*(p)), .type = CMDLINE_UINT }
#define CMDLINE_DESC_SIZE(n, p, h) \
    { .name = (n), .help = (h), .var = CMDLINE__UINT_PTR(p), \
      .size = sizeof(*(p)), .type = CMDLINE_SIZE }
/* arr must be a char array (its sizeof is the buffer size): a pointer
 * fails the assertion. */
#define CMDLINE__IS_ARRAY(a) \
    (0 * sizeof(struct { int x; _Static_assert(!__builtin_types_compatible_p( \
        __typeof__(a), __typeof__(&(a)[0])), "cmdline string option needs a char array"); }))
#define CMDLINE_DESC_STRING(n, arr, h) \
    { .name = (n), .help = (h), .var = _Generic(&(arr)[0], char *: (arr)), \
      .size = sizeof(arr) + CMDLINE__IS_ARRAY(arr), .type = CMDLINE_STRING }
#define CMDLINE_DESC_CUSTOM(n, fn, h) \
    { .name = (n), .help = (h), .handler = (fn), .type = CMDLINE_CUSTOM }

#define CMDLINE__CAT2(a, b) a##b
#define CMDLINE__CAT(a, b) CMDLINE__CAT2(a, b)
#define CMDLINE_REGISTER(...) \
    static const struct cmdline_opt CMDLINE__CAT(cmdline_opt_, __COUNTER__) \
    __attribute__((used, section("oryx_cmdline"), aligned(8))) = __VA_ARGS__

#define CMDLINE_OPT_BOOL(n, p, h)    CMDLINE_REGISTER(CMDLINE_DESC_BOOL(n, p, h))
#define CMDLINE_OPT_UINT(n, p, h)    CMDLINE_REGISTER(CMDLINE_DESC_UINT(n, p, h))
#define CMDLINE_OPT_SIZE(n, p, h)    CMDLINE_REGISTER(CMDLINE_DESC_SIZE(n, p, h))
#define CMDLINE_OPT_STRING(n, a, h)  CMDLINE_REGISTER(CMDLINE_DESC_STRING(n, a, h))
#define CMDLINE_OPT_CUSTOM(n, fn, h) CMDLINE_REGISTER(CMDLINE_DESC_CUSTOM(n, fn, h))

/*
 * Parse cmdline against opts[0..n). Returns the number of words that were
 * rejected (each already reported). A NULL cmdline is empty.
 */
unsigned int cmdline_parse(const char *cmdline, const struct cmdline_opt *opts, size_t n);

/*
 * Boot loaders put the image's path (multiboot2, GRUB) or file name (QEMU
 * -kernel) before the options. Returns cmdline past that first word when
 * it contains '/', or contains no '=' and is not an option of opts (in
 * its "opt" or "no-opt" form); otherwise cmdline itself.
 */
const char *cmdline_skip_image(const char *cmdline, const struct cmdline_opt *opts, size_t n);

/* The options registered with CMDLINE_OPT_*; *n gets their number. */
const struct cmdline_opt *cmdline_registered(size_t *n);

/* Skip the image word, then parse against the registered options. */
unsigned int cmdline_parse_boot(const char *cmdline);

/* Print "name=<type>  help" for each option, at LOG_INFO. */
void cmdline_print_help(const struct cmdline_opt *opts, size_t n);

#endif
