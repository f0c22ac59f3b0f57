#!/usr/bin/env python3
"""Integration tests: boot build/oryx.elf under QEMU (TCG, AMD SVM + NPT)
with micro-guests as boot modules, read the serial console, check it.

Each case names its QEMU options, its modules and what the console must
(and must not) show. One line per case: "PASS: hv/<name>" or
"FAIL: hv/<name> <why>"; on failure the console is kept in build/hvtest/.
Usage: hvtest.py [-j N] [name-substring ...]
"""
import os, re, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HV = os.environ.get("ORYX_HV") or os.path.join(ROOT, "build", "oryx.elf")
G = os.path.join(ROOT, "build", "guests")
OUT = os.path.join(ROOT, "build", "hvtest")
MODES = ["64", "32", "32pae", "32pse"]


def guest(name, mode, spec):
    return "%s/%s-%s.elf domain %s" % (G, name, mode, spec)


class Case:
    def __init__(self, name, modules, expect=(), reject=(), order=(), smp=2,
                 append="", cpu="qemu64,+svm,+npt", timeout=120, mem=512,
                 check=None, ends=True, machine="pc", note=""):
        self.name, self.modules, self.expect, self.reject = name, modules, expect, reject
        self.order, self.smp, self.append, self.cpu = order, smp, append, cpu
        self.timeout, self.mem, self.check, self.ends = timeout, mem, check, ends
        self.machine = machine
        self.note = note        # appended to a FAIL line (e.g. how to rerun it)


def every_mode(test, extra_expect=(), spec="mem=16M"):
    mods = [guest(test, m, "name=%s%s %s" % (test.replace("-", ""), m, spec)) for m in MODES]
    exp = ["\\(%s%s\\) PASS" % (test.replace("-", ""), m) for m in MODES] + list(extra_expect)
    return mods, exp


# Lines every clean run has; bugs show up as these.
ALWAYS_REJECT = [r"FATAL EXCEPTION", r"PANIC", r"unhandled SVM exit", r"still charged",
                 r"BUG:"]


def pages_returned(out):
    """All guest pages came back: free count after == before domains."""
    m1 = re.search(r"Free pages before domains: (\d+)", out)
    m2 = re.search(r"All domains have stopped .* (\d+) pages free", out)
    if not m1 or not m2:
        return "missing free-page lines"
    if m1.group(1) != m2.group(1):
        return "free pages before %s, after %s" % (m1.group(1), m2.group(1))
    return None


HCFUZZ_MODES = ["64", "32pae", "32"]


def hcfuzz_seed():
    """The run's time seed (HCFUZZ_SEED reruns one), printed on failure."""
    return int(os.environ.get("HCFUZZ_SEED") or int(time.time()))


def hcfuzz_case(name, seeds, calls, beside, timeout, time_seed, hvm=False):
    """Hostile guests (one per (mode, seed)) and a well-behaved one; hvm:
    type=hvm domains, fuzzing their chipset too."""
    extra = (" type=hvm", " chipset") if hvm else ("", "")
    mods = [guest("hcfuzz", m, "name=hf%s mem=16M%s cmdline=\"seed=%d calls=%d%s\"" %
                  (n, extra[0], s, calls, extra[1])) for n, (m, s) in seeds.items()]
    exp = [r"\(hf%s\) hcfuzz: calls %d in .* calls/s" % (n, calls) for n in seeds]
    exp += [r"\(hf%s\) PASS" % n for n in seeds] + [r"\(well\) PASS"]

    def check(out):
        # The well-behaved domain ran while the hostile ones did: one of its
        # steps comes after the first hostile guest started and before the
        # last one finished.
        starts = [m.start() for m in re.finditer(r"\(hf\w+\) hcfuzz: seed", out)]
        ends = [m.start() for m in re.finditer(r"\(hf\w+\) hcfuzz: calls \d+ in", out)]
        steps = [m.start() for m in re.finditer(r"\(well\) progress: step", out)]
        if not starts or not ends or not any(min(starts) < s < max(ends) for s in steps):
            return "the well-behaved domain made no step while the hostile ones ran"
        return pages_returned(out)
    return Case(name, mods + [guest("progress", "64", "name=well mem=8M cmdline=\"%s\"" % beside)],
                exp, reject=[r"CRASHED", r"\(hf\w+\) FAIL"], check=check, timeout=timeout,
                note="rerun: HCFUZZ_SEED=%d tests/hv/hvtest.py %s; seeds %s" % (
                    time_seed, name, ", ".join("%s=%d" % (m, s) for m, s in seeds.values())))


