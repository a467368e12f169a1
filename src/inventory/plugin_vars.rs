//! Every variable ansible-core 2.19's connection plugins read (and so
//! render before connecting), as `ansible-doc -t connection` lists them,
//! and, per connection type sshfleet computes, which of them give the
//! address, port, user, password, key file, host key checking and proxy.

/// The ssh plugin's variables (ansible-core 2.19), which it templates.
pub(super) const SSH_PLUGIN_VARS: [&str; 38] = [
    "ansible_host",
    "ansible_ssh_host",
    "ansible_host_key_checking",
    "ansible_ssh_host_key_checking",
    "ansible_password",
    "ansible_ssh_pass",
    "ansible_ssh_password",
    "ansible_ssh_password_mechanism",
    "ansible_sshpass_prompt",
    "ansible_ssh_args",
    "ansible_ssh_common_args",
    "ansible_ssh_executable",
    "ansible_sftp_executable",
    "ansible_scp_executable",
    "ansible_scp_extra_args",
    "ansible_sftp_extra_args",
    "ansible_ssh_extra_args",
    "ansible_ssh_retries",
    "ansible_port",
    "ansible_ssh_port",
    "ansible_user",
    "ansible_ssh_user",
    "ansible_pipelining",
    "ansible_ssh_pipelining",
    "ansible_private_key_file",
    "ansible_ssh_private_key_file",
    "ansible_private_key",
    "ansible_ssh_private_key",
    "ansible_private_key_passphrase",
    "ansible_ssh_private_key_passphrase",
    "ansible_control_path",
    "ansible_control_path_dir",
    "ansible_sftp_batch_mode",
    "ansible_ssh_transfer_method",
    "ansible_ssh_use_tty",
    "ansible_ssh_timeout",
    "ansible_ssh_pkcs11_provider",
    "ansible_ssh_verbosity",
];

/// The paramiko plugin's variables (ansible-core 2.19).
pub(super) const PARAMIKO_PLUGIN_VARS: [&str; 24] = [
    "ansible_host",
    "ansible_ssh_host",
    "ansible_paramiko_host",
    "ansible_port",
    "ansible_ssh_port",
    "ansible_paramiko_port",
    "ansible_user",
    "ansible_ssh_user",
    "ansible_paramiko_user",
    "ansible_password",
    "ansible_ssh_pass",
    "ansible_ssh_password",
    "ansible_paramiko_pass",
    "ansible_paramiko_password",
    "ansible_paramiko_use_rsa_sha2_algorithms",
    "ansible_paramiko_proxy_command",
    "ansible_host_key_checking",
    "ansible_ssh_host_key_checking",
    "ansible_paramiko_host_key_checking",
    "ansible_ssh_timeout",
    "ansible_paramiko_timeout",
    "ansible_private_key_file",
    "ansible_ssh_private_key_file",
    "ansible_paramiko_private_key_file",
];

/// Which plugin computes a host's connection: each reads its own variable
/// names (in its documentation's order, the last one set winning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Plugin {
    /// `ssh` (and `smart`): OpenSSH, with ssh_config and the ssh arguments.
    #[default]
    Ssh,
    /// `paramiko`: no ssh_config, no ssh arguments, its own ProxyCommand.
    Paramiko,
    /// `ansible.netcommon.network_cli` with `ansible_network_cli_ssh_type:
    /// paramiko`: network_cli hands its variables to the paramiko plugin,
    /// which connects with *its* options (`set_options` on `ssh_type_conn`),
    /// so the names are paramiko's.
    NetworkCli,
}

#[cfg(test)]
impl Plugin {
    pub(super) const ALL: [Plugin; 3] = [Plugin::Ssh, Plugin::Paramiko, Plugin::NetworkCli];
}

/// What an `ansible_connection` value means to sshfleet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ConnectionType {
    /// Computed exactly as this plugin reads its variables.
    Reads(Plugin),
    /// network_cli: its `ssh_type` (`ansible_network_cli_ssh_type`, default
    /// `auto`: ansible-pylibssh when the controller has it installed, else
    /// paramiko) picks the plugin that connects; only `paramiko` is
    /// computed, the rest refused.
    NetworkCli,
    /// Not SSH: refused by name (`local`, `winrm`, ...).
    NotSsh,
}

/// The connection plugins ansible-core 2.19 ships (the files of
/// `ansible/plugins/connection/`, `_paramiko_ssh` a copy of
/// `paramiko_ssh`), and what each is to sshfleet. An `ansible_connection`
/// names one as the plugin loader resolves it ([`builtin_connection`]).
pub(super) const BUILTIN_CONNECTIONS: [(&str, ConnectionType); 7] = [
    ("ssh", ConnectionType::Reads(Plugin::Ssh)),
    ("paramiko_ssh", ConnectionType::Reads(Plugin::Paramiko)),
    ("_paramiko_ssh", ConnectionType::Reads(Plugin::Paramiko)),
    ("local", ConnectionType::NotSsh),
    ("winrm", ConnectionType::NotSsh),
    ("psrp", ConnectionType::NotSsh),
    // The package's own module: found, and no connection plugin.
    ("__init__", ConnectionType::NotSsh),
];

