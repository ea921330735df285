//! `opskit_health_*`: the health family for C. A collector, an evaluator and
//! a PagerDuty tracker are opaque handles (they keep state between calls:
//! CPU and network rates, `for` timers, open incidents); everything else is
//! a function of JSON in, JSON or text out, owned by the caller (free with
//! `opskit_string_free`). A handle is not locked: use one from one thread at
//! a time, or guard it with your own mutex.

use std::ffi::c_char;

use opskit::health as h;

use crate::error::opskit_status;
use crate::ffi::{
    boundary, give, handle_arg, json_arg, opt_str_arg, options, out_arg, owned_json, owned_string,
    str_arg, take,
};

/// The flavour's Content-Type as a static C string (built once).
fn content_type(f: h::Exposition) -> *const c_char {
    use std::ffi::CString;
    use std::sync::OnceLock;
    static TYPES: OnceLock<[CString; 2]> = OnceLock::new();
    let t = TYPES.get_or_init(|| {
        [h::Exposition::Text, h::Exposition::OpenMetrics]
            .map(|f| CString::new(f.content_type()).expect("no NUL in a content type"))
    });
    t[usize::from(f == h::Exposition::OpenMetrics)].as_ptr()
}

/// A long-lived collector of host and process metrics (opaque).
pub struct opskit_health_collector {
    inner: h::Collector,
}

/// Threshold rules with their `for` timers and levels (opaque).
pub struct opskit_health_evaluator {
    inner: h::Evaluator,
}

/// Tracks open incidents to emit PagerDuty trigger and resolve events (opaque).
pub struct opskit_health_pagerduty {
    inner: h::PagerDuty,
}

/// A collector. `options_json` (may be NULL): `{"exclude_fs_types",
/// "exclude_mount_points","exclude_interfaces","proc_root","sys_root",
/// "mount_timeout_seconds","reboot_required_file","apt_upgrades",
/// "first_sample_seconds"}` where
/// `apt_upgrades` is `"off"` (default), `"background"` or `"wait"`.
/// Free with `opskit_health_collector_free`.
///
/// # Safety
/// `options_json` is NULL or NUL-terminated; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_health_collector_new(
    options_json: *const c_char,
    out: *mut *mut opskit_health_collector,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out, "out") }?;
        let o: h::CollectorOptions = unsafe { options(options_json, "options_json") }?;
        give(
            out,
            opskit_health_collector {
                inner: h::Collector::new(o)?,
            },
        );
        Ok(())
    })
}

/// One snapshot of the host and the calling process as JSON. CPU usage and
/// network rates are since the previous snapshot (null on the first).
///
/// # Safety
/// `collector` is a live handle; `out_json` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_health_collector_snapshot(
    collector: *mut opskit_health_collector,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let c = unsafe { handle_arg(collector, "collector") }?;
        *out = owned_json(&c.inner.snapshot()?)?;
        Ok(())
    })
}

/// Free a collector. NULL is a no-op.
///
/// # Safety
/// `collector` is NULL or a handle from `opskit_health_collector_new`, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_health_collector_free(collector: *mut opskit_health_collector) {
    unsafe { take(collector) }
}

/// An evaluator of `rules_json` (a JSON array of rules; NULL: the default
/// rules). Free with `opskit_health_evaluator_free`.
///
/// # Safety
/// `rules_json` is NULL or NUL-terminated; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_health_evaluator_new(
    rules_json: *const c_char,
    out: *mut *mut opskit_health_evaluator,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out, "out") }?;
        let rules: Option<Vec<h::Rule>> = match unsafe { opt_str_arg(rules_json, "rules_json") }? {
            None => None,
            Some(_) => Some(unsafe { json_arg(rules_json, "rules_json") }?),
        };
        give(
            out,
            opskit_health_evaluator {
                inner: h::Evaluator::new(rules)?,
            },
        );
        Ok(())
    })
}

/// The checks (JSON array) of `snapshot_json` at time `now` in seconds since
/// the epoch; pass NAN (from `<math.h>`) to use the snapshot's own time.
///
/// # Safety
/// `evaluator` is a live handle; strings are NUL-terminated; `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_health_evaluator_evaluate(
    evaluator: *mut opskit_health_evaluator,
    snapshot_json: *const c_char,
    now: f64,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let e = unsafe { handle_arg(evaluator, "evaluator") }?;
        let s: h::HostSnapshot = unsafe { json_arg(snapshot_json, "snapshot_json") }?;
        // C has no optional double: NAN is "none" (the snapshot's time).
        let now = (!now.is_nan()).then_some(now);
        *out = owned_json(&e.inner.evaluate(&s, now))?;
        Ok(())
    })
}

