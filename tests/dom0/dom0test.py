#!/usr/bin/env python3
"""dom0 tests: Debian's stock kernel (cache/vmlinuz) as the control domain
that owns the machine's devices, with tests/dom0/init.sh as its /init.

One run per QEMU machine (pc, q35). dom0 gets two disks filled with
seeded random bytes (virtio-blk, and IDE/SATA: PIIX IDE on pc, AHCI on
q35) and two NICs (virtio-net with MSI-X, e1000 with INTx), each NIC
joined by a QEMU socket netdev to a second QEMU, the "peer": the same
kernel booted bare with tests/dom0/peer.sh, serving a seeded random blob
over HTTP. The harness computes every checksum on the host and passes it
on dom0's command line; dom0 prints "CHECK <name> PASS|FAIL <detail>" per
check, BENCH timing lines and ORYX-DOM0-DONE, then powers off.

Modes (see qemu_cmd): "bare" boots the kernel directly with QEMU
(-kernel vmlinuz), the baseline; "oryx" boots build/oryx.elf with the
kernel and the initramfs as multiboot modules (draft, not yet run). The
checks are the same; EXPECT says per mode which ones must pass, which
must fail (the Xen-only ones, bare) and which are only reported.

Output: one line per case, "PASS: dom0/<case>", "FAIL: dom0/<case> why" or
"SKIP: dom0/<case> why", where <case> is <machine>-<check> in oryx mode
and bare-<machine>-<check> in bare mode; then one "FIGURES: dom0/..."
line per run (boot seconds, disk and TCP MiB/s) for bench/dom0-baseline.sh.
Consoles, time-stamped: build/dom0/<mode>-<machine>{,-peer}.log.

Usage: dom0test.py --bare|--oryx [-M pc|q35]... [--repeat N]
Env: DOM0TEST_TIMEOUT (seconds per dom0 run, default 1500), ORYX_CACHE
(default cache/), DOM0TEST_KARGS (extra kernel arguments for dom0,
default "quiet"), ORYX_DOM0_HV_ARGS (hypervisor options, oryx mode).
"""
import hashlib
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "build", "dom0")
CACHE = os.path.join(ROOT, os.environ.get("ORYX_CACHE", "cache"))
VMLINUZ = os.path.join(CACHE, "vmlinuz")
BUSYBOX = os.path.join(CACHE, "busybox")
HV = os.path.join(ROOT, "build", "oryx.elf")
DOMU = os.path.join(ROOT, "build", "guests", "progress-64.elf")
DOMU_NAME = "beside"
GRANTER = os.path.join(ROOT, "build", "guests", "granter-64.elf")
GRANTER_NAME = "granter"
GRANTER_ID = 2          # boot-time domains are numbered in module order from 1
GRANTCHECK = os.path.join(OUT, "grantcheck")
# devices.sh's dev-hostile: the guest's own hostile block/net frontend.
HOSTILE_FRONT = os.path.join(OUT, "hostile-front")
MKGUEST = os.path.join(OUT, "mkguest")
OXL = os.path.join(OUT, "oxl")
OXL_PARTS = [os.path.join(ROOT, "build", "tools", p) for p in
             ("oxl.obj/oxl.o", "oxl.obj/oxl_cmdtable.o", "oxl.obj/oxl_config.o",
              "oxl.obj/oxl_domain.o", "oxl.obj/oxl_create.o", "oxl.obj/oxl_store.o",
              "oxl.obj/oxl_xsdomain.o", "oxl.obj/oxl_lifecycle.o", "oxl.obj/oxl_rename.o",
              "oxl.obj/oxl_dumpcore.o", "oxl.obj/oxl_device.o", "libxdev.a", "libxlcfg.a",
              "libxctl.a", "libxs.a")]
# The control verbs (pause, vcpu-list, info, dmesg, uptime, top, list -l).
OXL_PARTS[-4:-4] = [os.path.join(ROOT, "build", "tools", "oxl.obj", p + ".o") for p in
                    ("oxl_ctl", "oxl_fmt", "oxl_json", "oxl_list", "oxl_pause", "oxl_vcpu",
                     "oxl_info", "oxl_top")]
BUILT_GUEST = os.path.join(ROOT, "build", "guests", "hello-64.elf")
# tests/dom0/life.sh's micro-guests: one that never connects, one that crashes.
MICRO_GUESTS = [(os.path.join(ROOT, "build", "guests", "%s-64.elf" % g), "/guests/%s.elf" % g)
                for g in ("progress", "shutdown-reason")]
CORE_MEM = 6 << 20      # life.sh's crashy guest: memory = 6
XS_HOSTILE = os.path.join(ROOT, "build", "guests", "xs-hostile-64.elf")
# The ramdisk of "web", the guest oxl creates in dom0: busybox, the xenfs
# modules and Debian's xenstore clients, /init = guest-init.sh.
GUEST_INITRD = os.path.join(OUT, "web-initrd.cpio.gz")
ORYXD = os.path.join(OUT, "oryxd")
# Debian's xenstore clients and what they load (scripts/fetch-fixtures.sh
# unpacks the packages there): (file in the cache, path in dom0's image).
XS_ROOT = os.path.join(CACHE, "root", "xs")
XS_TOOLS = ["read", "write", "ls", "list", "rm", "exists", "watch"]
XS_FILES = [("xenstore-utils/usr/bin/xenstore", "/usr/bin/xenstore-%s" % t) for t in XS_TOOLS] + [
    ("libxenstore4/usr/lib/x86_64-linux-gnu/libxenstore.so.4", "/lib/x86_64-linux-gnu/libxenstore.so.4"),
    ("libxentoolcore1/usr/lib/x86_64-linux-gnu/libxentoolcore.so.1",
     "/lib/x86_64-linux-gnu/libxentoolcore.so.1"),
    ("libc6/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"),
    ("libc6/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2"),
    # glibc loads it for pthread_cancel (libxenstore's xs_close of a watcher).
    ("libgcc-s1/lib/x86_64-linux-gnu/libgcc_s.so.1", "/lib/x86_64-linux-gnu/libgcc_s.so.1"),
]
# qemu-nbd (serves the qcow2 disk of devices.sh's dev-qcow2), from the
# host's Debian qemu-utils, with the libraries ldd names beside it (the
# C library and loader come from XS_FILES).
QEMU_NBD = "/usr/bin/qemu-nbd"
# LVM's tool (devices.sh's dev-lvm), from the host's Debian lvm2, likewise.
LVM = "/usr/sbin/lvm"
HOT_QCOW2 = os.path.join(OUT, "hot.qcow2")
# devices.sh's dev-rootdisk: a guest booting from an ext4 root on a qcow2
# disk, and the ramdisk that mounts it (guests/linux-rootfs/mkrootfs.sh).
MKROOTFS = os.path.join(ROOT, "guests", "linux-rootfs", "mkrootfs.sh")
ROOT_QCOW2 = os.path.join(OUT, "root.qcow2")
ROOT_RAMDISK = os.path.join(OUT, "rootdisk-initrd.cpio.gz")


