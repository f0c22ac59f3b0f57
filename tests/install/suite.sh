#!/bin/sh
# `make install` and `make deb` on the host (docs/install.md): the
# installed tree (DESTDIR, PREFIX), the systemd units naming the
# installed oryxd, every oxl verb's and oryxd's --help, and the package's
# contents and metadata. Needs `make` first (`make test` does it).
#   install/tree      every file where docs/install.md says, modes right
#   install/unit      oryxd.service runs PREFIX's oryxd with --dom0-ring
#   install/uninstall make uninstall removes every installed file, /var stays
#   install/help-*    oryxd --help, oxl --help, oxl VERB --help: exit 0,
#                     a usage line on stdout
#   install/deb       oryx-tools .deb: fields, files, conffiles (both
#                     example guests), scripts
cd "$(dirname "$0")/../.." || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass() { echo "PASS: install/$1"; }
fail() { echo "FAIL: install/$1 $2"; }

dest=$tmp/dest
if ! make --no-print-directory install DESTDIR="$dest" PREFIX=/opt/oryx >"$tmp/log" 2>&1; then
    fail tree "make install failed: $(tail -n 1 "$tmp/log")"
    exit 0
fi
missing=
for f in 755:opt/oryx/sbin/oxl 755:opt/oryx/sbin/oryxd \
         644:opt/oryx/share/bash-completion/completions/oxl \
         644:opt/oryx/lib/systemd/system/oryxd.service \
         644:opt/oryx/lib/systemd/system/proc-xen.mount \
         644:opt/oryx/lib/modules-load.d/oryx.conf \
         644:etc/oryx/examples/linux.cfg 644:etc/oryx/examples/linux-disk.cfg \
         644:opt/oryx/share/doc/oryx-tools/install.md; do
    mode=${f%%:*} path=${f#*:}
    [ -f "$dest/$path" ] && [ "$(stat -c %a "$dest/$path")" = "$mode" ] ||
        missing="$missing $path"
done
for d in var/lib/oryx var/log/oryx var/cache/oryx; do
    [ -d "$dest/$d" ] || missing="$missing $d/"
done
[ -z "$missing" ] && pass tree || fail tree "missing or wrong mode:$missing"

unit=$dest/opt/oryx/lib/systemd/system/oryxd.service
if grep -q '^ExecStart=/opt/oryx/sbin/oryxd --dom0-ring$' "$unit" &&
   grep -q '^Requires=proc-xen.mount$' "$unit" && ! grep -q @ "$unit"; then
    pass unit
else
    fail unit "ExecStart, Requires or a placeholder: $(grep -e ExecStart= -e @ "$unit" | head -n 2)"
fi

# make uninstall takes back every file make install put (the examples
# too) and leaves the directories under /var.
if make --no-print-directory install DESTDIR="$tmp/un" PREFIX=/opt/oryx >"$tmp/log" 2>&1 &&
   make --no-print-directory uninstall DESTDIR="$tmp/un" PREFIX=/opt/oryx >"$tmp/log" 2>&1; then
    left=$(cd "$tmp/un" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' ')
    [ -z "$left" ] && [ -d "$tmp/un/var/lib/oryx" ] && pass uninstall ||
        fail uninstall "left behind: ${left:-(files none; /var/lib/oryx gone)}"
else
    fail uninstall "make install/uninstall failed: $(tail -n 1 "$tmp/log")"
fi

# expect_help NAME CMD...: exit 0 and "usage" on stdout.
expect_help() {
    name=$1
    shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -eq 0 ] && grep -qi '^usage' "$tmp/out"; then
        pass "help-$name"
    else
        fail "help-$name" "status $rc: $(head -n 1 "$tmp/out" "$tmp/err" | tr '\n' ' ')"
    fi
}
oxl=$dest/opt/oryx/sbin/oxl
expect_help oryxd "$dest/opt/oryx/sbin/oryxd" --help
expect_help oxl "$oxl" --help
verbs=$("$oxl" help --verbs)
if [ -z "$verbs" ]; then
    fail help-verbs "oxl help --verbs printed nothing"
fi
bad=
for v in $verbs; do
    [ "$v" = help ] && continue
    "$oxl" "$v" --help >"$tmp/out" 2>&1 && grep -q "^Usage: oxl $v" "$tmp/out" || bad="$bad $v"
done
[ -z "$bad" ] && pass help-verbs || fail help-verbs "no usage from:$bad"

if ! command -v dpkg-deb >/dev/null; then
    echo "SKIP: install/deb dpkg-deb is missing"
    exit 0
fi
if ! make --no-print-directory deb >"$tmp/log" 2>&1; then
    fail deb "make deb failed: $(tail -n 1 "$tmp/log")"
    exit 0
fi
deb=$(ls build/dist/oryx-tools_*_amd64.deb)
dpkg-deb -c "$deb" | awk '{print $6}' > "$tmp/files"
dpkg-deb -f "$deb" Package Architecture > "$tmp/fields"
dpkg-deb -e "$deb" "$tmp/ctl"
why=
for f in ./usr/sbin/oxl ./usr/sbin/oryxd ./usr/lib/systemd/system/oryxd.service \
         ./etc/oryx/examples/linux.cfg ./etc/oryx/examples/linux-disk.cfg \
         ./var/lib/oryx/ ./var/log/oryx/; do
    grep -qx "$f" "$tmp/files" || why="$why missing $f;"
done
grep -qx 'Package: oryx-tools' "$tmp/fields" || why="$why Package;"
grep -qx 'Architecture: amd64' "$tmp/fields" || why="$why Architecture;"
for c in /etc/oryx/examples/linux.cfg /etc/oryx/examples/linux-disk.cfg; do
    grep -qx "$c" "$tmp/ctl/conffiles" || why="$why conffile $c;"
done
grep -q 'deb-systemd-helper enable oryxd.service' "$tmp/ctl/postinst" || why="$why postinst;"
# Static (no program interpreter): the package declares no library
# dependencies.
dpkg-deb -x "$deb" "$tmp/x"
for b in oxl oryxd; do
    readelf -l "$tmp/x/usr/sbin/$b" 2>/dev/null | grep -q 'Requesting program interpreter' &&
        why="$why $b not static;"
done
[ -z "$why" ] && pass deb || fail deb "$why"
