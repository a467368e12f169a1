//! Which resolved connection fields are computed from a secret
//! (docs/SECURITY.md I4), decided where each is computed and carried on
//! the `Target` (`support::secrets::FromSecret`): what sinks show is no
//! longer the rendered text (`403` is the address `0.0.1.147`), so no
//! sink could find it by matching text.

use super::ssh_args::SecretKeywords;
use crate::inventory::ConnectionVars;
use crate::ssh::config::HostConfig;
use crate::ssh::config::JumpHost;
use crate::support::secrets::{Field, FromSecret};

/// Which of a host's resolved fields are from a secret, decided from the
/// source each comes from (docs/SECURITY.md I4): the inventory variable
/// (`conn.from_secret`), else the ssh arguments' keyword set from a
/// secret. ssh_config's own values are not secrets, but a `HostName` or
/// `ProxyCommand` may carry the host's name or fields through `%` tokens,
/// so those follow the fields they may carry.
pub(super) fn fields(
    conn: &ConnectionVars,
    config: &HostConfig,
    args: &SecretKeywords,
) -> FromSecret {
    let given = conn.from_secret;
    let mut out = FromSecret::default();
    out.set(
        Field::Address,
        given.address || (config.host_name.is_some() && args.contains("hostname")),
    );
    out.set(
        Field::Port,
        match conn.port {
            Some(_) => given.port,
            None => args.contains("port"),
        },
    );
    out.set(
        Field::User,
        match conn.user {
            Some(_) => given.user,
            None => args.contains("user"),
        },
    );
    let command = match &conn.proxy_command {
        Some(_) => given.proxy_command,
        None => {
            args.contains("proxycommand")
                || (config
                    .proxy_command
                    .as_ref()
                    .is_some_and(|c| c.contains('%'))
                    && out.any())
        }
    };
    out.set(Field::ProxyCommand, command);
    // The identity files: the inventory's, the ssh arguments' `-i` and
    // `-o IdentityFile` read from a secret, or ssh_config's carrying a
    // field from one through `%` tokens. One flag for the list.
    out.set(
        Field::KeyFiles,
        given.key_files
            || args.contains("identityfile")
            || (config.identity_files.iter().any(|f| f.contains('%')) && out.any()),
    );
    out
}

/// Whether a host's jumps are from a secret: set by ssh arguments that
/// read one, or carrying a field from one through `%` tokens. A jump is
/// then wholly from a secret (its address, port and user).
pub(super) fn jump(hops: &[JumpHost], target: FromSecret, args: &SecretKeywords) -> bool {
    let tokens =
        |h: &JumpHost| h.host.contains('%') || h.user.as_ref().is_some_and(|u| u.contains('%'));
    args.contains("proxyjump") || (target.any() && hops.iter().any(tokens))
}
