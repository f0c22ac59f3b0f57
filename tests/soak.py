#!/usr/bin/env python3
"""Soak run (`make soak`, not part of `make test`): every hypervisor test
case (tests/hv) --hv times (default 50) and the two-vCPU Linux boot
(tests/linux) --linux times (default 20), with --hogs CPU hogs (default 1)
busy beside QEMU so that the machine is loaded. It reports, per test, the
runs, passes, hangs (timeouts), clock errors and other failures, and for
the Linux boots the guest's sleep 2 in host seconds, its date's distance
from the host's clock and the TSC frequency the hypervisor calibrated.
Each failure's console is kept as build/soak/<test>-<run>.log.

With --hcfuzz CALLS it also runs the hostile guests (guests/hcfuzz): rounds
of one boot each, with one hostile guest per mode (64, 32pae, 32) making
--hcfuzz-round calls each (default 500000) beside a well-behaved domain,
until CALLS calls in all; seeds from --seed (default: the clock), printed.
It reports calls/s and the host crashes (the hypervisor panicked or
faulted, the machine reset, QEMU exited, or the console fell silent),
which must be 0, and any hostile guest that failed or the well-behaved
one stopping. With --hvm the hostile guests are type=hvm domains that
also fuzz their chipset (IOAPIC, HPET, RTC: hcfuzz's `chipset`).

Usage: soak.py [--hv N] [--linux N] [--jobs J] [--hogs H]
               [--hcfuzz CALLS] [--hcfuzz-round N] [--seed S] [--hvm] [hv-case-substring ...]
Exit status 1 when anything failed or hung.
"""
import os
import re
import select
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


HCFUZZ_RE = re.compile(r"\((hf\w+)\) hcfuzz: calls (\d+) in (\d+\.\d+) s")
HOST_CRASH_RE = re.compile(r"FATAL EXCEPTION|PANIC|BUG:|unhandled SVM exit|still charged")
SILENCE = 180       # seconds without a console line: a hang


HCFUZZ_HVM = False      # --hvm


