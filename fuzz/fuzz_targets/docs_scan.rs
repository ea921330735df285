//! Markdown and HTML pages (headings, ids, links, front matter, g3doc
//! comments, suppressions), secrets, slugs, and audit options TOML.
#![no_main]
use libfuzzer_sys::fuzz_target;
use opskit::docs::{AuditOptions, find_secrets, github_slugs, scan_html, scan_markdown};
use std::collections::HashSet;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let md = scan_markdown("docs/page.md", &text);
    let html = scan_html("docs/page.html", &text);
    for page in [&md, &html] {
        let headings: Vec<&str> = page.headings.iter().map(|h| h.text.as_str()).collect();
        let slugs = github_slugs(&headings);
        assert_eq!(slugs.len(), headings.len());
        let unique: HashSet<&String> = slugs.iter().collect();
        assert_eq!(
            unique.len(),
            slugs.len(),
            "slugs of one page are unique: {slugs:?}"
        );
        serde_json::to_string(page).expect("a page encodes as JSON");
    }
    for hit in find_secrets(&text) {
        assert!(hit.line >= 1, "a secret has a 1-based line");
    }
    let _ = AuditOptions::from_toml(&text);
});
