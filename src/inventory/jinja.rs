//! The Jinja sshfleet renders in inventory values, as ansible-core 2.19
//! renders it, and nothing more: the tables below are every filter, test,
//! function, lookup plugin, string method, statement and magic variable
//! supported. A template using anything else is refused before it is
//! rendered ("filter `to_json` is not supported ..."), never approximated.
//!
//! Differences from stock minijinja handled here: string literals are raw
//! (ansible-core 2.19 does not process `\` escapes in them: `'\1'` is
//! backslash-one), values print as Python's `str()` (`True`, `None`,
//! `['a', 1]`, `1e+20`), and every filter is Ansible's (Python) semantics.
//! The operators minijinja computes differently (`~`, `%`, `/`, `//`,
//! `**`, `<`, `==`, `in`, subscripts and slices, chainable undefined) are
//! routed by [`super::rewrite`] to Python's rules (`operators.txt`, every
//! operator with an operand of each type, is Ansible's).

use minijinja::machinery::{Token, WhitespaceConfig, tokenize};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Kwargs, Rest, ValueKind};
use minijinja::{Error, ErrorKind, Value as J};

/// Filters, each as Ansible 2.19 / Jinja2 define it.
pub(super) const FILTERS: &[&str] = &[
    "basename",
    "bool",
    "capitalize",
    "d",
    "default",
    "dirname",
    "first",
    "format",
    "int",
    "join",
    "last",
    "length",
    "lower",
    "regex_replace",
    "replace",
    "split",
    "string",
    "trim",
    "upper",
];

/// Tests (`x is defined`).
pub(super) const TESTS: &[&str] = &["defined", "none", "number", "string", "undefined"];

/// Global functions.
pub(super) const FUNCTIONS: &[&str] = &["lookup", "query", "q"];

/// Lookup plugins (`lookup('env', 'HOME')`), with or without
/// `ansible.builtin.`.
pub(super) const LOOKUPS: &[&str] = &["env", "file"];

/// Python `str` methods (`inventory_hostname.split('.')`).
pub(super) const METHODS: &[&str] = &[
    "endswith",
    "lower",
    "lstrip",
    "replace",
    "rstrip",
    "split",
    "startswith",
    "strip",
    "upper",
];

/// Statements (`{% if %}`).
pub(super) const STATEMENTS: &[&str] = &["if", "elif", "else", "endif"];

/// The words of a Jinja expression that are operators, not names: one
/// followed by `(` (`'a' if (c) else ('b')`, `not (x)`, `x in (l)`) is
/// not a function call. (`elif`, `for` and the other statement words come
/// only after `{%`, where [`STATEMENTS`] decides.)
pub(super) const OPERATOR_WORDS: &[&str] = &["and", "else", "if", "in", "is", "not", "or"];

/// The constants of a Jinja expression: `true(1)` fails in Ansible ("'bool'
/// object is not callable"), so it is refused, but not as an unknown
/// function.
pub(super) const CONSTANTS: &[&str] = &["true", "false", "none", "True", "False", "None"];

/// Magic variables as Ansible defines them for a host of an inventory:
/// the names [`super::magic::NAMES`] computes (the others it refuses).
pub(super) const MAGIC: &[&str] = &[
    "group_names",
    "groups",
    "hostvars",
    "inventory_dir",
    "inventory_file",
    "inventory_hostname",
    "inventory_hostname_short",
];

/// The whitespace handling Ansible gives Jinja.
pub(super) fn whitespace() -> WhitespaceConfig {
    WhitespaceConfig {
        keep_trailing_newline: true,
        lstrip_blocks: false,
        trim_blocks: true,
    }
}

