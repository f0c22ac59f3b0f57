#!/usr/bin/env python3
"""Soak run (`make soak`, not part of `make test`): every hypervisor test
case (tests/hv) --hv times (default 50) and the two-vCPU Linux boot
(tests/linux) --linux times (default 20), with --hogs CPU hogs (default 1)
busy beside QEMU so that the machine is loaded. It reports, per test, the
runs, passes, hangs (timeouts), clock errors and other failures, and for
the Linux boots the guest's sleep 2 in host seconds, its date's distance
from the host's clock and the TSC frequency the hypervisor calibrated.
Each failure's console is kept as build/soak/<test>-<run>.log.

Usage: soak.py [--hv N] [--linux N] [--jobs J] [--hogs H] [hv-case-substring ...]
Exit status 1 when anything failed or hung.
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "tests", "hv"), os.path.join(ROOT, "tests", "linux")]
import hvtest       # noqa: E402
import linuxtest    # noqa: E402

OUT = os.path.join(ROOT, "build", "soak")


class Tally:
    def __init__(self):
        self.runs = self.passes = self.hangs = self.clock = self.other = 0
        self.first_why = ""

    def add(self, line, clock_error=False):
        self.runs += 1
        if line.startswith("PASS"):
            self.passes += 1
            return True
        if "timed out" in line:
            self.hangs += 1
        elif clock_error:
            self.clock += 1
        else:
            self.other += 1
        self.first_why = self.first_why or line
        return False


def keep(src, name, n):
    os.makedirs(OUT, exist_ok=True)
    if os.path.exists(src):
        shutil.copy(src, os.path.join(OUT, "%s-%d.log" % (name, n)))


def soak_hv(repeat, jobs, names):
    sel = [c for c in hvtest.cases() if not names or any(s in c.name for s in names)]
    hvtest.make_fixtures()
    tallies = {c.name: Tally() for c in sel}
    work = [(c, n) for n in range(1, repeat + 1) for c in sel]

    def one(item):
        case, n = item
        # Each run gets its own log name: runs of a case overlap under -j.
        run_case = hvtest.Case(**{**case.__dict__, "name": "%s.%d" % (case.name, n)})
        return case, n, hvtest.run(run_case)

    with ThreadPoolExecutor(max_workers=jobs) as ex:
        for case, n, line in ex.map(one, work):
            log = os.path.join(hvtest.OUT, "%s.%d.log" % (case.name, n))
            if not tallies[case.name].add(line):
                keep(log, case.name, n)
            if os.path.exists(log):
                os.unlink(log)
    return tallies


def linux_figures(log):
    """Host-timed sleep 2, the guest date's skew and the calibrated TSC."""
    sleep = skew = khz = None
    begin = None
    with open(log) as f:
        for line in f:
            m = re.match(r"\[\s*([\d.]+) ([\d.]+)\] (.*)", line)
            if not m:
                continue
            mono, wall, text = float(m.group(1)), float(m.group(2)), m.group(3)
            k = re.search(r"Time: TSC (\d+) kHz", text)
            if k:
                khz = int(k.group(1))
            if "SLEEP-BEGIN" in text:
                begin = mono
            elif "SLEEP-END" in text and begin is not None:
                sleep = mono - begin
            d = re.search(r"\) DATE (\d+)", text)
            if d and skew is None:
                skew = int(d.group(1)) - wall
    return sleep, skew, khz


def soak_linux(repeat):
    if linuxtest.ensure_fixtures():
        return None, []
    case = [c for c in linuxtest.cases() if c.name == "two-vcpus"][0]
    tally, figures = Tally(), []
    log = os.path.join(linuxtest.OUT, "two-vcpus.log")
    for n in range(1, repeat + 1):
        line = linuxtest.run(case)
        clock = "sleep 2 took" in line or "guest date is" in line
        if not tally.add(line, clock):
            keep(log, "linux-two-vcpus", n)
        if os.path.exists(log):
            figures.append(linux_figures(log))
        print("  linux/two-vcpus %d/%d: %s" % (n, repeat, line[:160]), flush=True)
    return tally, figures


def main():
    hv_n, linux_n, jobs, hogs, names = 50, 20, 2, 1, []
    argv = sys.argv[1:]
    while argv:
        a = argv.pop(0)
        if a in ("--hv", "--linux", "--jobs", "--hogs"):
            v = int(argv.pop(0))
            if a == "--hv":
                hv_n = v
            elif a == "--linux":
                linux_n = v
            elif a == "--jobs":
                jobs = v
            else:
                hogs = v
        else:
            names.append(a)
    hog_procs = [subprocess.Popen(["sh", "-c", "while :; do :; done"]) for _ in range(hogs)]
    t0 = time.time()
    bad = 0
    try:
        print("soak: %d CPU hog(s); each hypervisor case %d times (%d at once)" %
              (hogs, hv_n, jobs), flush=True)
        tallies = soak_hv(hv_n, jobs, names) if hv_n else {}
        print("%-28s %5s %5s %5s %5s %5s" % ("test", "runs", "pass", "hang", "clock", "other"))
        for name, t in tallies.items():
            print("%-28s %5d %5d %5d %5d %5d" % ("hv/" + name, t.runs, t.passes, t.hangs,
                                                t.clock, t.other), flush=True)
            bad += t.runs - t.passes
            if t.first_why:
                print("    first failure: %s" % t.first_why[:300])
        if linux_n:
            tally, figs = soak_linux(linux_n)
            if tally is None:
                print("soak: Linux fixtures missing (scripts/fetch-fixtures.sh)")
                bad += 1
            else:
                print("%-28s %5d %5d %5d %5d %5d" % ("linux/two-vcpus", tally.runs, tally.passes,
                                                    tally.hangs, tally.clock, tally.other))
                bad += tally.runs - tally.passes
                if tally.first_why:
                    print("    first failure: %s" % tally.first_why[:300])
                sleeps = [s for s, _, _ in figs if s is not None]
                skews = [k for _, k, _ in figs if k is not None]
                khz = [f for _, _, f in figs if f is not None]
                if sleeps:
                    print("    sleep 2 in host seconds: min %.3f median %.3f max %.3f" %
                          (min(sleeps), statistics.median(sleeps), max(sleeps)))
                if skews:
                    print("    guest date - host clock (s): min %+.1f max %+.1f" %
                          (min(skews), max(skews)))
                if len(khz) > 1:
                    mean = statistics.mean(khz)
                    print("    calibrated TSC: mean %.0f kHz, spread %.0f ppm (min %d, max %d)" %
                          (mean, (max(khz) - min(khz)) / mean * 1e6, min(khz), max(khz)))
    finally:
        for p in hog_procs:
            p.kill()
            p.wait()
    print("soak: %s in %.0f s" % ("%d failed or hung" % bad if bad else "no failure, no hang",
                                 time.time() - t0))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
