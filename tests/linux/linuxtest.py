#!/usr/bin/env python3
"""Linux-guest integration tests (issue 3): boot build/oryx.elf under QEMU
with Debian's stock vmlinuz (cache/vmlinuz, exactly as shipped) as
boot-time domains, each with the test initramfs whose /init is
tests/linux/init.sh, and check the console.

The guest's /init prints "CHECK <name> PASS|FAIL <detail>" lines and
ORYX-LINUX-DONE (the hypervisor prefixes them with "(domain) "). Some
checks need the host's clock, so QEMU's output is read line by line as it
arrives and every line is stamped with the host's time: the harness
times SLEEP-BEGIN..SLEEP-END (sleep 2 must last 2 s +- 20% of host time)
and compares each DATE line with the host's clock.

One line per case: "PASS: linux/<name>" or "FAIL: linux/<name> <why>";
every console is kept, time-stamped, in build/linuxtest/<name>.log.
Usage: linuxtest.py [-j N] [--list] [name-substring ...]
Env: LINUXTEST_TIMEOUT (seconds per Linux case, default 300; cases with
several domains get 1.5 times that), ORYX_CACHE (default cache/).
"""
import os
import re
import selectors
import signal
import struct
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from tcg_flaw import flaw_in  # noqa: E402
HV = os.path.join(ROOT, "build", "oryx.elf")
G = os.path.join(ROOT, "build", "guests")
OUT = os.path.join(ROOT, "build", "linuxtest")
CACHE = os.path.join(ROOT, os.environ.get("ORYX_CACHE", "cache"))
VMLINUZ = os.path.join(CACHE, "vmlinuz")
BUSYBOX = os.path.join(CACHE, "busybox")
INIT = os.path.join(ROOT, "tests", "linux", "init.sh")
IMG = os.path.join(OUT, "checks.cpio.gz")
TIMEOUT = int(os.environ.get("LINUXTEST_TIMEOUT", "300"))
HOSTTIME = "@HOSTTIME@"     # replaced by the host's epoch when QEMU starts

# What init.sh reports with full checks; each must say PASS.
CHECKS = ["hypervisor", "cpus", "clocksource", "date", "sleep", "dmesg-pvh",
          "dmesg-callback", "dmesg-grant", "dmesg-fifo", "dmesg-clean", "cpu-load"]
SLEEP_MIN, SLEEP_MAX = 1.6, 2.4     # sleep 2, within 20%
DATE_SLACK = 5                      # seconds between guest and host clocks

# Lines a clean run never has.
ALWAYS_REJECT = [r"FATAL EXCEPTION", r"PANIC", r"unhandled SVM exit", r"still charged",
                 r"\] BUG:", r"\] WARNING:", r"kernel BUG"]     # as the kernel prints them


def linux(name, mem="256M", vcpus=1, end="poweroff", checks="all", kernel=None,
          initrd=None, extra="", args_extra=""):
    """Modules for one Linux domain: the kernel and its initrd."""
    args = ("console=hvc0 earlyprintk=xen oryx.vcpus=%d oryx.checks=%s oryx.end=%s "
            "oryx.hosttime=%s%s" % (vcpus, checks, end, HOSTTIME, args_extra))
    spec = "name=%s mem=%s vcpus=%d %s" % (name, mem, vcpus, extra)
    return ["%s domain %s cmdline=\"%s\"" % (kernel or VMLINUZ, " ".join(spec.split()), args),
            "%s initrd" % (initrd or IMG)]


def micro_ok():
    """A good micro-guest that must finish whatever the other domains do."""
    return ["%s/hello-64.elf domain name=ok mem=8M" % G]


class Case:
    def __init__(self, name, modules, linux=(), expect=(), expect_n=(), reject=None,
                 order=(), stop=None, mem=512, smp=2, timeout=None, ends=True, check=None):
        self.name, self.modules, self.linux = name, modules, linux
        self.expect, self.expect_n, self.order = expect, expect_n, order
        self.reject = ALWAYS_REJECT if reject is None else reject
        self.stop, self.mem, self.smp = stop, mem, smp
        self.timeout = timeout or TIMEOUT
        self.ends, self.check = ends, check


