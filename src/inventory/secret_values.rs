//! The values a host's transcripts and recordings must never show: those
//! of its variables whose names mark them secret
//! ([`crate::support::secrets::is_secret_name`]), and every value that
//! came from a vault (a `!vault` value, or any value of a file that was
//! vault-encrypted as a whole), and every value whose template read one
//! of those. The same values `inventory --list` masks.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::Value as Json;
use serde_yaml::Value;

use super::secret_leaves::{json_leaves, number_texts};
use super::template::Templar;
use super::vault::{self, VaultSecret};
use super::{Host, Inventory};
use crate::support::secrets::{Secret, is_secret_name};

impl Inventory {
    /// `host`'s secret values, as written and as rendered (Jinja, vault
    /// decrypted); a value that cannot be rendered is left to the
    /// connection's own error.
    pub(crate) fn secret_values(&self, host: &Host, secret: Option<&VaultSecret>) -> Vec<Secret> {
        let templar = Templar::new(
            &host.name,
            &host.groups,
            &host.vars,
            secret,
            Some(&self.facts),
        );
        let mut vault_files: HashMap<PathBuf, bool> = HashMap::new();
        let mut out = Vec::new();
        // Only the names a layer marked notable, and the host's own: a
        // plain value (no secret name, vault or template) holds no secret,
        // and a host inherits thousands of them (docs/SECURITY.md I3).
        for name in host.vars.notable() {
            let Some(raw) = host.vars.get(name) else {
                continue;
            };
            let from_vault_file =
                host.vars
                    .origin(name)
                    .is_some_and(|origin| match vault_files.get(&origin.path) {
                        Some(&known) => known,
                        None => *vault_files
                            .entry(origin.path.clone())
                            .or_insert_with(|| vault::is_vault_file(&origin.path)),
                    });
            if !is_secret_name(name) && !has_vault(raw) && !from_vault_file {
                // A template that reads a secret renders one (its text as
                // written is no secret).
                if has_template(raw)
                    && self.facts.secrets_readable
                    && templar.reads_secret(name)
                    && let Ok(Some(rendered)) = templar.var(name)
                {
                    json_leaves(&rendered, &mut out);
                }
                continue;
            }
            yaml_leaves(raw, &mut out);
            if let Ok(Some(rendered)) = templar.var(name) {
                json_leaves(&rendered, &mut out);
            }
        }
        // The password `sshfleet_password_env` names, as the environment
        // holds it now: a `lookup('env', ...)` may put it anywhere.
        if let Ok(Some(Json::String(env))) = templar.var(super::PASSWORD_ENV_VAR)
            && let Ok(password) = std::env::var(&env)
        {
            out.push(password);
        }
        out.sort();
        out.dedup();
        out.into_iter().map(Secret::new).collect()
    }

