//! OpenSSH client configuration (`~/.ssh/config`, or `-F PATH`), so the
//! settings an operator already keeps for `ssh` (aliases, ports, users,
//! keys, known_hosts, bastions, legacy algorithms) apply to sshfleet too.
//!
//! A small parser rather than a crate: the one well-kept crate
//! (`ssh2-config`) reports errors without the file and line, keeps
//! `StrictHostKeyChecking` and `UserKnownHostsFile` only as loose strings,
//! resolves `+algorithm` lists against OpenSSH's defaults instead of
//! russh's, and does not expand `%h`. What is read, as `ssh_config(5)` says:
//!
//! - `Host` patterns (`*`, `?`, `!negation`, case-insensitive) against the
//!   name ssh is given; `Match all|host|originalhost|user|localuser` (with
//!   `!`); any other `Match` criterion (`exec`, `canonical`, `final`, ...)
//!   makes its block never apply.
//! - For each setting the first obtained value wins, except `IdentityFile`,
//!   which accumulates.
//! - `Include` (globs; relative paths under `~/.ssh`), nested at most 16
//!   deep, applies within the block it is written in.
//! - Keywords used: `HostName` (`%h`), `Port`, `User`, `IdentityFile`,
//!   `UserKnownHostsFile`, `StrictHostKeyChecking`, `ProxyJump`,
//!   `KexAlgorithms`, `HostKeyAlgorithms`, `PubkeyAcceptedAlgorithms`,
//!   `Ciphers`, `MACs`. Paths take `~` and `%d %h %i %n %p %r %u %%`.
//!   Every other keyword is ignored (logged at debug level).
//!
//! A value sshfleet cannot read (a bad port, an unterminated quote, an
//! unknown `%` token, a malformed `ProxyJump`) is an error naming the file
//! and line: a half-read configuration would connect somewhere unintended.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::algorithms::{AlgorithmChange, AlgorithmKind, Algorithms};
use crate::pattern::PatternList;

/// OpenSSH's own limit; also what stops an `Include` loop.
const MAX_INCLUDE_DEPTH: usize = 16;

/// Errors reading a configuration file. Each names the file, and the line
/// where there is one.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SshConfigError {
    #[error("cannot read ssh_config {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// `StrictHostKeyChecking`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrictHostKeyChecking {
    /// `yes`, and `ask` (sshfleet never prompts).
    Yes,
    AcceptNew,
    /// `no`/`off`: sshfleet treats it as `accept-new` (a changed key is
    /// still refused) and says so when the file is read.
    No,
}

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
        if host.is_empty() || host.contains(char::is_whitespace) || host.contains('/') {
            return Err(bad("expected [user@]host[:port]"));
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

/// What one host's configuration says (nothing set = `None`/empty).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct HostConfig {
    /// `HostName`, `%h` already replaced.
    pub host_name: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    /// Unexpanded: `~` and tokens are expanded with [`expand_path`] once
    /// the final host, port and user are known.
    pub identity_files: Vec<String>,
    /// Unexpanded, like `identity_files`.
    pub known_hosts_files: Option<Vec<String>>,
    pub strict_host_key_checking: Option<StrictHostKeyChecking>,
    /// `Some(empty)` is `ProxyJump none`.
    pub proxy_jump: Option<Vec<JumpHost>>,
    pub algorithms: Algorithms,
}

impl HostConfig {
    /// Fill what `self` leaves unset from `later` (first obtained wins).
    pub(crate) fn or(mut self, later: HostConfig) -> HostConfig {
        self.host_name = self.host_name.or(later.host_name);
        self.port = self.port.or(later.port);
        self.user = self.user.or(later.user);
        for file in later.identity_files {
            if !self.identity_files.contains(&file) {
                self.identity_files.push(file);
            }
        }
        self.known_hosts_files = self.known_hosts_files.or(later.known_hosts_files);
        self.strict_host_key_checking = self
            .strict_host_key_checking
            .or(later.strict_host_key_checking);
        self.proxy_jump = self.proxy_jump.or(later.proxy_jump);
        for kind in AlgorithmKind::ALL {
            if let Some(change) = later.algorithms.get(kind) {
                self.algorithms.set_if_unset(kind, change.clone());
            }
        }
        self
    }
}

