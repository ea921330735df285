//! Tamper evidence: HMAC-SHA-256 with a shared key, or Ed25519 (sign with the
//! private key, check with the public key alone, so auditors hold no secret),
//! and chains of manifests that each name their predecessor.
//!
//! The signed bytes are a context header (format, version, algorithm, key
//! id) followed by the manifest's canonical text, so a signature cannot be
//! replayed onto another kind of document or under another key id, and any
//! change to an entry or a label breaks it.

use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey};
use ed25519_dalek::{Signer, Verifier};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};

use super::manifest::{Manifest, decode_hex, encode_hex};
use crate::error::{Error, Result};

/// The `format` of a signature document.
pub const SIGNATURE_FORMAT: &str = "opskit-manifest-signature";

/// How a manifest is signed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum SignatureAlgorithm {
    /// HMAC-SHA-256 with a shared secret key: the default.
    #[default]
    HmacSha256,
    /// Ed25519: a private key signs, the public key checks.
    Ed25519,
}

impl SignatureAlgorithm {
    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureAlgorithm::HmacSha256 => "hmac-sha256",
            SignatureAlgorithm::Ed25519 => "ed25519",
        }
    }
}

impl std::str::FromStr for SignatureAlgorithm {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "hmac-sha256" | "hmac" => Ok(SignatureAlgorithm::HmacSha256),
            "ed25519" => Ok(SignatureAlgorithm::Ed25519),
            _ => Err(Error::invalid(format!(
                "unknown signature algorithm {s:?}; use hmac-sha256 or ed25519"
            ))),
        }
    }
}

/// A detached signature of a manifest (kept beside it, e.g. `m.json.sig`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename_all = "camelCase"))]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// Always `opskit-manifest-signature`.
    pub format: String,
    /// The format version (1).
    pub version: u32,
    /// How it was made.
    pub algorithm: SignatureAlgorithm,
    /// Which key made it (a name, never the key).
    pub key_id: String,
    /// The BLAKE3 chain hash of the signed manifest (`blake3:<hex>`), to tell
    /// "wrong manifest" from "tampered manifest" at a glance.
    pub manifest: String,
    /// The signature (HMAC tag or Ed25519 signature), lowercase hex.
    pub signature: String,
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signature")
            .field("algorithm", &self.algorithm)
            .field("key_id", &self.key_id)
            .field("manifest", &self.manifest)
            .finish_non_exhaustive()
    }
}

impl Signature {
    /// Parse a signature document.
    pub fn from_json(text: &str) -> Result<Signature> {
        let s: Signature = serde_json::from_str(text)
            .map_err(|e| Error::invalid(format!("invalid signature document: {e}")))?;
        if s.format != SIGNATURE_FORMAT || s.version != 1 {
            return Err(Error::invalid(format!(
                "not an opskit signature (format {:?}, version {})",
                s.format, s.version
            )));
        }
        Ok(s)
    }

    /// The document as JSON text with a final newline.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map(|s| s + "\n")
            .map_err(|e| Error::invalid(format!("cannot encode signature: {e}")))
    }
}

fn signed_bytes(m: &Manifest, alg: SignatureAlgorithm, key_id: &str) -> Result<Vec<u8>> {
    let mut out = format!(
        "{SIGNATURE_FORMAT}\nversion: 1\nalgorithm: {}\nkey-id: {key_id}\n\n",
        alg.as_str()
    )
    .into_bytes();
    out.extend_from_slice(m.to_canonical_string()?.as_bytes());
    Ok(out)
}

fn check_key_id(key_id: &str) -> Result<()> {
    if key_id.is_empty() || key_id.len() > 256 || key_id.chars().any(char::is_control) {
        return Err(Error::invalid(
            "key id must be 1 to 256 characters without control characters, e.g. \"backup-2026\"",
        ));
    }
    Ok(())
}

/// Key bytes as given in a file: surrounding whitespace dropped.
fn trimmed(key: &[u8]) -> &[u8] {
    let start = key
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(key.len());
    let end = key
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &key[start..end]
}

fn ed25519_signing_key(key: &[u8]) -> Result<ed25519_dalek::SigningKey> {
    let key = trimmed(key);
    if let Ok(text) = std::str::from_utf8(key) {
        if text.starts_with("-----BEGIN") {
            return ed25519_dalek::SigningKey::from_pkcs8_pem(text).map_err(|_| {
                Error::invalid(
                    "the Ed25519 private key is not a PKCS#8 PEM key (make one with `openssl genpkey -algorithm ed25519`)",
                )
            });
        }
        if let Some(seed) = decode_hex(text).filter(|b| b.len() == 32) {
            let seed: [u8; 32] = seed.try_into().expect("32 bytes");
            return Ok(ed25519_dalek::SigningKey::from_bytes(&seed));
        }
    }
    if let Ok(seed) = <[u8; 32]>::try_from(key) {
        return Ok(ed25519_dalek::SigningKey::from_bytes(&seed));
    }
    Err(Error::invalid(
        "the Ed25519 private key must be PKCS#8 PEM, or a 32-byte seed (raw or hex)",
    ))
}

