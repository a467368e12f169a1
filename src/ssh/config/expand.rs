//! What a value becomes once the host is known: `%` tokens, `${VAR}`,
//! `~`, `Include` globs, and the local user, home and host name as
//! OpenSSH takes them (from the passwd entry, not the environment).

use std::path::{Path, PathBuf};

pub(super) fn expand_host_name(value: &str, host: &str) -> String {
    expand_tokens(value, |t| (t == 'h').then(|| host.to_string()))
}

pub(super) fn expand_tokens(value: &str, mut token: impl FnMut(char) -> Option<String>) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(t) => match token(t) {
                Some(v) => out.push_str(&v),
                // Refused when the file was read; kept as written otherwise.
                None => {
                    out.push('%');
                    out.push(t);
                }
            },
            None => out.push('%'),
        }
    }
    out
}

/// Values the path tokens stand for.
#[derive(Debug, Clone)]
pub(crate) struct Tokens<'a> {
    /// `%h`: the host name connected to (after `HostName`).
    pub host: &'a str,
    /// `%n`: the name as given.
    pub original_host: &'a str,
    pub port: u16,
    /// `%r`: the remote user.
    pub user: &'a str,
    /// `%k`: `HostKeyAlias`, else the name as given.
    pub host_key_alias: Option<&'a str>,
}

/// How one token's value is found for a host.
pub(crate) type TokenValue = fn(&Tokens<'_>) -> String;

/// Every `%` token of a path value, with what it stands for: ssh_config(5)'s
/// TOKENS that `UserKnownHostsFile`, `IdentityFile`, `ControlPath` and the
/// other path keywords accept (`%%` aside, always a `%`). A known_hosts
/// file new keys are added to is an output of the run, so each token is
/// one more way its path differs per host (docs/SECURITY.md I5):
/// [`Tokens::value`] expands by this table alone, and
/// `every_path_token_is_ssh_config_5s_and_expands_as_ssh_g` fails when
/// ssh_config(5) lists a token it lacks or `ssh -G` expands one otherwise.
pub(crate) const PATH_TOKEN_TABLE: &[(char, &str, TokenValue)] = &[
    ('C', "hash of %l%h%p%r", |t| {
        use sha1::Digest as _;
        let text = format!("{}{}{}{}", local_host(), t.host, t.port, t.user);
        sha1::Sha1::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }),
    ('d', "the local user's home directory", |_| {
        home().display().to_string()
    }),
    ('h', "the host name connected to", |t| t.host.to_string()),
    ('i', "the local user ID", |_| {
        rustix::process::getuid().as_raw().to_string()
    }),
    ('k', "HostKeyAlias, else the name given", |t| {
        t.host_key_alias.unwrap_or(t.original_host).to_string()
    }),
    ('L', "the local host name", |_| {
        local_host()
            .split('.')
            .next()
            .unwrap_or_default()
            .to_string()
    }),
    ('l', "the local host name with its domain", |_| local_host()),
    ('n', "the name given", |t| t.original_host.to_string()),
    ('p', "the port", |t| t.port.to_string()),
    ('r', "the remote user", |t| t.user.to_string()),
    ('u', "the local user name", |_| local_user()),
];

impl Tokens<'_> {
    /// What `token` stands for, by [`PATH_TOKEN_TABLE`].
    pub(super) fn value(&self, token: char) -> Option<String> {
        PATH_TOKEN_TABLE
            .iter()
            .find(|(t, _, _)| *t == token)
            .map(|(_, _, value)| value(self))
    }
}

/// A path value of `keyword` (lower-case, canonical) expanded as
/// OpenSSH 9.2 expands it when it uses it (the table of
/// [`super::expansion`]): `~` or `~user` first, then `${VAR}` and `%`
/// tokens; a keyword that expands nothing is taken as written. A variable
/// that is not set, or an unknown user, is an error, as in OpenSSH.
pub(crate) fn expand_path(
    keyword: &str,
    value: &str,
    tokens: &Tokens<'_>,
) -> Result<PathBuf, String> {
    let how = super::expansion::expansion(keyword);
    let mut text = value.to_string();
    if how.tilde {
        text = tilde(&text)?;
    }
    let percent = !how.tokens.is_empty();
    text = percent_dollar_expand(&text, how.env, percent, |t| {
        how.tokens.contains(t).then(|| tokens.value(t)).flatten()
    })?;
    Ok(PathBuf::from(text))
}

