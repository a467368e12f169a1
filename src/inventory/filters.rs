//! The filters, tests and `str` methods of [`super::jinja`]'s tables, each
//! with Python's / Ansible's semantics. Anything a filter cannot do
//! exactly as Ansible does is an error, not an approximation.

use minijinja::value::{Kwargs, Rest, ValueKind};
use minijinja::{Environment, Error, State, Value as J};

use super::jinja::{self, py_str, refuse};
use super::pyargs::{Arg, take};
use super::pynum::{self, PyNum, py_isspace};
use super::pyre;

/// Adds the tables' filters, tests and functions to `env`.
pub(super) fn register(env: &mut Environment<'_>) {
    env.add_filter("basename", basename);
    env.add_filter("bool", to_bool);
    env.add_filter("capitalize", capitalize);
    env.add_filter("d", default);
    env.add_filter("default", default);
    env.add_filter("dirname", dirname);
    env.add_filter("first", first);
    env.add_filter("format", format);
    env.add_filter("int", int);
    env.add_filter("join", join);
    env.add_filter("last", last);
    env.add_filter("length", length);
    env.add_filter("lower", |v: &J| -> Result<J, Error> {
        Ok(J::from(super::pycase::lower(
            &take("lower", "value", v)?.text(),
        )))
    });
    env.add_filter("regex_replace", regex_replace);
    env.add_filter("replace", replace);
    env.add_filter("split", |v: &J, sep: Option<J>, max: Option<J>| {
        let sep = optional("split", "sep", sep)?.map(Arg::text);
        let max = optional("split", "maxsplit", max)?.map_or(-1, Arg::int);
        let text = take("split", "value", v)?.text();
        Ok::<J, Error>(J::from(py_split(&text, sep.as_deref(), max)?))
    });
    env.add_filter("string", |v: &J| -> Result<J, Error> {
        Ok(J::from(py_str(defined(v)?)?))
    });
    env.add_filter("trim", |v: &J, chars: Option<J>| -> Result<J, Error> {
        let chars = optional("trim", "chars", chars)?.map(Arg::text);
        let text = take("trim", "value", v)?.text();
        Ok(J::from(py_strip(&text, chars.as_deref(), true, true)))
    });
    env.add_filter("upper", |v: &J| -> Result<J, Error> {
        Ok(J::from(super::pycase::upper(
            &take("upper", "value", v)?.text(),
        )))
    });
    env.add_test("defined", |v: &J| !v.is_undefined());
    env.add_test("undefined", |v: &J| v.is_undefined());
    // In 2.19 a test other than `defined`/`undefined` fails on an
    // undefined value.
    env.add_test("none", |v: &J| -> Result<bool, Error> {
        Ok(defined(v)?.is_none())
    });
    env.add_test("number", |v: &J| -> Result<bool, Error> {
        Ok(matches!(
            defined(v)?.kind(),
            ValueKind::Number | ValueKind::Bool
        ))
    });
    env.add_test("string", |v: &J| -> Result<bool, Error> {
        Ok(defined(v)?.kind() == ValueKind::String)
    });
    env.add_function("lookup", jinja::lookup);
    env.add_function("query", jinja::query);
    env.add_function("q", jinja::query);
}

/// An optional argument, converted as [`super::pyargs::PARAMS`] says.
fn optional(callee: &str, param: &str, value: Option<J>) -> Result<Option<Arg>, Error> {
    value.map(|v| take(callee, param, &v)).transpose()
}

/// `v`, unless it is undefined (only `default` accepts that).
fn defined(v: &J) -> Result<&J, Error> {
    if v.is_undefined() {
        Err(Error::new(
            minijinja::ErrorKind::UndefinedError,
            "undefined value",
        ))
    } else {
        Ok(v)
    }
}

/// The text of a string value; anything else is refused (Ansible would
/// apply the filter to `str(value)` or fail; sshfleet does not guess).
fn text(v: &J) -> Result<String, Error> {
    match v.kind() {
        ValueKind::String => Ok(v.as_str().unwrap_or_default().to_string()),
        ValueKind::Undefined => Err(Error::new(
            minijinja::ErrorKind::UndefinedError,
            "undefined value",
        )),
        _ => Err(refuse(format!(
            "this filter or method is applied to `{}`, which is not text",
            jinja::py_repr(v)
        ))),
    }
}

