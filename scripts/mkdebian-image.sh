#!/bin/sh
# `make debian-image`: a Debian 12 dom0 root filesystem, built with
# mmdebstrap from Debian's packages and this machine's apt sources, with
# the oryx-tools package (`make deb`) installed and oryxd.service enabled,
# packed as an ext4 disk image (mkfs.ext4 -d, no loop mount). Root only.
#
# Two cached layers under cache/debian-rootfs/, each rebuilt only when its
# inputs change:
#   base-KEY.tar       mmdebstrap's system (KEY: this script, the kernel
#                      version, the apt sources); holds Debian's kernel
#                      package, whose initramfs-tools initrd is cut to the
#                      modules a virtio-blk ext4 root needs
#   dom0.img           base + oryx-tools + what the example guests name:
#                      the kernel, linux.cfg's initrd, linux-disk.cfg's
#                      root disk and ramdisk (guests/linux-rootfs, the
#                      ramdisk's modules from the image's own kernel)
#                      (dom0.key: base KEY and the hashes of the installed
#                      files and of what those guests are built from), with
#                      vmlinuz and initrd.img (the kernel package's, from the
#                      image) beside it
# Exit status: 0 built or up to date, 3 the mirror is unreachable (nothing
# cached to fall back on), 1 any other failure.
set -eu
cd "$(dirname "$0")/.."
OUT=cache/debian-rootfs
KVER=$(cat cache/KERNEL_VERSION)
# This machine's apt sources (ORYX_APT_SOURCES: another sources file).
SOURCES=${ORYX_APT_SOURCES:-/etc/apt/sources.list.d/debian.sources}
[ -f "$SOURCES" ] || SOURCES=/etc/apt/sources.list
log() { echo "mkdebian-image: $*" >&2; }
die() { log "error: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap --mode=root, image ownership)"
command -v mmdebstrap >/dev/null || die "mmdebstrap is missing (scripts/install-deps.sh)"
deb=$(ls build/dist/oryx-tools_*_amd64.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || die "no build/dist/oryx-tools_*.deb (make deb)"
mkdir -p "$OUT"
# One build at a time (worktrees share cache/).
exec 9>"$OUT/.lock"
flock 9

# Debian's packages: systemd as init (with D-Bus and logind, as systemd
# recommends), the kernel matching cache/vmlinuz, initramfs-tools for its
# initrd, Debian's xenstore clients.
PKGS="systemd-sysv,dbus,libpam-systemd,udev,kmod,procps,iproute2,e2fsprogs,less,bash-completion"
PKGS="$PKGS,initramfs-tools,linux-image-$KVER,xenstore-utils"
# Left out by dpkg: documentation (but the copyrights) and the modules a
# serial-console dom0 under QEMU never loads (sound, graphics, media,
# Wi-Fi, InfiniBand, industrial I/O, staging): about 165 MB less.
# The kernel package ships its modules under /lib (merged /usr or not).
M=/lib/modules/$KVER/kernel
EXCL="/usr/share/doc/* /usr/share/man/* /usr/share/info/*"
EXCL="$EXCL $M/sound/* $M/drivers/gpu/* $M/drivers/media/* $M/drivers/net/wireless/*"
EXCL="$EXCL $M/drivers/infiniband/* $M/drivers/iio/* $M/drivers/staging/*"

key=$( (cat "$0" "$SOURCES"; echo "$KVER") | sha256sum | cut -c1-16)
base=$OUT/base-$key.tar
if [ ! -f "$base" ]; then
    log "building the Debian 12 base system with mmdebstrap (a few minutes)"
    set -- --mode=root --variant=apt --format=tar --include="$PKGS"
    for p in $EXCL; do set -- "$@" --dpkgopt="path-exclude=$p"; done
    set -- "$@" --dpkgopt='path-include=/usr/share/doc/*/copyright'
    # The host's apt proxy, if it has one.
    proxy=$(apt-config dump Acquire::http::Proxy 2>/dev/null | sed -n 's/^Acquire::http::Proxy "\(.*\)";$/\1/p')
    [ -n "$proxy" ] && set -- "$@" --aptopt="Acquire::http::Proxy \"$proxy\""
    # Before the kernel's package: its initrd gets only what the root
    # filesystem needs (virtio-blk, ext4, fsck.ext4), gzip-packed.
    set -- "$@" --essential-hook='printf "/dev/vda\t/\text4\tdefaults\t0\t1\n" > "$1/etc/fstab" &&
        mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/usr/share/initramfs-tools/modules.d" &&
        printf "MODULES=list\nCOMPRESS=gzip\nFSTYPE=ext4\n" > "$1/etc/initramfs-tools/conf.d/oryx-image.conf" &&
        printf "virtio_pci\nvirtio_blk\next4\n" > "$1/usr/share/initramfs-tools/modules.d/oryx-image"'
    # A dom0 for the serial console: hostname, root logged in on hvc0 (a
    # test and development image, no password).
    set -- "$@" --customize-hook='echo oryx-dom0 > "$1/etc/hostname" &&
        printf "127.0.1.1\toryx-dom0\n" >> "$1/etc/hosts" &&
        mkdir -p "$1/etc/systemd/system/serial-getty@hvc0.service.d" &&
        printf "[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 - \$TERM\n" \
            > "$1/etc/systemd/system/serial-getty@hvc0.service.d/autologin.conf"'
    if ! mmdebstrap "$@" bookworm "$base.tmp" "$SOURCES" > "$OUT/base.log" 2>&1; then
        rm -f "$base.tmp"
        if grep -q -e 'Failed to fetch' -e 'apt-get update failed' -e 'Could not resolve' \
                -e 'Temporary failure resolving' "$OUT/base.log"; then
            log "the Debian mirror is unreachable (see $OUT/base.log)"
            exit 3
        fi
        tail -n 20 "$OUT/base.log" >&2
        die "mmdebstrap failed (see $OUT/base.log)"
    fi
    # Only the newest base is kept.
    for old in "$OUT"/base-*.tar; do
        [ "$old" = "$base.tmp" ] || rm -f "$old"
    done
    mv "$base.tmp" "$base"
fi

# The installed tree's content names the tools; not the .deb's bytes
# (its version and times change with every commit).
tools=$(cd build/dist/root && find . -path ./DEBIAN -prune -o -type f -print | LC_ALL=C sort |
    xargs sha256sum | sha256sum | cut -c1-16)
# The example guests boot the image's own kernel: linux.cfg with the
# busybox initramfs of `make run` (scripts/fetch-fixtures.sh), linux-disk.cfg
# from its root disk with its ramdisk, both made by guests/linux-rootfs/
# mkrootfs.sh from cache/busybox (its ramdisk through the fixture scripts,
# its modules from the image's kernel, which the base KEY names). The
# image is rebuilt when any of these change.
GUEST_INITRD=cache/initramfs-min.cpio.gz
[ -f "$GUEST_INITRD" ] || die "$GUEST_INITRD is missing (scripts/fetch-fixtures.sh)"
[ -x cache/busybox ] || die "cache/busybox is missing (scripts/fetch-fixtures.sh)"
guest=$(sha256sum "$GUEST_INITRD" cache/busybox guests/linux-rootfs/* \
    tests/fixtures/mkdom0-initramfs.sh tests/fixtures/mkinitramfs.sh | sha256sum | cut -c1-16)
want="$key-$tools-$guest"
if [ -f "$OUT/dom0.img" ] && [ "$(cat "$OUT/dom0.key" 2>/dev/null)" = "$want" ]; then
    exit 0
fi
log "installing $(basename "$deb") into the image"
tmp=$(mktemp -d "$OUT/tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/root"
tar -C "$tmp/root" --numeric-owner -xpf "$base"
cp "$deb" "$tmp/root/tmp/oryx-tools.deb"
chroot "$tmp/root" dpkg -i /tmp/oryx-tools.deb >/dev/null 2>&1 ||
    die "dpkg -i $(basename "$deb") failed in the image"
rm -f "$tmp/root/tmp/oryx-tools.deb"
[ -L "$tmp/root/etc/systemd/system/multi-user.target.wants/oryxd.service" ] ||
    die "oryxd.service was not enabled by the package"
ln -sf "vmlinuz-$KVER" "$tmp/root/boot/vmlinuz"
install -m 644 "$GUEST_INITRD" "$tmp/root/boot/initrd.gz"
# linux-disk.cfg's root disk and ramdisk, where it names them. The
# ramdisk's modules come from the kernel the guest boots, the image's
# (merged /usr: /lib/modules/KVER is usr/lib's), not cache/'s unpacked copy.
[ -d "$tmp/root/lib/modules/$KVER/kernel" ] || die "no /lib/modules/$KVER in the image"
mkdir -p "$tmp/root/var/lib/oryx/images"
guests/linux-rootfs/mkrootfs.sh -o "$tmp/root/var/lib/oryx/images/linux-disk.img" \
    -r "$tmp/root/boot/rootdisk-initrd.gz" -k "$KVER" -M "$tmp/root" > "$tmp/rootfs.log" 2>&1 || {
    tail -n 5 "$tmp/rootfs.log" >&2
    die "guests/linux-rootfs/mkrootfs.sh failed"
}
chmod 644 "$tmp/root/boot/rootdisk-initrd.gz"
cp "$tmp/root/boot/vmlinuz-$KVER" "$tmp/vmlinuz"
cp "$tmp/root/boot/initrd.img-$KVER" "$tmp/initrd.img"
# Room for logs and a guest or two: the tree plus a quarter, plus 64 MiB.
mib=$(du -sm "$tmp/root" | cut -f1)
mkfs.ext4 -q -F -L oryx-dom0 -d "$tmp/root" "$tmp/dom0.img" "$((mib + mib / 4 + 64))M" >/dev/null
mv "$tmp/vmlinuz" "$tmp/initrd.img" "$tmp/dom0.img" "$OUT/"
echo "$want" > "$OUT/dom0.key"
log "built $OUT/dom0.img ($(du -h --apparent-size "$OUT/dom0.img" | cut -f1)), vmlinuz, initrd.img"
