#!/usr/bin/env python3
"""Raw-socket tests against a running oryxd (started with --test-hooks).
Prints one PASS:/FAIL: line per case."""
import struct
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
from xsraw import Conn, T, sock_path  # noqa: E402

P = sock_path()
results = []


def case(name):
    def deco(fn):
        try:
            why = fn()
        except Exception as e:  # noqa: BLE001
            why = "exception %r" % (e,)
        ok = why is None
        print(("PASS: xenstore/%s" % name) if ok else ("FAIL: xenstore/%s %s" % (name, why)))
        results.append(ok)
        # After every hostile case a bystander must still be served.
        try:
            b = Conn(P)
            if b.write("/bystander", b"alive") != (True, b"OK\0") or \
               b.read("/bystander") != (True, b"alive"):
                print("FAIL: xenstore/%s-bystander store broken" % name)
                results.append(False)
            b.close()
        except Exception as e:  # noqa: BLE001
            print("FAIL: xenstore/%s-bystander %r" % (name, e))
            results.append(False)
        return fn
    return deco


def closed_or_error(c):
    """The connection got an ERROR reply or was closed."""
    try:
        t, _, _, _ = c.recv()
        return t == T["ERROR"]
    except (EOFError, ConnectionError, OSError):
        return True


@case("lying-length")
def _():
    c = Conn(P)
    c.send_raw(struct.pack("<IIII", T["READ"], 1, 0, 100000))
    if not closed_or_error(c):
        return "no error/close for len=100000"


@case("short-then-vanish")
def _():
    c = Conn(P)
    c.send_raw(struct.pack("<IIII", T["WRITE"], 1, 0, 4000) + b"/x\0abc")
    c.close()


@case("missing-nul")
def _():
    c = Conn(P)
    ok, err = c.call(T["READ"], b"/bystander")
    if ok or err != "EINVAL":
        return "got %r %r" % (ok, err)


@case("oversized-payload")
def _():
    c = Conn(P)
    c.send_raw(struct.pack("<IIII", T["WRITE"], 1, 0, 4097) + b"/big\0" + b"x" * 4092)
    if not closed_or_error(c):
        return "4097-byte payload accepted"


@case("unknown-types")
def _():
    c = Conn(P)
    for t, want in ((20, "ENOSYS"), (999, "ENOSYS"), (0xffff, "ENOSYS"),
                    (T["WATCH_EVENT"], "EINVAL"), (T["ERROR"], "EINVAL")):
        ok, err = c.call(t, b"/a\0")
        if ok or err != want:
            return "type %d: %r %r" % (t, ok, err)


@case("bad-paths")
def _():
    c = Conn(P)
    for p in (b"", b"/a//b", b"/a/", b"/a b", b"/a/../b", b"\xff", b"@foo"):
        ok, err = c.call(T["WRITE"], p + b"\0v")
        if ok or err != "EINVAL":
            return "path %r: %r %r" % (p, ok, err)


@case("long-and-deep-paths")
def _():
    c = Conn(P)
    ok, err = c.write("/" + "a" * 3100, b"v")
    if ok or err != "EINVAL":
        return "3101-byte path: %r %r" % (ok, err)
    deep = "/deep" + "/d" * 1500
    ok, err = c.write(deep, b"v")
    if not ok:
        return "deep path refused: %r" % err
    ok, err = c.call(T["RM"], b"/deep\0")
    if not ok:
        return "rm deep: %r" % err


@case("binary-values")
def _():
    c = Conn(P)
    v = bytes(range(256))
    c.write("/bin", v)
    if c.read("/bin") != (True, v):
        return "binary value changed"


@case("watch-fires-on-register-and-change")
def _():
    c, w = Conn(P), Conn(P)
    if w.call(T["WATCH"], b"/wt\0tok\0") != (True, b"OK\0"):
        return "watch failed"
    if w.event() != b"/wt\0tok\0":
        return "no initial event"
    c.write("/wt/a/b", b"1")
    if w.event() != b"/wt/a/b\0tok\0":
        return "no change event"
    c.call(T["RM"], b"/wt\0")
    if w.event() != b"/wt\0tok\0":
        return "no rm event"


@case("watch-flood")
def _():
    c = Conn(P)
    n = errs = 0
    try:
        for base in range(0, 9000, 100):
            for i in range(base, base + 100):
                c.send(T["WATCH"], b"/flood/%d\0t\0" % i)
            got = 0
            while got < 100:
                t, _, _, p = c.recv()
                if t == T["WATCH_EVENT"]:
                    continue
                got += 1
                if t == T["ERROR"]:
                    errs += 1
                else:
                    n += 1
    except (EOFError, OSError):
        return None  # closed: fine
    if errs == 0:
        return "no per-connection watch limit (%d watches)" % n


@case("event-flood-nonreader")
def _():
    # A client that watches / and never reads must not grow without bound.
    lazy = Conn(P)
    lazy.call(T["WATCH"], b"/\0lazy\0")
    c = Conn(P)
    for i in range(3000):
        c.write("/spam/%d" % (i % 50), b"x" * 1500)
    lazy.close()


