//! Generates git repositories shaped like a large real project, for the
//! benchmarks and the comparison with git-cliff.
//!
//! The history is written with `git fast-import` (one pack, as in a real
//! clone): commits that change real files, conventional and non-conventional
//! messages, feature branches merged with merge commits, release tags
//! (lightweight and annotated, some pre-releases), and a side branch whose
//! newer pre-release tags HEAD does not contain.

use std::io::{self, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// The shape of a generated repository.
#[derive(Clone, Debug)]
pub struct Shape {
    /// Commits on the main line (merge commits and branch commits included).
    pub commits: usize,
    /// Release tags reachable from HEAD.
    pub tags: usize,
    /// A feature branch of three commits is merged every this many commits (0: none).
    pub merge_every: usize,
    /// Commits on the side branch carrying newer pre-release tags (0: none).
    pub side_commits: usize,
    /// Files in the tree.
    pub files: usize,
}

impl Shape {
    /// About 7,000 commits, 300 tags, merges and a side branch: like vuejs/core.
    pub fn large_project() -> Self {
        Shape {
            commits: 7_000,
            tags: 300,
            merge_every: 40,
            side_commits: 30,
            files: 400,
        }
    }
}

/// What was generated.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Commits written, all branches.
    pub commits: usize,
    /// Tags written, all branches.
    pub tags: usize,
    /// The highest release tag reachable from HEAD.
    pub latest_reachable: String,
}

/// A small deterministic PRNG (xorshift64*), so every run builds the same repository.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SCOPES: [&str; 8] = [
    "api", "web", "db", "auth", "cart", "search", "billing", "deps",
];
const WORDS: [&str; 16] = [
    "handle", "empty", "orders", "cache", "retry", "timeout", "session", "invoice", "index",
    "render", "queue", "payload", "token", "limit", "page", "export",
];

fn message(rng: &mut Rng, n: usize) -> String {
    let kind = match rng.below(100) {
        0..=19 => "feat",
        20..=49 => "fix",
        50..=61 => "chore",
        62..=69 => "docs",
        70..=76 => "refactor",
        77..=80 => "perf",
        81..=86 => "test",
        87..=91 => "ci",
        _ => "",
    };
    let w1 = WORDS[rng.below(16) as usize];
    let w2 = WORDS[rng.below(16) as usize];
    if kind.is_empty() {
        return format!("Update {w1} {w2} handling (#{n})\n");
    }
    let scope = if rng.below(3) == 0 {
        format!("({})", SCOPES[rng.below(8) as usize])
    } else {
        String::new()
    };
    let body = if rng.below(4) == 0 {
        format!("\n\nThe {w1} path now deals with {w2} correctly.\n\nRefs #{n}\n")
    } else {
        "\n".to_string()
    };
    format!("{kind}{scope}: {w1} {w2} #{n}{body}")
}

fn data(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(format!("data {}\n", bytes.len()).as_bytes());
    out.extend_from_slice(bytes);
    out.push(b'\n');
}

fn file_content(rng: &mut Rng, path: &str, n: usize) -> Vec<u8> {
    let mut s = format!("// {path}\n// revision {n}\n");
    for i in 0..(20 + rng.below(40)) {
        s.push_str(&format!(
            "pub fn {}_{}(x: u64) -> u64 {{ x.wrapping_mul({}) }}\n",
            WORDS[(i % 16) as usize],
            i,
            rng.below(1_000_000)
        ));
    }
    s.into_bytes()
}

/// The release after `v` when it is the `n`-th: a major every 25, a minor every 5.
fn version_after(v: (u64, u64, u64), n: usize) -> (u64, u64, u64) {
    if n.is_multiple_of(25) {
        (v.0 + 1, 0, 0)
    } else if n.is_multiple_of(5) {
        (v.0, v.1 + 1, 0)
    } else {
        (v.0, v.1, v.2 + 1)
    }
}

/// The fast-import stream being written.
struct Stream {
    out: Vec<u8>,
    rng: Rng,
    mark: usize,
    time: i64,
}

impl Stream {
    fn commit(
        &mut self,
        branch: &str,
        from: Option<usize>,
        merge: Option<usize>,
        msg: &str,
        touched: &[&String],
    ) -> usize {
        self.mark += 1;
        self.time += 600 + self.rng.below(3000) as i64;
        let (mark, time) = (self.mark, self.time);
        let author = self.rng.below(40);
        let out = &mut self.out;
        out.extend_from_slice(format!("commit refs/heads/{branch}\nmark :{mark}\n").as_bytes());
        out.extend_from_slice(
            format!("author Dev {author} <dev{author}@example.com> {time} +0000\n").as_bytes(),
        );
        out.extend_from_slice(format!("committer CI <ci@example.com> {time} +0000\n").as_bytes());
        data(out, msg.as_bytes());
        if let Some(f) = from {
            out.extend_from_slice(format!("from :{f}\n").as_bytes());
        }
        if let Some(m) = merge {
            out.extend_from_slice(format!("merge :{m}\n").as_bytes());
        }
        for path in touched {
            self.out
                .extend_from_slice(format!("M 100644 inline {path}\n").as_bytes());
            let content = file_content(&mut self.rng, path, mark);
            data(&mut self.out, &content);
        }
        self.out.push(b'\n');
        mark
    }
}

