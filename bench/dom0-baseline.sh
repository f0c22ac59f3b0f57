#!/bin/sh
# dom0 baseline: Debian's stock kernel booted bare by QEMU (no hypervisor)
# with the dom0 test fixture (tests/dom0/dom0test.py --bare), per QEMU
# machine: seconds from QEMU's start to ORYX-INIT-OK, 64 MiB read from the
# virtio disk (O_DIRECT), 16 MiB from the PIIX IDE / AHCI disk, and a
# 16 MiB HTTP fetch over each NIC (virtio-net, e1000) from the bare peer.
# Disk and network figures are MiB/s timed inside the guest with its
# monotonic clock. These are what bench/dom0.sh will compare dom0 under
# Oryx against (same fixture, same machine options, same run).
# Env: N (runs per machine, default 3; medians), MACHINES (default "pc q35").
# Consoles: build/dom0/bare-<machine>{,-peer}.log (last run).
BENCH=dom0-baseline
. "$(dirname "$0")/lib.sh"

N=${N:-3}
MACHINES=${MACHINES:-pc q35}
need_cmd "$QEMU" python3 cpio gzip
need cache/vmlinuz cache/busybox cache/KERNEL_VERSION tests/dom0/dom0test.py

margs=""
for m in $MACHINES; do
    margs="$margs -M $m"
done
res=$OUT/dom0-baseline.out
# shellcheck disable=SC2086
python3 tests/dom0/dom0test.py --bare $margs --repeat "$N" > "$res" 2>&1
st=$?
fails=$(grep -c '^FAIL' "$res")
kver=$(cat cache/KERNEL_VERSION)
echo "$BENCH: Debian $kver bare under QEMU (TCG, qemu64,+svm,+npt, 2 vCPUs, 1024 MiB), $N run(s) per machine, medians:"
for m in $MACHINES; do
    lines=$(grep "^FIGURES: dom0/bare-$m-run " "$res")
    [ -n "$lines" ] || { echo "$BENCH:   $m: no figures"; continue; }
    out=""
    for k in boot_s disk_virtio_MiBps disk_sata_MiBps net_virtio_MiBps net_e1000_MiBps; do
        vals=$(printf '%s\n' "$lines" | while read -r l; do field "$k" "$l"; done | grep -v 'n/a' | tr '\n' ' ')
        out="$out $k=$( [ -n "$vals" ] && median "$vals" || echo n/a)"
    done
    echo "$BENCH:   $m:$out"
done
if [ "$fails" -gt 0 ] || [ "$st" -ne 0 ]; then
    echo "$BENCH: $fails check(s) failed (the figures may be incomplete): see $res"
    grep '^FAIL' "$res" | head -n 5 | sed "s/^/$BENCH:   /"
    exit 1
fi
