#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_yaml::Value;

use super::{KEY_KINDS, KeyKind, kind_of};
use crate::inventory::{pyliteral, yaml11};

/// Each source of mapping keys, with an inventory case whose key is not
/// text (the tests read it through the real reader: refused, or text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A YAML inventory's variable values (plain, quoted and tagged keys).
    YamlValue,
    /// A YAML inventory's variable names, group names and host names.
    YamlName,
    /// A `group_vars/` or `host_vars/` file in YAML.
    VarsFile,
    /// A mapping merged by `<<`.
    Merge,
    /// A `.json` inventory or vars file: JSON keys are text.
    Json,
    /// An inventory script's JSON output: text keys.
    Script,
    /// An INI value's Python literal (`{1: 'a'}`): refused by `pyliteral`.
    Ini,
}

/// A source, a file's text (`:yaml`, `:json` or `:ini` as it is read),
/// and whether it is refused.
const SOURCES: &[(Source, &str, &str, bool)] = &[
    (
        Source::YamlValue,
        "yaml",
        "all:\n  vars:\n    m: {1: a}\n",
        true,
    ),
    (
        Source::YamlValue,
        "yaml",
        "all:\n  vars:\n    m: {'1': a}\n",
        false,
    ),
    (
        Source::YamlName,
        "yaml",
        "all:\n  vars:\n    yes: a\n",
        true,
    ),
    (Source::VarsFile, "yaml", "m:\n  ~: a\n", true),
    (
        Source::Merge,
        "yaml",
        "d: &d {1.5: a}\nm:\n  <<: *d\n",
        true,
    ),
    (Source::Json, "json", "{\"m\": {\"1\": \"a\"}}", false),
    (
        Source::Script,
        "json",
        "{\"_meta\": {\"hostvars\": {\"h\": {\"m\": {\"1\": 2}}}}}",
        false,
    ),
    (Source::Ini, "ini", "{1: 'a'}", true),
    (Source::Ini, "ini", "{rB'a': 'a'}", true),
    (Source::Ini, "ini", "{'a' 'b': 'a'}", false),
];

/// Every kind, once: the match fails to compile when a kind is added, and
/// the test fails until the kind has its row.
fn every_kind() -> Vec<KeyKind> {
    let all = [
        KeyKind::Text,
        KeyKind::Int,
        KeyKind::Bool,
        KeyKind::Null,
        KeyKind::Float,
        KeyKind::Timestamp,
        KeyKind::Unsafe,
        KeyKind::Vault,
        KeyKind::Collection,
    ];
    for kind in all {
        match kind {
            KeyKind::Text
            | KeyKind::Int
            | KeyKind::Bool
            | KeyKind::Null
            | KeyKind::Float
            | KeyKind::Timestamp
            | KeyKind::Unsafe
            | KeyKind::Vault
            | KeyKind::Collection => {}
        }
    }
    all.to_vec()
}

fn every_source() -> Vec<Source> {
    let all = [
        Source::YamlValue,
        Source::YamlName,
        Source::VarsFile,
        Source::Merge,
        Source::Json,
        Source::Script,
        Source::Ini,
    ];
    for source in all {
        match source {
            Source::YamlValue
            | Source::YamlName
            | Source::VarsFile
            | Source::Merge
            | Source::Json
            | Source::Script
            | Source::Ini => {}
        }
    }
    all.to_vec()
}

#[test]
fn every_kind_has_one_reading_and_only_text_is_read() {
    for kind in every_kind() {
        let rows: Vec<_> = KEY_KINDS.iter().filter(|(k, _)| *k == kind).collect();
        assert_eq!(rows.len(), 1, "{kind:?} has {} rows", rows.len());
        assert_eq!(rows[0].1.is_none(), kind == KeyKind::Text, "{kind:?}");
    }
    assert_eq!(KEY_KINDS.len(), every_kind().len());
}

/// The first key of the first mapping in `value`, depth first.
fn first_key(value: &Value) -> Option<&Value> {
    match value {
        Value::Mapping(m) => m
            .iter()
            .find_map(|(_, v)| first_key(v))
            .or_else(|| m.keys().next()),
        Value::Sequence(items) => items.iter().find_map(first_key),
        _ => None,
    }
}

fn all_keys_text(value: &Value) -> bool {
    match value {
        Value::Mapping(m) => m
            .iter()
            .all(|(k, v)| matches!(k, Value::String(_)) && all_keys_text(v)),
        Value::Sequence(items) => items.iter().all(all_keys_text),
        _ => true,
    }
}

#[test]
fn every_source_reads_only_text_keys_or_refuses() {
    for source in every_source() {
        assert!(
            SOURCES.iter().any(|(s, ..)| *s == source),
            "{source:?} has no case"
        );
    }
    for (source, format, text, refused) in SOURCES {
        let read = match *format {
            "ini" => pyliteral::literal_value(text),
            _ => yaml11::parse_data(text).map_err(|e| format!("line {}: {}", e.line, e.message)),
        };
        match read {
            Ok(v) => {
                assert!(!refused, "{source:?} {text:?} was read: {v:?}");
                assert!(all_keys_text(&v), "{source:?} {text:?}: {v:?}");
                assert!(first_key(&v).is_some(), "{source:?} {text:?}");
            }
            Err(e) => {
                assert!(refused, "{source:?} {text:?}: {e}");
                assert!(e.contains("key") || e.contains("not text"), "{e}");
            }
        }
    }
}

