#!/usr/bin/env python3
"""Run every fenced example of the README, docs/*.md and the package READMEs
against the installed artifacts, as a new user would: each block written to
a scratch file in a fresh folder and run there with the installed Python
package, npm package, C SDK or CLI. A doc that drifts from the API fails.

Placeholders aside: the folders the examples name (`/srv/backup/2026-12-02`,
`/restore`) become folders of the scratch tree, and the names an example
leaves to its reader (`accept_header`, an Express `app`) are given a value
in a prelude. Everything else runs exactly as written.

Rust blocks run as doctests of the core crate (`cargo test --doc`); TOML and
JSON blocks are formats, not programs. Shell blocks run when every command
in them is `opskit …`; the others are build and install instructions, which
`make test` carries out as its own steps (listed, never silently skipped).

Usage: examples.py --python PY --node-modules DIR --prefix PREFIX FILE.md...
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RUN = {"python", "js", "c", "sh"}
ELSEWHERE = {"rust": "a doctest of the core crate", "toml": "a format", "json": "a format"}
PLACEHOLDERS = [
    ("/srv/backup/2026-12-02", "backup/2026-12-02"),
    ("/restore/2026-12-02", "restore/2026-12-02"),
    ('"/restore"', '"restore"'),
    ("'/restore'", "'restore'"),
]
PRELUDE = {
    "python": {"accept_header": 'accept_header = "text/plain"  # placeholder: the scraper\'s Accept header\n'},
    "js": {
        "app.get(": (
            "// placeholder: an Express-like app whose route is called once\n"
            "const app = { get(path, handler) {\n"
            "  const res = { type(t) { this.t = t; return this }, send(body) {\n"
            "    if (!this.t || !body) throw new Error(`${path}: nothing sent`); console.log(this.t) } }\n"
            "  handler({ headers: { accept: 'text/plain' } }, res) } }\n"
        ),
    },
}
ENV_IDENTITY = {
    "GIT_AUTHOR_NAME": "Docs Example",
    "GIT_AUTHOR_EMAIL": "docs@example.com",
    "GIT_COMMITTER_NAME": "Docs Example",
    "GIT_COMMITTER_EMAIL": "docs@example.com",
}


def blocks(path):
    """(line, language, code) of every fenced block in a Markdown file."""
    out, lang, start, body = [], None, 0, []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        fence = re.match(r"^```\s*([\w+-]*)", line)
        if lang is None and fence:
            lang, start, body = (fence.group(1) or "text").split(",")[0], n, []
        elif lang is not None and line.strip() == "```":
            out.append((start, lang, "\n".join(body) + "\n"))
            lang = None
        elif lang is not None:
            body.append(line)
    return out


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, **ENV_IDENTITY, "GIT_CONFIG_NOSYSTEM": "1"})


def fixture(root, node_modules):
    """The scratch tree the examples run in: a git repository with releases
    (v and api-v tags, a service under services/api), a docs folder, a
    backup and its restore, keys and a snapshot list."""
    root.mkdir(parents=True)
    files = {
        "package.json": '{\n  "name": "shop",\n  "version": "0.1.0"\n}\n',
        "pyproject.toml": '[project]\nname = "shop"\nversion = "0.1.0"\n',
        "services/api/package.json": '{\n  "name": "api",\n  "version": "0.1.0"\n}\n',
        "docs/README.md": "# Runbooks\n\nRestores follow [the steps](restore.md#steps).\n",
        "docs/restore.md": "# Restore\n\n## Steps\n\nRun restic restore, then verify.\n",
        "docs/archive/old.md": "# Old\n\n[gone](gone.md)\n",
        "docs/audit.toml": 'exclude = ["archive/**"]\n',
        ".gitignore": "node_modules\nbackup/\nrestore/\n*.pem\n*.pub\nsnapshots.json\n*.sarif\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "chore: start the shop")
    git(root, "tag", "v0.1.0")
    git(root, "tag", "api-v0.1.0")
    (root / "services/api/index.js").write_text("export const page = 1\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "feat(api): paging")
    (root / "README.md").write_text("# Shop\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "fix: readme")
    backup = root / "backup/2026-12-02"
    (backup / "db").mkdir(parents=True)
    (backup / "db/orders.sql").write_text("insert into orders values (1);\n")
    (backup / "db/users.sql").write_text("insert into users values (1);\n")
    shutil.copytree(backup, root / "restore/2026-12-02", symlinks=True)
    shutil.copytree(backup, root / "restore", symlinks=True, dirs_exist_ok=True)
    # Keep mtimes equal so a fast verify of the copies matches.
    for src in backup.rglob("*"):
        for dst in (root / "restore" / src.relative_to(backup), root / "restore/2026-12-02" / src.relative_to(backup)):
            shutil.copystat(src, dst)
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", root / "ed25519.pem"],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "pkey", "-in", root / "ed25519.pem", "-pubout", "-out", root / "ed25519.pub"],
                   check=True, capture_output=True)
    (root / "snapshots.json").write_text(
        '[{"id":"a1","time":"2026-12-01T02:00:00Z","hostname":"db1","paths":["/srv"]},'
        '{"id":"b2","time":"2026-12-02T02:00:00Z","hostname":"db1","paths":["/srv"]}]\n')
    if node_modules:
        (root / "node_modules").symlink_to(node_modules)


def prepare(lang, code):
    for old, new in PLACEHOLDERS:
        code = code.replace(old, new)
    for name, prelude in PRELUDE.get(lang, {}).items():
        if name in code:
            code = prelude + code
    return code


def run_block(lang, code, root, args):
    env = {**os.environ, **ENV_IDENTITY, "GIT_CONFIG_NOSYSTEM": "1",
           "PATH": f"{args.prefix}/bin:{os.environ['PATH']}",
           "PKG_CONFIG_PATH": f"{args.prefix}/lib/pkgconfig"}
    if lang == "python":
        (root / "example.py").write_text(code)
        cmd = [args.python, "example.py"]
    elif lang == "js":
        (root / "example.mjs").write_text(code)
        cmd = ["node", "example.mjs"]
    elif lang == "c":
        (root / "prog.c").write_text(code)
        build = subprocess.run(
            ["sh", "-c", 'cc -std=c11 -Wall -Wextra -Werror prog.c $(pkg-config --cflags --libs opskit) '
             '-Wl,-rpath,$(pkg-config --variable=libdir opskit) -o prog'],
            cwd=root, env=env, capture_output=True, text=True, timeout=120)
        if build.returncode != 0:
            return build
        cmd = ["./prog"]
    else:
        cmd = ["bash", "-e", "-o", "pipefail", "-c", code]
    return subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=120)


def shell_is_cli(code):
    lines = [l for l in code.replace("\\\n", " ").splitlines() if l.strip() and not l.strip().startswith("#")]
    return bool(lines) and all(l.strip().startswith("opskit ") for l in lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", required=True)
    ap.add_argument("--node-modules", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="opskit-doc-examples-"))
    passed, failed, elsewhere = 0, [], []
    count = 0
    try:
        for f in args.files:
            for line, lang, code in blocks(f):
                where = f"{f}:{line} ({lang})"
                if lang not in RUN:
                    if lang in ELSEWHERE:
                        elsewhere.append(f"{where}: {ELSEWHERE[lang]}")
                    continue
                if lang == "sh" and not shell_is_cli(code):
                    elsewhere.append(f"{where}: build or install instructions, run by make test itself")
                    continue
                count += 1
                root = work / f"example-{count}"
                fixture(root, Path(args.node_modules).resolve())
                r = run_block(lang, prepare(lang, code), root, args)
                if r.returncode == 0:
                    passed += 1
                    print(f"ok   {where}")
                else:
                    failed.append(where)
                    print(f"FAIL {where}: exit {r.returncode}\n--- stdout\n{r.stdout[-3000:]}\n--- stderr\n{r.stderr[-3000:]}")
        for e in elsewhere:
            print(f"not here {e}")
        print(f"docs examples: {passed} passed, {len(failed)} failed")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
