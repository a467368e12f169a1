//! Host ranges (`esa[01:12]`, `n[a:c]`, `x[-1:2]`, `m[3:1:-1]`) exactly as
//! ansible-core's `expand_hostname_range` computes them: the first `[` and
//! the first `]` cut the name in three, the bounds are read by Python's
//! `int()` (blanks, a sign, `_` between digits), a letter bound is found
//! in `string.ascii_letters`, and `range(begin, end + 1, step)` may be
//! empty (`h[3:1]` is no host). What Ansible refuses is refused; a bound
//! written in digits other than ASCII ones, or past 128 bits, too.

use super::pychars::py_strip;

/// Most hosts one range pattern may expand to: a typo such as
/// `esa[1:100000000]` should be an error, not an out-of-memory.
pub(super) const MAX_RANGE_HOSTS: usize = 100_000;

const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Every host name `pattern` stands for, in Ansible's order.
pub(super) fn expand_range(pattern: &str) -> Result<Vec<String>, String> {
    if !pattern.contains('[') {
        return Ok(vec![pattern.to_string()]);
    }
    let cut = pattern.replacen('[', "|", 1).replacen(']', "|", 1);
    let [head, range, tail] = cut.split('|').collect::<Vec<_>>()[..] else {
        return Err(
            "a host range is written name[begin:end]rest: one `]` after the `[`, and no `|`"
                .to_string(),
        );
    };
    let bounds: Vec<&str> = range.split(':').collect();
    let (beg, end, step) = match bounds[..] {
        [beg, end] => (beg, end, "1"),
        [beg, end, step] => (beg, end, step),
        _ => return Err("a host range is written [begin:end] or [begin:end:step]".to_string()),
    };
    let beg = if beg.is_empty() { "0" } else { beg };
    if end.is_empty() {
        return Err("a host range must give its end".to_string());
    }
    let width = if beg.starts_with('0') && beg.chars().count() > 1 {
        if beg.chars().count() != end.chars().count() {
            return Err(
                "a zero-padded host range must have begin and end of equal length".to_string(),
            );
        }
        beg.chars().count()
    } else {
        0
    };
    let items = match letters(beg, end, step)? {
        Some(items) => items,
        None => numbers(beg, end, step, width)?,
    };
    let mut names = Vec::new();
    for item in items {
        for name in expand_range(&format!("{head}{item}{tail}"))? {
            names.push(name);
            if names.len() > MAX_RANGE_HOSTS {
                return Err(format!(
                    "a host range may expand to at most {MAX_RANGE_HOSTS} hosts"
                ));
            }
        }
    }
    Ok(names)
}

/// `string.ascii_letters[i_beg:i_end + 1:int(step)]`, each bound found as
/// a substring; `None` where Python's ValueError sends it to numbers.
fn letters(beg: &str, end: &str, step: &str) -> Result<Option<Vec<String>>, String> {
    let (Some(b), Some(e)) = (LETTERS.find(beg), LETTERS.find(end)) else {
        return Ok(None);
    };
    if b > e {
        return Err("a host range must have begin <= end".to_string());
    }
    let Some(step) = py_int(step)?.filter(|&s| s != 0) else {
        return Ok(None);
    };
    if step < 0 {
        // A backwards slice from an earlier letter to a later one.
        return Ok(Some(Vec::new()));
    }
    let step = usize::try_from(step).unwrap_or(usize::MAX);
    let items = LETTERS[b..=e].chars().step_by(step).map(String::from);
    Ok(Some(items.collect()))
}

