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

/// How a candidate is judged beyond its pattern.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    /// The pattern is the format: nothing more to check.
    Format,
    /// A GitHub or npm token: its last six characters are the base62
    /// CRC-32 of the random part, so a made-up token fails.
    Crc32Base62,
    /// A PEM private key: a real one has a body of base64 after its header.
    PemBody,
    /// `password = …` and the like: an entropy floor, and not a placeholder
    /// or an expression of code.
    Assignment,
}

struct Pattern {
    kind: &'static str,
    re: Regex,
    /// The capture group holding the secret (0: the whole match).
    group: usize,
    /// Shannon entropy floor in bits per character (0: none).
    min_entropy: f64,
    check: Check,
}

fn patterns() -> &'static [Pattern] {
    static P: OnceLock<Vec<Pattern>> = OnceLock::new();
    P.get_or_init(|| {
        let p = |kind, re: &str, group, min_entropy, check| Pattern {
            kind,
            re: Regex::new(re).expect("a valid pattern"),
            group,
            min_entropy,
            check,
        };
        vec![
            p(
                "private-key",
                r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY( BLOCK)?-----",
                0,
                0.0,
                Check::PemBody,
            ),
            // Key ids are base32: A-Z and 2-7.
            p("aws-access-key-id", r"\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b", 1, 3.0, Check::Format),
            p("github-token", r"\b(gh[pousr]_[A-Za-z0-9]{36})\b", 1, 3.0, Check::Crc32Base62),
            p("github-token", r"\b(github_pat_[A-Za-z0-9_]{22,255})\b", 1, 3.0, Check::Format),
            p("npm-token", r"\b(npm_[A-Za-z0-9]{36})\b", 1, 3.0, Check::Crc32Base62),
            p("slack-token", r"\b(xox[baprs]-[A-Za-z0-9-]{10,250})\b", 1, 3.0, Check::Format),
            p(
                "slack-webhook",
                r"(https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+)",
                1,
                0.0,
                Check::Format,
            ),
            p("stripe-key", r"\b((?:sk|rk)_live_[A-Za-z0-9]{24,99})\b", 1, 3.0, Check::Format),
            p("google-api-key", r"\b(AIza[A-Za-z0-9_-]{35})\b", 1, 3.0, Check::Format),
            p("pypi-token", r"\b(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})", 1, 3.0, Check::Format),
            p(
                "generic-secret",
                r#"(?i)(?:^|[^A-Za-z0-9_])((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key))\b["']?\s*[:=]\s*["']?([^\s"'`<>]{12,200})"#,
                2,
                3.5,
                Check::Assignment,
            ),
        ]
    })
}

