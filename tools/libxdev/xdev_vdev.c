/*
 * Virtual disk names and default MACs: pure functions, unit-tested on
 * the host (tests/unit/test_xdev.c).
 *
 * Device ids follow the encoding a Xen frontend decodes
 * (docs/misc/vbd-interface.txt in Xen):
 *   xvd, disk < 16, partition < 16:   202 << 8 | disk << 4 | part
 *   xvd, larger (extended):           1 << 28 | disk << 8 | part
 *   hd, disks 0-3:                    (3 or 22) << 8 | (disk & 1) << 6 | part
 *   sd, disk < 16, partition < 16:    8 << 8 | disk << 4 | part
 *   dNpM: as xvd; a bare number is taken as the id itself.
 */
#include "xdev.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define XVD_MAJOR       202u
#define SD_MAJOR        8u
#define EXTENDED        (1u << 28)
#define EXT_MAX_DISK    ((1u << 20) - 1)

/* "a".."z", "aa".."zz", ... (bijective base 26): the disk's index and
 * the number of letters consumed; -1 when there is none. */
static int parse_letters(const char *s, unsigned int *disk)
{
    unsigned long v = 0;
    int n = 0;

    while (s[n] >= 'a' && s[n] <= 'z') {
        v = v * 26 + (unsigned long)(s[n] - 'a' + 1);
        if (v - 1 > EXT_MAX_DISK)
            return -1;
        n++;
    }
    if (n == 0)
        return -1;
    *disk = (unsigned int)(v - 1);
    return n;
}

/* A decimal number with no sign and no leading zero (except "0"), at
 * most max; the digits consumed, or -1. */
static int parse_num(const char *s, unsigned int max, unsigned int *out)
{
    unsigned long v = 0;
    int n = 0;

    while (s[n] >= '0' && s[n] <= '9') {
        if (n == 1 && s[0] == '0')
            return -1;
        v = v * 10 + (unsigned long)(s[n] - '0');
        if (v > max)
            return -1;
        n++;
    }
    if (n == 0)
        return -1;
    *out = (unsigned int)v;
    return n;
}

/* An optional partition number ending the string (0: none). */
static int parse_part(const char *s, unsigned int max, unsigned int *part)
{
    int n;

    *part = 0;
    if (*s == '\0')
        return 0;
    n = parse_num(s, max, part);
    if (n < 0 || s[n] != '\0' || *part == 0)
        return -EINVAL;
    return 0;
}

static uint32_t xvd_id(unsigned int disk, unsigned int part)
{
    if (disk < 16 && part < 16)
        return XVD_MAJOR << 8 | disk << 4 | part;
    return EXTENDED | disk << 8 | part;
}

int xdev_vdev_to_devid(const char *vdev, uint32_t *devid)
{
    unsigned int disk, part;
    int n;

    if (vdev == NULL || *vdev == '\0')
        return -EINVAL;
    if (strncmp(vdev, "xvd", 3) == 0) {
        n = parse_letters(vdev + 3, &disk);
        if (n < 0 || parse_part(vdev + 3 + n, 255, &part) < 0)
            return -EINVAL;
        *devid = xvd_id(disk, part);
        return 0;
    }
    if (strncmp(vdev, "hd", 2) == 0) {
        n = parse_letters(vdev + 2, &disk);
        if (n < 0 || disk > 3 || parse_part(vdev + 2 + n, 63, &part) < 0)
            return -EINVAL;
        *devid = (disk < 2 ? 3u : 22u) << 8 | (disk & 1) << 6 | part;
        return 0;
    }
    if (strncmp(vdev, "sd", 2) == 0) {
        n = parse_letters(vdev + 2, &disk);
        if (n < 0 || disk > 15 || parse_part(vdev + 2 + n, 15, &part) < 0)
            return -EINVAL;
        *devid = SD_MAJOR << 8 | disk << 4 | part;
        return 0;
    }
    if (vdev[0] == 'd' && vdev[1] >= '0' && vdev[1] <= '9') {
        n = parse_num(vdev + 1, EXT_MAX_DISK, &disk);
        if (n < 0)
            return -EINVAL;
        part = 0;
        if (vdev[1 + n] == 'p') {
            if (parse_part(vdev + 2 + n, 255, &part) < 0 || part == 0)
                return -EINVAL;
        } else if (vdev[1 + n] != '\0') {
            return -EINVAL;
        }
        *devid = xvd_id(disk, part);
        return 0;
    }
    n = parse_num(vdev, 0x7fffffffu, &disk);
    if (n < 0 || vdev[n] != '\0' || disk == 0)
        return -EINVAL;
    *devid = disk;
    return 0;
}

int xdev_devid_to_vdev(uint32_t devid, char *buf, size_t len)
{
    unsigned int disk, part, i;
    char letters[8];
    int n;

    if ((devid >> 8) == XVD_MAJOR) {
        disk = (devid >> 4) & 15;
        part = devid & 15;
    } else if (devid & EXTENDED) {
        if (devid >> 29)
            return -EINVAL;
        disk = (devid >> 8) & EXT_MAX_DISK;
        part = devid & 255;
    } else {
        return -EINVAL;
    }
    /* Letters, last first (bijective base 26). */
    i = sizeof(letters);
    letters[--i] = '\0';
    disk++;
    do {
        disk--;
        letters[--i] = (char)('a' + disk % 26);
        disk /= 26;
    } while (disk > 0);
    if (part != 0)
        n = snprintf(buf, len, "xvd%s%u", letters + i, part);
    else
        n = snprintf(buf, len, "xvd%s", letters + i);
    return n >= 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

void xdev_mac_default(const uint8_t uuid[16], uint32_t devid, uint8_t mac[6])
{
    /* FNV-1a over the uuid and the index: stable, and spread so two
     * guests' first vifs rarely share their last three bytes. */
    uint32_t h = 2166136261u;
    unsigned int i;

    for (i = 0; i < 16; i++)
        h = (h ^ uuid[i]) * 16777619u;
    for (i = 0; i < 4; i++)
        h = (h ^ ((devid >> (8 * i)) & 0xff)) * 16777619u;
    mac[0] = 0x00;
    mac[1] = 0x16;
    mac[2] = 0x3e;
    mac[3] = (uint8_t)((h >> 16) & 0x7f);   /* Xen's toolstack clears this bit too */
    mac[4] = (uint8_t)(h >> 8);
    mac[5] = (uint8_t)h;
}