def pages_returned(out):
    """Every domain's pages came back: free count after == before domains."""
    m1 = re.search(r"Free pages before domains: (\d+)", out)
    m2 = re.search(r"All domains have stopped .* (\d+) pages free", out)
    if not m1 or not m2:
        return "missing free-page lines"
    if m1.group(1) != m2.group(1):
        return "free pages before %s, after %s" % (m1.group(1), m2.group(1))
    return None


def reboot_once(out):
    """First boot, reboot, one restart, second boot, in that order."""
    marks = [m.start() for m in re.finditer(r"\(rb\) ORYX-LINUX-DONE", out)]
    rb = re.search(r"rb: shutdown: reboot", out)
    rs = [m.start() for m in re.finditer(r"rb: restarting", out)]
    if len(marks) < 2 or not rb or not rs:
        return "missing boots or restart line"
    if not marks[0] < rb.start() < rs[0] < marks[1]:
        return "boot/reboot/restart/boot out of order"
    if len([r for r in rs if r < marks[1]]) != 1:
        return "restarted more than once before the second boot"
    return None


def cases():
    c = []
    t = TIMEOUT
    c.append(Case("one-vcpu", linux("l1", "256M", 1), linux=["l1"],
                  expect=[r"l1: shutdown: poweroff", r"All domains have stopped \(0 failed"],
                  check=pages_returned))
    c.append(Case("two-vcpus", linux("l2", "256M", 2), linux=["l2"],
                  expect=[r"l2: shutdown: poweroff", r"All domains have stopped \(0 failed"],
                  check=pages_returned))
    # A type=hvm domain: its MADT lists the IOAPIC and the HPET table the
    # HPET; Linux finds them and its CMOS RTC, and still runs on Xen's timer.
    c.append(Case("hvm-platform", linux("lh", "256M", 2, extra="type=hvm", args_extra=" oryx.rtc=1"),
                  linux=["lh"],
                  expect=[r"\(lh\) .*IOAPIC\[0\]: apic_id 0, version 17, address 0xfec00000, GSI 0-47",
                          r"\(lh\) .*ACPI: INT_SRC_OVR \(bus 0 bus_irq 0 global_irq 2 dfl dfl\)",
                          r"\(lh\) .*ACPI: HPET id: 0x8086a201 base: 0xfed00000",
                          r"\(lh\) .*ACPI: Using IOAPIC for interrupt routing",
                          r"\(lh\) .*rtc_cmos 00:00: registered as rtc0",
                          r"\(lh\) .*rtc_cmos 00:00: alarms up to one day, y3k, 114 bytes nvram",
                          r"\(lh\) CHECK rtc PASS",
                          r"lh: shutdown: poweroff", r"All domains have stopped \(0 failed"],
                  check=pages_returned))
    c.append(Case("three-domains",
                  linux("la", "128M", 1) + linux("lb", "128M", 1) + linux("lc", "256M", 2),
                  linux=["la", "lb", "lc"], mem=1024, timeout=int(t * 1.5),
                  expect=[r"la: shutdown: poweroff", r"lb: shutdown: poweroff",
                          r"lc: shutdown: poweroff", r"All domains have stopped \(0 failed"],
                  check=pages_returned))
    c.append(Case("poweroff", linux("off", "128M", 1, checks="none"),
                  expect=[r"\(off\) ORYX-LINUX-DONE", r"off: shutdown: poweroff",
                          r"off: destroyed, \d+ pages returned"],
                  order=[r"\(off\) ORYX-LINUX-DONE", r"off: shutdown: poweroff"],
                  reject=ALWAYS_REJECT + [r"off: restarting"], check=pages_returned))
    # The restarted domain gets the same command line, so it reboots again
    # and again: the harness ends the run at the second boot's marker.
    c.append(Case("reboot-once",
                  linux("rb", "128M", 1, checks="none", end="reboot", extra="on_reboot=restart"),
                  expect=[r"rb: shutdown: reboot", r"rb: restarting"],
                  expect_n=[(r"\(rb\) ORYX-LINUX-DONE", 2)],
                  stop=(r"\(rb\) ORYX-LINUX-DONE", 2), ends=False, check=reboot_once))
    # A kernel crash is reported; the other Linux domain finishes its checks.
    c.append(Case("crash-isolated",
                  linux("crasher", "128M", 1, checks="none", end="crash") +
                  linux("ok", "256M", 1),
                  linux=["ok"], timeout=int(t * 1.5),
                  expect=[r"crasher: (shutdown: crash|CRASHED)", r"ok: shutdown: poweroff",
                          r"All domains have stopped \(0 failed"],
                  order=[r"crasher: (shutdown: crash|CRASHED)", r"\(ok\) ORYX-LINUX-DONE"],
                  reject=ALWAYS_REJECT + [r"crasher: restarting"], check=pages_returned))
    # Bad input: a clear "not created" line, and a good guest still runs.
    c.append(Case("bad-truncated-vmlinuz",
                  linux("trunc", kernel=fixture("vmlinuz-truncated")) + micro_ok(),
                  expect=[r"domain trunc \(module \d+\): not created: .*(?i:truncat|end of)", r"\(ok\) PASS"],
                  timeout=120, check=pages_returned))
    c.append(Case("bad-xz",
                  linux("xzbyte", kernel=fixture("vmlinuz-badbyte")) +
                  linux("xzcheck", kernel=fixture("vmlinuz-badcheck")) + micro_ok(),
                  expect=[r"domain xzbyte \(module \d+\): not created: \S",
                          r"domain xzcheck \(module \d+\): not created: .*(?i:crc|check)", r"\(ok\) PASS"],
                  timeout=120, check=pages_returned))
    c.append(Case("bad-initrd-too-large",
                  linux("big32", "32M", initrd=fixture("initrd-64M")) +
                  linux("big128", "128M", initrd=fixture("initrd-64M")) + micro_ok(),
                  expect=[r"domain big32 \(module \d+\): not created: \S",
                          r"domain big128 \(module \d+\): not created: .*initrd too large",
                          r"\(ok\) PASS"],
                  mem=768, timeout=120, check=pages_returned))
    return c


