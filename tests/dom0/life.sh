# Sourced by init.sh: the toolstack's lifecycle checks beside the "web"
# guest of check_oxl_create (which calls them), and those with the
# micro-guests in /guests (Oryx's test guests: ELF, PVH, a few MiB; they
# never connect a console or a store).
#   oxl-rename         rename web (store and hypervisor follow), a taken,
#                      an invalid name, an unknown domain, dom0, a
#                      boot-time domain
#   oxl-three-guests   two more Linux guests beside web, each vCPU count
#                      and memory size different, all reach their init,
#                      oxl list shows each one's Mem and VCPUs
#   oxl-crash-restart  sysrq c to one of them, on_crash=restart: Linux
#                      panics, the hypervisor reports the crash, oryxd
#                      builds it again (new id, same name, its init again)
#   oxl-silent-guest   a guest that never connects is created and listed
#   oxl-coredump       on_crash=coredump-destroy: a core file, no domain;
#                      its headers go to the console (COREHDR) for the
#                      harness's readelf
#   oxl-dump-core      oxl dump-core of a running guest, which goes on
#   oxl-loop           20 create/destroy leave free memory, oryxd's
#                      mappings and RSS and the store's size as they were

MICRO_CHECKS="oxl-silent-guest oxl-coredump oxl-dump-core oxl-loop"

# A Linux guest beside web: life_guest NAME MEMORY VCPUS. Debian's
# kernel takes only some sysrq keys (kernel.sysrq=438: not c) unless
# sysrq_always_enabled; with panic=1 a panic ends in a reset the
# hypervisor sees, where Linux would otherwise wait forever.
life_guest() {
    /bin/oxl create -q /etc/oryx/web.cfg name=\""$1"\" memory="$2" vcpus="$3" 'on_crash="restart"' \
        'cmdline="console=hvc0 quiet sysrq_always_enabled panic=1"' \
        > "/tmp/create-$1.out" 2>&1
}

# Started while web runs; life_trio_check looks at them later.
life_trio_start() {
    rm -f /var/log/oryx/guest-trio1.log /var/log/oryx/guest-trio3.log
    life_guest trio1 96 1 &
    TRIO1=$!
    life_guest trio3 160 3 &
    TRIO3=$!
}

# "Mem VCPUs" of NAME in oxl list.
mem_vcpus() {
    /bin/oxl list 2>/dev/null | awk -v n="$1" '$1 == n { print $3 " " $4 }'
}

life_trio_check() {
    wait "$TRIO1"
    trc1=$?
    wait "$TRIO3"
    trc3=$?
    wait_for 150 inits 1 /var/log/oryx/guest-trio1.log
    wait_for 60 inits 1 /var/log/oryx/guest-trio3.log
    i1=$(grep -c ORYX-INIT-OK /var/log/oryx/guest-trio1.log 2>/dev/null)
    i3=$(grep -c ORYX-INIT-OK /var/log/oryx/guest-trio3.log 2>/dev/null)
    iw=$(grep -c ORYX-INIT-OK /var/log/oryx/guest-web.log 2>/dev/null)
    /bin/oxl list > /tmp/trio.list 2>&1
    w=$(mem_vcpus web) a=$(mem_vcpus trio1) b=$(mem_vcpus trio3)
    /bin/oxl destroy trio3 2>/dev/null
    [ "$trc1" = 0 ] && [ "$trc3" = 0 ] && [ "${i1:-0}" -ge 1 ] && [ "${i3:-0}" -ge 1 ] &&
        [ "${iw:-0}" -ge 1 ] && [ "$w" = "128 2" ] && [ "$a" = "96 1" ] && [ "$b" = "160 3" ]
    report oxl-three-guests $? "create rc $trc1 $trc3 ($(head -c 100 /tmp/create-trio1.out) $(head -c 100 /tmp/create-trio3.out)); inits web $iw trio1 $i1 trio3 $i3; Mem VCPUs: web '$w' trio1 '$a' trio3 '$b'; $(tr '\n' '|' < /tmp/trio.list | head -c 300)"
}

