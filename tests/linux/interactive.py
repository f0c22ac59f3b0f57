#!/usr/bin/env python3
"""Interactive-console test: the README's promise that, under `make run`,
the user can type into each guest's shell (Ctrl-A three times moves the
keyboard) and power the guests off.

Boots build/oryx.elf under QEMU exactly as scripts/run.sh does (two stock
Debian Linux domains, "web" with 1 vCPU and "db" with 2, each with the
shell initramfs cache/initramfs-min.cpio.gz), plus `exit_when_done` so QEMU
ends when both domains are off. Keystrokes go through QEMU's stdin (the
serial port) a few bytes at a time, ~50 ms apart: the UART has a 16-byte
FIFO and the hypervisor polls it every 20 ms. The console is read as it
arrives; each step waits for its line with its own timeout.

Steps: both guests reach /init; debug keys h, d, q, e and an unknown one
while the hypervisor has the input; Ctrl-A x3 to web, a typed command, a
single Ctrl-A that stays the shell's (start of line), a 300-byte line
written at once; Ctrl-A x3 to db, a command, `poweroff -f` (the input
returns to the hypervisor); Ctrl-A x3 to web, a command, `reboot -f`
(run.sh's on_reboot=restart), Ctrl-A x3 to the new web, a command,
`poweroff -f`: "All domains have stopped", QEMU's exit status 1. Last, the
whole console: no crash lines, no input in the wrong guest, every page
returned.

Guest output is line-buffered by the hypervisor (a line appears once the
guest ends it), so a shell prompt shows up only when Enter is echoed: a
shell is known to be ready when Enter gives a line ending in its prompt.

One line per step, "PASS: interactive/<step>" or "FAIL: interactive/<step>
<why>"; the run stops at the first failure. The console, time-stamped, is
kept in build/interactive/console.log.
Env: INTERACTIVE_BOOT_TIMEOUT (seconds to both shells, default 120),
INTERACTIVE_STEP_TIMEOUT (seconds per later step, default 20),
ORYX_CACHE (default cache/), ORYX_HV (hypervisor image, default
build/oryx.elf).
"""
import os
import re
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HV = os.environ.get("ORYX_HV") or os.path.join(ROOT, "build", "oryx.elf")
OUT = os.path.join(ROOT, "build", "interactive")
LOG = os.path.join(OUT, "console.log")
CACHE = os.path.join(ROOT, os.environ.get("ORYX_CACHE", "cache"))
VMLINUZ = os.path.join(CACHE, "vmlinuz")
INITRD = os.path.join(CACHE, "initramfs-min.cpio.gz")
BOOT_TIMEOUT = float(os.environ.get("INTERACTIVE_BOOT_TIMEOUT", "120"))
STEP_TIMEOUT = float(os.environ.get("INTERACTIVE_STEP_TIMEOUT", "20"))

CTRL_A = b"\x01"
SEND_CHUNK, SEND_GAP = 4, 0.05      # bytes per write, seconds between writes
# busybox sh's prompt ("/ # " for root), then its cursor-position query
# (ESC [6n), whose ESC the hypervisor prints as '?'.
PASTE_LEN = 300                     # bytes of the pasted line's argument
PROMPT = r"[#$] ?(\?\[6n)?$"

# Lines a clean run never has (as linuxtest.py).
REJECT = [r"FATAL EXCEPTION", r"PANIC", r"unhandled SVM exit", r"still charged",
          r"\] BUG:", r"\] WARNING:", r"kernel BUG", r"ring indices .* out of range"]


def qemu_args():
    """scripts/run.sh's QEMU and modules, with exit_when_done."""
    cmd = "console=hvc0 loglevel=4"
    mods = []
    for name, vcpus in (("web", 1), ("db", 2)):
        mods.append('%s domain name=%s mem=256M vcpus=%d on_reboot=restart cmdline="%s"'
                    % (VMLINUZ, name, vcpus, cmd))
        mods.append("%s initrd" % INITRD)
    return ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "qemu64,+svm,+npt",
            "-smp", "2", "-m", "1024", "-display", "none", "-monitor", "none",
            "-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con",
            "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
            "-nic", "none", "-kernel", HV, "-append", "exit_when_done",
            "-initrd", ",".join(m.replace(",", ",,") for m in mods)]


class StepFailed(Exception):
    pass


