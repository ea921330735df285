"""Every function and class of opskit.health, on this machine's real metrics."""

import socket
import threading
import time

import pytest

import opskit
from opskit import health as h
from opskit import types


def keys(td):
    return set(td.__annotations__)


def meminfo(key):
    for line in open("/proc/meminfo"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)


def test_collector_agrees_with_proc():
    c = h.Collector(first_sample_seconds=0)
    s = c.snapshot()
    assert set(s) == keys(types.HostSnapshot)
    assert set(s["memory"]) == keys(types.Memory) and set(s["host"]) == keys(types.HostInfo)
    for fs in s["filesystems"]:
        assert types.Filesystem.__required_keys__ <= set(fs) <= keys(types.Filesystem)
    assert set(s["process"]) == keys(types.ProcessInfo)
    assert s["first"] and s["cpu"]["usage_percent"] is None
    assert s["memory"]["total_bytes"] == meminfo("MemTotal")
    assert abs(s["load"]["one"] - float(open("/proc/loadavg").read().split()[0])) < 1.0
    assert s["process"]["pid"] > 0 and s["process"]["open_fds"] > 0
    time.sleep(0.25)
    s2 = c.snapshot()
    assert 0.0 <= s2["cpu"]["usage_percent"] <= 100.0
    with pytest.raises(opskit.UnsupportedError):
        h.Collector(proc_root="/nonexistent")
    with pytest.raises(opskit.InvalidInputError, match="unknown field"):
        h.Collector(proc="/proc")


def test_maintenance_reboot_required_and_upgrades(tmp_path):
    flag = tmp_path / "reboot-required"
    c = h.Collector(reboot_required_file=str(flag), mount_timeout_seconds=0.5)
    s = c.snapshot()
    assert s["maintenance"] == {"reboot_required": False, "reboot_packages": [], "upgrades": None}
    assert set(s["maintenance"]) == keys(types.MaintenanceState)
    flag.write_text("*** System restart required ***\n")
    (tmp_path / "reboot-required.pkgs").write_text("libc6\nlinux-base\nlibc6\n")
    s = c.snapshot()
    assert s["maintenance"]["reboot_required"]
    assert s["maintenance"]["reboot_packages"] == ["libc6", "linux-base"]
    check = next(r for r in h.Evaluator().evaluate(s) if r["name"] == "reboot_required")
    assert check["status"] == "warn", check
    assert "\nopskit_reboot_required 1\n" in h.exposition(s, [])
    with pytest.raises(opskit.InvalidInputError, match="mount_timeout_seconds"):
        h.Collector(mount_timeout_seconds=0)
    with pytest.raises(opskit.InvalidInputError, match="unknown variant"):
        h.Collector(apt_upgrades="sometimes")
    # In the background a snapshot does not wait for apt-get (seconds here).
    started = time.monotonic()
    assert h.Collector(apt_upgrades="background").snapshot()["maintenance"]["upgrades"] is None
    assert time.monotonic() - started < 1.0
    # Waiting, it has the answer, shaped as its TypedDict.
    u = h.Collector(apt_upgrades="wait").snapshot()["maintenance"]["upgrades"]
    assert types.Upgrades.__required_keys__ <= set(u) <= keys(types.Upgrades)
    assert u["pending"] == sum(g["count"] for g in u["groups"])
    assert all(set(g) == keys(types.UpgradeGroup) for g in u["groups"])


def test_rules_with_a_fake_clock_and_reports():
    s = h.Collector().snapshot()
    rule = {"name": "mem", "metric": "memory.used_percent", "warn": -1.0, "critical": 1000.0, "for": "5m"}
    e = h.Evaluator([rule])
    assert e.evaluate(s, now=0.0)[0]["status"] == "pass"     # pending
    checks = e.evaluate(s, now=301.0)
    assert checks[0]["status"] == "warn"
    assert set(checks[0]) == types.CheckResult.__required_keys__  # a rule's: no probe key
    doc, code = h.health_json(s, checks)
    assert code == 200 and doc["status"] == "warn"
    doc, code = h.health_json(s, checks, draining=True)
    assert code == 503 and doc["output"] == "draining"
    text = h.exposition(s, checks)
    assert "# TYPE opskit_cpu_seconds_total counter" in text and 'opskit_check_level{check="mem"} 1' in text
    assert h.exposition(s, checks, accept="application/openmetrics-text").endswith("# EOF\n")
    assert h.exposition_content_type("application/openmetrics-text").startswith("application/openmetrics-text")
    assert h.exposition_content_type().startswith("text/plain; version=0.0.4")
    assert [r["name"] for r in h.default_rules()][:2] == ["cpu_overload", "memory_pressure"]
    assert set(h.default_rules()[0]) == keys(types.HealthRule)
    with pytest.raises(opskit.InvalidInputError, match="unknown metric"):
        h.Evaluator([{"name": "x", "metric": "cpu.bogus", "warn": 1.0}])
    with pytest.raises(opskit.InvalidInputError, match="beyond critical"):
        h.Evaluator([{"name": "x", "metric": "cpu.usage_percent", "warn": 9.0, "critical": 1.0}])
    assert h.Evaluator().evaluate(s)[0]["name"] == "cpu_overload"


