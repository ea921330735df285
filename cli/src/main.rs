//! `opskit`: the command-line front of the opskit library.
//!
//! Exit codes: 0 ok, 1 a check failed (a bad branch name, a promotion that
//! is not a fast-forward, no release to roll back to, a tree that differs
//! from its manifest, an invalid bag or signature, a missed drill), 2
//! invalid input, usage, or any other error.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use serde::Serialize;

mod apm;
mod backup;
mod docs;
mod health;
mod report;
mod serve;
mod version;

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
    Version(version::VersionCmd),
    /// Backup manifests: build, verify, diff, retention, sign, BagIt, checksums, drills.
    #[command(subcommand)]
    Backup(backup::BackupCmd),
    /// Health: host and process metrics, checks against a policy, Prometheus exposition.
    #[command(subcommand)]
    Health(health::HealthCmd),
    /// Docs audits: broken links and anchors of a Markdown knowledge base (text, JSON, SARIF).
    #[command(subcommand)]
    Docs(docs::DocsCmd),
    /// APM: a service's SLO policy checked, and its Prometheus burn-rate rules.
    #[command(subcommand)]
    Apm(apm::ApmCmd),
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
        #[arg(long, default_value = opskit::version::DEFAULT_TAG_PATTERN)]
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
        Command::Version(cmd) => version::run(cmd),
        Command::Backup(cmd) => backup::run(cmd),
        Command::Health(cmd) => health::run(cmd),
        Command::Docs(cmd) => docs::run(cmd),
        Command::Apm(cmd) => apm::run(cmd),
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
