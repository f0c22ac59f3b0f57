#!/bin/sh
# `make run`: boots Oryx under QEMU (TCG, AMD SVM + nested paging) with two
# guests running at once, the hypervisor console on this terminal.
#   default: two stock Debian Linux PVH guests with a busybox shell
#   --micro: two micro-guests (no fixtures needed)
# Type Ctrl-A three times to move the keyboard between the hypervisor and
# each guest's console; Ctrl-C ends QEMU.
cd "$(dirname "$0")/.." || exit 2
HV=build/oryx.elf
QEMU="qemu-system-x86_64 -accel tcg -cpu qemu64,+svm,+npt -smp 2 -m 1024"
QEMU="$QEMU -display none -monitor none -chardev stdio,id=con,signal=on -serial chardev:con"
QEMU="$QEMU -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4"

if [ "$1" = "--micro" ]; then
    MODS="build/guests/cpu-hog-64.elf domain name=hog mem=16M cmdline=\"rounds=40\""
    MODS="$MODS,build/guests/progress-64.elf domain name=progress mem=16M cmdline=\"block\""
    exec $QEMU -kernel "$HV" -append "exit_when_done" -initrd "$MODS"
fi

if [ ! -f cache/vmlinuz ] || [ ! -f cache/initramfs-min.cpio.gz ]; then
    echo "run: fixtures missing; fetching them (scripts/fetch-fixtures.sh)"
    scripts/fetch-fixtures.sh || exit 1
fi
CMD="console=hvc0 loglevel=4"
MODS="cache/vmlinuz domain name=web mem=256M vcpus=1 on_reboot=restart cmdline=\"$CMD\""
MODS="$MODS,cache/initramfs-min.cpio.gz initrd"
MODS="$MODS,cache/vmlinuz domain name=db mem=256M vcpus=2 on_reboot=restart cmdline=\"$CMD\""
MODS="$MODS,cache/initramfs-min.cpio.gz initrd"
echo "run: Oryx with two Debian Linux guests (web: 1 vCPU, db: 2 vCPUs)."
echo "run: Ctrl-A three times switches input; 'poweroff -f' in a guest stops it; Ctrl-C quits."
exec $QEMU -kernel "$HV" -append "" -initrd "$MODS"
