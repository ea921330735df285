//! Crash safety: `opskit` killed with SIGKILL at many points while it writes
//! a manifest, and while a release writes CHANGELOG.md and version files.
//! Every file is always either the old one or the complete new one.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::commit;
use git2::Repository;

const OPSKIT: &str = env!("CARGO_BIN_EXE_opskit");

/// Delays spread over `0..span`, the same on every run (a small LCG).
fn delays(n: usize, span: Duration) -> Vec<Duration> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|i| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            // Half evenly spaced, half pseudo-random: early, middle and late kills.
            let frac = if i % 2 == 0 {
                i as f64 / n as f64
            } else {
                (x >> 11) as f64 / (1u64 << 53) as f64
            };
            span.mul_f64(frac)
        })
        .collect()
}

/// Run `opskit args` in `dir` to the end; it must succeed.
fn run_ok(dir: &Path, args: &[&str]) {
    let status = Command::new(OPSKIT)
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success(), "opskit {args:?}: {status}");
}

/// Run `opskit args` in `dir`, SIGKILL it after `delay` (if still running).
fn run_and_kill(dir: &Path, args: &[&str], delay: Duration) -> bool {
    let mut child = Command::new(OPSKIT)
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let finished = child.try_wait().unwrap().is_some();
    let _ = child.kill(); // SIGKILL on Unix
    child.wait().unwrap();
    !finished
}

#[test]
fn a_killed_manifest_write_leaves_the_old_manifest_or_the_new_one() {
    let d = tempfile::tempdir().unwrap();
    let tree = d.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    for i in 0..300 {
        std::fs::write(tree.join(format!("f{i:03}.bin")), vec![i as u8; 32 * 1024]).unwrap();
    }
    let out = d.path().join("backup.manifest.json");
    let args = [
        "backup",
        "manifest",
        "tree",
        "-o",
        "backup.manifest.json",
        "--sha256",
    ];
    let started = Instant::now();
    run_ok(d.path(), &args);
    let full = started.elapsed();
    let (mut kept_old, mut got_new, mut killed) = (0, 0, 0);
    for (i, delay) in delays(40, full.mul_f64(1.3)).into_iter().enumerate() {
        let old = std::fs::read(&out).unwrap();
        // Change one file, so the next manifest differs from the last.
        std::fs::write(tree.join("f000.bin"), format!("version {i}")).unwrap();
        killed += usize::from(run_and_kill(d.path(), &args, delay));
        let now = std::fs::read(&out).unwrap();
        if now == old {
            kept_old += 1;
            continue;
        }
        // Not the old one: it must be complete, and describe the tree as it is.
        got_new += 1;
        let text = String::from_utf8(now).unwrap();
        let m = opskit::backup::Manifest::from_json(&text)
            .unwrap_or_else(|e| panic!("kill {i} after {delay:?} left a broken manifest: {e}"));
        let report =
            opskit::backup::verify_tree(&tree, &m, &opskit::backup::VerifyOptions::default(), None)
                .unwrap();
        assert!(
            report.exact,
            "kill {i}: the new manifest does not match the tree"
        );
    }
    // Kills leave temporaries beside the manifest; once they are older
    // than opskit's stale age, the next write removes them.
    let temporaries = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .starts_with(".backup.manifest.json.tmp-")
            })
            .collect()
    };
    let left = temporaries();
    let hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    for t in &left {
        std::fs::File::options()
            .write(true)
            .open(t)
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
    }
    run_ok(d.path(), &args);
    assert_eq!(
        temporaries(),
        Vec::<std::path::PathBuf>::new(),
        "stale temporaries stayed"
    );
    eprintln!(
        "manifest: {killed} of 40 runs killed mid-way (full run {full:?}); {kept_old} left the old file, {got_new} the new one; {} temporaries left, removed by the next write",
        left.len()
    );
    assert_eq!(kept_old + got_new, 40);
}

