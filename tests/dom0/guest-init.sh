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

# The shell in the background, with the console as its stdin: init
# waits in `wait`, which the traps interrupt.
{ setsid cttyhack sh -l || sh; } </dev/console >/dev/console 2>&1 &
wait $!
sync
poweroff -f
