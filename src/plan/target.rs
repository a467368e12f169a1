//! Where and how to reach each inventory host: the inventory's connection
//! variables (Ansible's names and precedence), the ssh arguments Ansible
//! would pass, then ssh_config, then defaults, resolved once into a
//! [`Target`] that [`crate::ssh::transport`] connects without knowing where
//! any of it came from.

use crate::support::secrets::{Field, FromSecret};
use std::path::{Path, PathBuf};

use crate::inventory::{ConnectionVars, Host, Plugin};
use crate::ssh::algorithms::{AlgorithmChange, AlgorithmKind, Algorithms};
use crate::ssh::config::{
    self as ssh_config, HostConfig, JumpHost, Obtained, SshConfig, SshConfigError,
    StrictHostKeyChecking,
};
use crate::ssh::transport::{
    AddressFamily, AgentSource, Credentials, HostKeyChecks, HostKeyPolicy, Methods, Target,
};

mod ansible_options;
mod from_secret;
mod ssh_args;

use ansible_options::{as_ssh_reads_them, command_line_user_is_valid};
use ssh_args::{ARGS_VARS, ssh_args_config};

/// Resolves each host's `Target`: what applies to every host of a run before its own settings, the
/// command line's known_hosts and host key policy, and ssh_config.
#[derive(Debug, Clone)]
pub(crate) struct Resolver {
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

impl Resolver {
    /// No ssh_config: these known_hosts and policy apply to every host.
    pub(crate) fn new(known_hosts: PathBuf, host_key_policy: HostKeyPolicy) -> Resolver {
        Resolver {
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
    ) -> Result<Resolver, SshConfigError> {
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
            Resolver::new(known_hosts.unwrap_or_else(default_known_hosts), policy).with_ssh_config(
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
    ) -> Resolver {
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
    /// The key file is ssh's `IdentityFile` (the ssh plugin's), whose
    /// `%` tokens and `${VAR}` ssh expands.
    key_file_expands: bool,
    password_env: Option<String>,
    password: Option<crate::support::secrets::Secret>,
    algorithms: Algorithms,
}

/// sshfleet's own algorithm variables (`sshfleet_ciphers`, ...), which
/// come before ssh_config as Ansible's command-line options do.
fn inventory_algorithms(host: &Host) -> Result<Algorithms, TargetError> {
    let mut algorithms = Algorithms::default();
    for kind in AlgorithmKind::ALL {
        let var = kind.inventory_var();
        // sshfleet's own variable: text, or refused (a list, a
        // mapping, an unquoted date would otherwise be ignored).
        if host.vars.get(var).is_some_and(|v| !v.is_null()) && host.var_text(var).is_none() {
            return Err(TargetError {
                host: host.name.clone(),
                var: var.to_string(),
                message: "must be text (OpenSSH's comma-separated algorithm list), not a list, mapping or unquoted date".to_string(),
            });
        }
        if let Some(text) = host.var_text(var) {
            let change =
                AlgorithmChange::parse_strict(kind, &text).map_err(|message| TargetError {
                    host: host.name.clone(),
                    var: var.to_string(),
                    message,
                })?;
            algorithms.set_if_unset(kind, change);
        }
    }
    Ok(algorithms)
}

/// OpenSSH's one jump loop check (ssh.c, 9.2), which each ssh of a chain
/// makes for its own destination: "jumphost loop via HOST" when the last
/// hop of its `ProxyJump` names the host it connects to (the name as the
/// hop writes it, compared exactly with the destination's lower-cased
/// `HostName`), on the same port (the hop's, else 22) as the same user
/// (the hop's, else the destination's). A chain that only comes back to
/// a host further on (`-J a,b,a`) is no loop to ssh, nor to sshfleet.
fn jump_loop(hop: &JumpHost, to: &Target) -> Result<(), String> {
    let user = hop.user.as_deref().unwrap_or(&to.credentials.user);
    if hop.host == to.address && hop.port.unwrap_or(22) == to.port && user == to.credentials.user {
        return Err(format!(
            "jumphost loop via {}: the jump host is the host itself ({}:{} as {user}), which ssh refuses too",
            hop.host, to.address, to.port
        ));
    }
    Ok(())
}

/// OpenSSH's `ProxyCommand` tokens: `%h` host, `%k` host key alias (else
/// the name given), `%n` the name given, `%p` port, `%r` user, `%%`. A
/// host or user name with shell metacharacters is refused, never put into
/// the command.
/// The identity files on ssh's command line: Ansible's `-o
/// IdentityFile="KEY"` for the ssh plugin, ssh's first identity.
fn command_line_identities(conn: &ConnectionVars, overrides: &Overrides) -> Vec<String> {
    match (conn.plugin, &overrides.key_file) {
        (Plugin::Ssh, Some(key)) => vec![key.to_string_lossy().into_owned()],
        _ => Vec::new(),
    }
}

fn expand_proxy_command(command: &str, target: &Target, given: &str) -> Result<String, String> {
    let tokens = ssh_config::Tokens {
        host: &target.address,
        original_host: given,
        port: target.port,
        user: &target.credentials.user,
        host_key_alias: target.host_key_alias.as_deref(),
    };
    ssh_config::expand_command(command, &tokens, ssh_config::PROXY_TOKENS)
        .map_err(|e| format!("ProxyCommand: {e}"))
}

/// A `ProxyJump` list with its tokens expanded for the host it leads to,
/// as OpenSSH 9.2 does: it turns the list into the ProxyCommand `ssh -l
/// USER -p PORT -J LATER... FIRST` and expands that command's tokens
/// (`%h %k %n %p %r %%`). A hop whose expansion is not a plain
/// `[user@]host[:port]` (a `%` left, which the jump's own ssh would read
/// as a token again; an `@` or `:` from a token) is refused.
fn expand_hops(hops: &[JumpHost], target: &Target, given: &str) -> Result<Vec<JumpHost>, String> {
    let tokens = ssh_config::Tokens {
        host: &target.address,
        original_host: given,
        port: target.port,
        user: &target.credentials.user,
        host_key_alias: target.host_key_alias.as_deref(),
    };
    let expand = |text: &str| -> Result<String, String> {
        if !text.contains('%') {
            return Ok(text.to_string());
        }
        let expanded = ssh_config::expand_command(text, &tokens, ssh_config::PROXY_TOKENS)
            .map_err(|e| format!("ProxyJump: {e}"))?;
        if expanded.contains('%') {
            return Err(format!(
                "ProxyJump `{text}` becomes `{expanded}`: a `%` left in a jump host is not supported by sshfleet (the jump's own ssh would read it as a token again)"
            ));
        }
        Ok(expanded)
    };
    hops.iter()
        .map(|hop| {
            let user = hop.user.as_deref().map(expand).transpose()?;
            let host = expand(&hop.host)?;
            let expanded = JumpHost {
                user,
                host,
                port: hop.port,
                own_route: hop.own_route,
            };
            // What the jump's ssh would read back from it.
            let reread = JumpHost::parse_list(&expanded.to_string()).ok();
            let same = |back: &[JumpHost]| {
                matches!(back, [one] if (&one.user, &one.host, one.port) == (&expanded.user, &expanded.host, expanded.port))
            };
            if !reread.as_deref().is_some_and(same) {
                return Err(format!(
                    "ProxyJump `{hop}` becomes `{expanded}`, which is not one `[user@]host[:port]`: not supported by sshfleet"
                ));
            }
            Ok(expanded)
        })
        .collect()
}

impl Resolver {
    /// Where and how to reach an inventory host: its connection variables
    /// first (as Ansible passes them to `ssh` on its command line), then
    /// its ssh arguments, then ssh_config, then defaults.
    pub(crate) fn resolve(
        &self,
        host: &Host,
        conn: &ConnectionVars,
    ) -> Result<Target, TargetError> {
        let options = self;
        let (user, key_file) = match conn.plugin {
            Plugin::Ssh => as_ssh_reads_them(&host.name, conn)?,
            // paramiko hands both to paramiko as they are.
            Plugin::Paramiko | Plugin::NetworkCli => (conn.user.clone(), conn.key_file.clone()),
        };
        let overrides = Overrides {
            user,
            port: conn.port,
            key_file,
            key_file_expands: conn.plugin == Plugin::Ssh,
            password_env: conn.password_env.clone(),
            password: conn.password.clone(),
            algorithms: inventory_algorithms(host)?,
        };
        let (args_config, args_route, secret_keywords) = ssh_args_config(&host.name, conn)?;
        let invalid = |var: &str, message: String| TargetError {
            host: host.name.clone(),
            var: var.to_string(),
            message,
        };
        if conn.plugin == Plugin::Ssh {
            command_line_user_is_valid(&host.name, conn, overrides.user.as_deref(), &args_config)?;
        }
        // As Ansible runs ssh: `-o Port=` (ansible_port) and `-o User=`
        // (ansible_user) first, then the ssh arguments, all on the command
        // line, so in force before ssh_config is read: they win, and its
        // `Match user`, `Match host` and `Match exec` see them.
        let given = HostConfig {
            user: overrides.user.clone(),
            port: overrides.port,
            command_line_identities: command_line_identities(conn, &overrides),
            ..HostConfig::default()
        };
        // Ansible's paramiko and network_cli plugins read no ssh_config.
        let no_file = SshConfig::default();
        let file = match conn.plugin {
            Plugin::Ssh => &options.ssh_config,
            Plugin::Paramiko | Plugin::NetworkCli => &no_file,
        };
        let config = file
            .lookup_with(&conn.address, given, &args_config)
            .map_err(|e| {
                let command_line =
                    matches!(&e, SshConfigError::Invalid { path, .. } if path == Path::new("-o"));
                invalid(
                    if command_line {
                        ARGS_VARS
                    } else {
                        "ssh_config"
                    },
                    e.to_string(),
                )
            })?;
        // The route as OpenSSH reads it, the command line's settings then
        // ssh_config's lines in one pass: the first of ProxyJump and
        // ProxyCommand obtained wins, `none` of either counting as
        // obtained, except that `ProxyJump none` still lets a later
        // ProxyCommand through. paramiko's own ProxyCommand (already as
        // paramiko runs it, no OpenSSH tokens) is the route when set.
        let (route_var, jump_var) = if args_route.decided() {
            (ARGS_VARS, ARGS_VARS)
        } else {
            ("ssh_config ProxyCommand", "ssh_config")
        };
        let proxy_command = config
            .proxy_command
            .clone()
            .filter(|c| !c.eq_ignore_ascii_case("none") && conn.proxy_command.is_none());
        let hops = match (&proxy_command, &conn.proxy_command) {
            (None, None) => config.proxy_jump.clone().unwrap_or_default(),
            _ => Vec::new(),
        };
        let from_secret = from_secret::fields(conn, &config, &secret_keywords);
        let mut target = resolve(&conn.address, overrides, config, options)
            .map_err(|message| invalid("ssh_config", message))?;
        target.from_secret = from_secret;
        if conn.plugin == Plugin::Ssh && !ssh_config::safe_host_name(&conn.address) {
            target.name_refused = Some(conn.address.clone());
        }
        let jump_secret = from_secret::jump(&hops, from_secret, &secret_keywords); // ssh checks the last hop as written, before expanding its tokens.
        if let Some(last) = hops.last() {
            jump_loop(last, &target).map_err(|message| invalid(jump_var, message))?;
        }
        let hops = expand_hops(&hops, &target, &conn.address)
            .map_err(|message| invalid(jump_var, message))?;
        if let Some(command) = proxy_command {
            target.proxy_command = Some(
                expand_proxy_command(&command, &target, &conn.address)
                    .map_err(|message| invalid(route_var, message))?,
            );
        } else if let Some(command) = &conn.proxy_command {
            // paramiko's words, quoted for /bin/sh.
            target.proxy_command = Some(command.clone());
            target.proxy_shell = crate::ssh::transport::ProxyShell::Posix;
        }
        // A jump host is reached by the `ssh` that `ssh -J` starts, given
        // neither `-i` nor `-o IdentityFile`: its own identity files, the
        // defaults and the agent; never the inventory's key or the password.
        if !hops.is_empty() {
            for mut jump in options
                .jump_chain(&hops, 0)
                .map_err(|message| invalid(jump_var, message))?
            {
                for field in [Field::Address, Field::Port, Field::User] {
                    jump.from_secret.set(field, jump_secret);
                }
                target.jumps.push(jump);
            }
        }
        Ok(target)
    }

    /// The hosts to go through for a `ProxyJump` list, ending with its
    /// last hop, as `ssh -J` goes: the first hop is reached by its own
    /// configuration (its own `ProxyJump` followed first, or its
    /// `ProxyCommand`), each later hop through the one before it (its own
    /// route is overridden, as the `-J` OpenSSH passes overrides it).
    fn jump_chain(&self, hops: &[JumpHost], depth: usize) -> Result<Vec<Target>, String> {
        const MAX_JUMP_DEPTH: usize = 8;
        let Some(first) = hops.first() else {
            return Ok(Vec::new());
        };
        if depth >= MAX_JUMP_DEPTH {
            return Err(format!(
                "ProxyJump chains more than {MAX_JUMP_DEPTH} deep at {first} (does a jump host jump through itself?)"
            ));
        }
        let mut chain = Vec::new();
        for (index, hop) in hops.iter().enumerate() {
            let overrides = Overrides {
                user: hop.user.clone(),
                port: hop.port,
                ..Overrides::default()
            };
            // OpenSSH runs `ssh -l USER -p PORT ... HOST` for a hop: its
            // user and port are in force before the file is read.
            let given = HostConfig {
                user: overrides.user.clone(),
                port: overrides.port,
                ..HostConfig::default()
            };
            let config = self
                .ssh_config
                .lookup_with(&hop.host, given, &SshConfig::default())
                .map_err(|e| e.to_string())?;
            let own_jumps = config.proxy_jump.clone().unwrap_or_default();
            let own_command = config
                .proxy_command
                .clone()
                .filter(|c| !c.eq_ignore_ascii_case("none"));
            let mut target = resolve(&hop.host, overrides, config, self)?;
            if index == 0 && !hop.own_route {
                // `ProxyJump none,HOP`: ssh runs `ssh -J none HOP`, which
                // sets HOP's route to none.
            } else if index == 0 {
                if let Some(command) = own_command {
                    target.proxy_command =
                        Some(expand_proxy_command(&command, &target, &hop.host)?);
                } else {
                    // ssh checks its jump host as written, then expands it.
                    if let Some(last) = own_jumps.last() {
                        jump_loop(last, &target)?;
                    }
                    let own_jumps = expand_hops(&own_jumps, &target, &hop.host)?;
                    chain.extend(self.jump_chain(&own_jumps, depth + 1)?);
                }
            } else {
                // The ssh OpenSSH runs for this hop goes `-J` through the
                // hops before it: the last of them is its jump host.
                jump_loop(&hops[index - 1], &target)?;
            }
            chain.push(target);
        }
        Ok(chain)
    }
}

/// Note every file `target` (and each of its jumps) will read at
/// connection as an input of the run (`support::bounds::note_input`), so
/// that no output of the run can be one of them: the key files and the
/// public halves read beside them, the known_hosts files, the revoked
/// keys; and the known_hosts file a new key may be added to as an output.
/// Add a path here when a `Target` field names a new file.
pub(crate) fn note_inputs(host: &str, target: &Target) {
    use crate::support::bounds::note_input;
    let keys = target.credentials.key_file.iter().map(|k| ("key file", k));
    let config_keys = target
        .credentials
        .config_key_files
        .iter()
        .map(|k| ("IdentityFile", k));
    for (what, key) in keys.chain(config_keys) {
        note_input(&format!("host {host}'s {what}"), key);
        let mut public = key.as_os_str().to_owned();
        public.push(".pub");
        note_input(
            &format!("host {host}'s {what}'s public half"),
            Path::new(&public),
        );
    }
    // The file a new key is added to is an output too (I5): under
    // accept-new, from `--accept-new-host-keys` or ssh_config.
    let written =
        target.host_key_policy == HostKeyPolicy::AcceptNew && !target.checks.nowhere_to_record;
    crate::support::bounds::note_known_hosts(
        &format!(
            "host {host}'s known_hosts file{}",
            if written {
                " (new keys are added to it)"
            } else {
                ""
            }
        ),
        &target.known_hosts,
        written,
    );
    for file in &target.known_hosts_also {
        crate::support::bounds::note_known_hosts(
            &format!("host {host}'s known_hosts file"),
            file,
            false,
        );
    }
    if let Some(revoked) = &target.checks.revoked_host_keys {
        note_input(&format!("host {host}'s RevokedHostKeys file"), revoked);
    }
    for jump in &target.jumps {
        note_inputs(&format!("{host} (jump {})", jump.address), jump);
    }
}

/// The keys OpenSSH tries when no `IdentityFile` is configured, in its
/// order; missing ones are skipped.
pub(crate) const DEFAULT_IDENTITIES: [&str; 7] = [
    "~/.ssh/id_rsa",
    "~/.ssh/id_ecdsa",
    "~/.ssh/id_ecdsa_sk",
    "~/.ssh/id_ed25519",
    "~/.ssh/id_ed25519_sk",
    "~/.ssh/id_xmss",
    "~/.ssh/id_dsa",
];

/// The host key checks beyond known_hosts: `RevokedHostKeys`,
/// `CASignatureAlgorithms`, `HashKnownHosts`.
fn host_key_checks(
    config: &HostConfig,
    tokens: &ssh_config::Tokens<'_>,
) -> Result<HostKeyChecks, String> {
    let revoked_host_keys = match config.other("revokedhostkeys") {
        Some(value) if !value.first().eq_ignore_ascii_case("none") => Some(
            ssh_config::expand_path("revokedhostkeys", value.first(), tokens)?,
        ),
        _ => None,
    };
    let ca_change = match config.other("casignaturealgorithms") {
        Some(value) => Some(AlgorithmChange::parse(AlgorithmKind::HostKey, value.first())?.0),
        None => None,
    };
    Ok(HostKeyChecks {
        revoked_host_keys,
        ca_signature_algorithms: crate::ssh::algorithms::ca_signature_names(ca_change.as_ref()),
        hash_known_hosts: config.flag("hashknownhosts").unwrap_or(false),
        nowhere_to_record: false,
    })
}

/// The authentication methods and key sources ssh_config allows:
/// `PubkeyAuthentication`, `PasswordAuthentication`,
/// `KbdInteractiveAuthentication`, `PreferredAuthentications`,
/// `IdentityAgent`.
fn methods(config: &HostConfig, tokens: &ssh_config::Tokens<'_>) -> Result<Methods, String> {
    let on = |keyword: &str, method: &str| {
        config.flag(keyword).unwrap_or(true) && ssh_config::method_allowed(config, method)
    };
    let agent = match config.other("identityagent").map(Obtained::first) {
        None | Some("SSH_AUTH_SOCK") => AgentSource::Environment,
        Some(none) if none.eq_ignore_ascii_case("none") => AgentSource::None,
        // `$NAME` (not `${NAME}`, which is expanded in the path below), as
        // ssh.c reads its legacy form: a name that is not a variable's is
        // refused; one that is not set is no agent.
        Some(var) if var.starts_with('$') && !var.starts_with("${") => {
            let name = &var[1..];
            // misc.c `valid_env_name`: not empty, letters, digits, `_`.
            let valid =
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(format!(
                    "Invalid IdentityAgent environment variable name {var} (ssh refuses it too)"
                ));
            }
            match std::env::var_os(name) {
                Some(path) => AgentSource::Socket(PathBuf::from(path)),
                None => AgentSource::None,
            }
        }
        Some(path) => AgentSource::Socket(ssh_config::expand_path("identityagent", path, tokens)?),
    };
    let password = on("passwordauthentication", "password");
    let keyboard_interactive = on("kbdinteractiveauthentication", "keyboard-interactive");
    let no_password_because = no_password_because(config, password || keyboard_interactive);
    Ok(Methods {
        publickey: on("pubkeyauthentication", "publickey"),
        password: password && no_password_because.is_none(),
        keyboard_interactive: keyboard_interactive && no_password_because.is_none(),
        agent,
        no_password_because,
    })
}

/// The setting that keeps every password from being sent, cited with its
/// file and line: `BatchMode yes` and `NumberOfPasswordPrompts 0` (ssh
/// cannot prompt for one), else, when no password method is left
/// (`any_method` false), `PreferredAuthentications`,
/// `PasswordAuthentication` and `KbdInteractiveAuthentication`.
fn no_password_because(config: &HostConfig, any_method: bool) -> Option<String> {
    let cite = |keyword: &str| {
        config.other(keyword).map(|v| {
            format!(
                "{} {} ({}:{})",
                keywords_name(keyword),
                v.args.join(" "),
                v.path.display(),
                v.line
            )
        })
    };
    if config.flag("batchmode") == Some(true) {
        return cite("batchmode");
    }
    if config
        .other("numberofpasswordprompts")
        .is_some_and(|v| ssh_config::strtonum(v.first(), 0, 0).is_some())
    {
        return cite("numberofpasswordprompts");
    }
    if any_method {
        return None;
    }
    let preferred = ["password", "keyboard-interactive"]
        .iter()
        .all(|m| !ssh_config::method_allowed(config, m));
    if preferred {
        return cite("preferredauthentications");
    }
    let off: Vec<String> = ["passwordauthentication", "kbdinteractiveauthentication"]
        .iter()
        .filter_map(|k| cite(k))
        .collect();
    Some(off.join(" and ")).filter(|s| !s.is_empty())
}

/// The keyword as the OpenSSH manual spells it, for messages.
fn keywords_name(keyword: &str) -> &'static str {
    match keyword {
        "batchmode" => "BatchMode",
        "numberofpasswordprompts" => "NumberOfPasswordPrompts",
        "preferredauthentications" => "PreferredAuthentications",
        "passwordauthentication" => "PasswordAuthentication",
        _ => "KbdInteractiveAuthentication",
    }
}

/// OpenSSH's default `UserKnownHostsFile` and `GlobalKnownHostsFile`.
const DEFAULT_USER_KNOWN_HOSTS: [&str; 2] = ["~/.ssh/known_hosts", "~/.ssh/known_hosts2"];
const DEFAULT_GLOBAL_KNOWN_HOSTS: [&str; 2] =
    ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"];

/// `UserKnownHostsFile none` / `GlobalKnownHostsFile none`: OpenSSH
/// compares the value as written (any case), before `~`, `${VAR}` or `%`
/// expansion; a value that only expands to `none` is a file of that name.
fn is_none(files: &[String]) -> bool {
    matches!(files, [one] if one.eq_ignore_ascii_case("none"))
}

fn resolve(
    alias: &str,
    overrides: Overrides,
    config: HostConfig,
    options: &Resolver,
) -> Result<Target, String> {
    // ssh lower-cases the name it connects to.
    let address = config
        .host_name
        .clone()
        .unwrap_or_else(|| alias.to_ascii_lowercase());
    let port = overrides.port.or(config.port).unwrap_or(22);
    let user = overrides
        .user
        .or(config.user.clone())
        .or_else(|| Some(ssh_config::local_user()).filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "admin".to_string());
    let tokens = ssh_config::Tokens {
        host: &address,
        original_host: alias,
        port,
        user: &user,
        host_key_alias: config.host_key_alias.as_deref(),
    };
    let expand = |keyword: &str, files: &[String]| -> Result<Vec<PathBuf>, String> {
        files
            .iter()
            .map(|f| ssh_config::expand_path(keyword, f, &tokens))
            .collect()
    };
    // An identity named `none` (any case) is skipped by ssh as it loads
    // identities (ssh.c `load_public_identity_files`), yet it is one: the
    // default key files are not added. So for `-o IdentityFile="none"`,
    // which Ansible's ssh plugin hands over for a key file named so.
    let named = overrides.key_file.is_some();
    let key_file = match overrides.key_file {
        Some(key) if overrides.key_file_expands && is_identity_none(&key.to_string_lossy()) => None,
        Some(key) if overrides.key_file_expands => Some(ssh_config::expand_path(
            "identityfile",
            &key.to_string_lossy(),
            &tokens,
        )?),
        key => key,
    };
    let identity_files: Vec<String> = if config.identity_files.is_empty() && !named {
        DEFAULT_IDENTITIES.map(str::to_string).to_vec()
    } else {
        config
            .identity_files
            .iter()
            .filter(|f| !is_identity_none(f))
            .cloned()
            .collect()
    };
    let config_key_files = expand("identityfile", &identity_files)?;
    let (known_hosts, known_hosts_also) = known_hosts_files(&config, options, &expand)?;
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
    let mut checks = host_key_checks(&config, &tokens)?;
    checks.nowhere_to_record =
        !options.known_hosts_fixed && config.known_hosts_files.as_deref().is_some_and(is_none);
    let methods = methods(&config, &tokens)?;
    Ok(Target {
        address,
        port,
        credentials: Credentials {
            user,
            key_file,
            config_key_files,
            password_env: overrides.password_env,
            identities_only: config.identities_only.unwrap_or(false),
            password: overrides.password,
            methods,
        },
        address_family: match config
            .other("addressfamily")
            .map(|v| v.first().to_ascii_lowercase())
        {
            Some(family) if family == "inet" => AddressFamily::Inet,
            Some(family) if family == "inet6" => AddressFamily::Inet6,
            _ => AddressFamily::Any,
        },
        checks,
        known_hosts,
        known_hosts_also,
        host_key_alias: config.host_key_alias,
        host_key_policy,
        algorithms,
        jumps: Vec::new(),
        name_refused: None,
        proxy_command: None,
        proxy_shell: crate::ssh::transport::ProxyShell::User,
        from_secret: FromSecret::default(),
    })
}

/// A keyword's path values expanded for one host (`ssh_config::expand_path`).
type ExpandPaths<'a> = dyn Fn(&str, &[String]) -> Result<Vec<PathBuf>, String> + 'a;

/// The known_hosts file new keys are recorded in, and the others read.
/// OpenSSH reads every UserKnownHostsFile and the global files, and records
/// new keys in the first user file; `none` is read as written, before
/// expansion.
fn known_hosts_files(
    config: &HostConfig,
    options: &Resolver,
    expand: &ExpandPaths<'_>,
) -> Result<(PathBuf, Vec<PathBuf>), String> {
    if options.known_hosts_fixed {
        return Ok((options.known_hosts.clone(), Vec::new()));
    }
    let mut user_files = match &config.known_hosts_files {
        // Read nothing and record nowhere (`checks.nowhere_to_record`).
        Some(files) if is_none(files) => vec![PathBuf::from("/dev/null")],
        Some(files) => expand("userknownhostsfile", files)?,
        None => {
            let mut files = vec![options.known_hosts.clone()];
            files.extend(expand(
                "userknownhostsfile",
                &DEFAULT_USER_KNOWN_HOSTS.map(str::to_string)[1..],
            )?);
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
    if !is_none(&global) {
        user_files.extend(expand("globalknownhostsfile", &global)?);
    }
    Ok((first, user_files))
}

/// `IdentityFile none`, which ssh skips (compared as written, any case).
fn is_identity_none(file: &str) -> bool {
    file.eq_ignore_ascii_case("none")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {

    use super::*;
    use crate::inventory::Inventory;

    fn target(inventory: &str, config: &str) -> Result<Target, TargetError> {
        let inventory = Inventory::parse(inventory, Path::new("inv.yaml")).unwrap();
        let config = SshConfig::parse(config, Path::new("cfg")).unwrap();
        let host = &inventory.hosts()[0];
        let conn = inventory.connection(host, None).map_err(|e| TargetError {
            host: host.name.clone(),
            var: "connection".to_string(),
            message: e.to_string(),
        })?;
        Resolver::new(PathBuf::from("/kh"), HostKeyPolicy::Strict)
            .with_ssh_config(config, false, false)
            .resolve(host, &conn)
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
        let t = Resolver::new(PathBuf::from("/cli_hosts"), HostKeyPolicy::AcceptNew)
            .with_ssh_config(config, true, true)
            .resolve(
                &inventory.hosts()[0],
                &inventory.connection(&inventory.hosts()[0], None).unwrap(),
            )
            .unwrap();
        assert_eq!(t.known_hosts, PathBuf::from("/cli_hosts"));
        assert_eq!(t.host_key_policy, HostKeyPolicy::AcceptNew);
    }

    #[test]
    fn proxy_command_and_flags_from_ssh_args() {
        // ssh leaves out a `-i` file that is not there: this one is.
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k");
        std::fs::write(&key, "").unwrap();
        let t = target(
            &format!("all:\n  hosts:\n    esa01:\n      ansible_host: 192.0.2.1\n      ansible_user: ops\n      ansible_ssh_common_args: \"-4C -p 2022 -l nobody -i {} -o 'ProxyCommand nc %h %p # %r %%'\"\n      ansible_host_key_checking: false\n", key.display()),
            "Host bastion\n",
        )
        .unwrap();
        assert_eq!(t.port, 2022);
        assert_eq!(t.credentials.user, "ops");
        assert_eq!(t.credentials.config_key_files, [key]);
        assert_eq!(
            t.proxy_command.as_deref(),
            Some("nc 192.0.2.1 2022 # ops %")
        );
        assert_eq!(t.host_key_policy, HostKeyPolicy::AcceptNew);
        assert!(t.jumps.is_empty());
        // The first of ProxyJump and ProxyCommand wins, as in OpenSSH.
        let t = target(
            "all:\n  hosts:\n    esa01:\n      ansible_ssh_common_args: -J ops@bastion -o ProxyCommand=nc\n",
            "",
        )
        .unwrap();
        assert_eq!((t.proxy_command, t.jumps.len()), (None, 1));
        // `ssh -o ProxyCommand=none -J bastion` stops: "Cannot specify -J
        // with ProxyCommand" (ssh -G, OpenSSH 9); refused likewise.
        let err = target(
            "all:\n  hosts:\n    esa01:\n      ansible_ssh_common_args: -o ProxyCommand=none -J bastion\n",
            "",
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("cannot specify -J with ProxyCommand"),
            "{err}"
        );
    }

    #[test]
    fn paramiko_reads_its_own_names_and_no_ssh_config() {
        let t = target(
            "all:\n  hosts:\n    esa01:\n      ansible_connection: paramiko\n      ansible_user: a\n      ansible_paramiko_user: p\n      ansible_paramiko_port: 2022\n      ansible_ssh_common_args: -o ProxyCommand=ignored -J ignored\n      ansible_paramiko_proxy_command: nc %h %p\n",
            "Host esa01\n  HostName elsewhere\n  IdentityFile /keys/cfg\n",
        )
        .unwrap();
        assert_eq!(t.address, "esa01");
        assert_eq!((t.port, t.credentials.user.as_str()), (2022, "p"));
        // ssh_config's IdentityFile is not read (the default keys are
        // tried, as paramiko's look_for_keys does).
        assert!(
            !t.credentials
                .config_key_files
                .contains(&PathBuf::from("/keys/cfg"))
                && t.jumps.is_empty()
        );
        assert_eq!(t.proxy_command.as_deref(), Some("nc esa01 2022"));
        // network_cli connects through paramiko when told so, and then
        // reads paramiko's names (ansible_ssh_host beats ansible_host).
        let t = target(
            "all:\n  hosts:\n    sw01:\n      ansible_connection: ansible.netcommon.network_cli\n      ansible_network_cli_ssh_type: paramiko\n      ansible_network_os: cisco.ios.ios\n      ansible_host: 192.0.2.9\n      ansible_ssh_host: 192.0.2.99\n      ansible_ssh_user: legacy\n",
            "",
        )
        .unwrap();
        assert_eq!(t.address, "192.0.2.99");
        assert_eq!(t.credentials.user, "legacy");
        // Otherwise (libssh, or `auto`: whatever the controller has
        // installed) it is refused, and so is a missing network_os.
        for (vars, needle) in [
            ("", "ansible_network_cli_ssh_type: paramiko"),
            (
                "      ansible_network_cli_ssh_type: libssh\n",
                "only through paramiko",
            ),
            (
                "      ansible_network_cli_ssh_type: paramiko\n",
                "ansible_network_os",
            ),
        ] {
            let inv =
                format!("all:\n  hosts:\n    sw01:\n      ansible_connection: network_cli\n{vars}");
            let err = target(&inv, "").unwrap_err().to_string();
            assert!(err.contains(needle), "{vars}: {err}");
        }
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
            ("ansible_ssh_common_args: -F /etc/other", "`-F`"),
            ("ansible_ssh_common_args: plain", "not an ssh option"),
            (
                "ansible_ssh_common_args: -oProxyCommand=",
                "needs a command",
            ),
            ("ansible_ssh_common_args: -o ProxyCommand=nc_%x", "%x"),
            (
                "ansible_ssh_common_args: -o ProxyCommand=nc_%",
                "`%` at the end",
            ),
            ("sshfleet_ciphers: [aes128-ctr]", "must be text"),
            ("sshfleet_macs: 2024-01-02", "must be text"),
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
mod differential;

#[cfg(test)]
mod ssh_tests;

#[cfg(test)]
mod command_line;

#[cfg(test)]
mod route_tests;

#[cfg(test)]
mod flag_expansion_tests;
#[cfg(test)]
mod flag_tests;
