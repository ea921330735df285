#!/usr/bin/env python3
"""Time `opskit version next` and `opskit version changelog --all` beside
git-cliff's `--bumped-version` and full changelog on the same repository.

Usage: benches/compare_git_cliff.py [REPO] [--runs N]

Without REPO, a repository shaped like a large real project is generated
(about 7,000 commits changing real files, 300 release tags, merges, and a side
branch carrying newer pre-release tags that HEAD does not contain). git-cliff
comes from its PyPI package, installed into target/bench-venv when it is not
on PATH. Prints wall and CPU times, the ratios, both next versions, and checks
that opskit wrote nothing into .git.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The host triple: make builds into target/<host>/ (see the Makefile).
HOST = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout.split("host: ")[1].split()[0]
TARGET = ROOT / "target" / HOST / "release"


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def git_cliff_binary():
    found = shutil.which("git-cliff")
    if found:
        return found
    venv = ROOT / "target" / "bench-venv"
    exe = venv / "bin" / "git-cliff"
    if not exe.exists():
        sh([sys.executable, "-m", "venv", str(venv)])
        sh([str(venv / "bin" / "pip"), "install", "-q", "git-cliff"])
    return str(exe)


def timed(cmd, cwd, runs):
    """Run cmd `runs` times after one warm-up; return (median wall s, median CPU s, stdout)."""
    out = subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True).stdout
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return statistics.median(walls), statistics.median(cpus), out


def git_dir_snapshot(repo):
    gitdir = Path(subprocess.run(["git", "rev-parse", "--absolute-git-dir"], cwd=repo,
                                 check=True, capture_output=True, text=True).stdout.strip())
    return {str(p.relative_to(gitdir)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in gitdir.rglob("*") if p.is_file()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("repo", nargs="?", help="a local git repository (default: generate one)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tag-pattern", default="v{version}")
    args = ap.parse_args()

    sh(["cargo", "build", "--release", "-q", "-p", "opskit-cli", "-p", "opskit-benches"], cwd=ROOT)
    opskit = str(TARGET / "opskit")
    tmp = tempfile.TemporaryDirectory(prefix="opskit-bench-")
    if args.repo:
        repo = str(Path(args.repo).resolve())
    else:
        repo = os.path.join(tmp.name, "repo")
        sh([str(TARGET / "gen-repo"), repo])
    cliff = git_cliff_binary()
    config = os.path.join(tmp.name, "cliff.toml")
    sh([cliff, "--init", "--config", config], cwd=tmp.name, stdout=subprocess.DEVNULL,
       stderr=subprocess.DEVNULL)
    commits = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=repo, check=True,
                             capture_output=True, text=True).stdout.strip()
    tags = len(subprocess.run(["git", "tag"], cwd=repo, check=True, capture_output=True,
                              text=True).stdout.split())
    print(f"repository: {repo} ({commits} commits reachable from HEAD, {tags} tags)")
    print(f"git-cliff: {subprocess.run([cliff, '--version'], capture_output=True, text=True).stdout.strip()}")

    before = git_dir_snapshot(repo)
    o_next = timed([opskit, "version", "next", "--tag-pattern", args.tag_pattern], repo, args.runs)
    o_log = timed([opskit, "version", "changelog", "--all", "--tag-pattern", args.tag_pattern], repo, args.runs)
    after = git_dir_snapshot(repo)
    untouched = before == after

    base = [cliff, "--config", config, "--offline", "--no-exec"]
    c_next = timed(base + ["--bumped-version"], repo, args.runs)
    c_log = timed(base + ["--output", "/dev/null"], repo, args.runs)

    def next_of(text):
        for line in text.splitlines():
            if line.startswith("next:"):
                return line.split()[1]
        return text.strip()

    print()
    print(f"{'task':<22}{'opskit wall':>13}{'opskit CPU':>12}{'git-cliff wall':>16}{'git-cliff CPU':>15}{'ratio (wall)':>14}")
    for name, o, c in (("next version", o_next, c_next), ("full changelog", o_log, c_log)):
        print(f"{name:<22}{o[0]*1000:>11.1f}ms{o[1]*1000:>10.1f}ms{c[0]*1000:>14.1f}ms{c[1]*1000:>13.1f}ms{c[0]/o[0]:>13.1f}x")
    print()
    print(f"next version: opskit {next_of(o_next[2])}, git-cliff {c_next[2].strip()}")
    print(f"opskit wrote nothing into .git: {'yes' if untouched else 'NO'}")
    return 0 if untouched else 1


if __name__ == "__main__":
    sys.exit(main())
