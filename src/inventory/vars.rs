//! What inventory variables mean: which names are one setting, how a
//! value reads as text, a port, a path or an environment variable.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_yaml::Value;

use super::PASSWORD_ENV_VAR;

/// Variables that name the same setting. A level (group or host) that sets
/// any of them replaces what a less specific level set under any other, so
/// that `ansible_ssh_user` on a host beats `ansible_user` on `all`, and an
/// `ansible_password` env lookup on a group beats `sshfleet_password_env`
/// on `all`.
pub(super) const ALIASES: [&[&str]; 5] = [
    &["ansible_host", "ansible_ssh_host"],
    &["ansible_port", "ansible_ssh_port"],
    &["ansible_user", "ansible_ssh_user"],
    &["ansible_ssh_private_key_file", "ansible_private_key_file"],
    &[PASSWORD_ENV_VAR, "ansible_password", "ansible_ssh_pass"],
];

/// Lay one level of variables over `acc`: later wins, and aliases (see
/// [`ALIASES`]) replace each other.
pub(super) fn merge_vars(
    acc: &mut BTreeMap<String, Value>,
    level: impl IntoIterator<Item = (String, Value)>,
) {
    let level: Vec<(String, Value)> = level.into_iter().collect();
    for names in ALIASES {
        if level.iter().any(|(k, _)| names.contains(&k.as_str())) {
            for name in names {
                acc.remove(*name);
            }
        }
    }
    acc.extend(level);
}

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

/// A scalar as text; `None` for null, lists, mappings and tagged values
/// other than Ansible's `!unsafe` (a `!vault` blob is not usable text).
pub(super) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        Value::Tagged(t) if t.tag == "unsafe" => scalar_text(&t.value),
        _ => None,
    }
}

pub(super) fn parse_port(value: &Value) -> Option<u16> {
    let port: u64 = match value {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    u16::try_from(port).ok().filter(|&p| p != 0)
}

pub(super) fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// The variable name in `{{ lookup('env', 'NAME') }}` (either quote style,
/// any spacing, `env` or `ansible.builtin.env`).
pub(super) fn env_lookup(text: &str) -> Option<String> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
    let args = inner
        .strip_prefix("lookup")?
        .trim_start()
        .strip_prefix('(')?
        .strip_suffix(')')?;
    let (plugin, name) = args.split_once(',')?;
    let plugin = unquote(plugin.trim())?;
    let name = unquote(name.trim())?;
    let ok = (plugin == "env" || plugin == "ansible.builtin.env") && is_env_name(name);
    ok.then(|| name.to_string())
}

pub(super) fn unquote(s: &str) -> Option<&str> {
    ['\'', '"']
        .iter()
        .find_map(|&q| s.strip_prefix(q)?.strip_suffix(q))
        .filter(|inner| !inner.contains(['\'', '"']))
}

pub(super) fn expand_home(path: &str) -> PathBuf {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
    match (path, home) {
        ("~", Some(home)) => PathBuf::from(home),
        (p, Some(home)) if p.starts_with("~/") => PathBuf::from(home).join(&p[2..]),
        (p, _) => PathBuf::from(p),
    }
}
