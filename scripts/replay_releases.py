#!/usr/bin/env python3
"""Replay a repository's release tags: for each stable release tag, ask
`opskit version next --as-of TAG~1` (the history just before the release
commit, seeing only the tags that existed then) and count how many
releases opskit reproduces under a preset.

    python3 scripts/replay_releases.py CLONE --preset release-please
    python3 scripts/replay_releases.py CLONE --preset semantic-release \\
        --tag-pattern 'v{version}' --opskit target/release/opskit

Options after `--` go to `opskit version next` unchanged (e.g.
`-- --bump-minor-pre-major`). Run it on a local clone of a real
repository (never committed here); it writes nothing. A miss prints the
tag, the version opskit proposes and the base it started from: most are
manual releases or the releasing tool's own historical quirks.
"""

import argparse
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("clone")
    ap.add_argument("--preset", default="opskit")
    ap.add_argument("--tag-pattern", default="v{version}")
    ap.add_argument("--opskit", default=str(ROOT / "target/release/opskit"))
    ap.add_argument("--show", type=int, default=20, help="misses to print")
    ap.add_argument("rest", nargs="*", help="more `version next` flags, after --")
    a = ap.parse_args()
    prefix, _, suffix = a.tag_pattern.partition("{version}")
    semver = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
    tags = subprocess.run(["git", "-C", a.clone, "tag"], capture_output=True, text=True, check=True).stdout.split()
    stable = []
    for t in tags:
        if t.startswith(prefix) and t.endswith(suffix):
            v = t[len(prefix):len(t) - len(suffix) if suffix else None]
            m = semver.match(v)
            if m:
                stable.append((tuple(int(x) for x in m.groups()), t, v))
    stable.sort()
    hits, misses = 0, []
    for _, tag, want in stable:
        out = subprocess.run(
            [a.opskit, "version", "next", "--json", "--path", a.clone, "--as-of", f"{tag}~1",
             "--tag-pattern", a.tag_pattern, "--preset", a.preset, *a.rest],
            capture_output=True, text=True)
        if out.returncode != 0:
            misses.append((tag, "error: " + out.stderr.strip().splitlines()[-1], None))
            continue
        got = json.loads(out.stdout)
        if got["next"] == want:
            hits += 1
        else:
            misses.append((tag, got["next"], got["current_tag"]))
    print(f"{a.clone}: preset {a.preset}: {hits} of {len(stable)} stable releases reproduced")
    for tag, got, base in misses[:a.show]:
        print(f"  {tag}: opskit says {got} (from {base})")
    if len(misses) > a.show:
        print(f"  … and {len(misses) - a.show} more")


if __name__ == "__main__":
    sys.exit(main())
