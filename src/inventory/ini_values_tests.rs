//! INI values as ansible-core 2.19's INI plugin reads them, from the table
//! `tests/inventories/ini_values.py` generates (`ini_values.txt`): every
//! value sshfleet reads lists as `ansible-inventory --list` lists it (bytes
//! as untrusted text, `{"__ansible_unsafe": ..}`, never rendered); every
//! value it refuses holds something sshfleet documents as refused, or is
//! one Ansible fails on.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value as Json;

use super::pyliteral::literal_value;
use super::vars::to_listed_json;

const TABLE: &str = include_str!("ini_values.txt");

/// What sshfleet refuses, by the table's name for it, and the words its
/// error says it with. A new kind in the table fails the test until it is
/// read or named here.
const REFUSED: &[(&str, &str)] = &[
    ("set", "a set of several different items"),
    ("complex", "a complex number"),
    ("int64", "beyond 64 bits"),
    ("float", "float"),
    ("key", "a key that is not text"),
    ("utf8", "not UTF-8"),
    ("N", "\\N{...}"),
];

struct Row {
    text: String,
    listed: String,
    kinds: Vec<String>,
}

fn rows() -> Vec<Row> {
    TABLE
        .lines()
        .skip(1)
        .map(|line| {
            let mut cols = line.split('\t');
            let text: String = serde_json::from_str(cols.next().unwrap_or_default())
                .unwrap_or_else(|e| panic!("{line}: {e}"));
            let listed = cols.next().unwrap_or_default().to_string();
            let kinds = cols.next().unwrap_or_default();
            let kinds = kinds.split(',').filter(|k| !k.is_empty());
            Row {
                text,
                listed,
                kinds: kinds.map(str::to_string).collect(),
            }
        })
        .collect()
}

#[test]
fn ini_values_list_as_ansible_cores() {
    let rows = rows();
    assert!(rows.len() > 300, "the table is short: {}", rows.len());
    let mut wrong = Vec::new();
    for row in &rows {
        for kind in &row.kinds {
            assert!(
                REFUSED.iter().any(|(k, _)| k == kind),
                "{}: kind `{kind}` is neither read nor refused",
                row.text
            );
        }
        match literal_value(&row.text) {
            Ok(value) => {
                let got = to_listed_json(&value);
                let want: Result<Json, _> = serde_json::from_str(&row.listed);
                if want.as_ref().ok() != Some(&got) {
                    wrong.push(format!(
                        "{:?}: sshfleet {got}, Ansible {}",
                        row.text, row.listed
                    ));
                }
            }
            Err(message) => {
                let named = row.kinds.iter().any(|kind| {
                    REFUSED
                        .iter()
                        .any(|(k, words)| k == kind && message.contains(words))
                });
                if !(named || row.listed == "!error") {
                    wrong.push(format!(
                        "{:?}: sshfleet refuses ({message}), Ansible {}",
                        row.text, row.listed
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {}:\n{}",
        wrong.len(),
        rows.len(),
        wrong.join("\n")
    );
}

/// Bytes are kept as text that is never rendered, wherever they are.
#[test]
fn bytes_are_untrusted_text() {
    let rows = rows();
    let untrusted = rows
        .iter()
        .filter(|r| r.listed.contains("__ansible_unsafe"));
    let texts: Vec<&str> = untrusted.map(|r| r.text.as_str()).collect();
    for text in [
        "b'{{ inventory_hostname }}.mgmt.example.com'",
        "[b'..']",
        "{'k': b'..'}",
    ] {
        assert!(texts.contains(&text), "{text}");
    }
}
