#!/usr/bin/env python3
"""opskit's series beside node_exporter's, on this host, in one run.

    python3 tests/health/compare_node_exporter.py OPSKIT [NODE_EXPORTER]

Starts Debian's prometheus-node-exporter on 127.0.0.1 (upstream's default
mount-point filter, which opskit keeps; Debian's package widens it), scrapes
it, takes `opskit health prometheus`, scrapes it again, and compares every
series both export (node_exporter's `node_` names against opskit's
`opskit_` ones):

- properties (sizes, limits, MTU, speed, up/carrier, uname, os-release,
  the set of filesystems, disks and interfaces) must be equal;
- counters must lie between node_exporter's two scrapes (they only grow);
- fast-moving gauges (free memory, running tasks, allocated fds) are
  compared within a tolerance.

Then the same with `--names node`: node_exporter's exact names, label
sets and types (the `# TYPE` lines), and `promtool check metrics` may only
say of opskit what it says of node_exporter itself (its meminfo names are
camel case).

Also reads the kernel's own figures for a few (diskstats sectors × 512,
/proc/pressure totals) so both exporters are checked against the source.
Exits 1 and lists every difference.
"""

import math
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

OPSKIT = sys.argv[1]
NODE = (sys.argv[2] if len(sys.argv) > 2 else None) or shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
UPSTREAM_MOUNTS = r"^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def types(text):
    """{family: type} from the # TYPE lines."""
    return {p[2]: p[3] for p in (l.split() for l in text.splitlines() if l.startswith("# TYPE "))}


def lint(text):
    """promtool check metrics' findings, a set of lines."""
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    return {l for l in (r.stdout + r.stderr).splitlines() if l.strip()}


def parse(text):
    """{(name, frozenset(labels)): value}"""
    out = {}
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            labels = frozenset(LABEL.findall(m.group(3) or ""))
            out[(m.group(1), labels)] = float(m.group(4))
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def snake(field):
    """opskit's name for a meminfo field (report.rs `snake`)."""
    out = []
    for i, ch in enumerate(field):
        if ch.isupper() and i > 0:
            prev = field[i - 1]
            nxt = field[i + 1] if i + 1 < len(field) else ""
            acronym = i >= 2 and field[i - 2].isupper()
            if prev.islower() or (prev.isupper() and nxt.islower() and acronym):
                out.append("_")
        out.append(ch.lower())
    s = "".join(out)
    return "secondary_" + s[4:] if s.startswith("sec_") else s


def opskit_name(name):
    """The opskit series a node_exporter series corresponds to, or None."""
    m = re.match(r"node_memory_(\w+)_bytes$", name)
    if m:
        if m.group(1) in ("SwapTotal", "SwapFree"):
            return "opskit_memory_" + {"SwapTotal": "swap_total", "SwapFree": "swap_free"}[m.group(1)] + "_bytes"
        return "opskit_memory_" + snake(m.group(1)) + "_bytes"
    if name.startswith("node_vmstat_"):
        return "opskit_vmstat_" + name[len("node_vmstat_"):] + "_total"
    return "opskit_" + name[len("node_"):]


PROPERTIES = {
    "node_filefd_maximum", "node_network_mtu_bytes", "node_network_speed_bytes", "node_network_up",
    "node_network_carrier", "node_uname_info", "node_os_info", "node_os_version", "node_boot_time_seconds",
    "node_filesystem_size_bytes", "node_filesystem_files", "node_filesystem_readonly",
    "node_memory_MemTotal_bytes", "node_memory_SwapTotal_bytes", "node_memory_Hugepagesize_bytes",
    "node_memory_VmallocTotal_bytes", "node_memory_CommitLimit_bytes",
}
COUNTER = re.compile(r"_total$|^node_vmstat_|^node_disk_(?!io_now)|^node_time_seconds$")
# Gauges that move between two reads: relative tolerance.
LOOSE = re.compile(r"^node_(memory_|filesystem_(avail|free)_bytes|filesystem_files_free|procs_|filefd_allocated|disk_io_now|load)")
# Series only one side exports by design (docs/health.md says why):
# udev's disk_info, node_exporter's own build info, netlink-only nohandler
# counts, the time collector's clock sources and zone, huge pages (opskit
# exports them by state), and loopback (opskit leaves `lo` out, as netdev does).
SKIP = re.compile(r"^node_(memory_HugePages_|disk_info|exporter_build_info|network_(info|receive_nohandler_total|address_assign_type|device_id|dormant|flags|iface|name_assign_type|net_dev_group|protocol_type|transmit_queue_length|carrier_(up_|down_)?changes_total)|time_(clocksource|zone)|filesystem_device_error)")


def skipped(name, labels, value):
    if SKIP.search(name) or ("device", "lo") in labels:
        return True
    # node_exporter 1.5 reports an unknown link speed (-1 Mb/s) as -125000;
    # opskit leaves the series out.
    return name == "node_network_speed_bytes" and value < 0


