//! The Python types each parameter of each filter and `str` method
//! accepts, as ansible-core 2.19 calls them (issue 25: minijinja would
//! read `replace('b', 'x', 1.0)`'s count as 1 and `trim(['a'])`'s
//! characters as `["a"]`, where Python fails or reads another value). A
//! filter takes its arguments as values and converts each through
//! [`take`], by this table: a type Python refuses is refused, never
//! converted. `filter_args_tests.rs` checks the table against every
//! generated call's outcome in Ansible.

use minijinja::value::ValueKind;
use minijinja::{Error, Value as J};

use super::jinja::{self, refuse};

/// What Python accepts in one parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Accepts {
    /// `str` only (a `str` method's argument, `re`'s pattern and
    /// replacement, `str.split`'s value, `os.path`'s path).
    Text,
    /// Anything, read as its `str()` (Jinja2's `soft_str` of the value of
    /// `upper`, `replace`'s `old` and `new`, `join`'s separator, Ansible's
    /// `to_text(nonstring='simplerepr')`). A mapping is refused: its keys
    /// are text to sshfleet (a YAML key `1` is `'1'`), so its `str()` is
    /// not Python's.
    Str,
    /// `int`, and `bool` (an `int` to Python); a float is a `TypeError`.
    Int,
    /// `bool` only (`default`'s `boolean`: Ansible's `validate_arg_type`).
    Bool,
    /// Anything, read as Python's truth (`regex_replace`'s flags).
    Truthy,
    /// Anything, kept as given (`default`'s value, `int`'s default,
    /// `format`'s arguments, `bool`'s and `int`'s value, read by the
    /// filter itself).
    Any,
    /// A list or text, iterated (`first`, `last`, `length`, `join`).
    Items,
}

use Accepts::{Any, Bool, Int, Items, Str, Text, Truthy};

/// Every filter (`name`) and `str` method (`.name`), each parameter in
/// order, the value filtered (`value`) or the text a method is called on
/// (`self`) first; a parameter Ansible takes only by name starts with `=`.
pub(super) const PARAMS: &[(&str, &[(&str, Accepts)])] = &[
    ("basename", &[("value", Text)]),
    ("bool", &[("value", Any)]),
    ("capitalize", &[("value", Str)]),
    (
        "d",
        &[("value", Any), ("default_value", Any), ("boolean", Bool)],
    ),
    (
        "default",
        &[("value", Any), ("default_value", Any), ("boolean", Bool)],
    ),
    ("dirname", &[("value", Text)]),
    ("first", &[("value", Items)]),
    ("format", &[("value", Str), ("arg", Any)]),
    (
        "int",
        &[
            ("value", Any),
            ("default", Any),
            ("base", Any),
            ("=default", Any),
            ("=base", Any),
        ],
    ),
    ("join", &[("value", Items), ("d", Str)]),
    ("last", &[("value", Items)]),
    ("length", &[("value", Any)]),
    ("lower", &[("value", Str)]),
    (
        "regex_replace",
        &[
            ("value", Str),
            ("pattern", Text),
            ("replacement", Text),
            ("=ignorecase", Truthy),
            ("=multiline", Truthy),
        ],
    ),
    (
        "replace",
        &[("value", Str), ("old", Str), ("new", Str), ("count", Int)],
    ),
    (
        "split",
        &[("value", Text), ("sep", Text), ("maxsplit", Int)],
    ),
    ("string", &[("value", Any)]),
    ("trim", &[("value", Str), ("chars", Text)]),
    ("upper", &[("value", Str)]),
    (".endswith", &[("self", Text), ("suffix", Text)]),
    (".lower", &[("self", Text)]),
    (".lstrip", &[("self", Text), ("chars", Text)]),
    (
        ".replace",
        &[("self", Text), ("old", Text), ("new", Text), ("count", Int)],
    ),
    (".rstrip", &[("self", Text), ("chars", Text)]),
    (
        ".split",
        &[("self", Text), ("sep", Text), ("maxsplit", Int)],
    ),
    (".startswith", &[("self", Text), ("prefix", Text)]),
    (".strip", &[("self", Text), ("chars", Text)]),
    (".upper", &[("self", Text)]),
];

