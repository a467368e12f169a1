//! Hosts whose `ansible_connection` is not an SSH one (an inventory shared
//! with Ansible marks Windows endpoints `winrm`): a run names all of them
//! at once, before the first host, with the two ways out (leave them out,
//! or `-e ansible_connection=ssh` when they run OpenSSH), instead of
//! stopping at the first.

use std::collections::BTreeMap;

use super::PlanError;
use crate::inventory::{Host, Inventory, InventoryError, VaultSecret};

/// The `-e` that sets every host's connection.
const CONNECTION_VAR: &str = "ansible_connection";

/// How many host names one line names before "and N more".
const NAMED: usize = 5;

/// `-e ansible_connection=VALUE` taken out of the `-e` arguments (it is an
/// inventory variable, not a playbook one): its value, and the rest.
pub(crate) fn split_override(extra_vars: &[String]) -> (Option<String>, Vec<String>) {
    let mut kind = None;
    let mut rest = Vec::new();
    for arg in extra_vars {
        match arg.split_once('=') {
            Some((name, value)) if name.trim() == CONNECTION_VAR => {
                kind = Some(value.trim().to_string());
            }
            _ => rest.push(arg.clone()),
        }
    }
    (kind, rest)
}

/// Refuse the run when a selected host's connection is not SSH, naming
/// every such host, by connection.
pub(crate) fn check(
    inventory: &Inventory,
    hosts: &[&Host],
    vault: Option<&VaultSecret>,
) -> Result<(), PlanError> {
    // connection -> (where set, hosts)
    let mut other: BTreeMap<String, (Vec<String>, Vec<&str>)> = BTreeMap::new();
    for host in hosts {
        if let Err(InventoryError::NotSsh {
            path, line, kind, ..
        }) = inventory.connection(host, vault)
        {
            // Listed unquoted below: a type rendered from a secret is one.
            let kind = if crate::support::taint::is_tainted(&kind) {
                crate::support::secrets::MASK.to_string()
            } else {
                kind
            };
            let entry = other.entry(kind).or_default();
            let place = if path.as_os_str().is_empty() {
                "-e".to_string()
            } else {
                format!("{}:{line}", path.display())
            };
            if !entry.0.contains(&place) && entry.0.len() < NAMED {
                entry.0.push(place);
            }
            entry.1.push(&host.name);
        }
    }
    if other.is_empty() {
        return Ok(());
    }
    let count: usize = other.values().map(|(_, h)| h.len()).sum();
    let mut text = format!(
        "{count} selected host{} use{} a connection sshfleet does not speak (it reaches hosts over SSH only); nothing was run:",
        if count == 1 { "" } else { "s" },
        if count == 1 { "s" } else { "" },
    );
    for (kind, (places, names)) in &other {
        let mut listed = names
            .iter()
            .take(NAMED)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if names.len() > NAMED {
            listed.push_str(&format!(" and {} more", names.len() - NAMED));
        }
        text.push_str(&format!(
            "\n  {kind} (ansible_connection in {}): {listed}",
            places.join(", ")
        ));
    }
    let leave_out = match covering_group(inventory, hosts, &other) {
        Some(group) => format!("--limit '!{group}'"),
        None => "--limit '!HOST,...'".to_string(),
    };
    text.push_str(&format!(
        "\nleave them out ({leave_out}), or, if they run OpenSSH (OpenSSH for Windows), add \
         -e ansible_connection=ssh; `sshfleet inventory` lists each host's connection"
    ));
    Err(PlanError::NotSsh(text))
}

/// A group holding every refused host and no other selected host, if one
/// does: the `--limit '!GROUP'` that leaves exactly them out.
fn covering_group<'a>(
    inventory: &'a Inventory,
    hosts: &[&Host],
    other: &BTreeMap<String, (Vec<String>, Vec<&str>)>,
) -> Option<&'a str> {
    let refused: Vec<&str> = other
        .values()
        .flat_map(|(_, h)| h.iter().copied())
        .collect();
    inventory
        .groups()
        .iter()
        .filter(|g| g.name != "all" && g.name != "ungrouped")
        .find(|g| {
            refused.iter().all(|r| g.all_hosts.iter().any(|h| h == r))
                && hosts
                    .iter()
                    .filter(|h| g.all_hosts.contains(&h.name))
                    .all(|h| refused.contains(&h.name.as_str()))
        })
        .map(|g| g.name.as_str())
}
