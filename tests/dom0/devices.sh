# Split devices in dom0 (sourced by init.sh as /lib/oryx-devices.sh,
# after its own network checks): Debian's blkback and netback serve a
# guest's Debian blkfront and netfront, wired by oxl (libxdev).
#
#   bridge-setup     oxl bridge-setup puts the virtio NIC on xenbr0 and
#                    moves its address: dom0 still reaches the peer
#   dev-refused      a missing file, a directory, an unsupported format, a
#                    vdev used twice, a missing bridge: create fails
#                    naming it, and leaves no domain, loop device, vif or
#                    store entry
#   dev-wallclock    dom0 steps its clock 1000 s ahead (Linux then sets
#                    the hypervisor's, XENPF_settime64): "dev" boots with it
#   dev-create       guest "dev": a 64 MiB file (xvda, rw), dom0's virtio
#                    disk as phy: (xvdb, ro), a vif on xenbr0; block-list
#                    and network-list show them connected
#   dev-disk-read    the guest reads both disks: the checksums dom0 knows
#   dev-disk-ro      a write to the read-only disk fails in the guest
#   dev-disk-write   64 MiB written through blkfront: the guest reads them
#                    back, and dom0 finds them in the file
#   dev-net          guest -> dom0 and -> the peer (through xenbr0 and the
#                    NIC) ping, and a 16 MiB fetch from each with the
#                    right checksum
#   dev-share        a second guest may not have the writable image too
#   dev-guest-net    a second guest on xenbr0 pings the first and fetches
#                    8 MiB from it (TCP guest to guest through dom0's
#                    bridge) with the right checksum
#   dev-vif-rate     dev3's second vif has rate=2MB/s: dom0 fetches the
#                    8 MiB back from it there, no faster than that
#                    (netback's credit limit on what the guest sends)
#   dev-hotplug      block-attach/-detach and network-attach/-detach while
#                    it runs: its kernel sees each device come and go
#   dev-qcow2        the hot-plugged xvdc is a qcow2 image (served by
#                    qemu-nbd): the guest writes 8 MiB to it and reads
#                    them back; after the detach no NBD device or qemu-nbd
#                    is left, the file is still qcow2, and qemu-nbd in
#                    dom0 reads the guest's bytes out of it
#   dev-lvm          (q35 only) an LVM logical volume (a volume group on dom0's
#                    SATA disk) hot-plugged as xvdd: the guest writes 64 MiB
#                    to it and reads them back, dom0 reads them out of the
#                    volume; after the detach the volume group goes
#   dev-hostile      (q35 only) guest "hostile" runs tests/dom0/hostile-front.c, a
#                    frontend of its own against blkback and netback:
#                    nonsense in its device nodes (4 vbds, its first vif),
#                    then on a connected ring bad requests between good
#                    ones, and a producer index far ahead; on its second
#                    vif's transmit ring bad grefs and a runt between good
#                    frames, then a piece crossing its page, after which
#                    netback disables that vif. Every bad request
#                    gets an error, every bad device stays unconnected
#                    with the back end's error named, the disk holds only
#                    the good write, dev keeps running; destroyed, it
#                    leaves nothing
#   dev-destroy      destroyed during disk and network I/O: no loop
#                    device, vif, backend or store entry is left, and the
#                    hypervisor's free memory is back (no grant mapping
#                    of dom0's held the guest's pages)
#   dev-destroy-rounds  more such rounds (9 on q35, 2 on pc), the guest busy on a raw
#                    disk, a qcow2 disk and its vif: nothing left, no NBD
#                    device or qemu-nbd either
#   dev-rootdisk     a guest booting from an ext4 root on its qcow2 xvda
#                    (guests/linux-rootfs) writes a file, reboots, reads
#                    it back and powers off; its NBD device goes with it
DEV_CHECKS="bridge-setup dev-refused dev-wallclock dev-create dev-disk-read dev-disk-ro dev-disk-write dev-net dev-share dev-guest-net dev-vif-rate dev-hotplug dev-qcow2 dev-lvm dev-hostile dev-destroy dev-destroy-rounds dev-rootdisk"
DEV_LOG=/var/log/oryx/guest-dev.log
DEV_IP=10.0.1.3

# Loop devices bound to a file.
loops_used() {
    cat /sys/block/loop*/loop/backing_file 2>/dev/null | wc -l
}
# NBD devices connected, and qemu-nbd servers running.
xs_paths() {                    # every store path, sorted (what a check left)
    xs ls -f / 2>/dev/null | sed "s/ = .*//" | sort
}
nbds_used() {
    ls /sys/block/nbd*/pid 2>/dev/null | wc -l
}
nbd_servers() {
    pidof qemu-nbd | wc -w
}
rootdisk_gone() {
    ! /bin/oxl domid rootdisk > /dev/null 2>&1 && [ "$(nbds_used)" = 0 ] && [ "$(nbd_servers)" = 0 ]
}
nbd_released() {
    [ "$(nbd_servers)" = 0 ] && [ "$(nbds_used)" = 0 ]
}
vifs_up() {
    ls /sys/class/net | grep -c '^vif'
}
backends_of() {
    for k in vbd vif; do xs ls "/local/domain/0/backend/$k/$1" 2>/dev/null; done | wc -l
}
guestdev() {                    # guestdev WHAT: its line's detail, printable
    grep -a "GUESTDEV $1" "$DEV_LOG" | head -n 1 | sed "s/.*GUESTDEV $1 *//; s/[^[:print:]]//g"
}
guestdev_seen() {
    grep -aq "GUESTDEV $1" "$DEV_LOG"
}
dev_gone() {
    ! /bin/oxl list | awk '$1 == "dev"' | grep -q . && [ "$(loops_used)" = 0 ] && [ "$(vifs_up)" = 0 ] &&
        [ "$(nbds_used)" = 0 ]
}