def fixture(name):
    return os.path.join(OUT, name)


def guest_lines(lines, name):
    """(monotonic, wall, text) of the lines domain `name` printed."""
    pat = re.compile(r"\(%s\) (.*)$" % re.escape(name))
    res = []
    for mono, wall, text in lines:
        m = pat.search(text)
        if m:
            res.append((mono, wall, m.group(1)))
    return res


def linux_checks(name, lines):
    """The guest's CHECK lines and the host-clock comparisons, first boot."""
    why, seen = [], {}
    g = guest_lines(lines, name)
    if not any(s.startswith("ORYX-LINUX-INIT") for _, _, s in g):
        last = g[-1][2].strip() if g else "none"
        return ["(%s) never reached /init (its last line: %s)" % (name, last[:160])]
    done = [i for i, (_, _, s) in enumerate(g) if s.startswith("ORYX-LINUX-DONE")]
    if not done:
        why.append("(%s) no ORYX-LINUX-DONE" % name)
    g = g[:done[0] + 1] if done else g
    begin = end = None
    for mono, wall, s in g:
        m = re.match(r"CHECK (\S+) (PASS|FAIL) ?(.*)", s)
        if m:
            seen.setdefault(m.group(1), (m.group(2), m.group(3)))
        elif s.startswith("SLEEP-BEGIN"):
            begin = mono
        elif s.startswith("SLEEP-END"):
            end = mono
        else:
            m = re.match(r"DATE (\d+)", s)
            if m:
                skew = wall - int(m.group(1))
                if abs(skew) > DATE_SLACK:
                    why.append("(%s) guest date is %+.1f s from the host's" % (name, -skew))
    for c in CHECKS:
        if c not in seen:
            why.append("(%s) no CHECK %s" % (name, c))
        elif seen[c][0] != "PASS":
            why.append("(%s) %s: %s" % (name, c, seen[c][1]))
    if begin is None or end is None:
        why.append("(%s) no SLEEP-BEGIN/SLEEP-END" % name)
    elif not SLEEP_MIN <= end - begin <= SLEEP_MAX:
        why.append("(%s) sleep 2 took %.2f s of host time" % (name, end - begin))
    return why


