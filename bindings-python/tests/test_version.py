"""Every function of opskit.version, on real repositories."""

import pathlib

import pytest

import opskit
from opskit import version as v
from opskit import types


def keys(td):
    return set(td.__annotations__)


def test_pure_functions():
    parts = v.parse_version("1.2.3-rc.1+b.5")
    assert parts == {"version": "1.2.3-rc.1+b.5", "major": 1, "minor": 2, "patch": 3,
                     "pre": ["rc", "1"], "build": ["b", "5"], "prerelease": True,
                     "scheme": "semver", "epoch": 0, "release": [1, 2, 3], "post": None, "dev": None}
    assert set(parts) == keys(types.VersionParts)
    assert v.compare("1.0.0-rc.1", "1.0.0") == -1
    assert v.compare("1.0.0+a", "1.0.0+b") == 0
    # PEP 440 by keyword; the default stays SemVer.
    assert v.parse_version("1.0.post1", scheme="pep440")["post"] == 1
    assert v.bump("1.2.3", "preminor", "rc", scheme="pep440") == "1.3.0rc1"
    assert v.sort_versions(["1.0", "1.0rc1"], scheme="auto") == ["1.0rc1", "1.0"]
    with pytest.raises(opskit.InvalidInputError, match="semver, pep440 or auto"):
        v.compare("1.0", "1.0", scheme="calver")
    assert v.compare("2.0.0", "1.9.9") == 1
    assert v.sort_versions(["1.10.0", "1.2.0", "1.2.0-rc.1"]) == ["1.2.0-rc.1", "1.2.0", "1.10.0"]
    assert v.bump("1.2.3", "preminor", "rc") == "1.3.0-rc.1"
    assert v.bump("1.3.0-rc.1", "prerelease") == "1.3.0-rc.2"
    assert v.bump("1.3.0-rc.2", "minor") == "1.3.0"
    assert v.bump("1.2.3+b", level="patch") == "1.2.4"
    assert v.satisfies("1.4.2", "^1.2") is True
    assert v.satisfies("2.0.0", "^1.2") is False
    m = v.parse_commit_message("feat(api)!: drop v1\n\nBREAKING CHANGE: gone")
    assert m["type"] == "feat" and m["scope"] == "api" and m["breaking"]
    assert m["footers"] == [{"token": "BREAKING CHANGE", "separator": ":", "value": "gone"}]
    assert set(m) == keys(types.CommitMessage)
    b = v.check_branch("feature/login")
    assert b["valid"] and b["matched"] == "feature/*"
    assert set(b) == keys(types.BranchCheck)
    assert not v.check_branch("wip", allowed=["main"])["valid"]


def test_releases_and_rollback(repo):
    rel = v.releases(repo)
    assert [r["tag"] for r in rel] == ["v1.0.0", "v1.1.0-rc.1"]
    assert rel[1]["annotated"] and rel[1]["message"] == "first rc"
    assert set(rel[0]) == keys(types.Release)
    assert [r["tag"] for r in v.releases(str(repo), include_prereleases=False)] == ["v1.0.0"]
    assert v.latest_release(repo)["tag"] == "v1.1.0-rc.1"
    assert v.current_release(repo, rev="production")["tag"] == "v1.0.0"
    assert v.rollback_target(repo, "v1.1.0-rc.1")["tag"] == "v1.0.0"
    assert v.rollback_target(repo, "1.0.0") is None
    assert v.rollback_target(repo, of=None, include_prereleases=True)["tag"] == "v1.0.0"


def test_next_version(repo):
    # Without a channel the base is the last stable release: the rc's feature counts.
    n = v.next_version(repo)
    assert n["current"] == "1.0.0" and n["next"] == "1.1.0" and n["bump"] == "minor"
    assert set(n) == keys(types.NextVersion)
    assert set(n["commits"][0]) == keys(types.DecidingCommit)
    assert v.next_version(repo, channel="rc")["next_tag"] == "v1.1.0-rc.2"
    assert v.next_version(repo, rev="production")["next"] is None
    n = v.next_version(repo, preset="git-cliff", policy={"no_bump_types": ["fix", "feat"], "other_types": None})
    assert n["next"] is None
    assert n["ignored"][0]["reason"] == "no_release_type"
    assert set(n["ignored"][0]) == keys(types.IgnoredCommit)
    assert v.next_version(pathlib.Path(repo), paths=["nothing-here"])["commits"] == []


