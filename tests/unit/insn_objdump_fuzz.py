#!/usr/bin/env python3
"""Development cross-check of hv/arch/x86/insn.c against objdump on random
bytes (not part of `make check-unit`: objdump's view of undefined
encodings differs by binutils version).

Random byte strings are decoded by insn_decode(); each accepted one is laid
out at a 16-byte slot padded with NOPs and disassembled by objdump, whose
length for the instruction at each slot start must agree. objdump's own
display quirks are skipped: "(bad)", and a REX not directly before the
opcode, which it prints as a separate pseudo-instruction though the CPU
ignores it as part of the same instruction.

Usage: tests/unit/insn_objdump_fuzz.py [count] [seed]   (from the repo root)
"""
import collections
import os
import random
import re
import subprocess
import sys
import tempfile

DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include <asm/insn.h>
int main(int argc, char **argv)
{
    enum insn_mode mode = atoi(argv[1]) == 16 ? INSN_MODE_16 :
                          atoi(argv[1]) == 32 ? INSN_MODE_32 : INSN_MODE_64;
    char line[128];
    (void)argc;
    while (fgets(line, sizeof(line), stdin)) {
        uint8_t b[15];
        size_t n = 0;
        unsigned int v;
        struct insn_info ii;
        int rc;
        for (char *p = line; p[0] && p[1] && n < 15 && sscanf(p, "%2x", &v) == 1; p += 2)
            b[n++] = (uint8_t)v;
        rc = insn_decode(b, n, mode, &ii);
        printf("%d\n", rc ? rc : ii.len);
    }
    return 0;
}
"""
BIAS = [0x0f, 0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x48, 0x41, 0xc4, 0xc5, 0x62, 0x8f,
        0x38, 0x3a, 0x26, 0x64]
MACHINE = {16: "i8086", 32: "i386", 64: "i386:x86-64"}


def run_mode(tmp, drv, mode, count, rnd):
    cands = [bytes((rnd.choice(BIAS) if rnd.random() < 0.15 else rnd.randrange(256))
                   for _ in range(15)) for _ in range(count)]
    r = subprocess.run([drv, str(mode)], input="\n".join(b.hex() for b in cands) + "\n",
                       capture_output=True, text=True, check=True)
    slots, data = [], bytearray()
    for b, n in zip(cands, (int(x) for x in r.stdout.split())):
        if n > 0:
            slots.append((len(data), b[:n]))
            data += b[:n] + b"\x90" * (16 - n)
    binf = os.path.join(tmp, "f.bin")
    with open(binf, "wb") as f:
        f.write(data)
    out = subprocess.run(["objdump", "-D", "-b", "binary", "-m", MACHINE[mode],
                          "--insn-width=16", binf], capture_output=True, text=True,
                         check=True).stdout
    ins = {}
    for l in out.splitlines():
        if re.match(r"^\s+[0-9a-f]+:\t", l):
            parts = l.split("\t")
            ins[int(parts[0].strip().rstrip(":"), 16)] = (
                len(parts[1].split()), parts[2] if len(parts) > 2 else "")
    mism = collections.Counter()
    examples = {}
    prev_bad = False
    for off, b in slots:
        if off not in ins:
            if not prev_bad:        # objdump resyncs badly after "(bad)"
                mism["desync"] += 1
            continue
        nb, text = ins[off]
        prev_bad = "(bad)" in text
        if prev_bad or re.search(r"\brex(\.[WRXB]+)?$", text.strip()):
            continue
        if nb != len(b):
            k = text.split()[0] if text else "?"
            mism[k] += 1
            examples.setdefault(k, []).append((b.hex(), len(b), nb, text))
    print(f"{mode}-bit: {len(slots)} decoded, {sum(mism.values())} disagreements")
    for k, c in mism.most_common(20):
        print(f"  {c} {k} {examples.get(k, [])[:3]}")
    return sum(mism.values())


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    rnd = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "drv.c")
        drv = os.path.join(tmp, "drv")
        with open(src, "w") as f:
            f.write(DRIVER)
        subprocess.run(["cc", "-O1", "-DORYX_HOST_TEST", "-Ihv/include", "-Iinclude",
                        "-o", drv, src, "hv/arch/x86/insn.c"], check=True)
        for mode in (16, 32, 64):
            bad += run_mode(tmp, drv, mode, count, rnd)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
