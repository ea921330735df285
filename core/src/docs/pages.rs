//! Page discovery and reading: which files of a tree the audit reads, and
//! each one read within its cap and scanned (or a finding saying why not).

use std::ffi::OsStr;
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
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

/// A file the walk selected, and whether its folder listing said it is a
/// regular file (so reading it needs no `stat` first).
pub(crate) struct PageFile {
    pub path: PathBuf,
    pub regular: bool,
}

/// The `.gitignore` files in force in a folder: its own, then its parents'
/// up to the repository's top. The nearest match decides, as git's does.
struct Ignores {
    here: ignore::gitignore::Gitignore,
    parent: Option<std::sync::Arc<Ignores>>,
}

impl Ignores {
    /// No file of patterns: inside a repository, before any is read.
    fn none() -> std::sync::Arc<Ignores> {
        std::sync::Arc::new(Ignores {
            here: ignore::gitignore::Gitignore::empty(),
            parent: None,
        })
    }

    fn ignored(&self, path: &Path, is_dir: bool) -> bool {
        let mut at = Some(self);
        while let Some(i) = at {
            let m = i.here.matched(path, is_dir);
            if !m.is_none() {
                return m.is_ignore();
            }
            at = i.parent.as_deref();
        }
        false
    }
}

/// Add `dir/.gitignore` on top of `parent` (an unreadable or broken line
/// is skipped, as git skips it).
fn with_gitignore(
    dir: &Path,
    parent: Option<std::sync::Arc<Ignores>>,
) -> Option<std::sync::Arc<Ignores>> {
    let mut b = ignore::gitignore::GitignoreBuilder::new(dir);
    b.add(dir.join(".gitignore"));
    match b.build() {
        Ok(here) if !here.is_empty() => Some(std::sync::Arc::new(Ignores { here, parent })),
        _ => parent,
    }
}

/// The `.gitignore` files of `root`'s parents inside its repository (the
/// nearest folder above holding `.git`); none outside a repository, as git
/// reads none there.
fn parent_ignores(root: &Path) -> Option<std::sync::Arc<Ignores>> {
    let top = root.ancestors().find(|a| a.join(".git").exists())?;
    let mut chain = None;
    let mut dirs: Vec<&Path> = root.ancestors().skip(1).take_while(|a| *a != top).collect();
    if root != top {
        dirs.push(top);
    }
    for d in dirs.into_iter().rev() {
        chain = with_gitignore(d, chain);
    }
    Some(chain.unwrap_or_else(Ignores::none))
}

/// What a folder listing says an entry is (its `d_type`, not followed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Listed {
    Folder,
    Link,
    /// A file, FIFO, socket or device.
    Other,
}

impl Listed {
    pub(crate) fn of(t: std::fs::FileType) -> Self {
        if t.is_dir() {
            Listed::Folder
        } else if t.is_symlink() {
            Listed::Link
        } else {
            Listed::Other
        }
    }
}

/// Entries of a folder as its listing gave them, sorted by name.
pub(crate) type Listing = Vec<(std::ffi::OsString, Listed)>;

/// What the walk found: the pages, and the listing of every folder it
/// read (by path from the audit root), so link targets in them need no
/// `stat` of their own.
pub(crate) struct Walked {
    pub pages: Vec<PageFile>,
    pub listings: super::Map<PathBuf, Listing>,
}

/// What the walk carries down the tree.
struct Walk<'a> {
    root: &'a Path,
    /// The `getdents` buffer, shared by every folder.
    buf: Vec<u8>,
    include: Option<&'a globset::GlobSet>,
    exclude: &'a Exclude,
    out: Walked,
}

/// Folders deeper than this are opened by their whole path, so a deep tree
/// never holds more than this many folder descriptors open at once.
const MAX_OPEN_FOLDERS: usize = 128;

