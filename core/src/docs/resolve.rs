//! Local link resolution as GitHub does it: relative, `/`-rooted and own-URL
//! links to files and folders, `#fragments` against heading anchors, HTML
//! ids and line anchors.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::finding::{Finding, finding};
use super::options::AuditOptions;
use super::pages::{Listed, Listing, is_page, read_page, show};
use super::scan::{Link, Page};

pub(crate) struct Resolver<'a> {
    /// The repository's work tree (or the audit root outside git): links
    /// may reach anything under it.
    pub(crate) top: &'a Path,
    /// The audit root, relative to `top`.
    pub(crate) root_in_top: PathBuf,
    /// Where `/path` links resolve, relative to `top`.
    pub(crate) site_in_top: PathBuf,
    pub(crate) options: &'a AuditOptions,
    /// Audited pages by their path relative to the audit root.
    pub(crate) pages: &'a super::Map<String, Page>,
    /// Pages outside the audit (or excluded) that fragments land on, read once.
    pub(crate) others: Mutex<super::Map<PathBuf, Option<Arc<Page>>>>,
    /// The repository, for permalinks pinned to a commit (git2's handle is
    /// not shared between threads: one lookup at a time), and what each
    /// (commit, path) holds, looked up once.
    pub(crate) repo: Mutex<Option<git2::Repository>>,
    pub(crate) pinned: Mutex<super::Map<(String, PathBuf), Option<Pinned>>>,
    /// What each target path is (`None`: nothing; `Some(true)`: a folder),
    /// looked up once: pages link to the same files many times over.
    pub(crate) kinds: Mutex<super::Map<PathBuf, Option<bool>>>,
    /// Folder listings (from the work tree), the walk's and those read
    /// for letter-case hints: a target in a listed folder needs no `stat`.
    pub(crate) listings: Mutex<super::Map<PathBuf, Listing>>,
}

/// What a path holds at a pinned commit.
#[derive(Clone)]
pub(crate) enum Pinned {
    /// Nothing: the commit is there, the path is not in it.
    Absent,
    /// A folder, or a file that is not a page.
    Present,
    /// A page, scanned for its anchors.
    Page(Arc<Page>),
}

/// The page a fragment lands on.
enum Landing<'a> {
    Audited(&'a Page),
    Other(Arc<Page>),
}

impl std::ops::Deref for Landing<'_> {
    type Target = Page;
    fn deref(&self) -> &Page {
        match self {
            Landing::Audited(p) => p,
            Landing::Other(p) => p,
        }
    }
}

/// What checking a link gave.
pub(crate) enum Outcome {
    /// `https:`, `mailto:` and the like: listed, not checked.
    External,
    /// A local link: a finding when it is broken, and the path it reaches
    /// (relative to the work tree) when it exists.
    Local {
        finding: Option<Finding>,
        target: Option<PathBuf>,
    },
}

