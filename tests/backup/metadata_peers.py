#!/usr/bin/env python3
"""opskit's recorded metadata beside what restic, getfattr, getfacl and find see.

    python3 tests/backup/metadata_peers.py OPSKIT TREE

Builds the manifest of TREE and compares, entry by entry: owner, group,
mode (permission and setuid/setgid/sticky bits) and mtime with the nodes
of a restic 0.14 snapshot of TREE (`restic ls --json`); extended
attributes with `getfattr -d -m - -e hex -h`; access and default ACLs with
`getfacl -cnEp`; hard-link groups with the inode numbers and link counts
`find -printf` reports. Prints the counts compared and exits 1 listing
every difference. `restore_matrix.py` runs it on its tree in `make test`;
run it on any real tree by hand.
"""

import collections
import datetime
import json
import os
import pathlib
import subprocess
import sys
import tempfile

# Go's os.FileMode bits, as restic records them.
GO_SETUID, GO_SETGID, GO_STICKY = 1 << 23, 1 << 22, 1 << 20


def run(*argv, cwd=None, env=None):
    r = subprocess.run(argv, cwd=cwd, env=env, capture_output=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(map(str, argv))} failed ({r.returncode}): {r.stderr.decode(errors='replace').strip()}")
    return r.stdout


def ns(rfc3339):
    """Nanoseconds since the epoch of an RFC 3339 time with up to 9 fraction digits."""
    head, _, rest = rfc3339.partition(".")
    frac = ""
    zone = "Z"
    if rest:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        frac, zone = rest[:digits], rest[digits:]
    else:
        for i, c in enumerate(head[19:]):
            if c in "Z+-":
                head, zone = head[: 19 + i], head[19 + i:]
                break
    dt = datetime.datetime.fromisoformat(head[:19] + ("+00:00" if zone == "Z" else zone))
    return int(dt.timestamp()) * 10**9 + int((frac + "000000000")[:9])


def unescape(name):
    """getfattr and getfacl write odd bytes of a name as octal escapes (\\012)."""
    raw = name.encode("utf-8", "surrogateescape")
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i] == 0x5C and raw[i + 1:i + 4].isdigit() and len(raw[i + 1:i + 4]) == 3:
            out.append(int(raw[i + 1:i + 4], 8))
            i += 4
        elif raw[i] == 0x5C and raw[i + 1:i + 2] == b"\\":
            out.append(0x5C)
            i += 2
        else:
            out.append(raw[i])
            i += 1
    return out.decode("utf-8", "surrogateescape")


def file_blocks(text, header="# file: "):
    """`# file: PATH` blocks of getfattr/getfacl output: path -> lines."""
    out, path = {}, None
    for line in text.splitlines():
        if line.startswith(header):
            path = line[len(header):]
            out[path] = []
        elif line and path is not None and not line.startswith("#"):
            out[path].append(line)
    return out


