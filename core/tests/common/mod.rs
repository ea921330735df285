//! Real git repositories built in temp dirs for the tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use git2::{Oid, Repository, Signature, Time};
use tempfile::TempDir;

/// A repository in a temp dir with a fake clock, so dates are deterministic.
pub struct TestRepo {
    pub dir: TempDir,
    pub repo: Repository,
    clock: i64,
    counter: u64,
}

pub const START: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

impl TestRepo {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        repo.set_head("refs/heads/main").unwrap();
        TestRepo {
            dir,
            repo,
            clock: START,
            counter: 0,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn path_buf(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    fn sig(&mut self) -> Signature<'static> {
        self.clock += 3600;
        Signature::new("Test Author", "test@example.com", &Time::new(self.clock, 0)).unwrap()
    }

    /// Commit `msg` changing `file` on the current branch.
    pub fn commit_file(&mut self, file: &str, msg: &str) -> Oid {
        self.write_and_commit(file, msg.as_bytes())
    }

    /// Commit `msg` on the current branch.
    pub fn commit(&mut self, msg: &str) -> Oid {
        self.commit_file("file.txt", msg)
    }

    /// Commit raw message bytes (may be invalid UTF-8).
    pub fn commit_bytes(&mut self, msg: &[u8]) -> Oid {
        self.write_and_commit("file.txt", msg)
    }

    fn write_and_commit(&mut self, file: &str, msg: &[u8]) -> Oid {
        self.counter += 1;
        let full = self.dir.path().join(file);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(&full, format!("change {}\n", self.counter)).unwrap();
        let mut index = self.repo.index().unwrap();
        index.add_path(Path::new(file)).unwrap();
        index.write().unwrap();
        let tree_id = index.write_tree().unwrap();
        self.commit_tree(tree_id, msg, &[])
    }

    fn commit_tree(&mut self, tree_id: Oid, msg: &[u8], extra_parents: &[Oid]) -> Oid {
        let sig = self.sig();
        let mut parents = Vec::new();
        if let Ok(h) = self.repo.head() {
            parents.push(h.peel_to_commit().unwrap());
        }
        for p in extra_parents {
            parents.push(self.repo.find_commit(*p).unwrap());
        }
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        // git2's commit() takes &str; write the raw object for arbitrary bytes.
        let mut buf = format!("tree {tree_id}\n");
        for p in &refs {
            buf.push_str(&format!("parent {}\n", p.id()));
        }
        let t = sig.when();
        buf.push_str(&format!(
            "author Test Author <test@example.com> {} +0000\n",
            t.seconds()
        ));
        buf.push_str(&format!(
            "committer Test Author <test@example.com> {} +0000\n\n",
            t.seconds()
        ));
        let mut raw = buf.into_bytes();
        raw.extend_from_slice(msg);
        let oid = self
            .repo
            .odb()
            .unwrap()
            .write(git2::ObjectType::Commit, &raw)
            .unwrap();
        let head = self.repo.find_reference("HEAD").unwrap();
        let target = head.symbolic_target().ok().flatten().map(str::to_string);
        match target {
            Some(branch) => {
                self.repo.reference(&branch, oid, true, "commit").unwrap();
            }
            None => self.repo.set_head_detached(oid).unwrap(),
        }
        // Keep the index and work tree in step with HEAD.
        let commit = self.repo.find_commit(oid).unwrap();
        self.repo
            .checkout_tree(
                commit.as_object(),
                Some(git2::build::CheckoutBuilder::new().force()),
            )
            .unwrap();
        oid
    }

    /// Commit `msg` writing each (path, text) of `files`.
    pub fn commit_contents(&mut self, files: &[(&str, &str)], msg: &str) -> Oid {
        let mut index = self.repo.index().unwrap();
        for (file, text) in files {
            let full = self.dir.path().join(file);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, text).unwrap();
            index.add_path(Path::new(file)).unwrap();
        }
        index.write().unwrap();
        let tree_id = index.write_tree().unwrap();
        self.commit_tree(tree_id, msg.as_bytes(), &[])
    }

    /// A committer identity in the repository's own config (what a tool
    /// that commits, like a release, reads).
    pub fn set_identity(&self) {
        let mut c = self.repo.config().unwrap();
        c.set_str("user.name", "Release Bot").unwrap();
        c.set_str("user.email", "release@example.com").unwrap();
    }

    pub fn head(&self) -> Oid {
        self.repo.head().unwrap().peel_to_commit().unwrap().id()
    }

    /// A lightweight tag on HEAD.
    pub fn tag(&self, name: &str) {
        let obj = self
            .repo
            .head()
            .unwrap()
            .peel_to_commit()
            .unwrap()
            .into_object();
        self.repo.tag_lightweight(name, &obj, false).unwrap();
    }

    /// An annotated tag on HEAD.
    pub fn tag_annotated(&mut self, name: &str, msg: &str) {
        let sig = self.sig();
        let obj = self
            .repo
            .head()
            .unwrap()
            .peel_to_commit()
            .unwrap()
            .into_object();
        self.repo.tag(name, &obj, &sig, msg, false).unwrap();
    }

    /// Create branch `name` at HEAD.
    pub fn branch(&self, name: &str) {
        let c = self.repo.head().unwrap().peel_to_commit().unwrap();
        self.repo.branch(name, &c, false).unwrap();
    }

    /// Switch HEAD to branch `name`.
    pub fn checkout(&self, name: &str) {
        let refname = format!("refs/heads/{name}");
        let obj = self.repo.revparse_single(&refname).unwrap();
        self.repo
            .checkout_tree(&obj, Some(git2::build::CheckoutBuilder::new().force()))
            .unwrap();
        self.repo.set_head(&refname).unwrap();
    }

    /// Merge branch `other` into the current branch with a merge commit.
    pub fn merge(&mut self, other: &str, msg: &str) -> Oid {
        let ours = self.repo.head().unwrap().peel_to_commit().unwrap();
        let theirs = self
            .repo
            .revparse_single(&format!("refs/heads/{other}"))
            .unwrap()
            .peel_to_commit()
            .unwrap();
        let mut idx = self.repo.merge_commits(&ours, &theirs, None).unwrap();
        assert!(!idx.has_conflicts(), "test merge has conflicts");
        let tree_id = idx.write_tree_to(&self.repo).unwrap();
        let theirs_id = theirs.id();
        drop((ours, theirs, idx));
        self.commit_tree(tree_id, msg.as_bytes(), &[theirs_id])
    }
}

/// Does `got` contain `want`: every key of an object, lists element by
/// element, other values equal? (How the shared case files state results.)
pub fn subset(got: &serde_json::Value, want: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| g.get(k).is_some_and(|gv| subset(gv, wv))),
        (Value::Array(g), Value::Array(w)) => {
            g.len() == w.len() && g.iter().zip(w).all(|(gv, wv)| subset(gv, wv))
        }
        _ => got == want,
    }
}
