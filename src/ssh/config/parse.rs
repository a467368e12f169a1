//! Lines and blocks: a line split into keyword and arguments as OpenSSH
//! splits it, `Host` and `Match` conditions and how they are evaluated,
//! `%` token checks, port numbers.

use super::expand::{Tokens, expand_command};
use super::lex::strdelim;
use crate::ssh::pattern::{Caller, PatternList};

#[derive(Debug, Clone)]
pub(super) enum Condition {
    Host(PatternList),
    /// Every criterion must hold.
    Match(Vec<Criterion>),
}

#[derive(Debug, Clone)]
pub(super) struct Criterion {
    negated: bool,
    pub(super) test: Test,
}

#[derive(Debug, Clone)]
pub(super) enum Test {
    All,
    /// Patterns matched against the lower-cased name, lower-cased
    /// themselves, as OpenSSH's `match_hostname` does.
    Host(PatternList),
    OriginalHost(PatternList),
    /// Case-sensitive, as in OpenSSH.
    User(PatternList),
    LocalUser(PatternList),
    /// Holds in the second pass that `Match final` causes.
    Final,
    /// OpenSSH 9.2 tests `canonical` as `final`: it holds in the pass
    /// after canonicalisation, which (canonicalisation being refused) is
    /// the second pass `Match final` causes.
    Canonical,
    /// The command, run with the user's shell, exits 0.
    Exec(String),
    /// `Match tagged` (OpenSSH 9.4): the `Tag` obtained so far matches,
    /// case-sensitively; `None` is the empty argument, which holds only
    /// while no `Tag` was obtained.
    Tagged(Option<PatternList>),
}

/// What a block's condition is evaluated against.
pub(super) struct Subject<'a> {
    pub original_host: &'a str,
    pub host: &'a str,
    pub port: u16,
    pub user: &'a str,
    pub local_user: &'a str,
    /// `HostKeyAlias` obtained so far (`%k` in `Match exec`).
    pub host_key_alias: Option<&'a str>,
    /// `Tag` obtained so far (`Match tagged`).
    pub tag: Option<&'a str>,
    pub final_pass: bool,
}