def cases():
    c = []
    mods, exp = every_mode("hello")
    c.append(Case("hello-all-modes", mods, exp + ["All domains have stopped \\(0 failed"],
                  append="bogus_option=1", check=pages_returned))
    c.append(Case("cmdline-warning", [guest("hello", "64", "name=h mem=8M")],
                  [r"warning: cmdline: unknown option 'bogus_option=1'",
                   r"warning: cmdline: unknown option 'maxcpus=banana'|maxcpus",
                   r"\(h\) PASS"], append="bogus_option=1 maxcpus=banana"))
    mods, exp = every_mode("hello")
    c.append(Case("hello-smp4", mods, exp + ["SMP: 4 CPUs online"], smp=4, check=pages_returned))
    c.append(Case("maxcpus", [guest("hello", "64", "name=h mem=8M")],
                  ["SMP: 1 CPU online", "leaving APIC ID", r"\(h\) PASS"], smp=4,
                  append="maxcpus=1"))
    for t in ["hypercall-args", "cpuid", "svm-insn", "hypercall-page", "block-wake"]:
        mods, exp = every_mode(t)
        c.append(Case(t, mods, exp, check=pages_returned))
    # A CPU hog must not starve another domain on the same CPU.
    c.append(Case("no-starvation",
                  [guest("cpu-hog", "64", "name=hog mem=8M cmdline=\"rounds=30\""),
                   guest("progress", "64", "name=prog mem=8M")],
                  [r"\(hog\) PASS", r"\(prog\) PASS"],
                  order=[r"\(prog\) progress: step 5/10", r"\(hog\) PASS"], append="maxcpus=1"))
    c.append(Case("no-starvation-block",
                  [guest("cpu-hog", "64", "name=hog mem=8M cmdline=\"rounds=60\""),
                   guest("progress", "64", "name=prog mem=8M cmdline=\"block\"")],
                  [r"\(hog\) PASS", r"\(prog\) PASS"],
                  order=[r"\(prog\) progress: step 3/10", r"\(hog\) PASS"], append="maxcpus=1"))
    # A timer that fires while its vCPU waits runnable (it yielded to a hog
    # on the same CPU) still ends the next SCHEDOP_block, with the VIRQ
    # bound (event pending) and without it.
    c.append(Case("lost-wakeup",
                  [guest("cpu-hog", "64", "name=hog mem=8M cmdline=\"rounds=2000\""),
                   guest("block-wake", "64", "name=bw64 mem=8M cmdline=\"yield ms=2 count=5\""),
                   guest("block-wake", "32pae", "name=bwvirq mem=8M cmdline=\"yield virq ms=2 count=5\"")],
                  [r"\(bw64\) PASS", r"\(bwvirq\) PASS", r"\(bw64\) yield 5: back after"],
                  order=[r"\(bw64\) PASS", r"\(hog\) PASS"], append="maxcpus=1",
                  check=pages_returned))
    # A vCPU woken from a block preempts a CPU hog on its CPU (once the hog
    # has run sched_ratelimit_us): with a 1 s slice, its timer wake-ups
    # must not wait out the hog's slice (each would be ~1 s late).
    c.append(Case("wake-preempt",
                  [guest("cpu-hog", "64", "name=hog mem=8M cmdline=\"rounds=2000\""),
                   guest("block-wake", "64", "name=bwlate mem=8M cmdline=\"ms=5 count=8 late=400\"")],
                  [r"\(bwlate\) PASS", r"\(bwlate\) block 8/8"],
                  order=[r"\(bwlate\) PASS", r"\(hog\) PASS"],
                  append="maxcpus=1 sched_slice=1000", check=pages_returned))
    # Debug registers: architectural behaviour in every mode, then two
    # domains on one CPU that must never see each other's DR0-DR3/DR7 and,
    # with breakpoints of two kinds enabled, must not crash QEMU.
    mods, exp = every_mode("debug-regs", spec="mem=16M cmdline=\"rounds=3\"")
    c.append(Case("debug-regs", mods, exp, check=pages_returned))
    c.append(Case("debug-regs-isolated",
                  [guest("debug-regs", "64", "name=dra mem=8M cmdline=\"noarch pattern=0xA1 bp=exec\""),
                   guest("debug-regs", "32pae", "name=drb mem=8M cmdline=\"noarch pattern=0xB2 bp=write\""),
                   guest("debug-regs", "64", "name=drc mem=8M cmdline=\"noarch pattern=0xC3\"")],
                  [r"\(dra\) PASS", r"\(drb\) PASS", r"\(drc\) PASS"], append="maxcpus=1",
                  check=pages_returned))
    # MSR_DEBUGCTL: reads 0, keeps LBR/BTF, refuses other bits with #GP,
    # in every mode; the value is each vCPU's own.
    mods, exp = every_mode("debugctl")
    c.append(Case("debugctl", mods, exp, check=pages_returned))
    c.append(Case("debugctl-isolated",
                  [guest("debugctl", "64", "name=dca mem=8M cmdline=\"value=1\""),
                   guest("debugctl", "32pae", "name=dcb mem=8M cmdline=\"value=2\""),
                   guest("debugctl", "32", "name=dcc mem=8M cmdline=\"value=3\"")],
                  [r"\(dca\) PASS", r"\(dcb\) PASS", r"\(dcc\) PASS"], append="maxcpus=1",
                  check=pages_returned))
    # ICEBP raises #DB as a trap (QEMU's TCG alone raises #UD); faults in
    # its delivery come at the ICEBP; other #UDs still reach the guest.
    mods, exp = every_mode("icebp")
    c.append(Case("icebp", mods, exp, check=pages_returned))
    # The forced-emulation prefix with hvm_fep: instructions behind it are
    # emulated, faults come at them; without hvm_fep it is a plain #UD.
    mods, exp = every_mode("fep")
    c.append(Case("fep", mods, exp + [r"WARNING: hvm_fep is on"], append="hvm_fep",
                  check=pages_returned))
    c.append(Case("fep-off", [guest("fep", "64", "name=fepoff mem=16M cmdline=\"nofep\""),
                              guest("fep", "32", "name=fepoff32 mem=16M cmdline=\"nofep\"")],
                  [r"\(fepoff\) PASS", r"\(fepoff32\) PASS"], reject=[r"hvm_fep is on"],
                  check=pages_returned))
    # An NMI is held back until the handler's IRET.
    mods, exp = every_mode("nmi-nest")
    c.append(Case("nmi-nest", mods, exp, check=pages_returned))
    # The local APIC by MMIO (xAPIC mode) in every mode: each check prints
    # a line, asserted here; vCPU 1 started by INIT-SIPI through the ICR.
    xapic_lines = [r"x2APIC preset, base 0xfee00000, ID 0",
                   r"refused moves #GP; x2APIC -> off -> xAPIC; x2APIC MSRs #GP",
                   r"ID 0x00000000, version 0x00050014",
                   r"TPR SVR LDR DFR ICR_HI LVT read back; reserved offsets read 0",
                   r"self IPI 0x40 taken, EOI by MMIO; TPR 0x50 held 0x45 back",
                   r"physical, flat and cluster logical destinations, broadcast",
                   r"illegal vector: ESR 0x20, LVTERR vector taken",
                   r"vCPU 1 by INIT-SIPI: ID 0x01000000, IRR 0x00000012 from logical IPIs",
                   r"base moved to 0xfea00000: the page answers there",
                   r"back to x2APIC: MSRs answer, TPR kept, SELF_IPI taken"]
    mods, exp = every_mode("xapic", spec="mem=16M vcpus=2 cmdline=\"ap\"")
    c.append(Case("xapic", mods,
                  exp + ["\\(xapic%s\\) xapic: %s" % (m, l) for m in MODES for l in xapic_lines],
                  check=pages_returned))
    # The local APIC timer (one-shot, periodic, TSC-deadline, masking,
    # divide, mode changes, a 10 ns period) by MSR and then by MMIO, in
    # every mode; ratios only, no absolute times.
    apic_timer_lines = [r"one-shot: TMCCT 0x[0-9a-f]+ -> 0x[0-9a-f]+, counted to 0, 1 interrupt",
                        r"divide by 1 counts faster than by 16 \(ratio >= 2\)",
                        r"periodic: interrupts until TMICT 0; masked: counts, delivers none",
                        r"masked LVT and software-disabled APIC deliver nothing",
                        r"a mode change stops the running timer",
                        r"periodic TMICT 1: no flood \(at most one per 100 us\), stopped",
                        r"mode 11 is one-shot; vector 5 sets ESR 0x40",
                        r"TSC-deadline fires once after the deadline; past: at once; "
                        r"0 and a mode change disarm"]
    mods, exp = every_mode("apic-timer")
    c.append(Case("apic-timer", mods,
                  exp + ["\\(apictimer%s\\) apic-timer: %s: %s" % (m, a, l)
                         for m in MODES for a in ("x2APIC", "xAPIC") for l in apic_timer_lines],
                  check=pages_returned))
    # The page is a hole at its old base, and in x2APIC mode.
    c.append(Case("xapic-holes",
                  [guest("xapic", "64", "name=xold mem=16M cmdline=\"touch=old\""),
                   guest("xapic", "32pae", "name=xx2 mem=16M cmdline=\"touch=x2\"")],
                  [r"\(d\d+\) xold: CRASHED: access to unmapped guest-physical 0xfee00030 \(read\)",
                   r"\(d\d+\) xx2: CRASHED: access to unmapped guest-physical 0xfea00030 \(read\)"],
                  reject=[r"\(x\w+\) FAIL", r"\(x\w+\) PASS"], check=pages_returned))
    # The chipset's window (IOAPIC, HPET) answers all-ones, drops writes;
    # just below it is a hole like any other.
    mods, exp = every_mode("chipset-window")
    c.append(Case("chipset-window", mods,
                  exp + ["\\(chipsetwindow%s\\) HPET capabilities at 0xfed00000: all-ones, "
                         "writes dropped" % m for m in MODES], check=pages_returned))
    c.append(Case("chipset-window-edge",
                  [guest("chipset-window", "32pae", "name=cwedge mem=16M cmdline=\"edge\""),
                   guest("hello", "64", "name=ok mem=8M")],
                  [r"\(d\d+\) cwedge: CRASHED: access to unmapped guest-physical 0xfebffffc \(read\)",
                   r"\(ok\) PASS"], reject=[r"\(cwedge\) FAIL", r"\(cwedge\) PASS"], check=pages_returned))
    # An HVM domain's IOAPIC and HPET: interrupts of every kind of timer
    # through the emulated IOAPIC, XSA-261's routes; beside a PVH domain
    # that still finds nothing there.
    hpet_lines = [r"IOAPIC: version 0x11, 48 pins, entries reset masked, status bits read-only",
                  r"HPET: 62.5 MHz, 3 timers, 64-bit, routes 20-23; counter runs and halts",
                  r"one-shot edge timer on pin 20: one interrupt",
                  r"periodic timer on pin 21: >= 4 interrupts, none once disabled",
                  r"level timer on pin 22: again after an EOI while set, remote IRR cleared",
                  r"masked pin: nothing; legacy replacement: timer 0 on pin 2",
                  r"XSA-261 routes: only pins 20-23 interrupted; odd accesses harmless"]
    mods, exp = every_mode("hpet", spec="mem=16M type=hvm")
    c.append(Case("hpet", mods + [guest("chipset-window", "64", "name=pvhbeside mem=16M")],
                  exp + [r"\(pvhbeside\) PASS"] +
                  ["\\(hpet%s\\) %s" % (m, l) for m in MODES for l in hpet_lines],
                  check=pages_returned))
    # A type=hvm domain has a PC's chipset: holes anywhere read all-ones,
    # by MOV and the bit-test family.
    mods, exp = every_mode("chipset-window", spec="mem=16M type=hvm cmdline=\"hvm\"")
    c.append(Case("holes-hvm", mods,
                  exp + ["\\(chipsetwindow%s\\) bt, bts, btr, btc on holes: CF 1, writes dropped" % m
                         for m in MODES], reject=[r"CRASHED"], check=pages_returned))
    # The RTC/CMOS of type=hvm domains (ports 0x70-0x71, IRQ 8 through the
    # IOAPIC): clock, formats, NVRAM, status registers, interrupts; a PVH
    # domain has none.
    rtc_lines = [r"status A 0x26 B 0x02 D 0x80",
                 r"20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC \(weekday [1-7]\); binary mode agrees",
                 r"seconds advance at UIP's falling edge",
                 r"NVRAM 0x0e-0x7f reads back",
                 r"status C: PF without PIE \(no IRQF\), cleared by reading it",
                 r"word and dword accesses split into bytes; string I/O ignored",
                 r"periodic at 1024 Hz: \d+ interrupts in \d+ ms, none after PIE cleared",
                 r"periodic at 8192 Hz: \d+ interrupts in \d+ ms, none after PIE cleared",
                 r"update-ended interrupts: 3 in \d+ ms",
                 r"alarm 2 s ahead fired after \d+ ms \(AF\)",
                 r"alarm with don't-care bytes fires each second",
                 r"set 2030-06-15 23:59:58 with SET; runs on to 2030-06-16 00:00:0\d",
                 r"12-hour mode: 11 PM 0x91, noon 0x92, midnight 0x12",
                 r"divider in reset holds the clock, released it runs",
                 r"0xff in every register did no harm"]
    mods, exp = every_mode("rtc", spec="mem=16M type=hvm")
    c.append(Case("rtc", mods + [guest("rtc", "64", "name=rtcpvh mem=16M cmdline=\"pvh\"")],
                  exp + ["\\(rtc%s\\) rtc: %s" % (m, l) for m in MODES for l in rtc_lines] +
                  [r"\(rtc64\) rtc: within 5 s of shared_info's wall clock",
                   r"\(rtcpvh\) rtc: PVH domain: no RTC, port 0x71 reads 0xff", r"\(rtcpvh\) PASS"],
                  check=pages_returned))
    # VCPUOP_initialise / up / down: bad contexts refused, APs started in
    # the guest's own paging mode, stopped and resumed.
    mods, exp = every_mode("vcpu-up", spec="mem=16M vcpus=3")
    c.append(Case("vcpu-up", mods,
                  exp + ["\\(vcpuup%s\\) vCPU 1 down \\(vCPU 2 on\\), then up again where it was" % m
                         for m in MODES], reject=[r"VMRUN refused"], check=pages_returned))
    c.append(Case("vcpu-up-last",
                  [guest("vcpu-up", "64", "name=vulast mem=16M vcpus=3 cmdline=\"last\""),
                   guest("vcpu-up", "32", "name=vulast32 mem=16M vcpus=3 cmdline=\"last\"")],
                  [r"\(d\d+\) vulast: shutdown: poweroff", r"\(d\d+\) vulast32: shutdown: poweroff"],
                  reject=[r"\(vulast\w*\) FAIL", r"\(vulast\w*\) PASS"], check=pages_returned))
    # Reserved control-register bits fault at the MOV; VMRUN never fails.
    mods, exp = every_mode("cr4-reserved")
    c.append(Case("cr4-reserved", mods, exp, reject=[r"VMRUN refused"], check=pages_returned))
    # Isolation: a bad domain is crashed alone.
    c.append(Case("bad-write-isolated",
                  [guest("bad-write", m, "name=bw%s mem=16M" % m) for m in MODES] +
                  [guest("hello", "64", "name=ok mem=8M")],
                  ["\\(d\\d+\\) bw%s: CRASHED: access to unmapped guest-physical" % m for m in MODES] +
                  [r"\(ok\) PASS"], reject=[r"\(bw\w+\) FAIL"], check=pages_returned))
    c.append(Case("triple-fault-isolated",
                  [guest("triple-fault", m, "name=tf%s mem=16M" % m) for m in MODES] +
                  [guest("hello", "32", "name=ok mem=8M")],
                  ["\\(d\\d+\\) tf%s: CRASHED: triple fault" % m for m in MODES] +
                  # UD2 exits (the #UD intercept), so the fault comes at the
                  # entry that gives #UD back: redone once, then the guest's own.
                  [r"a triple fault at the entry itself .*: redone once", r"v0: triple fault: RIP",
                   r"\(ok\) PASS"], reject=[r"\(tf\w+\) FAIL"], check=pages_returned))
    c.append(Case("shutdown-reasons",
                  [guest("shutdown-reason", "64", "name=sdcrash mem=8M cmdline=\"reason=crash\""),
                   guest("shutdown-reason", "32", "name=sdoff mem=8M cmdline=\"reason=poweroff\""),
                   guest("shutdown-reason", "64", "name=sdreboot mem=8M on_reboot=destroy cmdline=\"reason=reboot\""),
                   guest("shutdown-reason", "64", "name=sdsusp mem=8M cmdline=\"reason=suspend\"")],
                  [r"sdcrash: shutdown: crash", r"sdoff: shutdown: poweroff", r"\(sdoff\) PASS",
                   r"sdreboot: shutdown: reboot", r"sdsusp: shutdown: suspend",
                   r"sdsusp: preserved", r"1 preserved"], timeout=90))
    c.append(Case("reboot-restarts",
                  [guest("shutdown-reason", "64", "name=rb mem=8M on_reboot=restart cmdline=\"reason=reboot\"")],
                  [r"rb: restarting", r"rb: restarted 8 times; not restarting again"],
                  check=pages_returned))
    # Bad images and specs stop only their own domain.
    c.append(Case("bad-images",
                  [os.path.join(ROOT, "Makefile") + " domain name=notelf mem=8M",
                   NONOTE + " domain name=nonote mem=8M",
                   guest("hello", "64", "name=huge mem=4G"),
                   guest("hello", "64", "name=badkey mem=8M colour=blue"),
                   guest("hello", "64", "name=ok mem=8M")],
                  [r"notelf.*not created: .*ELF", r"nonote.*not created: .*(PVH|note)",
                   r"huge.*not created: .*memory", r"not created: .*colour", r"\(ok\) PASS"],
                  check=pages_returned))
    # A dom0 kernel that cannot be used (Xen's convention: the first module
    # without a keyword) is named; the boot-time domains still run.
    for name, dom0 in (("dom0-not-a-kernel", os.path.join(ROOT, "Makefile")),
                       ("dom0-truncated-bzimage", TRUNC),
                       ("dom0-no-pvh-note", NONOTE)):
        c.append(Case(name, [dom0 + " console=hvc0", guest("hello", "64", "name=ok mem=8M")],
                      [r"dom0 .*(unusable|not created): \S", r"\(ok\) PASS",
                       r"All domains have stopped"],
                      reject=[r"Domain-0: \d+ MiB"], check=pages_returned))
    # Dom0 touching hidden memory and programming interrupts it may not
    # have: refused and reported, while dom0 and a boot-time domain go on.
    if os.path.exists(VMLINUZ):
        c.append(Case("dom0-hostile",
                      # iomem=relaxed: /dev/mem may reach the ranges the kernel
                      # knows as busy (the IOAPIC) and the unusable RAM.
                      [VMLINUZ + " console=hvc0 quiet iomem=relaxed", HOSTILE_IMG,
                       guest("progress", "64", "name=beside mem=4M cmdline=\"block steps=100000 ms=500\""),
                       guest("progress", "64", "name=victim mem=4M cmdline=\"block steps=100000 ms=500\"")],
                      [r"HOSTILE-BEGIN", r"LAPIC-READ 0xFFFFFFFF", r"HV-READ 0xFFFFFFFF",
                       r"HV-READ-AGAIN 0xFFFFFFFF", r"d0: read of 0xfee00030, the LAPIC/MSI window",
                       r"d0: read of 0x200000, RAM that is not dom0's",
                       r"IOAPIC pin 3 left masked: vector outside",
                       r"MSI address 0xfee07000 not written", r"HOSTILE-END",
                       r"PRIVCMD version 0x40011", r"PRIVCMD extraversion rc=0 '\.0-oryx'",
                       r"PRIVCMD bad-pointer rc=-14",
                       r"PRIVCMD commandline rc=0 '[^']*dom0_mem=256M", r"PRIVCMD cpuinfo rc=0 max_present=1 flags=1",
                       # Foreign mappings (errno: 3 ESRCH, 14 EFAULT, 17 EEXIST,
                       # 22 EINVAL, 95 EOPNOTSUPP).
                       r"FOREIGN map rc=0 err=0\b", r"FOREIGN map-again rc=0 err=-17\b",
                       r"FOREIGN remove rc=0\b", r"FOREIGN remove-again rc=-22\b",
                       r"FOREIGN remove-ram rc=-22\b", r"FOREIGN remove-huge rc=-22\b",
                       r"FOREIGN no-domain rc=-3 err=12345\b", r"FOREIGN self rc=-22 err=12345\b",
                       r"FOREIGN not-ram rc=0 err=-22\b", r"FOREIGN over-ram rc=0 err=-17\b",
                       r"FOREIGN huge-gfn rc=0 err=-17\b", r"FOREIGN space rc=-95 err=12345\b",
                       r"FOREIGN bad-arrays rc=-14\b", r"FOREIGN bad-struct rc=-14\b",
                       r"FOREIGN size rc=0 nr_frames=32\b", r"FOREIGN grant-frames rc=0 nr_frames=2\b",
                       r"FOREIGN grant-frames-out rc=0 0\b", r"FOREIGN ioreq rc=-95\b",
                       r"FOREIGN status rc=-22\b", r"FOREIGN beyond rc=-22\b",
                       r"FOREIGN no-domain rc=-3 nr_frames=1\b", r"FOREIGN bad-list rc=-14\b",
                       r"FOREIGN map-last rc=0 err=0\b", r"FOREIGN remove-last rc=0\b",
                       # domctl and sysctl (errno: 1 EPERM, 3 ESRCH, 13 EACCES).
                       r"DOMCTL pause-dom0 rc=-1\b", r"DOMCTL unpause-dom0 rc=-1\b",
                       r"DOMCTL pause-none rc=-3\b", r"DOMCTL pause-self rc=-3\b",
                       r"DOMCTL pause-reserved rc=-3\b", r"DOMCTL unpause-running rc=0\b",
                       r"DOMCTL pause rc=0\b", r"DOMCTL pause-again rc=0\b",
                       r"beside: paused\s", r"DOMCTL paused rc=0 flag=1 still=1\b",
                       r"DOMCTL vcpuinfo-paused rc=0 online=1 running=0 same-time=1\b",
                       r"DOMCTL unpause rc=0\b", r"DOMCTL unpause-again rc=0\b",
                       r"DOMCTL unpaused rc=0 flag=0 moved=1\b",
                       r"DOMCTL vcpuinfo-bad rc=-22\b", r"DOMCTL vcpuinfo-huge rc=-22\b",
                       r"DOMCTL vcpuinfo-none rc=-3\b", r"DOMCTL vcpuinfo-dom0 rc=0 online=1 cpu=1\b",
                       r"DOMCTL bad-version rc=-13\b", r"DOMCTL bad-pointer rc=-14\b",
                       r"DOMCTL unknown rc=-95\b", r"DOMCTL victim-pause rc=0\b",
                       r"DOMCTL victim-destroy rc=0\b", r"DOMCTL victim-gone rc=-3\b",
                       r"\(d2\) victim: destroyed",
                       r"SYSCTL physinfo rc=0 cpus=2 khz=1 total=1 free=1 caps=3 up=1 fpu=1\b",
                       r"SYSCTL readconsole rc=0 some=1 banner=1 at-head=1\b",
                       r"SYSCTL readconsole-bad-buffer rc=-14\b", r"SYSCTL readconsole-bad-flags rc=-22\b",
                       r"SYSCTL readconsole-beyond rc=0 count=0\b",
                       r"SYSCTL readconsole-clear rc=0 rc=0 after=1 small=1\b",
                       r"SYSCTL bad-version rc=-13\b", r"SYSCTL bad-pointer rc=-14\b",
                       r"SYSCTL unknown rc=-95\b",
                       r"SYSCTL debug-keys rc=0 queues=1\b", r"SYSCTL debug-keys-bad-pointer rc=-14\b",
                       r"SYSCTL debug-keys-too-many rc=-22\b", r"SYSCTL debug-keys-pad rc=-22\b",
                       r"PLATFORM settime64 rc=0\b", r"PLATFORM settime32 rc=0\b",
                       r"PLATFORM settime64-mbz rc=-22\b", r"PLATFORM settime64-nsecs rc=-22\b",
                       r"PLATFORM settime64-huge rc=-22\b", r"PLATFORM settime64-before-1970 rc=-22\b",
                       r"beside: stopped \(powers off\)"],
                      reject=[r"CRASHED", r"Call Trace"] + ALWAYS_REJECT, append="dom0_mem=256M",
                      mem=1024, timeout=240, ends=False, machine="q35"))
    # Ballooning: pages out and back in every mode; a page given back is a
    # hole (touching it crashes only that domain); all memory comes back.
    mods, exp = every_mode("balloon", spec="mem=16M cmdline=\"mem=16M\"")
    c.append(Case("balloon", mods + [guest("balloon", "64", "name=btouch mem=16M cmdline=\"touch\"")],
                  exp + [r"\(d\d+\) btouch: CRASHED: access to unmapped guest-physical 0x800000",
                         r"\(balloon64\) took them back: zeroed"],
                  reject=[r"\(balloon\w+\) FAIL", r"\(btouch\) FAIL"], check=pages_returned))
    mods, exp = every_mode("evtchn")
    c.append(Case("evtchn", mods, exp + [r"\(evtchn64\) ring: hello from the console ring",
                                          r"\(evtchn32pae\) ring: hello from the console ring"],
                  check=pages_returned))
    c.append(Case("evtchn-upcall",
                  [guest("evtchn", m, "name=up%s mem=16M cmdline=\"upcall\"" % m) for m in MODES],
                  [r"\(up%s\) PASS" % m for m in MODES] +
                  [r"\(up64\) upcall: VIRQ_TIMER port \d+ woke HLT"], check=pages_returned))
    # Hostile guests issuing random hypercalls, MSR, port, CPUID and SVM
    # instructions in three modes (guests/hcfuzz), with fixed seeds and one
    # from the clock, beside a domain that must keep running and finish.
    t = hcfuzz_seed()
    c.append(hcfuzz_case("hcfuzz", {"64": ("64", 1), "32pae": ("32pae", 2), "32": ("32", 3),
                                    "t": (HCFUZZ_MODES[t % 3], t)},
                         3000, "block steps=40 ms=50", 240, t))
    # The same in type=hvm domains: their RTC ports, IOAPIC and HPET too.
    c.append(hcfuzz_case("hcfuzz-hvm", {"h64": ("64", 4), "h32": ("32", 5),
                                        "ht": (HCFUZZ_MODES[t % 3], t + 1)},
                         3000, "block steps=40 ms=50", 240, t, hvm=True))
    # FIFO event channels: refusals, the switch, queues and priorities,
    # masking, more than 4096 ports, the upcall walking the queues.
    fifo_modes = ["64", "32pae", "32"]
    c.append(Case("evtchn-fifo",
                  [guest("evtchn-fifo", m, "name=fifo%s mem=16M" % m) for m in fifo_modes],
                  [r"\(fifo%s\) PASS" % m for m in fifo_modes] +
                  [r"\(fifo64\) priority: port \d+ at 2 served before port \d+ at 7",
                   r"\(fifo32\) many: \d+ unbound ports 1?\d+\.\.5000 and IPI port 50\d\d",
                   r"\(fifo32pae\) upcall: VIRQ_TIMER port \d+ woke HLT",
                   r"\(fifo64\) ring: hello from the console ring, FIFO"],
                  check=pages_returned))
    # Boot refusals and hypervisor faults.
    c.append(Case("no-svm", [], [r"no AMD-V", r"PANIC.*needs AMD SVM"], reject=[],
                  cpu="qemu64,-svm", ends=False, timeout=60))
    c.append(Case("no-npt", [], [r"no nested paging", r"PANIC.*needs AMD SVM"], reject=[],
                  cpu="qemu64,+svm,-npt", ends=False, timeout=60))
    c.append(Case("hv-fault-report", [],
                  [r"FATAL EXCEPTION on CPU0: vector 14 \(#PF page fault\)", r"RIP: 0008:",
                   r"CR2: 0000000000000000", r"Backtrace:", r"System halted"],
                  reject=[], append="debug_fault_test", ends=False, timeout=60))
    return c