def test_changelog(repo):
    log = v.changelog(repo, range="all")
    assert set(log) == keys(types.Changelog)
    assert [r["version"] for r in log["releases"]] == [None, "1.1.0-rc.1", "1.0.0"]
    assert set(log["releases"][1]) == keys(types.ChangelogRelease)
    assert set(log["releases"][1]["groups"][0]) == keys(types.ChangelogGroup)
    assert set(log["releases"][1]["groups"][0]["commits"][0]) == keys(types.CommitEntry)
    one = v.changelog(repo, range={"release": "1.1.0-rc.1"})
    assert len(one["releases"]) == 1
    md = v.changelog_markdown(repo)
    assert md.startswith("# Changelog\n") and "## [Unreleased]" in md and "- cart (" in md
    md = v.changelog_markdown(repo, range="all", include_other=False)
    assert "init" not in md


def test_channel_groups_and_status(repo):
    assert v.bump_on_channel("1.2.3", "minor", "rc") == "1.3.0-rc.1"
    assert v.bump_on_channel("1.3.0-rc.1", "major", "rc") == "2.0.0-rc.1"
    with pytest.raises(opskit.InvalidInputError):
        v.bump_on_channel("1.2.3", "minor", "r c")
    groups = v.default_groups()
    assert [g["title"] for g in groups][:2] == ["Breaking Changes", "Features"]
    assert set(groups[0]) == keys(types.GroupRule)
    st = v.status(repo, policy={"allowed": ["main"]}, tag_pattern="v{version}")
    assert set(st) == keys(types.VersionStatus)
    assert st["branch"] == "main" and st["branch_check"]["valid"]
    assert st["current"]["tag"] == "v1.0.0" and st["next"]["next"] == "1.1.0"
    st = v.status(repo, channel="rc")
    assert st["current"]["tag"] == "v1.1.0-rc.1" and st["next"]["next"] == "1.1.0-rc.2"
    assert v.current_release(repo, channel="rc")["tag"] == "v1.1.0-rc.1"
    assert v.next_version(repo, scopes=["api"])["commits"][0]["scope"] == "api"
    with pytest.raises(opskit.InvalidInputError):
        v.next_version(repo, component_match="scopes")


def test_promote_check(repo):
    p = v.promote_check("staging", "production", path=repo)
    assert p["fast_forward"] and p["ahead"] == 2 and p["behind"] == 0
    assert set(p) == set(types.Promotion.__annotations__)
    p = v.promote_check("production", "staging", repo)
    assert not p["fast_forward"] and len(p["target_only"]) == 2


def test_version_matches_the_workspace():
    cargo = pathlib.Path(__file__).resolve().parents[2] / "Cargo.toml"
    line = next(l for l in cargo.read_text().splitlines() if l.startswith("version = "))
    assert opskit.__version__ == line.split('"')[1]


def tagged_repo(tmp_path, files, tag, since):
    """A repository on main with a release identity: `files` committed and
    tagged `tag`, then svc.py committed as `since`."""
    from conftest import git

    r = tmp_path / "svc"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    git(r, "config", "user.name", "Release Bot")
    git(r, "config", "user.email", "release@example.com")
    for name, text in files.items():
        (r / name).write_text(text)
    git(r, "add", ".")
    git(r, "commit", "-q", "-m", "feat: svc")
    git(r, "tag", tag)
    (r / "svc.py").write_text("x = 1\n")
    git(r, "add", ".")
    git(r, "commit", "-q", "-m", since)
    return r


