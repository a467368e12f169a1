//! A recording is data: what its header may carry.

use crate::Header;

/// The most playbook variables a header may carry.
const MAX_VARS: usize = 256;

/// The longest text a header field or variable may hold.
const MAX_FIELD: usize = 4096;

/// A recording is data: its header carries only what a replay needs, and
/// nothing that would become a connection setting or be executed when the
/// replay's inventory is read. The host is a host name (no shell
/// metacharacter), the playbook a name (no path); each variable is a playbook variable (not an
/// `ansible_*` or `sshfleet_*` connection variable, nor one of Ansible's
/// reserved names) holding a plain scalar (no Jinja template, no control
/// character).
pub(crate) fn check_header(header: &Header) -> Result<(), String> {
    let is_host = |text: &str| {
        !text.is_empty()
            && text.len() <= 253
            && !text.starts_with('-')
            && text.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']' | '@')
            })
    };
    if !is_host(&header.host) {
        return Err(format!(
            "header: host {:?} is not a host name (letters, digits, `.-_:[]@`)",
            header.host
        ));
    }
    let is_playbook = |text: &str| {
        !text.is_empty()
            && text.len() <= 128
            && !text.starts_with(['.', '-', '~'])
            && !text
                .chars()
                .any(|c| matches!(c, '/' | '\\') || c.is_control())
    };
    if !is_playbook(&header.playbook) {
        return Err(format!(
            "header: playbook {:?} is not a playbook name (no path)",
            header.playbook
        ));
    }
    if header.vars.len() > MAX_VARS {
        return Err(format!("header: more than {MAX_VARS} variables"));
    }
    for (name, value) in &header.vars {
        check_var(name, value).map_err(|why| format!("header: variable {name:?} {why}"))?;
    }
    Ok(())
}

/// Names a replay's inventory must never receive from a recording.
const RESERVED_PREFIXES: [&str; 2] = ["ansible_", "sshfleet_"];
const RESERVED_NAMES: [&str; 8] = [
    "hostvars",
    "groups",
    "group_names",
    "inventory_hostname",
    "inventory_hostname_short",
    "inventory_dir",
    "inventory_file",
    "omit",
];

fn check_var(name: &str, value: &serde_json::Value) -> Result<(), String> {
    let mut chars = name.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && name.len() <= 128;
    if !identifier {
        return Err("is not a variable name".to_string());
    }
    let lower = name.to_ascii_lowercase();
    if RESERVED_PREFIXES.iter().any(|p| lower.starts_with(p))
        || RESERVED_NAMES.contains(&lower.as_str())
    {
        return Err(
            "is a connection or reserved variable; a recording carries playbook variables only"
                .to_string(),
        );
    }
    match value {
        serde_json::Value::Bool(_) | serde_json::Value::Number(_) => Ok(()),
        serde_json::Value::String(text) => {
            if text.len() > MAX_FIELD {
                Err(format!("is longer than {MAX_FIELD} bytes"))
            } else if ["{{", "{%", "{#"].iter().any(|t| text.contains(t)) {
                Err("holds a template; a recording carries plain values only".to_string())
            } else if text.chars().any(char::is_control) {
                Err("holds a control character".to_string())
            } else {
                Ok(())
            }
        }
        _ => Err("is not a text, a number or a boolean".to_string()),
    }
}
