#!/bin/sh
# /init of the Linux-guest test initramfs (tests/linux/linuxtest.py builds
# it with tests/fixtures/mkinitramfs.sh -i). It checks what issue 3 asks
# of a stock kernel on Oryx and prints one line per check,
#   CHECK <name> PASS|FAIL <detail>
# then ORYX-LINUX-DONE and ends the guest. Some checks need the host's
# clock: for those the guest prints SLEEP-BEGIN/SLEEP-END and DATE lines
# and the harness compares their arrival times with its own clock.
# Kernel command line (oryx.* words are ignored by the kernel):
#   oryx.vcpus=N      online CPUs expected (required by the cpus check)
#   oryx.hosttime=S   host's epoch seconds when QEMU started (date check)
#   oryx.checks=all|none   none: skip straight to the end (default all)
#   oryx.end=poweroff|reboot|crash|shell   how to end (default poweroff)
#   oryx.rtc=1        also check the CMOS RTC (a type=hvm domain has one)
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp /run
# Stdio may be closed when the image had no /dev/console node.
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1

# arg NAME DEFAULT: the value of oryx.NAME= on the kernel command line.
arg() {
    for a in $(cat /proc/cmdline); do
        case "$a" in
        "oryx.$1="*) echo "${a#*=}"; return ;;
        esac
    done
    echo "$2"
}

# report NAME OK DETAIL: one CHECK line (OK is 0 for pass).
report() {
    if [ "$2" -eq 0 ]; then
        echo "CHECK $1 PASS $3"
    else
        echo "CHECK $1 FAIL $3"
    fi
}

# Centiseconds of uptime (the guest's own monotonic clock).
uptime_cs() {
    awk '{ printf "%d\n", $1 * 100 }' /proc/uptime
}

# count_cpus LIST: number of CPUs in a sysfs list such as "0-1,3".
count_cpus() {
    echo "$1" | tr ',' '\n' | awk -F- 'NF == 2 { n += $2 - $1 + 1 } NF == 1 && $1 != "" { n++ } END { print n + 0 }'
}

check_hypervisor() {
    t=$(cat /sys/hypervisor/type 2>/dev/null)
    [ "$t" = xen ]
    report hypervisor $? "/sys/hypervisor/type='$t'"
}

check_cpus() {
    want=$(arg vcpus "")
    online=$(cat /sys/devices/system/cpu/online 2>/dev/null)
    n=$(count_cpus "$online")
    np=$(nproc 2>/dev/null)
    [ -n "$want" ] && [ "$n" = "$want" ] && [ "$np" = "$want" ]
    report cpus $? "want=${want:-unset} online='$online' ($n) nproc=$np"
}

# sleep 2 against the guest's uptime; the harness times the two marker
# lines with the host's clock.
check_sleep() {
    u0=$(uptime_cs)
    echo "SLEEP-BEGIN date=$(date +%s) uptime_cs=$u0"
    sleep 2
    u1=$(uptime_cs)
    echo "SLEEP-END date=$(date +%s) uptime_cs=$u1"
    d=$((u1 - u0))
    [ "$d" -ge 160 ] && [ "$d" -le 240 ]
    report sleep $? "guest clock: sleep 2 took ${d}0 ms"
}

check_clocksource() {
    c=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)
    [ "$c" = xen ]
    report clocksource $? "current_clocksource='$c'"
}

# The harness compares DATE with its clock when the line arrives; here
# only a sanity bound against the host time passed on the command line.
check_date() {
    d=$(date +%s)
    echo "DATE $d"
    h=$(arg hosttime 0)
    [ "$h" -gt 0 ] && [ "$d" -ge $((h - 5)) ] && [ "$d" -le $((h + 7200)) ]
    report date $? "guest=$d hosttime_at_qemu_start=$h"
}

