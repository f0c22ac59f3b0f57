#!/bin/sh
# /test of the linux-boot benchmark's initramfs (run by the fixture /init
# right after it prints ORYX-INIT-OK). Reports the kernel's own view of
# how long the boot took, then returns so that /init powers off.
echo "ORYX-BENCH uptime=$(cut -d' ' -f1 /proc/uptime) cpus=$(nproc)"