/// Build the repository described by `shape` in the empty folder `dir`.
pub fn generate(dir: &Path, shape: &Shape) -> io::Result<Summary> {
    let git = |args: &[&str]| -> io::Result<()> {
        let st = Command::new("git").args(args).current_dir(dir).status()?;
        if st.success() {
            Ok(())
        } else {
            Err(io::Error::other(format!("git {args:?} failed")))
        }
    };
    git(&["init", "-q", "-b", "main"])?;

    let mut st = Stream {
        out: Vec::with_capacity(64 << 20),
        rng: Rng(0x9E37_79B9_7F4A_7C15),
        mark: 0,
        time: 1_600_000_000,
    };
    let files: Vec<String> = (0..shape.files.max(1))
        .map(|i| format!("src/{}/{}_{i}.rs", SCOPES[i % 8], WORDS[i % 16]))
        .collect();
    let mut main_tip: Option<usize> = None;
    let tag_every = (shape.commits / shape.tags.max(1)).max(1);
    let mut tags = 0usize;
    let mut release = (1u64, 0u64, 0u64);
    let mut latest = String::new();
    let mut written = 0usize;
    let mut side_base: Option<usize> = None;
    let mut rc_placed = false;
    let mut rcs = 0usize;

    while written < shape.commits {
        let n = written;
        if shape.merge_every > 0
            && n > 0
            && n.is_multiple_of(shape.merge_every)
            && main_tip.is_some()
        {
            // A feature branch of three commits, merged with a merge commit.
            let base = main_tip.unwrap();
            let mut tip = base;
            let mut changed = Vec::new();
            for k in 0..3 {
                let f = &files[st.rng.below(files.len() as u64) as usize];
                let msg = message(&mut st.rng, n + k);
                tip = st.commit("feature", Some(tip), None, &msg, &[f]);
                changed.push(f);
            }
            let msg = format!("Merge branch 'feature/{n}'\n");
            main_tip = Some(st.commit("main", Some(base), Some(tip), &msg, &changed));
            written += 4;
        } else {
            let f = &files[st.rng.below(files.len() as u64) as usize];
            let msg = if n == 0 {
                "chore: initial import\n".to_string()
            } else {
                message(&mut st.rng, n)
            };
            main_tip = Some(st.commit("main", main_tip, None, &msg, &[f]));
            written += 1;
        }
        // Half-way to every tenth release, a release candidate of it.
        if tags < shape.tags
            && (tags + 1).is_multiple_of(10)
            && !rc_placed
            && written >= (tags * tag_every) + tag_every / 2
        {
            let (ma, mi, pa) = version_after(release, tags + 1);
            let tip = main_tip.unwrap();
            st.out.extend_from_slice(
                format!("reset refs/tags/v{ma}.{mi}.{pa}-rc.1\nfrom :{tip}\n\n").as_bytes(),
            );
            rc_placed = true;
            rcs += 1;
        }
        if written / tag_every > tags && tags < shape.tags {
            tags += 1;
            rc_placed = false;
            release = version_after(release, tags);
            let (ma, mi, pa) = release;
            let tip = main_tip.unwrap();
            latest = format!("v{ma}.{mi}.{pa}");
            if tags.is_multiple_of(3) {
                st.out
                    .extend_from_slice(format!("tag {latest}\nfrom :{tip}\n").as_bytes());
                st.out.extend_from_slice(
                    format!("tagger CI <ci@example.com> {} +0000\n", st.time).as_bytes(),
                );
                data(&mut st.out, format!("Release {latest}\n").as_bytes());
            } else {
                st.out.extend_from_slice(
                    format!("reset refs/tags/{latest}\nfrom :{tip}\n\n").as_bytes(),
                );
            }
            if shape.side_commits > 0 && written + 60 >= shape.commits && side_base.is_none() {
                side_base = main_tip;
            }
        }
    }
    let mut extra_tags = 0;
    if shape.side_commits > 0 {
        // A side branch with newer pre-release tags that HEAD does not contain.
        let base = side_base.or(main_tip).unwrap();
        let mut tip = base;
        let next_major = release.0 + 1;
        for k in 0..shape.side_commits {
            let f = &files[st.rng.below(files.len() as u64) as usize];
            let msg = message(&mut st.rng, 100_000 + k);
            tip = st.commit("next", Some(tip), None, &msg, &[f]);
            if k % 6 == 5 {
                extra_tags += 1;
                st.out.extend_from_slice(
                    format!("reset refs/tags/v{next_major}.0.0-rc.{extra_tags}\nfrom :{tip}\n\n")
                        .as_bytes(),
                );
            }
        }
    }
    let total_commits = st.mark;
    let mut child = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(&st.out)?;
    if !child.wait()?.success() {
        return Err(io::Error::other("git fast-import failed"));
    }
    git(&["reset", "-q", "--hard", "main"])?;
    Ok(Summary {
        commits: total_commits,
        tags: tags + rcs + extra_tags,
        latest_reachable: latest,
    })
}
