#!/bin/sh
# `make run`: boots Oryx under QEMU (TCG, AMD SVM + nested paging), the
# console on this terminal.
#   default:   Debian's stock kernel as dom0 with a busybox shell, owning a
#              virtio disk, an AHCI disk and an e1000 NIC (QEMU's user
#              network), and one Linux boot-time domain beside it
#   --domains: two stock Debian Linux boot-time domains, no dom0
#   --micro:   two micro-guests (no fixtures needed)
# Type Ctrl-A three times to move the keyboard between dom0 (or the
# domains) and the hypervisor's debug keys; Ctrl-C ends QEMU.
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
if [ "$1" != "--domains" ]; then
    IMG=build/run/dom0-shell.cpio.gz
    mkdir -p build/run
    # The toolstack (static oryxd and oxl) and an example guest ride along.
    TOOLS="build/static/oryxd build/static/oxl"
    EX=tools/oxl/examples/linux.cfg
    EXD=tools/oxl/examples/linux-disk.cfg
    # The second example boots from its own disk (guests/linux-rootfs).
    DISK=build/run/linux-disk.img
    RD=build/run/rootdisk-initrd.cpio.gz
    if [ ! -f "$DISK" ] || [ ! -f "$RD" ] ||
       [ -n "$(find guests/linux-rootfs cache/busybox -newer "$DISK" 2>/dev/null)" ]; then
        echo "run: building the example guest's root disk and its ramdisk"
        guests/linux-rootfs/mkrootfs.sh -o "$DISK" -r "$RD" > /dev/null || exit 1
    fi
    if [ ! -f "$IMG" ] || [ -n "$(find scripts/dom0-shell-init.sh $TOOLS $EX $EXD $DISK $RD \
            cache/vmlinuz cache/initramfs-min.cpio.gz -newer "$IMG" 2>/dev/null)" ]; then
        echo "run: building dom0's initramfs (busybox, the dom0 modules, oryxd, oxl, guests)"
        tests/fixtures/mkdom0-initramfs.sh -o "$IMG" -i scripts/dom0-shell-init.sh \
            -a build/static/oryxd=/bin/oryxd -a build/static/oxl=/bin/oxl \
            -a "$EX=/etc/oryx/examples/linux.cfg" -a cache/vmlinuz=/boot/vmlinuz \
            -a cache/initramfs-min.cpio.gz=/boot/initrd.gz \
            -a "$EXD=/etc/oryx/examples/linux-disk.cfg" -a "$RD=/boot/rootdisk-initrd.gz" \
            -a "$DISK=/var/lib/oryx/images/linux-disk.img" || exit 1
    fi
    for d in virtio sata; do
        [ -f build/run/disk-$d.img ] || truncate -s 64M build/run/disk-$d.img
    done
    MODS="cache/vmlinuz $CMD,$IMG"
    MODS="$MODS,cache/vmlinuz domain name=web mem=128M vcpus=1 on_reboot=restart cmdline=\"$CMD\""
    MODS="$MODS,cache/initramfs-min.cpio.gz initrd"
    echo "run: Oryx with Debian's kernel as dom0 (shell on this console) and a Linux domain 'web'."
    echo "run: Ctrl-A three times switches input; 'poweroff -f' in dom0 stops everything; Ctrl-C quits."
    exec $QEMU -M q35 -kernel "$HV" -append "dom0_mem=512M" -initrd "$MODS" \
        -drive id=dv,file=build/run/disk-virtio.img,format=raw,if=none \
        -device virtio-blk-pci,drive=dv \
        -drive id=ds,file=build/run/disk-sata.img,format=raw,if=none \
        -device ide-hd,drive=ds,bus=ide.0 \
        -netdev user,id=n0 -device e1000,netdev=n0
fi
MODS="cache/vmlinuz domain name=web mem=256M vcpus=1 on_reboot=restart cmdline=\"$CMD\""
MODS="$MODS,cache/initramfs-min.cpio.gz initrd"
MODS="$MODS,cache/vmlinuz domain name=db mem=256M vcpus=2 on_reboot=restart cmdline=\"$CMD\""
MODS="$MODS,cache/initramfs-min.cpio.gz initrd"
echo "run: Oryx with two Debian Linux guests (web: 1 vCPU, db: 2 vCPUs)."
echo "run: Ctrl-A three times switches input; 'poweroff -f' in a guest stops it; Ctrl-C quits."
exec $QEMU -kernel "$HV" -append "" -initrd "$MODS"
