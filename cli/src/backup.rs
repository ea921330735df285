//! `opskit backup …`: manifests, verify, diff, retention, signatures, BagIt,
//! checksum lines and restore drills.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use opskit::backup::{self as b, Algorithm, Manifest};

use crate::{Outcome, print_json};

#[derive(Subcommand)]
pub(crate) enum BackupCmd {
    /// Describe a tree: every entry with its size, mode, mtime and content hash.
    Manifest(ManifestArgs),
    /// Check a tree (a backup or a restore) against a manifest.
    Verify(VerifyArgs),
    /// What changed between two manifests.
    Diff(DiffArgs),
    /// Which snapshots to keep and remove (restic forget's rules).
    Retention(Box<RetentionArgs>),
    /// Sign a manifest (HMAC-SHA-256 by default; Ed25519 with --ed25519).
    Sign(SignArgs),
    /// Check a manifest's signature (an Ed25519 public key is enough).
    CheckSignature(CheckSignatureArgs),
    /// Check a chain of manifests, oldest first.
    CheckChain(CheckChainArgs),
    /// Make a BagIt bag of a folder (in place, or a copy with --to).
    Bag(BagArgs),
    /// Validate a BagIt bag (completeness, Payload-Oxum, checksums).
    ValidateBag(ValidateBagArgs),
    /// Print `sha256sum -c` or `b3sum -c` lines for a manifest.
    Checksums(ChecksumsArgs),
    /// Verify a restored tree, time it, and judge it against an objective.
    Drill(DrillArgs),
}

/// The arguments of `Manifest`.
#[derive(Args)]
pub(crate) struct ManifestArgs {
    /// The folder to describe.
    dir: PathBuf,
    /// Write the manifest here (atomically; a symlink is written
    /// through, a FIFO or device written to); `-` or none: standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Record SHA-256 as well as BLAKE3.
    #[arg(long)]
    sha256: bool,
    /// Record SHA-256 only.
    #[arg(long, conflicts_with = "sha256")]
    sha256_only: bool,
    /// A label, `key=value` (repeatable): database, job, encryption, key id.
    #[arg(long = "label", value_name = "KEY=VALUE")]
    labels: Vec<String>,
    /// Only paths matching this glob (repeatable).
    #[arg(long)]
    include: Vec<String>,
    /// Leave out paths matching this glob (repeatable).
    #[arg(long)]
    exclude: Vec<String>,
    /// Follow symlinks instead of recording them.
    #[arg(long)]
    follow_symlinks: bool,
    /// The previous manifest of a chain: its hash is recorded.
    #[arg(long, value_name = "MANIFEST")]
    previous: Option<PathBuf>,
    /// The root label (default: the folder's name).
    #[arg(long)]
    root: Option<String>,
    /// Print a JSON summary instead of text (the manifest goes to --output).
    #[arg(long)]
    json: bool,
    /// Exit 0 although some entries could not be read (they are listed in
    /// the manifest's `skipped` either way).
    #[arg(long)]
    allow_skipped: bool,
}

