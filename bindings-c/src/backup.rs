//! `opskit_backup_*`: the backup-manifest family for C. Manifests cross as
//! their canonical JSON text; results are JSON owned by the caller (free
//! with `opskit_string_free`). Progress callbacks are a function pointer
//! plus a `void *user_data`, called on the caller's thread.

use std::ffi::{c_char, c_void};
use std::path::Path;

use opskit::backup as b;

use crate::error::opskit_status;
use crate::ffi::{
    Res, boundary, opt_str_arg, options, out_arg, owned_bytes, owned_json, owned_string, path_call,
    str_arg,
};

/// Progress of a long call: files and bytes done, of the totals.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct opskit_progress {
    /// Files hashed so far.
    pub files_done: u64,
    /// Files to hash.
    pub files_total: u64,
    /// Bytes hashed so far.
    pub bytes_done: u64,
    /// Bytes to hash.
    pub bytes_total: u64,
}

/// A progress callback: called on the caller's thread about ten times a
/// second and once at the end, with `user_data` as given. May be NULL.
pub type opskit_progress_fn =
    Option<unsafe extern "C" fn(progress: *const opskit_progress, user_data: *mut c_void)>;

/// Run `work` with a progress function that calls the C callback.
fn with_progress<T>(
    cb: opskit_progress_fn,
    user_data: *mut c_void,
    work: impl FnOnce(Option<b::ProgressFn<'_>>) -> opskit::Result<T>,
) -> opskit::Result<T> {
    match cb {
        None => work(None),
        Some(f) => {
            let mut report = |p: b::Progress| {
                let c = opskit_progress {
                    files_done: p.files_done,
                    files_total: p.files_total,
                    bytes_done: p.bytes_done,
                    bytes_total: p.bytes_total,
                };
                // SAFETY: the caller gave a callback valid for the call and its user data.
                unsafe { f(&c, user_data) };
            };
            work(Some(&mut report))
        }
    }
}

/// A manifest from its JSON text, validated.
///
/// # Safety
/// As `str_arg`.
unsafe fn manifest_arg(ptr: *const c_char, name: &str) -> Res<b::Manifest> {
    // SAFETY: forwarded from the caller.
    let text = unsafe { str_arg(ptr, name) }?;
    Ok(b::Manifest::from_json(text)?)
}

/// A byte buffer argument (key material).
///
/// # Safety
/// `ptr` is NULL only with `len` 0, else points to `len` readable bytes.
unsafe fn bytes_arg<'a>(ptr: *const u8, len: usize, name: &str) -> Res<&'a [u8]> {
    if ptr.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(
            opskit::Error::invalid(format!("{name} is NULL with a length of {len}")).into(),
        );
    }
    // SAFETY: the caller guarantees `len` readable bytes at `ptr`.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Describe the tree at `path`; `*out_json` is the manifest's canonical
/// text. `options_json` (may be NULL): `{"algorithms":["blake3","sha256"],
/// "include","exclude","files","follow_symlinks","root","labels","previous",
/// "created"}`. `progress` may be NULL.
///
/// # Safety
/// Strings are NUL-terminated (options may be NULL); `out_json` points to
/// writable memory; `progress` is NULL or valid with `user_data` for the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_backup_build_manifest(
    path: *const c_char,
    options_json: *const c_char,
    progress: opskit_progress_fn,
    user_data: *mut c_void,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let path = unsafe { str_arg(path, "path") }?;
        let o: b::ManifestOptions = unsafe { options(options_json, "options_json") }?;
        let m = with_progress(progress, user_data, |p| {
            b::build_manifest(Path::new(path), &o, p)
        })?;
        *out = owned_string(m.to_canonical_string()?);
        Ok(())
    })
}

/// Read and validate the manifest file at `path`; `*out_json` is its canonical text.
///
/// # Safety
/// As `opskit_backup_build_manifest`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_backup_read_manifest(
    path: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let path = unsafe { str_arg(path, "path") }?;
        *out = owned_string(b::Manifest::read(Path::new(path))?.to_canonical_string()?);
        Ok(())
    })
}