def read_console(case, args):
    """Run QEMU; returns (lines, exit status or None, timed_out, stopped)."""
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    t0 = time.monotonic()
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    buf, lines, hits = b"", [], 0
    stop = re.compile(case.stop[0]) if case.stop else None
    timed_out = stopped = False
    try:
        while True:
            left = case.timeout - (time.monotonic() - t0)
            if left <= 0:
                timed_out = True
                break
            if not sel.select(min(left, 0.5)):
                continue
            chunk = os.read(p.stdout.fileno(), 65536)
            mono, wall = time.monotonic() - t0, time.time()
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                text = raw.decode("utf-8", "replace").rstrip("\r")
                lines.append((mono, wall, text))
                if stop and stop.search(text):
                    hits += 1
            if stop and hits >= case.stop[1]:
                stopped = True
                break
    finally:
        if buf:
            lines.append((time.monotonic() - t0, time.time(), buf.decode("utf-8", "replace")))
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
        rc = p.wait()
        sel.close()
        p.stdout.close()
    return lines, (None if timed_out or stopped else rc), timed_out, stopped


def run(case):
    host = str(int(time.time()))
    mods = [m.replace(HOSTTIME, host) for m in case.modules]
    args = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "qemu64,+svm,+npt",
            "-smp", str(case.smp), "-m", str(case.mem), "-nographic", "-no-reboot",
            "-nic", "none", "-kernel", HV, "-append", "exit_when_done",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-monitor", "none",
            "-serial", "stdio", "-initrd", ",".join(m.replace(",", ",,") for m in mods)]
    t0 = time.time()
    lines, rc, timed_out, stopped = read_console(case, args)
    dt = time.time() - t0
    out = "\n".join(t for _, _, t in lines)
    why = []
    if timed_out:
        why.append("timed out after %ds" % case.timeout)
    elif case.ends and rc != 1:
        why.append("QEMU exit status %s (want 1: isa-debug-exit 0)" % rc)
    elif not case.ends and not stopped:
        why.append("QEMU ended (status %s) before the expected lines" % rc)
    for e in case.expect:
        if not re.search(e, out):
            why.append("missing /%s/" % e)
    for e, n in case.expect_n:
        k = len(re.findall(e, out))
        if k < n:
            why.append("/%s/ %d times, want %d" % (e, k, n))
    for r in case.reject:
        m = re.search(r, out)
        if m:
            why.append("unexpected '%s'" % m.group(0))
    if case.order:
        pos = [re.search(o, out) for o in case.order]
        if all(pos) and any(pos[i].start() > pos[i + 1].start() for i in range(len(pos) - 1)):
            why.append("wrong order of %s" % case.order)
    for name in case.linux:
        why += linux_checks(name, lines)
    if case.check and not why:
        w = case.check(out)
        if w:
            why.append(w)
    with open(os.path.join(OUT, case.name + ".log"), "w") as f:
        f.write("# host epoch at start: %s\n# qemu %s\n" % (host, " ".join(
            a if " " not in a else "'%s'" % a for a in args[1:])))
        for mono, wall, text in lines:
            f.write("[%8.3f %.3f] %s\n" % (mono, wall, text))
    if why:
        return "FAIL: linux/%s %s (%.0fs; console in build/linuxtest/%s.log)" % (
            case.name, "; ".join(why), dt, case.name)
    return "PASS: linux/%s (%.0fs)" % (case.name, dt)


def run_checked(case):
    """run(case), once more when QEMU's SVM flaw failed it (tests/lib/tcg_flaw.py)."""
    res = run(case)
    log = os.path.join(OUT, case.name + ".log")
    flaw = flaw_in(log) if res.startswith("FAIL") else None
    if flaw:
        os.replace(log, log + ".flawed")
        res = "NOTE: linux/%s-rerun the emulator lost a guest's state (%s; log kept as %s.flawed)\n%s" % (
            case.name, flaw, case.name + ".log", run(case))
    return res


