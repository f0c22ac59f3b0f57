#!/bin/sh
# The tree must build warning-free (-Werror) with clang as well as gcc:
# the hypervisor, the micro-guests and the tools, into build/clang/.
cd "$(dirname "$0")/../.." || exit 2
if ! command -v clang >/dev/null 2>&1; then
    echo "FAIL: build/clang clang is not installed (apt-get install clang)"
    exit 0
fi
log=build/clang-build.log
mkdir -p build
if make -j2 CC=clang BUILD=build/clang build/clang/oryx.elf >"$log" 2>&1; then
    echo "PASS: build/clang-hypervisor"
else
    echo "FAIL: build/clang-hypervisor see $log"
fi
if make -j2 CC=clang BUILD=build/clang all >>"$log" 2>&1; then
    echo "PASS: build/clang-all"
else
    echo "FAIL: build/clang-all see $log"
fi