/// `source` made ready for minijinja: every string literal re-quoted so
/// that it reads as ansible-core 2.19 reads it (raw), after checking that
/// every filter, test, function, method and statement is in the tables.
pub(super) fn prepare(source: &str) -> Result<String, String> {
    let tokens: Vec<(Token<'_>, minijinja::machinery::Span)> =
        tokenize(source, false, SyntaxConfig, whitespace())
            .collect::<Result<_, _>>()
            .map_err(|e| format!("template syntax error: {e}"))?;
    let mut out = String::with_capacity(source.len());
    let mut copied = 0usize;
    for (i, (token, span)) in tokens.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| &tokens[p].0);
        let next = tokens.get(i + 1).map(|t| &t.0);
        match token {
            Token::Str(_) | Token::String(_) => {
                let start = span.start_offset as usize;
                let end = span.end_offset as usize;
                let raw = source
                    .get(start + 1..end.saturating_sub(1))
                    .ok_or("template string literal out of place")?;
                out.push_str(&source[copied..start]);
                out.push('"');
                for c in raw.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '"' => out.push_str("\\\""),
                        other => out.push(other),
                    }
                }
                out.push('"');
                copied = end;
            }
            Token::Ident(name) => check_ident(name, prev, next, &tokens, i)?,
            // `a.0.1`: Jinja2 reads two subscripts, minijinja `a` then the
            // number 0.1 (round 7: the message said Ansible fails on it).
            Token::Float(_) if matches!(prev, Some(Token::Dot)) => {
                return Err(format!(
                    "`.{}` is two subscripts to Jinja2 and a number to minijinja, so sshfleet cannot read it as Ansible does: write `[{}]`",
                    source
                        .get(span.start_offset as usize..span.end_offset as usize)
                        .unwrap_or_default(),
                    source
                        .get(span.start_offset as usize..span.end_offset as usize)
                        .unwrap_or_default()
                        .replace('.', "][")
                ));
            }
            Token::Int(_) | Token::Int128(_) | Token::Float(_)
                if !jinja2_number(source, span.start_offset as usize, span.end_offset as usize) =>
            {
                return Err(format!(
                    "the number `{}` is not one number to Jinja2 (Ansible fails on it)",
                    source
                        .get(span.start_offset as usize..span.end_offset as usize)
                        .unwrap_or_default()
                ));
            }
            // An integer literal beyond 64 bits: minijinja reads it as a
            // 128-bit integer or a float (`99999999999999999999` printed
            // `1e+20`, `% 1000` of it changed), Python keeps it exact.
            Token::Int(v) if *v > i64::MAX as u64 => return Err(beyond_64_bits(source, span)),
            Token::Int128(_) => return Err(beyond_64_bits(source, span)),
            Token::Float(_)
                if source
                    .get(span.start_offset as usize..span.end_offset as usize)
                    .is_some_and(|t| !t.contains(['.', 'e', 'E'])) =>
            {
                return Err(beyond_64_bits(source, span));
            }
            // Ansible fails on a literal beyond a float (`1e400`: "name
            // 'inf' is not defined"); minijinja would read it as inf.
            Token::Float(f) if !f.is_finite() => {
                return Err(format!(
                    "the number `{}` is beyond a float, which Ansible fails on",
                    source
                        .get(span.start_offset as usize..span.end_offset as usize)
                        .unwrap_or_default()
                ));
            }
            _ => {}
        }
    }
    out.push_str(&source[copied..]);
    Ok(out)
}

fn beyond_64_bits(source: &str, span: &minijinja::machinery::Span) -> String {
    format!(
        "the integer `{}` is beyond 64 bits, which sshfleet does not compute (Python's integers are unbounded)",
        source
            .get(span.start_offset as usize..span.end_offset as usize)
            .unwrap_or_default()
    )
}

/// Whether Jinja2's lexer reads the number minijinja read at
/// `start..end` as that same one token: Jinja2 3.x's `float_re` (tried
/// first, never after a `.`) and `integer_re`, which refuse what minijinja
/// accepts (`022`, `007`, `0_7`, `5.`, `1.e3`: a leading zero, or a `.`
/// without digits on both sides).
fn jinja2_number(source: &str, start: usize, end: usize) -> bool {
    static FLOAT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)^(\d+_)*\d+((\.(\d+_)*\d+)?e[+\-]?(\d+_)*\d+|\.(\d+_)*\d+)")
            .unwrap_or_else(|_| unreachable!("a fixed pattern"))
    });
    static INTEGER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)^(0b(_?[0-1])+|0o(_?[0-7])+|0x(_?[\da-f])+|[1-9](_?\d)*|0(_?0)*)")
            .unwrap_or_else(|_| unreachable!("a fixed pattern"))
    });
    let Some(rest) = source.get(start..) else {
        return false;
    };
    let after_dot = source.get(..start).is_some_and(|s| s.ends_with('.'));
    let matched = (!after_dot)
        .then(|| FLOAT.find(rest))
        .flatten()
        .or_else(|| INTEGER.find(rest));
    matched.is_some_and(|m| m.end() == end - start)
}