/// Jinja2's `default(value, default_value='', boolean=False)`. The default
/// is given back as it is, undefined too (`default(nope)` of an undefined
/// value stays undefined, an error where it is used, as in Ansible).
fn default(v: J, args: Rest<J>) -> Result<J, Error> {
    if args.iter().any(J::is_kwargs) || args.len() > 2 {
        return Err(refuse(
            "default takes at most two arguments, without names (default(value, true))".to_string(),
        ));
    }
    let boolean = match args.get(1) {
        None => false,
        Some(b) if b.kind() == ValueKind::Bool => b.is_true(),
        Some(b) => {
            return Err(refuse(format!(
                "default: the second argument `{}` is not a boolean",
                jinja::py_repr(b)
            )));
        }
    };
    Ok(if v.is_undefined() || (boolean && !v.is_true()) {
        args.first().cloned().unwrap_or_else(|| J::from(""))
    } else {
        v
    })
}

/// ansible-core 2.19's `bool` filter (`to_bool`) reads exactly these
/// words: a string lowered (`'YES'`), an integer or boolean as its
/// `str()` lowered (`1`, `True`). Anything else (`'y'`, `' yes'`, `2`,
/// `1.0`, `None`, a list) Ansible coerces with a deprecation warning
/// (`'y'` becomes False, unlike `ansible.module_utils` `boolean()`), so
/// sshfleet refuses it rather than pick one of the two meanings.
pub(super) const BOOL_WORDS: &[(&str, bool)] = &[
    ("yes", true),
    ("on", true),
    ("true", true),
    ("1", true),
    ("no", false),
    ("off", false),
    ("false", false),
    ("0", false),
];

/// Ansible's `bool`: the values it reads without a deprecation warning
/// ([`BOOL_WORDS`]); the rest refused, naming what Ansible would do.
fn to_bool(v: &J) -> Result<bool, Error> {
    let key = match defined(v)?.kind() {
        ValueKind::String => Some(super::pycase::lower(v.as_str().unwrap_or_default())),
        ValueKind::Bool => Some(if v.is_true() { "true" } else { "false" }.to_string()),
        ValueKind::Number if jinja::is_int(v) => Some(v.to_string()),
        _ => None,
    };
    key.and_then(|k| BOOL_WORDS.iter().find(|(w, _)| *w == k).map(|(_, b)| *b))
        .ok_or_else(|| {
            refuse(format!(
                "`{} | bool`: ansible-core 2.19 reads only yes/on/true/1 and no/off/false/0 \
                 (any case, no spaces), true/false and the integers 1/0; it coerces anything \
                 else with a deprecation warning (`'y' | bool` is False there), so sshfleet \
                 refuses it",
                jinja::py_repr(v)
            ))
        })
}

/// Python's `str.capitalize()`.
fn capitalize(v: &J) -> Result<String, Error> {
    Ok(super::pycase::capitalize(
        &take("capitalize", "value", v)?.text(),
    ))
}

/// `os.path.basename`.
fn basename(v: &J) -> Result<String, Error> {
    let s = text(v)?;
    Ok(s.rsplit('/').next().unwrap_or_default().to_string())
}

/// `os.path.dirname`.
fn dirname(v: &J) -> Result<String, Error> {
    let s = text(v)?;
    let Some(i) = s.rfind('/') else {
        return Ok(String::new());
    };
    let head = &s[..=i];
    let trimmed = head.trim_end_matches('/');
    Ok(if trimmed.is_empty() { head } else { trimmed }.to_string())
}

fn items(v: &J) -> Result<Vec<J>, Error> {
    match v.kind() {
        ValueKind::String => Ok(v
            .as_str()
            .unwrap_or_default()
            .chars()
            .map(|c| J::from(c.to_string()))
            .collect()),
        ValueKind::Seq | ValueKind::Iterable => Ok(v.try_iter()?.collect()),
        ValueKind::Undefined => Err(Error::new(
            minijinja::ErrorKind::UndefinedError,
            "undefined value",
        )),
        _ => Err(refuse(format!("`{}` is not a list", jinja::py_repr(v)))),
    }
}

// `first`, `last` and `length` of a text look at its characters in place:
// `items` makes a value of each (tens of bytes per character of a text
// that may be large).

fn first(v: &J) -> Result<J, Error> {
    if let Some(text) = v.as_str() {
        return Ok(text.chars().next().map_or(J::UNDEFINED, J::from));
    }
    Ok(items(v)?.into_iter().next().unwrap_or(J::UNDEFINED))
}

