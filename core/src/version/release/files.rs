//! The files a release edits, computed in memory: the CHANGELOG.md
//! section, and each version file (Cargo.toml, Cargo.lock, package.json,
//! pyproject.toml, a regex) edited in place with everything else kept byte
//! for byte.

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::super::scheme::AnyVersion;

use super::{FileChange, Planned, VersionFile, VersionFileKind};
use crate::error::{Error, Result};
use crate::version::changelog::HEADER;

fn read_text(abs: &Path, rel: &str) -> Result<Option<String>> {
    let max = crate::limits::MAX_RELEASE_FILE_BYTES;
    match std::fs::symlink_metadata(abs) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        _ => {}
    }
    let b = crate::fsutil::read_capped(abs, max, &format!("{rel}, a file a release rewrites,"))?;
    String::from_utf8(b).map(Some).map_err(|_| {
        Error::invalid(format!(
            "{rel} is not UTF-8 text: convert it, or leave it out of the release"
        ))
    })
}

/// A path inside the work tree, never outside it.
fn inside(workdir: &Path, rel: &str) -> Result<PathBuf> {
    let p = Path::new(rel);
    if rel.is_empty()
        || p.is_absolute()
        || p.components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(Error::invalid(format!(
            "release file {rel:?} must be a relative path inside the repository, without `..`"
        )));
    }
    Ok(workdir.join(p))
}

/// The new CHANGELOG.md: created in Keep a Changelog form, or the section
/// inserted above the newest release (below the title and any
/// `## [Unreleased]` notes), every other byte kept. A file that already has
/// this version's section is left alone.
pub(super) fn plan_changelog(
    workdir: &Path,
    rel: &str,
    version: &AnyVersion,
    section: &str,
) -> Result<Planned> {
    let abs = inside(workdir, rel)?;
    let change = |created| FileChange {
        path: rel.to_string(),
        kind: "changelog".into(),
        created,
        old_version: None,
        new_version: None,
    };
    let Some(old) = read_text(&abs, rel)? else {
        return Ok(Planned {
            change: change(true),
            abs,
            text: format!("{HEADER}\n{section}"),
        });
    };
    let text = insert_section(&old, version, section)
        .map_err(|why| Error::invalid(format!("{rel} is not in Keep a Changelog form: {why}; start it with `# Changelog` and release headings like `## [1.2.0] - 2026-01-31`, or move it away and let the release create one")))?;
    Ok(Planned {
        change: change(false),
        abs,
        text,
    })
}

/// Where a section goes in a Keep a Changelog text (see [`plan_changelog`]).
pub(crate) fn insert_section(
    old: &str,
    version: &AnyVersion,
    section: &str,
) -> std::result::Result<String, String> {
    let mut offset = 0;
    let mut title = false;
    let mut insert_at = None;
    let mut in_fence = false;
    for line in old.split_inclusive('\n') {
        let t = line.trim_end();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
        }
        if !in_fence {
            if !title && !t.trim().is_empty() {
                if !t.starts_with("# ") {
                    return Err(format!("its first line is {t:?}, not a `# ` title"));
                }
                title = true;
            } else if let Some(h) = t.strip_prefix("## ") {
                let Some(name) = h.strip_prefix('[').and_then(|r| r.split_once(']')) else {
                    return Err(format!("the heading {t:?} has no [version]"));
                };
                if !name.0.eq_ignore_ascii_case("unreleased") {
                    match AnyVersion::parse(name.0, version.scheme()) {
                        Ok(v) if v.cmp_precedence(version).is_eq() => return Ok(old.to_string()),
                        Ok(_) => {
                            insert_at.get_or_insert(offset);
                        }
                        Err(_) => {
                            return Err(format!(
                                "the heading {t:?} names no {} version",
                                version.scheme()
                            ));
                        }
                    }
                }
            }
        }
        offset += line.len();
    }
    if !title {
        return Err("it is empty".into());
    }
    // A file written with CRLF line ends keeps them.
    let crlf;
    let section = if old.contains("\r\n") {
        crlf = section.replace('\n', "\r\n");
        crlf.as_str()
    } else {
        section
    };
    let nl = if old.contains("\r\n") { "\r\n" } else { "\n" };
    Ok(match insert_at {
        Some(at) => format!("{}{section}{nl}{}", &old[..at], &old[at..]),
        None if old.ends_with(&format!("{nl}{nl}")) => format!("{old}{section}"),
        None if old.ends_with('\n') => format!("{old}{nl}{section}"),
        None => format!("{old}{nl}{nl}{section}"),
    })
}

