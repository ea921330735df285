//! `opskit version …`: SemVer, the next version and changelog from git,
//! release tags, releases, bumps and branch policy.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use opskit::version::{self, BumpLevel, ChangelogRange, Preset};

use crate::{Outcome, print_json};

/// Which commits belong to one component of a monorepo.
#[derive(Args, Clone)]
pub(crate) struct ComponentArgs {
    /// Only commits touching this path count (repeatable).
    #[arg(long = "include-path", value_name = "PATH")]
    paths: Vec<String>,
    /// Only commits whose Conventional Commits scope names this component
    /// count (repeatable; `feat(api,web): x` names api and web).
    #[arg(long = "scope", value_name = "NAME")]
    scopes: Vec<String>,
    /// How --include-path and --scope combine: paths, scopes, either, both
    /// (default: whichever is given; either when both are).
    #[arg(long, value_name = "MODE")]
    component_match: Option<String>,
}

impl ComponentArgs {
    fn mode(&self) -> opskit::Result<Option<version::ComponentMatch>> {
        self.component_match
            .as_deref()
            .map(|m| {
                serde_json::from_value(serde_json::Value::String(m.to_string())).map_err(|_| {
                    opskit::Error::invalid(format!(
                        "unknown --component-match {m:?}; use paths, scopes, either or both"
                    ))
                })
            })
            .transpose()
    }
}

