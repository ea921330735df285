//! Leaked secrets in docs, gitleaks' way (offline: patterns, an entropy
//! floor, placeholder stopwords, an inline allow marker), masked in every
//! output. Code blocks are scanned too: that is where keys get pasted.

use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// A secret found in a page, never with its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "DocsSecret"))]
pub struct SecretHit {
    /// What it looks like, e.g. `aws-access-key-id`.
    pub kind: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// The first characters and the length, e.g. `AKIA…(20 chars)`.
    pub masked: String,
}

struct Pattern {
    kind: &'static str,
    re: Regex,
    /// The capture group holding the secret (0: the whole match).
    group: usize,
    /// Shannon entropy floor in bits per character (0: none).
    min_entropy: f64,
}

fn patterns() -> &'static [Pattern] {
    static P: OnceLock<Vec<Pattern>> = OnceLock::new();
    P.get_or_init(|| {
        let p = |kind, re: &str, group, min_entropy| Pattern {
            kind,
            re: Regex::new(re).expect("a valid pattern"),
            group,
            min_entropy,
        };
        vec![
            p(
                "private-key",
                r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY( BLOCK)?-----",
                0,
                0.0,
            ),
            p("aws-access-key-id", r"\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b", 1, 3.0),
            p("github-token", r"\b(gh[pousr]_[A-Za-z0-9]{36,255})\b", 1, 3.0),
            p("github-token", r"\b(github_pat_[A-Za-z0-9_]{22,255})\b", 1, 3.0),
            p("slack-token", r"\b(xox[baprs]-[A-Za-z0-9-]{10,250})\b", 1, 3.0),
            p(
                "slack-webhook",
                r"(https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+)",
                1,
                0.0,
            ),
            p(
                "generic-secret",
                r#"(?i)\b(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)\b["']?\s*[:=]\s*["']?([^\s"'`<>]{12,200})"#,
                1,
                3.5,
            ),
        ]
    })
}

/// Words that mark an example or a placeholder, not a secret.
const STOPWORDS: &[&str] = &[
    "example",
    "xxxx",
    "changeme",
    "change_me",
    "your",
    "dummy",
    "redacted",
    "placeholder",
    "****",
    "${",
    "{{",
    "<",
    "sample",
    "fake",
    "test",
];

fn entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let n = s.chars().count() as f64;
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// `AKIA…(20 chars)`: enough to find it, never enough to use it.
fn mask(s: &str) -> String {
    let head: String = s.chars().take(4).collect();
    format!("{head}…({} chars)", s.chars().count())
}

/// The secrets in a page's text. A line holding `opskit:allow` or
/// `gitleaks:allow` is skipped (a documented example, say).
pub fn find_secrets(text: &str) -> Vec<SecretHit> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.contains("opskit:allow") || line.contains("gitleaks:allow") {
            continue;
        }
        for p in patterns() {
            for caps in p.re.captures_iter(line) {
                let Some(m) = caps.get(p.group) else {
                    continue;
                };
                let value = m.as_str();
                let lower = value.to_ascii_lowercase();
                if STOPWORDS.iter().any(|w| lower.contains(w))
                    || (p.min_entropy > 0.0 && entropy(value) < p.min_entropy)
                {
                    continue;
                }
                let column = line[..m.start()].chars().count() as u32 + 1;
                if out
                    .iter()
                    .any(|h: &SecretHit| h.line == i as u32 + 1 && h.column == column)
                {
                    continue;
                }
                out.push(SecretHit {
                    kind: p.kind.to_string(),
                    line: i as u32 + 1,
                    column,
                    masked: mask(value),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_entropy_stopwords_and_masks() {
        let text = "\
key AKIAZ7Q3K9X2M4P8R6TW in prose
the docs' example AKIAIOSFODNN7EXAMPLE is not one
-----BEGIN OPENSSH PRIVATE KEY-----
token: ghp_4f9Kq2Zr8Lx1Vb7Nc3Md6Pw0Ty5Hs2Ju9EaQ
password = \"hunter2hunter2\"
password = \"Xk9#mQ2$vL7@pR4!\"
api_key: <your-api-key-here>
SLACK=xoxb-2048-7731-Qz8Kf3Lm9Np2 opskit:allow
";
        let hits = find_secrets(text);
        let got: Vec<(&str, u32, &str)> = hits
            .iter()
            .map(|h| (h.kind.as_str(), h.line, h.masked.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("aws-access-key-id", 1, "AKIA…(20 chars)"),
                ("private-key", 3, "----…(35 chars)"),
                ("github-token", 4, "ghp_…(40 chars)"),
                ("generic-secret", 6, "Xk9#…(16 chars)"),
            ]
        );
        assert_eq!(hits[0].column, 5);
        for h in &hits {
            assert!(
                !text.contains(&h.masked),
                "masked values are not the secret"
            );
        }
    }
}
