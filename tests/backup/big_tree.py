#!/usr/bin/env python3
"""A 100,000-file tree through `opskit backup manifest` and `opskit backup
verify`: every file described and verified, and the peak memory of each run
stays under a bound (it grows with the entries held, a few hundred bytes
each).

    python3 tests/backup/big_tree.py OPSKIT
"""

import os
import subprocess
import sys
import tempfile
import time

LIMIT_MIB = 256

opskit = sys.argv[1]


def run(args):
    """Run opskit; its wall time, its own peak RSS (MiB, from wait4) and stdout."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen([opskit, *args], stdout=out, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        took = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    assert p.returncode == 0, (args, p.returncode, stderr[-2000:])
    return took, usage.ru_maxrss // 1024, stdout


with tempfile.TemporaryDirectory() as root:
    tree = os.path.join(root, "tree")
    os.mkdir(tree)
    for d in range(1000):
        sub = os.path.join(tree, f"d{d:03}")
        os.mkdir(sub)
        for i in range(100):
            with open(os.path.join(sub, f"f{i:02}.txt"), "w") as out:
                out.write(f"file {d * 100 + i}\n")
    manifest = os.path.join(root, "m.json")
    took, rss, _ = run(["backup", "manifest", tree, "-o", manifest])
    assert rss < LIMIT_MIB, f"manifest: peak memory {rss} MiB over {LIMIT_MIB} MiB"
    print(f"PASS manifest of 100,000 files in {took:.1f} s, peak {rss} MiB (limit {LIMIT_MIB} MiB)")
    took, rss, out = run(["backup", "verify", manifest, tree, "--json"])
    assert '"exact": true' in out, out[:500]
    assert rss < LIMIT_MIB, f"verify: peak memory {rss} MiB over {LIMIT_MIB} MiB"
    print(f"PASS verify of 100,000 files in {took:.1f} s, peak {rss} MiB (limit {LIMIT_MIB} MiB)")
