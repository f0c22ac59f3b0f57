/*
 * libFuzzer target over the hypervisor command line (hv/common/cmdline.c,
 * hv/lib/parse.c): the boot loader's string, against a table holding
 * every option type; and the same string as the value of dom0_mem= and
 * dom0_max_vcpus= (hv/common/dom0_layout.c), whose results are checked
 * against their documented ranges. Checked beyond "no crash, no UB" (ASan's redzones
 * around the option variables catch overlong writes): string options
 * stay NUL-terminated, custom handlers get NUL-terminated values no
 * longer than a word, and no more words are rejected than the line has.
 */
#include <stdlib.h>
#include <string.h>

#include <oryx/cmdline.h>
#include <oryx/dom0_layout.h>
#include <oryx/errno.h>
#include <oryx/lib.h>
#include <oryx/parse.h>

static bool b1, b2;
static uint8_t u8;
static uint16_t u16;
static uint32_t u32;
static uint64_t u64, sz64;
static uint32_t sz32;
static char str[16];
static int custom_calls;

static int custom(const char *v)
{
    custom_calls++;
    if (v && strlen(v) >= CMDLINE_WORD_MAX)
        abort();
    return v && v[0] == 'x' ? -EINVAL : 0;
}

static const struct cmdline_opt opts[] = {
    CMDLINE_DESC_BOOL("noreboot", &b1, "bool"),
    CMDLINE_DESC_BOOL("watchdog", &b2, "bool"),
    CMDLINE_DESC_UINT("u8", &u8, "uint8"),
    CMDLINE_DESC_UINT("u16", &u16, "uint16"),
    CMDLINE_DESC_UINT("maxcpus", &u32, "uint32"),
    CMDLINE_DESC_UINT("u64", &u64, "uint64"),
    CMDLINE_DESC_SIZE("dom0_mem", &sz64, "size64"),
    CMDLINE_DESC_SIZE("s32", &sz32, "size32"),
    CMDLINE_DESC_STRING("console", str, "string"),
    CMDLINE_DESC_CUSTOM("loglvl", custom, "custom"),
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void dom0_values(const char *s, uint64_t avail, unsigned int pcpus)
{
    struct dom0_mem_opt o, before;
    unsigned int min = 7, max = 9;
    const char *warn;
    uint64_t mem;

    memset(&o, 0, sizeof(o));
    o.max.set = (avail >> 16) & 1;          /* an earlier dom0_mem= word */
    o.max.bytes = avail >> 1;
    before = o;
    if (dom0_mem_parse(s, &o)) {
        if (memcmp(&o, &before, sizeof(o)))
            abort();                        /* changed on error */
    } else if (o.amount.percent > 99 || o.min.percent > 99 || o.max.percent > 99) {
        abort();
    }
    mem = dom0_mem_compute(&o, avail, &warn);
    if (mem > avail)
        abort();
    if (avail >= DOM0_MEM_FLOOR + 4096 && (mem < DOM0_MEM_FLOOR || mem % 4096))
        abort();

    if (dom0_vcpus_parse(s, &min, &max)) {
        if (min != 7 || max != 9)
            abort();                        /* changed on error */
    } else if (min < 1 || min > max) {
        abort();
    }
    pcpus = dom0_vcpus_compute(min, max, pcpus);
    if (pcpus < 1 || pcpus > DOM0_MAX_VCPUS)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    const char *rest, *pos;
    unsigned int bad;
    size_t words = 0;
    char word[64];
    bool bv;
    uint64_t v;
    int rc;

    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    rest = cmdline_skip_image(s, opts, ARRAY_SIZE(opts));
    if (rest < s || rest > s + strlen(s))
        abort();
    bad = cmdline_parse(rest, opts, ARRAY_SIZE(opts));
    if (memchr(str, '\0', sizeof(str)) == NULL)
        abort();

    /* The word splitter on its own, with a small buffer. */
    pos = rest;
    while ((rc = parse_word(&pos, word, sizeof(word))) != 0) {
        if (memchr(word, '\0', sizeof(word)) == NULL || pos < rest || pos > s + size)
            abort();
        words++;
        if (rc == -EINVAL)
            break;
        if (rc != 1 && rc != -E2BIG)
            abort();
        if (rc == 1) {
            parse_bool(word, &bv);
            parse_u64(word, NULL, &v, true);
            parse_u64(word, NULL, &v, false);
        }
    }
    if (bad > words)
        abort();
    cmdline_parse(NULL, opts, ARRAY_SIZE(opts));
    /* The first bytes size the host for the dom0 values. */
    dom0_values(s, size >= 8 ? (uint64_t)data[0] << 40 | (uint64_t)data[1] << 32 |
                               (uint64_t)data[2] << 24 | (uint64_t)data[3] << 16 : 1ull << 30,
                size ? data[size - 1] : 2);
    free(s);
    return 0;
}