    /// Tell the run every secret value of `hosts` before anything about
    /// them is shown: an error quoting a port rendered from a password,
    /// or `--json`'s user, must find it masked ([`Secret::new`] remembers).
    /// Refused before any rendering when that would render more than
    /// [`MAX_SECRET_RENDERS`] values (docs/SECURITY.md I3).
    pub(crate) fn remember_secrets<'a>(
        &self,
        hosts: impl IntoIterator<Item = &'a Host>,
        secret: Option<&VaultSecret>,
    ) -> Result<(), super::InventoryError> {
        let hosts: Vec<&Host> = hosts.into_iter().collect();
        let renders: usize = hosts.iter().map(|h| self.secret_renders(h)).sum();
        if renders > MAX_SECRET_RENDERS {
            return Err(super::InventoryError::InvalidNoLine {
                path: self.path().to_path_buf(),
                message: format!(
                    "finding the secrets of the {} hosts selected would render {renders} templates and vault values (each host's own), more than the {MAX_SECRET_RENDERS} sshfleet renders: select fewer hosts (--limit) or template fewer variables",
                    hosts.len()
                ),
            });
        }
        let deadline = std::time::Instant::now() + SECRET_DISCOVERY_TIME;
        self.remember_secrets_by(&hosts, secret, deadline)
    }

    /// The renderings of [`Inventory::remember_secrets`], refused once
    /// `deadline` has passed: a count of renderings does not bound their
    /// cost (each may build 64 KB texts through a chain of filters: 50,000
    /// of them ran for hours).
    pub(super) fn remember_secrets_by(
        &self,
        hosts: &[&Host],
        secret: Option<&VaultSecret>,
        deadline: std::time::Instant,
    ) -> Result<(), super::InventoryError> {
        for (done, host) in hosts.iter().enumerate() {
            if self.secret_renders(host) > 0 && std::time::Instant::now() > deadline {
                return Err(super::InventoryError::InvalidNoLine {
                    path: self.path().to_path_buf(),
                    message: format!(
                        "finding the secrets of the {} hosts selected took more than {} s ({done} done): its templates are too costly to render for every host; select fewer hosts (--limit) or template fewer variables",
                        hosts.len(),
                        SECRET_DISCOVERY_TIME.as_secs()
                    ),
                });
            }
            self.secret_values(host, secret);
        }
        Ok(())
    }

    /// How many values [`Inventory::secret_values`] renders for `host`,
    /// counted without rendering: none when no template may read a
    /// secret and the inventory holds none.
    pub(super) fn secret_renders(&self, host: &Host) -> usize {
        if !self.facts.secrets_readable {
            return 0;
        }
        host.vars
            .notable()
            .into_iter()
            .filter(|k| {
                host.vars
                    .get(k)
                    .is_some_and(|v| has_template(v) || has_vault(v))
            })
            .count()
    }
}

/// Most templates and vault values finding the secrets of the hosts
/// shown may render, all hosts together: a template is rendered for each
/// host it applies to, so 95 hosts sharing 5000 chained group templates
/// took 96 s. An estate of 5000 hosts with 10 such variables each.
pub(crate) const MAX_SECRET_RENDERS: usize = 50_000;

/// The longest finding the secrets of the hosts shown may take, whatever
/// the count (round 9: 50,000 renderings of 64 KB filter chains).
pub(crate) const SECRET_DISCOVERY_TIME: std::time::Duration = std::time::Duration::from_secs(30);

/// Whether `host`'s variable `name`, set at `origin`, holds a secret as
/// it is written: a secret name, a `!vault` value, a vault-encrypted file.
pub(super) fn is_secret_var(host: &Host, origin: Option<&super::Origin>, name: &str) -> bool {
    is_secret_name(name)
        || host.vars.get(name).is_some_and(has_vault)
        || origin.is_some_and(|o| vault::is_vault_file(&o.path))
}

/// Whether a variable may hold or compute a secret as written, whatever
/// file set it: a secret name, a `!vault` value, a template.
pub(super) fn is_notable(name: &str, value: &Value) -> bool {
    holds_secret(name, value) || has_template(value)
}

/// Whether a variable holds a secret as written: a secret name, a
/// `!vault` value (a vault-encrypted file is told by its path).
pub(super) fn holds_secret(name: &str, value: &Value) -> bool {
    is_secret_name(name) || has_vault(value)
}

/// Whether a template in `value` may read the environment, where a
/// password may be: it names a lookup function (`lookup`, `query`, `q`),
/// a word of its text. Conservative: any such word counts.
pub(super) fn may_read_environment(value: &Value) -> bool {
    match value {
        Value::String(s) if has_template(value) => s
            .split(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
            .any(|w| super::jinja::FUNCTIONS.contains(&w)),
        Value::Tagged(t) => t.tag != "unsafe" && may_read_environment(&t.value),
        Value::Sequence(items) => items.iter().any(may_read_environment),
        Value::Mapping(map) => map.values().any(may_read_environment),
        _ => false,
    }
}

fn has_template(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains("{{") || s.contains("{%") || s.contains("{#"),
        Value::Tagged(t) => t.tag != "unsafe" && has_template(&t.value),
        Value::Sequence(items) => items.iter().any(has_template),
        Value::Mapping(map) => map.values().any(has_template),
        _ => false,
    }
}

