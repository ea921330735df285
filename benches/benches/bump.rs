//! The cost of one cheap call in Rust, as the bindings make it: parse the
//! version and level from strings, bump, format (`cargo bench --bench bump`).

use criterion::{Criterion, criterion_group, criterion_main};
use opskit::version::{BumpLevel, bump, parse_version};

fn bench(c: &mut Criterion) {
    c.bench_function("bump", |b| {
        b.iter(|| {
            let v = parse_version(std::hint::black_box("1.2.3")).expect("version");
            let level: BumpLevel = std::hint::black_box("minor").parse().expect("level");
            bump(&v, level, None).expect("bump").to_string()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
