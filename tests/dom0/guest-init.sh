#!/bin/sh
# /init of "web", the Debian guest tests/dom0 creates with `oxl create`
# (its ramdisk; Debian's kernel). Like tests/fixtures/init-min.sh it
# obeys busybox poweroff/reboot (traps first), prints ORYX-INIT-OK and
# leaves a shell on its console (hvc0, served by oryxd). Before the
# shell, it checks its store from the guest's side with Debian's
# xenstore-utils over its kernel's /dev/xen/xenbus, and prints one
# "GUESTCHECK store-perms PASS|FAIL detail" line: it reads and writes
# its own nodes, may not read or write dom0's or its read-only ones, and
# its node quota and node size limit hold.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
trap 'sync; poweroff -f' USR1 USR2
trap 'sync; reboot -f' TERM
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /tmp /run /proc/xen
mount -t devpts devpts /dev/pts 2>/dev/null
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
echo "ORYX-INIT-OK"

xs() {
    t=$1
    shift
    XENSTORED_PATH=/dev/xen/xenbus timeout 120 "/usr/bin/xenstore-$t" "$@"
}

xenfs() {
    modprobe xen-evtchn 2>/dev/null
    modprobe xenfs 2>/dev/null
    mount -t xenfs xenfs /proc/xen 2>/dev/null
}

store_checks() {
    why=""
    id=$(xs read domid 2>&1)
    [ "$(xs read name 2>&1)" = web ] || why="$why; own name unreadable"
    xs write data/probe hello && [ "$(xs read data/probe 2>&1)" = hello ] || why="$why; data/probe not writable"
    xs read /local/domain/0/name >/dev/null 2>&1 && why="$why; read dom0's name"
    xs write /local/domain/0/name evil >/dev/null 2>&1 && why="$why; wrote dom0's name"
    xs write name evil >/dev/null 2>&1 && why="$why; wrote its read-only name"
    xs write /evil x >/dev/null 2>&1 && why="$why; wrote /evil"
    big=$(head -c 3000 /dev/zero | tr '\0' x)
    xs write data/big "$big" >/dev/null 2>&1 && why="$why; a 3000-byte value was taken"
    # xenstore-write makes one transaction of its arguments: 11 of 100.
    b=0
    refused=0
    while [ "$b" -lt 11 ]; do
        set --
        i=0
        while [ "$i" -lt 100 ]; do set -- "$@" "data/q/n$b-$i" v; i=$((i + 1)); done
        xs write "$@" >/dev/null 2>&1 || refused=$((refused + 1))
        b=$((b + 1))
    done
    [ "$refused" -gt 0 ] || why="$why; 1100 nodes were taken"
    # One DIRECTORY request (xenstore-ls would read every node: slow when loaded).
    n=$(xs list data/q 2>/dev/null | wc -l)
    xs rm data/q >/dev/null 2>&1
    [ "$n" -ge 800 ] && [ "$n" -le 1000 ] || why="$why; $n quota nodes"
    if [ -z "$why" ]; then
        echo "GUESTCHECK store-perms PASS domain $id: own nodes ok, dom0's and read-only ones refused, node quota (1000) stopped it at $n (whole transactions of 100), 3000-byte value refused"
    else
        echo "GUESTCHECK store-perms FAIL domain $id${why}"
    fi
}
# Only "web" checks; the others (web2) just get xenfs for a shell's use.
if [ -x /usr/bin/xenstore-read ]; then
    xenfs
    if [ "$(xs read name 2>/dev/null)" = web ]; then
        store_checks
        # Store operations per second over its ring, for bench/dom0.sh.
        r=$(XENSTORED_PATH=/dev/xen/xenbus /bin/store-bench data/bench) && echo "GUESTBENCH $r"
    fi
fi

