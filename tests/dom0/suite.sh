#!/bin/sh
# Debian's stock kernel as Oryx's PVH dom0 (issue 10; tests/dom0/README.md):
# on -M pc and -M q35, with a boot-time domain beside it, dom0 loads its
# drivers and Xen devices, reads two disks, talks TCP to a second QEMU and
# powers the host off. ORYX_DOM0_TESTS=0 skips it.
[ "${ORYX_DOM0_TESTS:-1}" = 1 ] || exit 0
cd "$(dirname "$0")/../.." || exit 2
exec python3 tests/dom0/dom0test.py --oryx
