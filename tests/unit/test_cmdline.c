/* Host tests of the command-line parser and the number/word parsers. */
#include <errno.h>
#include <stdint.h>
#include <stdbool.h>
#include <unistd.h>
#include "unit.h"
#include <oryx/cmdline.h>
#include <oryx/lib.h>
#include <oryx/parse.h>

extern int shim_log_quiet;

/* ---- warning capture: the shim prints hypervisor messages to stderr --- */
static char warn_buf[8192];
static FILE *warn_file;
static int saved_stderr = -1;

static void warn_begin(void)
{
    fflush(stderr);
    warn_file = tmpfile();
    saved_stderr = dup(2);
    dup2(fileno(warn_file), 2);
    shim_log_quiet = 0;
}

static const char *warn_end(void)
{
    size_t n;

    fflush(stderr);
    shim_log_quiet = 1;
    dup2(saved_stderr, 2);
    close(saved_stderr);
    rewind(warn_file);
    n = fread(warn_buf, 1, sizeof(warn_buf) - 1, warn_file);
    warn_buf[n] = '\0';
    fclose(warn_file);
    return warn_buf;
}

/* ---- parse_u64 --------------------------------------------------------- */
static void t_u64_plain(void)
{
    uint64_t v = 7;
    const char *end;

    CHECK_EQ(parse_u64("0", NULL, &v, false), 0); CHECK_EQ(v, 0);
    CHECK_EQ(parse_u64("123", NULL, &v, false), 0); CHECK_EQ(v, 123);
    CHECK_EQ(parse_u64("0123", NULL, &v, false), 0); CHECK_EQ(v, 123);
    CHECK_EQ(parse_u64("0x1F", NULL, &v, false), 0); CHECK_EQ(v, 31);
    CHECK_EQ(parse_u64("0Xff", NULL, &v, false), 0); CHECK_EQ(v, 255);
    CHECK_EQ(parse_u64("18446744073709551615", NULL, &v, false), 0);
    CHECK(v == UINT64_MAX);
    CHECK_EQ(parse_u64("0xffffffffffffffff", NULL, &v, false), 0);
    CHECK(v == UINT64_MAX);
    v = 5;
    CHECK_EQ(parse_u64("18446744073709551616", NULL, &v, false), -ERANGE);
    CHECK_EQ(parse_u64("0x10000000000000000", NULL, &v, false), -ERANGE);
    CHECK_EQ(v, 5);
    CHECK_EQ(parse_u64("", NULL, &v, false), -EINVAL);
    CHECK_EQ(parse_u64(NULL, NULL, &v, false), -EINVAL);
    CHECK_EQ(parse_u64("-1", NULL, &v, false), -EINVAL);
    CHECK_EQ(parse_u64(" 1", NULL, &v, false), -EINVAL);
    CHECK_EQ(parse_u64("12a", NULL, &v, false), -EINVAL);
    CHECK_EQ(parse_u64("0x", NULL, &v, false), -EINVAL);
    CHECK_EQ(parse_u64("1K", NULL, &v, false), -EINVAL);
    CHECK_EQ(v, 5);
    CHECK_EQ(parse_u64("12a", &end, &v, false), 0); CHECK_EQ(v, 12); CHECK(*end == 'a');
    CHECK_EQ(parse_u64("0x", &end, &v, false), 0); CHECK_EQ(v, 0); CHECK(*end == 'x');
    CHECK_EQ(parse_u64("x", &end, &v, false), -EINVAL);
}