impl Resolver<'_> {
    /// A link to the repository's own web pages: its ref (a branch, tag or
    /// commit: one segment here) and the path from the work tree.
    fn own_url<'t>(&self, target: &'t str) -> Option<(&'t str, &'t str)> {
        let base = self.options.repo_url.as_deref()?.trim_end_matches('/');
        let rest = target.strip_prefix(base)?;
        let rest = rest
            .strip_prefix("/blob/")
            .or_else(|| rest.strip_prefix("/tree/"))?;
        Some(rest.split_once('/').unwrap_or((rest, "")))
    }

    /// Is `path` (from the work tree) a folder (`Some(true)`), another
    /// thing (`Some(false)`), or nothing (`None`)? Asked of the file system
    /// once per path.
    fn kind(&self, path: &Path) -> Option<bool> {
        if let Some(k) = self
            .kinds
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
        {
            return *k;
        }
        let k = self.listed(path).unwrap_or_else(|| {
            std::fs::metadata(self.top.join(path))
                .ok()
                .map(|m| m.is_dir())
        });
        self.kinds
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_path_buf(), k);
        k
    }

    /// What a listing already read says `path` is, when its folder was
    /// listed and the entry is not a symlink (that one is followed by a
    /// `stat`).
    fn listed(&self, path: &Path) -> Option<Option<bool>> {
        let (folder, name) = (path.parent()?, path.file_name()?);
        let listings = self.listings.lock().unwrap_or_else(|e| e.into_inner());
        let listing = listings.get(folder)?;
        match listing.binary_search_by(|(n, _)| n.as_os_str().cmp(name)) {
            Err(_) => Some(None),
            Ok(i) => match listing[i].1 {
                Listed::Folder => Some(Some(true)),
                Listed::Other => Some(Some(false)),
                Listed::Link => None,
            },
        }
    }

    /// What `path` (from the work tree) holds at commit `sha`, when `sha`
    /// names a commit of the local repository (`None` otherwise: the link
    /// is then checked against the work tree).
    fn at_commit(&self, sha: &str, path: &Path) -> Option<Pinned> {
        let key = (sha.to_string(), path.to_path_buf());
        if let Some(known) = self
            .pinned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return known.clone();
        }
        let found = (|| {
            let repo = self.repo.lock().unwrap_or_else(|e| e.into_inner());
            let repo = repo.as_ref()?;
            let commit = repo.revparse_single(sha).ok()?.peel_to_commit().ok()?;
            let tree = commit.tree().ok()?;
            if path.as_os_str().is_empty() {
                return Some(Pinned::Present);
            }
            let Ok(entry) = tree.get_path(path) else {
                return Some(Pinned::Absent);
            };
            if !is_page(path) || entry.kind() != Some(git2::ObjectType::Blob) {
                return Some(Pinned::Present);
            }
            let blob = entry.to_object(repo).ok()?.peel_to_blob().ok()?;
            let text = std::str::from_utf8(blob.content()).ok()?;
            let rel = show(path);
            Some(Pinned::Page(Arc::new(
                if path.extension().is_some_and(|e| {
                    e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm")
                }) {
                    super::scan::scan_html_with(&rel, text, None)
                } else {
                    super::scan::scan_markdown_with(&rel, text, None)
                },
            )))
        })();
        self.pinned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, found.clone());
        found
    }

    /// The page at `landing` (relative to the work tree): an audited one
    /// (borrowed, not copied: this runs for every fragment), or one read now
    /// (and kept) for its anchors.
    fn page_at(&self, landing: &Path) -> Option<Landing<'_>> {
        if let Ok(in_root) = landing.strip_prefix(&self.root_in_top)
            && let Some(p) = self.pages.get(&show(in_root))
        {
            return Some(Landing::Audited(p));
        }
        let mut others = self.others.lock().unwrap_or_else(|e| e.into_inner());
        others
            .entry(landing.to_path_buf())
            .or_insert_with(|| {
                read_page(self.top, &self.top.join(landing), false, None)
                    .ok()
                    .map(Arc::new)
            })
            .clone()
            .map(Landing::Other)
    }

    pub(crate) fn check(&self, page: &Page, link: &Link) -> Outcome {
        let t = link.target.trim();
        let local = |rule_name: &str, message: String| {
            let mut f = finding(rule_name, &page.path, link.line, link.column, message);
            f.target = Some(link.target.clone());
            Outcome::Local {
                finding: Some(f),
                target: None,
            }
        };
        if t.is_empty() {
            return local(
                "empty-link",
                "the link has no target: give a path, a #fragment or a URL".into(),
            );
        }
        let mut pinned_to = None;
        let (path_part, from_site_root) = match self.own_url(t) {
            Some((r, p)) => {
                // A permalink: a commit id (7 to 40 hex digits) pins it.
                if (7..=40).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_hexdigit()) {
                    pinned_to = Some(r);
                }
                (p, true)
            }
            None if has_scheme(t) || t.starts_with("//") => return Outcome::External,
            None => match t.strip_prefix('/') {
                Some(p) => (p, true),
                None => (t, false),
            },
        };
        let (path_part, fragment) = match path_part.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (path_part, None),
        };
        let path_part = path_part.split('?').next().unwrap_or("");
        let decoded = percent_encoding::percent_decode_str(path_part).decode_utf8_lossy();
        let page_in_top = self.root_in_top.join(&page.path);
        // The target, relative to the work tree (None: it leaves it).
        let target = if decoded.is_empty() && !from_site_root {
            Some(page_in_top.clone())
        } else if from_site_root {
            normalize(&self.site_in_top.join(decoded.as_ref()))
        } else {
            normalize(
                &page_in_top
                    .parent()
                    .unwrap_or(Path::new(""))
                    .join(decoded.as_ref()),
            )
        };
        let Some(target) = target else {
            return local(
                "broken-link",
                format!("{t} leaves the repository (or the audited folder outside git)"),
            );
        };
        if let Some(sha) = pinned_to
            && let Some(held) = self.at_commit(sha, &target)
        {
            return self.check_pinned(page, link, sha, &target, held, fragment);
        }
        let Some(is_dir) = self.kind(&target) else {
            let mut why = format!("links to {}, which does not exist", show(&target));
            if looks_like_a_host(path_part) {
                why.push_str(" (it looks like a URL without a scheme: add https://)");
            } else if looks_like_an_email(&decoded) {
                why.push_str(&format!(
                    " (it looks like an e-mail address: write mailto:{decoded})"
                ));
            } else if let Some(fixed) = self.case_fix(&target) {
                why.push_str(&format!(
                    " (did you mean {}? The letter case differs, and GitHub's file names are case-sensitive)",
                    show(&fixed)
                ));
            }
            return local("broken-link", why);
        };
        let reached = |finding: Option<Finding>| Outcome::Local {
            finding,
            target: Some(target.clone()),
        };
        let Some(fragment) = fragment else {
            return reached(None);
        };
        let fragment = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
        if fragment.is_empty() || fragment.eq_ignore_ascii_case("top") {
            return reached(None);
        }
        let at = |rule_name: &str, message: String| {
            let mut f = finding(rule_name, &page.path, link.line, link.column, message);
            f.target = Some(link.target.clone());
            reached(Some(f))
        };
        // The page the fragment lands on: the file, or a folder's index file.
        let landing = if is_dir {
            self.options
                .index_files
                .iter()
                .map(|i| target.join(i))
                .find(|p| self.kind(p) == Some(false))
        } else {
            Some(target.clone())
        };
        let Some(landing) = landing else {
            return at(
                "broken-anchor",
                format!(
                    "#{fragment}: {} is a folder without {}, so there is no page for the fragment",
                    show(&target),
                    self.options.index_files.join(" or ")
                ),
            );
        };
        if !is_page(&landing) {
            // Code files: GitHub's line anchors; other fragments are not checked.
            return reached(None);
        }
        let Some(target_page) = self.page_at(&landing) else {
            return reached(None);
        };
        match self.anchor_problem(&target_page, &fragment, &show(&landing)) {
            None => reached(None),
            Some((rule, message)) => at(rule, message),
        }
    }

    /// What is wrong with `#fragment` on `page` (shown as `landing`), if
    /// anything: no anchor (with the nearest one), or one that matches
    /// only when case is ignored (when the options warn of it).
    fn anchor_problem(
        &self,
        page: &Page,
        fragment: &str,
        landing: &str,
    ) -> Option<(&'static str, String)> {
        let fragment = fragment.strip_prefix("user-content-").unwrap_or(fragment);
        if page.anchors().any(|a| a == fragment) || line_anchor(fragment) {
            return None;
        }
        if let Some(a) = page
            .anchors()
            .find(|a| a.to_lowercase() == fragment.to_lowercase())
        {
            return self.options.anchor_case_warning.then(|| {
                (
                    "anchor-case",
                    format!(
                        "#{fragment} matches #{a} of {landing} only when case is ignored: write #{a}"
                    ),
                )
            });
        }
        let near = nearest(fragment, page.anchors());
        Some((
            "broken-anchor",
            format!(
                "#{fragment} is not an anchor of {landing}{}",
                near.map(|n| format!(" (did you mean #{n}?)"))
                    .unwrap_or_default()
            ),
        ))
    }
}