/// Does a file that says `says` hold the current release `current`, as a
/// release to `new` expects? Yes when it says `current`, or a pre-release
/// between the two: finishing a beta (`1.5.0-beta.2`, `1.5.0b2`) starts
/// from the stable base but the files say the last beta.
pub(super) fn holds_current(says: &str, current: &AnyVersion, new: &AnyVersion) -> bool {
    AnyVersion::parse(says, current.scheme()).is_ok_and(|s| {
        s.cmp_precedence(current).is_eq()
            || (s.is_prerelease()
                && s.cmp_precedence(current).is_gt()
                && s.cmp_precedence(new).is_lt())
    })
}

pub(super) fn plan_version_file(
    workdir: &Path,
    f: &VersionFile,
    current: Option<&AnyVersion>,
    new: &AnyVersion,
) -> Result<Vec<Planned>> {
    let abs = inside(workdir, &f.path)?;
    let name = abs.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let kind = match f.kind {
        VersionFileKind::Auto => match name {
            "Cargo.toml" => VersionFileKind::Cargo,
            "package.json" => VersionFileKind::Npm,
            "pyproject.toml" => VersionFileKind::Pyproject,
            _ if f.pattern.is_some() => VersionFileKind::Regex,
            _ => {
                return Err(Error::invalid(format!(
                    "cannot tell how {} holds its version: give its kind (cargo, npm, pyproject) or a regex pattern",
                    f.path
                )));
            }
        },
        k => k,
    };
    let text = read_text(&abs, &f.path)?.ok_or_else(|| {
        Error::not_found(format!(
            "version file {} does not exist: fix the path in the release's files",
            f.path
        ))
    })?;
    let new_s = match kind {
        // Cargo and npm read SemVer only: a PEP 440 release is written
        // there only when SemVer reads it too (`1.2.0`, not `1.2.0rc1`).
        VersionFileKind::Cargo | VersionFileKind::Npm => match new {
            AnyVersion::Semver(v) => v.to_string(),
            AnyVersion::Pep440(p) => ::semver::Version::parse(&p.to_string())
                .map_err(|_| {
                    Error::invalid(format!(
                        "{} holds a SemVer version and {new} is PEP 440 only: release with the semver scheme, or leave {} out of the release's files",
                        f.path, f.path
                    ))
                })?
                .to_string(),
        },
        _ => new.to_string(),
    };
    let (old, edited, kind_name) = match kind {
        VersionFileKind::Cargo => {
            let (old, t) = edit_toml(
                &text,
                &f.path,
                &[
                    &["package", "version"],
                    &["workspace", "package", "version"],
                ],
                &new_s,
            )?;
            (old, t, "cargo")
        }
        VersionFileKind::Pyproject => {
            let (old, t) = edit_toml(
                &text,
                &f.path,
                &[&["project", "version"], &["tool", "poetry", "version"]],
                &new_s,
            )?;
            (old, t, "pyproject")
        }
        VersionFileKind::Npm => {
            let (old, t) = edit_json(&text, &f.path, &[&["version"]], &new_s, true)?;
            (old, t, "npm")
        }
        // `Auto` was resolved above; were it not, it needs a pattern like `Regex`.
        VersionFileKind::Regex | VersionFileKind::Auto => {
            let pattern = f.pattern.as_deref().ok_or_else(|| {
                Error::invalid(format!("version file {} needs a regex pattern", f.path))
            })?;
            let (old, t) = edit_regex(&text, &f.path, pattern, &new_s)?;
            (old, t, "regex")
        }
    };
    if let Some(cur) = current
        && !holds_current(&old, cur, new)
    {
        return Err(Error::invalid(format!(
            "{} says version {old} but the current release is {cur}: set it to {cur} (or tag the release it matches) before releasing",
            f.path
        )));
    }
    let mut out = vec![Planned {
        change: FileChange {
            path: f.path.clone(),
            kind: kind_name.into(),
            created: false,
            old_version: Some(old.clone()),
            new_version: Some(new_s.clone()),
        },
        abs: abs.clone(),
        text: edited,
    }];
    // The lockfile beside the manifest follows it.
    let lock = match kind {
        VersionFileKind::Cargo => Some(("Cargo.lock", "cargo-lock")),
        VersionFileKind::Npm => Some(("package-lock.json", "npm-lock")),
        _ => None,
    };
    if let Some((lock_name, lock_kind)) = lock {
        let lock_abs = abs.with_file_name(lock_name);
        let lock_rel = Path::new(&f.path)
            .with_file_name(lock_name)
            .to_string_lossy()
            .into_owned();
        if let Some(lock_text) = read_text(&lock_abs, &lock_rel)? {
            let edited = if kind == VersionFileKind::Cargo {
                edit_cargo_lock(&lock_text, &lock_rel, &old, &new_s)?
            } else {
                edit_json(
                    &lock_text,
                    &lock_rel,
                    &[&["version"], &["packages", "", "version"]],
                    &new_s,
                    false,
                )
                .map(|(_, t)| t)?
            };
            if edited != lock_text {
                out.push(Planned {
                    change: FileChange {
                        path: lock_rel,
                        kind: lock_kind.into(),
                        created: false,
                        old_version: Some(old),
                        new_version: Some(new_s),
                    },
                    abs: lock_abs,
                    text: edited,
                });
            }
        }
    }
    Ok(out)
}