fn has_vault(value: &Value) -> bool {
    match value {
        Value::Tagged(t) => t.tag == "vault" || has_vault(&t.value),
        Value::Sequence(items) => items.iter().any(has_vault),
        Value::Mapping(map) => map.values().any(has_vault),
        _ => false,
    }
}

/// The text leaves of a value as written (a `!vault` value's ciphertext is
/// no secret; its decrypted text comes from the rendering).
fn yaml_leaves(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Number(n) => number_texts(n.as_f64().filter(|_| n.is_f64()), n.to_string(), out),
        Value::Tagged(t) if t.tag != "vault" => yaml_leaves(&t.value, out),
        Value::Sequence(items) => items.iter().for_each(|v| yaml_leaves(v, out)),
        Value::Mapping(map) => map.values().for_each(|v| yaml_leaves(v, out)),
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::Inventory;

    /// A value a template computed from a secret is a secret (the taint
    /// of its rendering), and so is each word of it that the template
    /// does not write; what the template writes, and a value that reads
    /// no secret, are not.
    #[test]
    fn a_value_computed_from_a_secret_is_a_secret() {
        let text = "all:\n  hosts:\n    h1:\n      ansible_password: Hunter2Pass\n      \
                    ansible_user: \"{{ ansible_password | upper }}\"\n      \
                    via: \"{{ ansible_password[0:6] }}\"\n      \
                    ansible_ssh_common_args: \"-o ProxyCommand='nc -x {{ via | lower }} %h %p'\"\n      \
                    ansible_host: \"{{ inventory_hostname }}.example.com\"\n";
        let inventory = Inventory::parse(text, std::path::Path::new("s.yml")).unwrap();
        let host = inventory.host("h1").unwrap();
        let secrets: Vec<String> = inventory
            .secret_values(host, None)
            .iter()
            .map(|s| s.expose().to_string())
            .collect();
        for want in ["HUNTER2PASS", "Hunter"] {
            assert!(secrets.iter().any(|s| s == want), "{want}: {secrets:?}");
        }
        assert!(
            !secrets.iter().any(|s| s.contains("example")),
            "{secrets:?}"
        );
        // The word of the ProxyCommand that came from the secret.
        for (shown, masked) in [
            ("nc -x hunter h1 22", "nc -x *** h1 22"),
            ("ProxyCommand", "ProxyCommand"),
        ] {
            assert_eq!(crate::support::secrets::mask_known(shown), masked);
        }
    }

    /// Why a template that read a secret fails is not shown: it may quote
    /// a value computed from the secret, which no known secret masks.
    #[test]
    fn a_template_that_read_a_secret_fails_without_quoting_it() {
        let text = "all:\n  hosts:\n    h1:\n      ansible_password: Hunter2Pass\n      \
                    ansible_user: \"{{ ansible_password | upper | bool }}\"\n";
        let inventory = Inventory::parse(text, std::path::Path::new("s.yml")).unwrap();
        let host = inventory.host("h1").unwrap();
        let error = inventory.connection(host, None).unwrap_err().to_string();
        assert!(!error.contains("HUNTER2PASS"), "{error}");
        assert!(error.contains("s.yml:5"), "{error}");
        assert!(error.contains("the reason is not shown"), "{error}");
    }

    /// A float password is used as Python prints it (`1e-05`, `100000.0`):
    /// that text is among the values masked, not only the written one.
    #[test]
    fn a_float_secret_is_masked_as_python_prints_it() {
        let text = "all:\n  hosts:\n    h1:\n      ansible_password: 0.00001\n      ansible_become_password: \"{{ 1E5 }}\"\n";
        let inventory = Inventory::parse(text, std::path::Path::new("s.yml")).unwrap();
        let host = inventory.host("h1").unwrap();
        let secrets: Vec<String> = inventory
            .secret_values(host, None)
            .iter()
            .map(|s| s.expose().to_string())
            .collect();
        for want in ["1e-05", "100000.0"] {
            assert!(secrets.iter().any(|s| s == want), "{want}: {secrets:?}");
        }
    }
}