#[derive(Args, Clone)]
pub(crate) struct RepoArgs {
    /// Repository (or any folder inside it).
    #[arg(long, default_value = ".")]
    path: PathBuf,
    /// Revision to look from.
    #[arg(long, default_value = "HEAD")]
    rev: String,
    /// Release tag pattern: v{version}, {version}, api-v{version}, web@{version}.
    #[arg(long, default_value = version::DEFAULT_TAG_PATTERN)]
    tag_pattern: String,
    /// Version scheme of the tags: semver, pep440 or auto (default: PEP 440
    /// when the tags or the root's pyproject.toml use it, else SemVer).
    #[arg(long, value_name = "SCHEME")]
    scheme: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

impl RepoArgs {
    /// The scheme asked for, or core's default.
    fn scheme(&self) -> opskit::Result<version::Scheme> {
        Ok(parse_scheme(self.scheme.as_deref())?.unwrap_or_default())
    }
}

/// A `--scheme` value read by core.
fn parse_scheme(s: Option<&str>) -> opskit::Result<Option<version::Scheme>> {
    s.map(str::parse).transpose()
}

#[derive(Subcommand)]
pub(crate) enum VersionCmd {
    /// The current release: the highest stable release tag nearest to the
    /// revision (with --channel, that channel's pre-releases count too).
    Current(CurrentArgs),
    /// The next version from the commits since the current release.
    Next(NextArgs),
    /// A Keep a Changelog markdown (or JSON) changelog.
    Changelog(ChangelogArgs),
    /// List release tags, sorted by SemVer.
    Releases(ReleasesArgs),
    /// The release to roll back to from VERSION (default: the latest release).
    Rollback(RollbackArgs),
    /// Release: the next version's section prepended to CHANGELOG.md, the
    /// version bumped in the policy's files, one commit and an annotated tag.
    Release(ReleaseArgs),
    /// Bump a version: major, minor, patch, premajor, preminor, prepatch, prerelease.
    Bump(BumpArgs),
    /// Check a branch name against the branch policy.
    CheckBranch(CheckBranchArgs),
    /// Is promoting FROM into TO (e.g. staging → production) a fast-forward?
    PromoteCheck(PromoteCheckArgs),
}

/// The arguments of `Current`.
#[derive(Args)]
pub(crate) struct CurrentArgs {
    #[command(flatten)]
    repo: RepoArgs,
    /// Pre-release channel whose pre-releases count as releases.
    #[arg(long)]
    channel: Option<String>,
}

/// The arguments of `Next`.
#[derive(Args)]
pub(crate) struct NextArgs {
    #[command(flatten)]
    repo: RepoArgs,
    #[command(flatten)]
    component: ComponentArgs,
    /// Pre-release channel (rc, beta, alpha): enter or continue a pre-release.
    #[arg(long)]
    channel: Option<String>,
    /// Bump rules: opskit, semantic-release, git-cliff, release-plz,
    /// commitizen, release-please, python-semantic-release; `help` lists what each changes.
    #[arg(long, default_value = "opskit")]
    preset: String,
    /// Before 1.0.0 a breaking change bumps the minor (release-please's option).
    #[arg(long)]
    bump_minor_pre_major: bool,
    /// Before 1.0.0 a feature bumps the patch (release-please's option).
    #[arg(long)]
    bump_patch_for_minor_pre_major: bool,
    /// The next version as it was at REV: only tags reachable from REV
    /// count (replaces --rev).
    #[arg(long, value_name = "REV")]
    as_of: Option<String>,
}

/// The arguments of `Changelog`.
#[derive(Args)]
pub(crate) struct ChangelogArgs {
    #[command(flatten)]
    repo: RepoArgs,
    #[command(flatten)]
    component: ComponentArgs,
    /// Only this channel's pre-releases are sections of their own.
    #[arg(long)]
    channel: Option<String>,
    /// One release (version or tag) instead of the unreleased commits.
    #[arg(long, conflicts_with = "all")]
    release: Option<String>,
    /// The whole history.
    #[arg(long)]
    all: bool,
    /// Leave out commits that fit no named group.
    #[arg(long)]
    no_other: bool,
    /// Fold pre-release tags into the next stable release.
    #[arg(long)]
    merge_prereleases: bool,
}

/// The arguments of `Releases`.
#[derive(Args)]
pub(crate) struct ReleasesArgs {
    #[command(flatten)]
    repo: RepoArgs,
    /// Leave out pre-releases.
    #[arg(long)]
    no_prereleases: bool,
    /// Only this channel's pre-releases.
    #[arg(long)]
    channel: Option<String>,
    /// Only releases reachable from the revision given with --rev.
    #[arg(long)]
    merged: bool,
}

/// The arguments of `Rollback`.
#[derive(Args)]
pub(crate) struct RollbackArgs {
    #[command(flatten)]
    repo: RepoArgs,
    /// Version or tag to roll back from.
    version: Option<String>,
    /// Pre-releases may be rollback targets.
    #[arg(long)]
    include_prereleases: bool,
    /// With --include-prereleases, only this channel's.
    #[arg(long)]
    channel: Option<String>,
}

/// The arguments of `Release`.
#[derive(Args)]
pub(crate) struct ReleaseArgs {
    /// Repository (or any folder inside it).
    #[arg(long, default_value = ".")]
    path: PathBuf,
    /// A release policy (TOML); default: release.toml at the repository's root, if there is one.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Report every change and write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Release tag pattern (default v{version}).
    #[arg(long)]
    tag_pattern: Option<String>,
    /// Version scheme: semver, pep440 or auto (default auto, or the policy's).
    #[arg(long, value_name = "SCHEME")]
    scheme: Option<String>,
    #[command(flatten)]
    component: ComponentArgs,
    /// Pre-release channel (rc, beta, alpha).
    #[arg(long)]
    channel: Option<String>,
    /// Bump rules: opskit, semantic-release, git-cliff, release-plz, commitizen, release-please, python-semantic-release.
    #[arg(long)]
    preset: Option<String>,
    /// A file holding the version: Cargo.toml, package.json, pyproject.toml (repeatable).
    #[arg(long = "file", value_name = "PATH")]
    files: Vec<String>,
    /// The changelog to prepend to (default CHANGELOG.md).
    #[arg(long, value_name = "PATH", conflicts_with = "no_changelog")]
    changelog: Option<String>,
    /// Leave changelogs alone.
    #[arg(long)]
    no_changelog: bool,
    /// The release date in the changelog, YYYY-MM-DD (default today, UTC).
    #[arg(long)]
    date: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// The arguments of `Bump`.
#[derive(Args)]
pub(crate) struct BumpArgs {
    /// The version, e.g. 1.2.3.
    version: String,
    /// The level.
    level: String,
    /// Pre-release channel for the pre* levels (PEP 440: a, b or rc).
    #[arg(long)]
    channel: Option<String>,
    /// Version scheme: semver (default), pep440, or auto (SemVer when it
    /// reads the version, else PEP 440).
    #[arg(long, value_name = "SCHEME")]
    scheme: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// The arguments of `CheckBranch`.
#[derive(Args)]
pub(crate) struct CheckBranchArgs {
    /// The branch name, e.g. feature/login.
    name: String,
    /// Allowed glob (repeatable); replaces the default policy.
    #[arg(long = "allow", value_name = "GLOB")]
    allow: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// The arguments of `PromoteCheck`.
#[derive(Args)]
pub(crate) struct PromoteCheckArgs {
    /// Source branch.
    from: String,
    /// Target branch.
    to: String,
    /// Repository (or any folder inside it).
    #[arg(long, default_value = ".")]
    path: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn print_release(r: &version::CutRelease, policy: Option<&std::path::Path>) {
    println!(
        "{} {} ({}) on {}, {} commit(s) since {}{}",
        if r.dry_run {
            "would release"
        } else {
            "released"
        },
        r.tag,
        r.version,
        r.branch,
        r.commits,
        r.previous_tag.as_deref().unwrap_or("the start"),
        policy
            .map(|p| format!(", policy {}", p.display()))
            .unwrap_or_default()
    );
    for f in &r.files {
        let what = match (&f.old_version, &f.new_version) {
            (Some(o), Some(n)) => format!("{o} -> {n}"),
            _ if f.created => "create".into(),
            _ => "prepend the section".into(),
        };
        println!("  {:<10} {}  {what}", f.kind, f.path);
    }
    for f in &r.skipped_files {
        println!("  {:<10} {}  left alone: {}", "skipped", f.path, f.reason);
    }
    match &r.commit {
        Some(c) => println!("  commit {} tagged {}", short(c), r.tag),
        None => println!("  dry run: nothing written, no commit, no tag"),
    }
    println!();
    print!("{}", r.section);
}

fn short(id: &str) -> &str {
    id.get(..version::SHORT_ID_LEN).unwrap_or(id)
}

pub(crate) fn run(cmd: VersionCmd) -> opskit::Result<Outcome> {
    match cmd {
        VersionCmd::Current(args) => cmd_current(args),
        VersionCmd::Next(args) => cmd_next(args),
        VersionCmd::Changelog(args) => cmd_changelog(args),
        VersionCmd::Releases(args) => cmd_releases(args),
        VersionCmd::Rollback(args) => cmd_rollback(args),
        VersionCmd::Release(args) => cmd_release(args),
        VersionCmd::Bump(args) => cmd_bump(args),
        VersionCmd::CheckBranch(args) => cmd_check_branch(args),
        VersionCmd::PromoteCheck(args) => cmd_promote_check(args),
    }
}

/// `current`.
fn cmd_current(CurrentArgs { repo: r, channel }: CurrentArgs) -> opskit::Result<Outcome> {
    let opts = version::CurrentOptions {
        rev: r.rev.clone(),
        tag_pattern: r.tag_pattern.clone(),
        scheme: r.scheme()?,
        channel,
    };
    let cur = version::current_release(&r.path, &opts)?;
    if r.json {
        print_json(&cur)?;
    } else {
        match cur {
            Some(c) => println!(
                "{} ({}) at {}, {}",
                c.tag,
                c.version,
                short(&c.commit),
                c.date
            ),
            None => println!(
                "no release tag matching {} is reachable from {}",
                r.tag_pattern, r.rev
            ),
        }
    }
    Ok(Outcome::Ok)
}

/// `next`.
fn cmd_next(
    NextArgs {
        repo,
        component,
        channel,
        preset,
        bump_minor_pre_major,
        bump_patch_for_minor_pre_major,
        as_of,
    }: NextArgs,
) -> opskit::Result<Outcome> {
    if preset == "help" {
        print_presets();
        return Ok(Outcome::Ok);
    }
    if as_of.is_some() && repo.rev != "HEAD" {
        return Err(opskit::Error::invalid(
            "give --as-of REV or --rev REV, not both: --as-of is --rev that sees only the tags reachable from it",
        ));
    }
    let opts = version::NextOptions {
        rev: as_of.clone().unwrap_or_else(|| repo.rev.clone()),
        tag_pattern: repo.tag_pattern.clone(),
        scheme: repo.scheme()?,
        component_match: component.mode()?,
        paths: component.paths,
        scopes: component.scopes,
        channel,
        preset: preset.parse::<Preset>()?,
        policy: None,
        bump_minor_pre_major,
        bump_patch_for_minor_pre_major,
        as_of: as_of.is_some(),
    };
    let next = version::next_version(&repo.path, &opts)?;
    if repo.json {
        print_json(&next)?;
    } else {
        print_next(&next);
    }
    Ok(Outcome::Ok)
}

/// `changelog`.
fn cmd_changelog(
    ChangelogArgs {
        repo,
        component,
        channel,
        release,
        all,
        no_other,
        merge_prereleases,
    }: ChangelogArgs,
) -> opskit::Result<Outcome> {
    let range = match (release, all) {
        (Some(r), _) => ChangelogRange::Release(r),
        (None, true) => ChangelogRange::All,
        (None, false) => ChangelogRange::Unreleased,
    };
    let opts = version::ChangelogOptions {
        rev: repo.rev.clone(),
        tag_pattern: repo.tag_pattern.clone(),
        scheme: repo.scheme()?,
        component_match: component.mode()?,
        paths: component.paths,
        scopes: component.scopes,
        range,
        include_other: !no_other,
        include_prereleases: !merge_prereleases,
        channel,
        ..Default::default()
    };
    let log = version::changelog(&repo.path, &opts)?;
    if repo.json {
        print_json(&log)?;
    } else {
        print!("{}", log.to_markdown());
    }
    Ok(Outcome::Ok)
}

/// `releases`.
fn cmd_releases(
    ReleasesArgs {
        repo,
        no_prereleases,
        channel,
        merged,
    }: ReleasesArgs,
) -> opskit::Result<Outcome> {
    let opts = version::ReleaseOptions {
        tag_pattern: repo.tag_pattern.clone(),
        scheme: repo.scheme()?,
        include_prereleases: !no_prereleases,
        channel,
        merged_into: merged.then(|| repo.rev.clone()),
    };
    let list = version::releases(&repo.path, &opts)?;
    if repo.json {
        print_json(&list)?;
    } else if list.is_empty() {
        println!("no release tags match {}", repo.tag_pattern);
    } else {
        for r in list.iter().rev() {
            println!(
                "{:<24} {:<18} {}  {}  {}",
                r.tag,
                r.version.to_string(),
                short(&r.commit),
                r.date,
                if r.annotated {
                    "annotated"
                } else {
                    "lightweight"
                }
            );
        }
    }
    Ok(Outcome::Ok)
}

/// `rollback`.
fn cmd_rollback(
    RollbackArgs {
        repo,
        version: of,
        include_prereleases,
        channel,
    }: RollbackArgs,
) -> opskit::Result<Outcome> {
    let opts = version::RollbackOptions {
        tag_pattern: repo.tag_pattern.clone(),
        scheme: repo.scheme()?,
        include_prereleases,
        channel,
        merged_into: None,
    };
    let target = version::rollback_target(&repo.path, of.as_deref(), &opts)?;
    if repo.json {
        print_json(&target)?;
    } else {
        match &target {
            Some(t) => println!(
                "roll back to {} ({}) at {}",
                t.tag,
                t.version,
                short(&t.commit)
            ),
            None => println!("no earlier release to roll back to"),
        }
    }
    if target.is_none() {
        return Ok(Outcome::CheckFailed);
    }
    Ok(Outcome::Ok)
}

/// `release`.
fn cmd_release(
    ReleaseArgs {
        path,
        policy,
        dry_run,
        tag_pattern,
        scheme,
        component,
        channel,
        preset,
        files,
        changelog,
        no_changelog,
        date,
        json,
    }: ReleaseArgs,
) -> opskit::Result<Outcome> {
    let (mut opts, policy) = match policy {
        Some(p) => (version::CutReleaseOptions::read(&p)?, Some(p)),
        None => version::CutReleaseOptions::for_repository(&path)?,
    };
    opts.dry_run |= dry_run;
    if let Some(t) = tag_pattern {
        opts.tag_pattern = t;
    }
    if let Some(k) = parse_scheme(scheme.as_deref())? {
        opts.scheme = k;
    }
    if let Some(m) = component.mode()? {
        opts.component_match = Some(m);
    }
    opts.paths.extend(component.paths);
    opts.scopes.extend(component.scopes);
    if channel.is_some() {
        opts.channel = channel;
    }
    if let Some(p) = preset {
        opts.preset = p.parse::<Preset>()?;
    }
    opts.files
        .extend(files.into_iter().map(|path| version::VersionFile {
            path,
            kind: version::VersionFileKind::Auto,
            pattern: None,
        }));
    if no_changelog {
        opts.changelog_file = None;
    } else if changelog.is_some() {
        opts.changelog_file = changelog;
    }
    if date.is_some() {
        opts.date = date;
    }
    let done = version::cut_release(&path, &opts)?;
    if json {
        print_json(&done)?;
    } else {
        print_release(&done, policy.as_deref());
    }
    Ok(Outcome::Ok)
}

/// `bump`.
fn cmd_bump(
    BumpArgs {
        version: v,
        level,
        channel,
        scheme,
        json,
    }: BumpArgs,
) -> opskit::Result<Outcome> {
    let level: BumpLevel = level.parse()?;
    let out = version::bump_in(
        &v,
        level,
        channel.as_deref(),
        parse_scheme(scheme.as_deref())?,
    )?;
    if json {
        print_json(&out)?;
    } else {
        println!("{out}");
    }
    Ok(Outcome::Ok)
}

/// `check-branch`.
fn cmd_check_branch(
    CheckBranchArgs { name, allow, json }: CheckBranchArgs,
) -> opskit::Result<Outcome> {
    let policy = if allow.is_empty() {
        version::BranchPolicy::default()
    } else {
        version::BranchPolicy { allowed: allow }
    };
    let check = version::check_branch(&name, &policy)?;
    if json {
        print_json(&check)?;
    } else if check.valid {
        println!(
            "ok: {} matches {}",
            check.name,
            check.matched.as_deref().unwrap_or("")
        );
    } else {
        println!("invalid: {}", check.reason.as_deref().unwrap_or(""));
    }
    if !check.valid {
        return Ok(Outcome::CheckFailed);
    }
    Ok(Outcome::Ok)
}

/// `promote-check`.
fn cmd_promote_check(
    PromoteCheckArgs {
        from,
        to,
        path,
        json,
    }: PromoteCheckArgs,
) -> opskit::Result<Outcome> {
    let p = version::promote_check(&path, &from, &to)?;
    if json {
        print_json(&p)?;
    } else {
        let verdict = if p.fast_forward {
            "fast-forward"
        } else {
            "NOT a fast-forward"
        };
        println!(
            "{} -> {}: {verdict} ({} ahead, {} behind)",
            p.from, p.to, p.ahead, p.behind
        );
        if !p.target_only.is_empty() {
            println!("{} has commits that {} lacks:", p.to, p.from);
            for c in &p.target_only {
                println!(
                    "  {} {}",
                    c.short_id,
                    opskit::text::escape_controls(&c.subject)
                );
            }
        }
    }
    if !p.fast_forward {
        return Ok(Outcome::CheckFailed);
    }
    Ok(Outcome::Ok)
}

/// `--preset help`: every preset and each rule it changes from opskit's.
fn print_presets() {
    for p in Preset::ALL {
        let rules = p.rules();
        if rules.is_empty() {
            println!("{}: the default policy", p.as_str());
            continue;
        }
        println!("{}:", p.as_str());
        for r in rules {
            println!("  {} = {} (opskit: {})", r.field, r.preset, r.opskit);
        }
    }
}

pub(crate) fn print_next(n: &version::NextVersion) {
    match (&n.current_tag, &n.current) {
        (Some(t), Some(v)) => println!("current: {t} ({v})"),
        _ => println!("current: none (no release tag yet)"),
    }
    match (&n.next_tag, &n.next) {
        (Some(t), Some(v)) => {
            let how = n
                .bump
                .map(|b| b.to_string())
                .unwrap_or_else(|| "initial".into());
            println!("next:    {t} ({v}, {how})");
        }
        _ => println!("next:    none (no commit since the current release calls for one)"),
    }
    for note in &n.notes {
        println!("note:    {note}");
    }
    if n.shallow {
        println!("warning: shallow clone; history and tags beyond its depth are not seen");
    }
    print_commits(
        "decided by",
        n.commits.iter().map(|c| {
            (
                &c.commit,
                c.bump.map_or(c.impact.as_str(), BumpLevel::as_str),
            )
        }),
    );
    print_commits(
        "ignored",
        n.ignored.iter().map(|c| (&c.commit, c.reason.as_str())),
    );
}

/// How many commits the human output lists per group; `--json` has them all.
const LISTED: usize = 20;

fn print_commits<'a>(
    title: &str,
    commits: impl ExactSizeIterator<Item = (&'a version::CommitEntry, &'a str)>,
) {
    let total = commits.len();
    if total == 0 {
        return;
    }
    println!("{title} {total} commit(s):");
    for (c, why) in commits.take(LISTED) {
        let lenient: Vec<&str> = c.lenient.iter().map(|l| l.as_str()).collect();
        if lenient.is_empty() {
            println!(
                "  {} {}  [{why}]",
                c.short_id,
                opskit::text::escape_controls(&c.subject)
            );
        } else {
            println!(
                "  {} {}  [{why}; read leniently: {}]",
                c.short_id,
                opskit::text::escape_controls(&c.subject),
                lenient.join(", ")
            );
        }
    }
    if total > LISTED {
        println!("  ... and {} more (--json lists them all)", total - LISTED);
    }
}
