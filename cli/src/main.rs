//! `opskit`: the command-line front of the opskit library.
//!
//! Exit codes: 0 ok, 1 a check failed (a bad branch name, a promotion that
//! is not a fast-forward, no release to roll back to, a tree that differs
//! from its manifest, an invalid bag or signature, a missed drill), 2
//! invalid input, usage, or any other error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};
use opskit::version::{self, BumpLevel, ChangelogRange, Preset};
use serde::Serialize;

mod backup;
mod docs;
mod health;
mod report;
mod serve;

#[derive(Parser)]
#[command(
    name = "opskit",
    version,
    about = "Operations toolkit: versioning, health, backups, docs audits"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Versioning: SemVer, next version and changelog from git, releases, branch policy.
    #[command(subcommand)]
    Version(VersionCmd),
    /// Backup manifests: build, verify, diff, retention, sign, BagIt, checksums, drills.
    #[command(subcommand)]
    Backup(backup::BackupCmd),
    /// Health: host and process metrics, checks against a policy, Prometheus exposition.
    #[command(subcommand)]
    Health(health::HealthCmd),
    /// Docs audits: broken links and anchors of a Markdown knowledge base (text, JSON, SARIF).
    #[command(subcommand)]
    Docs(docs::DocsCmd),
    /// Shell completions for bash, zsh, fish, elvish or powershell, on stdout.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// The man page (roff), on stdout.
    #[command(hide = true)]
    Manpage,
    /// Test only: panic, so the tests can prove a panic ends as an error
    /// (as the bindings' `_test_panic` does). Never used by examples.
    #[command(hide = true, name = "__test-panic")]
    TestPanic,
    /// The state of this machine and repository: health, versioning, backups.
    Report {
        /// Repository (or any folder inside it).
        #[arg(long, default_value = ".")]
        path: PathBuf,
        /// Release tag pattern.
        #[arg(long, default_value = version::DEFAULT_TAG_PATTERN)]
        tag_pattern: String,
        /// Pre-release channel the next version goes to (default: a stable release).
        #[arg(long)]
        channel: Option<String>,
        /// A backup manifest to check (with --tree): adds a backup section.
        #[arg(long, requires = "tree")]
        manifest: Option<PathBuf>,
        /// The tree to check against --manifest (fast verify).
        #[arg(long, requires = "manifest")]
        tree: Option<PathBuf>,
        /// A health policy (TOML) instead of the default rules.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// The docs to audit (default: the repository's docs/ folder, else the repository).
        #[arg(long)]
        docs: Option<PathBuf>,
        /// A docs policy (TOML) for the docs section.
        #[arg(long)]
        docs_policy: Option<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Which commits belong to one component of a monorepo.
#[derive(Args, Clone)]
struct ComponentArgs {
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
struct RepoArgs {
    /// Repository (or any folder inside it).
    #[arg(long, default_value = ".")]
    path: PathBuf,
    /// Revision to look from.
    #[arg(long, default_value = "HEAD")]
    rev: String,
    /// Release tag pattern: v{version}, {version}, api-v{version}, web@{version}.
    #[arg(long, default_value = version::DEFAULT_TAG_PATTERN)]
    tag_pattern: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum VersionCmd {
    /// The current release: the highest stable release tag nearest to the
    /// revision (with --channel, that channel's pre-releases count too).
    Current {
        #[command(flatten)]
        repo: RepoArgs,
        /// Pre-release channel whose pre-releases count as releases.
        #[arg(long)]
        channel: Option<String>,
    },
    /// The next version from the commits since the current release.
    Next {
        #[command(flatten)]
        repo: RepoArgs,
        #[command(flatten)]
        component: ComponentArgs,
        /// Pre-release channel (rc, beta, alpha): enter or continue a pre-release.
        #[arg(long)]
        channel: Option<String>,
        /// Bump rules: opskit, semantic-release, git-cliff, release-plz, commitizen.
        #[arg(long, default_value = "opskit")]
        preset: String,
    },
    /// A Keep a Changelog markdown (or JSON) changelog.
    Changelog {
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
    },
    /// List release tags, sorted by SemVer.
    Releases {
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
    },
    /// The release to roll back to from VERSION (default: the latest release).
    Rollback {
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
    },
    /// Release: the next version's section prepended to CHANGELOG.md, the
    /// version bumped in the policy's files, one commit and an annotated tag.
    Release {
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
        #[command(flatten)]
        component: ComponentArgs,
        /// Pre-release channel (rc, beta, alpha).
        #[arg(long)]
        channel: Option<String>,
        /// Bump rules: opskit, semantic-release, git-cliff, release-plz, commitizen.
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
    },
    /// Bump a version: major, minor, patch, premajor, preminor, prepatch, prerelease.
    Bump {
        /// The version, e.g. 1.2.3.
        version: String,
        /// The level.
        level: String,
        /// Pre-release channel for the pre* levels.
        #[arg(long)]
        channel: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check a branch name against the branch policy.
    CheckBranch {
        /// The branch name, e.g. feature/login.
        name: String,
        /// Allowed glob (repeatable); replaces the default policy.
        #[arg(long = "allow", value_name = "GLOB")]
        allow: Vec<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Is promoting FROM into TO (e.g. staging → production) a fast-forward?
    PromoteCheck {
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
    },
}

/// What a command produced: its exit status.
enum Outcome {
    Ok,
    CheckFailed,
}

/// A path as text reports show it: control characters and bytes that are
/// not UTF-8 escaped (see [`opskit::text::quote_path`]).
pub(crate) fn shown(p: &std::path::Path) -> std::borrow::Cow<'_, str> {
    opskit::text::quote_path(p)
}

fn print_json<T: Serialize>(value: &T) -> opskit::Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| opskit::Error::invalid(format!("cannot encode JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// A panic is a bug in opskit: say so in the CLI's error format, with the
/// code the bindings use for a caught panic, and ask for a report. The
/// backtrace follows only when RUST_BACKTRACE asks for it.
fn report_panics() {
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "opskit: error[ERR_OPSKIT_PANIC]: internal error: {}{at}. This is a bug in opskit {}: please report it with the command you ran.",
            opskit::text::escape_controls(&what),
            opskit::VERSION
        );
        if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
            eprintln!("{}", std::backtrace::Backtrace::force_capture());
        }
    }));
}

fn main() -> ExitCode {
    report_panics();
    match std::panic::catch_unwind(run_cli) {
        Ok(code) => code,
        // The hook has said what happened; exit as every other error does.
        Err(_) => ExitCode::from(2),
    }
}

fn run_cli() -> ExitCode {
    let cli = Cli::parse();
    // `opskit report | head` ends quietly, as Unix tools do, instead of
    // panicking on the closed pipe (Rust ignores SIGPIPE by default). Not
    // for `serve`: a daemon must outlive a closed stdout (its sockets use
    // MSG_NOSIGNAL either way).
    if !matches!(
        &cli.command,
        Command::Health(health::HealthCmd::Serve { .. })
    ) {
        // SAFETY: called before any thread starts; SIG_DFL is always valid.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    }
    let result = match cli.command {
        Command::Version(cmd) => run_version(cmd),
        Command::Backup(cmd) => backup::run(cmd),
        Command::Health(cmd) => health::run(cmd),
        Command::Docs(cmd) => docs::run(cmd),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "opskit", &mut std::io::stdout());
            Ok(Outcome::Ok)
        }
        Command::Manpage => clap_mangen::Man::new(Cli::command())
            .render(&mut std::io::stdout())
            .map(|_| Outcome::Ok)
            .map_err(|e| opskit::Error::io(std::path::Path::new("<stdout>"), "write", e)),
        Command::TestPanic => panic!("the test panic of `opskit __test-panic`"),
        Command::Report {
            path,
            tag_pattern,
            channel,
            manifest,
            tree,
            policy,
            docs,
            docs_policy,
            json,
        } => report::run(
            &path,
            &tag_pattern,
            channel,
            manifest.zip(tree),
            policy,
            (docs, docs_policy),
            json,
        ),
    };
    let _ = std::io::stdout().flush();
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::CheckFailed) => ExitCode::from(1),
        Err(e) => {
            // The stable code, as in the bindings, for scripts to match.
            eprintln!("opskit: error[{}]: {e}", e.kind().js_code());
            ExitCode::from(2)
        }
    }
}

