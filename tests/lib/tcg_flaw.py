"""QEMU's TCG SVM flaw, as the harnesses see it.

QEMU 7.2's software SVM now and then ends a guest's run with the
hypervisor's own state (its RIP right after VMRUN, its CR3) saved as the
guest's, so the guest's registers are lost (docs/architecture.md, "world
switch"; real Xen 4.17 dies of it on this emulator). Oryx recognises the
signature, which neither hardware nor a guest can produce, redoes the
switch when the guest had not run yet, and otherwise crashes that domain
alone with the reason below. A run that failed with that line in its log
failed because of the emulator, not of what it tests: the harnesses run it
once more and say so on a NOTE line.
"""
import re

SIGNATURE = re.compile(r"CRASHED: the CPU lost this guest's state at VMRUN \(emulator flaw\)")


def flaw_in(path):
    """The flaw's first crash line in the log at path, or None."""
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if SIGNATURE.search(line):
                    return line.strip()[:200]
    except OSError:
        pass
    return None
