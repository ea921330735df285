//! The backup-manifest family for Node, under the `backup` namespace.
//! Anything that reads files returns a Promise computed on the libuv pool,
//! with a blocking `…Sync` twin; pure functions (diff, retention, signatures
//! of a manifest in memory, checksum lines) are synchronous. Progress
//! callbacks get `{filesDone, filesTotal, bytesDone, bytesTotal}`: from the
//! Promise form through a thread-safe function (on the event loop), from
//! the Sync form directly.

use std::path::PathBuf;

use napi::Status;
use napi::bindgen_prelude::{AsyncTask, Buffer, Either, Function, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use opskit::backup as b;
use serde_json::Value;

use crate::convert::{from_js, from_js_value, inbound, to_js};
use crate::error::{Code, Failure, sync};
use crate::task::{Job, JsJson, job, promise_and_sync};

/// A JS progress callback that can be called from the libuv pool.
type ProgressTsfn = ThreadsafeFunction<Value, Unknown<'static>, Value, Status, false>;

/// A manifest given as an object (as returned by `buildManifest`) or the path of a file.
/// A manifest argument (an object with camelCase keys, or a path).
fn manifest_of(v: Value) -> Result<b::Manifest, Failure> {
    Ok(b::Manifest::from_value(inbound(v))?)
}

fn progress_value(p: b::Progress) -> Value {
    to_js(&p).unwrap_or(Value::Null)
}

/// Where a call's progress goes: from the Promise form, a thread-safe
/// function (called from the libuv pool, run on the event loop); from the
/// Sync form, the JS function itself (called on this thread).
trait ProgressSink {
    /// Run `work` with a progress function that forwards here, when a
    /// callback was given.
    fn run<T>(
        &self,
        work: impl FnOnce(Option<b::ProgressFn<'_>>) -> opskit::Result<T>,
    ) -> opskit::Result<T>;
}

impl ProgressSink for Option<ProgressTsfn> {
    fn run<T>(
        &self,
        work: impl FnOnce(Option<b::ProgressFn<'_>>) -> opskit::Result<T>,
    ) -> opskit::Result<T> {
        match self {
            None => work(None),
            Some(f) => {
                let mut cb = |p: b::Progress| {
                    f.call(progress_value(p), ThreadsafeFunctionCallMode::NonBlocking);
                };
                work(Some(&mut cb))
            }
        }
    }
}

impl ProgressSink for Option<Function<'_, Value, Unknown<'_>>> {
    fn run<T>(
        &self,
        work: impl FnOnce(Option<b::ProgressFn<'_>>) -> opskit::Result<T>,
    ) -> opskit::Result<T> {
        match self {
            None => work(None),
            Some(f) => {
                let mut cb = |p: b::Progress| {
                    let _ = f.call(progress_value(p));
                };
                work(Some(&mut cb))
            }
        }
    }
}

// ---- build, read, write ----

promise_and_sync! {
    #[doc = "Describe the tree at `path`: every entry with size, mode, mtime and content hash."]
    #[napi(namespace = "backup", args = "path: string, options?: Partial<ManifestOptions> | null, progress?: (p: Progress) => void", returns = "Manifest", promise = "Promise<Manifest>")]
    fn build_manifest / build_manifest_sync(path: String, options: Option<JsJson>)
        progress progress: Option<ProgressTsfn> | Option<Function<'_, Value, Unknown<'_>>> {
        let options = JsJson::optional(options)?;
        let o: b::ManifestOptions = from_js(options, "manifest options")?;
        let m = progress.run(|p| b::build_manifest(&PathBuf::from(&path), &o, p))?;
        to_js(&m)
    }
}

promise_and_sync! {
    #[doc = "Read and validate a manifest file."]
    #[napi(namespace = "backup", args = "path: string", returns = "Manifest", promise = "Promise<Manifest>")]
    fn read_manifest / read_manifest_sync(path: String) {
        to_js(&b::Manifest::read(&PathBuf::from(path))?)
    }
}

/// Write a manifest to `path` atomically, in canonical form.
#[napi(
    namespace = "backup",
    ts_args_type = "manifest: Manifest | string, path: string",
    ts_return_type = "Promise<void>"
)]
pub fn write_manifest(manifest: JsJson, path: String) -> AsyncTask<Job> {
    job(move || {
        let manifest = manifest.value()?;
        manifest_of(manifest)?.write(&PathBuf::from(path))?;
        Ok(Value::Null)
    })
}

/// `writeManifest`, blocking.
#[napi(
    namespace = "backup",
    ts_args_type = "manifest: Manifest | string, path: string"
)]
pub fn write_manifest_sync(manifest: Value, path: String) -> Result<(), napi::Error<Code>> {
    sync(|| Ok(manifest_of(manifest)?.write(&PathBuf::from(path))?))
}