def hcfuzz_round(seed, calls, log):
    """One boot: a hostile guest per mode making `calls` calls and a
    well-behaved domain that must still be stepping after they end.
    Without -no-reboot, so that a host triple fault shows as a second
    boot, with QEMU's CPU state at the reset in <log>.qemu; QEMU exiting
    is then a power-off (or QEMU's own end)."""
    names = {"hf%s" % m: (m, seed + i) for i, m in enumerate(hvtest.HCFUZZ_MODES)}
    hvm = (" type=hvm", " chipset") if HCFUZZ_HVM else ("", "")
    mods = [hvtest.guest("hcfuzz", m, "name=%s mem=16M%s cmdline=\"seed=%d calls=%d report=%d%s\"" %
                         (name, hvm[0], sd, calls, max(calls // 10, 1000), hvm[1]))
            for name, (m, sd) in names.items()]
    mods.append(hvtest.guest("progress", "64",
                             "name=well mem=8M cmdline=\"block steps=100000000 ms=200\""))
    args = ["qemu-system-x86_64", "-M", "pc", "-accel", "tcg", "-cpu", "qemu64,+svm,+npt",
            "-smp", "2", "-m", "512", "-nographic", "-kernel", hvtest.HV,
            "-append", "exit_when_done", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
            "-monitor", "none", "-serial", "stdio", "-d", "cpu_reset", "-D", log + ".qemu",
            "-initrd", ",".join(m.replace(",", ",,") for m in mods)]
    res = {"done": {}, "failed": [], "host": None, "well": False}
    t0 = time.time()
    last = last_hf = t0
    buf = b""
    boots = 0
    with open(log, "wb") as f:
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL)
        try:
            end_of_fuzz = None
            while True:
                r, _, _ = select.select([p.stdout], [], [], 5)
                now = time.time()
                if r:
                    chunk = os.read(p.stdout.fileno(), 65536)
                    if not chunk:
                        if not end_of_fuzz or not res["well"]:
                            res["host"] = "QEMU exited (status %s) mid-run, no reset: " \
                                          "a power-off?" % p.wait()
                        break
                    f.write(chunk)
                    buf += chunk
                    last = now
                    *lines, buf = buf.split(b"\n")
                    for raw in lines:
                        line = raw.decode("utf-8", "replace")
                        if "(hf" in line:
                            last_hf = now
                        m = HCFUZZ_RE.search(line)
                        if m:
                            res["done"][m.group(1)] = (int(m.group(2)), float(m.group(3)))
                        if re.search(r"\((hf\w+)\) FAIL|\(d\d+\) \w+: CRASHED", line):
                            res["failed"].append(line.strip()[:300])
                        if HOST_CRASH_RE.search(line) and not res["host"]:
                            res["host"] = line.strip()[:300]
                        if "Oryx hypervisor" in line:
                            boots += 1
                            if boots > 1 and not res["host"]:
                                res["host"] = "the machine reset (a host triple fault?): " \
                                              "QEMU's CPU state in %s.qemu" % log
                        if end_of_fuzz and "(well) progress: step" in line:
                            res["well"] = True
                if res["host"]:
                    break
                finished = set(res["done"]) | {n for n in names
                                               if any("(%s)" % n in x or " %s: " % n in x
                                                      for x in res["failed"])}
                if end_of_fuzz is None and finished >= set(names):
                    end_of_fuzz = now
                if end_of_fuzz and (res["well"] or now - end_of_fuzz > 30):
                    break           # the well-behaved domain answered, or never will
                if now - last > SILENCE:
                    res["host"] = "console silent for %d s (hang)" % SILENCE
                    break
                if end_of_fuzz is None and now - last_hf > SILENCE:
                    res["failed"].append("hostile guests silent for %d s while the console "
                                         "was not (a domain hang)" % SILENCE)
                    break
        finally:
            p.kill()
            p.wait()
    res["wall"] = (end_of_fuzz or time.time()) - t0
    res["names"] = names
    return res


def soak_hcfuzz(total, per, seed):
    os.makedirs(OUT, exist_ok=True)
    rounds = max(1, -(-total // (per * len(hvtest.HCFUZZ_MODES))))
    print("soak: hcfuzz %d calls: %d round(s) of %d calls in each of %s; seed %d" %
          (total, rounds, per, ", ".join(hvtest.HCFUZZ_MODES), seed), flush=True)
    calls = host = failed = well_lost = 0
    wall = 0.0
    per_mode = {m: [0, 0.0] for m in hvtest.HCFUZZ_MODES}
    for n in range(1, rounds + 1):
        s = seed + 10 * (n - 1)
        log = os.path.join(OUT, "hcfuzz-%d.log" % n)
        r = hcfuzz_round(s, per, log)
        done = sum(c for c, _ in r["done"].values())
        calls += done
        wall += r["wall"]
        for name, (c, secs) in r["done"].items():
            per_mode[r["names"][name][0]][0] += c
            per_mode[r["names"][name][0]][1] += secs
        bad = bool(r["host"] or r["failed"] or not r["well"])
        host += bool(r["host"])
        failed += len(r["failed"])
        well_lost += not r["well"] and not r["host"]
        print("  hcfuzz round %d/%d (seeds %s): %d calls in %.0f s, %.0f calls/s%s%s%s" % (
            n, rounds, ", ".join("%s=%d" % v for v in r["names"].values()), done, r["wall"],
            done / r["wall"] if r["wall"] else 0,
            "; HOST: " + r["host"] if r["host"] else "",
            "; " + " | ".join(r["failed"][:3]) if r["failed"] else "",
            "" if r["well"] or r["host"] else "; the well-behaved domain stopped"), flush=True)
        if not bad:
            os.unlink(log)
            if os.path.exists(log + ".qemu"):
                os.unlink(log + ".qemu")
        else:
            print("    console kept in %s" % log)
    print("hcfuzz: %d calls in %.0f s of fuzzing: %.0f calls/s; host crashes %d; "
          "hostile guests failed %d; well-behaved domain lost %d" %
          (calls, wall, calls / wall if wall else 0, host, failed, well_lost))
    for m, (c, secs) in per_mode.items():
        if secs:
            print("    mode %-6s %d calls, %.0f calls/s per guest (its own clock)" % (m, c, c / secs))
    return host + failed + well_lost


def main():
    hv_n, linux_n, jobs, hogs, names = 50, 20, 2, 1, []
    hcf_total, hcf_round, seed = 0, 500000, int(time.time())
    global HCFUZZ_HVM
    argv = sys.argv[1:]
    while argv:
        a = argv.pop(0)
        if a == "--hvm":
            HCFUZZ_HVM = True
        elif a in ("--hv", "--linux", "--jobs", "--hogs", "--hcfuzz", "--hcfuzz-round", "--seed"):
            v = int(float(argv.pop(0)))
            if a == "--hv":
                hv_n = v
            elif a == "--linux":
                linux_n = v
            elif a == "--jobs":
                jobs = v
            elif a == "--hcfuzz":
                hcf_total = v
            elif a == "--hcfuzz-round":
                hcf_round = v
            elif a == "--seed":
                seed = v
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
        if hv_n or linux_n:
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
        if hcf_total:
            bad += soak_hcfuzz(hcf_total, hcf_round, seed)
    finally:
        for p in hog_procs:
            p.kill()
            p.wait()
    print("soak: %s in %.0f s" % ("%d failed or hung" % bad if bad else "no failure, no hang",
                                 time.time() - t0))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
