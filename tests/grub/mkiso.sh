#!/bin/sh
# Build a BIOS-bootable GRUB ISO that boots Oryx through multiboot2.
#
#   tests/grub/mkiso.sh OUT.iso KERNEL "HV ARGS" [MODULE "MODULE ARGS"]...
#
# KERNEL (build/oryx.gz or build/oryx.elf) and each MODULE are copied to
# /boot/ on the ISO under their base names; the generated grub.cfg boots
# them at once on the serial console and, if that fails, prints a line
# and powers the machine off so an unattended QEMU does not wait forever.
# The staging tree is OUT.iso.d/ (kept for inspection). Needs grub-mkrescue
# (grub-common), the i386-pc modules (grub-pc-bin) and xorriso.
set -e
if [ $# -lt 3 ] || [ $(($# % 2)) -ne 1 ]; then
    echo "usage: $0 OUT.iso KERNEL \"HV ARGS\" [MODULE \"MODULE ARGS\"]..." >&2
    exit 2
fi
out=$1 kernel=$2 hvargs=$3
shift 3
stage=$out.d
rm -rf "$stage"
mkdir -p "$stage/boot/grub"
cp "$kernel" "$stage/boot/"
cfg=$stage/boot/grub/grub.cfg
# GRUB on COM1 only (QEMU's -serial stdio); no menu, no wait. If the
# entry fails (missing file, rejected header) GRUB falls back to entry 1.
cat >"$cfg" <<EOF
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
set default=0
set fallback=1
menuentry 'Oryx' {
    multiboot2 /boot/$(basename "$kernel") $hvargs
EOF
while [ $# -gt 0 ]; do
    cp "$1" "$stage/boot/"
    echo "    module2 /boot/$(basename "$1") $2" >>"$cfg"
    shift 2
done
cat >>"$cfg" <<EOF
    boot
}
menuentry 'Oryx did not boot' {
    echo "GRUB: could not boot Oryx"
    halt
}
EOF
# -d: BIOS only (grub-xen-bin would otherwise add Xen targets); only the
# modules grub.cfg uses, which keeps the ISO near 1 MiB.
grub-mkrescue -d /usr/lib/grub/i386-pc \
    --install-modules="normal multiboot2 serial terminal gzio echo halt" \
    --fonts= --locales= --themes= -o "$out" "$stage" >"$out.log" 2>&1 || {
    cat "$out.log" >&2
    exit 1
}
