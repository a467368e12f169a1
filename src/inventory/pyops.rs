//! Python's operators where minijinja's differ: `%` (text formatting,
//! and the sign of a modulo), `/` (division by zero), `//` (floor of
//! floats), `==` (`True == 1`), `in` (text holds only text), subscripts
//! (a float is no index) and slices; `operators.txt` is Ansible's result
//! of each with an operand of each type. Each operand is an integer within 64 bits, a float or a
//! boolean (an integer in Python); anything else is refused.

use minijinja::value::{Rest, ValueKind};
use minijinja::{Error, ErrorKind, Value as J};

use super::jinja::{self, refuse};

/// A number as Python holds it.
#[derive(Clone, Copy)]
enum Num {
    Int(i64),
    Float(f64),
}

fn num(v: &J, op: &str) -> Result<Num, Error> {
    match v.kind() {
        ValueKind::Undefined => Err(Error::new(ErrorKind::UndefinedError, "undefined value")),
        ValueKind::Bool => Ok(Num::Int(i64::from(v.is_true()))),
        ValueKind::Number if jinja::is_int(v) => i64::try_from(v.clone())
            .map(Num::Int)
            .map_err(|_| refuse(format!("an integer beyond 64 bits in `{op}`"))),
        ValueKind::Number => Ok(Num::Float(jinja::as_float(v).unwrap_or(f64::NAN))),
        _ => Err(refuse(format!(
            "unsupported operand for `{op}`: {}",
            jinja::py_repr(v)
        ))),
    }
}

/// An integer as a float, when it is exactly one (Python rounds larger
/// ones from the whole integer, sshfleet does not guess).
fn exact(n: i64, op: &str) -> Result<f64, Error> {
    if n.unsigned_abs() > 1 << 53 {
        return Err(refuse(format!(
            "an integer beyond 2**53 as a float in `{op}`"
        )));
    }
    #[allow(clippy::cast_precision_loss)]
    Ok(n as f64)
}

fn floats(a: Num, b: Num, op: &str) -> Result<(f64, f64), Error> {
    let f = |n| match n {
        Num::Int(i) => exact(i, op),
        Num::Float(f) => Ok(f),
    };
    Ok((f(a)?, f(b)?))
}

fn zero(message: &str) -> Error {
    refuse(format!("{message} (Python's ZeroDivisionError)"))
}

/// Python's `divmod` of floats (`float_divmod`).
fn float_divmod(a: f64, b: f64) -> (f64, f64) {
    let mut m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m += b;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(b);
    }
    let floor = if div != 0.0 {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    } else {
        0.0f64.copysign(a / b)
    };
    (floor, m)
}

/// `a % b`: text formatted by the `format` filter's rules (a tuple
/// literal is the arguments, anything else one), else Python's modulo.
pub(super) fn modulo(a: J, b: J, tuple: bool) -> Result<J, Error> {
    if a.kind() == ValueKind::String {
        let args = if tuple {
            b.try_iter()?.collect()
        } else {
            vec![b]
        };
        return super::filters::format(&a, Rest(args)).map(J::from);
    }
    match (num(&a, "%")?, num(&b, "%")?) {
        (Num::Int(_), Num::Int(0)) => Err(zero("integer modulo by zero")),
        (Num::Int(x), Num::Int(y)) => {
            // `-2**63 % -1` overflows in Rust, not in Python: it is 0.
            let r = x.checked_rem(y).unwrap_or(0);
            Ok(J::from(if r != 0 && (r < 0) != (y < 0) {
                r + y
            } else {
                r
            }))
        }
        (x, y) => {
            let (x, y) = floats(x, y, "%")?;
            if y == 0.0 {
                return Err(zero("float modulo"));
            }
            Ok(J::from(float_divmod(x, y).1))
        }
    }
}

/// `a / b`: Python's true division (a float; by zero an error).
pub(super) fn div(a: J, b: J) -> Result<J, Error> {
    let (x, y) = floats(num(&a, "/")?, num(&b, "/")?, "/")?;
    if y == 0.0 {
        return Err(zero("division by zero"));
    }
    Ok(J::from(x / y))
}

