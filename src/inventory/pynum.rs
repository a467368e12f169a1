//! Python's `int(text, base)` and `float(text)` on strings, for Jinja2's
//! `int` filter (`do_int`): exact within 64 bits, and an error (never a
//! saturated or approximated value) for what sshfleet cannot compute.

/// What Python computes for a string, as far as `do_int` cares.
#[derive(Debug, PartialEq)]
pub(super) enum PyNum {
    /// The value (it fits in an `i64`).
    Int(i64),
    /// Python raises `ValueError` (or `OverflowError` for `float('inf')`
    /// truncated): `do_int` then tries the next step or the default.
    Invalid,
    /// Python computes it, but sshfleet cannot exactly: the reason.
    Refused(String),
}

/// Python's `str.isspace`.
pub(super) fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// The text without Python's surrounding whitespace, or a refusal when it
/// holds a character other than ASCII (Python reads Unicode decimal
/// digits such as `٣` as digits; sshfleet does not).
fn ascii_body(s: &str) -> Result<&str, PyNum> {
    let t = s.trim_matches(py_isspace);
    if t.is_ascii() {
        Ok(t)
    } else {
        Err(PyNum::Refused(format!(
            "`{s}` holds a character other than ASCII (Python reads Unicode digits as digits; sshfleet does not)"
        )))
    }
}

/// `digits` with Python's underscore rule (single `_` between digits; with
/// `lead_ok`, one `_` may also lead, as after a base prefix).
fn strip_underscores(digits: &str, lead_ok: bool) -> Option<String> {
    let body = match digits.strip_prefix('_') {
        Some(rest) if lead_ok => rest,
        _ => digits,
    };
    if body.is_empty() || body.starts_with('_') || body.ends_with('_') || body.contains("__") {
        return None;
    }
    Some(body.chars().filter(|c| *c != '_').collect())
}

/// Python's `int(text, base)`; a base other than 0 or 2..=36 is Python's
/// `ValueError`.
pub(super) fn py_int(s: &str, base: i64) -> PyNum {
    let t = match ascii_body(s) {
        Ok(t) => t,
        Err(e) => return e,
    };
    if base != 0 && !(2..=36).contains(&base) {
        return PyNum::Invalid;
    }
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let lower = body.to_ascii_lowercase();
    let prefixed = |p: &str, b: i64| (base == b || base == 0) && lower.starts_with(p);
    let (radix, digits, had_prefix) = if prefixed("0x", 16) {
        (16, &body[2..], true)
    } else if prefixed("0o", 8) {
        (8, &body[2..], true)
    } else if prefixed("0b", 2) {
        (2, &body[2..], true)
    } else {
        (if base == 0 { 10 } else { base }, body, false)
    };
    let Some(clean) = strip_underscores(digits, had_prefix) else {
        return PyNum::Invalid;
    };
    let radix = radix as u32;
    if !clean.chars().all(|c| c.is_digit(radix)) {
        return PyNum::Invalid;
    }
    // Base 0 without a prefix: no leading zero unless the value is zero.
    if base == 0 && !had_prefix && clean.starts_with('0') && clean.chars().any(|c| c != '0') {
        return PyNum::Invalid;
    }
    let mut value: i128 = 0;
    for c in clean.chars() {
        let d = i128::from(c.to_digit(radix).unwrap_or(0));
        match value
            .checked_mul(i128::from(radix))
            .and_then(|v| v.checked_add(d))
        {
            Some(v) if v <= i128::from(i64::MAX) + 1 => value = v,
            _ => return beyond(s),
        }
    }
    let value = if neg { -value } else { value };
    i64::try_from(value).map_or_else(|_| beyond(s), PyNum::Int)
}

fn beyond(s: &str) -> PyNum {
    PyNum::Refused(format!(
        "`{s}` is an integer beyond 64 bits, which sshfleet does not compute"
    ))
}