# What the guest and dom0's back-ends said, when a step did not come.
dev_diag() {
    tail -n 25 "$DEV_LOG" | sed 's/[^[:print:]]//g; s/^/DEVDIAG guest: /'
    dmesg | grep -i 'blkback\|netback\|xen\|vif\|loop' | tail -n 15 | sed 's/^/DEVDIAG dom0: /'
}

# dev-lvm (guest "dev" waits for xvdd after its hot-plug steps). $1: the
# sum of the 64 MiB it copies there (its xvdb).
check_lvm() {
    echo "DEVSTEP lvm"
    lb=""
    modprobe dm-mod 2>/dev/null
    mkdir -p /run/lock/lvm /run/lvm
    # The physical volume: dom0's SATA disk (96 MiB; disk-sata read its
    # first 16 MiB at boot; QEMU keeps the writes in a snapshot).
    pvl=/dev/$(disk_by_driver ahci ata_piix | cut -d' ' -f1)
    [ -b "$pvl" ] || lb="no SATA disk ($pvl)"
    if [ -z "$lb" ]; then
        { lvm pvcreate -q -y -ff "$pvl" && lvm vgcreate -q oryxvg "$pvl" &&
            lvm lvcreate -q -L 64M -n lv0 oryxvg; } > /tmp/lvm.out 2>&1 ||
            lb="lvm: $(grep -v WARNING /tmp/lvm.out | tail -n 1 | head -c 120)"
    fi
    lv=/dev/oryxvg/lv0
    [ -n "$lb" ] || [ -b "$lv" ] || lb="no $lv ($(ls /dev/mapper | tr '\n' ' '))"
    if [ -z "$lb" ]; then
        timeout 90 /bin/oxl block-attach dev "phy:$lv,xvdd,w" > /tmp/lvm.out 2>&1 ||
            lb="block-attach: $(head -c 100 /tmp/lvm.out)"
        wait_for 120 guestdev_seen xvdd-written || lb="$lb; the guest never wrote xvdd"
        listed=$(/bin/oxl block-list dev | awk '$1 == 51760 && $4 == 4' | wc -l)
        timeout 90 /bin/oxl block-detach dev xvdd > /tmp/lvm.out 2>&1 ||
            lb="$lb; block-detach: $(head -c 100 /tmp/lvm.out)"
        wait_for 60 guestdev_seen xvdd-gone || lb="$lb; xvdd not gone"
    fi
    gw=$(guestdev xvdd-written)
    back=$(dd if="$lv" bs=1M count=64 2>/dev/null | sha256sum | cut -d' ' -f1)
    { lvm vgremove -q -f oryxvg && lvm pvremove -q "$pvl"; } > /tmp/lvm.out 2>&1 ||
        lb="$lb; vgremove: $(tail -n 1 /tmp/lvm.out | head -c 100)"
    case "$gw" in "rc=0 $1 131072 sectors") true ;; *) false ;; esac && [ -z "$lb" ] && [ "$back" = "$1" ] &&
        [ "$listed" = 1 ] && [ "$(loops_used)" = 1 ] && [ ! -e /dev/mapper/oryxvg-lv0 ]
    report dev-lvm $? "${lb:-attached, written, detached}; guest: '$gw'; want rc=0 $1 131072 sectors; listed connected $listed; dom0 reads back $back; loops $(loops_used), mapper '$(ls /dev/mapper | grep -v control | tr '\n' ' ')' after vgremove"
}

# The cases hostile-front reports, each "HOSTILE <case> PASS|FAIL detail".
HOSTILE_CASES="setup store-nonsense ring-page-order ring-ref-unowned event-channel-unbound vif-nonsense ring-connect good-read bad-op sector-beyond sector-straddles no-segments too-many-segments first-after-last last-beyond-page gref-beyond-table gref-other-domain read-into-ro-grant ro-grant-untouched write-beyond write-straddles indirect-too-many indirect-bad-gref good-write prod-far-ahead vif-connect net-good-frame net-gref-beyond-table net-gref-other-domain net-runt net-good-again net-cross-page net-disabled"
HOSTILE_LOG=/var/log/oryx/guest-hostile.log

hostile_gone() {
    ! /bin/oxl domid hostile > /dev/null 2>&1 && [ "$(loops_used)" = 1 ] && [ "$(vifs_up)" = 1 ]
}

