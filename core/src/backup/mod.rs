//! Backup manifests: describe a tree byte for byte, verify a backup or a
//! restore against it, diff two days, plan retention, sign, and export for
//! tools that don't know opskit (BagIt, `sha256sum -c`, `b3sum -c`).
//!
//! ```no_run
//! use std::path::Path;
//! use opskit::backup::{build_manifest, verify_tree, ManifestOptions, VerifyOptions};
//!
//! let m = build_manifest(Path::new("/srv/backup/2026-12-02"), &ManifestOptions::default(), None)?;
//! m.write(Path::new("/srv/backup/2026-12-02.manifest.json"))?;
//! let report = verify_tree(Path::new("/restore"), &m, &VerifyOptions::default(), None)?;
//! assert!(report.passed);
//! # Ok::<(), opskit::Error>(())
//! ```

mod bagit;
mod build;
mod checksums;
mod drill;
pub(crate) mod manifest;
mod meta;
mod retention;
mod sign;
mod verify;
mod walk;

pub use self::bagit::{
    BagAlgorithm, BagOptions, BagReport, BagValidateOptions, BagValidation, make_bag, validate_bag,
};
pub use self::build::{ManifestOptions, build_manifest};
pub use self::checksums::{ChecksumFormat, checksum_lines};
pub use self::drill::{DrillOptions, DrillReport, restore_drill};
pub use self::manifest::{
    Algorithm, Entry, EntryKind, Filters, MANIFEST_FORMAT, MANIFEST_VERSION, MAX_MANIFEST_BYTES,
    MAX_MANIFEST_ENTRIES, Manifest, Skipped, Totals,
};
pub use self::meta::{Action, MetadataPolicy};
pub use self::retention::{
    CalendarSpan, Kept, RetentionGroup, RetentionGroupKey, RetentionPlan, RetentionPolicy,
    Snapshot, parse_keep_count, parse_snapshots, plan_retention, snapshots_from_value,
};
pub use self::sign::{
    SIGNATURE_FORMAT, Signature, SignatureAlgorithm, check_chain, check_signature, sign_manifest,
};
pub use self::verify::{
    DiffItem, Difference, ManifestDiff, MetadataFinding, Problem, Renamed, VerifyMode,
    VerifyOptions, VerifyReport, diff_manifests, verify_tree,
};
pub use self::walk::{Progress, ProgressFn};
