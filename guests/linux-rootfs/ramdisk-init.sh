#!/bin/sh
# /init of the ramdisk that boots a guest from its disk (mkrootfs.sh -r):
# the disk and network front-ends and ext4, then root= mounted and made /.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
root="" mode=ro
for a in $(cat /proc/cmdline); do
    case "$a" in
    root=*) root=${a#root=} ;;
    rw) mode=rw ;;
    ro) mode=ro ;;
    esac
done
# crc32c first: ext4's metadata checksums need it, and the kernel's own
# request for it can come too late on a slow machine.
for m in xen-blkfront xen-netfront crc32c_generic ext4; do
    modprobe "$m" || echo "ramdisk: modprobe $m failed"
done
n=150                                   # 30 s for blkfront to connect
while [ -n "$root" ] && [ ! -b "$root" ] && [ "$n" -gt 0 ]; do
    usleep 200000
    n=$((n - 1))
done
mkdir -p /newroot
if [ -z "$root" ] || ! mount -t ext4 -o "$mode" "$root" /newroot; then
    echo "ramdisk: cannot mount root '${root:-(no root= given)}' ($mode); a shell instead"
    exec sh
fi
umount /proc /sys /dev 2>/dev/null
exec switch_root /newroot /sbin/init
