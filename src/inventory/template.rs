//! Jinja in inventory variables, rendered by minijinja as Ansible renders
//! them when a connection option is read: `{{ other_var }}`,
//! `{{ lookup('env', 'X') }}`, `| default(...)`, `| int`, `| lower`, ...
//! A template that cannot be rendered is an error naming the variable's
//! file and line; its text is never used as a value.

use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::value::Object;
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior, Value as J};
use serde_yaml::Value;

use super::vars::to_json;
use super::vault::{self, VaultSecret};

/// What every host's templates may read of the whole inventory: Ansible's
/// `hostvars` (each host's variables, untemplated; vault values left out)
/// and `groups` (each group's hosts).
pub(crate) struct Facts {
    pub(super) hostvars: BTreeMap<String, BTreeMap<String, Value>>,
    pub(super) groups: BTreeMap<String, Vec<String>>,
}

impl std::fmt::Debug for Facts {
    // Variables may be secrets: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Facts { .. }")
    }
}

#[derive(Debug)]
struct HostVars(Arc<Facts>);

impl Object for HostVars {
    fn get_value(self: &Arc<Self>, key: &J) -> Option<J> {
        let vars = self.0.hostvars.get(key.as_str()?)?;
        let shown: serde_json::Map<String, serde_json::Value> = vars
            .iter()
            .filter(|(_, v)| !matches!(v, Value::Tagged(t) if t.tag == "vault"))
            .map(|(k, v)| (k.clone(), to_json(v)))
            .collect();
        Some(J::from_serialize(&shown))
    }
}

#[derive(Debug)]
struct Groups(Arc<Facts>);

impl Object for Groups {
    fn get_value(self: &Arc<Self>, key: &J) -> Option<J> {
        self.0.groups.get(key.as_str()?).map(J::from_serialize)
    }
}

pub(super) struct Templar<'a> {
    env: Environment<'a>,
    context: BTreeMap<String, J>,
    /// `!vault` variables that could not be decrypted (no password).
    locked: Vec<String>,
}

/// Most times a rendered value is rendered again (a variable whose value
/// is itself a template).
const MAX_DEPTH: usize = 10;

impl<'a> Templar<'a> {
    pub(super) fn new(
        host: &str,
        groups: &[String],
        vars: &BTreeMap<String, Value>,
        secret: Option<&VaultSecret>,
        facts: Option<&Arc<Facts>>,
    ) -> Result<Templar<'a>, (String, String)> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.add_function("lookup", lookup);
        env.add_function("query", lookup);
        env.add_filter("bool", to_bool);
        env.add_filter("d", minijinja::filters::default);
        env.add_filter("regex_replace", regex_replace);
        let mut context = BTreeMap::new();
        let mut locked = Vec::new();
        for (name, value) in vars {
            match plain(value, secret) {
                Ok(Some(v)) => {
                    context.insert(name.clone(), J::from_serialize(&v));
                }
                Ok(None) => locked.push(name.clone()),
                Err(e) => return Err((name.clone(), e)),
            }
        }
        context.insert("inventory_hostname".to_string(), J::from(host));
        context.insert(
            "inventory_hostname_short".to_string(),
            J::from(host.split('.').next().unwrap_or(host)),
        );
        let names: Vec<&String> = groups.iter().filter(|g| *g != "all").collect();
        context.insert("group_names".to_string(), J::from_serialize(&names));
        if let Some(facts) = facts {
            context.insert(
                "hostvars".to_string(),
                J::from_object(HostVars(facts.clone())),
            );
            context.insert("groups".to_string(), J::from_object(Groups(facts.clone())));
        }
        Ok(Templar {
            env,
            context,
            locked,
        })
    }

    /// `value` with its templates rendered; `Ok(None)` for an unset
    /// result (`omit`-like undefined is an error, not a silent default).
    pub(super) fn render(
        &self,
        value: &Value,
        secret: Option<&VaultSecret>,
    ) -> Result<serde_json::Value, String> {
        let plain = plain(value, secret)?.ok_or_else(|| VaultErr::NoPassword.to_string())?;
        self.render_json(plain, 0)
    }

    fn render_json(
        &self,
        value: serde_json::Value,
        depth: usize,
    ) -> Result<serde_json::Value, String> {
        match value {
            serde_json::Value::String(text) if text.contains("{{") || text.contains("{%") => {
                if depth >= MAX_DEPTH {
                    return Err("templates refer to each other too deeply (a loop?)".to_string());
                }
                let rendered = self.render_text(&text)?;
                self.render_json(rendered, depth + 1)
            }
            other => Ok(other),
        }
    }

    /// One template: a template that is one `{{ expression }}` keeps the
    /// expression's type (Ansible's native types: `{{ 2200 | int }}` is a
    /// number), anything else is text.
    fn render_text(&self, text: &str) -> Result<serde_json::Value, String> {
        let trimmed = text.trim();
        let single = trimmed.starts_with("{{")
            && trimmed.ends_with("}}")
            && trimmed[2..trimmed.len() - 2].find("}}").is_none()
            && trimmed[2..].find("{{").is_none();
        let explain = |e: Error| match self.locked_in(text) {
            Some(locked) if e.kind() == ErrorKind::UndefinedError => locked,
            _ => e.to_string(),
        };
        if single {
            let expr = self
                .env
                .compile_expression(&trimmed[2..trimmed.len() - 2])
                .map_err(explain)?;
            let value = expr.eval(&self.context).map_err(explain)?;
            if value.is_undefined() {
                return Err(self
                    .locked_in(text)
                    .unwrap_or_else(|| "the template renders to an undefined value".to_string()));
            }
            return serde_json::to_value(&value).map_err(|e| e.to_string());
        }
        self.env
            .render_str(text, &self.context)
            .map(serde_json::Value::String)
            .map_err(explain)
    }
}