/// The `ansible_connection` values that are no builtin plugin's name:
/// `smart`, which PlayContext turns into `ssh` before the loader (ssh
/// with ControlPersist, as OpenSSH has), and ansible.netcommon's plugins
/// (ansible-core routes `network_cli` there). One neither here nor a
/// builtin plugin's name is not SSH to sshfleet (refused by name).
pub(super) const CONNECTION_TYPES: [(&str, ConnectionType); 8] = [
    ("smart", ConnectionType::Reads(Plugin::Ssh)),
    ("network_cli", ConnectionType::NetworkCli),
    ("ansible.netcommon.network_cli", ConnectionType::NetworkCli),
    ("httpapi", ConnectionType::NotSsh),
    ("ansible.netcommon.httpapi", ConnectionType::NotSsh),
    ("netconf", ConnectionType::NotSsh),
    ("ansible.netcommon.netconf", ConnectionType::NotSsh),
    ("ansible.netcommon.libssh", ConnectionType::NotSsh),
];

/// The builtin plugin file an `ansible_connection` value loads, as
/// ansible-core 2.19's `connection_loader.get_with_context` resolves it
/// (`connection_names.txt`, generated against it, holds the spellings):
/// the loader's alias `paramiko` (`paramiko_ssh`); `ansible.builtin.B`
/// and `ansible.builtin.M.B` (M any module of the package, so
/// `ansible.builtin.ssh.ssh`); `B`, `ansible.legacy.B`, and either with
/// `.py` (`ssh.py`). Plugins of configured plugin paths (a
/// `connection_plugins/` directory) are not looked at.
pub(super) fn builtin_connection(name: &str) -> Option<&'static str> {
    let file = |b: &str| {
        BUILTIN_CONNECTIONS
            .iter()
            .map(|(f, _)| *f)
            .find(|f| *f == b)
    };
    let name = if name == "paramiko" {
        "paramiko_ssh"
    } else {
        name
    };
    if let Some(rest) = name.strip_prefix("ansible.builtin.") {
        return match rest.split_once('.') {
            None => file(rest),
            Some((module, base)) if file(module).is_some() => file(base),
            Some(_) => None,
        };
    }
    let rest = name.strip_prefix("ansible.legacy.").unwrap_or(name);
    file(rest).or_else(|| {
        rest.strip_suffix(".py")
            .filter(|b| *b != "__init__")
            .and_then(file)
    })
}

/// What [`PLUGIN_SETTINGS`] says, per plugin, where each comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Setting {
    Host,
    Port,
    User,
    Password,
    KeyFile,
    HostKeyChecking,
    ProxyCommand,
    SshArgs,
    /// Every variable the plugin templates before it connects (Ansible
    /// fails the host if one of them, set, cannot be rendered).
    Templated,
}

#[cfg(test)]
impl Setting {
    pub(super) const ALL: [Setting; 9] = [
        Setting::Host,
        Setting::Port,
        Setting::User,
        Setting::Password,
        Setting::KeyFile,
        Setting::HostKeyChecking,
        Setting::ProxyCommand,
        Setting::SshArgs,
        Setting::Templated,
    ];
}

const PARAMIKO_HOST: [&str; 3] = ["ansible_host", "ansible_ssh_host", "ansible_paramiko_host"];
const PARAMIKO_PORT: [&str; 3] = ["ansible_port", "ansible_ssh_port", "ansible_paramiko_port"];
const PARAMIKO_USER: [&str; 3] = ["ansible_user", "ansible_ssh_user", "ansible_paramiko_user"];
const PARAMIKO_PASSWORD: [&str; 5] = [
    "ansible_password",
    "ansible_ssh_pass",
    "ansible_ssh_password",
    "ansible_paramiko_pass",
    "ansible_paramiko_password",
];
const PARAMIKO_KEY: [&str; 3] = [
    "ansible_private_key_file",
    "ansible_ssh_private_key_file",
    "ansible_paramiko_private_key_file",
];
const PARAMIKO_HOST_KEY_CHECKING: [&str; 3] = [
    "ansible_host_key_checking",
    "ansible_ssh_host_key_checking",
    "ansible_paramiko_host_key_checking",
];
const PARAMIKO_PROXY: [&str; 1] = ["ansible_paramiko_proxy_command"];
/// network_cli's own variables (ansible.netcommon's documentation, its
/// `connection_persistent` fragment included), which it templates before
/// handing over to paramiko; paramiko's own names are already above.
const NETWORK_CLI_OWN_VARS: [&str; 19] = [
    "ansible_network_os",
    "ansible_network_cli_ssh_type",
    "ansible_become",
    "ansible_become_method",
    "ansible_network_become_errors",
    "ansible_network_terminal_errors",
    "ansible_buffer_read_timeout",
    "ansible_terminal_stdout_re",
    "ansible_terminal_stderr_re",
    "ansible_terminal_initial_prompt",
    "ansible_terminal_initial_answer",
    "ansible_terminal_initial_prompt_checkall",
    "ansible_terminal_initial_prompt_newline",
    "ansible_network_cli_retries",
    "ansible_network_single_user_mode",
    "ansible_connect_timeout",
    "ansible_command_timeout",
    "ansible_persistent_log_messages",
    "ansible_network_import_modules",
];