def run(case):
    args = ["qemu-system-x86_64", "-M", case.machine, "-accel", "tcg", "-cpu", case.cpu,
            "-smp", str(case.smp),
            "-m", str(case.mem), "-nographic", "-no-reboot", "-kernel", HV,
            "-append", "exit_when_done " + case.append,
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-monitor", "none",
            "-serial", "stdio"]
    if case.modules:
        args += ["-initrd", ",".join(m.replace(",", ",,") for m in case.modules)]
    # For a hunt: e.g. HVTEST_QEMU_ARGS="-d cpu_reset,int -D /tmp/q.log".
    args += os.environ.get("HVTEST_QEMU_ARGS", "").split()
    t0 = time.time()
    try:
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=case.timeout, stdin=subprocess.DEVNULL)
        out, rc, timed_out = p.stdout.decode("utf-8", "replace"), p.returncode, False
    except subprocess.TimeoutExpired as e:
        out, rc, timed_out = (e.stdout or b"").decode("utf-8", "replace"), None, True
    dt = time.time() - t0
    why = []
    if case.ends and timed_out:
        why.append("timed out after %ds" % case.timeout)
    if case.ends and not timed_out and rc != 1:
        why.append("QEMU exit status %s (want 1: isa-debug-exit 0)" % rc)
    for e in case.expect:
        if not re.search(e, out):
            why.append("missing /%s/" % e)
    rejects = list(case.reject) + (ALWAYS_REJECT if case.ends else [])
    for r in rejects:
        m = re.search(r, out)
        if m:
            why.append("unexpected '%s'" % m.group(0))
    if case.order:
        pos = [re.search(o, out) for o in case.order]
        if all(pos) and any(pos[i].start() > pos[i + 1].start() for i in range(len(pos) - 1)):
            why.append("wrong order of %s" % case.order)
    if case.check and not why:
        w = case.check(out)
        if w:
            why.append(w)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, case.name + ".log"), "w") as f:
        f.write(out)
    if why:
        return "FAIL: hv/%s %s (%.0fs; console in build/hvtest/%s.log)%s" % (
            case.name, "; ".join(why), dt, case.name, "; " + case.note if case.note else "")
    return "PASS: hv/%s (%.0fs)" % (case.name, dt)


