#!/bin/sh
# A guest's disk reads and writes through Xen's split drivers against dom0
# doing the same to the same disks directly, in one boot (bench/disk/):
# dom0 (Debian's kernel) reads 64 MiB of its first virtio disk with
# O_DIRECT in 1 MiB and 128 KiB requests and 4 KiB round trips, and writes
# 64 MiB to its second; guest "g" (the same kernel, root on its own disk)
# does the same to those disks as xvdb and xvdc (phy:, blkback), with
# blkfront's defaults (128 KiB requests) and with 1 MiB requests
# (xen_blkfront.max_indirect_segments=256). Also: a 64 MiB memory copy in
# each (blkfront copies every byte read out of its persistent grants), and
# the exits (guest and dom0) per 4 KiB round trip.
# Env: N (rounds per boot, default 5; medians; dom0's before and after
# each guest, 3N rounds, as the machine's pace drifts).
BENCH=disk
. "$(dirname "$0")/lib.sh"

N=${N:-5}
need_cmd "$QEMU" cpio gzip mke2fs
need build/oryx.elf build/static/oryxd build/static/oxl cache/vmlinuz cache/busybox

D=$OUT/disk
mkdir -p "$D"
if stale "$D/dom0.cpio.gz" bench/disk guests/linux-rootfs build/static/oxl build/static/oryxd \
        cache/vmlinuz; then
    guests/linux-rootfs/mkrootfs.sh -o "$D/g.img" -r "$D/rd.cpio.gz" \
        -a bench/disk/guest-rc.local=/etc/rc.local > "$D/build.log" 2>&1 ||
        { echo "$BENCH: building the guest's disk failed; see $D/build.log"; exit 1; }
    tests/fixtures/mkdom0-initramfs.sh -o "$D/dom0.cpio.gz" -i bench/disk/dom0-init.sh \
        -a build/static/oryxd=/bin/oryxd -a build/static/oxl=/bin/oxl \
        -a cache/vmlinuz=/boot/vmlinuz -a "$D/rd.cpio.gz=/boot/rootdisk-initrd.gz" \
        -a "$D/g.img=/var/lib/oryx/images/g.img" >> "$D/build.log" 2>&1 ||
        { echo "$BENCH: building dom0's initramfs failed; see $D/build.log"; exit 1; }
fi
[ -f "$D/disk.img" ] || dd if=/dev/urandom of="$D/disk.img" bs=1M count=72 2>/dev/null
[ -f "$D/disk2.img" ] || truncate -s 72M "$D/disk2.img"
res=$D/run.log
# shellcheck disable=SC2086
timeout 900 $QEMU -accel tcg -cpu qemu64,+svm,+npt -smp 2 -m 1024 -M q35 -nographic -no-reboot \
    -nic none -monitor none -serial stdio \
    -kernel build/oryx.elf -append "exit_when_done dom0_mem=512M" \
    -initrd "cache/vmlinuz console=hvc0 quiet oryx.n=$N,$D/dom0.cpio.gz" \
    -drive id=dv,file="$D/disk.img",format=raw,if=none,cache=unsafe \
    -device virtio-blk-pci,drive=dv \
    -drive id=dw,file="$D/disk2.img",format=raw,if=none,cache=unsafe \
    -device virtio-blk-pci,drive=dw < /dev/null > "$res" 2>&1
grep -q "BENCHDISK-DONE" "$res" || { echo "$BENCH: the run did not finish; see $res"; exit 1; }
grep -q "BENCHDISK error" "$res" && { echo "$BENCH: $(grep -a 'BENCHDISK error' "$res" | head -n 1)"; exit 1; }

med() {     # med WHO MODE KEY: the median of KEY over the lines of WHO (and MODE)
    vals=$(grep -a "^BENCHDISK who=$1 " "$res" | grep -a -- "$2" | tr -d '\r' |
           while read -r l; do field "$3" "$l"; done | tr '\n' ' ')
    [ -n "${vals% }" ] && median "$vals" || echo ""
}
mibps() {   # mibps MIB US
    [ -n "$2" ] && awk -v m="$1" -v u="$2" 'BEGIN { printf "%.0f\n", m / (u / 1e6) }' || echo n/a
}
d1=$(mibps 64 "$(med dom0 "" read1m_us)")
d128=$(mibps 64 "$(med dom0 "" read128k_us)")
dw=$(mibps 64 "$(med dom0 "" write1m_us)")
d4=$(med dom0 "" read4k_us)
dc=$(mibps 64 "$(med dom0 "" copy_us)")
echo "$BENCH: N=$N (dom0: 3N rounds, before and after each guest); dom0 reads its virtio disk at $d1 MiB/s in 1 MiB requests, $d128 MiB/s in 128 KiB ones; writes its second at $dw MiB/s (1 MiB)"
for mode in default seg256; do
    g1=$(mibps 64 "$(med guest "mode=$mode" read1m_us)")
    g128=$(mibps 64 "$(med guest "mode=$mode" read128k_us)")
    gw=$(mibps 64 "$(med guest "mode=$mode" write1m_us)")
    g4=$(med guest "mode=$mode" read4k_us)
    gc=$(mibps 64 "$(med guest "mode=$mode" copy_us)")
    kb=$(med guest "mode=$mode" request_kb)
    ex=$(grep -a "^BENCHDISK who=exits mode=$mode " "$res" | head -n 1)
    label="blkfront's defaults"
    [ "$mode" = seg256 ] && label="xen_blkfront.max_indirect_segments=256"
    echo "$BENCH: guest ($label, ${kb:-?} KiB requests):"
    echo "$BENCH:   dd bs=1M from xvdb $g1 MiB/s: ratio $(ratio "$g1" "$d1") to dom0's"
    echo "$BENCH:   dd bs=1M to xvdc $gw MiB/s: ratio $(ratio "$gw" "$dw") to dom0's"
    echo "$BENCH:   dd bs=128k from xvdb $g128 MiB/s: ratio $(ratio "$g128" "$d128") to dom0's"
    echo "$BENCH:   4 KiB round trip $(awk -v u="$g4" 'BEGIN { printf "%.0f", u / 2000 }') us, dom0's $(awk -v u="$d4" 'BEGIN { printf "%.0f", u / 2000 }') us; exits per round trip: guest $(awk -v e="$(field guest "$ex")" 'BEGIN { printf "%.1f", e / 2000 }'), dom0 $(awk -v e="$(field dom0 "$ex")" 'BEGIN { printf "%.1f", e / 2000 }')"
    echo "$BENCH:   64 MiB memory copy $gc MiB/s (dom0's $dc MiB/s)"
done
