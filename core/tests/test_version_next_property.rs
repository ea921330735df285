//! Property: over generated histories (branches, merges, commits of every
//! impact, releases on random channels, stray hand-made tags), the proposed
//! next version is never backwards and never a duplicate:
//! - above its base;
//! - above every reachable release of its line (for a stable proposal: every
//!   reachable release; on a channel: stable releases and that channel's);
//! - on a channel, at least the target of other channels' reachable pre-releases;
//! - never the version of an existing tag.

mod common;

use common::TestRepo;
use opskit::version::{NextOptions, Version, next_version};
use proptest::prelude::*;

const BRANCHES: [&str; 3] = ["main", "b1", "b2"];
const CHANNELS: [Option<&str>; 4] = [None, Some("alpha"), Some("beta"), Some("rc")];
const MESSAGES: [&str; 5] = ["feat: f", "fix: x", "feat!: b", "chore: c", "docs: d"];

#[derive(Clone, Debug)]
enum Op {
    Commit(usize),
    Switch(usize),
    Merge(usize),
    Release(usize),
    StrayTag(u64, u64, Option<(usize, u64)>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..MESSAGES.len()).prop_map(Op::Commit),
        2 => (0..BRANCHES.len()).prop_map(Op::Switch),
        1 => (0..BRANCHES.len()).prop_map(Op::Merge),
        4 => (0..CHANNELS.len()).prop_map(Op::Release),
        1 => (0..4u64, 0..4u64, proptest::option::of((1..CHANNELS.len(), 1..4u64)))
            .prop_map(|(a, b, p)| Op::StrayTag(a, b, p)),
    ]
}

struct World {
    repo: TestRepo,
    branch: usize,
    exists: [bool; 3],
    commits: u32,
}

impl World {
    fn new() -> Self {
        let mut repo = TestRepo::new();
        repo.commit_file("main.txt", "chore: init");
        World {
            repo,
            branch: 0,
            exists: [true, false, false],
            commits: 1,
        }
    }

    fn tags(&self) -> Vec<(Version, git2::Oid)> {
        let names = self.repo.repo.tag_names(Some("v*")).unwrap();
        let mut out = Vec::new();
        for i in 0..names.len() {
            let Ok(Some(n)) = names.get(i) else { continue };
            let Ok(v) = Version::parse(&n[1..]) else {
                continue;
            };
            let obj = self.repo.repo.revparse_single(n).unwrap();
            out.push((v, obj.peel_to_commit().unwrap().id()));
        }
        out
    }

    fn reachable(&self, oid: git2::Oid) -> bool {
        let head = self.repo.head();
        head == oid || self.repo.repo.graph_descendant_of(head, oid).unwrap()
    }

    fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match *op {
            Op::Commit(m) => {
                let file = format!("{}.txt", BRANCHES[self.branch]);
                self.repo.commit_file(&file, MESSAGES[m]);
                self.commits += 1;
            }
            Op::Switch(b) => {
                if !self.exists[b] {
                    self.repo.branch(BRANCHES[b]);
                    self.exists[b] = true;
                }
                self.repo.checkout(BRANCHES[b]);
                self.branch = b;
            }
            Op::Merge(b) => {
                if self.exists[b] && b != self.branch {
                    let msg = format!("Merge branch '{}'", BRANCHES[b]);
                    self.repo.merge(BRANCHES[b], &msg);
                }
            }
            Op::StrayTag(major, minor, pre) => {
                let name = match pre {
                    None => format!("v{major}.{minor}.0"),
                    Some((c, n)) => format!("v{major}.{minor}.0-{}.{n}", CHANNELS[c].unwrap()),
                };
                if self.repo.repo.revparse_single(&name).is_err() {
                    self.repo.tag(&name);
                }
            }
            Op::Release(c) => self.release(CHANNELS[c])?,
        }
        Ok(())
    }

    fn release(&mut self, channel: Option<&str>) -> Result<(), TestCaseError> {
        let opts = NextOptions {
            channel: channel.map(str::to_string),
            ..Default::default()
        };
        let n = next_version(self.repo.path(), &opts).unwrap();
        let semver = |v: &opskit::version::AnyVersion| v.as_semver().expect("SemVer tags").clone();
        let Some(next) = n.next.as_ref().map(semver) else {
            return Ok(());
        };
        let shown = format!("{next} ({channel:?}; notes {:?})", n.notes);
        if let Some(cur) = &n.current.as_ref().map(semver) {
            prop_assert!(
                next.cmp_precedence(cur).is_gt(),
                "{shown} not above base {cur}"
            );
        }
        let core = |v: &Version| (v.major, v.minor, v.patch);
        for (v, oid) in self.tags() {
            prop_assert!(
                !v.cmp_precedence(&next).is_eq(),
                "{shown} duplicates tag v{v}"
            );
            if !self.reachable(oid) {
                continue;
            }
            let same_line = v.pre.is_empty()
                || match channel {
                    None => true,
                    Some(ch) => v.pre.as_str().split('.').next() == Some(ch),
                };
            if same_line {
                prop_assert!(
                    next.cmp_precedence(&v).is_gt(),
                    "{shown} not above reachable v{v}"
                );
            } else {
                prop_assert!(
                    core(&next) >= core(&v),
                    "{shown} targets below reachable v{v}"
                );
            }
        }
        self.repo.tag(&format!("v{next}"));
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn next_is_never_backwards_nor_a_duplicate(ops in prop::collection::vec(op(), 1..36)) {
        let mut world = World::new();
        for op in &ops {
            world.apply(op)?;
        }
        // Always end with a release attempt on every line.
        for ch in CHANNELS {
            world.repo.commit_file("main.txt", "fix: last");
            world.release(ch)?;
        }
    }
}
