//! OpenSSH client configuration (`~/.ssh/config`, or `-F PATH`), read as
//! OpenSSH 9.2's `ssh` reads it, so the settings an operator already keeps
//! for `ssh` (aliases, ports, users, keys, known_hosts, bastions, legacy
//! algorithms) apply to sshfleet too. What differs is refused, naming the
//! file and line; nothing is silently read differently.
//!
//! A small parser rather than a crate: the one well-kept crate
//! (`ssh2-config`) reports errors without the file and line, keeps
//! `StrictHostKeyChecking` and `UserKnownHostsFile` only as loose strings,
//! resolves `+algorithm` lists against OpenSSH's defaults instead of
//! russh's, and does not expand `%h`. What is read, as `ssh_config(5)` says
//! and `ssh -G` shows (the differential tests in this module compare the
//! two on a corpus):
//!
//! - Arguments are split as OpenSSH's `argv_split` does: single and double
//!   quotes, `\ ` and `\"` escapes, `#` starts a comment.
//! - `Host` patterns (`*`, `?`, `!negation`) match the name ssh is given,
//!   case-sensitively; `Match all|host|originalhost|user|localuser|exec|
//!   final|canonical` (with `!`). `Match final` makes a second pass over
//!   the file, as OpenSSH does; `canonical` never holds, because hostname
//!   canonicalisation is refused. `Match localnetwork` is refused.
//! - For each setting the first obtained value wins, except `IdentityFile`,
//!   which accumulates.
//! - `Include` (globs; relative paths under `~/.ssh`), nested at most 16
//!   deep, applies within the block it is written in.
//! - Keywords used: `HostName` (`%h`), `Port`, `User`, `IdentityFile`,
//!   `IdentitiesOnly`, `UserKnownHostsFile`, `GlobalKnownHostsFile`,
//!   `HostKeyAlias`, `StrictHostKeyChecking`, `ProxyJump`, `ProxyCommand`,
//!   `KexAlgorithms`, `HostKeyAlgorithms`, `PubkeyAcceptedAlgorithms`,
//!   `Ciphers`, `MACs`. Paths take `~`, `${VAR}` and `%C %d %h %i %k %l %L
//!   %n %p %r %u %%`.
//! - Every other keyword OpenSSH knows is ignored (logged at debug level);
//!   a keyword OpenSSH does not know is an error, as in OpenSSH, unless an
//!   earlier `IgnoreUnknown` names it. `CanonicalizeHostname yes|always` is
//!   refused.
//!
//! A value sshfleet cannot read (a bad port, an unterminated quote, an
//! unknown `%` token, a malformed `ProxyJump`) is an error naming the file
//! and line: a half-read configuration would connect somewhere unintended.

use std::path::{Path, PathBuf};
use std::sync::Arc;

mod expand;
mod keywords;

pub(crate) use expand::{Tokens, expand_path, home, local_user};
use expand::{expand_host_name, expand_tokens, include_files};
use keywords::OPENSSH_KEYWORDS;