/// Python's `int(float(text))`.
pub(super) fn py_int_of_float(s: &str) -> PyNum {
    let t = match ascii_body(s) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let body = t.trim_start_matches(['+', '-']);
    if t.len() - body.len() > 1 {
        return PyNum::Invalid;
    }
    let lower = body.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        // int(inf) is OverflowError, int(nan) ValueError: both the default.
        return PyNum::Invalid;
    }
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (lower.as_str(), None),
    };
    let (whole, frac) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let part = |p: &str| p.is_empty() || strip_underscores(p, false).is_some();
    let digits_ok = |p: &str| p.chars().all(|c| c.is_ascii_digit() || c == '_');
    let exp_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits_ok(e) && part(e)
    });
    let mantissa_ok = digits_ok(whole)
        && frac.is_none_or(digits_ok)
        && part(whole)
        && frac.is_none_or(part)
        && !(whole.is_empty() && frac.is_none_or(str::is_empty));
    if !exp_ok || !mantissa_ok {
        return PyNum::Invalid;
    }
    let Ok(f) = t.replace('_', "").parse::<f64>() else {
        return PyNum::Invalid;
    };
    float_to_int(f).unwrap_or_else(|| beyond(s))
}

/// What ansible-core's `ensure_type(value, 'integer')` computes for a
/// string (a plugin's integer option, such as a port):
/// `Decimal(text)`, accepted when it equals its integer part. `Decimal`
/// strips Python's whitespace and removes every `_` (so `_22`, `22_` and
/// `2__2` are 22), and takes `22.0`, `22.`, `1e2`, `.22e2`; `22.5`,
/// `0x16`, `inf` and `nan` are `Invalid`.
pub(super) fn py_decimal_int(s: &str) -> PyNum {
    let t = match ascii_body(s) {
        Ok(t) => t.replace('_', ""),
        Err(e) => return e,
    };
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    let lower = body.to_ascii_lowercase();
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (lower.as_str(), None),
    };
    let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || !digits(frac) || (whole.is_empty() && frac.is_empty()) {
        return PyNum::Invalid;
    }
    let exponent: i64 = match exponent {
        None => 0,
        Some(e) => {
            let body = e.strip_prefix(['+', '-']).unwrap_or(e);
            if body.is_empty() || !digits(body) {
                return PyNum::Invalid;
            }
            match e.parse() {
                Ok(e) => e,
                Err(_) => return beyond(s),
            }
        }
    };
    // The value is `all` (the digits) times ten to `scale`.
    let all = format!("{whole}{frac}");
    let all = all.trim_start_matches('0');
    let Some(scale) = i64::try_from(frac.len())
        .ok()
        .and_then(|f| exponent.checked_sub(f))
    else {
        return beyond(s);
    };
    let digits_kept = if scale >= 0 {
        all.to_string()
    } else {
        let cut = usize::try_from(scale.unsigned_abs()).unwrap_or(usize::MAX);
        if cut >= all.len() {
            // Only a fraction (or zero): integral only when it is zero.
            return if all.is_empty() {
                PyNum::Int(0)
            } else {
                PyNum::Invalid
            };
        }
        let (kept, dropped) = all.split_at(all.len() - cut);
        if dropped.chars().any(|c| c != '0') {
            return PyNum::Invalid;
        }
        kept.to_string()
    };
    if digits_kept.is_empty() {
        return PyNum::Int(0);
    }
    let zeros = usize::try_from(scale.max(0)).unwrap_or(usize::MAX);
    if digits_kept.len().saturating_add(zeros) > 19 {
        return beyond(s);
    }
    let text = format!(
        "{}{digits_kept}{}",
        if neg { "-" } else { "" },
        "0".repeat(zeros)
    );
    text.parse().map_or_else(|_| beyond(s), PyNum::Int)
}

/// Python's `int(f)` for a finite float within 64 bits.
pub(super) fn float_to_int(f: f64) -> Option<PyNum> {
    if !f.is_finite() {
        return Some(PyNum::Invalid);
    }
    let t = f.trunc();
    // 2^63 is exactly representable; every float below it fits.
    (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0)
        .contains(&t)
        .then_some(PyNum::Int(t as i64))
}

