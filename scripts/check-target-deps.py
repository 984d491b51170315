#!/usr/bin/env python3
"""Checks that Package.swift's target dependencies match what each target's files import:
no undeclared import of a package target, no declared dependency left unused. Then checks the
layering rules below on the whole dependency graph (direct and indirect): the server links
neither the trainer nor any encoder, and the trainer (with the experiment harness) links no
encoder: MSAC's featurisers stay in Semantic, which only the command-line tool links.
Usage: scripts/check-target-deps.py (from the repository root). Exit 1 on a mismatch."""
import os, re, sys

src = open("Package.swift").read()
targets = {}
for m in re.finditer(r'\.(testTarget|target|executableTarget)\(\s*name:\s*"([^"]+)"(.*?)swiftSettings', src, re.S):
    kind, name, rest = m.groups()
    deps = re.search(r'dependencies:\s*\[(.*?)\]\s*,', rest, re.S)
    names = set(re.findall(r'^\s*"([^"]+)"|,\s*"([^"]+)"', deps.group(1), re.M)) if deps else set()
    flat = {a or b for a, b in names}
    flat |= set(re.findall(r'product\(name:\s*"([^"]+)"', deps.group(1))) if deps else set()
    path = re.search(r'path:\s*"([^"]+)"', rest)
    base = path.group(1) if path else ("Tests/" if kind == "testTarget" else "Sources/") + name
    targets[name] = (flat, base)

ok = True
local = set(targets)
for name, (deps, base) in sorted(targets.items()):
    imports = set()
    for root, _, files in os.walk(base):
        for f in files:
            if f.endswith(".swift"):
                for line in open(os.path.join(root, f)):
                    m = re.match(r'\s*(?:@testable\s+|@preconcurrency\s+)?import\s+(\w+)', line)
                    if m: imports.add(m.group(1))
    used = {i for i in imports if i in local or i in {"ArgumentParser", "Hummingbird", "HummingbirdTesting", "Logging"}}
    undeclared = used - deps
    unused = {d for d in deps if d not in imports and d in local | {"ArgumentParser", "Hummingbird", "HummingbirdTesting", "Logging"}}
    # An executable under test is run, not imported.
    if name == "esansTests": unused.discard("esans")
    if undeclared or unused:
        ok = False
        print(f"{name}: " + (f"imports undeclared {sorted(undeclared)} " if undeclared else "") +
              (f"declares unused {sorted(unused)}" if unused else ""))
# Targets that must not be reached, directly or through others, from the given target.
ENCODERS_AND_TRAINER = {"Training", "Semantic", "Encoders", "TextEncoder", "CJPEG"}
ENCODERS = {"Semantic", "Encoders", "TextEncoder", "CJPEG"}
# Serving stays free of database code: vector-database clients live in VectorDB, above it.
FORBIDDEN = {"Serving": ENCODERS_AND_TRAINER | {"VectorDB", "CGRPC"}, "ServingHTTP": ENCODERS_AND_TRAINER,
             "VectorDB": ENCODERS_AND_TRAINER | {"ServingHTTP"},
             "Training": ENCODERS, "Experiments": ENCODERS}

def reached(name):
    """Package targets `name` depends on, directly or indirectly, each with one path to it."""
    paths, todo = {}, [(name, [name])]
    while todo:
        t, path = todo.pop()
        for d in sorted(targets.get(t, (set(), ""))[0] & local):
            if d not in paths:
                paths[d] = path + [d]
                todo.append((d, path + [d]))
    return paths

for name, banned in sorted(FORBIDDEN.items()):
    if name not in targets:
        ok = False
        print(f"{name}: named by a layering rule but not a target of Package.swift")
        continue
    paths = reached(name)
    for b in sorted(banned & set(paths)):
        ok = False
        print(f"{name}: depends on {b} (" + " -> ".join(paths[b]) + "), which it must not")
print("target dependencies match the imports and the layering rules" if ok else "mismatches above")
sys.exit(0 if ok else 1)
