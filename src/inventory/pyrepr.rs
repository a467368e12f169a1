//! Python's view of a template value: its `repr()`, whether a number is an
//! int, and the refusal every Python-modelled function raises. Below the
//! template engine (`jinja`) and the functions it registers (`lookups`,
//! `filters`, `pyargs`, `rewrite`), so they need not import each other for
//! them.

use minijinja::value::ValueKind;
use minijinja::{Error, ErrorKind, Value as J};

use super::pynum::py_float;

/// Python's `repr()` of a value (strings quoted as Python quotes them).
pub(super) fn py_repr(value: &J) -> String {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => "None".to_string(),
        ValueKind::Bool => if value.is_true() { "True" } else { "False" }.to_string(),
        ValueKind::String => {
            let s = value.as_str().unwrap_or_default();
            let q = if s.contains('\'') && !s.contains('"') {
                '"'
            } else {
                '\''
            };
            let mut out = String::from(q);
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if c == q => {
                        out.push('\\');
                        out.push(c);
                    }
                    c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                        out.push_str(&format!("\\x{:02x}", c as u32));
                    }
                    c => out.push(c),
                }
            }
            out.push(q);
            out
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<String> = value
                .try_iter()
                .map(|it| it.map(|v| py_repr(&v)).collect())
                .unwrap_or_default();
            format!("[{}]", items.join(", "))
        }
        ValueKind::Map => {
            let items: Vec<String> = value
                .try_iter()
                .map(|it| {
                    it.map(|k| {
                        let v = value.get_item(&k).unwrap_or_default();
                        format!("{}: {}", py_repr(&k), py_repr(&v))
                    })
                    .collect()
                })
                .unwrap_or_default();
            format!("{{{}}}", items.join(", "))
        }
        ValueKind::Number => {
            if let Some(f) = as_float(value).filter(|_| !is_int(value)) {
                py_float(f)
            } else {
                value.to_string()
            }
        }
        _ => match super::timestamp::in_template(value) {
            Some(stamp) => stamp.py_repr(),
            None => value.to_string(),
        },
    }
}

/// Whether a number is an integer (not a float that happens to be whole).
pub(super) fn is_int(value: &J) -> bool {
    value.kind() == ValueKind::Number
        && serde_json::to_value(value)
            .ok()
            .and_then(|j| j.as_number().map(|n| !n.is_f64()))
            .unwrap_or(false)
}

/// A number as a float.
pub(super) fn as_float(value: &J) -> Option<f64> {
    f64::try_from(value.clone()).ok()
}

/// An error for a filter or function used outside what sshfleet reads
/// exactly.
pub(super) fn refuse(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}
