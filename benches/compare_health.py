#!/usr/bin/env python3
"""Time scrapes of `opskit health serve` beside prometheus-node-exporter
(Debian) on this machine and print the ratios (README figures).

    python3 benches/compare_health.py [--scrapes N] [--requests N]

Needs a release build of the CLI (made here), prometheus-node-exporter and
ApacheBench (`apt-get install prometheus-node-exporter apache2-utils`).

1. Scrape latency: each server on 127.0.0.1 is scraped N times (default
   200) after 20 warm-up scrapes, one at a time over a fresh connection;
   median and p90 wall times. opskit runs fresh (`--refresh 0s`: a
   snapshot, the rules and the exposition on every scrape, as
   node_exporter collects on every scrape) and as deployed (the default:
   a background refresh every second, the exposition rendered once per
   refresh). node_exporter runs with the same collectors opskit covers
   (cpu, meminfo, loadavg, filesystem, netdev, netclass, stat, time,
   diskstats, pressure, vmstat, filefd, uname, os) and with its defaults.
2. Throughput: `ab -k -c 50` (50 keep-alive clients) for `--requests`
   requests (default 20,000) to each server's /metrics; requests per
   second and ab's p99.
"""

import argparse
import pathlib
import re
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
# The collectors opskit covers, with upstream's mount-point filter (opskit's).
SAME = ["--collector.disable-defaults"] + [f"--collector.{c}" for c in (
    "cpu", "meminfo", "loadavg", "filesystem", "netdev", "netclass", "stat", "time",
    "diskstats", "pressure", "vmstat", "filefd", "uname", "os")] + [
    "--collector.filesystem.mount-points-exclude=^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"]


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


def throughput(url, requests):
    """ab -k -c 50: requests per second and the 99th percentile in ms."""
    out = subprocess.run(["ab", "-q", "-k", "-c", "50", "-n", str(requests), url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests per second:\s+([\d.]+)", out).group(1))
    p99 = float(re.search(r"^\s+99%\s+(\d+)", out, re.M).group(1))
    # ab counts a body whose length differs from the first as "failed"
    # (Length); a metrics body changes with every snapshot, so only
    # connection, receive and exception failures and non-2xx answers count.
    m = re.search(r"\(Connect: (\d+), Receive: (\d+), Length: \d+, Exceptions: (\d+)\)", out)
    failed = sum(int(x) for x in m.groups()) if m else 0
    non2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    return rps, p99, failed + (int(non2xx.group(1)) if non2xx else 0)


def measure(name, argv, n, requests):
    port = free_port()
    url = f"http://127.0.0.1:{port}/metrics"
    argv = [a.replace("{port}", str(port)) for a in argv]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_up(url, proc)
        med, p90, size, series = time_scrapes(url, n)
        rps, p99, bad = throughput(url, requests)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"{name:<36} median {med * 1e3:6.2f} ms  p90 {p90 * 1e3:6.2f} ms  {series:5d} series  "
          f"{size:7d} bytes  | ab -k -c 50: {rps:8.0f} req/s, p99 {p99:4.0f} ms, {bad} failed")
    return med, rps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scrapes", type=int, default=200)
    ap.add_argument("--requests", type=int, default=20000)
    a = ap.parse_args()
    if not NODE_EXPORTER or not shutil.which("ab"):
        sys.exit("needs prometheus-node-exporter and ab: apt-get install prometheus-node-exporter apache2-utils")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "opskit-cli", "--locked", "--target", HOST], cwd=ROOT, check=True)
    serve = [str(OPSKIT), "health", "serve", "--listen", "127.0.0.1:{port}"]
    r = {}
    r["fresh"] = measure("opskit serve --refresh 0s (fresh)", serve + ["--refresh", "0s"], a.scrapes, a.requests)
    r["cached"] = measure("opskit serve (background refresh)", serve, a.scrapes, a.requests)
    r["same"] = measure("node_exporter, the same collectors", [NODE_EXPORTER, "--web.listen-address=127.0.0.1:{port}", *SAME],
                        a.scrapes, a.requests)
    r["defaults"] = measure("node_exporter, defaults", [NODE_EXPORTER, "--web.listen-address=127.0.0.1:{port}"],
                            a.scrapes, a.requests)
    same = r["same"][0]
    print(f"median scrape: fresh opskit {same / r['fresh'][0]:.1f}x faster than node_exporter on the same collectors, "
          f"cached {same / r['cached'][0]:.1f}x; throughput {r['cached'][1] / r['same'][1]:.1f}x (cached) "
          f"and {r['fresh'][1] / r['same'][1]:.1f}x (fresh)")


if __name__ == "__main__":
    main()