fn last(v: &J) -> Result<J, Error> {
    if let Some(text) = v.as_str() {
        return Ok(text.chars().next_back().map_or(J::UNDEFINED, J::from));
    }
    Ok(items(v)?.pop().unwrap_or(J::UNDEFINED))
}

fn length(v: &J) -> Result<usize, Error> {
    match v.kind() {
        ValueKind::Map => Ok(v.len().unwrap_or(0)),
        // Python's len() of a str: its code points.
        ValueKind::String => Ok(v.as_str().unwrap_or_default().chars().count()),
        _ => Ok(items(v)?.len()),
    }
}

/// Jinja2's `join`: `str()` of each item.
fn join(v: &J, sep: Option<J>) -> Result<String, Error> {
    let sep = optional("join", "d", sep)?.map(Arg::text);
    let items = items(v)?;
    for item in &items {
        defined(item)?;
    }
    let sep = sep.as_deref().unwrap_or("");
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(&py_str(item)?);
        within_bound("join", out.len())?;
    }
    Ok(out)
}

/// `'%s-%d' | format(a, b)`: Python's `%` with `%s`, `%d`, `%i`, `%%`.
pub(super) fn format(v: &J, args: Rest<J>) -> Result<String, Error> {
    let fmt = take("format", "value", v)?.text();
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let arg = |args: &mut std::slice::Iter<'_, J>| {
            let a = args
                .next()
                .cloned()
                .ok_or_else(|| refuse("format: not enough arguments".to_string()))?;
            defined(&a)?;
            Ok::<J, Error>(a)
        };
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s') => {
                out.push_str(&py_str(&arg(&mut args)?)?);
                within_bound("format", out.len())?;
            }
            Some('d' | 'i') => {
                let a = arg(&mut args)?;
                match (int_of(&a), jinja::as_float(&a)) {
                    (Some(n), _) => out.push_str(&n.to_string()),
                    // A float beyond 64 bits: Python's `%d` prints its
                    // integer part exactly (`'%d' % 3e20`), as Rust does.
                    (None, Some(f)) if a.kind() == ValueKind::Number && f.is_finite() => {
                        out.push_str(&format!("{:.0}", f.trunc()));
                    }
                    _ => return Err(refuse(format!("format: `{a}` is not a number"))),
                }
            }
            other => {
                return Err(refuse(format!(
                    "format: the conversion `%{}` is not supported (only %s, %d, %i, %%)",
                    other.map(String::from).unwrap_or_default()
                )));
            }
        }
    }
    if args.next().is_some() {
        return Err(refuse(
            "format: not all arguments converted during string formatting".to_string(),
        ));
    }
    Ok(out)
}

/// Python's `int(v)` of a number or boolean, when within 64 bits.
fn int_of(v: &J) -> Option<i64> {
    match v.kind() {
        ValueKind::Bool => Some(i64::from(v.is_true())),
        ValueKind::Number if jinja::is_int(v) => i64::try_from(v.clone()).ok(),
        ValueKind::Number => match jinja::as_float(v).and_then(pynum::float_to_int) {
            Some(PyNum::Int(n)) => Some(n),
            _ => None,
        },
        _ => None,
    }
}

/// Jinja2's `int` (`do_int`): Python's `int(value, base)` for text (else
/// `int(value)`), else `int(float(value))`, else the default (0). A value
/// beyond 64 bits, or text sshfleet does not read as Python does, is
/// refused.
fn int(v: &J, default: Option<J>, base: Option<J>, kwargs: Kwargs) -> Result<J, Error> {
    defined(v)?;
    let default = match kwargs.get::<Option<J>>("default")? {
        Some(d) => Some(d),
        None => default,
    };
    let base = match kwargs.get::<Option<J>>("base")? {
        Some(b) => Some(b),
        None => base,
    };
    kwargs.assert_all_used()?;
    let fallback = default.unwrap_or(J::from(0));
    let refused = |why: String| refuse(format!("`{v}` | int: {why}"));
    if matches!(v.kind(), ValueKind::Bool | ValueKind::Number) {
        return match int_of(v) {
            Some(n) => Ok(J::from(n)),
            None if jinja::as_float(v).is_some_and(f64::is_nan) => Ok(fallback),
            None => Err(refused(
                "a number beyond 64 bits or infinite, which sshfleet does not convert".to_string(),
            )),
        };
    }
    let Some(s) = v.as_str() else {
        return Ok(fallback);
    };
    let base = match base {
        None => Some(10),
        Some(b) if b.kind() == ValueKind::Bool || jinja::is_int(&b) => int_of(&b),
        // int(text, 'x') and int(text, 2.0) are TypeErrors: the float
        // step follows.
        Some(_) => None,
    };
    let first = base.map_or(PyNum::Invalid, |b| pynum::py_int(s, b));
    let outcome = match first {
        PyNum::Invalid => pynum::py_int_of_float(s),
        other => other,
    };
    match outcome {
        PyNum::Int(n) => Ok(J::from(n)),
        PyNum::Invalid => Ok(fallback),
        PyNum::Refused(why) => Err(refused(why)),
    }
}

