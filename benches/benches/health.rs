//! The health family (`cargo bench -p opskit-benches --bench health`): one
//! snapshot of this machine after warm-up, 1,000 rules evaluated against a
//! snapshot, and exposition and health+json rendering.

use criterion::{Criterion, criterion_group, criterion_main};
use opskit::health::{
    Collector, CollectorOptions, Evaluator, Exposition, Rule, default_rules, exposition,
    health_json,
};

/// 1,000 rules over every scalar metric and the per-filesystem lists.
fn thousand_rules() -> Vec<Rule> {
    let metrics = [
        "cpu.usage_percent",
        "memory.used_percent",
        "swap.used_percent",
        "load.per_core_five",
        "process.open_fds_percent",
        "disk[*].used_percent",
        "disk[*].inodes_used_percent",
    ];
    (0..1000)
        .map(|i| {
            serde_json::from_value(serde_json::json!({
                "name": format!("rule_{i}"),
                "metric": metrics[i % metrics.len()],
                "warn": 50.0 + (i % 40) as f64,
                "critical": 95.0,
                "for": "5m",
                "clear": 5.0,
            }))
            .expect("a valid rule")
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut collector = Collector::new(CollectorOptions::default()).expect("collector");
    collector.snapshot().expect("first snapshot");
    let mut g = c.benchmark_group("health");
    g.bench_function("snapshot", |b| {
        b.iter(|| collector.snapshot().expect("snapshot"))
    });
    let s = collector.snapshot().expect("snapshot");
    let mut defaults = Evaluator::new(default_rules()).expect("default rules");
    g.bench_function("evaluate_default_rules", |b| {
        b.iter(|| defaults.evaluate(&s, s.time_seconds))
    });
    let mut many = Evaluator::new(thousand_rules()).expect("1,000 rules");
    g.bench_function("evaluate_1000_rules", |b| {
        b.iter(|| many.evaluate(&s, s.time_seconds))
    });
    let checks = defaults.evaluate(&s, s.time_seconds);
    g.bench_function("exposition_text", |b| {
        b.iter(|| exposition(&s, &checks, Exposition::Text))
    });
    g.bench_function("health_json", |b| {
        b.iter(|| health_json(&s, &checks, false))
    });
    g.bench_function("scrape_in_process", |b| {
        b.iter(|| {
            let s = collector.snapshot().expect("snapshot");
            let checks = defaults.evaluate(&s, s.time_seconds);
            exposition(&s, &checks, Exposition::Text)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
