#!/bin/sh
# Installs what building, running and testing Oryx needs on Debian 12, and
# fetches the stock-kernel fixtures. Idempotent: installs only what is
# missing; as non-root it prints the apt-get line instead.
set -e
cd "$(dirname "$0")/.."

PKGS="build-essential clang libclang-rt-14-dev qemu-system-x86 python3 \
xz-utils cpio gzip binutils xenstore-utils acpica-tools \
grub-common grub-pc-bin xorriso mtools kmod liblzma-dev zlib1g-dev libjansson-dev liblmdb-dev \
libzstd-dev mmdebstrap e2fsprogs qemu-utils lvm2"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "install-deps: installing$missing"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends $missing >/dev/null
    else
        echo "install-deps: missing packages:$missing"
        echo "install-deps: run: sudo apt-get install$missing"
        exit 1
    fi
fi
# Debian's kernel and busybox for the Linux guests (cached under cache/).
if [ "${ORYX_NO_FIXTURES:-0}" != 1 ]; then
    scripts/fetch-fixtures.sh >/dev/null || {
        echo "install-deps: could not fetch the stock-kernel fixtures (see scripts/fetch-fixtures.sh)"
        exit 1
    }
fi
