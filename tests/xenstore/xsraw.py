"""Raw xenstore-protocol client for the oryxd tests and benchmarks."""
import os
import socket
import struct

T = dict(CONTROL=0, DIRECTORY=1, READ=2, GET_PERMS=3, WATCH=4, UNWATCH=5,
         TRANSACTION_START=6, TRANSACTION_END=7, INTRODUCE=8, RELEASE=9,
         GET_DOMAIN_PATH=10, WRITE=11, MKDIR=12, RM=13, SET_PERMS=14,
         WATCH_EVENT=15, ERROR=16, IS_DOMAIN_INTRODUCED=17, RESUME=18,
         SET_TARGET=19, RESET_WATCHES=21, DIRECTORY_PART=22)


class Conn:
    def __init__(self, path, timeout=5.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.req = 0
        self.events = []

    def close(self):
        self.s.close()

    def send_raw(self, data):
        self.s.sendall(data)

    def send(self, typ, payload, tx=0, req=None):
        if req is None:
            self.req += 1
            req = self.req
        self.s.sendall(struct.pack("<IIII", typ, req, tx, len(payload)) + payload)
        return req

    def _recvn(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise EOFError("closed")
            buf += chunk
        return buf

    def recv(self):
        typ, req, tx, ln = struct.unpack("<IIII", self._recvn(16))
        return typ, req, tx, self._recvn(ln) if ln else b""

    def call(self, typ, payload, tx=0):
        """Returns (ok, payload); watch events seen meanwhile are kept."""
        req = self.send(typ, payload, tx)
        while True:
            t, r, _, p = self.recv()
            if t == T["WATCH_EVENT"]:
                self.events.append(p)
                continue
            if r != req:
                continue
            if t == T["ERROR"]:
                return False, p.rstrip(b"\0").decode()
            return True, p

    def event(self):
        if self.events:
            return self.events.pop(0)
        while True:
            t, _, _, p = self.recv()
            if t == T["WATCH_EVENT"]:
                return p

    def write(self, path, val, tx=0):
        return self.call(T["WRITE"], path.encode() + b"\0" + val, tx)

    def read(self, path, tx=0):
        return self.call(T["READ"], path.encode() + b"\0", tx)


def sock_path():
    return os.environ["XENSTORED_PATH"]
