//! Plain scalars read as ansible-core 2.19's loader reads them: the table
//! `yaml11_scalars.txt` is what PyYAML's resolver and constructors make of
//! a few thousand generated scalars (`tests/inventories/yaml11_scalars.py`
//! writes it; the integration test `yaml11_scalars_are_pyyamls` checks it
//! against the python3 on PATH).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_yaml::Value;

const TABLE: &str = include_str!("yaml11_scalars.txt");

#[test]
fn every_generated_plain_scalar_reads_as_pyyaml_reads_it() {
    let mut wrong = Vec::new();
    let mut rows = 0;
    for row in TABLE.lines().filter(|l| !l.starts_with('#')) {
        rows += 1;
        let (text, want) = row.split_once('\t').unwrap();
        let got = super::parse(&format!("v: {text}\n")).map(|v| v["v"].clone());
        let ok = match (want.split_once(' '), &got) {
            (None, Err(_)) => want == "E",
            (None, Ok(Value::Null)) => want == "n",
            (None, Ok(Value::String(s))) => want == "s" && s == text,
            (Some(("b", b)), Ok(Value::Bool(v))) => (b == "1") == *v,
            (Some(("i", n)), Ok(Value::Number(v))) => {
                !v.is_f64() && v.as_i64() == n.parse::<i64>().ok()
            }
            (Some(("f", bits)), Ok(Value::Number(v))) => v.as_f64().is_some_and(|f| {
                let want = f64::from_bits(u64::from_str_radix(bits, 16).unwrap());
                v.is_f64() && (f.to_bits() == want.to_bits() || f.is_nan() && want.is_nan())
            }),
            _ => false,
        };
        if !ok {
            wrong.push(format!("{text:?}: PyYAML {want}, sshfleet {got:?}"));
        }
    }
    assert!(rows > 3000, "the table is short: {rows} rows");
    assert!(
        wrong.is_empty(),
        "{} differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

const UNSAFE: &str = include_str!("unsafe_scalars.txt");

/// `!unsafe` scalars, plain or quoted, are resolved as ansible-core 2.19's
/// `construct_yaml_unsafe` resolves them (`unsafe_scalars.txt`, written by
/// `tests/inventories/unsafe_scalars.py`): a text stays `!unsafe`, any
/// other type is that value.
#[test]
fn every_generated_unsafe_scalar_reads_as_ansible_reads_it() {
    let mut wrong = Vec::new();
    let mut rows = 0;
    for row in UNSAFE.lines().filter(|l| !l.starts_with('#')) {
        rows += 1;
        let (yaml, want) = row.split_once('\t').unwrap();
        let got = super::parse(&format!("v: !unsafe {yaml}\n")).map(|v| v["v"].clone());
        let ok = match (want.split_once(' '), &got) {
            (None, Err(_)) => want == "E",
            (None, Ok(Value::Null)) => want == "n",
            (None, Ok(Value::Tagged(t))) if t.tag == "unsafe" => {
                want == "s" && t.value.as_str().is_some()
            }
            (None, Ok(v)) => want == "d" && super::super::timestamp::of(v).is_some(),
            (Some(("b", b)), Ok(Value::Bool(v))) => (b == "1") == *v,
            (Some(("i", n)), Ok(Value::Number(v))) => {
                !v.is_f64() && v.as_i64() == n.parse::<i64>().ok()
            }
            (Some(("f", bits)), Ok(Value::Number(v))) => v.as_f64().is_some_and(|f| {
                let want = f64::from_bits(u64::from_str_radix(bits, 16).unwrap());
                v.is_f64() && (f.to_bits() == want.to_bits() || f.is_nan() && want.is_nan())
            }),
            _ => false,
        };
        if !ok {
            wrong.push(format!("{yaml}: Ansible {want}, sshfleet {got:?}"));
        }
    }
    assert!(rows > 3000, "the table is short: {rows} rows");
    assert!(
        wrong.is_empty(),
        "{} differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// An `!unsafe` scalar ending in one line feed: ansible-core's resolver
/// uses Python's `$`, which matches before it, so `"017\n"` is the int 15,
/// `"null\n"` None, `"off\n"` an error (round 9): refused where the text
/// without it is another type; a text stays a text, and two line feeds
/// match nothing.
#[test]
fn an_unsafe_scalar_ending_in_a_line_feed_is_refused_where_ansible_types_it() {
    for refused in [
        "017\\n", "null\\n", "1.5\\n", "off\\n", "1:30\\n", "\\n", "~\\n",
    ] {
        let got = super::parse(&format!("v: !unsafe \"{refused}\"\n"));
        assert!(
            got.as_ref()
                .is_err_and(|e| e.message.contains("one line feed")),
            "{refused}: {got:?}"
        );
    }
    for text in ["ops\\n", "017\\n\\n", "a b\\n"] {
        let got = super::parse(&format!("v: !unsafe \"{text}\"\n")).unwrap();
        assert!(
            matches!(&got["v"], Value::Tagged(t) if t.tag == "unsafe"),
            "{text}: {got:?}"
        );
    }
}