/// `range(int(beg), int(end) + 1, int(step))`, each written `str(n)` or
/// `str(n).zfill(width)`.
fn numbers(beg: &str, end: &str, step: &str, width: usize) -> Result<Vec<String>, String> {
    let not_number = |t: &str| format!("host range bound `{t}` is neither a number nor a letter");
    let b = py_int(beg)?.ok_or_else(|| not_number(beg))?;
    let e = py_int(end)?.ok_or_else(|| not_number(end))?;
    let s = py_int(step)?.ok_or_else(|| format!("host range step `{step}` is not a number"))?;
    if s == 0 {
        return Err("a host range step must not be zero".to_string());
    }
    let too_large = || "a host range spans more than 128 bits".to_string();
    let stop = e.checked_add(1).ok_or_else(too_large)?;
    let span = if s > 0 {
        stop.checked_sub(b)
    } else {
        b.checked_sub(stop)
    };
    let span = span.ok_or_else(too_large)?;
    let count = if span <= 0 {
        0
    } else {
        (span - 1) / s.abs() + 1
    };
    if count > MAX_RANGE_HOSTS as i128 {
        return Err(format!(
            "a host range may expand to at most {MAX_RANGE_HOSTS} hosts"
        ));
    }
    Ok((0..count)
        .map(|k| zfill(&(b + k * s).to_string(), width))
        .collect())
}

/// Python's `str.zfill`: zeros after any sign, up to `width` chars.
fn zfill(digits: &str, width: usize) -> String {
    let (sign, body) = match digits.strip_prefix('-') {
        Some(body) => ("-", body),
        None => ("", digits),
    };
    let pad = width.saturating_sub(digits.len());
    format!("{sign}{}{body}", "0".repeat(pad))
}

/// Python's `int(text)`: blanks around, a sign, digits with single `_`
/// between them; `Ok(None)` for its ValueError. Python also reads other
/// scripts' digits, and numbers of any size: sshfleet refuses those.
fn py_int(text: &str) -> Result<Option<i128>, String> {
    let t = py_strip(text);
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if !digits.is_ascii() {
        return Err(format!(
            "host range bound `{text}` has characters other than ASCII, which sshfleet does not read as digits"
        ));
    }
    let ok = !digits.is_empty()
        && digits.bytes().all(|c| c.is_ascii_digit() || c == b'_')
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__");
    if !ok {
        return Ok(None);
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    let n: i128 = clean
        .parse()
        .map_err(|_| format!("host range bound `{text}` is beyond 128 bits"))?;
    Ok(Some(if negative { -n } else { n }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// Every generated pattern expands to ansible-core 2.19's names, or is
    /// refused where Ansible refuses it (`tests/inventories/host_ranges.py`).
    #[test]
    fn ranges_expand_as_ansible_cores() {
        let table = include_str!("host_ranges.txt");
        let mut wrong = Vec::new();
        let rows: Vec<&str> = table.lines().skip(1).collect();
        assert!(rows.len() > 300, "the table is short: {}", rows.len());
        for line in &rows {
            let (pattern, want) = line.split_once('\t').unwrap();
            let pattern: String = serde_json::from_str(pattern).unwrap();
            let got = expand_range(&pattern);
            let agree = match (&got, want) {
                (Err(_), "!error") => true,
                (Ok(names), want) => {
                    serde_json::from_str::<Vec<String>>(want).is_ok_and(|w| &w == names)
                }
                (Err(_), _) => false,
            };
            if !agree {
                wrong.push(format!("{pattern:?}: sshfleet {got:?}, Ansible {want}"));
            }
        }
        assert!(wrong.is_empty(), "{}:\n{}", wrong.len(), wrong.join("\n"));
    }

    /// What Ansible reads but sshfleet cannot expand exactly is refused.
    #[test]
    fn refuses_what_it_cannot_expand_exactly() {
        for (pattern, needle) in [
            ("h[\u{661}:3]", "ASCII"),
            ("h[0:99999999999999999999999999999999999999999]", "128 bits"),
            ("h[0:99999999]", "at most"),
            (
                "h[-170141183460469231731687303715884105727:170141183460469231731687303715884105726]",
                "128 bits",
            ),
        ] {
            let e = expand_range(pattern).unwrap_err();
            assert!(e.contains(needle), "{pattern}: {e}");
        }
    }
}
