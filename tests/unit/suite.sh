#!/bin/sh
# unit
# Runs every host unit-test binary under build/unit/. A binary that
# crashes (sanitizer report, abort) also counts as one failed case.
cd "$(dirname "$0")/../.." || exit 2
for t in build/unit/*; do
    [ -x "$t" ] || continue
    "$t"
    rc=$?
    [ $rc -eq 0 ] || echo "FAIL: unit/$(basename "$t") exited with status $rc"
done
