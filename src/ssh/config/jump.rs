//! `ProxyJump` values, read as OpenSSH 9.2's `parse_jump` reads them
//! (readconf.c; `parse_ssh_uri`, `parse_uri`, `parse_user_host_port`,
//! `hpdelim`, `a2port`, `rtrim` in misc.c), with the name checks Debian's
//! 9.2 makes for `-J` and `-o ProxyJump` (`ssh_valid_hostname`,
//! `ssh_valid_ruser`), which sshfleet makes for ssh_config's lines too:
//! a jump's names end up in a shell command.

use super::parse::parse_port;
use super::values::valid_domain;

/// One hop of a `ProxyJump` list: `[user@]host[:port]` or
/// `ssh://[user@]host[:port][/]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JumpHost {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    /// Whether the hop is reached by its own ssh_config route (its own
    /// `ProxyJump` or `ProxyCommand`). Only the first hop of a chain is,
    /// and not after a leading `none` (`ProxyJump none,a`): ssh runs
    /// `ssh -J none a` for it, and that `-J` sets the route.
    pub own_route: bool,
}

/// What `parse_jump` keeps of a value: the hop ssh connects through
/// (the last one written) and the text before the last `,` (`jump_extra`,
/// which ssh hands to that hop's ssh as `-J`, unparsed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Jump {
    pub extra: Option<String>,
    pub last: JumpHost,
}

impl Jump {
    /// OpenSSH's `parse_jump` on a value that is not `none`: the text up to
    /// a `#`, cut at its first white space after the first character (its
    /// `rtrim` clears every white space but the first character's), split at
    /// `,`; every hop must parse, the last one is kept.
    pub(crate) fn parse(s: &str) -> Result<Jump, String> {
        let bad = |why: String| format!("`{s}`: {why}");
        let mut kept = s.split('#').next().unwrap_or_default();
        if let Some((i, _)) = kept
            .char_indices()
            .skip(1)
            .find(|(_, c)| c.is_ascii_whitespace() || *c == '\u{b}' || *c == '\u{c}')
        {
            kept = &kept[..i];
        }
        let mut last = None;
        for spec in kept.rsplit(',') {
            let hop = hop(spec).map_err(|why| match spec == s {
                true => bad(why),
                false => bad(format!("`{spec}`: {why}")),
            })?;
            last.get_or_insert(hop);
        }
        let last = last.ok_or_else(|| bad("empty".to_string()))?;
        let extra = match s.rfind(',') {
            Some(i) if i > 0 => Some(s[..i].to_string()),
            _ => None,
        };
        Ok(Jump { extra, last })
    }
}

impl JumpHost {
    /// The hops of a `ProxyJump` value in the order ssh goes through them
    /// (`none` is the empty list). ssh connects through the last hop with
    /// `ssh [-l U] [-p P] [-J EXTRA] HOST`: EXTRA is read again by that
    /// ssh, so the hops before the last are EXTRA's, recursively, and a
    /// leading `none` there means none.
    pub(crate) fn parse_list(text: &str) -> Result<Vec<JumpHost>, String> {
        if text.eq_ignore_ascii_case("none") {
            return Ok(Vec::new());
        }
        Self::chain(text)
    }

    fn chain(text: &str) -> Result<Vec<JumpHost>, String> {
        let jump = Jump::parse(text)?;
        let mut hops = match &jump.extra {
            None => Vec::new(),
            Some(extra) if extra.eq_ignore_ascii_case("none") => Vec::new(),
            Some(extra) => {
                // ssh puts EXTRA into a command for /bin/sh unquoted.
                if let Some(c) = extra
                    .chars()
                    .find(|c| !SHELL_INERT.contains(*c) && !c.is_ascii_alphanumeric())
                {
                    return Err(format!(
                        "`{text}`: ssh hands `{extra}` to /bin/sh unquoted and `{c}` means something there: not supported by sshfleet"
                    ));
                }
                Self::chain(extra).map_err(|e| {
                    format!("`{text}`: the jump's ssh would refuse `-J {extra}`: {e}")
                })?
            }
        };
        let mut last = jump.last;
        last.own_route = jump.extra.is_none();
        hops.push(last);
        Ok(hops)
    }
}

/// Characters the shell takes as written inside a word (with the
/// alphanumerics): what a `-J` list may hold that ssh passes on.
const SHELL_INERT: &str = "@%:/.,_+=-[]";

