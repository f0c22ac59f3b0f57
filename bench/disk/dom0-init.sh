#!/bin/sh
# /init of bench/disk.sh's dom0: times 64 MiB O_DIRECT reads of its first
# virtio disk (1 MiB, 128 KiB and 4 KiB requests), 64 MiB O_DIRECT writes
# to its second and a 64 MiB memory copy, then creates guest "g" with
# those disks as xvdb (phy:, ro) and xvdc (phy:, rw), whose rc.local does the
# same through blkfront (guest-rc.local), twice: with blkfront's defaults
# and with xen_blkfront.max_indirect_segments=256 (1 MiB requests). The
# guest's 4 KiB reads are bracketed by `oxl debug-keys d` for the exits
# (its and dom0's) that the round trips cost.
# Prints "BENCHDISK key=value ..." lines, then powers off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /tmp /run /proc/xen /mnt
mount -t devpts devpts /dev/pts
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
for m in xen-evtchn xen-gntdev xen-privcmd xenfs xen-blkback virtio_blk virtio_pci loop; do
    modprobe "$m" 2>/dev/null
done
mount -t xenfs xenfs /proc/xen 2>/dev/null
mkdir -p /var/run/xenstored /var/log/oryx /var/lib/oryx
/bin/oryxd --dom0-ring > /var/log/oryx/oryxd.log 2>&1 &
now_us() {
    t=$(sed -n '/^now at /{s/^now at \([0-9]*\) nsecs.*/\1/p;q;}' /proc/timer_list)
    echo $((t / 1000))
}
N=$(sed -n 's/.*oryx\.n=\([0-9]*\).*/\1/p' /proc/cmdline)
N=${N:-5}
# dread BS COUNT: microseconds for COUNT O_DIRECT reads of BS from vda;
# dwrite: the same, writes to vdb.
dread() {
    t0=$(now_us)
    dd if=/dev/vda of=/dev/null bs="$1" count="$2" iflag=direct 2>/dev/null
    echo $(($(now_us) - t0))
}
dwrite() {
    t0=$(now_us)
    dd if=/dev/zero of=/dev/vdb bs="$1" count="$2" oflag=direct 2>/dev/null
    echo $(($(now_us) - t0))
}
# dom0's rounds: before and after each guest, as the machine's pace drifts.
dom0_rounds() {
    i=0
    while [ "$i" -lt "$N" ]; do
        echo "BENCHDISK who=dom0 read1m_us=$(dread 1M 64) read128k_us=$(dread 128k 512) write1m_us=$(dwrite 1M 64)"
        i=$((i + 1))
    done
}
dread 1M 64 > /dev/null
dom0_rounds
echo "BENCHDISK who=dom0 read4k_us=$(dread 4k 2000)"
mount -t tmpfs tmpfs /mnt
dd if=/dev/zero of=/mnt/f bs=1M count=64 2>/dev/null
t0=$(now_us)
dd if=/mnt/f of=/dev/null bs=1M 2>/dev/null
echo "BENCHDISK who=dom0 copy_us=$(($(now_us) - t0))"
umount /mnt

# exits DOMID: that domain's exits ("kind=count ...") from debug key 'd'.
exits() {
    /bin/oxl dmesg -c > /dev/null
    /bin/oxl debug-keys d
    /bin/oxl dmesg | awk -v d="d$1" '$1 == d { on = 1; next } /^d[0-9]/ { on = 0 }
        on && $1 == "exits:" { $1 = ""; print; exit }'
}
sum_exits() {   # sum_exits "k=v ...": their total
    echo "$1" | tr ' ' '\n' | awk -F= 'NF == 2 { s += $2 } END { print s + 0 }'
}
log=/var/log/oryx/guest-g.log
for mode in default seg256; do
    args=""
    [ "$mode" = seg256 ] && args="xen_blkfront.max_indirect_segments=256"
    rm -f "$log"
    cat > /tmp/g.cfg <<CFG
name = "g"
type = "pvh"
kernel = "/boot/vmlinuz"
ramdisk = "/boot/rootdisk-initrd.gz"
cmdline = "console=hvc0 loglevel=4 root=/dev/xvda rw oryx.n=$N $args"
memory = 256
vcpus = 1
disk = [ '/var/lib/oryx/images/g.img,raw,xvda,rw', 'phy:/dev/vda,xvdb,r', 'phy:/dev/vdb,xvdc,rw' ]
on_poweroff = "destroy"
CFG
    /bin/oxl create -q /tmp/g.cfg || echo "BENCHDISK error=create-failed"
    # Polled once a second: each look forks a grep, CPU that dom0 would
    # take from the guest's reads.
    n=0
    while ! grep -q READS-BEGIN "$log" 2>/dev/null && [ "$n" -lt 120 ]; do sleep 1; n=$((n + 1)); done
    id=$(/bin/oxl domid g)
    d0a=$(exits 0) dga=$(exits "$id")
    n=0
    while ! grep -q READS-END "$log" 2>/dev/null && [ "$n" -lt 300 ]; do sleep 1; n=$((n + 1)); done
    d0b=$(exits 0) dgb=$(exits "$id")
    echo "BENCHDISK who=exits mode=$mode dom0=$(($(sum_exits "$d0b") - $(sum_exits "$d0a"))) guest=$(($(sum_exits "$dgb") - $(sum_exits "$dga")))"
    echo "BENCHDISK-DETAIL mode=$mode dom0 before: $d0a; after: $d0b; guest before: $dga; after: $dgb"
    n=0
    while /bin/oxl list | grep -q "^g " && [ "$n" -lt 600 ]; do usleep 100000; n=$((n + 1)); done
    /bin/oxl destroy g 2>/dev/null
    grep -a "^BENCHDISK" "$log" | tr -d '\r' | sed "s/who=guest/who=guest mode=$mode/"
    dom0_rounds
done
echo "BENCHDISK-DONE"
poweroff -f
