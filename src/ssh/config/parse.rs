//! Lines and blocks: a line split into keyword and arguments as OpenSSH
//! splits it, `Host` and `Match` conditions and how they are evaluated,
//! `%` token checks, port numbers.

use super::expand::{Tokens, expand_command};
use crate::ssh::pattern::PatternList;

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
                        Test::Host(p) => p.matches(&s.host.to_ascii_lowercase()),
                        Test::OriginalHost(p) => p.matches(&s.original_host.to_ascii_lowercase()),
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
    let shell = std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/sh".to_string());
    let mut child = std::process::Command::new(shell);
    child.arg("-c").arg(&command);
    // Bounded in time, in a process group of its own, its output not
    // shown (OpenSSH shows only whether it held).
    match crate::support::child::run_bounded(child, MATCH_EXEC_TIMEOUT, 1024 * 1024) {
        Ok(output) => Ok(output.status.success()),
        Err(e) => Err(format!("Match exec `{command}`: cannot run it: {e}")),
    }
}

/// The longest a `Match exec` command may run before sshfleet gives up on
/// it (an error naming the command, never a silent false).
const MATCH_EXEC_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Split a line into its keyword and arguments as OpenSSH does: the
/// keyword ends at white space or `=`; arguments are split by
/// `argv_split`: single or double quotes group, `\` escapes a quote, a
/// backslash or (outside quotes) a space, and `#` at the start of an
/// argument begins a comment. `None` for a blank or comment line.
pub(super) fn split_line(line: &str) -> Result<Option<(String, Vec<String>)>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let end = line
        .find(|c: char| c.is_whitespace() || c == '=' || c == '"')
        .unwrap_or(line.len());
    let quoted = line[end..].starts_with('"');
    let (keyword, mut rest) = if quoted {
        // `strdelim`: a quote in the keyword runs to the next quote, which
        // ends it (no `=` skipped after it); without one, OpenSSH 9.2
        // skips the line.
        let Some(close) = line[end + 1..].find('"') else {
            return Ok(None);
        };
        let close = end + 1 + close;
        let keyword = format!("{}{}", &line[..end], &line[end + 1..close]);
        (keyword, line[close + 1..].trim_start())
    } else {
        (line[..end].to_string(), line[end..].trim_start())
    };
    if keyword.is_empty() {
        return Ok(None);
    }
    if let Some(after) = rest.strip_prefix('=').filter(|_| !quoted) {
        rest = after.trim_start();
    }
    // OpenSSH keeps a command's rest of line (`ProxyCommand`,
    // `LocalCommand`, ...) as written, for the shell to split.
    let lower = keyword.to_ascii_lowercase();
    if super::keywords::find(&lower).is_some_and(|k| matches!(k.value, super::values::Value::Rest))
    {
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

pub(super) fn host_condition(args: &[String]) -> Result<Condition, String> {
    if args.is_empty() {
        return Err("needs at least one pattern".to_string());
    }
    Ok(Condition::Host(PatternList::new(
        args.iter().map(String::as_str),
        false,
    )?))
}

pub(super) fn match_condition(args: &[String]) -> Result<Condition, String> {
    if args.is_empty() {
        return Err(
            "needs a criterion (all, host, originalhost, user, localuser, ...)".to_string(),
        );
    }
    let mut criteria = Vec::new();
    let mut words = args.iter().peekable();
    while let Some(word) = words.next() {
        // OpenSSH 9.2's `match_cfg_line` stops at an empty word; a word
        // after it is "extra arguments at end of line".
        if word.is_empty() {
            if words.peek().is_some() {
                return Err("extra arguments at end of line (after an empty word)".to_string());
            }
            break;
        }
        let (negated, name) = match word.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, word.as_str()),
        };
        // OpenSSH 10.0's `criterion=argument`, one word.
        let (name, attached) = match name.split_once('=') {
            Some((name, value)) if WITH_ARGUMENT.contains(&name.to_ascii_lowercase().as_str()) => {
                (name.to_ascii_lowercase(), Some(value.to_string()))
            }
            _ => (name.to_ascii_lowercase(), None),
        };
        let mut argument = || -> Result<String, String> {
            let value = match &attached {
                Some(value) => value.clone(),
                None => words
                    .next()
                    .cloned()
                    .ok_or_else(|| format!("`{name}` needs an argument"))?,
            };
            // Only `tagged` (and `command`) take an empty argument.
            if (value.is_empty() && name != "tagged") || value.starts_with('#') {
                return Err(format!("`{name}` needs an argument"));
            }
            Ok(value)
        };
        let test = match name.as_str() {
            "all" => {
                // As OpenSSH: `all` stands alone (one criterion before it
                // is tolerated, as OpenSSH's counting does).
                if criteria.len() > 1 || words.peek().is_some_and(|w| !w.is_empty()) {
                    return Err(format!(
                        "`{word}` cannot be combined with other Match attributes"
                    ));
                }
                Test::All
            }
            "final" => Test::Final,
            "canonical" => Test::Canonical,
            "host" => Test::Host(PatternList::new(argument()?.split(','), true)?),
            "originalhost" => Test::OriginalHost(PatternList::new(argument()?.split(','), true)?),
            "user" => Test::User(PatternList::new(argument()?.split(','), false)?),
            "localuser" => Test::LocalUser(PatternList::new(argument()?.split(','), false)?),
            "exec" => {
                let command = argument()?;
                check_tokens(&command, PATH_TOKENS)?;
                Test::Exec(command)
            }
            "tagged" => {
                let patterns = argument()?;
                Test::Tagged(if patterns.is_empty() {
                    None
                } else {
                    Some(PatternList::new(patterns.split(','), false)?)
                })
            }
            "localnetwork" | "version" | "sessiontype" | "command" => {
                return Err(format!(
                    "Match {name} is not supported by sshfleet (its block would apply differently than in ssh)"
                ));
            }
            other => return Err(format!("unknown criterion `{other}`")),
        };
        criteria.push(Criterion { negated, test });
    }
    if criteria.is_empty() {
        return Err("One or more attributes required".to_string());
    }
    Ok(Condition::Match(criteria))
}

/// The criteria OpenSSH 10.0 also reads as `criterion=argument`.
const WITH_ARGUMENT: [&str; 9] = [
    "host",
    "originalhost",
    "user",
    "localuser",
    "localnetwork",
    "version",
    "tagged",
    "command",
    "exec",
];

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
