//! opskit: an embeddable operations library.
//!
//! One Rust core for the chores that keep a production platform healthy, with
//! thin bindings for Python, Node.js and C. This crate holds all behaviour;
//! bindings only convert arguments, results and errors.
//!
//! Families:
//! - [`version`]: SemVer, Conventional Commits, next version and changelog
//!   from git history, release tags as rollback points, branch policy.
//! - [`health`]: host and process metrics, threshold rules, health+json and
//!   Prometheus exposition.
//! - [`backup`]: manifests of backup trees (BLAKE3/SHA-256), verify, diff,
//!   retention plans, signatures, BagIt and checksum-file export.
//!
//! - [`docs`]: audits of Markdown and HTML documentation trees.
//! - [`apm`]: a metrics registry for a service's own series, beside the
//!   host's.
//!
//! Errors are one [`Error`] type with a stable [`ErrorKind`] that every
//! binding maps the same way.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod apm;
pub mod backup;
pub mod docs;
pub mod error;
pub mod exposition;
pub mod fsutil;
pub mod health;
pub mod limits;
pub mod slo;
pub mod text;
pub mod time;
pub mod version;

pub use error::{Error, ErrorKind, Result};

/// The Rust examples of the docs, compiled (and run, unless marked
/// `no_run` for the folders they name) by `cargo test --doc`, so a doc
/// that drifts from the API fails the build. `tests/docs/examples.py` runs
/// the Python, Node, C and CLI examples against the installed artifacts.
#[cfg(doctest)]
mod doc_examples {
    #[doc = include_str!("../../docs/apm.md")]
    struct Apm;
    #[doc = include_str!("../../docs/backup.md")]
    struct Backup;
    #[doc = include_str!("../../docs/docs-audits.md")]
    struct DocsAudits;
    #[doc = include_str!("../../docs/health.md")]
    struct Health;
    #[doc = include_str!("../../docs/versioning.md")]
    struct Versioning;
    #[doc = include_str!("../../docs/bindings.md")]
    struct Bindings;
    #[doc = include_str!("../../README.md")]
    struct Readme;
}

/// The version of this library (the workspace version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