/// An argument converted as Python reads it.
pub(super) enum Arg {
    Text(String),
    Int(i64),
    Bool(bool),
    /// Kept for the filter to read itself.
    Other,
}

impl Arg {
    pub(super) fn text(self) -> String {
        match self {
            Arg::Text(s) => s,
            _ => String::new(),
        }
    }

    pub(super) fn int(self) -> i64 {
        match self {
            Arg::Int(n) => n,
            _ => 0,
        }
    }

    pub(super) fn bool(self) -> bool {
        matches!(self, Arg::Bool(true))
    }
}

/// What `callee`'s parameter `param` accepts ([`PARAMS`]).
pub(super) fn accepts(callee: &str, param: &str) -> Accepts {
    PARAMS
        .iter()
        .find(|(c, _)| *c == callee)
        .and_then(|(_, ps)| ps.iter().find(|(p, _)| *p == param))
        .map_or(Any, |(_, a)| *a)
}

/// `value` given to `callee`'s parameter `param`, converted as
/// [`PARAMS`] says, or refused with Python's reason.
pub(super) fn take(callee: &str, param: &str, value: &J) -> Result<Arg, Error> {
    if value.is_undefined() {
        return Err(Error::new(
            minijinja::ErrorKind::UndefinedError,
            "undefined value",
        ));
    }
    let wrong = |what: &str| {
        refuse(format!(
            "{callee}: the argument `{}` ({param}) is {}, where Python takes {what} (Ansible fails)",
            jinja::py_repr(value),
            type_name(value)
        ))
    };
    Ok(match accepts(callee, param) {
        Text => match value.as_str() {
            Some(s) if value.kind() == ValueKind::String => Arg::Text(s.to_string()),
            _ => return Err(wrong("text")),
        },
        Str => {
            if contains_map(value) {
                return Err(refuse(format!(
                    "{callee}: the {param} `{}` holds a mapping, whose str() sshfleet does not write as Python does",
                    jinja::py_repr(value)
                )));
            }
            Arg::Text(jinja::py_str(value)?)
        }
        Int => match value.kind() {
            ValueKind::Bool => Arg::Int(i64::from(value.is_true())),
            ValueKind::Number if jinja::is_int(value) => Arg::Int(
                i64::try_from(value.clone()).map_err(|_| wrong("an integer within 64 bits"))?,
            ),
            _ => return Err(wrong("an integer")),
        },
        Bool => match value.kind() {
            ValueKind::Bool => Arg::Bool(value.is_true()),
            _ => return Err(wrong("a boolean")),
        },
        Truthy => Arg::Bool(value.is_true()),
        Items => match value.kind() {
            ValueKind::String | ValueKind::Seq | ValueKind::Iterable => Arg::Other,
            _ => {
                return Err(refuse(format!(
                    "{callee}: `{}` is {}, not a list or text",
                    jinja::py_repr(value),
                    type_name(value)
                )));
            }
        },
        Any => Arg::Other,
    })
}

/// Python's name of a value's type, as a `TypeError` says it.
fn type_name(value: &J) -> &'static str {
    match value.kind() {
        ValueKind::None | ValueKind::Undefined => "None",
        ValueKind::Bool => "a bool",
        ValueKind::Number if jinja::is_int(value) => "an int",
        ValueKind::Number => "a float",
        ValueKind::String => "text",
        ValueKind::Seq | ValueKind::Iterable => "a list",
        ValueKind::Map => "a dict",
        _ => "an object",
    }
}

fn contains_map(value: &J) -> bool {
    match value.kind() {
        ValueKind::Map => true,
        ValueKind::Seq => value
            .try_iter()
            .is_ok_and(|mut it| it.any(|v| contains_map(&v))),
        _ => false,
    }
}
