//! Threshold rules as Prometheus alerting rules, for teams that alert from
//! Prometheus rather than from opskit: each rule becomes a warning and a
//! critical alert on `opskit_check_value` (the observed value opskit
//! exposes per check), with the rule's `for` and its source as annotations.
//! Prometheus re-applies the thresholds itself; the `clear` margin has no
//! Prometheus equivalent before 2.42's `keep_firing_for`, so it is left out
//! and said so in each alert's description.

use std::fmt::Write as _;

use super::rules::{Direction, Rule};

/// `disk_full` → `DiskFull`.
fn camel(name: &str) -> String {
    name.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A YAML double-quoted scalar (JSON's string syntax is valid YAML).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// The rule group's name when none is given.
pub const DEFAULT_ALERT_GROUP: &str = "opskit";

/// A Prometheus rule file (`groups:` YAML) with one group, `group`
/// ([`DEFAULT_ALERT_GROUP`] when `None`), holding two alerts per rule
/// (warning, critical) for the levels it sets; `rules` `None` means
/// [`default_rules`](super::default_rules). An invalid rule is an error
/// naming it.
pub fn prometheus_rules(rules: Option<&[Rule]>, group: Option<&str>) -> crate::Result<String> {
    let defaults;
    let rules = match rules {
        Some(r) => r,
        None => {
            defaults = super::default_rules();
            &defaults
        }
    };
    let group = group.unwrap_or(DEFAULT_ALERT_GROUP);
    for r in rules {
        r.validate()?;
    }
    let mut out = String::new();
    let _ = writeln!(out, "groups:\n  - name: {}\n    rules:", quoted(group));
    for r in rules {
        let op = match r.direction {
            Direction::Above => ">",
            Direction::Below => "<",
        };
        // One series per check; list metrics add `:instance` to the name.
        let selector = format!("opskit_check_value{{check=~\"{}(:.*)?\"}}", r.name);
        for (level, severity, threshold) in [
            ("Warning", "warning", r.warn),
            ("Critical", "critical", r.critical),
        ] {
            let Some(t) = threshold else { continue };
            let _ = writeln!(
                out,
                "      - alert: {}",
                quoted(&format!("Opskit{}{level}", camel(&r.name)))
            );
            let _ = writeln!(
                out,
                "        expr: {}",
                quoted(&format!("{selector} {op} {t}"))
            );
            if let Some(f) = &r.for_duration {
                let _ = writeln!(out, "        for: {}", quoted(f));
            }
            let _ = writeln!(
                out,
                "        labels:\n          severity: {}",
                quoted(severity)
            );
            let word = if op == ">" { "above" } else { "below" };
            let summary = format!(
                "{{{{ $labels.check }}}} is {{{{ $value }}}}: {} {word} {t}",
                r.metric
            );
            let mut description = format!(
                "opskit rule {}: {} {} {t}{}",
                r.name,
                r.metric,
                word,
                r.for_duration
                    .as_ref()
                    .map(|f| format!(" for {f}"))
                    .unwrap_or_default()
            );
            if let Some(c) = r.clear {
                let _ = write!(
                    description,
                    "; opskit also waits for a clear margin of {c} before resolving"
                );
            }
            let _ = writeln!(
                out,
                "        annotations:\n          summary: {}\n          description: {}",
                quoted(&summary),
                quoted(&description)
            );
            if let Some(src) = &r.source {
                let _ = writeln!(out, "          source: {}", quoted(src));
            }
        }
    }
    Ok(out)
}

/// The rule file `opskit health rules` writes for a policy: its threshold
/// rules' group ([`prometheus_rules`]), then one burn-rate group per
/// `[[slo]]` (recording and alerting rules over the service's request
/// duration histogram, as [`crate::slo::prometheus_rules`] writes them).
pub fn policy_prometheus_rules(
    policy: &super::Policy,
    group: Option<&str>,
) -> crate::Result<String> {
    let mut out = prometheus_rules(Some(&policy.effective_rules()), group)?;
    out.push_str(&crate::slo::prometheus_rule_groups(
        &policy.slos,
        None,
        None,
    )?);
    Ok(out)
}
