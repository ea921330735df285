//! Page discovery and reading: which files of a tree the audit reads, and
//! each one read within its cap and scanned (or a finding saying why not).

use std::path::{Path, PathBuf};

use super::finding::{Finding, finding};
use super::options::AuditOptions;
use super::scan::{MAX_HTML_DEPTH, Page, html_depth, scan_html_parsed, scan_markdown};
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

/// The pages under `root` the options select, sorted.
pub(crate) fn pages_of(root: &Path, options: &AuditOptions) -> Result<Vec<PathBuf>> {
    let globs = |list: &[String], what: &str| -> Result<globset::GlobSet> {
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
    };
    let include = globs(&options.include, "include")?;
    let exclude = globs(&options.exclude, "exclude")?;
    let mut out = Vec::new();
    // The repository's .gitignore files, not the user's global excludes: an
    // audit gives the same answer on every machine.
    for entry in ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_global(false)
        .filter_entry(|e| e.file_name() != ".git")
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
        let r = rel(root, entry.path());
        if include.is_match(&r) && !exclude.is_match(&r) {
            out.push(entry.into_path());
        }
    }
    out.sort();
    Ok(out)
}

pub(crate) fn is_markdown(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
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

/// Read and scan one page, or say why not.
pub(crate) fn read_page(root: &Path, path: &Path) -> std::result::Result<Page, Box<Finding>> {
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
    let mut bytes = Vec::new();
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
        scan_html_parsed(&r, &text, &text)
    } else {
        scan_markdown(&r, &text)
    })
}
