//! OpenSSH client configuration (`~/.ssh/config`, or `-F PATH`), read as
//! OpenSSH's `ssh` reads it (every keyword up to the release
//! [`keywords::CHECKED_AGAINST`]; resolution compared with the installed
//! `ssh -G`), so the settings an operator already keeps
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
//! - A line is cut byte for byte as OpenSSH 9.2 cuts it (see `lex`): only
//!   space, tab, CR and LF separate (a form feed only at the end of a
//!   line; NBSP, VT and other Unicode white space are part of a word); the
//!   keyword ends at white space, one `=` or a closing `"`, and a line
//!   starting with one `=` is read; arguments are split as `argv_split`
//!   does: single and double quotes, `\ ` and `\"` escapes, `#` starts a
//!   comment. A file that is not UTF-8 is refused, naming it.
//! - `Host` patterns (`*`, `?`, `!negation`) match the name ssh is given,
//!   case-sensitively; `Match all|host|originalhost|user|localuser|exec|
//!   final|canonical|tagged` (with `!`; the arguments cut by `strdelim`,
//!   as OpenSSH 9.2 cuts them: `host=a`, `host = a`). `Match final` makes a second pass over
//!   the file, as OpenSSH does; `canonical` holds exactly where `final`
//!   does (in that second pass), as in OpenSSH 9.2. `Match localnetwork|version|sessiontype|command`
//!   are refused.
//! - After the first pass a numeric host name takes its standard form
//!   (`127.1` is `127.0.0.1`), as in OpenSSH 9.2; see `numeric`.
//! - For each setting the first obtained value wins, except `IdentityFile`,
//!   which accumulates.
//! - `Include` (globs; relative paths under `~/.ssh`), nested at most 16
//!   deep, applies within the block it is written in; one configuration
//!   reads at most [`MAX_CONFIG_FILES`] files and [`MAX_CONFIG_LINES`]
//!   lines, its `Include`s counted each time they are read.
//! - Every keyword OpenSSH knows is in the table of [`keywords`]:
//!   honoured, refused unless set to a value sshfleet can honour, inert
//!   (its value checked as OpenSSH checks it) or ignored as OpenSSH ignores
//!   it. `docs/OPENSSH.md` is generated from that table. A keyword OpenSSH
//!   does not know is an error, as in OpenSSH, unless the `IgnoreUnknown`
//!   obtained before it (for the host being resolved) names it.
//!
//! A value sshfleet cannot read (a bad port, an unterminated quote, an
//! unknown `%` token, a malformed `ProxyJump`) is an error naming the file
//! and line: a half-read configuration would connect somewhere unintended.

use std::path::{Path, PathBuf};
use std::sync::Arc;

mod caps;
mod cnum;
mod expand;
pub(crate) mod expansion;
mod forward;
mod include_glob;
mod jump;
pub(crate) mod keywords;
mod lex;
mod numeric;
mod parse;
mod setting;
mod values;

pub(crate) use cnum::strtonum;
pub(crate) use expand::{
    Tokens, expand_command, expand_path, home, local_user, safe_host_name, safe_user_name, tilde,
};
pub(crate) use forward::parse_forward;
pub(crate) use jump::JumpHost;
pub(crate) use setting::{HostConfig, Obtained, PROXY_TOKENS, method_allowed};

use expand::include_files;
use lex::{Lexed, split_line};
use parse::{Condition, Subject, Test, host_condition, match_condition};
use setting::{Place, Setting, parse_setting};

/// Keywords ssh gives their defaults before the final pass.
const FILLED_BEFORE_FINAL: [&str; 3] = [
    "canonicalizehostname",
    "canonicalizefallbacklocal",
    "canonicalizemaxdots",
];

/// OpenSSH's own limit; also what stops an `Include` loop.
const MAX_INCLUDE_DEPTH: usize = 16;

/// Most files one configuration reads, its `Include`s counted each time
/// they are read: depth alone does not bound the work (7 files each
/// including the next 8 times are 8^6 reads; that took 36 s and 183 MB,
/// one level more grew past 800 MB).
const MAX_CONFIG_FILES: usize = 4096;