/// The first of `paths` that holds a version string, replaced in the text
/// itself: every other byte, and the value's own quoting, kept.
fn edit_toml(text: &str, rel: &str, paths: &[&[&str]], new: &str) -> Result<(String, String)> {
    let doc = parse_toml(text, rel, "fix it, then release")?;
    for path in paths {
        let Some(v) = toml_get(&doc, path).and_then(|i| i.as_value()) else {
            continue;
        };
        // `version.workspace = true` is a table: the workspace's holds it.
        if let (Some(old), Some(span)) = (v.as_str(), v.span()) {
            return Ok((old.to_string(), splice(text, span, old, new)));
        }
    }
    let dynamic = doc
        .get("project")
        .and_then(|p| p.get("dynamic"))
        .and_then(|d| d.as_array())
        .is_some_and(|a| a.iter().any(|x| x.as_str() == Some("version")));
    Err(Error::invalid(if dynamic {
        format!(
            "{rel} has no version field: its version is dynamic (set by the build backend, e.g. maturin from Cargo.toml): list the file that holds it instead"
        )
    } else {
        format!(
            "{rel} has no version field ({}): add one, or leave the file out of the release",
            paths
                .iter()
                .map(|p| p.join("."))
                .collect::<Vec<_>>()
                .join(" or ")
        )
    }))
}

/// The item at `path` (keys from the top), if every key is there.
fn toml_get<'d>(doc: &'d toml_edit::Document<&str>, path: &[&str]) -> Option<&'d toml_edit::Item> {
    path.iter()
        .try_fold(doc.as_item(), |item, key| item.get(*key))
}

fn parse_toml<'t>(text: &'t str, rel: &str, fix: &str) -> Result<toml_edit::Document<&'t str>> {
    toml_edit::Document::parse(text)
        .map_err(|e| Error::invalid(format!("{rel} is not valid TOML: {e}: {fix}")))
}

/// `text` with the raw value at `span` holding `new` where it held `old`.
fn splice(text: &str, span: Range<usize>, old: &str, new: &str) -> String {
    let raw = &text[span.clone()];
    format!(
        "{}{}{}",
        &text[..span.start],
        raw.replacen(old, new, 1),
        &text[span.end..]
    )
}

/// Cargo.lock's path packages (no `source`) at the old version move to the new one.
fn edit_cargo_lock(text: &str, rel: &str, old: &str, new: &str) -> Result<String> {
    let doc = parse_toml(text, rel, "regenerate it with cargo")?;
    let mut spans: Vec<Range<usize>> = doc
        .get("package")
        .and_then(|p| p.as_array_of_tables())
        .into_iter()
        .flat_map(|a| a.iter())
        .filter(|t| !t.contains_key("source"))
        .filter_map(|t| t.get("version").and_then(|v| v.as_value()))
        .filter(|v| v.as_str() == Some(old))
        .filter_map(|v| v.span())
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.start));
    let mut out = text.to_string();
    for s in spans {
        out = splice(&out, s, old, new);
    }
    Ok(out)
}

/// Replace string values at `paths` in JSON text, in place (every other byte
/// kept). With `required`, the first path must exist; the old value of the
/// first path found is returned.
fn edit_json(
    text: &str,
    rel: &str,
    paths: &[&[&str]],
    new: &str,
    required: bool,
) -> Result<(String, String)> {
    serde_json::from_str::<serde_json::Value>(text).map_err(|e| {
        Error::invalid(format!(
            "{rel} is not valid JSON: {e}: fix it, then release"
        ))
    })?;
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut old = None;
    for path in paths {
        if let Some(span) = json_string_at(text, path) {
            let value: String =
                serde_json::from_str(&format!("\"{}\"", &text[span.clone()])).unwrap_or_default();
            old.get_or_insert(value);
            spans.push(span);
        }
    }
    let Some(old) = old else {
        if required {
            return Err(Error::invalid(format!(
                "{rel} has no top-level \"version\" string: add one, or leave the file out of the release"
            )));
        }
        return Ok((String::new(), text.to_string()));
    };
    spans.sort_by_key(|s| std::cmp::Reverse(s.start));
    let mut out = text.to_string();
    for s in spans {
        out.replace_range(s, new);
    }
    Ok((old, out))
}