fn print_release(r: &version::NewRelease, policy: Option<&std::path::Path>) {
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

fn run_version(cmd: VersionCmd) -> opskit::Result<Outcome> {
    match cmd {
        VersionCmd::Current { repo: r, channel } => {
            let opts = version::CurrentOptions {
                rev: r.rev.clone(),
                tag_pattern: r.tag_pattern.clone(),
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
        }
        VersionCmd::Next {
            repo,
            component,
            channel,
            preset,
        } => {
            let opts = version::NextOptions {
                rev: repo.rev.clone(),
                tag_pattern: repo.tag_pattern.clone(),
                component_match: component.mode()?,
                paths: component.paths,
                scopes: component.scopes,
                channel,
                preset: preset.parse::<Preset>()?,
                policy: None,
            };
            let next = version::next_version(&repo.path, &opts)?;
            if repo.json {
                print_json(&next)?;
            } else {
                print_next(&next);
            }
        }
        VersionCmd::Changelog {
            repo,
            component,
            channel,
            release,
            all,
            no_other,
            merge_prereleases,
        } => {
            let range = match (release, all) {
                (Some(r), _) => ChangelogRange::Release(r),
                (None, true) => ChangelogRange::All,
                (None, false) => ChangelogRange::Unreleased,
            };
            let opts = version::ChangelogOptions {
                rev: repo.rev.clone(),
                tag_pattern: repo.tag_pattern.clone(),
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
        }
        VersionCmd::Releases {
            repo,
            no_prereleases,
            channel,
            merged,
        } => {
            let opts = version::ReleaseOptions {
                tag_pattern: repo.tag_pattern.clone(),
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
        }
        VersionCmd::Rollback {
            repo,
            version: of,
            include_prereleases,
            channel,
        } => {
            let opts = version::RollbackOptions {
                tag_pattern: repo.tag_pattern.clone(),
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
        }
        VersionCmd::Release {
            path,
            policy,
            dry_run,
            tag_pattern,
            component,
            channel,
            preset,
            files,
            changelog,
            no_changelog,
            date,
            json,
        } => {
            let (mut opts, policy) = match policy {
                Some(p) => (version::NewReleaseOptions::read(&p)?, Some(p)),
                None => version::NewReleaseOptions::for_repository(&path)?,
            };
            opts.dry_run |= dry_run;
            if let Some(t) = tag_pattern {
                opts.tag_pattern = t;
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
            let done = version::release(&path, &opts)?;
            if json {
                print_json(&done)?;
            } else {
                print_release(&done, policy.as_deref());
            }
        }
        VersionCmd::Bump {
            version: v,
            level,
            channel,
            json,
        } => {
            let parsed = version::parse_version(&v)?;
            let level: BumpLevel = level.parse()?;
            let out = version::bump(&parsed, level, channel.as_deref())?;
            if json {
                print_json(&out)?;
            } else {
                println!("{out}");
            }
        }
        VersionCmd::CheckBranch { name, allow, json } => {
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
        }
        VersionCmd::PromoteCheck {
            from,
            to,
            path,
            json,
        } => {
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
        }
    }
    Ok(Outcome::Ok)
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
        n.commits.iter().map(|c| (&c.commit, c.impact.as_str())),
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