@case("transaction-flood")
def _():
    c = Conn(P)
    errs = 0
    for i in range(100):
        ok, err = c.call(T["TRANSACTION_START"], b"\0")
        if not ok:
            errs += 1
            if err != "ENOSPC":
                return "unexpected %s" % err
    if errs == 0:
        return "no transaction limit"


@case("vanish-mid-transaction")
def _():
    c = Conn(P)
    ok, tid = c.call(T["TRANSACTION_START"], b"\0")
    tid = int(tid.rstrip(b"\0"))
    c.write("/vanish/x", b"1", tx=tid)
    c.close()
    time.sleep(0.1)
    b = Conn(P)
    ok, err = b.read("/vanish/x")
    if ok or err != "ENOENT":
        return "uncommitted write visible"


@case("transaction-conflict-eagain")
def _():
    a, b = Conn(P), Conn(P)
    a.write("/tc", b"0")
    _, tid = a.call(T["TRANSACTION_START"], b"\0")
    tid = int(tid.rstrip(b"\0"))
    a.read("/tc", tx=tid)
    a.write("/tc", b"1", tx=tid)
    b.write("/tc", b"2")
    ok, err = a.call(T["TRANSACTION_END"], b"T\0", tx=tid)
    if ok or err != "EAGAIN":
        return "commit: %r %r" % (ok, err)
    if b.read("/tc") != (True, b"2"):
        return "conflicting tx applied"
    _, tid = a.call(T["TRANSACTION_START"], b"\0")
    tid = int(tid.rstrip(b"\0"))
    a.write("/tc", b"3", tx=tid)
    if a.call(T["TRANSACTION_END"], b"T\0", tx=tid) != (True, b"OK\0"):
        return "clean commit failed"
    if b.read("/tc") != (True, b"3"):
        return "commit lost"


@case("domain-ops")
def _():
    c, w = Conn(P), Conn(P)
    w.call(T["WATCH"], b"@introduceDomain\0i\0")
    w.call(T["WATCH"], b"@releaseDomain\0r\0")
    w.event(), w.event()
    if c.call(T["GET_DOMAIN_PATH"], b"7\0") != (True, b"/local/domain/7\0"):
        return "get_domain_path"
    if c.call(T["IS_DOMAIN_INTRODUCED"], b"7\0") != (True, b"F\0"):
        return "introduced before INTRODUCE"
    if c.call(T["INTRODUCE"], b"7\0" b"4096\0" b"3\0")[0] is not True:
        return "introduce"
    if w.event() != b"@introduceDomain\0i\0":
        return "no @introduceDomain"
    if c.call(T["IS_DOMAIN_INTRODUCED"], b"7\0") != (True, b"T\0"):
        return "not introduced"
    if c.call(T["RESUME"], b"7\0")[0] is not True:
        return "resume"
    if c.call(T["SET_TARGET"], b"8\0" b"7\0")[0] is not True:
        return "set_target"
    if c.call(T["RELEASE"], b"7\0")[0] is not True:
        return "release"
    if w.event() != b"@releaseDomain\0r\0":
        return "no @releaseDomain"
    if c.call(T["RESET_WATCHES"], b"\0")[0] is not True:
        return "reset_watches"


@case("unprivileged-perms-and-quotas")
def _():
    d0, g = Conn(P), Conn(P)
    d0.write("/local/domain/9/secret", b"s")
    d0.call(T["SET_PERMS"], b"/local/domain/9\0b9\0")
    if g.call(T["CONTROL"], b"become\0" b"9\0") != (True, b"OK\0"):
        return "become (oryxd without --test-hooks?)"
    ok, err = g.read("/local/domain/9/secret")
    if ok or err != "EACCES":
        return "read of dom0-owned node: %r %r" % (ok, err)
    ok, err = g.write("/outside", b"x")
    if ok or err != "EACCES":
        return "write outside home: %r %r" % (ok, err)
    ok, _ = g.write("data/x", b"1")
    if not ok:
        return "write in own home refused"
    ok, err = g.call(T["INTRODUCE"], b"3\0" b"1\0" b"1\0")
    if ok or err != "EACCES":
        return "unprivileged INTRODUCE: %r %r" % (ok, err)
    ok, err = g.write("big", b"x" * 3000)
    if ok or err != "ENOSPC":
        return "node-size quota: %r %r" % (ok, err)
    errs = [g.write("n/%d" % i, b"")[1] for i in range(1100)]
    if "ENOSPC" not in errs:
        return "nodes quota never hit"
    werr = [g.call(T["WATCH"], b"/w%d\0t\0" % i)[1] for i in range(200)]
    if "ENOSPC" not in werr:
        return "watch quota never hit"
    terr = [g.call(T["TRANSACTION_START"], b"\0")[1] for i in range(20)]
    if "ENOSPC" not in terr:
        return "transaction quota never hit"


sys.exit(0 if all(results) else 1)