class Console:
    """QEMU with its serial port on our pipes; lines are kept as they come."""

    def __init__(self, args, log):
        self.t0 = time.monotonic()
        self.log = log
        self.lines = []             # text of every complete line
        self.cond = threading.Condition()
        self.eof = False
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _note(self, text):
        self.log.write("[%8.3f] %s\n" % (time.monotonic() - self.t0, text))
        self.log.flush()

    def _read(self):
        buf = b""
        while True:
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            with self.cond:
                while b"\n" in buf:
                    raw, buf = buf.split(b"\n", 1)
                    text = raw.decode("utf-8", "replace").rstrip("\r")
                    self.lines.append(text)
                    self._note(text)
                self.cond.notify_all()
        with self.cond:
            if buf:
                text = buf.decode("utf-8", "replace")
                self.lines.append(text)
                self._note(text)
            self.eof = True
            self.cond.notify_all()

    def mark(self):
        """Index of the next line: expectations look from here on."""
        with self.cond:
            return len(self.lines)

    def send(self, data, what=None, chunk=SEND_CHUNK):
        with self.cond:
            self._note(">>> typing %s" % (what or repr(data)))
        for i in range(0, len(data), chunk):
            try:
                self.p.stdin.write(data[i:i + chunk])
                self.p.stdin.flush()
            except (BrokenPipeError, ValueError):
                raise StepFailed("QEMU's stdin is closed (QEMU ended?)")
            time.sleep(SEND_GAP)

    def find(self, pattern, start):
        """Index of the first line >= start matching pattern, or None."""
        rx = re.compile(pattern)
        with self.cond:
            for i in range(start, len(self.lines)):
                if rx.search(self.lines[i]):
                    return i
        return None

    def find_last(self, pattern):
        """Index of the last line matching pattern, or None."""
        rx = re.compile(pattern)
        with self.cond:
            for i in range(len(self.lines) - 1, -1, -1):
                if rx.search(self.lines[i]):
                    return i
        return None

    def expect(self, pattern, start, timeout):
        """Waits for a line matching pattern at or after start; its index."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        i = start
        with self.cond:
            while True:
                for j in range(i, len(self.lines)):
                    if rx.search(self.lines[j]):
                        return j
                i = len(self.lines)
                if self.eof:
                    raise StepFailed("QEMU ended (status %s) before /%s/"
                                     % (self.p.poll(), pattern))
                left = end - time.monotonic()
                if left <= 0:
                    raise StepFailed("no /%s/ within %.0f s" % (pattern, timeout))
                self.cond.wait(min(left, 0.5))

    def wait_exit(self, timeout):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            raise StepFailed("QEMU still running %.0f s later" % timeout)

    def close(self):
        if self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGKILL)
        self.p.wait()
        self.reader.join(5)
        try:
            self.p.stdin.close()
        except OSError:
            pass


def guest(name, pattern):
    """A whole line guest `name` printed."""
    return r"^\(%s\) %s" % (re.escape(name), pattern)


def switch_line(name):
    return r"^\*\*\* Switching input to %s \(" % re.escape(name)


def focus(con, name):
    """Ctrl-A three times: the input must move to `name` next. The order is
    the hypervisor, then the domains by id, then the hypervisor again; a
    domain that goes away with the input hands it to the hypervisor."""
    m = con.mark()
    con.send(CTRL_A * 3, "Ctrl-A x3")
    i = con.expect(r"^\*\*\* Switching input to ", m, STEP_TIMEOUT)
    if not re.search(switch_line(name), con.lines[i]):
        raise StepFailed("input went elsewhere, not to %s: %s" % (name, con.lines[i]))


def shell_ready(con, name, timeout):
    """Enter until the guest's echo of it ends in a prompt."""
    end = time.monotonic() + timeout
    while True:
        m = con.mark()
        con.send(b"\r", "Enter")
        try:
            con.expect(guest(name, ".*" + PROMPT), m, min(3.0, max(end - time.monotonic(), 0.1)))
            return
        except StepFailed:
            if con.eof or time.monotonic() >= end:
                raise StepFailed("no shell prompt from %s within %.0f s" % (name, timeout))


def type_line(con, name, text, want):
    m = con.mark()
    con.send(text.encode() + b"\r", repr(text + "\r"))
    con.expect(guest(name, want + "$"), m, STEP_TIMEOUT)


