//! One keyword line read into a setting, checked as OpenSSH checks it, and
//! what a host's settings add up to (the first value obtained wins).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::expand::expand_host_name;
use super::jump::JumpHost;
use super::keywords::{self, Class};
use super::parse::{PATH_TOKENS, check_tokens, parse_port};
use super::{SshConfigError, StrictHostKeyChecking};
use crate::ssh::algorithms::{AlgorithmChange, AlgorithmKind, Algorithms};

/// A value as it was obtained, with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Obtained {
    pub args: Vec<String>,
    pub path: PathBuf,
    pub line: usize,
}

impl Obtained {
    /// The first argument (every keyword kept here has one).
    pub(crate) fn first(&self) -> &str {
        self.args.first().map(String::as_str).unwrap_or_default()
    }

    /// A yes/no value: `true` for yes/true and the keyword's other
    /// "on" values.
    pub(crate) fn on(&self) -> bool {
        !matches!(self.first().to_ascii_lowercase().as_str(), "no" | "false")
    }
}

/// What one host's configuration says (nothing set = `None`/empty).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct HostConfig {
    /// `HostName`, `%h` already replaced, lower-cased as ssh does.
    pub host_name: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    /// Unexpanded: `~` and tokens are expanded with `expand_path` once
    /// the final host, port and user are known.
    pub identity_files: Vec<String>,
    /// The identity files on ssh's command line (Ansible's `-o
    /// IdentityFile` for the inventory's key): not listed here, but
    /// counted against OpenSSH's cap and not gathered again from a file.
    pub command_line_identities: Vec<String>,
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
    /// Every other keyword obtained, by its canonical name (aliases read
    /// as the keyword they stand for): the first value wins.
    pub others: BTreeMap<&'static str, Obtained>,
    /// Values in force that sshfleet cannot honour ([`VALUE_REFUSALS`]),
    /// with why: the lookup refuses the host.
    pub refused: BTreeMap<&'static str, (Obtained, String)>,
}

impl HostConfig {
    /// The value obtained for a keyword kept in `others` (canonical name).
    pub(crate) fn other(&self, keyword: &str) -> Option<&Obtained> {
        self.others.get(keyword)
    }

    /// A yes/no keyword kept in `others`: `None` when not set.
    pub(crate) fn flag(&self, keyword: &str) -> Option<bool> {
        self.other(keyword).map(Obtained::on)
    }

    /// The first refused keyword whose obtained value sshfleet cannot
    /// honour: the error names its file, line and why. Both kinds of
    /// refusal are decided here, on the values in force for this host: a
    /// keyword of the table refused unless set to what it accepts, and a
    /// value [`VALUE_REFUSALS`] refuses.
    pub(crate) fn refusal(&self) -> Option<SshConfigError> {
        // ssh.c checks the value obtained, not each line: `0` is read in
        // any block and refused only where it is the host's.
        if let Some(value) = self.others.get("connectionattempts")
            && super::cnum::strtonum(value.first(), 1, i32::MAX.into()).is_none()
        {
            return Some(SshConfigError::Invalid {
                path: value.path.clone(),
                line: value.line,
                message:
                    "connectionattempts: Invalid number of ConnectionAttempts (ssh refuses it too)"
                        .to_string(),
            });
        }
        let by_class = self.others.iter().filter_map(|(keyword, value)| {
            let Some(Class::Refused { accepts, why }) = keywords::find(keyword).map(|k| k.class)
            else {
                return None;
            };
            (!keywords::accepted(accepts, &value.args)).then(|| (*keyword, value, why.to_string()))
        });
        let by_value = self
            .refused
            .iter()
            .map(|(keyword, (value, why))| (*keyword, value, why.clone()));
        by_class
            .chain(by_value)
            // The first written, as a reader goes through the file.
            .min_by_key(|(_, value, _)| (value.path.clone(), value.line))
            .map(|(keyword, value, why)| SshConfigError::Invalid {
                path: value.path.clone(),
                line: value.line,
                message: format!("{keyword} {}: {why}", value.args.join(" ")),
            })
    }

