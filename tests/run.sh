#!/bin/sh
# Test runner. Every suite is an executable tests/<area>/suite.sh that
# prints one line per case, "PASS: name" or "FAIL: name why". With --unit
# only the fast host suites run (those whose suite.sh says "# unit").
# The last line is "N passed, N failed"; the exit status is 1 on failure.
cd "$(dirname "$0")/.." || exit 2
mode=all
[ "$1" = "--unit" ] && mode=unit
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for s in tests/*/suite.sh; do
    [ -x "$s" ] || continue
    if [ "$mode" = unit ] && ! grep -q '^# unit' "$s"; then
        continue
    fi
    echo "== $s"
    "$s" 2>&1 | tee -a "$out"
done
pass=$(grep -c '^PASS: ' "$out")
fail=$(grep -c '^FAIL: ' "$out")
echo
grep '^FAIL: ' "$out"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
