#!/usr/bin/env python3
"""Time scrapes of `opskit health serve` beside prometheus-node-exporter
(Debian) on this machine and print the ratios (README figures).

    python3 benches/compare_health.py [--scrapes N]

Needs a release build of the CLI (made here) and prometheus-node-exporter
(`apt-get install prometheus-node-exporter`). Each server listens on
127.0.0.1; each is scraped N times (default 200) after 20 warm-up scrapes,
one at a time, over a fresh connection as Prometheus' default does; the
median and p90 wall times are printed. node_exporter runs twice: with its
defaults, and with a minimal set covering the families opskit exposes
(cpu, meminfo, loadavg, filesystem, netdev, stat, time).
"""

import argparse
import pathlib
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
# The host triple: make builds into target/<host>/ (see the Makefile).
HOST = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout.split("host: ")[1].split()[0]
OPSKIT = ROOT / "target" / HOST / "release/opskit"
NODE_EXPORTER = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
MINIMAL = ["--collector.disable-defaults", "--collector.cpu", "--collector.meminfo",
           "--collector.loadavg", "--collector.filesystem", "--collector.netdev",
           "--collector.stat", "--collector.time"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url, proc):
    for _ in range(200):
        if proc.poll() is not None:
            sys.exit(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{url} never answered")


def time_scrapes(url, n):
    for _ in range(20):
        urllib.request.urlopen(url, timeout=5).read()
    times, size, series = [], 0, 0
    for _ in range(n):
        t = time.perf_counter()
        body = urllib.request.urlopen(url, timeout=5).read()
        times.append(time.perf_counter() - t)
        size = len(body)
        series = sum(1 for line in body.splitlines() if line and not line.startswith(b"#"))
    times.sort()
    return statistics.median(times), times[int(0.9 * (len(times) - 1))], size, series


def measure(name, argv, url, n):
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_up(url, proc)
        med, p90, size, series = time_scrapes(url, n)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"{name:<34} median {med * 1e3:7.2f} ms  p90 {p90 * 1e3:7.2f} ms  {series:5d} series  {size:7d} bytes")
    return med


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scrapes", type=int, default=200)
    a = ap.parse_args()
    if not NODE_EXPORTER:
        sys.exit("prometheus-node-exporter not found: apt-get install prometheus-node-exporter")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "opskit-cli", "--locked"], cwd=ROOT, check=True)
    results = {}
    port = free_port()
    # --refresh 0s: a fresh snapshot and evaluation on every scrape, as node_exporter does.
    results["opskit"] = measure("opskit health serve --refresh 0s", [str(OPSKIT), "health", "serve", "--listen", f"127.0.0.1:{port}", "--refresh", "0s"],
                                f"http://127.0.0.1:{port}/metrics", a.scrapes)
    port = free_port()
    # The default (a snapshot answers scrapes for 1 s): what is left is HTTP
    # and this client, the floor under every row.
    results["cached"] = measure("opskit health serve (default 1s)", [str(OPSKIT), "health", "serve", "--listen", f"127.0.0.1:{port}"],
                                f"http://127.0.0.1:{port}/metrics", a.scrapes)
    port = free_port()
    results["minimal"] = measure("node_exporter (minimal set)", [NODE_EXPORTER, f"--web.listen-address=127.0.0.1:{port}", *MINIMAL],
                                 f"http://127.0.0.1:{port}/metrics", a.scrapes)
    port = free_port()
    results["defaults"] = measure("node_exporter (defaults)", [NODE_EXPORTER, f"--web.listen-address=127.0.0.1:{port}"],
                                  f"http://127.0.0.1:{port}/metrics", a.scrapes)
    print(f"opskit is {results['minimal'] / results['opskit']:.1f}x faster than node_exporter's minimal set, "
          f"{results['defaults'] / results['opskit']:.1f}x faster than its defaults (median scrape)")


if __name__ == "__main__":
    main()
