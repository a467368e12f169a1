//! Python's `str.upper()`, `str.lower()` and `str.capitalize()`, which
//! Jinja2's `upper`, `lower` and `capitalize` (and the methods) are.
//! Rust's casing differs: it has no titlecase (`'ǆemo'.capitalize()` is
//! `'ǅemo'`, `'ﬁx'` gives `'Fix'`) and follows a later Unicode. The
//! mappings and the final-sigma properties are Python's own, written by
//! `tests/inventories/pycase.py` into `pycase.txt` (which that script's
//! `--check`, run by the integration tests, compares with python3).

use std::collections::HashMap;
use std::sync::OnceLock;

/// One code point's full mappings, where any is not the code point itself.
struct Mapping {
    upper: Vec<char>,
    lower: Vec<char>,
    title: Vec<char>,
}

struct Tables {
    mappings: HashMap<char, Mapping>,
    /// Case_Ignorable ranges.
    ignorable: Vec<(u32, u32)>,
    /// Cased and not Case_Ignorable ranges.
    cased: Vec<(u32, u32)>,
}

const DATA: &str = include_str!("pycase.txt");

fn chars(field: &str) -> Vec<char> {
    field
        .split('.')
        .filter_map(|h| u32::from_str_radix(h, 16).ok().and_then(char::from_u32))
        .collect()
}

fn range(fields: &[&str]) -> Option<(u32, u32)> {
    Some((
        u32::from_str_radix(fields.get(1)?, 16).ok()?,
        u32::from_str_radix(fields.get(2)?, 16).ok()?,
    ))
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut t = Tables {
            mappings: HashMap::new(),
            ignorable: Vec::new(),
            cased: Vec::new(),
        };
        for line in DATA.lines() {
            let fields: Vec<&str> = line.split(' ').collect();
            match fields.as_slice() {
                ["M", cp, upper, lower, title] => {
                    if let Some(c) = u32::from_str_radix(cp, 16).ok().and_then(char::from_u32) {
                        let m = Mapping {
                            upper: chars(upper),
                            lower: chars(lower),
                            title: chars(title),
                        };
                        t.mappings.insert(c, m);
                    }
                }
                ["I", ..] => t.ignorable.extend(range(&fields)),
                ["C", ..] => t.cased.extend(range(&fields)),
                _ => {}
            }
        }
        t
    })
}

fn within(ranges: &[(u32, u32)], c: char) -> bool {
    let c = c as u32;
    let i = ranges.partition_point(|&(_, last)| last < c);
    ranges.get(i).is_some_and(|&(first, _)| first <= c)
}

fn push(out: &mut String, c: char, pick: fn(&Mapping) -> &Vec<char>) {
    match tables().mappings.get(&c) {
        Some(m) => out.extend(pick(m).iter()),
        None => out.push(c),
    }
}

/// `str.upper()`.
pub(super) fn upper(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push(&mut out, c, |m| &m.upper);
    }
    out
}

/// `str.lower()`.
pub(super) fn lower(s: &str) -> String {
    let text: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for i in 0..text.len() {
        lower_at(&text, i, &mut out);
    }
    out
}

/// `str.capitalize()`: the first character's title mapping, the rest
/// lowered (Python 3.8 and later).
pub(super) fn capitalize(s: &str) -> String {
    let text: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    if let Some(&first) = text.first() {
        push(&mut out, first, |m| &m.title);
    }
    for i in 1..text.len() {
        lower_at(&text, i, &mut out);
    }
    out
}

/// CPython's `lower_ucs4`: `Σ` is `ς` in the Final_Sigma context
/// (`handle_capital_sigma`), every other character its lower mapping.
fn lower_at(text: &[char], i: usize, out: &mut String) {
    let Some(&c) = text.get(i) else { return };
    if c != '\u{3a3}' {
        return push(out, c, |m| &m.lower);
    }
    let t = tables();
    let ignorable = |c: &&char| within(&t.ignorable, **c);
    let before = text
        .get(..i)
        .unwrap_or_default()
        .iter()
        .rev()
        .find(|c| !ignorable(c));
    let mut final_sigma = before.is_some_and(|&c| within(&t.cased, c));
    if final_sigma {
        let after = text
            .get(i + 1..)
            .unwrap_or_default()
            .iter()
            .find(|c| !ignorable(c));
        final_sigma = after.is_none_or(|&c| !within(&t.cased, c));
    }
    out.push(if final_sigma { '\u{3c2}' } else { '\u{3c3}' });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each checked with python3.11 (`'ß'.upper()` ...).
    #[test]
    fn python_casing_special_cases() {
        for (s, up, low, cap) in [
            ("ǆemo", "ǄEMO", "ǆemo", "ǅemo"),
            ("ﬁx", "FIX", "ﬁx", "Fix"),
            ("ßa", "SSA", "ßa", "Ssa"),
            ("İx", "İX", "i\u{307}x", "İx"),
            ("ΟΔΟΣ ΟΔΟΣ.", "ΟΔΟΣ ΟΔΟΣ.", "οδος οδος.", "Οδος οδος."),
            ("ΑΣ'Α", "ΑΣ'Α", "ασ'α", "Ασ'α"),
            ("Σ", "Σ", "σ", "Σ"),
            ("ŉ", "ʼN", "ŉ", "ʼN"),
            ("ᾳ", "ΑΙ", "ᾳ", "ᾼ"),
            ("", "", "", ""),
        ] {
            assert_eq!(upper(s), up, "{s}.upper()");
            assert_eq!(lower(s), low, "{s}.lower()");
            assert_eq!(capitalize(s), cap, "{s}.capitalize()");
        }
    }

    /// The data file is complete: every line is read (a malformed one
    /// would be skipped silently otherwise).
    #[test]
    fn every_line_of_the_data_is_read() {
        let t = tables();
        let count = |tag: &str| DATA.lines().filter(|l| l.starts_with(tag)).count();
        assert_eq!(t.mappings.len(), count("M "));
        assert_eq!(t.ignorable.len(), count("I "));
        assert_eq!(t.cased.len(), count("C "));
        assert!(t.mappings.len() > 2900, "{}", t.mappings.len());
        assert!(t.ignorable.windows(2).all(|w| w[0].1 < w[1].0));
        assert!(t.cased.windows(2).all(|w| w[0].1 < w[1].0));
    }
}
