//! Playbook variables for one host: playbook default < inventory < `-e`,
//! as Ansible's extra vars override everything. Values are checked against
//! their declared type up front, so `-e update_timeout=10 minutes` fails the
//! invocation instead of the 40th host.

use std::collections::BTreeMap;
use std::time::Duration;

use super::when::Value;
use super::{DurationRef, Playbook, PlaybookError, VarSpec, VarType};
use crate::inventory::Host;

/// Parse `KEY=VALUE` arguments of `-e`, rejecting names the playbook does
/// not declare (a typo must not silently fall back to a default).
pub(crate) fn parse_extra_vars(
    playbook: &Playbook,
    args: &[String],
) -> Result<BTreeMap<String, String>, PlaybookError> {
    let mut out = BTreeMap::new();
    for (n, arg) in args.iter().enumerate() {
        let Some((name, value)) = arg.split_once('=') else {
            // Quoted only if it is a plain name: a JSON or YAML `-e` may
            // hold a password (docs/SECURITY.md I4).
            let plain = !arg.is_empty()
                && arg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !crate::support::secrets::is_secret_name(arg);
            return Err(PlaybookError::ExtraVar {
                name: if plain {
                    arg.clone()
                } else {
                    format!("argument {} (not quoted: it may hold a secret)", n + 1)
                },
                message: "expected KEY=VALUE (a JSON or YAML -e is not supported)".to_string(),
            });
        };
        let name = name.trim();
        let Some(spec) = playbook.vars.get(name) else {
            return Err(PlaybookError::ExtraVar {
                name: name.to_string(),
                message: format!(
                    "playbook `{}` has no variable of this name (it has: {})",
                    playbook.name,
                    playbook.vars.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            });
        };
        spec.typed_text(value)
            .map_err(|message| PlaybookError::ExtraVar {
                name: name.to_string(),
                message: if crate::support::secrets::is_secret_name(name) {
                    crate::support::secrets::mask_quoted(&message)
                } else {
                    message
                },
            })?;
        out.insert(name.to_string(), value.trim().to_string());
    }
    Ok(out)
}

/// A value checked against its declared type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Typed {
    /// As conditions and `{{ name }}` see it.
    pub value: Value,
    /// A duration variable's duration, parsed here once.
    pub duration: Option<Duration>,
}

impl From<Value> for Typed {
    fn from(value: Value) -> Typed {
        Typed {
            value,
            duration: None,
        }
    }
}

impl Value {
    /// The value as JSON, for the report's facts and a recording's
    /// variables alike: a whole number is an integer (a TETRA version is
    /// `90606`, not `90606.0`); a number JSON cannot hold (NaN, infinity)
    /// is its text (`"NaN"`, `"inf"`), which reads back as the same number.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Bool(b) => (*b).into(),
            #[allow(clippy::cast_possible_truncation)] // whole, and below 2^53
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => (*n as i64).into(),
            Value::Number(n) => {
                serde_json::Number::from_f64(*n).map_or_else(|| n.to_string().into(), Into::into)
            }
            Value::Text(t) => t.clone().into(),
        }
    }
}

impl VarSpec {
    /// Text (from `-e` or the inventory) checked against the declared type
    /// and, for a string, its pattern.
    pub(crate) fn typed_text(&self, text: &str) -> Result<Typed, String> {
        let typed = typed_text(self.kind, text)?;
        self.check_given(&typed.value, text)?;
        Ok(typed)
    }

    /// A YAML value checked against the declared type and pattern.
    pub(crate) fn typed_value(&self, value: &serde_yaml::Value) -> Result<Typed, String> {
        let typed = typed_value(self.kind, value)?;
        self.check_given(&typed.value, &format!("{value:?}"))?;
        Ok(typed)
    }

    /// What a given value (`-e`, the inventory, a default) must be beyond
    /// its type: a finite number (NaN, inf, -inf or 1e400, infinite as a
    /// float, would fail every comparison or pass them all), a string
    /// matching the pattern.
    fn check_given(&self, value: &Value, given: &str) -> Result<(), String> {
        if let Value::Number(n) = value
            && !n.is_finite()
        {
            return Err(format!("`{}` is not a finite number", given.trim()));
        }
        self.check_pattern(value)
    }

