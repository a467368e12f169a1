//! A host's connection values as the connection plugin that reaches it
//! reads them (ssh, paramiko, network_cli through paramiko: the tables of
//! [`super::plugin_vars`]): for each option the *last* of its variable
//! names that is set wins (so a legacy `ansible_ssh_user` beats
//! `ansible_user` wherever each is set), the value is rendered with Jinja,
//! then typed. Hosts whose `ansible_connection` is not an SSH one are
//! refused by name.

use std::path::PathBuf;

use serde_json::Value as Json;
use serde_yaml::Value;

use super::template::{Facts, Templar};
use super::vars::{expand_home, is_env_name};
use super::{Host, InventoryError, Origin, PASSWORD_ENV_VAR, VaultSecret};

pub(crate) use super::plugin_vars::Plugin;
use super::plugin_vars::{ConnectionType, Setting, connection_type, vars_of};

/// The settings sshfleet takes from a plugin's variables.
const READ_SETTINGS: [Setting; 8] = [
    Setting::Host,
    Setting::Port,
    Setting::User,
    Setting::Password,
    Setting::KeyFile,
    Setting::HostKeyChecking,
    Setting::ProxyCommand,
    Setting::SshArgs,
];

impl Plugin {
    /// The plugin an `ansible_connection` value names, when sshfleet
    /// computes that connection (network_cli: when its variables say
    /// paramiko, checked per host).
    pub(super) fn of(name: &str) -> Option<Plugin> {
        match connection_type(name) {
            ConnectionType::Reads(p) => Some(p),
            ConnectionType::NetworkCli => Some(Plugin::NetworkCli),
            ConnectionType::NotSsh => None,
        }
    }

    fn vars(self, setting: Setting) -> &'static [&'static str] {
        vars_of(self, setting)
    }
}

/// Why a connection value that is a date or datetime is refused: Ansible
/// hands the plugin a Python `date`/`datetime`, which its string and
/// integer options refuse ("Invalid value provided for 'string'") and its
/// boolean ones read as false; never the text as written.
const TIMESTAMP_REFUSED: &str = "is a date/time to Ansible (an unquoted YAML timestamp), not text: Ansible fails the host (or reads a boolean option as false); quote the value";

/// Key *contents* (ansible-core 2.19's `private_key`): not supported.
const KEY_CONTENT_VARS: [&str; 2] = ["ansible_private_key", "ansible_ssh_private_key"];

/// A password: the one secret type (never printed).
pub(crate) use crate::support::secrets::Secret;

/// What the inventory says about reaching a host, typed and rendered.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ConnectionVars {
    /// `ansible_ssh_host` / `ansible_host`, else the inventory name.
    pub address: String,
    /// `ansible_ssh_port` / `ansible_port`, if set (only then does it beat
    /// the ssh arguments and ssh_config, as with Ansible).
    pub port: Option<u16>,
    pub user: Option<String>,
    pub key_file: Option<PathBuf>,
    /// The variables `user` and `key_file` came from and where they were
    /// set: the ssh plugin hands both to ssh as `-o` options, which ssh
    /// then reads (and may refuse) after the inventory is read.
    pub user_from: Option<(String, Origin)>,
    pub key_file_from: Option<(String, Origin)>,
    pub password: Option<Secret>,
    /// `sshfleet_password_env`: the environment variable holding the
    /// password, read at connection time.
    pub password_env: Option<String>,
    /// `ansible_ssh_common_args` then `ansible_ssh_extra_args`, as words.
    pub ssh_args: Vec<SshArgs>,
    /// `ansible_host_key_checking` / `ansible_ssh_host_key_checking`, if set.
    pub host_key_checking: Option<bool>,
    /// Which plugin Ansible would connect with.
    pub plugin: Plugin,
    /// paramiko's `ansible_paramiko_proxy_command`, expanded as its
    /// plugin does and quoted for `sh -c` ([`paramiko_proxy_command`]).
    pub proxy_command: Option<String>,
    /// The Ansible password variable is `{{ lookup('env', NAME) }}`, kept
    /// as `password_env` (NAME), read when connecting.
    pub password_from_ansible_env: bool,
    /// Which of `address`, `port`, `user` and `proxy_command` were
    /// computed from a secret, decided from the variable each was read
    /// from (docs/SECURITY.md I4).
    pub from_secret: crate::support::secrets::FromSecret,
}

/// One variable's ssh arguments, split into words as Ansible splits them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SshArgs {
    pub var: String,
    pub origin: Origin,
    pub words: Vec<String>,
    /// The variable read a secret: every option its words set is from one.
    pub from_secret: bool,
}

/// The last of `names` that the host sets, and its value.
pub(crate) fn last_set<'h>(
    host: &'h Host,
    names: &[&'static str],
) -> Option<(&'static str, &'h Value)> {
    names
        .iter()
        .rev()
        .find_map(|n| host.vars.get(n).filter(|v| !v.is_null()).map(|v| (*n, v)))
}

impl super::Inventory {
    /// A host's connection values, rendered and typed; `secret` opens
    /// `!vault` values. Errors name the variable's file and line.
    pub(crate) fn connection(
        &self,
        host: &Host,
        secret: Option<&VaultSecret>,
    ) -> Result<ConnectionVars, InventoryError> {
        host.connection_with(secret, Some(&self.facts))
    }
}

