#!/usr/bin/env bash
# module-deps.sh [-v] [--only MOD,MOD...] [LIBRARY] -- the dependency graph
# between the server's modules, read from the linker's symbols of the core
# library (default build/libhorizon_core.a): module A depends on B when an
# undefined symbol of A.c.o is a function B.c.o defines. Prints every edge
# (with -v, the functions behind it), then every cycle: each strongly
# connected component of more than one module and each elementary cycle in it.
# Exit 0: no cycle; 1: a cycle (with --only, a cycle through one of the listed
# modules); 2: usage error or unreadable library.
# SPDX-License-Identifier: BSD-3-Clause
set -euo pipefail
verbose=0
only=
while [ $# -gt 0 ]; do
	case $1 in
	-v) verbose=1; shift ;;
	--only) only=${2:?--only needs a list}; shift 2 ;;
	-h|--help) sed -n '2,9p' "$0"; exit 0 ;;
	-*) echo "module-deps.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
lib=${1:-$(dirname "$0")/../build/libhorizon_core.a}
if [ ! -r "$lib" ]; then
	echo "module-deps.sh: cannot read $lib (build first: scripts/build.sh)" >&2
	exit 2
fi
# nm prints "member:" before each object file's symbols, then "value type
# name" lines (undefined symbols have no value).
nm "$lib" 2>/dev/null | python3 -c '
import sys, collections

verbose, only = sys.argv[1] == "1", set(filter(None, sys.argv[2].split(",")))
defines = {}                              # function -> module
needs = collections.defaultdict(set)      # module -> undefined symbols
modules = set()
mod = None
for line in sys.stdin:
    parts = line.split()
    if len(parts) == 1 and parts[0].endswith(":"):
        mod = parts[0][:-1].rsplit("/", 1)[-1]      # server/<module>.c.o
        for suffix in (".c.o", ".o"):
            if mod.endswith(suffix):
                mod = mod[: -len(suffix)]
                break
        modules.add(mod)
        continue
    if len(parts) < 2:
        continue
    kind, name = parts[-2], parts[-1]
    if kind == "U":
        needs[mod].add(name)
    elif kind in ("T", "W"):              # global function definitions
        defines[name] = mod

if not modules:
    print("module-deps.sh: no object files in the library", file=sys.stderr)
    sys.exit(2)

edges = collections.defaultdict(dict)     # a -> b -> [functions]
for a in sorted(needs):
    for sym in sorted(needs[a]):
        b = defines.get(sym)
        if b is not None and b != a:
            edges[a].setdefault(b, []).append(sym)

print("dependencies (module -> modules whose functions it calls):")
for a in sorted(modules):
    targets = sorted(edges[a])
    print("  %-12s -> %s" % (a, " ".join(targets) if targets else "(none)"))
    if verbose:
        for b in targets:
            print("      %s: %s" % (b, " ".join(edges[a][b])))

# Tarjan: strongly connected components.
index, low, stack, on, sccs = {}, {}, [], set(), []
def strong(v):
    index[v] = low[v] = len(index)
    stack.append(v); on.add(v)
    for w in sorted(edges[v]):
        if w not in index:
            strong(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v:
                break
        sccs.append(sorted(comp))
sys.setrecursionlimit(10000)
for v in sorted(modules):
    if v not in index:
        strong(v)

# Elementary cycles inside one component, each reported once, starting at
# its smallest module (the graph is a few dozen modules: a plain DFS will do).
def cycles_in(comp):
    found, members = [], set(comp)
    for start in comp:
        path = [start]
        def walk(v):
            for w in sorted(edges[v]):
                if w not in members or w < start:
                    continue
                if w == start:
                    found.append(list(path))
                elif w not in path:
                    path.append(w); walk(w); path.pop()
        walk(start)
    return found

bad = False
comps = [c for c in sccs if len(c) > 1]
print("cycles:" if comps else "cycles: none")
for comp in sorted(comps):
    print("  component: " + " ".join(comp))
    for cyc in cycles_in(comp):
        print("    " + " -> ".join(cyc + [cyc[0]]))
        if verbose:
            for a, b in zip(cyc, cyc[1:] + [cyc[0]]):
                print("      %s -> %s: %s" % (a, b, " ".join(edges[a][b])))
    if not only or only & set(comp):
        bad = True
if only:
    hit = sorted(m for c in comps for m in c if m in only)
    print("cycles through %s: %s" % (",".join(sorted(only)), " ".join(hit) if hit else "none"))
sys.exit(1 if bad else 0)
' "$verbose" "$only"