def steps(con):
    """(name, function) in order; each raises StepFailed."""
    def boot():
        end = time.monotonic() + BOOT_TIMEOUT
        for name in ("web", "db"):
            try:
                con.expect(guest(name, "ORYX-INIT-OK"), 0, max(end - time.monotonic(), 0))
            except StepFailed as e:
                # The debug keys still have the input: domain and queue
                # state into the log for whoever looks at it.
                if not con.eof:
                    con.send(b"dq", "'d' 'q' (for the log)")
                    time.sleep(1)
                last = con.find_last(guest(name, ""))
                raise StepFailed("%s; %s" % (e, "its last line: " + con.lines[last][:160]
                                             if last is not None else "it printed nothing"))

    def key_h():
        m = con.mark()
        con.send(b"h")
        con.expect(r"^\*\*\* 'h' pressed: ", m, STEP_TIMEOUT)
        con.expect(r"^  'd' domains", m, STEP_TIMEOUT)
        con.expect(r"CTRL-a three times", m, STEP_TIMEOUT)

    def key_d():
        m = con.mark()
        con.send(b"d")
        con.expect(r"^d\d+ web: running, 1 vCPU,", m, STEP_TIMEOUT)
        con.expect(r"^d\d+ db: running, 2 vCPUs,", m, STEP_TIMEOUT)
        con.expect(r"^2 domains$", m, STEP_TIMEOUT)

    def key_q():
        m = con.mark()
        con.send(b"q")
        con.expect(r"^\*\*\* 'q' pressed: ", m, STEP_TIMEOUT)
        con.expect(r"^CPU0: (running d\d+v\d+|idle), \d+ queued:", m, STEP_TIMEOUT)
        con.expect(r"^CPU1: (running d\d+v\d+|idle), \d+ queued:", m, STEP_TIMEOUT)
        con.expect(r"^memory: \d+ of \d+ pages free", m, STEP_TIMEOUT)

    def key_e():
        # Event channels: both Linux guests took the FIFO ABI.
        m = con.mark()
        con.send(b"e")
        con.expect(r"^d\d+ web event channels:", m, STEP_TIMEOUT)
        con.expect(r"^    FIFO ready (0|0x[0-9a-f]+)$", m, STEP_TIMEOUT)
        # Linux puts its timer VIRQ in the highest queue (set_priority).
        con.expect(r"^  port \d+: virq vcpu 0 .* prio 0 word ", m, STEP_TIMEOUT)
        con.expect(r"^  \d+ ports in use \(FIFO, \d+ event words\)", m, STEP_TIMEOUT)

    def key_unknown():
        m = con.mark()
        con.send(b"x")
        con.expect(r"^\*\*\* 'x' is not a debug key", m, STEP_TIMEOUT)

    def focus_web():
        focus(con, "web")
        shell_ready(con, "web", BOOT_TIMEOUT)

    def type_web():
        type_line(con, "web", "echo typed-$((6*7))", "typed-42")

    def ctrl_a_once_web():
        # One Ctrl-A is the guest's (busybox: start of line), not a switch.
        m = con.mark()
        con.send(b"cho partial-$((2+3))", "'cho partial-$((2+3))'")
        con.send(CTRL_A + b"e\r", "Ctrl-A 'e' Enter")
        con.expect(guest("web", "partial-5$"), m, STEP_TIMEOUT)
        if con.find(r"^\*\*\* Switching input", m) is not None:
            raise StepFailed("one Ctrl-A switched the input")

    def paste_web():
        # A pasted line, all at once: QEMU feeds the UART only as its FIFO
        # empties, so no byte may be lost on the way to the shell.
        m = con.mark()
        line = "echo %s | wc -c" % ("x" * PASTE_LEN)
        con.send(line.encode() + b"\r", "a %d-byte line at once" % (len(line) + 1),
                 chunk=len(line) + 1)
        con.expect(guest("web", "%d$" % (PASTE_LEN + 1)), m, STEP_TIMEOUT)

    def focus_db():
        focus(con, "db")
        shell_ready(con, "db", BOOT_TIMEOUT)

    def type_db():
        type_line(con, "db", "echo second-$((7*8))", "second-56")

    def poweroff_db():
        m = con.mark()
        con.send(b"poweroff -f\r", "'poweroff -f' Enter")
        con.expect(r"\bdb: shutdown: poweroff", m, 2 * STEP_TIMEOUT)
        # db had the input: it goes back to the hypervisor.
        con.expect(switch_line("Oryx"), m, STEP_TIMEOUT)

    def focus_web_again():
        focus(con, "web")
        shell_ready(con, "web", STEP_TIMEOUT)

    def type_web_again():
        type_line(con, "web", "echo again-$((9*9))", "again-81")

    def reboot_web():
        # run.sh's domains restart on reboot: a new console, input back
        # on the hypervisor, and the restarted guest takes input again.
        m = con.mark()
        con.send(b"reboot -f\r", "'reboot -f' Enter")
        con.expect(r"\bweb: shutdown: reboot", m, 2 * STEP_TIMEOUT)
        con.expect(r"\bweb: restarting", m, STEP_TIMEOUT)
        con.expect(switch_line("Oryx"), m, STEP_TIMEOUT)
        con.expect(guest("web", "ORYX-INIT-OK"), m, BOOT_TIMEOUT)
        focus(con, "web")
        shell_ready(con, "web", BOOT_TIMEOUT)
        type_line(con, "web", "echo reborn-$((8*8))", "reborn-64")

    def poweroff_web():
        m = con.mark()
        con.send(b"poweroff -f\r", "'poweroff -f' Enter")
        con.expect(r"\bweb: shutdown: poweroff", m, 2 * STEP_TIMEOUT)
        con.expect(r"^All domains have stopped \(0 failed", m, STEP_TIMEOUT)
        rc = con.wait_exit(STEP_TIMEOUT)
        if rc != 1:
            raise StepFailed("QEMU exit status %s (want 1: isa-debug-exit 0)" % rc)

    def clean():
        why = []
        for r in REJECT:
            i = con.find(r, 0)
            if i is not None:
                why.append("unexpected line: %s" % con.lines[i][:160])
        # Input reached only the guest that had the focus.
        for name, other in (("db", "typed-|partial-|again-"), ("web", "second-")):
            i = con.find(r"^\(%s\) .*(%s)" % (name, other), 0)
            if i is not None:
                why.append("input leaked to %s: %s" % (name, con.lines[i][:160]))
        i = con.find(r"is not a debug key", 0)
        if i is not None and not re.search(r"'x' is not", con.lines[i]):
            why.append("guest input reached the debug keys: %s" % con.lines[i][:160])
        # Every domain's pages came back.
        b = con.find(r"^Free pages before domains: \d+", 0)
        a = con.find(r"^All domains have stopped .* \d+ pages free", 0)
        nb = re.search(r"(\d+)$", con.lines[b]).group(1) if b is not None else None
        na = re.search(r"(\d+) pages free", con.lines[a]).group(1) if a is not None else None
        if nb is None or na is None:
            why.append("missing free-page lines")
        elif nb != na:
            why.append("free pages before domains %s, after %s" % (nb, na))
        if why:
            raise StepFailed("; ".join(why))

    return [("boot", boot), ("debug-key-h", key_h), ("debug-key-d", key_d),
            ("debug-key-q", key_q), ("debug-key-e", key_e), ("debug-key-unknown", key_unknown),
            ("focus-web", focus_web), ("type-web", type_web),
            ("ctrl-a-once-web", ctrl_a_once_web), ("paste-web", paste_web),
            ("focus-db", focus_db), ("type-db", type_db), ("poweroff-db", poweroff_db),
            ("focus-web-again", focus_web_again), ("type-web-again", type_web_again),
            ("reboot-web", reboot_web), ("poweroff-web", poweroff_web),
            ("clean-console", clean)]


