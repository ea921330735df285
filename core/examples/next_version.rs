//! Print the next version and the unreleased changelog of a repository.
//!
//!     cargo run -p opskit --example next_version -- [PATH]

use std::path::PathBuf;

use opskit::version::{ChangelogOptions, NextOptions, changelog, next_version};

fn main() -> Result<(), opskit::Error> {
    let path = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let n = next_version(&path, &NextOptions::default())?;
    println!("current: {}", n.current_tag.as_deref().unwrap_or("none"));
    match (&n.next_tag, n.bump) {
        (Some(t), Some(b)) => println!("next:    {t} ({b})"),
        (Some(t), None) => println!("next:    {t} (first release)"),
        _ => println!("next:    none (no commit calls for a release)"),
    }
    println!("ignored: {} commit(s)\n", n.ignored.len());
    print!(
        "{}",
        changelog(&path, &ChangelogOptions::default())?.to_markdown()
    );
    Ok(())
}