use crate::ssh::algorithms::{AlgorithmChange, AlgorithmKind, Algorithms};
use crate::ssh::pattern::PatternList;

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
    /// `HostName`, `%h` already replaced, lower-cased as ssh does.
    pub host_name: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    /// Unexpanded: `~` and tokens are expanded with [`expand_path`] once
    /// the final host, port and user are known.
    pub identity_files: Vec<String>,
    pub identities_only: Option<bool>,
    /// Unexpanded, like `identity_files`.
    pub known_hosts_files: Option<Vec<String>>,
    /// Unexpanded; read, never written.
    pub global_known_hosts_files: Option<Vec<String>>,
    /// The name host keys are looked up and recorded under.
    pub host_key_alias: Option<String>,
    pub strict_host_key_checking: Option<StrictHostKeyChecking>,
    /// `Some(empty)` is `ProxyJump none`.
    pub proxy_jump: Option<Vec<JumpHost>>,
    /// As written, tokens unexpanded; `none` is no proxy.
    pub proxy_command: Option<String>,
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
        self.identities_only = self.identities_only.or(later.identities_only);
        self.known_hosts_files = self.known_hosts_files.or(later.known_hosts_files);
        self.global_known_hosts_files = self
            .global_known_hosts_files
            .or(later.global_known_hosts_files);
        self.host_key_alias = self.host_key_alias.or(later.host_key_alias);
        self.strict_host_key_checking = self
            .strict_host_key_checking
            .or(later.strict_host_key_checking);
        // ProxyJump and ProxyCommand are one route: the first obtained wins.
        if self.proxy_jump.is_none() && self.proxy_command.is_none() {
            self.proxy_jump = later.proxy_jump;
            self.proxy_command = later.proxy_command;
        }
        for kind in AlgorithmKind::ALL {
            if let Some(change) = later.algorithms.get(kind) {
                self.algorithms.set_if_unset(kind, change.clone());
            }
        }
        self
    }

    fn apply(&mut self, setting: &Setting, given_host: &str) {
        match setting {
            Setting::HostName(name) => {
                if self.host_name.is_none() {
                    self.host_name = Some(expand_host_name(name, given_host).to_lowercase());
                }
            }
            Setting::Port(port) => {
                self.port.get_or_insert(*port);
            }
            Setting::User(u) => {
                self.user.get_or_insert_with(|| u.clone());
            }
            Setting::IdentityFile(file) => {
                if !self.identity_files.contains(file) {
                    self.identity_files.push(file.clone());
                }
            }
            Setting::IdentitiesOnly(value) => {
                self.identities_only.get_or_insert(*value);
            }
            Setting::KnownHostsFiles(files) => {
                self.known_hosts_files.get_or_insert_with(|| files.clone());
            }
            Setting::GlobalKnownHostsFiles(files) => {
                self.global_known_hosts_files
                    .get_or_insert_with(|| files.clone());
            }
            Setting::HostKeyAlias(alias) => {
                self.host_key_alias.get_or_insert_with(|| alias.clone());
            }
            Setting::StrictHostKeyChecking(value) => {
                self.strict_host_key_checking.get_or_insert(*value);
            }
            Setting::ProxyJump(hops) => {
                if self.proxy_jump.is_none() && self.proxy_command.is_none() {
                    self.proxy_jump = Some(hops.clone());
                }
            }
            Setting::ProxyCommand(command) => {
                if self.proxy_jump.is_none() && self.proxy_command.is_none() {
                    self.proxy_command = Some(command.clone());
                }
            }
            Setting::Algorithms(kind, change) => {
                self.algorithms.set_if_unset(*kind, change.clone());
            }
        }
    }
}

/// A parsed configuration (possibly empty), ready for lookups.
#[derive(Debug, Clone, Default)]
pub(crate) struct SshConfig {
    directives: Vec<Directive>,
    /// A `Match final` block exists: lookups make a second pass.
    has_final: bool,
    /// `IgnoreUnknown` patterns seen so far while reading.
    ignore_unknown: Vec<String>,
    /// Where a relative `Include` is looked for: `~/.ssh` in a user's
    /// file, `/etc/ssh` in the system-wide one.
    include_base: PathBuf,
}

/// The system-wide client configuration `ssh` reads after the user's.
const SYSTEM_CONFIG: &str = "/etc/ssh/ssh_config";

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
    IdentitiesOnly(bool),
    KnownHostsFiles(Vec<String>),
    GlobalKnownHostsFiles(Vec<String>),
    HostKeyAlias(String),
    StrictHostKeyChecking(StrictHostKeyChecking),
    ProxyJump(Vec<JumpHost>),
    ProxyCommand(String),
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
    /// Holds in the second pass that `Match final` causes.
    Final,
    /// Holds only after hostname canonicalisation, which is refused.
    Canonical,
    /// The command, run with the user's shell, exits 0.
    Exec(String),
}

/// What a block's condition is evaluated against.
struct Subject<'a> {
    original_host: &'a str,
    host: &'a str,
    port: u16,
    user: &'a str,
    local_user: &'a str,
    final_pass: bool,
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
                    Test::Final => s.final_pass,
                    Test::Canonical => false,
                    Test::Exec(command) => exec_holds(command, s),
                };
                result != c.negated
            }),
        }
    }
}

/// The longest a `Match exec` command may run before it counts as false.
const MATCH_EXEC_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// `Match exec`: run the command (tokens expanded) with the user's shell,
/// as OpenSSH does; it holds when the command exits 0.
fn exec_holds(command: &str, s: &Subject<'_>) -> bool {
    let tokens = Tokens {
        host: s.host,
        original_host: s.original_host,
        port: s.port,
        user: s.user,
        host_key_alias: None,
    };
    let command = expand_tokens(command, |t| tokens.value(t));
    let shell = std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/sh".to_string());
    let mut child = std::process::Command::new(shell);
    child.arg("-c").arg(&command);
    // Bounded in time, in a process group of its own, its output not
    // shown (OpenSSH shows only whether it held).
    match crate::support::child::run_bounded(child, MATCH_EXEC_TIMEOUT, 1024 * 1024) {
        Ok(output) => output.status.success(),
        Err(e) => {
            tracing::warn!("Match exec `{command}`: cannot run it: {e}");
            false
        }
    }
}