const NETWORK_CLI_TEMPLATED: [&str; 43] = {
    let mut all = [""; 43];
    let mut i = 0;
    while i < PARAMIKO_PLUGIN_VARS.len() {
        all[i] = PARAMIKO_PLUGIN_VARS[i];
        i += 1;
    }
    let mut j = 0;
    while j < NETWORK_CLI_OWN_VARS.len() {
        all[i + j] = NETWORK_CLI_OWN_VARS[j];
        j += 1;
    }
    all
};

/// Per plugin and setting, the variables that feed it, as each plugin's
/// documentation lists them (ansible-core 2.19's `ssh` and `paramiko`;
/// network_cli through paramiko): the last one set wins. The inventory
/// name is the address when no host variable is set. A test fails when a
/// plugin of [`CONNECTION_TYPES`] lacks a row.
pub(super) const PLUGIN_SETTINGS: [(Plugin, Setting, &[&str]); 27] = [
    (
        Plugin::Ssh,
        Setting::Host,
        &["ansible_host", "ansible_ssh_host"],
    ),
    (
        Plugin::Ssh,
        Setting::Port,
        &["ansible_port", "ansible_ssh_port"],
    ),
    (
        Plugin::Ssh,
        Setting::User,
        &["ansible_user", "ansible_ssh_user"],
    ),
    (
        Plugin::Ssh,
        Setting::Password,
        &[
            "ansible_password",
            "ansible_ssh_pass",
            "ansible_ssh_password",
        ],
    ),
    (
        Plugin::Ssh,
        Setting::KeyFile,
        &["ansible_private_key_file", "ansible_ssh_private_key_file"],
    ),
    (
        Plugin::Ssh,
        Setting::HostKeyChecking,
        &["ansible_host_key_checking", "ansible_ssh_host_key_checking"],
    ),
    // ssh reads ProxyCommand from its arguments and ssh_config.
    (Plugin::Ssh, Setting::ProxyCommand, &[]),
    (
        Plugin::Ssh,
        Setting::SshArgs,
        &["ansible_ssh_common_args", "ansible_ssh_extra_args"],
    ),
    (Plugin::Ssh, Setting::Templated, &SSH_PLUGIN_VARS),
    (Plugin::Paramiko, Setting::Host, &PARAMIKO_HOST),
    (Plugin::Paramiko, Setting::Port, &PARAMIKO_PORT),
    (Plugin::Paramiko, Setting::User, &PARAMIKO_USER),
    (Plugin::Paramiko, Setting::Password, &PARAMIKO_PASSWORD),
    (Plugin::Paramiko, Setting::KeyFile, &PARAMIKO_KEY),
    (
        Plugin::Paramiko,
        Setting::HostKeyChecking,
        &PARAMIKO_HOST_KEY_CHECKING,
    ),
    (Plugin::Paramiko, Setting::ProxyCommand, &PARAMIKO_PROXY),
    // paramiko passes no arguments to an ssh it does not run.
    (Plugin::Paramiko, Setting::SshArgs, &[]),
    (Plugin::Paramiko, Setting::Templated, &PARAMIKO_PLUGIN_VARS),
    (Plugin::NetworkCli, Setting::Host, &PARAMIKO_HOST),
    (Plugin::NetworkCli, Setting::Port, &PARAMIKO_PORT),
    (Plugin::NetworkCli, Setting::User, &PARAMIKO_USER),
    (Plugin::NetworkCli, Setting::Password, &PARAMIKO_PASSWORD),
    (Plugin::NetworkCli, Setting::KeyFile, &PARAMIKO_KEY),
    (
        Plugin::NetworkCli,
        Setting::HostKeyChecking,
        &PARAMIKO_HOST_KEY_CHECKING,
    ),
    (Plugin::NetworkCli, Setting::ProxyCommand, &PARAMIKO_PROXY),
    (Plugin::NetworkCli, Setting::SshArgs, &[]),
    (
        Plugin::NetworkCli,
        Setting::Templated,
        &NETWORK_CLI_TEMPLATED,
    ),
];

