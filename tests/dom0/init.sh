#!/bin/sh
# /init of the dom0 test initramfs (tests/fixtures/mkdom0-initramfs.sh puts
# it there; tests/dom0/dom0test.py builds the image and reads the console).
# The same script runs with the kernel booted bare by QEMU and as Oryx's
# PVH dom0. It prints
#   ORYX-INIT-OK                       first thing (boot-time marker)
#   CHECK <name> PASS|FAIL <detail>    one per check
#   BENCH <name> key=value ...         timings (us=), for bench/dom0-baseline.sh
#   DATE <epoch>                       the harness compares it with its clock
#   ORYX-DOM0-DONE                     then powers off
# Kernel command line (oryx.* words are ignored by the kernel):
#   oryx.vcpus=N          online CPUs expected (cpus)
#   oryx.hosttime=S       host's epoch when QEMU started (date)
#   oryx.disksum=HEX      sha256 of the virtio disk's first oryx.diskmib MiB
#   oryx.diskmib=K        (default 64)
#   oryx.satasum=HEX      same for the AHCI/PIIX disk, oryx.satamib (default 16)
#   oryx.netsum=HEX       sha256 of http://PEER/blob served by the peer
#   oryx.dmesgallow=RE    extended regex of dmesg lines that are not errors
#                         (no blanks or commas on a command line: use '.')
#   oryx.granter=N        domain id of guests/granter (grant checks; absent:
#                         grantcheck scans 1..16)
#   oryx.end=poweroff|shell   how to end (default poweroff)
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /tmp /run
mount -t devpts devpts /dev/pts 2>/dev/null
# Stdio may be closed when the image had no /dev/console node.
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1
echo "ORYX-INIT-OK"

# dmesg lines that fail dmesg-clean, and the ones that are known not to be
# errors (the harness adds per-mode exceptions with oryx.dmesgallow=).
DMESG_BAD='BUG:|WARNING:|Oops|Call Trace|[Xx][Ee][Nn].*[Ff][Aa][Ii][Ll]|Failed to|Kernel panic'
DMESG_ALLOW=''

# The two NICs: name, driver, dom0's address, the peer's address.
NETS="virtio:virtio_net:10.0.1.1:10.0.1.2 e1000:e1000:10.0.2.1:10.0.2.2"

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

# Microseconds of the same clock, for the BENCH timings: /proc/timer_list
# starts with the time in ns; /proc/uptime (10 ms) when it is absent.
now_us() {
    t=$(sed -n '/^now at /{s/^now at \([0-9]*\) nsecs.*/\1/p;q;}' /proc/timer_list 2>/dev/null)
    if [ -n "$t" ]; then
        echo $((t / 1000))
    else
        echo $(($(uptime_cs) * 10000))
    fi
}

count_cpus() {
    echo "$1" | tr ',' '\n' | awk -F- 'NF == 2 { n += $2 - $1 + 1 } NF == 1 && $1 != "" { n++ } END { print n + 0 }'
}

# bound_to PATH DRIVER...: the first of DRIVERs bound to PATH or to one of
# its parents in sysfs (a disk's controller, a NIC's PCI function).
bound_to() {
    p=$(readlink -f "$1")
    shift
    while [ -n "$p" ] && [ "$p" != /sys ] && [ "$p" != / ]; do
        if [ -e "$p/driver" ]; then
            d=$(basename "$(readlink "$p/driver")")
            for w in "$@"; do
                [ "$d" = "$w" ] && { echo "$d"; return 0; }
            done
        fi
        p=${p%/*}
    done
    return 1
}

# disk_by_driver DRIVER...: "NAME DRIVER" of the first whole disk whose
# controller is bound to one of DRIVERs.
disk_by_driver() {
    for b in /sys/block/*; do
        [ -e "$b/device" ] || continue
        d=$(bound_to "$b/device" "$@") && { echo "${b##*/} $d"; return 0; }
    done
    return 1
}

# nic_by_driver DRIVER: the interface bound to DRIVER.
nic_by_driver() {
    for n in /sys/class/net/*; do
        [ -e "$n/device" ] || continue
        bound_to "$n/device" "$1" >/dev/null && { echo "${n##*/}"; return 0; }
    done
    return 1
}

# wait_for SECONDS CMD...: retry CMD every 0.2 s until it succeeds.
wait_for() {
    n=$(($1 * 5))
    shift
    while ! "$@" >/dev/null 2>&1; do
        n=$((n - 1))
        [ "$n" -gt 0 ] || return 1
        usleep 200000
    done
}

# Drivers for the devices QEMU gives dom0, and the Xen back-end pieces.
load_drivers() {
    bad=""
    for m in virtio_pci virtio_blk virtio_net e1000 e1000e ahci ata_piix sd_mod bridge loop tun; do
        modprobe "$m" 2>/tmp/modprobe.err || bad="$bad $m($(head -n 1 /tmp/modprobe.err))"
    done
    [ -z "$bad" ]
    report modules $? "${bad:-all loaded}"
}

check_xen_caps() {
    err=""
    modprobe xenfs 2>/tmp/modprobe.err || err="modprobe xenfs: $(head -n 1 /tmp/modprobe.err); "
    mkdir -p /proc/xen
    grep -qw xenfs /proc/mounts || mount -t xenfs xenfs /proc/xen 2>/tmp/mount.err ||
        err="${err}mount xenfs: $(head -n 1 /tmp/mount.err); "
    caps=$(cat /proc/xen/capabilities 2>/dev/null)
    [ "$caps" = control_d ]
    report xen-caps $? "${err}/proc/xen/capabilities='$caps'"
}

# xen_devs_missing: list the /dev/xen nodes not there; fails if any.
xen_devs_missing() {
    m=""
    for d in evtchn gntdev gntalloc privcmd xenbus xenbus_backend; do
        [ -c "/dev/xen/$d" ] || m="$m $d"
    done
    echo "$m"
    [ -z "$m" ]
}

check_xen_devs() {
    err=""
    for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd; do
        modprobe "$m" 2>/tmp/modprobe.err || err="$err $m($(head -n 1 /tmp/modprobe.err))"
    done
    # devtmpfs creates the nodes as the devices register.
    wait_for 3 xen_devs_missing
    missing=$(xen_devs_missing)
    [ -z "$missing" ]
    report xen-devs $? "missing:${missing:- none}${err:+; modprobe failed:$err}"
}

# The store. /bin/oryxd --dom0-ring serves dom0's own kernel over the
# local ring Linux's xenbus set up (/proc/xen/xsd_kva, xsd_port); the
# clients are Debian's xenstore-utils going through the kernel's
# /dev/xen/xenbus (XENSTORED_PATH), so every request crosses the ring.
XS_CHECKS="xenstore-rw xenstore-watch xenbus-kernel xenstore-bad-input"
XSDEV=/dev/xen/xenbus

# xs TOOL ARGS...: a xenstore-utils tool on the ring, bounded in time.
xs() {
    t=$1
    shift
    XENSTORED_PATH=$XSDEV timeout 10 "/usr/bin/xenstore-$t" "$@"
}

# The kernel's manage.c writes control/feature-poweroff once its xenbus
# has probed, which it does on the first event from the store.
kernel_probed() {
    [ "$(xs read /local/domain/0/control/feature-poweroff 2>/dev/null)" = 1 ]
}

