#!/bin/sh
# The README's interactive promise under `make run`: type into each Linux
# guest's shell (Ctrl-A three times switches the input), use the debug
# keys, power both guests off (see tests/linux/interactive.py). Needs the
# same fixtures as tests/linux, so ORYX_LINUX_TESTS=0 skips it too.
[ "${ORYX_LINUX_TESTS:-1}" = 1 ] || exit 0
cd "$(dirname "$0")/../.." || exit 2
exec python3 tests/linux/interactive.py
