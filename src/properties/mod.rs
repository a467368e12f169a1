//! Property tests over every parser where outside text flows
//! (docs/SECURITY.md, I3, I4, I7): inventories (YAML, JSON, INI, Vault,
//! Jinja), ssh_config, known_hosts, recordings, reports, playbooks, and
//! device output through the sanitiser and the redactor. Inputs are valid
//! samples mutated with the characters each format (and an attacker)
//! cares about. A property fails on a panic, an unbounded result, or a
//! secret that survives redaction.
//!
//! The budget is fixed: `PROPTEST_CASES` cases per property (128 unless
//! set) with a fixed seed, so CI runs the same cases every time and a
//! failure is reproducible; nothing is persisted to files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod numbers;
mod outputs;
mod parsers;
mod renderers;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// The fixed budget and seed every property runs with.
fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(128);
    Config {
        cases,
        rng_seed: RngSeed::Fixed(0x55_4d_f1_ee_70_23),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Pieces of text that matter to some parser, or to a terminal.
const ATOMS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    "-",
    "- ",
    "'",
    "\"",
    "\n",
    " ",
    "    ",
    "#",
    "!vault |",
    "!unsafe ",
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "|",
    ">",
    "&a ",
    "*a",
    "<<: *a",
    "%",
    "=",
    "\t",
    "\u{1b}[2J",
    "\u{1b}]0;t\u{7}",
    "\u{9b}",
    "\u{0}",
    "\u{7f}",
    "é",
    "✓",
    "\\",
    "\\x",
    "\\u{",
    "$ANSIBLE_VAULT;1.1;AES256",
    "0",
    "65536",
    "9999999999999999999999",
    "-1",
    "1e400",
    "null",
    "~",
    "true",
    "yes",
    "ansible_host",
    "ansible_port",
    "ansible_user",
    "ansible_password",
    "hosts:",
    "children:",
    "vars:",
    "all",
    "[g]",
    "[g:vars]",
    "[g:children]",
    "Host ",
    "Match ",
    "HostName ",
    "Port ",
    "ProxyJump ",
    "%h",
    "%r",
    "%%",
    "\u{feff}",
    "\r",
    "@cert-authority ",
    "@revoked ",
    "|1|",
    "ssh-ed25519 ",
    "AAAA",
    "{\"",
    "\":",
    "ms",
    "out",
    "steps:",
    "run: ",
    "expect: ",
    "when: ",
    "(",
    ")",
    "?P<x>",
    "*",
    "+",
    "lookup('env', 'HOME')",
    "range(10)",
    "~/",
    "..",
    "%z",
    "%Y",
    "%.3f",
];

/// A fragment of [`ATOMS`].
fn fragment() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ATOMS), 0..6).prop_map(|atoms| atoms.concat())
}

/// One edit of a text: where, what, and the fragment it uses.
type Edit = (prop::sample::Index, u8, String);

/// `seed` with `edits` applied: insert, delete, replace, or duplicate a
/// stretch.
fn apply(seed: &str, edits: &[Edit]) -> String {
    let mut text = seed.to_string();
    for (at, op, fragment) in edits {
        let mut pos = at.index(text.len() + 1);
        while !text.is_char_boundary(pos) {
            pos -= 1;
        }
        let mut end = (pos + fragment.len().max(1)).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        match op % 4 {
            0 => text.insert_str(pos, fragment),
            1 => text.replace_range(pos..end, ""),
            2 => text.replace_range(pos..end, fragment),
            _ => {
                let copy = text[pos..end].to_string();
                text.insert_str(end, &copy);
            }
        }
    }
    text
}

/// A sample among `seeds`, mutated.
fn mutated(seeds: &[&str]) -> impl Strategy<Value = String> + use<> {
    let seeds: Vec<String> = seeds.iter().map(|s| (*s).to_string()).collect();
    (
        0..seeds.len(),
        prop::collection::vec(
            (any::<prop::sample::Index>(), any::<u8>(), fragment()),
            0..8,
        ),
    )
        .prop_map(move |(i, edits)| apply(&seeds[i], &edits))
}
