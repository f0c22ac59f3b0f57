#!/bin/sh
# Runs every benchmark (what `make bench` calls). Each prints its figures
# as "<bench>: ..." lines, as ratios against a baseline measured in the
# same run; one whose prerequisite is missing prints "<bench>: skipped: why".
# Nothing here asserts a timing: the exit status is 1 only when a
# benchmark could not produce its figures at all.
# Usage: bench/run-all.sh [name ...]   (names: size world-switch boot-time dom0
#        tsc-calibration linux-boot disk store; default all)
cd "$(dirname "$0")/.." || exit 2
all="size world-switch boot-time tsc-calibration linux-boot dom0 disk store"
sel=${*:-$all}
status=0
for b in $sel; do
    echo "== $b"
    case "$b" in
    store)
        if [ ! -x build/tools/oryxd/oryxd ]; then
            echo "store: skipped: build/tools/oryxd/oryxd is missing (run 'make')"
        elif [ ! -f bench/store/bench.py ]; then
            echo "store: skipped: bench/store/bench.py is missing"
        else
            python3 bench/store/bench.py || status=1
        fi
        ;;
    size | world-switch | boot-time | tsc-calibration | linux-boot | dom0 | disk)
        "bench/$b.sh" || status=1
        ;;
    *)
        echo "$b: unknown benchmark (have: $all)"
        status=1
        ;;
    esac
done
exit $status