/// OpenSSH 9.2's `percent_dollar_expand`: `${VAR}` and `%` tokens in one
/// pass from left to right, so what a variable or a token stands for is
/// never scanned again (`IdentityFile /k/${X}` with `X=%h` is the file
/// `/k/%h`, as `ssh` opens it; two passes made it `/k/HOST`).
fn percent_dollar_expand(
    value: &str,
    dollar: bool,
    percent: bool,
    mut token: impl FnMut(char) -> Option<String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(c) = rest.chars().next() {
        if dollar && let Some(after) = rest.strip_prefix("${") {
            let end = after
                .find('}')
                .ok_or_else(|| format!("`${{` without `}}` in `{value}`"))?;
            let name = &after[..end];
            let found = std::env::var(name).map_err(|_| {
                format!("environment variable ${{{name}}} has no value (in `{value}`)")
            })?;
            out.push_str(&found);
            rest = &after[end + 1..];
            continue;
        }
        rest = &rest[c.len_utf8()..];
        if c != '%' || !percent {
            out.push(c);
            continue;
        }
        match rest.chars().next() {
            Some('%') => out.push('%'),
            Some(t) => match token(t) {
                Some(v) => out.push_str(&v),
                // Refused when the file was read; kept as written otherwise.
                None => {
                    out.push('%');
                    out.push(t);
                }
            },
            None => {
                out.push('%');
                break;
            }
        }
        rest = &rest[rest.chars().next().map_or(0, char::len_utf8)..];
    }
    Ok(out)
}

/// `${NAME}` checked as OpenSSH 9.2 checks it when it reads an
/// `IdentityAgent`, `ForwardAgent` or forwarding line (in every block): each variable closed and set.
pub(crate) fn check_env(value: &str) -> Result<(), String> {
    expand_env(value)
        .map(|_| ())
        .map_err(|e| format!("invalid environment expansion: {e} (ssh refuses the line too)"))
}

/// `${NAME}` replaced by the environment variable's value.
pub(super) fn expand_env(value: &str) -> Result<String, String> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("`${{` without `}}` in `{value}`"))?;
        let name = &after[..end];
        let found = std::env::var(name)
            .map_err(|_| format!("environment variable ${{{name}}} has no value (in `{value}`)"))?;
        out.push_str(&found);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// OpenSSH's `tilde_expand_filename`: `~` and `~/...` are the home
/// directory, `~user` and `~user/...` that user's (the passwd database);
/// an unknown user is an error, as in ssh.
pub(crate) fn tilde(path: &str) -> Result<String, String> {
    let Some(rest) = path.strip_prefix('~') else {
        return Ok(path.to_string());
    };
    let (user, tail) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash + 1..]),
        None => (rest, ""),
    };
    let dir = if user.is_empty() {
        home()
    } else {
        match nix::unistd::User::from_name(user) {
            Ok(Some(entry)) => entry.dir,
            _ => {
                return Err(format!(
                    "`{path}`: no user `{user}` in the passwd database (ssh refuses it too)"
                ));
            }
        }
    };
    let dir = dir.display().to_string();
    Ok(if tail.is_empty() {
        dir
    } else {
        format!("{}/{tail}", dir.trim_end_matches('/'))
    })
}

/// The files one `Include` argument names: `~` expanded, relative paths
/// under `base` (`~/.ssh` or `/etc/ssh`), expanded as OpenSSH's `glob(3)`
/// expands them (see `include_glob`); a pattern matching nothing is
/// skipped, as in OpenSSH.
pub(super) fn include_files(arg: &str, base: &Path) -> Result<Vec<PathBuf>, String> {
    let path = PathBuf::from(tilde(arg).map_err(|e| format!("Include {e}"))?);
    let path = if path.is_absolute() {
        path
    } else {
        base.join(path)
    };
    let pattern = path.to_string_lossy().into_owned();
    // What it matches now is read (and noted) below; what it would match
    // next time is an input too (I5).
    crate::support::bounds::note_input_pattern("the ssh_config Include pattern", &pattern);
    let mut files = Vec::new();
    for file in
        super::include_glob::glob(path.as_os_str()).map_err(|e| format!("Include `{arg}`: {e}"))?
    {
        // ssh skips a name it cannot open for want of a file (a dangling
        // symbolic link: `errno == ENOENT`), and reads no directory.
        match std::fs::metadata(&file) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Ok(meta) if meta.is_dir() => {}
            _ => files.push(file),
        }
    }
    Ok(files)
}

