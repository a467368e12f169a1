//! `ProxyJump` values: `[user@]host[:port]` hops.

use super::parse::parse_port;

/// One hop of a `ProxyJump` list: `[user@]host[:port]` or
/// `ssh://[user@]host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JumpHost {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

impl JumpHost {
    /// Parse a `ProxyJump` value; `none` is the empty list (no jump).
    pub(crate) fn parse_list(text: &str) -> Result<Vec<JumpHost>, String> {
        if text.eq_ignore_ascii_case("none") {
            return Ok(Vec::new());
        }
        text.split(',').map(JumpHost::parse).collect()
    }

    fn parse(spec: &str) -> Result<JumpHost, String> {
        let bad = |why: &str| format!("ProxyJump `{spec}`: {why}");
        let text = spec.trim();
        let text = text.strip_prefix("ssh://").unwrap_or(text);
        let (user, rest) = match text.rsplit_once('@') {
            Some((user, rest)) if !user.is_empty() => (Some(user.to_string()), rest),
            Some(_) => return Err(bad("empty user")),
            None => (None, text),
        };
        let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
            let (host, after) = inner.split_once(']').ok_or_else(|| bad("unclosed `[`"))?;
            match after {
                "" => (host, None),
                _ => match after.strip_prefix(':') {
                    Some(port) => (host, Some(port)),
                    None => return Err(bad("expected `:port` after `]`")),
                },
            }
        } else if rest.matches(':').count() == 1 {
            let (host, port) = rest.split_once(':').unwrap_or((rest, ""));
            (host, Some(port))
        } else {
            // No colon, or a bare IPv6 address.
            (rest, None)
        };
        if host.contains(char::is_whitespace) {
            return Err(bad(
                "a host name with white space is not supported by sshfleet",
            ));
        }
        if host.is_empty() || host.contains('/') {
            return Err(bad("expected [user@]host[:port]"));
        }
        // OpenSSH's parse_jump: "invalid username", "invalid hostname". A
        // leading `-` would be an option of the `ssh -l %r %h` the jump
        // becomes, a metacharacter a command of the operator's ProxyCommand.
        if user
            .as_deref()
            .is_some_and(|u| !super::expand::safe_user_name(u))
        {
            return Err(bad(
                "invalid user name (a leading `-` or shell metacharacters, refused as OpenSSH refuses them)",
            ));
        }
        if !super::expand::safe_host_name(host) {
            return Err(bad(
                "invalid host name (a leading `-` or shell metacharacters, refused as OpenSSH refuses them)",
            ));
        }
        let port = port
            .map(|p| parse_port(p).map_err(|e| bad(&e)))
            .transpose()?;
        Ok(JumpHost {
            user,
            host: host.to_string(),
            port,
        })
    }
}

impl std::fmt::Display for JumpHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        match self.port {
            Some(port) => write!(f, "[{}]:{port}", self.host),
            None => f.write_str(&self.host),
        }
    }
}