def compare(opskit, tree):
    tree = pathlib.Path(tree).resolve()
    diffs = []
    with tempfile.TemporaryDirectory(prefix="opskit-peers-") as t:
        manifest = pathlib.Path(t) / "m.json"
        run(opskit, "backup", "manifest", str(tree), "-o", str(manifest), "--allow-skipped")
        entries = {e["path"]: e for e in json.loads(manifest.read_text())["entries"]}

        # restic: owner, mode, mtime of every node.
        env = dict(os.environ, RESTIC_PASSWORD="peers", RESTIC_REPOSITORY=str(pathlib.Path(t) / "repo"))
        run("restic", "init", env=env)
        run("restic", "backup", "--no-cache", "-q", ".", cwd=tree, env=env)
        nodes = 0
        for line in run("restic", "ls", "--no-cache", "--json", "latest", env=env).splitlines():
            n = json.loads(line)
            if n.get("struct_type") != "node":
                continue
            path = n["path"].lstrip("/")
            e = entries.get(path)
            if e is None:
                diffs.append(f"{path}: in restic's snapshot, not in the manifest")
                continue
            nodes += 1
            bits = int(e["mode"], 8)
            special = (GO_SETUID if bits & 0o4000 else 0) | (GO_SETGID if bits & 0o2000 else 0) | (GO_STICKY if bits & 0o1000 else 0)
            mine = (e["uid"], e["gid"], bits & 0o777, special, ns(e["mtime"]))
            theirs = (n["uid"], n["gid"], n["mode"] & 0o777, n["mode"] & (GO_SETUID | GO_SETGID | GO_STICKY), ns(n["mtime"]))
            if mine != theirs:
                diffs.append(f"{path}: opskit (uid, gid, mode, special, mtime ns) {mine}, restic {theirs}")
        if nodes != len(entries):
            diffs.append(f"restic lists {nodes} of the manifest's {len(entries)} entries")

        # getfattr: every xattr but the ACLs, values in hex.
        text = subprocess.run(["getfattr", "-R", "-d", "-m", "-", "-e", "hex", "-h", "."], cwd=tree,
                              capture_output=True).stdout.decode("utf-8", "surrogateescape")
        xattrs = 0
        seen = {}
        for path, lines in file_blocks(text).items():
            got = {}
            for line in lines:
                name, _, value = line.partition("=")
                if not name.startswith("system.posix_acl_"):
                    got[name] = value.removeprefix("0x")
            seen[unescape(path).removeprefix("./")] = got
        for path, e in entries.items():
            want = seen.get(path, {})
            xattrs += len(want)
            if e.get("xattrs", {}) != want:
                diffs.append(f"{path}: opskit xattrs {e.get('xattrs', {})}, getfattr {want}")

        # getfacl: access and default ACLs beyond the mode (-s: only entries that have one).
        text = subprocess.run(["getfacl", "-R", "-n", "-E", "-p", "-s", "."], cwd=tree,
                              capture_output=True).stdout.decode("utf-8", "surrogateescape")
        listed = {unescape(p).removeprefix("./"): lines for p, lines in file_blocks(text).items()}
        acls = 0
        for path, e in entries.items():
            lines = listed.get(path, [])
            access = [x for x in lines if not x.startswith("default:")]
            default = [x.removeprefix("default:") for x in lines if x.startswith("default:")]
            base = all(x.split(":")[1] == "" for x in access)
            want = (None if base else ",".join(access), ",".join(default) or None)
            acls += sum(x is not None for x in want)
            if (e.get("acl"), e.get("default_acl")) != want:
                diffs.append(f"{path}: opskit acl {e.get('acl')!r} default {e.get('default_acl')!r}, getfacl {want}")

        # find: inode numbers and link counts make the hard-link groups.
        raw = run("find", ".", "-mindepth", "1", "-printf", r"%P\0%i\0%n\0%y\0", cwd=tree).split(b"\0")
        by_inode = collections.defaultdict(list)
        for i in range(0, len(raw) - 1, 4):
            path, ino, links, kind = raw[i].decode(errors="surrogateescape"), raw[i + 1], int(raw[i + 2]), raw[i + 3]
            if links > 1 and kind != b"d" and path in entries:
                by_inode[ino].append(path)
        theirs = sorted(sorted(g) for g in by_inode.values() if len(g) > 1)
        groups = collections.defaultdict(list)
        for path, e in entries.items():
            if "link_group" in e:
                groups[e["link_group"]].append(path)
        mine = sorted(sorted(g) for g in groups.values())
        if mine != theirs:
            diffs.append(f"hard-link groups: opskit {mine}, find {theirs}")
    return {"entries": len(entries), "restic_nodes": nodes, "xattrs": xattrs, "acls": acls,
            "link_groups": len(mine), "differences": diffs}


def main():
    r = compare(sys.argv[1], sys.argv[2])
    for d in r["differences"]:
        print(d, file=sys.stderr)
    print(f"{r['entries']} entries: owner, mode and mtime of {r['restic_nodes']} restic nodes, "
          f"{r['xattrs']} xattrs, {r['acls']} ACLs, {r['link_groups']} hard-link groups compared; "
          f"{len(r['differences'])} differences")
    sys.exit(1 if r["differences"] else 0)


if __name__ == "__main__":
    main()
