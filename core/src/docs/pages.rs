//! Page discovery and reading: which files of a tree the audit reads, and
//! each one read within its cap and scanned (or a finding saying why not).

use std::path::{Path, PathBuf};

use super::finding::{Finding, finding};
use super::options::AuditOptions;
use super::scan::{MAX_HTML_DEPTH, Page, html_depth, scan_html_parsed, scan_markdown_with};
use crate::error::{Error, Result};
use crate::limits::MAX_PAGE_BYTES;

pub(crate) fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

pub(crate) fn show(p: &Path) -> String {
    rel(Path::new(""), p)
}

fn globs(list: &[&str], what: &str) -> Result<globset::GlobSet> {
    let mut b = globset::GlobSetBuilder::new();
    for g in list {
        b.add(
            globset::GlobBuilder::new(g)
                .literal_separator(false)
                .build()
                .map_err(|e| Error::invalid(format!("{what} glob {g:?}: {e}")))?,
        );
    }
    b.build()
        .map_err(|e| Error::invalid(format!("{what} globs: {e}")))
}

/// What `exclude` leaves out, read as `.gitignore` reads its lines: a
/// pattern without `/` (`archive`, `*.tmp`) matches a file or folder of
/// that name at any depth; one with `/` matches the path from the root
/// (`docs/archive`, `archive/**`); a folder left out takes its contents.
struct Exclude {
    paths: globset::GlobSet,
    names: globset::GlobSet,
}

impl Exclude {
    fn new(patterns: &[String]) -> Result<Self> {
        let trimmed: Vec<&str> = patterns
            .iter()
            .map(|p| p.trim_end_matches('/'))
            .filter(|p| !p.is_empty())
            .collect();
        let (anchored, names): (Vec<&str>, Vec<&str>) =
            trimmed.iter().partition(|p| p.contains('/'));
        let anchored: Vec<&str> = anchored.iter().map(|p| p.trim_start_matches('/')).collect();
        Ok(Exclude {
            paths: globs(&anchored, "exclude")?,
            names: globs(&names, "exclude")?,
        })
    }

    fn matches(&self, rel: &str, name: &std::ffi::OsStr) -> bool {
        !rel.is_empty() && (self.paths.is_match(rel) || self.names.is_match(name))
    }
}

/// The pages under `root` the options select, sorted: every page GitHub
/// renders (Markdown by its extensions in any letter case, HTML) unless
/// `include` names others; `exclude` prunes as `.gitignore` does.
pub(crate) fn pages_of(root: &Path, options: &AuditOptions) -> Result<Vec<PathBuf>> {
    let include: Vec<&str> = options.include.iter().map(String::as_str).collect();
    let include = (!include.is_empty())
        .then(|| globs(&include, "include"))
        .transpose()?;
    let exclude = Exclude::new(&options.exclude)?;
    let base = root.to_path_buf();
    let mut out = Vec::new();
    // The repository's .gitignore files only: not the user's global
    // excludes nor .git/info/exclude (an audit gives the same answer on
    // every machine), nor ripgrep's .ignore files (git does not read them;
    // each is one more lookup per folder). Excluded folders are not walked.
    for entry in ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_global(false)
        .git_exclude(false)
        .ignore(false)
        .filter_entry(move |e| {
            e.file_name() != ".git" && !exclude.matches(&rel(&base, e.path()), e.file_name())
        })
        .build()
    {
        let entry =
            entry.map_err(|e| Error::invalid(format!("walking {}: {e}", root.display())))?;
        // Everything but folders: files, symlinks (read through; a dangling
        // one is a finding), and FIFOs, sockets or devices named like pages
        // (reported as unreadable, never opened).
        if entry.file_type().is_none_or(|t| t.is_dir()) {
            continue;
        }
        let selected = match &include {
            Some(g) => g.is_match(rel(root, entry.path())),
            None => is_page(entry.path()),
        };
        if selected {
            out.push(entry.into_path());
        }
    }
    out.sort();
    Ok(out)
}

/// The extensions GitHub renders as Markdown (github/markup), any letter case.
const MARKDOWN: [&str; 7] = ["md", "markdown", "mdown", "mkdn", "mkd", "mdwn", "mkdown"];

pub(crate) fn is_markdown(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MARKDOWN.iter().any(|m| e.eq_ignore_ascii_case(m)))
}

fn is_html(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"))
}

/// A page the audit reads: Markdown or HTML.
pub(crate) fn is_page(p: &Path) -> bool {
    is_markdown(p) || is_html(p)
}

/// Read and scan one page (for secrets too, but those `secrets` allows,
/// when it is given), or say why not.
pub(crate) fn read_page(
    root: &Path,
    path: &Path,
    secrets: Option<&[regex::Regex]>,
) -> std::result::Result<Page, Box<Finding>> {
    let r = rel(root, path);
    let unreadable = |why: String| Box::new(finding("unreadable-page", &r, 1, 1, why));
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
    {
        return Err(unreadable(format!(
            "{r} is {}, not a regular file: not audited (remove it, or exclude it)",
            crate::fsutil::kind_name(meta.file_type())
        )));
    }
    let file = crate::fsutil::open_regular(path, "page")
        .map_err(|e| unreadable(format!("cannot read {r}: {}", e.message())))?;
    // Sized from the open file: one read for the page, one for its end.
    let size = file.metadata().map_or(0, |m| m.len()).min(MAX_PAGE_BYTES);
    let mut bytes = Vec::with_capacity(size as usize + 1);
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, MAX_PAGE_BYTES + 1),
        &mut bytes,
    )
    .map_err(|e| unreadable(format!("cannot read {r}: {e}")))?;
    if bytes.len() as u64 > MAX_PAGE_BYTES {
        return Err(unreadable(format!(
            "{r} is over the {MAX_PAGE_BYTES}-byte limit: not audited (exclude it, or split it)"
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        unreadable(format!(
            "{r} is not UTF-8 (invalid byte at offset {}): convert it to UTF-8 to audit it",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok(if is_html(path) {
        let depth = html_depth(&text);
        if depth > MAX_HTML_DEPTH {
            return Err(unreadable(format!(
                "{r} nests elements {depth} deep, over the {}-level limit: not audited (close its tags)",
                MAX_HTML_DEPTH
            )));
        }
        // Within the limit: nothing to flatten, so the depth is not measured again.
        scan_html_parsed(&r, &text, &text, secrets)
    } else {
        scan_markdown_with(&r, &text, secrets)
    })
}
