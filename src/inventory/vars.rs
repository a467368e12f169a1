//! How inventory values read: as text, as a kind named in errors, as a path.

use std::path::{Path, PathBuf};

use serde_json::{Value as Json, json};
use serde_yaml::Value;

use crate::support::secrets::MASK;

pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(t) if t.tag == super::timestamp::TAG => {
            "a date/time (an unquoted YAML timestamp)"
        }
        Value::Tagged(_) => "a tagged value",
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

/// Python's `os.path.expanduser`, which ansible-core's ssh connection
/// applies to a key file: `~` and `~/x` under `$HOME` (else the passwd
/// entry's home), `~user` and `~user/x` under that user's passwd home; an
/// unknown user leaves the path as written (Python does not fail).
pub(crate) fn expand_home(path: &str) -> PathBuf {
    let Some(rest) = path.strip_prefix('~') else {
        return PathBuf::from(path);
    };
    let (user, tail) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let home = if user.is_empty() {
        match std::env::var_os("HOME") {
            Some(home) => Some(home.to_string_lossy().into_owned()),
            None => nix::unistd::User::from_uid(nix::unistd::getuid())
                .ok()
                .flatten()
                .map(|u| u.dir.display().to_string()),
        }
    } else {
        nix::unistd::User::from_name(user)
            .ok()
            .flatten()
            .map(|u| u.dir.display().to_string())
    };
    let Some(home) = home else {
        return PathBuf::from(path);
    };
    let joined = format!("{}{tail}", home.trim_end_matches('/'));
    PathBuf::from(if joined.is_empty() { "/" } else { &joined })
}
/// A YAML value as JSON; a `!vault` value is masked, `!unsafe` is its text.
pub(super) fn to_json(value: &Value) -> Json {
    json_of(value, false)
}

/// A YAML value as `ansible-inventory --list` writes it: as [`to_json`],
/// but a text never templated (`!unsafe`, a script's untrusted text) is
/// `{"__ansible_unsafe": TEXT}`, which Ansible reads back as such.
pub(super) fn to_listed_json(value: &Value) -> Json {
    json_of(value, true)
}

fn json_of(value: &Value, mark_unsafe: bool) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                json!(i)
            } else if let Some(u) = n.as_u64() {
                json!(u)
            } else {
                n.as_f64().map_or(Json::Null, |f| json!(f))
            }
        }
        Value::String(s) => Json::String(s.clone()),
        Value::Sequence(items) => {
            Json::Array(items.iter().map(|v| json_of(v, mark_unsafe)).collect())
        }
        Value::Mapping(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (scalar_text(k).unwrap_or_default(), json_of(v, mark_unsafe)))
                .collect(),
        ),
        Value::Tagged(t) if t.tag == "vault" => json!({ "__ansible_vault": MASK }),
        Value::Tagged(t) if mark_unsafe && t.tag == "unsafe" => {
            json!({ "__ansible_unsafe": json_of(&t.value, false) })
        }
        Value::Tagged(t) => json_of(&t.value, mark_unsafe),
    }
}

/// A float in `value` (or in its items) that is not finite: `.inf`,
/// `-.inf`, `.nan`, which JSON cannot hold.
pub(super) fn not_finite(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64().filter(|f| !f.is_finite()),
        Value::Sequence(items) => items.iter().find_map(not_finite),
        Value::Mapping(map) => map.values().find_map(not_finite),
        Value::Tagged(t) if t.tag != "vault" => not_finite(&t.value),
        _ => None,
    }
}

/// JSON as Ansible's decoder reads it: an object with an
/// `__ansible_unsafe` key is that text, not templated; one with an
/// `__ansible_vault` key is that vault ciphertext (what
/// `ansible-inventory --list` writes for a `!vault` value). Their other
/// keys are dropped, as Ansible drops them; a value that is not text is
/// an error.
pub(super) fn ansible_json(value: Value) -> Result<Value, String> {
    match value {
        Value::Mapping(map) => {
            for (key, tag) in [("__ansible_unsafe", "unsafe"), ("__ansible_vault", "vault")] {
                if let Some(inner) = map.get(key) {
                    let Value::String(text) = inner else {
                        return Err(format!("`{key}` must be text"));
                    };
                    return Ok(Value::Tagged(Box::new(serde_yaml::value::TaggedValue {
                        tag: serde_yaml::value::Tag::new(tag),
                        value: Value::String(text.clone()),
                    })));
                }
            }
            map.into_iter()
                .map(|(k, v)| Ok((k, ansible_json(v)?)))
                .collect::<Result<serde_yaml::Mapping, String>>()
                .map(Value::Mapping)
        }
        Value::Sequence(items) => items
            .into_iter()
            .map(ansible_json)
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Sequence),
        other => Ok(other),
    }
}

/// `path` made absolute against the working directory, `.` and `..`
/// resolved without following links (Ansible's `unfrackpath(follow=False)`).
pub(super) fn absolute(path: &Path) -> PathBuf {
    let joined = std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for part in joined.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The line and text of the first integer literal of a JSON `text` beyond
/// 64 bits: Python's json keeps it exact, serde_json would make it a float
/// (`123456789012345678901234` printed as `1.2345678901234569e+23`), so it
/// is refused.
pub(super) fn json_int_beyond_64_bits(text: &str) -> Option<(usize, String)> {
    let (mut line, mut in_string, mut escaped) = (1usize, false, false);
    let mut chars = text.char_indices().peekable();
    let mut prev = ' ';
    while let Some((i, c)) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if (c == '-' || c.is_ascii_digit()) && !prev.is_ascii_alphanumeric() && prev != '.' {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if !(d.is_ascii_digit() || matches!(d, '.' | 'e' | 'E' | '+' | '-')) {
                    break;
                }
                end = j + 1;
                chars.next();
            }
            let number = &text[i..end];
            let integer = !number.contains(['.', 'e', 'E']);
            if integer && number.parse::<i64>().is_err() && number.parse::<u64>().is_err() {
                return Some((line, number.to_string()));
            }
            prev = '0';
            continue;
        }
        prev = c;
    }
    None
}