impl Templar<'_> {
    /// Why a template that names a `!vault` variable no password opened
    /// cannot be rendered.
    fn locked_in(&self, text: &str) -> Option<String> {
        self.locked
            .iter()
            .find(|n| text.contains(n.as_str()))
            .map(|name| format!("`{name}` is vault-encrypted and no vault password was given"))
    }
}

enum VaultErr {
    NoPassword,
}

impl std::fmt::Display for VaultErr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VaultErr::NoPassword => f.write_str(&vault::VaultError::NoPassword.to_string()),
        }
    }
}

/// A value as JSON with `!vault` values decrypted (`None` when one cannot
/// be for want of a password) and `!unsafe` kept as text.
fn plain(value: &Value, secret: Option<&VaultSecret>) -> Result<Option<serde_json::Value>, String> {
    match value {
        Value::Tagged(t) if t.tag == "vault" => {
            let text = super::vars::scalar_text(&t.value).unwrap_or_default();
            match vault::decrypt(&text, secret) {
                Ok(plain) => Ok(Some(serde_json::Value::String(plain))),
                Err(vault::VaultError::NoPassword) => Ok(None),
                Err(e) => Err(e.to_string()),
            }
        }
        other => Ok(Some(to_json(other))),
    }
}

fn lookup(plugin: String, args: minijinja::value::Rest<J>) -> Result<J, Error> {
    let plugin = plugin.strip_prefix("ansible.builtin.").unwrap_or(&plugin);
    match plugin {
        "env" => {
            let values: Vec<String> = args
                .iter()
                .map(|a| std::env::var(a.to_string()).unwrap_or_default())
                .collect();
            Ok(J::from(values.join(",")))
        }
        "file" => {
            let mut out = Vec::new();
            for a in args.iter() {
                let path = super::vars::expand_home(&a.to_string());
                // A regular file of bounded size: a FIFO would block.
                let text = crate::support::bounds::read_input(&path).map_err(|e| {
                    Error::new(
                        ErrorKind::InvalidOperation,
                        format!("lookup('file', '{}'): {e}", path.display()),
                    )
                })?;
                out.push(text.trim_end_matches('\n').to_string());
            }
            Ok(J::from(out.join(",")))
        }
        other => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("lookup plugin `{other}` is not supported (only env and file)"),
        )),
    }
}

fn to_bool(value: J) -> bool {
    match value.as_str() {
        Some(s) => matches!(
            s.to_ascii_lowercase().as_str(),
            "yes" | "on" | "1" | "true" | "y" | "t"
        ),
        None => value.is_true(),
    }
}

fn regex_replace(
    value: String,
    pattern: String,
    replacement: Option<String>,
) -> Result<String, Error> {
    let re = regex::Regex::new(&pattern)
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, e.to_string()))?;
    // Python's \1 is $1 in Rust's regex.
    let replacement = replacement.unwrap_or_default();
    let replacement = regex::Regex::new(r"\\(\d)")
        .map(|r| r.replace_all(&replacement, "$${$1}").into_owned())
        .unwrap_or(replacement);
    Ok(re.replace_all(&value, replacement.as_str()).into_owned())
}
