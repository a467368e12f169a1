//! The options ansible-core 2.19's ssh plugin puts on ssh's command line
//! from the inventory (`-o User=`, `-o IdentityFile=`), read as ssh reads
//! them.

use std::path::PathBuf;

use super::TargetError;
use super::ssh_args::ARGS_VARS;
use crate::inventory::{ConnectionVars, Origin};
use crate::ssh::config::{self as ssh_config, HostConfig, SshConfig};

/// `name (file:line)` of a connection variable, for errors.
fn var_at(from: Option<&(String, Origin)>, fallback: &str) -> String {
    from.map_or_else(
        || fallback.to_string(),
        |(var, at)| format!("{var} ({}:{})", at.path.display(), at.line),
    )
}

/// `ansible_user` and the key file as ssh reads them: ansible-core 2.19's
/// ssh plugin passes them as `-o 'User="USER"'` and
/// `-o 'IdentityFile="KEY"'` (the key through Python's `expanduser`), so
/// ssh's option parser unquotes and unescapes them (`adm"i"n` is `admin`,
/// `CORP\\svc` is `CORP\svc`) or refuses them (`a\`: invalid quotes);
/// the key's `%` tokens and `${VAR}` are expanded once the host is known.
pub(super) fn as_ssh_reads_them(
    name: &str,
    conn: &ConnectionVars,
) -> Result<(Option<String>, Option<PathBuf>), TargetError> {
    let read = |keyword: &str, value: &str, from: Option<&(String, Origin)>| {
        let option = format!("{keyword}=\"{value}\"");
        SshConfig::from_options([option.as_str()])
            .and_then(|alone| {
                SshConfig::default()
                    .lookup_with("h", HostConfig::default(), &alone)
                    .map_err(|e| e.to_string())
            })
            .map_err(|e| TargetError {
                host: name.to_string(),
                var: var_at(from, keyword),
                message: format!(
                    "Ansible hands it to ssh as `-o {option}`, which ssh refuses: {e}"
                ),
            })
    };
    let user = match &conn.user {
        Some(user) => read("User", user, conn.user_from.as_ref())?.user,
        None => None,
    };
    let key_file = match &conn.key_file {
        Some(key) => read(
            "IdentityFile",
            &key.to_string_lossy(),
            conn.key_file_from.as_ref(),
        )?
        .identity_files
        .into_iter()
        .next()
        .map(PathBuf::from),
        None => None,
    };
    Ok((user, key_file))
}

/// ssh refuses a user given on its command line (`-o User=` from
/// `ansible_user`, else the ssh arguments' first `-l` or `-o User=`)
/// that it would not put into a command ("remote username contains
/// invalid characters", OpenSSH's `valid_ruser`); a user from ssh_config
/// is not checked.
pub(super) fn command_line_user_is_valid(
    name: &str,
    conn: &ConnectionVars,
    ansible_user: Option<&str>,
    args_config: &SshConfig,
) -> Result<(), TargetError> {
    let (user, var) = match ansible_user {
        Some(user) => (
            Some(user.to_string()),
            var_at(conn.user_from.as_ref(), "ansible_user"),
        ),
        None => (
            SshConfig::default()
                .lookup_with("h", HostConfig::default(), args_config)
                .ok()
                .and_then(|c| c.user),
            ARGS_VARS.to_string(),
        ),
    };
    match user {
        Some(user) if !user.is_empty() && !ssh_config::safe_user_name(&user) => Err(TargetError {
            host: name.to_string(),
            var,
            message: format!(
                "ssh refuses the user `{user}` on its command line (\"remote username contains invalid characters\"): a name with shell metacharacters (a quote, a backquote, `;&<>|(){{}}`), a control character, a leading `-`, a trailing `\\` or white space before `-` is refused"
            ),
        }),
        _ => Ok(()),
    }
}