probed_or_gone() {
    kernel_probed || ! kill -0 "$ORYXD_PID" 2>/dev/null
}

# xs_raw OCTAL-ESCAPED-MESSAGE: writes one raw message to /dev/xen/xenbus
# and prints the reply's bytes (od), or nothing.
xs_raw() {
    (
        exec 3<>"$XSDEV" || exit 1
        printf "$1" >&3 || exit 1
        timeout 5 dd bs=256 count=1 <&3 2>/dev/null | od -An -c | tr -s ' \n' ' '
    )
}

dom0_named() {
    [ "$(xs read /local/domain/0/name 2>/dev/null)" = Domain-0 ]
}

# dom0's kernel's sysrq watch took the key and cleared the node.
sysrq_taken() {
    [ -z "$(xs read /local/domain/0/control/sysrq 2>/dev/null)" ]
}

check_xenstore() {
    if [ ! -x /bin/oryxd ] || [ ! -x /usr/bin/xenstore-read ]; then
        for c in $XS_CHECKS; do report "$c" 1 "no /bin/oryxd or xenstore-utils in the image"; done
        return
    fi
    mkdir -p /var/run/xenstored
    /bin/oryxd --dom0-ring > /tmp/oryxd.log 2>&1 &
    ORYXD_PID=$!
    t0=$(now_us)
    wait_for 20 probed_or_gone
    t1=$(now_us)
    kernel_probed
    probed=$?
    if ! kill -0 "$ORYXD_PID" 2>/dev/null; then
        for c in $XS_CHECKS; do
            report "$c" 1 "oryxd exited: $(head -n 2 /tmp/oryxd.log | tr '\n' ' ')"
        done
        return
    fi

    # Write, read, list, remove; and what oryxd wrote as xen-init-dom0 does.
    err=""
    xs write /oryx/test/a hello /oryx/test/b "two words" 2>>/tmp/xs.err || err="$err write;"
    [ "$(xs read /oryx/test/a 2>>/tmp/xs.err)" = hello ] || err="$err read a;"
    [ "$(xs read /oryx/test/b 2>>/tmp/xs.err)" = "two words" ] || err="$err read b;"
    [ "$(xs list /oryx/test 2>>/tmp/xs.err | tr '\n' ' ')" = "a b " ] || err="$err list;"
    xs ls /oryx 2>>/tmp/xs.err | grep -q 'a = "hello"' || err="$err ls;"
    xs rm /oryx/test 2>>/tmp/xs.err || err="$err rm;"
    xs exists /oryx/test 2>/dev/null && err="$err still there after rm;"
    name=$(xs read /local/domain/0/name 2>>/tmp/xs.err)
    [ "$name" = Domain-0 ] || err="$err name='$name';"
    [ -z "$err" ]
    report xenstore-rw $? "through $XSDEV (ring):${err:- write, read, list, ls, rm ok; /local/domain/0/name=$name} $(head -n 1 /tmp/xs.err 2>/dev/null)"

    # A watch fires when another client writes: the registration event,
    # then the write's.
    XENSTORED_PATH=$XSDEV timeout 15 /usr/bin/xenstore-watch -n 2 /oryx/w > /tmp/watch.out 2>&1 &
    wpid=$!
    wait_for 5 test -s /tmp/watch.out
    xs write /oryx/w/x 1
    wait "$wpid"
    wrc=$?
    grep -qx '/oryx/w/x' /tmp/watch.out
    report xenstore-watch $((wrc | $?)) "xenstore-watch -n 2 rc=$wrc, events: $(tr '\n' ' ' < /tmp/watch.out)"

    # The kernel's own xenbus on the ring: it probed (and wrote its
    # control/feature-* nodes) after oryxd's first event, and its sysrq
    # watch takes a key written to control/sysrq and clears the node.
    sysrq=1
    if [ "$probed" -eq 0 ]; then
        xs write /local/domain/0/control/sysrq h
        wait_for 10 sysrq_taken
        sysrq=$?
    fi
    feats=$(xs ls /local/domain/0/control 2>/dev/null | grep -c '^feature-.* = "1"')
    [ "$probed" -eq 0 ] && [ "$sysrq" -eq 0 ]
    report xenbus-kernel $? "probed=$probed after $(((t1 - t0) / 1000)) ms, $feats control/feature-* nodes, sysrq watch cleared the key: $([ "$sysrq" -eq 0 ] && echo yes || echo no)"

    # Garbage through the kernel's device: an invalid type (20) and a READ
    # of a binary path each get an error reply; oryxd keeps serving.
    r1=$(xs_raw '\024\0\0\0\001\0\0\0\0\0\0\0\002\0\0\0x\0')
    r2=$(xs_raw '\002\0\0\0\002\0\0\0\0\0\0\0\004\0\0\0\377\376\201\0')
    alive=1
    kill -0 "$ORYXD_PID" 2>/dev/null && [ "$(xs read /local/domain/0/domid 2>/dev/null)" = 0 ] && alive=0
    case "$r1" in *"020 \\0 \\0 \\0"*E*) ok1=0 ;; *) ok1=1 ;; esac
    case "$r2" in *"020 \\0 \\0 \\0"*E*) ok2=0 ;; *) ok2=1 ;; esac
    [ "$ok1" -eq 0 ] && [ "$ok2" -eq 0 ] && [ "$alive" -eq 0 ]
    report xenstore-bad-input $? "type 20 -> [$r1]; binary path -> [$r2]; oryxd alive and serving: $([ "$alive" -eq 0 ] && echo yes || echo no)"

    # Store operations per second (tests/dom0/store-bench.sh: 200 writes,
    # reads and watch events) over the ring and over oryxd's socket; the
    # guest's own figures come from its console log (check_oxl_create).
    r=$(XENSTORED_PATH=$XSDEV /bin/store-bench /oryx/bench) && echo "BENCH xenstore-ring $r"
    r=$(XENSTORED_PATH=/var/run/xenstored/socket /bin/store-bench /oryx/bench) &&
        echo "BENCH xenstore-socket $r"
}

# Grants with guests/granter, through /dev/xen/{evtchn,gntdev,gntalloc}:
# /bin/grantcheck (tests/dom0/grantcheck.c) prints its own CHECK lines.
check_grants() {
    if [ ! -x /bin/grantcheck ]; then
        for c in grant-self grant-evtchn grant-map grant-batch foreign-resource foreign-map grant-copy \
                 gntalloc grant-lifetime; do
            report "$c" 1 "no /bin/grantcheck in the image"
        done
        return
    fi
    timeout 180 /bin/grantcheck $(arg granter "")
}

# The boot-time domain's CPU time (ns) from `oxl list -l`, and the last
# step it logged (`oxl dmesg`): both stand still while it is paused.
cpu_ns_of() {
    /bin/oxl list -l "$1" 2>/dev/null | sed -n 's/.*"cpu_time_ns": \([0-9]*\).*/\1/p'
}
last_step_of() {
    /bin/oxl dmesg 2>/dev/null | sed -n "s/^($1) progress: step \([0-9]*\).*/\1/p" | tail -n 1
}
# H:MM:SS (xl's uptime, under a day) in seconds.
secs_of() {
    echo "$1" | awk -F: 'NF == 3 { print $1 * 3600 + $2 * 60 + $3 }'
}

