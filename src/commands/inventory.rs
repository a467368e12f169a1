//! `sshfleet inventory`: which hosts a limit selects and how each is
//! reached (address, port, user, jump hosts), or `--list` as
//! `ansible-inventory --list` prints it.

use crate::cli::InventoryArgs;
use crate::error::Error;
use crate::exit::ExitCode;
use crate::inventory::{Inventory, LoadOptions};
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
        say!("{text}");
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
    let targets = crate::plan::resolve_targets(&inventory, ssh, &hosts, vault.as_ref())?;
    for (host, target) in hosts.iter().zip(targets) {
        let via = target
            .jumps
            .iter()
            .map(|j| format!("\tvia={}@{}", j.credentials.user, j.host_port()))
            .collect::<String>();
        let line = format!(
            "{}\t{}:{}\tuser={}\tgroups={}{via}",
            host.name,
            target.address,
            target.port,
            target.credentials.user,
            host.groups.join(",")
        );
        // Tabs separate the fields; anything else from the file is escaped.
        let fields: Vec<_> = line
            .split('\t')
            .map(crate::support::sanitize::escape)
            .collect();
        say!("{}", fields.join("\t"));
    }
    Ok(ExitCode::Success)
}
