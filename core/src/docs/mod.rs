//! Docs audits: scan a Markdown knowledge base, check its links and
//! anchors as GitHub renders them, and report findings as JSON, SARIF or
//! text.

mod scan;
mod slug;

pub use self::scan::{Heading, Link, LinkKind, Page, scan_markdown};
pub use self::slug::{Slugger, github_slug};
