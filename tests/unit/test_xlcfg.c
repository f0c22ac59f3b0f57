/*
 * Unit tests for libxlcfg: the syntax layer, the disk/vif/pci spec
 * parsers (the equivalences xl-disk-configuration(5) lists) and the
 * typed domain options.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "xlcfg.h"

static struct xlcfg_file *parse(const char *text, struct xlcfg_diags *d)
{
    struct xlcfg_file *f = NULL;

    xlcfg_diags_init(d, "t.cfg");
    xlcfg_parse_buffer(text, strlen(text), &f, d);
    return f;
}

static void syntax_values(void)
{
    struct xlcfg_diags d;
    struct xlcfg_file *f = parse(
        "a = 'x\\'y\\n\\x41\\101' ; b = \"q\\\"\"\n"
        "# comment\n"
        "c = [ 1, [ '2', 0x3 ],\n  'four', ]   # trailing comma\n"
        "d = []\n"
        "e = 'p'\ne += 'q'\n"
        "l = [ 'a' ]\nl += [ 'b' ]\n", &d);

    CHECK(f != NULL);
    CHECK_EQ(d.nerrors, 0);
    if (!f)
        goto out;
    CHECK(!strcmp(xlcfg_file_get(f, "a")->value->str, "x'y\nAA"));
    CHECK(!strcmp(xlcfg_file_get(f, "b")->value->str, "q\""));
    CHECK_EQ(xlcfg_file_get(f, "c")->value->nitems, 3);
    CHECK_EQ(xlcfg_file_get(f, "c")->value->items[1]->type, XLCFG_V_LIST);
    CHECK_EQ(xlcfg_file_get(f, "c")->value->items[0]->type, XLCFG_V_NUMBER);
    CHECK_EQ(xlcfg_file_get(f, "d")->value->nitems, 0);
    CHECK(!strcmp(xlcfg_file_get(f, "e")->value->str, "pq"));
    CHECK_EQ(xlcfg_file_get(f, "l")->value->nitems, 2);
    CHECK_EQ(xlcfg_file_get(f, "c")->line, 3);
out:
    xlcfg_file_free(f);
    xlcfg_diags_free(&d);
}

static void syntax_errors(void)
{
    static const struct {
        const char *text;
        unsigned int line, col;
    } cases[] = {
        { "a = 1\nb = \n", 2, 5 },              /* value missing */
        { "a = 'open\n", 1, 5 },                /* unterminated */
        { "a = [ 1 2 ]\n", 1, 9 },              /* missing comma */
        { "= 3\n", 1, 1 },                      /* no key */
        { "a 3\n", 1, 3 },                      /* no '=' */
        { "a = 1 2\n", 1, 7 },                  /* junk after value */
        { "a = '\\z'\n", 1, 6 },                /* bad escape */
        { "a = '\\0'\n", 1, 6 },                /* NUL escape */
        { "x = 1\n  a = foo\n", 2, 7 },         /* bare word */
        { "a = [[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]\n", 1, 21 },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct xlcfg_diags d;
        struct xlcfg_file *f = parse(cases[i].text, &d);

        CHECK(f == NULL);
        CHECK(d.nerrors >= 1);
        if (d.n) {
            if (d.v[0].line != cases[i].line || d.v[0].col != cases[i].col)
                fprintf(stderr, "  case %zu: %u:%u %s\n", i, d.v[0].line,
                        d.v[0].col, d.v[0].msg);
            CHECK_EQ(d.v[0].line, cases[i].line);
            CHECK_EQ(d.v[0].col, cases[i].col);
        }
        xlcfg_file_free(f);
        xlcfg_diags_free(&d);
    }
}

static void syntax_nul_and_limits(void)
{
    struct xlcfg_diags d;
    struct xlcfg_file *f = NULL;
    static const char nul[] = "a = 1\n\0b = 2\n";

    xlcfg_diags_init(&d, "t");
    CHECK_EQ(xlcfg_parse_buffer(nul, sizeof(nul) - 1, &f, &d), -EINVAL);
    CHECK(f == NULL);
    xlcfg_diags_free(&d);

    xlcfg_diags_init(&d, "t");
    CHECK_EQ(xlcfg_parse_buffer("", 0, &f, &d), 0);
    CHECK(f != NULL && f->n == 0);
    xlcfg_file_free(f);
    xlcfg_diags_free(&d);
}