/// Jinja2's `replace(old, new, count)`: Python's `str.replace`.
fn replace(v: &J, old: J, new: J, count: Option<J>) -> Result<String, Error> {
    let s = take("replace", "value", v)?.text();
    let old = take("replace", "old", &old)?.text();
    let new = take("replace", "new", &new)?.text();
    let limit = optional("replace", "count", count)?.and_then(|n| usize::try_from(n.int()).ok());
    py_replace(&s, &old, &new, limit)
}

/// Python's `str.replace`, refusing before it builds a text larger than
/// a template may render to (ten chained `replace('x', 'xxxxxxxxxx')`
/// would build 10 GB).
fn py_replace(s: &str, old: &str, new: &str, limit: Option<usize>) -> Result<String, Error> {
    let hits = s.matches(old).take(limit.unwrap_or(usize::MAX)).count();
    let size = s
        .len()
        .saturating_add(hits.saturating_mul(new.len()))
        .saturating_sub(hits.saturating_mul(old.len()));
    within_bound("replace", size)?;
    Ok(match limit {
        Some(n) => s.replacen(old, new, n),
        None => s.replace(old, new),
    })
}

/// Every filter and method that can make a text longer than its input
/// (`replace`, `regex_replace`, `join`, `format`) checks the size it is
/// building against the bound of a rendered template, before building it.
#[cfg(test)]
pub(super) const GROWING: &[&str] = &["format", "join", "regex_replace", "replace"];

fn within_bound(filter: &str, size: usize) -> Result<(), Error> {
    let max = jinja::MAX_OUTPUT;
    if size > max {
        return Err(refuse(format!(
            "{filter}: the text would be longer than {max} bytes, the most a template may render to"
        )));
    }
    Ok(())
}

/// Python's `str.split(sep, maxsplit)`.
fn py_split(s: &str, sep: Option<&str>, max: i64) -> Result<Vec<String>, Error> {
    let limit = usize::try_from(max).ok();
    match sep {
        Some("") => Err(refuse("split: empty separator".to_string())),
        Some(sep) => Ok(match limit {
            Some(n) => s.splitn(n + 1, sep).map(String::from).collect(),
            None => s.split(sep).map(String::from).collect(),
        }),
        None => {
            let mut out = Vec::new();
            let mut rest = s.trim_start_matches(py_isspace);
            while !rest.is_empty() {
                if limit.is_some_and(|n| out.len() >= n) {
                    out.push(rest.to_string());
                    break;
                }
                let end = rest.find(py_isspace).unwrap_or(rest.len());
                out.push(rest[..end].to_string());
                rest = rest[end..].trim_start_matches(py_isspace);
            }
            Ok(out)
        }
    }
}

/// Python's `strip`/`lstrip`/`rstrip`.
fn py_strip(s: &str, chars: Option<&str>, left: bool, right: bool) -> String {
    let matches = |c: char| match chars {
        Some(set) => set.contains(c),
        None => py_isspace(c),
    };
    let mut t = s;
    if left {
        t = t.trim_start_matches(matches);
    }
    if right {
        t = t.trim_end_matches(matches);
    }
    t.to_string()
}

