//! `sshfleet inventory`: which hosts a limit (or `--pattern`) selects and
//! how each is reached (address, port, user, jump hosts), `--json` for each
//! host's effective connection values or its refusal, or `--list` as
//! `ansible-inventory --list` prints it.

use crate::cli::InventoryArgs;
use crate::console::progress::Lines;
use crate::error::Error;
use crate::exit::ExitCode;
use serde_json::{Value as Json, json};

use crate::inventory::{Host, Inventory, InventoryError, LoadOptions, VaultSecret};
use crate::plan::SshOptions;
use crate::ssh::transport::Target;
use crate::support::secrets::Field;

pub(super) async fn execute(args: InventoryArgs) -> Result<ExitCode, Error> {
    let vault = args.vault.secret().await?;
    let options = LoadOptions {
        vault: vault.clone(),
    };
    let inventory = Inventory::load_sources(&args.inventory, &options)?;
    if args.list {
        // Masks every secret of the inventory by value (docs/SECURITY.md
        // I4), not only the fields named secret.
        inventory.remember_secrets(inventory.hosts(), vault.as_ref())?;
        let json = inventory.to_ansible_json()?;
        let text =
            serde_json::to_string_pretty(&json).map_err(|e| Error::Io(std::io::Error::other(e)))?;
        Lines::Stdout.print_json(&text);
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
    // What is shown of these hosts, errors too, masks their secrets by
    // value (docs/SECURITY.md I4).
    inventory.remember_secrets(hosts.iter().copied(), vault.as_ref())?;
    let ssh = SshOptions {
        ssh_config: args.ssh_config.as_deref(),
        ..SshOptions::default()
    };
    if args.json {
        return json_report(&inventory, ssh, &hosts, vault.as_ref());
    }
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
            Some(kind) => {
                // A connection type rendered from a secret is one.
                let kind = if crate::support::taint::is_tainted(kind) {
                    crate::support::secrets::MASK
                } else {
                    kind.as_str()
                };
                vec![host.name.clone(), format!("connection={kind}"), groups]
            }
            None => {
                let Some(target) = targets.next() else {
                    continue;
                };
                let shown = ByField::of(&inventory, host, vault.as_ref());
                let mut fields = vec![
                    host.name.clone(),
                    shown.addr(&target),
                    format!("user={}", shown.user(&target)),
                    groups,
                ];
                fields.extend(target.jumps.iter().map(|j| {
                    let hop = match shown.mask(&j.address) {
                        masked if masked != j.address => {
                            format!("{masked}:{}", j.from_secret.shown(Field::Port, j.port))
                        }
                        _ => j.host_port(),
                    };
                    format!("via={}@{hop}", shown.jump_user(j))
                }));
                fields
            }
        };
        // Tabs separate the fields; anything else from the file is escaped.
        Lines::Stdout.print_fields(&fields);
    }
    Ok(ExitCode::Success)
}

/// A host's secret values, to mask a field that is one whatever its
/// length (the key files a list masked whole when one is from a secret): the run masks a value of four characters or more wherever it
/// is (`support::secrets::remember`), a shorter one only where it stands,
/// as a whole field (docs/SECURITY.md I4: `user=***` for a vault user
/// `abc`), and so is a field computed from a secret (`support::taint`:
/// a key file `{{ db_password }}`). An address is compared as ssh
/// lower-cases it. The address, user and port are masked too when the
/// variable that set them was computed from a secret, whatever they
/// hold (a port chosen by a condition on a secret, `{{ 22 if pin | int >
/// 2000 else 23 }}`, is a number no text mask would find): the flags the
/// resolved target carries (`support::secrets::FromSecret`), set where
/// the inventory computed each value, and only there.
struct ByField {
    secrets: Vec<crate::support::secrets::Secret>,
}

impl ByField {
    fn of(inventory: &Inventory, host: &Host, vault: Option<&VaultSecret>) -> Self {
        ByField {
            secrets: inventory.secret_values(host, vault),
        }
    }