    /// Whether a keyword of [`VALUE_REFUSALS`] has a value already (a
    /// later line's value is then not in force).
    fn is_set(&self, keyword: &str) -> bool {
        match keyword {
            "hostname" => self.host_name.is_some(),
            "userknownhostsfile" => self.known_hosts_files.is_some(),
            "proxycommand" => self.proxy_command.is_some(),
            _ => self.others.contains_key(keyword) || self.refused.contains_key(keyword),
        }
    }

    /// OpenSSH 9.2's `parse_jump`: only while neither ProxyJump nor
    /// ProxyCommand was obtained; `none` is recorded (it blocks a later
    /// ProxyJump, not a later ProxyCommand); hops also set ProxyCommand
    /// to `none`, so a later ProxyCommand is ignored.
    fn set_proxy_jump(&mut self, hops: &[JumpHost]) {
        if self.proxy_jump.is_some() || self.proxy_command.is_some() {
            return;
        }
        self.proxy_jump = Some(hops.to_vec());
        if !hops.is_empty() {
            self.proxy_command = Some("none".to_string());
        }
    }

    /// OpenSSH 9.2's `ProxyCommand`: the first value wins (`none`
    /// included, which then also blocks a later ProxyJump).
    fn set_proxy_command(&mut self, command: &str) {
        self.proxy_command
            .get_or_insert_with(|| command.to_string());
    }