impl Condition {
    /// Whether the block applies. `Err`: a `Match exec` that cannot be
    /// run, or would get a name with shell metacharacters.
    pub(super) fn holds(&self, s: &Subject<'_>) -> Result<bool, String> {
        match self {
            // As ssh: `Host` matches the name as given, and in the final
            // pass the host name obtained (lower-cased).
            Condition::Host(patterns) => Ok(patterns.matches(if s.final_pass {
                s.host
            } else {
                s.original_host
            })),
            Condition::Match(criteria) => {
                // Criteria are evaluated in order; an `exec` after one that
                // failed is not run, as in OpenSSH.
                for c in criteria {
                    let result = match &c.test {
                        Test::All => true,
                        Test::Host(p) => p.matches(s.host),
                        Test::OriginalHost(p) => p.matches(s.original_host),
                        Test::User(p) => p.matches(s.user),
                        Test::LocalUser(p) => p.matches(s.local_user),
                        Test::Final | Test::Canonical => s.final_pass,
                        Test::Exec(command) => exec_holds(command, s)?,
                        Test::Tagged(patterns) => match (patterns, s.tag) {
                            (None, tag) => tag.is_none(),
                            (Some(p), Some(tag)) => p.matches(tag),
                            (Some(_), None) => false,
                        },
                    };
                    if result == c.negated {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
        }
    }
}

/// `Match exec`: run the command (tokens expanded as OpenSSH expands them
/// there: `%h` the host so far, `%k` the alias so far or that host) with
/// the user's shell; it holds when the command exits 0.
fn exec_holds(command: &str, s: &Subject<'_>) -> Result<bool, String> {
    let tokens = Tokens {
        host: s.host,
        original_host: s.original_host,
        port: s.port,
        user: s.user,
        host_key_alias: Some(s.host_key_alias.unwrap_or(s.host)),
    };
    let command =
        expand_command(command, &tokens, PATH_TOKENS).map_err(|e| format!("Match exec: {e}"))?;
    let shell = crate::support::child::user_shell(crate::support::child::Site::MatchExec)
        .map_err(|why| format!("Match exec `{command}`: {why}"))?;
    let mut child = std::process::Command::new(shell);
    child.arg("-c").arg(&command);
    crate::support::child::start_as(&mut child, crate::support::child::Site::MatchExec);
    // Bounded in time, in a process group of its own, its output not
    // shown (OpenSSH shows only whether it held).
    match crate::support::child::run_bounded(child, MATCH_EXEC_TIMEOUT, 1024 * 1024) {
        Ok(output) => Ok(output.status.success()),
        Err(e) => Err(format!("Match exec `{command}`: {e}")),
    }
}

/// The longest a `Match exec` command may run before sshfleet gives up on
/// it (an error naming the command, never a silent false).
const MATCH_EXEC_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// `Host`: its patterns (none when the line has only a comment after the
/// keyword: a block that applies to no host, as in OpenSSH).
pub(super) fn host_condition(args: &[String]) -> Result<Condition, String> {
    if args.iter().any(String::is_empty) {
        return Err("keyword host empty argument".to_string());
    }
    Ok(Condition::Host(PatternList::new(
        args.iter().map(String::as_str),
        Caller::HostKeyword,
    )))
}

/// `Match`, read as OpenSSH 9.2's `match_cfg_line` reads the rest of the
/// line: words cut by `strdelim`, so one `=` separates (`host=a`,
/// `host =a`, `host = a`), a double-quoted part groups and a single quote
/// is an ordinary character (`'a'` matches no host `a`). An empty word
/// ends the criteria; a word left after them is "extra arguments".
pub(super) fn match_condition(rest: &str) -> Result<Condition, String> {
    let mut cp = Some(rest);
    let mut criteria = Vec::new();
    // Criteria other than `all`, counted as OpenSSH counts them.
    let mut attributes = 0;
    while let Some(word) = strdelim(&mut cp).filter(|w| !w.is_empty()) {
        if word.starts_with('#') {
            cp = None;
            break;
        }
        let (negated, name) = match word.strip_prefix('!') {
            Some(rest) => (true, rest.to_ascii_lowercase()),
            None => (false, word.to_ascii_lowercase()),
        };
        if name == "all" {
            // As OpenSSH: `all` stands alone (one criterion before it is
            // tolerated, as its counting does), and ends the criteria.
            let next = strdelim(&mut cp);
            if attributes > 1
                || next
                    .as_deref()
                    .is_some_and(|a| !a.is_empty() && !a.starts_with('#'))
            {
                return Err(format!(
                    "`{word}` cannot be combined with other Match attributes"
                ));
            }
            if next.is_some_and(|a| a.starts_with('#')) {
                cp = None;
            }
            criteria.push(Criterion {
                negated,
                test: Test::All,
            });
            return finish(criteria, cp);
        }
        attributes += 1;
        let test = match name.as_str() {
            "final" => Test::Final,
            "canonical" => Test::Canonical,
            _ => criterion(&name, strdelim(&mut cp))?,
        };
        criteria.push(Criterion { negated, test });
    }
    if attributes == 0 {
        return Err("One or more attributes required".to_string());
    }
    finish(criteria, cp)
}

/// The criteria, unless words are left after them.
fn finish(criteria: Vec<Criterion>, left: Option<&str>) -> Result<Condition, String> {
    match left.filter(|l| !l.is_empty()) {
        Some(left) => Err(format!("extra arguments at end of line: `{left}`")),
        None => Ok(Condition::Match(criteria)),
    }
}

/// A criterion that takes an argument (`None`: a quote not closed).
fn criterion(name: &str, argument: Option<String>) -> Result<Test, String> {
    // Only `tagged` (OpenSSH 9.4) takes an empty argument.
    let argument = match argument {
        Some(a) if a.is_empty() && name == "tagged" => a,
        Some(a) if !a.is_empty() && !a.starts_with('#') => a,
        _ => return Err(format!("Missing Match criteria for {name}")),
    };
    Ok(match name {
        "host" => Test::Host(PatternList::new(argument.split(','), Caller::MatchHost)),
        "originalhost" => Test::OriginalHost(PatternList::new(
            argument.split(','),
            Caller::MatchOriginalHost,
        )),
        "user" => Test::User(PatternList::new(argument.split(','), Caller::MatchUser)),
        "localuser" => Test::LocalUser(PatternList::new(
            argument.split(','),
            Caller::MatchLocalUser,
        )),
        "exec" => {
            check_tokens(&argument, PATH_TOKENS)?;
            Test::Exec(argument)
        }
        "tagged" => Test::Tagged(if argument.is_empty() {
            None
        } else {
            Some(PatternList::new(argument.split(','), Caller::MatchTagged))
        }),
        "localnetwork" | "version" | "sessiontype" | "command" => {
            return Err(format!(
                "Match {name} is not supported by sshfleet (its block would apply differently than in ssh)"
            ));
        }
        other => return Err(format!("unknown criterion `{other}`")),
    })
}

/// Tokens `IdentityFile`, `UserKnownHostsFile` and `Match exec` may use
/// here (OpenSSH 9.2's; `%j` came later).
pub(super) use super::expansion::PATH_TOKENS;

pub(super) fn check_tokens(value: &str, allowed: &str) -> Result<(), String> {
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

/// OpenSSH's `a2port`: `strtonum(text, 0, 65535)` (leading white space
/// and `+` allowed), 0 refused.
pub(crate) fn parse_port(text: &str) -> Result<u16, String> {
    match super::cnum::strtonum(text, 1, 65535).and_then(|p| u16::try_from(p).ok()) {
        Some(port) => Ok(port),
        _ => Err(format!(
            "`{text}` is not a port number (1-65535; a service name such as `ssh` is not supported by sshfleet: write the number)"
        )),
    }
}
