//! Conventional Commits 1.0.0 parsing, plus recognition of the commits that
//! are not "changes": merges, reverts and `fixup!`/`squash!`/`amend!` commits.
//!
//! A message that is not conventional is not an error: it parses to a
//! [`CommitMessage`] with `conventional == false`, so callers can report it or
//! keep it for a changelog's "Other" group.

use serde::{Deserialize, Serialize};

/// One footer (`Token: value` or `Token #value`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct Footer {
    /// The token, e.g. `Reviewed-by`, `Refs` or `BREAKING CHANGE`.
    pub token: String,
    /// `": "` or `" #"`.
    pub separator: String,
    /// The value, possibly spanning several lines.
    pub value: String,
}

/// A parsed commit message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
pub struct CommitMessage {
    /// The first line, as written.
    pub subject: String,
    /// Whether the subject follows Conventional Commits.
    pub conventional: bool,
    /// The type, lowercased (types are case-insensitive); `None` when not conventional.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The scope in parentheses, if any.
    pub scope: Option<String>,
    /// `!` after the type/scope, or a `BREAKING CHANGE:`/`BREAKING-CHANGE:` footer.
    pub breaking: bool,
    /// The text of the breaking-change footer, if there is one.
    pub breaking_description: Option<String>,
    /// The description after `type(scope): `; the whole subject when not conventional.
    pub description: String,
    /// The body between subject and footers.
    pub body: Option<String>,
    /// The footers, in order.
    pub footers: Vec<Footer>,
    /// A merge commit message (`Merge branch ...`, `Merge pull request ...`).
    pub merge: bool,
    /// A revert: git's `Revert "..."` or the conventional `revert:` type.
    pub revert: bool,
    /// For a revert, the commit id named by `This reverts commit <id>`.
    pub reverts: Option<String>,
    /// A `fixup!`, `squash!` or `amend!` commit, meant to be squashed away.
    pub fixup: bool,
    /// What the parser accepted that Conventional Commits 1.0.0 does not
    /// allow, so a user can see why a commit counted (empty when the message
    /// follows the spec).
    pub lenient: Vec<Leniency>,
}

/// A departure from Conventional Commits 1.0.0 that opskit still reads the
/// way other release tools do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Leniency {
    /// `feat!(scope): x`: the `!` before the scope, read as `feat(scope)!: x`
    /// (release-please does the same).
    BangBeforeScope,
    /// A body right under the subject, without the blank line.
    MissingBlankLine,
    /// A `BREAKING CHANGE:` footer under a subject that is not conventional:
    /// the commit is breaking (semantic-release reads it so).
    BreakingFooterOnly,
}

impl Leniency {
    /// The snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Leniency::BangBeforeScope => "bang_before_scope",
            Leniency::MissingBlankLine => "missing_blank_line",
            Leniency::BreakingFooterOnly => "breaking_footer_only",
        }
    }
}