    /// Add one line in force; `Err` when it takes a list past OpenSSH's
    /// cap (`super::caps`), which `ssh` refuses.
    pub(super) fn apply(&mut self, setting: &Setting, given_host: &str) -> Result<(), String> {
        self.check_cap(setting)?;
        match setting {
            Setting::HostName(name) => {
                if self.host_name.is_none() {
                    // As written: ssh lower-cases it only after the first
                    // pass (a `Match exec` `%h` in it sees the case given).
                    self.host_name = Some(expand_host_name(name, given_host));
                }
            }
            Setting::Port(port) => {
                self.port.get_or_insert(*port);
            }
            Setting::User(u) => {
                self.user.get_or_insert_with(|| u.clone());
            }
            Setting::IdentityFile(file) => {
                if !self.identity_files.contains(file)
                    && !self.command_line_identities.contains(file)
                {
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
                // As written until every pass is done (`lookup_with`).
                self.host_key_alias.get_or_insert_with(|| alias.clone());
            }
            Setting::StrictHostKeyChecking(value) => {
                self.strict_host_key_checking.get_or_insert(*value);
            }
            Setting::ProxyJump(hops) => self.set_proxy_jump(hops),
            Setting::ProxyCommand(command) => self.set_proxy_command(command),
            Setting::Algorithms(kind, change) => {
                self.algorithms.set_if_unset(*kind, change.clone());
            }
            Setting::Other(keyword, value) => {
                let held = self.others.entry(keyword).or_insert_with(|| value.clone());
                // A keyword ssh gathers over lines is refused when any
                // value in force is: the first refused one is kept.
                if GATHERED.contains(keyword) && !refused(keyword, held) && refused(keyword, value)
                {
                    *held = value.clone();
                }
            }
            Setting::Refused(row, value, why) => {
                if row.accumulates || !self.is_set(row.keyword) {
                    self.refused
                        .entry(row.keyword)
                        .or_insert_with(|| (value.clone(), why.clone()));
                }
            }
        }
        Ok(())
    }

    /// `setting`'s values against OpenSSH's cap for its list, counted as
    /// `ssh` counts them: identity files over every line (the inventory's
    /// key, on ssh's command line, included), the others on the first
    /// line in force.
    fn check_cap(&self, setting: &Setting) -> Result<(), String> {
        let (keyword, values, held) = match setting {
            Setting::IdentityFile(_) => (
                "identityfile",
                1,
                self.identity_files.len() + self.command_line_identities.len(),
            ),
            Setting::KnownHostsFiles(files) => (
                "userknownhostsfile",
                files.len(),
                usize::from(self.known_hosts_files.is_some()),
            ),
            Setting::GlobalKnownHostsFiles(files) => (
                "globalknownhostsfile",
                files.len(),
                usize::from(self.global_known_hosts_files.is_some()),
            ),
            Setting::Other(keyword, value) => (
                *keyword,
                value.args.len(),
                usize::from(self.others.contains_key(keyword)),
            ),
            _ => return Ok(()),
        };
        super::caps::check(keyword, values, held)
    }
}

/// The keywords kept in `others` whose every line in force OpenSSH 9.2
/// gathers (`add_certificate_file`, the forwards, `SendEnv`), where every
/// other keeps its first value; `IdentityFile` has its own list.
/// `caps_tests::gathered_keywords_are_ssh_g_s` holds it to `ssh -G`.
pub(super) const GATHERED: [&str; 5] = [
    "certificatefile",
    "dynamicforward",
    "localforward",
    "remoteforward",
    "sendenv",
];

/// Whether `value` of `keyword` is one the table refuses.
fn refused(keyword: &str, value: &Obtained) -> bool {
    matches!(
        keywords::find(keyword).map(|k| k.class),
        Some(Class::Refused { accepts, .. }) if !keywords::accepted(accepts, &value.args)
    )
}

#[derive(Debug, Clone)]
pub(super) enum Setting {
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
    /// Any other keyword, by its canonical name.
    Other(&'static str, Obtained),
    /// A value sshfleet cannot honour, refused only where it is in force.
    Refused(&'static ValueRefusal, Obtained, String),
}

/// A refusal sshfleet makes of a value that OpenSSH 9.2 reads without
/// complaint (it fails, if at all, only when it uses the value): decided
/// on the value in force for a host, so a line in a block that does not
/// apply, or one after the value that won, is read as ssh reads it.
#[derive(Debug)]
pub(crate) struct ValueRefusal {
    /// The canonical keyword.
    pub keyword: &'static str,
    /// Every value obtained is in force (`IdentityFile`), not the first.
    pub accumulates: bool,
    check: fn(&[String]) -> Result<(), String>,
    /// A value it refuses and one it accepts, for the tests.
    #[cfg_attr(not(test), allow(dead_code))]
    pub refused: &'static str,
    #[cfg_attr(not(test), allow(dead_code))]
    pub accepted: &'static str,
}

/// Every value refusal of the reader. The refusals OpenSSH makes itself
/// when it reads a line (a bad number, a bad `${VAR}`, an unknown
/// algorithm) stay where the line is read, in every block, as in ssh; the
/// refusals of keywords sshfleet does not honour are the table's
/// `Class::Refused` rows, also decided on the value in force.
pub(crate) const VALUE_REFUSALS: &[ValueRefusal] = &[
    ValueRefusal {
        keyword: "preferredauthentications",
        accumulates: false,
        check: |args| check_preferred_authentications(&args[0]),
        refused: "password,publickey",
        accepted: "publickey,password",
    },
    // Tokens: ssh 9.2 expands them (and fails on an unknown one) only
    // when it uses the value.
    ValueRefusal {
        keyword: "hostname",
        accumulates: false,
        check: |args| check_tokens(&args[0], "h"),
        refused: "%p.example.com",
        accepted: "%h.example.com",
    },
    ValueRefusal {
        keyword: "identityfile",
        accumulates: true,
        check: |args| check_tokens(&args[0], PATH_TOKENS),
        refused: "/keys/%j",
        accepted: "/keys/%h",
    },
    ValueRefusal {
        keyword: "userknownhostsfile",
        accumulates: false,
        check: |args| args.iter().try_for_each(|f| check_tokens(f, PATH_TOKENS)),
        refused: "/kh/%j",
        accepted: "/kh/%h",
    },
    ValueRefusal {
        keyword: "identityagent",
        accumulates: false,
        check: |args| check_tokens(&args[0], PATH_TOKENS),
        refused: "/agent/%j",
        accepted: "/agent/%h",
    },
    ValueRefusal {
        keyword: "proxycommand",
        accumulates: false,
        // `-`: ssh speaks SSH over its own stdin and stdout (ssh.c), which
        // sshfleet, one process for many hosts, cannot do; run as a
        // command it was `sh -c -`, the host "disconnected".
        check: |args| {
            match args[0].as_str() {
            "-" => Err("`-` makes ssh speak SSH over its own stdin and stdout, which sshfleet, one process for many hosts, cannot do".to_string()),
            command => check_tokens(command, PROXY_TOKENS),
        }
        },
        refused: "nc %d 22",
        accepted: "nc %h %p",
    },
];

/// Where a line was read, for messages.
pub(super) struct Place<'a> {
    pub path: &'a Path,
    pub line: usize,
}

/// The setting of one keyword line (`lower` is its lower-cased keyword,
/// one in the table), `None` for what is skipped.
pub(super) fn parse_setting(
    lower: &str,
    args: &[String],
    place: &Place<'_>,
) -> Result<Option<Setting>, String> {
    let Some(row) = keywords::find(lower) else {
        return Err(BAD_OPTION.to_string());
    };
    no_argument(args)?;
    let keyword = keywords::canonical(lower);
    let row = keywords::find(keyword).unwrap_or(row);
    if let Class::Ignored(why) = row.class {
        tracing::debug!("{}:{}: {lower}: {why}", place.path.display(), place.line);
        return Ok(None);
    }
    keywords::check_value(row.value, args)?;
    if keyword == "identityagent" {
        // OpenSSH 9.2 checks `${VAR}` when it reads it (in every block).
        super::expand::check_env(&args[0])?;
    }
    if let Some(row) = VALUE_REFUSALS.iter().find(|r| r.keyword == keyword)
        && let Err(why) = (row.check)(args)
    {
        let value = Obtained {
            args: args.to_vec(),
            path: place.path.to_path_buf(),
            line: place.line,
        };
        return Ok(Some(Setting::Refused(row, value, why)));
    }
    if let Some(setting) = typed_setting(keyword, args, place)? {
        return Ok(Some(setting));
    }
    match keyword {
        "casignaturealgorithms" => {
            AlgorithmChange::parse(AlgorithmKind::HostKey, &args[0])?;
        }
        // Read literally by OpenSSH 9.2: no check.
        "revokedhostkeys" => {}
        // OpenSSH 9.2 checks `${VAR}` when it reads these (in every block).
        "forwardagent" => super::expand::check_env(&args[0])?,
        "localforward" | "remoteforward" | "dynamicforward" => {
            for arg in args {
                super::expand::check_env(arg)?;
            }
        }
        "port" => {
            parse_port(&args[0])?;
        }
        _ => {}
    }
    let Some(name) = keywords::KEYWORDS
        .iter()
        .map(|k| k.name)
        .find(|n| *n == keyword)
    else {
        return Ok(None);
    };
    Ok(Some(Setting::Other(
        name,
        Obtained {
            args: args.to_vec(),
            path: place.path.to_path_buf(),
            line: place.line,
        },
    )))
}

/// The keywords sshfleet keeps in typed fields.
fn typed_setting(
    keyword: &str,
    args: &[String],
    place: &Place<'_>,
) -> Result<Option<Setting>, String> {
    let one = || args[0].as_str();
    let algorithms = |kind: AlgorithmKind| -> Result<Option<Setting>, String> {
        let (change, unknown) = AlgorithmChange::parse(kind, one())?;
        if !unknown.is_empty() {
            tracing::debug!(
                "{}:{}: {kind}: sshfleet cannot use {}; left out",
                place.path.display(),
                place.line,
                unknown.join(",")
            );
        }
        Ok(Some(Setting::Algorithms(kind, change)))
    };
    let none_alone = || -> Result<(), String> {
        if args.len() > 1 && args.iter().any(|a| a.eq_ignore_ascii_case("none")) {
            return Err("\"none\" argument must appear alone".to_string());
        }
        Ok(())
    };
    let files = || -> Result<Vec<String>, String> {
        none_alone()?;
        Ok(args.to_vec())
    };
    Ok(Some(match keyword {
        "hostname" => Setting::HostName(one().to_string()),
        "port" => Setting::Port(parse_port(one())?),
        "user" => Setting::User(one().to_string()),
        "identityfile" => Setting::IdentityFile(one().to_string()),
        "identitiesonly" => Setting::IdentitiesOnly(matches!(
            one().to_ascii_lowercase().as_str(),
            "yes" | "true"
        )),
        "userknownhostsfile" => Setting::KnownHostsFiles(files()?),
        // `~` only in OpenSSH 9.2: `%` and `${` are taken as written.
        "globalknownhostsfile" => {
            // No tokens here in 9.2 (`~` only, when used); `none` alone.
            none_alone()?;
            Setting::GlobalKnownHostsFiles(args.to_vec())
        }
        "hostkeyalias" => Setting::HostKeyAlias(one().to_string()),
        "stricthostkeychecking" => {
            Setting::StrictHostKeyChecking(match one().to_ascii_lowercase().as_str() {
                "yes" | "true" | "ask" => StrictHostKeyChecking::Yes,
                "accept-new" => StrictHostKeyChecking::AcceptNew,
                _ => {
                    tracing::warn!(
                        "{}:{}: StrictHostKeyChecking no is treated as accept-new: unknown host keys \
                         are recorded, a changed key is still refused",
                        place.path.display(),
                        place.line
                    );
                    StrictHostKeyChecking::No
                }
            })
        }
        // The rest of the line as written: OpenSSH's `parse_jump` drops a
        // `#` comment itself, yet hands the text before the last `,` on.
        "proxyjump" => Setting::ProxyJump(JumpHost::parse_list(one())?),
        // The rest of the line is the command, as OpenSSH keeps it.
        "proxycommand" => Setting::ProxyCommand(one().to_string()),
        "kexalgorithms" => return algorithms(AlgorithmKind::Kex),
        "hostkeyalgorithms" => return algorithms(AlgorithmKind::HostKey),
        "pubkeyacceptedalgorithms" => return algorithms(AlgorithmKind::PubkeyAccepted),
        "ciphers" => return algorithms(AlgorithmKind::Cipher),
        "macs" => return algorithms(AlgorithmKind::Mac),
        _ => return Ok(None),
    }))
}

/// OpenSSH refuses any keyword line with no argument at all, even for a
/// keyword it ignores.
pub(super) fn no_argument(args: &[String]) -> Result<(), String> {
    if args.is_empty() {
        Err("no argument after keyword (OpenSSH refuses it too)".to_string())
    } else {
        Ok(())
    }
}

/// What OpenSSH says of a keyword it does not know.
pub(super) const BAD_OPTION: &str = "Bad configuration option (OpenSSH refuses the file too; list it in IgnoreUnknown if it is meant for another client)";

/// Tokens a `ProxyCommand` takes (OpenSSH's `expand_proxy_command`).
pub(crate) const PROXY_TOKENS: &str = "hknpr";

/// The authentication methods sshfleet has, in the order it tries them.
const METHODS: [&str; 3] = ["publickey", "password", "keyboard-interactive"];

/// `PreferredAuthentications`: sshfleet always tries keys before any
/// password; a list that asks otherwise is refused.
fn check_preferred_authentications(value: &str) -> Result<(), String> {
    let names: Vec<&str> = value.split(',').collect();
    if names.iter().any(|n| n.is_empty()) {
        return Err(format!("empty method name in `{value}`"));
    }
    let publickey = names.iter().position(|n| *n == "publickey");
    let password = names
        .iter()
        .position(|n| *n == "password" || *n == "keyboard-interactive");
    if let (Some(key), Some(pass)) = (publickey, password)
        && pass < key
    {
        return Err(format!(
            "`{value}` puts a password method before publickey; sshfleet always tries keys first (write publickey first)"
        ));
    }
    Ok(())
}

/// Whether `PreferredAuthentications` (when set) allows `method`.
pub(crate) fn method_allowed(config: &HostConfig, method: &str) -> bool {
    debug_assert!(METHODS.contains(&method));
    config
        .other("preferredauthentications")
        .is_none_or(|v| v.first().split(',').any(|m| m == method))
}