static char *disk_canon(const char *spec)
{
    struct xlcfg_disk disk;
    char *err = NULL, *s = NULL;

    if (xlcfg_disk_parse(spec, &disk, &err) == 0)
        s = xlcfg_disk_format_spec(&disk);
    else
        fprintf(stderr, "  %s: %s\n", spec, err);
    free(err);
    xlcfg_disk_free(&disk);
    return s;
}

/* The equivalent spellings from xl-disk-configuration(5). */
static void disk_equivalences(void)
{
    static const char *const hda[] = {
        "/dev/vg/guest-volume,,hda",
        "/dev/vg/guest-volume,raw,hda,rw",
        "format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume",
        "raw:/dev/vg/guest-volume,hda,w",
    };
    static const char *const cd[] = {
        "/root/image.iso,,hdc,cdrom",
        "/root/image.iso,,hdc,,cdrom",
        "/root/image.iso,raw,hdc,devtype=cdrom",
        "format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso",
        "raw:/root/image.iso,hdc:cdrom,ro",
    };
    char *ref = disk_canon(hda[0]);

    CHECK(ref && !strcmp(ref, "format=raw, vdev=hda, access=rw, "
                         "target=/dev/vg/guest-volume"));
    for (size_t i = 1; i < sizeof(hda) / sizeof(hda[0]); i++) {
        char *s = disk_canon(hda[i]);

        CHECK(s && ref && !strcmp(s, ref));
        free(s);
    }
    free(ref);
    ref = disk_canon(cd[0]);
    CHECK(ref && !strcmp(ref, "format=raw, vdev=hdc, access=ro, "
                         "devtype=cdrom, target=/root/image.iso"));
    for (size_t i = 1; i < sizeof(cd) / sizeof(cd[0]); i++) {
        char *s = disk_canon(cd[i]);

        CHECK(s && ref && !strcmp(s, ref));
        free(s);
    }
    free(ref);
}

static void disk_forms(void)
{
    struct xlcfg_disk disk;
    char *err = NULL;

    CHECK_EQ(xlcfg_disk_parse("phy:/dev/vg0/lv,xvda,w", &disk, &err), 0);
    CHECK(!strcmp(disk.target, "/dev/vg0/lv") && !strcmp(disk.vdev, "xvda"));
    CHECK_EQ(disk.readwrite, 1);
    xlcfg_disk_free(&disk);

    CHECK_EQ(xlcfg_disk_parse("iscsi:iqn.2001-05.com.example:t1,xvdb,r",
                              &disk, &err), 0);
    CHECK(disk.script && !strcmp(disk.script, "block-iscsi"));
    CHECK(!strcmp(disk.target, "iqn.2001-05.com.example:t1"));
    CHECK_EQ(disk.readwrite, 0);
    xlcfg_disk_free(&disk);

    CHECK_EQ(xlcfg_disk_parse(",hdc:cdrom,r", &disk, &err), 0);
    CHECK(disk.target == NULL && disk.is_cdrom);
    CHECK_EQ(disk.format, XLCFG_FORMAT_EMPTY);
    xlcfg_disk_free(&disk);

    CHECK_EQ(xlcfg_disk_parse("vdev=xvda,backendtype=phy,discard,"
                              "backend=drv,target=/a,b=c", &disk, &err), 0);
    CHECK(!strcmp(disk.target, "/a,b=c"));
    CHECK_EQ(disk.backendtype, XLCFG_BACKEND_PHY);
    CHECK_EQ(disk.discard, 1);
    CHECK(!strcmp(disk.backend, "drv"));
    xlcfg_disk_free(&disk);

    static const char *const bad[] = {
        "/a", "vdev=xvda", "/a,vmdk,xvda", "/a,,xvda,rw,x", "foo:/a,xvda",
        "/a,,xvda,access=rx", "/a,,xvda,colour=red", "/a,,xvda,devtype=tape",
        "/a,raw,xvda,format=qcow2", "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err = NULL;
        CHECK_EQ(xlcfg_disk_parse(bad[i], &disk, &err), -EINVAL);
        CHECK(err != NULL);
        free(err);
        xlcfg_disk_free(&disk);
    }
}

