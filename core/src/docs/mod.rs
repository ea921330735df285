//! Docs audits: scan a Markdown knowledge base, check its links and
//! anchors as GitHub renders them, and report findings as JSON, SARIF or
//! text.
//!
//! ```no_run
//! use opskit::docs::{AuditOptions, Severity, audit};
//!
//! let report = audit(std::path::Path::new("docs"), &AuditOptions::default())?;
//! for f in &report.findings {
//!     println!("{}:{}:{}: {} {}", f.path, f.line, f.column, f.rule, f.message);
//! }
//! assert_eq!(report.count_at_least(Severity::Error), 0);
//! # Ok::<(), opskit::Error>(())
//! ```

/// The audit's own maps (paths, pages, listings): foldhash, seeded per
/// map, where SipHash cost a few percent of a real audit.
pub(crate) type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

mod audit;
mod external;
mod finding;
mod history;
mod lifecycle;
mod meta;
mod options;
mod pages;
mod report;
mod resolve;
mod scan;
mod secrets;
mod slug;

pub use self::audit::{Audit, audit};
pub use self::external::ExternalOptions;
pub use self::finding::{Finding, RULES, RuleInfo, Severity, fingerprint, rule};
pub use self::options::{AuditOptions, RequiredDoc, SectionRule};
pub use self::report::{apply_baseline, finding_line, to_sarif, to_text};
pub use self::scan::{
    Heading, Link, LinkKind, MAX_HTML_DEPTH, Page, Suppression, scan_html, scan_markdown,
};
pub use self::secrets::{SecretHit, find_secrets};
pub use self::slug::{Slugger, github_slug, github_slugs};
pub use crate::limits::MAX_PAGE_BYTES;
