//! The one error type of opskit and its stable [`ErrorKind`].
//!
//! Every binding (Python, Node, C, CLI) maps errors from [`ErrorKind`] only,
//! never from message text, so the kinds and their codes are part of the
//! public contract: a code is never reused once published.

use std::fmt;
use std::path::Path;

/// The one table of error kinds: each row gives the kind, its C status
/// code and name, its Node `err.code`, its Python exception class and its
/// text. Every list a front needs is generated from it, so a kind cannot
/// be added in one place and missed in another.
macro_rules! error_kinds {
    ($(
        $(#[$doc:meta])*
        $kind:ident = $code:literal, $c:literal, $js:literal, $py:literal, $text:literal;
    )*) => {
        /// What went wrong, in the categories a caller would handle differently.
        ///
        /// The numeric [`code`](ErrorKind::code) is the C status (`opskit_status`),
        /// [`c_name`](ErrorKind::c_name) its C name, [`js_code`](ErrorKind::js_code)
        /// the Node `err.code` string and [`name`](ErrorKind::name) the Python
        /// exception class name, as in the error table of `DESIGN.md`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        pub enum ErrorKind {
            $($(#[$doc])* $kind,)*
        }

        impl ErrorKind {
            /// Every kind, in code order; bindings test that their mapping is total.
            pub const ALL: [ErrorKind; [$($code),*].len()] = [$(ErrorKind::$kind),*];

            /// The stable numeric code, equal to the C `opskit_status` value.
            pub const fn code(self) -> u32 {
                match self { $(ErrorKind::$kind => $code,)* }
            }

            /// The C status name (`OPSKIT_ERR_NOT_FOUND`).
            pub const fn c_name(self) -> &'static str {
                match self { $(ErrorKind::$kind => $c,)* }
            }

            /// The stable string code used by the Node binding (`err.code`).
            pub const fn js_code(self) -> &'static str {
                match self { $(ErrorKind::$kind => $js,)* }
            }

            /// The Python exception class name for this kind.
            pub const fn name(self) -> &'static str {
                match self { $(ErrorKind::$kind => $py,)* }
            }

            /// The kind in words, as messages and `Display` say it.
            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorKind::$kind => $text,)* }
            }
        }
    };
}

error_kinds! {
    /// Bad input: a malformed version, option, pattern, manifest or policy.
    InvalidInput = 10, "OPSKIT_ERR_INVALID_INPUT", "ERR_OPSKIT_INVALID_INPUT", "InvalidInputError", "invalid input";
    /// A path, revision, tag or document that does not exist.
    NotFound = 20, "OPSKIT_ERR_NOT_FOUND", "ERR_OPSKIT_NOT_FOUND", "NotFoundError", "not found";
    /// The operating system refused access.
    PermissionDenied = 21, "OPSKIT_ERR_PERMISSION", "ERR_OPSKIT_PERMISSION", "PermissionDeniedError", "permission denied";
    /// Any other I/O failure.
    Io = 22, "OPSKIT_ERR_IO", "ERR_OPSKIT_IO", "IoError", "i/o error";
    /// git could not do what was asked (corrupt object, unsupported repository state).
    Git = 30, "OPSKIT_ERR_GIT", "ERR_OPSKIT_GIT", "GitError", "git error";
    /// A hash or signature mismatch: the data was changed.
    Integrity = 40, "OPSKIT_ERR_INTEGRITY", "ERR_OPSKIT_INTEGRITY", "IntegrityError", "integrity error";
    /// An operation ran out of time.
    Timeout = 50, "OPSKIT_ERR_TIMEOUT", "ERR_OPSKIT_TIMEOUT", "TimeoutError", "timeout";
    /// The request is valid but not supported by this build or platform.
    Unsupported = 60, "OPSKIT_ERR_UNSUPPORTED", "ERR_OPSKIT_UNSUPPORTED", "UnsupportedError", "unsupported";
}

impl ErrorKind {
    /// The kind whose [`code`](ErrorKind::code) is `code`, if any.
    pub fn from_code(code: u32) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An opskit error: a [`ErrorKind`], a message that names the offending input
/// and says how to fix it, and the underlying cause when there is one.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    #[source]
    source: Option<Source>,
}

/// "invalid WHAT at line L, column C: why" for a TOML parse error.
pub(crate) fn toml_message(what: &str, text: &str, err: &toml::de::Error) -> String {
    let at = err.span().map(|s| {
        let before = &text.as_bytes()[..s.start.min(text.len())];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
        format!(" at line {line}, column {column}")
    });
    let why: String = err.message().trim().chars().take(500).collect();
    format!("invalid {what}{}: {why}", at.unwrap_or_default())
}

/// `Result` with [`Error`] as the error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `kind` with `message` (lowercase, no trailing period).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Attach the underlying cause.
    pub fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Shorthand for an [`ErrorKind::InvalidInput`] error.
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::InvalidInput, message)
    }

    /// Shorthand for an [`ErrorKind::Integrity`] error.
    pub fn integrity(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Integrity, message)
    }

    /// Shorthand for an [`ErrorKind::NotFound`] error.
    pub fn not_found(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::NotFound, message)
    }

    /// What kind of error this is; stable across releases and languages.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message without the cause chain.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// An invalid-input error for a TOML text (`what`: "health policy")
    /// that did not parse: where (line and column) and why, without the
    /// offending line itself, which may be megabytes long.
    pub(crate) fn toml(what: &str, text: &str, err: &toml::de::Error) -> Self {
        Error::invalid(toml_message(what, text, err))
    }

    /// An I/O error on `path`, classified by the OS error.
    pub fn io(path: &Path, action: &str, err: std::io::Error) -> Self {
        let kind = match err.kind() {
            std::io::ErrorKind::NotFound => ErrorKind::NotFound,
            std::io::ErrorKind::PermissionDenied => ErrorKind::PermissionDenied,
            std::io::ErrorKind::TimedOut => ErrorKind::Timeout,
            _ => ErrorKind::Io,
        };
        Error::new(kind, format!("cannot {action} {}: {err}", path.display())).with_source(err)
    }

    /// A git error, with `context` saying what was being done; libgit2's
    /// "not found" and permission classes are mapped to their kinds.
    pub fn git(context: impl fmt::Display, err: git2::Error) -> Self {
        let kind = match (err.code(), err.class()) {
            (git2::ErrorCode::NotFound, _) => ErrorKind::NotFound,
            (git2::ErrorCode::InvalidSpec | git2::ErrorCode::Ambiguous, _) => {
                ErrorKind::InvalidInput
            }
            (_, git2::ErrorClass::Os) if err.message().contains("ermission denied") => {
                ErrorKind::PermissionDenied
            }
            _ => ErrorKind::Git,
        };
        Error::new(kind, format!("{context}: {}", err.message())).with_source(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_match_design_table() {
        let codes: Vec<u32> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(codes, [10, 20, 21, 22, 30, 40, 50, 60]);
        let mut js: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.js_code()).collect();
        js.sort_unstable();
        js.dedup();
        assert_eq!(js.len(), ErrorKind::ALL.len());
        for k in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_code(k.code()), Some(k));
        }
        assert_eq!(ErrorKind::from_code(0), None);
    }

    #[test]
    fn io_errors_are_classified() {
        let e = Error::io(
            Path::new("/x"),
            "read",
            std::io::Error::from(std::io::ErrorKind::NotFound),
        );
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().contains("/x"));
        let e = Error::io(
            Path::new("/y"),
            "read",
            std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        );
        assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    }
}
