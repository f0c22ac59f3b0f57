#!/usr/bin/env python3
"""Boot Oryx several times and compare its calibrated TSC frequency with
the host's, optionally with CPU hogs loading the machine.

Under QEMU TCG a guest's RDTSC reads the host TSC and the PIT, the ACPI PM
timer and the LAPIC timer follow the host's CLOCK_MONOTONIC, so a right
calibration equals the host TSC frequency; build/tests/clock/hosttsc
measures that in the same run (before and after the boots).

    tscboot.py [--boots N] [--hogs K] [--timeout S] [--log PREFIX] [--hv ELF]

Each boot: build/oryx.elf with the hello-64 micro-guest, `exit_when_done`,
the QEMU options of tests/hv/hvtest.py. With --hogs K, K busy shell loops
run for the whole time and are killed on every way out (they also end by
themselves when this script's process is gone). Prints, one per line:
    host_khz=<kHz> before=<kHz> after=<kHz>
    boot=<i> tsc_khz=<kHz> lapic_khz=<kHz> ppm=<error> how="<calibration line>"
    boot=<i> error="<why>"
    summary boots=<n> ok=<n> mean_ppm=.. min_ppm=.. max_ppm=.. stddev_ppm=.. max_abs_ppm=..
            median_ms=.. max_ms=..   (the calibration's own time, when printed)
Exit status 0 when every boot finished and printed its figures, 1 otherwise;
nothing here judges the figures (tests/clock/suite.sh and
bench/tsc-calibration.sh do).
"""
import argparse
import os
import re
import signal
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HV = os.environ.get("ORYX_HV") or os.path.join(ROOT, "build", "oryx.elf")
GUEST = os.path.join(ROOT, "build", "guests", "hello-64.elf")
HOSTTSC = os.path.join(ROOT, "build", "tests", "clock", "hosttsc")

# As tests/hv/hvtest.py boots every case.
QEMU = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "qemu64,+svm,+npt", "-smp", "2",
        "-m", "512", "-nographic", "-no-reboot",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-monitor", "none",
        "-serial", "stdio"]


def host_khz():
    out = subprocess.run([HOSTTSC, "500"], stdout=subprocess.PIPE, check=True,
                         timeout=30).stdout.decode()
    return float(out.split()[0])


def start_hogs(k):
    # `kill -0` on our pid each round: a hog outlives this script by one
    # loop iteration at most, even if we are killed with SIGKILL.
    loop = "while kill -0 %d 2>/dev/null; do :; done" % os.getpid()
    return [subprocess.Popen(["sh", "-c", loop], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(k)]


def stop_hogs(hogs):
    for h in hogs:
        if h.poll() is None:
            h.kill()
    for h in hogs:
        h.wait()


def boot(hv, i, timeout, log):
    args = QEMU + ["-kernel", hv, "-append", "exit_when_done",
                   "-initrd", GUEST + " domain name=hello mem=16M"]
    try:
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=timeout)
        out, why = p.stdout.decode("utf-8", "replace"), None
        if p.returncode != 1:
            why = "QEMU exit status %s (want 1: isa-debug-exit 0)" % p.returncode
    except subprocess.TimeoutExpired as e:
        out, why = (e.stdout or b"").decode("utf-8", "replace"), "timed out after %ds" % timeout
    if log:
        with open("%s.%d" % (log, i), "w") as f:
            f.write(out)
    m = re.search(r"Time: TSC (\d+) kHz, LAPIC timer (\d+) kHz", out)
    if not m:
        return None, None, "", why or "no 'Time: TSC N kHz' line"
    how = re.search(r"Time: calibrat\w*[^\n]*", out)
    if why is None and not re.search(r"\(hello\) PASS", out):
        why = "no '(hello) PASS'"
    return int(m.group(1)), int(m.group(2)), how.group(0).strip() if how else "", why


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--boots", type=int, default=5)
    ap.add_argument("--hogs", type=int, default=0)
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("--log", default=None, help="console of boot i to LOG.i")
    ap.add_argument("--hv", default=HV,
                    help="hypervisor image (default $ORYX_HV, else build/oryx.elf)")
    a = ap.parse_args()
    for f in (a.hv, GUEST, HOSTTSC):
        if not os.path.exists(f):
            print("error: %s is missing (run 'make')" % f)
            return 1
    if a.log:
        os.makedirs(os.path.dirname(os.path.abspath(a.log)), exist_ok=True)
    # SIGTERM/SIGHUP from a runner's timeout: leave through `finally`.
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, lambda *_: sys.exit(1))
    hogs = start_hogs(a.hogs)
    ok, ms, errs = [], [], 0
    try:
        before = host_khz()
        rows = []
        for i in range(1, a.boots + 1):
            rows.append((i,) + boot(a.hv, i, a.timeout, a.log))
        after = host_khz()
    finally:
        stop_hogs(hogs)
    ref = (before + after) / 2
    print("host_khz=%.3f before=%.3f after=%.3f" % (ref, before, after))
    for i, tsc, lapic, how, why in rows:
        if tsc is None:
            print('boot=%d error="%s"' % (i, why))
            errs += 1
            continue
        ppm = (tsc - ref) / ref * 1e6
        ok.append(ppm)
        m = re.search(r"calibrated in (\d+) ms", how)
        if m:
            ms.append(int(m.group(1)))
        print('boot=%d tsc_khz=%d lapic_khz=%d ppm=%.0f how="%s"%s'
              % (i, tsc, lapic, ppm, how, ' error="%s"' % why if why else ""))
        errs += why is not None
    if ok:
        print("summary boots=%d ok=%d mean_ppm=%.1f min_ppm=%.1f max_ppm=%.1f "
              "stddev_ppm=%.1f max_abs_ppm=%.1f%s"
              % (a.boots, len(ok), statistics.mean(ok), min(ok), max(ok),
                 statistics.pstdev(ok), max(abs(p) for p in ok),
                 " median_ms=%g max_ms=%d" % (statistics.median(ms), max(ms)) if ms else ""))
    else:
        print("summary boots=%d ok=0" % a.boots)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