impl SshConfig {
    /// What `ssh` reads without `-F`: `~/.ssh/config`, then the
    /// system-wide `/etc/ssh/ssh_config`, each if it exists (the first
    /// obtained value still wins).
    pub(crate) fn load_default() -> Result<SshConfig, SshConfigError> {
        let mut config = SshConfig::default();
        let user = home().join(".ssh").join("config");
        let system = Path::new(SYSTEM_CONFIG);
        for (path, base) in [
            (user.as_path(), home().join(".ssh")),
            (system, PathBuf::from("/etc/ssh")),
        ] {
            if path.exists() {
                config.include_base = base;
                config.read_file(path, &Arc::new(Vec::new()), 0)?;
            }
        }
        Ok(config)
    }

    /// `-F PATH`: the file must exist; `none` means no configuration.
    pub(crate) fn load_option(path: &Path) -> Result<SshConfig, SshConfigError> {
        if path.as_os_str() == "none" {
            return Ok(SshConfig::default());
        }
        SshConfig::load(path)
    }

    pub(crate) fn load(path: &Path) -> Result<SshConfig, SshConfigError> {
        let mut config = SshConfig {
            include_base: home().join(".ssh"),
            ..SshConfig::default()
        };
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
            if let Some(setting) = config
                .parse_setting(&lower, &keyword, &args, Path::new("-o"), 0)
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
        let text =
            crate::support::bounds::read_input(path).map_err(|source| SshConfigError::Read {
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
                    if let Condition::Match(criteria) = &condition {
                        self.has_final |= criteria.iter().any(|c| matches!(c.test, Test::Final));
                    }
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
                        for file in include_files(arg, &self.include_base).map_err(invalid)? {
                            self.read_file(&file, &scope, depth + 1)?;
                        }
                    }
                }
                _ => {
                    if let Some(setting) = self
                        .parse_setting(&lower, &keyword, &args, path, number)
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
    /// With a `Match final` block, a second pass runs as OpenSSH's does:
    /// every block is evaluated again against the host name the first
    /// found, and fills what is still unset.
    pub(crate) fn lookup(&self, host: &str, user: Option<&str>) -> HostConfig {
        let mut out = HostConfig::default();
        self.pass(&mut out, host, user, false);
        if self.has_final {
            self.pass(&mut out, host, user, true);
        }
        out
    }

    fn pass(&self, out: &mut HostConfig, host: &str, user: Option<&str>, final_pass: bool) {
        let local_user = local_user();
        for directive in &self.directives {
            let current_host = out.host_name.clone().unwrap_or_else(|| {
                if final_pass {
                    host.to_lowercase()
                } else {
                    host.to_string()
                }
            });
            let current_user = user
                .map(str::to_string)
                .or_else(|| out.user.clone())
                .unwrap_or_else(|| local_user.clone());
            let subject = Subject {
                original_host: host,
                host: &current_host,
                port: out.port.unwrap_or(22),
                user: &current_user,
                local_user: &local_user,
                final_pass,
            };
            if directive.scope.iter().all(|c| c.holds(&subject)) {
                out.apply(&directive.setting, host);
            }
        }
    }

    /// The setting of one keyword line, `None` for keywords sshfleet ignores.
    fn parse_setting(
        &mut self,
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
        let yes_no = || -> Result<bool, String> {
            match one()?.to_ascii_lowercase().as_str() {
                "yes" | "true" => Ok(true),
                "no" | "false" => Ok(false),
                other => Err(format!("`{other}` is not yes or no")),
            }
        };
        let files = || -> Result<Vec<String>, String> {
            if args.is_empty() {
                return Err("missing value".to_string());
            }
            for file in args {
                check_tokens(file, PATH_TOKENS)?;
            }
            Ok(args.to_vec())
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
            "identitiesonly" => Setting::IdentitiesOnly(yes_no()?),
            "userknownhostsfile" => Setting::KnownHostsFiles(files()?),
            "globalknownhostsfile" => Setting::GlobalKnownHostsFiles(files()?),
            "hostkeyalias" => Setting::HostKeyAlias(one()?.to_string()),
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
            // The rest of the line is the command, as OpenSSH keeps it.
            "proxycommand" => {
                if args.is_empty() {
                    return Err("missing value".to_string());
                }
                Setting::ProxyCommand(args.join(" "))
            }
            "kexalgorithms" => return algorithms(AlgorithmKind::Kex),
            "hostkeyalgorithms" => return algorithms(AlgorithmKind::HostKey),
            "pubkeyacceptedalgorithms" | "pubkeyacceptedkeytypes" => {
                return algorithms(AlgorithmKind::PubkeyAccepted);
            }
            "ciphers" => return algorithms(AlgorithmKind::Cipher),
            "macs" => return algorithms(AlgorithmKind::Mac),
            "ignoreunknown" => {
                self.ignore_unknown
                    .extend(one()?.split(',').map(str::to_string));
                return Ok(None);
            }
            "canonicalizehostname" => match one()?.to_ascii_lowercase().as_str() {
                "no" | "false" => return Ok(None),
                _ => {
                    return Err(
                        "hostname canonicalisation is not supported by sshfleet; remove it or set it to `no` for the appliances"
                            .to_string(),
                    );
                }
            },
            _ if OPENSSH_KEYWORDS.contains(&lower) => {
                tracing::debug!(
                    "{}:{line}: {keyword} is not used by sshfleet",
                    path.display()
                );
                return Ok(None);
            }
            _ => {
                let ignored =
                    PatternList::new(self.ignore_unknown.iter().map(String::as_str), true)
                        .is_ok_and(|list| list.matches(lower));
                if ignored {
                    return Ok(None);
                }
                return Err(
                    "Bad configuration option (OpenSSH refuses the file too; list it in IgnoreUnknown if it is meant for another client)"
                        .to_string(),
                );
            }
        }))
    }
}

