/* Host tests of boot-module domain specifications. */
#include <errno.h>
#include <stdint.h>
#include <stdbool.h>
#include "unit.h"
#include <oryx/domspec.h>
#include <oryx/lib.h>

static struct domspec d;
static char err[128];

static int parse(const char *s)
{
    return domspec_parse(s, &d, err, sizeof(err));
}

static void t_full(void)
{
    CHECK_EQ(parse("domain name=web mem=64M vcpus=2 on_poweroff=destroy on_reboot=restart "
                   "on_crash=preserve cmdline=\"console=hvc0 quiet\""), 0);
    CHECK(!strcmp(d.name, "web"));
    CHECK_EQ(d.mem_bytes, 64ULL << 20);
    CHECK_EQ(d.vcpus, 2);
    CHECK_EQ(d.on_poweroff, DOMSPEC_DESTROY);
    CHECK_EQ(d.on_reboot, DOMSPEC_RESTART);
    CHECK_EQ(d.on_crash, DOMSPEC_PRESERVE);
    CHECK(!strcmp(d.cmdline, "console=hvc0 quiet"));
    CHECK(!strcmp(err, ""));
    CHECK(!d.hvm);
    CHECK_EQ(parse("domain name=x type=hvm"), 0);
    CHECK(d.hvm);
    CHECK_EQ(parse("domain name=x type=pvh"), 0);
    CHECK(!d.hvm);
}

static void t_defaults_and_path(void)
{
    CHECK_EQ(parse("/boot/guest.elf domain name=a"), 0);
    CHECK(!strcmp(d.name, "a"));
    CHECK_EQ(d.mem_bytes, DOMSPEC_MEM_DEFAULT);
    CHECK_EQ(d.vcpus, 1);
    CHECK_EQ(d.on_poweroff, DOMSPEC_DESTROY);
    CHECK_EQ(d.on_reboot, DOMSPEC_RESTART);
    CHECK_EQ(d.on_crash, DOMSPEC_DESTROY);
    CHECK(!strcmp(d.cmdline, ""));
    CHECK_EQ(parse("guest.elf domain name=Web_1.x-y mem=0x100000 vcpus=128 on-crash=restart"), 0);
    CHECK(!strcmp(d.name, "Web_1.x-y"));
    CHECK_EQ(d.mem_bytes, 1ULL << 20);
    CHECK_EQ(d.vcpus, 128);
    CHECK_EQ(d.on_crash, DOMSPEC_RESTART);
    CHECK_EQ(parse("domain name=n123456789012345678901234567890 mem=64G"), 0);
    CHECK_EQ(strlen(d.name), 31);
    CHECK_EQ(d.mem_bytes, 64ULL << 30);
    CHECK_EQ(parse("domain name=a cmdline="), 0);
    CHECK(!strcmp(d.cmdline, ""));
}

static void t_dashdash(void)
{
    CHECK_EQ(parse("domain name=a mem=8M -- console=hvc0  root=/dev/ram0 \"x y\"  "), 0);
    CHECK(!strcmp(d.cmdline, "console=hvc0  root=/dev/ram0 \"x y\""));
    CHECK_EQ(d.mem_bytes, 8ULL << 20);
    CHECK_EQ(parse("domain name=a --"), 0);
    CHECK(!strcmp(d.cmdline, ""));
    CHECK_EQ(parse("domain name=a cmdline='a \"b\"'"), 0);
    CHECK(!strcmp(d.cmdline, "a \"b\""));
    CHECK_EQ(parse("domain name=a cmdline=\"a \\\"b\\\"\""), 0);
    CHECK(!strcmp(d.cmdline, "a \"b\""));
    /* "--" ends the keys even before name=: then name is missing. */
    CHECK_EQ(parse("domain -- name=a"), -EINVAL);
    CHECK(strstr(err, "missing name=") != NULL);
}

