"""opskit.docs on fixture trees written by the test; the SARIF output
validated against the SARIF 2.1.0 JSON Schema (vendored) by jsonschema."""

import json
import pathlib
import threading

import pytest

import opskit
from opskit import docs, types

ROOT = pathlib.Path(__file__).resolve().parents[2]


def keys(td):
    return set(td.__annotations__)


def write(root, rel, text):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


@pytest.fixture
def tree(tmp_path):
    write(tmp_path, "README.md",
          "# KB\n\n[deploy](ops/deploy.md#roll-back) [Case](ops/deploy.md#Roll-Back) "
          "[gone](ops/gone.md) [web](https://example.com)\n")
    write(tmp_path, "ops/deploy.md", "---\nowner: ops\n---\n# Deploy\n\n## Roll back\n")
    return tmp_path


def test_audit_findings_and_shapes(tree):
    a = docs.audit(tree, required_metadata=[])
    assert set(a) == keys(types.DocsAudit)
    assert [(f["rule"], f["target"]) for f in a["findings"]] == [
        ("anchor-case", "ops/deploy.md#Roll-Back"),
        ("broken-link", "ops/gone.md"),
    ]
    assert all(set(f) == keys(types.DocsFinding) for f in a["findings"])
    assert a["external_links"] == {"https://example.com": 1}
    assert "1 error(s), 1 warning(s), " in docs.to_text(a).splitlines()[0] and docs.to_text(a).endswith("note(s)\n")
    quiet = docs.audit(str(tree), anchor_case_warning=False, exclude=["ops/**"], required_metadata=[])
    assert [f["rule"] for f in quiet["findings"]] == ["broken-link"]
    # A baseline of today's findings leaves nothing.
    assert docs.apply_baseline(a, a)["findings"] == []
    assert docs.apply_baseline(a, [a["findings"][1]["fingerprint"]])["findings"] == a["findings"][:1]
    assert docs.apply_baseline(a, a)["baselined"] == len(a["findings"])
    # A SARIF log or other JSON is not a baseline: refused, not silently empty.
    with pytest.raises(opskit.InvalidInputError, match="SARIF log"):
        docs.apply_baseline(a, docs.to_sarif(a))
    with pytest.raises(opskit.InvalidInputError, match="not an opskit docs report"):
        docs.apply_baseline(a, {"foo": 1})
    with pytest.raises(opskit.InvalidInputError, match="unknown field"):
        docs.audit(tree, colour=1)
    with pytest.raises(opskit.NotFoundError):
        docs.audit(tree / "missing")


def test_sarif_validates_against_the_schema(tree):
    import jsonschema

    schema = json.loads((ROOT / "tests/docs/sarif-schema-2.1.0.json").read_text())
    log = docs.to_sarif(docs.audit(tree, required_metadata=[]))
    jsonschema.Draft4Validator(schema).validate(log)
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [r["id"] for r in docs.rules()]
    assert [r["ruleId"] for r in run["results"]] == ["DOCS003", "DOCS001"]
    # The validator catches a broken log (so the check above can fail).
    broken = json.loads(json.dumps(log))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert list(jsonschema.Draft4Validator(schema).iter_errors(broken))


def test_slugs_scan_and_policy():
    assert docs.slugs(["echo", "echo", "echo 1", "echo-1", "echo"]) == [
        "echo", "echo-1", "echo-1-1", "echo-1-2", "echo-2"]
    page = docs.scan_markdown("a.md", "# Title\n\n[x](b.md#c)\n")
    assert set(page) == keys(types.DocsPage)
    assert page["headings"][0]["anchor"] == "title"
    assert page["links"] == [{"target": "b.md#c", "line": 3, "column": 1, "kind": "link"}]
    assert docs.parse_policy('exclude = ["archive/**"]\n')["exclude"] == ["archive/**"]
    with pytest.raises(opskit.InvalidInputError, match="unknown field"):
        docs.parse_policy("colour = 1\n")


def test_audit_releases_the_gil(tmp_path):
    for i in range(300):
        write(tmp_path, f"p{i}.md", f"# P{i}\n\n" + "".join(f"[l](p{j}.md#p{j})\n" for j in range(60)))
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.001)

    t = threading.Thread(target=tick)
    t.start()
    a = docs.audit(tmp_path, required_metadata=[], entry_points=[])
    stop.set()
    t.join()
    assert a["pages"] == 300 and a["checked"] == 18000 and a["findings"] == []
    assert len(ticks) >= 3, len(ticks)