NONOTE = os.path.join(OUT, "nonote.elf")
TRUNC = os.path.join(OUT, "truncated-bzimage")
VMLINUZ = os.path.join(ROOT, "cache", "vmlinuz")
HOSTILE_IMG = os.path.join(OUT, "dom0-hostile.cpio.gz")


def make_fixtures():
    """An ELF guest with its PVH note stripped, for the bad-image case."""
    os.makedirs(OUT, exist_ok=True)
    subprocess.run(["objcopy", "-R", ".note.Xen", os.path.join(G, "hello-64.elf"), NONOTE],
                   check=True)
    # A bzImage cut short: its header is whole, its payload is not. Without
    # the cached kernel, a made-up header of the same kind.
    vmlinuz = os.path.join(ROOT, "cache", "vmlinuz")
    if os.path.exists(vmlinuz):
        with open(vmlinuz, "rb") as f:
            head = f.read(256 * 1024)
    else:
        head = bytearray(4096)
        head[0x1FE:0x200] = b"\x55\xAA"
        head[0x202:0x206] = b"HdrS"
        head[0x206:0x208] = b"\x0F\x02"
        head = bytes(head)
    with open(TRUNC, "wb") as f:
        f.write(head)
    if os.path.exists(VMLINUZ):
        # The hostile script as /test, the privcmd program, the privcmd and
        # xenfs modules (the script loads them).
        d0 = os.path.join(ROOT, "tests", "hv", "dom0")
        prog = os.path.join(OUT, "privcmd")
        subprocess.run(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror",
                        "-I" + os.path.join(ROOT, "include"), "-o", prog,
                        os.path.join(d0, "privcmd.c")], check=True)
        subprocess.run([os.path.join(ROOT, "tests", "fixtures", "mkdom0-initramfs.sh"), "-o",
                        HOSTILE_IMG, "-i", os.path.join(ROOT, "tests", "fixtures", "init-min.sh"),
                        "-m", "xen-privcmd xenfs",
                        "-a", "%s=/test" % os.path.join(d0, "hostile.sh"),
                        "-a", "%s=/bin/privcmd" % prog],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    jobs, names = 2, []
    argv = sys.argv[1:]
    while argv:
        a = argv.pop(0)
        if a == "-j":
            jobs = int(argv.pop(0))
        elif a.startswith("-j"):
            jobs = int(a[2:])
        else:
            names.append(a)
    sel = [c for c in cases() if not names or any(n in c.name for n in names)]
    if not os.path.exists(HV):
        print("FAIL: hv/build build/oryx.elf is missing")
        return 1
    if not sel:
        print("FAIL: hv/selection no case matches %s" % names)
        return 1
    make_fixtures()
    failed = 0
    with ThreadPoolExecutor(max_workers=jobs) as ex:
        for line in ex.map(run, sel):
            print(line, flush=True)
            failed += line.startswith("FAIL")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