/// The canonical text of a manifest.
#[napi(namespace = "backup", ts_args_type = "manifest: Manifest")]
pub fn manifest_to_json(manifest: Value) -> Result<String, napi::Error<Code>> {
    sync(|| Ok(manifest_of(manifest)?.to_canonical_string()?))
}

/// Parse and validate manifest text.
#[napi(namespace = "backup", ts_return_type = "Manifest")]
pub fn manifest_from_json(text: String) -> Result<Value, napi::Error<Code>> {
    sync(|| to_js(&b::Manifest::from_json(&text)?))
}

/// `blake3:<hex>` of a manifest: what the next manifest names as `previous`.
#[napi(namespace = "backup", ts_args_type = "manifest: Manifest")]
pub fn chain_hash(manifest: Value) -> Result<String, napi::Error<Code>> {
    sync(|| Ok(manifest_of(manifest)?.chain_hash()?))
}

// ---- verify, diff, drill ----

promise_and_sync! {
    #[doc = "Check the tree at `path` against a manifest (object or file path)."]
    #[napi(namespace = "backup", args = "path: string, manifest: Manifest | string, options?: Partial<VerifyOptions> | null, progress?: (p: Progress) => void", returns = "VerifyReport", promise = "Promise<VerifyReport>")]
    fn verify_tree / verify_tree_sync(path: String, manifest: JsJson, options: Option<JsJson>)
        progress progress: Option<ProgressTsfn> | Option<Function<'_, Value, Unknown<'_>>> {
        let m = manifest_of(manifest.value()?)?;
        let options = JsJson::optional(options)?;
        let o: b::VerifyOptions = from_js(options, "verify options")?;
        let r = progress.run(|p| b::verify_tree(&PathBuf::from(&path), &m, &o, p))?;
        to_js(&r)
    }
}

/// What changed between two manifests (objects or file paths).
#[napi(
    namespace = "backup",
    ts_args_type = "older: Manifest | string, newer: Manifest | string",
    ts_return_type = "ManifestDiff"
)]
pub fn diff_manifests(older: Value, newer: Value) -> Result<Value, napi::Error<Code>> {
    sync(|| {
        to_js(&b::diff_manifests(
            &manifest_of(older)?,
            &manifest_of(newer)?,
        )?)
    })
}

promise_and_sync! {
    #[doc = "Verify a restored tree, time it, and judge it against an objective."]
    #[napi(namespace = "backup", args = "path: string, manifest: Manifest | string, options?: Partial<DrillOptions> | null, progress?: (p: Progress) => void", returns = "DrillReport", promise = "Promise<DrillReport>")]
    fn restore_drill / restore_drill_sync(path: String, manifest: JsJson, options: Option<JsJson>)
        progress progress: Option<ProgressTsfn> | Option<Function<'_, Value, Unknown<'_>>> {
        let m = manifest_of(manifest.value()?)?;
        let options = JsJson::optional(options)?;
        let o: b::DrillOptions = from_js(options, "drill options")?;
        let r = progress.run(|p| b::restore_drill(&PathBuf::from(&path), &m, &o, p))?;
        to_js(&r)
    }
}

// ---- retention, signatures, checksums (pure) ----

/// Which snapshots to keep (restic forget's rules). `snapshots` is an array of
/// `{id, time, tags}` or JSON text (`restic snapshots --json` as it is).
#[napi(
    namespace = "backup",
    ts_args_type = "snapshots: Snapshot[] | string, policy: Partial<RetentionPolicy>, now?: string | null",
    ts_return_type = "RetentionPlan"
)]
pub fn plan_retention(
    snapshots: Value,
    policy: Value,
    now: Option<String>,
) -> Result<Value, napi::Error<Code>> {
    sync(|| {
        let list = b::snapshots_from_value(inbound(snapshots))?;
        let p: b::RetentionPolicy = from_js_value(policy, "retention policy")?;
        to_js(&b::plan_retention(&list, &p, now.as_deref())?)
    })
}