impl super::Inventory {
    /// `host` with its variables `names` (a playbook's) rendered as
    /// Ansible renders them (Jinja, `!vault`); errors name the variable's
    /// file and line.
    pub(crate) fn with_rendered_vars<'n>(
        &self,
        host: &Host,
        names: impl IntoIterator<Item = &'n str>,
        secret: Option<&VaultSecret>,
    ) -> Result<Host, InventoryError> {
        let templar = Templar::new(
            &host.name,
            &host.groups,
            &host.vars,
            secret,
            Some(&self.facts),
        );
        let mut out = host.clone();
        for name in names {
            if !host.vars.contains_key(name) {
                continue;
            }
            let origin = host.vars.origin(name).cloned().unwrap_or_default();
            // An inline `!vault` that cannot be rendered is mostly one that
            // cannot be decrypted, whose error names no secret: kept.
            let inline_vault = matches!(host.vars.get(name),
                Some(serde_yaml::Value::Tagged(t)) if t.tag == "vault");
            let secret_var = crate::support::secrets::is_secret_name(name)
                || (!inline_vault
                    && super::secret_values::is_secret_var(host, Some(&origin), name));
            let fail = |m: String| {
                // Quoting none of a secret (docs/SECURITY.md I4).
                let m = if secret_var {
                    crate::support::secrets::mask_quoted(&m)
                } else {
                    m
                };
                InventoryError::at(
                    &origin,
                    format!("host {}: cannot render `{name}` (Jinja): {m}", host.name),
                )
            };
            let value = templar.var(name).map_err(fail)?.unwrap_or_default();
            let value = serde_yaml::to_value(&value).map_err(|e| fail(e.to_string()))?;
            out.vars.insert(name.to_string(), value);
        }
        Ok(out)
    }
}

impl Host {
    /// The connection values; errors name where each variable was set.
    pub(super) fn connection_with(
        &self,
        secret: Option<&VaultSecret>,
        facts: Option<&std::sync::Arc<Facts>>,
    ) -> Result<ConnectionVars, InventoryError> {
        let r = Reader {
            host: self,
            templar: Templar::new(&self.name, &self.groups, &self.vars, secret, facts),
        };
        let plugin = r.plugin()?;
        r.check_supported(plugin)?;
        use crate::support::secrets::Field;
        let mut from_secret = crate::support::secrets::FromSecret::default();
        let address = match r.get(plugin.vars(Setting::Host))? {
            Some((var, v)) => {
                from_secret.set(Field::Address, r.read_secret(var));
                let address = text(&v);
                if address.is_empty() || address.contains(char::is_whitespace) {
                    return Err(r.bad(var, format!("is not a host name or address: `{address}`")));
                }
                // ssh reads `user@host` and `ssh://user@host:port` itself,
                // against Ansible's own -o User/Port: not computed here.
                if address.contains('@') || address.starts_with("ssh://") {
                    return Err(r.bad(
                        var,
                        format!("holds a user or URL (`{address}`), which ssh would read itself; set ansible_user/ansible_port instead"),
                    ));
                }
                address
            }
            // The inventory name is ssh's destination, which ssh reads
            // as `user@host` or `ssh://[user@]host[:port]` just the same.
            None if self.name.contains('@') || self.name.starts_with("ssh://") => {
                let path = facts
                    .and_then(|f| f.hosts.get(&self.name))
                    .and_then(|h| h.source.clone())
                    .unwrap_or_default();
                return Err(InventoryError::InvalidNoLine {
                    path,
                    message: format!(
                        "host {0}: with no ansible_host the host name is ssh's destination, and it holds a user or URL (`{0}`), which ssh would read itself; set ansible_host, ansible_user and ansible_port instead",
                        self.name
                    ),
                });
            }
            None => self.name.clone(),
        };
        let port = match r.get(plugin.vars(Setting::Port))? {
            Some((var, v)) => {
                from_secret.set(Field::Port, r.read_secret(var));
                Some(port(&v).map_err(|m| r.bad(var, m))?)
            }
            None => None,
        };
        let (user, user_from) = r
            .get(plugin.vars(Setting::User))?
            .map(|(var, v)| (text(&v), var))
            .filter(|(u, _)| !u.is_empty())
            .map(|(u, var)| {
                from_secret.set(Field::User, r.read_secret(var));
                (Some(u), Some((var.to_string(), r.origin(var))))
            })
            .unwrap_or_default();
        let (key_file, key_file_from) = r
            .get(plugin.vars(Setting::KeyFile))?
            .map(|(var, v)| (text(&v), var))
            .filter(|(k, _)| !k.is_empty())
            .map(|(k, var)| {
                from_secret.set(Field::KeyFiles, r.read_secret(var));
                (
                    Some(expand_home(&k)),
                    Some((var.to_string(), r.origin(var))),
                )
            })
            .unwrap_or_default();
        let (password, password_env, password_from_ansible_env) = r.passwords(plugin)?;
        let ssh_args = r.ssh_args(plugin)?;
        let host_key_checking = match r.get(plugin.vars(Setting::HostKeyChecking))? {
            Some((var, v)) => Some(
                boolean(&v)
                    .ok_or_else(|| r.bad(var, format!("is not a boolean: `{}`", text(&v))))?,
            ),
            None => None,
        };
        // The plugins' variables table says which plugins read one
        // (paramiko, network_cli through paramiko; not ssh).
        let proxy_command = match r.get(plugin.vars(Setting::ProxyCommand))? {
            Some((var, v)) if !text(&v).is_empty() => {
                // `%h`, `%p` and `%r` carry those fields in.
                let secret = r.read_secret(var) || from_secret.any();
                from_secret.set(Field::ProxyCommand, secret);
                Some(
                    paramiko_proxy_command(&text(&v), &address, port, user.as_deref())
                        .map_err(|m| r.bad(var, m))?,
                )
            }
            _ => None,
        };
        Ok(ConnectionVars {
            from_secret,
            password_from_ansible_env,
            plugin,
            proxy_command,
            host_key_checking,
            address,
            port,
            user,
            key_file,
            user_from,
            key_file_from,
            password,
            password_env,
            ssh_args,
        })
    }
}

