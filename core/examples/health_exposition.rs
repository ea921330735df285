//! Print one exposition of this host (with the default rules' checks), for
//! `promtool check metrics`: `cargo run -p opskit --example health_exposition [openmetrics]`.

use opskit::health::{
    Collector, CollectorOptions, Evaluator, Exposition, default_rules, exposition,
};

fn main() -> opskit::Result<()> {
    let mut collector = Collector::new(CollectorOptions::default())?;
    let mut rules = Evaluator::new(default_rules())?;
    collector.snapshot()?;
    std::thread::sleep(std::time::Duration::from_millis(300));
    let s = collector.snapshot()?;
    let checks = rules.evaluate(&s, s.time_seconds);
    let flavour = match std::env::args().nth(1).as_deref() {
        Some("openmetrics") => Exposition::OpenMetrics,
        _ => Exposition::Text,
    };
    print!("{}", exposition(&s, &checks, flavour));
    Ok(())
}