/// The running user's passwd entry: OpenSSH takes the user name and home
/// directory from it, not from `$USER` or `$HOME`. Read once: every
/// host's lookup and path expansion asks for it, and the uid does not
/// change during a run.
fn passwd() -> Option<&'static nix::unistd::User> {
    static ENTRY: std::sync::LazyLock<Option<nix::unistd::User>> = std::sync::LazyLock::new(|| {
        nix::unistd::User::from_uid(nix::unistd::getuid())
            .ok()
            .flatten()
    });
    ENTRY.as_ref()
}

/// The home directory (`~`, `%d`): the passwd entry's, else `$HOME`.
pub(crate) fn home() -> PathBuf {
    passwd()
        .map(|u| u.dir.clone())
        .or_else(std::env::home_dir)
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// The local user name (`%u`, `Match localuser`, the default remote user),
/// from the passwd entry of the running uid.
pub(crate) fn local_user() -> String {
    passwd().map(|u| u.name.clone()).unwrap_or_default()
}

/// The local host name (`%l`).
fn local_host() -> String {
    nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Characters OpenSSH refuses in a host name given to it (`valid_hostname`
/// of the installed `ssh`: `ssh -G 'a,b'` is "hostname contains invalid
/// characters"), because the name may be expanded into a command.
pub(crate) const HOST_METACHARACTERS: &str = "'`\"$\\;&<>|(){},";
/// The same for a user name (OpenSSH's `valid_ruser`).
pub(crate) const USER_METACHARACTERS: &str = "'`\";&<>|(){}";

/// Whether `name` may be expanded into a shell command as a host name,
/// as OpenSSH's `valid_hostname`: no leading `-` (it would be an option
/// of a command such as `ssh %h`), none of [`HOST_METACHARACTERS`], no
/// white space or control character.
pub(crate) fn safe_host_name(name: &str) -> bool {
    !name.starts_with('-')
        && !name
            .chars()
            .any(|c| HOST_METACHARACTERS.contains(c) || c.is_whitespace() || c.is_control())
}

/// Whether `user` may be expanded into a shell command as a user name,
/// as OpenSSH's `valid_ruser`: not empty, no leading `-` (`ssh -l -oX h`
/// is "remote username contains invalid characters": `%r` in `ssh %r@h`
/// would be an option), none of [`USER_METACHARACTERS`], no control
/// character, no white space followed by `-`, no trailing `\`.
pub(crate) fn safe_user_name(user: &str) -> bool {
    !user.is_empty()
        && !user.starts_with('-')
        && !user.ends_with('\\')
        && !user.contains(|c: char| USER_METACHARACTERS.contains(c) || c.is_control())
        && !user
            .as_bytes()
            .windows(2)
            .any(|w| w[0].is_ascii_whitespace() && w[1] == b'-')
}

/// A command (`ProxyCommand`, `Match exec`) with its tokens (those in
/// `allowed`, and `%%`) expanded; another token is refused. A
/// host or user name with shell metacharacters is refused, never expanded
/// into the command: OpenSSH 9.6 and later refuse such names too.
pub(crate) fn expand_command(
    command: &str,
    tokens: &Tokens<'_>,
    allowed: &str,
) -> Result<String, String> {
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        if c == '%' && chars.next().is_none() {
            return Err(format!("`{command}` ends with a lone `%`"));
        }
    }
    let mut refused = None;
    let expanded = expand_tokens(command, |t| {
        if !allowed.contains(t) {
            refused.get_or_insert_with(|| format!("token `%{t}` is not supported in `{command}`"));
            return None;
        }
        let value = tokens.value(t)?;
        let safe = match t {
            'h' | 'n' | 'k' => safe_host_name(&value),
            'r' => safe_user_name(&value),
            _ => true,
        };
        if !safe && refused.is_none() {
            refused = Some(format!(
                "%{t} would put `{}` into the command `{command}`: a {} with shell metacharacters or a leading `-` is refused (as OpenSSH refuses it)",
                value,
                if t == 'r' { "user name" } else { "host name" }
            ));
        }
        Some(value)
    });
    match refused {
        Some(why) => Err(why),
        None => Ok(expanded),
    }
}
