#!/usr/bin/env python3
"""Which hypervisor source file calls which: a file depends on another when
its object file uses a symbol the other defines (from `nm` on build/hv).
Prints the cycles (strongly connected components of more than one file)
and, with --edges, every dependency between directories.
With --services, the files every layer calls (the console with printk
and panic, hv/lib/) are left out, so that the cycles shown are the ties
between the layers themselves.
Usage: scripts/depgraph.py [--edges] [--services] [BUILD_DIR]   (default build/hv)
"""

SERVICES = ("hv/common/console.c", "hv/lib/")
import os
import subprocess
import sys


def objects(top):
    for d, _, files in os.walk(top):
        for f in files:
            if f.endswith(".o"):
                yield os.path.join(d, f)



def graph(top):
    defs, uses = {}, {}
    for o in objects(top):
        src = "hv/" + os.path.relpath(o, top)[:-2]
        out = subprocess.run(["nm", o], stdout=subprocess.PIPE, text=True).stdout
        uses[src] = set()
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "TDBR":
                defs[parts[2]] = src
            elif len(parts) == 2 and parts[0] == "U":
                uses[src].add(parts[1])
    edges = {s: set() for s in uses}
    for s, syms in uses.items():
        for y in syms:
            t = defs.get(y)
            if t and t != s:
                edges[s].add(t)
    return edges


def sccs(edges):
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return [c for c in out if len(c) > 1]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    top = args[0] if args else "build/hv"
    edges = graph(top)
    if "--services" in sys.argv:
        edges = {s: {t for t in ts if not t.startswith(SERVICES)}
                 for s, ts in edges.items() if not s.startswith(SERVICES)}
    cycles = sccs(edges)
    print("%d files, %d dependencies" % (len(edges), sum(len(e) for e in edges.values())))
    for c in cycles:
        print("cycle of %d files:" % len(c))
        for f in c:
            inside = sorted(t for t in edges[f] if t in c)
            print("  %s -> %s" % (f, ", ".join(inside)))
    if not cycles:
        print("no cycles")
    if "--edges" in sys.argv:
        dirs = {}
        for s, ts in edges.items():
            for t in ts:
                a, b = os.path.dirname(s), os.path.dirname(t)
                if a != b:
                    dirs.setdefault((a, b), set()).add("%s -> %s" % (os.path.basename(s),
                                                                    os.path.basename(t)))
        for (a, b), why in sorted(dirs.items()):
            print("%s -> %s: %s" % (a, b, "; ".join(sorted(why))))


if __name__ == "__main__":
    main()
