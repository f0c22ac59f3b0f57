#!/bin/sh
# World-switch cost (issue 2). Boots Oryx with the many-exits guest built
# for 64-bit and for 32-bit (one domain each, both in the same run) and
# reports what the guests measure with their own TSC:
#   - cycles per CPUID (every CPUID exits to the hypervisor and back),
#   - cycles per xen_version hypercall (VMMCALL exit + dispatch),
#   - cycles per NOP (never exits): the baseline,
#   - the ratio CPUID/NOP.
# The baseline is the non-exiting instruction in the same guest and run:
# the loop cannot be timed without Oryx (a PVH micro-guest needs the
# hypervisor), so there is no "bare QEMU" figure for it.
# Env: ITERS (default 1000000 CPUIDs and NOPs), HC (default 100000
# hypercalls), TIMEOUT (seconds, default 900). Console: build/bench/world-switch.log
BENCH=world-switch
. "$(dirname "$0")/lib.sh"

ITERS=${ITERS:-1000000}
HC=${HC:-100000}
TIMEOUT=${TIMEOUT:-900}
need_cmd "$QEMU" python3
need build/oryx.elf build/guests/many-exits-64.elf build/guests/many-exits-32.elf

log=$OUT/world-switch.log
mods="build/guests/many-exits-64.elf domain name=mx64 mem=16M cmdline=\"iters=$ITERS hc=$HC\""
mods="$mods,build/guests/many-exits-32.elf domain name=mx32 mem=16M cmdline=\"iters=$ITERS hc=$HC\""
# shellcheck disable=SC2086
res=$(python3 bench/qemutime.py --timeout "$TIMEOUT" --wait-exit --until 'All domains have stopped' \
      --log "$log" -- $QEMU $QEMU_OPTS -kernel build/oryx.elf -append "exit_when_done" \
      -initrd "$mods")
case "$res" in
elapsed=*) ;;
*) echo "$BENCH: FAILED: Oryx did not finish within ${TIMEOUT}s (console: $log)"; exit 1 ;;
esac

khz=$(sed -n 's/.*Time: TSC \([0-9]*\) kHz.*/\1/p' "$log" | head -n 1)
echo "$BENCH: $ITERS CPUIDs and NOPs, $HC hypercalls per guest; TSC ${khz:-?} kHz;" \
     "baseline = the non-exiting NOP (no bare-QEMU run is possible: the guest needs Oryx)"
status=0
for d in mx64 mx32; do
    line=$(sed -n "s/.*($d) BENCH many-exits //p" "$log" | tr -d '\r' | head -n 1)
    if [ -z "$line" ]; then
        echo "$BENCH: $d: no BENCH line (console: $log)"
        status=1
        continue
    fi
    cpuid=$(field cpuid_cycles "$line")
    hc=$(field hypercall_cycles "$line")
    rx100=$(field ratio_x100 "$line")
    # The guest prints whole cycles per NOP; the ratio keeps the fraction.
    nop=$(awk -v c="$cpuid" -v r="$rx100" 'BEGIN { if (r > 0) printf "%.2f", c * 100 / r; else print "n/a" }')
    us() { awk -v c="$1" -v k="$khz" 'BEGIN { if (k > 0) printf "%.1f us", c * 1000 / k; else print "? us" }'; }
    echo "$BENCH: ${d#mx}-bit: cycles per CPUID exit $cpuid ($(us "$cpuid")), per hypercall $hc ($(us "$hc")), per NOP $nop"
    echo "$BENCH: ${d#mx}-bit: ratio CPUID/NOP $(awk -v r="$rx100" 'BEGIN { printf "%.1f", r / 100 }'), hypercall/NOP $(ratio "$hc" "$nop")"
done
sed -n 's/.*(d[0-9]*) \(mx[0-9]*: ran .*\)/'"$BENCH"': \1/p' "$log" | tr -d '\r'
exit $status