# oryx.devtest=IP (tests/dom0/devices.sh's guest "dev"): its disks and
# vif through Debian's blkfront and netfront, one "GUESTDEV what detail"
# line per step on its console, which devices.sh reads in its log.
wait_until() {                  # wait_until SECONDS CMD...
    n=$(($1 * 5))
    shift
    while ! "$@" >/dev/null 2>&1; do
        n=$((n - 1))
        [ "$n" -gt 0 ] || return 1
        usleep 200000
    done
}
sum_of() {                      # sum_of DEV: sha256 of all of it, uncached
    dd if="$1" bs=1M iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1
}
dev_checks() {
    ip=$1
    echo "GUESTDEV date $(date +%s)"
    modprobe xen-blkfront
    modprobe xen-netfront
    wait_until 120 test -b /dev/xvda -a -b /dev/xvdb
    echo "GUESTDEV disks $(ls /sys/block | grep xvd | tr '\n' ' ')sizes $(cat /sys/block/xvda/size 2>/dev/null)/$(cat /sys/block/xvdb/size 2>/dev/null) ro $(cat /sys/block/xvdb/ro 2>/dev/null)"
    echo "GUESTDEV xvda-sum $(sum_of /dev/xvda)"
    echo "GUESTDEV xvdb-sum $(sum_of /dev/xvdb)"
    # Timed alone (no checksum): 64 MiB read uncached, for bench/dom0.sh.
    t0=$(cut -d' ' -f1 /proc/uptime)
    dd if=/dev/xvdb of=/dev/null bs=1M count=64 iflag=direct 2>/dev/null
    t1=$(cut -d' ' -f1 /proc/uptime)
    echo "GUESTDEV xvdb-read secs=$(echo "$t1 $t0" | awk '{ print $1 - $2 }')"
    if dd if=/dev/zero of=/dev/xvdb bs=4k count=1 oflag=direct 2>/tmp/ro.err; then
        echo "GUESTDEV xvdb-write taken"
    else
        echo "GUESTDEV xvdb-write refused $(tail -n 1 /tmp/ro.err)"
    fi
    # 64 MiB written through blkfront (the read-only disk's bytes), then
    # read back uncached.
    t0=$(cut -d' ' -f1 /proc/uptime)
    dd if=/dev/xvdb of=/dev/xvda bs=1M count=64 iflag=direct oflag=direct 2>/tmp/w.err
    w=$?
    t1=$(cut -d' ' -f1 /proc/uptime)
    echo "GUESTDEV xvda-written rc=$w $(sum_of /dev/xvda) secs=$(echo "$t1 $t0" | awk '{ print $1 - $2 }')"
    ip link set lo up
    wait_until 60 test -e /sys/class/net/eth0
    ip link set eth0 up
    ip addr add "$ip/24" dev eth0
    mac=$(cat /sys/class/net/eth0/address 2>/dev/null)
    wait_until 30 ping -c 1 -W 1 10.0.1.1
    d=$(ping -c 5 -W 2 10.0.1.1 2>&1 | tail -n 1)
    p=$(ping -c 3 -W 2 10.0.1.2 2>&1 | tail -n 1)
    echo "GUESTDEV net mac=$mac dom0: $d; peer: $p"
    echo "GUESTDEV peer-blob $(wget -q -O - http://10.0.1.2/blob 2>/dev/null | sha256sum | cut -d' ' -f1)"
    echo "GUESTDEV dom0-blob $(wget -q -O - http://10.0.1.1:8080/blob 2>/dev/null | sha256sum | cut -d' ' -f1)"
    # The same two fetches timed alone (no checksum), for bench/dom0.sh.
    t0=$(cut -d' ' -f1 /proc/uptime)
    wget -q -O /dev/null http://10.0.1.1:8080/blob 2>/dev/null
    t1=$(cut -d' ' -f1 /proc/uptime)
    wget -q -O /dev/null http://10.0.1.2/blob 2>/dev/null
    t2=$(cut -d' ' -f1 /proc/uptime)
    echo "GUESTDEV net-secs dom0=$(echo "$t1 $t0" | awk '{ print $1 - $2 }') peer=$(echo "$t2 $t1" | awk '{ print $1 - $2 }')"
    # For a second guest on the bridge (oryx.devfetch): xvdb's first 8 MiB.
    mkdir -p /www
    dd if=/dev/xvdb of=/www/blob bs=1M count=8 2>/dev/null
    httpd -p 80 -h /www
    # Hot-plug: devices.sh attaches xvdc (qcow2) and a second vif, then
    # detaches them.
    echo "GUESTDEV ready"
    if wait_until 90 test -b /dev/xvdc; then
        # xvdc is a qcow2 image in dom0: 8 MiB of xvdb's bytes into it.
        dd if=/dev/xvdb of=/dev/xvdc bs=1M count=8 iflag=direct oflag=direct 2>/dev/null
        w=$?
        s=$(dd if=/dev/xvdc bs=1M count=8 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
        echo "GUESTDEV xvdc-appeared $(cat /sys/block/xvdc/size) sectors, wrote rc=$w sum $s"
    fi
    wait_until 90 test ! -e /sys/block/xvdc && echo "GUESTDEV xvdc-gone"
    wait_until 90 test -e /sys/class/net/eth1 && echo "GUESTDEV eth1-appeared $(cat /sys/class/net/eth1/address)"
    wait_until 90 test ! -e /sys/class/net/eth1 && echo "GUESTDEV eth1-gone"
    # xvdd: an LVM volume in dom0; 64 MiB of xvdb's bytes into it.
    if wait_until 120 test -b /dev/xvdd; then
        dd if=/dev/xvdb of=/dev/xvdd bs=1M count=64 iflag=direct oflag=direct 2>/dev/null
        w=$?
        echo "GUESTDEV xvdd-written rc=$w $(sum_of /dev/xvdd) $(cat /sys/block/xvdd/size) sectors"
    fi
    wait_until 90 test ! -e /sys/block/xvdd && echo "GUESTDEV xvdd-gone"
    echo "GUESTDEV done"
    # Busy until destroyed: disk reads and network fetches in flight.
    while :; do dd if=/dev/xvda of=/dev/null bs=1M iflag=direct 2>/dev/null; done &
    while :; do wget -q -O /dev/null http://10.0.1.2/blob 2>/dev/null; done &
    echo "GUESTDEV busy"
}
devtest=$(sed -n 's/.*oryx\.devtest=\([0-9.]*\).*/\1/p' /proc/cmdline)
[ -n "$devtest" ] && dev_checks "$devtest" &

# oryx.devfetch=IP/MINE: a second guest on the bridge fetches the first
# one's blob (guest to guest through dom0's bridge).
fetch_checks() {
    # Two vifs on one bridge: each answers ARP for its own address only.
    echo 1 > /proc/sys/net/ipv4/conf/all/arp_ignore
    echo 2 > /proc/sys/net/ipv4/conf/all/arp_announce
    modprobe xen-netfront
    ip link set lo up
    wait_until 60 test -e /sys/class/net/eth0
    ip link set eth0 up
    ip addr add "$2/24" dev eth0
    wait_until 30 ping -c 1 -W 1 "$1"
    r=$(ping -c 5 -W 2 "$1" 2>&1 | tail -n 1)
    mkdir -p /www
    t0=$(cut -d' ' -f1 /proc/uptime)
    wget -q -O /www/blob "http://$1/blob" 2>/dev/null
    t1=$(cut -d' ' -f1 /proc/uptime)
    s=$(sha256sum < /www/blob | cut -d' ' -f1)
    echo "GUESTDEV fetched $s secs=$(echo "$t1 $t0" | awk '{ print $1 - $2 }') ping: $r"
    # Served back to dom0 through its second vif (rate=, netback's limit
    # on what the guest sends), on a subnet of its own so that what it
    # sends to dom0 there leaves by that vif.
    httpd -p 80 -h /www
    rip=$(sed -n 's/.*oryx\.devrate=\([0-9.]*\).*/\1/p' /proc/cmdline)
    if [ -n "$rip" ] && wait_until 60 test -e /sys/class/net/eth1; then
        ip link set eth1 up
        ip addr add "$rip/24" dev eth1
        echo "GUESTDEV rate-ready $(cat /sys/class/net/eth1/address)"
    fi
}
# oryx.devbusy=IP/ROUND (devices.sh's destroy rounds): busy on both disks
# and the network until destroyed.
busy_checks() {
    modprobe xen-blkfront
    modprobe xen-netfront
    wait_until 60 test -b /dev/xvda -a -b /dev/xvdb -a -e /sys/class/net/eth0
    ip link set eth0 up
    ip addr add "$1/24" dev eth0
    while :; do dd if=/dev/xvda of=/dev/null bs=1M iflag=direct 2>/dev/null; done &
    while :; do dd if=/dev/zero of=/dev/xvdb bs=1M count=8 oflag=direct 2>/dev/null; done &
    while :; do wget -q -O /dev/null http://10.0.1.1:8080/blob 2>/dev/null; done &
    echo "GUESTDEV busy-$2"
}
devbusy=$(sed -n 's/.*oryx\.devbusy=\([0-9.]*\/[0-9]*\).*/\1/p' /proc/cmdline)
[ -n "$devbusy" ] && busy_checks "${devbusy%/*}" "${devbusy#*/}" &

# oryx.hostile (devices.sh's dev-hostile): no blkfront or netfront; its
# devices are left to /bin/hostile-front, a hostile frontend in userspace.
if grep -q "oryx\.hostile" /proc/cmdline; then
    modprobe xen-evtchn
    modprobe xen-gntalloc
    wait_until 30 test -c /dev/xen/gntalloc -a -c /dev/xen/evtchn
    /bin/hostile-front &
fi

devfetch=$(sed -n 's/.*oryx\.devfetch=\([0-9.]*\/[0-9.]*\).*/\1/p' /proc/cmdline)
[ -n "$devfetch" ] && fetch_checks "${devfetch%/*}" "${devfetch#*/}" &

# The shell in the background, with the console as its stdin: init
# waits in `wait`, which the traps interrupt.
{ setsid cttyhack sh -l || sh; } </dev/console >/dev/console 2>&1 &
wait $!
sync
poweroff -f