def test_owners_and_freshness_from_front_matter(tmp_path):
    write(tmp_path, "README.md", "---\nowner: ops\nlast_reviewed: 2026-01-01\n---\n# KB\n\n[a](a.md)\n")
    write(tmp_path, "a.md", "<!--* freshness: { owner: 'x' reviewed: '2026-sep-21' } *-->\n# A\n")
    write(tmp_path, "lonely.md", "# Lonely\n")
    a = docs.audit(tmp_path, as_of="2026-10-01")
    assert [(f["rule"], f["path"]) for f in a["findings"]] == [
        ("stale-page", "README.md"),
        ("missing-metadata", "lonely.md"),
        ("missing-metadata", "lonely.md"),
        ("orphan-page", "lonely.md"),
    ]
    stale = next(f for f in a["findings"] if f["rule"] == "stale-page")
    assert "a review was due 2026-04-01 (90 days)" in stale["message"]
    with pytest.raises(opskit.InvalidInputError, match="as_of"):
        docs.audit(tmp_path, as_of="tomorrow")


@pytest.fixture
def link_server():
    """A server on 127.0.0.1 answering by path: 200, 404, a 405 to HEAD only,
    a stall past the audit's timeout; it counts the requests it gets."""
    import http.server
    import time

    seen = []

    class H(http.server.BaseHTTPRequestHandler):
        def answer(self):
            seen.append((self.command, self.path))
            if self.path == "/stall":
                time.sleep(3)
            code = {"/ok": 200, "/no-head": 405 if self.command == "HEAD" else 200}.get(
                self.path, 200 if self.path == "/stall" else 404)
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_HEAD = do_GET = answer

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


def test_external_links_against_a_local_server(tmp_path, link_server):
    import socket
    import time

    base, seen = link_server
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    write(tmp_path, "README.md",
          f"# KB\n\n[ok]({base}/ok) [ok again]({base}/ok#frag) [gone]({base}/gone)\n"
          f"[no head]({base}/no-head) [stall]({base}/stall)\n[dead]({dead}/x)\n")
    cache = tmp_path / "links.json"
    opts = dict(required_metadata=[], entry_points=[], check_external=True,
                external={"timeout_seconds": 1.0, "per_host_delay_seconds": 0.0,
                          "cache_file": str(cache)})
    started = time.monotonic()
    a = docs.audit(tmp_path, **opts)
    assert time.monotonic() - started < 4
    got = [(f["rule"], f["line"], f["message"].replace(base, "B").replace(dead, "D"))
           for f in a["findings"]]
    assert got[:2] == [("broken-external-link", 3, "B/gone answered HTTP 404"),
                       ("broken-external-link", 4, "B/stall did not answer in time")]
    assert got[2][:2] == ("broken-external-link", 5) and got[2][2].startswith("D/x "), got
    assert len(got) == 3, got
    assert a["external_checked"] == 5
    assert "(0 checked, 6 external, 5 URL(s) checked)" in docs.to_text(a)
    # Each URL once (a fragment is not a new URL); HEAD then GET when HEAD fails.
    assert sorted(seen) == sorted([("HEAD", "/ok"), ("HEAD", "/gone"), ("GET", "/gone"),
                                   ("HEAD", "/no-head"), ("GET", "/no-head"), ("HEAD", "/stall")])
    assert cache.exists()
    # The second run answers from the cache file: no request at all.
    asked = len(seen)
    assert [f["message"] for f in docs.audit(tmp_path, **opts)["findings"]] == [
        f["message"] for f in a["findings"]]
    assert len(seen) == asked
    # Offline by default: the links are listed, not fetched.
    offline = docs.audit(tmp_path, required_metadata=[], entry_points=[])
    assert offline["findings"] == [] and len(seen) == asked
    assert offline["external_links"][f"{base}/ok"] == 1
    with pytest.raises(opskit.InvalidInputError, match="concurrency"):
        docs.audit(tmp_path, check_external=True, external={"concurrency": 0})
