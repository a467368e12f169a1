//! `sshfleet inventory --list`: the JSON shape of `ansible-inventory
//! --list` (groups with `hosts` and `children`, `_meta.hostvars`), with
//! every password variable and `!vault` value masked, so that an operator
//! can diff the two.

use serde_json::{Map, Value as Json, json};
use serde_yaml::Value;

use super::Inventory;
use super::connection::PASSWORD_VARS;

/// What stands for a secret in `--list`.
pub(crate) const MASK: &str = "********";

impl Inventory {
    /// `ansible-inventory --list`, secrets masked.
    pub(crate) fn to_ansible_json(&self) -> Json {
        let mut out = Map::new();
        let mut hostvars = Map::new();
        for host in &self.hosts {
            let vars: Map<String, Json> = host
                .vars
                .iter()
                .map(|(k, v)| {
                    let masked = is_secret_name(k);
                    let value = if masked && !v.is_null() {
                        json!(MASK)
                    } else {
                        to_json(v)
                    };
                    (k.clone(), value)
                })
                .collect();
            if !vars.is_empty() {
                hostvars.insert(host.name.clone(), Json::Object(vars));
            }
        }
        out.insert("_meta".to_string(), json!({ "hostvars": hostvars }));
        for group in &self.groups {
            let mut entry = Map::new();
            if !group.children.is_empty() {
                entry.insert("children".to_string(), json!(group.children));
            }
            if !group.hosts.is_empty() && group.name != "all" {
                entry.insert("hosts".to_string(), json!(group.hosts));
            }
            if !entry.is_empty() || group.name == "all" {
                out.insert(group.name.clone(), Json::Object(entry));
            }
        }
        Json::Object(out)
    }
}

/// Whether a variable's name says it holds a secret (`ansible_password`,
/// `ansible_ssh_pass`, `ansible_become_pass`, `vault_esa_password`, a key
/// passphrase...): its value is never shown.
pub(super) fn is_secret_name(name: &str) -> bool {
    PASSWORD_VARS.contains(&name) || name.to_ascii_lowercase().contains("pass")
}

/// A YAML value as JSON; a `!vault` value is masked, `!unsafe` is its text.
pub(super) fn to_json(value: &Value) -> Json {
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
        Value::Sequence(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Mapping(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (super::vars::scalar_text(k).unwrap_or_default(), to_json(v)))
                .collect(),
        ),
        Value::Tagged(t) if t.tag == "vault" => json!({ "__ansible_vault": MASK }),
        Value::Tagged(t) => to_json(&t.value),
    }
}

/// JSON (a script's output, an INI literal) as a YAML value.
pub(super) fn from_json(value: &Json) -> Value {
    match value {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64().map_or(Value::Null, Value::from)
            }
        }
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::Sequence(items.iter().map(from_json).collect()),
        Json::Object(map) => Value::Mapping(
            map.iter()
                .map(|(k, v)| (Value::String(k.clone()), from_json(v)))
                .collect(),
        ),
    }
}
