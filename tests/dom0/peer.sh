#!/bin/sh
# /init of the network peer of the dom0 tests: a bare Linux (same kernel)
# at the other end of each of dom0's NICs (QEMU socket netdevs). Each NIC's
# MAC is 52:54:00:00:NN:02 and gets 10.0.NN.2/24 (NN in hex as written,
# 01 and 02 today); busybox httpd serves /www (blob: random bytes whose
# sha256 the harness passes to dom0). Prints PEER-READY when serving, then
# idles until the harness kills QEMU.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp /run
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
echo "ORYX-INIT-OK"

modprobe virtio_pci
modprobe virtio_net
want=$(for a in $(cat /proc/cmdline); do
    case "$a" in oryx.nics=*) echo "${a#*=}" ;; esac
done)
want=${want:-2}
n=0
while [ "$(ls /sys/class/net | grep -c '^eth')" -lt "$want" ] && [ "$n" -lt 50 ]; do
    usleep 200000
    n=$((n + 1))
done
ip link set lo up
for i in /sys/class/net/eth*; do
    nic=${i##*/}
    mac=$(cat "$i/address")
    case "$mac" in
    52:54:00:00:*:02) ;;
    *) echo "PEER: $nic has unexpected MAC $mac"; continue ;;
    esac
    sub=$(echo "$mac" | cut -d: -f5)
    ip link set "$nic" up
    ip addr add "10.0.$((0x$sub)).2/24" dev "$nic"
    echo "PEER: $nic $mac 10.0.$((0x$sub)).2"
done
httpd -p 80 -h /www
echo "PEER-READY $(ls -l /www/blob | awk '{ print $5 }') bytes"
while :; do sleep 3600; done
