#!/usr/bin/env python3
"""Boots the Debian 12 dom0 image (scripts/mkdebian-image.sh) on Oryx under
QEMU and checks it as a user would find it: Debian's kernel as dom0 from
the image's own /boot, root=/dev/vda on virtio-blk (snapshot=on), systemd
up to the login prompt on hvc0 (root logged in by the image's autologin
drop-in), then: systemd reaches "running" (no failed unit), `systemctl
is-active oryxd` says active, Debian's `xenstore-read` gets
/local/domain/0/name (Domain-0) from oryxd, `oxl list` shows Domain-0 with
id 0; `oxl create /etc/oryx/examples/linux.cfg` starts the example guest
(its init's ORYX-INIT-OK in /var/log/oryx/guest-linux.log) and `oxl
destroy` ends it; after `oxl bridge-setup`, `oxl create
/etc/oryx/examples/linux-disk.cfg` boots the guest whose root is its own
disk (its /etc/rc's "Oryx guest: root /dev/xvda (rw" in its console log),
`oxl destroy` ends it and `oxl list` no longer shows it; `systemctl
poweroff` stops dom0 and QEMU.

Prints one line, "PASS: debian/dom0-login" or "FAIL: debian/dom0-login why",
then "FIGURES: debian/dom0-login lock_wait_s=... login_s=... check_s=...
guest_s=... disk_guest_s=... poweroff_s=...": the wait for QEMU's lock
(another test's QEMU), from QEMU's first output to the login prompt, the
checks, the guest's create-to-init-and-destroy, the disk guest's
create-to-its-rc, the poweroff. The
console, each line time-stamped from QEMU's start, goes to
build/debian/console.log.
"""
import os
import re
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IMG_DIR = os.path.join(ROOT, "cache", "debian-rootfs")
HV = os.path.join(ROOT, "build", "oryx.elf")
OUT = os.path.join(ROOT, "build", "debian")
LOCK = "/tmp/oryx-qemu.lock"
CASE = "debian/dom0-login"
LOGIN_TIMEOUT = int(os.environ.get("ORYX_DEBIAN_TIMEOUT", "600"))
PROMPT = re.compile(rb"root@oryx-dom0:[^\n]*# ")
# A clean boot never prints these.
REJECT = re.compile(rb"Kernel panic|FATAL EXCEPTION|PANIC|unhandled SVM exit|"
                    rb"Give root password for maintenance|emergency mode")


def qemu_cmd():
    """Oryx with the image's kernel as dom0 (first module, its command line
    after the file name) and its initramfs-tools initrd (second)."""
    kernel = os.path.join(IMG_DIR, "vmlinuz")
    initrd = os.path.join(IMG_DIR, "initrd.img")
    disk = os.path.join(IMG_DIR, "dom0.img")
    mods = ["%s console=hvc0 root=/dev/vda rw" % kernel, initrd]
    return ["flock", LOCK, "qemu-system-x86_64", "-M", "q35", "-accel", "tcg",
            "-cpu", "qemu64,+svm,+npt", "-smp", "2", "-m", "1024", "-display", "none",
            "-nodefaults", "-no-reboot", "-monitor", "none", "-serial", "stdio",
            "-kernel", HV, "-append", "exit_when_done dom0_mem=512M noreboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
            "-initrd", ",".join(m.replace(",", ",,") for m in mods),
            "-drive", "id=root,file=%s,format=raw,if=none,snapshot=on" % disk,
            "-device", "virtio-blk-pci,drive=root"]


