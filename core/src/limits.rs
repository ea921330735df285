//! Every cap on an input that could otherwise grow without bound, in one
//! place. Past a cap the call fails with an `InvalidInput` error that names
//! the input and the limit (or, for the infallible scanners, bounds the
//! work as documented on the constant).

use crate::error::{Error, Result};

/// The largest manifest text read or parsed: 512 MiB, about two million
/// entries with two digests each. Past it, reading fails before allocating.
pub const MAX_MANIFEST_BYTES: u64 = 512 << 20;

/// The most entries one manifest holds (a walk past it stops with an error
/// rather than growing without bound).
pub const MAX_MANIFEST_ENTRIES: usize = 10_000_000;

/// Pages larger than this are reported, not parsed (the largest page of
/// kubernetes/community is 1.4 MB).
pub const MAX_PAGE_BYTES: u64 = 16 * 1024 * 1024;

/// How deep elements may nest in an HTML page before the scan flattens
/// them: Blink's parser limit (`kMaximumHTMLParserDOMTreeDepth`). Real
/// pages stay far below it; an audit reports a deeper page as unreadable.
pub const MAX_HTML_DEPTH: usize = 512;

/// How many probes one run takes at most.
pub const MAX_PROBES: usize = 256;
/// How much of an HTTP body is read (for `body_contains`).
pub const MAX_BODY_BYTES: u64 = 1 << 20;

/// The largest policy or options text (health, docs and release TOML):
/// 1 MiB, a thousand times a real one.
pub const MAX_POLICY_BYTES: usize = 1 << 20;

/// The largest commit message read whole: 1 MiB. A longer message is
/// parsed from its first MiB (cut at a character boundary), so a footer
/// past it is not seen.
pub const MAX_COMMIT_MESSAGE_BYTES: usize = 1 << 20;

/// The largest file a release reads and rewrites (CHANGELOG.md, version
/// files): 64 MiB.
pub const MAX_RELEASE_FILE_BYTES: u64 = 64 << 20;

/// The largest key, routing-key or signature file: 64 KiB (a real one is
/// under 1 KiB).
pub const MAX_KEY_BYTES: u64 = 64 << 10;

/// The largest machine-written JSON a call reads back: a snapshot list
/// (`restic snapshots --json`), a docs baseline or a link cache: 256 MiB.
pub const MAX_DATA_BYTES: u64 = 256 << 20;

/// The largest BagIt tag file or payload manifest read: as large as a
/// manifest may be ([`MAX_MANIFEST_BYTES`]).
pub const MAX_TAG_FILE_BYTES: u64 = MAX_MANIFEST_BYTES;

/// How deep `{ }` may nest in a g3doc comment (real ones use two levels).
pub const MAX_G3DOC_DEPTH: usize = 32;

/// Refuse a policy text over [`MAX_POLICY_BYTES`]; `what` names it.
pub(crate) fn check_policy(what: &str, text: &str) -> Result<()> {
    if text.len() > MAX_POLICY_BYTES {
        return Err(Error::invalid(format!(
            "{what} is {} bytes, over the {MAX_POLICY_BYTES}-byte limit: is it the right file?",
            text.len()
        )));
    }
    Ok(())
}
