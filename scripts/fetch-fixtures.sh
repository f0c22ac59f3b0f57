#!/bin/sh
# Fetch Debian's stock kernel and busybox-static into cache/ and build the
# default test initramfs. Idempotent: with everything cached it makes no
# network access. Outputs (repo-relative):
#   cache/vmlinuz                the kernel exactly as Debian ships it
#   cache/KERNEL_VERSION         e.g. 6.1.0-56-amd64
#   cache/busybox                busybox-static binary
#   cache/initramfs-min.cpio.gz  busybox initramfs that prints ORYX-INIT-OK
#   cache/root/xs/<pkg>/         xenstore-utils, libxenstore4, libxentoolcore1
#                                libc6 and libgcc-s1 (pthread_cancel needs it),
#                                unpacked (dom0's xenstore clients)
# Options: --offline (never touch the network), --force (re-download).
set -eu

cd "$(dirname "$0")/.."
CACHE=${ORYX_CACHE:-cache}
offline=0
force=0
for a in "$@"; do
    case "$a" in
    --offline) offline=1 ;;
    --force) force=1 ;;
    *) echo "usage: $0 [--offline] [--force]" >&2; exit 2 ;;
    esac
done

mkdir -p "$CACHE/debs" "$CACHE/root"

log() { echo "fetch-fixtures: $*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in dpkg cpio gzip; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' is required (apt-get install $tool)"
done

# Newest cached .deb whose name starts with $1 (package name), if any.
cached_deb() {
    ls -1 "$CACHE/debs/$1"_*.deb 2>/dev/null | sort -V | tail -n 1
}

# Download package $1 into the cache unless a copy is there already.
get_deb() {
    pkg=$1
    deb=$(cached_deb "$pkg")
    if [ -n "$deb" ] && [ "$force" -eq 0 ]; then
        echo "$deb"
        return 0
    fi
    if [ "$offline" -eq 1 ]; then
        [ -n "$deb" ] && { echo "$deb"; return 0; }
        die "$pkg is not cached and --offline was given"
    fi
    log "downloading $pkg"
    (cd "$CACHE/debs" && apt-get download -q "$pkg" >&2) || {
        [ -n "$deb" ] && { log "download failed; using cached $deb"; echo "$deb"; return 0; }
        die "apt-get download $pkg failed (is 'apt-get update' needed?)"
    }
    cached_deb "$pkg"
}

# The real kernel package is whatever the metapackage depends on now; if apt
# cannot tell (offline, no lists), fall back to the newest cached one.
resolve_kpkg() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: *\(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1
}
kpkg=""
if [ "$offline" -eq 0 ]; then
    kpkg=$(resolve_kpkg) || true
    # A fresh machine may have no package lists yet.
    if [ -z "$kpkg" ] && [ "$(id -u)" -eq 0 ] &&
       ! ls "$CACHE"/debs/linux-image-[0-9]*.deb >/dev/null 2>&1; then
        log "apt cannot resolve linux-image-amd64; running apt-get update"
        apt-get update -q >&2 || true
        kpkg=$(resolve_kpkg) || true
    fi
fi
if [ -z "$kpkg" ]; then
    deb=$(ls -1 "$CACHE"/debs/linux-image-[0-9]*.deb 2>/dev/null | sort -V | tail -n 1)
    [ -n "$deb" ] || die "cannot resolve linux-image-amd64 and nothing is cached"
    kpkg=$(basename "$deb" | sed 's/_.*//')
fi
kver=${kpkg#linux-image-}

kdeb=$(get_deb "$kpkg")
bdeb=$(get_deb busybox-static)

# Unpack only when the .deb changed (stamp = deb file name).
unpack() {
    deb=$1
    dir=$2
    stamp="$dir/.from"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(basename "$deb")" ]; then
        return 0
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    dpkg -x "$deb" "$dir"
    basename "$deb" > "$stamp"
}
unpack "$kdeb" "$CACHE/root/kernel"
unpack "$bdeb" "$CACHE/root/busybox"

src="$CACHE/root/kernel/boot/vmlinuz-$kver"
[ -f "$src" ] || die "$src missing from $kdeb"
if ! cmp -s "$src" "$CACHE/vmlinuz" 2>/dev/null; then
    cp "$src" "$CACHE/vmlinuz.tmp"
    mv "$CACHE/vmlinuz.tmp" "$CACHE/vmlinuz"
fi
if [ -f "$CACHE/root/kernel/boot/config-$kver" ]; then
    cp "$CACHE/root/kernel/boot/config-$kver" "$CACHE/config"
fi
echo "$kver" > "$CACHE/KERNEL_VERSION.tmp"
mv "$CACHE/KERNEL_VERSION.tmp" "$CACHE/KERNEL_VERSION"

# Debian's xenstore clients for dom0's image (tests/dom0): xenstore-utils,
# the libraries it needs and the C library with its loader, each
# unpacked into cache/root/xs/<package>.
for pkg in xenstore-utils libxenstore4 libxentoolcore1 libc6 libgcc-s1; do
    unpack "$(get_deb "$pkg")" "$CACHE/root/xs/$pkg"
done

bb="$CACHE/root/busybox/bin/busybox"
[ -x "$bb" ] || die "$bb missing from $bdeb"
cmp -s "$bb" "$CACHE/busybox" 2>/dev/null || cp "$bb" "$CACHE/busybox"

# The default initramfs: rebuilt when the builder, the busybox or the init
# template is newer than the image.
img="$CACHE/initramfs-min.cpio.gz"
init=tests/fixtures/init-min.sh
if [ ! -f "$img" ] || [ "$force" -eq 1 ] ||
   [ -n "$(find tests/fixtures/mkinitramfs.sh "$init" "$CACHE/busybox" -newer "$img" 2>/dev/null)" ]; then
    tests/fixtures/mkinitramfs.sh -b "$CACHE/busybox" -i "$init" -o "$img"
fi

log "kernel $kver: $CACHE/vmlinuz ($(wc -c < "$CACHE/vmlinuz") bytes)"
log "initramfs: $img ($(wc -c < "$img") bytes)"
