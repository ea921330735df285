"""Real git repositories for the tests, made with the git CLI in tmp dirs."""

import subprocess

import pytest

ENV = {
    "GIT_AUTHOR_NAME": "T",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "T",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
}


def git(repo, *args):
    return subprocess.run(["git", *args], cwd=repo, env=ENV, check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path):
    """init (v1.0.0) → feat(api) (v1.1.0-rc.1) → fix; production at init, staging at HEAD."""
    r = tmp_path / "repo"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    git(r, "commit", "-q", "--allow-empty", "-m", "chore: init")
    git(r, "tag", "v1.0.0")
    git(r, "branch", "production")
    git(r, "commit", "-q", "--allow-empty", "-m", "feat(api): orders")
    git(r, "tag", "-a", "v1.1.0-rc.1", "-m", "first rc")
    git(r, "commit", "-q", "--allow-empty", "-m", "fix: cart\n\nRefs #7")
    git(r, "branch", "staging")
    return r
