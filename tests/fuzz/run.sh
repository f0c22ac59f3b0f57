#!/bin/sh
# run.sh NAME SECS CORPUS [libFuzzer options...]: runs build/fuzz/fuzz_NAME
# for SECS seconds, new inputs going to CORPUS, starting from CORPUS, the
# generated seeds (build/fuzz/seeds/NAME) and the committed regression
# inputs (tests/fuzz/regress/NAME). Prints one line "NAME: ... exec/s,
# cov ..." and, on a crash, libFuzzer's report; the input that failed is
# kept as build/fuzz/crash-NAME-*. Exit status 0 only for a clean run.
# `make fuzz` and tests/fuzz/suite.sh call it after building.
cd "$(dirname "$0")/../.." || exit 2
name=$1 secs=$2 corpus=$3
shift 3
out=${FUZZ_DIR:-build/fuzz}     # the make rules' $(BUILD)/fuzz
bin=$out/fuzz_$name
[ -x "$bin" ] || { echo "$name: $bin not built" >&2; exit 2; }

# Largest input worth trying per target.
case $name in
insn) max=32 ;;
cmdline) max=1024 ;;
oryxd) max=1024 ;;
domspec|xlcfg|xs_ring) max=4096 ;;
guest_walk) max=12288 ;;
elf|xz) max=16384 ;;
bzimage) max=65536 ;;
*) max=4096 ;;
esac

mkdir -p "$corpus"
dirs="$corpus $out/seeds/$name"
[ -d "tests/fuzz/regress/$name" ] && dirs="$dirs tests/fuzz/regress/$name"
log=$out/$name.log
# -timeout: one input running 10 s is a hang; -rss_limit_mb: a leak.
# shellcheck disable=SC2086
timeout $((secs + 120)) "$bin" -max_total_time="$secs" -max_len=$max -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/crash-$name-" \
    "$@" $dirs >"$log" 2>&1
rc=$?
cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*' "$log" | tail -1)
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
if [ $rc -eq 0 ]; then
    echo "$name: ${secs}s, ${runs:-?} runs, ${eps:-?} exec/s, $cov"
    exit 0
fi
echo "$name: FAILED (status $rc) after ${runs:-?} runs; log $log" >&2
grep -m1 -e '^==[0-9]*==ERROR' -e 'runtime error' -e '^SUMMARY' -e 'ERROR: libFuzzer' \
    -e 'Test unit written' "$log" >&2
tail -40 "$log" >&2
exit 1
