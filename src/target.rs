//! Where and how to reach each inventory host: the inventory's connection
//! variables (Ansible's names and precedence), the ssh arguments Ansible
//! would pass, then ssh_config, then defaults, resolved once into a
//! [`Target`] that [`crate::transport`] connects without knowing where
//! any of it came from.

use std::path::{Path, PathBuf};

use crate::algorithms::{AlgorithmChange, AlgorithmKind, Algorithms};
use crate::inventory::Host;
use crate::ssh_config::{
    self, HostConfig, JumpHost, SshConfig, SshConfigError, StrictHostKeyChecking,
};
use crate::transport::{Credentials, HostKeyPolicy, Target};

/// What applies to every host of a run before its own settings: the
/// command line's known_hosts and host key policy, and ssh_config.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The known_hosts file where ssh_config names none (or wherever,
    /// when `known_hosts_fixed`).
    pub known_hosts: PathBuf,
    pub host_key_policy: HostKeyPolicy,
    /// Chosen on the command line: ssh_config's `UserKnownHostsFile` and
    /// `StrictHostKeyChecking` then do not apply.
    pub known_hosts_fixed: bool,
    pub host_key_policy_fixed: bool,
    pub ssh_config: SshConfig,
}

impl Settings {
    /// No ssh_config: these known_hosts and policy apply to every host.
    pub(crate) fn new(known_hosts: PathBuf, host_key_policy: HostKeyPolicy) -> Settings {
        Settings {
            known_hosts,
            host_key_policy,
            known_hosts_fixed: true,
            host_key_policy_fixed: true,
            ssh_config: SshConfig::default(),
        }
    }

    /// The command line's choices: `-F PATH` (`none` for none, else
    /// `~/.ssh/config` if it exists), `--known-hosts` and
    /// `--accept-new-host-keys`, each of which beats ssh_config.
    pub(crate) fn load(
        ssh_config: Option<&Path>,
        known_hosts: Option<PathBuf>,
        accept_new_host_keys: bool,
    ) -> Result<Settings, SshConfigError> {
        let config = match ssh_config {
            Some(path) => SshConfig::load_option(path),
            None => SshConfig::load_default(),
        }?;
        let policy = if accept_new_host_keys {
            HostKeyPolicy::AcceptNew
        } else {
            HostKeyPolicy::Strict
        };
        let known_hosts_fixed = known_hosts.is_some();
        Ok(
            Settings::new(known_hosts.unwrap_or_else(default_known_hosts), policy).with_ssh_config(
                config,
                known_hosts_fixed,
                accept_new_host_keys,
            ),
        )
    }

    /// Read `config` for every host; its known_hosts and host key settings
    /// apply unless the command line fixed them.
    pub(crate) fn with_ssh_config(
        mut self,
        config: SshConfig,
        known_hosts_fixed: bool,
        host_key_policy_fixed: bool,
    ) -> Settings {
        self.ssh_config = config;
        self.known_hosts_fixed = known_hosts_fixed;
        self.host_key_policy_fixed = host_key_policy_fixed;
        self
    }
}

/// The default known_hosts file, as OpenSSH uses it.
pub(crate) fn default_known_hosts() -> PathBuf {
    ssh_config::home().join(".ssh").join("known_hosts")
}

/// A host's inventory vars that sshfleet cannot use.
#[derive(Debug, thiserror::Error)]
#[error("host {host}: {var}: {message}")]
pub(crate) struct TargetError {
    pub host: String,
    pub var: String,
    pub message: String,
}

/// What the inventory says about connecting, before ssh_config.
#[derive(Debug, Default)]
struct Overrides {
    user: Option<String>,
    port: Option<u16>,
    key_file: Option<PathBuf>,
    password_env: Option<String>,
    algorithms: Algorithms,
}

/// Inventory vars that carry `ssh` arguments, in the order Ansible puts
/// them on the command line (after its own `-o Port=`, `-o User=` and
/// `-o IdentityFile=`, which is why those vars still win).
const SSH_ARGS_VARS: [&str; 2] = ["ansible_ssh_common_args", "ansible_ssh_extra_args"];

