//! `sshfleet inventory`: what sshfleet reads from an inventory, before any
//! host is touched: `--list` (the JSON of `ansible-inventory --list`),
//! one line per selected host, or `--json` (each host's effective
//! connection values, or why the host is refused).

use std::path::PathBuf;

use serde_json::{Value as Json, json};

use crate::error::Error;
use crate::exit::ExitCode;
use crate::inventory::{Host, Inventory, LoadOptions, VaultSecret};
use crate::plan::Connection;

#[derive(Debug, clap::Args)]
pub(crate) struct InventoryArgs {
    /// Ansible inventory: YAML, INI, JSON, a script or a directory; repeat for several.
    #[arg(short, long, required = true)]
    pub inventory: Vec<PathBuf>,
    /// Hosts, groups, globs, subscripts (web[0]), !exclusions, &intersections, @file.
    #[arg(short, long)]
    pub limit: Option<String>,
    /// Only this runner's share of the selected hosts: K of N shares, by a
    /// hash of each host's name (stable as hosts come and go), for fleets
    /// split across runners; `sshfleet report merge` joins their reports.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::shard::Shard>,
    /// Print the inventory as `ansible-inventory --list` does (JSON, passwords masked).
    #[arg(long, conflicts_with_all = ["limit", "pattern", "json"])]
    pub list: bool,
    /// Hosts matching this Ansible host pattern, in the pattern's order (what
    /// `ansible PATTERN --list-hosts` lists), instead of `all` (or --limit).
    #[arg(long, value_name = "PATTERN", conflicts_with = "limit")]
    pub pattern: Option<String>,
    /// Print each selected host's effective connection values (address, port,
    /// user, key files, whether a password is set, proxy, jumps) as JSON, or
    /// the error refusing it; exit 5 if any host is refused.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub vault: VaultArgs,
    /// OpenSSH client configuration, for the effective address, port and user
    /// [default: ~/.ssh/config if it exists]; `none` for none.
    #[arg(short = 'F', long = "ssh-config", value_name = "PATH")]
    pub ssh_config: Option<PathBuf>,
}

/// Where the Ansible Vault password comes from.
#[derive(Debug, clap::Args)]
pub(crate) struct VaultArgs {
    /// File whose first line is the vault password [default: $ANSIBLE_VAULT_PASSWORD_FILE].
    #[arg(long, value_name = "PATH")]
    pub vault_password_file: Option<PathBuf>,
    /// Ask for the vault password on the terminal.
    #[arg(long, conflicts_with = "vault_password_file")]
    pub ask_vault_pass: bool,
}

impl VaultArgs {
    /// The vault password, if one is given: `--ask-vault-pass` (on the
    /// terminal, as `--ask-pass`), else `--vault-password-file`, else
    /// `ANSIBLE_VAULT_PASSWORD_FILE`.
    pub(crate) async fn secret(&self) -> Result<Option<VaultSecret>, Error> {
        use crate::ask_pass::AskPassError;
        if self.ask_vault_pass {
            return match crate::ask_pass::ask_line("Vault password: ").await {
                Ok(password) => Ok(Some(VaultSecret::new(password))),
                Err(AskPassError::NotATerminal) => Err(Error::VaultPassword(
                    "--ask-vault-pass needs a terminal to ask on, and stdin is not one; unattended \
                     runs use --vault-password-file or ANSIBLE_VAULT_PASSWORD_FILE"
                        .to_string(),
                )),
                Err(AskPassError::Empty) => Err(Error::VaultPassword(
                    "--ask-vault-pass: no password was typed".to_string(),
                )),
                Err(AskPassError::Interrupted) => Err(Error::Interrupted("vault password")),
                Err(AskPassError::Io(e)) => Err(Error::Io(e)),
            };
        }
        match self
            .vault_password_file
            .clone()
            .or_else(crate::inventory::vault::password_file_from_env)
        {
            Some(path) => VaultSecret::from_file(&path)
                .map(Some)
                .map_err(Error::VaultPassword),
            None => Ok(None),
        }
    }
}

