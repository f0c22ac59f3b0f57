#!/bin/sh
# unit
# Self-check of tests/xtf/run.sh's log parser (XTF itself is not run here:
# it needs a source tree from the network; see tests/xtf/README.md). Each
# canned log in tests/xtf/canned/ is named CATEGORY.what.log and must be
# classified as CATEGORY.
cd "$(dirname "$0")/../.." || exit 2
for f in tests/xtf/canned/*.log; do
    n=$(basename "$f" .log)
    want=${n%%.*}
    got=$(tests/xtf/run.sh --classify "$f" | cut -f 1)
    if [ "$got" = "$want" ]; then
        echo "PASS: xtf/parse-$n"
    else
        echo "FAIL: xtf/parse-$n classified as '$got'"
    fi
done