/// The `-o Keyword=value` and `-J jump` options of a host's
/// `ansible_ssh_common_args` / `ansible_ssh_extra_args`, read as ssh reads
/// command-line options: before ssh_config, first value winning. Other
/// `ssh` flags are ignored.
fn ssh_args_config(host: &Host) -> Result<SshConfig, TargetError> {
    let mut options = Vec::new();
    for var in SSH_ARGS_VARS {
        let Some(text) = host.var_text(var) else {
            continue;
        };
        let invalid = |message: String| TargetError {
            host: host.name.clone(),
            var: var.to_string(),
            message,
        };
        let words = shlex::split(&text).ok_or_else(|| invalid("unbalanced quotes".to_string()))?;
        let mut words = words.into_iter();
        while let Some(word) = words.next() {
            let (jump, attached) = if let Some(rest) = word.strip_prefix("-o") {
                (false, rest)
            } else if let Some(rest) = word.strip_prefix("-J") {
                (true, rest)
            } else {
                continue;
            };
            let value = match attached {
                "" => words
                    .next()
                    .ok_or_else(|| invalid(format!("`{word}` needs a value")))?,
                attached => attached.to_string(),
            };
            // `-J x` is `-o ProxyJump=x`, as ssh itself treats it.
            options.push(if jump {
                format!("ProxyJump={value}")
            } else {
                value
            });
        }
    }
    SshConfig::from_options(options.iter().map(String::as_str)).map_err(|message| TargetError {
        host: host.name.clone(),
        var: SSH_ARGS_VARS.join("/"),
        message,
    })
}

impl Settings {
    /// Where and how to reach an inventory host: its connection variables
    /// first (as Ansible passes them to `ssh` on its command line), then
    /// its ssh arguments, then ssh_config, then defaults.
    pub(crate) fn resolve(&self, host: &Host) -> Result<Target, TargetError> {
        let options = self;
        let mut overrides = Overrides {
            user: host.user(),
            port: host.explicit_port(),
            key_file: host.private_key_file(),
            password_env: host.password_env(),
            algorithms: Algorithms::default(),
        };
        for kind in AlgorithmKind::ALL {
            let var = kind.inventory_var();
            if let Some(text) = host.var_text(var) {
                let change =
                    AlgorithmChange::parse_strict(kind, &text).map_err(|message| TargetError {
                        host: host.name.clone(),
                        var: var.to_string(),
                        message,
                    })?;
                overrides.algorithms.set_if_unset(kind, change);
            }
        }
        let user = overrides.user.as_deref();
        let config = ssh_args_config(host)?
            .lookup(&host.address(), user)
            .or(options.ssh_config.lookup(&host.address(), user));
        let invalid = |message: String| TargetError {
            host: host.name.clone(),
            var: "ssh_config".to_string(),
            message,
        };
        let hops = config.proxy_jump.clone().unwrap_or_default();
        let mut target = resolve(&host.address(), overrides, config, options).map_err(invalid)?;
        // Jump hosts prove possession of the same keys (a signature gives
        // nothing away); the password is never sent to any host but the
        // target.
        let jump_key = target.credentials.key_file.clone();
        for hop in &hops {
            for mut jump in options.jump_chain(hop, 0).map_err(invalid)? {
                if let Some(key) = &jump_key
                    && !jump.credentials.config_key_files.contains(key)
                {
                    jump.credentials.config_key_files.push(key.clone());
                }
                target.jumps.push(jump);
            }
        }
        Ok(target)
    }

    /// The hosts to go through to reach jump host `hop`, ending with it: a
    /// jump host's own `ProxyJump` is followed first, as `ssh -J` does
    /// (each hop is reached with `ssh -W` and its own configuration).
    fn jump_chain(&self, hop: &JumpHost, depth: usize) -> Result<Vec<Target>, String> {
        const MAX_JUMP_DEPTH: usize = 8;
        if depth >= MAX_JUMP_DEPTH {
            return Err(format!(
                "ProxyJump chains more than {MAX_JUMP_DEPTH} deep at {hop} (does a jump host jump through itself?)"
            ));
        }
        let overrides = Overrides {
            user: hop.user.clone(),
            port: hop.port,
            ..Overrides::default()
        };
        let config = self.ssh_config.lookup(&hop.host, overrides.user.as_deref());
        let own = config.proxy_jump.clone().unwrap_or_default();
        let mut chain = Vec::new();
        for inner in &own {
            chain.extend(self.jump_chain(inner, depth + 1)?);
        }
        chain.push(resolve(&hop.host, overrides, config, self)?);
        Ok(chain)
    }
}

