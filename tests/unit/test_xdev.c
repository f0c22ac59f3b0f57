/*
 * libxdev's names (tools/libxdev/xdev_vdev.c): disk names to the device
 * ids a Xen frontend decodes (the examples in Xen's vbd-interface.txt),
 * back again, and what is refused; default MACs stable and in Xen's range.
 */
#include <stdint.h>

#include "unit.h"
#include "xdev.h"

static uint32_t id(const char *vdev)
{
    uint32_t d = 0xdeadbeef;

    CHECK_EQ(xdev_vdev_to_devid(vdev, &d), 0);
    return d;
}

static void vdev_ids(void)
{
    CHECK_EQ(id("xvda"), 51712);            /* 202 << 8 */
    CHECK_EQ(id("xvdb"), 51728);
    CHECK_EQ(id("xvda1"), 51713);
    CHECK_EQ(id("xvdp15"), 51967);
    CHECK_EQ(id("xvdq"), 268439552);        /* extended: 1 << 28 | 16 << 8 */
    CHECK_EQ(id("xvda16"), (1u << 28) | 16);
    CHECK_EQ(id("xvdaa"), (1u << 28) | (26u << 8));
    CHECK_EQ(id("hda"), 768);
    CHECK_EQ(id("hdb"), 832);
    CHECK_EQ(id("hdc"), 5632);
    CHECK_EQ(id("hdd1"), 5697);
    CHECK_EQ(id("sda"), 2048);
    CHECK_EQ(id("sdb2"), 2066);
    CHECK_EQ(id("d0"), 51712);
    CHECK_EQ(id("d1p2"), 51730);
    CHECK_EQ(id("d20p1"), (1u << 28) | (20u << 8) | 1);
    CHECK_EQ(id("51712"), 51712);
}

static void vdev_refused(void)
{
    static const char *const bad[] = {
        "", "xvd", "xvdA", "xvda0", "xvda01", "xvda256", "xvd1", "hde", "hda64", "sdq",
        "sda16", "d", "dp1", "d0p0", "d0x", "0", "-1", "vda", "xvda ", "99999999999",
    };
    uint32_t d;

    for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (xdev_vdev_to_devid(bad[i], &d) != -22) {
            fprintf(stderr, "  '%s' was taken (%u)\n", bad[i], d);
            unit_case_failed = 1;
        }
    CHECK(xdev_vdev_to_devid(NULL, &d) < 0);
}

static void devid_names(void)
{
    static const char *const names[] = { "xvda", "xvdp", "xvdb3", "xvdq", "xvdz", "xvdaa",
                                         "xvdzz", "xvdaaa", "xvda200" };
    char buf[16];
    uint32_t d;

    for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        CHECK_EQ(xdev_vdev_to_devid(names[i], &d), 0);
        CHECK_EQ(xdev_devid_to_vdev(d, buf, sizeof(buf)), 0);
        if (strcmp(buf, names[i])) {
            fprintf(stderr, "  %s -> %u -> %s\n", names[i], d, buf);
            unit_case_failed = 1;
        }
    }
    CHECK(xdev_devid_to_vdev(768, buf, sizeof(buf)) < 0);   /* hda: not an xvd id */
    CHECK(xdev_devid_to_vdev(51712, buf, 4) < 0);           /* "xvda" needs 5 bytes */
}

static void default_macs(void)
{
    uint8_t u1[16] = { 1, 2, 3 }, u2[16] = { 1, 2, 4 }, a[6], b[6], c[6], d[6];

    xdev_mac_default(u1, 0, a);
    xdev_mac_default(u1, 0, b);
    xdev_mac_default(u1, 1, c);
    xdev_mac_default(u2, 0, d);
    CHECK(a[0] == 0x00 && a[1] == 0x16 && a[2] == 0x3e);
    CHECK(!(a[3] & 0x80) && !(c[3] & 0x80) && !(d[3] & 0x80));
    CHECK(memcmp(a, b, 6) == 0);
    CHECK(memcmp(a, c, 6) != 0);
    CHECK(memcmp(a, d, 6) != 0);
}

UNIT_MAIN("xdev")
{
    TEST_RUN(vdev_ids);
    TEST_RUN(vdev_refused);
    TEST_RUN(devid_names);
    TEST_RUN(default_macs);
}
