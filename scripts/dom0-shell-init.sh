#!/bin/sh
# /init of the dom0 image `make run` boots: loads dom0's drivers and Xen
# devices, mounts xenfs, brings the NIC up with QEMU's user network
# (10.0.2.15, DHCP by busybox udhcpc when it answers) as the port of
# xenbr0 for guests' vifs, and opens a shell.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /tmp /run /proc/xen
mount -t devpts devpts /dev/pts 2>/dev/null
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-blkback xen-netback \
         virtio_blk virtio_net virtio_pci e1000 e1000e ahci ata_piix sd_mod bridge loop tun; do
    modprobe "$m" 2>/dev/null
done
mount -t xenfs xenfs /proc/xen 2>/dev/null
# The toolstack: oryxd is dom0's store, the guests' store and console
# daemon (logs in /var/log/oryx/oryxd.log and guest-NAME.log).
mkdir -p /var/run/xenstored /var/log/oryx /var/lib/oryx
[ -x /bin/oryxd ] && /bin/oryxd --dom0-ring > /var/log/oryx/oryxd.log 2>&1 &
ip link set lo up
for n in /sys/class/net/eth*; do
    [ -e "$n" ] || continue
    ip link set "$(basename "$n")" up
    udhcpc -q -n -t 3 -i "$(basename "$n")" -s /bin/true >/dev/null 2>&1 &&
        ip addr add 10.0.2.15/24 dev "$(basename "$n")" 2>/dev/null
done
# Guests' vifs join xenbr0, which takes over the NIC and its address.
/bin/oxl bridge-setup xenbr0 > /var/log/oryx/bridge-setup.log 2>&1
cat <<'MSG'

Oryx dom0 (Debian's stock kernel as the control domain).
  cat /proc/xen/capabilities    ls /dev/xen    cat /proc/partitions
  ip addr    cat /proc/interrupts    poweroff -f  (stops every domain and QEMU)
  oxl list    oxl create -c /etc/oryx/examples/linux.cfg  (Ctrl-] leaves its console)
  oxl create -c /etc/oryx/examples/linux-disk.cfg  (root on its own disk, a vif on xenbr0)
  oxl block-list linux-disk    oxl network-list linux-disk  (its address: QEMU's DHCP)
  oxl console linux    oxl shutdown -w linux    oxl help
MSG
setsid cttyhack sh -l || sh
sync
poweroff -f
