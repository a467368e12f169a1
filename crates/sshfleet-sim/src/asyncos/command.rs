//! One AsyncOS CLI line, parsed: words as the CLI splits them (quotes
//! group), `grep`'s arguments or its usage.

/// One CLI line, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    Empty,
    Version,
    Status,
    Grep {
        pattern: String,
        insensitive: bool,
        log: String,
    },
    Tail {
        log: String,
    },
    EcUpdate {
        force: bool,
    },
    DisplayAlerts,
    Exit,
    /// A known command used wrongly: print this line.
    Usage(String),
    Unknown(String),
}

impl Command {
    pub(crate) fn parse(line: &str) -> Command {
        let words = split_words(line);
        let Some((first, args)) = words.split_first() else {
            return Command::Empty;
        };
        match first.to_ascii_lowercase().as_str() {
            "version" => Command::Version,
            "status" => Command::Status,
            "displayalerts" => Command::DisplayAlerts,
            "exit" | "quit" => Command::Exit,
            "grep" => parse_grep(args),
            "tail" => match args.iter().find(|a| !a.starts_with('-')) {
                Some(log) => Command::Tail { log: log.clone() },
                None => Command::Usage("Usage: tail log_name".to_string()),
            },
            "ecupdate" => match args {
                [] => Command::EcUpdate { force: false },
                [f] if f.eq_ignore_ascii_case("force") => Command::EcUpdate { force: true },
                _ => Command::Usage("Usage: ecupdate [force]".to_string()),
            },
            _ => Command::Unknown(line.trim().to_string()),
        }
    }
}

pub(super) const GREP_USAGE: &str = "Usage: grep [-i] [-e] \"regex\" log_name";

pub(super) fn parse_grep(args: &[String]) -> Command {
    let mut insensitive = false;
    let mut pattern = None;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-i" => insensitive = true,
            "-e" => match it.next() {
                Some(p) => pattern = Some(p.clone()),
                None => return Command::Usage(GREP_USAGE.to_string()),
            },
            _ => rest.push(arg.clone()),
        }
    }
    let mut rest = rest.into_iter();
    let pattern = match pattern {
        Some(p) => p,
        None => match rest.next() {
            Some(p) => p,
            None => return Command::Usage(GREP_USAGE.to_string()),
        },
    };
    match (rest.next(), rest.next()) {
        (Some(log), None) => Command::Grep {
            pattern,
            insensitive,
            log,
        },
        _ => Command::Usage(GREP_USAGE.to_string()),
    }
}

/// Splits a CLI line into words; double or single quotes group a word and
/// are removed (`grep "Warning|Critical" ecs`).
pub(super) fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => word.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            None => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}
