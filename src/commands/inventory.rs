//! `sshfleet inventory`: which hosts a limit selects and how each is
//! reached (address, port, user, jump hosts), or `--list` as
//! `ansible-inventory --list` prints it.

use crate::cli::InventoryArgs;
use crate::error::Error;
use crate::exit::ExitCode;
use crate::inventory::{Inventory, InventoryError, LoadOptions};
use crate::plan::SshOptions;

pub(super) async fn execute(args: InventoryArgs) -> Result<ExitCode, Error> {
    let vault = args.vault.secret().await?;
    let options = LoadOptions {
        vault: vault.clone(),
    };
    let inventory = Inventory::load_sources(&args.inventory, &options)?;
    if args.list {
        let json = inventory.to_ansible_json();
        let text =
            serde_json::to_string_pretty(&json).map_err(|e| Error::Io(std::io::Error::other(e)))?;
        say!("{}", crate::support::sanitize::escape_json_text(&text));
        return Ok(ExitCode::Success);
    }
    let mut hosts = inventory.select(args.limit.as_deref())?;
    if let Some(shard) = args.shard {
        hosts.retain(|h| shard.holds(&h.name));
    }
    let ssh = SshOptions {
        ssh_config: args.ssh_config.as_deref(),
        ..SshOptions::default()
    };
    // Hosts an inventory shared with Ansible reaches otherwise (winrm) are
    // listed with their connection, not a reason to list nothing.
    let mut other = std::collections::BTreeMap::new();
    for host in &hosts {
        if let Err(InventoryError::NotSsh { kind, .. }) = inventory.connection(host, vault.as_ref())
        {
            other.insert(host.name.clone(), kind);
        }
    }
    let over_ssh: Vec<_> = hosts
        .iter()
        .copied()
        .filter(|h| !other.contains_key(&h.name))
        .collect();
    let targets = crate::plan::resolve_targets(&inventory, ssh, &over_ssh, vault.as_ref())?;
    let mut targets = targets.into_iter();
    for host in &hosts {
        let groups = format!("groups={}", host.groups.join(","));
        let fields: Vec<String> = match other.get(&host.name) {
            Some(kind) => vec![host.name.clone(), format!("connection={kind}"), groups],
            None => {
                let Some(target) = targets.next() else {
                    continue;
                };
                let mut fields = vec![
                    host.name.clone(),
                    format!("{}:{}", target.address, target.port),
                    format!("user={}", target.credentials.user),
                    groups,
                ];
                fields.extend(
                    target
                        .jumps
                        .iter()
                        .map(|j| format!("via={}@{}", j.credentials.user, j.host_port())),
                );
                fields
            }
        };
        // Tabs separate the fields; anything else from the file is escaped.
        let fields: Vec<_> = fields
            .iter()
            .map(|f| crate::support::sanitize::escape(f))
            .collect();
        say!("{}", fields.join("\t"));
    }
    Ok(ExitCode::Success)
}
