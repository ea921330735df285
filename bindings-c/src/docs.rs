//! `opskit_docs_*`: the docs-audit family for C. JSON in (options, audits,
//! heading lists), JSON or text out, owned by the caller (free with
//! `opskit_string_free`). The audit blocks the calling thread.

use std::ffi::c_char;

use opskit::docs as d;

use crate::error::opskit_status;
use crate::ffi::{boundary, json_arg, out_arg, owned_json, owned_string, path_call, str_arg};

/// Audit the docs under `root`. `options_json` (may be NULL):
/// `{"include","exclude","site_root","repo_url","index_files",
/// "anchor_case_warning","required_metadata","max_age_days","as_of",
/// "git_history","entry_points","required","required_sections","secrets",
/// "check_external","external":{"concurrency","timeout_seconds",
/// "per_host_delay_seconds","cache_file","cache_max_age_seconds"},
/// "severity":{"rule":"error|warning|note|off"}}`. `*out_json`: `{"root","pages","links","checked",
/// "external_links","external_checked","findings":[{"rule_id","rule","severity","path","line",
/// "column","message","target","fingerprint"}]}`.
///
/// # Safety
/// Strings are NUL-terminated (`options_json` may be NULL); `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_docs_audit(
    root: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    unsafe {
        path_call(
            (root, "root"),
            options_json,
            out_json,
            |root, o: d::AuditOptions| d::audit(root, &o),
        )
    }
}

/// Parse a TOML docs policy (the audit's option names as keys; unknown keys
/// are errors naming them): `*out_json` is the options as JSON, ready for
/// `opskit_docs_audit`.
///
/// # Safety
/// `toml` is NUL-terminated; `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_docs_parse_policy(
    toml: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let text = unsafe { str_arg(toml, "toml") }?;
        *out = owned_json(&d::AuditOptions::from_toml(text)?)?;
        Ok(())
    })
}

/// The audit's rule catalogue, in id order: `*out_json` is
/// `[{"id","name","severity","description"}]`.
///
/// # Safety
/// `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_docs_rules(out_json: *mut *mut c_char) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        *out = owned_json(&d::RULES)?;
        Ok(())
    })
}

/// The anchors GitHub gives the headings of one page (`headings_json`, a
/// JSON array of strings), in order: `*out_json` is a JSON array.
///
/// # Safety
/// `headings_json` is NUL-terminated; `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_docs_slugs(
    headings_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let headings: Vec<String> = unsafe { json_arg(headings_json, "headings_json") }?;
        *out = owned_json(&d::github_slugs(&headings))?;
        Ok(())
    })
}

/// One page through `scanner`, as JSON in `*out_json`.
///
/// # Safety
/// As the two `opskit_docs_scan_*` functions.
unsafe fn scan(
    path: *const c_char,
    text: *const c_char,
    out_json: *mut *mut c_char,
    scanner: fn(&str, &str) -> d::Page,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let path = unsafe { str_arg(path, "path") }?;
        let text = unsafe { str_arg(text, "text") }?;
        *out = owned_json(&scanner(path, text))?;
        Ok(())
    })
}

/// What one page holds (`text` as Markdown, `path` as its name): headings
/// and anchors, links with line and column, front matter, as JSON.
///
/// # Safety
/// Strings are NUL-terminated; `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_docs_scan_markdown(
    path: *const c_char,
    text: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    unsafe { scan(path, text, out_json, d::scan_markdown) }
}

/// What one HTML page (a wiki export; `path` as its name) holds: title,
/// headings, every `id` and `<a name>` as an anchor, `<a href>`/`<img src>`
/// links with line and column, as JSON.
///
/// # Safety
/// Strings are NUL-terminated; `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_docs_scan_html(
    path: *const c_char,
    text: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    unsafe { scan(path, text, out_json, d::scan_html) }
}

/// An audit (`audit_json`, as `opskit_docs_audit` gives it) as a SARIF
/// 2.1.0 log.
///
/// # Safety
/// `audit_json` is NUL-terminated; `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_docs_to_sarif(
    audit_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let a: d::Audit = unsafe { json_arg(audit_json, "audit_json") }?;
        *out = owned_json(&d::to_sarif(&a))?;
        Ok(())
    })
}

/// An audit as text: a line per finding (`path:line:column: level[rule]
/// message`) and a summary line.
///
/// # Safety
/// `audit_json` is NUL-terminated; `out_text` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_docs_to_text(
    audit_json: *const c_char,
    out_text: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_text, "out_text") }?;
        let a: d::Audit = unsafe { json_arg(audit_json, "audit_json") }?;
        *out = owned_string(d::to_text(&a));
        Ok(())
    })
}

/// The audit without the findings a baseline (`baseline_json`: an earlier
/// audit, or a JSON array of fingerprints) holds.
///
/// # Safety
/// Strings are NUL-terminated; `out_json` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_docs_apply_baseline(
    audit_json: *const c_char,
    baseline_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let mut a: d::Audit = unsafe { json_arg(audit_json, "audit_json") }?;
        let b: serde_json::Value = unsafe { json_arg(baseline_json, "baseline_json") }?;
        d::apply_baseline(&mut a, &b)?;
        *out = owned_json(&a)?;
        Ok(())
    })
}
