#!/usr/bin/env python3
"""Cargo, Python and npm carry one version (what `make release-check`
checks after the dry run, and what `opskit version release` keeps true).
Usage: python3 tests/install/versions_agree.py [OPSKIT_BINARY]"""

import json
import pathlib
import re
import subprocess
import sys
import tomllib

root = pathlib.Path(__file__).resolve().parents[2]
cargo = tomllib.loads((root / "Cargo.toml").read_text())
want = cargo["workspace"]["package"]["version"]
found = {"Cargo.toml [workspace.package]": want}
for member in cargo["workspace"]["members"]:
    pkg = tomllib.loads((root / member / "Cargo.toml").read_text())["package"]
    found[f"{member}/Cargo.toml"] = want if pkg["version"] == {"workspace": True} else pkg["version"]
lock = tomllib.loads((root / "Cargo.lock").read_text())
names = {tomllib.loads((root / m / "Cargo.toml").read_text())["package"]["name"] for m in cargo["workspace"]["members"]}
for p in lock["package"]:
    if p["name"] in names and "source" not in p:
        found[f"Cargo.lock {p['name']}"] = p["version"]
pyproject = tomllib.loads((root / "bindings-python/pyproject.toml").read_text())["project"]
found["pyproject.toml (dynamic: maturin reads Cargo)"] = want if "version" in pyproject.get("dynamic", []) else pyproject.get("version")
node = root / "bindings-node"
found["package.json"] = json.loads((node / "package.json").read_text())["version"]
plock = json.loads((node / "package-lock.json").read_text())
found["package-lock.json"] = plock["version"]
found['package-lock.json packages[""]'] = plock["packages"][""]["version"]
for v in set(re.findall(r"(?:!== '|expected )([0-9]+\.[0-9]+\.[0-9]+[^' ]*)", (node / "index.js").read_text())):
    found[f"index.js {v}"] = v
if len(sys.argv) > 1:
    out = subprocess.run([sys.argv[1], "--version"], capture_output=True, text=True, check=True).stdout.split()
    found["opskit --version"] = out[-1]
bad = {k: v for k, v in found.items() if v != want}
for k, v in found.items():
    print(f"{'ok  ' if v == want else 'BAD '} {v:<12} {k}")
if bad:
    sys.exit(f"FAIL versions disagree with the workspace's {want}: {bad}")
print(f"PASS Cargo, Python and npm all say {want}")
