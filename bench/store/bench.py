#!/usr/bin/env python3
"""Store benchmark: reads/s, writes/s, watch events/s and latency with
1, 8 and 64 concurrent clients (one process each), plus oryxd's RSS with
10,000 nodes and 1,000 watches. Usage: bench.py [--secs S] [--daemon CMD]
CMD is run with {sock} replaced by a socket path (default: oryxd).
Debian's xenstored is tried too and reported if it cannot run."""
import argparse
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../tests/xenstore"))
from xsraw import Conn, T  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")
ORYXD = os.path.join(ROOT, "build/tools/oryxd/oryxd")


def start(cmd, sock):
    p = subprocess.Popen(cmd.format(sock=sock).split(), stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    for _ in range(50):
        if os.path.exists(sock):
            try:
                c = Conn(sock)
                ok = c.write("/bench/probe", b"1")[0]
                c.close()
                if ok:
                    return p
            except Exception:  # noqa: BLE001
                pass
        if p.poll() is not None:
            break
        time.sleep(0.1)
    p.kill()
    rc = p.wait()
    err = p.stderr.read().decode(errors="replace").strip().splitlines()
    why = err[-1] if err else "no output"
    if rc in (-11, 139) or (rc == -9 and not err):
        why += " (no working reply; Debian's xenstored -D segfaults on the " \
               "first request without /dev/xen, and without -D it needs " \
               "/dev/xen/privcmd)"
    raise RuntimeError("exit %s: %s" % (rc, why))


def worker(sock, kind, idx, secs, q):
    c = Conn(sock)
    path = "/bench/k%d" % idx
    c.write(path, b"v" * 32)
    lat = []
    n = 0
    end = time.perf_counter() + secs
    while True:
        t0 = time.perf_counter()
        if t0 >= end:
            break
        if kind == "read":
            c.read(path)
        else:
            c.write(path, b"%031d" % n)
        lat.append(time.perf_counter() - t0)
        n += 1
    q.put((n, lat))


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))] * 1e6 if v else 0.0


def run_ops(sock, kind, nclients, secs):
    q = mp.Queue()
    ps = [mp.Process(target=worker, args=(sock, kind, i, secs, q)) for i in range(nclients)]
    for p in ps:
        p.start()
    res = [q.get() for _ in ps]
    for p in ps:
        p.join()
    total = sum(r[0] for r in res)
    lat = [x for r in res for x in r[1]]
    return total / secs, pct(lat, 0.5), pct(lat, 0.99)


def watcher(sock, secs, q, ready):
    c = Conn(sock)
    c.call(T["WATCH"], b"/bench/w\0t\0")
    c.event()
    ready.put(1)
    n = 0
    c.s.settimeout(1.0)
    end = time.perf_counter() + secs
    try:
        while time.perf_counter() < end:
            c.event()
            n += 1
    except OSError:
        pass
    q.put(n)


def run_watch(sock, nwatchers, secs):
    q, ready = mp.Queue(), mp.Queue()
    ps = [mp.Process(target=watcher, args=(sock, secs, q, ready)) for _ in range(nwatchers)]
    for p in ps:
        p.start()
    for _ in ps:
        ready.get()
    w = Conn(sock)
    end = time.perf_counter() + secs
    i = 0
    while time.perf_counter() < end:
        w.write("/bench/w/x", b"%d" % i)
        i += 1
    total = sum(q.get() for _ in ps)
    for p in ps:
        p.join()
    return total / secs


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def memory(cmd):
    d = tempfile.mkdtemp()
    sock = os.path.join(d, "socket")
    p = start(cmd, sock)
    base = rss_kib(p.pid)
    c = Conn(sock)
    for i in range(10000):
        c.send(T["WRITE"], b"/mem/d%d/n%d\0value-%d" % (i // 100, i, i))
        if i % 200 == 199:
            for _ in range(200):
                c.recv()
    watchers = [Conn(sock) for _ in range(10)]
    for j, w in enumerate(watchers):
        for i in range(100):
            w.call(T["WATCH"], b"/mem/d%d/n%d\0tok%d\0" % (i, i, j))
    time.sleep(0.2)
    r = rss_kib(p.pid)
    p.terminate()
    p.wait()
    return base, r


def bench(name, cmd, secs):
    d = tempfile.mkdtemp()
    sock = os.path.join(d, "socket")
    try:
        p = start(cmd, sock)
    except Exception as e:  # noqa: BLE001
        print("%s: cannot run: %s" % (name, e))
        return None
    out = {}
    try:
        for n in (1, 8, 64):
            for kind in ("read", "write"):
                out[(kind, n)] = run_ops(sock, kind, n, secs)
            out[("watch", n)] = (run_watch(sock, n, secs), 0, 0)
    finally:
        p.terminate()
        p.wait()
    print("%s:" % name)
    print("  %-6s %8s %12s %10s %10s" % ("op", "clients", "ops/s", "p50 us", "p99 us"))
    for (kind, n), (rate, p50, p99) in out.items():
        print("  %-6s %8d %12.0f %10.1f %10.1f" % (kind, n, rate, p50, p99))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--secs", type=float, default=2.0)
    ap.add_argument("--daemon", default=ORYXD + " --socket {sock}")
    ap.add_argument("--xenstored", default="env XENSTORED_RUNDIR={dir} "
                    "/usr/lib/xen-4.17/bin/xenstored -N -D")
    a = ap.parse_args()
    ours = bench("oryxd", a.daemon, a.secs)
    # Debian's xenstored takes its socket from XENSTORED_RUNDIR.
    d = tempfile.mkdtemp()
    theirs = None
    if os.path.exists("/usr/lib/xen-4.17/bin/xenstored"):
        theirs = bench("xenstored-4.17", a.xenstored.replace("{dir}", d)
                       .replace("{sock}", d + "/socket"), a.secs)
    else:
        print("xenstored-4.17: not installed (apt-get install xen-utils-4.17)")
    if ours and theirs:
        print("ratio oryxd/xenstored:")
        for k in ours:
            print("  %-6s %3d clients: %.2fx" % (k[0], k[1], ours[k][0] / max(theirs[k][0], 1e-9)))
    base, r = memory(a.daemon)
    print("oryxd RSS: %d KiB idle, %d KiB with 10000 nodes + 1000 watches" % (base, r))


if __name__ == "__main__":
    main()
