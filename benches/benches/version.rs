//! Next version and full changelog on a generated repository of 20,000
//! commits and 300 release tags (`cargo bench -p opskit-benches`).

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use opskit::version::{ChangelogOptions, ChangelogRange, NextOptions, changelog, next_version};
use opskit_benches::{Shape, generate};

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let shape = Shape {
        commits: 20_000,
        tags: 300,
        ..Shape::large_project()
    };
    let summary = generate(dir.path(), &shape).expect("generate repository");
    eprintln!("generated {summary:?}");
    let path: &Path = dir.path();

    let mut g = c.benchmark_group("version_20k_commits_300_tags");
    g.sample_size(20);
    g.bench_function("next_version", |b| {
        b.iter(|| next_version(path, &NextOptions::default()).expect("next version"))
    });
    let all = ChangelogOptions {
        range: ChangelogRange::All,
        ..Default::default()
    };
    g.bench_function("changelog_all", |b| {
        b.iter(|| changelog(path, &all).expect("changelog").to_markdown())
    });
    g.bench_function("changelog_unreleased", |b| {
        b.iter(|| changelog(path, &ChangelogOptions::default()).expect("changelog"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
