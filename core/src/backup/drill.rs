//! Restore drills: verify a restored tree against its manifest, time it, and
//! say whether the recovery-time objective was met — the report an auditor
//! wants after a disaster-recovery test.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::manifest::Manifest;
use super::meta::Action;
use super::verify::{VerifyMode, VerifyOptions, VerifyReport, verify_tree};
use super::walk::ProgressFn;
use crate::error::Result;
use crate::time::{Zero, parse_duration};

/// Options of [`restore_drill`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(default, deny_unknown_fields)]
pub struct DrillOptions {
    /// The recovery-time objective, e.g. `2h` (default).
    pub rto: String,
    /// How long the restore itself took, e.g. `35m`, measured by the caller;
    /// it counts toward the objective with the verification.
    pub restore_time: Option<String>,
    /// How to verify (full by default).
    pub verify: VerifyOptions,
}

impl Default for DrillOptions {
    fn default() -> Self {
        DrillOptions {
            rto: "2h".into(),
            restore_time: None,
            verify: VerifyOptions::default(),
        }
    }
}

/// The outcome of a restore drill.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct DrillReport {
    /// The restored tree matches (content exact, no metadata difference the
    /// policy fails) and the objective was met.
    pub passed: bool,
    /// The restored tree is an exact match of the manifest (in fast mode:
    /// by size and mtime, with only the files whose mtime differs hashed).
    pub exact: bool,
    /// How the tree was verified: `full` hashes every file; `fast` trusts
    /// size and mtime, so contents are not proven (the summary says so).
    pub mode: VerifyMode,
    /// The objective, in seconds.
    pub rto_seconds: f64,
    /// The restore time given, in seconds.
    pub restore_seconds: f64,
    /// The verification time, in seconds.
    pub verify_seconds: f64,
    /// Restore plus verification.
    pub total_seconds: f64,
    /// `total_seconds` within `rto_seconds`.
    pub met_rto: bool,
    /// Bytes in the backup (the manifest's total).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub backup_bytes: u64,
    /// Verification throughput, bytes per second.
    pub bytes_per_second: f64,
    /// Verification time projected for the whole backup at that throughput
    /// (useful when the drill restored a sample).
    pub projected_verify_seconds: f64,
    /// The verification report.
    pub verify: VerifyReport,
    /// A short human summary.
    pub summary: String,
}

fn human(secs: f64) -> String {
    let s = secs.round() as u64;
    match s {
        0..=59 => format!("{secs:.1}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// Verify the restored tree at `root` against `manifest`, time it, and
/// judge it against the recovery-time objective.
pub fn restore_drill(
    root: &Path,
    manifest: &Manifest,
    options: &DrillOptions,
    progress: Option<ProgressFn<'_>>,
) -> Result<DrillReport> {
    let rto = parse_duration(&options.rto, Zero::Refused)?;
    let restore = match &options.restore_time {
        Some(t) => parse_duration(t, Zero::Refused)?,
        None => 0.0,
    };
    let verify = verify_tree(root, manifest, &options.verify, progress)?;
    let verify_seconds = verify.elapsed_seconds;
    let total = restore + verify_seconds;
    let met = total <= rto;
    let rate = verify.bytes_per_second;
    let backup_bytes = manifest.totals.bytes;
    let projected = if rate > 0.0 {
        backup_bytes as f64 / rate
    } else {
        verify_seconds
    };
    let exact = verify.exact;
    let problems: u64 = verify
        .differences
        .iter()
        .filter(|d| !d.problem.is_metadata())
        .count() as u64;
    let failing: Vec<String> = verify
        .metadata
        .iter()
        .filter(|f| f.action == Action::Fail)
        .map(|f| format!("{} {}", f.count, f.kind))
        .collect();
    let passed = verify.passed && met;
    let fast = verify.mode == VerifyMode::Fast;
    let how = if fast {
        format!(
            "; fast mode: {} of {} files hashed, the rest trusted by size and mtime (contents not proven: drill without --fast for that)",
            verify.files_hashed, verify.files_checked
        )
    } else {
        format!("; verified at {:.0} MB/s", rate / 1e6)
    };
    let summary = format!(
        "restore drill {}{}: {} files, {} bytes; {}; restore {} + verify {} = {} against an objective of {} ({}){how}",
        if passed { "PASSED" } else { "FAILED" },
        if fast { " (fast)" } else { "" },
        verify.files_checked,
        verify.bytes_checked,
        match (exact, fast) {
            (true, false) => "the restored tree is an exact match".to_string(),
            (true, true) => "the restored tree matches by size and mtime".to_string(),
            (false, _) => format!("{problems} difference(s) from the manifest"),
        } + &if failing.is_empty() {
            String::new()
        } else {
            format!(
                "; metadata the policy fails: {} (--metadata KIND=warn if the restore cannot keep it)",
                failing.join(", ")
            )
        },
        human(restore),
        human(verify_seconds),
        human(total),
        human(rto),
        if met { "met" } else { "missed" },
    );
    Ok(DrillReport {
        passed,
        exact,
        mode: verify.mode,
        rto_seconds: rto,
        restore_seconds: restore,
        verify_seconds,
        total_seconds: total,
        met_rto: met,
        backup_bytes,
        bytes_per_second: rate,
        projected_verify_seconds: projected,
        verify,
        summary,
    })
}