impl Resolver<'_> {
    /// A permalink at a commit the repository holds: the path and fragment
    /// as they were at that commit.
    fn check_pinned(
        &self,
        page: &Page,
        link: &Link,
        sha: &str,
        target: &Path,
        held: Pinned,
        fragment: Option<&str>,
    ) -> Outcome {
        let at = |rule_name: &str, message: String, reached: bool| {
            let mut f = finding(rule_name, &page.path, link.line, link.column, message);
            f.target = Some(link.target.clone());
            Outcome::Local {
                finding: Some(f),
                target: reached.then(|| target.to_path_buf()),
            }
        };
        let fine = || Outcome::Local {
            finding: None,
            target: None,
        };
        let found = match held {
            Pinned::Absent => {
                return at(
                    "broken-link",
                    format!(
                        "links to {} at commit {sha}, which did not hold it",
                        show(target)
                    ),
                    false,
                );
            }
            Pinned::Present => return fine(),
            Pinned::Page(p) => p,
        };
        let fragment = fragment
            .map(|f| percent_encoding::percent_decode_str(f).decode_utf8_lossy())
            .filter(|f| !f.is_empty() && !f.eq_ignore_ascii_case("top"));
        let Some(fragment) = fragment else {
            return fine();
        };
        let landing = format!("{} at commit {sha}", show(target));
        match self.anchor_problem(&found, &fragment, &landing) {
            None => fine(),
            Some((rule, message)) => at(rule, message, false),
        }
    }
}

/// `conduct@example.org`: an e-mail address written as a link without `mailto:`.
fn looks_like_an_email(p: &str) -> bool {
    let Some((user, host)) = p.split_once('@') else {
        return false;
    };
    !user.is_empty()
        && !p.contains('/')
        && host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b))
}