pub(crate) async fn run(args: InventoryArgs) -> Result<ExitCode, Error> {
    let vault = args.vault.secret().await?;
    let options = LoadOptions {
        vault: vault.clone(),
    };
    let inventory = Inventory::load_sources(&args.inventory, &options)?;
    if args.list {
        let json = inventory.to_ansible_json();
        say!("{}", pretty(&json)?);
        return Ok(ExitCode::Success);
    }
    let mut hosts = match &args.pattern {
        Some(pattern) => {
            let selection = inventory.hosts_matching(pattern)?;
            for term in &selection.unmatched {
                tracing::warn!("pattern term `{term}` matches no host or group; ignored");
            }
            selection.hosts
        }
        None => inventory.select(args.limit.as_deref())?,
    };
    if let Some(shard) = args.shard {
        hosts.retain(|h| shard.holds(&h.name));
    }
    let connection = Connection {
        ssh_config: args.ssh_config.as_deref(),
        ..Connection::default()
    };
    if args.json {
        return json_report(&inventory, connection, &hosts, vault.as_ref());
    }
    let targets = crate::plan::resolve_targets(&inventory, connection, &hosts, vault.as_ref())?;
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
        let fields: Vec<_> = line.split('\t').map(crate::sanitize::escape).collect();
        say!("{}", fields.join("\t"));
    }
    Ok(ExitCode::Success)
}

fn pretty(json: &Json) -> Result<String, Error> {
    serde_json::to_string_pretty(json).map_err(|e| Error::Io(std::io::Error::other(e)))
}

/// `--json`: every selected host, in order, with its effective connection
/// values (passwords only said to be set), or the error that refuses it.
/// Exit 5 when any host is refused, after listing them all.
fn json_report(
    inventory: &Inventory,
    connection: Connection<'_>,
    hosts: &[&Host],
    vault: Option<&VaultSecret>,
) -> Result<ExitCode, Error> {
    let settings = crate::target::Settings::load(
        connection.ssh_config,
        connection.known_hosts.map(std::path::Path::to_path_buf),
        connection.accept_new_host_keys,
    )
    .map_err(Error::SshConfig)?;
    let mut out = Vec::with_capacity(hosts.len());
    let mut refused = false;
    for host in hosts {
        let resolved = inventory
            .connection(host, vault)
            .map_err(|e| e.to_string())
            .and_then(|conn| {
                let target = settings
                    .resolve(host, &conn)
                    .map_err(|e| format!("{}: {e}", inventory.path().display()))?;
                Ok((conn, target))
            });
        let entry = match resolved {
            Err(error) => {
                refused = true;
                json!({ "host": host.name, "groups": host.groups, "error": error })
            }
            Ok((conn, target)) => {
                // OpenSSH's default identities are ssh's own, not the
                // inventory's: left out.
                let defaults: Vec<std::path::PathBuf> = crate::target::DEFAULT_IDENTITIES
                    .iter()
                    .map(|k| crate::inventory::expand_home(k))
                    .collect();
                let keys: Vec<String> = target
                    .credentials
                    .key_file
                    .iter()
                    .chain(
                        target
                            .credentials
                            .config_key_files
                            .iter()
                            .filter(|k| !defaults.contains(k)),
                    )
                    .map(|k| k.display().to_string())
                    .collect();
                json!({
                    "host": host.name,
                    "groups": host.groups,
                    "address": target.address,
                    "port": target.port,
                    "user": target.credentials.user,
                    "key_files": keys,
                    "password": conn.password.is_some()
                        || conn.password_from_ansible_env,
                    "password_env": target.credentials.password_env,
                    "proxy_command": target.proxy_command,
                    "jumps": target.jumps.iter().map(|j| json!({
                        "address": j.address, "port": j.port, "user": j.credentials.user,
                    })).collect::<Vec<_>>(),
                })
            }
        };
        out.push(entry);
    }
    say!("{}", pretty(&Json::Array(out))?);
    Ok(if refused {
        ExitCode::BadInput
    } else {
        ExitCode::Success
    })
}
