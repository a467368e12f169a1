//! Versions as appliances print them (`15.0.1-012`, `7.2.7`), compared
//! numerically component by component.

use std::cmp::Ordering;

/// Compare two dotted/dashed versions numerically (`15.0.1-012` > `15.0`).
/// `None` when either side is not a version.
///
/// A version is one or more runs of ASCII digits separated by `.` or `-`
/// (`15`, `15.0`, `15.0.1-012`, `7.2.7`); nothing else, not even surrounding
/// whitespace. Components compare as unbounded non-negative integers (leading
/// zeros ignored, so `012 == 12`), and a missing component counts as `0`
/// (`15.0 == 15`, `15.0.1 > 15.0`). `.` and `-` are equivalent separators.
pub(crate) fn compare_versions(a: &str, b: &str) -> Option<Ordering> {
    let a = version_components(a)?;
    let b = version_components(b)?;
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or("0");
        let y = b.get(i).copied().unwrap_or("0");
        let ord = compare_digit_runs(x, y);
        if ord != Ordering::Equal {
            return Some(ord);
        }
    }
    Some(Ordering::Equal)
}

/// True when `text` is a version in the sense of [`compare_versions`].
pub(crate) fn is_version(text: &str) -> bool {
    version_components(text).is_some()
}

fn version_components(text: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> = text.split(['.', '-']).collect();
    let valid = parts
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    valid.then_some(parts)
}

/// Numeric comparison of two non-empty digit runs of any length.
fn compare_digit_runs(x: &str, y: &str) -> Ordering {
    let x = x.trim_start_matches('0');
    let y = y.trim_start_matches('0');
    x.len().cmp(&y.len()).then_with(|| x.cmp(y))
}