static void vif_forms(void)
{
    struct xlcfg_vif vif;
    char *err = NULL;

    CHECK_EQ(xlcfg_vif_parse("", &vif, &err), 0);
    CHECK(!vif.has_mac && !vif.bridge);
    xlcfg_vif_free(&vif);

    CHECK_EQ(xlcfg_vif_parse(" mac=00:16:3E:0a:b:1 , bridge=xenbr0,"
                             "rate=1MB/s@20ms", &vif, &err), 0);
    CHECK(vif.has_mac && vif.mac[2] == 0x3e && vif.mac[4] == 0x0b);
    CHECK(!strcmp(vif.bridge, "xenbr0"));
    CHECK_EQ(vif.rate_interval_usecs, 20000);
    CHECK_EQ(vif.rate_bytes_per_interval, 20000);
    xlcfg_vif_free(&vif);

    CHECK_EQ(xlcfg_vif_parse("rate=10Mb/s", &vif, &err), 0);
    CHECK_EQ(vif.rate_interval_usecs, 50000);
    CHECK_EQ(vif.rate_bytes_per_interval, 62500);
    xlcfg_vif_free(&vif);

    static const char *const bad[] = {
        "mac=00:16:3e:00:00", "mac=00:16:3e:00:00:100", "type=virtio",
        "rate=10Mbit", "rate=0Mb/s", "rate=1MB/s@0ms", "mtu=70000",
        "foo=bar", "loud",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err = NULL;
        CHECK_EQ(xlcfg_vif_parse(bad[i], &vif, &err), -EINVAL);
        CHECK(err != NULL);
        free(err);
        xlcfg_vif_free(&vif);
    }
}

static void pci_forms(void)
{
    struct xlcfg_pci pci;
    char *err = NULL, *s;

    CHECK_EQ(xlcfg_pci_parse("36:00.0@20,seize=1", &pci, &err), 0);
    s = xlcfg_pci_format_spec(&pci);
    CHECK(s && !strcmp(s, "0000:36:00.0, vslot=20, seize=1"));
    free(s);
    xlcfg_pci_free(&pci);
    CHECK_EQ(xlcfg_pci_parse("bdf=36:00.0,vslot=20,seize=1", &pci, &err), 0);
    s = xlcfg_pci_format_spec(&pci);
    CHECK(s && !strcmp(s, "0000:36:00.0, vslot=20, seize=1"));
    free(s);
    xlcfg_pci_free(&pci);
    CHECK_EQ(xlcfg_pci_parse("0001:02:1f.*", &pci, &err), 0);
    CHECK(pci.all_functions && pci.domain == 1 && pci.dev == 0x1f);
    xlcfg_pci_free(&pci);
    CHECK_EQ(xlcfg_pci_parse("02:20.0", &pci, &err), -EINVAL);
    free(err);
    xlcfg_pci_free(&pci);
}

static int load(const char *text, struct xlcfg_domain *dom,
                struct xlcfg_diags *d)
{
    struct xlcfg_file *f = parse(text, d);
    int rc;

    xlcfg_domain_init(dom);
    if (!f)
        return -EINVAL;
    rc = xlcfg_domain_from_file(f, dom, d);
    xlcfg_file_free(f);
    return rc;
}

