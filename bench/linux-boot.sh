#!/bin/sh
# Stock Linux boot time (issue 3): seconds from QEMU's start to the init
# marker (ORYX-INIT-OK, printed by the fixture initramfs' /init) for
# Debian's vmlinuz as a boot-time domain of Oryx, against the same kernel
# and initramfs booted directly by QEMU (-kernel/-initrd) with the same CPU
# model, the same RAM and vCPU count for the guest, in the same run.
# Also prints, from the Oryx run, the VM exits by reason and the
# hypervisor memory the domain used beyond its RAM (see docs/benchmarks.md).
# Until Linux boots under Oryx this prints "Linux does not boot under Oryx
# yet" with the hypervisor's last lines and exits 0.
# Env: N (runs each, default 3), MEM (guest MiB, default 256), VCPUS
# (default 1), TIMEOUT (s per Oryx run, default 180), LINUX_ARGS (extra
# kernel arguments for both). Consoles: build/bench/linux-boot-*.log.<i>
BENCH=linux-boot
. "$(dirname "$0")/lib.sh"

N=${N:-3}
MEM=${MEM:-256}
VCPUS=${VCPUS:-1}
TIMEOUT=${TIMEOUT:-180}
LINUX_ARGS=${LINUX_ARGS:-quiet}
need_cmd "$QEMU" python3 cpio gzip
need build/oryx.elf cache/vmlinuz cache/busybox tests/fixtures/mkinitramfs.sh

img=$OUT/linux/bench.cpio.gz
mkdir -p "$OUT/linux"
if stale "$img" cache/busybox tests/fixtures/mkinitramfs.sh tests/fixtures/init-min.sh bench/linux/bench-test.sh; then
    tests/fixtures/mkinitramfs.sh -o "$img" bench/linux/bench-test.sh >/dev/null 2>&1 ||
        skip "cannot build the benchmark initramfs (tests/fixtures/mkinitramfs.sh failed)"
fi
kver=$(cat cache/KERNEL_VERSION 2>/dev/null || echo "?")

# Oryx needs RAM for itself as well as the guest's.
host_mem=$((MEM + 256))
[ "$host_mem" -lt 512 ] && host_mem=512
oryx_opts=$(printf '%s\n' "$QEMU_OPTS" | sed "s/-m 512/-m $host_mem/")
direct_opts=$(printf '%s\n' "$QEMU_OPTS" | sed "s/-m 512/-m $MEM/; s/-smp 2/-smp $VCPUS/")
mods="cache/vmlinuz domain name=lx mem=${MEM}M vcpus=$VCPUS on_reboot=destroy cmdline=\"console=hvc0 $LINUX_ARGS\",$img initrd"

times_d="" times_o="" oryx_ok=1
i=1
while [ "$i" -le "$N" ]; do
    # shellcheck disable=SC2086
    r=$(python3 bench/qemutime.py --timeout 300 --until 'ORYX-INIT-OK' --log "$OUT/linux-boot-direct.log.$i" -- \
        $QEMU $direct_opts -kernel cache/vmlinuz -initrd "$img" -append "console=ttyS0 $LINUX_ARGS")
    case "$r" in
    elapsed=*) times_d="$times_d ${r#elapsed=}" ;;
    *) echo "$BENCH: FAILED: the kernel did not reach init under plain QEMU (console: $OUT/linux-boot-direct.log.$i)"; exit 1 ;;
    esac
    if [ "$oryx_ok" -eq 1 ]; then
        olog=$OUT/linux-boot-oryx.log.$i
        # shellcheck disable=SC2086
        r=$(python3 bench/qemutime.py --timeout "$TIMEOUT" --wait-exit --until '\(lx\) ORYX-INIT-OK' --log "$olog" -- \
            $QEMU $oryx_opts -kernel build/oryx.elf -append "exit_when_done" -initrd "$mods")
        case "$r" in
        elapsed=*) times_o="$times_o ${r#elapsed=}"; last_olog=$olog ;;
        *) oryx_ok=0; fail_log=$olog ;;
        esac
    fi
    i=$((i + 1))