#[test]
fn a_killed_release_leaves_each_file_old_or_new() {
    let d = tempfile::tempdir().unwrap();
    let repo = Repository::init(d.path()).unwrap();
    repo.set_head("refs/heads/main").unwrap();
    let mut c = repo.config().unwrap();
    c.set_str("user.name", "Release Bot").unwrap();
    c.set_str("user.email", "release@example.com").unwrap();
    let old: Vec<(&str, String)> = vec![
        (
            "CHANGELOG.md",
            "# Changelog\n\n## [1.0.0] - 2026-01-01\n\n- first\n".into(),
        ),
        (
            "package.json",
            "{\n  \"name\": \"svc\",\n  \"version\": \"1.0.0\"\n}\n".into(),
        ),
        (
            "Cargo.toml",
            "[package]\nname = \"svc\"\nversion = \"1.0.0\"\n".into(),
        ),
    ];
    let files: Vec<(&str, &str)> = old.iter().map(|(p, t)| (*p, t.as_str())).collect();
    commit(&repo, &files, "feat: svc", 0);
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    repo.tag_lightweight("v1.0.0", head.as_object(), false)
        .unwrap();
    for i in 0..30 {
        commit(
            &repo,
            &[("src.rs", &format!("// {i}\n"))],
            &format!("fix: step {i}"),
            0,
        );
    }
    let base = repo.head().unwrap().peel_to_commit().unwrap().id();
    let args = [
        "version",
        "release",
        "--file",
        "package.json",
        "--file",
        "Cargo.toml",
        "--date",
        "2026-03-01",
    ];
    let git_dir = repo.path().to_path_buf();
    let stale_locks = std::cell::Cell::new(0);
    let reset = || {
        // A kill inside libgit2's commit or tag leaves its lock file, as a
        // killed `git` does; a user removes it, and so does the test.
        for lock in [
            "index.lock",
            "refs/heads/main.lock",
            "refs/tags/v1.0.1.lock",
            "HEAD.lock",
        ] {
            if std::fs::remove_file(git_dir.join(lock)).is_ok() {
                stale_locks.set(stale_locks.get() + 1);
            }
        }
        let obj = repo.find_object(base, None).unwrap();
        repo.reset(&obj, git2::ResetType::Hard, None).unwrap();
        if let Ok(mut t) = repo.find_reference("refs/tags/v1.0.1") {
            t.delete().unwrap();
        }
    };
    // The new files, from one release run to its end.
    let started = Instant::now();
    run_ok(d.path(), &args);
    let full = started.elapsed();
    let new: Vec<String> = old
        .iter()
        .map(|(p, _)| std::fs::read_to_string(d.path().join(p)).unwrap())
        .collect();
    assert!(new[0].contains("## [1.0.1] - 2026-03-01") && new[1].contains("1.0.1"));

    let (mut untouched, mut released, mut partial_set) = (0, 0, 0);
    for (i, delay) in delays(40, full.mul_f64(1.3)).into_iter().enumerate() {
        reset();
        run_and_kill(d.path(), &args, delay);
        let mut states = Vec::new();
        for ((p, before), after) in old.iter().zip(&new) {
            let now = std::fs::read_to_string(d.path().join(p)).unwrap();
            assert!(
                now == *before || now == *after,
                "kill {i} after {delay:?}: {p} is neither the old nor the new file:\n{now}"
            );
            states.push(now == *after);
        }
        let tagged = repo.find_reference("refs/tags/v1.0.1").is_ok();
        if tagged {
            // The commit and tag come last: a tag means every file is new and committed.
            assert!(
                states.iter().all(|s| *s),
                "kill {i}: tagged with an old file"
            );
            released += 1;
        } else if states.iter().all(|s| !*s) {
            untouched += 1;
        } else {
            partial_set += 1;
        }
    }
    reset();
    eprintln!(
        "release (full run {full:?}): {untouched} kills before any write, {partial_set} between writes or before the tag (each file whole), {released} after the tag; {} stale git lock(s) removed",
        stale_locks.get()
    );
    assert_eq!(untouched + partial_set + released, 40);
}