/// The keys OpenSSH tries when no `IdentityFile` is configured, in its
/// order; missing ones are skipped.
const DEFAULT_IDENTITIES: [&str; 7] = [
    "~/.ssh/id_rsa",
    "~/.ssh/id_ecdsa",
    "~/.ssh/id_ecdsa_sk",
    "~/.ssh/id_ed25519",
    "~/.ssh/id_ed25519_sk",
    "~/.ssh/id_xmss",
    "~/.ssh/id_dsa",
];

/// OpenSSH's default `UserKnownHostsFile` and `GlobalKnownHostsFile`.
const DEFAULT_USER_KNOWN_HOSTS: [&str; 2] = ["~/.ssh/known_hosts", "~/.ssh/known_hosts2"];
const DEFAULT_GLOBAL_KNOWN_HOSTS: [&str; 2] =
    ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"];

fn resolve(
    alias: &str,
    overrides: Overrides,
    config: HostConfig,
    options: &Settings,
) -> Result<Target, String> {
    if let Some(command) = &config.proxy_command
        && !command.eq_ignore_ascii_case("none")
    {
        return Err(format!(
            "ProxyCommand for {alias} is not supported here yet (use ProxyJump)"
        ));
    }
    // ssh lower-cases the name it connects to.
    let address = config.host_name.unwrap_or_else(|| alias.to_lowercase());
    let port = overrides.port.or(config.port).unwrap_or(22);
    let user = overrides
        .user
        .or(config.user)
        .or_else(|| Some(ssh_config::local_user()).filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "admin".to_string());
    let tokens = ssh_config::Tokens {
        host: &address,
        original_host: alias,
        port,
        user: &user,
        host_key_alias: config.host_key_alias.as_deref(),
    };
    let expand = |files: &[String]| -> Result<Vec<PathBuf>, String> {
        files
            .iter()
            .map(|f| ssh_config::expand_path(f, &tokens))
            .collect()
    };
    let identity_files: Vec<String> =
        if config.identity_files.is_empty() && overrides.key_file.is_none() {
            DEFAULT_IDENTITIES.map(str::to_string).to_vec()
        } else {
            config.identity_files.clone()
        };
    let config_key_files = expand(&identity_files)?;
    // OpenSSH reads every UserKnownHostsFile and the global files, and
    // records new keys in the first user file.
    let (known_hosts, known_hosts_also) = if options.known_hosts_fixed {
        (options.known_hosts.clone(), Vec::new())
    } else {
        let mut user_files = match &config.known_hosts_files {
            Some(files) => expand(files)?,
            None => {
                let mut files = vec![options.known_hosts.clone()];
                files.extend(expand(&DEFAULT_USER_KNOWN_HOSTS.map(str::to_string)[1..])?);
                files
            }
        };
        let global = config
            .global_known_hosts_files
            .clone()
            .unwrap_or_else(|| DEFAULT_GLOBAL_KNOWN_HOSTS.map(str::to_string).to_vec());
        let first = if user_files.is_empty() {
            options.known_hosts.clone()
        } else {
            user_files.remove(0)
        };
        user_files.extend(expand(&global)?);
        (first, user_files)
    };
    let host_key_policy = match (
        config.strict_host_key_checking,
        options.host_key_policy_fixed,
    ) {
        (Some(StrictHostKeyChecking::Yes), false) => HostKeyPolicy::Strict,
        (Some(StrictHostKeyChecking::AcceptNew | StrictHostKeyChecking::No), false) => {
            HostKeyPolicy::AcceptNew
        }
        _ => options.host_key_policy,
    };
    let mut algorithms = overrides.algorithms;
    for kind in AlgorithmKind::ALL {
        if let Some(change) = config.algorithms.get(kind) {
            algorithms.set_if_unset(kind, change.clone());
        }
    }
    Ok(Target {
        address,
        port,
        credentials: Credentials {
            user,
            key_file: overrides.key_file,
            config_key_files,
            password_env: overrides.password_env,
            identities_only: config.identities_only.unwrap_or(false),
        },
        known_hosts,
        known_hosts_also,
        host_key_alias: config.host_key_alias,
        host_key_policy,
        algorithms,
        jumps: Vec::new(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {

    use super::*;
    use crate::inventory::Inventory;

    fn target(inventory: &str, config: &str) -> Result<Target, TargetError> {
        let inventory = Inventory::parse(inventory, Path::new("inv.yaml")).unwrap();
        let config = SshConfig::parse(config, Path::new("cfg")).unwrap();
        Settings::new(PathBuf::from("/kh"), HostKeyPolicy::Strict)
            .with_ssh_config(config, false, false)
            .resolve(&inventory.hosts()[0])
    }

    #[test]
    fn inventory_then_ssh_args_then_ssh_config() {
        let t = target(
            "all:\n  hosts:\n    esa01:\n      ansible_host: mgmt\n      ansible_user: admin\n      ansible_ssh_common_args: -o Port=2200 -oUser=ignored -J ops@bastion:2222\n      ansible_ssh_extra_args: '-o \"KexAlgorithms +diffie-hellman-group14-sha1\"'\n",
            "Host mgmt\n  HostName 192.0.2.10\n  Port 22\n  ProxyJump other\n  UserKnownHostsFile /fleet/%h_%p\n  StrictHostKeyChecking accept-new\nHost bastion\n  IdentityFile /keys/bastion\n",
        )
        .unwrap();
        assert_eq!(t.address, "192.0.2.10");
        assert_eq!(t.port, 2200);
        assert_eq!(t.credentials.user, "admin");
        assert_eq!(t.known_hosts, PathBuf::from("/fleet/192.0.2.10_2200"));
        assert_eq!(t.host_key_policy, HostKeyPolicy::AcceptNew);
        assert!(
            t.algorithms
                .names(AlgorithmKind::Kex)
                .contains(&"diffie-hellman-group14-sha1".to_string())
        );
        let [jump] = &t.jumps[..] else {
            panic!("{:?}", t.jumps)
        };
        assert_eq!(jump.credentials.user, "ops");
        assert_eq!(jump.host_port(), "[bastion]:2222");
        assert_eq!(
            jump.credentials.config_key_files,
            [PathBuf::from("/keys/bastion")]
        );
        assert_eq!(jump.credentials.password_env, None);
        assert_eq!(
            t.describe(),
            "192.0.2.10:2200 as admin via ops@[bastion]:2222"
        );
    }

    #[test]
    fn command_line_known_hosts_and_policy_win() {
        let inventory = Inventory::parse("all:\n  hosts:\n    h: {}\n", Path::new("i")).unwrap();
        let config = SshConfig::parse(
            "Host h\n  UserKnownHostsFile /cfg_hosts\n  StrictHostKeyChecking yes\n",
            Path::new("cfg"),
        )
        .unwrap();
        let t = Settings::new(PathBuf::from("/cli_hosts"), HostKeyPolicy::AcceptNew)
            .with_ssh_config(config, true, true)
            .resolve(&inventory.hosts()[0])
            .unwrap();
        assert_eq!(t.known_hosts, PathBuf::from("/cli_hosts"));
        assert_eq!(t.host_key_policy, HostKeyPolicy::AcceptNew);
    }

    #[test]
    fn bad_vars_name_host_and_var() {
        for (vars, needle) in [
            (
                "sshfleet_host_key_algorithms: +ssh-dss",
                "sshfleet_host_key_algorithms",
            ),
            ("ansible_ssh_common_args: -o Port=x", "Port"),
            (
                "ansible_ssh_common_args: \"-o 'Port=1\"",
                "unbalanced quotes",
            ),
            ("ansible_ssh_common_args: -J", "`-J` needs a value"),
        ] {
            let err = target(&format!("all:\n  hosts:\n    h9:\n      {vars}\n"), "")
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("host h9: ") && err.contains(needle),
                "{vars}: {err}"
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "target_differential.rs"]
mod differential;
