//! Numbers an inventory author or operator writes inside `[...]`: host
//! ranges (`h[0:18446744073709551615]`) and pattern subscripts
//! (`-l 'o[0:9223372036854775808]'`). Python's integers have no size, so
//! each property draws numbers of up to 45 digits and compares sshfleet
//! with a model of ansible-core's Python written over decimal text (no
//! machine integer to overflow): the same hosts, or a refusal, never a
//! panic (docs/SECURITY.md, I7).

use std::cmp::Ordering;
use std::path::Path;

use proptest::prelude::*;

use super::config;
use crate::inventory::Inventory;

/// Most hosts sshfleet expands one range to (`inventory::ranges`).
const MAX_RANGE_HOSTS: usize = 100_000;

/// Decimal digits, without leading zeros ("0" for zero).
fn strip(digits: &str) -> &str {
    let s = digits.trim_start_matches('0');
    if s.is_empty() { "0" } else { s }
}

/// Compares two stripped decimal numbers.
fn cmp(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The sum of two stripped decimal numbers.
fn add(a: &str, b: &str) -> String {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut out = Vec::new();
    let mut carry = 0;
    for i in 0..a.len().max(b.len()) {
        let da = a.len().checked_sub(i + 1).map_or(0, |j| a[j] - b'0');
        let db = b.len().checked_sub(i + 1).map_or(0, |j| b[j] - b'0');
        let sum = da + db + carry;
        out.push(b'0' + sum % 10);
        carry = sum / 10;
    }
    if carry > 0 {
        out.push(b'0' + carry);
    }
    out.reverse();
    String::from_utf8(out).unwrap()
}

/// Python's `str.zfill`, for digits.
fn zfill(digits: &str, width: usize) -> String {
    format!("{}{digits}", "0".repeat(width.saturating_sub(digits.len())))
}

/// ansible-core's `expand_hostname_range` for `h[beg:end(:step)]` with
/// ASCII digits: the names (none for an empty range, as Python), or
/// `None` where Python fails (sshfleet refuses too), or more hosts than
/// sshfleet expands.
fn python_range(beg: &str, end: &str, step: Option<&str>) -> Option<Vec<String>> {
    let beg = if beg.is_empty() { "0" } else { beg };
    if end.is_empty() {
        return None;
    }
    let width = if beg.starts_with('0') && beg.len() > 1 {
        (beg.len() == end.len()).then_some(beg.len())?
    } else {
        0
    };
    let step = strip(step.unwrap_or("1"));
    if step == "0" {
        return None;
    }
    let (mut n, e) = (strip(beg).to_string(), strip(end));
    let mut names = Vec::new();
    while cmp(&n, e) != Ordering::Greater {
        names.push(format!("h{}", zfill(&n, width)));
        if names.len() > MAX_RANGE_HOSTS {
            return None;
        }
        n = add(&n, step);
    }
    Some(names)
}

/// Up to 45 decimal digits, often with leading zeros, or none.
fn digits() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{0,3}",
        "0{0,2}[1-9][0-9]{0,44}",
        Just("18446744073709551615".to_string()),
        Just("340282366920938463463374607431768211455".to_string()),
        Just("340282366920938463463374607431768211456".to_string()),
    ]
}

/// An end near the begin (so the range is small) or anywhere.
fn range_case() -> impl Strategy<Value = (String, String, Option<String>)> {
    (
        digits(),
        prop_oneof!["[0-9]{1,2}", digits()],
        prop::bool::ANY,
        proptest::option::of(prop_oneof!["[0-9]{1,2}", digits()]),
    )
        .prop_map(|(beg, delta, near, step)| {
            let end = if near && delta.len() <= 2 {
                let sum = add(
                    strip(if beg.is_empty() { "0" } else { &beg }),
                    strip(&delta),
                );
                zfill(&sum, beg.len())
            } else {
                delta
            };
            (beg, end, step)
        })
}

/// Hosts of a YAML inventory, or the error's text.
fn hosts_of(text: &str) -> Result<Vec<String>, String> {
    let inv = Inventory::parse(text, Path::new("hosts.yml")).map_err(|e| e.to_string())?;
    let hosts = inv.select(None).map_err(|e| e.to_string())?;
    Ok(hosts.iter().map(|h| h.name.clone()).collect())
}