/// One hop: an `ssh://` URI (`parse_ssh_uri`), else
/// `[user@]host[:port]` (`parse_user_host_port`).
fn hop(spec: &str) -> Result<JumpHost, String> {
    let (user, host, port) = match spec.strip_prefix("ssh://") {
        Some(uri) => uri_parts(uri)?,
        None => user_host_port(spec)?,
    };
    if let Some(user) = &user {
        if user.contains(char::is_whitespace) && super::expand::safe_user_name(user) {
            return Err(format!(
                "a user name with white space (`{user}`) is not supported by sshfleet: ssh puts it into a command for /bin/sh unquoted"
            ));
        }
        if !super::expand::safe_user_name(user) {
            return Err(format!(
                "invalid user name `{user}` (a leading `-` or shell metacharacters: ssh refuses it on its command line, and sshfleet everywhere)"
            ));
        }
    }
    if !super::expand::safe_host_name(&host) {
        return Err(format!(
            "invalid host name `{host}` (a leading `-`, white space or shell metacharacters: ssh refuses it on its command line, and sshfleet everywhere)"
        ));
    }
    Ok(JumpHost {
        user,
        host,
        port,
        own_route: true,
    })
}

type Parts = (Option<String>, String, Option<u16>);

/// `parse_user_host_port`: the user up to the last `@` (not empty), the
/// host up to `:` or `/` (in `[]` for an address with colons), then an
/// optional port after a `:` (none after a `/`).
fn user_host_port(spec: &str) -> Result<Parts, String> {
    let (user, rest) = match spec.rsplit_once('@') {
        Some(("", _)) => return Err("empty user name".to_string()),
        Some((user, rest)) => (Some(user.to_string()), rest),
        None => (None, spec),
    };
    let (host, delim, after) = host_delim(rest)?;
    if delim == Some('/') {
        return Err("a `/` after the host".to_string());
    }
    let port = match after {
        Some(port) if !port.is_empty() => Some(parse_port(port)?),
        _ => None,
    };
    Ok((user, host, port))
}

/// `parse_uri("ssh", ...)` without a path: the user up to the first `@`
/// (connection parameters after `;` dropped, `%XX` and `+` decoded), a
/// host that is a valid domain name (`valid_domain`: a trailing `.`
/// dropped), an optional `:port`, and at most an empty path (`/`).
fn uri_parts(uri: &str) -> Result<Parts, String> {
    let (user, rest) = match uri.split_once('@') {
        Some((info, rest)) => {
            let name = info.split(';').next().unwrap_or_default();
            if name.is_empty() {
                return Err("empty user name".to_string());
            }
            let user = url_decode(name).ok_or_else(|| format!("bad `%` escape in `{name}`"))?;
            (Some(user), rest)
        }
        None => (None, uri),
    };
    let (host, delim, after) = host_delim(rest)?;
    let host = valid_domain(&host)
        .map_err(|e| format!("{e}: an ssh:// host must be one"))?
        .to_string();
    let mut port = None;
    let mut path = after.unwrap_or_default();
    if !path.is_empty() && delim == Some(':') {
        let (number, more) = match path.split_once('/') {
            Some((number, more)) => (number, more),
            None => (path, ""),
        };
        port = Some(parse_port(number)?);
        path = more;
    }
    if !path.is_empty() {
        return Err("a path in an ssh:// URI".to_string());
    }
    Ok((user, host, port))
}

/// `hpdelim2` then `cleanhostname`: the host, the delimiter after it and
/// the text after that.
fn host_delim(text: &str) -> Result<(String, Option<char>, Option<&str>), String> {
    let end = if text.starts_with('[') {
        text.find(']').ok_or("an unclosed `[`")? + 1
    } else {
        text.find([':', '/']).unwrap_or(text.len())
    };
    let host = &text[..end];
    let (delim, after) = match text[end..].chars().next() {
        None => (None, None),
        Some(c @ (':' | '/')) => (Some(c), Some(&text[end + 1..])),
        Some(_) => return Err("text after `]`".to_string()),
    };
    if host.is_empty() {
        return Err("no host".to_string());
    }
    let host = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(inner) => inner,
        None => host,
    };
    Ok((host.to_string(), delim, after))
}

/// misc.c `urldecode`: `+` is a space, `%XX` a byte; the result must be
/// UTF-8 here.
fn url_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::new();
    let mut rest = text.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        match b {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = tail
                    .get(..2)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))?;
                bytes.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
                rest = &tail[2..];
                continue;
            }
            b => bytes.push(b),
        }
        rest = tail;
    }
    String::from_utf8(bytes).ok()
}

impl std::fmt::Display for JumpHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        match self.port {
            Some(port) => write!(f, "[{}]:{port}", self.host),
            None if self.host.contains(':') => write!(f, "[{}]", self.host),
            None => f.write_str(&self.host),
        }
    }
}

impl std::fmt::Display for Jump {
    /// As `ssh -G` prints `proxyjump`: EXTRA, then the last hop, its host
    /// in `[]` when it has a `:` or is all digits and dots.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(extra) = &self.extra {
            write!(f, "{extra},")?;
        }
        let last = &self.last;
        if let Some(user) = &last.user {
            write!(f, "{user}@")?;
        }
        let host = &last.host;
        if host.contains(':') || host.chars().all(|c| c.is_ascii_digit() || c == '.') {
            write!(f, "[{host}]")?;
        } else {
            f.write_str(host)?;
        }
        match last.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}
