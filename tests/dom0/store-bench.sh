#!/bin/sh
# store-bench BASE: store operations per second for bench/ figures, in dom0
# (over the kernel's /dev/xen/xenbus or oryxd's socket: XENSTORED_PATH)
# and in a guest (over its ring). Debian's xenstore-utils, one process per
# step, 200 requests each: writes of BASE/k0..k199, reads of them back,
# and the watch events a watcher on BASE gets while they are written
# again (clock from the first write to the last event). Prints
#   ops=200 write_us=N read_us=N watch_us=N
# and removes BASE.
base=$1
n=200

now_us() {
    t=$(sed -n '/^now at /{s/^now at \([0-9]*\) nsecs.*/\1/p;q;}' /proc/timer_list 2>/dev/null)
    if [ -n "$t" ]; then
        echo $((t / 1000))
    else
        read -r up _ < /proc/uptime
        echo $((${up%.*} * 1000000 + ${up#*.} * 10000))
    fi
}

xs() {
    t=$1
    shift
    timeout 60 "/usr/bin/xenstore-$t" "$@"
}

set --
i=0
while [ "$i" -lt "$n" ]; do set -- "$@" "$base/k$i" "v$i"; i=$((i + 1)); done
t0=$(now_us)
xs write "$@" || exit 1
t1=$(now_us)
set --
i=0
while [ "$i" -lt "$n" ]; do set -- "$@" "$base/k$i"; i=$((i + 1)); done
xs read "$@" > /dev/null || exit 1
t2=$(now_us)
# The watcher's first event is its registration; then one per write.
xs watch -n $((n + 1)) "$base" > /tmp/store-bench.watch 2>&1 &
w=$!
i=0
while [ ! -s /tmp/store-bench.watch ] && [ "$i" -lt 100 ]; do usleep 50000; i=$((i + 1)); done
set --
i=0
while [ "$i" -lt "$n" ]; do set -- "$@" "$base/k$i" "w$i"; i=$((i + 1)); done
t3=$(now_us)
xs write "$@" || exit 1
wait "$w" || exit 1
t4=$(now_us)
xs rm "$base"
echo "ops=$n write_us=$((t1 - t0)) read_us=$((t2 - t1)) watch_us=$((t4 - t3))"
