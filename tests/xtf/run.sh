#!/bin/sh
# XTF (Xen Test Framework) conformance run: builds XTF from a source tree
# the user gives, boots every HVM test binary (test-hvm64-*, -hvm32pae-,
# -hvm32pse-, -hvm32-) as an Oryx boot-time domain under QEMU TCG, one
# QEMU at a time, and prints one result line per binary and a summary.
# It never downloads anything. See tests/xtf/README.md.
#
# Usage: tests/xtf/run.sh [options] XTF_SRC [FILTER...]
#   FILTER          keep only binaries whose name contains one of these
#                   substrings (e.g. hvm64, xsa-2, test-hvm32-example)
#   --no-build      do not run make in XTF_SRC (use its binaries as they are)
#   --timeout S     seconds per test before it counts as a HANG (20)
#   -j N            QEMUs at once (1; at most 2, and only on an idle machine)
#   --out DIR       logs and results (build/xtf)
#   --fep           boot Oryx with hvm_fep (the forced-emulation prefix:
#                   XTF's FEP tests run instead of skipping)
#   --classify LOG [QEMU_STATUS]
#                   print the category of one saved log (the parser alone;
#                   the status defaults to the log's "qemu-status N" line;
#                   tests/xtf/suite.sh checks it on canned logs)
#
# Result categories (first match wins):
#   HYPERVISOR-CRASH  Oryx panicked or faulted ("**** Oryx PANIC",
#                     "**** Oryx FATAL EXCEPTION"), or QEMU ended other than
#                     through Oryx's end-of-run exit (status 1) or the timeout
#   SUCCESS, SKIP, FAILURE, ERROR
#                     XTF's own "Test result:" line
#   CRASH             no result; Oryx's log says the domain crashed (or the
#                     domain was never created, or stopped without a result)
#   HANG              no result and the timeout expired
# The exit status is 1 when any HYPERVISOR-CRASH was seen, else 0.
ROOT=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
SELF="$ROOT/tests/xtf/run.sh"
HV=${ORYX_HV:-$ROOT/build/oryx.elf}
QEMU=${QEMU:-qemu-system-x86_64}
TIMEOUT=20
JOBS=1
OUT=$ROOT/build/xtf
BUILD=1
HV_APPEND=${HV_APPEND:-}

usage() {
    sed -n '/^# Usage:/,/^#$/p' "$SELF" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# classify LOG QEMU_STATUS: prints "CATEGORY<TAB>detail".
classify() {
    awk -v rc="$2" '
    function keep(s) { sub(/\r$/, "", s); return s }
    { line = keep($0) }
    line ~ /^\*\*\*\* Oryx (PANIC|FATAL EXCEPTION)/ && hvcrash == "" { hvcrash = line }
    # The domain (always named xtf) writes "(xtf) text"; Oryx writes
    # "(dN) xtf: text" about it.
    # XTF writes each line twice (console_io and its PV console ring), at
    # times interleaved: only the first copy of a message counts.
    line ~ /^\(xtf\) / {
        g = substr(line, 7)
        if (result == "" && g ~ /^Test result: /) { result = substr(g, 14); next }
        if (g ~ /^(--- Xen Test Framework ---|Environment: |\*+)$/ || g ~ /^Environment: / || result != "") next
        if (g ~ /PANIC: /) { p = g; sub(/.*PANIC: /, "", p); if (panicmsg == "") { panicmsg = p; inpanic = 1 }; next }
        if (inpanic == 1 && g ~ /^Vec /) { panicmsg = panicmsg ", " g; inpanic = 2 }
        if (g in seen) next
        seen[g] = 1
        t = g; sub(/^[ \t]+/, "", t)
        if (firstmsg == "" && t ~ /^(Fail|FAIL|Error|ERROR|Skip|SKIP|Unexpected|Warning)/) firstmsg = t
        # A line that starts in lower case continues the one before.
        if (t ~ /^[a-z]/ && prevmsg != "" && prevmsg == lastmsg) lastmsg = lastmsg " " t
        else lastmsg = t
        prevmsg = lastmsg
        next
    }
    line ~ /^\(d[0-9]+\) xtf: shutdown: crash/ { guestcrash = 1 }
    line ~ /^\(d[0-9]+\) xtf: CRASHED: / && crashed == "" { crashed = line; sub(/^\(d[0-9]+\) xtf: CRASHED: /, "", crashed) }
    line ~ /not created/ && notcreated == "" { notcreated = line }
    line ~ /^All domains have stopped/ { ended = 1 }
    # run_one appends QEMU'"'"'s exit status to the saved log.
    line ~ /^qemu-status [0-9]+/ && rc == "" { split(line, w, /[ ,]+/); rc = w[2] }
    END {
        if (hvcrash != "") { print "HYPERVISOR-CRASH\t" hvcrash; exit }
        if (rc != "" && rc != 1 && rc != 124) {
            print "HYPERVISOR-CRASH\tQEMU ended with status " rc " (not Oryx'"'"'s end of run)"; exit
        }
        msg = firstmsg != "" ? firstmsg : lastmsg
        if (result != "") {
            cat = result; sub(/ .*/, "", cat)
            if (cat !~ /^(SUCCESS|SKIP|FAILURE|ERROR)$/) { print "ERROR\tunknown result: " result; exit }
            det = (cat == "SUCCESS") ? "" : msg
            if (result ~ /with warnings/) det = "with warnings" (det != "" ? "; " det : "")
            if (crashed != "") det = det (det != "" ? "; " : "") "then crashed: " crashed
            else if (rc == 124 && !ended) det = det (det != "" ? "; " : "") "then hung"
            print cat "\t" det; exit
        }
        if (crashed != "") { print "CRASH\t" crashed; exit }
        if (guestcrash || panicmsg != "") { print "CRASH\tXTF panic: " (panicmsg != "" ? panicmsg : "(no message)"); exit }
        if (notcreated != "") { print "CRASH\t" notcreated; exit }
        if (rc == 124 || (rc == "" && !ended)) { print "HANG\t" (msg != "" ? "last output: " msg : "no output"); exit }
        print "CRASH\tstopped without a result" (msg != "" ? "; last output: " msg : "")
    }' "$1"
}