# dev-hostile (guest "dev" is running, busy on its disks and network).
check_hostile() {
    echo "DEVSTEP hostile"
    # xvda: 4 MiB with a marker in sector 0; what it must hold afterwards:
    # the same, but page 1 is the guest's one good write.
    dd if=/dev/zero of=/tmp/hb.img bs=1M count=4 2>/dev/null
    printf 'ORYX-HOSTILE-SECTOR-0' | dd of=/tmp/hb.img conv=notrunc 2>/dev/null
    cp /tmp/hb.img /tmp/hb.want
    yes HOSTILE-WRITE-O | head -c 4096 | dd of=/tmp/hb.want bs=4096 seek=1 conv=notrunc 2>/dev/null
    want=$(sha256sum < /tmp/hb.want | cut -d' ' -f1)
    rm -f /tmp/hb.want "$HOSTILE_LOG"
    dm0=$(dmesg | wc -l)
    disks='"/tmp/hb.img,raw,xvda,rw"'
    for d in b c d e; do
        dd if=/dev/zero of=/tmp/hs$d.img bs=1M count=1 2>/dev/null
        disks="$disks, \"/tmp/hs$d.img,raw,xvd$d,rw\""
    done
    /bin/oxl create /tmp/dev.cfg 'name="hostile"' 'memory=96' 'vcpus=1' 'vif=["bridge=xenbr0", "bridge=xenbr0"]' \
        "disk=[$disks]" 'cmdline="console=hvc0 quiet oryx.hostile"' > /tmp/hostile.out 2>&1
    hrc=$?
    hid=$(/bin/oxl domid hostile 2>/dev/null)
    # What the back ends print about its nonsense is expected in dmesg.
    DMESG_ALLOW="${DMESG_ALLOW:+$DMESG_ALLOW|}(vbd|vif)[ -]$hid-|vif$hid\.|ring processing"
    wait_for 300 grep -aq "HOSTILE done" "$HOSTILE_LOG"
    hbad=""
    for c in $HOSTILE_CASES; do
        l=$(grep -a "HOSTILE $c " "$HOSTILE_LOG" | head -n 1 | sed 's/.*HOSTILE //; s/[^[:print:]]//g')
        case "$l" in "$c PASS"*) ;; "") hbad="$hbad; $c: no result" ;; *) hbad="$hbad; $l" ;; esac
    done
    # dom0's side: each nonsense device unconnected, its error named.
    be=/local/domain/0/backend
    for v in 51728 51744 51760 51776; do
        st=$(xs read "$be/vbd/$hid/$v/state" 2>&1)
        er=$(xs read "/local/domain/0/error/backend/vbd/$hid/$v/error" 2>&1)
        [ "$st" != 4 ] && [ -n "$er" ] || hbad="$hbad; vbd $v: state $st, error '$er'"
    done
    ver=$(xs read "/local/domain/0/error/backend/vif/$hid/0/error" 2>&1)
    case "$ver" in *ring-ref*|*queues*) ;; *) hbad="$hbad; vif error '$ver'" ;; esac
    # Its second vif: the two good frames reached dom0, then netback disabled it.
    np=$(cat "/sys/class/net/vif$hid.1/statistics/rx_packets" 2>/dev/null)
    [ "${np:-0}" -ge 2 ] || hbad="$hbad; vif$hid.1 passed ${np:-no} frames to dom0, want 2"
    dmesg | grep -q "vif$hid\.1: fatal error; disabling device" ||
        hbad="$hbad; netback never disabled vif$hid.1"
    halted=$(dmesg | grep -c "ring processing")
    [ "$halted" -ge 1 ] || hbad="$hbad; blkback never halted the ring"
    ping -c 2 -W 3 "$DEV_IP" > /tmp/hping.out 2>&1 || hbad="$hbad; dev no longer answers: $(tail -n 1 /tmp/hping.out)"
    timeout 90 /bin/oxl destroy hostile > /tmp/hostile.out 2>&1 || hbad="$hbad; destroy: $(head -c 80 /tmp/hostile.out)"
    wait_for 60 hostile_gone || hbad="$hbad; left: loops $(loops_used) vifs $(vifs_up)"
    [ "$(backends_of "$hid")" = 0 ] || hbad="$hbad; backends $(backends_of "$hid") left"
    [ -z "$(xs ls /local/domain/0/error 2>/dev/null)" ] || hbad="$hbad; error nodes left"
    now=$(sha256sum < /tmp/hb.img | cut -d' ' -f1)
    [ "$now" = "$want" ] || hbad="$hbad; the disk holds $now, want $want"
    # Debian 6.1's blkback warns once per ring it failed to map or bind
    # (its WARN_ON counting free requests in xen_blkif_disconnect, which
    # the failure path freed already; Xen's users see it too). Those lines,
    # named by their time stamps, are not dmesg-clean's business.
    dmesg | sed -n "$((dm0 + 1)),\$p" > /tmp/dmesg.hostile
    bw=$(grep -c "WARNING: .*xen_blkif_disconnect" /tmp/dmesg.hostile)
    grep -E "$DMESG_BAD" /tmp/dmesg.hostile | grep -E "xen_blkif_disconnect|Modules linked in|Call Trace" |
        sed -n 's/^\[ *\([0-9]*\)\.\([0-9]*\)\].*/\\[ *\1\\.\2\\]/p' > /tmp/dmesg.hostile.ts
    ts=$(tr '\n' '|' < /tmp/dmesg.hostile.ts | sed 's/|$//')
    [ -z "$ts" ] || DMESG_ALLOW="${DMESG_ALLOW:+$DMESG_ALLOW|}$ts"
    [ "$hrc" = 0 ] && [ -z "$hbad" ]
    report dev-hostile $? "rc $hrc ($(tail -n 1 /tmp/hostile.out | head -c 80)); ${hbad:-$(echo $HOSTILE_CASES | wc -w) cases refused or served right; 4 vbds and the vif unconnected with their errors; ring halted ($halted); vif$hid.1 passed $np frames, then disabled; blkback warned $bw time(s) of its own; dev answers; nothing left; the disk holds only the good write}"
    [ -z "$hbad" ] || tail -n 30 "$HOSTILE_LOG" | sed 's/[^[:print:]]//g; s/^/HOSTILEDIAG /'
    rm -f /tmp/hb.img /tmp/hs?.img
}

