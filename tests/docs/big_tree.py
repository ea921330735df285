#!/usr/bin/env python3
"""A 100,000-page tree (200,000 links) through `opskit docs audit`: every
page audited, no finding, and the peak memory of the run stays under a
bound (it grows with the pages held, about 1.7 KiB each here).

    python3 tests/docs/big_tree.py OPSKIT
"""

import os
import resource
import subprocess
import sys
import tempfile
import time

LIMIT_MIB = 512

opskit = sys.argv[1]
with tempfile.TemporaryDirectory() as root:
    for f in range(1000):
        d = os.path.join(root, f"d{f:03}")
        os.mkdir(d)
        for i in range(100):
            with open(os.path.join(d, f"p{i:02}.md"), "w") as out:
                out.write(f"# P{f * 100 + i}\n\n[next](p{(i + 1) % 100:02}.md#p{f * 100 + (i + 1) % 100}) "
                          f"[up](../d{(f + 1) % 1000:03}/p00.md)\n")
    start = time.perf_counter()
    run = subprocess.run([opskit, "docs", "audit", root, "--policy", "/dev/stdin", "--format", "json"],
                         input="required_metadata = []\nentry_points = []\ngit_history = false\n",
                         capture_output=True, text=True)
    took = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    assert run.returncode == 0, run.stderr
    import json
    report = json.loads(run.stdout)
    assert (report["pages"], report["links"], report["findings"]) == (100_000, 200_000, []), report["pages"]
    assert rss < LIMIT_MIB, f"peak memory {rss} MiB over {LIMIT_MIB} MiB"
    print(f"PASS 100,000 pages, 200,000 links in {took:.1f} s, peak {rss} MiB (limit {LIMIT_MIB} MiB)")