impl std::fmt::Display for Leniency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn valid_type(t: &str) -> bool {
    let mut chars = t.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

const MERGE_PREFIXES: [&str; 5] = [
    "Merge branch ",
    "Merge pull request ",
    "Merge remote-tracking branch ",
    "Merge tag ",
    "Merge commit ",
];

/// Find `This reverts commit <hex>` in a message (the line git writes).
fn reverted_id(message: &str) -> Option<String> {
    const NEEDLE: &str = "This reverts commit ";
    let start = message.find(NEEDLE)? + NEEDLE.len();
    let id: String = message[start..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .take(64)
        .collect();
    (id.len() >= 7).then(|| id.to_ascii_lowercase())
}

/// Parse a commit message. Never fails: non-conventional messages come back
/// with `conventional == false` and the subject as description.
///
/// Surrounding whitespace is trimmed first (` feat: x` is conventional, as
/// semantic-release trims too). Leniency, each reported in
/// [`CommitMessage::lenient`]: a body that does not start after a blank line
/// is accepted; `type!(scope):` is read as `type(scope)!:`; a
/// `BREAKING CHANGE:`/`BREAKING-CHANGE:` footer makes a commit breaking even
/// under a subject that is not conventional. Types must start with a letter
/// and contain only `[A-Za-z0-9_-]`. A message longer than
/// [`MAX_COMMIT_MESSAGE_BYTES`](crate::limits::MAX_COMMIT_MESSAGE_BYTES) is
/// parsed from its first MiB.
pub fn parse_commit_message(message: &str) -> CommitMessage {
    let cap = crate::limits::MAX_COMMIT_MESSAGE_BYTES;
    let message = if message.len() > cap {
        let cut = (0..=cap)
            .rev()
            .find(|i| message.is_char_boundary(*i))
            .unwrap_or(0);
        &message[..cut]
    } else {
        message
    };
    let message = message.trim();
    let subject = message.lines().next().unwrap_or("").trim_end().to_string();
    let fixup = ["fixup!", "squash!", "amend!"]
        .iter()
        .any(|p| subject.starts_with(p));
    let merge = MERGE_PREFIXES.iter().any(|p| subject.starts_with(p));
    let git_revert = subject.starts_with("Revert \"") || subject.starts_with("revert \"");

    let mut out = CommitMessage {
        subject: subject.clone(),
        conventional: false,
        kind: None,
        scope: None,
        breaking: false,
        breaking_description: None,
        description: subject.clone(),
        body: None,
        footers: Vec::new(),
        merge,
        revert: git_revert,
        reverts: None,
        fixup,
        lenient: Vec::new(),
    };

    if !(fixup || merge || git_revert) {
        parse_conventional(message, &mut out);
    }
    if !out.conventional {
        let rest = message[subject.len().min(message.len())..].trim();
        out.body = (!rest.is_empty()).then(|| rest.to_string());
        if !(fixup || merge || git_revert) {
            breaking_footer_only(rest, &mut out);
        }
    }
    if out.revert {
        out.reverts = reverted_id(message);
    }
    out
}

/// `type!(scope): rest` → `type(scope)!: rest`, for the slip release-please accepts.
fn move_bang_after_scope(subject: &str) -> Option<String> {
    let bang = subject.find('!')?;
    let kind = &subject[..bang];
    let rest = subject[bang + 1..].strip_prefix('(')?;
    let close = rest.find(')')?;
    let after = rest[close + 1..].strip_prefix(':')?;
    if !valid_type(kind) {
        return None;
    }
    Some(format!("{kind}({})!:{after}", &rest[..close]))
}

/// Footers under a subject that is not conventional: parsed by the same
/// footer grammar (behind a stand-in subject); a breaking one makes the
/// commit breaking. A plain `BREAKING CHANGE: ` line anywhere in the body
/// counts too, as conventional-commits-parser reads notes.
fn breaking_footer_only(rest: &str, out: &mut CommitMessage) {
    if rest.is_empty() {
        return;
    }
    let standin = format!("x: x\n\n{rest}");
    if let Ok(c) = git_conventional::Commit::parse(&standin)
        && let Some(f) = c.footers().iter().find(|f| f.breaking())
    {
        out.breaking = true;
        out.breaking_description = Some(f.value().trim().to_string());
    }
    if !out.breaking {
        out.breaking_description = rest.lines().find_map(|l| {
            ["BREAKING CHANGE:", "BREAKING-CHANGE:"]
                .iter()
                .find_map(|k| l.strip_prefix(k))
                .map(|v| v.trim().to_string())
        });
        out.breaking = out.breaking_description.is_some();
    }
    if out.breaking {
        out.lenient.push(Leniency::BreakingFooterOnly);
    }
}

fn parse_conventional(message: &str, out: &mut CommitMessage) {
    let trimmed = message.trim_end();
    if let Ok(c) = git_conventional::Commit::parse(trimmed) {
        fill(out, &c);
        return;
    }
    let (subject, rest) = trimmed.split_once('\n').unwrap_or((trimmed, ""));
    if let Some(fixed) = move_bang_after_scope(subject.trim_end()) {
        let rewritten = if rest.is_empty() {
            fixed
        } else {
            format!("{fixed}\n{rest}")
        };
        parse_conventional(&rewritten, out);
        if out.conventional {
            out.lenient.insert(0, Leniency::BangBeforeScope);
        }
        return;
    }
    // Lenient retries: a body written right under the subject, without the
    // blank line; then the subject alone, keeping the rest verbatim as body.
    let Some((subject, rest)) = trimmed.split_once('\n') else {
        return;
    };
    let relaxed = format!(
        "{}\n\n{}",
        subject.trim_end(),
        rest.trim_start_matches('\n')
    );
    if let Ok(c) = git_conventional::Commit::parse(&relaxed) {
        fill(out, &c);
        if out.conventional && !rest.starts_with('\n') {
            out.lenient.push(Leniency::MissingBlankLine);
        }
        return;
    }
    if let Ok(c) = git_conventional::Commit::parse(subject.trim_end()) {
        fill(out, &c);
        let body = rest.trim();
        out.body = (!body.is_empty()).then(|| body.to_string());
        if out.conventional && !rest.starts_with('\n') {
            out.lenient.push(Leniency::MissingBlankLine);
        }
    }
}

fn fill(out: &mut CommitMessage, c: &git_conventional::Commit<'_>) {
    let kind = c.type_().as_str();
    if !valid_type(kind) {
        return;
    }
    let kind = kind.to_ascii_lowercase();
    out.conventional = true;
    out.revert = out.revert || kind == "revert";
    out.kind = Some(kind);
    out.scope = c.scope().map(|s| s.as_str().to_string());
    out.description = c.description().trim().to_string();
    out.breaking = c.breaking();
    out.breaking_description = c
        .footers()
        .iter()
        .find(|f| f.breaking())
        .map(|f| f.value().trim().to_string());
    out.body = c.body().map(|b| b.trim().to_string());
    out.footers = c
        .footers()
        .iter()
        .map(|f| Footer {
            token: f.token().as_str().to_string(),
            separator: f.separator().as_str().to_string(),
            value: f.value().trim().to_string(),
        })
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_message() {
        let m = parse_commit_message(
            "feat(api)!: drop v1 endpoints\n\nThe v1 API is gone.\n\nRefs #123\nReviewed-by: Ann\nBREAKING CHANGE: clients must use /v2\n",
        );
        assert!(m.conventional);
        assert_eq!(m.kind.as_deref(), Some("feat"));
        assert_eq!(m.scope.as_deref(), Some("api"));
        assert!(m.breaking);
        assert_eq!(m.description, "drop v1 endpoints");
        assert_eq!(m.body.as_deref(), Some("The v1 API is gone."));
        assert_eq!(
            m.breaking_description.as_deref(),
            Some("clients must use /v2")
        );
        let tokens: Vec<_> = m
            .footers
            .iter()
            .map(|f| (f.token.as_str(), f.separator.as_str(), f.value.as_str()))
            .collect();
        assert_eq!(
            tokens,
            [
                ("Refs", " #", "123"),
                ("Reviewed-by", ":", "Ann"),
                ("BREAKING CHANGE", ":", "clients must use /v2")
            ]
        );
    }

    #[test]
    fn breaking_footer_spellings_and_case() {
        let m = parse_commit_message("fix: a\n\nBREAKING-CHANGE: b");
        assert!(m.breaking);
        let m = parse_commit_message("FEAT: shout");
        assert_eq!(m.kind.as_deref(), Some("feat"));
        let m = parse_commit_message("chore!: drop python 3.9");
        assert!(m.breaking);
        let m = parse_commit_message("feat(my scope)!: x");
        assert_eq!(m.scope.as_deref(), Some("my scope"));
        assert!(m.breaking);
    }

    #[test]
    fn not_conventional_is_not_an_error() {
        for s in [
            "update readme",
            "WIP fix: x",
            "",
            "feat:",
            "1.2: release",
            "feat x",
        ] {
            let m = parse_commit_message(s);
            assert!(!m.conventional, "{s:?}");
            assert_eq!(m.description, s);
        }
    }

    #[test]
    fn merges_reverts_fixups() {
        let m = parse_commit_message("Merge branch 'feature/x' into main");
        assert!(m.merge && !m.conventional);
        let m = parse_commit_message(
            "Revert \"feat: a\"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.\n",
        );
        assert!(m.revert);
        assert_eq!(
            m.reverts.as_deref(),
            Some("0123456789abcdef0123456789abcdef01234567")
        );
        let m = parse_commit_message(
            "revert: feat(scope): First feature\n\nThis reverts commit df012f3.",
        );
        assert!(m.revert && m.conventional);
        assert_eq!(m.reverts.as_deref(), Some("df012f3"));
        for s in ["fixup! feat: a", "squash! fix: b", "amend! fix: c"] {
            assert!(parse_commit_message(s).fixup);
        }
    }

    #[test]
    fn body_without_blank_line() {
        let m = parse_commit_message("fix: a\nmore text\n\nBREAKING CHANGE: gone");
        assert!(m.conventional);
        assert!(m.breaking);
    }

    #[test]
    fn lenient_forms_are_read_and_reported() {
        let m = parse_commit_message("feat!(api): x\n\nbody");
        assert!(m.conventional && m.breaking);
        assert_eq!(m.scope.as_deref(), Some("api"));
        assert_eq!(m.body.as_deref(), Some("body"));
        assert_eq!(m.lenient, [Leniency::BangBeforeScope]);
        // Not a type before the bang: stays non-conventional.
        assert!(!parse_commit_message("1x!(api): y").conventional);
        let m = parse_commit_message("fix: a\nmore");
        assert_eq!(m.lenient, [Leniency::MissingBlankLine]);
        let m = parse_commit_message("  \n feat: padded \n\n");
        assert!(m.conventional);
        assert_eq!(m.subject, "feat: padded");
        // A breaking footer under a plain subject; also as a bare body line.
        let m = parse_commit_message("Release v9\n\nBREAKING-CHANGE: gone");
        assert!(!m.conventional && m.breaking);
        assert_eq!(m.breaking_description.as_deref(), Some("gone"));
        assert_eq!(m.lenient, [Leniency::BreakingFooterOnly]);
        let m = parse_commit_message("v9\n\n* feat: x\nBREAKING CHANGE: y\nmore text");
        assert!(m.breaking);
        // Merges and reverts never take footers from their bodies.
        let m = parse_commit_message("Merge branch 'x'\n\nBREAKING CHANGE: y");
        assert!(!m.breaking);
        // A plain mention is not a footer.
        assert!(!parse_commit_message("docs\n\nsee the BREAKING CHANGE: notes").breaking);
    }

    #[test]
    fn huge_message_parses() {
        let big = format!("feat: big\n\n{}", "x".repeat(5_000_000));
        let m = parse_commit_message(&big);
        assert!(m.conventional);
    }
}