/// `a // b`: Python's floor division.
pub(super) fn floordiv(a: J, b: J) -> Result<J, Error> {
    match (num(&a, "//")?, num(&b, "//")?) {
        (Num::Int(_), Num::Int(0)) => Err(zero("integer division or modulo by zero")),
        (Num::Int(x), Num::Int(y)) => {
            let q = x
                .checked_div(y)
                .ok_or_else(|| refuse("an integer beyond 64 bits in `//`".to_string()))?;
            let r = x % y;
            Ok(J::from(if r != 0 && (r < 0) != (y < 0) {
                q - 1
            } else {
                q
            }))
        }
        (x, y) => {
            let (x, y) = floats(x, y, "//")?;
            if y == 0.0 {
                return Err(zero("float floor division by zero"));
            }
            Ok(J::from(float_divmod(x, y).0))
        }
    }
}

/// `a ** b`: Python's power. A result Python makes complex (a negative
/// float to a fractional power) or an integer beyond 64 bits is refused.
pub(super) fn pow(a: J, b: J) -> Result<J, Error> {
    match (num(&a, "**")?, num(&b, "**")?) {
        (Num::Int(x), Num::Int(y)) if y >= 0 => u32::try_from(y)
            .ok()
            .and_then(|y| x.checked_pow(y))
            .map(J::from)
            .ok_or_else(|| refuse("an integer beyond 64 bits in `**`".to_string())),
        (x, y) => {
            let (x, y) = floats(x, y, "**")?;
            if x == 0.0 && y < 0.0 {
                return Err(zero("0.0 cannot be raised to a negative power"));
            }
            if x < 0.0 && y.fract() != 0.0 && y.is_finite() {
                return Err(refuse(
                    "a negative number to a fractional power (`**`) is a complex number in Python, which sshfleet does not have".to_string(),
                ));
            }
            let power = x.powf(y);
            // Python's float power raises OverflowError where the result
            // is beyond a float (Ansible fails the host), never gives inf.
            if power.is_infinite() && x.is_finite() && y.is_finite() {
                return Err(refuse(
                    "`**`: the result is beyond a float (Python's OverflowError: Numerical result out of range)".to_string(),
                ));
            }
            Ok(J::from(power))
        }
    }
}

/// Most items a list may be repeated to (`[x] * n`), as many as the bytes
/// a template may render to: Python builds any size (until memory runs
/// out, when Ansible fails the host); sshfleet refuses beyond.
pub(super) const MAX_ITEMS: usize = jinja::MAX_OUTPUT;

/// `a * b`: Python's. Numbers are multiplied; a text or a list is
/// repeated by an integer (a boolean is one; a negative count gives an
/// empty one), anything else as the count is Python's `TypeError`; a
/// result longer than a template may render is refused, never built.
pub(super) fn mul(a: J, b: J) -> Result<J, Error> {
    let repeated = |v: &J| matches!(v.kind(), ValueKind::String | ValueKind::Seq);
    if !repeated(&a) && !repeated(&b) {
        return match (num(&a, "*")?, num(&b, "*")?) {
            (Num::Int(x), Num::Int(y)) => x
                .checked_mul(y)
                .map(J::from)
                .ok_or_else(|| refuse("an integer beyond 64 bits in `*`".to_string())),
            (x, y) => {
                let (x, y) = floats(x, y, "*")?;
                Ok(J::from(x * y))
            }
        };
    }
    let (seq, count) = if repeated(&a) { (a, b) } else { (b, a) };
    let count = match count.kind() {
        ValueKind::Undefined => {
            return Err(Error::new(ErrorKind::UndefinedError, "undefined value"));
        }
        ValueKind::Bool => i64::from(count.is_true()),
        ValueKind::Number if jinja::is_int(&count) => i64::try_from(count.clone())
            .map_err(|_| refuse("an integer beyond 64 bits in `*`".to_string()))?,
        _ => {
            return Err(refuse(format!(
                "`*`: can't multiply sequence by non-int {} (Python's TypeError)",
                jinja::py_repr(&count)
            )));
        }
    };
    let count = usize::try_from(count.max(0)).unwrap_or(usize::MAX);
    let too_long = |what: &str, most: usize| {
        refuse(format!(
            "`*`: the repeated {what} would be longer than {most}, the most a template may build"
        ))
    };
    if let Some(text) = seq.as_str() {
        return match text.len().checked_mul(count) {
            Some(len) if len <= jinja::MAX_OUTPUT => Ok(J::from(text.repeat(count))),
            _ => Err(too_long("text", jinja::MAX_OUTPUT)),
        };
    }
    let items: Vec<J> = seq.try_iter()?.collect();
    // `[] * 2**62` is `[]` at once, never a loop over the count.
    if items.is_empty() {
        return Ok(J::from(items));
    }
    match items.len().checked_mul(count) {
        Some(len) if len <= MAX_ITEMS => Ok(J::from(
            (0..count)
                .flat_map(|_| items.iter().cloned())
                .collect::<Vec<J>>(),
        )),
        _ => Err(too_long("list", MAX_ITEMS)),
    }
}

