//! What of a rendered value is remembered as a secret: its text leaves,
//! and for a value a template computed from a secret, the value itself
//! (docs/SECURITY.md I4). Below both the template engine, which reports
//! what it rendered from a secret, and `secret_values`, which gathers a
//! host's secrets.

use serde_json::Value as Json;
use serde_yaml::Value;

/// The value a template that read a secret rendered to, as a secret: each
/// text in it; and, for the variables sshfleet shows in parts (ssh
/// arguments and proxy commands, parsed into a route, a user, a command
/// with `%h %p` replaced: `-o ProxyCommand='nc -x {{ vault_pw | upper }}
/// %h %p'` is shown as `nc -x *** h1 22`), each word of it (split where
/// ssh arguments, `user@host`, `host:port` and paths are) that the
/// template does not write itself. Not for other variables: their value
/// is shown whole, and a word of it (a date of a timestamp) may be any
/// other variable's too.
pub(super) fn remember_derived(name: &str, raw: &Value, rendered: &serde_json::Value) {
    let in_parts = name.ends_with("_args") || name.ends_with("proxy_command");
    let mut written = Vec::new();
    raw_texts(raw, &mut written);
    let mut leaves = Vec::new();
    json_leaves(rendered, &mut leaves);
    for leaf in &leaves {
        crate::support::secrets::remember(leaf);
        if !in_parts {
            continue;
        }
        leaf.split(|c: char| c.is_whitespace() || "'\"=@:,/".contains(c))
            .filter(|word| !word.is_empty() && !written.iter().any(|w| w.contains(*word)))
            .for_each(crate::support::secrets::remember);
    }
}

fn raw_texts<'v>(raw: &'v Value, out: &mut Vec<&'v str>) {
    match raw {
        Value::String(s) => out.push(s),
        Value::Tagged(t) => raw_texts(&t.value, out),
        Value::Sequence(items) => items.iter().for_each(|v| raw_texts(v, out)),
        Value::Mapping(map) => map.values().for_each(|v| raw_texts(v, out)),
        _ => {}
    }
}

/// The text leaves of a rendered value.
pub(super) fn json_leaves(value: &Json, out: &mut Vec<String>) {
    match value {
        Json::String(s) => out.push(s.clone()),
        Json::Number(n) => number_texts(n.as_f64().filter(|_| n.is_f64()), n.to_string(), out),
        // A boolean computed from a secret (`{{ pw == 'x' }}`) tells about
        // it: secret in each form it is shown in (Python's, JSON's).
        Json::Bool(b) => {
            out.extend([["False", "false"], ["True", "true"]][usize::from(*b)].map(str::to_string))
        }
        Json::Array(items) => items.iter().for_each(|v| json_leaves(v, out)),
        Json::Object(map) => map.values().for_each(|v| json_leaves(v, out)),
        _ => {}
    }
}

/// A number's texts: as written, and for a float also as Python prints it
/// (`1e-05`), the text a password of that value is used as.
pub(super) fn number_texts(float: Option<f64>, written: String, out: &mut Vec<String>) {
    out.extend(float.map(super::pynum::py_float));
    out.push(written);
}