    /// The whole of a string value must match the declared pattern.
    fn check_pattern(&self, value: &Value) -> Result<(), String> {
        let (Some(pattern), Value::Text(text)) = (&self.pattern, value) else {
            return Ok(());
        };
        let whole = regex::Regex::new(&format!("^(?:{pattern})$"))
            .map_err(|e| format!("pattern `{pattern}`: {e}"))?;
        if whole.is_match(text) {
            Ok(())
        } else {
            Err(format!(
                "{text:?} does not match the variable's pattern `{pattern}`"
            ))
        }
    }
}

/// A YAML value checked against a declared type.
pub(crate) fn typed_value(kind: VarType, value: &serde_yaml::Value) -> Result<Typed, String> {
    match value {
        serde_yaml::Value::Bool(b) => typed_text(kind, if *b { "true" } else { "false" }),
        serde_yaml::Value::Number(n) => typed_text(kind, &n.to_string()),
        serde_yaml::Value::String(s) => typed_text(kind, s),
        other => Err(format!("expected a {kind:?} value, found {other:?}").to_lowercase()),
    }
}

/// Text (from `-e` or the inventory) checked against a declared type.
pub(crate) fn typed_text(kind: VarType, text: &str) -> Result<Typed, String> {
    let text = text.trim();
    match kind {
        VarType::Bool => match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Ok(Value::Bool(true).into()),
            "false" | "no" | "off" | "0" => Ok(Value::Bool(false).into()),
            _ => Err(format!("`{text}` is not a boolean (true/false)")),
        },
        VarType::Duration => crate::support::bounds::parse_duration(text).map(|d| Typed {
            value: Value::Text(text.to_string()),
            duration: Some(d),
        }),
        VarType::Number => text
            .parse::<f64>()
            .map(|n| Value::Number(n).into())
            .map_err(|_| format!("`{text}` is not a number")),
        VarType::Version => {
            if super::when::compare_versions(text, text).is_some() {
                Ok(Value::Text(text.to_string()).into())
            } else {
                Err(format!("`{text}` is not a version like 15.0.1-012"))
            }
        }
        VarType::String => Ok(Value::Text(text.to_string()).into()),
    }
}

/// A duration variable the host has no value for (declared without a
/// default, and not given).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("variable `{0}` has no value")]
pub(crate) struct Unset(pub String);

/// The declared variables' values for one host.
#[derive(Debug, Clone, Default)]
pub(crate) struct HostVars {
    pub values: BTreeMap<String, Value>,
    durations: BTreeMap<String, Duration>,
}

/// Why a host's playbook variables do not fit their types, and the
/// inventory variable whose value it is (its file and line are the ones
/// to name: `pv.yaml:4`, not the first `-i`), if one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VarsError {
    pub inventory_var: Option<String>,
    pub message: String,
}

impl From<String> for VarsError {
    fn from(message: String) -> VarsError {
        VarsError {
            inventory_var: None,
            message,
        }
    }
}

impl HostVars {
    pub(crate) fn resolve(
        playbook: &Playbook,
        host: &Host,
        extra: &BTreeMap<String, String>,
    ) -> Result<HostVars, VarsError> {
        let mut values = BTreeMap::new();
        let mut durations = BTreeMap::new();
        for (name, spec) in &playbook.vars {
            // A secret-named variable's value is never quoted (docs/SECURITY.md I4).
            let shown = |m: String| {
                if crate::support::secrets::is_secret_name(name) {
                    crate::support::secrets::mask_quoted(&m)
                } else {
                    m
                }
            };
            let value = if let Some(text) = extra.get(name) {
                Some(
                    spec.typed_text(text)
                        .map_err(|m| format!("-e {name}: {}", shown(m)))?,
                )
            } else if let Some(v) = host.vars.get(name) {
                Some(spec.typed_value(v).map_err(|m| VarsError {
                    inventory_var: Some(name.clone()),
                    message: format!("inventory variable {name} of {}: {}", host.name, shown(m)),
                })?)
            } else {
                spec.default
                    .as_ref()
                    .map(|d| spec.typed_value(d))
                    .transpose()
                    .map_err(|m| format!("default of {name}: {m}"))?
            };
            if let Some(Typed { value, duration }) = value {
                values.insert(name.clone(), value);
                if let Some(duration) = duration {
                    durations.insert(name.clone(), duration);
                }
            }
        }
        Ok(HostVars { values, durations })
    }