/// A parsed configuration (possibly empty), ready for lookups.
#[derive(Debug, Clone, Default)]
pub(crate) struct SshConfig {
    directives: Vec<Directive>,
}

#[derive(Debug, Clone)]
struct Directive {
    /// Every enclosing block's condition (an `Include` inside a `Host`
    /// block keeps that block's), outermost first.
    scope: Arc<Vec<Condition>>,
    setting: Setting,
}

#[derive(Debug, Clone)]
enum Setting {
    HostName(String),
    Port(u16),
    User(String),
    IdentityFile(String),
    KnownHostsFiles(Vec<String>),
    StrictHostKeyChecking(StrictHostKeyChecking),
    ProxyJump(Vec<JumpHost>),
    Algorithms(AlgorithmKind, AlgorithmChange),
}

#[derive(Debug, Clone)]
enum Condition {
    Host(PatternList),
    /// Every criterion must hold.
    Match(Vec<Criterion>),
}

#[derive(Debug, Clone)]
struct Criterion {
    negated: bool,
    test: Test,
}

#[derive(Debug, Clone)]
enum Test {
    All,
    Host(PatternList),
    OriginalHost(PatternList),
    User(PatternList),
    LocalUser(PatternList),
    /// `exec`, `canonical`, `final`, ...: never true here.
    Unsupported,
}

/// What a block's condition is evaluated against.
struct Subject<'a> {
    original_host: &'a str,
    host: &'a str,
    user: &'a str,
    local_user: &'a str,
}

impl Condition {
    fn holds(&self, s: &Subject<'_>) -> bool {
        match self {
            Condition::Host(patterns) => patterns.matches(s.original_host),
            Condition::Match(criteria) => criteria.iter().all(|c| {
                let result = match &c.test {
                    Test::All => true,
                    Test::Host(p) => p.matches(s.host),
                    Test::OriginalHost(p) => p.matches(s.original_host),
                    Test::User(p) => p.matches(s.user),
                    Test::LocalUser(p) => p.matches(s.local_user),
                    Test::Unsupported => return false,
                };
                result != c.negated
            }),
        }
    }
}

impl SshConfig {
    /// `~/.ssh/config` if it exists, else nothing (as `ssh` does without
    /// `-F`; the system-wide file is not read).
    pub(crate) fn load_default() -> Result<SshConfig, SshConfigError> {
        let path = home().join(".ssh").join("config");
        if path.exists() {
            SshConfig::load(&path)
        } else {
            Ok(SshConfig::default())
        }
    }

    /// `-F PATH`: the file must exist; `none` means no configuration.
    pub(crate) fn load_option(path: &Path) -> Result<SshConfig, SshConfigError> {
        if path.as_os_str() == "none" {
            return Ok(SshConfig::default());
        }
        SshConfig::load(path)
    }

    pub(crate) fn load(path: &Path) -> Result<SshConfig, SshConfigError> {
        let mut config = SshConfig::default();
        config.read_file(path, &Arc::new(Vec::new()), 0)?;
        Ok(config)
    }

    /// Parse `text` as if read from `path` (which names it in errors).
    #[cfg(test)]
    pub(crate) fn parse(text: &str, path: &Path) -> Result<SshConfig, SshConfigError> {
        let mut config = SshConfig::default();
        config.read_text(text, path, &Arc::new(Vec::new()), 0)?;
        Ok(config)
    }