impl Resolver<'_> {
    /// The existing path that `target` (from the work tree) names when
    /// letter case is ignored, component by component, if there is one.
    /// Each folder is listed once, however many broken links point in it.
    fn case_fix(&self, target: &Path) -> Option<PathBuf> {
        let mut fixed = PathBuf::new();
        for c in target.components() {
            let want = c.as_os_str().to_string_lossy().to_lowercase();
            let mut listings = self.listings.lock().unwrap_or_else(|e| e.into_inner());
            let names = listings.entry(fixed.clone()).or_insert_with(|| {
                std::fs::read_dir(self.top.join(&fixed))
                    .map(|d| {
                        d.filter_map(|e| e.ok())
                            .map(|e| {
                                let kind = e.file_type().map_or(Listed::Link, Listed::of);
                                (e.file_name(), kind)
                            })
                            .collect::<Listing>()
                    })
                    .map(|mut l| {
                        l.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                        l
                    })
                    .unwrap_or_default()
            });
            let name = names
                .iter()
                .find(|(n, _)| n.as_os_str() == c.as_os_str())
                .or_else(|| {
                    names
                        .iter()
                        .find(|(n, _)| same_ignoring_case(&n.to_string_lossy(), &want))
                })?
                .0
                .clone();
            fixed.push(name);
        }
        (fixed != target).then_some(fixed)
    }
}

/// `name` lower-cased is `lower` (already lower-case): ASCII names are
/// compared in place, others lower-cased first.
fn same_ignoring_case(name: &str, lower: &str) -> bool {
    if name.is_ascii() && lower.is_ascii() {
        name.eq_ignore_ascii_case(lower)
    } else {
        name.to_lowercase() == lower
    }
}

/// `www.example.com/x`, `k8s.devstats.cncf.io/`: a host, not a file.
fn looks_like_a_host(p: &str) -> bool {
    let first = p.split('/').next().unwrap_or("");
    first.starts_with("www.")
        || (first.contains('.')
            && !first.starts_with('.')
            && p.contains('/')
            && first
                .rsplit('.')
                .next()
                .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_lowercase())))
            && !Path::new(first).extension().is_some_and(|e| {
                ["md", "markdown", "html", "txt"].contains(&e.to_str().unwrap_or(""))
            })
}

/// The anchor closest to `f` by edit distance, when close enough to suggest.
fn nearest<'a>(f: &str, anchors: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let distance = |a: &str, b: &str| {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for j in 0..b.len() {
                let cur = row[j + 1];
                row[j + 1] = (prev + usize::from(ca != b[j]))
                    .min(row[j] + 1)
                    .min(cur + 1);
                prev = cur;
            }
        }
        row[b.len()]
    };
    anchors
        .map(|a| (distance(f, a), a))
        .filter(|(d, a)| *d <= 2.max(a.chars().count() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

/// `a/b/../c` → `a/c`, lexically; `None` when `..` climbs above the start.
pub(crate) fn normalize(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    let mut depth = 0usize;
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if depth == 0 {
                    return None;
                }
                out.pop();
                depth -= 1;
            }
            Component::Normal(s) => {
                out.push(s);
                depth += 1;
            }
            Component::RootDir | Component::Prefix(_) => {}
        }
    }
    Some(out)
}

/// Does the target have a URL scheme (`https:`, `mailto:`, …)?
fn has_scheme(t: &str) -> bool {
    let Some(colon) = t.find(':') else {
        return false;
    };
    let scheme = &t[..colon];
    !scheme.is_empty()
        && scheme.as_bytes()[0].is_ascii_alphabetic()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
}

/// GitHub's line anchors on code files: `L20`, `L19C5-L21C11`.
fn line_anchor(f: &str) -> bool {
    let part = |s: &str| {
        let Some(rest) = s.strip_prefix('L') else {
            return false;
        };
        let (line, col) = rest.split_once('C').unwrap_or((rest, "1"));
        !line.is_empty()
            && line.bytes().all(|b| b.is_ascii_digit())
            && !col.is_empty()
            && col.bytes().all(|b| b.is_ascii_digit())
    };
    match f.split_once('-') {
        Some((a, b)) => part(a) && part(b),
        None => part(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_anchors_schemes_and_normalising() {
        for ok in ["L20", "L19C5-L21C11", "L1-L2"] {
            assert!(line_anchor(ok), "{ok}");
        }
        for bad in ["L", "L2x", "l20", "L1-", "top"] {
            assert!(!line_anchor(bad), "{bad}");
        }
        assert!(has_scheme("https://x") && has_scheme("mailto:a@b") && !has_scheme("a/b:c.md"));
        assert_eq!(
            normalize(Path::new("a/./b/../c.md")),
            Some(PathBuf::from("a/c.md"))
        );
        assert_eq!(normalize(Path::new("a/../../c.md")), None);
        assert!(looks_like_a_host("k8s.devstats.cncf.io/"));
        assert!(looks_like_a_host("www.example.com"));
        assert!(!looks_like_a_host("guide/setup.md"));
        assert!(!looks_like_a_host("v1.2/notes.md"));
    }
}
