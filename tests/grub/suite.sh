#!/bin/sh
# GRUB multiboot2 boot tests: build a BIOS ISO with grub-mkrescue (see
# mkiso.sh), boot it in QEMU from the CD, read the serial console, check it.
# One line per case, "PASS: grub/<case>" or "FAIL: grub/<case> <why>";
# ISOs and consoles stay in build/grub/. See docs/grub.md.
cd "$(dirname "$0")/../.." || exit 2
OUT=build/grub
G=build/guests
TIMEOUT=90
CASES="mb2-gz mb2-elf mb2-guest-cmdline"

fail_all() {
    for c in $CASES; do
        echo "FAIL: grub/$c $1"
    done
    exit 1
}

# Prerequisites: say which Debian package is missing.
missing=
command -v grub-mkrescue >/dev/null 2>&1 || missing="$missing grub-common"
[ -f /usr/lib/grub/i386-pc/multiboot2.mod ] || missing="$missing grub-pc-bin"
command -v xorriso >/dev/null 2>&1 || missing="$missing xorriso"
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing="$missing qemu-system-x86"
[ -z "$missing" ] || fail_all "missing package(s):$missing (apt-get install$missing)"
for f in build/oryx.gz build/oryx.elf $G/hello-64.elf $G/hello-32.elf; do
    [ -f "$f" ] || fail_all "$f is missing (run make)"
done
mkdir -p "$OUT"

# Lines every clean run has (tests/hv/hvtest.py's list) plus GRUB errors.
REJECT='FATAL EXCEPTION|PANIC|unhandled SVM exit|still charged|BUG:|^.?error: |GRUB: could not boot'

# boot NAME: boot $OUT/NAME.iso; console to $OUT/NAME.log, status in $rc.
boot() {
    timeout $TIMEOUT qemu-system-x86_64 -accel tcg -cpu qemu64,+svm,+npt -smp 2 -m 512 \
        -display none -serial stdio -monitor none -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=4 \
        -cdrom "$OUT/$1.iso" </dev/null >"$OUT/$1.log" 2>&1
    rc=$?
}

# check NAME EXTENDED-REGEX...: every pattern must be in the console; QEMU
# must have exited through isa-debug-exit with 0 (status 1) in time.
check() {
    name=$1 log=$OUT/$1.log why=
    shift
    case $rc in
    1) ;;
    124) why="$why; timed out after ${TIMEOUT}s" ;;
    *) why="$why; QEMU exit status $rc (want 1: isa-debug-exit 0)" ;;
    esac
    for re in "$@"; do
        grep -Eq -- "$re" "$log" || why="$why; missing /$re/"
    done
    bad=$(tr -d '\r' <"$log" | grep -Em1 -- "$REJECT")
    [ -z "$bad" ] || why="$why; unexpected '$bad'"
    if [ -n "$why" ]; then
        echo "FAIL: grub/$name ${why#; } ($(elapsed)s; console in $log)"
    else
        echo "PASS: grub/$name ($(elapsed)s$(rsdp_note "$log"))"
    fi
}

elapsed() { echo $(($(date +%s) - t0)); }

# Where the RSDP came from: GRUB copies it into the ACPI info tag, so an
# address outside the BIOS area 0xE0000-0xFFFFF means the tag was used.
rsdp_note() {
    a=$(sed -n 's/.*ACPI: RSDP at \(0x[0-9a-f]*\).*/\1/p' "$1" | head -n1)
    [ -n "$a" ] || return 0
    if [ $((a)) -ge $((0xE0000)) ] && [ $((a)) -lt $((0x100000)) ]; then
        echo "; RSDP $a from the BIOS area"
    else
        echo "; RSDP $a from the multiboot2 ACPI tag"
    fi
}

# The two-domain boot of docs/grub.md, from KERNEL.
two_domains() {
    name=$1 kernel=$2
    t0=$(date +%s)
    if ! tests/grub/mkiso.sh "$OUT/$name.iso" "$kernel" \
        "exit_when_done loglvl=info bogus_opt=1" \
        $G/hello-64.elf "domain name=a mem=16M" \
        $G/hello-32.elf "domain name=b mem=16M" >"$OUT/$name.log" 2>&1; then
        echo "FAIL: grub/$name grub-mkrescue failed (see $OUT/$name.log)"
        return
    fi
    boot "$name"
    check "$name" \
        'Loader: multiboot2, command line: "exit_when_done loglvl=info bogus_opt=1"' \
        "warning: cmdline: unknown option 'bogus_opt=1'" \
        '2 boot module\(s\)' \
        'ACPI: RSDP at ' \
        '\(a\) PASS' '\(b\) PASS' \
        'All domains have stopped \(0 failed'
}

two_domains mb2-gz build/oryx.gz
two_domains mb2-elf build/oryx.elf

# GRUB re-quotes a module argument that holds blanks ("cmdline=x y  z")
# and keeps "q r" quoted after "--"; the domain parser must undo both.
t0=$(date +%s)
name=mb2-guest-cmdline
if tests/grub/mkiso.sh "$OUT/$name.iso" build/oryx.gz "exit_when_done" \
    $G/hello-64.elf 'domain name=a mem=16M cmdline="x y  z"' \
    $G/hello-32.elf 'domain name=b mem=16M -- p "q r" s' \
    $G/hello-64.elf "domain name=c mem=16M cmdline='a\"b'" >"$OUT/$name.log" 2>&1; then
    boot "$name"
    check "$name" \
        '\(a\) hello-64: start \(cmdline "x y  z"\)' \
        '\(b\) hello-32: start \(cmdline "p "q r" s"\)' \
        '\(c\) hello-64: start \(cmdline "a"b"\)' \
        '\(a\) PASS' '\(b\) PASS' '\(c\) PASS' \
        'All domains have stopped \(0 failed'
else
    echo "FAIL: grub/$name grub-mkrescue failed (see $OUT/$name.log)"
fi