fn check_ident(
    name: &str,
    prev: Option<&Token<'_>>,
    next: Option<&Token<'_>>,
    tokens: &[(Token<'_>, minijinja::machinery::Span)],
    i: usize,
) -> Result<(), String> {
    let refuse = |what: &str, table: &[&str]| {
        Err(format!(
            "{what} `{name}` is not supported by sshfleet (supported: {})",
            table.join(", ")
        ))
    };
    let after_is = match prev {
        Some(Token::Ident("is")) => true,
        Some(Token::Ident("not")) => {
            matches!(
                i.checked_sub(2).map(|p| &tokens[p].0),
                Some(Token::Ident("is"))
            )
        }
        _ => false,
    };
    let call = matches!(next, Some(Token::ParenOpen));
    match prev {
        Some(Token::Pipe) if !FILTERS.contains(&name) => return refuse("filter", FILTERS),
        Some(Token::Pipe) => return Ok(()),
        Some(Token::BlockStart) if !STATEMENTS.contains(&name) => {
            return refuse("statement", STATEMENTS);
        }
        Some(Token::BlockStart) => return Ok(()),
        Some(Token::Dot) if call && !METHODS.contains(&name) => return refuse("method", METHODS),
        Some(Token::Dot) => return Ok(()),
        _ => {}
    }
    if after_is && name != "not" {
        return if TESTS.contains(&name) {
            Ok(())
        } else {
            refuse("test", TESTS)
        };
    }
    // `x if (c) else y`, `a and (b)`: an operator word before a
    // parenthesis is not a call.
    if call && CONSTANTS.contains(&name) {
        return Err(format!(
            "`{name}(...)`: `{name}` is a constant, not a function (Ansible fails: \
             the object is not callable)"
        ));
    }
    if call && !OPERATOR_WORDS.contains(&name) && !FUNCTIONS.contains(&name) {
        return refuse("function", FUNCTIONS);
    }
    // A name read as a variable: refused where Ansible's value depends
    // on the play (also under `default`, `is defined`: checked here,
    // before anything is rendered, and again where it is read).
    if let Some(why) = super::magic::refusal(name) {
        return Err(why);
    }
    match super::magic::kind(name) {
        Some(super::magic::Kind::Vars)
            if !matches!(next, Some(Token::BracketOpen | Token::Dot)) =>
        {
            Err(super::magic::vars_refusal("read whole"))
        }
        Some(super::magic::Kind::Function) if !call => Err(format!(
            "`{name}` is a function of Ansible's templates, not a variable: sshfleet supports it only as a call `{name}(...)`"
        )),
        _ => Ok(()),
    }
}

/// Instructions one template may run (a loop of repeated work ends here).
pub(super) const FUEL: u64 = 50_000;
/// Largest text one template may render to.
pub(super) const MAX_OUTPUT: usize = 64 * 1024;

/// Python's `str()` of a value. Undefined, or undefined inside a list or
/// mapping (`[nope]`), is an error, as in Ansible.
pub(super) fn py_str(value: &J) -> Result<String, Error> {
    if let Some(undefined) = find_undefined(value) {
        return Err(undefined);
    }
    Ok(match value.kind() {
        ValueKind::String => value.as_str().unwrap_or_default().to_string(),
        _ => match super::timestamp::in_template(value) {
            Some(stamp) => stamp.py_str(),
            None => py_repr(value),
        },
    })
}

fn find_undefined(value: &J) -> Option<Error> {
    match value.kind() {
        ValueKind::Undefined => Some(Error::new(ErrorKind::UndefinedError, "undefined value")),
        ValueKind::Seq => value.try_iter().ok()?.find_map(|v| find_undefined(&v)),
        ValueKind::Map => value
            .try_iter()
            .ok()?
            .find_map(|k| find_undefined(&value.get_item(&k).unwrap_or_default())),
        _ => None,
    }
}

pub(super) use super::pyrepr::{as_float, is_int, py_repr, refuse};

pub(super) use super::pynum::py_float;

/// `lookup(...)`, `query(...)`/`q(...)`: the tables' lookup plugins, with
/// Ansible's joining (`,`) or list result.
pub(super) fn lookup(plugin: String, terms: Rest<J>, kwargs: Kwargs) -> Result<J, Error> {
    run_lookup(plugin, terms, kwargs, false)
}

/// `query(...)`/`q(...)`: the lookup's values as a list.
pub(super) fn query(plugin: String, terms: Rest<J>, kwargs: Kwargs) -> Result<J, Error> {
    run_lookup(plugin, terms, kwargs, true)
}

fn run_lookup(plugin: String, terms: Rest<J>, kwargs: Kwargs, list: bool) -> Result<J, Error> {
    let name = plugin.strip_prefix("ansible.builtin.").unwrap_or(&plugin);
    let values = match name {
        "env" => super::lookups::env(&terms, &kwargs, &|name| {
            ENV_READ.with(|read| read.borrow_mut().push(name.to_string()));
            // `ESA_PASSWORD`: a secret-named variable's value is a
            // secret wherever it is used.
            if crate::support::secrets::is_secret_name(name)
                && let Ok(value) = std::env::var(name)
            {
                crate::support::secrets::remember(&value);
            }
        })?,
        "file" => super::lookups::file(&terms, &kwargs, MAX_OUTPUT)?,
        other => {
            return Err(refuse(format!(
                "lookup plugin `{other}` is not supported by sshfleet (supported: {})",
                LOOKUPS.join(", ")
            )));
        }
    };
    Ok(if list {
        J::from(values)
    } else {
        super::lookups::lookup_value(values)
    })
}

thread_local! {
    /// The environment variables `lookup('env', ...)` read in the variable
    /// being rendered on this thread (rendering is synchronous): one that
    /// holds a password makes the value a secret (template.rs).
    static ENV_READ: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The environment variables read since the last call, forgotten.
pub(super) fn take_env_read() -> Vec<String> {
    ENV_READ.with(|read| std::mem::take(&mut *read.borrow_mut()))
}

/// The variables read before a nested rendering, with those it read:
/// the outer variable read them too.
pub(super) fn restore_env_read(mut outer: Vec<String>, inner: Vec<String>) {
    outer.extend(inner);
    ENV_READ.with(|read| *read.borrow_mut() = outer);
}