# The control verbs on the domains running now: pause and unpause of the
# boot-time domain (its CPU time and its log stand still while paused,
# and move again after), vcpu-list, info, dmesg (-c), debug-keys, uptime, list -l
# (the harness parses the OXL-LIST-JSON line) and -v, top in batch mode.
check_oxl_verbs() {
    bs=$(arg domu beside)
    if [ ! -x /bin/oxl ]; then
        for c in oxl-pause oxl-vcpu-list oxl-info oxl-dmesg oxl-debug-keys oxl-uptime oxl-list-long \
                 oxl-top; do
            report $c 1 "no /bin/oxl in the image"
        done
        return
    fi
    # pause / unpause
    /bin/oxl pause "$bs" 2>/tmp/pause.err
    p1=$?
    /bin/oxl pause "$bs" 2>>/tmp/pause.err
    p2=$?
    st=$(/bin/oxl list "$bs" 2>/dev/null | awk -v n="$bs" '$1 == n { print $5 }')
    t1=$(cpu_ns_of "$bs")
    s1=$(last_step_of "$bs")
    sleep 5                 # it steps every 2 s when it runs
    t2=$(cpu_ns_of "$bs")
    s2=$(last_step_of "$bs")
    /bin/oxl pause Domain-0 2>/tmp/pause0.err
    p0=$?
    /bin/oxl pause nosuch 2>/tmp/pausex.err
    px=$?
    /bin/oxl unpause "$bs" 2>>/tmp/pause.err
    u1=$?
    /bin/oxl unpause "$bs" 2>>/tmp/pause.err
    u2=$?
    sleep 5
    t3=$(cpu_ns_of "$bs")
    s3=$(last_step_of "$bs")
    st2=$(/bin/oxl list "$bs" 2>/dev/null | awk -v n="$bs" '$1 == n { print $5 }')
    [ "$p1$p2$u1$u2" = 0000 ] && [ "$p0" = 1 ] && [ "$px" = 1 ] &&
        grep -q "dom0 cannot be paused" /tmp/pause0.err &&
        case "$st" in ??p???) true ;; *) false ;; esac &&
        case "$st2" in ??p???) false ;; *) true ;; esac &&
        [ -n "$t1" ] && [ "$t1" = "$t2" ] && [ -n "$s1" ] && [ "$s1" = "$s2" ] &&
        [ -n "$t3" ] && [ "$t3" -gt "$t2" ] && [ -n "$s3" ] && [ "$s3" -gt "$s2" ]
    report oxl-pause $? "pause $p1 again $p2 state '$st'; cpu ns $t1 -> $t2 (paused 5 s) -> $t3; step $s1 -> $s2 -> $s3; unpause $u1 again $u2 state '$st2'; Domain-0: $p0 ($(head -c 60 /tmp/pause0.err)); nosuch: $px; $(head -c 80 /tmp/pause.err)"

    # vcpu-list: xl's header; dom0's two vCPUs each on its own CPU
    /bin/oxl vcpu-list > /tmp/vcpu.out 2>/tmp/vcpu.err
    rc=$?
    head -n 1 /tmp/vcpu.out | grep -q '^Name  *ID  VCPU   CPU State   Time(s) Affinity (Hard / Soft)$'
    hdr=$?
    d0=$(awk '$1 == "Domain-0" && $2 == 0 && $4 == $3 && $5 ~ /^[r-][b-]-$/ && $8 == "/" && $9 == "all"' /tmp/vcpu.out | wc -l)
    one=$(/bin/oxl vcpu-list "$bs" 2>/dev/null | awk -v n="$bs" '$1 == n && $3 == 0' | wc -l)
    /bin/oxl vcpu-list nosuch > /dev/null 2>&1
    bad=$?
    [ "$rc" = 0 ] && [ "$hdr" = 0 ] && [ "$d0" = 2 ] && [ "$one" = 1 ] && [ "$bad" = 1 ]
    report oxl-vcpu-list $? "rc $rc header $hdr, dom0 rows $d0, $bs rows $one, nosuch $bad: $(sed -n 2p /tmp/vcpu.out) $(head -c 80 /tmp/vcpu.err)"

    # info: xl's key : value lines
    /bin/oxl info > /tmp/info.out 2>/tmp/info.err
    rc=$?
    cpus=$(sed -n 's/^nr_cpus  *: //p' /tmp/info.out)
    tot=$(sed -n 's/^total_memory  *: //p' /tmp/info.out)
    free=$(sed -n 's/^free_memory  *: //p' /tmp/info.out)
    ver=$(sed -n 's/^xen_version  *: //p' /tmp/info.out)
    cl=$(/bin/oxl info xen_commandline 2>/dev/null)
    one=$(/bin/oxl info nr_cpus 2>/dev/null)
    [ "$rc" = 0 ] && [ "$cpus" = "$(arg vcpus 2)" ] && [ "$one" = "$cpus" ] &&
        [ -n "$tot" ] && [ -n "$free" ] && [ "$tot" -gt "$free" ] && [ "$free" -gt 0 ] &&
        case "$ver" in 4.*) true ;; *) false ;; esac &&
        case "$cl" in *dom0_mem=*) true ;; *) false ;; esac &&
        grep -q '^virt_caps  *: hvm hap$' /tmp/info.out
    report oxl-info $? "rc $rc nr_cpus '$cpus' ('$one'), memory $tot MiB, free $free MiB, version '$ver', commandline '$cl'; $(head -c 80 /tmp/info.err)"

    # dmesg: what dom0 printed is in the log; -c clears what it read
    echo "OXL-DMESG-MARK-A"
    /bin/oxl dmesg > /tmp/dmesg1 2>/tmp/dmesg.err
    r1=$?
    /bin/oxl dmesg -c > /tmp/dmesg2 2>>/tmp/dmesg.err
    r2=$?
    echo "OXL-DMESG-MARK-B"
    /bin/oxl dmesg > /tmp/dmesg3 2>>/tmp/dmesg.err
    r3=$?
    a1=$(grep -c OXL-DMESG-MARK-A /tmp/dmesg1)
    a2=$(grep -c OXL-DMESG-MARK-A /tmp/dmesg2)
    a3=$(grep -c OXL-DMESG-MARK-A /tmp/dmesg3)
    b3=$(grep -c OXL-DMESG-MARK-B /tmp/dmesg3)
    pz=$(grep -c "$bs: paused" /tmp/dmesg1)
    [ "$r1$r2$r3" = 000 ] && [ "$a1" = 1 ] && [ "$a2" = 1 ] && [ "$a3" = 0 ] && [ "$b3" = 1 ] &&
        [ "$pz" -ge 1 ] && [ "$(wc -c < /tmp/dmesg3)" -lt "$(wc -c < /tmp/dmesg1)" ]
    report oxl-dmesg $? "rc $r1 $r2 $r3; mark A in: $a1, -c $a2, after $a3; mark B after: $b3; '$bs: paused' lines $pz; bytes $(wc -c < /tmp/dmesg1) -> $(wc -c < /tmp/dmesg3) $(head -c 80 /tmp/dmesg.err)"

    # debug-keys: 'd' (every domain, the boot-time one by name) and 'q'
    # (run queues) print into the log; 65 keys at once are refused.
    /bin/oxl dmesg -c > /dev/null 2>&1
    /bin/oxl debug-keys dq 2>/tmp/dk.err
    k1=$?
    /bin/oxl dmesg > /tmp/dk.log 2>>/tmp/dk.err
    /bin/oxl debug-keys "$(printf '%065d' 0)" 2>>/tmp/dk.err
    k2=$?
    kd0=$(grep -c "^d0 Domain-0: running" /tmp/dk.log)
    kbs=$(grep -c "^d[0-9]* $bs: " /tmp/dk.log)
    kq=$(grep -c "^CPU0: " /tmp/dk.log)
    [ "$k1" = 0 ] && [ "$k2" = 1 ] && [ "$kd0" = 1 ] && [ "$kbs" = 1 ] && [ "$kq" = 1 ]
    report oxl-debug-keys $? "rc $k1, 65 keys rc $k2; 'd0 Domain-0' lines $kd0, '$bs' $kbs, 'CPU0:' $kq; $(head -c 120 /tmp/dk.err | tr '\n' ' ')"

    # uptime: xl's columns; dom0's (the hypervisor's) is the longest
    /bin/oxl uptime > /tmp/up.out 2>/tmp/up.err
    rc=$?
    head -n 1 /tmp/up.out | grep -q '^Name  *ID Uptime$'
    hdr=$?
    u0=$(secs_of "$(awk '$1 == "Domain-0" && $2 == 0 { print $3 }' /tmp/up.out)")
    ub=$(secs_of "$(awk -v n="$bs" '$1 == n { print $3 }' /tmp/up.out)")
    sh=$(/bin/oxl uptime -s "$bs" 2>/dev/null)
    n1=$(/bin/oxl uptime Domain-0 2>/dev/null | wc -l)
    [ "$rc" = 0 ] && [ "$hdr" = 0 ] && [ -n "$u0" ] && [ -n "$ub" ] && [ "$u0" -ge "$ub" ] &&
        [ "$u0" -gt 0 ] && [ "$n1" = 2 ] &&
        echo "$sh" | grep -q "^ [0-9][0-9]:[0-9][0-9]:[0-9][0-9] up  *[0-9]*:[0-9][0-9], $bs ([0-9]*)$"
    report oxl-uptime $? "rc $rc header $hdr, Domain-0 ${u0}s, $bs ${ub}s, -s '$sh', one domain: $n1 lines $(head -c 80 /tmp/up.err)"

    # list -l (JSON, checked by the harness too) and -v
    /bin/oxl list -l > /tmp/long.out 2>/tmp/long.err
    rc=$?
    echo "OXL-LIST-JSON $(tr -d '\n' < /tmp/long.out)"
    /bin/oxl list -v > /tmp/verbose.out 2>>/tmp/long.err
    rv=$?
    head -n 1 /tmp/verbose.out | grep -q 'Time(s)   UUID  *Reason-Code	Security Label$'
    vh=$?
    v0=$(awk '$1 == "Domain-0" && $7 ~ /^[0-9a-f-]{36}$/ && $8 == "-" && $9 == "-"' /tmp/verbose.out | wc -l)
    [ "$rc" = 0 ] && [ "$rv" = 0 ] && [ "$vh" = 0 ] && [ "$v0" = 1 ] &&
        grep -q '"domid": 0,' /tmp/long.out && grep -q '"name": "Domain-0"' /tmp/long.out
    report oxl-list-long $? "rc $rc, -v rc $rv header $vh dom0 rows $v0: $(grep Domain-0 /tmp/verbose.out) $(head -c 80 /tmp/long.err)"

    # top -b -i 2: two tables, CPU(%) from the second sample
    /bin/oxl top -b -i 2 -d 1 > /tmp/top.out 2>/tmp/top.err
    rc=$?
    tables=$(grep -c '^ *NAME  *STATE  *CPU(sec)  *CPU(%)  *MEM(k)  *MEM(%)  *MAXMEM(k)  *MAXMEM(%)  *VCPUS$' /tmp/top.out)
    rows=$(awk '$1 == "Domain-0" && $2 ~ /^[-dsbcpr]{6}$/ && $4 ~ /^[0-9]+\.[0-9]$/ && $NF == 2' /tmp/top.out | wc -l)
    pct=$(awk '$1 == "Domain-0" { p = $4 } END { print p }' /tmp/top.out)
    /bin/oxl top -b -d 0 > /dev/null 2>&1
    bad=$?
    [ "$rc" = 0 ] && [ "$tables" = 2 ] && [ "$rows" = 2 ] && [ "$bad" = 2 ]
    report oxl-top $? "rc $rc, $tables tables, $rows Domain-0 rows (CPU% $pct at the second), -d 0: $bad $(head -c 80 /tmp/top.err)"
}