/// Validate `manifest_json` and write it to `path` atomically, canonical.
///
/// # Safety
/// Strings are NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_backup_write_manifest(
    manifest_json: *const c_char,
    path: *const c_char,
) -> opskit_status {
    boundary(|| {
        let m = unsafe { manifest_arg(manifest_json, "manifest_json") }?;
        let path = unsafe { str_arg(path, "path") }?;
        m.write(Path::new(path))?;
        Ok(())
    })
}

/// `blake3:<hex>` of a manifest: what the next one names as `previous`.
///
/// # Safety
/// Strings are NUL-terminated; `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_backup_chain_hash(
    manifest_json: *const c_char,
    out: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out, "out") }?;
        let m = unsafe { manifest_arg(manifest_json, "manifest_json") }?;
        *out = owned_string(m.chain_hash()?);
        Ok(())
    })
}

/// Check the tree at `path` against `manifest_json`; `*out_json` is the
/// report (`{"exact":…,"differences":[…],…}`). `options_json` (may be NULL):
/// `{"mode":"full"|"fast","stop_at_first","follow_symlinks"}`.
///
/// # Safety
/// As `opskit_backup_build_manifest`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_backup_verify_tree(
    path: *const c_char,
    manifest_json: *const c_char,
    options_json: *const c_char,
    progress: opskit_progress_fn,
    user_data: *mut c_void,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let path = unsafe { str_arg(path, "path") }?;
        let m = unsafe { manifest_arg(manifest_json, "manifest_json") }?;
        let o: b::VerifyOptions = unsafe { options(options_json, "options_json") }?;
        let r = with_progress(progress, user_data, |p| {
            b::verify_tree(Path::new(path), &m, &o, p)
        })?;
        *out = owned_json(&r)?;
        Ok(())
    })
}

/// What changed between two manifests (their JSON texts).
///
/// # Safety
/// Strings are NUL-terminated; `out_json` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_backup_diff_manifests(
    old_json: *const c_char,
    new_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let a = unsafe { manifest_arg(old_json, "old_json") }?;
        let c = unsafe { manifest_arg(new_json, "new_json") }?;
        *out = owned_json(&b::diff_manifests(&a, &c)?)?;
        Ok(())
    })
}

/// Which snapshots to keep (restic forget's rules). `snapshots_json`: a list
/// of `{id, time, tags}` or `restic snapshots --json` output; `policy_json`:
/// `{"keep_daily":7,…}`; `now` (may be NULL): RFC 3339.
///
/// # Safety
/// Strings are NUL-terminated (`now` may be NULL); `out_json` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_backup_plan_retention(
    snapshots_json: *const c_char,
    policy_json: *const c_char,
    now: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let snaps = b::parse_snapshots(unsafe { str_arg(snapshots_json, "snapshots_json") }?)?;
        let policy: b::RetentionPolicy = unsafe { options(policy_json, "policy_json") }?;
        let now = unsafe { opt_str_arg(now, "now") }?;
        *out = owned_json(&b::plan_retention(&snaps, &policy, now)?)?;
        Ok(())
    })
}

/// Sign a manifest with `key` (`key_len` bytes: the HMAC secret, or an
/// Ed25519 PKCS#8 PEM private key); `algorithm` is `"hmac-sha256"` (NULL) or
/// `"ed25519"`. `*out_json` is the signature document.
///
/// # Safety
/// Strings are NUL-terminated (`algorithm` may be NULL); `key` points to
/// `key_len` bytes; `out_json` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_backup_sign_manifest(
    manifest_json: *const c_char,
    key: *const u8,
    key_len: usize,
    key_id: *const c_char,
    algorithm: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let m = unsafe { manifest_arg(manifest_json, "manifest_json") }?;
        let key = unsafe { bytes_arg(key, key_len, "key") }?;
        let key_id = unsafe { str_arg(key_id, "key_id") }?;
        let alg: b::SignatureAlgorithm = match unsafe { opt_str_arg(algorithm, "algorithm") }? {
            Some(name) => name.parse()?,
            None => b::SignatureAlgorithm::default(),
        };
        *out = owned_json(&b::sign_manifest(&m, alg, key, key_id)?)?;
        Ok(())
    })
}