/// Reads one host's connection variables: each rendered, errors naming
/// the variable's file and line.
struct Reader<'a> {
    host: &'a Host,
    templar: Templar,
}

impl Reader<'_> {
    /// Whether `var`, as rendered, is or read a secret: a `!vault`
    /// value, a secret-named variable, a vault file's, or a template that
    /// read one.
    fn read_secret(&self, var: &str) -> bool {
        self.templar.reads_secret(var)
            || super::secret_values::is_secret_var(self.host, self.host.vars.origin(var), var)
    }

    fn origin(&self, var: &str) -> Origin {
        self.host.vars.origin(var).cloned().unwrap_or_default()
    }

    fn bad(&self, var: &str, message: String) -> InventoryError {
        let message = self.shown(var, message);
        InventoryError::at(
            &self.origin(var),
            format!("host {}: `{var}` {message}", self.host.name),
        )
    }

    /// An error about `var`'s value, quoting none of it if it is secret:
    /// a vault value, or a secret-named variable (docs/SECURITY.md I4).
    fn shown(&self, var: &str, message: String) -> String {
        if super::secret_values::is_secret_var(self.host, self.host.vars.origin(var), var) {
            crate::support::secrets::mask_quoted(&message)
        } else {
            message
        }
    }

    fn render(&self, var: &str) -> Result<Json, InventoryError> {
        self.templar
            .var(var)
            .map(Option::unwrap_or_default)
            .map_err(|m| self.unrenderable(var, m))
    }

    fn unrenderable(&self, var: &str, message: String) -> InventoryError {
        // An inline `!vault` value that cannot be rendered is mostly one
        // that cannot be decrypted: that error names the vault id, no
        // secret, and is kept.
        let inline_vault = !crate::support::secrets::is_secret_name(var)
            && self
                .host
                .vars
                .get(var)
                .is_some_and(|v| matches!(v, serde_yaml::Value::Tagged(t) if t.tag == "vault"));
        let message = if inline_vault {
            message
        } else {
            self.shown(var, message)
        };
        InventoryError::at(
            &self.origin(var),
            format!(
                "host {}: cannot render `{var}` (Jinja): {message}",
                self.host.name
            ),
        )
    }

    /// The last of `names` set, rendered (`None` if unset or null).
    fn get(&self, names: &[&'static str]) -> Result<Option<(&'static str, Json)>, InventoryError> {
        let Some((var, _)) = last_set(self.host, names) else {
            return Ok(None);
        };
        let rendered = self.render(var)?;
        if self.templar.is_timestamp(var) {
            return Err(self.bad(var, TIMESTAMP_REFUSED.to_string()));
        }
        // Every connection option is a string, integer or boolean in
        // Ansible: a list or mapping fails the host ("Invalid value
        // provided for 'string'").
        if rendered.is_array() || rendered.is_object() {
            let kind = if rendered.is_array() {
                "a list"
            } else {
                "a mapping"
            };
            return Err(self.bad(
                var,
                format!("is {kind}, which Ansible refuses for a connection option (a string, port number or boolean)"),
            ));
        }
        // Python cannot pass a NUL to a process: Ansible fails the host
        // ("embedded null byte").
        if rendered.as_str().is_some_and(|t| t.contains('\0')) {
            return Err(self.bad(
                var,
                "holds a NUL character, on which Ansible fails the host (\"embedded null byte\")"
                    .to_string(),
            ));
        }
        Ok((!rendered.is_null()).then_some((var, rendered)))
    }

    fn plugin(&self) -> Result<Plugin, InventoryError> {
        match self.get(&["ansible_connection"])? {
            None => Ok(Plugin::Ssh),
            Some((var, kind)) => {
                let kind = text(&kind);
                let plugin = Plugin::of(&kind).ok_or_else(|| {
                    let at = self.origin(var);
                    let secret = super::secret_values::is_secret_var(self.host, Some(&at), var);
                    InventoryError::NotSsh {
                        path: at.path,
                        line: at.line,
                        host: self.host.name.clone(),
                        kind: if secret {
                            crate::support::secrets::MASK.to_string()
                        } else {
                            kind.clone()
                        },
                    }
                })?;
                if plugin == Plugin::NetworkCli {
                    self.check_network_cli(var)?;
                }
                Ok(plugin)
            }
        }
    }

    /// network_cli connects through the plugin its `ssh_type` names
    /// (`auto`, the default, is ansible-pylibssh when the controller has
    /// it installed, else paramiko; the environment or ansible.cfg may set
    /// it too): only an explicit `paramiko` is computed. Without
    /// `ansible_network_os` Ansible fails the host.
    fn check_network_cli(&self, connection_var: &str) -> Result<(), InventoryError> {
        const SSH_TYPE: &str = "ansible_network_cli_ssh_type";
        match self.get(&[SSH_TYPE])? {
            Some((_, v)) if text(&v) == "paramiko" => {}
            Some((var, v)) => {
                return Err(self.bad(
                    var,
                    format!("is `{}`: sshfleet computes network_cli hosts only through paramiko (set it to `paramiko`, or use ansible_connection: ssh)", text(&v)),
                ));
            }
            None => {
                return Err(self.bad(
                    connection_var,
                    format!("is network_cli without `{SSH_TYPE}: paramiko`: network_cli then connects through ansible-pylibssh when the controller has it installed (or what ANSIBLE_NETWORK_CLI_SSH_TYPE says), else paramiko, which read different variables; set `{SSH_TYPE}: paramiko`, or use ansible_connection: ssh"),
                ));
            }
        }
        if self.get(&["ansible_network_os"])?.is_none() {
            return Err(self.bad(
                connection_var,
                "is network_cli without `ansible_network_os`, which Ansible needs (it fails the host: \"Unable to automatically determine host network os\")".to_string(),
            ));
        }
        Ok(())
    }

    /// As Ansible's task executor: every variable the plugin reads is
    /// rendered, and one that cannot be fails the host, even if another
    /// name of the same option wins. Then what sshfleet does not support.
    fn check_supported(&self, plugin: Plugin) -> Result<(), InventoryError> {
        for &var in plugin.vars(Setting::Templated) {
            if self.host.vars.get(var).is_some_and(|v| !v.is_null()) {
                // Rendered, not typed: a value sshfleet cannot carry (a
                // float that is not finite) is refused only where it wins.
                self.templar
                    .renders(var)
                    .map_err(|m| self.unrenderable(var, m))?;
                // A variable of a setting sshfleet reads is refused only
                // where it wins (`get`): Ansible types the winner alone.
                // One of an option sshfleet does not read is refused
                // whenever it is a timestamp.
                let read = READ_SETTINGS.iter().any(|&s| plugin.vars(s).contains(&var));
                if !read && self.templar.is_timestamp(var) {
                    return Err(self.bad(var, TIMESTAMP_REFUSED.to_string()));
                }
            }
        }
        for var in KEY_CONTENT_VARS {
            if self.host.vars.contains_key(var) {
                return Err(self.bad(
                    var,
                    "(a private key's contents) is not supported: use ansible_ssh_private_key_file"
                        .to_string(),
                ));
            }
        }
        if self.host.vars.contains_key("ansible_ssh_args") {
            return Err(self.bad(
                "ansible_ssh_args",
                "is not supported (it replaces Ansible's default ssh arguments); use ansible_ssh_common_args".to_string(),
            ));
        }
        Ok(())
    }

    /// The password, the environment variable holding it, and whether that
    /// variable came from Ansible's `{{ lookup('env', NAME) }}`.
    fn passwords(
        &self,
        plugin: Plugin,
    ) -> Result<(Option<Secret>, Option<String>, bool), InventoryError> {
        // `{{ lookup('env', 'NAME') }}` alone stays a *name*, read when
        // connecting, so that an unset variable is an error there rather
        // than an empty password.
        let env_idiom = last_set(self.host, plugin.vars(Setting::Password))
            .and_then(|(_, v)| v.as_str())
            .and_then(env_lookup);
        let env_idiom_set = env_idiom.is_some();
        let password = match env_idiom {
            Some(_) => None,
            None => self
                .get(plugin.vars(Setting::Password))?
                .map(|(_, v)| text(&v))
                .filter(|p| !p.is_empty())
                .map(Secret::new),
        };
        if let Some((var, Value::String(raw))) = last_set(self.host, plugin.vars(Setting::Password))
            && password.is_some()
            && !raw.contains("{{")
            && !raw.contains("{%")
        {
            warn_clear_text(&self.host.name, var, &self.origin(var));
        }
        let ansible_password_set = last_set(self.host, plugin.vars(Setting::Password)).is_some();
        let password_env = match self.get(&[PASSWORD_ENV_VAR])? {
            _ if env_idiom.is_some() => env_idiom,
            // Ansible's own password variable wins over sshfleet's.
            _ if ansible_password_set => None,
            Some((var, v)) => {
                let name = text(&v);
                if !is_env_name(&name) {
                    // Not echoed: a password pasted here by mistake is still a password.
                    return Err(self.bad(
                        var,
                        "must be the name of an environment variable (letters, digits and `_`, not starting with a digit)"
                            .to_string(),
                    ));
                }
                Some(name)
            }
            None => None,
        };
        Ok((password, password_env, env_idiom_set))
    }

    /// `ansible_ssh_common_args` then `ansible_ssh_extra_args`, split as
    /// Python's shlex.split (as the ssh plugin splits them). Only the ssh
    /// plugin passes these to ssh; paramiko and network_cli ignore them,
    /// and so does sshfleet for those hosts.
    fn ssh_args(&self, plugin: Plugin) -> Result<Vec<SshArgs>, InventoryError> {
        let args_vars = plugin.vars(Setting::SshArgs);
        let mut ssh_args = Vec::new();
        for &var in args_vars {
            if let Some((var, v)) = self.get(&[var])? {
                let line = text(&v);
                // `_split_ssh_args`: each word stripped of Python's
                // white space, empty ones dropped (`-o '' -p 1` is
                // `-o -p 1` to ssh).
                let words = super::pyliteral::shlex_split(&line, false)
                    .map_err(|e| self.bad(var, format!("has unbalanced quotes ({e})")))?
                    .into_iter()
                    .map(|w| w.trim_matches(super::pynum::py_isspace).to_string())
                    .filter(|w| !w.is_empty())
                    .collect();
                ssh_args.push(SshArgs {
                    var: var.to_string(),
                    origin: self.origin(var),
                    words,
                    from_secret: self.read_secret(var),
                });
            }
        }
        Ok(ssh_args)
    }
}