# run_one BIN: boots one test, saves its log, writes OUT/res/NAME.
run_one() {
    bin=$1
    name=$(basename "$bin")
    # XTF's own xl configuration for it: vCPUs and memory (the last
    # setting wins, as in xl); a binary run only as variants (~hap,
    # ~shadow) has only theirs.
    cfg="$bin.cfg"
    if [ ! -f "$cfg" ]; then
        cfg=
        for c in "$bin"~*.cfg; do [ -f "$c" ] && { cfg=$c; break; }; done
    fi
    vcpus=1 mem=128
    if [ -n "$cfg" ] && [ -f "$cfg" ]; then
        v=$(sed -n 's/^vcpus *= *\([0-9][0-9]*\).*/\1/p' "$cfg" | tail -n 1)
        m=$(sed -n 's/^memory *= *\([0-9][0-9]*\).*/\1/p' "$cfg" | tail -n 1)
        [ -n "$v" ] && vcpus=$v
        [ -n "$m" ] && mem=$m
    fi
    log="$OUT/logs/$name.log"
    start=$(date +%s)
    # The domain's name is always "xtf": test names can be longer than a
    # domain name may be and contain "~". Every binary here is an HVM
    # test, run as XTF's xl configurations do (type=hvm): with the IOAPIC,
    # HPET and RTC emulated.
    timeout -k 5 "$TIMEOUT" "$QEMU" -M pc -accel tcg -cpu qemu64,+svm,+npt -smp 2 -m 512 \
        -display none -monitor none -serial stdio -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=4 \
        -kernel "$HV" -append "exit_when_done loglvl=info${HV_APPEND:+ $HV_APPEND}" \
        -initrd "$bin domain name=xtf mem=${mem}M vcpus=$vcpus type=hvm" \
        < /dev/null > "$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    echo "qemu-status $rc, $secs s" >> "$log"
    res=$(classify "$log" "$rc")
    cat=${res%%"	"*}
    det=${res#*"	"}
    printf '%-16s %-44s %s\n' "$cat" "$name" "$det" > "$OUT/res/$name"
    cat "$OUT/res/$name"
}

while [ $# -gt 0 ]; do
    case $1 in
    --no-build) BUILD=0 ;;
    --timeout) TIMEOUT=$2; shift ;;
    -j) JOBS=$2; shift ;;
    --out) OUT=$2; shift ;;
    --fep) HV_APPEND="${HV_APPEND:+$HV_APPEND }hvm_fep" ;;
    --classify) [ -f "$2" ] || usage; classify "$2" "$3"; exit 0 ;;
    --one) run_one "$2"; exit 0 ;;     # internal: one test (for -j)
    -h|--help) usage ;;
    -*) echo "run.sh: unknown option $1" >&2; usage ;;
    *) break ;;
    esac
    shift