static void t_u64_suffix(void)
{
    uint64_t v = 0;
    const char *end;

    CHECK_EQ(parse_u64("4k", NULL, &v, true), 0); CHECK_EQ(v, 4096);
    CHECK_EQ(parse_u64("64M", NULL, &v, true), 0); CHECK_EQ(v, 64ULL << 20);
    CHECK_EQ(parse_u64("2g", NULL, &v, true), 0); CHECK_EQ(v, 2ULL << 30);
    CHECK_EQ(parse_u64("3T", NULL, &v, true), 0); CHECK_EQ(v, 3ULL << 40);
    CHECK_EQ(parse_u64("0x10M", NULL, &v, true), 0); CHECK_EQ(v, 16ULL << 20);
    CHECK_EQ(parse_u64("16777215T", NULL, &v, true), 0); CHECK_EQ(v, 16777215ULL << 40);
    CHECK_EQ(parse_u64("16777216T", NULL, &v, true), -ERANGE);
    CHECK_EQ(parse_u64("1MB", NULL, &v, true), -EINVAL);
    CHECK_EQ(parse_u64("1Q", NULL, &v, true), -EINVAL);
    CHECK_EQ(parse_u64("1M,x", &end, &v, true), 0); CHECK(*end == ',');
    CHECK_EQ(v, 1ULL << 20);
}

static void t_words(void)
{
    char buf[16];
    const char *p = "  a \"b c\" d=\"x y\"  'e\"f' \"q\\\"\\\\\" \"\" \t";
    const char *q;

    CHECK_EQ(parse_word(&p, buf, sizeof(buf)), 1); CHECK(!strcmp(buf, "a"));
    CHECK_EQ(parse_word(&p, buf, sizeof(buf)), 1); CHECK(!strcmp(buf, "b c"));
    CHECK_EQ(parse_word(&p, buf, sizeof(buf)), 1); CHECK(!strcmp(buf, "d=x y"));
    CHECK_EQ(parse_word(&p, buf, sizeof(buf)), 1); CHECK(!strcmp(buf, "e\"f"));
    CHECK_EQ(parse_word(&p, buf, sizeof(buf)), 1); CHECK(!strcmp(buf, "q\"\\"));
    CHECK_EQ(parse_word(&p, buf, sizeof(buf)), 1); CHECK(!strcmp(buf, ""));
    CHECK_EQ(parse_word(&p, buf, sizeof(buf)), 0);
    CHECK_EQ(parse_word(&p, buf, sizeof(buf)), 0);

    q = "0123456789abcdefXYZ next";
    CHECK_EQ(parse_word(&q, buf, sizeof(buf)), -E2BIG);
    CHECK(!strcmp(buf, "0123456789abcde"));
    CHECK_EQ(parse_word(&q, buf, sizeof(buf)), 1); CHECK(!strcmp(buf, "next"));

    /* GRUB's escaping outside quotes: \x stands for x. */
    q = "x\\\"y a\\ b c\\\\d";
    CHECK_EQ(parse_word(&q, buf, sizeof(buf)), 1); CHECK(!strcmp(buf, "x\"y"));
    CHECK_EQ(parse_word(&q, buf, sizeof(buf)), 1); CHECK(!strcmp(buf, "a b"));
    CHECK_EQ(parse_word(&q, buf, sizeof(buf)), 1); CHECK(!strcmp(buf, "c\\d"));

    q = "ok \"open quote";
    CHECK_EQ(parse_word(&q, buf, sizeof(buf)), 1);
    CHECK_EQ(parse_word(&q, buf, sizeof(buf)), -EINVAL);
    CHECK_EQ(parse_word(&q, buf, sizeof(buf)), 0);
}

static void t_bool_words(void)
{
    bool b;
    static const char *t[] = { "1", "yes", "on", "true", "enable" };
    static const char *f[] = { "0", "no", "off", "false", "disable" };

    for (size_t i = 0; i < 5; i++) {
        b = false; CHECK_EQ(parse_bool(t[i], &b), 0); CHECK(b);
        b = true; CHECK_EQ(parse_bool(f[i], &b), 0); CHECK(!b);
    }
    CHECK_EQ(parse_bool("Yes", &b), -EINVAL);
    CHECK_EQ(parse_bool("", &b), -EINVAL);
    CHECK_EQ(parse_bool("2", &b), -EINVAL);
}

/* ---- the option table ---------------------------------------------------- */
static bool o_flag, o_other;
static uint32_t o_cpus;
static uint8_t o_small;
static uint64_t o_mem;
static char o_console[16];
static int custom_calls;
static char custom_seen[32];

static int custom_handler(const char *v)
{
    custom_calls++;
    snprintf(custom_seen, sizeof(custom_seen), "%s", v ? v : "(null)");
    return (v && !strcmp(v, "bad")) ? -EINVAL : 0;
}

