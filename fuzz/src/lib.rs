//! Helpers shared by the fuzz targets: cutting one input into fields, and
//! fixtures made once per fuzzing process.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The byte that separates fields in an input (never valid UTF-8, so a
/// field can hold any text, NUL included).
pub const SEP: u8 = 0xFF;

/// `data` cut into exactly `n` fields at [`SEP`] (missing fields are empty;
/// the last takes the rest, separators included), each decoded lossily.
pub fn fields(data: &[u8], n: usize) -> Vec<String> {
    let mut out: Vec<String> = data
        .splitn(n, |b| *b == SEP)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    out.resize(n, String::new());
    out
}

/// `data` cut into exactly `n` raw fields at [`SEP`].
pub fn raw_fields(data: &[u8], n: usize) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = data.splitn(n, |b| *b == SEP).map(<[u8]>::to_vec).collect();
    out.resize(n, Vec::new());
    out
}

/// A scratch folder for this process, under `$TMPDIR` (`make fuzz` points
/// it at /dev/shm).
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("opskit-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("create the scratch folder");
        d
    })
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args([
            "-c",
            "user.name=Fuzz",
            "-c",
            "user.email=fuzz@example.invalid",
        ])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .status()
        .expect("run git")
        .success();
    assert!(ok, "git {args:?} failed in {}", dir.display());
}

/// Fixtures the C entry points run against: a small git repository with a
/// release tag and unreleased commits (`repo`), a bare repository (`bare`,
/// which every writing call refuses), a small docs tree (`docs`).
pub struct Fixtures {
    /// A work tree with commits `feat`, `fix`, tag `v0.1.0`, then `feat!`.
    pub repo: PathBuf,
    /// A bare repository.
    pub bare: PathBuf,
    /// Two Markdown pages and a file.
    pub docs: PathBuf,
}

/// The fixtures, made on first use.
pub fn fixtures() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(|| {
        let root = scratch().join("fixtures");
        let repo = root.join("repo");
        std::fs::create_dir_all(&repo).unwrap();
        git(&repo, &["init", "-q"]);
        for (file, msg) in [("a.txt", "feat: a"), ("b.txt", "fix(core): b")] {
            std::fs::write(repo.join(file), msg).unwrap();
            git(&repo, &["add", file]);
            git(&repo, &["commit", "-q", "-m", msg]);
        }
        git(&repo, &["tag", "-a", "v0.1.0", "-m", "v0.1.0"]);
        std::fs::write(repo.join("c.txt"), "c").unwrap();
        git(&repo, &["add", "c.txt"]);
        git(&repo, &["commit", "-q", "-m", "feat!: c\n\nBREAKING CHANGE: c"]);
        let bare = root.join("bare.git");
        git(&root, &["clone", "-q", "--bare", "repo", "bare.git"]);
        let docs = root.join("docs");
        std::fs::create_dir_all(docs.join("guides")).unwrap();
        std::fs::write(
            docs.join("README.md"),
            "---\nowner: ops\n---\n# Docs\n\nSee [the guide](guides/setup.md#install) and [x](missing.md).\n",
        )
        .unwrap();
        std::fs::write(docs.join("guides/setup.md"), "# Setup\n\n## Install\n\nRun it.\n").unwrap();
        std::fs::write(docs.join("notes.txt"), "plain").unwrap();
        Fixtures { repo, bare, docs }
    })
}