/// Each way to write a key in YAML, with the kind ansible-core 2.19's
/// loader gives it (`type()` of the key of `yaml.load(TEXT)`), the key's
/// line, and the text sshfleet keeps when it is text.
const FORMS: &[(&str, KeyKind, usize, &str)] = &[
    ("a: 1\n'1': x\n", KeyKind::Text, 0, "1"),
    ("\"yes\": x\n", KeyKind::Text, 0, "yes"),
    ("!!str 1.5: x\n", KeyKind::Text, 0, "1.5"),
    ("<<x: 1\n", KeyKind::Text, 0, "<<x"),
    ("'<<': {a: 1}\n", KeyKind::Text, 0, "<<"),
    ("m:\n  1: x\n", KeyKind::Int, 2, ""),
    ("m: {0x1f: x}\n", KeyKind::Int, 1, ""),
    ("m: {1:30: x}\n", KeyKind::Int, 1, ""),
    ("!!int '7': x\n", KeyKind::Int, 1, ""),
    ("a: 1\nOn: x\n", KeyKind::Bool, 2, ""),
    ("m:\n  - {no: x}\n", KeyKind::Bool, 2, ""),
    ("? !!bool true\n: x\n", KeyKind::Bool, 1, ""),
    ("~: x\n", KeyKind::Null, 1, ""),
    // The empty key's line is where its `:` is.
    ("? \n: x\n", KeyKind::Null, 2, ""),
    ("1.5: x\n", KeyKind::Float, 1, ""),
    (".inf: x\n", KeyKind::Float, 1, ""),
    ("!!float '2': x\n", KeyKind::Float, 1, ""),
    ("2001-12-14: x\n", KeyKind::Timestamp, 1, ""),
    ("!unsafe a: x\n", KeyKind::Unsafe, 1, ""),
    (
        "? !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  61\n: x\n",
        KeyKind::Vault,
        2, // a block scalar starts on its next line
        "",
    ),
    ("? [a]\n: x\n", KeyKind::Collection, 1, ""),
    ("? {a: 1}\n: x\n", KeyKind::Collection, 1, ""),
    ("a: &k 1\nm:\n  *k : x\n", KeyKind::Int, 3, ""),
    ("d: &d {1: a}\nm:\n  <<: *d\n", KeyKind::Int, 1, ""),
    (
        "d: &d\n  x: 1\n  true: a\nm:\n  <<: [*d]\n",
        KeyKind::Bool,
        3,
        "",
    ),
];

#[test]
fn every_way_to_write_a_key_is_text_or_refused_at_its_line() {
    for kind in every_kind() {
        assert!(
            FORMS.iter().any(|(_, k, ..)| *k == kind),
            "no form of {kind:?}"
        );
    }
    for (text, kind, line, kept) in FORMS {
        match yaml11::parse(text) {
            Ok(v) => {
                assert_eq!(*kind, KeyKind::Text, "{text:?} was read: {v:?}");
                let Value::Mapping(m) = &v else { panic!() };
                let key = m.keys().last().unwrap();
                assert_eq!(kind_of(key), KeyKind::Text);
                assert_eq!(key, &Value::from(*kept), "{text:?}");
            }
            Err(e) => {
                assert_ne!(*kind, KeyKind::Text, "{text:?}: {}", e.message);
                let why = KEY_KINDS.iter().find(|(k, _)| k == kind).unwrap().1;
                assert!(e.message.contains(why.unwrap()), "{text:?}: {}", e.message);
                assert_eq!(e.line, *line, "{text:?}: {}", e.message);
            }
        }
    }
}

/// Every plain scalar of PyYAML's table (`yaml11_scalars.txt`) as a key:
/// kept as the same text where PyYAML makes it text, else refused at its
/// line.
#[test]
fn every_generated_plain_scalar_as_a_key_is_text_or_refused() {
    let table = include_str!("yaml11_scalars.txt");
    let mut wrong = Vec::new();
    for row in table.lines().filter(|l| !l.starts_with('#')) {
        let (text, want) = row.split_once('\t').unwrap();
        let got = yaml11::parse(&format!("a: 1\n? {text}\n: v\n"));
        let ok = match (&got, want) {
            (Ok(v), "s") => v.get(text) == Some(&Value::from("v")),
            (Err(e), "E") => e.line == 2,
            (Err(e), _) => e.line == 2 && e.message.contains(&format!("mapping key `{text}`")),
            _ => false,
        };
        if !ok {
            wrong.push(format!("{text:?}: PyYAML {want}, sshfleet {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A template's mapping literal (issue 25: `{{ {1: 'a', true: 'c'} |
/// length }}` is 1 to Ansible): a key that is not quoted text is refused
/// when the template is read; quoted text keys are read.
#[test]
fn a_template_mapping_literal_keeps_only_quoted_text_keys() {
    use crate::inventory::rewrite;
    for text in [
        "{{ {1: 'a'} }}",
        "{{ {'a': 1, true: 'c'} | length }}",
        "{{ {none: 1} }}",
        "{{ {1.5: 1} }}",
        "{{ {x: 1} }}",
        "{{ 1 in {1.0: 2} }}",
    ] {
        let e = rewrite::template(text).unwrap_err();
        assert!(e.contains("mapping literal with a key"), "{text}: {e}");
    }
    for text in ["{{ {'1': 'a', \"b\": 2}['1'] }}", "{{ {} }}"] {
        assert!(rewrite::template(text).is_ok(), "{text}");
    }
}