done

md=$(median "$times_d")
echo "$BENCH: Debian $kver, guest ${MEM} MiB, $VCPUS vCPU(s), args \"$LINUX_ARGS\"; QEMU start to ORYX-INIT-OK (s):"
echo "$BENCH:   plain QEMU -kernel: $times_d  median $md"
uptime_d=$(sed -n 's/.*ORYX-BENCH uptime=\([0-9.]*\).*/\1/p' "$OUT/linux-boot-direct.log.1" | head -n 1)
[ -n "$uptime_d" ] && echo "$BENCH:   (kernel uptime at /test, plain QEMU: ${uptime_d} s)"

if [ "$oryx_ok" -eq 0 ]; then
    echo "$BENCH: Linux does not boot under Oryx yet (no '(lx) ORYX-INIT-OK' before QEMU ended or ${TIMEOUT} s passed; console: $fail_log)"
    echo "$BENCH: last hypervisor lines:"
    grep -v '^\[ *[0-9.]*\] *$' "$fail_log" | tail -n 6 | sed "s/^/$BENCH:   /"
    exit 0
fi

mo=$(median "$times_o")
echo "$BENCH:   under Oryx:         $times_o  median $mo"
uptime_o=$(sed -n 's/.*(lx) ORYX-BENCH uptime=\([0-9.]*\).*/\1/p' "$last_olog" | head -n 1)
[ -n "$uptime_o" ] && echo "$BENCH:   (kernel uptime at /test, under Oryx: ${uptime_o} s)"
r=$(ratio "$mo" "$md")
echo "$BENCH: ratio Oryx/plain $r (target <= 1.5: $(awk -v r="$r" 'BEGIN { print (r != "n/a" && r <= 1.5) ? "met" : "not met" }'))"

# VM exits by reason, from the line the hypervisor prints when the domain ends.
stats=$(sed -n 's/.*(d[0-9]*) lx: ran \(.*\)/\1/p' "$last_olog" | tr -d '\r' | tail -n 1)
if [ -n "$stats" ]; then
    echo "$BENCH: exits (last Oryx run): ran $stats"
    printf '%s\n' "${stats#*exits:}" | tr ' ' '\n' | grep '=' | sort -t= -k2 -n -r |
        awk -F= -v b="$BENCH" '{ printf "%s:   %-10s %10d\n", b, $1, $2 }'
else
    echo "$BENCH: no exit counters in $last_olog (the domain did not end?)"
fi

# Hypervisor memory per domain: the domain's page account when it is
# destroyed, less its RAM, less its nested page tables.
held=$(sed -n 's/.*(d[0-9]*) lx: destroyed, \([0-9]*\) pages returned.*/\1/p' "$last_olog" | tail -n 1)
if [ -n "$held" ]; then
    ram=$((MEM * 256))
    npt=$(sed -n 's/.*(d[0-9]*) lx: destroyed.* \([0-9]*\) \(NPT\|nested page.table\) pages.*/\1/p' "$last_olog" | tail -n 1)
    how="counted by the hypervisor"
    if [ -z "$npt" ]; then
        # RAM is mapped in 2 MiB leaves: one PML4, one PDPT, one PD per GiB;
        # 4 KiB splits (shared_info, grant frames) add a PT each: a lower bound.
        npt=$((2 + (MEM + 1023) / 1024))
        how="estimated lower bound: PML4 + PDPT + one PD per GiB"
    fi
    extra=$((held - ram - npt))
    echo "$BENCH: memory: $held pages charged = $ram RAM + $npt NPT ($how) + $extra other" \
         "= $((extra * 4)) KiB beyond RAM and NPT ($VCPUS vCPU(s); heap objects not included)"
else
    echo "$BENCH: no 'destroyed, N pages returned' line in $last_olog"
fi