#[test]
fn host_ranges_of_any_integer_size_expand_as_python_or_are_refused() {
    let mut runner = proptest::test_runner::TestRunner::new(config());
    runner
        .run(&range_case(), |(beg, end, step)| {
            let range = match &step {
                Some(s) => format!("{beg}:{end}:{s}"),
                None => format!("{beg}:{end}"),
            };
            // `z`: an inventory of no host is refused, an empty range is not.
            let got = hosts_of(&format!("all:\n  hosts:\n    'h[{range}]':\n    z:\n"))
                .map(|hosts| hosts.into_iter().filter(|h| h != "z").collect::<Vec<_>>());
            let fits = [&beg, &end]
                .iter()
                .chain(step.as_ref().iter())
                .all(|n| n.parse::<i128>().is_ok() || n.is_empty());
            match python_range(&beg, &end, step.as_deref()) {
                Some(want) if fits => prop_assert_eq!(got, Ok(want), "h[{}]", range),
                Some(want) => {
                    if let Ok(got) = got {
                        prop_assert_eq!(got, want, "h[{}]", range);
                    }
                }
                None => prop_assert!(got.is_err(), "h[{}]: {:?}", range, got),
            }
            Ok(())
        })
        .unwrap();
}

/// A number's value for a list of at most `len` items: Python's answer to
/// an index or a slice bound does not change past `len` either way.
fn clamped(text: &str, len: usize) -> i64 {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text),
    };
    let limit = (len + 1).to_string();
    let magnitude = if cmp(strip(digits), &limit) == Ordering::Greater {
        len as i64 + 1
    } else {
        strip(digits).parse::<i64>().unwrap()
    };
    if negative { -magnitude } else { magnitude }
}

/// ansible-core's `_apply_subscript` on `len` hosts `h0...`: the hosts,
/// or `None` for its `IndexError` or an empty selection (both stop a
/// `--limit`).
fn python_subscript(subscript: &str, len: usize) -> Option<Vec<usize>> {
    let hosts: Vec<usize> = (0..len).collect();
    let (start, end) = match subscript.split_once([':', '-']) {
        Some((a, b)) if !a.is_empty() => (clamped(a, len), Some(b)),
        _ => (clamped(subscript, len), None),
    };
    let end = end.map(|b| if b.is_empty() { -1 } else { clamped(b, len) });
    let picked = match end {
        Some(end) if end != 0 => {
            let end = if end == -1 { len as i64 - 1 } else { end };
            let from = start.clamp(0, len as i64) as usize;
            let to = (end + 1).clamp(0, len as i64) as usize;
            hosts.get(from..to.max(from)).unwrap_or_default().to_vec()
        }
        _ => {
            let i = if start < 0 { len as i64 + start } else { start };
            vec![*hosts.get(usize::try_from(i).ok()?)?]
        }
    };
    (!picked.is_empty()).then_some(picked)
}

fn subscript() -> impl Strategy<Value = String> {
    let number = || {
        prop_oneof![
            "[0-9]{1,2}",
            "[0-9]{1,45}",
            Just("9223372036854775807".to_string()),
            Just("9223372036854775808".to_string()),
        ]
    };
    prop_oneof![
        (prop::bool::ANY, number()).prop_map(|(neg, n)| if neg { format!("-{n}") } else { n }),
        (
            number(),
            prop_oneof![Just(":"), Just("-")],
            prop_oneof![Just(String::new()), number()]
        )
            .prop_map(|(a, sep, b)| format!("{a}{sep}{b}")),
    ]
}

#[test]
fn pattern_subscripts_of_any_integer_size_select_as_python() {
    let mut runner = proptest::test_runner::TestRunner::new(config());
    runner
        .run(&(1usize..6, subscript()), |(len, sub)| {
            let hosts: String = (0..len).map(|i| format!("        h{i}:\n")).collect();
            let text = format!(
                "all:\n  children:\n    g:\n      hosts:\n{hosts}    o:\n      hosts:\n        x:\n"
            );
            let inv = Inventory::parse(&text, Path::new("hosts.yml")).unwrap();
            let limit = format!("g[{sub}]");
            let got = inv
                .select(Some(&limit))
                .map(|hs| hs.iter().map(|h| h.name.clone()).collect::<Vec<_>>());
            match python_subscript(&sub, len) {
                Some(want) => {
                    let want: Vec<String> = want.iter().map(|i| format!("h{i}")).collect();
                    prop_assert_eq!(got.map_err(|e| e.to_string()), Ok(want), "{}", limit);
                }
                None => prop_assert!(got.is_err(), "{}: {:?}", limit, got),
            }
            // Beside another term the slice adds its hosts, or none.
            let both = inv.select(Some(&format!("o,{limit}"))).map(|hs| {
                let mut names: Vec<String> = hs.iter().map(|h| h.name.clone()).collect();
                names.sort();
                names
            });
            if let Some(want) = python_subscript(&sub, len) {
                let mut want: Vec<String> = want.iter().map(|i| format!("h{i}")).collect();
                want.push("x".to_string());
                want.sort();
                prop_assert_eq!(both.map_err(|e| e.to_string()), Ok(want), "o,{}", limit);
            }
            Ok(())
        })
        .unwrap();
}
