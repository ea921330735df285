//! `opskit apm`: a service's SLO policy checked, and its Prometheus rules.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use opskit::apm;

use crate::{Outcome, print_json, shown};

#[derive(Subcommand)]
pub(crate) enum ApmCmd {
    /// Check an SLO policy (`[[slo]]` tables) and list its objectives.
    Check {
        /// The TOML policy file.
        #[arg(long)]
        policy: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Prometheus recording and alerting rules for the policy's SLOs: error
    /// ratios over the SRE workbook's windows, page and ticket burn-rate alerts.
    Rules {
        /// The TOML policy file.
        #[arg(long)]
        policy: PathBuf,
        /// The request-duration histogram (default
        /// http_server_request_duration_seconds, OpenTelemetry's labels).
        #[arg(long)]
        metric: Option<String>,
        /// Its bucket bounds, comma-separated (default OpenTelemetry's HTTP ones).
        #[arg(long, value_delimiter = ',')]
        buckets: Vec<f64>,
    },
}

fn read(path: &Path) -> opskit::Result<apm::SloPolicy> {
    let text = opskit::fsutil::read_text_capped(
        path,
        opskit::limits::MAX_POLICY_BYTES as u64,
        "SLO policy",
    )?;
    apm::SloPolicy::from_toml(&text)
        .map_err(|e| opskit::Error::new(e.kind(), format!("{}: {}", shown(path), e.message())))
}

pub(crate) fn run(cmd: ApmCmd) -> opskit::Result<Outcome> {
    match cmd {
        ApmCmd::Check { policy, json } => {
            let p = read(&policy)?;
            if json {
                print_json(&p.slo)?;
            } else {
                for s in &p.slo {
                    let threshold = s
                        .threshold_seconds
                        .map(|t| format!(", within {t} s"))
                        .unwrap_or_default();
                    let route = s.route.as_deref().unwrap_or("every route");
                    println!(
                        "ok: {} ({}{threshold}) {}% over {} on {route}",
                        s.name,
                        s.kind.as_str(),
                        s.objective_percent,
                        s.window
                    );
                }
                println!("{} SLO(s) in {}", p.slo.len(), shown(&policy));
            }
        }
        ApmCmd::Rules {
            policy,
            metric,
            buckets,
        } => {
            let p = read(&policy)?;
            let buckets = (!buckets.is_empty()).then_some(buckets.as_slice());
            print!("{}", apm::prometheus_rules(&p, metric.as_deref(), buckets)?);
        }
    }
    Ok(Outcome::Ok)
}