fn key_of(key: Either<Buffer, String>) -> Vec<u8> {
    match key {
        Either::A(buf) => buf.to_vec(),
        Either::B(s) => s.into_bytes(),
    }
}

/// Sign a manifest: HMAC-SHA-256 (`key` = the secret) or Ed25519 (`key` =
/// PKCS#8 PEM private key). Returns the signature document.
#[napi(
    namespace = "backup",
    ts_args_type = "manifest: Manifest | string, key: Buffer | string, keyId: string, algorithm?: SignatureAlgorithm",
    ts_return_type = "Signature"
)]
pub fn sign_manifest(
    manifest: Value,
    key: Either<Buffer, String>,
    key_id: String,
    algorithm: Option<String>,
) -> Result<Value, napi::Error<Code>> {
    sync(|| {
        let alg: b::SignatureAlgorithm = match algorithm {
            Some(name) => name.parse()?,
            None => b::SignatureAlgorithm::default(),
        };
        to_js(&b::sign_manifest(
            &manifest_of(manifest)?,
            alg,
            &key_of(key),
            &key_id,
        )?)
    })
}

/// Check a signature over a manifest; throws `ERR_OPSKIT_INTEGRITY` when it
/// does not match. For Ed25519 the public key is enough.
#[napi(
    namespace = "backup",
    ts_args_type = "manifest: Manifest | string, signature: Signature, key: Buffer | string"
)]
pub fn check_signature(
    manifest: Value,
    signature: Value,
    key: Either<Buffer, String>,
) -> Result<(), napi::Error<Code>> {
    sync(|| {
        let sig: b::Signature = from_js_value(signature, "signature")?;
        Ok(b::check_signature(
            &manifest_of(manifest)?,
            &sig,
            &key_of(key),
        )?)
    })
}

/// Check a chain of manifests, oldest first; throws `ERR_OPSKIT_INTEGRITY` at the first break.
#[napi(
    namespace = "backup",
    ts_args_type = "manifests: Array<Manifest | string>"
)]
pub fn check_chain(manifests: Vec<Value>) -> Result<(), napi::Error<Code>> {
    sync(|| {
        let list = manifests
            .into_iter()
            .map(manifest_of)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(b::check_chain(&list)?)
    })
}

/// `sha256sum -c` or `b3sum -c` lines for a manifest's files, as a Buffer
/// (names keep their exact bytes).
#[napi(
    namespace = "backup",
    ts_args_type = "manifest: Manifest | string, format?: ChecksumFormat"
)]
pub fn checksum_lines(
    manifest: Value,
    format: Option<String>,
) -> Result<Buffer, napi::Error<Code>> {
    sync(|| {
        let f: b::ChecksumFormat = match format {
            Some(name) => name.parse()?,
            None => b::ChecksumFormat::default(),
        };
        Ok(b::checksum_lines(&manifest_of(manifest)?, f)?.into())
    })
}

// ---- BagIt (files) ----

promise_and_sync! {
    #[doc = "Make a BagIt bag of a folder (in place, or a copy with `dest`)."]
    #[napi(namespace = "backup", args = "path: string, options?: Partial<BagOptions> | null", returns = "BagReport", promise = "Promise<BagReport>")]
    fn make_bag / make_bag_sync(path: String, options: Option<JsJson>) {
        let options = JsJson::optional(options)?;
        let o: b::BagOptions = from_js(options, "bag options")?;
        to_js(&b::make_bag(&PathBuf::from(path), &o)?)
    }
}

promise_and_sync! {
    #[doc = "Validate a BagIt bag: `{valid, complete, errors, warnings, ...}`."]
    #[napi(namespace = "backup", args = "path: string, options?: Partial<BagValidateOptions> | null", returns = "BagValidation", promise = "Promise<BagValidation>")]
    fn validate_bag / validate_bag_sync(path: String, options: Option<JsJson>) {
        let options = JsJson::optional(options)?;
        let o: b::BagValidateOptions = from_js(options, "bag validation options")?;
        to_js(&b::validate_bag(&PathBuf::from(path), &o)?)
    }
}