/// Check a signature document over a manifest with `key` (HMAC secret, or
/// the Ed25519 public key). `OPSKIT_OK` when it matches,
/// `OPSKIT_ERR_INTEGRITY` when the manifest was changed or the key is wrong.
///
/// # Safety
/// Strings are NUL-terminated; `key` points to `key_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_backup_check_signature(
    manifest_json: *const c_char,
    signature_json: *const c_char,
    key: *const u8,
    key_len: usize,
) -> opskit_status {
    boundary(|| {
        let m = unsafe { manifest_arg(manifest_json, "manifest_json") }?;
        let sig = b::Signature::from_json(unsafe { str_arg(signature_json, "signature_json") }?)?;
        let key = unsafe { bytes_arg(key, key_len, "key") }?;
        b::check_signature(&m, &sig, key)?;
        Ok(())
    })
}

/// Check a chain: `manifests_json` is a JSON array of manifests, oldest
/// first. `OPSKIT_ERR_INTEGRITY` names the first break.
///
/// # Safety
/// Strings are NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_backup_check_chain(manifests_json: *const c_char) -> opskit_status {
    boundary(|| {
        let text = unsafe { str_arg(manifests_json, "manifests_json") }?;
        let list: Vec<b::Manifest> = serde_json::from_str(text).map_err(|e| {
            opskit::Error::invalid(format!(
                "manifests_json must be a JSON array of manifests: {e}"
            ))
        })?;
        b::check_chain(&list)?;
        Ok(())
    })
}

/// Make a BagIt bag of the folder at `path` (in place, or a copy with
/// `{"dest": …}`). `options_json` (may be NULL): `{"algorithms","dest",
/// "info":[["Label","value"]],"bagging_date"}`.
///
/// # Safety
/// As `opskit_backup_read_manifest`; options may be NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_backup_make_bag(
    path: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    unsafe {
        path_call(
            (path, "path"),
            options_json,
            out_json,
            |path, opts: b::BagOptions| b::make_bag(path, &opts),
        )
    }
}

/// Validate the BagIt bag at `path`: `{"valid","complete","errors",…}`.
/// `options_json` (may be NULL): `{"fast"}`. An invalid bag is `OPSKIT_OK`
/// with `"valid": false`.
///
/// # Safety
/// As `opskit_backup_make_bag`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_backup_validate_bag(
    path: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> opskit_status {
    unsafe {
        path_call(
            (path, "path"),
            options_json,
            out_json,
            |path, opts: b::BagValidateOptions| b::validate_bag(path, &opts),
        )
    }
}

/// `sha256sum -c` (`format` "sha256sum" or NULL) or `b3sum -c` ("b3sum")
/// lines for a manifest's files; `*out` is the file's bytes, NUL-terminated:
/// names keep their exact bytes, so it is UTF-8 only when every name is.
///
/// # Safety
/// Strings are NUL-terminated (`format` may be NULL); `out` points to writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_backup_checksum_lines(
    manifest_json: *const c_char,
    format: *const c_char,
    out: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out, "out") }?;
        let m = unsafe { manifest_arg(manifest_json, "manifest_json") }?;
        let f: b::ChecksumFormat = match unsafe { opt_str_arg(format, "format") }? {
            Some(name) => name.parse()?,
            None => b::ChecksumFormat::default(),
        };
        *out = owned_bytes(b::checksum_lines(&m, f)?)?;
        Ok(())
    })
}

/// Verify a restored tree, time it, and judge it against an objective.
/// `options_json` (may be NULL): `{"rto":"2h","restore_time":"35m",
/// "verify":{…}}`. `*out_json` is the report with a `summary`.
///
/// # Safety
/// As `opskit_backup_verify_tree`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn opskit_backup_restore_drill(
    path: *const c_char,
    manifest_json: *const c_char,
    options_json: *const c_char,
    progress: opskit_progress_fn,
    user_data: *mut c_void,
    out_json: *mut *mut c_char,
) -> opskit_status {
    boundary(|| {
        let out = unsafe { out_arg(out_json, "out_json") }?;
        let path = unsafe { str_arg(path, "path") }?;
        let m = unsafe { manifest_arg(manifest_json, "manifest_json") }?;
        let o: b::DrillOptions = unsafe { options(options_json, "options_json") }?;
        let r = with_progress(progress, user_data, |p| {
            b::restore_drill(Path::new(path), &m, &o, p)
        })?;
        *out = owned_json(&r)?;
        Ok(())
    })
}
