//! Helpers shared by the CLI tests.
#![allow(dead_code)]

use std::path::Path;

use git2::{Repository, Signature, Time};

/// Commit `files` (path, text) on the current branch at hour `hour` of
/// 2026-01-01, keeping the index on disk in step (so the tree is clean).
pub fn commit(repo: &Repository, files: &[(&str, &str)], msg: &str, hour: i64) -> git2::Oid {
    let root = repo.workdir().unwrap().to_path_buf();
    let mut idx = repo.index().unwrap();
    for (p, text) in files {
        std::fs::write(root.join(p), text).unwrap();
        idx.add_path(Path::new(p)).unwrap();
    }
    idx.write().unwrap();
    let tree = repo.find_tree(idx.write_tree().unwrap()).unwrap();
    let sig = Signature::new(
        "A",
        "a@example.com",
        &Time::new(1_767_225_600 + hour * 3600, 0),
    )
    .unwrap();
    let parent = repo.head().ok().map(|h| h.peel_to_commit().unwrap());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, msg, &tree, &parents)
        .unwrap()
}