/// Words that mark an example or a placeholder, not a secret.
const STOPWORDS: &[&str] = &[
    "example",
    "xxx",
    "changeme",
    "change_me",
    "your",
    "dummy",
    "redacted",
    "omitted",
    "placeholder",
    "***",
    "...",
    "…",
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

/// A value that is an expression of code, not a literal: a variable
/// (`$foreach.Current`, `@token`, `%PASSWORD%`), a call or an index, a
/// dotted name (`System.Security.SecureString`, `process.env.TOKEN`), a
/// PowerShell command (`ConvertTo-SecureString`: Verb-Noun).
fn is_code(value: &str) -> bool {
    static CMDLET: OnceLock<Regex> = OnceLock::new();
    let cmdlet = CMDLET
        .get_or_init(|| Regex::new(r"^[A-Z][A-Za-z]+-[A-Z][A-Za-z]+$").expect("a valid pattern"));
    static DOTTED: OnceLock<Regex> = OnceLock::new();
    let dotted = DOTTED.get_or_init(|| {
        Regex::new(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+[;,)]*$")
            .expect("a valid pattern")
    });
    value.starts_with(['$', '@', '%', '&', '(', '[', '{', '*'])
        || value.contains(['(', ')', '['])
        || dotted.is_match(value)
        || cmdlet.is_match(value)
}

/// The CRC-32 check of a GitHub or npm token (`prefix_` + 30 random
/// characters + their CRC-32 in base62, six characters).
fn crc32_base62_ok(token: &str) -> bool {
    let Some((_, body)) = token.split_once('_') else {
        return false;
    };
    if body.len() != 36 {
        return false;
    }
    let (random, check) = body.split_at(30);
    let mut crc = crc32fast::Hasher::new();
    crc.update(random.as_bytes());
    let mut n = crc.finalize();
    const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut encoded = [b'0'; 6];
    for slot in encoded.iter_mut().rev() {
        *slot = DIGITS[(n % 62) as usize];
        n /= 62;
    }
    n == 0 && encoded == check.as_bytes()
}

/// A value in the shape of a token that carries a CRC-32 (`ghp_…`, `npm_…`).
fn checksummed(value: &str) -> bool {
    let (prefix, body) = value.split_once('_').unwrap_or(("", ""));
    matches!(prefix, "ghp" | "gho" | "ghu" | "ghs" | "ghr" | "npm")
        && body.len() == 36
        && body.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A PEM private key's body: the base64 after the header (on its line and
/// the next ones, up to the footer), long and random enough to be a key.
fn pem_body_ok(lines: &[&str], i: usize, header_end: usize) -> bool {
    let mut body = String::new();
    let rest =
        std::iter::once(&lines[i][header_end..]).chain(lines[i + 1..].iter().copied().take(60));
    for l in rest {
        if l.contains("-----END") {
            body.push_str(&l[..l.find("-----END").unwrap_or(0)]);
            break;
        }
        body.push_str(l);
    }
    let lower = body.to_ascii_lowercase();
    let b64: String = body
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        .collect();
    !STOPWORDS.iter().any(|w| lower.contains(w)) && b64.len() >= 64 && entropy(&b64) >= 4.5
}

/// A `pwd=` parameter of a web address: a meeting passcode published in
/// its invitation link (Zoom, Webex), not a credential.
fn is_meeting_passcode(line: &str, keyword_start: usize, keyword: &str) -> bool {
    keyword.eq_ignore_ascii_case("pwd")
        && line[..keyword_start].ends_with(['?', '&'])
        && line[..keyword_start].contains("://")
}

/// The secrets in a page's text. A line holding `opskit:allow` or
/// `gitleaks:allow` is skipped (a documented example, say).
pub fn find_secrets(text: &str) -> Vec<SecretHit> {
    find_secrets_allowing(text, &[])
}

/// [`find_secrets`], leaving out a candidate whose value or line one of
/// `allow` matches (the policy's `secrets_allow`).
pub(crate) fn find_secrets_allowing(text: &str, allow: &[Regex]) -> Vec<SecretHit> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.contains("opskit:allow") || line.contains("gitleaks:allow") {
            continue;
        }
        if allow.iter().any(|a| a.is_match(line)) {
            continue;
        }
        for p in patterns() {
            for caps in p.re.captures_iter(line) {
                let Some(m) = caps.get(p.group) else {
                    continue;
                };
                let value = m.as_str();
                let lower = value.to_ascii_lowercase();
                let real = match p.check {
                    Check::Format => true,
                    Check::Crc32Base62 => crc32_base62_ok(value),
                    Check::PemBody => pem_body_ok(&lines, i, m.end()),
                    Check::Assignment => {
                        let keyword = caps.get(1).map_or(("", 0), |k| (k.as_str(), k.start()));
                        // A GitHub or npm token's shape with a wrong checksum is made up.
                        let made_up = checksummed(value) && !crc32_base62_ok(value);
                        !made_up
                            && !is_code(value)
                            && !is_meeting_passcode(line, keyword.1, keyword.0)
                    }
                };
                if !real
                    || (p.check != Check::PemBody && STOPWORDS.iter().any(|w| lower.contains(w)))
                    || (p.min_entropy > 0.0 && entropy(value) < p.min_entropy)
                    || allow.iter().any(|a| a.is_match(value))
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

/// Compile the policy's `secrets_allow` expressions, naming a bad one.
pub(crate) fn allow_list(patterns: &[String]) -> crate::Result<Vec<Regex>> {
    patterns
        .iter()
        .map(|p| {
            Regex::new(p).map_err(|e| {
                crate::Error::invalid(format!(
                    "secrets_allow {p:?} is not a regular expression: {e}"
                ))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_entropy_stopwords_and_masks() {
        // The token's checksum was computed with Python's zlib.crc32 and
        // pybase62's alphabet: an implementation other than this one.
        let text = "\
key AKIAZ7Q3K5X2M4P6R3TW in prose
the docs' example AKIAIOSFODNN7EXAMPLE is not one
-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACBPm9aJqR3QmC1vXw3r5yK8nT2fL7hS0dG6jE4bA9cZ1wAAAJi7xKq1u8Sq
-----END OPENSSH PRIVATE KEY-----
token: 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
password = \"hunter2hunter2\"
password = \"Xk9#mQ2$vL7@pR4!\"
api_key: <your-api-key-here>
SLACK=xoxb-2048-7731-Qz8Kf3Lm9Np2 opskit:allow
made up: ghp_4f9Kq2Zr8Lx1Vb7Nc3Md6Pw0Ty5Hs2Ju9EaQ and token: ghp_4f9Kq2Zr8Lx1Vb7Nc3Md6Pw0Ty5Hs2Ju9EaQ
a base32 key id has no 8 or 9: AKIAZ7Q3K9X2M4P8R6TW
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
                ("github-token", 7, "ghp_…(40 chars)"),
                ("generic-secret", 9, "Xk9#…(16 chars)"),
            ]
        );
        assert_eq!(hits[0].column, 5);
        for h in &hits {
            assert!(
                !text.contains(&h.masked),
                "masked values are not the secret"
            );
        }
        // A header with no key after it is a placeholder.
        assert!(
            find_secrets("-----BEGIN PRIVATE KEY-----xxxx\n-----END PRIVATE KEY-----\n").is_empty()
        );
    }

    #[test]
    fn code_expressions_and_meeting_links_are_not_secrets() {
        for line in [
            "$token = $foreach.Current",
            "Password : System.Security.SecureString",
            "api_key = process.env.ORDERS_API_KEY",
            "password = getpass.getpass(prompt)",
            "$password = ConvertTo-SecureString \"MyPlainTextPassword\" -AsPlainText -Force",
            "https://zoom.us/j/98765432101?pwd=Q2xOaFp3bW5ZZ0F6R1BKc3lUdz09",
        ] {
            assert!(find_secrets(line).is_empty(), "{line}");
        }
        // A pwd= that is not a web address's parameter still counts.
        assert_eq!(find_secrets("pwd=Q2xOaFp3bW5ZZ0F6R1BKc3lUdz09").len(), 1);
    }
}