def host_binary_files(path):
    """(source, destination) pairs for a host binary and the shared
    libraries it loads, at their paths, but those XS_FILES brings."""
    have = {dst for _, dst in XS_FILES}
    files = [(path, path)]
    out = subprocess.run(["ldd", path], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if "=>" in parts and len(parts) >= 3 and parts[2].startswith("/"):
            lib = parts[2]
            dst = "/lib/x86_64-linux-gnu/" + os.path.basename(lib)
            if dst not in have:
                files.append((os.path.realpath(lib), dst))
    return files


HERE = os.path.join(ROOT, "tests", "dom0")
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from tcg_flaw import flaw_in  # noqa: E402
MKDOM0 = os.path.join(ROOT, "tests", "fixtures", "mkdom0-initramfs.sh")
# DOM0TEST_ELF=1 (bench/dom0.sh): dom0's image also carries the kernel as
# an ELF file (the bzImage's payload, unpacked here) as /boot/vmlinux, and
# init.sh times `oxl create` of it too.
WITH_ELF = os.environ.get("DOM0TEST_ELF") == "1"
VMLINUX = os.path.join(OUT, "vmlinux")
DOM0_IMG = os.path.join(OUT, "dom0-elf.cpio.gz" if WITH_ELF else "dom0.cpio.gz")
PEER_IMG = os.path.join(OUT, "peer.cpio.gz")
BLOB = os.path.join(OUT, "blob")
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
TIMEOUT = int(os.environ.get("DOM0TEST_TIMEOUT", "1500"))
PEER_TIMEOUT = 180
KARGS = os.environ.get("DOM0TEST_KARGS", "quiet")

MIB = 1 << 20
# name: (file, seed, size MiB, MiB dom0 reads and checks)
DISKS = {
    "virtio": ("disk-virtio.img", 1, 64, 64),
    "sata": ("disk-sata.img", 2, 96, 16),   # devices.sh's dev-lvm: an LVM volume group on it
}
BLOB_SEED, BLOB_MIB = 3, 16
MACHINES = ["pc", "q35"]
VCPUS, MEM = 2, 1024

# What init.sh reports, in its order.
GRANT_CHECKS = ["grant-self", "grant-evtchn", "grant-map", "grant-batch", "foreign-resource", "foreign-map",
                "grant-copy", "gntalloc", "grant-lifetime"]
BUILD_CHECKS = ["build-refused", "build-domain", "oxl-list", "oxl-destroy", "oxl-create-refused", "oxl-create",
                "oxl-console", "guest-store-perms", "oxl-sysrq", "xs-hostile",
                "oxl-create-cached", "oryxd-restart",
                "oxl-reboot", "oxl-crash-restart", "oxl-shutdown", "oxl-rename", "oxl-three-guests",
                "oxl-silent-guest", "oxl-coredump", "oxl-dump-core", "oxl-loop"]
# oxl's control verbs (init.sh's check_oxl_verbs); oxl-list-long's JSON is
# also parsed here, from its OXL-LIST-JSON line.
VERB_CHECKS = ["oxl-pause", "oxl-vcpu-list", "oxl-info", "oxl-dmesg", "oxl-debug-keys", "oxl-uptime",
               "oxl-list-long", "oxl-top"]
# Split devices (tests/dom0/devices.sh), after the NIC checks.
DEV_CHECKS = ["bridge-setup", "dev-refused", "dev-wallclock", "dev-create", "dev-disk-read", "dev-disk-ro",
              "dev-disk-write", "dev-net", "dev-share", "dev-guest-net", "dev-vif-rate", "dev-hotplug", "dev-qcow2",
              "dev-lvm", "dev-hostile", "dev-destroy", "dev-destroy-rounds", "dev-rootdisk"]
STORE_CHECKS = ["xenstore-rw", "xenstore-watch", "xenbus-kernel", "xenstore-bad-input"]
CHECKS = ["modules", "xen-caps", "xen-devs"] + STORE_CHECKS + GRANT_CHECKS + BUILD_CHECKS + \
    VERB_CHECKS + [
          "backends", "cpus", "date",
          "disk-virtio", "disk-sata", "net-virtio", "net-e1000"] + DEV_CHECKS + [
          "balloon", "irq-counts", "dmesg-clean"]
# Per mode, the checks that need not pass: "fail" must fail (a pass means
# the check is vacuous), "skip" is only reported. Every other check must pass.
EXPECT = {
    "bare": {
        "xen-caps": ("fail", "no Xen: xenfs refuses to load"),
        "xen-devs": ("fail", "no Xen: the /dev/xen drivers refuse to load"),
        "backends": ("skip", "no Xen: the back-ends may refuse to load"),
        "balloon": ("fail", "no Xen: no balloon driver"),
        **{c: ("fail", "no Xen: no /dev/xen devices, no granter") for c in GRANT_CHECKS},
        **{c: ("fail", "no Xen: no privcmd, no domctl") for c in BUILD_CHECKS + VERB_CHECKS},
        **{c: ("fail", "no Xen: no oryxd, no back-ends") for c in DEV_CHECKS},
        **{c: ("fail", "no Xen: no xenfs, no local store ring for oryxd") for c in STORE_CHECKS},
    },
    "oryx": {},
}
# dmesg lines that are not errors, per mode (an extended regex passed to
# init.sh as oryx.dmesgallow=; no blanks or commas: write '.' for them).
DMESG_ALLOW = {
    "bare": "",
    # No PIT or HPET interrupt reaches dom0 (as under Xen): Linux says so.
    "oryx": "Failed.to.register.legacy.timer.interrupt",
}
DATE_SLACK = 5      # seconds between dom0's clock and the host's
# Console lines a clean run never has.
REJECT = [r"Kernel panic", r"FATAL EXCEPTION", r"PANIC", r"unhandled SVM exit"]
# After a failed run, the console lines that say why (CI shows stdout only).
DIAG = re.compile(r"CRASHED|crashed|DEVDIAG|Kernel panic|BUG:|Oops|WARNING:|"
                  r"\(d\d+\) [^ ]+: shutdown|triple fault")
DIAG_MAX = 40


def qemu_cmd(mode, machine, kargs, ports, smp=VCPUS, mem=MEM):
    """QEMU's command line for dom0: the machine and dom0's devices are the
    same in every mode; only how the kernel is booted differs."""
    cmd = [QEMU, "-M", machine, "-accel", "tcg", "-cpu", "qemu64,+svm,+npt",
           "-smp", str(smp), "-m", str(mem), "-display", "none", "-nodefaults",
           "-no-reboot", "-monitor", "none", "-serial", "stdio"]
    if mode == "bare":
        cmd += ["-kernel", VMLINUZ, "-initrd", DOM0_IMG,
                "-append", "console=ttyS0 " + kargs]
    elif mode == "oryx":
        # Draft from the design: dom0's kernel is the first module, with
        # its command line; the initramfs the second. Commas are doubled
        # inside a -initrd module string.
        hv = os.environ.get("ORYX_DOM0_HV_ARGS", "exit_when_done dom0_mem=512M noreboot")
        # A boot-time domain runs beside dom0 all along; dom0's poweroff
        # must stop it by name.
        # The granter (guests/granter) is the second: dom0's grantcheck
        # maps its page, and it maps one of dom0's.
        mods = ["%s console=hvc0 %s oryx.granter=%d" % (VMLINUZ, kargs, GRANTER_ID), DOM0_IMG,
                "%s domain name=%s mem=4M cmdline=\"block steps=100000 ms=2000\""
                % (DOMU, DOMU_NAME),
                "%s domain name=%s mem=4M" % (GRANTER, GRANTER_NAME)]
        cmd += ["-kernel", HV, "-append", hv,
                "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                "-initrd", ",".join(m.replace(",", ",,") for m in mods)]
    else:
        raise ValueError("unknown mode %r" % mode)
    cmd += dom0_devices(ports)
    return cmd


def dom0_devices(ports):
    """Disks (snapshot=on: the images never change) and NICs; both disks'
    controllers exist on pc (PIIX IDE) and q35 (AHCI) as bus ide.0."""
    virtio, sata = (os.path.join(OUT, DISKS[d][0]) for d in ("virtio", "sata"))
    return [
        "-drive", "id=dv,file=%s,format=raw,if=none,snapshot=on" % virtio,
        "-device", "virtio-blk-pci,drive=dv",
        "-drive", "id=ds,file=%s,format=raw,if=none,snapshot=on" % sata,
        "-device", "ide-hd,drive=ds,bus=ide.0",
        "-netdev", "socket,id=n1,connect=127.0.0.1:%d" % ports[0],
        "-device", "virtio-net-pci,netdev=n1,mac=52:54:00:00:01:01,romfile=",
        "-netdev", "socket,id=n2,connect=127.0.0.1:%d" % ports[1],
        "-device", "e1000,netdev=n2,mac=52:54:00:00:02:01,romfile=",
    ]


def peer_cmd(ports):
    """The peer: bare Linux, one virtio-net per dom0 NIC, listening."""
    cmd = [QEMU, "-M", "pc", "-accel", "tcg", "-cpu", "qemu64", "-smp", "1",
           "-m", "256", "-display", "none", "-nodefaults", "-no-reboot",
           "-monitor", "none", "-serial", "stdio", "-kernel", VMLINUZ,
           "-initrd", PEER_IMG, "-append", "console=ttyS0 quiet oryx.nics=%d" % len(ports)]
    for i, port in enumerate(ports, 1):
        cmd += ["-netdev", "socket,id=p%d,listen=127.0.0.1:%d" % (i, port),
                "-device", "virtio-net-pci,netdev=p%d,mac=52:54:00:00:%02x:02,romfile=" % (i, i)]
    return cmd


class Console:
    """A QEMU whose stdout is read line by line, each line stamped with
    the host's monotonic time since start and its wall-clock time."""

    def __init__(self, args, log):
        self.args, self.lines, self.cond = args, [], threading.Condition()
        self.log = open(log, "w")
        self.log.write("# qemu %s\n" % " ".join(a if " " not in a else "'%s'" % a for a in args[1:]))
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, start_new_session=True)
        self.eof = False
        self.th = threading.Thread(target=self._read, daemon=True)
        self.th.start()

    def _read(self):
        for raw in iter(self.p.stdout.readline, b""):
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            mono, wall = time.monotonic() - self.t0, time.time()
            with self.cond:
                self.lines.append((mono, wall, text))
                self.log.write("[%8.3f %.3f] %s\n" % (mono, wall, text))
                self.log.flush()
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def wait_for(self, pattern, timeout):
        """The first (mono, wall, text) matching pattern, or None at the
        timeout or when QEMU's output ends."""
        pat, end, i = re.compile(pattern), time.monotonic() + timeout, 0
        with self.cond:
            while True:
                for line in self.lines[i:]:
                    if pat.search(line[2]):
                        return line
                i = len(self.lines)
                left = end - time.monotonic()
                if self.eof or left <= 0:
                    return None
                self.cond.wait(min(left, 1.0))

    def wait_exit(self, timeout):
        """QEMU's exit status, or None if it is still running."""
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        rc = self.p.wait()
        self.th.join(5)
        self.log.close()
        return rc


def free_ports(n):
    """n TCP ports on 127.0.0.1 free right now (the peer listens on them)."""
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def seeded(path, seed, mib):
    """A file of mib MiB of random bytes from seed (rebuilt if its size is
    wrong); returns its sha256 over the whole file."""
    size = mib * MIB
    if not os.path.exists(path) or os.path.getsize(path) != size:
        rnd = random.Random(seed)
        with open(path + ".tmp", "wb") as f:
            for _ in range(mib):
                f.write(rnd.randbytes(MIB))
        os.replace(path + ".tmp", path)
    return sha256(path, mib)


def sha256(path, mib):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for _ in range(mib):
            h.update(f.read(MIB))
    return h.hexdigest()


def newer(dst, *srcs):
    if not os.path.exists(dst):
        return True
    t = os.path.getmtime(dst)
    return any(os.path.getmtime(s) > t for s in srcs if os.path.exists(s))


def extract_elf(vmlinuz, out):
    """The ELF kernel inside a bzImage: its XZ payload (boot protocol
    2.08+: payload_offset/payload_length at 0x248, from the protected-mode
    code that follows the setup sectors), unpacked."""
    import lzma
    import struct
    with open(vmlinuz, "rb") as f:
        data = f.read()
    setup = (data[0x1f1] or 4) + 1
    off, length = struct.unpack_from("<II", data, 0x248)
    payload = data[setup * 512 + off: setup * 512 + off + length]
    elf = lzma.LZMADecompressor().decompress(payload)
    if elf[:4] != b"\x7fELF":
        raise OSError("%s: the payload is not an ELF file" % vmlinuz)
    with open(out + ".tmp", "wb") as f:
        f.write(elf)
    os.replace(out + ".tmp", out)


def make_fixtures():
    """Disk images, the blob and both initramfs images under build/dom0/;
    returns the checksums dom0 is told."""
    os.makedirs(OUT, exist_ok=True)
    sums = {}
    for name, (f, seed, size, read) in DISKS.items():
        path = os.path.join(OUT, f)
        seeded(path, seed, size)
        sums[name] = sha256(path, read)
    sums["net"] = seeded(BLOB, BLOB_SEED, BLOB_MIB)
    common = [MKDOM0, os.path.join(ROOT, "tests", "fixtures", "mkinitramfs.sh"), BUSYBOX,
              os.path.join(CACHE, "KERNEL_VERSION"), __file__]
    init, peer = os.path.join(HERE, "init.sh"), os.path.join(HERE, "peer.sh")
    src = os.path.join(HERE, "grantcheck.c")
    if newer(GRANTCHECK, src):
        subprocess.run([os.environ.get("HOSTCC", "gcc"), "-static", "-O2", "-Wall", "-Wextra",
                        "-Werror", "-o", GRANTCHECK, src], check=True)
    src = os.path.join(HERE, "hostile-front.c")
    io = [os.path.join(ROOT, "include", "public", "io", h) for h in ("ring.h", "blkif.h", "netif.h")]
    if newer(HOSTILE_FRONT, src, *io):
        subprocess.run([os.environ.get("HOSTCC", "gcc"), "-static", "-O2", "-std=gnu11", "-Wall", "-Wextra",
                        "-Werror", "-I" + os.path.join(ROOT, "include"), "-o", HOSTILE_FRONT, src], check=True)
    # mkguest links libxctl (the toolstack's builder) from what `make` built.
    mk_src = os.path.join(HERE, "mkguest.c")
    libxctl = os.path.join(ROOT, "build", "tools", "libxctl.a")
    if newer(MKGUEST, mk_src, libxctl):
        subprocess.run([os.environ.get("HOSTCC", "gcc"), "-static", "-O2", "-std=gnu11", "-Wall",
                        "-Wextra", "-Werror", "-I" + os.path.join(ROOT, "include"),
                        "-I" + os.path.join(ROOT, "tools", "libxctl"), "-o", MKGUEST, mk_src,
                        libxctl, "-llzma", "-lz", "-lzstd"], check=True)
    # oxl, linked statically from what `make` built for the host.
    if newer(OXL, *OXL_PARTS):
        subprocess.run([os.environ.get("HOSTCC", "gcc"), "-static", "-o", OXL] + OXL_PARTS +
                       ["-llzma", "-lz", "-lzstd", "-ljansson"], check=True)
    # The guest oxl creates in dom0: the same kernel, the test initramfs.
    cfg = os.path.join(OUT, "web.cfg")
    with open(cfg, "w") as f:
        f.write('name = "web"\ntype = "pvh"\nkernel = "/boot/vmlinuz"\n'
                'ramdisk = "/boot/initrd.gz"\nmemory = 128\nvcpus = 2\n'
                'cmdline = "console=hvc0 quiet"\n')
    # oryxd, static, serves dom0's kernel over its local ring.
    oryxd_srcs = sorted(os.path.join(ROOT, "tools", "oryxd", f)
                        for f in os.listdir(os.path.join(ROOT, "tools", "oryxd"))
                        if f.endswith(".c"))
    oryxd_hdrs = [os.path.join(ROOT, "tools", "oryxd", f) for f in os.listdir(os.path.join(ROOT, "tools", "oryxd"))
                  if f.endswith(".h")] + [os.path.join(ROOT, "include", "public", "io", "xs_wire.h")]
    # ... with libxdev's loop devices (a gone domain's disks).
    libxdev = os.path.join(ROOT, "build", "tools", "libxdev.a")
    if newer(ORYXD, *oryxd_srcs, *oryxd_hdrs, libxctl, libxdev):
        subprocess.run([os.environ.get("HOSTCC", "gcc"), "-static", "-O2", "-std=gnu11", "-Wall", "-Wextra",
                        "-Werror", "-I" + os.path.join(ROOT, "include"),
                        "-I" + os.path.join(ROOT, "tools", "libxctl"),
                        "-I" + os.path.join(ROOT, "tools", "libxdev"),
                        "-I" + os.path.join(ROOT, "tools", "oryxd"), "-o", ORYXD] + oryxd_srcs +
                       [libxctl, libxdev, "-llmdb", "-lpthread"], check=True)
    xs_files = [(os.path.join(XS_ROOT, src), dst) for src, dst in XS_FILES]
    missing = [src for src, _ in xs_files if not os.path.exists(src)]
    if missing:
        raise OSError("%s is missing (scripts/fetch-fixtures.sh)" % missing[0])
    guest_init = os.path.join(HERE, "guest-init.sh")
    store_bench = os.path.join(HERE, "store-bench.sh")
    if newer(GUEST_INITRD, guest_init, store_bench, HOSTILE_FRONT, *[src for src, _ in xs_files], *common):
        extra = ["-a", "%s=/bin/store-bench" % store_bench, "-a", "%s=/bin/hostile-front" % HOSTILE_FRONT]
        for src, dst in xs_files:
            extra += ["-a", "%s=%s" % (src, dst)]
        subprocess.run([MKDOM0, "-o", GUEST_INITRD, "-i", guest_init, "-m",
                        "xen-evtchn xenfs xen-blkfront xen-netfront xen-gntalloc"] + extra,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not os.path.exists(HOT_QCOW2):
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", HOT_QCOW2, "16M"], check=True)
    nbd_files = host_binary_files(QEMU_NBD)
    nbd_files += [f for f in host_binary_files(LVM) if f[1] not in {dst for _, dst in nbd_files}]
    lvm_conf = os.path.join(HERE, "lvm.conf")
    rootfs_srcs = [os.path.join(ROOT, "guests", "linux-rootfs", f)
                   for f in os.listdir(os.path.join(ROOT, "guests", "linux-rootfs"))]
    rc_local = os.path.join(HERE, "rootdisk-rc.local")
    if newer(ROOT_QCOW2, rc_local, *rootfs_srcs, *common) or newer(ROOT_RAMDISK, *rootfs_srcs, *common):
        subprocess.run([MKROOTFS, "-o", ROOT_QCOW2, "-f", "qcow2", "-r", ROOT_RAMDISK,
                        "-a", "%s=/etc/rc.local" % rc_local], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if WITH_ELF and newer(VMLINUX, VMLINUZ):
        extract_elf(VMLINUZ, VMLINUX)
    life = os.path.join(HERE, "life.sh")
    devices = os.path.join(HERE, "devices.sh")
    if newer(DOM0_IMG, init, life, devices, store_bench, XS_HOSTILE, GRANTCHECK, MKGUEST, BUILT_GUEST, OXL,
             GUEST_INITRD, ORYXD, HOT_QCOW2, ROOT_QCOW2, ROOT_RAMDISK, lvm_conf,
             *[src for src, _ in nbd_files],
             *[src for src, _ in MICRO_GUESTS],
             *[src for src, _ in xs_files], *common):
        extra = ["-a", "%s=/bin/grantcheck" % GRANTCHECK,
                 "-a", "%s=/bin/mkguest" % MKGUEST,
                 "-a", "%s=/bin/oxl" % OXL,
                 "-a", "%s=/etc/oryx/web.cfg" % cfg,
                 "-a", "%s=/boot/vmlinuz" % VMLINUZ,
                 "-a", "%s=/boot/initrd.gz" % GUEST_INITRD,
                 "-a", "%s=/guest.elf" % BUILT_GUEST,
                 "-a", "%s=/bin/oryxd" % ORYXD,
                 "-a", "%s=/bin/store-bench" % store_bench,
                 "-a", "%s=/boot/xs-hostile.elf" % XS_HOSTILE,
                 "-a", "%s=/lib/oryx-life.sh" % life,
                 "-a", "%s=/lib/oryx-devices.sh" % devices,
                 "-a", "%s=/lib/oryx/hot.qcow2" % HOT_QCOW2,
                 "-a", "%s=/lib/oryx/root.qcow2" % ROOT_QCOW2,
                 "-a", "%s=/boot/rootdisk-initrd.gz" % ROOT_RAMDISK,
                 "-a", "%s=/etc/lvm/lvm.conf" % lvm_conf]
        for src, dst in nbd_files:
            extra += ["-a", "%s=%s" % (src, dst)]
        for src, dst in MICRO_GUESTS:
            extra += ["-a", "%s=%s" % (src, dst)]
        if WITH_ELF:
            extra += ["-a", "%s=/boot/vmlinux" % VMLINUX]
        for src, dst in xs_files:
            extra += ["-a", "%s=%s" % (src, dst)]
        subprocess.run([MKDOM0, "-o", DOM0_IMG, "-i", init] + extra, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if newer(PEER_IMG, peer, BLOB, *common):
        subprocess.run([MKDOM0, "-o", PEER_IMG, "-i", peer, "-m", "virtio_pci virtio_net",
                        "-a", "%s=/www/blob" % BLOB], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return sums


# devices.sh's destroy-under-I/O rounds after its first: ten in all on
# q35, three on pc (the guests' devices are the same on both machines, and
# the rounds cost about 15 s each).
DEV_ROUNDS = {"q35": 9, "pc": 2}
# devices.sh's checks that run on one machine only (oryx.devextra=1): what
# they exercise (blkback, netback, LVM, the hypervisor's grant checks) is
# the same on both, and each costs about a minute.
ONE_MACHINE_CHECKS = {"dev-lvm": "q35", "dev-hostile": "q35"}


def kernel_args(mode, sums, hosttime, machine):
    a = [KARGS, "oryx.vcpus=%d" % VCPUS, "oryx.hosttime=%d" % hosttime,
         "oryx.devrounds=%d" % DEV_ROUNDS.get(machine, 2),
         "oryx.devextra=%d" % (machine in ONE_MACHINE_CHECKS.values()),
         "oryx.disksum=%s" % sums["virtio"], "oryx.diskmib=%d" % DISKS["virtio"][3],
         "oryx.satasum=%s" % sums["sata"], "oryx.satamib=%d" % DISKS["sata"][3],
         "oryx.netsum=%s" % sums["net"]]
    if DMESG_ALLOW[mode]:
        a.append("oryx.dmesgallow=%s" % DMESG_ALLOW[mode])
    return " ".join(x for x in a if x)


def parse(lines):
    """CHECK results, BENCH figures and DATE skews from dom0's console (a
    hypervisor may prefix its lines, so the markers are searched for)."""
    seen, bench, skews = {}, {}, []
    for mono, wall, text in lines:
        m = re.search(r"CHECK (\S+) (PASS|FAIL) ?(.*)", text)
        if m:
            seen.setdefault(m.group(1), (m.group(2), m.group(3)))
            continue
        m = re.search(r"BENCH (\S+) (.*)", text)
        if m:
            bench[m.group(1)] = dict(kv.split("=", 1) for kv in m.group(2).split() if "=" in kv)
            continue
        m = re.search(r"\bDATE (\d+)", text)
        if m:
            skews.append(wall - int(m.group(1)))
    return seen, bench, skews


def granter_result(prefix, out):
    """guests/granter's verdict: its PASS line, then its teardown once dom0
    let go of its page, with every page given back."""
    why = []
    m = re.search(r"\(%s\) (FAIL.*)" % GRANTER_NAME, out)
    if m:
        why.append(m.group(1)[:200])
    elif not re.search(r"\(%s\) PASS" % GRANTER_NAME, out):
        why.append("no '(%s) PASS' line" % GRANTER_NAME)
    if not re.search(r"\(d%d\) %s: destroyed" % (GRANTER_ID, GRANTER_NAME), out):
        why.append("never destroyed as d%d" % GRANTER_ID)
    m = re.search(r"pages still charged after teardown", out)
    if m:
        why.append("'%s'" % m.group(0))
    return ("FAIL: %sgranter %s" % (prefix, "; ".join(why))) if why else \
        "PASS: %sgranter" % prefix


def list_json_problem(lines):
    """Why the OXL-LIST-JSON line (oxl list -l, joined into one line) is
    not xl's JSON listing Domain-0 and the boot-time domain; None if it is."""
    import json
    idx = next((i for i, (_, _, t) in enumerate(lines) if "OXL-LIST-JSON " in t), None)
    if idx is None:
        return "no OXL-LIST-JSON line"
    # The serial line is shared: a boot-time domain's line printed by the
    # hypervisor may cut dom0's long line in two. Cut such a fragment out
    # and join the rest (a few lines at most).
    frag = re.compile(r"\((?:%s|%s)\) [^\n]*$" % (re.escape(DOMU_NAME), re.escape(GRANTER_NAME)))
    text = lines[idx][2].split("OXL-LIST-JSON ", 1)[1]
    for extra in range(6):
        try:
            doms = json.loads(text)
            break
        except ValueError as e:
            err = e
            if extra == 5 or idx + 1 + extra >= len(lines):
                return "oxl list -l is not JSON (%s): %s" % (err, text[:120])
            text = frag.sub("", text) + lines[idx + 1 + extra][2]
    if not isinstance(doms, list):
        return "oxl list -l is not a JSON array"
    by_name = {}
    for d in doms:
        try:
            by_name[d["config"]["c_info"]["name"]] = d
            int(d["domid"]), int(d["config"]["b_info"]["max_vcpus"]), int(d["cpu_time_ns"])
        except (KeyError, TypeError, ValueError) as e:
            return "an entry lacks %s: %s" % (e, json.dumps(d)[:120])
    d0, bs = by_name.get("Domain-0"), by_name.get(DOMU_NAME)
    if not d0 or d0["domid"] != 0 or d0["config"]["b_info"]["max_vcpus"] != VCPUS:
        return "no Domain-0 with id 0 and %d vCPUs in %s" % (VCPUS, sorted(by_name))
    if not bs or bs["config"]["b_info"]["target_memkb"] < 4096:
        return "no %s with its 4096 KiB in %s" % (DOMU_NAME, sorted(by_name))
    return None


def figures(boot, bench):
    """name=value pairs: boot seconds, disk and TCP MiB/s, store ops/s."""
    f = ["boot_s=%s" % ("%.1f" % boot if boot is not None else "n/a")]
    for name, key in (("disk-virtio", "disk_virtio"), ("disk-sata", "disk_sata"),
                      ("net-virtio", "net_virtio"), ("net-e1000", "net_e1000")):
        b = bench.get(name, {})
        try:
            mib = float(b["mib"]) if "mib" in b else int(b["bytes"]) / MIB
            secs = int(b["us"]) / 1e6
            f.append("%s_MiBps=%.1f" % (key, mib / max(secs, 1e-6)))
        except (KeyError, ValueError):
            f.append("%s_MiBps=n/a" % key)
    # A guest's split devices (devices.sh), and dom0 doing the same
    # directly in the same run: bench/dom0.sh gives the ratios.
    for name, key in (("dev-disk-read", "guest_disk_read"), ("dev-dom0-read", "dom0_disk_read"),
                      ("dev-disk-write", "guest_disk_copy"), ("dev-dom0-copy", "dom0_disk_copy"),
                      ("dev-net-dom0", "guest_net_from_dom0"), ("dev-net-peer", "guest_net_from_peer"),
                      ("dev-guest-net", "guest_net_from_guest")):
        b = bench.get(name, {})
        try:
            secs = int(b["us"]) / 1e6 if "us" in b else float(b["secs"])
            f.append("%s_MiBps=%.1f" % (key, float(b["mib"]) / max(secs, 1e-6)))
        except (KeyError, ValueError):
            f.append("%s_MiBps=n/a" % key)
    ping = bench.get("dev-ping", {})
    for k in ("dom0_to_guest_ms", "guest_to_dom0_ms"):
        f.append("ping_%s=%s" % (k, ping.get(k) or "n/a"))
    f.append("ping_guest_to_guest_ms=%s" % (bench.get("dev-guest-net", {}).get("ping_ms") or "n/a"))
    # Store requests per second (store-bench.sh): dom0 over the kernel's
    # ring and over the socket, and the guest over its own ring.
    for name, key in (("xenstore-ring", "xs_ring"), ("xenstore-socket", "xs_socket"),
                      ("xenstore-guest", "xs_guest")):
        b = bench.get(name, {})
        for op in ("write", "read", "watch"):
            try:
                f.append("%s_%s_opsps=%.0f" % (key, op, int(b["ops"]) /
                                               max(int(b[op + "_us"]) / 1e6, 1e-6)))
            except (KeyError, ValueError):
                f.append("%s_%s_opsps=n/a" % (key, op))
    return " ".join(f)


def core_problem(lines, machine):
    """Why the core file's first 512 bytes (life.sh's COREHDR line) are not
    what readelf should show: an ELF core whose PT_LOADs add up to the
    crashed guest's memory, with a well-formed Oryx note naming it; None if
    they are."""
    hexes = next((t.split("COREHDR ", 1)[1].strip() for _, _, t in lines if "COREHDR " in t), None)
    if not hexes:
        return "no COREHDR line"
    path = os.path.join(OUT, "core-%s.hdr" % machine)
    try:
        with open(path, "wb") as f:
            f.write(bytes.fromhex(hexes))
        out = subprocess.run(["readelf", "-lW", path], capture_output=True, text=True,
                             timeout=30).stdout
        notes = subprocess.run(["readelf", "-nW", path], capture_output=True, text=True,
                               timeout=30)
    except (OSError, ValueError, subprocess.SubprocessError) as e:
        return "readelf -l on the core's headers: %s" % e
    # The Oryx note: well formed, naming the guest ("crashy" in hex).
    if "Oryx" not in notes.stdout or notes.stderr.strip() or \
            "63 72 61 73 68 79" not in notes.stdout:
        return "readelf -n of %s: %s %s" % (path, " | ".join(notes.stdout.splitlines())[:200],
                                            notes.stderr.strip()[:100])
    loads = [l.split() for l in out.splitlines() if l.split()[:1] == ["LOAD"]]
    total = sum(int(l[5], 16) for l in loads if len(l) > 5)
    if "CORE (Core file)" not in out or not loads or total != CORE_MEM:
        return "readelf -l of %s: %d PT_LOADs, MemSiz sum %d (want %d): %s" % (
            path, len(loads), total, CORE_MEM, " | ".join(out.splitlines()[:12])[:300])
    return None


def run(mode, machine, sums):
    """Boot the peer and dom0 once; returns the result lines."""
    prefix = "dom0/%s%s-" % ("bare-" if mode == "bare" else "", machine)
    log = os.path.join(OUT, "%s-%s" % (mode, machine))
    ports = free_ports(2)
    peer = Console(peer_cmd(ports), log + "-peer.log")
    dom0, rc, peer_why = None, None, None
    t_start = time.monotonic()
    try:
        if not peer.wait_for(r"PEER-READY", PEER_TIMEOUT):
            peer_why = "the peer never said PEER-READY (build/dom0/%s-%s-peer.log)" % (mode, machine)
        hosttime = int(time.time())
        dom0 = Console(qemu_cmd(mode, machine, kernel_args(mode, sums, hosttime, machine), ports), log + ".log")
        dom0.wait_for(r"ORYX-DOM0-DONE", TIMEOUT)
        rc = dom0.wait_exit(30)
    finally:
        if dom0:
            dom0.stop()
        peer.stop()
    dt = time.monotonic() - t_start
    lines = dom0.lines
    out = "\n".join(t for _, _, t in lines)
    seen, bench, skews = parse(lines)
    init = next((m for m, _, t in lines if "ORYX-INIT-OK" in t), None)
    res = []
    why = []
    if init is None:
        last = lines[-1][2].strip() if lines else "none"
        why.append("never reached /init (last line: %s)" % last[:160])
    if not re.search(r"ORYX-DOM0-DONE", out):
        why.append("no ORYX-DOM0-DONE within %ds%s" % (
            TIMEOUT, "" if rc is None else " (QEMU ended first, status %d, after %.0f s)" % (rc, dt)))
    elif mode == "bare" and rc is None:
        why.append("QEMU did not exit after poweroff")
    for r in REJECT:
        m = re.search(r, out)
        if m:
            why.append("unexpected '%s'" % m.group(0))
    res.append(("FAIL: %sboot %s" % (prefix, "; ".join(why))) if why else
               ("PASS: %sboot (%.0fs)" % (prefix, dt)))
    if mode == "oryx":
        # The boot-time domain was alive when dom0 powered the host off.
        stopped = re.search(r"\(d\d+\) %s: stopped \(powers off\)" % DOMU_NAME, out)
        res.append("PASS: %sdomu-beside" % prefix if stopped else
                   "FAIL: %sdomu-beside no '%s: stopped (powers off)' line: it was not "
                   "running when dom0 powered off" % (prefix, DOMU_NAME))
        res.append(granter_result(prefix, out))
    # oxl list -l must be valid JSON in xl's shape, listing dom0.
    if seen.get("oxl-list-long", ("",))[0] == "PASS":
        why = list_json_problem(lines)
        if why:
            seen["oxl-list-long"] = ("FAIL", why)
    # The core file as readelf sees it.
    if seen.get("oxl-coredump", ("",))[0] == "PASS":
        why = core_problem(lines, machine)
        if why:
            seen["oxl-coredump"] = ("FAIL", why)
    # oxl create to the guest's init line in its console log (init.sh).
    m = re.search(r"BENCH oxl-create-to-init us=(\d+)", out)
    create_s = int(m.group(1)) / 1e6 if m else None
    m = re.search(r"BENCH oxl-create-elf-to-init us=(\d+)", out)
    elf_s = "%.1f" % (int(m.group(1)) / 1e6) if m else "n/a"
    m = re.search(r"BENCH oxl-create-cached-to-init us=(\d+)", out)
    cached_s = "%.1f" % (int(m.group(1)) / 1e6) if m else "n/a"
    for c in CHECKS:
        exp, note = EXPECT[mode].get(c, ("pass", ""))
        if c in ONE_MACHINE_CHECKS and machine != ONE_MACHINE_CHECKS[c] and mode == "oryx":
            exp, note = "skip", "run on %s only: the same devices there" % ONE_MACHINE_CHECKS[c]
        status, detail = seen.get(c, (None, "no CHECK line"))
        if c == "date" and status == "PASS":
            bad = [s for s in skews if abs(s) > DATE_SLACK]
            if not skews or bad:
                status, detail = "FAIL", "%s; host-guest skew %s" % (
                    detail, ("%+.1f s" % bad[0]) if bad else "unknown (no DATE line)")
        if c.startswith("net-") and peer_why and status != "PASS":
            detail = "%s (%s)" % (detail, peer_why)
        name = prefix + c
        if exp == "pass":
            res.append("PASS: %s" % name if status == "PASS" else "FAIL: %s %s" % (name, detail))
        elif exp == "fail":
            if status == "FAIL":
                res.append("SKIP: %s expected to fail in %s mode (%s): %s" % (name, mode, note, detail))
            elif status is None:
                res.append("FAIL: %s %s" % (name, detail))
            else:
                res.append("FAIL: %s passed, but %s mode expects a failure (%s): %s" % (name, mode, note, detail))
        else:
            res.append("SKIP: %s %s in %s mode (%s): %s" % (name, status or "not run", mode, note, detail))
    res.append("FIGURES: %s%s %s oxl_create_to_init_s=%s oxl_create_elf_to_init_s=%s "
               "oxl_create_cached_to_init_s=%s" % (
                   prefix, "run", figures(init, bench),
                   "%.1f" % create_s if create_s is not None else "n/a", elf_s, cached_s))
    return res


def diag_lines(path):
    """The console's lines that tell what went wrong (DIAG), at most
    DIAG_MAX of them, the last ones if there are more."""
    try:
        with open(path, errors="replace") as f:
            hits = [l.rstrip()[:240] for l in f if DIAG.search(l)]
    except OSError:
        return []
    return hits[-DIAG_MAX:]


def main():
    mode, machines, repeat = None, [], 1
    argv = sys.argv[1:]
    while argv:
        a = argv.pop(0)
        if a == "--bare":
            mode = "bare"
        elif a == "--oryx":
            mode = "oryx"
        elif a in ("-M", "--machine"):
            machines.append(argv.pop(0))
        elif a == "--repeat":
            repeat = int(argv.pop(0))
        else:
            print(__doc__, file=sys.stderr)
            return 2
    if mode is None or any(m not in MACHINES for m in machines):
        print(__doc__, file=sys.stderr)
        return 2
    machines = machines or MACHINES
    for f in (VMLINUZ, BUSYBOX) + ((HV, GRANTER) if mode == "oryx" else ()):
        if not os.path.exists(f):
            print("FAIL: dom0/fixtures %s is missing (make; scripts/fetch-fixtures.sh)" % f)
            return 1
    try:
        sums = make_fixtures()
    except (OSError, subprocess.CalledProcessError) as e:
        print("FAIL: dom0/fixtures cannot build the fixtures: %s" % e)
        return 1
    failed = 0
    for _ in range(repeat):
        for machine in machines:
            lines = run(mode, machine, sums)
            log = os.path.join(OUT, "%s-%s.log" % (mode, machine))
            flaw = flaw_in(log) if any(line.startswith("FAIL") for line in lines) else None
            if flaw:
                # QEMU's SVM flaw, not Oryx's (tests/lib/tcg_flaw.py): once more.
                os.replace(log, log + ".flawed")
                print("NOTE: dom0/%s-rerun the emulator lost a guest's state (%s; log kept as %s.flawed)"
                      % (machine, flaw, os.path.basename(log)), flush=True)
                lines = run(mode, machine, sums)
            for line in lines:
                print(line, flush=True)
                failed += line.startswith("FAIL")
            if any(line.startswith("FAIL") for line in lines):
                for line in diag_lines(log):
                    print("DIAG: dom0/%s %s" % (machine, line), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