/// Ansible's `regex_replace(pattern, replacement, ignorecase, multiline)`:
/// Python's `re.sub`, its replacement template (`\1`, `\g<name>`,
/// `\n`, ...) read as Python reads it.
fn regex_replace(
    v: &J,
    pattern: J,
    replacement: Option<J>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let flag = |name: &str| -> Result<Option<bool>, Error> {
        let value: Option<J> = kwargs.get(name)?;
        Ok(optional("regex_replace", &format!("={name}"), value)?.map(Arg::bool))
    };
    let ignorecase = flag("ignorecase")?;
    let multiline = flag("multiline")?;
    kwargs.assert_all_used()?;
    let s = take("regex_replace", "value", v)?.text();
    let pattern = take("regex_replace", "pattern", &pattern)?.text();
    let replacement = optional("regex_replace", "replacement", replacement)?.map(Arg::text);
    let checked = pyre::check(&pattern).map_err(|e| refuse(format!("regex_replace: {e}")))?;
    let why = if checked.unicode_classes && !pyre::classes_agree_on(&s) {
        Some(
            "uses \\d, \\w, \\s or \\b on text with non-ASCII characters or \\x1c-\\x1f, which Python's re classes read differently",
        )
    } else if ignorecase == Some(true) && !(pattern.is_ascii() && s.is_ascii()) {
        Some("ignores case on non-ASCII text, which Python's re folds differently")
    } else if pyre::can_match_empty(&pattern) {
        Some(
            "can match the empty string, and Python (3.7+) replaces empty matches next to other matches where Rust's regex does not",
        )
    } else {
        None
    };
    if let Some(why) = why {
        return Err(refuse(format!(
            "regex_replace: the pattern `{pattern}` {why}"
        )));
    }
    let re = regex::RegexBuilder::new(&pattern)
        .case_insensitive(ignorecase.unwrap_or(false))
        .multi_line(multiline.unwrap_or(false))
        .build()
        .map_err(|e| {
            refuse(format!(
                "regex_replace: the pattern `{pattern}` is not one sshfleet reads as Python does: {}",
                e.to_string().lines().last().unwrap_or_default()
            ))
        })?;
    // Python's `$` also matches before a final newline; Rust's does not.
    if pattern.contains('$') && s.ends_with('\n') {
        return Err(refuse(format!(
            "regex_replace: the pattern `{pattern}` uses `$` on text ending with a newline, which Python's re matches differently"
        )));
    }
    let template = py_template(replacement.as_deref().unwrap_or(""), &re)?;
    let mut out = String::new();
    let mut last = 0;
    for caps in re.captures_iter(&s) {
        let Some(m) = caps.get(0) else { continue };
        out.push_str(&s[last..m.start()]);
        for part in &template {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Group(g) => out.push_str(caps.get(*g).map_or("", |m| m.as_str())),
            }
        }
        within_bound("regex_replace", out.len() + (m.end()..s.len()).len())?;
        last = m.end();
    }
    out.push_str(&s[last..]);
    Ok(out)
}

enum Part {
    Text(String),
    Group(usize),
}

/// Python's `re` replacement template.
fn py_template(template: &str, re: &regex::Regex) -> Result<Vec<Part>, Error> {
    let bad = |what: &str| {
        refuse(format!(
            "regex_replace: bad replacement `{template}`: {what}"
        ))
    };
    let group = |g: usize| {
        if g < re.captures_len() {
            Ok(Part::Group(g))
        } else {
            Err(bad(&format!("invalid group reference {g}")))
        }
    };
    let mut parts = Vec::new();
    let mut literal = String::new();
    let chars: Vec<char> = template.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '\\' {
            literal.push(c);
            continue;
        }
        let Some(&e) = chars.get(i) else {
            return Err(bad("a trailing backslash"));
        };
        i += 1;
        let push_group = |parts: &mut Vec<Part>, literal: &mut String, p: Part| {
            if !literal.is_empty() {
                parts.push(Part::Text(std::mem::take(literal)));
            }
            parts.push(p);
        };
        match e {
            'g' => {
                if chars.get(i) != Some(&'<') {
                    return Err(bad("missing <"));
                }
                let end = chars[i..]
                    .iter()
                    .position(|c| *c == '>')
                    .ok_or_else(|| bad("missing >"))?;
                let name: String = chars[i + 1..i + end].iter().collect();
                i += end + 1;
                let p = if let Ok(n) = name.parse::<usize>() {
                    group(n)?
                } else {
                    let index = re
                        .capture_names()
                        .position(|n| n == Some(name.as_str()))
                        .ok_or_else(|| bad(&format!("unknown group name {name}")))?;
                    Part::Group(index)
                };
                push_group(&mut parts, &mut literal, p);
            }
            '0' => {
                // Octal: \0, \0d, \0dd.
                let mut v = 0u32;
                for _ in 0..2 {
                    match chars.get(i).and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            i += 1;
                        }
                        None => break,
                    }
                }
                literal.push(char::from_u32(v).unwrap_or('\0'));
            }
            '1'..='9' => {
                let mut n = e.to_digit(10).unwrap_or(0) as usize;
                if let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                    // Three octal digits would be an octal escape.
                    if chars.get(i + 1).is_some_and(|c| c.is_digit(8)) && e <= '7' && d < 8 {
                        return Err(bad("octal escapes are not supported"));
                    }
                    n = n * 10 + d as usize;
                    i += 1;
                }
                let p = group(n)?;
                push_group(&mut parts, &mut literal, p);
            }
            'n' => literal.push('\n'),
            't' => literal.push('\t'),
            'r' => literal.push('\r'),
            'f' => literal.push('\x0c'),
            'v' => literal.push('\x0b'),
            'a' => literal.push('\x07'),
            'b' => literal.push('\x08'),
            '\\' => literal.push('\\'),
            c if c.is_ascii_alphabetic() => return Err(bad(&format!("bad escape \\{c}"))),
            c => {
                literal.push('\\');
                literal.push(c);
            }
        }
    }
    if !literal.is_empty() {
        parts.push(Part::Text(literal));
    }
    Ok(parts)
}