static const struct cmdline_opt opts[] = {
    CMDLINE_DESC_BOOL("flag", &o_flag, "a flag"),
    CMDLINE_DESC_BOOL("other_flag", &o_other, "another"),
    CMDLINE_DESC_UINT("maxcpus", &o_cpus, "CPUs"),
    CMDLINE_DESC_UINT("small", &o_small, "8 bits"),
    CMDLINE_DESC_SIZE("mem", &o_mem, "memory"),
    CMDLINE_DESC_STRING("console", o_console, "sinks"),
    CMDLINE_DESC_CUSTOM("custom", custom_handler, "custom"),
};
#define N ARRAY_SIZE(opts)

static void reset(void)
{
    o_flag = o_other = false;
    o_cpus = 0;
    o_small = 0;
    o_mem = 0;
    strcpy(o_console, "def");
    custom_calls = 0;
    custom_seen[0] = '\0';
}

static void t_bool_forms(void)
{
    reset();
    CHECK_EQ(cmdline_parse("flag", opts, N), 0); CHECK(o_flag);
    CHECK_EQ(cmdline_parse("no-flag", opts, N), 0); CHECK(!o_flag);
    CHECK_EQ(cmdline_parse("flag=on", opts, N), 0); CHECK(o_flag);
    CHECK_EQ(cmdline_parse("flag=off", opts, N), 0); CHECK(!o_flag);
    CHECK_EQ(cmdline_parse("flag=yes", opts, N), 0); CHECK(o_flag);
    CHECK_EQ(cmdline_parse("flag=no", opts, N), 0); CHECK(!o_flag);
    CHECK_EQ(cmdline_parse("flag=1", opts, N), 0); CHECK(o_flag);
    CHECK_EQ(cmdline_parse("flag=0", opts, N), 0); CHECK(!o_flag);
    /* '-' and '_' are interchangeable, also after "no". */
    CHECK_EQ(cmdline_parse("other-flag", opts, N), 0); CHECK(o_other);
    CHECK_EQ(cmdline_parse("no_other_flag", opts, N), 0); CHECK(!o_other);
    CHECK_EQ(cmdline_parse("flag no-flag flag", opts, N), 0); CHECK(o_flag);
}

static void t_bool_bad(void)
{
    const char *w;

    reset();
    o_flag = true;
    warn_begin();
    CHECK_EQ(cmdline_parse("flag=maybe no-flag=1 no-maxcpus noflag", opts, N), 4);
    w = warn_end();
    CHECK(o_flag);
    CHECK(strstr(w, "'flag=maybe': not a boolean") != NULL);
    CHECK(strstr(w, "'no-flag=1'") != NULL);
    CHECK(strstr(w, "unknown option 'no-maxcpus'") != NULL);
    CHECK(strstr(w, "unknown option 'noflag'") != NULL);
}

static void t_uint(void)
{
    const char *w;

    reset();
    CHECK_EQ(cmdline_parse("maxcpus=4", opts, N), 0); CHECK_EQ(o_cpus, 4);
    CHECK_EQ(cmdline_parse("maxcpus=0x10", opts, N), 0); CHECK_EQ(o_cpus, 16);
    CHECK_EQ(cmdline_parse("maxcpus=4294967295", opts, N), 0); CHECK_EQ(o_cpus, 4294967295u);
    CHECK_EQ(cmdline_parse("small=255", opts, N), 0); CHECK_EQ(o_small, 255);
    o_cpus = 9;
    warn_begin();
    CHECK_EQ(cmdline_parse("maxcpus=4294967296 maxcpus=4x maxcpus= maxcpus maxcpus=1K small=256",
                           opts, N), 6);
    w = warn_end();
    CHECK_EQ(o_cpus, 9);
    CHECK_EQ(o_small, 255);
    CHECK(strstr(w, "'maxcpus=4294967296': out of range") != NULL);
    CHECK(strstr(w, "'maxcpus=4x': not a number") != NULL);
    CHECK(strstr(w, "'maxcpus=': needs a value") != NULL);
    CHECK(strstr(w, "'maxcpus': needs a value") != NULL);
    CHECK(strstr(w, "'maxcpus=1K': not a number") != NULL);
    CHECK(strstr(w, "'small=256': out of range") != NULL);
}

