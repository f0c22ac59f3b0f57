#!/bin/sh
# TSC calibration (issue 8): how far Oryx's calibrated TSC frequency is
# from the host's, on an idle and on a loaded machine. Under QEMU TCG a
# guest's RDTSC reads the host TSC, so the right figure is the host TSC
# frequency, measured in the same run by build/tests/clock/hosttsc (against
# CLOCK_MONOTONIC, which QEMU's PIT and PM timer follow). N boots with
# nothing else running, then N boots beside HOGS busy loops; each boot is
# the hello-64 micro-guest with exit_when_done (tests/clock/tscboot.py,
# the QEMU options of tests/hv/hvtest.py). Prints the error's mean, min,
# max and standard deviation in ppm, and the calibration's own time.
# Env: N (default 20), HOGS (default two per host CPU), ORYX_HV (image).
# Consoles: build/bench/tsc-calibration-{idle,loaded}.log.<i>
BENCH=tsc-calibration
. "$(dirname "$0")/lib.sh"

N=${N:-20}
HOGS=${HOGS:-$((2 * $(nproc 2>/dev/null || echo 2)))}
need_cmd "$QEMU" python3
need build/oryx.elf build/guests/hello-64.elf build/tests/clock/hosttsc

for load in idle loaded; do
    hogs=0
    [ "$load" = loaded ] && hogs=$HOGS
    res=$OUT/tsc-calibration-$load.txt
    if ! python3 tests/clock/tscboot.py --boots "$N" --hogs "$hogs" \
            --log "$OUT/tsc-calibration-$load.log" >"$res" 2>&1; then
        echo "$BENCH: $load: a boot gave no figure or did not finish:"
        grep -E '^(error|boot=[0-9]+ .*error=)' "$res" | sed "s/^/$BENCH:   /"
        exit 1
    fi
    line=$(grep '^summary ' "$res")
    host=$(sed -n 's/^host_khz=\([0-9.]*\).*/\1/p' "$res")
    took=""
    [ -n "$(field median_ms "$line")" ] &&
        took="; calibration took $(field median_ms "$line") ms (median), $(field max_ms "$line") ms (max)"
    echo "$BENCH: $load ($hogs hogs), $N boots, against the host TSC $host kHz:" \
        "mean $(field mean_ppm "$line") ppm, min $(field min_ppm "$line")," \
        "max $(field max_ppm "$line"), stddev $(field stddev_ppm "$line") ppm$took"
done