/// Split a line into its keyword and arguments as OpenSSH does: the
/// keyword ends at white space or `=`; arguments are split by
/// `argv_split`: single or double quotes group, `\` escapes a quote, a
/// backslash or (outside quotes) a space, and `#` at the start of an
/// argument begins a comment. `None` for a blank or comment line.
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
    // OpenSSH keeps a ProxyCommand's rest of line as written, for the
    // shell to split (quotes and `#` included).
    if keyword.eq_ignore_ascii_case("proxycommand") {
        let args = if rest.is_empty() {
            Vec::new()
        } else {
            vec![rest.to_string()]
        };
        return Ok(Some((keyword, args)));
    }
    let mut args = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
        match chars.peek() {
            None | Some('#') => break,
            Some(_) => {}
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek().copied() {
                    Some(next @ ('\'' | '"' | '\\')) => {
                        word.push(next);
                        chars.next();
                    }
                    Some(' ') if quote.is_none() => {
                        word.push(' ');
                        chars.next();
                    }
                    _ => word.push('\\'),
                },
                ' ' | '\t' if quote.is_none() => break,
                '"' | '\'' if quote.is_none() => quote = Some(c),
                c if Some(c) == quote => quote = None,
                c => word.push(c),
            }
        }
        if quote.is_some() {
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
    Ok(Condition::Host(PatternList::new(
        args.iter().map(String::as_str),
        false,
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
        let mut argument = || -> Result<&String, String> {
            words
                .next()
                .ok_or_else(|| format!("`{name}` needs an argument"))
        };
        let test = match name.as_str() {
            "all" => Test::All,
            "final" => Test::Final,
            "canonical" => Test::Canonical,
            "host" => Test::Host(PatternList::new(argument()?.split(','), false)?),
            "originalhost" => Test::OriginalHost(PatternList::new(argument()?.split(','), false)?),
            "user" => Test::User(PatternList::new(argument()?.split(','), false)?),
            "localuser" => Test::LocalUser(PatternList::new(argument()?.split(','), false)?),
            "exec" => {
                let command = argument()?;
                check_tokens(command, PATH_TOKENS)?;
                Test::Exec(command.clone())
            }
            "localnetwork" | "tagged" | "version" | "sessiontype" | "command" => {
                return Err(format!(
                    "Match {name} is not supported by sshfleet (its block would apply differently than in ssh)"
                ));
            }
            other => return Err(format!("unknown criterion `{other}`")),
        };
        criteria.push(Criterion { negated, test });
    }
    Ok(Condition::Match(criteria))
}

/// Tokens `IdentityFile`, `UserKnownHostsFile` and `Match exec` may use
/// here (OpenSSH 9.2's; `%j` came later).
const PATH_TOKENS: &str = "CdhikLlnpru";

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
        _ => Err(format!(
            "`{text}` is not a port number (1-65535; a service name such as `ssh` is not supported by sshfleet: write the number)"
        )),
    }
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
            c.lookup("esa01.example.com", None).user.as_deref(),
            Some("fleet")
        );
        // As ssh: patterns match the name as given, case-sensitively.
        assert_eq!(c.lookup("ESA01.Example.com", None).user, None);
        assert_eq!(c.lookup("ESA01", None).port, None);
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
            "# comment\n\nHOST=a\n\tHostName = 192.0.2.1\n  IdentityFile \"/keys/my key\" # trailing\n  port=2022\n  User 'ad min'\n  UserKnownHostsFile /a\\ b /c\\\"d\n",
        );
        let h = c.lookup("a", None);
        assert_eq!(h.host_name.as_deref(), Some("192.0.2.1"));
        assert_eq!(h.identity_files, ["/keys/my key"]);
        assert_eq!(h.port, Some(2022));
        assert_eq!(h.user.as_deref(), Some("ad min"));
        assert_eq!(h.known_hosts_files.unwrap(), ["/a b", "/c\"d"]);
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
            "Host alias\n  HostName esa01.example.com\nMatch host esa*.example.com !originalhost other\n  Port 2022\nMatch user root\n  IdentityFile /root.key\nMatch exec \"false\"\n  User never\nMatch all\n  User everyone\n",
        );
        // `Match host` sees the HostName obtained above it.
        let h = c.lookup("alias", None);
        assert_eq!(h.port, Some(2022));
        assert_eq!(h.user.as_deref(), Some("everyone"));
        assert_eq!(c.lookup("other", None).port, None);
        assert_eq!(c.lookup("x", Some("root")).identity_files, ["/root.key"]);
        assert!(c.lookup("x", Some("admin")).identity_files.is_empty());
        // `exec` runs the command: it holds when it exits 0.
        let c = parse("Match exec \"test %h = x\"\n  Port 7\n");
        assert_eq!(c.lookup("x", None).port, Some(7));
        assert_eq!(c.lookup("y", None).port, None);
        // `final` blocks apply in a second pass that sees the HostName.
        let c = parse(
            "Match final host x.example.com\n  Port 8\nHost x\n  HostName %h.example.com\nMatch final\n  User f\n",
        );
        let h = c.lookup("x", None);
        assert_eq!((h.port, h.user.as_deref()), (Some(8), Some("f")));
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
            ("Host a\n  IdentityFile ~/.ssh/%j\n", 2, "%j"),
            ("Host a\n  Port ssh\n", 2, "write the number"),
            ("Host a\n  SomethingNew 1\n", 2, "Bad configuration option"),
            (
                "Host a\n  CanonicalizeHostname yes\n",
                2,
                "canonicalisation",
            ),
            ("Match localnetwork 10.0.0.0/8\n", 1, "not supported"),
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
        let c = parse(
            "IgnoreUnknown Something*,UseKeychain\nHost a\n  ForwardAgent yes\n  SomethingNew 1 2 3\n  UseKeychain yes\n  Port 2\n",
        );
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
            host_key_alias: Some("fleet-esa01"),
        };
        let home = home();
        assert_eq!(
            expand_path("~/.ssh/%n-%h-%p-%r-%k_%%", &tokens).unwrap(),
            home.join(".ssh/esa01-192.0.2.1-2222-admin-fleet-esa01_%")
        );
        assert_eq!(
            expand_path("none", &tokens).unwrap(),
            PathBuf::from("/dev/null")
        );
        assert_eq!(expand_path("%d/k", &tokens).unwrap(), home.join("k"));
        let path = std::env::var("PATH").unwrap();
        assert_eq!(
            expand_path("${PATH}/x", &tokens).unwrap(),
            PathBuf::from(format!("{path}/x"))
        );
        let err = expand_path("${SSHFLEET_SURELY_UNSET}/x", &tokens).unwrap_err();
        assert!(err.contains("SSHFLEET_SURELY_UNSET"), "{err}");
        // %C is OpenSSH's hash of %l%h%p%r.
        let c = expand_path("%C", &tokens).unwrap();
        assert_eq!(c.display().to_string().len(), 40);
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
