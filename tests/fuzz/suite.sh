#!/bin/sh
# Short libFuzzer runs over every parser of untrusted input
# (tests/fuzz/fuzz_*.c, docs/testing.md): each target FUZZ_SECS seconds
# (default 5) in a fresh corpus started from its generated seeds and its
# committed regression inputs. A crash, a sanitizer report, a hang, a leak
# or a failed check fails the case; so does a fuzzer that cannot be built
# (clang and libclang-rt-14-dev: scripts/install-deps.sh). About a
# minute on 2 cores.
cd "$(dirname "$0")/../.." || exit 2
FUZZ_SECS=${FUZZ_SECS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
targets=$(make -s --no-print-directory fuzz-list)
[ -n "$targets" ] || { echo "FAIL: fuzz/list no fuzz targets (make fuzz-list)"; exit 0; }

cc=${FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null 2>&1; then
    for t in $targets; do
        echo "FAIL: fuzz/$t $cc not found (scripts/install-deps.sh installs clang)"
    done
    exit 0
fi
# libFuzzer's runtime is a separate package on Debian (libclang-rt-14-dev).
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\n'\
'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
    >"$tmp/probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined -o "$tmp/probe" "$tmp/probe.c" >"$tmp/probe.log" 2>&1; then
    for t in $targets; do
        echo "FAIL: fuzz/$t $cc cannot link libFuzzer (libclang-rt-14-dev): $(head -1 "$tmp/probe.log")"
    done
    exit 0
fi

for t in $targets; do
    if ! make -s --no-print-directory "build/fuzz/fuzz_$t" "build/fuzz/seeds/$t.stamp" \
        >"$tmp/build.log" 2>&1; then
        echo "FAIL: fuzz/$t does not build: $(grep -m1 -e error -e Error "$tmp/build.log")"
        continue
    fi
    if tests/fuzz/run.sh "$t" "$FUZZ_SECS" "$tmp/corpus-$t" >"$tmp/run.out" 2>"$tmp/run.err"; then
        echo "PASS: fuzz/$t ($(sed "s/^$t: //" "$tmp/run.out"))"
    else
        echo "FAIL: fuzz/$t $(grep -m1 -e ERROR -e 'runtime error' -e 'FAILED' "$tmp/run.err")"
        cat "$tmp/run.err" >&2
    fi
done