def newer(dst, *srcs):
    """dst is missing or older than any of srcs."""
    if not os.path.exists(dst):
        return True
    t = os.path.getmtime(dst)
    return any(os.path.getmtime(s) > t for s in srcs if os.path.exists(s))


def xz_payload(data):
    """(start, end) of the XZ stream inside a bzImage, from its header."""
    setup_sects = data[0x1f1] or 4
    off, length = struct.unpack_from("<II", data, 0x248)
    start = (setup_sects + 1) * 512 + off
    end = start + length - 4        # the payload ends with the 4-byte output size
    if data[start:start + 6] != b"\xfd7zXZ\x00" or data[end - 2:end] != b"YZ":
        raise ValueError("no XZ stream where the bzImage header says")
    return start, end


def write(path, data):
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def make_fixtures():
    """The test initramfs and the broken inputs, under build/linuxtest/."""
    os.makedirs(OUT, exist_ok=True)
    mk = os.path.join(ROOT, "tests", "fixtures", "mkinitramfs.sh")
    if newer(IMG, INIT, BUSYBOX, mk):
        subprocess.run([mk, "-b", BUSYBOX, "-i", INIT, "-o", IMG], check=True,
                       stdout=subprocess.DEVNULL)
    if not newer(fixture("vmlinuz-badcheck"), VMLINUZ, __file__):
        return
    data = open(VMLINUZ, "rb").read()
    write(fixture("vmlinuz-truncated"), data[:len(data) // 2])
    start, end = xz_payload(data)
    bad = bytearray(data)
    bad[(start + end) // 2] ^= 0x55          # inside the LZMA2 data
    write(fixture("vmlinuz-badbyte"), bytes(bad))
    # Stream footer: CRC32, backward size (index size / 4 - 1), flags, "YZ".
    index_size = (struct.unpack_from("<I", data, end - 8)[0] + 1) * 4
    check_type = data[end - 3] & 0x0F
    check_size = {0: 0, 1: 4, 4: 8, 10: 32}.get(check_type)
    if not check_size:
        raise ValueError("XZ check type %d: no check field to corrupt" % check_type)
    bad = bytearray(data)
    bad[end - 12 - index_size - 1] ^= 0x01  # last byte of the block's check
    write(fixture("vmlinuz-badcheck"), bytes(bad))
    with open(fixture("initrd-64M"), "wb") as f:
        f.truncate(64 << 20)


def ensure_fixtures():
    """None, or why the fixtures are unavailable."""
    if not (os.path.exists(VMLINUZ) and os.path.exists(BUSYBOX)):
        r = subprocess.run([os.path.join(ROOT, "scripts", "fetch-fixtures.sh")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if r.returncode:
            err = r.stderr.decode("utf-8", "replace").strip().splitlines()
            return "scripts/fetch-fixtures.sh failed: %s" % (err[-1] if err else r.returncode)
    try:
        make_fixtures()
    except (OSError, ValueError, subprocess.CalledProcessError) as e:
        return "cannot build the test fixtures: %s" % e
    return None


def main():
    jobs, names, listing = 1, [], False
    argv = sys.argv[1:]
    while argv:
        a = argv.pop(0)
        if a == "-j":
            jobs = int(argv.pop(0))
        elif a == "--list":
            listing = True
        else:
            names.append(a)
    sel = [c for c in cases() if not names or any(n in c.name for n in names)]
    if listing:
        for c in sel:
            print(c.name)
        return 0
    if not os.path.exists(HV) or not os.path.exists(os.path.join(G, "hello-64.elf")):
        print("FAIL: linux/build build/oryx.elf or build/guests/hello-64.elf is missing")
        return 1
    why = ensure_fixtures()
    if why:
        print("FAIL: linux/fixtures %s" % why)
        return 1
    failed = 0
    with ThreadPoolExecutor(max_workers=jobs) as ex:
        for line in ex.map(run_checked, sel):
            print(line, flush=True)
            failed += any(l.startswith("FAIL") for l in line.splitlines())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