static void t_size(void)
{
    const char *w;

    reset();
    CHECK_EQ(cmdline_parse("mem=64M", opts, N), 0); CHECK_EQ(o_mem, 64ULL << 20);
    CHECK_EQ(cmdline_parse("mem=1G", opts, N), 0); CHECK_EQ(o_mem, 1ULL << 30);
    CHECK_EQ(cmdline_parse("mem=512k", opts, N), 0); CHECK_EQ(o_mem, 512ULL << 10);
    CHECK_EQ(cmdline_parse("mem=4096", opts, N), 0); CHECK_EQ(o_mem, 4096);
    CHECK_EQ(cmdline_parse("mem=\"2G\"", opts, N), 0); CHECK_EQ(o_mem, 2ULL << 30);
    warn_begin();
    CHECK_EQ(cmdline_parse("mem=99999999999999T mem=12Z", opts, N), 2);
    w = warn_end();
    CHECK_EQ(o_mem, 2ULL << 30);
    CHECK(strstr(w, "'mem=99999999999999T': out of range") != NULL);
    CHECK(strstr(w, "'mem=12Z': not a size") != NULL);
}

static void t_string(void)
{
    const char *w;

    reset();
    CHECK_EQ(cmdline_parse("console=com1,dbgio", opts, N), 0);
    CHECK(!strcmp(o_console, "com1,dbgio"));
    CHECK_EQ(cmdline_parse("console=\"a b\"", opts, N), 0);
    CHECK(!strcmp(o_console, "a b"));
    CHECK_EQ(cmdline_parse("\"console=c d\"", opts, N), 0);
    CHECK(!strcmp(o_console, "c d"));
    CHECK_EQ(cmdline_parse("console=", opts, N), 0);
    CHECK(!strcmp(o_console, ""));
    CHECK_EQ(cmdline_parse("console=x=y", opts, N), 0);
    CHECK(!strcmp(o_console, "x=y"));
    CHECK_EQ(cmdline_parse("console=123456789012345", opts, N), 0);
    CHECK_EQ(strlen(o_console), 15);
    warn_begin();
    CHECK_EQ(cmdline_parse("console=1234567890123456 console", opts, N), 2);
    w = warn_end();
    CHECK(!strcmp(o_console, "123456789012345"));
    CHECK(strstr(w, "'console=1234567890123456': value too long") != NULL);
    CHECK(strstr(w, "'console': needs a value") != NULL);
}

static void t_custom(void)
{
    const char *w;

    reset();
    CHECK_EQ(cmdline_parse("custom", opts, N), 0);
    CHECK_EQ(custom_calls, 1); CHECK(!strcmp(custom_seen, "(null)"));
    CHECK_EQ(cmdline_parse("custom=v1", opts, N), 0);
    CHECK_EQ(custom_calls, 2); CHECK(!strcmp(custom_seen, "v1"));
    warn_begin();
    CHECK_EQ(cmdline_parse("custom=bad", opts, N), 1);
    w = warn_end();
    CHECK(strstr(w, "'custom=bad': rejected") != NULL);
}

static void t_unknown_continues(void)
{
    const char *w;
    char longw[400];

    reset();
    memset(longw, 'z', sizeof(longw));
    memcpy(longw, "maxcpus=1 ", 10);
    longw[sizeof(longw) - 12] = ' ';
    memcpy(longw + sizeof(longw) - 11, "maxcpus=3", 10);
    warn_begin();
    CHECK_EQ(cmdline_parse("bogus=1 flag whatever mem=8M", opts, N), 2);
    CHECK_EQ(cmdline_parse(longw, opts, N), 1);
    CHECK_EQ(cmdline_parse("maxcpus=2 \"flag", opts, N), 1);
    w = warn_end();
    CHECK(o_flag);
    CHECK_EQ(o_mem, 8ULL << 20);
    CHECK_EQ(o_cpus, 2);
    CHECK(strstr(w, "unknown option 'bogus=1'") != NULL);
    CHECK(strstr(w, "unknown option 'whatever'") != NULL);
    CHECK(strstr(w, "option too long: 'zzzz") != NULL);
    CHECK(strstr(w, "unterminated quote in 'flag'") != NULL);
    CHECK_EQ(cmdline_parse(NULL, opts, N), 0);
    CHECK_EQ(cmdline_parse("   \t ", opts, N), 0);
    CHECK_EQ(cmdline_parse("\"\"", opts, N), 0);
}

