//! Every filter and `str` method of [`super::jinja`]'s tables, called with
//! a value of each Python type in each parameter, renders as ansible-core
//! 2.19 renders it (issue 25: `replace('b', 'x', 1.0)` and
//! `'abc'.startswith(['a'])` fail there, `'11' | int(0, 2.0)` is 11): the
//! table `filter_args.txt` is what Ansible's Templar makes of each call
//! (`tests/inventories/filter_args.py` writes it; the integration test
//! `filter_arguments_are_ansibles` checks it against the ansible-core on
//! PATH). An Ansible error must be an sshfleet error; an Ansible value
//! must be sshfleet's value, or one of the refusals listed below, each
//! with its reason.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};

use super::jinja::{FILTERS, METHODS};
use super::template::Templar;

const TABLE: &str = include_str!("filter_args.txt");

/// Where sshfleet refuses what Ansible computes: (callee, parameter, type
/// of the value given), and why.
const REFUSED: &[(&str, &str, &str, &str)] = &[
    (
        "*",
        "*",
        "none",
        "a `none` argument is read as a missing one by minijinja: refused (rewrite.rs)",
    ),
    (
        "*",
        "*",
        "dict",
        "a dict's keys are text to sshfleet (a YAML key `1` is '1'), so its str() is not Python's",
    ),
    (
        "bool",
        "value",
        "*",
        "Ansible coerces a value outside yes/on/true/1/no/off/false/0 with a deprecation warning: refused (README)",
    ),
    (
        "regex_replace",
        "pattern",
        "str",
        "a pattern that can match the empty string: Python replaces empty matches next to others where Rust's regex does not",
    ),
    (
        "first",
        "value",
        "*",
        "the first item of a non-list: only lists and text are read",
    ),
    (
        "last",
        "value",
        "*",
        "the last item of a non-list: only lists and text are read",
    ),
];

fn refused(callee: &str, param: &str, kind: &str) -> Option<&'static str> {
    REFUSED
        .iter()
        .find(|(c, p, k, _)| {
            (*c == "*" || *c == callee) && (*p == "*" || *p == param) && (*k == "*" || *k == kind)
        })
        .map(|r| r.3)
}

/// sshfleet's value as the table writes Python's: a float as its repr, a
/// mapping under `m`.
fn plain(v: &Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => json!({"f": super::jinja::py_float(n.as_f64().unwrap())}),
        Value::Array(items) => Value::Array(items.iter().map(plain).collect()),
        Value::Object(map) => {
            json!({"m": map.iter().map(|(k, v)| json!([k, plain(v)])).collect::<Vec<_>>()})
        }
        other => other.clone(),
    }
}

fn rows() -> Vec<[&'static str; 5]> {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            [f[0], f[1], f[2], f[3], f[4]]
        })
        .collect()
}

fn render(expr: &str) -> Result<Value, String> {
    let vars = [(
        "t".to_string(),
        serde_yaml::Value::from(format!("{{{{ {expr} }}}}")),
    )]
    .into();
    let templar = Templar::new("h", &[], &vars, None, None);
    templar.var("t").map(|v| plain(&v.expect("t is set")))
}

#[test]
fn every_filter_and_method_takes_the_argument_types_ansible_takes() {
    let rows = rows();
    let mut wrong = Vec::new();
    for [callee, param, kind, expr, want] in &rows {
        let got = render(expr);
        let ok = match (want.split_once(' '), &got) {
            (None, Err(_)) => *want == "E",
            (Some(("V", value)), Ok(got)) => {
                let want: Value = serde_json::from_str(value).unwrap();
                want == *got
            }
            (Some(("V", _)), Err(_)) => refused(callee, param, kind).is_some(),
            _ => false,
        };
        if !ok {
            wrong.push(format!("{expr}: Ansible {want}, sshfleet {got:?}"));
        }
    }
    assert!(rows.len() > 800, "the table is short: {}", rows.len());
    assert!(
        wrong.is_empty(),
        "{} differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// A filter or method added to the tables without rows in the generated
/// table fails here: add it to `tests/inventories/filter_args.py`.
#[test]
fn every_filter_and_method_has_generated_rows() {
    let rows = rows();
    let callees: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[0]).collect();
    let mut missing: Vec<String> = FILTERS
        .iter()
        .filter(|f| !callees.contains(*f))
        .map(|f| f.to_string())
        .collect();
    missing.extend(
        METHODS
            .iter()
            .map(|m| format!(".{m}"))
            .filter(|m| !callees.contains(m.as_str())),
    );
    assert!(missing.is_empty(), "no generated rows for {missing:?}");
}

/// The table of accepted types ([`super::pyargs::PARAMS`]) names exactly
/// the callees and parameters the generated table calls: a parameter
/// added to one and not the other fails here.
#[test]
fn the_parameter_table_names_every_generated_parameter() {
    let rows = rows();
    let generated: std::collections::BTreeSet<(&str, &str)> = rows
        .iter()
        .filter(|r| r[1] != "-")
        .map(|r| (r[0], r[1]))
        .collect();
    let table: std::collections::BTreeSet<(&str, &str)> = super::pyargs::PARAMS
        .iter()
        .flat_map(|(c, ps)| ps.iter().map(move |(p, _)| (*c, *p)))
        .collect();
    let missing: Vec<_> = generated.difference(&table).collect();
    let extra: Vec<_> = table.difference(&generated).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "generated but not in PARAMS: {missing:?}; in PARAMS but not generated: {extra:?}"
    );
}

/// Each type the table says Python refuses is one Ansible fails on, in
/// every generated call: the table is Ansible's, not a guess.
#[test]
fn the_types_the_table_refuses_are_the_ones_ansible_fails_on() {
    use super::pyargs::{Accepts, accepts};
    let mut wrong = Vec::new();
    for [callee, param, kind, expr, want] in rows() {
        if param == "-" {
            continue;
        }
        let refused: &[&str] = match accepts(callee, param) {
            Accepts::Text => &["int", "bool", "float", "list", "dict"],
            Accepts::Int => &["float", "str", "list", "dict"],
            Accepts::Bool => &["int", "float", "str", "list", "dict"],
            _ => &[],
        };
        if refused.contains(&kind) && want != "E" {
            wrong.push(format!("{expr}: Ansible {want}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "the table refuses what Ansible takes:\n{}",
        wrong.join("\n")
    );
}
