//! Backup manifests on a generated tree (`cargo bench -p opskit-benches --bench backup`):
//! one 64 MiB file, 100 x 1 MiB and 5,000 x 4 KiB (about 184 MB, 5,101 files),
//! warm cache; and restic's 103-snapshot retention suite.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use opskit::backup::{
    Algorithm, Manifest, ManifestOptions, RetentionPolicy, Snapshot, VerifyMode, VerifyOptions,
    build_manifest, plan_retention, verify_tree,
};

fn write_tree(root: &Path) {
    let block: Vec<u8> = (0..(1u32 << 20) + 128)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let mut big = Vec::with_capacity(64 << 20);
    for _ in 0..64 {
        big.extend_from_slice(&block[..1 << 20]);
    }
    std::fs::write(root.join("big.bin"), &big).unwrap();
    for (dir, count, size) in [("mib", 100usize, 1usize << 20), ("small", 5000, 4096)] {
        for i in 0..count {
            let d = root.join(format!("{dir}/{:02}", i / 1000));
            std::fs::create_dir_all(&d).unwrap();
            let start = i % 97;
            std::fs::write(d.join(format!("f{i:05}")), &block[start..start + size]).unwrap();
        }
    }
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    write_tree(dir.path());
    let root = dir.path();
    let sha = ManifestOptions {
        algorithms: vec![Algorithm::Sha256],
        ..Default::default()
    };
    let mut g = c.benchmark_group("backup_184mb_5101_files");
    g.sample_size(10);
    g.bench_function("manifest_blake3", |b| {
        b.iter(|| build_manifest(root, &ManifestOptions::default(), None).unwrap())
    });
    g.bench_function("manifest_sha256", |b| {
        b.iter(|| build_manifest(root, &sha, None).unwrap())
    });
    let m = build_manifest(root, &ManifestOptions::default(), None).unwrap();
    g.bench_function("verify_full", |b| {
        b.iter(|| verify_tree(root, &m, &VerifyOptions::default(), None).unwrap())
    });
    let fast = VerifyOptions {
        mode: VerifyMode::Fast,
        ..Default::default()
    };
    g.bench_function("verify_fast", |b| {
        b.iter(|| verify_tree(root, &m, &fast, None).unwrap())
    });
    let text = m.to_canonical_string().unwrap();
    g.bench_function("manifest_parse_and_validate", |b| {
        b.iter(|| Manifest::from_json(&text).unwrap())
    });
    g.finish();

    let cases: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/conformance/restic-forget/cases.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let snaps: Vec<Snapshot> = serde_json::from_value(cases["snapshots"].clone()).unwrap();
    let policy: RetentionPolicy = serde_json::from_str(
        r#"{"keep_daily":7,"keep_weekly":4,"keep_monthly":12,"keep_yearly":-1}"#,
    )
    .unwrap();
    c.bench_function("retention_103_snapshots", |b| {
        b.iter(|| plan_retention(&snaps, &policy, Some("2026-12-02T00:00:00Z")).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