static void domain_options(void)
{
    struct xlcfg_diags d;
    struct xlcfg_domain dom;

    CHECK_EQ(load("name='a'\ntype='hvm'\nmemory=010\nvcpus='2'\n"
                  "on_crash='coredump_restart'\nacpi=1\nhap=0\n"
                  "tsc_mode=1\nviridian=1\n", &dom, &d), 0);
    CHECK(!strcmp(dom.name, "a"));
    CHECK_EQ(dom.type, XLCFG_TYPE_HVM);
    CHECK_EQ(dom.memory, 8);                 /* octal, like xl */
    CHECK_EQ(dom.vcpus, 2);                  /* quoted numbers work */
    CHECK_EQ(dom.on_crash, XLCFG_ACTION_COREDUMP_RESTART);
    CHECK_EQ(dom.on_reboot, XLCFG_ACTION_RESTART);
    CHECK_EQ(dom.acpi, 1);
    CHECK_EQ(dom.hap, 0);
    CHECK_EQ(dom.apic, XLCFG_DEFAULT);
    CHECK(!strcmp(dom.tsc_mode, "always_emulate"));
    CHECK_EQ(dom.viridian_bool, 1);
    CHECK_EQ(d.nerrors, 0);
    xlcfg_domain_free(&dom);
    xlcfg_diags_free(&d);

    CHECK_EQ(load("name='a'\nbuilder='hvm'\n", &dom, &d), 0);
    CHECK_EQ(dom.type, XLCFG_TYPE_HVM);
    CHECK(dom.type_from_builder);
    CHECK_EQ(d.nwarnings, 1);
    xlcfg_domain_free(&dom);
    xlcfg_diags_free(&d);

    /* Unknown keys warn; wrong types fail. */
    CHECK_EQ(load("name='a'\ntype='pvh'\nkernel='/k'\nfrobnicate=1\n",
                  &dom, &d), 0);
    CHECK_EQ(d.nwarnings, 1);
    xlcfg_domain_free(&dom);
    xlcfg_diags_free(&d);
    CHECK_EQ(load("name='a'\nmemory='lots'\n", &dom, &d), -EINVAL);
    CHECK_EQ(d.v[0].line, 2);
    CHECK_EQ(d.v[0].col, 8);
    xlcfg_domain_free(&dom);
    xlcfg_diags_free(&d);
    CHECK_EQ(load("name=['a']\n", &dom, &d), -EINVAL);
    xlcfg_domain_free(&dom);
    xlcfg_diags_free(&d);
    CHECK_EQ(load("name='a'\nmemory=1\nmemory+=2\n", &dom, &d), -EINVAL);
    xlcfg_domain_free(&dom);
    xlcfg_diags_free(&d);
    CHECK_EQ(load("name='a'\ncpus='0-3,x'\n", &dom, &d), -EINVAL);
    xlcfg_domain_free(&dom);
    xlcfg_diags_free(&d);
    CHECK_EQ(load("name='a'\ntype='hvm'\ndisk=['/a,,hda','/b,,hda']\n",
                  &dom, &d), -EINVAL);
    xlcfg_domain_free(&dom);
    xlcfg_diags_free(&d);
}

/* Printing then re-reading gives the same text. */
static void domain_roundtrip(void)
{
    static const char *const cfgs[] = {
        "name='r'\ntype='hvm'\nmemory=1024\ndisk=['/x\\\"y,,hda']\n"
        "vif=['mac=00:16:3e:00:00:01,bridge=xenbr0']\nserial='pty'\n"
        "cmdline='a\\tb'\n",
        "name='r'\ntype='pvh'\nkernel='/k'\nroot='/dev/xvda'\nextra='ro'\n"
        "cpus=['0','1']\npci=['01:00.1@3']\n",
    };

    for (size_t i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
        struct xlcfg_diags d;
        struct xlcfg_domain dom;
        char *a = NULL, *b = NULL;
        size_t alen = 0, blen = 0;
        FILE *fa = open_memstream(&a, &alen), *fb;

        CHECK_EQ(load(cfgs[i], &dom, &d), 0);
        xlcfg_domain_print(&dom, fa);
        fclose(fa);
        xlcfg_domain_free(&dom);
        xlcfg_diags_free(&d);

        CHECK_EQ(load(a, &dom, &d), 0);
        fb = open_memstream(&b, &blen);
        xlcfg_domain_print(&dom, fb);
        fclose(fb);
        CHECK(a && b && !strcmp(a, b));
        xlcfg_domain_free(&dom);
        xlcfg_diags_free(&d);
        free(a);
        free(b);
    }
}

UNIT_MAIN("xlcfg")
{
    TEST_RUN(syntax_values);
    TEST_RUN(syntax_errors);
    TEST_RUN(syntax_nul_and_limits);
    TEST_RUN(disk_equivalences);
    TEST_RUN(disk_forms);
    TEST_RUN(vif_forms);
    TEST_RUN(pci_forms);
    TEST_RUN(domain_options);
    TEST_RUN(domain_roundtrip);
}
