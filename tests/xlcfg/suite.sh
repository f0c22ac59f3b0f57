#!/bin/sh
# unit
# oxl config-check over sample configs.
#   good/NAME.cfg: exit 0, stdout == good/NAME.out, stderr == good/NAME.err
#                  (empty when absent), and the normalized output, read
#                  back, normalizes to itself.
#   bad/NAME.cfg:  exit 1, stderr == bad/NAME.err.
# Set XLCFG_REGEN=1 to rewrite the expected files from the current output.
cd "$(dirname "$0")/../.." || exit 2
oxl=build/tools/oxl
if [ ! -x "$oxl" ]; then
    echo "FAIL: xlcfg/build $oxl is not built (make $oxl)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for cfg in tests/xlcfg/good/*.cfg; do
    n=$(basename "$cfg" .cfg)
    exp=tests/xlcfg/good/$n
    "$oxl" config-check "$cfg" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ -n "$XLCFG_REGEN" ]; then
        cp "$tmp/out" "$exp.out"
        if [ -s "$tmp/err" ]; then cp "$tmp/err" "$exp.err"; else rm -f "$exp.err"; fi
    fi
    [ -f "$exp.err" ] || : >"$tmp/noerr"
    experr=$exp.err; [ -f "$experr" ] || experr=$tmp/noerr
    if [ $rc -ne 0 ]; then
        echo "FAIL: xlcfg/good/$n exit status $rc: $(head -1 "$tmp/err")"
    elif ! cmp -s "$tmp/out" "$exp.out"; then
        echo "FAIL: xlcfg/good/$n output differs: $(diff "$exp.out" "$tmp/out" | sed -n 2p)"
    elif ! cmp -s "$tmp/err" "$experr"; then
        echo "FAIL: xlcfg/good/$n diagnostics differ: $(diff "$experr" "$tmp/err" | sed -n 2p)"
    else
        echo "PASS: xlcfg/good/$n"
    fi
    # Round trip: normalized output is a fixed point.
    "$oxl" config-check - <"$tmp/out" >"$tmp/out2" 2>"$tmp/err2"
    if [ $? -eq 0 ] && cmp -s "$tmp/out" "$tmp/out2"; then
        echo "PASS: xlcfg/roundtrip/$n"
    else
        echo "FAIL: xlcfg/roundtrip/$n normalized output does not read back to itself"
    fi
done

for cfg in tests/xlcfg/bad/*.cfg; do
    n=$(basename "$cfg" .cfg)
    exp=tests/xlcfg/bad/$n.err
    "$oxl" config-check "$cfg" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ -n "$XLCFG_REGEN" ] && cp "$tmp/err" "$exp"
    if [ $rc -ne 1 ]; then
        echo "FAIL: xlcfg/bad/$n exit status $rc, want 1"
    elif [ -s "$tmp/out" ]; then
        echo "FAIL: xlcfg/bad/$n printed a config although it is invalid"
    elif ! cmp -s "$tmp/err" "$exp"; then
        echo "FAIL: xlcfg/bad/$n message differs: want '$(head -1 "$exp")' got '$(head -1 "$tmp/err")'"
    else
        echo "PASS: xlcfg/bad/$n"
    fi
done