/// Python `str` methods of the table, on text values only.
pub(super) fn method(_: &State<'_, '_>, value: &J, name: &str, args: &[J]) -> Result<J, Error> {
    // Ansible's undefined is chainable: a method of it is undefined too
    // (`nope.upper() | default('d')` is `d`).
    if value.is_undefined() {
        return Ok(J::UNDEFINED);
    }
    if value.kind() != ValueKind::String {
        return Err(refuse(format!(
            "method `{name}` is only supported on text, not on `{}`",
            jinja::py_repr(value)
        )));
    }
    let s = value.as_str().unwrap_or_default();
    let callee = format!(".{name}");
    let param = |i: usize| {
        super::pyargs::PARAMS
            .iter()
            .find(|(c, _)| *c == callee)
            .and_then(|(_, ps)| ps.get(i + 1))
            .map_or("", |(p, _)| *p)
    };
    let arg = |i: usize| -> Result<Option<String>, Error> {
        match args.get(i) {
            None => Ok(None),
            Some(a) if a.is_none() => Ok(None),
            Some(a) => Ok(Some(take(&callee, param(i), a)?.text())),
        }
    };
    let int_arg = |i: usize| -> Result<i64, Error> {
        match args.get(i) {
            None => Ok(-1),
            Some(a) => Ok(take(&callee, param(i), a)?.int()),
        }
    };
    let max_args = match name {
        "lower" | "upper" => 0,
        "strip" | "lstrip" | "rstrip" | "startswith" | "endswith" => 1,
        "split" => 2,
        "replace" => 3,
        _ => {
            return Err(refuse(format!(
                "method `{name}` is not supported by sshfleet (supported: {})",
                jinja::METHODS.join(", ")
            )));
        }
    };
    if args.len() > max_args || args.iter().any(|a| Kwargs::try_from(a.clone()).is_ok()) {
        return Err(refuse(format!(
            "{name}: at most {max_args} positional argument(s) are supported"
        )));
    }
    Ok(match name {
        "lower" => J::from(super::pycase::lower(s)),
        "upper" => J::from(super::pycase::upper(s)),
        "strip" => J::from(py_strip(s, arg(0)?.as_deref(), true, true)),
        "lstrip" => J::from(py_strip(s, arg(0)?.as_deref(), true, false)),
        "rstrip" => J::from(py_strip(s, arg(0)?.as_deref(), false, true)),
        // Python takes a str or a tuple of them; a list is a TypeError,
        // and a tuple sshfleet refuses (rewrite.rs): text only.
        "startswith" | "endswith" => {
            let p = arg(0)?.ok_or_else(|| refuse(format!("{name}: an argument is needed")))?;
            J::from(if name == "startswith" {
                s.starts_with(p.as_str())
            } else {
                s.ends_with(p.as_str())
            })
        }
        "split" => J::from(py_split(s, arg(0)?.as_deref(), int_arg(1)?)?),
        _ => {
            let old =
                arg(0)?.ok_or_else(|| refuse("replace: two arguments are needed".to_string()))?;
            let new =
                arg(1)?.ok_or_else(|| refuse("replace: two arguments are needed".to_string()))?;
            J::from(py_replace(
                s,
                &old,
                &new,
                usize::try_from(int_arg(2)?).ok(),
            )?)
        }
    })
}