fn ed25519_verifying_key(key: &[u8]) -> Result<ed25519_dalek::VerifyingKey> {
    let key = trimmed(key);
    if let Ok(text) = std::str::from_utf8(key) {
        if text.starts_with("-----BEGIN PUBLIC KEY") {
            return ed25519_dalek::VerifyingKey::from_public_key_pem(text).map_err(|_| {
                Error::invalid(
                    "the Ed25519 public key is not a PEM public key (make one with `openssl pkey -pubout`)",
                )
            });
        }
        if text.starts_with("-----BEGIN") {
            return Ok(ed25519_signing_key(key)?.verifying_key());
        }
        if let Some(raw) = decode_hex(text).filter(|b| b.len() == 32) {
            let raw: [u8; 32] = raw.try_into().expect("32 bytes");
            return ed25519_dalek::VerifyingKey::from_bytes(&raw)
                .map_err(|_| Error::invalid("the Ed25519 public key is not a valid point"));
        }
    }
    if let Ok(raw) = <[u8; 32]>::try_from(key) {
        return ed25519_dalek::VerifyingKey::from_bytes(&raw)
            .map_err(|_| Error::invalid("the Ed25519 public key is not a valid point"));
    }
    Err(Error::invalid(
        "the Ed25519 public key must be PEM, or 32 bytes (raw or hex)",
    ))
}

fn hmac_of(key: &[u8], bytes: &[u8]) -> Result<Hmac<sha2::Sha256>> {
    let key = trimmed(key);
    if key.len() < 16 {
        return Err(Error::invalid(
            "the HMAC key is shorter than 16 bytes: use at least 32 random bytes",
        ));
    }
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key)
        .map_err(|_| Error::invalid("the HMAC key cannot be used"))?;
    mac.update(bytes);
    Ok(mac)
}

/// Sign `manifest` with `key` (HMAC: the secret's bytes; Ed25519: a PKCS#8
/// PEM private key or a 32-byte seed) under the name `key_id`.
pub fn sign_manifest(
    manifest: &Manifest,
    algorithm: SignatureAlgorithm,
    key: &[u8],
    key_id: &str,
) -> Result<Signature> {
    check_key_id(key_id)?;
    manifest.validate()?;
    let bytes = signed_bytes(manifest, algorithm, key_id)?;
    let signature = match algorithm {
        SignatureAlgorithm::HmacSha256 => {
            encode_hex(&hmac_of(key, &bytes)?.finalize().into_bytes())
        }
        SignatureAlgorithm::Ed25519 => {
            encode_hex(&ed25519_signing_key(key)?.sign(&bytes).to_bytes())
        }
    };
    Ok(Signature {
        format: SIGNATURE_FORMAT.to_string(),
        version: 1,
        algorithm,
        key_id: key_id.to_string(),
        manifest: manifest.chain_hash()?,
        signature,
    })
}

/// Check `signature` over `manifest` with `key` (HMAC: the shared secret;
/// Ed25519: the public key, PEM or 32 bytes). A manifest changed in any
/// entry or label, another manifest, or a wrong key is an
/// [`ErrorKind::Integrity`](crate::ErrorKind) error.
pub fn check_signature(manifest: &Manifest, signature: &Signature, key: &[u8]) -> Result<()> {
    manifest.validate()?;
    let bytes = signed_bytes(manifest, signature.algorithm, &signature.key_id)?;
    let sig = decode_hex(&signature.signature)
        .ok_or_else(|| Error::invalid("the signature is not hex"))?;
    let ok = match signature.algorithm {
        SignatureAlgorithm::HmacSha256 => hmac_of(key, &bytes)?.verify_slice(&sig).is_ok(),
        SignatureAlgorithm::Ed25519 => {
            let vk = ed25519_verifying_key(key)?;
            let sig = ed25519_dalek::Signature::from_slice(&sig)
                .map_err(|_| Error::invalid("the Ed25519 signature is not 64 bytes"))?;
            vk.verify(&bytes, &sig).is_ok()
        }
    };
    if ok {
        return Ok(());
    }
    let hash = manifest.chain_hash()?;
    Err(Error::integrity(if hash != signature.manifest {
        format!(
            "signature {} (key {:?}) does not match this manifest: it was made for {}, this manifest is {hash}; the manifest was changed or is another one",
            signature.algorithm.as_str(),
            signature.key_id,
            signature.manifest
        )
    } else {
        format!(
            "signature {} does not verify with the key given for {:?}: wrong key, or the signature was altered",
            signature.algorithm.as_str(),
            signature.key_id
        )
    }))
}

/// Check a chain of manifests, oldest first: each one's `previous` must be
/// the chain hash of the one before, so one removed or replaced shows. An
/// [`ErrorKind::Integrity`](crate::ErrorKind) error names the first break.
pub fn check_chain(manifests: &[Manifest]) -> Result<()> {
    for (i, m) in manifests.iter().enumerate() {
        m.validate().map_err(|e| {
            Error::new(
                e.kind(),
                format!("manifest {i} of the chain: {}", e.message()),
            )
        })?;
    }
    for (i, pair) in manifests.windows(2).enumerate() {
        let want = pair[0].chain_hash()?;
        if pair[1].previous.as_deref() != Some(want.as_str()) {
            return Err(Error::integrity(format!(
                "manifest {} ({}, {}) names previous {:?}, but manifest {i} is {want}: one was removed, replaced or changed",
                i + 1,
                pair[1].root,
                pair[1].created,
                pair[1].previous
            )));
        }
    }
    Ok(())
}
