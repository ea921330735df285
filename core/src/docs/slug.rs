//! GitHub's heading anchors, as github-slugger computes them (its fixtures
//! were generated against GitHub's own rendering): lowercase; delete every
//! code point that is punctuation (but `-` and `_`-like connectors), a
//! symbol, an "other" number, a control, format, private-use or unassigned
//! code point, or a separator other than the ASCII space — unless it is
//! alphabetic; turn each ASCII space into `-` (no collapsing, no trimming);
//! then number repeats `-1`, `-2`, … so every anchor of a page is unique.

use std::collections::{HashMap, HashSet};

use unicode_general_category::{GeneralCategory as G, get_general_category};

/// Does GitHub keep `c` in a slug (after lowercasing)?
fn kept(c: char) -> bool {
    if c == ' ' || c == '-' || c.is_alphabetic() {
        return true;
    }
    !matches!(
        get_general_category(c),
        G::OtherNumber
            | G::OpenPunctuation
            | G::ClosePunctuation
            | G::InitialPunctuation
            | G::FinalPunctuation
            | G::OtherPunctuation
            | G::DashPunctuation
            | G::MathSymbol
            | G::CurrencySymbol
            | G::ModifierSymbol
            | G::OtherSymbol
            | G::Control
            | G::Format
            | G::PrivateUse
            | G::Unassigned
            | G::Surrogate
            | G::SpaceSeparator
            | G::LineSeparator
            | G::ParagraphSeparator
    )
}

/// The slug of one heading's text, before duplicates are numbered.
pub fn github_slug(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .filter(|c| kept(*c))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors GitHub gives a page's headings, in order.
pub fn github_slugs<S: AsRef<str>>(headings: &[S]) -> Vec<String> {
    let mut s = Slugger::new();
    headings.iter().map(|h| s.slug(h.as_ref())).collect()
}

/// Numbers repeated slugs within one page, as GitHub does: a slug already
/// taken gets `-1`, `-2`, … (the first suffix not taken, so `dup`, `dup`,
/// `dup-1` give `dup`, `dup-1`, `dup-1-1`).
#[derive(Debug, Default, Clone)]
pub struct Slugger {
    taken: HashSet<String>,
    occurrences: HashMap<String, usize>,
}

impl Slugger {
    /// A slugger for a new page.
    pub fn new() -> Self {
        Slugger::default()
    }

    /// The unique anchor of the next heading with this text.
    pub fn slug(&mut self, text: &str) -> String {
        let base = github_slug(text);
        let mut slug = base.clone();
        if self.taken.contains(&slug) {
            let n = self.occurrences.entry(base.clone()).or_insert(0);
            loop {
                *n += 1;
                slug = format!("{base}-{n}");
                if !self.taken.contains(&slug) {
                    break;
                }
            }
        }
        self.taken.insert(slug.clone());
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked cases of github-slugger's fixtures and this machine's
    /// measurements (reference: docs.md §2.2).
    #[test]
    fn github_slugger_cases() {
        for (text, slug) in [
            ("heading with a - dash", "heading-with-a---dash"),
            ("heading with a period.txt", "heading-with-a-periodtxt"),
            (
                "exchange.bind_headers(exchange, routing [, bindCallback])",
                "exchangebind_headersexchange-routing--bindcallback",
            ),
            ("I ♥ unicode", "i--unicode"),
            ("😄 unicode emoji", "-unicode-emoji"),
            (":smile: - a gemoji", "smile---a-gemoji"),
            (
                "apostrophe’s should be trimmed",
                "apostrophes-should-be-trimmed",
            ),
            ("en–dash", "endash"),
            ("Привет non-latin 你好", "привет-non-latin-你好"),
            ("-a-", "-a-"),
            ("CI - cross build", "ci---cross-build"),
            ("Post-Release (Weeks 14+)", "post-release-weeks-14"),
            ("x² squared", "x-squared"),
            ("कुबेरनेट्स योगदानकर्ता", "कुबेरनेट्स-योगदानकर्ता"),
            ("Ⓐ circled", "ⓐ-circled"),
            ("tab\there", "tabhere"),
            ("nbsp\u{a0}here", "nbsphere"),
            ("Title {#custom-id}", "title-custom-id"),
        ] {
            assert_eq!(github_slug(text), slug, "{text:?}");
        }
    }

    #[test]
    fn duplicates_take_the_first_free_suffix() {
        let mut s = Slugger::new();
        let got: Vec<_> = ["echo", "echo", "echo 1", "echo-1", "echo"]
            .iter()
            .map(|t| s.slug(t))
            .collect();
        assert_eq!(got, ["echo", "echo-1", "echo-1-1", "echo-1-2", "echo-2"]);
        let mut s = Slugger::new();
        let got: Vec<_> = ["foxtrot-1", "foxtrot", "foxtrot"]
            .iter()
            .map(|t| s.slug(t))
            .collect();
        assert_eq!(got, ["foxtrot-1", "foxtrot", "foxtrot-2"]);
        let mut s = Slugger::new();
        let got: Vec<_> = ["dup", "dup", "dup-1"].iter().map(|t| s.slug(t)).collect();
        assert_eq!(got, ["dup", "dup-1", "dup-1-1"]);
        let mut s = Slugger::new();
        assert_eq!([s.slug("-a-"), s.slug("-a-")], ["-a-", "-a--1"]);
    }
}