    /// `ssh -o Keyword=value` options, read as OpenSSH reads them: each is
    /// one configuration line that applies to every host, before any file.
    /// `Err` names the option at fault.
    pub(crate) fn from_options<'a>(
        options: impl IntoIterator<Item = &'a str>,
    ) -> Result<SshConfig, String> {
        let mut config = SshConfig::default();
        let scope = Arc::new(Vec::new());
        for option in options {
            let Some((keyword, args)) = split_line(option)? else {
                continue;
            };
            let lower = keyword.to_ascii_lowercase();
            if matches!(lower.as_str(), "host" | "match" | "include") {
                return Err(format!(
                    "`{keyword}` is not supported as a command-line option"
                ));
            }
            if let Some(setting) = parse_setting(&lower, &keyword, &args, Path::new("-o"), 0)
                .map_err(|m| format!("{keyword}: {m}"))?
            {
                config.directives.push(Directive {
                    scope: scope.clone(),
                    setting,
                });
            }
        }
        Ok(config)
    }

    fn read_file(
        &mut self,
        path: &Path,
        outer: &Arc<Vec<Condition>>,
        depth: usize,
    ) -> Result<(), SshConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| SshConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        self.read_text(&text, path, outer, depth)
    }

    fn read_text(
        &mut self,
        text: &str,
        path: &Path,
        outer: &Arc<Vec<Condition>>,
        depth: usize,
    ) -> Result<(), SshConfigError> {
        let mut scope = outer.clone();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let invalid = |message: String| SshConfigError::Invalid {
                path: path.to_path_buf(),
                line: number,
                message,
            };
            let Some((keyword, args)) = split_line(line).map_err(invalid)? else {
                continue;
            };
            let lower = keyword.to_ascii_lowercase();
            match lower.as_str() {
                "host" | "match" => {
                    let condition = if lower == "host" {
                        host_condition(&args)
                    } else {
                        match_condition(&args)
                    }
                    .map_err(|m| invalid(format!("{keyword}: {m}")))?;
                    let mut conditions = (**outer).clone();
                    conditions.push(condition);
                    scope = Arc::new(conditions);
                }
                "include" => {
                    if args.is_empty() {
                        return Err(invalid("Include needs a path".to_string()));
                    }
                    if depth + 1 > MAX_INCLUDE_DEPTH {
                        return Err(invalid(format!(
                            "Include nested more than {MAX_INCLUDE_DEPTH} deep (does a file include itself?)"
                        )));
                    }
                    for arg in &args {
                        for file in include_files(arg).map_err(invalid)? {
                            self.read_file(&file, &scope, depth + 1)?;
                        }
                    }
                }
                _ => {
                    if let Some(setting) = parse_setting(&lower, &keyword, &args, path, number)
                        .map_err(|m| invalid(format!("{keyword}: {m}")))?
                    {
                        self.directives.push(Directive {
                            scope: scope.clone(),
                            setting,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The settings for `host` (the name ssh would be given: `ansible_host`
    /// or the inventory name; a jump host's name). `user` is a user chosen
    /// before the file is read (the inventory's), which `Match user` sees.
    pub(crate) fn lookup(&self, host: &str, user: Option<&str>) -> HostConfig {
        let original_host = host.to_ascii_lowercase();
        let local_user = local_user();
        let mut out = HostConfig::default();
        for directive in &self.directives {
            let current_host = out
                .host_name
                .clone()
                .unwrap_or_else(|| original_host.clone());
            let current_user = user
                .map(str::to_string)
                .or_else(|| out.user.clone())
                .unwrap_or_else(|| local_user.clone());
            let subject = Subject {
                original_host: &original_host,
                host: &current_host,
                user: &current_user,
                local_user: &local_user,
            };
            if !directive.scope.iter().all(|c| c.holds(&subject)) {
                continue;
            }
            match &directive.setting {
                Setting::HostName(name) => {
                    if out.host_name.is_none() {
                        out.host_name = Some(expand_host_name(name, host));
                    }
                }
                Setting::Port(port) => {
                    out.port.get_or_insert(*port);
                }
                Setting::User(u) => {
                    out.user.get_or_insert_with(|| u.clone());
                }
                Setting::IdentityFile(file) => {
                    if !out.identity_files.contains(file) {
                        out.identity_files.push(file.clone());
                    }
                }
                Setting::KnownHostsFiles(files) => {
                    out.known_hosts_files.get_or_insert_with(|| files.clone());
                }
                Setting::StrictHostKeyChecking(value) => {
                    out.strict_host_key_checking.get_or_insert(*value);
                }
                Setting::ProxyJump(hops) => {
                    out.proxy_jump.get_or_insert_with(|| hops.clone());
                }
                Setting::Algorithms(kind, change) => {
                    out.algorithms.set_if_unset(*kind, change.clone());
                }
            }
        }
        out
    }
}

/// Split a line into its keyword and arguments (`Keyword args`,
/// `Keyword=args`, double quotes group, `#` starts a comment). `None` for
/// a blank or comment line.
fn split_line(line: &str) -> Result<Option<(String, Vec<String>)>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let keyword = line[..end].to_string();
    let mut rest = line[end..].trim_start();
    if let Some(after) = rest.strip_prefix('=') {
        rest = after.trim_start();
    }
    let mut args = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.peek() {
            None | Some('#') => break,
            Some(_) => {}
        }
        let mut word = String::new();
        let mut quoted = false;
        while let Some(&c) = chars.peek() {
            if c == '"' {
                quoted = !quoted;
            } else if c.is_whitespace() && !quoted {
                break;
            } else {
                word.push(c);
            }
            chars.next();
        }
        if quoted {
            return Err("unterminated quote".to_string());
        }
        args.push(word);
    }
    Ok(Some((keyword, args)))
}

fn host_condition(args: &[String]) -> Result<Condition, String> {
    if args.is_empty() {
        return Err("needs at least one pattern".to_string());
    }
    // Names and patterns compare regardless of case, as sshfleet always has.
    Ok(Condition::Host(PatternList::new(
        args.iter().map(String::as_str),
        true,
    )?))
}

fn match_condition(args: &[String]) -> Result<Condition, String> {
    if args.is_empty() {
        return Err(
            "needs a criterion (all, host, originalhost, user, localuser, ...)".to_string(),
        );
    }
    let mut criteria = Vec::new();
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let (negated, name) = match word.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, word.as_str()),
        };
        let name = name.to_ascii_lowercase();
        let mut list = || -> Result<PatternList, String> {
            let arg = words
                .next()
                .ok_or_else(|| format!("`{name}` needs an argument"))?;
            PatternList::new(arg.split(','), true)
        };
        let test = match name.as_str() {
            "all" => Test::All,
            "canonical" | "final" => {
                tracing::debug!("Match {name} is not supported; that block never applies");
                Test::Unsupported
            }
            "host" => Test::Host(list()?),
            "originalhost" => Test::OriginalHost(list()?),
            "user" => Test::User(list()?),
            "localuser" => Test::LocalUser(list()?),
            "exec" | "localnetwork" | "tagged" | "version" | "sessiontype" | "command" => {
                list()?;
                tracing::debug!("Match {name} is not supported; that block never applies");
                Test::Unsupported
            }
            other => return Err(format!("unknown criterion `{other}`")),
        };
        criteria.push(Criterion { negated, test });
    }
    Ok(Condition::Match(criteria))
}

/// The setting of one keyword line, `None` for keywords sshfleet ignores.
fn parse_setting(
    lower: &str,
    keyword: &str,
    args: &[String],
    path: &Path,
    line: usize,
) -> Result<Option<Setting>, String> {
    let one = || -> Result<&str, String> {
        match args {
            [value] => Ok(value.as_str()),
            [] => Err("missing value".to_string()),
            _ => Err(format!("expected one value, got {}", args.len())),
        }
    };
    let algorithms = |kind: AlgorithmKind| -> Result<Option<Setting>, String> {
        let (change, unknown) = AlgorithmChange::parse(kind, one()?)?;
        if !unknown.is_empty() {
            tracing::debug!(
                "{}:{line}: {keyword}: sshfleet cannot use {}; ignored",
                path.display(),
                unknown.join(",")
            );
        }
        Ok(Some(Setting::Algorithms(kind, change)))
    };
    Ok(Some(match lower {
        "hostname" => {
            let name = one()?;
            check_tokens(name, "h")?;
            Setting::HostName(name.to_string())
        }
        "port" => Setting::Port(parse_port(one()?)?),
        "user" => Setting::User(one()?.to_string()),
        "identityfile" => {
            let file = one()?;
            check_tokens(file, PATH_TOKENS)?;
            Setting::IdentityFile(file.to_string())
        }
        "userknownhostsfile" => {
            if args.is_empty() {
                return Err("missing value".to_string());
            }
            for file in args {
                check_tokens(file, PATH_TOKENS)?;
            }
            Setting::KnownHostsFiles(args.to_vec())
        }
        "stricthostkeychecking" => {
            Setting::StrictHostKeyChecking(match one()?.to_ascii_lowercase().as_str() {
                "yes" | "true" | "ask" => StrictHostKeyChecking::Yes,
                "accept-new" => StrictHostKeyChecking::AcceptNew,
                "no" | "off" | "false" => {
                    tracing::warn!(
                        "{}:{line}: StrictHostKeyChecking no is treated as accept-new: unknown host keys \
                         are recorded, a changed key is still refused",
                        path.display()
                    );
                    StrictHostKeyChecking::No
                }
                other => {
                    return Err(format!(
                        "`{other}` is not one of yes, accept-new, no, off, ask"
                    ));
                }
            })
        }
        "proxyjump" => Setting::ProxyJump(JumpHost::parse_list(one()?)?),
        "kexalgorithms" => return algorithms(AlgorithmKind::Kex),
        "hostkeyalgorithms" => return algorithms(AlgorithmKind::HostKey),
        "pubkeyacceptedalgorithms" | "pubkeyacceptedkeytypes" => {
            return algorithms(AlgorithmKind::PubkeyAccepted);
        }
        "ciphers" => return algorithms(AlgorithmKind::Cipher),
        "macs" => return algorithms(AlgorithmKind::Mac),
        _ => {
            tracing::debug!(
                "{}:{line}: {keyword} is not used by sshfleet",
                path.display()
            );
            return Ok(None);
        }
    }))
}

/// Tokens `IdentityFile` and `UserKnownHostsFile` may use here.
const PATH_TOKENS: &str = "dhinpru";

fn check_tokens(value: &str, allowed: &str) -> Result<(), String> {
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        match chars.next() {
            Some('%') => {}
            Some(t) if allowed.contains(t) => {}
            Some(t) => return Err(format!("token %{t} is not supported in `{value}`")),
            None => return Err(format!("`%` at the end of `{value}`")),
        }
    }
    Ok(())
}

