//! The ssh arguments of a host (`ansible_ssh_common_args`,
//! `ansible_ssh_extra_args`) read as ssh reads its command line.

use super::TargetError;
use crate::inventory::ConnectionVars;
use crate::ssh::config::{SshConfig, parse_forward, tilde};

/// What a flag of ssh(1)'s command line is to sshfleet: every flag
/// OpenSSH 9.2's `ssh` accepts has a row in [`FLAGS`], so none is ignored
/// without a reason (`flags_are_the_ones_ssh_accepts` checks the table
/// against the installed `ssh`).
#[derive(Clone, Copy, Debug)]
enum Flag {
    /// Read by the loop itself: `-o`, `-J`, `-F`.
    Own,
    /// No argument; sets these ssh_config options directly, as ssh.c
    /// assigns them: the last such flag wins, over `-o` too.
    Sets(&'static [&'static str]),
    /// Takes an argument that sets this keyword as `-o` would: the first
    /// value wins (`-p`, `-l`; `-i` adds a file, in order).
    First(&'static str),
    /// Takes an argument that ssh.c assigns directly: the last wins, over
    /// `-o` too (`ssh -o Ciphers=a -c b` uses `b`).
    Last(&'static str),
    /// Takes a forwarding argument (`-L`, `-R`, `-D`), checked as ssh
    /// checks it; forwardings are inert (sshfleet opens none).
    Forward(&'static str),
    /// Changes nothing sshfleet decides; `true` when it takes an argument.
    Inert(bool, &'static str),
    /// ssh would not run a command on the host with it, or it means
    /// different things in different OpenSSH releases: refused.
    Refused(bool, &'static str),
}

/// What ssh.c (OpenSSH 9.2) does to a flag's argument before it uses it:
/// `~`, `${VAR}` and `%` tokens are expanded for some and not for others,
/// so each row says which (`flag_arguments_are_expanded_as_ssh_expands_them`
/// checks every row against `ssh -G`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arg {
    /// The flag takes no argument.
    NoArgument,
    /// Taken as written: nothing is expanded (`-l %h` is the user `%h`).
    Literal,
    /// `-i`: `~` expanded, then the file checked as written: when it
    /// cannot be found ssh warns and leaves it out; else it is an
    /// `IdentityFile`, whose `${VAR}` and `%` tokens ssh expands when it
    /// loads the key (so `-i ${DIR}/key` is left out unless a file named
    /// `${DIR}/key` exists).
    Tilde,
    /// Read as the ssh_config keyword it sets is read (`-o`, `-J`, `-S`,
    /// the forwardings): its expansion is the keyword's.
    AsKeyword,
}

/// Every flag of `ssh` (OpenSSH 9.2's getopt string
/// `1246ab:c:e:fgi:kl:m:no:p:qstvxAB:CD:E:F:GI:J:KL:MNO:PQ:R:S:TVw:W:XYy`),
/// as ssh.c reads it. Options set here go through the keyword table, so a
/// flag standing for a refused keyword (`-b`, `-f`, `-I`) is refused
/// with that keyword's reason.
const FLAGS: &[(char, Flag, Arg)] = &[
    (
        '1',
        Flag::Refused(
            false,
            "ssh refuses it (SSH protocol 1 is no longer supported)",
        ),
        Arg::NoArgument,
    ),
    (
        '2',
        Flag::Inert(false, "OpenSSH reads and ignores it"),
        Arg::NoArgument,
    ),
    ('4', Flag::Sets(&["AddressFamily=inet"]), Arg::NoArgument),
    ('6', Flag::Sets(&["AddressFamily=inet6"]), Arg::NoArgument),
    ('A', Flag::Sets(&["ForwardAgent=yes"]), Arg::NoArgument),
    ('a', Flag::Sets(&["ForwardAgent=no"]), Arg::NoArgument),
    ('B', Flag::Last("BindInterface"), Arg::Literal),
    ('b', Flag::Last("BindAddress"), Arg::Literal),
    ('C', Flag::Sets(&["Compression=yes"]), Arg::NoArgument),
    ('c', Flag::Last("Ciphers"), Arg::Literal),
    ('D', Flag::Forward("DynamicForward"), Arg::AsKeyword),
    (
        'E',
        Flag::Inert(
            true,
            "the file ssh writes its own log to; sshfleet writes no ssh log",
        ),
        Arg::Literal,
    ),
    ('e', Flag::Last("EscapeChar"), Arg::Literal),
    ('F', Flag::Own, Arg::Literal),
    (
        'f',
        Flag::Sets(&["ForkAfterAuthentication=yes", "StdinNull=yes"]),
        Arg::NoArgument,
    ),
    (
        'G',
        Flag::Refused(false, "ssh prints its configuration and connects nowhere"),
        Arg::NoArgument,
    ),
    ('g', Flag::Sets(&["GatewayPorts=yes"]), Arg::NoArgument),
    ('I', Flag::Last("PKCS11Provider"), Arg::Literal),
    ('i', Flag::First("IdentityFile"), Arg::Tilde),
    ('J', Flag::Own, Arg::AsKeyword),
    (
        'K',
        Flag::Sets(&["GSSAPIAuthentication=yes", "GSSAPIDelegateCredentials=yes"]),
        Arg::NoArgument,
    ),
    (
        'k',
        Flag::Sets(&["GSSAPIDelegateCredentials=no"]),
        Arg::NoArgument,
    ),
    ('L', Flag::Forward("LocalForward"), Arg::AsKeyword),
    ('l', Flag::First("User"), Arg::Literal),
    ('M', Flag::Sets(&["ControlMaster=yes"]), Arg::NoArgument),
    ('m', Flag::Last("MACs"), Arg::Literal),
    ('N', Flag::Sets(&["SessionType=none"]), Arg::NoArgument),
    ('n', Flag::Sets(&["StdinNull=yes"]), Arg::NoArgument),
    (
        'O',
        Flag::Refused(
            true,
            "ssh sends a command to a control master and runs nothing on the host",
        ),
        Arg::Literal,
    ),
    ('o', Flag::Own, Arg::AsKeyword),
    (
        'P',
        Flag::Refused(
            false,
            "OpenSSH 9.2 ignores `-P`, 9.4 and later read it as `-P tag`; use `-o Tag=` or remove it",
        ),
        Arg::NoArgument,
    ),
    ('p', Flag::First("Port"), Arg::Literal),
    (
        'Q',
        Flag::Refused(true, "ssh lists algorithms and connects nowhere"),
        Arg::Literal,
    ),
    ('q', Flag::Sets(&["LogLevel=QUIET"]), Arg::NoArgument),
    ('R', Flag::Forward("RemoteForward"), Arg::AsKeyword),
    ('S', Flag::Last("ControlPath"), Arg::AsKeyword),
    ('s', Flag::Sets(&["SessionType=subsystem"]), Arg::NoArgument),
    ('T', Flag::Sets(&["RequestTTY=no"]), Arg::NoArgument),
    ('t', Flag::Sets(&["RequestTTY=yes"]), Arg::NoArgument),
    (
        'V',
        Flag::Refused(false, "ssh prints its version and connects nowhere"),
        Arg::NoArgument,
    ),
    (
        'v',
        Flag::Inert(
            false,
            "the verbosity of ssh's own log; sshfleet writes no ssh log",
        ),
        Arg::NoArgument,
    ),
    (
        'W',
        Flag::Refused(
            true,
            "ssh forwards its standard input to another host and runs nothing on this one",
        ),
        Arg::Literal,
    ),
    ('w', Flag::Last("TunnelDevice"), Arg::Literal),
    ('X', Flag::Sets(&["ForwardX11=yes"]), Arg::NoArgument),
    ('x', Flag::Sets(&["ForwardX11=no"]), Arg::NoArgument),
    (
        'Y',
        Flag::Sets(&["ForwardX11=yes", "ForwardX11Trusted=yes"]),
        Arg::NoArgument,
    ),
    (
        'y',
        Flag::Inert(false, "ssh logs to syslog; sshfleet writes no ssh log"),
        Arg::NoArgument,
    ),
];

/// The table's flags, each with whether it takes an argument.
#[cfg(test)]
pub(super) fn flag_table() -> Vec<(char, bool)> {
    FLAGS.iter().map(|(c, f, _)| (*c, takes_arg(*f))).collect()
}

/// The table's flags that take an argument: the keyword each sets (if
/// any), and whether ssh takes the argument as written (`Some(false)`),
/// expands it as that keyword (`Some(true)`), or only its `~` (`None`).
#[cfg(test)]
pub(super) fn flag_expansions() -> Vec<(char, Option<&'static str>, Option<bool>)> {
    FLAGS
        .iter()
        .filter(|(_, _, arg)| *arg != Arg::NoArgument)
        .map(|(c, f, arg)| {
            let keyword = match f {
                Flag::First(k) | Flag::Last(k) | Flag::Forward(k) => Some(*k),
                _ if *c == 'J' => Some("ProxyJump"),
                _ => None,
            };
            let expands = match arg {
                Arg::Literal => Some(false),
                Arg::AsKeyword => Some(true),
                _ => None,
            };
            (*c, keyword, expands)
        })
        .collect()
}

fn flag(c: char) -> Option<Flag> {
    FLAGS.iter().find(|(f, _, _)| *f == c).map(|(_, f, _)| *f)
}

/// `-i`'s argument as ssh.c takes it: `~` expanded, then kept only if
/// the file is there (`None`: ssh warns and leaves it out).
fn identity_flag(value: &str) -> Result<Option<String>, String> {
    let path = tilde(value).map_err(|e| format!("`-i {value}`: {e}"))?;
    if std::fs::metadata(&path).is_err() {
        tracing::warn!(
            "`-i {value}`: identity file {path} not accessible; ssh leaves it out, and so does sshfleet (ssh takes `-i` as written: only `~` is expanded)"
        );
        return Ok(None);
    }
    Ok(Some(path))
}

fn takes_arg(flag: Flag) -> bool {
    match flag {
        Flag::Own | Flag::First(_) | Flag::Last(_) | Flag::Forward(_) => true,
        Flag::Sets(_) => false,
        Flag::Inert(arg, _) | Flag::Refused(arg, _) => arg,
    }
}

/// The options a host's ssh arguments set, in the order that makes
/// sshfleet's first-value-wins reading give ssh's result: what ssh.c
/// assigns directly (last flag wins) first, then the rest in order.
#[derive(Default)]
struct Options {
    direct: Vec<String>,
    ordered: Vec<String>,
    /// A port is set already (Ansible's `-o Port=`, an earlier `-p` or
    /// `-o Port`): ssh.c then skips a `-p` without reading it.
    port_set: bool,
    /// `-y` and `-E` seen: ssh refuses the two together.
    syslog: bool,
    log_file: bool,
    /// The words being read are from a variable that read a secret.
    from_secret: bool,
    /// The keywords (lower case) set by such words: the fields they
    /// decide are from a secret (`support::secrets::FromSecret`).
    secret_keywords: std::collections::BTreeSet<String>,
}

impl Options {
    fn push_ordered(&mut self, option: String) {
        if self.from_secret {
            self.secret_keywords.insert(keyword_of(&option));
        }
        self.ordered.push(option);
    }

    fn direct(&mut self, option: String) {
        let keyword = keyword_of(&option);
        if self.from_secret {
            self.secret_keywords.insert(keyword.clone());
        }
        self.direct.retain(|o| keyword_of(o) != keyword);
        self.direct.push(option);
    }

    fn into_vec(self) -> Vec<String> {
        self.direct.into_iter().chain(self.ordered).collect()
    }
}

fn keyword_of(option: &str) -> String {
    option
        .split(|c: char| c == '=' || c.is_whitespace())
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The options of a host's `ansible_ssh_common_args` /
/// `ansible_ssh_extra_args`, read as ssh reads its command line: after the
/// `-o Port=`, `-o User=` and `-o IdentityFile=` Ansible puts first (which
/// is why those vars still win), before ssh_config. Every flag is read by
/// its row in [`FLAGS`]: `-o ProxyCommand` and `-o ProxyJump` included
/// (which of them wins is OpenSSH's rule, applied with ssh_config's, see
/// [`CommandLineRoute`], returned with them).
pub(super) fn ssh_args_config(
    name: &str,
    conn: &ConnectionVars,
) -> Result<(SshConfig, CommandLineRoute, SecretKeywords), TargetError> {
    let mut options = Options {
        port_set: conn.port.is_some(),
        ..Options::default()
    };
    let mut route = CommandLineRoute::default();
    // Ansible puts `-o StrictHostKeyChecking=no` before the ssh args when
    // host key checking is off (sshfleet reads `no` as accept-new, warned).
    if conn.host_key_checking == Some(false) {
        options.ordered.push("StrictHostKeyChecking=no".to_string());
    }
    for args in &conn.ssh_args {
        options.from_secret = args.from_secret;
        let var = args.var.as_str();
        let invalid = |message: String| TargetError {
            host: name.to_string(),
            var: format!(
                "{var} ({}:{})",
                args.origin.path.display(),
                args.origin.line
            ),
            message: withheld_if_derived(&args.words, message),
        };
        let mut words = args.words.iter();
        while let Some(word) = words.next() {
            let Some(flags) = word.strip_prefix('-').filter(|f| !f.is_empty()) else {
                return Err(invalid(format!("`{word}` is not an ssh option")));
            };
            // Flags without an argument may be bundled (`-4C`); the first
            // that takes one ends the bundle, as getopt reads it.
            for (i, c) in flags.char_indices() {
                let Some(row) = flag(c) else {
                    return Err(invalid(format!(
                        "`-{c}` (in `{word}`) is not an option OpenSSH's ssh accepts"
                    )));
                };
                if !takes_arg(row) {
                    no_arg_flag(c, row, &mut options).map_err(&invalid)?;
                    continue;
                }
                let value = match &flags[i + c.len_utf8()..] {
                    "" => words
                        .next()
                        .cloned()
                        .ok_or_else(|| invalid(format!("`{word}` needs a value")))?,
                    attached => attached.to_string(),
                };
                arg_flag(c, row, value, &mut options, &mut route).map_err(&invalid)?;
                break;
            }
        }
    }
    let secret_keywords = std::mem::take(&mut options.secret_keywords);
    let options = options.into_vec();
    let config =
        SshConfig::from_options(options.iter().map(String::as_str)).map_err(|message| {
            let words: Vec<String> = conn
                .ssh_args
                .iter()
                .flat_map(|a| a.words.iter().cloned())
                .collect();
            TargetError {
                host: name.to_string(),
                var: ARGS_VARS.to_string(),
                message: withheld_if_derived(&words, message),
            }
        })?;
    Ok((config, route, secret_keywords))
}

/// The ssh_config keywords (lower case) the ssh arguments set from a
/// variable that read a secret.
pub(super) type SecretKeywords = std::collections::BTreeSet<String>;

/// Why ssh arguments are refused, or, when a word of them was computed
/// from a secret, only that: ssh's reasons quote a keyword or a value
/// unquoted (`Sup: no argument after keyword`), where the console's
/// withholding of quoted values cannot see it (docs/SECURITY.md I4).
fn withheld_if_derived(words: &[String], message: String) -> String {
    if words
        .iter()
        .any(|w| crate::support::taint::holds_tainted(w))
    {
        format!(
            "refused (reason withheld: a word of them is derived from a secret, `{}`, and the reason may quote it)",
            crate::support::secrets::MASK
        )
    } else {
        message
    }
}

fn no_arg_flag(c: char, row: Flag, options: &mut Options) -> Result<(), String> {
    match row {
        Flag::Sets(set) => {
            for option in set {
                checked(c, option)?;
                options.direct(option.to_string());
            }
            Ok(())
        }
        Flag::Refused(_, why) => Err(format!("`-{c}` is refused: {why}")),
        Flag::Inert(_, why) => {
            options.syslog |= c == 'y';
            inert(c, why, options)
        }
        _ => Ok(()),
    }
}

/// An inert flag changes nothing, except that ssh refuses `-y` with `-E`.
fn inert(c: char, why: &str, options: &Options) -> Result<(), String> {
    if options.syslog && options.log_file {
        return Err("`-y` and `-E` together: ssh refuses them (can't specify both)".to_string());
    }
    tracing::debug!(flag = %c, "an inert ssh flag: {why}");
    Ok(())
}

fn arg_flag(
    c: char,
    row: Flag,
    value: String,
    options: &mut Options,
    route: &mut CommandLineRoute,
) -> Result<(), String> {
    match row {
        Flag::Own => own_flag(c, value, options, route),
        Flag::First(keyword) => {
            let port_set = options.port_set
                || options
                    .ordered
                    .iter()
                    .chain(&options.direct)
                    .any(|o| keyword_of(o) == "port");
            if c == 'p' && port_set {
                return Ok(());
            }
            let value = match c {
                'i' => match identity_flag(&value)? {
                    Some(path) => path,
                    None => return Ok(()),
                },
                _ => value,
            };
            let option = format!("{keyword}={}", verbatim(&value));
            checked(c, &option)?;
            options.push_ordered(option);
            Ok(())
        }
        Flag::Last(keyword) => {
            // ssh.c's `-c` takes a list, `+list` or `^list` (never
            // `-list`); its `-m` a plain list only.
            let prefixes: &[char] = match c {
                'c' => &['-'],
                'm' => &['-', '+', '^'],
                _ => &[],
            };
            if value.starts_with(prefixes) {
                return Err(format!(
                    "`-{c} {value}`: ssh refuses it (Unknown {} type)",
                    if c == 'c' { "cipher" } else { "mac" }
                ));
            }
            let option = format!("{keyword}={}", verbatim(&value));
            checked(c, &option)?;
            options.direct(option);
            Ok(())
        }
        Flag::Forward(keyword) => forward(c, keyword, &value),
        Flag::Refused(_, why) => Err(format!("`-{c} {value}` is refused: {why}")),
        Flag::Inert(_, why) => {
            options.log_file |= c == 'E';
            inert(c, why, options)
        }
        Flag::Sets(_) => Ok(()),
    }
}

/// A flag's argument quoted for ssh's option parser (`argv_split`), so
/// that it arrives as ssh.c takes `optarg`: verbatim, without the quote
/// and escape processing an `-o` value gets (`-l 'a"b"c'` is the user
/// `a"b"c`, which ssh then refuses; `-p '"22"'` is a bad port).
pub(super) fn verbatim(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// A flag's option, checked alone so that a refusal names the flag.
fn checked(c: char, option: &str) -> Result<(), String> {
    SshConfig::from_options([option])
        .and_then(|alone| {
            // Refusals are decided when a host's settings are looked up.
            alone
                .lookup_with("h", Default::default(), &SshConfig::default())
                .map(drop)
                .map_err(|e| e.to_string())
        })
        .map_err(|e| format!("`-{c}` sets `{option}`, and {e}"))
}

/// `-L`, `-R`, `-D`: ssh.c hands the spec to `parse_forward` as it is
/// (`-R` as a remote forwarding, else as a dynamic remote one); sshfleet
/// opens no forwarding, so a valid one changes nothing.
fn forward(c: char, keyword: &str, value: &str) -> Result<(), String> {
    let valid = match c {
        'L' => parse_forward(value, false, false),
        'R' => parse_forward(value, false, true) || parse_forward(value, true, true),
        _ => parse_forward(value, true, false),
    };
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`-{c} {value}` ({keyword}): ssh refuses it (Bad forwarding specification)"
        ))
    }
}

fn own_flag(
    c: char,
    value: String,
    options: &mut Options,
    route: &mut CommandLineRoute,
) -> Result<(), String> {
    let option = match c {
        'o' => value,
        'J' => {
            route.dash_j(&value)?;
            // `-J x` is `-o ProxyJump=x`, as ssh itself treats it.
            format!("ProxyJump={value}")
        }
        _ => {
            return Err(
                "`-F` (another ssh_config file) is not supported here; use sshfleet's -F"
                    .to_string(),
            );
        }
    };
    let keyword = keyword_of(&option);
    let rest = option[keyword.len()..].trim_start_matches(|c: char| c == '=' || c.is_whitespace());
    match keyword.as_str() {
        "proxycommand" if rest.is_empty() => {
            return Err("`-o ProxyCommand` needs a command".to_string());
        }
        "proxycommand" => route.proxy_command(),
        "proxyjump" if c == 'o' => route.proxy_jump(rest),
        _ => {}
    }
    options.push_ordered(option);
    Ok(())
}

/// What ssh's command line has set of the route so far, for the two
/// checks its `-J` makes (ssh.c, OpenSSH 9.2): a `-J` after any
/// `ProxyJump` (`none` included) is "Only a single -J option is
/// permitted", after any `ProxyCommand` (`none` included, and the one a
/// jump sets) "Cannot specify -J with ProxyCommand". Which route then
/// wins is [`HostConfig`](crate::ssh::config::HostConfig)'s rule, the one ssh_config's lines follow.
#[derive(Debug, Default)]
pub(super) struct CommandLineRoute {
    jump_set: bool,
    command_set: bool,
}

impl CommandLineRoute {
    fn proxy_jump(&mut self, value: &str) {
        // `parse_jump` compares the whole value with `none`.
        let none = value.eq_ignore_ascii_case("none");
        if none {
            self.jump_set = true;
        } else if !self.jump_set && !self.command_set {
            self.jump_set = true;
            self.command_set = true;
        }
    }

    fn proxy_command(&mut self) {
        self.command_set = true;
    }

    /// The command line decided the route: ssh_config can add neither a
    /// jump nor a command (what [`HostConfig`](crate::ssh::config::HostConfig) records as a ProxyCommand
    /// obtained, `none` or the one a jump sets), so errors in the route
    /// name the ssh arguments.
    pub(super) fn decided(&self) -> bool {
        self.command_set
    }

    fn dash_j(&mut self, value: &str) -> Result<(), String> {
        if self.jump_set {
            return Err(format!(
                "`-J {value}` after another jump: ssh refuses it (only a single -J option is permitted)"
            ));
        }
        if self.command_set {
            return Err(format!(
                "`-J {value}` after a ProxyCommand: ssh refuses it (cannot specify -J with ProxyCommand)"
            ));
        }
        self.proxy_jump(value);
        Ok(())
    }
}

/// The variables the ssh arguments come from, for errors.
pub(super) const ARGS_VARS: &str = "ansible_ssh_common_args/ansible_ssh_extra_args";