life_crash_start() {
    crash_id=$(/bin/oxl domid trio1 2>/dev/null)
    /bin/oxl sysrq trio1 c > /tmp/crash.out 2>&1
    crash_rc=$?
}

new_trio1() {
    t=$(/bin/oxl domid trio1 2>/dev/null) && [ "$t" != "$1" ]
}

life_crash_check() {
    wait_for 60 new_trio1 "$crash_id"
    nid=$(/bin/oxl domid trio1 2>/dev/null)
    wait_for 150 inits 2 /var/log/oryx/guest-trio1.log
    n=$(grep -c ORYX-INIT-OK /var/log/oryx/guest-trio1.log)
    why=$(/bin/oxl dmesg | grep -a -m 1 -E "\(d$crash_id\) trio1: (shutdown: crash|CRASHED)")
    /bin/oxl destroy trio1 2>/dev/null
    [ "$crash_rc" = 0 ] && [ -n "$why" ] && [ -n "$nid" ] && [ "$nid" != "$crash_id" ] &&
        [ "$n" -ge 2 ] && [ -z "$(xs ls "/local/domain/$crash_id" 2>/dev/null)" ]
    report oxl-crash-restart $? "sysrq rc $crash_rc ($(head -c 80 /tmp/crash.out)); hypervisor: '$why'; id $crash_id -> '$nid'; inits in its log: $n; console: $(grep -a -m 1 -E 'sysrq: Trigger a crash|Kernel panic' /var/log/oryx/guest-trio1.log | sed 's/[^[:print:]]//g' | head -c 100)"
}

# oxl rename: of web (id $1) and back, and what it refuses.
life_rename() {
    id=$1 bs=$(arg domu beside)
    uuid=$(xs read "/local/domain/$id/vm" 2>/dev/null)
    /bin/oxl rename web webbed 2>/tmp/rename.err
    r1=$?
    nid=$(/bin/oxl domid webbed 2>/dev/null)
    sn=$(xs read "/local/domain/$id/name" 2>&1)
    vn=$(xs read "$uuid/name" 2>&1)
    gone=$(/bin/oxl domid web 2>/dev/null)
    /bin/oxl rename webbed "$bs" 2>/tmp/rename-taken.err
    r2=$?
    /bin/oxl rename webbed 'bad/name' 2>/tmp/rename-bad.err
    r3=$?
    /bin/oxl rename nosuch other 2>/tmp/rename-none.err
    r4=$?
    /bin/oxl rename Domain-0 other 2>/tmp/rename-0.err
    r5=$?
    /bin/oxl rename "$id" web 2>>/tmp/rename.err
    r6=$?
    back=$(xs read "/local/domain/$id/name" 2>&1)
    # A boot-time domain: only the hypervisor knows its name.
    /bin/oxl rename "$bs" "$bs-2" 2>>/tmp/rename.err
    r7=$?
    bn=$(/bin/oxl domname 1 2>/dev/null)    # boot-time domains: ids in module order
    /bin/oxl rename "$bs-2" "$bs" 2>>/tmp/rename.err
    r8=$?
    errs=$(cat /tmp/rename-taken.err /tmp/rename-bad.err /tmp/rename-none.err /tmp/rename-0.err | wc -l)
    [ "$r1$r2$r3$r4$r5$r6$r7$r8" = 01111000 ] && [ "$nid" = "$id" ] && [ "$sn" = webbed ] &&
        [ "$vn" = webbed ] && [ -z "$gone" ] && [ "$back" = web ] && [ "$bn" = "$bs-2" ] &&
        [ "$errs" = 4 ] && [ "$(/bin/oxl domid "$bs" 2>/dev/null)" = 1 ]
    report oxl-rename $? "rc $r1$r2$r3$r4$r5$r6$r7$r8 (want 01111000); webbed is $nid (web $id), store '$sn', /vm '$vn', web left: '$gone', back: '$back'; boot-time $bs -> '$bn'; refusals: $(cat /tmp/rename-taken.err /tmp/rename-bad.err /tmp/rename-none.err /tmp/rename-0.err | tr '\n' '|' | head -c 400) $(head -c 100 /tmp/rename.err)"
}

