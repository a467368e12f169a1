//! Mapping keys as Ansible's loaders type them, and which of them sshfleet
//! reads. A key that is not text is a Python object with Python's
//! equality (`1`, `1.0` and `True` are one key; `1` and `'1'` are two;
//! `None` is listed as `null`), which every lookup, `in`, `length`,
//! `dict2items` and listing would have to reproduce; sshfleet keeps only
//! text keys and refuses every other kind at its line rather than read it
//! as text (issue 25: `{"1": a, 1: b}` read as one key silently gave `b`
//! for `m['1']`).
//!
//! Where each source's keys come from: YAML (inventories, `group_vars/`,
//! `host_vars/`, merged `<<` mappings) goes through [`check`] in the YAML
//! reader; JSON (a `.json` inventory, a vars file that is JSON, a
//! script's output) has only text keys; an INI value's Python literal
//! with a key that is not text is refused by `pyliteral`. The tests read
//! a case of each source through the real readers.

use serde_yaml::Value;

/// Every kind of key a mapping read from an inventory source can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyKind {
    /// A Python `str`: plain text, quoted, `!!str`, a JSON key.
    Text,
    Int,
    Bool,
    Null,
    Float,
    /// An unquoted YAML timestamp: a Python `datetime`/`date`.
    Timestamp,
    /// `!unsafe TEXT`: a text Ansible marks as never templated.
    Unsafe,
    /// `!vault`: ciphertext, which sshfleet decrypts only as a value.
    Vault,
    /// `? [a, b]` or `? {a: 1}`: unhashable in Python.
    Collection,
}

/// What sshfleet does with a key of each kind: `None` reads it, `Some`
/// refuses it, saying why.
pub(super) const KEY_KINDS: &[(KeyKind, Option<&str>)] = &[
    (KeyKind::Text, None),
    (
        KeyKind::Int,
        Some(
            "an integer to Ansible's YAML reader (YAML 1.1), which Python keeps apart from the \
             text key of the same digits (m['1'] is not m[1]) and makes one key with the equal \
             float and boolean (1, 1.0 and true)",
        ),
    ),
    (
        KeyKind::Bool,
        Some(
            "a boolean to Ansible's YAML reader (YAML 1.1: yes, on, true, ...), which Python \
             makes one key with the integer 1 or 0",
        ),
    ),
    (
        KeyKind::Null,
        Some(
            "null to Ansible's YAML reader (~, null or nothing), Python's None, which \
             ansible-inventory lists as `null`",
        ),
    ),
    (
        KeyKind::Float,
        Some(
            "a float to Ansible's YAML reader (YAML 1.1), which Python makes one key with an \
             equal integer or boolean (1.0, 1 and true)",
        ),
    ),
    (
        KeyKind::Timestamp,
        Some("a date/time to Ansible's YAML reader (an unquoted YAML timestamp), not text"),
    ),
    (
        KeyKind::Unsafe,
        Some("an `!unsafe` text, which Ansible keeps with its mark, not as plain text"),
    ),
    (
        KeyKind::Vault,
        Some("a `!vault` ciphertext, which sshfleet decrypts only as a value"),
    ),
    (
        KeyKind::Collection,
        Some(
            "a list or mapping, which Python cannot use as a key (Ansible cannot read this \
             file either: found unhashable key)",
        ),
    ),
];

/// The kind of a key as the YAML reader built it.
pub(super) fn kind_of(key: &Value) -> KeyKind {
    match key {
        Value::String(_) => KeyKind::Text,
        Value::Bool(_) => KeyKind::Bool,
        Value::Null => KeyKind::Null,
        Value::Number(n) if n.is_f64() => KeyKind::Float,
        Value::Number(_) => KeyKind::Int,
        Value::Sequence(_) | Value::Mapping(_) => KeyKind::Collection,
        Value::Tagged(t) if t.tag == super::timestamp::TAG => KeyKind::Timestamp,
        Value::Tagged(t) if t.tag == "unsafe" => KeyKind::Unsafe,
        // `!vault`; the reader builds no other tag.
        Value::Tagged(_) => KeyKind::Vault,
    }
}

/// Why sshfleet refuses `key` (`shown` as written), or `None` when it
/// reads it.
pub(super) fn check(key: &Value, shown: &str) -> Option<String> {
    let kind = kind_of(key);
    let why = KEY_KINDS.iter().find(|(k, _)| *k == kind)?.1?;
    Some(format!(
        "the mapping key {shown} is {why}; sshfleet reads mapping keys only as text and does not \
         reproduce Python's keys of other types: quote the key if text is meant, else write the \
         mapping another way"
    ))
}

#[cfg(test)]
#[path = "mapping_keys_tests.rs"]
mod tests;