/// Free an evaluator. NULL is a no-op.
///
/// # Safety
/// `evaluator` is NULL or a handle from `opskit_health_evaluator_new`, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_health_evaluator_free(evaluator: *mut opskit_health_evaluator) {
    unsafe { take(evaluator) }
}

/// A PagerDuty tracker with no history. Free with `opskit_health_pagerduty_free`.
///
/// # Safety
/// `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_health_pagerduty_new(
    out: *mut *mut opskit_health_pagerduty,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out, "out") }?;
        give(
            out,
            opskit_health_pagerduty {
                inner: h::PagerDuty::new(),
            },
        );
        Ok(())
    })
}

/// The PagerDuty Events v2 bodies (JSON array) for the check changes since
/// the previous call: a trigger per new problem, a resolve per recovery.
/// `options_json`: `{"routing_key": "...", "source", "group"}`.
///
/// # Safety
/// `pagerduty` is a live handle; strings are NUL-terminated; `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_health_pagerduty_events(
    pagerduty: *mut opskit_health_pagerduty,
    checks_json: *const c_char,
    host: *const c_char,
    time: f64,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let p = unsafe { handle_arg(pagerduty, "pagerduty") }?;
        let checks: Vec<h::CheckResult> = unsafe { json_arg(checks_json, "checks_json") }?;
        let host = unsafe { str_arg(host, "host") }?;
        let o: h::PagerDutyOptions = unsafe { json_arg(options_json, "options_json") }?;
        let bodies: Vec<_> = p
            .inner
            .events(&checks, host, time, &o)?
            .into_iter()
            .map(|e| e.body)
            .collect();
        *out = owned_json(&bodies)?;
        Ok(())
    })
}

/// Post one event body (an element of `opskit_health_pagerduty_events`'s
/// array) to PagerDuty, retrying on 429, 5xx and network errors with
/// backoff; blocks the calling thread. `options_json` (may be NULL):
/// `{"url","attempts","initial_backoff_seconds","max_backoff_seconds",
/// "timeout_seconds"}`. `*out_json`: `{"attempts","status","dedup_key"}`.
/// Errors never contain the routing key.
///
/// # Safety
/// Strings are NUL-terminated (`options_json` may be NULL); `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_health_send_event(
    event_json: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let body: serde_json::Value = unsafe { json_arg(event_json, "event_json") }?;
        let o: h::SendOptions = unsafe { options(options_json, "options_json") }?;
        *out = owned_json(&h::send_event(&h::PagerDutyEvent { body }, &o)?)?;
        Ok(())
    })
}

/// Check an event body against the PagerDuty Events API v2 schema and its
/// limits (required fields, enums, 1024-character summary, 255-character
/// dedup key, 512 KB): `OPSKIT_OK`, or `OPSKIT_ERR_INVALID_INPUT` with a
/// message naming the field (never the routing key).
///
/// # Safety
/// `event_json` is NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_health_validate_event(event_json: *const c_char) -> opskit_status {
    boundary(|| {
        let body: serde_json::Value = unsafe { json_arg(event_json, "event_json") }?;
        Ok(h::validate_event(&body)?)
    })
}

/// Free a PagerDuty tracker. NULL is a no-op.
///
/// # Safety
/// `pagerduty` is NULL or a handle from `opskit_health_pagerduty_new`, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_health_pagerduty_free(pagerduty: *mut opskit_health_pagerduty) {
    unsafe { take(pagerduty) }
}

/// The default rules (JSON array), each with its source.
///
/// # Safety
/// `out_json` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_health_default_rules(out_json: *mut *mut c_char) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        *out = owned_json(&h::default_rules())?;
        Ok(())
    })
}

/// `rules_json` (a JSON array of rules; NULL: the default rules) as a
/// Prometheus alerting-rules file (YAML) with one group named `group` (NULL:
/// `opskit`): a warning and a critical alert per rule on `opskit_check_value`.
///
/// # Safety
/// Strings are NULL or NUL-terminated; `out_yaml` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_health_prometheus_rules(
    rules_json: *const c_char,
    group: *const c_char,
    out_yaml: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_yaml, "out_yaml") }?;
        let rules: Option<Vec<h::Rule>> = if rules_json.is_null() {
            None
        } else {
            Some(unsafe { json_arg(rules_json, "rules_json") }?)
        };
        let group = unsafe { opt_str_arg(group, "group") }?;
        *out = owned_string(h::prometheus_rules(rules.as_deref(), group)?);
        Ok(())
    })
}

