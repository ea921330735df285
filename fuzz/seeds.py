#!/usr/bin/env python3
"""Write the committed seed corpora, fuzz/corpus/<target>/, from the shared
cases, the conformance suites and opskit's own files. Run from the repository
root: python3 fuzz/seeds.py. Fields in one input are separated by 0xFF (see
fuzz/src/lib.rs)."""
import hashlib
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "corpus"
SEP = b"\xff"


def enc(x):
    return x if isinstance(x, bytes) else (x if isinstance(x, str) else json.dumps(x)).encode()


def seed(target, *fields):
    data = SEP.join(enc(f) for f in fields)
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def cases(name):
    return json.loads((ROOT / "tests" / "cases" / f"{name}.json").read_text())["cases"]


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    version = cases("version")
    for c in version:
        args = c.get("args", {})
        vals = [v for v in args.values() if isinstance(v, str)]
        if c["call"] in ("parse_version", "compare", "satisfies", "bump", "sort_versions"):
            seed("version", *(vals + ["rc"])[:3])
        if c["call"] == "parse_commit_message":
            seed("commit", args.get("message", ""))
    for v in ["1.2.3", "0.0.0-alpha.1+build.5", "v1.2", "18446744073709551615.0.0", "1.0.0-0.3.7"]:
        seed("version", v, ">=1.0.0, <2.0.0-0", "beta")
    for m in ["feat(api)!: drop v1\n\nBREAKING CHANGE: gone\nRefs: #12\n",
              "fix: x\n\nbody\n\nReviewed-by: A <a@b.c>\n", "Merge branch 'x'", "revert: feat: y\n\nThis reverts commit abc.\n"]:
        seed("commit", m)
    for p, t, v in [("v{version}", "v1.2.3", "1.2.3"), ("api-v{version}", "api-v2.0.0-rc.1", "2.0.0-rc.1"),
                    ("{version}", "1.0.0+b", "1.0.0"), ("release/{version}-final", "release/3.1.4-final", "0.1.0")]:
        seed("tag_pattern", p, t, v)

    for c in cases("backup"):
        res = c.get("result")
        if c["call"] == "build_manifest" and isinstance(res, dict) and res.get("format"):
            seed("manifest", res)
        for k in ("manifest", "old", "new", "signature"):
            if isinstance(c.get("args", {}).get(k), dict):
                seed("manifest", c["args"][k])
        if c["call"] == "plan_retention":
            a = c["args"]
            seed("retention", a.get("snapshots", []), a.get("policy", {}), a.get("now") or "1y2m3d")
    restic = json.loads((ROOT / "tests/conformance/restic-forget/cases.json").read_text())
    for c in restic["cases"][:12]:
        seed("retention", restic["snapshots"][:40], c.get("policy", c), "2016-01-18T12:02:03Z")

    bag_files = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt", "fetch.txt"]
    for bag in sorted((ROOT / "tests/conformance/bagit").glob("*/*/*")):
        if not bag.is_dir():
            continue
        fields = [(bag / f).read_bytes() if (bag / f).is_file() else b"" for f in bag_files]
        if not fields[2]:
            for alt in ("manifest-md5.txt", "manifest-sha512.txt", "manifest-sha1.txt"):
                if (bag / alt).is_file():
                    fields[2] = (bag / alt).read_bytes()
        payload = sorted(p for p in (bag / "data").rglob("*") if p.is_file()) if (bag / "data").is_dir() else []
        fields.append(payload[0].read_bytes()[:4096] if payload else b"")
        seed("bagit", *fields)

    seed("health_policy", (ROOT / "tests/health/lint-policy.toml").read_bytes())
    for c in cases("health"):
        for k in ("toml", "policy", "text"):
            v = c.get("args", {}).get(k)
            if isinstance(v, str):
                seed("health_policy", v)
    seed("health_policy", "[[rule]]\nname = \"disk\"\nmetric = \"filesystems.used_ratio\"\nwarn = 0.8\ncrit = 0.9\nfor = \"5m\"\n")

    for p in sorted((ROOT / "docs").glob("*.md"))[:6] + [ROOT / "README.md", ROOT / "docs/audit.toml"]:
        seed("docs_scan", p.read_bytes()[:20000])
    for c in cases("docs"):
        for k in ("text", "html", "markdown"):
            v = c.get("args", {}).get(k)
            if isinstance(v, str):
                seed("docs_scan", v)

    seed("release_files", (ROOT / "Cargo.toml").read_bytes())
    seed("release_files", (ROOT / "bindings-node/package.json").read_bytes())
    seed("release_files", (ROOT / "CHANGELOG.md").read_bytes()[:6000])
    lock = (ROOT / "Cargo.lock").read_text()
    seed("release_files", lock[: lock.find("[[package]]", 3000)])
    seed("release_files", "[package]\nname = \"x\"\nversion = \"0.1.0\" # keep\n")

    # c_options: the first byte picks the function (see c_options.rs).
    opts = {
        0: {"tag_pattern": "v{version}", "preset": "conventional"}, 1: {"include_path": ["a.txt"]},
        3: {"tag_pattern": "v{version}"}, 8: {"branches": ["main"], "prefixes": ["feature/"]},
        10: ["1.0.0", "0.1.0", "1.0.0-rc.1"], 11: {"required": ["README.md"], "max_age_days": 30},
        12: ["Intro", "Intro", "A & B"], 16: {"algorithms": ["sha256"], "exclude": ["*.txt"]},
        17: {"fast": True}, 19: {"keep_daily": 3, "keep_within": "1y"}, 21: {"fast": True},
        24: [{"name": "load", "metric": "load.one", "warn": 4, "crit": 8, "for": "1m"}],
        26: [{"name": "disk", "status": "critical", "message": "full"}], 29: {"objective": 0.999},
        30: "[[rule]]\nname = \"mem\"\nmetric = \"memory.used_ratio\"\nwarn = 0.9\n",
        31: [{"name": "web", "kind": "http", "url": "http://127.0.0.1:1/"}],
    }
    for k, v in opts.items():
        seed("c_options", bytes([k]) + enc(v))


if __name__ == "__main__":
    main()