check_dmesg() {
    dmesg > /tmp/dmesg 2>&1
    grep -q "Booting kernel on Xen PVH" /tmp/dmesg
    report dmesg-pvh $? "'Booting kernel on Xen PVH'"
    grep -q "Xen HVM callback vector for event delivery is enabled" /tmp/dmesg
    report dmesg-callback $? "'Xen HVM callback vector for event delivery is enabled'"
    grep -q "Grant table initialized" /tmp/dmesg
    report dmesg-grant $? "'Grant table initialized'"
    # The FIFO event-channel ABI is offered, so Linux takes it.
    grep -q "Using FIFO-based ABI" /tmp/dmesg
    report dmesg-fifo $? "'Using FIFO-based ABI'"
    bad=$(grep -E "BUG:|WARNING:" /tmp/dmesg | head -n 1)
    [ -z "$bad" ]
    report dmesg-clean $? "${bad:-no BUG: or WARNING: lines}"
}

# cpu_ticks N: user+nice+system ticks of cpuN from /proc/stat.
cpu_ticks() {
    awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 }' /proc/stat
}

# One busy loop pinned to each online CPU for 2 s; every CPU's busy time
# must grow by at least 0.4 s (vCPUs may share host CPUs).
check_cpu_load() {
    n=$(count_cpus "$(cat /sys/devices/system/cpu/online 2>/dev/null)")
    pids="" before="" i=0
    while [ "$i" -lt "$n" ]; do
        before="$before $(cpu_ticks $i)"
        i=$((i + 1))
    done
    i=0
    while [ "$i" -lt "$n" ]; do
        taskset "$(printf '%x' $((1 << i)))" sh -c 'while :; do :; done' &
        pids="$pids $!"
        i=$((i + 1))
    done
    sleep 2
    # shellcheck disable=SC2086
    kill $pids 2>/dev/null
    wait 2>/dev/null
    ok=0 detail="" i=0
    for b in $before; do
        d=$(( $(cpu_ticks $i) - b ))
        detail="$detail cpu$i+${d}"
        [ "$d" -ge 40 ] || ok=1
        i=$((i + 1))
    done
    [ "$n" -ge 1 ] || ok=1
    report cpu-load $ok "busy ticks over 2 s (USER_HZ=100, want >= 40 each):$detail"
}

# The CMOS RTC as Linux's rtc0: rtc_cmos bound, its clock within 5 s of
# the system's, and an alarm 2 s ahead arriving as an interrupt.
check_rtc() {
    r=/sys/class/rtc/rtc0
    name=$(cat $r/name 2>/dev/null)
    skew=$(( $(cat $r/since_epoch 2>/dev/null || echo 0) - $(date +%s) ))
    irqs() { awk '/rtc0/ { n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; print n }' /proc/interrupts; }
    before=$(irqs)
    echo 0 > $r/wakealarm 2>/dev/null
    echo +2 > $r/wakealarm 2>/dev/null
    i=0
    while [ "$(irqs)" = "$before" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
    after=$(irqs)
    case "$name" in rtc_cmos*) true ;; *) false ;; esac && [ "$skew" -ge -5 ] && [ "$skew" -le 5 ] &&
        [ -n "$after" ] && [ "$after" != "$before" ]
    report rtc $? "name '$name', skew ${skew}s, rtc0 interrupts $before -> $after"
}

echo "ORYX-LINUX-INIT uptime_cs=$(uptime_cs)"
if [ "$(arg checks all)" = all ]; then
    check_hypervisor
    check_cpus
    check_clocksource
    check_date
    check_sleep
    check_dmesg
    check_cpu_load
    [ "$(arg rtc 0)" = 1 ] && check_rtc
fi
echo "ORYX-LINUX-DONE"
case "$(arg end poweroff)" in
reboot) reboot -f ;;
crash) echo c > /proc/sysrq-trigger ;;
shell) setsid cttyhack sh -l || sh ;;
esac
sync
poweroff -f
# poweroff -f only returns when it failed: say so, then idle.
echo "ORYX-LINUX-POWEROFF-FAILED"
while :; do sleep 60; done
