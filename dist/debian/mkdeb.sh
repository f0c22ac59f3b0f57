#!/bin/sh
# `make deb`: packs the oryx-tools .deb with dpkg-deb from an install tree
# (`make install PREFIX=/usr STATIC=1`, done here into build/dist/root).
# Output: build/dist/oryx-tools_VERSION_amd64.deb (the only one there).
# VERSION is 0.1~gitDATE.COMMIT, from the checked-out commit.
set -eu
cd "$(dirname "$0")/../.."
out=build/dist
root=$out/root
rm -rf "$root"
mkdir -p "$out"
make --no-print-directory install DESTDIR="$PWD/$root" PREFIX=/usr STATIC=1 >/dev/null

if ver=$(git log -1 --format=%cd.%h --date=format:%Y%m%d 2>/dev/null); then
    version=0.1~git$ver
else
    version=0.1~unknown
fi
mkdir -p "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@SIZE@|$size|" dist/debian/control.in > "$root/DEBIAN/control"
for f in postinst prerm postrm; do
    install -m 755 "dist/debian/$f" "$root/DEBIAN/$f"
done
# Everything under /etc is the administrator's once installed.
(cd "$root" && find etc -type f | sed 's|^|/|' | sort) > "$root/DEBIAN/conffiles"
rm -f "$out"/oryx-tools_*.deb
deb=$out/oryx-tools_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "  DEB     $deb"
