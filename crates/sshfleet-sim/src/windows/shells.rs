//! How the two shells OpenSSH for Windows may run a command read it
//! (docs/DEVICES.md, "Windows endpoints over OpenSSH for Windows"): cmd.exe's
//! command line and its errors, and `powershell.exe -Command` /
//! `-EncodedCommand` with the CLIXML a redirected stderr gets.

use super::*;

/// One command line, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    /// `Get-ChildItem -Directory -Name 'DIR'`.
    ListFolders {
        dir: String,
    },
    /// [`SERVICE_QUERY`]: the connector's service and its executable.
    Services,
    Posture {
        folder: String,
    },
    ForceUpdate {
        folder: String,
    },
    /// A connector program run with arguments it does not know.
    BadArguments {
        folder: String,
        program: Program,
    },
    Resolve {
        name: String,
    },
    /// `curl.exe -v [-x PROXY] https://SERVER`.
    Curl {
        server: String,
        proxy: Option<String>,
    },
    /// `(Select-Xml -Path 'DIR\local.xml' -XPath '//tetra/lasterror').Node.InnerText`.
    LastError {
        dir: String,
    },
    /// Not a cmdlet, function, script or program: `term` as PowerShell
    /// names it, at `column` (1-based) in the line.
    NotRecognized {
        term: String,
        column: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Program {
    AmpCli,
    Sfc,
}

impl Command {
    pub(crate) fn parse(line: &str) -> Command {
        let line = line.trim();
        if line.eq_ignore_ascii_case(SERVICE_QUERY) {
            return Command::Services;
        }
        if let Some(dir) = strip_prefix_ci(line, "Get-ChildItem -Directory -Name '")
            .and_then(|rest| rest.strip_suffix('\''))
            .filter(|dir| !dir.contains('\''))
        {
            return Command::ListFolders {
                dir: dir.to_string(),
            };
        }
        if let Some(dir) = strip_prefix_ci(line, "(Select-Xml -Path '")
            .and_then(|rest| {
                let tail = "\\local.xml' -XPath '//tetra/lasterror').Node.InnerText";
                let cut = rest.len().checked_sub(tail.len())?;
                rest.get(cut..)?
                    .eq_ignore_ascii_case(tail)
                    .then(|| &rest[..cut])
            })
            .filter(|dir| !dir.contains('\''))
        {
            return Command::LastError {
                dir: dir.to_string(),
            };
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let https = |url: &str| {
            let server = strip_prefix_ci(url, "https://")?.trim_end_matches('/');
            (!server.is_empty() && !server.contains('/')).then(|| server.to_string())
        };
        match words.as_slice() {
            [cmd, opt, name] if is(cmd, "Resolve-DnsName") && is(opt, "-Name") => {
                return Command::Resolve {
                    name: (*name).to_string(),
                };
            }
            [cmd, opt, url] if is(cmd, "curl.exe") && is(opt, "-v") => {
                if let Some(server) = https(url) {
                    return Command::Curl {
                        server,
                        proxy: None,
                    };
                }
            }
            [cmd, v, x, proxy, url] if is(cmd, "curl.exe") && is(v, "-v") && is(x, "-x") => {
                if let Some(server) = https(url) {
                    return Command::Curl {
                        server,
                        proxy: Some((*proxy).to_string()),
                    };
                }
            }
            _ => {}
        }
        if let Some(rest) = line.strip_prefix('&') {
            return parse_call(line, rest);
        }
        let term = words.first().copied().unwrap_or_default().to_string();
        Command::NotRecognized { term, column: 1 }
    }
}

pub(super) fn is(word: &str, expected: &str) -> bool {
    word.eq_ignore_ascii_case(expected)
}

pub(super) fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// `& 'PATH' ARGS`: a program under a connector folder, or not recognized.
pub(super) fn parse_call(line: &str, rest: &str) -> Command {
    let trimmed = rest.trim_start();
    let column = call_column(line);
    let (path, args) = match trimmed.chars().next() {
        Some(q @ ('\'' | '"')) => match trimmed[1..].split_once(q) {
            Some((path, args)) => (path, args.trim()),
            None => (&trimmed[1..], ""),
        },
        _ => trimmed.split_once(' ').unwrap_or((trimmed, "")),
    };
    let not_recognized = Command::NotRecognized {
        term: path.to_string(),
        column,
    };
    let Some((folder, exe)) = path.rsplit_once('\\') else {
        return not_recognized;
    };
    let folder = folder.to_string();
    let args: Vec<&str> = args.split_whitespace().collect();
    if is(exe, "AmpCLI.exe") {
        match args.as_slice() {
            [a] if is(a, "posture") => Command::Posture { folder },
            _ => Command::BadArguments {
                folder,
                program: Program::AmpCli,
            },
        }
    } else if is(exe, "sfc.exe") {
        match args.as_slice() {
            [a] if is(a, "-forceupdate") => Command::ForceUpdate { folder },
            _ => Command::BadArguments {
                folder,
                program: Program::Sfc,
            },
        }
    } else {
        not_recognized
    }
}

/// Where the program of `& PROGRAM` starts in a (trimmed) line, 1-based,
/// as PowerShell's `At line:1 char:N` counts.
pub(super) fn call_column(line: &str) -> usize {
    let rest = line.strip_prefix('&').unwrap_or(line);
    line.len() - rest.trim_start().len() + 1
}

/// What a PowerShell script has done so far.
pub(super) struct PsRun {
    pub(super) out: ExecOutput,
    /// `$?`
    pub(super) ok: bool,
    /// `$LASTEXITCODE`: unset until a native program ran.
    pub(super) last_exit: Option<u32>,
    /// `$ProgressPreference` is not `SilentlyContinue`.
    pub(super) progress: bool,
    pub(super) modules_loaded: bool,
    pub(super) clixml: bool,
}

impl PsRun {
    /// An error record, as plain text or as CLIXML.
    pub(super) fn error(&mut self, lines: Vec<String>) {
        self.ok = false;
        if self.clixml {
            let records: Vec<CliXml<'_>> = lines.iter().map(|l| CliXml::Error(l)).collect();
            let block = clixml(&records);
            self.out.stderr.extend(block);
        } else {
            self.out.stderr.extend(lines);
        }
    }
}

/// One record of a CLIXML block.
pub(super) enum CliXml<'a> {
    Progress(&'a str),
    /// One line of an error record.
    Error(&'a str),
}

/// A CLIXML block as PowerShell writes it to a redirected stderr: the
/// marker line, then one `<Objs>` element (docs/DEVICES.md).
pub(super) fn clixml(records: &[CliXml<'_>]) -> Vec<String> {
    let mut objs = String::from(
        r#"<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">"#,
    );
    for (id, record) in records.iter().enumerate() {
        match record {
            CliXml::Progress(activity) => objs.push_str(&format!(
                r#"<Obj S="progress" RefId="{id}"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN><MS><I64 N="SourceId">1</I64><PR N="Record"><AV>{}</AV><AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj>"#,
                xml_text(activity)
            )),
            CliXml::Error(line) => objs.push_str(&format!(
                r#"<S S="Error">{}_x000D__x000A_</S>"#,
                xml_text(line)
            )),
        }
    }
    objs.push_str("</Objs>");
    vec!["#< CLIXML".to_string(), objs]
}

/// Text as CLIXML carries it: XML's escapes, and `_x` escaped as
/// `_x005F_x` so that it is not read as a `_xHHHH_` escape.
pub(super) fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace("_x", "_x005F_x")
}

/// PowerShell's parse error for a statement it cannot read.
pub(super) fn parse_error(statement: &str, line_no: usize) -> Vec<String> {
    vec![
        format!("At line:{line_no} char:1"),
        format!("+ {statement}"),
        "Missing statement block or condition.".to_string(),
        "    + CategoryInfo          : ParserError: (:) [], ParentContainsErrorRecordException"
            .to_string(),
        "    + FullyQualifiedErrorId : MissingStatementBlock".to_string(),
    ]
}

/// `powershell[.exe] ARGS` at the start of `line`: the script it runs,
/// or PowerShell's own error for arguments it refuses; `None` when the
/// line starts another program.
pub(super) fn powershell_invocation(line: &str) -> Option<Result<PowerShell, ExecOutput>> {
    let (program, mut rest) = first_word(line);
    let name = program.rsplit('\\').next().unwrap_or(program);
    if !is(name, "powershell.exe") && !is(name, "powershell") {
        return None;
    }
    loop {
        let (word, after) = first_word(rest);
        let lower = word.to_ascii_lowercase();
        match lower.as_str() {
            "" => {
                return Some(Ok(PowerShell {
                    script: String::new(),
                    clixml: false,
                }));
            }
            "-noprofile" | "-nop" | "-noninteractive" | "-noni" | "-nologo" => rest = after,
            "-executionpolicy" | "-ep" | "-ex" => rest = first_word(after).1,
            "-encodedcommand" | "-enc" | "-e" | "-ec" => {
                let script = decode_script(first_word(after).0);
                return Some(script.map(|script| PowerShell { script, clixml: true }).ok_or_else(
                    || {
                        ExecOutput::err(
                            vec![
                                "Cannot process the command because the value specified with -EncodedCommand is not properly encoded. The value must be Base64 encoded.".to_string(),
                            ],
                            1,
                        )
                    },
                ));
            }
            "-command" | "-c" => {
                return Some(Ok(PowerShell {
                    script: after.trim().to_string(),
                    clixml: false,
                }));
            }
            _ => {
                return Some(Ok(PowerShell {
                    script: rest.trim().to_string(),
                    clixml: false,
                }));
            }
        }
    }
}

/// `-EncodedCommand`'s value: base64 of the script in UTF-16LE.
pub(crate) fn decode_script(encoded: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    if bytes.len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

/// The commands of a cmd.exe line: `&` separates them (outside double
/// quotes), and what follows an `&` is a command of its own (Microsoft
/// KB130893).
pub(super) fn cmd_commands(line: &str) -> Vec<&str> {
    let mut commands = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '&' if !quoted => {
                commands.push(&line[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    commands.push(&line[start..]);
    commands
        .into_iter()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// The first word of `text` (double quotes group and are removed, as
/// cmd.exe and PowerShell's command line both read them) and the rest.
pub(super) fn first_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    if let Some(quoted) = text.strip_prefix('"') {
        return match quoted.split_once('"') {
            Some((word, rest)) => (word, rest),
            None => (quoted, ""),
        };
    }
    match text.find(char::is_whitespace) {
        Some(at) => (&text[..at], &text[at..]),
        None => (text, ""),
    }
}

/// `text` split on `sep` outside quotes, parentheses and braces.
pub(super) fn split_top(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0usize, None, 0);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '{') => depth += 1,
            (None, ')' | '}') => depth = depth.saturating_sub(1),
            (None, c) if c == sep && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// The rest of `statement` after a leading keyword (`exit`, `if`).
pub(super) fn keyword<'a>(statement: &'a str, word: &str) -> Option<&'a str> {
    let rest = strip_prefix_ci(statement, word)?;
    (rest.is_empty() || rest.starts_with([' ', '\t', '('])).then_some(rest)
}

/// `(CONDITION) { BODY }` → (CONDITION, BODY).
pub(super) fn if_parts(rest: &str) -> Option<(&str, &str)> {
    let rest = rest.trim_start().strip_prefix('(')?;
    let close = matching(rest, '(', ')')?;
    let condition = &rest[..close];
    let body = rest[close + 1..].trim_start().strip_prefix('{')?;
    let end = matching(body, '{', '}')?;
    body[end + 1..]
        .trim()
        .is_empty()
        .then_some((condition, &body[..end]))
}

/// Where the bracket closing an already opened `open` is in `text`.
pub(super) fn matching(text: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 1usize;
    for (i, c) in text.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

pub(super) fn amp_path(folder: &str, exe: &str) -> String {
    format!("{folder}\\{exe}")
}

/// The condition the playbook's HTTPS check starts with: curl.exe is not
/// on this endpoint.
pub(super) const CURL_MISSING: &str = "-not (Get-Command curl.exe -ErrorAction SilentlyContinue)";

/// A cmdlet's error for a path that does not exist (exit status 1).
pub(super) fn not_found(line: &str, cmdlet: &str, path: &str) -> ExecOutput {
    ExecOutput::err(
        vec![
            format!("{cmdlet} : Cannot find path '{path}' because it does not exist."),
            "At line:1 char:1".to_string(),
            format!("+ {}", line.trim()),
            format!(
                "    + CategoryInfo          : ObjectNotFound: ({}:String) [{cmdlet}], ItemNotFoundException",
                ellipsize(path)
            ),
            format!(
                "    + FullyQualifiedErrorId : PathNotFound,Microsoft.PowerShell.Commands.{}Command",
                cmdlet.replace('-', "")
            ),
            " ".to_string(),
        ],
        1,
    )
}

/// PowerShell's error for a name that is no command, as `powershell -c`
/// prints it (exit status 1).
pub(super) fn not_recognized(line: &str, term: &str, column: usize) -> ExecOutput {
    let line = line.trim();
    // `& 'path'` names the call operator; the underline covers the quoted path.
    let (who, width) = if line.starts_with('&') {
        let quoted = line
            .get(column.saturating_sub(1)..)
            .and_then(|rest| {
                let q = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
                rest[1..].find(q).map(|end| end + 2)
            })
            .unwrap_or(term.chars().count());
        ("&", quoted)
    } else {
        (term, term.chars().count())
    };
    let lines = vec![
        format!(
            "{who} : The term '{term}' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again."
        ),
        format!("At line:1 char:{column}"),
        format!("+ {line}"),
        format!(
            "+ {}{}",
            " ".repeat(column.saturating_sub(1)),
            "~".repeat(width.max(1))
        ),
        format!(
            "    + CategoryInfo          : ObjectNotFound: ({}:String) [], CommandNotFoundException",
            ellipsize(term)
        ),
        "    + FullyQualifiedErrorId : CommandNotFoundException".to_string(),
        " ".to_string(),
    ];
    ExecOutput::err(lines, 1)
}

/// PowerShell shortens a long target in CategoryInfo to 40 characters.
pub(super) fn ellipsize(term: &str) -> String {
    let chars: Vec<char> = term.chars().collect();
    if chars.len() <= 40 {
        return term.to_string();
    }
    let head: String = chars[..18].iter().collect();
    let tail: String = chars[chars.len() - 19..].iter().collect();
    format!("{head}...{tail}")
}