/// The byte range inside the quotes of the string at `path` (object keys
/// from the top), if there is one. `text` is valid JSON (serde_json checked
/// it, and its depth limit bounds the recursion here).
fn json_string_at(text: &str, path: &[&str]) -> Option<Range<usize>> {
    struct Walk<'a> {
        t: &'a str,
        i: usize,
    }
    impl Walk<'_> {
        fn ws(&mut self) {
            let b = self.t.as_bytes();
            while self.i < b.len() && b[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
        }
        fn peek(&self) -> u8 {
            self.t.as_bytes().get(self.i).copied().unwrap_or(0)
        }
        /// At a `"`: the range inside the quotes; moves past the closing one.
        fn string(&mut self) -> Range<usize> {
            let b = self.t.as_bytes();
            let start = self.i + 1;
            let mut j = start;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            self.i = j + 1;
            start..j.min(b.len())
        }
        /// Walk one value; `rest` is what is left of the wanted path when
        /// this value lies on it.
        fn value(&mut self, rest: Option<&[&str]>) -> Option<Range<usize>> {
            self.ws();
            match self.peek() {
                b'"' => {
                    let r = self.string();
                    (rest == Some(&[])).then_some(r)
                }
                open @ (b'{' | b'[') => {
                    let close = if open == b'{' { b'}' } else { b']' };
                    self.i += 1;
                    loop {
                        self.ws();
                        match self.peek() {
                            0 => return None,
                            c if c == close => {
                                self.i += 1;
                                return None;
                            }
                            b',' => self.i += 1,
                            _ if open == b'[' => {
                                if let Some(found) = self.value(None) {
                                    return Some(found);
                                }
                            }
                            _ => {
                                let k = self.string();
                                let key: String =
                                    serde_json::from_str(&format!("\"{}\"", &self.t[k]))
                                        .unwrap_or_default();
                                self.ws();
                                self.i += 1; // ':'
                                let child = match rest {
                                    Some([first, tail @ ..]) if *first == key => Some(tail),
                                    _ => None,
                                };
                                if let Some(found) = self.value(child) {
                                    return Some(found);
                                }
                            }
                        }
                    }
                }
                _ => {
                    let b = self.t.as_bytes();
                    while self.i < b.len()
                        && !matches!(b[self.i], b',' | b'}' | b']')
                        && !b[self.i].is_ascii_whitespace()
                    {
                        self.i += 1;
                    }
                    None
                }
            }
        }
    }
    Walk { t: text, i: 0 }.value(Some(path))
}