def main():
    if not os.path.exists(HV):
        print("FAIL: interactive/build build/oryx.elf is missing (run make)")
        return 1
    if not (os.path.exists(VMLINUZ) and os.path.exists(INITRD)):
        r = subprocess.run([os.path.join(ROOT, "scripts", "fetch-fixtures.sh")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if r.returncode:
            err = r.stderr.decode("utf-8", "replace").strip().splitlines()
            print("FAIL: interactive/fixtures scripts/fetch-fixtures.sh failed: %s"
                  % (err[-1] if err else r.returncode))
            return 1
    os.makedirs(OUT, exist_ok=True)
    t0 = time.monotonic()
    args = qemu_args()
    failed = False
    with open(LOG, "w") as log:
        log.write("# qemu %s\n" % " ".join(a if " " not in a else "'%s'" % a
                                            for a in args[1:]))
        con = Console(args, log)
        try:
            for name, fn in steps(con):
                s = time.monotonic()
                try:
                    fn()
                except StepFailed as e:
                    with con.cond:
                        con._note(">>> FAILED step %s: %s" % (name, e))
                    print("FAIL: interactive/%s %s (at %.0fs; console in "
                          "build/interactive/console.log)" % (name, e, time.monotonic() - t0),
                          flush=True)
                    failed = True
                    break
                print("PASS: interactive/%s (%.1fs)" % (name, time.monotonic() - s), flush=True)
        finally:
            con.close()
    print("interactive: %.0fs in all" % (time.monotonic() - t0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