    pub(crate) fn duration(&self, d: &DurationRef) -> Result<Duration, Unset> {
        match d {
            DurationRef::Literal(d) => Ok(*d),
            DurationRef::Var(name) => self
                .durations
                .get(name)
                .copied()
                .ok_or_else(|| Unset(name.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    #[test]
    fn values_become_json_one_way_for_facts_and_recordings() {
        use serde_json::json;
        let cases = [
            (Value::Number(90606.0), json!(90606)),
            (Value::Number(-3.0), json!(-3)),
            (Value::Number(0.0), json!(0)),
            (Value::Number(1.5), json!(1.5)),
            // Past 2^53 a float is no exact integer: kept as a float.
            (Value::Number(1e16), json!(1e16)),
            (Value::Number(f64::NAN), json!("NaN")),
            (Value::Number(f64::INFINITY), json!("inf")),
            (Value::Number(f64::NEG_INFINITY), json!("-inf")),
            (Value::Bool(true), json!(true)),
            (Value::Text("15.0.1-012".into()), json!("15.0.1-012")),
        ];
        for (value, expected) in cases {
            assert_eq!(value.to_json(), expected, "{value:?}");
        }
        // What a recording says reads back as the same value.
        for text in ["NaN", "inf", "-inf"] {
            let Value::Number(n) = typed_text(VarType::Number, text).unwrap().value else {
                panic!("{text} is a number");
            };
            assert_eq!(Value::Number(n).to_json(), serde_json::json!(text));
        }
    }

    /// `-e` (and the inventory) give finite numbers only: each of these
    /// parses as an f64 but would fail every comparison or pass them all.
    #[test]
    fn given_numbers_must_be_finite() {
        let pb = Playbook::resolve("secure-endpoint-tetra").unwrap();
        for bad in ["NaN", "nan", "inf", "-inf", "infinity", "1e400", "-1e400"] {
            let err = parse_extra_vars(&pb, &[format!("latest_tetra={bad}")]).unwrap_err();
            assert!(
                err.to_string().contains("not a finite number"),
                "{bad}: {err}"
            );
        }
        let ok = parse_extra_vars(&pb, &["latest_tetra=90606".to_string()]).unwrap();
        assert_eq!(ok["latest_tetra"], "90606");
    }

    /// A `-e` value is used trimmed, so it is kept trimmed.
    #[test]
    fn extra_vars_keep_the_value_used() {
        let pb = Playbook::resolve("secure-endpoint-tetra").unwrap();
        let args = [
            " latest_tetra = 90606 ".to_string(),
            "tetra_server= a.example.com ".to_string(),
        ];
        let vars = parse_extra_vars(&pb, &args).unwrap();
        assert_eq!(vars["latest_tetra"], "90606");
        assert_eq!(vars["tetra_server"], "a.example.com");
    }

    #[test]
    fn duration_variables_are_parsed_once_when_resolved() {
        let pb = Playbook::resolve("esa-ecupdate").unwrap();
        let host = Host {
            name: "esa01".to_string(),
            groups: Vec::new(),
            vars: [("login_timeout".to_string(), "45s".into())].into(),
        };
        let extra = parse_extra_vars(&pb, &["update_timeout=90s".to_string()]).unwrap();
        let vars = HostVars::resolve(&pb, &host, &extra).unwrap();
        let var = |name: &str| vars.duration(&DurationRef::Var(name.to_string()));
        assert_eq!(var("update_timeout"), Ok(Duration::from_secs(90)));
        assert_eq!(var("login_timeout"), Ok(Duration::from_secs(45)));
        assert_eq!(
            var("nope").unwrap_err().to_string(),
            "variable `nope` has no value"
        );
        // Conditions and templates still see the text as given.
        assert_eq!(vars.values["update_timeout"], Value::Text("90s".into()));
        let bad = parse_extra_vars(&pb, &["update_timeout=ten minutes".to_string()]);
        assert!(bad.unwrap_err().to_string().contains("not a duration"));
    }
}
