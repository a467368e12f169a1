//! How inventory values read: as text, as a kind named in errors, as a path.

use std::path::PathBuf;

use serde_yaml::Value;

pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// A scalar as Python's `str()` would print it (`True`, `15`, `0.5`), as
/// Ansible turns a value into text for a string option; `None` for null,
/// lists, mappings and `!vault` values. `!unsafe` text is the text itself.
pub(super) fn python_text(value: &Value) -> Option<String> {
    match value {
        Value::Bool(true) => Some("True".to_string()),
        Value::Bool(false) => Some("False".to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        Value::Tagged(t) if t.tag == "unsafe" => python_text(&t.value),
        _ => None,
    }
}

/// A scalar as text, as YAML writes it (`true`, `15`, `10m`): for
/// sshfleet's own playbook variables.
pub(super) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        Value::Tagged(t) if t.tag == "unsafe" => scalar_text(&t.value),
        _ => None,
    }
}

pub(super) fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// `~` and `~/x` under `$HOME`, as Python's `os.path.expanduser`.
pub(super) fn expand_home(path: &str) -> PathBuf {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
    match (path, home) {
        ("~", Some(home)) => PathBuf::from(home),
        (p, Some(home)) if p.starts_with("~/") => PathBuf::from(home).join(&p[2..]),
        (p, _) => PathBuf::from(p),
    }
}
