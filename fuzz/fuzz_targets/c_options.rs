//! Every JSON (and TOML) argument the C binding accepts, through the real
//! exported functions, against small real fixtures. A failure is a status;
//! a panic, caught at the boundary as `OPSKIT_ERR_PANIC`, is a finding.
//!
//! Not called: the functions that write where their options say
//! (`opskit_backup_make_bag`, `opskit_backup_restore_drill`, `opskit_backup_write_manifest`)
//! or reach out (`opskit_health_send_event`, `opskit_health_run_probes`):
//! their options are decoded here through the same types instead, and
//! `opskit_version_cut_release` runs on a bare repository, which it refuses
//! after decoding its options.
#![no_main]
use libfuzzer_sys::fuzz_target;
use opskit_c::*;
use std::ffi::{CStr, CString, c_char};
use std::ptr::{null, null_mut};
use std::sync::OnceLock;

fn c(s: &str) -> CString {
    CString::new(s.split('\0').next().unwrap_or("")).unwrap()
}

fn path(p: &std::path::Path) -> CString {
    c(p.to_str().unwrap())
}

/// Check a status and free the out-string.
fn done(what: &str, status: opskit_status, out: *mut c_char) {
    if status == opskit_status::OPSKIT_ERR_PANIC {
        let msg = unsafe { CStr::from_ptr(opskit_last_error_message()) };
        panic!("{what} panicked: {}", msg.to_string_lossy());
    }
    if status == opskit_status::OPSKIT_OK && !out.is_null() {
        let s = unsafe { CStr::from_ptr(out) }
            .to_str()
            .expect("out-strings are UTF-8");
        assert!(!s.contains('\0'));
    }
    unsafe { opskit_string_free(out) };
}

/// Fixtures that other calls produce: an audit, a manifest, a snapshot.
struct Made {
    audit: CString,
    manifest: CString,
    snapshot: CString,
}