/// Most lines one configuration reads, across every file and `Include`
/// (each line read is kept for lookups): a real one is hundreds.
const MAX_CONFIG_LINES: usize = 100_000;

/// Errors reading a configuration file. Each names the file, and the line
/// where there is one.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SshConfigError {
    #[error("cannot read ssh_config {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// ssh's `Bad owner or permissions on FILE` (readconf.c): a file it
    /// checks that another user could have written.
    #[error("Bad owner or permissions on {}: {why}; ssh refuses to read it, and so does sshfleet", path.display())]
    BadPermissions { path: PathBuf, why: String },
    #[error("{}:{line}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A host name ssh would read in a way sshfleet cannot reproduce.
    #[error("host {host}: {message}")]
    Unsupported { host: String, message: String },
    /// More files or lines than one configuration may read
    /// ([`MAX_CONFIG_FILES`], [`MAX_CONFIG_LINES`]).
    #[error(
        "ssh_config {}: reading it would pass {what} across the configuration's files and Includes (sshfleet's bound; is a file included many times over?)",
        path.display()
    )]
    TooLarge { path: PathBuf, what: String },
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

/// OpenSSH 9.2's `SSHCONF_CHECKPERM` (readconf.c), for `~/.ssh/config`
/// and every `Include`d file, `-F`'s included: the file ssh opened (a
/// link followed) must be owned by root or the user and not writable by
/// group or others.
fn check_owner_and_mode(path: &Path) -> Result<(), SshConfigError> {
    use std::os::unix::fs::MetadataExt;
    let bad = |why: String| SshConfigError::BadPermissions {
        path: path.to_path_buf(),
        why,
    };
    let meta = std::fs::metadata(path).map_err(|source| SshConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let me = nix::unistd::getuid().as_raw();
    if meta.uid() != 0 && meta.uid() != me {
        return Err(bad(format!(
            "owned by uid {}, neither root nor this user (uid {me})",
            meta.uid()
        )));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o002 != 0 {
        return Err(bad(format!("mode {mode:04o}: writable by others")));
    }
    if mode & 0o020 != 0 && !sole_member(meta.gid(), meta.uid(), me) {
        return Err(bad(format!(
            "mode {mode:04o}: writable by group {}, which has members other than this user",
            meta.gid()
        )));
    }
    Ok(())
}

/// Debian's `secure_permissions` (misc.c): a group-writable file is
/// fine when its group has exactly one member, this user: by primary
/// group (`/etc/passwd`) and by membership (`/etc/group`), the latter the
/// file owner's name alone.
fn sole_member(gid: u32, owner: u32, me: u32) -> bool {
    let Ok(Some(group)) = nix::unistd::Group::from_gid(gid.into()) else {
        return false;
    };
    let passwd = crate::support::bounds::read_input(Path::new("/etc/passwd")).unwrap_or_default();
    let mut members = 0;
    for line in passwd.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        if fields.get(3).and_then(|g| g.parse::<u32>().ok()) == Some(gid) {
            members += 1;
            if fields.get(2).and_then(|u| u.parse::<u32>().ok()) != Some(me) {
                return false;
            }
        }
    }
    let Ok(Some(owner)) = nix::unistd::User::from_uid(owner.into()) else {
        return false;
    };
    if let Some(first) = group.mem.first() {
        members += 1;
        if *first != owner.name || group.mem.len() > 1 {
            return false;
        }
    }
    members > 0
}

/// A parsed configuration (possibly empty), ready for lookups.
#[derive(Debug, Clone, Default)]
pub(crate) struct SshConfig {
    /// The next file read is `~/.ssh/config`, whose owner and mode ssh
    /// checks (an `Include`d file's it always checks).
    check_permissions: bool,
    /// Every line, in the order read (includes expanded).
    directives: Vec<Directive>,
    /// Every `Host` and `Match` line; a directive's scope names them.
    blocks: Vec<Block>,
    /// A `Match final` block exists: lookups make a second pass.
    has_final: bool,
    /// Where a relative `Include` is looked for: `~/.ssh` in a user's
    /// file, `/etc/ssh` in the system-wide one.
    include_base: PathBuf,
    /// Files and lines read so far, each `Include` every time it is read.
    files_read: usize,
    lines_read: usize,
}

/// The system-wide client configuration `ssh` reads after the user's.
const SYSTEM_CONFIG: &str = "/etc/ssh/ssh_config";

/// A `Host` or `Match` line: its condition and where it was written.
#[derive(Debug, Clone)]
struct Block {
    condition: Condition,
    path: PathBuf,
    line: usize,
}

#[derive(Debug, Clone)]
struct Directive {
    /// Every enclosing block (an `Include` inside a `Host` block keeps
    /// that block's), outermost first, as indexes into `blocks`.
    scope: Arc<Vec<usize>>,
    line: Line,
    /// The file and line it was read from, for an error found only when
    /// it applies to a host (a list past OpenSSH's cap).
    path: PathBuf,
    number: usize,
}

#[derive(Debug, Clone)]
enum Line {
    /// A `Host` or `Match` line: its condition is evaluated once, here,
    /// as OpenSSH evaluates it when it reads the line.
    Block(usize),
    Setting(Setting),
    /// `IgnoreUnknown`: applies from here on where its block applies.
    IgnoreUnknown(String),
    /// A keyword OpenSSH does not know, after an `IgnoreUnknown`.
    Unknown {
        keyword: String,
        path: PathBuf,
        line: usize,
    },
}

/// What one lookup carries from directive to directive.
struct Pass<'a> {
    host: &'a str,
    final_pass: bool,
    local_user: &'a str,
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
                // ssh checks who may write `~/.ssh/config`, not the
                // system-wide file (its Includes it does check).
                config.check_permissions = path == user.as_path();
                config.read_file(path, &Arc::new(Vec::new()), 0)?;
            }
        }
        Ok(config)
    }

    /// `-F PATH`: the file must exist; `none` (any case, as ssh compares
    /// it) means no configuration.
    pub(crate) fn load_option(path: &Path) -> Result<SshConfig, SshConfigError> {
        if SshConfig::names_no_file(path) {
            return Ok(SshConfig::default());
        }
        SshConfig::load(path)
    }

    /// Whether `-F PATH` names no file (`none`): then it is no input path.
    pub(crate) fn names_no_file(path: &Path) -> bool {
        path.to_str()
            .is_some_and(|p| p.eq_ignore_ascii_case("none"))
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
            let Some(Lexed {
                keyword,
                args,
                rest,
            }) = split_line(option)?
            else {
                continue;
            };
            let lower = keyword.to_ascii_lowercase();
            if matches!(lower.as_str(), "host" | "match" | "include") {
                return Err(format!(
                    "`{keyword}` is not supported as a command-line option"
                ));
            }
            let place = Place {
                path: Path::new("-o"),
                line: 0,
            };
            config
                .keyword_line(&lower, &args, &rest, &place, &scope)
                .map_err(|m| format!("{keyword}: {m}"))?;
        }
        Ok(config)
    }

    fn read_file(
        &mut self,
        path: &Path,
        outer: &Arc<Vec<usize>>,
        depth: usize,
    ) -> Result<(), SshConfigError> {
        let too_large = |what: String| SshConfigError::TooLarge {
            path: path.to_path_buf(),
            what,
        };
        self.files_read += 1;
        if self.files_read > MAX_CONFIG_FILES {
            return Err(too_large(format!("{MAX_CONFIG_FILES} file reads")));
        }
        let text =
            crate::support::bounds::read_input(path).map_err(|source| SshConfigError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        self.lines_read += text.lines().count();
        if self.lines_read > MAX_CONFIG_LINES {
            return Err(too_large(format!("{MAX_CONFIG_LINES} lines")));
        }
        if std::mem::take(&mut self.check_permissions) || depth > 0 {
            check_owner_and_mode(path)?;
        }
        self.read_text(&text, path, outer, depth)
    }

    fn read_text(
        &mut self,
        text: &str,
        path: &Path,
        outer: &Arc<Vec<usize>>,
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
            let Some(Lexed {
                keyword,
                args,
                rest,
            }) = split_line(line).map_err(invalid)?
            else {
                continue;
            };
            let lower = keyword.to_ascii_lowercase();
            match lower.as_str() {
                "host" | "match" => {
                    let condition = if lower == "host" {
                        host_condition(&args)
                    } else {
                        match_condition(&rest)
                    }
                    .map_err(|m| invalid(format!("{keyword}: {m}")))?;
                    if let Condition::Match(criteria) = &condition {
                        self.has_final |= criteria.iter().any(|c| matches!(c.test, Test::Final));
                    }
                    let id = self.blocks.len();
                    self.blocks.push(Block {
                        condition,
                        path: path.to_path_buf(),
                        line: number,
                    });
                    self.directives.push(Directive {
                        scope: outer.clone(),
                        line: Line::Block(id),
                        path: path.to_path_buf(),
                        number,
                    });
                    let mut conditions = (**outer).clone();
                    conditions.push(id);
                    scope = Arc::new(conditions);
                }
                // `Include # comment`: OpenSSH includes nothing (a bare
                // `Include` the lexer refused).
                "include" if args.is_empty() => {}
                "include" => {
                    if args.is_empty() || args.iter().any(String::is_empty) {
                        return Err(invalid(
                            "Include needs a path (keyword include empty argument)".to_string(),
                        ));
                    }
                    if depth + 1 > MAX_INCLUDE_DEPTH {
                        return Err(invalid(format!(
                            "Include nested more than {MAX_INCLUDE_DEPTH} deep (does a file include itself?)"
                        )));
                    }
                    for arg in &args {
                        // OpenSSH 9.9 expands these per host, 9.2 reads them
                        // as written: either way not what a glob of them
                        // read once would give.
                        if arg.contains('%') || arg.contains("${") {
                            return Err(invalid(format!(
                                "Include {arg}: %-tokens and ${{VAR}} in an Include path (OpenSSH 9.9) are not supported by sshfleet; write the path out"
                            )));
                        }
                        for file in include_files(arg, &self.include_base).map_err(invalid)? {
                            self.read_file(&file, &scope, depth + 1)?;
                        }
                    }
                }
                _ => {
                    let place = Place { path, line: number };
                    self.keyword_line(&lower, &args, &rest, &place, &scope)
                        .map_err(|m| invalid(format!("{keyword}: {m}")))?;
                }
            }
        }
        Ok(())
    }

    /// One keyword line other than `Host`, `Match` and `Include`. `bare`:
    /// nothing at all follows the keyword (not even a comment).
    fn keyword_line(
        &mut self,
        lower: &str,
        args: &[String],
        rest: &str,
        place: &Place<'_>,
        scope: &Arc<Vec<usize>>,
    ) -> Result<(), String> {
        // A command keyword keeps the rest of its line as written.
        let command;
        let args = match keywords::find(lower).map(|k| k.value) {
            Some(values::Value::Rest) => {
                command = [lex::command(rest).to_string()];
                &command[..]
            }
            _ => args,
        };
        // A keyword with nothing after it the lexer refused, as OpenSSH
        // 9.2 refuses it before it looks the keyword up; one with only a
        // comment after it passes that check and is read by its keyword.
        if args.is_empty() && keywords::find(lower).is_some() {
            return if ZERO_ARGUMENTS.contains(&lower) {
                Ok(())
            } else {
                Err(
                    "Missing argument (only a comment after the keyword; OpenSSH refuses it too)"
                        .to_string(),
                )
            };
        }
        let line = if keywords::find(lower).is_none() {
            // Unknown: judged per host, against the `IgnoreUnknown` in
            // force there when the line is read (`-o IgnoreUnknown` on the
            // command line included), as OpenSSH judges it.
            Line::Unknown {
                keyword: lower.to_string(),
                path: place.path.to_path_buf(),
                line: place.line,
            }
        } else if lower == "ignoreunknown" {
            keywords::check_value(values::Value::One, args)?;
            Line::IgnoreUnknown(args[0].clone())
        } else {
            match parse_setting(lower, args, place)? {
                Some(setting) => Line::Setting(setting),
                None => return Ok(()),
            }
        };
        self.directives.push(Directive {
            scope: scope.clone(),
            line,
            path: place.path.to_path_buf(),
            number: place.line,
        });
        Ok(())
    }

    /// The settings for `host` (the name ssh would be given: `ansible_host`
    /// or the inventory name; a jump host's name). `user` is a user chosen
    /// before the file is read, as `ssh -l` chooses it.
    #[cfg(test)]
    pub(crate) fn lookup(
        &self,
        host: &str,
        user: Option<&str>,
    ) -> Result<HostConfig, SshConfigError> {
        let given = HostConfig {
            user: user.map(str::to_string),
            ..HostConfig::default()
        };
        self.lookup_with(host, given, &SshConfig::default())
    }

    /// The settings for `host` as `ssh` resolves them with options on its
    /// command line: `given` (what `-l USER`, `-p PORT` set, in force
    /// first), then `command_line` (the `-o` options, from
    /// [`SshConfig::from_options`]), then this file. What the command line
    /// set wins (the first value obtained wins), and every `Match`
    /// criterion sees it (`user`, `host` after a `-o HostName`, `exec`
    /// with `%p %r %h`), as in OpenSSH, which applies the command line
    /// before reading any file.
    /// With a `Match final` block, a second pass runs as OpenSSH's does:
    /// every block is evaluated again against the host name the first
    /// found, and fills what is still unset. `Err`: a line that cannot be
    /// honoured for this host (a refused value, an unknown keyword, a
    /// `Match exec` refused or failing), naming its file and line
    /// (`-o` for a command-line option).
    pub(crate) fn lookup_with(
        &self,
        host: &str,
        given: HostConfig,
        command_line: &SshConfig,
    ) -> Result<HostConfig, SshConfigError> {
        // Command-line options have no blocks: their directives come first
        // and every block index stays this file's.
        debug_assert!(command_line.blocks.is_empty());
        let local_user = local_user();
        let mut out = given;
        let mut pass = Pass {
            host,
            final_pass: false,
            local_user: &local_user,
        };
        let mut ignore_unknown = None;
        self.pass(&mut out, &pass, command_line, &mut ignore_unknown)?;
        // As ssh after its first pass: a numeric address is rewritten to
        // its standard form, any other name lower-cased.
        let family = out.other("addressfamily").map(Obtained::first);
        let named = out.host_name.as_deref().unwrap_or(host);
        let resolved = numeric::resolved_host(named, family).map_err(|message| {
            SshConfigError::Unsupported {
                host: host.to_string(),
                message,
            }
        })?;
        if out.host_name.is_some() || resolved != lower_ascii(host) {
            out.host_name = Some(resolved);
        }
        if self.has_final {
            // As ssh: before the final pass the host name is set to the
            // host connected to, so a `HostName` in it changes nothing,
            // and the canonicalisation keywords get their defaults, so
            // a value for them in it changes nothing either.
            out.host_name = Some(out.host_name.clone().unwrap_or_else(|| lower_ascii(host)));
            let filled: Vec<&str> = FILLED_BEFORE_FINAL
                .into_iter()
                .filter(|k| !out.others.contains_key(k))
                .collect();
            pass.final_pass = true;
            self.pass(&mut out, &pass, command_line, &mut ignore_unknown)?;
            for keyword in filled {
                out.others.remove(keyword);
            }
        }
        // ssh lower-cases `HostKeyAlias` once every pass is done: `%k` in a
        // `Match exec` of either pass sees it as written.
        out.host_key_alias = out.host_key_alias.map(|a| a.to_ascii_lowercase());
        match out.refusal() {
            Some(refused) => Err(refused),
            None => Ok(out),
        }
    }

    fn pass(
        &self,
        out: &mut HostConfig,
        pass: &Pass<'_>,
        command_line: &SshConfig,
        ignore_unknown: &mut Option<crate::ssh::pattern::PatternList>,
    ) -> Result<(), SshConfigError> {
        // Each block's condition as last evaluated in this pass.
        let mut holds = vec![false; self.blocks.len()];
        for directive in command_line.directives.iter().chain(&self.directives) {
            if let Line::Unknown {
                keyword,
                path,
                line,
            } = &directive.line
            {
                if !ignore_unknown.as_ref().is_some_and(|p| p.matches(keyword)) {
                    return Err(SshConfigError::Invalid {
                        path: path.clone(),
                        line: *line,
                        message: format!("{keyword}: {}", setting::BAD_OPTION),
                    });
                }
                continue;
            }
            let current_host = out.host_name.clone().unwrap_or_else(|| {
                if pass.final_pass {
                    lower_ascii(pass.host)
                } else {
                    pass.host.to_string()
                }
            });
            let current_user = out
                .user
                .clone()
                .unwrap_or_else(|| pass.local_user.to_string());
            let subject = Subject {
                original_host: pass.host,
                host: &current_host,
                port: out.port.unwrap_or(22),
                user: &current_user,
                local_user: pass.local_user,
                host_key_alias: out.host_key_alias.as_deref(),
                tag: out.other("tag").map(Obtained::first),
                final_pass: pass.final_pass,
            };
            if let Line::Block(id) = directive.line {
                let block = &self.blocks[id];
                holds[id] =
                    block
                        .condition
                        .holds(&subject)
                        .map_err(|message| SshConfigError::Invalid {
                            path: block.path.clone(),
                            line: block.line,
                            message,
                        })?;
                continue;
            }
            if !directive.scope.iter().all(|id| holds[*id]) {
                continue;
            }
            match &directive.line {
                Line::Setting(setting) => {
                    out.apply(setting, pass.host)
                        .map_err(|message| SshConfigError::Invalid {
                            path: directive.path.clone(),
                            line: directive.number,
                            message,
                        })?
                }
                Line::IgnoreUnknown(patterns) => {
                    if ignore_unknown.is_none() {
                        *ignore_unknown = Some(crate::ssh::pattern::PatternList::new(
                            patterns.split(','),
                            crate::ssh::pattern::Caller::IgnoreUnknown,
                        ));
                    }
                }
                Line::Unknown { .. } | Line::Block(_) => {}
            }
        }
        Ok(())
    }
}