# A domain built from dom0 user space: /bin/mkguest (tests/dom0/mkguest.c)
# runs /guest.elf (guests/hello) as "built" and prints its CHECK lines.
check_build() {
    if [ ! -x /bin/mkguest ] || [ ! -f /guest.elf ]; then
        report build-refused 1 "no /bin/mkguest or /guest.elf in the image"
        report build-domain 1 "no /bin/mkguest or /guest.elf in the image"
        report oxl-list 1 "no /bin/mkguest in the image"
        report oxl-destroy 1 "no /bin/mkguest in the image"
        for c in $OXL_GUEST_CHECKS; do report "$c" 1 "no /bin/mkguest in the image"; done
        for c in oxl-pause oxl-vcpu-list oxl-info oxl-dmesg oxl-uptime oxl-list-long oxl-top; do
            report $c 1 "no /bin/mkguest in the image"
        done
        return
    fi
    timeout 180 /bin/mkguest /guest.elf built 8
    check_oxl
    check_oxl_verbs
}

# oxl's domain verbs (xl's list columns, names and ids, destroy) on the
# domains running now: dom0, the boot-time domain beside it, and one that
# mkguest builds and leaves (guests/hello: it powers off at once, so it is
# listed as shut down until destroyed).
check_oxl() {
    if [ ! -x /bin/oxl ]; then
        report oxl-list 1 "no /bin/oxl in the image"
        report oxl-destroy 1 "no /bin/oxl in the image"
        return
    fi
    /bin/mkguest /guest.elf kept 8 keep 2>/tmp/mk.err
    sleep 1
    /bin/oxl list > /tmp/list.out 2>/tmp/list.err
    rc=$?
    head -n 1 /tmp/list.out | grep -q "^Name  *ID   Mem VCPUs	State	Time(s)$"
    hdr=$?
    # Name ID Mem VCPUs State Time: dom0 with its 2 vCPUs, beside, kept shut down.
    d0=$(awk '$1 == "Domain-0" && $2 == 0 && $4 == 2 && $5 ~ /^[rb]-----$/' /tmp/list.out)
    bs=$(awk -v n="$(arg domu beside)" '$1 == n && $3 == 4 && $4 == 1' /tmp/list.out)
    kp=$(awk '$1 == "kept" && $3 == 8 && $5 == "---s--"' /tmp/list.out)
    id=$(/bin/oxl domid "$(arg domu beside)" 2>&1)
    nm=$(/bin/oxl domname 0 2>&1)
    /bin/oxl domid nosuch > /dev/null 2>/tmp/nosuch.err
    nosuch=$?
    [ "$rc" = 0 ] && [ "$hdr" = 0 ] && [ -n "$d0" ] && [ -n "$bs" ] && [ -n "$kp" ] &&
        [ "$nm" = "Domain-0" ] && [ -n "$id" ] && [ "$nosuch" = 1 ] &&
        grep -q "no domain 'nosuch'" /tmp/nosuch.err
    report oxl-list $? "rc $rc, header $hdr, rows: dom0 '$d0' beside '$bs' kept '$kp'; domid $id, domname 0 = $nm, unknown name: $nosuch $(head -c 80 /tmp/nosuch.err)$(head -c 80 /tmp/mk.err)"
    /bin/oxl destroy kept 2>/tmp/destroy.err
    drc=$?
    /bin/oxl destroy kept 2>/tmp/destroy2.err
    again=$?
    /bin/oxl destroy Domain-0 2>/tmp/destroy0.err
    zero=$?
    gone=$(/bin/oxl list | awk '$1 == "kept"')
    [ "$drc" = 0 ] && [ "$again" = 1 ] && [ "$zero" = 1 ] && [ -z "$gone" ]
    report oxl-destroy $? "destroy kept: $drc, again: $again ($(head -c 60 /tmp/destroy2.err)), Domain-0: $zero ($(head -c 60 /tmp/destroy0.err)), listed after: '${gone}'"
}