# Memory, mappings and store size, for the create/destroy loop.
free_mib() {
    /bin/oxl info free_memory 2>/dev/null
}
oryxd_maps() {
    grep -cE 'gntdev|privcmd' "/proc/$ORYXD_PID/maps"
}
# kB: VmRSS; RssAnon (its heap) is what a leak grows, the store's LMDB
# file pages are RssFile.
oryxd_rss() {
    awk "/^$1:/ { print \$2 }" "/proc/$ORYXD_PID/status"
}
store_nodes() {
    xs ls / 2>/dev/null | wc -l
}
free_is() {
    [ "$(free_mib)" = "$1" ]
}
snapshot() {
    echo "$(free_mib) $(oryxd_maps) $(store_nodes) $(ls /var/lib/oryx | wc -l)"
}

# le16/le64 FILE OFFSET: a little-endian number of the core file.
le16() {
    od -A n -t u2 -j "$2" -N 2 "$1" | tr -d ' '
}
le64() {
    od -A n -t u8 -j "$2" -N 8 "$1" | tr -d ' '
}

# The ELF header's word and the PT_LOADs' sizes: "TYPE PHNUM LOADS BYTES".
core_summary() {
    f=$1 phoff=$(le64 "$1" 32) n=$(le16 "$1" 56) loads=0 bytes=0 i=0
    while [ "$i" -lt "${n:-0}" ]; do
        p=$((phoff + i * 56))
        if [ "$(od -A n -t u4 -j "$p" -N 4 "$f" | tr -d ' ')" = 1 ]; then
            loads=$((loads + 1))
            bytes=$((bytes + $(le64 "$f" $((p + 40)))))
        fi
        i=$((i + 1))
    done
    echo "$(le16 "$f" 16) $n $loads $bytes"
}

# micro_cfg NAME GUEST CMDLINE MEMORY [LINE]: /tmp/NAME.cfg.
micro_cfg() {
    printf 'name = "%s"\nkernel = "/guests/%s.elf"\ncmdline = "%s"\nmemory = %s\n%s\n' \
        "$1" "$2" "$3" "$4" "$5" > "/tmp/$1.cfg"
}

core_there() {
    ls /var/lib/oryx/dump/crashy-*.core
}