/// A value Python orders: a number (booleans too), text, or a list of
/// them.
fn orderable(v: &J) -> bool {
    matches!(
        v.kind(),
        ValueKind::Number | ValueKind::Bool | ValueKind::String | ValueKind::Seq
    )
}

/// `a < b` (and `<=`, `>`, `>=`): Python orders numbers with numbers,
/// text with text, lists item by item; anything else is its `TypeError`.
pub(super) fn order(a: J, b: J, op: &str) -> Result<bool, Error> {
    let ordering = py_cmp(&a, &b, op)?;
    Ok(match op {
        "<" => ordering.is_lt(),
        "<=" => ordering.is_le(),
        ">" => ordering.is_gt(),
        _ => ordering.is_ge(),
    })
}

fn py_cmp(a: &J, b: &J, op: &str) -> Result<std::cmp::Ordering, Error> {
    if a.is_undefined() || b.is_undefined() {
        return Err(Error::new(ErrorKind::UndefinedError, "undefined value"));
    }
    let number = |v: &J| matches!(v.kind(), ValueKind::Number | ValueKind::Bool);
    let same = (number(a) && number(b)) || (a.kind() == b.kind() && orderable(a));
    if !same {
        return Err(refuse(format!(
            "'{op}' not supported between {} and {} (Python's TypeError)",
            jinja::py_repr(a),
            jinja::py_repr(b)
        )));
    }
    if a.kind() == ValueKind::Seq {
        let (xs, ys): (Vec<J>, Vec<J>) = (a.try_iter()?.collect(), b.try_iter()?.collect());
        for (x, y) in xs.iter().zip(ys.iter()) {
            if x != y {
                return py_cmp(x, y, op);
            }
        }
        return Ok(xs.len().cmp(&ys.len()));
    }
    if number(a) {
        let (x, y) = (num(a, op)?, num(b, op)?);
        return Ok(match (x, y) {
            (Num::Int(x), Num::Int(y)) => x.cmp(&y),
            (x, y) => {
                let (x, y) = floats(x, y, op)?;
                // nan: every comparison is false in Python.
                match x.partial_cmp(&y) {
                    Some(o) => o,
                    None => {
                        return Err(refuse(format!(
                            "'{op}' of nan (always false in Python), which sshfleet does not order"
                        )));
                    }
                }
            }
        });
    }
    Ok(a.as_str()
        .unwrap_or_default()
        .cmp(b.as_str().unwrap_or_default()))
}

/// An operand Python's `==` and `in` read: undefined fails (Ansible 2.19's
/// undefined is compared with nothing).
fn defined(v: &J) -> Result<(), Error> {
    if v.is_undefined() {
        return Err(Error::new(ErrorKind::UndefinedError, "undefined value"));
    }
    Ok(())
}

/// An integer as Python reads one where an index is needed (`__index__`):
/// an int or a boolean, not a float (`[1, 2][1.0]`).
fn index(v: &J) -> Option<i128> {
    match v.kind() {
        ValueKind::Bool => Some(i128::from(v.is_true())),
        ValueKind::Number if jinja::is_int(v) => i128::try_from(v.clone()).ok(),
        _ => None,
    }
}

