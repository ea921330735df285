#!/usr/bin/env python3
"""The core's import rules, checked on its source (run by `make test`):

- no family (version, backup, health, docs, apm) imports another family:
  what they share lives in the shared modules;
- the shared modules (error, limits, time, text, fsutil, exposition, slo) import no family,
  so nothing they hold can pull a family in;
- no cycle among the core's modules: between top-level modules, and between
  the files of one family (a family's `mod.rs` only declares and re-exports,
  so it is not a node).

A path naming `crate::<module>` (or `super::<sibling>` from a family's file,
`super::super::<module>` from a test module inside one) is an import of that
module; `use super::{a::X, b}` names each of a and b. Prints each offence
with its file and line, and exits 1 if there is any.
"""

import re
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core" / "src"
FAMILIES = {"version", "backup", "health", "docs", "apm"}
SHARED = {"error", "limits", "time", "text", "fsutil", "exposition", "slo"}
# `crate::x`, `super::x`, `super::super::x`, and `prefix::{x, y::Z}` groups.
PATH = re.compile(r"\b((?:crate|super)(?:::super)*)::(\{[^}]*\}|\w+)")
TEST_MODULE = re.compile(r"^\s*#\[cfg\(test\)\]\s*$")


def node(path):
    """The graph node of a source file: `docs.audit` for a family's file,
    `docs` for its mod.rs, `limits` for a top-level module."""
    rel = path.relative_to(CORE).with_suffix("")
    parts = [p for p in rel.parts if p != "mod"]
    return ".".join(parts)


def names(group):
    """The first segment of each item of `x` or `{x, y::Z, self}`."""
    if not group.startswith("{"):
        return [group]
    out = []
    for item in group[1:-1].split(","):
        first = item.strip().split("::")[0].split(" ")[0]
        if re.fullmatch(r"\w+", first) and first != "self":
            out.append(first)
    return out


def imports(path, me):
    """(line, module) for every module the file at `path` (node `me`) names."""
    family = me.split(".")[0]
    in_test = False
    text = path.read_text(encoding="utf-8")
    for n, line in enumerate(text.splitlines(), 1):
        if TEST_MODULE.match(line):
            # Test modules close the file: `super::` is the file itself there.
            in_test = True
        code = line.split("//", 1)[0]
        for prefix, group in PATH.findall(code):
            ups = prefix.count("super")
            for name in names(group):
                if prefix.startswith("crate"):
                    yield n, name
                    continue
                ups_left = ups - (1 if in_test else 0)
                if ups_left == 1 and "." in me:
                    # A sibling file of the same family (or an item of mod.rs).
                    yield n, f"{family}.{name}"
                elif ups_left >= 1 and "." in me:
                    yield n, name


def cycles(graph):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
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
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    offences, files, graph, where = [], 0, {}, {}
    sources = sorted(CORE.rglob("*.rs"))
    nodes = {node(p) for p in sources}
    for path in sources:
        me = node(path)
        top = me.split(".")[0]
        if top not in FAMILIES | SHARED:
            continue
        files += 1
        for n, target in imports(path, me):
            target_top = target.split(".")[0]
            if target_top != top and target_top in FAMILIES:
                kind = "family" if top in FAMILIES else "shared module"
                offences.append(f"{path.relative_to(CORE.parent)}:{n}: the {kind} {top} imports the family {target_top}")
            # Edges: between top-level modules, and between one family's files
            # (not to or from the family's mod.rs, which only re-exports).
            if target_top != top:
                edge = (top, target_top)
            elif "." in me and "." in target and target in nodes and target != me:
                edge = (me, target)
            else:
                continue
            graph.setdefault(edge[0], set()).add(edge[1])
            where.setdefault(edge, f"{path.relative_to(CORE.parent)}:{n}")
    for comp in cycles(graph):
        inside = set(comp)
        links = [f"{a} -> {b} ({where[(a, b)]})" for a in comp for b in sorted(graph.get(a, ())) if b in inside]
        offences.append(f"module cycle among {', '.join(comp)}: " + "; ".join(links))
    for o in offences:
        print(o)
    edges = sum(len(v) for v in graph.values())
    print(f"core imports: {files} files read, {edges} module edges, {len(offences)} offence(s)")
    return 1 if offences or files == 0 or edges == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
