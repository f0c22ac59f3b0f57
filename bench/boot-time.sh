#!/bin/sh
# Boot time (issue 2): seconds from QEMU's start to the first guest console
# line under Oryx (the hello-64 micro-guest, its first "(hello) " line),
# against QEMU booting a trivial multiboot kernel that prints one line on
# COM1 (bench/trivial-mb/, built here). Same QEMU options for both; N runs
# of each, interleaved so background load hits both alike; medians and the
# ratio. Both include SeaBIOS and QEMU's own start-up: the difference is
# Oryx's boot (CPU bring-up, timer calibration, domain build).
# Env: N (default 5). Consoles: build/bench/boot-time-{oryx,trivial}.log.<i>
BENCH=boot-time
. "$(dirname "$0")/lib.sh"

N=${N:-5}
CC=${CC:-cc}
need_cmd "$QEMU" python3 "$CC" ld
need build/oryx.elf build/guests/hello-64.elf

# The baseline kernel: a 32-bit multiboot1 ELF (QEMU's -kernel refuses
# 64-bit multiboot ELFs).
tdir=$OUT/trivial-mb
triv=$tdir/trivial.elf
mkdir -p "$tdir"
if stale "$triv" bench/trivial-mb/trivial.S bench/trivial-mb/trivial.ld; then
    if ! { "$CC" -m32 -c bench/trivial-mb/trivial.S -o "$tdir/trivial.o" &&
           ld -m elf_i386 -nostdlib -T bench/trivial-mb/trivial.ld -o "$triv" "$tdir/trivial.o"; }; then
        skip "cannot build bench/trivial-mb (needs a 32-bit capable '$CC' and ld)"
    fi
fi

times_o="" times_t=""
i=1
while [ "$i" -le "$N" ]; do
    # shellcheck disable=SC2086
    r=$(python3 bench/qemutime.py --timeout 120 --until '\(hello\) ' --log "$OUT/boot-time-oryx.log.$i" -- \
        $QEMU $QEMU_OPTS -kernel build/oryx.elf -append "exit_when_done" \
        -initrd "build/guests/hello-64.elf domain name=hello mem=16M")
    case "$r" in elapsed=*) times_o="$times_o ${r#elapsed=}" ;; *) echo "$BENCH: Oryx run $i: no guest line within 120 s"; exit 1 ;; esac
    # shellcheck disable=SC2086
    r=$(python3 bench/qemutime.py --timeout 120 --until 'trivial-mb: first line' --log "$OUT/boot-time-trivial.log.$i" -- \
        $QEMU $QEMU_OPTS -kernel "$triv")
    case "$r" in elapsed=*) times_t="$times_t ${r#elapsed=}" ;; *) echo "$BENCH: trivial run $i: no line within 120 s"; exit 1 ;; esac
    i=$((i + 1))
done

mo=$(median "$times_o")
mt=$(median "$times_t")
echo "$BENCH: QEMU start to first guest line, $N runs each (s):"
echo "$BENCH:   Oryx + hello-64:   $times_o  median $mo"
echo "$BENCH:   trivial multiboot: $times_t  median $mt"
echo "$BENCH: ratio Oryx/trivial $(ratio "$mo" "$mt") (Oryx adds $(awk -v a="$mo" -v b="$mt" 'BEGIN { printf "%.3f", a - b }') s)"
