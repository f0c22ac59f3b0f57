#!/bin/sh
# Hypervisor integration tests under QEMU (see tests/hv/hvtest.py).
cd "$(dirname "$0")/../.." || exit 2
exec python3 tests/hv/hvtest.py -j 2