check_micro() {
    if [ ! -f /guests/progress.elf ] || ! kill -0 "$ORYXD_PID" 2>/dev/null; then
        for c in $MICRO_CHECKS; do report "$c" 1 "no /guests/progress.elf or no oryxd"; done
        return
    fi
    micro_cfg silent progress "block steps=100000 ms=1000" 4
    micro_cfg crashy shutdown-reason "reason=crash" 6 'on_crash = "coredump-destroy"'

    # A guest that never maps its store or console ring.
    /bin/oxl create -q /tmp/silent.cfg > /tmp/silent.out 2>&1
    src=$?
    usleep 500000
    row=$(/bin/oxl list silent 2>/dev/null | awk '$1 == "silent" { print $3 " " $4 " " $5 }')
    sid=$(/bin/oxl domid silent 2>/dev/null)
    name=$(xs read "/local/domain/$sid/name" 2>&1)
    [ "$src" = 0 ] && [ -n "$row" ] && [ "$name" = silent ]
    report oxl-silent-guest $? "rc $src ($(head -c 120 /tmp/silent.out)); listed: '$row'; store name '$name'"

    # oxl dump-core of it while it runs: a whole file, and it goes on.
    /bin/oxl dump-core silent /tmp/silent.core 2>/tmp/dump.err
    drc=$?
    s1=$(core_summary /tmp/silent.core 2>/dev/null)
    st=$(/bin/oxl list silent 2>/dev/null | awk '$1 == "silent" { print $5 }')
    /bin/oxl dump-core silent /nonexistent/dir/x.core 2>/tmp/dump2.err
    drc2=$?
    /bin/oxl dump-core nosuch /tmp/x.core 2>>/tmp/dump2.err
    drc3=$?
    left=$(ls /tmp/silent.core.* /nonexistent/dir 2>/dev/null | wc -l)
    rm -f /tmp/silent.core
    [ "$drc" = 0 ] && [ "$s1" = "4 2 1 4194304" ] && [ "$drc2" = 1 ] && [ "$drc3" = 1 ] &&
        [ "$left" = 0 ] && case "$st" in *p*) false ;; *) true ;; esac
    report oxl-dump-core $? "rc $drc: type phnum loads bytes '$s1' (want '4 2 1 4194304'), state after '$st'; unwritable rc $drc2, unknown rc $drc3: $(tr '\n' '|' < /tmp/dump2.err | head -c 200); temporaries left $left $(head -c 100 /tmp/dump.err)"
    /bin/oxl destroy silent 2>/dev/null

    # on_crash=coredump-destroy: it crashes at once; oryxd writes the core.
    rm -rf /var/lib/oryx/dump
    /bin/oxl create -q /tmp/crashy.cfg > /tmp/crashy.out 2>&1
    crc=$?
    wait_for 30 core_there
    usleep 500000
    core=$(ls /var/lib/oryx/dump/crashy-*.core 2>/dev/null | head -n 1)
    s2=$(core_summary "$core" 2>/dev/null)
    listed=$(/bin/oxl list | awk '$1 == "crashy"')
    tmps=$(ls /var/lib/oryx/dump | grep -vc '\.core$')
    if [ -n "$core" ]; then
        # Headers and the program headers for the harness's readelf -l.
        echo "COREHDR $(od -A n -t x1 -v -N 512 "$core" | tr -d ' \n')"
    fi
    [ "$crc" = 0 ] && [ "$s2" = "4 2 1 6291456" ] && [ -z "$listed" ] && [ "$tmps" = 0 ]
    report oxl-coredump $? "create rc $crc; core '$core': type phnum loads bytes '$s2' (want '4 2 1 6291456'); listed after: '$listed'; other files in dump/: $tmps; oryxd: $(grep crashy /tmp/oryxd.log | tail -n 1 | head -c 120)$(grep 'core' /tmp/oryxd.log | tail -n 1 | head -c 160)"
    rm -f "$core"

    # 20 creates and destroys, after one to warm up, leave everything as
    # it was: the hypervisor's free memory, oryxd's foreign and grant
    # mappings and its RSS, the store's node count, the saved configs.
    /bin/oxl create -q /tmp/silent.cfg > /dev/null 2>&1
    /bin/oxl destroy silent 2>/dev/null
    usleep 500000
    b=$(snapshot) rss0=$(oryxd_rss VmRSS) anon0=$(oryxd_rss RssAnon)
    t0=$(now_us)
    n=0 bad=0 live=""
    while [ "$n" -lt 20 ]; do
        /bin/oxl create -q /tmp/silent.cfg > /tmp/loop.out 2>&1 || bad=$((bad + 1))
        # While one lives oryxd maps its two rings: the count is not vacuous.
        [ "$n" = 0 ] && live=$(oryxd_maps)
        /bin/oxl destroy silent 2>>/tmp/loop.out || bad=$((bad + 1))
        n=$((n + 1))
    done
    t1=$(now_us)
    echo "BENCH oxl-loop rounds=20 us=$((t1 - t0))"
    wait_for 10 free_is "${b%% *}"
    usleep 500000
    a=$(snapshot) rss1=$(oryxd_rss VmRSS) anon1=$(oryxd_rss RssAnon)
    [ "$bad" = 0 ] && [ "$a" = "$b" ] && [ "$anon1" -le $((anon0 + 64)) ] && [ "${live:-0}" -ge 2 ]
    report oxl-loop $? "20 rounds in $(((t1 - t0) / 1000)) ms, $bad failed ($(head -c 100 /tmp/loop.out)); free MiB, oryxd maps, store nodes, saved configs: '$b' -> '$a' (oryxd maps with one guest: $live); oryxd RssAnon $anon0 -> $anon1 kB, VmRSS $rss0 -> $rss1 kB"
}
