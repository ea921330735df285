//! `gen-repo DIR [COMMITS] [TAGS]`: generate a benchmark repository.
use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        eprintln!("usage: gen-repo DIR [COMMITS] [TAGS]");
        std::process::exit(2);
    };
    let mut shape = opskit_benches::Shape::large_project();
    if let Some(c) = args.next() {
        shape.commits = c.parse().expect("COMMITS is a number");
    }
    if let Some(t) = args.next() {
        shape.tags = t.parse().expect("TAGS is a number");
    }
    std::fs::create_dir_all(&dir).expect("create DIR");
    let s = opskit_benches::generate(&dir, &shape).expect("generate repository");
    println!(
        "{}: {} commits, {} tags, latest reachable release {}",
        dir.display(),
        s.commits,
        s.tags,
        s.latest_reachable
    );
}
