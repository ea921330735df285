#!/usr/bin/env python3
"""Time opskit's backup manifests beside b3sum, sha256sum and bagit.py on the
same generated trees, warm cache, and print the ratios (README figures).

    python3 benches/compare_backup.py [--small]

Needs a release build of the CLI (made here), b3sum (make interop-test puts
it in target/tools/bin) and bagit.py (the venv of make python-test).
Trees (in a temp folder, removed after):
  A: 2.2 GB in 21,001 files: 1 GiB + 1,000 x 1 MiB + 20,000 x 4 KiB
  B: 100,000 x 4 KiB files
--small scales both down 10x for a quick look.
"""

import os
import pathlib
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
# The host triple: make builds into target/<host>/ (see the Makefile).
HOST = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout.split("host: ")[1].split()[0]
OPSKIT = ROOT / "target" / HOST / "release/opskit"
B3SUM = shutil.which("b3sum") or str(ROOT / "target/tools/bin/b3sum")
BAGIT = str(ROOT / ".venv/bin/bagit.py")
RUNS = 3


def make_files(base, count, size, prefix):
    block = os.urandom(size)
    for i in range(count):
        d = base / f"{prefix}{i // 1000:03d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"f{i:06d}").write_bytes(block[i % 97:] + block[: i % 97])


def tree_a(base, scale):
    base.mkdir()
    with open(base / "big.bin", "wb") as f:
        chunk = os.urandom(1 << 20)
        for _ in range((1024 // scale)):
            f.write(chunk)
    make_files(base / "mib", 1000 // scale, 1 << 20, "m")
    make_files(base / "small", 20000 // scale, 4096, "s")


def tree_b(base, scale):
    base.mkdir()
    make_files(base, 100000 // scale, 4096, "d")


def timed(cmd, cwd=None, shell=False):
    """Best and median wall time of RUNS warm runs, and the peak RSS (KiB)."""
    subprocess.run(cmd, cwd=cwd, shell=shell, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, shell=shell, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return min(times), statistics.median(times), rss


def timed_fresh_copy(src, dst, cmd):
    """Like timed, for a command that turns `dst` (a fresh copy of `src`
    each run, made untimed) into a bag in place."""
    times = []
    for _ in range(RUNS):
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(src, dst)
        subprocess.run(["sync"], check=True)
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    shutil.rmtree(dst, ignore_errors=True)
    return min(times), statistics.median(times), 0


def row(name, result, ref=None):
    best, median, _ = result
    ratio = f"{ref[0] / best:5.2f}x" if ref else ""
    print(f"  {name:<58} best {best:7.3f} s  median {median:7.3f} s  {ratio}")


def main():
    scale = 10 if "--small" in sys.argv else 1
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "opskit-cli", "--target", HOST], cwd=ROOT, check=True)
    for tool in (B3SUM, BAGIT):
        if not os.path.exists(tool):
            sys.exit(f"missing {tool}: run make interop-test first")
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR")) as tmp:
        tmp = pathlib.Path(tmp)
        a, b = tmp / "a", tmp / "b"
        print("generating trees ...", flush=True)
        tree_a(a, scale)
        tree_b(b, scale)
        files_a = "find . -type f -print0 | xargs -0 "
        print(f"\nTree A: {sum(p.stat().st_size for p in a.rglob('*') if p.is_file()) / 1e9:.2f} GB, "
              f"{sum(1 for p in a.rglob('*') if p.is_file())} files (2 cores, warm cache, best of {RUNS})")
        b3 = timed(files_a + B3SUM, cwd=a, shell=True)
        row("b3sum over the files", b3)
        ours_b3 = timed([str(OPSKIT), "backup", "manifest", str(a), "-o", str(tmp / "a.json")])
        row("opskit backup manifest (BLAKE3)", ours_b3, b3)
        sha = timed(files_a + "sha256sum", cwd=a, shell=True)
        row("sha256sum over the files", sha)
        ours_sha = timed([str(OPSKIT), "backup", "manifest", str(a), "--sha256-only", "-o", str(tmp / "s.json")])
        row("opskit backup manifest --sha256-only", ours_sha, sha)
        # Making a bag in place, both with their default algorithms
        # (sha256 and sha512), from a fresh copy each run.
        made = timed_fresh_copy(a, tmp / "made", [BAGIT, "--quiet", str(tmp / "made")])
        row("bagit.py (make a bag in place, sha256+sha512)", made)
        ours_made = timed_fresh_copy(a, tmp / "made", [str(OPSKIT), "backup", "bag", str(tmp / "made")])
        row("opskit backup bag (same)", ours_made, made)
        bag = tmp / "bag"
        shutil.copytree(a, bag)
        subprocess.run([BAGIT, "--quiet", "--sha256", str(bag)], check=True)
        bagit = timed([BAGIT, "--quiet", "--validate", str(bag)])
        row("bagit.py --validate (sha256 bag)", bagit)
        row("opskit backup manifest --sha256-only vs bagit.py --validate", ours_sha, bagit)
        ours_bag = timed([str(OPSKIT), "backup", "validate-bag", str(bag)])
        row("opskit backup validate-bag (same bag)", ours_bag, bagit)
        full = timed([str(OPSKIT), "backup", "verify", str(tmp / "a.json"), str(a)])
        row("opskit backup verify (full)", full)
        fast = timed([str(OPSKIT), "backup", "verify", "--fast", str(tmp / "a.json"), str(a)])
        row("opskit backup verify --fast (unchanged tree) vs full", fast, full)
        shutil.rmtree(bag)

        print(f"\nTree B: {sum(1 for p in b.rglob('*') if p.is_file())} files of 4 KiB")
        xs = timed("find . -type f -print0 | xargs -0 sha256sum", cwd=b, shell=True)
        row("find | xargs sha256sum", xs)
        ours = timed([str(OPSKIT), "backup", "manifest", str(b), "--sha256-only", "-o", str(tmp / "b.json")])
        row("opskit backup manifest --sha256-only", ours, xs)
        ours_b = timed([str(OPSKIT), "backup", "manifest", str(b), "-o", str(tmp / "b3.json")])
        row("opskit backup manifest (BLAKE3)", ours_b, xs)
        out = subprocess.run(["/usr/bin/time", "-v", str(OPSKIT), "backup", "manifest", str(b), "-o", str(tmp / "m.json")],
                             capture_output=True, text=True, check=True).stderr
        rss = next(l for l in out.splitlines() if "Maximum resident" in l).split(":")[1].strip()
        size = (tmp / "m.json").stat().st_size
        print(f"  peak RSS building the manifest of tree B: {int(rss) / 1024:.0f} MiB (manifest file {size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