# oxl create of a stock Debian guest (the same kernel, the test initramfs)
# from an xl.cfg in dom0. Its init prints ORYX-INIT-OK on its console (the
# harness looks for "(web) ORYX-INIT-OK"), finds no oryx.run script and
# powers off; oxl list then shows it shut down, and destroy removes it.
check_oxl_create() {
    if [ ! -x /bin/oxl ] || [ ! -f /etc/oryx/web.cfg ]; then
        for c in $OXL_GUEST_CHECKS; do report "$c" 1 "no /bin/oxl or /etc/oryx/web.cfg in the image"; done
        return
    fi
    if ! kill -0 "$ORYXD_PID" 2>/dev/null; then
        for c in $OXL_GUEST_CHECKS; do report "$c" 1 "oryxd is not running"; done
        return
    fi
    log=/var/log/oryx/guest-web.log
    mkdir -p /var/log/oryx /var/lib/oryx

    # Refused creations leave nothing: no domain, no store entries, no
    # saved configuration. Too much memory fails in the hypervisor (after
    # the configuration was saved); a config file as the kernel fails in
    # the builder.
    /bin/oxl create /etc/oryx/web.cfg memory=100000 > /tmp/big.out 2>&1
    r1=$?
    /bin/oxl create /etc/oryx/web.cfg 'kernel="/etc/oryx/web.cfg"' > /tmp/notk.out 2>&1
    r2=$?
    listed=$(/bin/oxl list | awk '$1 == "web"')
    vms=$(xs ls /vm 2>/dev/null | wc -l)
    doms=$(xs ls /local/domain 2>/dev/null | grep -c '^[1-9]')
    saved=$(ls /var/lib/oryx/*.cfg 2>/dev/null | wc -l)
    [ "$r1" = 1 ] && [ "$r2" = 1 ] && grep -q "domain 'web' not created: .*memory" /tmp/big.out &&
        grep -q "domain 'web' not created: .*kernel" /tmp/notk.out && [ -z "$listed" ] && [ "$vms" = 0 ] &&
        [ "$doms" = 0 ] && [ "$saved" = 0 ]
    report oxl-create-refused $? "memory=100000: rc $r1 ($(tail -n 1 /tmp/big.out | tail -c 150)); kernel=a config: rc $r2 ($(tail -n 1 /tmp/notk.out | tail -c 150)); left: listed '$listed', /vm $vms, /local/domain/N $doms, saved configs $saved"

    # Timed cold: the refused creations above left the kernel unpacked in
    # oxl's cache (web2's create below is the cached case).
    rm -rf /var/cache/oryx
    t0=$(now_us)
    /bin/oxl create /etc/oryx/web.cfg > /tmp/create.out 2>&1
    rc=$?
    t1=$(now_us)
    echo "BENCH oxl-create us=$((t1 - t0))"
    id=$(/bin/oxl domid web 2>/dev/null)
    # Its init's first line reaches the log through oryxd's console back end.
    wait_for 120 grep -q ORYX-INIT-OK "$log"
    t2=$(now_us)
    grep -q ORYX-INIT-OK "$log" && echo "BENCH oxl-create-to-init us=$((t2 - t0))"
    # Its kernel reached the store over its ring: Linux's manage.c writes
    # control/feature-poweroff once its xenbus is up.
    wait_for 60 guest_feature "$id"
    feat=$(xs read "/local/domain/$id/control/feature-poweroff" 2>&1)
    name=$(xs read "/local/domain/$id/name" 2>&1)
    tty=$(xs read "/local/domain/$id/console/tty" 2>&1)
    [ "$rc" = 0 ] && [ "$feat" = 1 ] && [ "$name" = web ] && grep -q ORYX-INIT-OK "$log"
    report oxl-create $? "rc $rc: $(head -c 160 /tmp/create.out | tr '\n' ' '); id $id; feature-poweroff '$feat'; name '$name'; tty '$tty'; log: $(head -c 60 "$log" 2>/dev/null | sed 's/[^[:print:]]//g')"
    life_trio_start

    # The guest's own view of its store (guest-init.sh's GUESTCHECK line).
    wait_for 150 grep -q "GUESTCHECK store-perms" "$log"
    g=$(grep -a "GUESTCHECK store-perms" "$log" | head -n 1 | sed 's/[^[:print:]]//g')
    case "$g" in *" PASS "*) true ;; *) false ;; esac
    report guest-store-perms $? "${g:-no GUESTCHECK line in its console log}"
    wait_for 60 grep -q "GUESTBENCH" "$log"
    r=$(grep -a "GUESTBENCH" "$log" | head -n 1 | sed 's/.*GUESTBENCH //; s/[^a-z0-9_= ]//g')
    [ -n "$r" ] && echo "BENCH xenstore-guest $r"
    life_rename "$id"

    # oxl console: a command typed into the guest's shell, its answer back.
    (usleep 500000; echo 'echo CONSOLE-$((6*7))'; answered CONSOLE-42 "$log"; printf '\035') |
        timeout 70 /bin/oxl console web > /tmp/console.out 2>&1
    crc=$?
    grep -q CONSOLE-42 /tmp/console.out
    report oxl-console $? "rc $crc; got: $(sed 's/[^[:print:]]//g' < /tmp/console.out | tail -c 120)"

    # oxl sysrq: Linux's sysrq handler answers on the guest's console.
    /bin/oxl sysrq web h > /tmp/sysrq.out 2>&1
    qrc=$?
    wait_for 20 grep -q "sysrq: HELP" "$log"
    grep -q "sysrq: HELP" "$log"
    report oxl-sysrq $? "rc $qrc ($(head -c 100 /tmp/sysrq.out)); console: $(grep -a 'sysrq:' "$log" | head -n 1 | sed 's/[^[:print:]]//g' | head -c 100)"
    life_trio_check

    # trio1 crashes now and restarts while the hostile guest runs
    # (life_crash_check), before oryxd is killed.
    life_crash_start
    check_xs_hostile
    life_crash_check
    check_oryxd_restart

    # oxl reboot: on_reboot (restart, xl's default) builds it again with a
    # new id from the saved configuration; the old id leaves the store.
    timeout 60 /bin/oxl reboot -w web > /tmp/reboot.out 2>&1
    rrc=$?
    [ "$rrc" = 0 ] && wait_for 60 new_web "$id"
    id2=$(/bin/oxl domid web 2>/dev/null)
    [ -n "$id2" ] && [ "$id2" != "$id" ] && wait_for 120 guest_feature "$id2"
    feat2=$(xs read "/local/domain/$id2/control/feature-poweroff" 2>&1)
    old=$(xs ls "/local/domain/$id" 2>/dev/null | head -n 3 | tr '\n' ' ')
    [ "$rrc" = 0 ] && [ -n "$id2" ] && [ "$id2" != "$id" ] && [ "$feat2" = 1 ] && [ -z "$old" ]
    report oxl-reboot $? "rc $rrc ($(head -c 300 /tmp/reboot.out | tr '\n' ' '); oryxd: $(tail -c 200 /tmp/oryxd.log | tr '\n' ' ')); id $id -> '$id2'; its store up: '$feat2'; old entries: '$old'"

    # oxl shutdown -w: the guest powers off, on_poweroff=destroy; nothing
    # of it is left in the hypervisor or the store. Its init must be up to
    # take the request (its second ORYX-INIT-OK in the log).
    wait_for 120 inits 2 "$log"
    timeout 90 /bin/oxl shutdown -w web > /tmp/shutdown.out 2>&1
    src=$?
    usleep 500000
    left=$(/bin/oxl list | awk '$1 == "web"')
    stored=$(xs ls "/local/domain/$id2" 2>/dev/null | head -n 3 | tr '\n' ' ')
    vms=$(xs ls /vm 2>/dev/null | wc -l)
    [ "$src" = 0 ] && [ -z "$left" ] && [ -z "$stored" ] && [ "$vms" = 0 ]
    report oxl-shutdown $? "rc $src ($(head -c 80 /tmp/shutdown.out | tr '\n' ' ')); listed after: '$left'; store entries after: '$stored'; /vm entries: $vms"
    rm -rf /var/cache/oryx                # 66 MiB of dom0's tmpfs
}

# bench/dom0.sh only (DOM0TEST_ELF=1): the same guest from the kernel's
# ELF file, timed from `oxl create` to its init line.
bench_elf() {
    [ -f /boot/vmlinux ] && kill -0 "$ORYXD_PID" 2>/dev/null || return 0
    mkdir -p /var/log/oryx /var/lib/oryx
    t0=$(now_us)
    if ! /bin/oxl create /etc/oryx/web.cfg 'name="elf"' 'kernel="/boot/vmlinux"' > /tmp/elf.out 2>&1; then
        echo "BENCH oxl-create-elf failed: $(tr -s ' \n' ' ' < /tmp/elf.out | head -c 160)"
        return 0
    fi
    echo "BENCH oxl-create-elf us=$(($(now_us) - t0)) $(tr -s ' \n' ' ' < /tmp/elf.out | tr -cd 'A-Za-z0-9 .,:()=-')"
    wait_for 120 grep -q ORYX-INIT-OK /var/log/oryx/guest-elf.log &&
        echo "BENCH oxl-create-elf-to-init us=$(($(now_us) - t0))"
    /bin/oxl destroy elf
}

OXL_GUEST_CHECKS="oxl-create-refused oxl-create guest-store-perms oxl-console oxl-sysrq xs-hostile oxl-create-cached oryxd-restart oxl-reboot oxl-crash-restart oxl-shutdown oxl-rename oxl-three-guests"

# answered WORD LOG: until the guest's answer is in its console log (the
# pty has it too by then; a loaded machine may take long), at most 60 s.
answered() {
    wait_for 60 grep -q "$1" "$2"
    usleep 300000
}

hostile_done() {
    /bin/oxl dmesg 2>/dev/null | grep -qa '(hostile) \(PASS\|FAIL\)'
}

# guests/xs-hostile, created by oxl beside web, abuses its store ring
# (unknown type, dom0's node, a flood of watches, a lying length, a wild
# producer index) and says what it got; oryxd cuts its ring off and goes
# on serving dom0 and web (oryxd-restart then uses web's console and store).
check_xs_hostile() {
    if [ ! -f /boot/xs-hostile.elf ]; then
        report xs-hostile 1 "no /boot/xs-hostile.elf in the image"
        return
    fi
    printf 'name = "hostile"\ntype = "pvh"\nkernel = "/boot/xs-hostile.elf"\nmemory = 16\n' \
        > /tmp/hostile.cfg
    /bin/oxl create /tmp/hostile.cfg > /tmp/hostile.out 2>&1
    hc=$?
    wait_for 120 hostile_done
    /bin/oxl dmesg 2>/dev/null | grep -a '(hostile)' | sed 's/.*(hostile) //' > /tmp/hostile.log
    verdict=$(tail -n 1 /tmp/hostile.log)
    cut=$(grep -ac "store ring cut off" /tmp/oryxd.log)
    alive=1
    kill -0 "$ORYXD_PID" 2>/dev/null && dom0_named && alive=0
    webid=$(/bin/oxl domid web 2>/dev/null)
    wf=$(xs read "/local/domain/$webid/control/feature-poweroff" 2>/dev/null)
    wait_for 30 hostile_gone
    [ "$hc" = 0 ] && [ "$verdict" = PASS ] && [ "$cut" -ge 1 ] && [ "$alive" = 0 ] && [ "$wf" = 1 ]
    report xs-hostile $? "create rc $hc; guest: $(grep -a 'ok\|FAIL' /tmp/hostile.log | tr '\n' ';' | head -c 400) -> '$verdict'; oryxd: '$(grep -a 'cut off' /tmp/oryxd.log | tail -n 1)', alive and serving dom0: $([ "$alive" = 0 ] && echo yes || echo no); web's store: feature-poweroff '$wf'"
}

hostile_gone() {
    ! /bin/oxl list | awk '$1 == "hostile"' | grep -q .
}

# oryxd killed with SIGKILL while two guests run (web and web2), then
# started again: it takes its store back (/var/lib/oryx/xenstore.mdb),
# serves both rings and consoles again, and the watches of dom0's kernel
# and of the guests' kernels were kept (the sysrq watch; web's
# control/shutdown watch is what oxl-reboot and oxl-shutdown use next).
check_oryxd_restart() {
    log2=/var/log/oryx/guest-web2.log
    t0=$(now_us)
    /bin/oxl create /etc/oryx/web.cfg 'name="web2"' 'vcpus=1' > /tmp/web2.out 2>&1
    c2=$?
    wait_for 120 grep -q ORYX-INIT-OK "$log2"
    # The same kernel a second time: it comes unpacked from oxl's cache.
    grep -q ORYX-INIT-OK "$log2" && echo "BENCH oxl-create-cached-to-init us=$(($(now_us) - t0))"
    grep -q "unpack [0-9.]* s (cached)" /tmp/web2.out
    report oxl-create-cached $? "$(head -n 1 /tmp/web2.out); cache: $(ls /var/cache/oryx/kernels 2>&1 | tr '\n' ' ')"
    id2=$(/bin/oxl domid web2 2>/dev/null)
    wait_for 60 guest_feature "$id2"
    kill -9 "$ORYXD_PID"
    wait "$ORYXD_PID" 2>/dev/null
    old=$ORYXD_PID
    /bin/oryxd --dom0-ring >> /tmp/oryxd.log 2>&1 &
    ORYXD_PID=$!
    wait_for 60 dom0_named
    listed=$(/bin/oxl list | awk '$1 == "web" || $1 == "web2" { printf "%s ", $1 }')
    # dom0's kernel's sysrq watch came back with its ring.
    xs write /local/domain/0/control/sysrq h
    wait_for 30 sysrq_taken
    dsys=$?
    # Each guest's console takes a command again, and its store answers it.
    for g in web web2; do
        (usleep 500000; echo "XENSTORED_PATH=/dev/xen/xenbus xenstore-read name | sed s/^/NAME-/; echo RS-\$((6*7))"
         answered RS-42 "/var/log/oryx/guest-$g.log"; printf '\035') |
            timeout 70 /bin/oxl console "$g" > "/tmp/rs-$g.out" 2>&1
    done
    r1=$(grep -c "NAME-web\$\|NAME-web.$" /tmp/rs-web.out)
    r2=$(grep -c "NAME-web2" /tmp/rs-web2.out)
    k1=$(grep -c "RS-42" /tmp/rs-web.out)
    k2=$(grep -c "RS-42" /tmp/rs-web2.out)
    # web2's control/shutdown watch was kept: it powers off and goes.
    timeout 90 /bin/oxl shutdown -w web2 > /tmp/web2-down.out 2>&1
    d2=$?
    gone=$(/bin/oxl list | awk '$1 == "web2"')
    [ "$c2" = 0 ] && [ "$listed" = "web web2 " ] && [ "$dsys" = 0 ] && [ "$r1" -ge 1 ] && [ "$r2" -ge 1 ] &&
        [ "$k1" -ge 1 ] && [ "$k2" -ge 1 ] && [ "$d2" = 0 ] && [ -z "$gone" ] && kill -0 "$ORYXD_PID"
    report oryxd-restart $? "web2 created: rc $c2 ($(tail -n 1 /tmp/web2.out | head -c 80)); oryxd $old killed, $ORYXD_PID: $(grep -a 'taken back\|again\|forgetting' /tmp/oryxd.log | tr '\n' ' ' | tail -c 200); listed: '$listed'; dom0 sysrq watch: $dsys; web console: name $r1 answer $k1 ($(tr -cd 'A-Za-z0-9 =-' < /tmp/rs-web.out | tail -c 60)); web2: name $r2 answer $k2 ($(tr -cd 'A-Za-z0-9 =-' < /tmp/rs-web2.out | tail -c 60)); web2 shutdown -w: rc $d2, listed after: '$gone'"
}

guest_feature() {
    [ -n "$1" ] && [ "$(xs read "/local/domain/$1/control/feature-poweroff" 2>/dev/null)" = 1 ]
}

inits() {
    [ "$(grep -c ORYX-INIT-OK "$2")" -ge "$1" ]
}

new_web() {
    web_id=$(/bin/oxl domid web 2>/dev/null) && [ "$web_id" != "$1" ]
}

check_backends() {
    err=""
    for m in xen-blkback xen-netback; do
        modprobe "$m" 2>/tmp/modprobe.err || err="$err $m($(head -n 1 /tmp/modprobe.err))"
    done
    [ -z "$err" ]
    report backends $? "${err:-xen-blkback and xen-netback loaded}"
}

check_cpus() {
    want=$(arg vcpus "")
    online=$(cat /sys/devices/system/cpu/online 2>/dev/null)
    n=$(count_cpus "$online")
    np=$(nproc 2>/dev/null)
    [ -n "$want" ] && [ "$n" = "$want" ] && [ "$np" = "$want" ]
    report cpus $? "want=${want:-unset} online='$online' ($n) nproc=$np"
}

# The harness compares DATE with its own clock when the line arrives; this
# is only a sanity bound against the host time at QEMU's start.
check_date() {
    d=$(date +%s)
    echo "DATE $d"
    h=$(arg hosttime 0)
    [ "$h" -gt 0 ] && [ "$d" -ge $((h - 5)) ] && [ "$d" -le $((h + 3600)) ]
    report date $? "guest=$d hosttime_at_qemu_start=$h"
}

# check_disk NAME SUM MIB DRIVER...: read the first MIB MiB of the disk
# behind DRIVER twice: timed with O_DIRECT, then through sha256sum.
check_disk() {
    name=$1 want=$2 mib=$3
    shift 3
    wait_for 20 disk_by_driver "$@"
    found=$(disk_by_driver "$@")
    if [ -z "$found" ]; then
        report "$name" 1 "no disk behind driver(s) $* in /sys/block"
        return
    fi
    dev=${found% *} drv=${found#* }
    t0=$(now_us)
    dd if="/dev/$dev" of=/dev/null bs=1M count="$mib" iflag=direct 2>/tmp/dd.err
    rc=$?
    t1=$(now_us)
    [ "$rc" -eq 0 ] && echo "BENCH $name dev=$dev driver=$drv mib=$mib us=$((t1 - t0))"
    got=$(dd if="/dev/$dev" bs=1M count="$mib" 2>/dev/null | sha256sum | cut -d' ' -f1)
    [ "$rc" -eq 0 ] && [ -n "$want" ] && [ "$got" = "$want" ]
    report "$name" $? "/dev/$dev ($drv) first $mib MiB sha256=$got want=${want:-unset} dd_rc=$rc $(tail -n 1 /tmp/dd.err)"
}

# kB in a sysfs/proc file (0 when unreadable).
kb_of() {
    v=$(cat "$1" 2>/dev/null)
    echo "${v:-0}"
}

# wait_kb FILE OP KB SECONDS: until FILE's number OP KB (test(1) -le/-ge).
wait_kb() {
    n=0
    while [ "$n" -lt "$4" ]; do
        [ "$(kb_of "$1")" "$2" "$3" ] && return 0
        sleep 1
        n=$((n + 1))
    done
    return 1
}

# Ballooning through Linux's xen balloon driver: the target goes 64 MiB
# down (dom0 gives the pages back with XENMEM_decrease_reservation), the
# current size must follow; then back up (XENMEM_populate_physmap, the
# same frames: dom0 is 1:1). Afterwards dom0 must still work: 96 MiB
# written to and read back from its RAM-backed /tmp, and the virtio disk
# read again with the same checksum (its DMA goes to guest-physical
# addresses, so refilled pages at other frames would corrupt it).
check_balloon() {
    b=/sys/devices/system/xen_memory/xen_memory0
    if [ ! -w "$b/target_kb" ]; then
        report balloon 1 "no $b/target_kb: no xen balloon driver"
        return
    fi
    t0=$(kb_of "$b/target_kb") c0=$(kb_of "$b/info/current_kb")
    m0=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)
    low=$((t0 - 65536))
    echo "$low" > "$b/target_kb"
    wait_kb "$b/info/current_kb" -le "$low" 90
    down=$?
    c1=$(kb_of "$b/info/current_kb") m1=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)
    echo "$t0" > "$b/target_kb"
    wait_kb "$b/info/current_kb" -ge "$t0" 90
    up=$?
    c2=$(kb_of "$b/info/current_kb") m2=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)
    dd if=/dev/zero bs=1M count=96 2>/dev/null | tr '\000' 'U' > /tmp/fill
    fill=$(sha256sum < /tmp/fill | cut -d' ' -f1)
    want_fill=$(dd if=/dev/zero bs=1M count=96 2>/dev/null | tr '\000' 'U' | sha256sum | cut -d' ' -f1)
    rm -f /tmp/fill
    found=$(disk_by_driver virtio_blk)
    dev=${found% *} mib=$(arg diskmib 64) want=$(arg disksum "")
    disk=$(dd if="/dev/$dev" bs=1M count="$mib" 2>/dev/null | sha256sum | cut -d' ' -f1)
    [ "$down" -eq 0 ] && [ "$up" -eq 0 ] && [ "$fill" = "$want_fill" ] &&
        [ -n "$want" ] && [ "$disk" = "$want" ] && [ "$m1" -lt "$m0" ]
    report balloon $? "target ${t0}kB: current ${c0} -> ${c1} (down=$down) -> ${c2} (up=$up), MemTotal $m0 -> $m1 -> $m2; /tmp 96 MiB $( [ "$fill" = "$want_fill" ] && echo ok || echo BAD); /dev/$dev sha256=$disk want=${want:-unset}"
}

# Interface up with its address; then ping the peer and fetch its blob.
check_net() {
    name=$1 drv=$2 ip=$3 peer=$4 want=$5
    nic=$(nic_by_driver "$drv")
    if [ -z "$nic" ]; then
        report "net-$name" 1 "no interface bound to $drv"
        return
    fi
    ip link set "$nic" up
    ip addr add "$ip/24" dev "$nic"
    wait_for 10 grep -qx 1 "/sys/class/net/$nic/carrier"
    if ! ping -c 3 -W 2 -w 20 "$peer" > /tmp/ping.out 2>&1; then
        report "net-$name" 1 "$nic ($drv) $ip: ping $peer: $(tail -n 1 /tmp/ping.out)"
        return
    fi
    rtt=$(sed -n 's,.*min/avg/max = ,,p' /tmp/ping.out)
    t0=$(now_us)
    timeout 120 wget -q -O /tmp/blob "http://$peer/blob" 2>/tmp/wget.err
    rc=$?
    t1=$(now_us)
    size=$(wc -c < /tmp/blob 2>/dev/null || echo 0)
    [ "$rc" -eq 0 ] && echo "BENCH net-$name nic=$nic driver=$drv bytes=$size us=$((t1 - t0))"
    got=$(sha256sum /tmp/blob 2>/dev/null | cut -d' ' -f1)
    rm -f /tmp/blob
    [ "$rc" -eq 0 ] && [ -n "$want" ] && [ "$got" = "$want" ]
    report "net-$name" $? "$nic ($drv) $ip -> $peer rtt=$rtt wget_rc=$rc $(head -n 1 /tmp/wget.err) bytes=$size sha256=$got want=${want:-unset}"
}

# irq_of LABEL-REGEX FILE: "chip count" summed over the /proc/interrupts
# lines (saved in FILE) whose device names match LABEL-REGEX.
irq_of() {
    RE=$1 awk '
        NR == 1 { ncpu = NF; next }
        {
            names = ""
            for (i = ncpu + 4; i <= NF; i++) names = names " " $i
            if (names !~ ENVIRON["RE"]) next
            for (i = 2; i <= ncpu + 1; i++) n += $i
            chip = $(ncpu + 2)
        }
        END { print (chip == "" ? "none" : chip), n + 0 }' "$2"
}

# The devices whose interrupts irq-counts follows: "what label-regex".
irq_devices() {
    for spec in "net-virtio virtio_net" "disk-virtio virtio_blk"; do
        set -- $spec
        for n in /sys/bus/virtio/drivers/$2/virtio*; do
            [ -e "$n" ] && echo "$1 [ ,]${n##*/}(-[a-z]+(\\.[0-9]+)?)?(,|\$)"
        done
    done
    nic=$(nic_by_driver e1000) && echo "net-e1000 [ ,]$nic(,|\$)"
    for d in ahci ata_piix; do
        [ -d "/sys/bus/pci/drivers/$d" ] && ls /sys/bus/pci/drivers/$d | grep -q : &&
            echo "disk-$d [ ,]$d(\\[[^]]*\\])?(,|\$)"
    done
}

