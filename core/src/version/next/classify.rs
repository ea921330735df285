//! Which commits count: merges, fixups, reverted pairs and messages that are not Conventional Commits are ignored, each with its reason.

use super::*;

/// Why a commit did not count toward the next version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum IgnoreReason {
    /// A merge commit.
    Merge,
    /// A `fixup!`/`squash!`/`amend!` commit.
    Fixup,
    /// Reverted by a later commit in the same range.
    Reverted,
    /// A revert whose target is in the same range: the pair cancels out.
    RevertPair,
    /// Not a Conventional Commit.
    NonConventional,
    /// A conventional type that does not trigger a release (`chore`, `docs`, ...).
    NoReleaseType,
}

impl IgnoreReason {
    /// The snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            IgnoreReason::Merge => "merge",
            IgnoreReason::Fixup => "fixup",
            IgnoreReason::Reverted => "reverted",
            IgnoreReason::RevertPair => "revert_pair",
            IgnoreReason::NonConventional => "non_conventional",
            IgnoreReason::NoReleaseType => "no_release_type",
        }
    }
}

impl std::fmt::Display for IgnoreReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Classify one commit under `policy`; `reverted` holds the ids reverted
/// inside the range, `paired` the reverts whose target is in range.
pub(crate) fn classify(
    e: &CommitEntry,
    policy: &BumpPolicy,
    cancelled: &HashSet<String>,
) -> std::result::Result<Impact, IgnoreReason> {
    if e.merge && policy.skip_merges {
        return Err(IgnoreReason::Merge);
    }
    if e.fixup && policy.skip_fixups {
        return Err(IgnoreReason::Fixup);
    }
    if policy.pair_reverts && cancelled.contains(&e.id) {
        return Err(if e.revert {
            IgnoreReason::RevertPair
        } else {
            IgnoreReason::Reverted
        });
    }
    if !policy.reads_as_conventional(e) {
        return policy.non_conventional.ok_or(IgnoreReason::NonConventional);
    }
    if policy.reads_as_breaking(e) {
        return Ok(Impact::Breaking);
    }
    if let (true, Some(i)) = (e.revert, policy.revert) {
        return Ok(i);
    }
    match &e.kind {
        Some(kind) => policy.type_impact(kind),
        None => policy.non_conventional.ok_or(IgnoreReason::NonConventional),
    }
}

/// The header a revert quotes: `Revert "x"` → `x`, `revert: x` → `x`
/// (one pair of surrounding quotes dropped). `None` for other commits.
fn reverted_header(e: &CommitEntry) -> Option<&str> {
    let quoted = if e.kind.as_deref() == Some("revert") {
        e.description.trim()
    } else {
        e.subject
            .strip_prefix("Revert ")
            .or_else(|| e.subject.strip_prefix("revert "))?
            .trim()
    };
    let inner = quoted.strip_prefix('"').unwrap_or(quoted);
    Some(if inner.len() < quoted.len() {
        inner.strip_suffix('"').unwrap_or(inner)
    } else {
        quoted
    })
}

/// The ids of commits that cancel out: each revert whose target is in the
/// range, and that target. Matching is by id prefix (`This reverts commit
/// df012f3`), and also by the quoted header when `by_header` is set.
pub(crate) fn cancelled_pairs(entries: &[CommitEntry], by_header: bool) -> HashSet<String> {
    let mut out = HashSet::new();
    for r in entries.iter().filter(|e| e.revert) {
        let Some(target) = &r.reverts else { continue };
        let header = reverted_header(r);
        if let Some(t) = entries.iter().find(|e| {
            e.id != r.id
                && e.id.starts_with(target.as_str())
                && !out.contains(&e.id)
                && (!by_header || header.is_some_and(|h| h.trim() == e.subject.trim()))
        }) {
            out.insert(t.id.clone());
            out.insert(r.id.clone());
        }
    }
    out
}