/// The variables feeding `setting` for `plugin` (empty: none).
pub(super) fn vars_of(plugin: Plugin, setting: Setting) -> &'static [&'static str] {
    PLUGIN_SETTINGS
        .iter()
        .find(|(p, s, _)| *p == plugin && *s == setting)
        .map_or(&[], |(_, _, vars)| vars)
}

/// What `name` (an `ansible_connection` value) means to sshfleet.
pub(super) fn connection_type(name: &str) -> ConnectionType {
    let builtin = || {
        let file = builtin_connection(name)?;
        BUILTIN_CONNECTIONS.iter().find(|(f, _)| *f == file)
    };
    CONNECTION_TYPES
        .iter()
        .find(|(n, _)| *n == name)
        .or_else(builtin)
        .map_or(ConnectionType::NotSsh, |(_, t)| *t)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    /// Every plugin a connection type uses has one row per setting, and
    /// every name is listed once.
    #[test]
    fn every_connection_type_has_every_row() {
        let mut used: Vec<Plugin> = BUILTIN_CONNECTIONS
            .iter()
            .chain(&CONNECTION_TYPES)
            .filter_map(|(_, t)| match t {
                ConnectionType::Reads(p) => Some(*p),
                ConnectionType::NetworkCli => Some(Plugin::NetworkCli),
                ConnectionType::NotSsh => None,
            })
            .collect();
        used.sort_by_key(|p| format!("{p:?}"));
        used.dedup();
        for plugin in Plugin::ALL {
            assert!(used.contains(&plugin), "{plugin:?} is no connection type's");
            for setting in Setting::ALL {
                let rows = PLUGIN_SETTINGS
                    .iter()
                    .filter(|(p, s, _)| *p == plugin && *s == setting)
                    .count();
                assert_eq!(rows, 1, "{plugin:?} {setting:?}: {rows} rows");
            }
        }
        for (i, (name, _)) in CONNECTION_TYPES.iter().enumerate() {
            assert!(
                !CONNECTION_TYPES[i + 1..].iter().any(|(n, _)| n == name),
                "{name}"
            );
        }
        // The templated lists are whole (no slot left empty) and each
        // name is listed once.
        for plugin in Plugin::ALL {
            let all = vars_of(plugin, Setting::Templated);
            for (i, var) in all.iter().enumerate() {
                assert!(var.starts_with("ansible_"), "{plugin:?}: `{var}`");
                assert!(!all[i + 1..].contains(var), "{plugin:?}: {var} twice");
            }
        }
        // Every name a plugin reads is one it templates.
        for (plugin, setting, vars) in PLUGIN_SETTINGS {
            for var in vars {
                assert!(
                    vars_of(plugin, Setting::Templated).contains(var),
                    "{plugin:?} {setting:?} {var}"
                );
            }
        }
    }

    /// Every spelling of `connection_names.txt` (what ansible-core 2.19's
    /// loader resolves each to, `tests/inventories/connection_names.py`)
    /// loads the builtin plugin sshfleet resolves it to, and every builtin
    /// plugin is one of the table's.
    #[test]
    fn every_connection_name_resolves_as_ansibles_loader() {
        let table = include_str!("connection_names.txt");
        let mut wrong = Vec::new();
        let mut rows = 0;
        for row in table.lines().filter(|l| !l.starts_with('#')) {
            rows += 1;
            let (name, want) = row.split_once('\t').unwrap();
            let got = builtin_connection(name).unwrap_or("-");
            if got != want {
                wrong.push(format!("{name:?}: ansible-core {want}, sshfleet {got}"));
            }
            // A name the loader does not find is no SSH to sshfleet
            // unless the table of other names lists it.
            if want == "-" && !CONNECTION_TYPES.iter().any(|(n, _)| *n == name) {
                assert_eq!(connection_type(name), ConnectionType::NotSsh, "{name}");
            }
        }
        assert!(rows > 2000, "the table is short: {rows} rows");
        assert!(
            wrong.is_empty(),
            "{} differ:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
        for (file, _) in BUILTIN_CONNECTIONS {
            assert!(
                table.contains(&format!("\t{file}\n")),
                "{file} is no row's plugin"
            );
        }
        assert_eq!(
            connection_type("ssh.py"),
            ConnectionType::Reads(Plugin::Ssh)
        );
        assert_eq!(
            connection_type("ansible.builtin.ssh.ssh"),
            ConnectionType::Reads(Plugin::Ssh)
        );
    }
}