/// Every match of `pattern`: its `version` group (or group 1) must hold
/// the same version in each; all are replaced.
fn edit_regex(text: &str, rel: &str, pattern: &str, new: &str) -> Result<(String, String)> {
    let re = regex::Regex::new(pattern).map_err(|e| {
        Error::invalid(format!(
            "version pattern {pattern:?} for {rel} is not a valid regex: {e}"
        ))
    })?;
    let group = if re.capture_names().any(|n| n == Some("version")) {
        re.capture_names()
            .position(|n| n == Some("version"))
            .unwrap_or(1)
    } else if re.captures_len() > 1 {
        1
    } else {
        return Err(Error::invalid(format!(
            "version pattern {pattern:?} for {rel} has no group: put the version in (?P<version>…)"
        )));
    };
    let mut spans = Vec::new();
    let mut old: Option<String> = None;
    for c in re.captures_iter(text) {
        let Some(m) = c.get(group) else { continue };
        if let Some(o) = &old
            && o != m.as_str()
        {
            return Err(Error::invalid(format!(
                "{rel} holds two versions ({o} and {}) where {pattern:?} matches: make them agree",
                m.as_str()
            )));
        }
        old = Some(m.as_str().to_string());
        spans.push(m.range());
    }
    let old = old.ok_or_else(|| {
        Error::invalid(format!(
            "{rel} has no match for the version pattern {pattern:?}: fix the pattern or the file"
        ))
    })?;
    let mut out = text.to_string();
    for s in spans.into_iter().rev() {
        out.replace_range(s, new);
    }
    Ok((old, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_found_by_path_and_nowhere_else() {
        let t = r#"{
  "name": "x", "nested": {"version": "9.9.9"}, "list": [{"version": "8"}, "version"],
  "version"  :  "1.2.3",
  "packages": {"": {"name": "x", "version": "1.2.3"}, "node_modules/a": {"version": "1.2.3"}}
}"#;
        let at = |p: &[&str]| json_string_at(t, p).map(|r| &t[r]);
        assert_eq!(at(&["version"]), Some("1.2.3"));
        assert_eq!(at(&["nested", "version"]), Some("9.9.9"));
        assert_eq!(at(&["packages", "", "version"]), Some("1.2.3"));
        assert_eq!(at(&["name"]), Some("x"));
        assert_eq!(at(&["missing"]), None);
        let (old, out) = edit_json(
            t,
            "package-lock.json",
            &[&["version"], &["packages", "", "version"]],
            "2.0.0",
            true,
        )
        .unwrap();
        assert_eq!(old, "1.2.3");
        assert_eq!(out.matches("2.0.0").count(), 2);
        assert_eq!(
            out.matches("\"1.2.3\"").count(),
            1,
            "node_modules/a keeps its own"
        );
        assert_eq!(out.replace("2.0.0", "1.2.3"), t);
    }

    #[test]
    fn sections_go_above_the_newest_release() {
        let v = AnyVersion::Semver(::semver::Version::new(1, 1, 0));
        let s = "## [1.1.0] - 2026-02-01\n\n### Features\n\n- b (bbbbbbb)\n";
        let old = "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n- hand note\n\n## [1.0.0] - 2026-01-01\n\n- a\n";
        let new = insert_section(old, &v, s).unwrap();
        assert_eq!(
            new,
            format!(
                "# Changelog\n\nIntro.\n\n## [Unreleased]\n\n- hand note\n\n{s}\n## [1.0.0] - 2026-01-01\n\n- a\n"
            )
        );
        assert_eq!(insert_section(&new, &v, s).unwrap(), new, "idempotent");
        assert!(
            insert_section("Changes\n", &v, s)
                .unwrap_err()
                .contains("title")
        );
        assert!(
            insert_section("# Changelog\n\n## 1.0.0\n", &v, s)
                .unwrap_err()
                .contains("[version]")
        );
        assert_eq!(
            insert_section("# Changelog\n", &v, s).unwrap(),
            format!("# Changelog\n\n{s}")
        );
        let dos = "# Changelog\r\n\r\n## [1.0.0] - 2026-01-01\r\n\r\n- a\r\n";
        let got = insert_section(dos, &v, s).unwrap();
        assert_eq!(
            got.matches('\n').count(),
            got.matches("\r\n").count(),
            "{got:?}"
        );
        assert!(got.ends_with("## [1.0.0] - 2026-01-01\r\n\r\n- a\r\n"));
    }
}

/// The hand-written editors, for the fuzz targets only (`cargo fuzz` builds
/// with `--cfg fuzzing`): not part of the API.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    use super::*;

    /// Edit `text` as a package.json, a Cargo.toml, a Cargo.lock and a
    /// CHANGELOG.md; panic if an edit that succeeded broke its file.
    pub fn edit_all(text: &str) {
        let new = "9.8.7";
        if let Ok((old, out)) = edit_json(text, "package.json", &[&["version"]], new, false) {
            if !old.is_empty() {
                let v: serde_json::Value = serde_json::from_str(&out).expect("edited JSON parses");
                assert_eq!(v["version"], new, "the version was set");
            }
        }
        if let Ok((_, out)) = edit_toml(text, "Cargo.toml", &[&["package", "version"]], new) {
            let doc: toml_edit::DocumentMut = out.parse().expect("edited TOML parses");
            assert_eq!(doc["package"]["version"].as_str(), Some(new));
        }
        if let Ok(out) = edit_cargo_lock(text, "Cargo.lock", "0.1.0", new) {
            out.parse::<toml_edit::DocumentMut>()
                .expect("edited lock parses");
        }
        let v = AnyVersion::Semver(::semver::Version::new(9, 8, 7));
        if let Ok(out) = insert_section(text, &v, "## [9.8.7] - 2026-01-01\n\n- x\n") {
            // The new section, or the one already there (a release is idempotent).
            assert!(out.contains("## [9.8.7]"), "a 9.8.7 section is in");
            assert!(out.len() >= text.len(), "nothing was removed");
        }
    }
}
