//! How names from the disk or a repository are shown in text reports.
//!
//! A file name may hold any byte but `/` and NUL. Printed as it is, a name
//! with a newline can forge a report line (`evil\nexact match: 0 files`), a
//! carriage return can overwrite one, a bidirectional override can reorder
//! one, and two names that differ only in bytes that are not UTF-8 print
//! alike. Every text report therefore shows names through [`quote`]: as
//! they are when they are plain, else in double quotes with C escapes, as
//! `git` (core.quotePath) and `ls --quoting-style=c` do, with bytes that
//! are not UTF-8 as `\xNN`. JSON reports carry the exact bytes instead.

use std::borrow::Cow;
use std::fmt::Write;

/// Characters that reorder or hide text around them (bidirectional
/// controls, zero-width marks): shown escaped so a name cannot disguise
/// what follows it.
fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// Does this character need an escape in a quoted name?
fn needs_escape(c: char) -> bool {
    c.is_control() || is_invisible_format(c)
}

/// Push `c`, escaped when it is a control or invisible formatting
/// character: `\n`, `\r`, `\t`, `\xNN` below 0x80, `\u{XXXX}` above.
fn push_char(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 && needs_escape(c) => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if needs_escape(c) => {
            let _ = write!(out, "\\u{{{:04x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// Show a name (bytes, as the file system holds them) in a text report:
/// unchanged when it is UTF-8 with no control or invisible formatting
/// character, no `"` and no `\`; otherwise in double quotes, with `\n`,
/// `\r`, `\t`, `\\`, `\"` and the other C escapes, other control and
/// formatting characters as `\u{XXXX}`, and bytes that are not UTF-8 as
/// `\xNN`. Two different names never show alike.
pub fn quote_bytes(name: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(name)
        && !s.chars().any(|c| needs_escape(c) || c == '"' || c == '\\')
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(name.len() + 8);
    out.push('"');
    for chunk in name.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{7}' => out.push_str("\\a"),
                '\u{8}' => out.push_str("\\b"),
                '\u{b}' => out.push_str("\\v"),
                '\u{c}' => out.push_str("\\f"),
                c => push_char(&mut out, c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out.push('"');
    Cow::Owned(out)
}

/// A line of free text (a message, a reason) with its control and
/// invisible formatting characters escaped (`\n`, `\r`, `\u{202e}`), so
/// it stays one line and shows what it holds; unlike [`quote`] it adds no
/// quotes and leaves `"` and `\` alone.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_char(&mut out, c);
    }
    Cow::Owned(out)
}

/// [`quote_bytes`] for a `str` (a name already decoded).
pub fn quote(name: &str) -> Cow<'_, str> {
    quote_bytes(name.as_bytes())
}

/// [`quote_bytes`] for a path, with its exact bytes.
pub fn quote_path(path: &std::path::Path) -> Cow<'_, str> {
    use std::os::unix::ffi::OsStrExt;
    quote_bytes(path.as_os_str().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_stay_as_they_are() {
        for n in [
            "db/orders.sql",
            "café/naïve résumé.md",
            "a b",
            "日本語.txt",
            "-x",
        ] {
            assert_eq!(quote(n), n);
        }
    }

    #[test]
    fn control_characters_quotes_and_bad_bytes_are_escaped() {
        assert_eq!(
            quote("evil\nexact match: 0 files"),
            "\"evil\\nexact match: 0 files\""
        );
        assert_eq!(quote("a\rb\tc"), "\"a\\rb\\tc\"");
        assert_eq!(quote("back\\slash"), "\"back\\\\slash\"");
        assert_eq!(quote("say \"hi\""), "\"say \\\"hi\\\"\"");
        assert_eq!(quote("esc\u{1b}[31m"), "\"esc\\x1b[31m\"");
        assert_eq!(quote("del\u{7f}"), "\"del\\x7f\"");
        assert_eq!(quote("c1\u{85}"), "\"c1\\u{0085}\"");
        assert_eq!(quote("gpj.\u{202e}exe"), "\"gpj.\\u{202e}exe\"");
        assert_eq!(quote_bytes(b"caf\xe9"), "\"caf\\xe9\"");
        assert_eq!(quote_bytes(b"caf\xc3"), "\"caf\\xc3\"");
    }

    #[test]
    fn messages_keep_their_quotes_and_lose_their_line_breaks() {
        assert_eq!(escape_controls("no \"x\" here"), "no \"x\" here");
        assert_eq!(escape_controls("a\nb\rc\u{1b}"), "a\\nb\\rc\\x1b");
    }

    #[test]
    fn different_names_never_show_alike() {
        let names: Vec<&[u8]> = vec![
            b"caf\xe9",
            b"caf\xc3",
            b"caf\\xe9",
            b"\"caf\\xe9\"",
            b"a\nb",
            b"a\\nb",
            b"a\\\nb",
        ];
        let shown: std::collections::BTreeSet<String> =
            names.iter().map(|n| quote_bytes(n).into_owned()).collect();
        assert_eq!(shown.len(), names.len(), "{shown:?}");
    }
}