/// Python's `repr(float)`.
pub(super) fn py_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        // Python: shortest digits, exponent with sign and 2+ digits.
        let text = format!("{f:e}");
        let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    let text = format!("{f}");
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(n: PyNum) -> bool {
        matches!(n, PyNum::Refused(_))
    }

    /// Rows checked against ansible-core 2.19.14 (`'TEXT' | int`, with a
    /// base where given).
    #[test]
    fn int_and_float_text_as_python() {
        use PyNum::{Int, Invalid};
        for (text, base, int, via_float) in [
            ("22", 10, Int(22), Int(22)),
            ("  12  ", 10, Int(12), Int(12)),
            ("_22", 10, Invalid, Invalid),
            ("1__0", 10, Invalid, Invalid),
            ("1_0", 10, Int(10), Int(10)),
            ("0x_1f", 16, Int(31), Invalid),
            ("0x1F", 16, Int(31), Invalid),
            ("0x1F", 0, Int(31), Invalid),
            ("010", 0, Invalid, Int(10)),
            ("12", 1, Invalid, Int(12)),
            ("1e20", 10, Invalid, Invalid),
            ("1_000.5", 10, Invalid, Int(1000)),
            ("1_0e1_0", 10, Invalid, Int(100_000_000_000)),
            ("inf", 10, Invalid, Invalid),
            ("nan", 10, Invalid, Invalid),
            ("-9223372036854775808", 10, Int(i64::MIN), Int(i64::MIN)),
            (".5", 10, Invalid, Int(0)),
            ("5.", 10, Invalid, Int(5)),
            (".", 10, Invalid, Invalid),
            ("1e", 10, Invalid, Invalid),
            ("--1", 10, Invalid, Invalid),
            ("1_.5", 10, Invalid, Invalid),
        ] {
            if text == "1e20" {
                assert!(refused(py_int_of_float(text)), "{text}");
            } else {
                assert_eq!(py_int_of_float(text), via_float, "float {text}");
            }
            assert_eq!(py_int(text, base), int, "int {text} base {base}");
        }
        for text in ["18446744073709551638", "9223372036854775808", "٣٣"] {
            assert!(refused(py_int(text, 10)), "{text}");
        }
        assert!(refused(py_int_of_float("1e19")));
        assert!(refused(py_int_of_float("٣.5")));
    }

    /// `Decimal(text)` when integral, as ansible-core's `ensure_type`
    /// (each value checked against Python 3.11).
    #[test]
    fn decimal_int_as_ensure_type() {
        use PyNum::{Int, Invalid};
        for (text, want) in [
            ("22.0", Int(22)),
            ("1e2", Int(100)),
            ("1E2", Int(100)),
            ("_22", Int(22)),
            ("2_2", Int(22)),
            ("22_", Int(22)),
            ("2__2", Int(22)),
            ("+_22", Int(22)),
            ("22\x1c", Int(22)),
            (" 22 ", Int(22)),
            ("22\u{3000}", Int(22)),
            ("+22", Int(22)),
            ("-0", Int(0)),
            ("0022", Int(22)),
            ("22.", Int(22)),
            (".22e2", Int(22)),
            ("2.2e1", Int(22)),
            ("2200e-2", Int(22)),
            ("0.0", Int(0)),
            ("0x16", Invalid),
            ("22.5", Invalid),
            ("2.25e1", Invalid),
            ("Infinity", Invalid),
            ("NaN", Invalid),
            ("", Invalid),
            ("_", Invalid),
            (".", Invalid),
            ("1e", Invalid),
            ("e2", Invalid),
            ("--1", Invalid),
            ("1e-1", Invalid),
        ] {
            assert_eq!(py_decimal_int(text), want, "{text:?}");
        }
        assert!(matches!(py_decimal_int("1e30"), PyNum::Refused(_)));
        assert!(matches!(
            py_decimal_int("\u{662}\u{662}"),
            PyNum::Refused(_)
        ));
    }
}