/// The tokens Ansible's paramiko plugin replaces in its ProxyCommand, in
/// its order, with what: a plain text replace each (`%%` is no escape, and
/// every other `%` stays as written), which is why this is not OpenSSH's
/// expansion.
const PARAMIKO_TOKENS: [&str; 3] = ["%h", "%p", "%r"];

/// `ansible_paramiko_proxy_command` as ansible-core 2.19's paramiko plugin
/// runs it: `%h` (the address as given), `%p` (the port, 22 unless set)
/// and `%r` (the user) replaced in that order by `str.replace`, the result
/// split as `shlex.split` splits it and run without a shell (paramiko's
/// `ProxyCommand`). sshfleet runs a ProxyCommand with `sh -c`, so each
/// word is quoted for it, as Python's `shlex.quote` quotes: the shell then
/// runs exactly paramiko's argv. `%r` without a user set is refused:
/// Ansible puts its `remote_user` there, which sshfleet does not know.
fn paramiko_proxy_command(
    command: &str,
    address: &str,
    port: Option<u16>,
    user: Option<&str>,
) -> Result<String, String> {
    let port = port.unwrap_or(22).to_string();
    let mut out = command.to_string();
    for token in PARAMIKO_TOKENS {
        let value = match token {
            "%h" => address,
            "%p" => port.as_str(),
            _ => match user {
                Some(user) => user,
                None if out.contains(token) => {
                    return Err(
                        "uses `%r` but no user is set (ansible_user or ansible_paramiko_user): Ansible's paramiko plugin would put its remote_user there, the text `None` when unset; set ansible_user"
                            .to_string(),
                    );
                }
                None => continue,
            },
        };
        out = out.replace(token, value);
    }
    let words = super::pyliteral::shlex_split(&out, false).map_err(|e| {
        format!("cannot be split into words as paramiko splits it (shlex.split: {e})")
    })?;
    if words.is_empty() {
        return Err("is no command (paramiko would fail to run it)".to_string());
    }
    Ok(words
        .iter()
        .map(|w| py_shlex_quote(w))
        .collect::<Vec<_>>()
        .join(" "))
}

