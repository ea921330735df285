#!/usr/bin/env python3
"""Bags with names other tools write, made and validated both ways.

    python3 tests/backup/bag_names.py OPSKIT BAGIT_PY

For a backslash, LF, CR, `%`, a leading space and a plain name: opskit
makes a bag (a copy, `--to`) that bagit.py 1.9 validates and opskit
validates; bagit.py makes a bag (in place) that opskit validates as
bagit.py does. For a name that is not UTF-8 and one holding a literal
`%0A`: opskit refuses before it moves or creates anything, naming the
file (bagit.py crashes half-way on the first and writes a bag it cannot
validate on the second). A BagIt 0.97 bag whose manifest percent-encodes
LF and CR, as bagit.py writes it, validates. Exits 1 on any difference.
"""

import hashlib
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

OPSKIT, BAGIT = sys.argv[1], sys.argv[2]
GOOD = {
    "backslash": b"back\\slash.txt",
    "LF": b"line\nfeed.txt",
    "CR": b"carriage\rreturn.txt",
    "percent": b"50% off.txt",
    "leading space": b" leading space.txt",
    "plain": b"plain.txt",
}
REFUSED = {
    "not UTF-8": (b"caf\xe9.txt", "is not a UTF-8 name"),
    "literal %0A": (b"a%0Ab.txt", "percent sequence"),
}


def tree(root, name):
    (root / "sub").mkdir(parents=True)
    with open(os.path.join(os.fsencode(root / "sub"), name), "wb") as f:
        f.write(b"content of " + name)
    (root / "other.txt").write_text("other")


def run(argv):
    return subprocess.run(argv, capture_output=True)


def validated_by_both(what, bag, problems):
    """bagit.py --validate and opskit validate-bag both accept `bag`."""
    for who, argv in (("bagit.py", [BAGIT, "--validate", str(bag)]),
                      ("opskit", [OPSKIT, "backup", "validate-bag", str(bag)])):
        r = run(argv)
        if r.returncode != 0:
            problems.append(f"{what}: {who} rejects it: {(r.stdout + r.stderr).decode(errors='replace')[-300:]}")


def main():
    problems = []
    work = pathlib.Path(tempfile.mkdtemp(prefix="opskit-bag-names-"))
    try:
        for label, name in GOOD.items():
            src = work / f"src-{label.replace(' ', '_')}"
            tree(src, name)
            ours = work / f"ours-{label.replace(' ', '_')}"
            r = run([OPSKIT, "backup", "bag", str(src), "--to", str(ours)])
            if r.returncode != 0:
                problems.append(f"{label}: opskit bag exited {r.returncode}: {r.stderr.decode(errors='replace')}")
                continue
            validated_by_both(f"{label}: opskit's bag", ours, problems)
            theirs = work / f"theirs-{label.replace(' ', '_')}"
            shutil.copytree(src, theirs)
            r = run([BAGIT, "--quiet", str(theirs)])
            if r.returncode != 0:
                problems.append(f"{label}: bagit.py could not make its bag: {r.stderr.decode(errors='replace')[-300:]}")
                continue
            validated_by_both(f"{label}: bagit.py's bag", theirs, problems)
        for label, (name, says) in REFUSED.items():
            src = work / f"refused-{label.replace(' ', '_').replace('%', 'pct')}"
            tree(src, name)
            before = sorted(p.relative_to(src) for p in src.rglob("*"))
            dest = work / f"refused-dest-{label.replace(' ', '_').replace('%', 'pct')}"
            for argv in ([OPSKIT, "backup", "bag", str(src), "--to", str(dest)], [OPSKIT, "backup", "bag", str(src)]):
                r = run(argv)
                err = r.stderr.decode(errors="replace")
                if r.returncode != 2 or says not in err:
                    problems.append(f"{label}: opskit bag exited {r.returncode}, not refusing: {err}")
            if dest.exists():
                problems.append(f"{label}: the refused copy created {dest}")
            if sorted(p.relative_to(src) for p in src.rglob("*")) != before:
                problems.append(f"{label}: the refused bag moved files")
        # A 0.97 bag as bagit.py writes it: LF and CR percent-encoded.
        old = work / "v097"
        (old / "data").mkdir(parents=True)
        (old / "data" / "a\nb.txt").write_bytes(b"x")
        (old / "bagit.txt").write_text("BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n")
        (old / "manifest-sha256.txt").write_text(f"{hashlib.sha256(b'x').hexdigest()}  data/a%0Ab.txt\n")
        validated_by_both("a 0.97 bag with %0A", old, problems)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"# {len(GOOD)} names bagged and validated both ways, {len(REFUSED)} refused before anything moved, a 0.97 bag with %0A")
    for p in problems:
        print("FAIL", p)
    if problems:
        sys.exit(1)
    print("PASS bags with odd names read back the same in opskit and bagit.py")


if __name__ == "__main__":
    main()
