#!/usr/bin/env python3
"""Write tests/version/pep440.json from the `packaging` library (the
reference implementation of PEP 440): a generated set of versions in
packaging's order, spellings with their normal form, and strings it
refuses. The Rust tests check opskit's PEP 440 against this file.

    .venv/bin/pip install packaging && .venv/bin/python scripts/pep440_cases.py
"""

import json
import pathlib
import random

from packaging.version import InvalidVersion, Version

ROOT = pathlib.Path(__file__).resolve().parents[1]

# The PEP's own examples (its "Summary of permitted suffixes and relative
# ordering" and the normalisation section), then generated ones.
PEP = [
    "1.dev0", "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12",
    "1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456",
    "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0.post456.dev34",
    "1.0.post456", "1.0.15", "1.1.dev1", "1!0.1", "2!1.0.dev0", "0.9", "1.0.0",
]
SPELLINGS = [
    "1.0", "v1.0", "V1.0", " 1.0 ", "1.0a1", "1.0alpha1", "1.0-a1", "1.0.a.1", "1.0_a1",
    "1.0b2", "1.0beta2", "1.0c1", "1.0pre1", "1.0preview1", "1.0rc1", "1.0RC1", "1.0-rc-1",
    "1.0a", "1.0.post1", "1.0-post1", "1.0post", "1.0-1", "1.0rev3", "1.0r3", "1.0.dev",
    "1.0dev1", "1.0-dev-2", "1.0+Ubuntu-1", "1.0+ubuntu_1.x", "1!2.0", "01.02.03",
    "1.0.0.0.0", "2.0.0b1.post2.dev3+local.7",
]
INVALID = ["", "v", "1.0+", "1.0+-x", "a1.0", "1.0a1a1", "1..0", "1.0-", "1!", "!1.0",
           "1.0.post1.post2", "1.0 2", "1.0+ab cd", "1.0.dev1.dev2", "1.0rc1a1"]


def generated(n, seed=440):
    rng = random.Random(seed)
    out = set()
    while len(out) < n:
        parts = [str(rng.randint(0, 3)) for _ in range(rng.randint(1, 4))]
        v = ".".join(parts)
        if rng.random() < 0.1:
            v = f"{rng.randint(1, 2)}!{v}"
        if rng.random() < 0.4:
            v += rng.choice(["a", "b", "rc"]) + str(rng.randint(0, 3))
        if rng.random() < 0.3:
            v += f".post{rng.randint(0, 3)}"
        if rng.random() < 0.3:
            v += f".dev{rng.randint(0, 3)}"
        if rng.random() < 0.15:
            v += "+" + rng.choice(["abc", "5", "abc.5", "ubuntu.1", "1.x", "deb.10.2"])
        out.add(v)
    return sorted(out)


def main():
    versions = sorted({str(Version(v)) for v in PEP + generated(1200)}, key=Version)
    ranked, rank = [], 0
    for i, v in enumerate(versions):
        if i and Version(v) != Version(versions[i - 1]):
            rank += 1
        ranked.append([v, rank])
    normal = [[s, str(Version(s))] for s in SPELLINGS]
    for bad in INVALID:
        try:
            Version(bad)
        except InvalidVersion:
            continue
        raise SystemExit(f"packaging accepts {bad!r}: remove it from INVALID")
    out = {
        "about": "Made by scripts/pep440_cases.py with packaging's Version (PEP 440's reference "
                 "implementation): `order` is [version, rank] sorted by packaging (versions "
                 "packaging finds equal, like 1.0 and 1.0.0, share a rank), `normalize` pairs a spelling with its normal form, `invalid` are "
                 "refused.",
        "order": ranked,
        "normalize": normal,
        "invalid": INVALID,
    }
    path = ROOT / "tests/version/pep440.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"{path}: {len(versions)} ordered, {len(normal)} spellings, {len(INVALID)} invalid")


if __name__ == "__main__":
    main()
