//! What a page says about its owner and review: YAML/TOML front matter,
//! Google's g3doc freshness comment
//! (`<!--* freshness: { owner: 'x' reviewed: '2026-01-05' review_interval: '6 months' } *-->`),
//! and a CODEOWNERS file for owners; strict date and interval parsing.

use std::path::Path;

use serde_json::{Map, Value};

/// Parse the body of a g3doc metadata comment (protobuf text format:
/// `key: 'value'` pairs, nested `{ }`, `#` comments, no commas) into JSON.
pub(crate) fn parse_g3doc(body: &str) -> Result<Value, String> {
    let mut tokens = Vec::new();
    let mut chars = body.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            '#' => {
                while chars.peek().is_some_and(|c| *c != '\n') {
                    chars.next();
                }
            }
            c if c.is_whitespace() || c == ',' || c == ';' => {
                chars.next();
            }
            '{' | '}' | ':' => {
                tokens.push(c.to_string());
                chars.next();
            }
            '\'' | '"' => {
                chars.next();
                let mut s = String::from("\u{0}");
                loop {
                    match chars.next() {
                        Some(q) if q == c => break,
                        Some('\\') => s.extend(chars.next()),
                        Some(x) => s.push(x),
                        None => return Err("an unclosed quote".into()),
                    }
                }
                tokens.push(s);
            }
            _ => {
                let mut s = String::new();
                while let Some(&x) = chars.peek() {
                    if x.is_whitespace() || "{}:#'\",;".contains(x) {
                        break;
                    }
                    s.push(x);
                    chars.next();
                }
                tokens.push(s);
            }
        }
    }
    let mut i = 0;
    let v = message(&tokens, &mut i, 0)?;
    if i < tokens.len() {
        return Err(format!("unexpected {:?}", tokens[i]));
    }
    Ok(v)
}

fn message(t: &[String], i: &mut usize, depth: usize) -> Result<Value, String> {
    use crate::limits::MAX_G3DOC_DEPTH;
    if depth > MAX_G3DOC_DEPTH {
        return Err(format!(
            "nested deeper than {MAX_G3DOC_DEPTH} levels of {{ }}"
        ));
    }
    let mut m = Map::new();
    while *i < t.len() && t[*i] != "}" {
        let key = t[*i].clone();
        if key.starts_with('\u{0}') || key == "{" || key == ":" {
            return Err(format!(
                "expected a field name, found {:?}",
                key.trim_start_matches('\u{0}')
            ));
        }
        *i += 1;
        if t.get(*i).map(String::as_str) == Some(":") {
            *i += 1;
        }
        let value = match t.get(*i).map(String::as_str) {
            Some("{") => {
                *i += 1;
                let v = message(t, i, depth + 1)?;
                if t.get(*i).map(String::as_str) != Some("}") {
                    return Err(format!("{key}: an unclosed {{"));
                }
                *i += 1;
                v
            }
            Some(s) => {
                *i += 1;
                Value::String(s.trim_start_matches('\u{0}').to_string())
            }
            None => return Err(format!("{key} has no value")),
        };
        m.insert(key, value);
    }
    Ok(Value::Object(m))
}

/// One rule of a CODEOWNERS file.
struct OwnerRule {
    glob: globset::GlobMatcher,
    owners: Vec<String>,
}

/// A CODEOWNERS file: the last matching rule wins, as on GitHub.
pub(crate) struct CodeOwners {
    rules: Vec<OwnerRule>,
}

impl CodeOwners {
    /// The first of `.github/CODEOWNERS`, `CODEOWNERS`, `docs/CODEOWNERS`
    /// under the work tree (GitHub's order).
    pub(crate) fn find(top: &Path) -> Option<CodeOwners> {
        [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"]
            .iter()
            .find_map(|p| {
                let text = crate::fsutil::read_text_capped(
                    &top.join(p),
                    crate::limits::MAX_POLICY_BYTES as u64,
                    "CODEOWNERS",
                )
                .ok()?;
                Some(CodeOwners::parse(&text))
            })
    }

    pub(crate) fn parse(text: &str) -> CodeOwners {
        let mut rules = Vec::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let mut parts = line.split_whitespace();
            let Some(pattern) = parts.next() else {
                continue;
            };
            let owners: Vec<String> = parts.map(String::from).collect();
            // gitignore-style: a leading or inner `/` anchors to the root;
            // a trailing `/` means a folder's contents.
            let anchored = pattern.trim_end_matches('/').contains('/');
            let mut p = pattern.trim_start_matches('/').to_string();
            if p.ends_with('/') {
                p.push_str("**");
            }
            if !anchored {
                p = format!("**/{p}");
            }
            for g in [p.clone(), format!("{}/**", p.trim_end_matches("/**"))] {
                if let Ok(glob) = globset::GlobBuilder::new(&g)
                    .literal_separator(true)
                    .build()
                {
                    rules.push(OwnerRule {
                        glob: glob.compile_matcher(),
                        owners: owners.clone(),
                    });
                }
            }
        }
        CodeOwners { rules }
    }

    /// The owners of `path` (relative to the work tree); empty when the
    /// last matching rule names none (unowned) or none matches.
    pub(crate) fn owners(&self, path: &str) -> Vec<String> {
        self.rules
            .iter()
            .rev()
            .find(|r| r.glob.is_match(path))
            .map(|r| r.owners.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g3doc_comments_in_their_seen_forms() {
        let v = parse_g3doc(
            "\n# Document freshness: see go/fresh-source.\nfreshness: { owner: 'lizmitchell' reviewed: '2023-09-11' }\ntag: 'docType:reference'\n",
        )
        .unwrap();
        assert_eq!(v["freshness"]["owner"], "lizmitchell");
        assert_eq!(v["freshness"]["reviewed"], "2023-09-11");
        assert_eq!(v["tag"], "docType:reference");
        let v = parse_g3doc(
            " freshness: { owner: 'maringeo' reviewed: '2021-10-10' review_interval: '6 months' } ",
        )
        .unwrap();
        assert_eq!(v["freshness"]["review_interval"], "6 months");
        assert!(parse_g3doc("freshness: { owner: 'x'").is_err());
        assert!(parse_g3doc("owner: 'unclosed").is_err());
    }

    #[test]
    fn codeowners_last_match_wins() {
        let c = CodeOwners::parse(
            "# owners\n* @org/docs\n/runbooks/ @org/sre\ndocs/api/*.md @org/api\nunowned.md\n",
        );
        assert_eq!(c.owners("README.md"), ["@org/docs"]);
        assert_eq!(c.owners("runbooks/deploy.md"), ["@org/sre"]);
        assert_eq!(c.owners("runbooks/db/restore.md"), ["@org/sre"]);
        assert_eq!(c.owners("docs/api/orders.md"), ["@org/api"]);
        assert!(c.owners("x/unowned.md").is_empty());
    }
}