static void t_skip_image(void)
{
    static const struct { const char *in, *out; } cases[] = {
        { "/boot/oryx.gz maxcpus=2", "maxcpus=2" },
        { "build/oryx.elf maxcpus=2", "maxcpus=2" },
        { "oryx.elf maxcpus=2", "maxcpus=2" },
        { "  oryx.elf", "" },
        { "flag maxcpus=2", "flag maxcpus=2" },
        { "no-flag maxcpus=2", "no-flag maxcpus=2" },
        { "maxcpus=2 flag", "maxcpus=2 flag" },
        { " console=/dev/x", "console=/dev/x" },
        { "/a=b flag", "flag" },
        { "", "" },
        { "  ", "" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const char *r = cmdline_skip_image(cases[i].in, opts, N);
        r = parse_skip_blanks(r);
        if (strcmp(r, cases[i].out)) {
            fprintf(stderr, "  case %zu: '%s' -> '%s', want '%s'\n", i, cases[i].in, r,
                    cases[i].out);
            unit_case_failed = 1;
        }
    }
    CHECK(!strcmp(cmdline_skip_image(NULL, opts, N), ""));
}

/* ---- linker-section registration -------------------------------------- */
static bool r_noreboot;
static uint32_t r_maxcpus = 64;
static uint64_t r_mem;
static char r_console[32] = "com1";

CMDLINE_OPT_BOOL("noreboot", &r_noreboot, "stay halted on a fatal error");
CMDLINE_OPT_UINT("maxcpus", &r_maxcpus, "use at most N CPUs");
CMDLINE_OPT_SIZE("mem", &r_mem, "ignore RAM above this");
CMDLINE_OPT_STRING("console", r_console, "console sinks");

static void t_registered(void)
{
    size_t n;
    const struct cmdline_opt *o = cmdline_registered(&n);
    const char *w;

    CHECK_EQ(n, 4);
    for (size_t i = 0; i < n; i++)
        CHECK(o[i].name != NULL && o[i].help != NULL);
    CHECK_EQ(cmdline_parse_boot("/boot/oryx.gz noreboot maxcpus=2 mem=1G console=dbgio"), 0);
    CHECK(r_noreboot);
    CHECK_EQ(r_maxcpus, 2);
    CHECK_EQ(r_mem, 1ULL << 30);
    CHECK(!strcmp(r_console, "dbgio"));
    CHECK_EQ(cmdline_parse_boot("no-noreboot maxcpus=3"), 0);
    CHECK(!r_noreboot);
    CHECK_EQ(r_maxcpus, 3);
    warn_begin();
    CHECK_EQ(cmdline_parse_boot("oryx.elf maxcpu=4"), 1);
    cmdline_print_help(o, n);
    w = warn_end();
    CHECK(strstr(w, "unknown option 'maxcpu=4'") != NULL);
    CHECK(strstr(w, "maxcpus=<number>") != NULL);
}

UNIT_MAIN("cmdline")
{
    TEST_RUN(t_u64_plain);
    TEST_RUN(t_u64_suffix);
    TEST_RUN(t_words);
    TEST_RUN(t_bool_words);
    TEST_RUN(t_bool_forms);
    TEST_RUN(t_bool_bad);
    TEST_RUN(t_uint);
    TEST_RUN(t_size);
    TEST_RUN(t_string);
    TEST_RUN(t_custom);
    TEST_RUN(t_unknown_continues);
    TEST_RUN(t_skip_image);
    TEST_RUN(t_registered);
}