/// Python's `a == b`: numbers by value (`True == 1 == 1.0`), text with
/// text, lists and mappings item by item; an undefined operand fails.
pub(super) fn py_eq(a: &J, b: &J) -> Result<bool, Error> {
    defined(a)?;
    defined(b)?;
    let number = |v: &J| matches!(v.kind(), ValueKind::Number | ValueKind::Bool);
    if number(a) && number(b) {
        return Ok(match (index(a), index(b)) {
            (Some(x), Some(y)) => x == y,
            (Some(i), None) | (None, Some(i)) => {
                let f = jinja::as_float(if index(a).is_some() { b } else { a });
                // Exact, as Python compares an int with a float.
                f.is_some_and(|f| f.fract() == 0.0 && f.abs() < 2f64.powi(120) && f as i128 == i)
            }
            (None, None) => jinja::as_float(a) == jinja::as_float(b),
        });
    }
    if a.kind() != b.kind() {
        return Ok(false);
    }
    match a.kind() {
        ValueKind::Seq => {
            let (xs, ys): (Vec<J>, Vec<J>) = (a.try_iter()?.collect(), b.try_iter()?.collect());
            if xs.len() != ys.len() {
                return Ok(false);
            }
            for (x, y) in xs.iter().zip(&ys) {
                if !py_eq(x, y)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        ValueKind::Map => {
            let keys: Vec<J> = a.try_iter()?.collect();
            if b.len() != Some(keys.len()) {
                return Ok(false);
            }
            for k in keys {
                let Some(y) = map_get(b, &k)? else {
                    return Ok(false);
                };
                if !py_eq(&a.get_item(&k)?, &y)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        _ => Ok(a == b),
    }
}

/// A mapping's value for `key` as Python's dict finds it (`{1: 'x'}[1.0]`
/// and `[True]` are 'x'); a list or mapping key is Python's `TypeError`
/// (unhashable).
fn map_get(map: &J, key: &J) -> Result<Option<J>, Error> {
    defined(key)?;
    if matches!(key.kind(), ValueKind::Seq | ValueKind::Map) {
        return Err(refuse(format!(
            "unhashable type: {} (Python's TypeError)",
            jinja::py_repr(key)
        )));
    }
    if key.kind() == ValueKind::String {
        let found = map.get_item(key)?;
        return Ok((!found.is_undefined()).then_some(found));
    }
    for k in map.try_iter()? {
        if k.kind() != ValueKind::String && py_eq(&k, key)? {
            return Ok(Some(map.get_item(&k)?));
        }
    }
    Ok(None)
}

/// `a in b` (and `not in`): Python's. Text contains only text, a list
/// holds an item equal to `a`, a mapping the key `a` (hashable); anything
/// else is Python's `TypeError`.
pub(super) fn contains(a: J, b: J) -> Result<bool, Error> {
    defined(&b)?;
    match b.kind() {
        ValueKind::String => {
            defined(&a)?;
            match a.as_str() {
                Some(needle) if a.kind() == ValueKind::String => {
                    Ok(b.as_str().unwrap_or_default().contains(needle))
                }
                _ => Err(refuse(format!(
                    "'in <string>' requires string as left operand, not {} (Python's TypeError)",
                    jinja::py_repr(&a)
                ))),
            }
        }
        ValueKind::Seq => {
            for item in b.try_iter()? {
                if py_eq(&a, &item)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        ValueKind::Map => Ok(map_get(&b, &a)?.is_some()),
        _ => Err(refuse(format!(
            "argument of type {} is not iterable (`in`: Python's TypeError)",
            jinja::py_repr(&b)
        ))),
    }
}

/// `x[key]` of text, a list or a mapping as Jinja2 finds it: an integer
/// index (a float is not one) within the length, counted from the end
/// when negative; a key of a mapping; anything else undefined.
pub(super) fn get_item(base: &J, key: &J) -> Result<J, Error> {
    match base.kind() {
        ValueKind::String | ValueKind::Seq => {
            let Some(i) = index(key) else {
                return Ok(J::UNDEFINED);
            };
            let items: Vec<J> = match base.as_str() {
                Some(text) if base.kind() == ValueKind::String => {
                    text.chars().map(|c| J::from(c.to_string())).collect()
                }
                _ => base.try_iter()?.collect(),
            };
            let len = i128::try_from(items.len()).unwrap_or(i128::MAX);
            let at = if i < 0 { i + len } else { i };
            Ok(usize::try_from(at)
                .ok()
                .and_then(|at| items.get(at).cloned())
                .unwrap_or(J::UNDEFINED))
        }
        ValueKind::Map => match map_get(base, key) {
            Ok(found) => Ok(found.unwrap_or(J::UNDEFINED)),
            // Jinja2 reads Python's TypeError of an unhashable key as
            // undefined.
            Err(_) => Ok(J::UNDEFINED),
        },
        _ => Ok(J::UNDEFINED),
    }
}

/// A slice index: None, an integer or a boolean (Python's `__index__`),
/// else Python's `TypeError`.
fn slice_index(v: &J) -> Result<Option<i128>, Error> {
    defined(v)?;
    if v.is_none() {
        return Ok(None);
    }
    index(v).map(Some).ok_or_else(|| {
        refuse(format!(
            "slice indices must be integers or None, not {} (Python's TypeError)",
            jinja::py_repr(v)
        ))
    })
}

/// `x[start:stop:step]`: Python's slice of text or a list (an undefined
/// `x` stays undefined); of anything else Python's `TypeError`.
pub(super) fn slice(base: J, start: J, stop: J, step: J) -> Result<J, Error> {
    if base.is_undefined() {
        return Ok(J::UNDEFINED);
    }
    if !matches!(base.kind(), ValueKind::String | ValueKind::Seq) {
        return Err(refuse(format!(
            "{} is not subscriptable by a slice (Python's TypeError)",
            jinja::py_repr(&base)
        )));
    }
    let (start, stop, step) = (
        slice_index(&start)?,
        slice_index(&stop)?,
        slice_index(&step)?,
    );
    let step = step.unwrap_or(1);
    if step == 0 {
        return Err(refuse(
            "slice step cannot be zero (Python's ValueError)".to_string(),
        ));
    }
    let text = (base.kind() == ValueKind::String).then(|| base.as_str().unwrap_or_default());
    let items: Vec<J> = match text {
        Some(t) => t.chars().map(|c| J::from(c.to_string())).collect(),
        None => base.try_iter()?.collect(),
    };
    let len = i128::try_from(items.len()).unwrap_or(i128::MAX);
    // CPython's PySlice_AdjustIndices.
    let (lower, upper) = if step < 0 { (-1, len - 1) } else { (0, len) };
    let adjust = |v: Option<i128>, default: i128| match v {
        None => default,
        Some(v) if v < 0 => (v + len).max(lower),
        Some(v) => v.min(upper),
    };
    let first = adjust(start, if step < 0 { upper } else { lower });
    let end = adjust(stop, if step < 0 { lower } else { upper });
    let mut picked = Vec::new();
    let mut i = first;
    while (step > 0 && i < end) || (step < 0 && i > end) {
        if let Some(item) = usize::try_from(i).ok().and_then(|i| items.get(i)) {
            picked.push(item.clone());
        }
        i = i.saturating_add(step);
    }
    Ok(match text {
        Some(_) => J::from(picked.iter().filter_map(J::as_str).collect::<String>()),
        None => J::from(picked),
    })
}

/// `-a`: Python's negation of a number (a boolean is one: `-True` is
/// -1); of anything else Python's `TypeError`.
pub(super) fn neg(v: J) -> Result<J, Error> {
    match num(&v, "-")? {
        Num::Int(i) => i
            .checked_neg()
            .map(J::from)
            .ok_or_else(|| refuse("an integer beyond 64 bits in `-`".to_string())),
        Num::Float(f) => Ok(J::from(-f)),
    }
}
