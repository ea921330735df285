"""Every error kind maps to its class, code and built-in base."""

import builtins
import threading
import time
import subprocess

import pytest

import opskit
from opskit import exceptions
from opskit._native import testing
from opskit import version as v

EXPECTED = {
    10: ("InvalidInputError", ValueError, "ERR_OPSKIT_INVALID_INPUT"),
    20: ("NotFoundError", FileNotFoundError, "ERR_OPSKIT_NOT_FOUND"),
    21: ("PermissionDeniedError", PermissionError, "ERR_OPSKIT_PERMISSION"),
    22: ("IoError", OSError, "ERR_OPSKIT_IO"),
    30: ("GitError", Exception, "ERR_OPSKIT_GIT"),
    40: ("IntegrityError", Exception, "ERR_OPSKIT_INTEGRITY"),
    50: ("TimeoutError", builtins.TimeoutError, "ERR_OPSKIT_TIMEOUT"),
    60: ("UnsupportedError", Exception, "ERR_OPSKIT_UNSUPPORTED"),
}


def test_mapping_is_total():
    assert sorted(testing.error_codes()) == sorted(EXPECTED)
    for code, (name, builtin, js) in EXPECTED.items():
        with pytest.raises(opskit.OpskitError) as info:
            testing.raise_error(code)
        err = info.value
        assert type(err).__name__ == name
        assert type(err) is getattr(exceptions, name) is getattr(opskit, name)
        assert isinstance(err, builtin)
        assert err.code == code and err.js_code == js
        assert "test error" in str(err)


def test_real_errors(tmp_path):
    with pytest.raises(opskit.InvalidInputError, match="prefix"):
        v.parse_version("v1.2.3")
    with pytest.raises(ValueError):
        v.bump("1.2.3", "huge")
    with pytest.raises(opskit.InvalidInputError, match="unknown field `bogus`"):
        v.next_version(tmp_path, bogus=True)
    with pytest.raises(opskit.InvalidInputError, match="tag pattern"):
        v.releases(tmp_path, tag_pattern="v")
    with pytest.raises(opskit.NotFoundError, match="no git repository"):
        v.next_version(tmp_path)
    with pytest.raises(FileNotFoundError):
        v.releases(tmp_path / "missing")


def test_panics_surface_as_panic_exception():
    with pytest.raises(opskit.PanicException):
        testing.panic()


def test_git_calls_release_the_gil(tmp_path):
    """Another thread makes progress while a changelog of 20,000 commits is computed."""
    repo = tmp_path / "big"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    lines = []
    for i in range(20_000):
        msg = f"feat: change {i}\n" if i % 3 else f"fix: repair {i}\n"
        lines.append(f"commit refs/heads/main\ncommitter T <t@example.com> {1_600_000_000 + i} +0000\n"
                     f"data {len(msg)}\n{msg}M 100644 inline f.txt\ndata {len(str(i)) + 1}\n{i}\n\n")
        if i % 100 == 99:
            lines.append(f"reset refs/tags/v1.{i // 100}.0\nfrom refs/heads/main\n\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input="".join(lines).encode(), check=True)

    ticks = 0
    stop = threading.Event()

    def count():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.0005)

    t = threading.Thread(target=count)
    t.start()
    time.sleep(0.05)
    before = ticks
    start = time.perf_counter()
    log = v.changelog(repo, range="all")
    elapsed = time.perf_counter() - start
    during = ticks - before
    stop.set()
    t.join()
    assert len(log["releases"]) == 200
    # With the GIL held, the counter could not move at all during the call.
    assert during >= 5, f"only {during} ticks in {elapsed:.3f}s"