check_irqs() {
    cat /proc/interrupts > /tmp/irq.after
    intx=1 msi=1 detail=""
    irq_devices > /tmp/irq.devs
    while read -r what re; do
        set -- $(irq_of "$re" /tmp/irq.before)
        b=$2
        set -- $(irq_of "$re" /tmp/irq.after)
        chip=$1 a=$2
        detail="$detail $what:$chip:$b->$a"
        [ "$a" -gt "$b" ] || continue
        case "$chip" in
        *[Mm][Ss][Ii]*) msi=0 ;;
        none) ;;
        *) intx=0 ;;
        esac
    done < /tmp/irq.devs
    [ "$intx" -eq 0 ] && [ "$msi" -eq 0 ]
    report irq-counts $? "intx_grew=$((1 - intx)) msi_grew=$((1 - msi))$detail"
}

check_dmesg() {
    allow=$DMESG_ALLOW
    extra=$(arg dmesgallow "")
    [ -n "$extra" ] && allow="${allow:+$allow|}$extra"
    dmesg > /tmp/dmesg 2>&1
    grep -E "$DMESG_BAD" /tmp/dmesg > /tmp/dmesg.bad
    if [ -n "$allow" ]; then
        grep -vE "$allow" /tmp/dmesg.bad > /tmp/dmesg.bad2
        mv /tmp/dmesg.bad2 /tmp/dmesg.bad
    fi
    n=$(wc -l < /tmp/dmesg.bad)
    sed 's/^/DMESG-BAD /' /tmp/dmesg.bad | head -n 20
    [ "$n" -eq 0 ]
    report dmesg-clean $? "$n offending line(s)$( [ "$n" -gt 0 ] && echo ", first: $(head -n 1 /tmp/dmesg.bad)")"
}

