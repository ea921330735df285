//! serde bridges: results go to JS with camelCase keys, options come from JS
//! with camelCase keys; values (enum names, messages) are left as they are.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::Failure;

/// `tag_pattern` → `tagPattern`.
pub(crate) fn snake_to_camel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut upper = false;
    for c in s.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `tagPattern` → `tag_pattern`.
pub(crate) fn camel_to_snake(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn rekey(v: Value, f: &dyn Fn(&str) -> String) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (f(&k), rekey(v, f)))
                .collect::<Map<_, _>>(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(|v| rekey(v, f)).collect()),
        other => other,
    }
}

/// A core result as a JSON value with camelCase keys.
pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<Value, Failure> {
    serde_json::to_value(value)
        .map(|v| rekey(v, &snake_to_camel))
        .map_err(|e| Failure::invalid(format!("cannot convert the result: {e}")))
}

/// JS options (camelCase) into a core options struct; `undefined`/`null`
/// means defaults and unknown fields are errors.
pub(crate) fn from_js<T: DeserializeOwned + Default>(
    options: Option<Value>,
    what: &str,
) -> Result<T, Failure> {
    match options {
        None | Some(Value::Null) => Ok(T::default()),
        Some(v) => serde_json::from_value(rekey(v, &camel_to_snake))
            .map_err(|e| Failure::invalid(format!("invalid {what}: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_round_trip() {
        for s in [
            "tag_pattern",
            "include_prereleases",
            "rev",
            "zero_zero_breaking",
        ] {
            assert_eq!(camel_to_snake(&snake_to_camel(s)), s);
        }
        assert_eq!(
            snake_to_camel("breaking_description"),
            "breakingDescription"
        );
    }
}