fn made() -> &'static Made {
    static M: OnceLock<Made> = OnceLock::new();
    M.get_or_init(|| unsafe {
        let f = opskit_fuzz::fixtures();
        let take = |out: *mut c_char| {
            let s = CString::from(CStr::from_ptr(out));
            opskit_string_free(out);
            s
        };
        let mut out = null_mut();
        assert_eq!(
            opskit_docs_audit(path(&f.docs).as_ptr(), null(), &mut out),
            opskit_status::OPSKIT_OK
        );
        let audit = take(out);
        assert_eq!(
            opskit_backup_build_manifest(path(&f.docs).as_ptr(), null(), None, null_mut(), &mut out),
            opskit_status::OPSKIT_OK
        );
        let manifest = take(out);
        let mut col = null_mut();
        assert_eq!(
            opskit_health_collector_new(null(), &mut col),
            opskit_status::OPSKIT_OK
        );
        assert_eq!(
            opskit_health_collector_snapshot(col, &mut out),
            opskit_status::OPSKIT_OK
        );
        opskit_health_collector_free(col);
        Made {
            audit,
            manifest,
            snapshot: take(out),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let j = c(&String::from_utf8_lossy(rest));
    let j = j.as_ptr();
    let f = opskit_fuzz::fixtures();
    let m = made();
    let repo = path(&f.repo);
    let repo = repo.as_ptr();
    let mut out: *mut c_char = null_mut();
    unsafe {
        match which % 32 {
            0 => done("version_next", opskit_version_next_version(repo, j, &mut out), out),
            1 => done(
                "version_changelog",
                opskit_version_changelog(repo, j, &mut out),
                out,
            ),
            2 => done(
                "changelog_markdown",
                opskit_version_changelog_markdown(repo, j, &mut out),
                out,
            ),
            3 => done(
                "version_releases",
                opskit_version_releases(repo, j, &mut out),
                out,
            ),
            4 => done(
                "latest_release",
                opskit_version_latest_release(repo, j, &mut out),
                out,
            ),
            5 => done(
                "current_release",
                opskit_version_current_release(repo, j, &mut out),
                out,
            ),
            6 => done(
                "rollback_target",
                opskit_version_rollback_target(repo, c"v0.1.0".as_ptr(), j, &mut out),
                out,
            ),
            7 => {
                done(
                    "version_status",
                    opskit_version_status(repo, j, null(), &mut out),
                    out,
                );
                out = null_mut();
                done(
                    "version_status policy",
                    opskit_version_status(repo, null(), j, &mut out),
                    out,
                );
            }
            8 => done(
                "check_branch",
                opskit_version_check_branch(c"feature/x".as_ptr(), j, &mut out),
                out,
            ),
            9 => done(
                "version_release",
                opskit_version_cut_release(path(&f.bare).as_ptr(), j, &mut out),
                out,
            ),
            10 => done("version_sort", opskit_version_sort_versions(j, &mut out), out),
            11 => done(
                "docs_audit",
                opskit_docs_audit(path(&f.docs).as_ptr(), j, &mut out),
                out,
            ),
            12 => done("docs_slugs", opskit_docs_slugs(j, &mut out), out),
            13 => done(
                "apply_baseline",
                opskit_docs_apply_baseline(m.audit.as_ptr(), j, &mut out),
                out,
            ),
            14 => done("to_sarif", opskit_docs_to_sarif(j, &mut out), out),
            15 => done("to_text", opskit_docs_to_text(j, &mut out), out),
            16 => done(
                "backup_manifest",
                opskit_backup_build_manifest(path(&f.docs).as_ptr(), j, None, null_mut(), &mut out),
                out,
            ),
            17 => {
                let docs = path(&f.docs);
                done(
                    "verify",
                    opskit_backup_verify_tree(
                        docs.as_ptr(),
                        m.manifest.as_ptr(),
                        j,
                        None,
                        null_mut(),
                        &mut out,
                    ),
                    out,
                );
                out = null_mut();
                done(
                    "verify manifest",
                    opskit_backup_verify_tree(docs.as_ptr(), j, null(), None, null_mut(), &mut out),
                    out,
                );
            }
            18 => done(
                "diff",
                opskit_backup_diff_manifests(m.manifest.as_ptr(), j, &mut out),
                out,
            ),
            19 => {
                done(
                    "retention snapshots",
                    opskit_backup_plan_retention(j, c"{\"keep_last\":2}".as_ptr(), null(), &mut out),
                    out,
                );
                out = null_mut();
                let snaps = c"[{\"time\":\"2026-01-01T00:00:00Z\"},{\"time\":\"2026-02-01T00:00:00Z\",\"tags\":[\"db\"]}]";
                done(
                    "retention policy",
                    opskit_backup_plan_retention(
                        snaps.as_ptr(),
                        j,
                        c"2026-03-01T00:00:00Z".as_ptr(),
                        &mut out,
                    ),
                    out,
                );
            }
            20 => done("check_chain", opskit_backup_check_chain(j), null_mut()),
            21 => done(
                "validate_bag",
                opskit_backup_validate_bag(path(&f.docs).as_ptr(), j, &mut out),
                out,
            ),
            22 => done(
                "checksums",
                opskit_backup_checksum_lines(j, c"sha256sum".as_ptr(), &mut out),
                out,
            ),
            23 => {
                let key = b"0123456789abcdef0123456789abcdef";
                done(
                    "sign",
                    opskit_backup_sign_manifest(
                        j,
                        key.as_ptr(),
                        key.len(),
                        c"k".as_ptr(),
                        c"hmac-sha256".as_ptr(),
                        &mut out,
                    ),
                    out,
                );
                done(
                    "check_signature",
                    opskit_backup_check_signature(m.manifest.as_ptr(), j, key.as_ptr(), key.len()),
                    null_mut(),
                );
            }
            24 => {
                let mut ev = null_mut();
                let st = opskit_health_evaluator_new(j, &mut ev);
                done("evaluator_new", st, null_mut());
                if st == opskit_status::OPSKIT_OK {
                    done(
                        "evaluate",
                        opskit_health_evaluator_evaluate(ev, m.snapshot.as_ptr(), 1e9, &mut out),
                        out,
                    );
                    opskit_health_evaluator_free(ev);
                }
            }
            25 => {
                let mut ev = null_mut();
                assert_eq!(
                    opskit_health_evaluator_new(null(), &mut ev),
                    opskit_status::OPSKIT_OK
                );
                done(
                    "evaluate snapshot",
                    opskit_health_evaluator_evaluate(ev, j, 1e9, &mut out),
                    out,
                );
                opskit_health_evaluator_free(ev);
            }
            26 => {
                let mut pd = null_mut();
                assert_eq!(
                    opskit_health_pagerduty_new(&mut pd),
                    opskit_status::OPSKIT_OK
                );
                done(
                    "pd checks",
                    opskit_health_pagerduty_events(pd, j, c"h".as_ptr(), 1e9, null(), &mut out),
                    out,
                );
                out = null_mut();
                let checks = c"[]";
                done(
                    "pd options",
                    opskit_health_pagerduty_events(
                        pd,
                        checks.as_ptr(),
                        c"h".as_ptr(),
                        1e9,
                        j,
                        &mut out,
                    ),
                    out,
                );
                opskit_health_pagerduty_free(pd);
                done(
                    "pd validate",
                    opskit_health_validate_event(j),
                    null_mut(),
                );
            }
            27 => done(
                "prometheus_rules",
                opskit_health_prometheus_rules(j, c"g".as_ptr(), &mut out),
                out,
            ),
            28 => {
                let mut code = 0u16;
                done(
                    "health_json",
                    opskit_health_json(m.snapshot.as_ptr(), j, false, &mut out, &mut code),
                    out,
                );
                out = null_mut();
                done(
                    "health_json snapshot",
                    opskit_health_json(j, c"[]".as_ptr(), true, &mut out, &mut code),
                    out,
                );
                out = null_mut();
                let mut ct = null();
                done(
                    "exposition",
                    opskit_health_exposition(
                        j,
                        c"[]".as_ptr(),
                        c"text/plain".as_ptr(),
                        null(),
                        &mut out,
                        &mut ct,
                    ),
                    out,
                );
            }
            29 => {
                done(
                    "availability samples",
                    opskit_health_availability(j, null(), &mut out),
                    out,
                );
                out = null_mut();
                done(
                    "availability options",
                    opskit_health_availability(c"[]".as_ptr(), j, &mut out),
                    out,
                );
            }
            30 => done("parse_policy", opskit_health_parse_policy(j, &mut out), out),
            _ => {
                let mut col = null_mut();
                let st = opskit_health_collector_new(j, &mut col);
                done("collector_new", st, null_mut());
                if st == opskit_status::OPSKIT_OK {
                    opskit_health_collector_free(col);
                }
                // The options of the calls not made here, through their types.
                let text = String::from_utf8_lossy(rest);
                if let Ok(probes) = serde_json::from_str::<Vec<opskit::health::Probe>>(&text) {
                    for p in &probes {
                        let _ = p.validate();
                    }
                }
                let _ = serde_json::from_str::<opskit::backup::BagOptions>(&text);
                let _ = serde_json::from_str::<opskit::backup::DrillOptions>(&text);
                let _ = serde_json::from_str::<opskit::health::SendOptions>(&text);
            }
        }
    }
});
