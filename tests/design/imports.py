#!/usr/bin/env python3
"""The core's import rules, checked on its source (run by `make test`):

- no family (version, backup, health, docs, apm) imports another family:
  what they share lives in the shared modules;
- the shared modules (error, limits, time, text, fsutil) import no family,
  so nothing they hold can pull a family in.

A `use` or path naming `crate::<module>` (or `super::super::<module>` from a
family's file) is an import of that module. Prints each offence with its
file and line, and exits 1 if there is any.
"""

import re
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core" / "src"
FAMILIES = {"version", "backup", "health", "docs", "apm"}
SHARED = {"error", "limits", "time", "text", "fsutil"}
REF = re.compile(r"\b(?:crate|super::super)::(\w+)")


def owner(path):
    """The top module a source file belongs to."""
    rel = path.relative_to(CORE)
    return rel.parts[0].removesuffix(".rs") if rel.parts else None


def main():
    offences, files = [], 0
    for path in sorted(CORE.rglob("*.rs")):
        me = owner(path)
        if me not in FAMILIES | SHARED:
            continue
        files += 1
        text = path.read_text(encoding="utf-8")
        for n, line in enumerate(text.splitlines(), 1):
            code = line.split("//", 1)[0]
            for target in REF.findall(code):
                if target == me or target not in FAMILIES:
                    continue
                kind = "family" if me in FAMILIES else "shared module"
                offences.append(f"{path.relative_to(CORE.parent)}:{n}: the {kind} {me} imports the family {target}")
    for o in offences:
        print(o)
    print(f"core imports: {files} files read, {len(offences)} cross-family import(s)")
    return 1 if offences or files == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