def main():
    if not NODE:
        sys.exit("prometheus-node-exporter is not installed (apt-get install prometheus-node-exporter)")
    # The host moves while it is read (another build maps 250 MB between two
    # scrapes): a round that differs is read again, up to three times; a
    # real difference (a wrong field, a missing series) differs every time.
    for attempt in range(1, 4):
        problems = compare_once()
        if not problems:
            break
        for p in problems:
            print(f"DIFF (round {attempt})", p)
    if problems:
        sys.exit(1)
    print("PASS opskit and node_exporter agree on every shared series")


def compare_once():
    """One round: node_exporter, opskit (both namings), node_exporter again; the problems found."""
    port = free_port()
    collectors = ["cpu", "diskstats", "filefd", "filesystem", "loadavg", "meminfo", "netclass", "netdev",
                  "os", "pressure", "stat", "time", "uname", "vmstat"]
    args = [NODE, f"--web.listen-address=127.0.0.1:{port}", "--collector.disable-defaults",
            f"--collector.filesystem.mount-points-exclude={UPSTREAM_MOUNTS}"] + [f"--collector.{c}" for c in collectors]
    node = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        before_text = urllib.request.urlopen(url, timeout=5).read().decode()
        mine = parse(subprocess.run([OPSKIT, "health", "prometheus"], check=True, capture_output=True, text=True).stdout)
        node_text = subprocess.run([OPSKIT, "health", "prometheus", "--names", "node"], check=True, capture_output=True, text=True).stdout
        after = parse(urllib.request.urlopen(url, timeout=5).read().decode())
        before = parse(before_text)
        as_node = parse(node_text)
    finally:
        node.kill()
        node.wait()

    problems, compared = [], 0
    names_node = {n for n, _ in before if n.startswith("node_") and not n.startswith("node_scrape")}
    for (name, labels), b in sorted(before.items(), key=lambda kv: (kv[0][0], sorted(kv[0][1]))):
        if name not in names_node or skipped(name, labels, b):
            continue
        # node_exporter 1.5 labels a few series opskit leaves out
        key = (opskit_name(name), labels)
        if key not in mine:
            problems.append(f"missing in opskit: {name}{dict(labels)} = {b}")
            continue
        a, o = after.get((name, labels), b), mine[key]
        compared += 1
        if name in PROPERTIES:
            ok = o == b or o == a
        elif COUNTER.search(name):
            ok = min(a, b) - 1e-6 <= o <= max(a, b) + 1e-6
        elif LOOSE.search(name):
            # a gauge that moves: opskit read it between node_exporter's two
            # scrapes, so it may sit anywhere between them, plus the slack
            slack = max(0.02 * max(abs(a), abs(b)), 64 << 20 if "bytes" in name else 8)
            ok = min(a, b) - slack <= o <= max(a, b) + slack
        else:
            ok = o == b or o == a
        if not ok:
            problems.append(f"{name}{dict(labels)}: node_exporter {b} then {a}, opskit {o}")
    # The other way: every opskit series with a node_exporter counterpart among these collectors.
    wanted = {opskit_name(n) for n in names_node if not SKIP.search(n)}
    wanted.discard("opskit_time_seconds")
    for (name, labels) in mine:
        if name in wanted and not any(opskit_name(n) == name and l == labels for n, l in before):
            problems.append(f"only in opskit: {name}{dict(labels)}")
    # Node naming: the same series under node_exporter's own names, types
    # and labels; nothing promtool would not also say of node_exporter.
    node_types, their_types, node_compared = types(node_text), types(before_text), 0
    for (name, labels), b in before.items():
        if name not in names_node or skipped(name, labels, b):
            continue
        node_compared += 1
        if (name, labels) not in as_node:
            problems.append(f"--names node lacks {name}{dict(labels)}")
        elif node_types.get(name) != their_types.get(name):
            problems.append(f"--names node types {name} {node_types.get(name)}, node_exporter {their_types.get(name)}")
    extra = lint(node_text) - lint(before_text)
    problems += [f"promtool on --names node only: {l}" for l in sorted(extra)]
    print(f"# --names node: {node_compared} series checked for name, labels and type")
    # The kernel's own figures.
    with open("/proc/diskstats") as f:
        for line in f:
            p = line.split()
            key = ("opskit_disk_read_bytes_total", frozenset({("device", p[2])}))
            if key in mine and not (int(p[5]) * 512 - (64 << 20) <= mine[key] <= int(p[5]) * 512):
                problems.append(f"{p[2]}: read bytes {mine[key]} vs /proc/diskstats {int(p[5]) * 512}")
    for resource in ("cpu", "memory", "io"):
        try:
            text = open(f"/proc/pressure/{resource}").read()
        except OSError:
            continue
        some = int(re.search(r"some .*total=(\d+)", text).group(1)) / 1e6
        o = mine.get((f"opskit_pressure_{resource}_waiting_seconds_total", frozenset()))
        if o is None or not (some - 5 <= o <= some):
            problems.append(f"pressure {resource}: opskit {o}, kernel {some}")
    print(f"# {compared} series compared with node_exporter ({len(names_node)} names)")
    return problems


if __name__ == "__main__":
    main()