def test_probes_release_the_gil_and_keep_the_deadline():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    stall = socket.socket()
    stall.bind(("127.0.0.1", 0))
    stall.listen()
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.01)
    t = threading.Thread(target=tick)
    t.start()
    started = time.monotonic()
    r = h.run_probes([
        {"name": "open", "type": "tcp", "host": "127.0.0.1", "port": port},
        {"name": "stall", "type": "http", "url": f"http://127.0.0.1:{stall.getsockname()[1]}/", "timeout": "5s"},
    ], deadline=1.0)
    took = time.monotonic() - started
    stop.set()
    t.join()
    assert [(x["name"], x["status"]) for x in r] == [("open", "pass"), ("stall", "fail")]
    # A probe's result says which probe made it (the stalled one too), and
    # health+json reports it as a component's responseTime.
    assert [x.get("probe") for x in r] == ["tcp", "http"]
    assert all(set(x) == set(types.CheckResult.__annotations__) for x in r)
    doc, _ = h.health_json(h.Collector().snapshot(), r)
    assert doc["checks"]["open:responseTime"][0]["componentType"] == "component"
    assert took < 2.0 and len(ticks) >= 20, (took, len(ticks))
    with pytest.raises(opskit.InvalidInputError):
        h.run_probes([{"name": "x", "type": "smtp"}])
    listener.close()
    stall.close()


def test_availability_pagerduty_and_policy():
    samples = [{"time": m * 60.0, "up": m not in (10, 11, 12)} for m in range(101)]
    a = h.availability(samples, slo_percent=99.0)
    assert set(a) == keys(types.Availability)
    assert a["uptime_percent"] == 97.0 and a["mttr_seconds"] == 180.0
    with pytest.raises(opskit.InvalidInputError):
        h.availability(samples, slo_percent=100.0)
    pd = h.PagerDuty()
    check = {"name": "disk_full:/", "status": "fail", "value": 97.0, "unit": "percent",
             "threshold": 95.0, "since": None, "output": "disk full"}
    ev = pd.events([check], "web-01", 0.0, routing_key="k" * 32)
    assert ev[0]["event_action"] == "trigger" and ev[0]["dedup_key"] == "web-01/disk_full:/"
    check["status"] = "pass"
    assert pd.events([check], "web-01", 60.0, routing_key="k" * 32)[0]["event_action"] == "resolve"
    # The key's absence is core's to say, as in every front.
    with pytest.raises(opskit.InvalidInputError, match="routing key is empty"):
        pd.events([check], "web-01", 0.0)
    p = h.parse_policy('[[probe]]\nname = "api"\ntype = "tcp"\nhost = "127.0.0.1"\nport = 80\n')
    assert p["probe"][0]["port"] == 80
    with pytest.raises(opskit.InvalidInputError, match="unknown field"):
        h.parse_policy("colour = 1\n")


def test_send_event_retries_without_the_gil():
    """A local server answers 503 then 202; the event arrives twice, intact."""
    import http.server
    import json as _json

    answers = [(503, b"{}"), (202, b'{"status":"success","dedup_key":"web-01/disk_full:/"}')]
    bodies = []

    class H(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            bodies.append(_json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            code, body = answers.pop(0)
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), H)
    t = threading.Thread(target=server.serve_forever)
    t.start()
    try:
        check = {"name": "disk_full:/", "status": "fail", "value": 97.0, "unit": "percent",
                 "threshold": 95.0, "since": None, "output": "disk full"}
        ev = h.PagerDuty().events([check], "web-01", 0.0, routing_key="S" * 32)[0]
        r = h.send_event(ev, url=f"http://127.0.0.1:{server.server_address[1]}/v2/enqueue",
                         initial_backoff_seconds=0.01)
        assert set(r) == keys(types.SendReport)
        assert r == {"attempts": 2, "status": 202, "dedup_key": "web-01/disk_full:/"}
        assert bodies == [ev, ev]
        with pytest.raises(opskit.InvalidInputError, match="unknown field"):
            h.send_event(ev, retries=3)
        with pytest.raises(opskit.IoError) as info:
            h.send_event(ev, url="http://127.0.0.1:1/", attempts=1)
        assert "S" * 32 not in str(info.value)
    finally:
        server.shutdown()
        t.join()


def test_stateful_objects_are_shared_between_threads():
    # A threaded /metrics server written from the README shares one
    # Collector (and Evaluator, PagerDuty) between its threads: every call
    # must succeed, and nothing but an OpskitError may ever escape.
    collector = h.Collector(first_sample_seconds=0)
    evaluator = h.Evaluator()
    pager = h.PagerDuty()
    first = collector.snapshot()
    failures = []
    counts = {"snapshots": 0, "evaluations": 0, "events": 0}
    lock = threading.Lock()

    def work():
        try:
            for _ in range(60):
                s = collector.snapshot()
                checks = evaluator.evaluate(s)
                pager.events(checks, "web-1", s["time_seconds"], routing_key="R" * 32)
                with lock:
                    counts["snapshots"] += 1
                    counts["evaluations"] += 1
                    counts["events"] += 1
        except BaseException as e:  # noqa: BLE001 - any escape is the failure
            failures.append(repr(e))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert counts == {"snapshots": 480, "evaluations": 480, "events": 480}
    # The shared collector kept its state: rates are there after the first.
    time.sleep(0.3)
    s = collector.snapshot()
    assert s["cpu"]["usage_percent"] is not None and first["cpu"]["usage_percent"] is None
