# shellcheck shell=sh
# Shared by the bench/*.sh scripts (sourced, not run). Sets ROOT and the
# QEMU options every benchmark uses, so the runs it compares differ only in
# what they boot.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
OUT=$ROOT/build/bench
mkdir -p "$OUT"

QEMU=${QEMU:-qemu-system-x86_64}
# Same machine for Oryx and for the baselines (issues 2 and 3): TCG, AMD
# SVM with nested paging, 512 MiB, 2 CPUs. No NIC: the iPXE option ROM
# would only add a constant to both sides.
QEMU_OPTS="-accel tcg -cpu qemu64,+svm,+npt -m 512 -smp 2 -nographic -no-reboot
 -nic none -monitor none -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4"

# skip WHY: the benchmark cannot run here; say why and succeed.
skip() {
    echo "$BENCH: skipped: $*"
    exit 0
}

need() {
    for f in "$@"; do
        [ -e "$f" ] || skip "$f is missing (run 'make' or scripts/fetch-fixtures.sh)"
    done
}

need_cmd() {
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || skip "'$c' is not installed"
    done
}

# ratio A B: A/B with two decimals ("n/a" when B is zero or empty).
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f\n", a / b }'
}

# field NAME LINE: the value of NAME=... in a "key=value ..." line.
field() {
    printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}

# median "v1 v2 ...": the median of blank-separated numbers.
median() {
    # shellcheck disable=SC2086
    printf '%s\n' $1 | sort -n | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# stale OUT IN...: OUT is missing or older than one of IN.
stale() {
    out=$1
    shift
    [ ! -e "$out" ] || [ -n "$(find "$@" -newer "$out" 2>/dev/null)" ]
}