done
[ $# -ge 1 ] || usage
XTF=$(cd "$1" 2>/dev/null && pwd) || { echo "run.sh: no directory $1" >&2; exit 2; }
shift
if [ ! -f "$XTF/xtf-runner" ] || [ ! -d "$XTF/tests" ]; then
    echo "run.sh: $XTF does not look like an XTF source tree (no xtf-runner, tests/)" >&2
    exit 2
fi
[ -f "$HV" ] || { echo "run.sh: $HV missing: run make first" >&2; exit 2; }
command -v "$QEMU" > /dev/null || { echo "run.sh: $QEMU not found (scripts/install-deps.sh)" >&2; exit 2; }
case $JOBS in 1|2) ;; *) echo "run.sh: -j must be 1 or 2" >&2; exit 2 ;; esac

if [ "$BUILD" = 1 ]; then
    echo "xtf: building XTF in $XTF (log: $OUT/xtf-build.log)"
    mkdir -p "$OUT"
    make -C "$XTF" -j2 > "$OUT/xtf-build.log" 2>&1 ||
        { echo "run.sh: XTF build failed; see $OUT/xtf-build.log" >&2; exit 2; }
fi

rm -rf "$OUT/logs" "$OUT/res"
mkdir -p "$OUT/logs" "$OUT/res"
list="$OUT/tests.txt"
find "$XTF/tests" -type f -name 'test-hvm*' ! -name '*.cfg' | sort > "$list.all"
if [ $# -gt 0 ]; then
    : > "$list"
    while read -r b; do
        n=$(basename "$b")
        for f in "$@"; do
            case $n in *"$f"*) echo "$b" >> "$list"; break ;; esac
        done
    done < "$list.all"
else
    cp "$list.all" "$list"
fi
rm -f "$list.all"
total=$(wc -l < "$list")
[ "$total" -gt 0 ] || { echo "run.sh: no HVM test binaries (test-hvm*) match; was XTF built?" >&2; exit 2; }
commit=$(git -C "$XTF" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
echo "xtf: $total HVM tests from $XTF (commit $commit), timeout ${TIMEOUT}s, $JOBS at a time${HV_APPEND:+, Oryx command line +\"$HV_APPEND\"}"

export HV QEMU HV_APPEND
xargs -P "$JOBS" -n 1 "$SELF" --timeout "$TIMEOUT" --out "$OUT" --one < "$list" > /dev/null &
xpid=$!
# Results in the list's order as they arrive.
while read -r b; do
    n=$(basename "$b")
    while [ ! -s "$OUT/res/$n" ]; do
        kill -0 "$xpid" 2> /dev/null || break
        sleep 1
    done
    if [ -s "$OUT/res/$n" ]; then cat "$OUT/res/$n"; else printf '%-16s %s\n' ERROR "$n (runner failed)"; fi
done < "$list" | tee "$OUT/results.txt"
wait "$xpid"

echo
echo "Summary ($total tests, XTF $commit, $(date -u +%Y-%m-%d)):"
for c in SUCCESS SKIP FAILURE ERROR CRASH HANG HYPERVISOR-CRASH; do
    printf '  %-16s %d\n' "$c" "$(grep -c "^$c " "$OUT/results.txt")"
done | tee "$OUT/summary.txt"
# The same results as a Markdown table, one row per test and one column
# per environment (docs/status.md keeps a copy).
awk '{ n = $2; sub(/^test-/, "", n); env = n; sub(/-.*/, "", env); sub(/^[^-]*-/, "", n)
       if (!(n in row)) order[++k] = n; row[n] = 1; r[n, env] = $1 }
     END { print "| Test | hvm64 | hvm32pae | hvm32pse | hvm32 |"; print "|---|---|---|---|---|"
           for (i = 1; i <= k; i++) { n = order[i]; l = "| " n
               split("hvm64 hvm32pae hvm32pse hvm32", e, " ")
               for (j = 1; j <= 4; j++) l = l " | " ((n, e[j]) in r ? r[n, e[j]] : "-")
               print l " |" } }' "$OUT/results.txt" > "$OUT/matrix.md"
echo "Logs: $OUT/logs/; table: $OUT/matrix.md"
! grep -q '^HYPERVISOR-CRASH ' "$OUT/results.txt"
