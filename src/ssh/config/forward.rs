//! Forwarding specifications (`LocalForward`, `RemoteForward`,
//! `DynamicForward`, and `-L -R -D`) as OpenSSH 9.2's readconf.c reads
//! them (`parse_forward`, `parse_fwd_field`, `a2port`). sshfleet opens no
//! forwarding: it only needs to refuse what ssh refuses.

use super::cnum::strtonum;

/// Which forwarding a specification is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Forward {
    Local,
    Remote,
    Dynamic,
}

/// The line's arguments as readconf.c's forwarding case joins them:
/// `LocalForward` needs two, `RemoteForward` one (dynamic) or two,
/// `DynamicForward` one.
pub(super) fn check_forward(kind: Forward, args: &[String]) -> Result<(), String> {
    let bad = || Err("Bad forwarding specification".to_string());
    let first = match args.first() {
        Some(first) if !first.is_empty() => first,
        _ => return Err("missing argument".to_string()),
    };
    let (spec, dynamic, used) = match (kind, args.get(1).filter(|a| !a.is_empty())) {
        (Forward::Dynamic, _) => (first.clone(), true, 1),
        (Forward::Remote, None) => (first.clone(), true, 1),
        (Forward::Local, None) => return Err("Missing target argument".to_string()),
        (_, Some(second)) => (format!("{first}:{second}"), false, 2),
    };
    if args.len() > used {
        return Err(format!(
            "garbage at end of line: `{}` (OpenSSH refuses it too)",
            args[used..].join(" ")
        ));
    }
    if let Some(name) = unset_variable(&spec) {
        return Err(format!("environment variable `{name}` is not set"));
    }
    match parse_forward(&spec, dynamic, kind == Forward::Remote) {
        true => Ok(()),
        false => bad(),
    }
}

/// `dollar_expand`: a `${NAME}` that is not set (or not closed) is an
/// error; its name.
fn unset_variable(spec: &str) -> Option<&str> {
    let mut rest = spec;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start + 2..].find('}') else {
            return Some(&rest[start..]);
        };
        let name = &rest[start + 2..start + 2 + len];
        if std::env::var_os(name).is_none() {
            return Some(name);
        }
        rest = &rest[start + 3 + len..];
    }
    None
}

struct Field {
    arg: String,
    is_path: bool,
}

/// `parse_fwd_field`: a field in `[]` taken literally (it must end the
/// spec or be followed by `:`), else up to the next `:` with `\` escaping
/// the next character; a `/` makes it a path.
fn fields(spec: &str) -> Option<Vec<Field>> {
    let mut out = Vec::new();
    let mut rest = spec.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\u{b}');
    while !rest.is_empty() && out.len() < 4 {
        if let Some(inner) = rest.strip_prefix('[') {
            let end = inner.find(']')?;
            let after = &inner[end + 1..];
            let arg = &inner[..end];
            out.push(Field {
                arg: arg.to_string(),
                is_path: arg.contains('/'),
            });
            rest = match after.strip_prefix(':') {
                Some(more) => more,
                None if after.is_empty() => after,
                None => return None,
            };
            continue;
        }
        let mut arg = String::new();
        let mut is_path = false;
        let mut chars = rest.char_indices();
        let mut next = rest.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => arg.push(chars.next()?.1),
                '/' => {
                    is_path = true;
                    arg.push(c);
                }
                ':' => {
                    next = i + 1;
                    break;
                }
                c => arg.push(c),
            }
        }
        out.push(Field { arg, is_path });
        rest = &rest[next..];
    }
    // Trailing garbage: a fifth field.
    rest.is_empty().then_some(out)
}

/// `a2port`: a number 0 to 65535, else a TCP service name; -1 if neither.
fn a2port(text: &str) -> i64 {
    strtonum(text, 0, 65535)
        .or_else(|| service_port(text))
        .unwrap_or(-1)
}

/// `getservbyname(name, "tcp")` as `/etc/services` answers it.
fn service_port(name: &str) -> Option<i64> {
    let services =
        crate::support::bounds::read_input(std::path::Path::new("/etc/services")).ok()?;
    services.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or_default();
        let mut words = line.split_whitespace();
        let first = words.next()?;
        let (port, proto) = words.next()?.split_once('/')?;
        let named = first == name || words.any(|alias| alias == name);
        (named && proto == "tcp")
            .then(|| port.parse().ok())
            .flatten()
    })
}

/// `parse_forward`: one to four fields, read by their count and which are
/// paths; the ports checked as ssh checks them.
pub(crate) fn parse_forward(spec: &str, dynamic: bool, remote: bool) -> bool {
    valid_forward(spec, dynamic, remote).is_some()
}

fn valid_forward(spec: &str, dynamic: bool, remote: bool) -> Option<()> {
    if unset_variable(spec).is_some() {
        return None;
    }
    // The fields are read after `${NAME}` is expanded, as ssh reads them.
    let mut expanded = String::new();
    let mut rest = spec;
    while let Some(start) = rest.find("${") {
        let len = rest[start + 2..].find('}')?;
        expanded.push_str(&rest[..start]);
        expanded.push_str(&std::env::var(&rest[start + 2..start + 2 + len]).ok()?);
        rest = &rest[start + 3 + len..];
    }
    expanded.push_str(rest);
    let f = fields(&expanded)?;
    // (listen port, listen path?, connect port, connect path?)
    let stream = -2;
    let (listen, listen_path, connect, connect_path) = match f.as_slice() {
        [a] if a.is_path => (stream, true, 0, false),
        [a] => (a2port(&a.arg), false, 0, false),
        [a, b] if a.is_path && b.is_path => (stream, true, stream, true),
        [a, b] if b.is_path => (a2port(&a.arg), false, stream, true),
        [_, b] => (a2port(&b.arg), false, 0, false),
        [a, _, c] if a.is_path => (stream, true, a2port(&c.arg), false),
        [_, b, c] if c.is_path => (a2port(&b.arg), false, stream, true),
        [a, _, c] => (a2port(&a.arg), false, a2port(&c.arg), false),
        [_, b, _, d] => (a2port(&b.arg), false, a2port(&d.arg), false),
        _ => return None,
    };
    let count = f.len();
    if dynamic {
        if count > 2 {
            return None;
        }
    } else {
        if count < 3 && !connect_path && !listen_path {
            return None;
        }
        if connect <= 0 && !connect_path {
            return None;
        }
    }
    if (listen < 0 && !listen_path) || (!remote && listen == 0) {
        return None;
    }
    Some(())
}
