//! Commit messages (Conventional Commits) and branch names against the
//! default branch policy.
#![no_main]
use libfuzzer_sys::fuzz_target;
use opskit::version::{BranchPolicy, CommitMessage, check_branch, parse_commit_message};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let m = parse_commit_message(&text);
    // What the bindings send survives JSON.
    let json = serde_json::to_string(&m).expect("a parsed message encodes");
    let back: CommitMessage = serde_json::from_str(&json).expect("and decodes");
    assert_eq!(back, m);
    let first = text.lines().next().unwrap_or("");
    let _ = check_branch(first, &BranchPolicy::default());
});
