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

/// Every `ansible_connection` value sshfleet knows. One not listed is not
/// SSH to sshfleet (refused by name, as [`ConnectionType::NotSsh`]).
///
/// ansible-core 2.19 resolves a builtin plugin by its short name and its
/// `ansible.builtin.` and `ansible.legacy.` names; `paramiko` is only a
/// short alias of `paramiko_ssh` (`ansible.builtin.paramiko` is "plugin
/// not found", so it is refused here by name) and `smart` only bare.
pub(super) const CONNECTION_TYPES: [(&str, ConnectionType); 18] = [
    ("ssh", ConnectionType::Reads(Plugin::Ssh)),
    ("ansible.builtin.ssh", ConnectionType::Reads(Plugin::Ssh)),
    ("ansible.legacy.ssh", ConnectionType::Reads(Plugin::Ssh)),
    // ansible-core's task executor turns `smart` into `ssh`.
    ("smart", ConnectionType::Reads(Plugin::Ssh)),
    ("paramiko", ConnectionType::Reads(Plugin::Paramiko)),
    ("paramiko_ssh", ConnectionType::Reads(Plugin::Paramiko)),
    (
        "ansible.builtin.paramiko_ssh",
        ConnectionType::Reads(Plugin::Paramiko),
    ),
    (
        "ansible.legacy.paramiko_ssh",
        ConnectionType::Reads(Plugin::Paramiko),
    ),
    ("network_cli", ConnectionType::NetworkCli),
    ("ansible.netcommon.network_cli", ConnectionType::NetworkCli),
    ("local", ConnectionType::NotSsh),
    ("winrm", ConnectionType::NotSsh),
    ("psrp", ConnectionType::NotSsh),
    ("httpapi", ConnectionType::NotSsh),
    ("ansible.netcommon.httpapi", ConnectionType::NotSsh),
    ("netconf", ConnectionType::NotSsh),
    ("ansible.netcommon.netconf", ConnectionType::NotSsh),
    ("ansible.netcommon.libssh", ConnectionType::NotSsh),
];

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
    CONNECTION_TYPES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(ConnectionType::NotSsh, |(_, t)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every plugin a connection type uses has one row per setting, and
    /// every name is listed once.
    #[test]
    fn every_connection_type_has_every_row() {
        let mut used: Vec<Plugin> = CONNECTION_TYPES
            .iter()
            .filter_map(|(_, t)| match t {
                ConnectionType::Reads(p) => Some(*p),
                ConnectionType::NetworkCli => Some(Plugin::NetworkCli),
                ConnectionType::NotSsh => None,
            })
            .collect();
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
}