/// One check per SLO state (the JSON array `opskit_apm_slo_tracker_evaluate`
/// gives), named `slo:<name>`, as a JSON array of checks: for PagerDuty
/// events and health+json.
///
/// # Safety
/// `states_json` is NUL-terminated; `out_json` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_health_slo_checks(
    states_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let s: Vec<opskit::apm::SloState> = unsafe { json_arg(states_json, "states_json") }?;
        *out = owned_json(&h::slo_checks(&s))?;
        Ok(())
    })
}

/// The health+json document of a snapshot and its checks, and the HTTP
/// status to answer with (200, or 503 when failing or `draining`).
///
/// # Safety
/// Strings are NUL-terminated; `out_json` and `out_status` point to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_health_json(
    snapshot_json: *const c_char,
    checks_json: *const c_char,
    draining: bool,
    out_json: *mut *mut c_char,
    out_status: *mut u16,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let status = unsafe { out_arg(out_status, "out_status") }?;
        let s: h::HostSnapshot = unsafe { json_arg(snapshot_json, "snapshot_json") }?;
        let c: Vec<h::CheckResult> = unsafe { json_arg(checks_json, "checks_json") }?;
        let (doc, code) = h::health_json(&s, &c, draining);
        *out = owned_json(&doc)?;
        *status = code;
        Ok(())
    })
}

/// The Prometheus exposition of a snapshot and its checks: text format
/// 0.0.4, or OpenMetrics when `accept` (the scraper's Accept header; may be
/// NULL) asks for it; `names` `"node"` gives node_exporter's own series
/// names (NULL or `"opskit"`: opskit's). `*out_content_type` (may be NULL)
/// receives the matching Content-Type, a static string never freed.
///
/// # Safety
/// Strings are NUL-terminated (`accept` and `names` may be NULL);
/// out-parameters writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_health_exposition(
    snapshot_json: *const c_char,
    checks_json: *const c_char,
    accept: *const c_char,
    names: *const c_char,
    out_text: *mut *mut c_char,
    out_content_type: *mut *const c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_text, "out_text") }?;
        let s: h::HostSnapshot = unsafe { json_arg(snapshot_json, "snapshot_json") }?;
        let c: Vec<h::CheckResult> = unsafe { json_arg(checks_json, "checks_json") }?;
        let f = h::Exposition::from_accept(unsafe { opt_str_arg(accept, "accept") }?.unwrap_or(""));
        let names: h::Names = match unsafe { opt_str_arg(names, "names") }? {
            Some(n) => n.parse()?,
            None => h::Names::Opskit,
        };
        *out = owned_string(h::exposition_named(&s, &c, f, names));
        // SAFETY: a non-NULL out-parameter is writable (caller's contract).
        if let Some(ct) = unsafe { out_content_type.as_mut() } {
            *ct = content_type(f);
        }
        Ok(())
    })
}

/// Run `probes_json` (a JSON array of probes) concurrently, all within
/// `deadline_seconds`; the results (JSON array of checks) in input order.
/// Blocks the calling thread.
///
/// # Safety
/// `probes_json` is NUL-terminated; `out_json` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_health_run_probes(
    probes_json: *const c_char,
    deadline_seconds: f64,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let p: Vec<h::Probe> = unsafe { json_arg(probes_json, "probes_json") }?;
        *out = owned_json(&h::run_probes(
            &p,
            h::probe_deadline(Some(deadline_seconds))?,
        )?)?;
        Ok(())
    })
}

/// Availability of `samples_json` (`[{"time": s, "up": bool}, …]`) against
/// an SLO: uptime, incidents, MTTR, error budget, burn-rate alerts.
/// `options_json` (may be NULL): `{"slo_percent","start","end","max_gap_seconds"}`.
///
/// # Safety
/// Strings are NUL-terminated (`options_json` may be NULL); `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_health_availability(
    samples_json: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let s: Vec<h::Sample> = unsafe { json_arg(samples_json, "samples_json") }?;
        let o: h::AvailabilityOptions = unsafe { options(options_json, "options_json") }?;
        *out = owned_json(&h::availability(&s, &o)?)?;
        Ok(())
    })
}

/// Parse a TOML health policy (`[[rule]]`, `[[probe]]`, `[maintenance]`); `*out_json` is it as JSON.
///
/// # Safety
/// `toml` is NUL-terminated; `out_json` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_health_parse_policy(
    toml: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let text = unsafe { str_arg(toml, "toml") }?;
        *out = owned_json(&h::Policy::from_toml(text)?)?;
        Ok(())
    })
}
