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

/// Fields whose keys are data, not field names (a manifest's labels, counts
/// by problem, retention counters, a docs audit's external URLs, a page's
/// front matter and g3doc comment, a docs policy's severity by rule name
/// or id, a snapshot's meminfo, vmstat and os-release fields): their keys
/// cross unchanged. A test holds this list to the fields
/// `types.d.ts` declares as maps (`tests/types.rs`).
const DATA_MAPS: [&str; 14] = [
    "xattrs",
    "labels",
    "meminfo",
    "vmstat",
    "os_release",
    "osRelease",
    "counts",
    "counters",
    "external_links",
    "externalLinks",
    "front_matter",
    "frontMatter",
    "g3doc",
    "severity",
];

fn rekey(v: Value, f: &dyn Fn(&str) -> String) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let v = if DATA_MAPS.contains(&k.as_str()) {
                        v
                    } else {
                        rekey(v, f)
                    };
                    (f(&k), v)
                })
                .collect::<Map<_, _>>(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(|v| rekey(v, f)).collect()),
        other => other,
    }
}

/// JS has one number type: an integral double within 2^53 crosses as an
/// integer, so results fed back in (byte counts, PIDs) fit `u64` fields.
fn integral(v: Value) -> Value {
    const SAFE: f64 = 9_007_199_254_740_992.0;
    match v {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => match n.as_f64() {
            Some(x) if x.fract() == 0.0 && x.abs() <= SAFE => {
                if x >= 0.0 {
                    Value::from(x as u64)
                } else {
                    Value::from(x as i64)
                }
            }
            _ => Value::Number(n),
        },
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, integral(v))).collect()),
        Value::Array(a) => Value::Array(a.into_iter().map(integral).collect()),
        other => other,
    }
}

/// An inbound JS value as the core expects it: snake_case keys, integers.
pub(crate) fn inbound(v: Value) -> Value {
    integral(rekey(v, &camel_to_snake))
}

/// A required JS value (camelCase keys) into a core type.
pub(crate) fn from_js_value<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, Failure> {
    serde_json::from_value(inbound(value))
        .map_err(|e| Failure::invalid(format!("invalid {what}: {e}")))
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
        Some(v) => serde_json::from_value(inbound(v))
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

    #[test]
    fn data_map_keys_cross_unchanged() {
        let v = serde_json::json!({"root_label": 1, "labels": {"db_name": "x", "keyId": "y"}});
        let js = rekey(v.clone(), &snake_to_camel);
        assert_eq!(js["labels"]["db_name"], "x");
        assert_eq!(js["labels"]["keyId"], "y");
        assert_eq!(js["rootLabel"], 1);
        assert_eq!(rekey(js, &camel_to_snake), v);
    }

    #[test]
    fn integral_doubles_become_integers() {
        let v = serde_json::json!({"a": 5.4912786432e10, "b": [-3.0, 0.5], "c": 1e300});
        let n = integral(v);
        assert!(n["a"].is_u64() && n["a"] == 54_912_786_432u64);
        assert!(n["b"][0].is_i64() && n["b"][1] == 0.5);
        assert!(n["c"].is_f64());
        let x: u64 = serde_json::from_value(n["a"].clone()).unwrap();
        assert_eq!(x, 54_912_786_432);
    }
}
