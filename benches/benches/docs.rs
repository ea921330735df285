//! Docs audits on a generated knowledge base (`cargo bench -p opskit-benches --bench docs`):
//! 10,000 pages in 100 folders, 20 links each (200,000 links: 14 to other
//! pages' headings, 2 to folders, 2 same-page anchors, 2 external), about
//! 1 % of them broken; warm cache. And a git repository of 1,000 pages,
//! each linking two of 200 source files, with 10,000 commits: the one-walk
//! history behind freshness and code-coupled staleness.

use std::fmt::Write as _;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use opskit::docs::{AuditOptions, audit};

/// Write the tree; `pages` pages in folders of 100.
pub fn write_tree(root: &Path, pages: usize) {
    let folders = pages.div_ceil(100);
    for f in 0..folders {
        let dir = root.join(format!("d{f:02}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("README.md"),
            format!("# Folder {f}\n\n## Contents\n"),
        )
        .unwrap();
    }
    for i in 0..pages {
        let mut t = format!("# Page {i}\n\nIntro to page {i}.\n\n");
        for s in 0..5 {
            let _ = write!(t, "## Section {s} of page {i}\n\nText");
            if s < 2 {
                let _ = write!(t, " with [a link](#section-{s}-of-page-{i})");
            }
            t.push_str(".\n\n");
        }
        for k in 0..14 {
            let j = (i * 7 + k * 131) % pages;
            let broken = (i + k) % 100 == 0;
            let frag = if broken {
                "missing".to_string()
            } else {
                format!("section-{}-of-page-{j}", k % 5)
            };
            let _ = writeln!(t, "- [page {j}](../d{:02}/p{j:05}.md#{frag})", j / 100);
        }
        for k in 0..2 {
            let _ = writeln!(t, "- [folder](../d{:02}/#contents)", (i + k) % folders);
        }
        for k in 0..2 {
            let _ = writeln!(t, "- [web](https://example.com/{}/{k})", i % 50);
        }
        let dir = root.join(format!("d{:02}", i / 100));
        std::fs::write(dir.join(format!("p{i:05}.md")), t).unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), 10_000);
    let links_only = AuditOptions {
        required_metadata: vec![],
        entry_points: vec![],
        git_history: false,
        secrets: false,
        ..AuditOptions::default()
    };
    let a = audit(dir.path(), &links_only).unwrap();
    assert_eq!(a.links, 200_000);
    assert_eq!(a.findings.len(), 10_000 * 14 / 100);
    let mut g = c.benchmark_group("docs");
    g.sample_size(10);
    g.bench_function("audit_10k_pages_200k_links", |b| {
        b.iter(|| audit(dir.path(), &links_only).unwrap())
    });
    let every_rule = AuditOptions {
        git_history: false,
        ..AuditOptions::default()
    };
    g.bench_function("audit_10k_pages_every_rule", |b| {
        b.iter(|| audit(dir.path(), &every_rule).unwrap())
    });
    g.finish();
}

/// 1,000 pages (each links two of 200 source files) and 10,000 commits,
/// each changing one file, a page or a source file in turn.
fn write_repo(root: &Path) {
    let repo = git2::Repository::init(root).unwrap();
    let sig =
        |t: i64| git2::Signature::new("Dev", "dev@example.com", &git2::Time::new(t, 0)).unwrap();
    let mut index = repo.index().unwrap();
    let mut files = Vec::new();
    for i in 0..200 {
        files.push((format!("src/m{i:03}.rs"), format!("fn m{i}() {{}}\n")));
    }
    for i in 0..1000 {
        files.push((
            format!("docs/p{i:04}.md"),
            format!(
                "# Page {i}\n\n[a](../src/m{:03}.rs) [b](../src/m{:03}.rs)\n",
                i % 200,
                (i * 7 + 3) % 200
            ),
        ));
    }
    for (path, text) in &files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        index.add_path(Path::new(path)).unwrap();
    }
    let mut parent = None;
    for n in 0..10_000usize {
        if n > 0 {
            let (path, _) = &files[(n * 37) % files.len()];
            let p = root.join(path);
            let mut text = std::fs::read_to_string(&p).unwrap();
            text.push_str(&format!("<!-- edit {n} -->\n"));
            std::fs::write(&p, text).unwrap();
            index.add_path(Path::new(path)).unwrap();
        }
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let parents: Vec<git2::Commit> = parent
            .iter()
            .map(|id| repo.find_commit(*id).unwrap())
            .collect();
        let parents: Vec<&git2::Commit> = parents.iter().collect();
        let t = 1_700_000_000 + n as i64 * 600;
        parent = Some(
            repo.commit(
                Some("HEAD"),
                &sig(t),
                &sig(t),
                &format!("change {n}"),
                &tree,
                &parents,
            )
            .unwrap(),
        );
    }
    index.write().unwrap();
}

fn bench_history(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    write_repo(dir.path());
    let options = AuditOptions {
        as_of: Some("2024-01-01".into()),
        ..AuditOptions::default()
    };
    let a = audit(&dir.path().join("docs"), &options).unwrap();
    assert!(a.findings.iter().any(|f| f.rule == "code-changed"));
    let mut g = c.benchmark_group("docs");
    g.sample_size(10);
    g.bench_function("coupling_1k_pages_10k_commits", |b| {
        b.iter(|| audit(&dir.path().join("docs"), &options).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench, bench_history);
criterion_main!(benches);