/// The keywords OpenSSH 9.2 reads with no argument when only a comment
/// follows them (`SendEnv # none yet`): each then sets nothing. Every
/// other keyword refuses such a line ("Missing argument"); `Host` (a block
/// no host is in) and `Include` (nothing included) are read in
/// `read_text`. `zero_argument_lines_are_read_as_openssh_reads_them`
/// checks the list against the installed `ssh -G`, keyword by keyword.
const ZERO_ARGUMENTS: &[&str] = &[
    "afstokenpassing",
    "canonicaldomains",
    "canonicalizepermittedcnames",
    "cipher",
    "compressionlevel",
    "fallbacktorsh",
    "globalknownhostsfile",
    "globalknownhostsfile2",
    "kerberosauthentication",
    "kerberostgtpassing",
    "logverbose",
    "protocol",
    "rhostsauthentication",
    "rhostsrsaauthentication",
    "rsaauthentication",
    "sendenv",
    "setenv",
    "useblacklistedkeys",
    "useprivilegedport",
    "userknownhostsfile",
    "userknownhostsfile2",
    "useroaming",
    "usersh",
];

/// OpenSSH's `lowercase()`: `tolower` in the C locale, so only ASCII
/// letters change (`HÖST` becomes `hÖst`).
pub(crate) fn lower_ascii(name: &str) -> String {
    name.to_ascii_lowercase()
}

#[cfg(test)]
mod caps_tests;
#[cfg(test)]
mod generated;
#[cfg(test)]
mod ignore_unknown_tests;
#[cfg(test)]
mod jump_tests;
#[cfg(test)]
mod lexer_tests;
#[cfg(test)]
mod name_tests;
#[cfg(test)]
mod numeric_tests;
#[cfg(test)]
mod pattern_tests;
#[cfg(test)]
pub(super) mod table_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod value_refusal_tests;
#[cfg(test)]
mod value_tests;