/// Python's `shlex.quote`: as is when every character is safe, else in
/// single quotes.
fn py_shlex_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\"'\"'"))
    }
}

/// A password written in clear text in the inventory is used, as Ansible
/// uses it, with a warning, once per place it is written.
fn warn_clear_text(host: &str, var: &str, origin: &Origin) {
    static WARNED: std::sync::Mutex<Vec<(PathBuf, usize)>> = std::sync::Mutex::new(Vec::new());
    let key = (origin.path.clone(), origin.line);
    let mut warned = WARNED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if warned.contains(&key) {
        return;
    }
    warned.push(key);
    tracing::warn!(
        "{}:{}: `{var}` (host {host}) is a password in clear text in the inventory; it is used, but belongs in a vault (ansible-vault encrypt_string)",
        origin.path.display(),
        origin.line
    );
}

/// The variable name in `{{ lookup('env', 'NAME') }}` (either quote style,
/// any spacing, `env` or `ansible.builtin.env`).
fn env_lookup(text: &str) -> Option<String> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
    let args = inner
        .strip_prefix("lookup")?
        .trim_start()
        .strip_prefix('(')?
        .strip_suffix(')')?;
    let (plugin, name) = args.split_once(',')?;
    let unquote = |s: &str| -> Option<String> {
        let s = s.trim();
        ['\'', '"']
            .iter()
            .find_map(|&q| s.strip_prefix(q)?.strip_suffix(q))
            .filter(|inner| !inner.contains(['\'', '"']))
            .map(String::from)
    };
    let plugin = unquote(plugin)?;
    let name = unquote(name)?;
    let ok = (plugin == "env" || plugin == "ansible.builtin.env") && is_env_name(&name);
    ok.then_some(name)
}