fn parse_port(text: &str) -> Result<u16, String> {
    match text.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(format!("`{text}` is not a port number (1-65535)")),
    }
}

fn expand_host_name(value: &str, host: &str) -> String {
    expand_tokens(value, |t| (t == 'h').then(|| host.to_string()))
}

fn expand_tokens(value: &str, token: impl Fn(char) -> Option<String>) -> String {
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
}

/// `~` and `%` tokens of an `IdentityFile` or `UserKnownHostsFile` value.
pub(crate) fn expand_path(value: &str, tokens: &Tokens<'_>) -> PathBuf {
    let home = home();
    let expanded = expand_tokens(value, |t| match t {
        'd' => Some(home.display().to_string()),
        'h' => Some(tokens.host.to_string()),
        'n' => Some(tokens.original_host.to_string()),
        'p' => Some(tokens.port.to_string()),
        'r' => Some(tokens.user.to_string()),
        'u' => Some(local_user()),
        'i' => Some(rustix::process::getuid().as_raw().to_string()),
        _ => None,
    });
    if expanded.eq_ignore_ascii_case("none") {
        return PathBuf::from("/dev/null");
    }
    tilde(&expanded, &home)
}

fn tilde(path: &str, home: &Path) -> PathBuf {
    if path == "~" {
        home.to_path_buf()
    } else if let Some(rest) = path.strip_prefix("~/") {
        home.join(rest)
    } else {
        PathBuf::from(path)
    }
}

