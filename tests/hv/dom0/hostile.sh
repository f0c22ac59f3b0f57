# Dom0 as a hostile (or buggy) control domain: it reads and writes what is
# hidden from it and programs interrupts it may not have. The hypervisor
# must refuse each, say so, and keep dom0 and the other domains running.
# Run by tests/fixtures/init-min.sh as dom0's /test (tests/hv/hvtest.py).
echo "HOSTILE-BEGIN"
echo "LAPIC-READ $(devmem 0xfee00030 32)"
devmem 0xfee00030 32 0x12345678
echo "HPET-READ $(devmem 0xfed00000 32)"
# The hypervisor's image (at 2 MiB): host RAM that is not dom0's.
echo "HV-READ $(devmem 0x200000 32)"
devmem 0x200000 32 0xdeadbeef
echo "HV-READ-AGAIN $(devmem 0x200000 32)"
# IOAPIC pin 3 (unused here): vector 0x10 is an exception's, then a
# destination that is none of dom0's two vCPUs, then NMI delivery.
devmem 0xfec00000 32 0x16
devmem 0xfec00010 32 0x00000010
devmem 0xfec00000 32 0x17
devmem 0xfec00010 32 0x07000000
devmem 0xfec00000 32 0x16
devmem 0xfec00010 32 0x00000430
echo "IOAPIC-PIN3 $(devmem 0xfec00010 32)"
# MSI: the first device with an MSI capability gets a message address for
# APIC 7 and a data word with vector 2.
cap_of() {      # cap_of CONFIGFILE ID: offset of capability ID, or nothing
    pos=$(od -An -tu1 -j52 -N1 "$1" | tr -d ' ')
    n=0
    while [ -n "$pos" ] && [ "$pos" -ge 64 ] && [ $n -lt 48 ]; do
        id=$(od -An -tu1 -j"$pos" -N1 "$1" | tr -d ' ')
        [ "$id" = "$2" ] && { echo "$pos"; return; }
        pos=$(od -An -tu1 -j$((pos + 1)) -N1 "$1" | tr -d ' ')
        n=$((n + 1))
    done
}
for d in /sys/bus/pci/devices/*; do
    cap=$(cap_of "$d/config" 5)
    [ -n "$cap" ] || continue
    echo "MSI-DEVICE $(basename "$d") cap=$cap"
    printf '\000\160\340\376' | dd of="$d/config" bs=4 seek=$((cap / 4 + 1)) conv=notrunc 2>/dev/null
    printf '\002\000' | dd of="$d/config" bs=1 seek=$((cap + 8)) conv=notrunc 2>/dev/null
    echo "MSI-ADDR $(od -An -tx4 -j$((cap + 4)) -N4 "$d/config")"
    break
done
# Hypercalls from user space through privcmd, with user-space pointers.
modprobe xen-privcmd
privcmd
echo "PRIVCMD-END"
echo "HOSTILE-END"