/// A rendered value as Ansible's string options see it (Python's `str`).
fn text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Bool(true) => "True".to_string(),
        Json::Bool(false) => "False".to_string(),
        Json::Null => String::new(),
        // A float as Python's `str()`: `1e-05`, `100000.0`.
        Json::Number(n) if n.is_f64() => n
            .as_f64()
            .map_or_else(|| n.to_string(), super::pynum::py_float),
        other => other.to_string(),
    }
}

/// A boolean as Ansible's `boolean()` reads it.
fn boolean(value: &Json) -> Option<bool> {
    match value {
        Json::Bool(b) => Some(*b),
        Json::Number(n) => match n.as_f64() {
            Some(1.0) => Some(true),
            Some(0.0) => Some(false),
            _ => None,
        },
        Json::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            // Text `1.0` is none of these words: Ansible's non-strict
            // `boolean()` makes it False; refused (None) rather than read.
            "y" | "yes" | "on" | "1" | "true" | "t" => Some(true),
            "n" | "no" | "off" | "0" | "false" | "f" | "0.0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A port as the plugin's `int` option reads it (Python's `int()`), 1–65535.
/// A port as the plugins' integer option reads it (ansible-core's
/// `ensure_type(value, 'integer')`): an int or bool as is, a float or a
/// string through `Decimal` when integral (`22.0`, `1e2`, `_22`).
fn port(value: &Json) -> Result<u16, String> {
    use super::pynum::{PyNum, py_decimal_int};
    let number = match value {
        Json::Bool(b) => PyNum::Int(i64::from(*b)),
        Json::Number(n) => match n.as_i64() {
            Some(i) => PyNum::Int(i),
            None => n
                .as_f64()
                .filter(|f| f.fract() == 0.0)
                .and_then(super::pynum::float_to_int)
                .unwrap_or(PyNum::Invalid),
        },
        Json::String(s) => py_decimal_int(s),
        _ => PyNum::Invalid,
    };
    let shown = text(value);
    match number {
        PyNum::Int(n) if (1..=65535).contains(&n) => u16::try_from(n).map_err(|e| e.to_string()),
        PyNum::Int(_) => Err(format!("must be a port number 1–65535, found `{shown}`")),
        PyNum::Refused(why) => Err(format!("is not computed by sshfleet: {why}")),
        PyNum::Invalid => Err(format!(
            "cannot be read as a port number (as Ansible's integer option): `{shown}`"
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::inventory::Inventory;

    /// The error resolving the only host of this YAML inventory.
    fn refusal(vars: &str) -> (usize, String) {
        let text = format!("all:\n  hosts:\n    h1:\n{vars}");
        let inv = Inventory::parse(&text, Path::new("inv.yaml")).unwrap();
        match inv.connection(&inv.hosts()[0], None) {
            Err(InventoryError::Invalid { line, message, .. }) => (line, message),
            Err(e @ InventoryError::NotSsh { line, .. }) => (line, e.to_string()),
            other => panic!("{vars}: {other:?}"),
        }
    }

    #[test]
    fn refusals_name_host_variable_and_line() {
        for (vars, line, needle) in [
            (
                "      ansible_connection: local\n",
                4,
                "`ansible_connection` is `local`",
            ),
            (
                "      x: winrm\n      ansible_connection: \"{{ x }}\"\n",
                5,
                "is `winrm`",
            ),
            (
                "      ansible_ssh_private_key: KEYDATA\n",
                4,
                "private key's contents",
            ),
            ("      ansible_ssh_args: -o Port=1\n", 4, "ansible_ssh_args"),
            ("      ansible_host: \"a b\"\n", 4, "not a host name"),
            (
                "      ansible_host: bob@10.0.0.6\n",
                4,
                "holds a user or URL",
            ),
            (
                "      ansible_host: ssh://carol@h:2244\n",
                4,
                "holds a user or URL",
            ),
            ("      ansible_host: [a, b]\n", 4, "is a list"),
            (
                "      ansible_port: .nan\n",
                4,
                "float `nan`, which sshfleet does not carry",
            ),
            (
                "      ansible_user: .inf\n",
                4,
                "float `inf`, which sshfleet does not carry",
            ),
            (
                "      ansible_port: \"{{ 1e400 }}\"\n",
                4,
                "`1e400` is beyond a float",
            ),
            ("      ansible_user: {a: 1}\n", 4, "is a mapping"),
            (
                "      ansible_ssh_private_key_file: \"{{ [1] }}\"\n",
                4,
                "is a list",
            ),
            (
                "      ansible_host: \"{{ nope }}\"\n",
                4,
                "cannot render `ansible_host`",
            ),
            (
                "      ansible_user: \"{{ lookup('pipe', 'id') }}\"\n",
                4,
                "lookup plugin `pipe`",
            ),
            (
                "      ansible_host_key_checking: maybe\n",
                4,
                "not a boolean",
            ),
            (
                "      ansible_ssh_extra_args: \"-o 'x\"\n",
                4,
                "unbalanced quotes",
            ),
            ("      ansible_port: \"{{ 70000 }}\"\n", 4, "1–65535"),
            ("      ansible_port: [1]\n", 4, "port number"),
            (
                "      ansible_user: \"{{ 'a' | regex_replace('(', 'b') }}\"\n",
                4,
                "regex",
            ),
            (
                "      ansible_user: \"{{ lookup('file', '/nonexistent/f') }}\"\n",
                4,
                "/nonexistent/f",
            ),
            ("      ansible_host: \"\"\n", 4, "not a host name"),
            (
                "      a: \"{{ b }}\"\n      b: \"{{ a }}\"\n      ansible_user: \"{{ a }}\"\n",
                6,
                "recursive loop",
            ),
        ] {
            let (l, message) = refusal(vars);
            assert_eq!(l, line, "{vars}: {message}");
            assert!(
                message.contains("host h1") && message.contains(needle),
                "{vars}: {message}"
            );
        }
    }

    /// As ansible-core 2.19's paramiko plugin (`_parse_proxy_command`
    /// then paramiko's `ProxyCommand`: `shlex.split`, no shell).
    #[test]
    fn paramiko_proxy_command_is_ansibles_text_replace() {
        for (command, user, want) in [
            ("nc %h %p", Some("ops"), "nc Esa01.example 2022"),
            // `%%` is no escape, other `%`s stay.
            ("pc 100%% sure %d %u %n", None, "pc 100%% sure %d %u %n"),
            ("pc -W %%h:%p", None, "pc -W %Esa01.example:2022"),
            (
                "pc \"%r@%h\" \"it's\"",
                Some("ops"),
                "pc ops@Esa01.example 'it'\"'\"'s'",
            ),
            // What the shell would read is quoted: paramiko runs no shell.
            ("pc $HOME 'a b' x;y", None, "pc '$HOME' 'a b' 'x;y'"),
        ] {
            assert_eq!(
                paramiko_proxy_command(command, "Esa01.example", Some(2022), user).as_deref(),
                Ok(want),
                "{command}"
            );
        }
        assert!(paramiko_proxy_command("pc %r", "h", None, None).is_err());
        assert!(paramiko_proxy_command("pc 'a", "h", None, None).is_err());
        // The tokens are the plugin's: a new one would need a line here.
        assert_eq!(PARAMIKO_TOKENS, ["%h", "%p", "%r"]);
        let (_, message) = refusal(
            "      ansible_connection: paramiko\n      ansible_paramiko_proxy_command: pc %r\n",
        );
        assert!(
            message.contains("`ansible_paramiko_proxy_command`"),
            "{message}"
        );
    }

    #[test]
    fn a_secret_is_never_shown() {
        let s = Secret::new("hunter2".to_string());
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn lookups_and_filters_ansible_teams_use() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("user");
        std::fs::write(&file, "from-file\n").unwrap();
        let text = format!(
            "all:\n  hosts:\n    esa01.example.com:\n      ansible_user: \"{{{{ lookup('file', '{}') }}}}\"\n      ansible_host: \"{{{{ inventory_hostname_short | regex_replace('^esa', 'mgmt') }}}}\"\n      ansible_host_key_checking: \"{{{{ 'no' | bool }}}}\"\n",
            file.display()
        );
        let inv = Inventory::parse(&text, Path::new("inv.yaml")).unwrap();
        let conn = inv.connection(&inv.hosts()[0], None).unwrap();
        assert_eq!(conn.user.as_deref(), Some("from-file"));
        assert_eq!(conn.address, "mgmt01");
        assert_eq!(conn.host_key_checking, Some(false));
    }

    #[test]
    fn a_password_is_never_in_an_error() {
        let (_, message) = refusal("      ansible_password: \"hunter2{{ nope }}\"\n");
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn vault_values_need_a_password() {
        let vault = include_str!("../../tests/inventories/vault/secret.vault");
        let indented: String = vault.lines().map(|l| format!("        {l}\n")).collect();
        let (line, message) = refusal(&format!("      ansible_password: !vault |\n{indented}"));
        assert_eq!(line, 4);
        assert!(message.contains("no vault password"), "{message}");
        let (_, message) = refusal(&format!(
            "      secret: !vault |\n{indented}      ansible_user: \"{{{{ secret }}}}\"\n"
        ));
        assert!(
            message.contains("`secret` of host h1 is vault-encrypted"),
            "{message}"
        );
    }

    #[test]
    fn booleans_and_ports_as_ansible_reads_them() {
        assert_eq!(boolean(&Json::from("Yes")), Some(true));
        assert_eq!(boolean(&Json::from("off")), Some(false));
        assert_eq!(boolean(&Json::from(0)), Some(false));
        assert_eq!(boolean(&Json::from("sometimes")), None);
        // ansible-core 2.19: `boolean('1.0', strict=False)` is False.
        assert_eq!(boolean(&Json::from("1.0")), None);
        assert_eq!(boolean(&Json::from(1.0)), Some(true));
        assert_eq!(port(&Json::from(" 022 ")), Ok(22));
        assert_eq!(port(&Json::from(2200.0)), Ok(2200));
        // ensure_type: a bool is an int, a string goes through Decimal.
        assert_eq!(port(&Json::from(true)), Ok(1));
        assert!(port(&Json::from(false)).is_err());
        for (text, want) in [("22.0", 22), ("1e2", 100), ("_22", 22), ("22\x1c", 22)] {
            assert_eq!(port(&Json::from(text)), Ok(want), "{text:?}");
        }
        assert!(port(&Json::from("22.5")).is_err());
        assert!(port(&Json::from(22.5)).is_err());
        assert!(port(&Json::from("0x16")).is_err());
        assert_eq!(text(&Json::from(true)), "True");
        assert_eq!(text(&Json::Null), "");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod timestamp_tests {
    use std::path::Path;

    use crate::inventory::{Inventory, InventoryError};

    fn resolve(vars: &str) -> Result<super::ConnectionVars, InventoryError> {
        let text = format!("all:\n  hosts:\n    h1:\n{vars}");
        let inv = Inventory::parse(&text, Path::new("inv.yaml")).unwrap();
        inv.connection(&inv.hosts()[0], None)
    }

    /// ansible-core 2.19.14 types only the variable of an option that
    /// wins (the last of its names set): every value sshfleet refuses for
    /// a connection option is refused there, and never under a name that
    /// another beats (a `{{ big | default(2022) }}` port with `big: .nan`
    /// under `ansible_port` when `ansible_ssh_port` is set).
    #[test]
    fn a_refused_value_is_refused_only_where_it_wins() {
        // Every kind of value a connection option refuses (and why).
        const REFUSED: [(&str, &str); 8] = [
            (".nan", "float"),
            ("-.inf", "float"),
            ("\"{{ big | default(2022) }}\"", "float"),
            ("[1, 2]", "list"),
            ("{a: 1}", "mapping"),
            ("70000", "port"),
            ("2024-01-02", "timestamp"),
            ("\"{{ d }}\"", "timestamp"),
        ];
        // Options with two names: (the beaten name, the winning name, a
        // value sshfleet takes).
        const OPTIONS: [(&str, &str, &str); 3] = [
            ("ansible_port", "ansible_ssh_port", "2222"),
            ("ansible_user", "ansible_ssh_user", "ops"),
            ("ansible_host", "ansible_ssh_host", "10.1.2.3"),
        ];
        let world = "      big: .nan\n      d: 2024-01-02\n";
        for (value, kind) in REFUSED {
            for (loser, winner, good) in OPTIONS {
                if kind == "port" && loser != "ansible_port" {
                    continue;
                }
                let beaten = format!("{world}      {loser}: {value}\n      {winner}: {good}\n");
                let conn = resolve(&beaten).unwrap_or_else(|e| panic!("{beaten}: {e}"));
                let got = match loser {
                    "ansible_port" => conn.port.map(|p| p.to_string()),
                    "ansible_user" => conn.user,
                    _ => Some(conn.address),
                };
                assert_eq!(got.as_deref(), Some(good), "{beaten}");
                let winning = format!("{world}      {loser}: {good}\n      {winner}: {value}\n");
                let err = resolve(&winning).unwrap_err().to_string();
                assert!(err.contains(winner), "{winning}: {err}");
            }
        }
    }

    /// ansible-core 2.19.14: a date or datetime is refused by the option
    /// that uses it ("Invalid value provided for 'string'", "could not be
    /// converted to 'int'"), and only by that one: a timestamp under a name
    /// that another name of the same option beats is never typed.
    #[test]
    fn a_timestamp_is_refused_where_ansible_uses_it() {
        for (vars, var) in [
            ("      ansible_user: 2024-01-02\n", "ansible_user"),
            (
                "      d: 2024-01-02\n      ansible_user: \"{{ d }}\"\n",
                "ansible_user",
            ),
            ("      ansible_port: 2001-12-14 21:59:43\n", "ansible_port"),
            (
                "      ansible_ssh_timeout: 2024-01-02\n",
                "ansible_ssh_timeout",
            ),
            ("      ansible_password: 2024-01-02\n", "ansible_password"),
        ] {
            let err = resolve(vars).unwrap_err().to_string();
            assert!(
                err.contains(var) && err.contains("timestamp"),
                "{vars}: {err}"
            );
        }
        let conn = resolve(
            "      d: 2001-12-14t21:59:43.10-05:00\n      ansible_port: 2024-01-02\n      ansible_ssh_port: 2222\n      ansible_user: \"u-{{ d }}\"\n",
        )
        .unwrap();
        assert_eq!(conn.port, Some(2222));
        // paramiko's ProxyCommand: %h %p %r replaced literally, split as
        // shlex.split, run without a shell (Python 3.11's shlex.quote of
        // each word, as ansible-core 2.19.14's paramiko plugin builds it).
        assert_eq!(
            super::paramiko_proxy_command(
                "ssh -W \"%h:%p\" -l %r jump | x",
                "a$b;c",
                Some(22),
                Some("ok")
            )
            .unwrap(),
            "ssh -W 'a$b;c:22' -l ok jump '|' x"
        );
        assert!(
            super::paramiko_proxy_command("nc %h %r", "h", Some(22), None)
                .unwrap_err()
                .contains("`None`")
        );
        assert!(super::paramiko_proxy_command("nc %r", "h", Some(22), Some("o'k")).is_err());
        assert_eq!(
            conn.user.as_deref(),
            Some("u-2001-12-14 21:59:43.100000-05:00")
        );
    }
}