class Console:
    """QEMU's serial console: everything read is kept and logged."""

    def __init__(self, proc, log):
        self.proc, self.log = proc, log
        self.buf = b""
        self.cond = threading.Condition()
        self.start = None       # the first output: QEMU runs (it had the lock)
        self.line_start = True
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            data = os.read(self.proc.stdout.fileno(), 4096)
            with self.cond:
                if not data:
                    self.eof = True
                    self.cond.notify_all()
                    return
                if self.start is None:
                    self.start = time.monotonic()
                self.buf += data
                stamp = b"[%7.2f] " % (time.monotonic() - self.start)
                lines = data.split(b"\n")
                text = b"\n".join(l if i == 0 and not self.line_start else
                                   (stamp + l if l else l) for i, l in enumerate(lines))
                self.line_start = data.endswith(b"\n")
                self.log.write(text)
                self.log.flush()
                self.cond.notify_all()

    def wait(self, pattern, timeout, since=0):
        """Waits for pattern in the output after offset since; returns the
        match's end, or None on timeout, end of output or a REJECT line."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                m = pattern.search(self.buf, since)
                if m:
                    return m.end()
                if REJECT.search(self.buf) or getattr(self, "eof", False):
                    return None
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()


def run():
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "console.log"), "wb") as log:
        t0 = time.monotonic()
        # Its own process group: flock's QEMU child holds the lock, so a
        # failed check must end QEMU too, not flock alone.
        proc = subprocess.Popen(qemu_cmd(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        con = Console(proc, log)
        try:
            return check(con, proc, t0)
        finally:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            proc.wait()


def mark(name, value):
    """A command printing NAME-value-42; 42 is computed by the shell, so the
    typed command line, echoed back, never matches what it prints."""
    return "echo %s-%s-$((40+2))" % (name, value)


def shell(con, cmds, last, timeout, since):
    """Types cmds into root's shell as one line and waits for the
    mark(last, ...) among them; returns (offset after it, the output since
    since), or (None, None) on timeout."""
    con.send("; ".join(cmds) + "\n")
    end = con.wait(re.compile(rb"%s-\S+-42" % last.encode()), timeout, since)
    if end is None:
        return None, None
    return end, con.buf[since:end].decode(errors="replace").replace("\r", "")


def check(con, proc, t0):
    fig = {}
    # The login timeout runs from QEMU's start, not from the lock's wait.
    if con.wait(re.compile(rb"."), 3600) is None:
        return "QEMU printed nothing (exit status %s)" % proc.poll(), fig
    at = con.wait(re.compile(rb"oryx-dom0 login: "), LOGIN_TIMEOUT)
    if at is None:
        return "no login prompt within %d s" % LOGIN_TIMEOUT, fig
    fig["lock_wait_s"] = con.start - t0
    fig["login_s"] = time.monotonic() - con.start
    at = con.wait(PROMPT, 120, at)
    if at is None:
        return "login prompt, but no root shell (autologin)", fig
    # Wait for boot to settle (oryxd may still be starting), then ask.
    t1 = time.monotonic()
    got, out = shell(con, [mark("SYSTEM", "$(systemctl is-system-running --wait)"),
                           "systemctl --failed --no-legend --plain | sed 's/^/FAILED-UNIT /'",
                           mark("ORYXD", "$(systemctl is-active oryxd)"),
                           mark("NAME", "$(xenstore-read /local/domain/0/name)"),
                           "oxl list", mark("OXL-RC", "$?")], "OXL-RC", 300, at)
    if got is None:
        return "no answer to systemctl/oxl list within 300 s", fig
    fig["check_s"] = time.monotonic() - t1
    system = re.search(r"SYSTEM-(\S+)-42", out)
    if not system or system.group(1) != "running":
        failed = re.findall(r"^FAILED-UNIT (\S+)", out, re.M)
        return "systemd says %s, failed units: %s" % (
            system.group(1) if system else "nothing", " ".join(failed) or "none"), fig
    state = re.search(r"ORYXD-(\S+)-42", out)
    if not state or state.group(1) != "active":
        return "oryxd is %s, not active" % (state.group(1) if state else "unknown"), fig
    if not re.search(r"NAME-Domain-0-42", out):
        return "xenstore-read /local/domain/0/name is not Domain-0", fig
    if not re.search(r"OXL-RC-0-42", out):
        return "oxl list failed: %s" % " | ".join(out.splitlines()[-4:]), fig
    if not re.search(r"^Domain-0\s+0\s+\d+\s+\d+\s+\S+\s+[\d.]+\s*$", out, re.M):
        return "oxl list shows no Domain-0 line: %s" % " | ".join(out.splitlines()[-4:]), fig
    # The example guest, as the docs promise: oxl create, its init's line
    # in its console log, oxl destroy.
    t3 = time.monotonic()
    log = "/var/log/oryx/guest-linux.log"
    done, out = shell(con, ["oxl create -q /etc/oryx/examples/linux.cfg", mark("CREATE-RC", "$?"),
                            "for i in $(seq 240); do grep -q ORYX-INIT-OK %s 2>/dev/null && break; "
                            "sleep 1; done" % log,
                            mark("GUEST", "$(grep -c ORYX-INIT-OK %s)" % log),
                            "oxl destroy linux", mark("DESTROY-RC", "$?")], "DESTROY-RC", 400, got)
    if done is None:
        return "oxl create/destroy of the example guest did not finish in 400 s", fig
    if not re.search(r"CREATE-RC-0-42", out):
        return "oxl create /etc/oryx/examples/linux.cfg failed: %s" % " | ".join(
            l for l in out.splitlines() if "CREATE-RC" not in l)[-200:], fig
    if re.search(r"GUEST-0-42", out) or not re.search(r"GUEST-\d+-42", out):
        return "the example guest's init never printed ORYX-INIT-OK", fig
    if not re.search(r"DESTROY-RC-0-42", out):
        return "oxl destroy linux failed", fig
    fig["guest_s"] = time.monotonic() - t3
    # The second example boots from its own disk (an ext4 root on xvda,
    # the image's /var/lib/oryx/images/linux-disk.img) with a vif on
    # xenbr0, which nothing makes at boot (docs/install.md): `oxl
    # bridge-setup` first, as the example says. Its /etc/rc, run by init
    # from the disk, prints "Oryx guest: root /dev/xvda (rw,...)".
    got, out = shell(con, ["oxl bridge-setup", mark("BRIDGE-RC", "$?")], "BRIDGE-RC", 60, done)
    if got is None or not re.search(r"BRIDGE-RC-0-42", out):
        return "oxl bridge-setup failed: %s" % " | ".join((out or "").splitlines()[-3:]), fig
    t4 = time.monotonic()
    log = "/var/log/oryx/guest-linux-disk.log"
    root = "Oryx guest: root /dev/xvda"
    got, out = shell(con, ["oxl create -q /etc/oryx/examples/linux-disk.cfg",
                           mark("DCREATE-RC", "$?"),
                           "for i in $(seq 240); do grep -aq '%s' %s 2>/dev/null && break; "
                           "sleep 1; done" % (root, log),
                           mark("DLISTED", "$(oxl list | grep -c '^linux-disk ')"),
                           mark("DGUEST", "$(grep -ac '%s (rw' %s)" % (root, log))],
                     "DGUEST", 300, got)
    if got is None:
        return "oxl create of linux-disk.cfg did not finish in 300 s", fig
    if not re.search(r"DCREATE-RC-0-42", out):
        return "oxl create /etc/oryx/examples/linux-disk.cfg failed: %s" % " | ".join(
            l for l in out.splitlines() if "DCREATE-RC" not in l)[-200:], fig
    if re.search(r"DGUEST-0-42", out) or not re.search(r"DGUEST-\d+-42", out):
        _, tail = shell(con, ["tail -n 8 %s | tr -cd '[:print:]\\n' | sed 's/^/DISKLOG /'" % log,
                              "echo", mark("DTAIL", "x")], "DTAIL", 30, got)
        return "the disk guest never printed '%s (rw': %s" % (root, " | ".join(
            re.findall(r"^DISKLOG (.*)$", tail or "", re.M))[-300:]), fig
    fig["disk_guest_s"] = time.monotonic() - t4
    if not re.search(r"DLISTED-1-42", out):
        return "oxl list does not show the running linux-disk", fig
    got, out = shell(con, ["oxl destroy linux-disk", mark("DDESTROY-RC", "$?"),
                           mark("DGONE", "$(oxl list | grep -c '^linux-disk ')")],
                     "DGONE", 120, got)
    if got is None or not re.search(r"DDESTROY-RC-0-42", out):
        return "oxl destroy linux-disk failed", fig
    if not re.search(r"DGONE-0-42", out):
        return "oxl list still shows linux-disk after oxl destroy", fig
    # A real system powers off through systemd; Oryx then ends QEMU.
    t2 = time.monotonic()
    con.send("systemctl poweroff\n")
    try:
        proc.wait(timeout=180)
    except subprocess.TimeoutExpired:
        return "systemctl poweroff did not end QEMU within 180 s", fig
    fig["poweroff_s"] = time.monotonic() - t2
    if REJECT.search(con.buf):
        return "the console shows: %s" % REJECT.search(con.buf).group(0).decode(), fig
    return None, fig


def main():
    for f in ("vmlinuz", "initrd.img", "dom0.img"):
        if not os.path.exists(os.path.join(IMG_DIR, f)):
            print("FAIL: %s %s/%s is missing (make debian-image)" % (CASE, IMG_DIR, f))
            return 1
    try:
        why, fig = run()
    except (OSError, ValueError) as e:      # QEMU gone mid-write, and the like
        why, fig = "harness error: %s" % e, {}
    print("PASS: %s" % CASE if why is None else "FAIL: %s %s (console: build/debian/console.log)"
          % (CASE, why))
    if fig:
        print("FIGURES: %s %s" % (CASE, " ".join("%s=%.1f" % kv for kv in fig.items())))
    return 0 if why is None else 1


if __name__ == "__main__":
    sys.exit(main())