/// The files one `Include` argument names: `~` expanded, relative paths
/// under `~/.ssh`, globs sorted; a pattern matching nothing is skipped, as
/// in OpenSSH.
fn include_files(arg: &str) -> Result<Vec<PathBuf>, String> {
    let home = home();
    let path = tilde(arg, &home);
    let path = if path.is_absolute() {
        path
    } else {
        home.join(".ssh").join(path)
    };
    let pattern = path.to_string_lossy().into_owned();
    let paths = glob::glob(&pattern).map_err(|e| format!("Include `{arg}`: {e}"))?;
    let mut files = Vec::new();
    for entry in paths {
        let file = entry.map_err(|e| format!("Include `{arg}`: {e}"))?;
        if !file.is_dir() {
            files.push(file);
        }
    }
    Ok(files)
}

fn home() -> PathBuf {
    std::env::home_dir().unwrap_or_else(|| PathBuf::from("/"))
}

/// The local user name (`%u`, `Match localuser`, the default remote user).
pub(crate) fn local_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn parse(text: &str) -> SshConfig {
        SshConfig::parse(text, Path::new("/cfg")).unwrap()
    }

    fn error(text: &str) -> (usize, String) {
        match SshConfig::parse(text, Path::new("/cfg")) {
            Err(SshConfigError::Invalid { line, message, .. }) => (line, message),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn first_obtained_value_wins() {
        let c = parse(
            "Host esa01\n  Port 2201\n  User admin\nHost esa*\n  Port 2200\n  User ops\n  HostName %h.mgmt.example.com\nHost *\n  Port 22\n",
        );
        let h = c.lookup("esa01", None);
        assert_eq!(h.port, Some(2201));
        assert_eq!(h.user.as_deref(), Some("admin"));
        assert_eq!(h.host_name.as_deref(), Some("esa01.mgmt.example.com"));
        let h = c.lookup("esa02", None);
        assert_eq!(h.port, Some(2200));
        assert_eq!(h.user.as_deref(), Some("ops"));
        let h = c.lookup("wsa01", None);
        assert_eq!(h.port, Some(22));
        assert_eq!(h.host_name, None);
    }

    #[test]
    fn settings_before_any_host_apply_to_all_and_come_first() {
        let c = parse("User first\nHost a\n  User second\n");
        assert_eq!(c.lookup("a", None).user.as_deref(), Some("first"));
    }

    #[test]
    fn patterns_negation_wildcards_and_case() {
        let c = parse(
            "Host *.example.com !bastion.example.com\n  User fleet\nHost esa0?\n  Port 2222\n",
        );
        assert_eq!(
            c.lookup("ESA01.Example.com", None).user.as_deref(),
            Some("fleet")
        );
        assert_eq!(c.lookup("bastion.example.com", None).user, None);
        assert_eq!(c.lookup("esa07", None).port, Some(2222));
        assert_eq!(c.lookup("esa10", None).port, None);
        // A block of only negations matches nothing, as in OpenSSH.
        let c = parse("Host !a\n  Port 1\n");
        assert_eq!(c.lookup("b", None).port, None);
    }

    #[test]
    fn keyword_forms_quotes_and_comments() {
        let c = parse(
            "# comment\n\nHOST=a\n\tHostName = 192.0.2.1\n  IdentityFile \"/keys/my key\" # trailing\n  port=2022\n",
        );
        let h = c.lookup("a", None);
        assert_eq!(h.host_name.as_deref(), Some("192.0.2.1"));
        assert_eq!(h.identity_files, ["/keys/my key"]);
        assert_eq!(h.port, Some(2022));
    }

    #[test]
    fn identity_files_accumulate() {
        let c = parse(
            "Host a\n  IdentityFile ~/.ssh/a\nHost *\n  IdentityFile ~/.ssh/all\n  IdentityFile ~/.ssh/a\n",
        );
        assert_eq!(
            c.lookup("a", None).identity_files,
            ["~/.ssh/a", "~/.ssh/all"]
        );
    }

    #[test]
    fn match_blocks() {
        let c = parse(
            "Host alias\n  HostName esa01.example.com\nMatch host esa*.example.com !originalhost other\n  Port 2022\nMatch user root\n  IdentityFile /root.key\nMatch exec \"true\"\n  User never\nMatch all\n  User everyone\n",
        );
        // `Match host` sees the HostName obtained above it.
        let h = c.lookup("alias", None);
        assert_eq!(h.port, Some(2022));
        assert_eq!(h.user.as_deref(), Some("everyone"));
        assert_eq!(c.lookup("other", None).port, None);
        assert_eq!(c.lookup("x", Some("root")).identity_files, ["/root.key"]);
        assert!(c.lookup("x", Some("admin")).identity_files.is_empty());
        assert_eq!(error("Match nonsense\n").0, 1);
        assert_eq!(error("Match host\n").0, 1);
    }

    #[test]
    fn host_key_settings_and_proxy_jump() {
        let c = parse(
            "Host a\n  UserKnownHostsFile ~/.ssh/fleet_hosts /dev/null\n  StrictHostKeyChecking accept-new\n  ProxyJump ops@bastion1:2222,ssh://bastion2,[2001:db8::1]:22\nHost b\n  ProxyJump none\n  StrictHostKeyChecking off\n",
        );
        let h = c.lookup("a", None);
        assert_eq!(
            h.known_hosts_files,
            Some(vec![
                "~/.ssh/fleet_hosts".to_string(),
                "/dev/null".to_string()
            ])
        );
        assert_eq!(
            h.strict_host_key_checking,
            Some(StrictHostKeyChecking::AcceptNew)
        );
        let hops = h.proxy_jump.unwrap();
        assert_eq!(
            hops,
            [
                JumpHost {
                    user: Some("ops".into()),
                    host: "bastion1".into(),
                    port: Some(2222)
                },
                JumpHost {
                    user: None,
                    host: "bastion2".into(),
                    port: None
                },
                JumpHost {
                    user: None,
                    host: "2001:db8::1".into(),
                    port: Some(22)
                },
            ]
        );
        let h = c.lookup("b", None);
        assert_eq!(h.proxy_jump, Some(Vec::new()));
        assert_eq!(h.strict_host_key_checking, Some(StrictHostKeyChecking::No));
    }

    #[test]
    fn algorithms_first_value_wins_and_unknown_names_are_skipped() {
        let c = parse(
            "Host old*\n  KexAlgorithms +diffie-hellman-group14-sha1,sntrup761x25519-sha512@openssh.com\n  HostKeyAlgorithms +ssh-rsa\nHost *\n  KexAlgorithms +diffie-hellman-group1-sha1\n  PubkeyAcceptedKeyTypes +ssh-rsa\n",
        );
        let a = c.lookup("old1", None).algorithms;
        assert_eq!(
            a.get(AlgorithmKind::Kex).unwrap().append,
            ["diffie-hellman-group14-sha1"]
        );
        assert_eq!(a.get(AlgorithmKind::HostKey).unwrap().append, ["ssh-rsa"]);
        assert!(a.allows_ssh_rsa_signatures());
        assert!(
            c.lookup("new", None)
                .algorithms
                .get(AlgorithmKind::HostKey)
                .is_none()
        );
    }

    #[test]
    fn malformed_lines_name_their_line() {
        for (text, line, needle) in [
            ("Host a\n  Port 70000\n", 2, "port number"),
            ("Host a\n  Port\n", 2, "missing value"),
            (
                "\n\nHost a\n  HostName \"unterminated\n",
                4,
                "unterminated quote",
            ),
            ("Host\n", 1, "at least one pattern"),
            ("Host a\n  IdentityFile ~/.ssh/%C\n", 2, "%C"),
            ("Host a\n  ProxyJump user@:22\n", 2, "ProxyJump"),
            ("Host a\n  ProxyJump h:port\n", 2, "port number"),
            ("Host a\n  StrictHostKeyChecking maybe\n", 2, "maybe"),
            ("Host a\n  KexAlgorithms +a,,b\n", 2, "empty algorithm"),
            ("Host a\n  User a b\n", 2, "one value"),
        ] {
            let (l, message) = error(text);
            assert_eq!(l, line, "{text}: {message}");
            assert!(message.contains(needle), "{text}: {message}");
        }
    }

    #[test]
    fn unknown_keywords_are_ignored() {
        let c = parse("Host a\n  ForwardAgent yes\n  SomethingNew 1 2 3\n  Port 2\n");
        assert_eq!(c.lookup("a", None).port, Some(2));
    }

    #[test]
    fn include_applies_within_its_block_and_names_the_included_file() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("conf.d")).unwrap();
        std::fs::write(
            d.join("conf.d/10-a.conf"),
            "Port 2010\nHost other\n  User o\n",
        )
        .unwrap();
        std::fs::write(d.join("conf.d/20-b.conf"), "Port 2020\nUser b\n").unwrap();
        std::fs::write(
            d.join("config"),
            format!(
                "Host esa*\n  Include {}/conf.d/*.conf\n  User after\nHost *\n  Port 22\n",
                d.display()
            ),
        )
        .unwrap();
        let c = SshConfig::load(&d.join("config")).unwrap();
        let h = c.lookup("esa01", None);
        // Files in glob order; the first obtained value wins.
        assert_eq!(h.port, Some(2010));
        assert_eq!(h.user.as_deref(), Some("b"));
        // Outside the including block the included settings do not apply.
        let h = c.lookup("wsa01", None);
        assert_eq!(h.port, Some(22));
        assert_eq!(h.user, None);
        // `Host other` inside the include is still bounded by `Host esa*`.
        assert_eq!(c.lookup("other", None).user, None);

        std::fs::write(d.join("conf.d/30-bad.conf"), "\nPort x\n").unwrap();
        let err = SshConfig::load(&d.join("config")).unwrap_err().to_string();
        assert!(err.contains("30-bad.conf:2:"), "{err}");

        std::fs::write(d.join("loop"), format!("Include {}/loop\n", d.display())).unwrap();
        let err = SshConfig::load(&d.join("loop")).unwrap_err().to_string();
        assert!(err.contains("nested"), "{err}");
    }

    #[test]
    fn path_tokens_and_tilde() {
        let tokens = Tokens {
            host: "192.0.2.1",
            original_host: "esa01",
            port: 2222,
            user: "admin",
        };
        let home = home();
        assert_eq!(
            expand_path("~/.ssh/%n-%h-%p-%r_%%", &tokens),
            home.join(".ssh/esa01-192.0.2.1-2222-admin_%")
        );
        assert_eq!(expand_path("none", &tokens), PathBuf::from("/dev/null"));
        assert_eq!(expand_path("%d/k", &tokens), home.join("k"));
    }

    #[test]
    fn option_none_is_empty() {
        let c = SshConfig::load_option(Path::new("none")).unwrap();
        assert_eq!(c.lookup("a", None), HostConfig::default());
        assert!(matches!(
            SshConfig::load_option(Path::new("/nonexistent/ssh_config")),
            Err(SshConfigError::Read { .. })
        ));
    }
}