    fn mask<'a>(&self, field: &'a str) -> &'a str {
        if self
            .secrets
            .iter()
            .any(|s| s.expose().eq_ignore_ascii_case(field))
            || crate::support::taint::is_tainted(field)
        {
            crate::support::secrets::MASK
        } else {
            field
        }
    }

    /// `address:port` for the listing, each masked if from a secret.
    fn addr(&self, target: &Target) -> String {
        let port = match self.port(target) {
            Json::String(masked) => masked,
            port => port.to_string(),
        };
        format!("{}:{port}", self.address(target))
    }

    /// The address, masked when it is a secret or was computed from one
    /// (the flag the target carries).
    fn address(&self, target: &Target) -> String {
        self.mask(&target.from_secret.shown(Field::Address, &target.address))
            .to_string()
    }

    /// The user, masked as [`ByField::address`].
    fn user(&self, target: &Target) -> String {
        self.mask(&target.shown_user()).to_string()
    }

    /// A jump's user, address and port: by its own flags and the
    /// secrets' values (the host's `ansible_*` variables do not set them).
    fn jump_user(&self, jump: &Target) -> String {
        self.mask(&jump.shown_user()).to_string()
    }

    fn jump_address(&self, jump: &Target) -> String {
        self.mask(&jump.from_secret.shown(Field::Address, &jump.address))
            .to_string()
    }

    fn jump_port(&self, jump: &Target) -> Json {
        let text = jump.port.to_string();
        if jump.from_secret.port || self.secrets.iter().any(|s| s.expose() == text) {
            Json::from(crate::support::secrets::MASK)
        } else {
            Json::from(jump.port)
        }
    }

    /// The port, or `***` (as JSON, a string) when it is a secret or
    /// computed from one.
    fn port(&self, target: &Target) -> Json {
        let text = target.port.to_string();
        if target.from_secret.port || self.secrets.iter().any(|s| s.expose() == text) {
            Json::from(crate::support::secrets::MASK)
        } else {
            Json::from(target.port)
        }
    }
}

fn pretty(json: &Json) -> Result<String, Error> {
    serde_json::to_string_pretty(json).map_err(|e| Error::Io(std::io::Error::other(e)))
}

/// `--json`: every selected host, in order, with its effective connection
/// values (passwords only said to be set), or the error that refuses it.
/// Exit 5 when any host is refused, after listing them all.
fn json_report(
    inventory: &Inventory,
    ssh: SshOptions<'_>,
    hosts: &[&Host],
    vault: Option<&VaultSecret>,
) -> Result<ExitCode, Error> {
    let settings = crate::plan::target::Resolver::load(
        ssh.ssh_config,
        ssh.known_hosts.map(std::path::Path::to_path_buf),
        ssh.accept_new_host_keys,
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
                let shown = ByField::of(inventory, host, vault);
                // OpenSSH's default identities are ssh's own, not the
                // inventory's: left out.
                let defaults: Vec<std::path::PathBuf> = crate::plan::target::DEFAULT_IDENTITIES
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
                    .map(|k| {
                        let k = k.display().to_string();
                        shown
                            .mask(&target.from_secret.shown(Field::KeyFiles, k))
                            .to_string()
                    })
                    .collect();
                json!({
                    "host": host.name,
                    "groups": host.groups,
                    "address": shown.address(&target),
                    "port": shown.port(&target),
                    "user": shown.user(&target),
                    "key_files": keys,
                    "password": conn.password.is_some()
                        || conn.password_from_ansible_env,
                    "password_env": target.credentials.password_env,
                    "proxy_command": target.proxy_command.as_ref().map(|c| {
                        target.from_secret.shown(Field::ProxyCommand, c)
                    }),
                    "jumps": target.jumps.iter().map(|j| json!({
                        "address": shown.jump_address(j), "port": shown.jump_port(j),
                        "user": shown.jump_user(j),
                    })).collect::<Vec<_>>(),
                })
            }
        };
        out.push(entry);
    }
    // DEL, C1 and bidi controls as JSON escapes (as `--list` writes them).
    Lines::Stdout.print_json(&pretty(&Json::Array(out))?);
    Ok(if refused {
        ExitCode::BadInput
    } else {
        ExitCode::Success
    })
}
