//! A password environment variable the inventory names
//! (`sshfleet_password_env`, or `ansible_password: "{{ lookup('env', 'X') }}"`)
//! is read when a host is connected to; unset, every such host would end
//! `unreachable` and the metrics would show an outage. It is a local
//! mistake like any other: found before the first host, exit 5, naming the
//! variable, the hosts and where the inventory names it.

use std::collections::BTreeMap;

use super::PlanError;
use crate::inventory::{Host, Inventory, PASSWORD_ENV_VAR};
use crate::ssh::transport::Target;

/// The inventory variables that can name the environment variable, in the
/// order they are looked at for "where".
const NAMING_VARS: [&str; 4] = [
    PASSWORD_ENV_VAR,
    "ansible_password",
    "ansible_ssh_pass",
    "ansible_ssh_password",
];

/// How many host names one line names before "and N more".
const NAMED: usize = 5;

/// Refuse the run when a host (or a jump host it goes through) names a
/// password variable that the connection could not read (unset, or not
/// UTF-8, as `std::env::var` says when the host is connected to).
pub(crate) fn check(
    inventory: &Inventory,
    hosts: &[&Host],
    targets: &[Target],
) -> Result<(), PlanError> {
    let missing = |var: &str| std::env::var(var).is_err();
    // variable -> (where it is named, hosts)
    let mut unset: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    for (host, target) in hosts.iter().zip(targets) {
        let mut note = |var: &str, who: String, place: Option<String>| {
            let entry = unset.entry(var.to_string()).or_default();
            if let Some(place) = place
                && !entry.0.contains(&place)
            {
                entry.0.push(place);
            }
            entry.1.push(who);
        };
        if let Some(var) = &target.credentials.password_env
            && missing(var)
        {
            let place = NAMING_VARS.iter().find_map(|name| {
                inventory
                    .origin(&host.name, name)
                    .filter(|o| !o.path.as_os_str().is_empty())
                    .map(|o| format!("{name} in {}:{}", o.path.display(), o.line))
            });
            note(var, host.name.clone(), place);
        }
        for jump in &target.jumps {
            if let Some(var) = &jump.credentials.password_env
                && missing(var)
            {
                note(
                    var,
                    format!("jump host {} of {}", jump.host_port(), host.name),
                    None,
                );
            }
        }
    }
    if unset.is_empty() {
        return Ok(());
    }
    let mut text = String::from(
        "password variable named in the inventory but not set in sshfleet's environment \
         (every host using it would end unreachable); nothing was run:",
    );
    for (var, (places, who)) in &unset {
        let mut names = who
            .iter()
            .take(NAMED)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if who.len() > NAMED {
            names.push_str(&format!(" and {} more", who.len() - NAMED));
        }
        let places = if places.is_empty() {
            String::new()
        } else {
            format!(" ({})", places.join("; "))
        };
        text.push_str(&format!("\n  ${var}{places}: {names}"));
    }
    text.push_str(
        "\nexport it (e.g. `read -rs VAR && export VAR`) or name another variable, then run again",
    );
    Err(PlanError::PasswordEnvUnset(text))
}
