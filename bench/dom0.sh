#!/bin/sh
# dom0 under Oryx against the same kernel booted bare by QEMU, in the same
# run (tests/dom0/dom0test.py: same fixture, devices and machine):
#   boot      QEMU's start to dom0's init (ORYX-INIT-OK): Oryx/bare seconds
#   disk      64 MiB O_DIRECT read of the virtio disk: Oryx/bare MiB/s
#   net       16 MiB HTTP fetch from the bare peer over virtio-net and e1000
#   oxl create of a Debian guest in dom0 to its init (Oryx only; Xen 4.17:
#             14.8-17.5 s for xl create of the same bzImage, 8.4-9.6 s for
#             its ELF payload), from the bzImage, from the ELF file, and
#             from the bzImage again (its ELF from oxl's unpack cache)
#   devices   a guest's disk and network through Xen's split drivers,
#             against dom0 doing the same directly (tests/dom0/devices.sh)
#   store     200 writes, reads and watch events (tests/dom0/store-bench.sh):
#             dom0 over its kernel's ring, the guest over its own ring, as
#             ratios to oryxd's socket in the same dom0
# and, from a dom0 that powers off as soon as its init runs, its exits by
# reason and the PCI configuration accesses trapped during its boot.
# Env: N (runs per mode, default 3; medians), MACHINE (default q35).
BENCH=dom0
. "$(dirname "$0")/lib.sh"

N=${N:-3}
MACHINE=${MACHINE:-q35}
need_cmd "$QEMU" python3 cpio gzip
need build/oryx.elf cache/vmlinuz cache/busybox tests/dom0/dom0test.py

res=$OUT/dom0.out
: > "$res"
i=0
while [ "$i" -lt "$N" ]; do
    python3 tests/dom0/dom0test.py --bare -M "$MACHINE" >> "$res" 2>&1
    DOM0TEST_ELF=1 python3 tests/dom0/dom0test.py --oryx -M "$MACHINE" >> "$res" 2>&1
    i=$((i + 1))
done
med() {     # med MODEPREFIX KEY
    vals=$(grep "^FIGURES: dom0/$1$MACHINE-run " "$res" | while read -r l; do field "$2" "$l"; done |
           grep -v 'n/a' | tr '\n' ' ')
    [ -n "$vals" ] && median "$vals" || echo n/a
}
ratio() {   # ratio A B: A/B to two places
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b == 0) print "n/a"; else printf "%.2f\n", a / b }'
}
echo "$BENCH: Debian $(cat cache/KERNEL_VERSION) on -M $MACHINE, TCG, 2 vCPUs, $N run(s) per mode, medians (Oryx vs bare):"
for k in boot_s disk_virtio_MiBps disk_sata_MiBps net_virtio_MiBps net_e1000_MiBps oxl_create_to_init_s \
         oxl_create_elf_to_init_s oxl_create_cached_to_init_s; do
    o=$(med "" "$k")
    b=$(med "bare-" "$k")
    echo "$BENCH:   $k oryx=$o bare=$b ratio=$(ratio "$o" "$b")"
done
# Store requests/s: dom0 over its kernel's ring and a guest over its ring,
# against oryxd's Unix socket in the same dom0 (the baseline).
for op in write read watch; do
    s=$(med "" "xs_socket_${op}_opsps")
    r=$(med "" "xs_ring_${op}_opsps")
    g=$(med "" "xs_guest_${op}_opsps")
    echo "$BENCH:   store $op/s socket=$s dom0-ring=$r ($(ratio "$r" "$s")) guest-ring=$g ($(ratio "$g" "$s"))"
done
# A guest's disk and network through blkfront/netfront and dom0's
# blkback/netback, against dom0 doing the same directly in the same run
# (tests/dom0/devices.sh): reading 64 MiB of the virtio disk (the guest's
# xvdb is that disk, phy:), copying it into a file on dom0's tmpfs (the
# guest's xvda is that file), and fetching 16 MiB (from dom0 and from the
# peer host, against dom0's own fetch from the peer over virtio-net).
gd=$(med "" guest_disk_read_MiBps); dd0=$(med "" dom0_disk_read_MiBps)
echo "$BENCH:   guest disk read (xvdb) $gd MiB/s, dom0 $dd0 MiB/s: ratio $(ratio "$gd" "$dd0")"
gc=$(med "" guest_disk_copy_MiBps); dc0=$(med "" dom0_disk_copy_MiBps)
echo "$BENCH:   guest disk copy (xvdb to xvda) $gc MiB/s, dom0 $dc0 MiB/s: ratio $(ratio "$gc" "$dc0")"
nv=$(med "" net_virtio_MiBps)
for k in guest_net_from_dom0 guest_net_from_peer guest_net_from_guest; do
    g=$(med "" "${k}_MiBps")
    echo "$BENCH:   $k $g MiB/s, dom0 from the peer $nv MiB/s: ratio $(ratio "$g" "$nv")"
done
echo "$BENCH:   ping dom0->guest $(med "" ping_dom0_to_guest_ms) ms, guest->dom0 $(med "" ping_guest_to_dom0_ms) ms, guest->guest $(med "" ping_guest_to_guest_ms) ms (Xen 4.17 here: 10.9-11.3 and 5.4-6.4 ms)"
fails=$(grep -c '^FAIL' "$res")
[ "$fails" -eq 0 ] || echo "$BENCH: $fails check(s) failed: see $res"

# Exits during boot alone: dom0 powers off from its init at once.
img=$OUT/dom0-bootonly.cpio.gz
echo "true" > "$OUT/dom0-bootonly.sh"
tests/fixtures/mkinitramfs.sh -o "$img" "$OUT/dom0-bootonly.sh" >/dev/null 2>&1 || {
    echo "$BENCH: cannot build the boot-only initramfs"; exit 1; }
log=$OUT/dom0-bootonly.log
timeout 300 $QEMU -M "$MACHINE" -accel tcg -cpu qemu64,+svm,+npt -smp 2 -m 1024 \
    -display none -nodefaults -no-reboot -monitor none -serial stdio \
    -kernel build/oryx.elf -append "dom0_mem=512M" \
    -initrd "cache/vmlinuz console=hvc0 quiet,$img" > "$log" 2>&1
line=$(grep -a '(d0) Domain-0: ran' "$log" | tail -n 1)
pci=$(grep -a 'PCI configuration accesses trapped' "$log" | tail -n 1)
echo "$BENCH: boot-only dom0 exits: ${line:-n/a (see $log)}" | sed 's/(d0) Domain-0: //'
echo "$BENCH: boot-only dom0 ${pci#d0: }"
[ "$fails" -eq 0 ]
