#!/bin/sh
# Self-test of the micro-guest runtime without the hypervisor: boots each
# guest directly under QEMU (its PVH loader) with console output on port
# 0xE9 ("debugcon" on the guest command line) and QEMU's isa-debug-exit
# for the verdict (exit status 1 = guest PASS, 3 = guest FAIL). Hypercalls
# raise #UD there, so guests that need them must report exactly that.
# Checks the PVH entry, the four CPU modes, the console, exception fixups
# and reporting, and the shutdown path. The cpuid cases use -svm so that
# they get past the SVM-hidden check to the missing Xen leaves. Output: one "PASS: name" or
# "FAIL: name why" line per case.
#   guests/selftest.sh [build-dir]
cd "$(dirname "$0")/.." || exit 2
B=${1:-build}/guests
QEMU=${QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null || { echo "FAIL: guests/selftest $QEMU not found"; exit 0; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# run <case> <elf> <cpu> <cmdline> <want-exit> <want-text>
run() {
    if [ ! -f "$2" ]; then
        echo "FAIL: guests/$1 $2 not built"
        return
    fi
    timeout 60 "$QEMU" -accel tcg -cpu "$3" -m 128 -kernel "$2" \
        -append "debugcon $4" -nographic -debugcon "file:$out" \
        -device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot \
        -serial none -monitor none >/dev/null 2>&1
    rc=$?
    last=$(tail -n 1 "$out")
    if [ "$rc" -ne "$5" ]; then
        echo "FAIL: guests/$1 QEMU exit $rc, expected $5 (last line: $last)"
    elif ! grep -q -- "$6" "$out"; then
        echo "FAIL: guests/$1 no \"$6\" in output (last line: $last)"
    else
        echo "PASS: guests/$1"
    fi
}

for m in 64 32 32pse 32pae; do
    run hello-$m $B/hello-$m.elf qemu64 "" 1 '^PASS$'
    run svm-insn-$m $B/svm-insn-$m.elf qemu64 "" 1 '^INVLPGA: #UD'
    run bad-write-$m $B/bad-write-$m.elf qemu64 "" 3 '^FAIL write to 0xc0000000 returned'
    run triple-fault-$m $B/triple-fault-$m.elf qemu64 "" 0 '^about to triple fault'
    run hypercall-args-$m $B/hypercall-args-$m.elf qemu64 "" 3 '^FAIL exception 6 (#UD)'
    run block-wake-$m $B/block-wake-$m.elf qemu64 "" 3 '^FAIL exception 6 (#UD)'
    run hypercall-page-$m $B/hypercall-page-$m.elf qemu64 "" 3 '^FAIL exception 6 (#UD)'
    run cpuid-$m $B/cpuid-$m.elf qemu64,-svm "" 3 '^FAIL no XenVMMXenVMM'
done
for m in 64 32 32pae; do
    run hcfuzz-$m $B/hcfuzz-$m.elf qemu64 "" 3 '^FAIL hcfuzz needs the hypervisor'
done
run cpu-hog-64 $B/cpu-hog-64.elf qemu64 "rounds=2 work=10000" 1 '^cpu-hog: round 2/2'
run progress-64 $B/progress-64.elf qemu64 "" 3 '^FAIL exception 6 (#UD)'
run many-exits-64 $B/many-exits-64.elf qemu64 "iters=10000" 1 '^BENCH many-exits'
run many-exits-32 $B/many-exits-32.elf qemu64 "iters=10000" 1 '^BENCH many-exits'
run shutdown-reason-64 $B/shutdown-reason-64.elf qemu64 "reason=crash" 3 '^shutdown-reason: requesting crash (3)'
run shutdown-reason-32 $B/shutdown-reason-32.elf qemu64 "reason=poweroff" 1 '^PASS$'
run cmdline-hello-64 $B/hello-64.elf qemu64 "a=1 b=two" 1 'cmdline "debugcon a=1 b=two"'
