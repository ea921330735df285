"""The same calls from many threads at once give the same results as one at
a time (each family; the GIL is released inside, so the calls overlap), and
each thread's errors are its own."""

import concurrent.futures
import pathlib

import pytest

import opskit
from opskit import backup, docs, health, version


def test_many_threads_same_results(repo, tmp_path):
    tree = tmp_path / "tree"
    for i in range(60):
        p = tree / f"d{i % 5}" / f"f{i}.txt"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(bytes([i]) * (i * 997))
    kb = tmp_path / "kb"
    kb.mkdir()
    for i in range(40):
        (kb / f"p{i}.md").write_text(f"# P{i}\n\n" + "".join(f"[l](p{j}.md#p{j}) " for j in range(i, i + 5)) + "\n")
    calls = [
        lambda: version.next_version(repo),
        lambda: version.changelog(repo, range="all"),
        lambda: version.bump("1.2.3", "preminor", "rc"),
        lambda: backup.build_manifest(tree, algorithms=["blake3", "sha256"])["entries"],
        lambda: docs.audit(kb, required_metadata=[], entry_points=[]),
        lambda: sorted(health.Collector().snapshot()["memory"]),
        lambda: health.availability([{"time": 0, "up": True}, {"time": 60, "up": False}, {"time": 120, "up": True}]),
    ]
    alone = [c() for c in calls]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
        futures = [ex.submit(calls[i % len(calls)]) for i in range(8 * len(calls))]
        for i, f in enumerate(futures):
            assert f.result() == alone[i % len(calls)], i % len(calls)


def test_each_thread_gets_its_own_error(tmp_path):
    def bad(i):
        with pytest.raises(opskit.InvalidInputError) as e:
            version.bump(f"not-a-version-{i}", "minor")
        return str(e.value)

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
        for i, msg in enumerate(ex.map(bad, range(64))):
            assert f"not-a-version-{i}" in msg