def test_release_finds_its_version_files(tmp_path):
    from conftest import git

    r = tagged_repo(tmp_path, {
        "pyproject.toml": '[tool.poetry]\nname = "svc"\nversion = "1.4.2"\n',
        "package.json": '{\n  "name": "svc",\n  "version": "1.4.0"\n}\n',
    }, "v1.4.2", "feat: search")

    plan = v.cut_release(r, dry_run=True, date="2026-03-01")
    assert [(f["path"], f["old_version"], f["new_version"]) for f in plan["files"]] == [
        ("CHANGELOG.md", None, None), ("pyproject.toml", "1.4.2", "1.5.0")]
    assert [(f["path"], f["version"]) for f in plan["skipped_files"]] == [("package.json", "1.4.0")]
    assert "not the current release 1.4.2" in plan["skipped_files"][0]["reason"]
    assert all(set(f) == keys(types.SkippedFile) for f in plan["skipped_files"])
    assert v.cut_release(r, dry_run=True, detect_files=False)["files"][1:] == []
    done = v.cut_release(r, date="2026-03-01")
    assert (r / "pyproject.toml").read_text() == '[tool.poetry]\nname = "svc"\nversion = "1.5.0"\n'
    assert (r / "package.json").read_text() == '{\n  "name": "svc",\n  "version": "1.4.0"\n}\n'
    assert git(r, "status", "--porcelain") == "" and done["tag"] == "v1.5.0"


def test_release_dry_run_then_release(tmp_path):
    from conftest import git

    r = tagged_repo(tmp_path, {"pyproject.toml": '[project]\nname = "svc"\nversion = "1.0.0"  # kept\n'},
                    "v1.0.0", "fix(api): retry once")
    files = [{"path": "pyproject.toml"}]

    plan = v.cut_release(r, dry_run=True, files=files, date="2026-03-01")
    assert set(plan) == keys(types.CutRelease)
    assert (plan["tag"], plan["previous_tag"], plan["commit"], plan["dry_run"]) == ("v1.0.1", "v1.0.0", None, True)
    assert [(f["path"], f["kind"], f["old_version"], f["new_version"]) for f in plan["files"]] == [
        ("CHANGELOG.md", "changelog", None, None), ("pyproject.toml", "pyproject", "1.0.0", "1.0.1")]
    assert all(set(f) == keys(types.FileChange) for f in plan["files"])
    assert plan["section"].startswith("## [1.0.1] - 2026-03-01\n\n### Bug Fixes\n\n- **api:** retry once (")
    assert git(r, "status", "--porcelain") == "" and not (r / "CHANGELOG.md").exists()

    done = v.cut_release(str(r), files=files, date="2026-03-01")
    assert {**done, "commit": None, "dry_run": True} == plan
    # git itself sees a clean tree, an annotated tag on the release commit.
    assert git(r, "status", "--porcelain") == ""
    assert git(r, "rev-parse", "HEAD").strip() == done["commit"]
    assert git(r, "cat-file", "-t", "v1.0.1").strip() == "tag"
    assert git(r, "rev-parse", "v1.0.1^{commit}").strip() == done["commit"]
    assert git(r, "show", "--name-only", "--format=%s", "HEAD").split() == [
        "chore(release):", "1.0.1", "CHANGELOG.md", "pyproject.toml"]
    assert (r / "pyproject.toml").read_text() == '[project]\nname = "svc"\nversion = "1.0.1"  # kept\n'

    with pytest.raises(opskit.InvalidInputError, match="nothing to release"):
        v.cut_release(r, files=files)
    (r / "svc.py").write_text("x = 2\n")
    git(r, "commit", "-qam", "feat: more")
    (r / "svc.py").write_text("dirty\n")
    with pytest.raises(opskit.InvalidInputError, match=r"uncommitted changes \(svc.py\)"):
        v.cut_release(r, files=files)
    with pytest.raises(opskit.InvalidInputError, match="unknown field"):
        v.cut_release(r, colour=1)
    with pytest.raises(opskit.NotFoundError):
        v.cut_release(tmp_path / "nowhere")
