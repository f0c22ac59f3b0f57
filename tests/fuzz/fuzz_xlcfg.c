/*
 * libFuzzer target over libxlcfg: the syntax layer, the typed options
 * and the spec parsers. Beyond "no crash, no leak, no UB" it checks the
 * printer: a config that loads must print, and the printed text must
 * load again and print identically.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xlcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *print_dom(const struct xlcfg_domain *dom)
{
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);

    if (!f)
        abort();
    if (xlcfg_domain_print(dom, f))
        abort();
    fclose(f);
    return s;
}

static int load(const char *buf, size_t len, struct xlcfg_domain *dom)
{
    struct xlcfg_diags d;
    struct xlcfg_file *f = NULL;
    int rc;

    xlcfg_diags_init(&d, "fuzz");
    xlcfg_domain_init(dom);
    rc = xlcfg_parse_buffer(buf, len, &f, &d);
    if (!rc)
        rc = xlcfg_domain_from_file(f, dom, &d);
    /* Every failure must have said why. */
    if (rc && !d.nerrors)
        abort();
    xlcfg_file_free(f);
    xlcfg_diags_free(&d);
    return rc;
}

static void spec_strings(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    struct xlcfg_disk disk;
    struct xlcfg_vif vif;
    struct xlcfg_pci pci;
    char *err = NULL;

    if (!s)
        return;
    memcpy(s, data, size);
    s[size] = 0;
    if (xlcfg_disk_parse(s, &disk, &err) == 0) {
        char *c = xlcfg_disk_format_spec(&disk), *c2;
        struct xlcfg_disk again;

        /* Canonical specs are fixed points. */
        if (!c || xlcfg_disk_parse(c, &again, &err))
            abort();
        c2 = xlcfg_disk_format_spec(&again);
        if (!c2 || strcmp(c, c2))
            abort();
        free(c);
        free(c2);
        xlcfg_disk_free(&again);
    }
    free(err);
    err = NULL;
    xlcfg_disk_free(&disk);
    xlcfg_vif_parse(s, &vif, &err);
    free(err);
    err = NULL;
    xlcfg_vif_free(&vif);
    xlcfg_pci_parse(s, &pci, &err);
    free(err);
    xlcfg_pci_free(&pci);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xlcfg_domain dom, dom2;
    char *a, *b;

    if (size && data[0] == '!') {       /* '!' selects the spec parsers */
        spec_strings(data + 1, size - 1);
        return 0;
    }
    if (load((const char *)data, size, &dom) == 0) {
        a = print_dom(&dom);
        if (load(a, strlen(a), &dom2) != 0) {
            fprintf(stderr, "normalized output does not load:\n%s\n", a);
            abort();
        }
        b = print_dom(&dom2);
        if (strcmp(a, b)) {
            fprintf(stderr, "not a fixed point:\n%s\n---\n%s\n", a, b);
            abort();
        }
        free(a);
        free(b);
        xlcfg_domain_free(&dom2);
    }
    xlcfg_domain_free(&dom);
    return 0;
}