# The lifecycle checks (check_oxl_create calls some, check_micro).
. /lib/oryx-life.sh
# The split-device checks (after the NIC checks: xenbr0 takes the virtio NIC).
. /lib/oryx-devices.sh

echo "ORYX-DOM0-INIT uptime_cs=$(uptime_cs) kernel=$(uname -r)"
load_drivers
check_xen_caps
check_xen_devs
# mkguest binds VIRQ_DOM_EXC itself: before oryxd, which keeps it.
check_build
check_xenstore
# As soon as oryxd runs: its 66 MiB ELF file is bench_elf's alone, and
# oxl's unpack cache and the device checks need that room in dom0's tmpfs.
bench_elf
rm -f /boot/vmlinux
check_grants
check_oxl_create
check_micro
check_backends
check_cpus
check_date
cat /proc/interrupts > /tmp/irq.before
check_disk disk-virtio "$(arg disksum "")" "$(arg diskmib 64)" virtio_blk
check_disk disk-sata "$(arg satasum "")" "$(arg satamib 16)" ahci ata_piix
netsum=$(arg netsum "")
for n in $NETS; do
    IFS=: read -r name drv ip peer <<EOF
$n
EOF
    check_net "$name" "$drv" "$ip" "$peer" "$netsum"
done
check_devices
check_balloon
check_irqs
check_dmesg
echo "ORYX-DOM0-DONE uptime_cs=$(uptime_cs)"
if [ "$(arg end poweroff)" = shell ]; then
    setsid cttyhack sh -l || sh
fi
sync
poweroff -f
echo "ORYX-DOM0-POWEROFF-FAILED"
while :; do sleep 60; done
