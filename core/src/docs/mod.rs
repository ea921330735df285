//! Docs audits: scan a Markdown knowledge base, check its links and
//! anchors as GitHub renders them, and report findings as JSON, SARIF or
//! text.

mod slug;

pub use self::slug::{Slugger, github_slug};
