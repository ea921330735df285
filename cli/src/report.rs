//! `opskit report`: the state of this machine and repository, one section per
//! family (versioning today; health and docs join as they land).

use std::path::Path;

use opskit::ErrorKind;
use opskit::version::{self, BranchPolicy, NextOptions};
use serde_json::json;

use crate::{Outcome, print_json};

pub(crate) fn run(
    path: &Path,
    tag_pattern: &str,
    channel: Option<String>,
    json: bool,
) -> opskit::Result<Outcome> {
    let options = NextOptions {
        tag_pattern: tag_pattern.to_string(),
        channel,
        ..Default::default()
    };
    let status = version::status(path, &options, &BranchPolicy::default());
    match status {
        Ok(s) => {
            if json {
                print_json(&json!({ "version": s }))?;
            } else {
                println!("== versioning: {}", s.repository);
                match (&s.branch, s.detached) {
                    (Some(b), _) => {
                        let verdict = match &s.branch_check {
                            Some(c) if c.valid => "follows the branch policy".to_string(),
                            Some(c) => c.reason.clone().unwrap_or_default(),
                            None => String::new(),
                        };
                        println!("branch:  {b} ({verdict})");
                    }
                    (None, true) => println!("branch:  detached HEAD"),
                    (None, false) => println!("branch:  none"),
                }
                match &s.next {
                    Some(n) => crate::print_next(n),
                    None => println!("no commits yet"),
                }
            }
            Ok(Outcome::Ok)
        }
        // Outside a git repository the report still runs and says so.
        Err(e) if e.kind() == ErrorKind::NotFound => {
            if json {
                print_json(&json!({ "version": { "error": e.to_string() } }))?;
            } else {
                println!("== versioning: skipped: {e}");
            }
            Ok(Outcome::Ok)
        }
        Err(e) => Err(e),
    }
}