impl Walk<'_> {
    /// Walk one folder: one `getdents` pass through a descriptor opened at
    /// its parent's; `.gitignore` is read only where the listing has one.
    fn folder(
        &mut self,
        parent: Option<rustix::fd::BorrowedFd<'_>>,
        path: &Path,
        rel: &str,
        depth: usize,
        ignores: Option<std::sync::Arc<Ignores>>,
    ) -> Result<()> {
        use rustix::fs::{AtFlags, CWD, FileType, Mode, OFlags};
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NOFOLLOW;
        let opened = match (parent, depth < MAX_OPEN_FOLDERS) {
            (Some(fd), true) => rustix::fs::openat(
                fd,
                path.file_name().unwrap_or_default(),
                flags,
                Mode::empty(),
            ),
            _ => rustix::fs::openat(CWD, path, flags, Mode::empty()),
        };
        let walking =
            |e: rustix::io::Errno| Error::invalid(format!("walking {}: {e}", path.display()));
        let fd = opened.map_err(walking)?;
        let mut names = Vec::new();
        let mut has_gitignore = false;
        let mut has_git = false;
        // One buffer for every folder: a few `getdents` fill it, however
        // many entries a folder has.
        let mut buf = std::mem::take(&mut self.buf);
        let mut dir = rustix::fs::RawDir::new(&fd, buf.spare_capacity_mut());
        while let Some(entry) = dir.next() {
            let entry = entry.map_err(walking)?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            has_gitignore |= name == b".gitignore";
            has_git |= name == b".git";
            let mut kind = entry.file_type();
            if kind == FileType::Unknown {
                kind = rustix::fs::statat(&fd, entry.file_name(), AtFlags::SYMLINK_NOFOLLOW)
                    .map(|st| FileType::from_raw_mode(st.st_mode))
                    .unwrap_or(FileType::Unknown);
            }
            names.push((OsStr::from_bytes(name).to_os_string(), kind));
        }
        self.buf = buf;
        // A nested repository starts afresh: its parent's ignores are not its own.
        let ignores = match (has_git && depth > 0, ignores) {
            (true, Some(_)) => Some(Ignores::none()),
            (_, i) => i,
        };
        let ignores = match ignores {
            Some(i) if has_gitignore => with_gitignore(path, Some(i)),
            i => i,
        };
        for (name, kind) in &names {
            let (name, kind) = (name.as_os_str(), *kind);
            if name == ".git" {
                continue;
            }
            let is_dir = kind == FileType::Directory;
            let child_rel = || {
                if rel.is_empty() {
                    name.to_string_lossy().into_owned()
                } else {
                    format!("{rel}/{}", name.to_string_lossy())
                }
            };
            // Everything but folders: files, symlinks (read through; a
            // dangling one is a finding), and FIFOs, sockets or devices
            // named like pages (reported as unreadable, never opened). A
            // file that is no page needs no ignore or exclude check.
            let child_rel = match (is_dir, self.include) {
                (false, Some(g)) => {
                    let r = child_rel();
                    if !g.is_match(&r) {
                        continue;
                    }
                    r
                }
                (false, None) if !is_page(Path::new(name)) => continue,
                _ => child_rel(),
            };
            let child = path.join(name);
            if self.exclude.matches(&child_rel, name)
                || ignores
                    .as_deref()
                    .is_some_and(|i| i.ignored(&child, is_dir))
            {
                continue;
            }
            if is_dir {
                self.folder(
                    Some(fd.as_fd()),
                    &child,
                    &child_rel,
                    depth + 1,
                    ignores.clone(),
                )?;
            } else {
                self.out.pages.push(PageFile {
                    path: child,
                    regular: kind == FileType::RegularFile,
                });
            }
        }
        let mut listing: Listing = names
            .into_iter()
            .map(|(n, k)| {
                let l = match k {
                    FileType::Directory => Listed::Folder,
                    FileType::Symlink | FileType::Unknown => Listed::Link,
                    _ => Listed::Other,
                };
                (n, l)
            })
            .collect();
        listing.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let key = path.strip_prefix(self.root).unwrap_or(path).to_path_buf();
        self.out.listings.insert(key, listing);
        Ok(())
    }
}

/// The pages under `root` the options select, sorted: every page GitHub
/// renders (Markdown by its extensions in any letter case, HTML) unless
/// `include` names others; `exclude` prunes as `.gitignore` does.
///
/// The repository's .gitignore files only: not the user's global excludes
/// nor .git/info/exclude (an audit gives the same answer on every
/// machine), nor ripgrep's .ignore files (git does not read them).
/// Excluded and ignored folders are not walked, `.git` never is.
pub(crate) fn pages_of(root: &Path, options: &AuditOptions) -> Result<Walked> {
    let include: Vec<&str> = options.include.iter().map(String::as_str).collect();
    let include = (!include.is_empty())
        .then(|| globs(&include, "include"))
        .transpose()?;
    let exclude = Exclude::new(&options.exclude)?;
    let mut walk = Walk {
        root,
        buf: Vec::with_capacity(32 << 10),
        include: include.as_ref(),
        exclude: &exclude,
        out: Walked {
            pages: Vec::new(),
            listings: Default::default(),
        },
    };
    walk.folder(None, root, "", 0, parent_ignores(root))?;
    let mut out = walk.out;
    out.pages.sort_by(|a, b| a.path.cmp(&b.path));
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
///
/// `regular`: the folder listing said the path is a regular file, so it is
/// opened without following a link and checked on the descriptor alone.
pub(crate) fn read_page(
    root: &Path,
    path: &Path,
    regular: bool,
    secrets: Option<&[regex::Regex]>,
) -> std::result::Result<Page, Box<Finding>> {
    let r = rel(root, path);
    let unreadable = |why: String| Box::new(finding("unreadable-page", &r, 1, 1, why));
    let not_regular = |t: std::fs::FileType| {
        unreadable(format!(
            "{r} is {}, not a regular file: not audited (remove it, or exclude it)",
            crate::fsutil::kind_name(t)
        ))
    };
    let listed = regular
        .then(|| {
            std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(
                    (rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOFOLLOW).bits() as i32,
                )
                .open(path)
                .ok()
        })
        .flatten();
    let file = match listed {
        Some(f) => f,
        None => {
            if let Ok(meta) = std::fs::metadata(path)
                && !meta.is_file()
            {
                return Err(not_regular(meta.file_type()));
            }
            crate::fsutil::open_regular(path, "page")
                .map_err(|e| unreadable(format!("cannot read {r}: {}", e.message())))?
        }
    };
    let meta = file
        .metadata()
        .map_err(|e| unreadable(format!("cannot read {r}: {e}")))?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    let over = || {
        unreadable(format!(
            "{r} is over the {MAX_PAGE_BYTES}-byte limit: not audited (exclude it, or split it)"
        ))
    };
    if meta.len() > MAX_PAGE_BYTES {
        return Err(over());
    }
    // The page as it was when its size was taken: one read fills it. A file
    // that says it is empty (or ends early) is read to its end instead,
    // within the cap.
    let size = meta.len() as usize;
    let mut bytes = vec![0; size];
    let mut file = file;
    let mut filled = 0;
    while filled < size {
        match std::io::Read::read(&mut file, &mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(unreadable(format!("cannot read {r}: {e}"))),
        }
    }
    bytes.truncate(filled);
    if size == 0 {
        std::io::Read::read_to_end(
            &mut std::io::Read::take(file, MAX_PAGE_BYTES + 1),
            &mut bytes,
        )
        .map_err(|e| unreadable(format!("cannot read {r}: {e}")))?;
        if bytes.len() as u64 > MAX_PAGE_BYTES {
            return Err(over());
        }
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
