#!/usr/bin/env python3
"""Run a command (QEMU) and time its console lines.

    qemutime.py [--timeout S] [--until REGEX] [--log FILE] [--wait-exit]
                [--runs N] -- COMMAND ARGS...

Starts COMMAND with stdout+stderr on a pipe and stamps every line with the
seconds since the start. With --until, the first line matching REGEX ends
the measurement; the command is then killed, unless --wait-exit lets it
run to its own end (up to --timeout) so later lines (exit counters) are
logged too. --runs repeats the whole thing N times.

Prints one line per run, "elapsed=<s>" or "timeout=<s>", then with
several runs "median=<s>" (absent when any run timed out). Exit status:
0 when every run matched, 1 otherwise. --log writes each run's console,
every line prefixed with its time stamp, to FILE (FILE.<i> when N > 1).
Never asserts anything about the figures themselves.
"""
import argparse
import os
import re
import selectors
import signal
import statistics
import subprocess
import sys
import time


def run_once(cmd, until, timeout, wait_exit, log):
    """One run: (seconds to the match or None, captured lines)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, start_new_session=True)
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    buf, lines, hit = b"", [], None
    pat = re.compile(until) if until else None
    try:
        while True:
            left = timeout - (time.monotonic() - t0)
            if left <= 0:
                break
            if not sel.select(min(left, 0.5)):
                if p.poll() is not None:
                    break
                continue
            chunk = os.read(p.stdout.fileno(), 65536)
            now = time.monotonic() - t0
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                text = raw.decode("utf-8", "replace").rstrip("\r")
                lines.append((now, text))
                if pat and hit is None and pat.search(text):
                    hit = now
            if hit is not None and not wait_exit:
                break
    finally:
        if buf:
            lines.append((time.monotonic() - t0, buf.decode("utf-8", "replace")))
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        sel.close()
        p.stdout.close()
    if log:
        with open(log, "w") as f:
            for t, text in lines:
                f.write("[%9.3f] %s\n" % (t, text))
    if pat is None:
        hit = lines[-1][0] if lines else None
    return hit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--until")
    ap.add_argument("--log")
    ap.add_argument("--wait-exit", action="store_true")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("no command")
    if a.log:
        os.makedirs(os.path.dirname(os.path.abspath(a.log)), exist_ok=True)
    times, ok = [], True
    for i in range(a.runs):
        log = a.log if a.runs == 1 or not a.log else "%s.%d" % (a.log, i + 1)
        t = run_once(cmd, a.until, a.timeout, a.wait_exit, log)
        if t is None:
            print("timeout=%.3f" % a.timeout, flush=True)
            ok = False
        else:
            print("elapsed=%.3f" % t, flush=True)
            times.append(t)
    if a.runs > 1 and ok:
        print("median=%.3f" % statistics.median(times))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
