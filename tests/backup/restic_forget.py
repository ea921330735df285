#!/usr/bin/env python3
"""opskit's retention beside `restic forget` on a real restic repository.

    python3 tests/backup/restic_forget.py OPSKIT [RESTIC]

Makes a repository with Debian's restic: 112 snapshots over two years
(`--time`), two hosts (db1 in UTC, web1 in UTC+09:00, whose snapshots
record that offset), two path sets and tags. Then, for 20 policies and 6
groupings (restic's default `host,paths`, `host`, `paths`, `tags`,
`host,tags` and none), compares every group's keep and remove lists of
`restic forget --dry-run --json --group-by …` with
`opskit backup retention --group-by … --restic-compat 0.14 --json`
(restic 0.14's rules: equal, id for id). With the current rules (restic
0.16 and later) the only differences allowed are snapshots opskit keeps
as the "oldest" of a bucket not filled, the rule 0.14 lacks.
Exits 1 and lists every difference.
"""

import concurrent.futures
import datetime
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

OPSKIT = sys.argv[1]
RESTIC = (sys.argv[2] if len(sys.argv) > 2 else None) or shutil.which("restic")

POLICIES = [
    ["--keep-last", "5"],
    ["--keep-daily", "7"],
    ["--keep-daily", "7", "--keep-weekly", "4", "--keep-monthly", "6", "--keep-yearly", "2"],
    ["--keep-hourly", "24"],
    ["--keep-weekly", "8"],
    ["--keep-monthly", "12"],
    ["--keep-yearly", "3"],
    ["--keep-last", "3", "--keep-monthly", "3"],
    ["--keep-within", "30d"],
    ["--keep-within", "1y2m"],
    ["--keep-within-daily", "14d"],
    ["--keep-within-weekly", "2m"],
    ["--keep-within-monthly", "1y"],
    ["--keep-within-yearly", "2y"],
    ["--keep-within-hourly", "3d"],
    ["--keep-tag", "manual"],
    ["--keep-tag", "manual", "--keep-daily", "3"],
    ["--keep-daily", "30", "--keep-within", "7d"],
    ["--keep-last", "1", "--keep-weekly", "2", "--keep-within-monthly", "6m"],
    ["--keep-monthly", "24", "--keep-yearly", "10"],
]
GROUPINGS = ["host,paths", "host", "paths", "tags", "host,tags", ""]


def run(argv, env, **kw):
    r = subprocess.run(argv, env=env, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout


def make_repo(work):
    env = dict(os.environ, RESTIC_REPOSITORY=str(work / "repo"), RESTIC_PASSWORD="opskit-test",
               RESTIC_CACHE_DIR=str(work / "cache"))
    run([RESTIC, "init"], env)
    for d in ("etc", "srv"):
        (work / d).mkdir()
        (work / d / "f").write_text(d)
    start = datetime.datetime(2024, 12, 1, 3, 0)
    n = 0
    # Daily-ish for two years, thinning out: a calendar with gaps, two hosts.
    days = sorted({int(i * i / 110) for i in range(0, 160)} | set(range(700, 730)))
    jobs = []
    for i, day in enumerate(days[:56]):
        for host, tz, hour in (("db1", "UTC", 3), ("web1", "Asia/Tokyo", 22)):
            when = start + datetime.timedelta(days=day * 1.0, hours=hour - 3 + (i % 3))
            paths = [str(work / "etc")] if i % 4 else [str(work / "etc"), str(work / "srv")]
            tags = ["manual"] if i % 9 == 0 else (["nightly"] if i % 2 else [])
            argv = [RESTIC, "backup", "-q", "--host", host, "--time", when.strftime("%Y-%m-%d %H:%M:%S")]
            for t in tags:
                argv += ["--tag", t]
            jobs.append((argv + paths, dict(env, TZ=tz)))
            n += 1
    # restic backups share the repository's lock: four at a time (each
    # spends most of its time deriving the key).
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda j: run(j[0], j[1], cwd=work), jobs))
    return env, n


def main():
    if not RESTIC:
        sys.exit("restic is not installed (apt-get install restic)")
    work = pathlib.Path(tempfile.mkdtemp(prefix="opskit-restic-"))
    try:
        env, n = make_repo(work)
        snaps = run([RESTIC, "snapshots", "--json"], env)
        (work / "snapshots.json").write_text(snaps)
        listed = json.loads(snaps)
        assert len(listed) == n >= 100, (len(listed), n)
        assert any(s["time"].endswith("+09:00") for s in listed), "web1's offset was not recorded"
        problems, compared, oldest = [], 0, 0
        cases = [(p, g) for p in POLICIES for g in GROUPINGS]

        def restic_plan(case):
            policy, grouping = case
            # A dry run changes nothing: without the lock, several at once.
            return json.loads(run([RESTIC, "--no-lock", "forget", "--dry-run", "--json", "--group-by", grouping, *policy], env))
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            plans = list(pool.map(restic_plan, cases))
        for (policy, grouping), theirs in zip(cases, plans):
            want = {}
            for g in theirs:
                key = ((g["host"] or None) if "host" in grouping else None,
                       tuple(sorted(g["paths"] or [])) if "paths" in grouping else None,
                       tuple(sorted(g["tags"] or [])) if "tags" in grouping else None)
                want[key] = ({s["id"] for s in g["keep"] or []}, {s["id"] for s in g["remove"] or []})
            for compat in ("0.14", "current"):
                out = run([OPSKIT, "backup", "retention", str(work / "snapshots.json"), "--group-by", grouping,
                           "--restic-compat", compat, "--json", *policy], env)
                plan = json.loads(out)
                got = {}
                for g in plan["groups"]:
                    k = g["key"]
                    key = (k["host"] or None if k["host"] is not None else None,
                           tuple(k["paths"]) if k["paths"] is not None else None,
                           tuple(k["tags"]) if k["tags"] is not None else None)
                    got[key] = ({x["snapshot"]["id"] for x in g["keep"]}, {s["id"] for s in g["remove"]},
                                {x["snapshot"]["id"] for x in g["keep"] if all(r.startswith("oldest ") for r in x["reasons"])})
                label = f"{' '.join(policy)} --group-by {grouping!r} ({compat})"
                if set(got) != set(want):
                    problems.append(f"{label}: groups {sorted(map(str, got))} vs restic {sorted(map(str, want))}")
                    continue
                for key, (keep, remove) in want.items():
                    mk, mr, only_oldest = got[key]
                    compared += 1
                    if compat == "0.14":
                        if (mk, mr) != (keep, remove):
                            problems.append(f"{label} {key}: keep +{sorted(mk - keep)} -{sorted(keep - mk)}")
                    else:
                        extra = mk - keep
                        oldest += len(extra)
                        if keep - mk or extra - only_oldest:
                            problems.append(f"{label} {key}: beyond the oldest rule: +{sorted(extra - only_oldest)} -{sorted(keep - mk)}")
        print(f"# {n} snapshots, {len(POLICIES)} policies x {len(GROUPINGS)} groupings: {compared} group plans compared "
              f"with restic {run([RESTIC, 'version'], env).split()[1]}; the current rules kept {oldest} more as a bucket's oldest")
        for p in problems:
            print("DIFF", p)
        if problems:
            sys.exit(1)
        print("PASS opskit's retention equals restic forget's, group by group")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
