#!/usr/bin/env python3
"""The include graph between engine folders only points downwards.

Reads every engine/src/<folder>/*.{c,h}, collects `#include "<folder>/..."`
edges between different folders, and fails when
  - the folder graph has a cycle (two folders that include each other,
    directly or through others), or
  - a folder includes one that the layer table below puts above it.
Folders missing from the table only need to stay out of cycles; add them
to LAYERS when their place is settled. Usage: include_graph.py SOURCE_DIR
"""
import os
import re
import sys

# Lower number = lower layer; a folder may include only folders with a
# lower or equal number (equal: siblings that must still not form a cycle).
LAYERS = {
    "util": 0,      # error buffer, time, files, hashing
    "value": 1,     # the value tree and JSON
    "input": 1,     # strict validation of input files and paths
    "collect": 2,   # targets: a live server or a snapshot file
    "plugin": 3,    # the plugin boundary: loader, host table, invocation
    "judge": 3,     # the Lua policy sandbox
    "run": 5,       # the gate's pipeline of stages
    "cli": 9,       # one file per verb
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"', re.M)


def main():
    src = os.path.join(sys.argv[1] if len(sys.argv) > 1 else ".", "engine", "src")
    edges = {}
    where = {}
    for folder in sorted(os.listdir(src)):
        path = os.path.join(src, folder)
        if not os.path.isdir(path):
            continue
        edges.setdefault(folder, set())
        for name in sorted(os.listdir(path)):
            if not name.endswith((".c", ".h")):
                continue
            with open(os.path.join(path, name), encoding="utf-8") as f:
                for target in INCLUDE.findall(f.read()):
                    if target != folder and os.path.isdir(os.path.join(src, target)):
                        edges[folder].add(target)
                        where.setdefault((folder, target), f"engine/src/{folder}/{name}")
    problems = []
    for (a, b), file in sorted(where.items()):
        if a in LAYERS and b in LAYERS and LAYERS[b] > LAYERS[a]:
            problems.append(f"{file} includes {b}/: {b}/ is above {a}/ "
                            f"(layers in {os.path.basename(__file__)})")
    # Cycle detection (depth-first, colours).
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(edges.get(n, ())):
            if state.get(m) == 1:
                cycle = stack[stack.index(m):] + [m]
                problems.append("include cycle between folders: " + " -> ".join(cycle) +
                                f" (first edge in {where[(n, m)]})")
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(edges):
        if n not in state:
            visit(n)
    for p in problems:
        print("include graph: " + p, file=sys.stderr)
    if problems:
        return 1
    for a in sorted(edges):
        print(f"{a} -> {', '.join(sorted(edges[a])) or '(nothing)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