/// The arguments of `Verify`.
#[derive(Args)]
pub(crate) struct VerifyArgs {
    /// The manifest.
    manifest: PathBuf,
    /// The tree to check.
    dir: PathBuf,
    #[command(flatten)]
    check: TreeCheck,
    /// Stop at the first difference that fails the check.
    #[arg(long)]
    stop_at_first: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// How `verify` and `drill` check a tree.
#[derive(Args)]
pub(crate) struct TreeCheck {
    /// Trust files whose size and mtime match; hash the rest.
    #[arg(long)]
    fast: bool,
    /// What each kind of metadata difference does, as KIND=ACTION pairs
    /// over the defaults: kinds mode, special (setuid/setgid/sticky and
    /// file capabilities), owner, mtime, xattrs, acl, links, or all;
    /// actions ignore, warn, fail. Default:
    /// mode=fail,special=fail,owner=fail,mtime=warn,xattrs=warn,acl=fail,links=warn.
    #[arg(long, value_name = "KIND=ACTION,...", value_parser = parse_policy)]
    metadata: Option<b::MetadataPolicy>,
}

fn parse_policy(s: &str) -> Result<b::MetadataPolicy, String> {
    s.parse()
        .map_err(|e: opskit::Error| e.message().to_string())
}

impl TreeCheck {
    fn options(&self, stop_at_first: bool) -> b::VerifyOptions {
        b::VerifyOptions {
            mode: if self.fast {
                b::VerifyMode::Fast
            } else {
                b::VerifyMode::Full
            },
            stop_at_first,
            metadata: self.metadata.unwrap_or_default(),
            ..Default::default()
        }
    }
}

/// The arguments of `Diff`.
#[derive(Args)]
pub(crate) struct DiffArgs {
    /// The older manifest.
    old: PathBuf,
    /// The newer manifest.
    new: PathBuf,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The arguments of `Sign`.
#[derive(Args)]
pub(crate) struct SignArgs {
    /// The manifest.
    manifest: PathBuf,
    /// The key: HMAC secret, or an Ed25519 PKCS#8 PEM private key.
    #[arg(long)]
    key_file: PathBuf,
    /// Sign with Ed25519.
    #[arg(long)]
    ed25519: bool,
    /// The key's name in the signature (default: the key file's stem).
    #[arg(long)]
    key_id: Option<String>,
    /// Write the signature here (default MANIFEST.sig; `-`: standard output).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The arguments of `CheckSignature`.
#[derive(Args)]
pub(crate) struct CheckSignatureArgs {
    /// The manifest.
    manifest: PathBuf,
    /// The HMAC secret, or the Ed25519 public (or private) key.
    #[arg(long)]
    key_file: PathBuf,
    /// The signature (default MANIFEST.sig).
    #[arg(long)]
    signature: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The arguments of `CheckChain`.
#[derive(Args)]
pub(crate) struct CheckChainArgs {
    /// The manifests, oldest first.
    manifests: Vec<PathBuf>,
}

/// The arguments of `Bag`.
#[derive(Args)]
pub(crate) struct BagArgs {
    /// The folder.
    dir: PathBuf,
    /// Write the bag here (a new or empty folder) instead of in place.
    #[arg(long)]
    to: Option<PathBuf>,
    /// A bag-info.txt line, `Label=value` (repeatable).
    #[arg(long = "info", value_name = "LABEL=VALUE")]
    info: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The arguments of `ValidateBag`.
#[derive(Args)]
pub(crate) struct ValidateBagArgs {
    /// The bag.
    dir: PathBuf,
    /// Completeness and Payload-Oxum only.
    #[arg(long)]
    fast: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// The arguments of `Checksums`.
#[derive(Args)]
pub(crate) struct ChecksumsArgs {
    /// The manifest.
    manifest: PathBuf,
    /// sha256sum or b3sum.
    #[arg(long, default_value = "sha256sum")]
    format: String,
}

/// The arguments of `Drill`.
#[derive(Args)]
pub(crate) struct DrillArgs {
    /// The manifest of the backup.
    manifest: PathBuf,
    /// The restored tree.
    dir: PathBuf,
    /// The recovery-time objective.
    #[arg(long, default_value = "2h")]
    rto: String,
    /// How long the restore took (counts toward the objective).
    #[arg(long)]
    restore_time: Option<String>,
    #[command(flatten)]
    check: TreeCheck,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub(crate) struct RetentionArgs {
    /// Snapshots as JSON: a list of {id, time, tags}, or `restic snapshots --json` output.
    snapshots: PathBuf,
    /// A policy file (JSON with keep_*, group_by and restic_compat fields); flags below override it.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Keep the newest N snapshots.
    #[arg(long, value_name = "N")]
    keep_last: Option<String>,
    /// Keep the newest snapshot of each of the last N hours.
    #[arg(long, value_name = "N")]
    keep_hourly: Option<String>,
    /// ... days.
    #[arg(long, value_name = "N")]
    keep_daily: Option<String>,
    /// ... ISO weeks.
    #[arg(long, value_name = "N")]
    keep_weekly: Option<String>,
    /// ... months.
    #[arg(long, value_name = "N")]
    keep_monthly: Option<String>,
    /// ... years.
    #[arg(long, value_name = "N")]
    keep_yearly: Option<String>,
    /// Keep everything within this span of the newest snapshot (e.g. 7d, 1y2m).
    #[arg(long, value_name = "SPAN")]
    keep_within: Option<String>,
    /// Keep the newest snapshot of each hour within this span.
    #[arg(long, value_name = "SPAN")]
    keep_within_hourly: Option<String>,
    /// ... of each day within this span.
    #[arg(long, value_name = "SPAN")]
    keep_within_daily: Option<String>,
    /// ... of each ISO week within this span.
    #[arg(long, value_name = "SPAN")]
    keep_within_weekly: Option<String>,
    /// ... of each month within this span.
    #[arg(long, value_name = "SPAN")]
    keep_within_monthly: Option<String>,
    /// ... of each year within this span.
    #[arg(long, value_name = "SPAN")]
    keep_within_yearly: Option<String>,
    /// Group snapshots before the rules apply, as restic forget: host,
    /// paths, tags, a comma list, or '' for one group (default host,paths).
    #[arg(long, value_name = "KEYS")]
    group_by: Option<String>,
    /// Follow restic 0.14's rules (no "oldest" snapshot of a bucket not
    /// filled) or current restic's (the default).
    #[arg(long, value_name = "0.14|current")]
    restic_compat: Option<String>,
    /// Keep snapshots with all these tags (comma-separated; repeatable).
    #[arg(long = "keep-tag", value_name = "TAGS")]
    keep_tags: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn read_manifest(p: &Path) -> opskit::Result<Manifest> {
    Manifest::read(p)
}

/// A progress bar on stderr when it is a terminal.
fn bar(json: bool) -> Option<indicatif::ProgressBar> {
    if json || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = indicatif::ProgressBar::new(0);
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(pb)
}

fn with_bar<T>(
    json: bool,
    run: impl FnOnce(Option<b::ProgressFn<'_>>) -> opskit::Result<T>,
) -> opskit::Result<T> {
    match bar(json) {
        None => run(None),
        Some(pb) => {
            let mut cb = |p: b::Progress| {
                pb.set_length(p.bytes_total);
                pb.set_position(p.bytes_done);
                pb.set_message(format!("{}/{} files", p.files_done, p.files_total));
            };
            let out = run(Some(&mut cb));
            pb.finish_and_clear();
            out
        }
    }
}

fn pairs(list: &[String], what: &str) -> opskit::Result<Vec<(String, String)>> {
    list.iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| opskit::Error::invalid(format!("{what} {kv:?} must be KEY=VALUE")))
        })
        .collect()
}

fn count(flag: &Option<String>, name: &str) -> opskit::Result<Option<i64>> {
    flag.as_deref()
        .map(|v| {
            b::parse_keep_count(v)
                .map_err(|e| opskit::Error::invalid(format!("--keep-{name}: {}", e.message())))
        })
        .transpose()
}

/// `-o -`: the output goes to standard output.
fn is_stdout(p: &Path) -> bool {
    p.as_os_str() == "-"
}

fn read_text(p: &Path, what: &str) -> opskit::Result<String> {
    opskit::fsutil::read_text_capped(p, opskit::limits::MAX_DATA_BYTES, what)
}

pub(crate) fn run(cmd: BackupCmd) -> opskit::Result<Outcome> {
    match cmd {
        BackupCmd::Manifest(args) => cmd_manifest(args),
        BackupCmd::Verify(args) => cmd_verify(args),
        BackupCmd::Diff(args) => cmd_diff(args),
        BackupCmd::Retention(a) => cmd_retention(*a),
        BackupCmd::Sign(args) => cmd_sign(args),
        BackupCmd::CheckSignature(args) => cmd_check_signature(args),
        BackupCmd::CheckChain(args) => cmd_check_chain(args),
        BackupCmd::Bag(args) => cmd_bag(args),
        BackupCmd::ValidateBag(args) => cmd_validate_bag(args),
        BackupCmd::Checksums(args) => cmd_checksums(args),
        BackupCmd::Drill(args) => cmd_drill(args),
    }
}

/// `manifest`.
fn cmd_manifest(
    ManifestArgs {
        dir,
        output,
        sha256,
        sha256_only,
        labels,
        include,
        exclude,
        follow_symlinks,
        previous,
        root,
        json,
        allow_skipped,
    }: ManifestArgs,
) -> opskit::Result<Outcome> {
    let algorithms = match (sha256, sha256_only) {
        (_, true) => vec![Algorithm::Sha256],
        (true, _) => vec![Algorithm::Blake3, Algorithm::Sha256],
        _ => vec![Algorithm::Blake3],
    };
    let previous = match previous {
        Some(p) => Some(read_manifest(&p)?.chain_hash()?),
        None => None,
    };
    let opts = b::ManifestOptions {
        algorithms,
        include,
        exclude,
        follow_symlinks,
        root,
        labels: pairs(&labels, "--label")?
            .into_iter()
            .collect::<BTreeMap<_, _>>(),
        previous,
        ..Default::default()
    };
    let output = output.filter(|o| !is_stdout(o));
    let started = std::time::Instant::now();
    let m = with_bar(json || output.is_none(), |p| {
        b::build_manifest(&dir, &opts, p)
    })?;
    let secs = started.elapsed().as_secs_f64();
    match &output {
        Some(out) => m.write(out)?,
        None => print!("{}", m.to_canonical_string()?),
    }
    if json {
        print_json(&serde_json::json!({
            "output": output.as_ref().map(|o| o.display().to_string()),
            "totals": m.totals,
            "skipped": m.skipped,
            "chain_hash": m.chain_hash()?,
            "seconds": secs,
        }))?;
    } else if let Some(out) = &output {
        println!(
            "{}: {} files, {} dirs, {} symlinks, {} bytes in {:.2}s ({:.0} MB/s)",
            crate::shown(out),
            m.totals.files,
            m.totals.dirs,
            m.totals.symlinks,
            m.totals.bytes,
            secs,
            m.totals.bytes as f64 / secs.max(1e-9) / 1e6
        );
    }
    // Entries the walk could not read are in the manifest's `skipped`; a
    // backup that silently left them out would verify as exact, so say so
    // where scripts and people look, and fail unless told not to.
    if !m.skipped.is_empty() {
        const SHOWN: usize = 20;
        for s in m.skipped.iter().take(SHOWN) {
            eprintln!(
                "skipped {}: {}",
                opskit::text::quote(&s.path),
                opskit::text::escape_controls(&s.reason)
            );
        }
        if m.skipped.len() > SHOWN {
            eprintln!("… and {} more", m.skipped.len() - SHOWN);
        }
        eprintln!(
            "opskit: {} entr{} could not be read and {} not in the manifest (listed in its skipped); run as a user who can read them, exclude them, or pass --allow-skipped",
            m.skipped.len(),
            if m.skipped.len() == 1 { "y" } else { "ies" },
            if m.skipped.len() == 1 { "is" } else { "are" },
        );
        if !allow_skipped {
            return Ok(Outcome::CheckFailed);
        }
    }
    Ok(Outcome::Ok)
}

/// `verify`.
fn cmd_verify(
    VerifyArgs {
        manifest,
        dir,
        check,
        stop_at_first,
        json,
    }: VerifyArgs,
) -> opskit::Result<Outcome> {
    let m = read_manifest(&manifest)?;
    let opts = check.options(stop_at_first);
    let r = with_bar(json, |p| b::verify_tree(&dir, &m, &opts, p))?;
    if json {
        print_json(&r)?;
    } else {
        print_verify(&r);
    }
    if !r.passed {
        return Ok(Outcome::CheckFailed);
    }
    Ok(Outcome::Ok)
}

/// `diff`.
fn cmd_diff(DiffArgs { old, new, json }: DiffArgs) -> opskit::Result<Outcome> {
    let d = b::diff_manifests(&read_manifest(&old)?, &read_manifest(&new)?)?;
    if json {
        print_json(&d)?;
    } else {
        for i in &d.added {
            println!("+ {}", i.shown_path());
        }
        for i in &d.removed {
            println!("- {}", i.shown_path());
        }
        for i in &d.modified {
            println!("M {}", i.shown_path());
        }
        for r in &d.renamed {
            let (from, to) = r.shown_paths();
            println!("R {from} -> {to}");
        }
        for i in &d.type_changed {
            println!("T {}", i.shown_path());
        }
        for i in &d.suspicious {
            println!(
                "? {} (content changed, size and mtime did not: corruption?)",
                i.shown_path()
            );
        }
        println!(
            "{} added ({} bytes), {} removed ({} bytes), {} modified ({} bytes), {} renamed",
            d.added.len(),
            d.bytes_added,
            d.removed.len(),
            d.bytes_removed,
            d.modified.len(),
            d.bytes_modified,
            d.renamed.len()
        );
    }
    Ok(Outcome::Ok)
}

/// `retention`.
fn cmd_retention(a: RetentionArgs) -> opskit::Result<Outcome> {
    let mut policy: b::RetentionPolicy = match &a.policy {
        Some(p) => serde_json::from_str(&read_text(p, "policy")?)
            .map_err(|e| opskit::Error::invalid(format!("invalid policy {}: {e}", p.display())))?,
        None => b::RetentionPolicy::default(),
    };
    for (flag, name, slot) in [
        (&a.keep_last, "last", &mut policy.keep_last),
        (&a.keep_hourly, "hourly", &mut policy.keep_hourly),
        (&a.keep_daily, "daily", &mut policy.keep_daily),
        (&a.keep_weekly, "weekly", &mut policy.keep_weekly),
        (&a.keep_monthly, "monthly", &mut policy.keep_monthly),
        (&a.keep_yearly, "yearly", &mut policy.keep_yearly),
    ] {
        if let Some(n) = count(flag, name)? {
            *slot = Some(n);
        }
    }
    for (flag, slot) in [
        (&a.keep_within, &mut policy.keep_within),
        (&a.keep_within_hourly, &mut policy.keep_within_hourly),
        (&a.keep_within_daily, &mut policy.keep_within_daily),
        (&a.keep_within_weekly, &mut policy.keep_within_weekly),
        (&a.keep_within_monthly, &mut policy.keep_within_monthly),
        (&a.keep_within_yearly, &mut policy.keep_within_yearly),
    ] {
        if let Some(w) = flag {
            *slot = Some(b::CalendarSpan::parse(w)?);
        }
    }
    if a.group_by.is_some() {
        policy.group_by = a.group_by.clone();
    }
    if a.restic_compat.is_some() {
        policy.restic_compat = a.restic_compat.clone();
    }
    for t in &a.keep_tags {
        policy
            .keep_tags
            .push(t.split(',').map(|s| s.trim().to_string()).collect());
    }
    let snaps = b::parse_snapshots(&read_text(&a.snapshots, "snapshots")?)?;
    let plan = b::plan_retention(&snaps, &policy, None)?;
    if a.json {
        print_json(&plan)?;
    } else {
        for g in &plan.groups {
            let mut said = Vec::new();
            if let Some(h) = &g.key.host {
                said.push(format!("host {}", opskit::text::quote(h)));
            }
            if let Some(p) = &g.key.paths {
                said.push(format!(
                    "paths [{}]",
                    opskit::text::escape_controls(&p.join(", "))
                ));
            }
            if let Some(t) = &g.key.tags {
                said.push(format!(
                    "tags [{}]",
                    opskit::text::escape_controls(&t.join(", "))
                ));
            }
            if said.is_empty() {
                said.push("all snapshots".into());
            }
            println!(
                "{}: {} to keep, {} to remove",
                said.join(", "),
                g.keep.len(),
                g.remove.len()
            );
            for k in &g.keep {
                println!(
                    "  keep   {} {}  [{}]",
                    k.snapshot.id.as_deref().unwrap_or("-"),
                    k.snapshot.time,
                    k.reasons.join(", ")
                );
            }
            for r in &g.remove {
                println!("  remove {} {}", r.id.as_deref().unwrap_or("-"), r.time);
            }
        }
        for f in &plan.future {
            println!(
                "warning: snapshot {} is dated in the future ({})",
                f.id.as_deref().unwrap_or("-"),
                f.time
            );
        }
        println!(
            "{} to keep, {} to remove",
            plan.keep.len(),
            plan.remove.len()
        );
    }
    Ok(Outcome::Ok)
}

/// `sign`.
fn cmd_sign(
    SignArgs {
        manifest,
        key_file,
        ed25519,
        key_id,
        output,
        json,
    }: SignArgs,
) -> opskit::Result<Outcome> {
    let m = read_manifest(&manifest)?;
    let key = opskit::fsutil::read_capped(&key_file, opskit::limits::MAX_KEY_BYTES, "key file")?;
    let key_id = key_id.unwrap_or_else(|| {
        key_file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "key".into())
    });
    let alg = if ed25519 {
        b::SignatureAlgorithm::Ed25519
    } else {
        b::SignatureAlgorithm::default()
    };
    let sig = b::sign_manifest(&m, alg, &key, &key_id)?;
    let out = output.unwrap_or_else(|| sig_path(&manifest));
    if is_stdout(&out) {
        // The signature is the output; what was done goes to stderr.
        print!("{}", sig.to_json()?);
        eprintln!(
            "signed {} with {} key {key_id:?}",
            crate::shown(&manifest),
            alg.as_str()
        );
        return Ok(Outcome::Ok);
    }
    opskit::fsutil::write_atomic(&out, sig.to_json()?.as_bytes())?;
    if json {
        print_json(
            &serde_json::json!({"signature": out.display().to_string(), "algorithm": alg.as_str(), "key_id": key_id}),
        )?;
    } else {
        println!(
            "signed {} with {} key {key_id:?}: {}",
            crate::shown(&manifest),
            alg.as_str(),
            crate::shown(&out)
        );
    }
    Ok(Outcome::Ok)
}

/// `check-signature`.
fn cmd_check_signature(
    CheckSignatureArgs {
        manifest,
        key_file,
        signature,
        json,
    }: CheckSignatureArgs,
) -> opskit::Result<Outcome> {
    let m = read_manifest(&manifest)?;
    let key = opskit::fsutil::read_capped(&key_file, opskit::limits::MAX_KEY_BYTES, "key file")?;
    let sig_file = signature.unwrap_or_else(|| sig_path(&manifest));
    let sig = b::Signature::from_json(&read_text(&sig_file, "signature")?)?;
    match b::check_signature(&m, &sig, &key) {
        Ok(()) => {
            if json {
                print_json(&serde_json::json!({"valid": true, "key_id": sig.key_id}))?;
            } else {
                println!(
                    "ok: {} is signed by {:?} ({})",
                    crate::shown(&manifest),
                    sig.key_id,
                    sig.algorithm.as_str()
                );
            }
        }
        Err(e) if e.kind() == opskit::ErrorKind::Integrity => {
            if json {
                print_json(&serde_json::json!({"valid": false, "reason": e.to_string()}))?;
            } else {
                println!("INVALID: {e}");
            }
            return Ok(Outcome::CheckFailed);
        }
        Err(e) => return Err(e),
    }
    Ok(Outcome::Ok)
}

/// `check-chain`.
fn cmd_check_chain(CheckChainArgs { manifests }: CheckChainArgs) -> opskit::Result<Outcome> {
    let list = manifests
        .iter()
        .map(|p| read_manifest(p))
        .collect::<opskit::Result<Vec<_>>>()?;
    match b::check_chain(&list) {
        Ok(()) => println!("ok: {} manifests form an unbroken chain", list.len()),
        Err(e) if e.kind() == opskit::ErrorKind::Integrity => {
            println!("BROKEN: {e}");
            return Ok(Outcome::CheckFailed);
        }
        Err(e) => return Err(e),
    }
    Ok(Outcome::Ok)
}

/// `bag`.
fn cmd_bag(
    BagArgs {
        dir,
        to,
        info,
        json,
    }: BagArgs,
) -> opskit::Result<Outcome> {
    let opts = b::BagOptions {
        dest: to.map(|t| t.display().to_string()),
        info: pairs(&info, "--info")?,
        ..Default::default()
    };
    let r = b::make_bag(&dir, &opts)?;
    if json {
        print_json(&r)?;
    } else {
        println!(
            "bag {}: {} files, {} bytes (Payload-Oxum {})",
            r.bag, r.files, r.bytes, r.payload_oxum
        );
        for w in &r.warnings {
            println!("warning: {w}");
        }
    }
    Ok(Outcome::Ok)
}

/// `validate-bag`.
fn cmd_validate_bag(
    ValidateBagArgs { dir, fast, json }: ValidateBagArgs,
) -> opskit::Result<Outcome> {
    let v = b::validate_bag(&dir, &b::BagValidateOptions { fast })?;
    if json {
        print_json(&v)?;
    } else {
        for e in &v.errors {
            println!("error: {e}");
        }
        for w in &v.warnings {
            println!("warning: {w}");
        }
        println!(
            "{}: {} (BagIt {}, {} files, {} bytes)",
            crate::shown(&dir),
            if v.valid { "valid" } else { "INVALID" },
            v.version.as_deref().unwrap_or("?"),
            v.files,
            v.bytes
        );
    }
    if !v.valid {
        return Ok(Outcome::CheckFailed);
    }
    Ok(Outcome::Ok)
}

/// `checksums`.
fn cmd_checksums(ChecksumsArgs { manifest, format }: ChecksumsArgs) -> opskit::Result<Outcome> {
    let f: b::ChecksumFormat = format.parse()?;
    let lines = b::checksum_lines(&read_manifest(&manifest)?, f)?;
    std::io::Write::write_all(&mut std::io::stdout().lock(), &lines)
        .map_err(|e| opskit::Error::io(Path::new("-"), "write to standard output", e))?;
    Ok(Outcome::Ok)
}

/// `drill`.
fn cmd_drill(
    DrillArgs {
        manifest,
        dir,
        rto,
        restore_time,
        check,
        json,
    }: DrillArgs,
) -> opskit::Result<Outcome> {
    let m = read_manifest(&manifest)?;
    let opts = b::DrillOptions {
        rto,
        restore_time,
        verify: check.options(false),
    };
    let r = with_bar(json, |p| b::restore_drill(&dir, &m, &opts, p))?;
    if json {
        print_json(&r)?;
    } else {
        print_verify(&r.verify);
        println!("{}", r.summary);
    }
    if !r.passed {
        return Ok(Outcome::CheckFailed);
    }
    Ok(Outcome::Ok)
}

fn sig_path(manifest: &Path) -> PathBuf {
    let mut s = manifest.as_os_str().to_os_string();
    s.push(".sig");
    PathBuf::from(s)
}

/// How many differences the human output lists; `--json` has them all.
const LISTED: usize = 50;

pub(crate) fn print_verify(r: &b::VerifyReport) {
    if let Some(hint) = &r.hint {
        println!("hint: {hint}");
    }
    // Content and presence, entry by entry; metadata, one line per kind.
    let content: Vec<&b::Difference> = r
        .differences
        .iter()
        .filter(|d| !d.problem.is_metadata())
        .collect();
    for d in content.iter().take(LISTED) {
        let detail = match (d.shown_expected(), d.shown_found()) {
            (Some(e), Some(f)) => format!(" (expected {e}, found {f})"),
            (None, Some(f)) => format!(" ({f})"),
            _ => String::new(),
        };
        println!("{:<12} {}{detail}", d.problem.as_str(), d.shown_path());
    }
    if content.len() > LISTED {
        println!(
            "... and {} more (--json lists them all)",
            content.len() - LISTED
        );
    }
    for f in &r.metadata {
        println!("{}", f.summary);
    }
    let fast = r.mode == b::VerifyMode::Fast;
    println!(
        "{}: {} files ({} bytes) checked, {} hashed{} in {:.2}s{}",
        match (r.exact, r.passed, fast) {
            (true, true, false) => "exact match",
            (true, true, true) => "match by size and mtime (fast mode: contents not proven)",
            (true, false, _) => "FAILED: content matches, metadata does not (see above)",
            (false, _, _) => "DIFFERS",
        },
        r.files_checked,
        r.bytes_checked,
        r.files_hashed,
        if fast {
            String::new()
        } else {
            format!(" at {:.0} MB/s", r.bytes_per_second / 1e6)
        },
        r.elapsed_seconds,
        if r.stopped_early {
            " (stopped at the first difference)"
        } else {
            ""
        }
    );
}
