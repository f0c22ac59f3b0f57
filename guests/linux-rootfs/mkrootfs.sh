#!/bin/sh
# A Linux guest that boots from its own disk, from Debian's busybox and
# kernel modules (no root needed):
#   mkrootfs.sh [-o ROOT.img] [-s MIB] [-f raw|qcow2] [-r RAMDISK.cpio.gz]
#               [-k KVER] [-M MODROOT] [-a HOST=GUEST]...
# -o: an ext4 image (mke2fs -d; qcow2 through qemu-img with -f qcow2)
# holding busybox, its applets and /sbin/init (busybox init: /etc/inittab
# runs /etc/rc, which runs /etc/rc.local when there is one, then a shell
# on hvc0); -a copies files in. -r: the ramdisk that boots it: it loads
# xen-blkfront, xen-netfront and ext4 (with crc32c, for its metadata
# checksums), mounts root= (rw or ro as the
# command line says) and switches to it. Its modules must be those of the
# kernel the guest boots: by default cache/'s (cache/KERNEL_VERSION, the
# kernel package unpacked in cache/root/kernel); -k and -M name another
# kernel's version and the root its /lib/modules/KVER is under (as
# tests/fixtures/mkdom0-initramfs.sh takes them), e.g. a Debian system's.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root_dir=$(cd "$here/../.." && pwd)
bb="$root_dir/cache/busybox"
img="" size=32 format=raw ramdisk="" extras=""
usage() {
    echo "usage: $0 [-o ROOT.img] [-s MIB] [-f raw|qcow2] [-r RAMDISK] [-k KVER] [-M MODROOT]" \
        "[-a HOST=GUEST]..." >&2
    exit 2
}
kver="" modroot=""
while getopts "o:s:f:r:k:M:a:" opt; do
    case "$opt" in
    o) img=$OPTARG ;;
    s) size=$OPTARG ;;
    f) format=$OPTARG ;;
    r) ramdisk=$OPTARG ;;
    k) kver=$OPTARG ;;
    M) modroot=$OPTARG ;;
    a) extras="$extras $OPTARG" ;;
    *) usage ;;
    esac
done
[ -n "$img$ramdisk" ] || usage
case "$format" in raw|qcow2) ;; *) echo "$0: -f raw or qcow2, not '$format'" >&2; exit 2 ;; esac

if [ -n "$ramdisk" ]; then
    set --
    [ -z "$kver" ] || set -- "$@" -k "$kver"
    [ -z "$modroot" ] || set -- "$@" -M "$modroot"
    "$root_dir/tests/fixtures/mkdom0-initramfs.sh" -o "$ramdisk" -i "$here/ramdisk-init.sh" \
        -m "xen-blkfront xen-netfront crc32c_generic ext4" "$@"
fi
[ -n "$img" ] || exit 0

command -v mke2fs >/dev/null || { echo "$0: needs mke2fs (e2fsprogs)" >&2; exit 1; }
[ -x "$bb" ] || { echo "$0: no busybox at $bb (scripts/fetch-fixtures.sh)" >&2; exit 1; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/sbin" "$stage/etc" "$stage/dev" "$stage/proc" "$stage/sys" \
    "$stage/tmp" "$stage/run" "$stage/var" "$stage/root" "$stage/mnt"
cp "$bb" "$stage/bin/busybox"
for a in $("$bb" --list); do
    [ "$a" = busybox ] || ln -sf busybox "$stage/bin/$a"
done
ln -sf ../bin/busybox "$stage/sbin/init"
install -m 0644 "$here/inittab" "$stage/etc/inittab"
install -m 0755 "$here/rc" "$stage/etc/rc"
install -m 0755 "$here/udhcpc.script" "$stage/etc/udhcpc.script"
echo "oryx-guest" > "$stage/etc/hostname"
echo "root:x:0:0:root:/root:/bin/sh" > "$stage/etc/passwd"
echo "root:x:0:" > "$stage/etc/group"
for e in $extras; do
    mkdir -p "$stage/$(dirname "${e#*=}")"
    cp "${e%%=*}" "$stage/${e#*=}"
done
raw=$img
[ "$format" = raw ] || raw=$(mktemp)
rm -f "$raw"
mke2fs -q -F -t ext4 -L oryx-root -d "$stage" "$raw" "${size}M" >/dev/null
if [ "$format" = qcow2 ]; then
    qemu-img convert -f raw -O qcow2 "$raw" "$img"
    rm -f "$raw"
fi