check_devices() {
    if ! kill -0 "$ORYXD_PID" 2>/dev/null || [ ! -x /bin/oxl ]; then
        for c in $DEV_CHECKS; do report "$c" 1 "no oryxd or no oxl"; done
        return
    fi
    modprobe xen-blkback 2>/dev/null
    modprobe xen-netback 2>/dev/null
    nic=$(nic_by_driver virtio_net)
    /bin/oxl bridge-setup xenbr0 "$nic" > /tmp/br.out 2>&1
    brc=$?
    addr=$(ip addr show dev xenbr0 2>/dev/null | awk '/inet / { print $2 }')
    ping -c 2 -W 2 10.0.1.2 > /tmp/brping.out 2>&1
    bping=$?
    /bin/oxl bridge-setup xenbr0 "$nic" > /tmp/br2.out 2>&1
    again=$?
    [ "$brc" = 0 ] && [ "$addr" = 10.0.1.1/24 ] && [ "$bping" = 0 ] && [ "$again" = 0 ] &&
        [ -e "/sys/class/net/$nic/master" ]
    report bridge-setup $? "rc $brc: $(head -c 160 /tmp/br.out); xenbr0 has '$addr'; ping peer: $(tail -n 1 /tmp/brping.out); again: rc $again $(head -c 80 /tmp/br2.out)"

    # The disks: a 64 MiB file on dom0's tmpfs, and the virtio disk (its
    # bytes are the harness's seeded ones, sum oryx.disksum).
    vsum=$(arg disksum "")
    vdev=/dev/$(disk_by_driver virtio_blk | cut -d' ' -f1)
    # dom0 doing what the guest will do through blkback, for bench/dom0.sh:
    # the virtio disk's 64 MiB copied into the file (made first: the
    # guest's copy also overwrites a whole file), and read alone. Then
    # the file gets its own random bytes (dom0's tmpfs has no room for two).
    dd if=/dev/urandom of=/tmp/vd.img bs=1M count=64 2>/dev/null
    t0=$(now_us)
    dd if="$vdev" of=/tmp/vd.img bs=1M count=64 iflag=direct conv=notrunc 2>/dev/null
    t1=$(now_us)
    dd if="$vdev" of=/dev/null bs=1M count=64 iflag=direct 2>/dev/null
    t2=$(now_us)
    dd if=/dev/urandom of=/tmp/vd.img bs=1M count=64 conv=notrunc 2>/dev/null
    fsum=$(sha256sum < /tmp/vd.img | cut -d' ' -f1)
    echo "BENCH dev-dom0-copy mib=64 us=$((t1 - t0))"
    echo "BENCH dev-dom0-read mib=64 us=$((t2 - t1))"
    mkdir -p /tmp/www
    dd if=/dev/urandom of=/tmp/www/blob bs=1M count=16 2>/dev/null
    wsum=$(sha256sum < /tmp/www/blob | cut -d' ' -f1)
    httpd -p 8080 -h /tmp/www
    base="name = \"dev\"
type = \"pvh\"
kernel = \"/boot/vmlinuz\"
ramdisk = \"/boot/initrd.gz\"
memory = 128
vcpus = 2
cmdline = \"console=hvc0 quiet oryx.devtest=$DEV_IP\""
    printf '%s\n' "$base" > /tmp/dev.cfg

    # Refused: each leaves nothing behind.
    mkdir -p /tmp/adir
    dd if=/dev/zero of=/tmp/small.img bs=1M count=1 2>/dev/null
    # Xen's toolstack keeps the backend kinds' directories once made.
    /bin/oxl store mkdir /local/domain/0/backend/vbd /local/domain/0/backend/vif
    nodes0=$(store_nodes)
    xs_paths > /tmp/nodes0
    bad=""
    refuse() {                  # refuse WANT-IN-MESSAGE KEY=VALUE...
        want=$1
        shift
        /bin/oxl create /tmp/dev.cfg "$@" > /tmp/refused.out 2>&1 && bad="$bad; taken: $*"
        grep -q "$want" /tmp/refused.out || bad="$bad; $* said: $(tail -n 1 /tmp/refused.out | head -c 120)"
    }
    refuse "/tmp/nosuch.img': No such file" 'disk=["/tmp/nosuch.img,raw,xvda,rw"]'
    refuse "is a directory" 'disk=["/tmp/adir,raw,xvda,rw"]'
    refuse "qemu-nbd cannot serve '/tmp/small.img' as vpc" 'disk=["/tmp/small.img,vhd,xvda,rw"]'
    refuse "used by two disks" 'disk=["/tmp/small.img,raw,xvda,rw", "/tmp/vd.img,raw,xvda,rw"]'
    refuse "bridge nosuchbr does not exist" 'disk=["/tmp/small.img,raw,xvda,rw"]' 'vif=["bridge=nosuchbr"]'
    refuse "not a disk name" 'disk=["/tmp/small.img,raw,vda,rw"]'
    left="listed '$(/bin/oxl list | awk '$1 == "dev"')' loops $(loops_used) nbds $(nbds_used) vifs $(vifs_up) store nodes $nodes0 -> $(store_nodes)"
    [ -z "$bad" ] && dev_gone && [ "$(store_nodes)" = "$nodes0" ]
    report dev-refused $? "${bad:-all six refused}; left: $left$(xs_paths | diff /tmp/nodes0 - | grep '^+/' | head -n 8 | tr '\n' ' ')"

    free0=$(free_mib)
    # The wall clock a guest boots with is the one dom0 last set (Linux
    # sets the hypervisor's with XENPF_settime64 when its own steps): dom0
    # goes 1000 s ahead until this guest told its date.
    date -s "@$(($(date +%s) + 1000))" > /dev/null
    ahead=$(date +%s)
    /bin/oxl create /tmp/dev.cfg 'disk=["/tmp/vd.img,raw,xvda,rw", "phy:'"$vdev"',xvdb,r"]' \
        'vif=["bridge=xenbr0"]' > /tmp/dev.out 2>&1
    crc=$?
    id=$(/bin/oxl domid dev 2>/dev/null)
    wait_for 180 guestdev_seen "date "
    date -s "@$(($(date +%s) - 1000))" > /dev/null
    gdate=$(guestdev date)
    [ "${gdate:-0}" -ge $((ahead - 2)) ] && [ "${gdate:-0}" -le $((ahead + 300)) ]
    report dev-wallclock $? "guest booted at $gdate, dom0's clock (1000 s ahead) said $ahead at its create"
    wait_for 180 guestdev_seen "net "
    /bin/oxl block-list dev > /tmp/bl.out 2>&1
    /bin/oxl network-list dev > /tmp/nl.out 2>&1
    vbd=$(awk '$1 == 51712 && $4 == 4 || $1 == 51728 && $4 == 4' /tmp/bl.out | wc -l)
    vif=$(awk '$1 == 0 && $5 == 4 && $3 ~ /^00:16:3e:/' /tmp/nl.out | wc -l)
    hp=$(xs read "/local/domain/0/backend/vif/$id/0/hotplug-status" 2>&1)
    port=$(basename "$(readlink /sys/class/net/vif$id.0/master 2>/dev/null)")
    [ "$crc" = 0 ] && [ "$vbd" = 2 ] && [ "$vif" = 1 ] && [ "$hp" = connected ] && [ "$port" = xenbr0 ]
    report dev-create $? "rc $crc ($(tail -n 1 /tmp/dev.out | head -c 120)); guest: $(guestdev disks); connected vbds $vbd/2, vifs $vif/1 ($(sed -n 2p /tmp/nl.out | head -c 80)); hotplug-status '$hp'; vif$id.0 on '$port'"

    guestdev_seen "net " || dev_diag
    a=$(guestdev xvda-sum)
    b=$(guestdev xvdb-sum)
    [ -n "$fsum" ] && [ "$a" = "$fsum" ] && [ -n "$vsum" ] && [ "$b" = "$vsum" ]
    report dev-disk-read $? "xvda (file) $a want $fsum; xvdb (phy:$vdev) $b want $vsum"
    r=$(guestdev xvdb-write)
    case "$r" in refused*) true ;; *) false ;; esac
    report dev-disk-ro $? "write to the read-only xvdb: '$r'"
    wr=$(guestdev xvda-written)
    now=$(sha256sum < /tmp/vd.img | cut -d' ' -f1)
    case "$wr" in "rc=0 $vsum "*) [ "$now" = "$vsum" ] ;; *) false ;; esac
    report dev-disk-write $? "guest: '$wr'; the file in dom0 now $now; want $vsum"
    echo "BENCH dev-disk-write mib=64 $(echo "$wr" | sed -n 's/.*secs=\([0-9.]*\).*/secs=\1/p')"
    echo "BENCH dev-disk-read mib=64 $(guestdev xvdb-read)"

    wait_for 120 guestdev_seen dom0-blob
    gnet=$(guestdev "net ")        # not n: wait_for (init.sh) uses that name
    pb=$(guestdev peer-blob)
    db=$(guestdev dom0-blob)
    drtt=$(ping -c 5 -W 2 "$DEV_IP" 2>&1 | tail -n 1)
    case "$gnet" in *"dom0: round-trip"*"peer: round-trip"*) true ;; *) false ;; esac &&
        [ "$pb" = "$(arg netsum "")" ] && [ "$db" = "$wsum" ] && case "$drtt" in round-trip*) true ;; *) false ;; esac
    report dev-net $? "guest: $gnet; peer's blob $pb want $(arg netsum ""); dom0's $db want $wsum; dom0 -> guest: $drtt"
    wait_for 60 guestdev_seen net-secs        # its two timed fetches come after the blobs
    ns=$(guestdev net-secs)
    echo "BENCH dev-net-dom0 mib=16 secs=$(echo "$ns" | sed -n 's/.*dom0=\([0-9.]*\).*/\1/p')"
    echo "BENCH dev-net-peer mib=16 secs=$(echo "$ns" | sed -n 's/.*peer=\([0-9.]*\).*/\1/p')"
    echo "BENCH dev-ping dom0_to_guest_ms=$(echo "$drtt" | cut -d= -f2 | cut -d/ -f2) guest_to_dom0_ms=$(echo "$gnet" | sed -n 's/.*dom0: round-trip[^=]*= *[0-9.]*\/\([0-9.]*\).*/\1/p')"

    # Two guests must not both write one image.
    /bin/oxl create /tmp/dev.cfg 'name="dev2"' 'disk=["/tmp/vd.img,raw,xvda,rw"]' > /tmp/dev2.out 2>&1
    src=$?
    grep -q "in use by dev" /tmp/dev2.out && [ "$src" = 1 ] && ! /bin/oxl domid dev2 > /dev/null 2>&1 &&
        [ "$(loops_used)" = 1 ]
    report dev-share $? "rc $src: $(tail -n 1 /tmp/dev2.out | head -c 200); loops $(loops_used)"

    # Guest to guest: "dev3" fetches dev's blob (xvdb's first 8 MiB).
    want8=$(dd if="$vdev" bs=1M count=8 2>/dev/null | sha256sum | cut -d' ' -f1)
    # Its second vif (eth1, 10.0.3.4) has rate=2MB/s: dev-vif-rate.
    ip addr add 10.0.3.1/24 dev xenbr0
    /bin/oxl create /tmp/dev.cfg 'name="dev3"' 'memory=96' 'vcpus=1' \
        'vif=["bridge=xenbr0", "bridge=xenbr0,rate=2MB/s"]' \
        'cmdline="console=hvc0 quiet oryx.devfetch='"$DEV_IP"'/10.0.1.4 oryx.devrate=10.0.3.4"' > /tmp/dev3.out 2>&1
    grc=$?
    id3=$(/bin/oxl domid dev3 2>/dev/null)
    wait_for 150 grep -aq "GUESTDEV fetched" /var/log/oryx/guest-dev3.log
    gf=$(grep -a "GUESTDEV fetched" /var/log/oryx/guest-dev3.log | head -n 1 | sed 's/.*GUESTDEV fetched *//; s/[^[:print:]]//g')
    case "$gf" in "$want8 "*"round-trip"*) true ;; *) false ;; esac && [ "$grc" = 0 ]
    report dev-guest-net $? "rc $grc ($(tail -n 1 /tmp/dev3.out | head -c 100)); dev3: '$gf'; want $want8"
    echo "BENCH dev-guest-net mib=8 $(echo "$gf" | sed -n 's/.*secs=\([0-9.]*\).*round-trip[^=]*= *[0-9.]*\/\([0-9.]*\).*/secs=\1 ping_ms=\2/p')"

    # rate=: dom0 fetches those 8 MiB back from dev3 on its second vif
    # (rate=2MB/s): 4.2 s at least (a lower bound: load only slows it; the
    # unlimited fetch above took a few seconds or less).
    rb=""
    wait_for 60 grep -aq "GUESTDEV rate-ready" /var/log/oryx/guest-dev3.log || rb="; dev3 never set up eth1"
    rt=$(xs read "/local/domain/0/backend/vif/$id3/1/rate" 2>&1)
    t0=$(now_us)
    rs=$(timeout 120 wget -q -O - http://10.0.3.4/blob 2>/dev/null | sha256sum | cut -d' ' -f1)
    t1=$(now_us)
    timeout 90 /bin/oxl destroy dev3 > /dev/null 2>&1
    ip addr del 10.0.3.1/24 dev xenbr0
    rus=$((t1 - t0))
    [ "$rs" = "$want8" ] && [ "$rus" -ge 3000000 ] && [ "$rt" = 100000,50000 ] && [ -z "$rb" ]
    report dev-vif-rate $? "back end rate '$rt' (want 100000,50000: bytes,us)${rb}; 8 MiB from dev3 in $((rus / 1000)) ms ($((8388608 / (rus / 1000 + 1))) kB/s; limit 2000 kB/s), sum $rs want $want8"

    # Hot-plug while it runs.
    wait_for 60 guestdev_seen ready
    echo "DEVSTEP hot-plug"
    cp /lib/oryx/hot.qcow2 /tmp/hot.qcow2
    hb=""
    timeout 90 /bin/oxl block-attach dev /tmp/hot.qcow2,qcow2,xvdc,rw > /tmp/hot.out 2>&1 || hb="$hb block-attach: $(head -c 100 /tmp/hot.out)"
    wait_for 60 guestdev_seen xvdc-appeared || hb="$hb; xvdc not seen"
    l3=$(/bin/oxl block-list dev | awk 'NR > 1' | wc -l)
    nbd3=$(nbds_used)
    json=$(/bin/oxl list -l dev 2>/dev/null | grep -c '"nbd": *"/dev/nbd')
    timeout 90 /bin/oxl block-detach dev xvdc > /tmp/hot.out 2>&1 || hb="$hb; block-detach: $(head -c 100 /tmp/hot.out)"
    wait_for 60 guestdev_seen xvdc-gone || hb="$hb; xvdc not gone"
    l2=$(/bin/oxl block-list dev | awk 'NR > 1' | wc -l)
    wait_for 30 nbd_released
    nbd2="$(nbds_used) devices, $(nbd_servers) servers"
    timeout 90 /bin/oxl network-attach dev bridge=xenbr0 > /tmp/hot.out 2>&1 || hb="$hb; network-attach: $(head -c 100 /tmp/hot.out)"
    wait_for 60 guestdev_seen eth1-appeared || hb="$hb; eth1 not seen"
    n2=$(/bin/oxl network-list dev | awk 'NR > 1' | wc -l)
    timeout 90 /bin/oxl network-detach dev 1 > /tmp/hot.out 2>&1 || hb="$hb; network-detach: $(head -c 100 /tmp/hot.out)"
    wait_for 60 guestdev_seen eth1-gone || hb="$hb; eth1 not gone"
    n1=$(/bin/oxl network-list dev | awk 'NR > 1' | wc -l)
    [ -z "$hb" ] && [ "$l3" = 3 ] && [ "$l2" = 2 ] && [ "$n2" = 2 ] && [ "$n1" = 1 ] && [ "$(loops_used)" = 1 ]
    report dev-hotplug $? "${hb:-attached and detached}; guest: xvdc '$(guestdev xvdc-appeared)', eth1 '$(guestdev eth1-appeared)'; block-list rows 3 -> $l3, 2 -> $l2; network-list 2 -> $n2, 1 -> $n1; loops $(loops_used)"

    # What the guest wrote to its qcow2 disk, read back by qemu-nbd here.
    magic=$(head -c 3 /tmp/hot.qcow2)
    back=""
    if qemu-nbd --fork --read-only --format=qcow2 --socket=/tmp/qn.sock --connect=/dev/nbd3 /tmp/hot.qcow2 > /tmp/qn.out 2>&1 &&
        wait_for 10 test -e /sys/block/nbd3/pid; then
        back=$(dd if=/dev/nbd3 bs=1M count=8 2>/dev/null | sha256sum | cut -d' ' -f1)
        qemu-nbd --disconnect /dev/nbd3 > /dev/null 2>&1
    fi
    gq=$(guestdev xvdc-appeared)
    case "$gq" in *"rc=0 sum $want8"*) true ;; *) false ;; esac && [ "$back" = "$want8" ] &&
        [ "$magic" = QFI ] && [ "$nbd3" = 1 ] && [ "$json" = 1 ] && [ "$nbd2" = "0 devices, 0 servers" ]
    report dev-qcow2 $? "guest: '$gq'; want sum $want8; while attached: NBD devices $nbd3, list -l nbd entries $json; after the detach: $nbd2; the file starts '$magic', qemu-nbd reads back $back ($(head -c 100 /tmp/qn.out))"

    # On one machine only (oryx.devextra=1: dom0test.py's ONE_MACHINE_CHECKS).
    if [ "$(arg devextra 1)" = 1 ]; then
        check_lvm "$vsum"
        check_hostile
    fi

    # Destroyed in the middle of its I/O.
    wait_for 60 guestdev_seen busy
    sleep 2
    timeout 90 /bin/oxl destroy dev > /tmp/ddestroy.out 2>&1
    drc=$?
    wait_for 60 dev_gone
    wait_for 60 free_is "$free0"
    be=$(backends_of "$id")
    fe=$(xs ls "/local/domain/$id" 2>/dev/null | wc -l)
    [ "$drc" = 0 ] && dev_gone && [ "$be" = 0 ] && [ "$fe" = 0 ] && [ "$(free_mib)" = "$free0" ] &&
        [ "$(store_nodes)" = "$nodes0" ]
    report dev-destroy $? "rc $drc ($(head -c 80 /tmp/ddestroy.out)); listed '$(/bin/oxl list | awk '$1 == "dev"')'; loops $(loops_used), nbds $(nbds_used), vifs $(vifs_up), backends $be, its store entries $fe, store nodes $nodes0 -> $(store_nodes), free MiB $free0 -> $(free_mib)"

    # More rounds (oryx.devrounds: 9 on q35, 2 on pc): a guest busy on a
    # raw disk, a qcow2 disk and its vif, destroyed in the middle; each
    # must leave nothing behind.
    rb=""
    rounds=$(arg devrounds 9)
    for r in $(seq 2 $((rounds + 1))); do
        if ! /bin/oxl create /tmp/dev.cfg 'memory=96' 'vcpus=1' 'vif=["bridge=xenbr0"]' \
            'disk=["/tmp/vd.img,raw,xvda,rw", "/tmp/hot.qcow2,qcow2,xvdb,rw"]' \
            'cmdline="console=hvc0 quiet oryx.devbusy='"$DEV_IP/$r"'"' > /tmp/round.out 2>&1; then
            rb="$rb; round $r: create: $(tail -n 1 /tmp/round.out | head -c 100)"
            continue
        fi
        rid=$(/bin/oxl domid dev 2>/dev/null)
        wait_for 90 grep -aq "GUESTDEV busy-$r" "$DEV_LOG" || rb="$rb; round $r: the guest never got busy"
        sleep 1
        timeout 90 /bin/oxl destroy dev > /tmp/round.out 2>&1 ||
            rb="$rb; round $r: destroy: $(head -c 80 /tmp/round.out)"
        wait_for 60 dev_gone ||
            rb="$rb; round $r: left loops $(loops_used) nbds $(nbds_used) vifs $(vifs_up)"
        wait_for 60 free_is "$free0" || rb="$rb; round $r: free MiB $free0 -> $(free_mib)"
        [ "$(backends_of "$rid")" = 0 ] && [ "$(store_nodes)" = "$nodes0" ] ||
            rb="$rb; round $r: backends $(backends_of "$rid"), store nodes $nodes0 -> $(store_nodes)"
    done
    [ -z "$rb" ] && [ "$(nbd_servers)" = 0 ]
    report dev-destroy-rounds $? "${rb:-$rounds more rounds, each left nothing}; qemu-nbd servers $(nbd_servers)"

    # A guest whose root is an ext4 filesystem on its own (qcow2) disk:
    # it writes a file, reboots (on_reboot=restart: its disk is wired again
    # for the new domain), reads the file back and powers off, and then its
    # NBD device and qemu-nbd are gone (oryxd's clean-up, not oxl's).
    cp /lib/oryx/root.qcow2 /tmp/root.qcow2
    rm -f /var/log/oryx/guest-rootdisk.log
    /bin/oxl create /tmp/dev.cfg 'name="rootdisk"' 'memory=96' 'vcpus=1' \
        'ramdisk="/boot/rootdisk-initrd.gz"' 'disk=["/tmp/root.qcow2,qcow2,xvda,rw"]' \
        'on_reboot="restart"' 'on_poweroff="destroy"' \
        'cmdline="console=hvc0 quiet root=/dev/xvda rw"' > /tmp/rootdisk.out 2>&1
    rrc=$?
    wait_for 240 grep -aq "ROOTDISK boot 2" /var/log/oryx/guest-rootdisk.log
    wait_for 60 rootdisk_gone
    b1=$(grep -a "ROOTDISK boot 1" /var/log/oryx/guest-rootdisk.log | head -n 1 | sed 's/.*ROOTDISK //; s/[^[:print:]]//g')
    b2=$(grep -a "ROOTDISK boot 2" /var/log/oryx/guest-rootdisk.log | head -n 1 | sed 's/.*ROOTDISK //; s/[^[:print:]]//g')
    m1=$(echo "$b1" | awk '{ print $4 }')
    case "$b2" in "boot 2 marker $m1 root /dev/xvda rw") [ -n "$m1" ] ;; *) false ;; esac &&
        [ "$rrc" = 0 ] && rootdisk_gone && [ "$(store_nodes)" = "$nodes0" ]
    report dev-rootdisk $? "rc $rrc ($(tail -n 1 /tmp/rootdisk.out | head -c 100)); first boot: '$b1'; second: '$b2'; after its poweroff: listed '$(/bin/oxl list | awk '$1 == "rootdisk"')', NBD devices $(nbds_used), qemu-nbd $(nbd_servers), store nodes $nodes0 -> $(store_nodes)"
    [ -n "$b2" ] || tail -n 20 /var/log/oryx/guest-rootdisk.log | sed 's/[^[:print:]]//g; s/^/ROOTDIAG /'
    /bin/oxl domid rootdisk > /dev/null 2>&1 && timeout 90 /bin/oxl destroy rootdisk > /dev/null 2>&1

    rm -f /tmp/vd.img /tmp/hot.qcow2 /tmp/root.qcow2 /tmp/small.img /tmp/www/blob
    rm -rf /var/cache/oryx              # the kernel oxl unpacked again: 66 MiB of tmpfs
}