static void t_bad(void)
{
    static const struct { const char *line, *msg; } cases[] = {
        { "", "no 'domain' keyword" },
        { "/boot/x.elf name=a", "no 'domain' keyword" },
        { "a b domain name=x", "no 'domain' keyword" },
        { "domain", "missing name=" },
        { "domain mem=64M", "missing name=" },
        { "domain name=", "name= needs a value" },
        { "domain name=a/b", "name 'a/b' must be" },
        { "domain name=\"a b\"", "name 'a b' must be" },
        { "domain name=n12345678901234567890123456789012", "too long (max 31" },
        { "domain name=a memory=64M", "unknown key 'memory'" },
        { "domain name=a mem=64Q", "bad mem '64Q'" },
        { "domain name=a mem=512K", "mem '512K' outside" },
        { "domain name=a mem=65G", "mem '65G' outside" },
        { "domain name=a mem=99999999999999999999", "bad mem" },
        { "domain name=a mem=1048577", "not a multiple of 4K" },
        { "domain name=a vcpus=0", "bad vcpus '0'" },
        { "domain name=a vcpus=129", "bad vcpus '129'" },
        { "domain name=a vcpus=two", "bad vcpus 'two'" },
        { "domain name=a on_crash=explode", "bad on_crash 'explode'" },
        { "domain name=a type=HVM", "bad type 'HVM' (pvh or hvm)" },
        { "domain name=a type=pv", "bad type 'pv'" },
        { "domain name=a type=hvm type=pvh", "type given twice" },
        { "domain name=a on_poweroff=", "on_poweroff= needs a value" },
        { "domain name=a on_reboot=Restart", "bad on_reboot 'Restart'" },
        { "domain name=a name=b", "name given twice" },
        { "domain name=a mem=1M mem=2M", "mem given twice" },
        { "domain name=a cmdline=x -- y", "cmdline given twice" },
        { "domain name=a quiet", "'quiet': expected key=value" },
        { "domain name=a cmdline=\"unterminated", "unterminated quote" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        int rc = parse(cases[i].line);

        if (rc != -EINVAL || !strstr(err, cases[i].msg)) {
            fprintf(stderr, "  case '%s': rc %d err '%s', want '%s'\n", cases[i].line, rc, err,
                    cases[i].msg);
            unit_case_failed = 1;
        }
    }
    CHECK_EQ(domspec_parse(NULL, &d, NULL, 0), -EINVAL);
}

static void t_cmdline_length(void)
{
    static char line[3000], big[1100];

    memset(big, 'c', 1023);
    big[1023] = '\0';
    snprintf(line, sizeof(line), "domain name=a cmdline=\"%s\"", big);
    CHECK_EQ(parse(line), 0);
    CHECK_EQ(strlen(d.cmdline), 1023);
    snprintf(line, sizeof(line), "domain name=a -- %s", big);
    CHECK_EQ(parse(line), 0);
    CHECK_EQ(strlen(d.cmdline), 1023);

    big[1023] = 'c';
    big[1024] = '\0';
    snprintf(line, sizeof(line), "domain name=a cmdline=\"%s\"", big);
    CHECK_EQ(parse(line), -EINVAL);
    CHECK(strstr(err, "too long") != NULL);
    snprintf(line, sizeof(line), "domain name=a -- %s", big);
    CHECK_EQ(parse(line), -EINVAL);
    CHECK(strstr(err, "cmdline too long (max 1023 bytes)") != NULL);
    memset(big, 'c', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    snprintf(line, sizeof(line), "domain name=a cmdline=\"%s\"", big);
    CHECK_EQ(parse(line), -EINVAL);
    CHECK(strstr(err, "too long") != NULL);
    /* A small error buffer truncates, never overflows. */
    char small[8];
    CHECK_EQ(domspec_parse("domain name=a memory=1", &d, small, sizeof(small)), -EINVAL);
    CHECK_EQ(strlen(small), 7);
}

static void t_classify(void)
{
    CHECK_EQ(domspec_classify("domain name=a"), DOMSPEC_MOD_DOMAIN);
    CHECK_EQ(domspec_classify("/x/y domain name=a"), DOMSPEC_MOD_DOMAIN);
    CHECK_EQ(domspec_classify("initrd"), DOMSPEC_MOD_INITRD);
    CHECK_EQ(domspec_classify("/boot/initrd.gz initrd for=a"), DOMSPEC_MOD_INITRD);
    CHECK_EQ(domspec_classify("/boot/initrd.gz"), DOMSPEC_MOD_OTHER);
    CHECK_EQ(domspec_classify("a b domain"), DOMSPEC_MOD_OTHER);
    CHECK_EQ(domspec_classify(""), DOMSPEC_MOD_OTHER);
    CHECK_EQ(domspec_classify(NULL), DOMSPEC_MOD_OTHER);
}

static void t_initrd_line(void)
{
    char name[DOMSPEC_NAME_MAX];

    CHECK_EQ(domspec_parse_initrd("initrd", name, err, sizeof(err)), 0);
    CHECK(!strcmp(name, ""));
    CHECK_EQ(domspec_parse_initrd("/b/i.cpio initrd for=web", name, err, sizeof(err)), 0);
    CHECK(!strcmp(name, "web"));
    CHECK_EQ(domspec_parse_initrd("initrd for=", name, err, sizeof(err)), -EINVAL);
    CHECK_EQ(domspec_parse_initrd("initrd for=a for=b", name, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "twice") != NULL);
    CHECK_EQ(domspec_parse_initrd("initrd size=3", name, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "unknown initrd option 'size=3'") != NULL);
    CHECK_EQ(domspec_parse_initrd("domain", name, err, sizeof(err)), -EINVAL);
}

static struct domspec_entry ents[4];

static void t_scan(void)
{
    const char *mods[] = {
        /* 0 */ "/boot/a.elf domain name=a mem=16M",
        /* 1 */ "/boot/a.cpio initrd",
        /* 2 */ "/boot/b.elf domain name=b memory=1",
        /* 3 */ "/boot/c.elf domain name=c",
        /* 4 */ "stray module",
        /* 5 */ "initrd for=b",
        /* 6 */ "domain name=a",
        /* 7 */ "initrd for=nobody",
        /* 8 */ "initrd bogus",
        /* 9 */ "domain name=d",
        /* 10 */ "initrd for=c",
        /* 11 */ "initrd for=c",
        /* 12 */ "domain name=e",
        /* 13 */ NULL,
    };
    size_t n = domspec_scan(mods, ARRAY_SIZE(mods), ents, ARRAY_SIZE(ents));

    CHECK_EQ(n, 4);
    CHECK_EQ(ents[0].rc, 0);
    CHECK(!strcmp(ents[0].spec.name, "a"));
    CHECK_EQ(ents[0].kernel_module, 0);
    CHECK_EQ(ents[0].initrd_module, 1);
    CHECK_EQ(ents[0].spec.mem_bytes, 16ULL << 20);

    CHECK_EQ(ents[1].rc, -EINVAL);            /* b: bad key */
    CHECK(strstr(ents[1].err, "unknown key 'memory'") != NULL);
    CHECK_EQ(ents[1].kernel_module, 2);
    CHECK_EQ(ents[1].initrd_module, 5);

    CHECK_EQ(ents[2].rc, -EINVAL);            /* c: two initrds */
    CHECK(strstr(ents[2].err, "two initrd modules (10 and 11)") != NULL);
    CHECK_EQ(ents[2].initrd_module, 10);

    CHECK_EQ(ents[3].rc, -EEXIST);            /* second "a" */
    CHECK(strstr(ents[3].err, "duplicate domain name 'a' (module 0)") != NULL);
    CHECK_EQ(ents[3].kernel_module, 6);
    CHECK_EQ(ents[3].initrd_module, -1);
    /* d and e did not fit; initrds 7 and 8 were ignored (warnings). */

    const char *one[] = { "initrd", "domain name=x", "initrd" };
    n = domspec_scan(one, 3, ents, 4);
    CHECK_EQ(n, 1);
    CHECK_EQ(ents[0].rc, 0);
    CHECK_EQ(ents[0].initrd_module, 2);
    CHECK_EQ(domspec_scan(NULL, 0, ents, 4), 0);
}

static void t_action_names(void)
{
    CHECK(!strcmp(domspec_action_name(DOMSPEC_DESTROY), "destroy"));
    CHECK(!strcmp(domspec_action_name(DOMSPEC_RESTART), "restart"));
    CHECK(!strcmp(domspec_action_name(DOMSPEC_PRESERVE), "preserve"));
    CHECK(!strcmp(domspec_action_name(7), "?"));
}

UNIT_MAIN("domspec")
{
    TEST_RUN(t_full);
    TEST_RUN(t_defaults_and_path);
    TEST_RUN(t_dashdash);
    TEST_RUN(t_bad);
    TEST_RUN(t_cmdline_length);
    TEST_RUN(t_classify);
    TEST_RUN(t_initrd_line);
    TEST_RUN(t_scan);
    TEST_RUN(t_action_names);
}
