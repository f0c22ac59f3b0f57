#!/bin/sh
# Stock-Linux guest tests under Oryx (issue 3; see tests/linux/linuxtest.py).
# On by default; ORYX_LINUX_TESTS=0 skips it (prints nothing). With it,
# fixtures come from scripts/fetch-fixtures.sh
# (cached in cache/) and each case prints PASS:/FAIL: linux/<case>.
# ORYX_LINUX_JOBS sets how many QEMUs run at once (default 1: the sleep and
# date checks compare with the host's clock).
[ "${ORYX_LINUX_TESTS:-1}" = 1 ] || exit 0
cd "$(dirname "$0")/../.." || exit 2
exec python3 tests/linux/linuxtest.py -j "${ORYX_LINUX_JOBS:-1}"
