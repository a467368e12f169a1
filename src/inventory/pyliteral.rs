//! Python as Ansible's INI inventory reads values: `shlex.split(line,
//! comments=True)` for host lines, then `ast.literal_eval` on each value,
//! the text kept as it is when it is not a Python literal. A literal
//! sshfleet cannot represent exactly (a complex number, a set, an integer
//! beyond 64 bits, a float in exponent form, `\N{...}`) is refused rather
//! than read differently. Bytes (`b'..'`) are kept as text Ansible does
//! not trust (never rendered); a set as a list, when Python fixes its
//! order (all its items equal).

use serde_yaml::{Mapping, Number, Value};

/// What `ast.literal_eval(text)` gives, as Ansible keeps it: `Ok(value)`,
/// the text itself when it is not a literal, or an error for a literal
/// sshfleet does not represent.
pub(super) fn literal_value(text: &str) -> Result<Value, String> {
    let mut p = Parser {
        s: text.trim_start_matches([' ', '\t']).as_bytes(),
        i: 0,
        deferred: None,
        built: 0,
        depth: 0,
        unhashable_depth: None,
    };
    match p.top() {
        Ok(_) if p.deferred.is_some() => Err(format!(
            "the value `{text}` is a Python literal sshfleet does not read ({}); quote it as text",
            p.deferred.unwrap_or_default()
        )),
        Ok(v) if beyond_i64(&v) => Err(format!(
            "the value `{text}` is a Python literal sshfleet does not read (an integer beyond 64 bits); quote it as text"
        )),
        Ok(v) => Ok(v),
        // Python hashes a set's items as it evaluates them, left to right:
        // within a list, tuple or mapping whose later text is no literal,
        // whether it fails there (TypeError, which fails Ansible) or never
        // evaluates (a SyntaxError: the text is kept) is Python's grammar.
        Err(Fail::NotLiteral) if p.unhashable_depth.is_some_and(|d| d > 0) => Err(format!(
            "the value `{text}` holds a set of a list, mapping or set, which Python cannot hash, before text that is no literal; sshfleet cannot tell whether Ansible reads it: quote it as text"
        )),
        Err(Fail::NotLiteral) => Ok(Value::String(text.to_string())),
        Err(Fail::Unsupported(why)) => Err(format!(
            "the value `{text}` is a Python literal sshfleet does not read ({why}); quote it as text"
        )),
    }
}

/// Whether `value` holds an integer beyond `i64` (read as `u64` to
/// negate `-2**63` exactly).
fn beyond_i64(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.as_i64().is_none() && n.as_u64().is_some(),
        Value::Sequence(items) => items.iter().any(beyond_i64),
        Value::Mapping(map) => map.values().any(beyond_i64),
        _ => false,
    }
}

enum Fail {
    /// SyntaxError or ValueError in Python: the text is kept.
    NotLiteral,
    /// A literal Python reads that sshfleet refuses.
    Unsupported(&'static str),
}

type R<T> = Result<T, Fail>;

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    /// A number sshfleet refuses, once the whole text is known to be a
    /// literal (`{{ 1.5e-7 ~ x }}` is not one: Python keeps the text).
    deferred: Option<&'static str>,
    /// How many lists, mappings and sets have been read so far: an item
    /// during which this grows holds one, and Python cannot hash it.
    built: usize,
    /// How many lists, tuples, sets and mappings are open here.
    depth: usize,
    /// The [`Parser::depth`] of the first set Python cannot hash.
    unhashable_depth: Option<usize>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// Skips spaces, tabs, form feeds and a `#` comment (to the end).
    fn ws(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\x0c' => self.i += 1,
                b'#' => self.i = self.s.len(),
                _ => break,
            }
        }
    }

    fn top(&mut self) -> R<Value> {
        self.ws();
        let first = self.expr()?;
        self.ws();
        if self.peek() == Some(b',') {
            // `1, 2`: a tuple, which Ansible turns into a list.
            if self.unhashable_depth == Some(0) {
                self.unhashable_depth = Some(1);
            }
            self.depth += 1;
            let mut items = vec![first];
            while self.peek() == Some(b',') {
                self.i += 1;
                self.ws();
                if self.peek().is_none() {
                    break;
                }
                items.push(self.expr()?);
                self.ws();
            }
            self.ws();
            if self.peek().is_some() {
                return Err(Fail::NotLiteral);
            }
            return Ok(Value::Sequence(items));
        }
        if self.peek().is_some() {
            // Python reads the text after a whole expression as a syntax
            // error or as an operation `literal_eval` refuses before it
            // evaluates its operands: no set in `first` is hashed.
            self.unhashable_depth = None;
            return Err(Fail::NotLiteral);
        }
        Ok(first)
    }

    fn expr(&mut self) -> R<Value> {
        self.ws();
        match self.peek() {
            Some(b'-') | Some(b'+') => {
                let negative = self.peek() == Some(b'-');
                self.i += 1;
                self.ws();
                // `literal_eval` takes a sign only on a number itself:
                // `-(1)` is -1, but `-(-1)` is a sign on a signed number,
                // which it refuses (the text stays text).
                let inner = self.s[self.i..]
                    .iter()
                    .find(|c| !matches!(c, b'(' | b' ' | b'\t'));
                if self.peek() == Some(b'(') && matches!(inner, Some(b'-') | Some(b'+')) {
                    return Err(Fail::NotLiteral);
                }
                let value = self.atom()?;
                self.complex_tail()?;
                match value {
                    Value::Number(n) if negative => match negate(&n) {
                        Err(Fail::Unsupported(why)) => Ok(self.defer(why)),
                        other => other,
                    },
                    Value::Number(n) => Ok(Value::Number(n)),
                    _ => Err(Fail::NotLiteral),
                }
            }
            _ => {
                let value = self.atom()?;
                if matches!(value, Value::Number(_)) {
                    self.complex_tail()?;
                }
                Ok(value)
            }
        }
    }

    /// `1+2j`: complex numbers are refused.
    fn complex_tail(&mut self) -> R<()> {
        let save = self.i;
        self.ws();
        if matches!(self.peek(), Some(b'+') | Some(b'-')) {
            // `1+2j` is a complex number; `1+2` is not a literal.
            let rest = &self.s[self.i + 1..];
            let operand: Vec<u8> = rest
                .iter()
                .skip_while(|c| matches!(c, b' ' | b'\t'))
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_'))
                .copied()
                .collect();
            return Err(if operand.ends_with(b"j") || operand.ends_with(b"J") {
                Fail::Unsupported("a complex number")
            } else {
                Fail::NotLiteral
            });
        }
        self.i = save;
        Ok(())
    }

    fn atom(&mut self) -> R<Value> {
        self.ws();
        let Some(c) = self.peek() else {
            return Err(Fail::NotLiteral);
        };
        match c {
            b'[' => {
                self.i += 1;
                self.built += 1;
                Ok(Value::Sequence(self.items(b']')?))
            }
            b'(' => {
                self.i += 1;
                self.ws();
                if self.peek() == Some(b')') {
                    self.i += 1;
                    return Ok(Value::Sequence(Vec::new()));
                }
                // Perhaps a tuple: `({{1}}, x)` fails in Python, `({{1}})x` does not.
                self.depth += 1;
                let first = self.expr()?;
                self.depth -= 1;
                self.ws();
                match self.peek() {
                    Some(b')') => {
                        self.i += 1;
                        Ok(first)
                    }
                    Some(b',') => {
                        self.i += 1;
                        let mut items = vec![first];
                        items.extend(self.items(b')')?);
                        Ok(Value::Sequence(items))
                    }
                    _ => Err(Fail::NotLiteral),
                }
            }
            b'{' => {
                self.i += 1;
                self.dict()
            }
            b'\'' | b'"' => self.strings(),
            // Python's `...` (Ellipsis), which Ansible keeps as the text.
            b'.' if self.s[self.i..].starts_with(b"...") => {
                self.i += 3;
                Ok(Value::String("...".to_string()))
            }
            b'0'..=b'9' | b'.' => self.number(),
            c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                let start = self.i;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80)
                {
                    self.i += 1;
                }
                let word = &self.s[start..self.i];
                if matches!(self.peek(), Some(b'\'') | Some(b'"')) && word.len() <= 2 {
                    self.i = start;
                    return self.strings();
                }
                match word {
                    b"True" => Ok(Value::Bool(true)),
                    b"False" => Ok(Value::Bool(false)),
                    b"None" => Ok(Value::Null),
                    // `literal_eval` reads the call `set()` as an empty
                    // set, which Ansible keeps as an empty list.
                    b"set" => {
                        self.ws();
                        if self.peek() != Some(b'(') {
                            return Err(Fail::NotLiteral);
                        }
                        self.i += 1;
                        self.ws();
                        if self.peek() != Some(b')') {
                            return Err(Fail::NotLiteral);
                        }
                        self.i += 1;
                        self.built += 1;
                        Ok(Value::Sequence(Vec::new()))
                    }
                    _ => Err(Fail::NotLiteral),
                }
            }
            _ => Err(Fail::NotLiteral),
        }
    }

    /// Items up to `close`, a trailing comma allowed.
    fn items(&mut self, close: u8) -> R<Vec<Value>> {
        let mut items = Vec::new();
        self.depth += 1;
        loop {
            self.ws();
            if self.peek() == Some(close) {
                self.i += 1;
                self.depth -= 1;
                return Ok(items);
            }
            items.push(self.expr()?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(c) if c == close => {}
                _ => return Err(Fail::NotLiteral),
            }
        }
    }

    fn dict(&mut self) -> R<Value> {
        self.built += 1;
        let mut map = Mapping::new();
        let mut first = true;
        self.depth += 1;
        loop {
            self.ws();
            if self.peek() == Some(b'}') {
                self.i += 1;
                self.depth -= 1;
                return Ok(Value::Mapping(map));
            }
            // `...` is Python's Ellipsis, a key that is not text.
            let ellipsis_key = self.s[self.i..].starts_with(b"...");
            let built = self.built;
            let key = self.expr()?;
            self.ws();
            if first && matches!(self.peek(), Some(b',') | Some(b'}')) {
                let set = self.set(key, built != self.built, ellipsis_key);
                self.depth -= 1;
                return set;
            }
            if self.peek() != Some(b':') {
                return Err(Fail::NotLiteral);
            }
            first = false;
            self.i += 1;
            let value = self.expr()?;
            // A bytes key (Python keeps `b'a'` apart from `'a'`), a
            // number, `None`...: Ansible holds a key sshfleet cannot.
            if ellipsis_key || !matches!(key, Value::String(_)) {
                self.deferred
                    .get_or_insert("a mapping with a key that is not text");
            }
            map.insert(key, value);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {}
                _ => return Err(Fail::NotLiteral),
            }
        }
    }

    /// `{a, b}` after its first item: Ansible turns the set into a list
    /// in the set's order, which Python fixes only when the items are all
    /// equal (`{1}`, `{1, 1.0, True}`: the first one is kept).
    fn set(&mut self, first: Value, first_unhashable: bool, first_ellipsis: bool) -> R<Value> {
        let mut unhashable = first_unhashable;
        let mut several = false;
        loop {
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    break;
                }
                _ => return Err(Fail::NotLiteral),
            }
            self.ws();
            if self.peek() == Some(b'}') {
                self.i += 1;
                break;
            }
            let built = self.built;
            let ellipsis = self.s[self.i..].starts_with(b"...");
            let item = self.expr()?;
            unhashable |= built != self.built;
            several |= ellipsis != first_ellipsis || !python_eq(&first, &item);
        }
        if unhashable {
            // Python's TypeError, which fails Ansible's INI plugin.
            self.unhashable_depth.get_or_insert(self.depth - 1);
            self.deferred
                .get_or_insert("a set holding a list, mapping or set, which Python cannot hash");
        } else if several {
            self.deferred
                .get_or_insert("a set of several different items, whose order Python does not fix");
        }
        Ok(Value::Sequence(vec![first]))
    }

    /// One or more adjacent string literals (Python joins them).
    fn strings(&mut self) -> R<Value> {
        let mut out = String::new();
        let mut kind = None;
        loop {
            self.ws();
            let start = self.i;
            let mut raw = false;
            let mut bytes = false;
            while let Some(c) = self.peek().filter(u8::is_ascii_alphabetic) {
                match c.to_ascii_lowercase() {
                    b'r' if !raw => raw = true,
                    b'b' if !bytes => bytes = true,
                    b'u' if !raw && !bytes => {}
                    _ => {
                        self.i = start;
                        return match kind {
                            Some(bytes) => Ok(self.text(out, bytes)),
                            None => Err(Fail::NotLiteral),
                        };
                    }
                }
                self.i += 1;
            }
            let Some(q) = self.peek().filter(|c| *c == b'\'' || *c == b'"') else {
                self.i = start;
                return match kind {
                    Some(bytes) if start == self.i => Ok(self.text(out, bytes)),
                    _ => Err(Fail::NotLiteral),
                };
            };
            if kind.is_some_and(|k| k != bytes) {
                // `'a' b'c'`: Python cannot mix them.
                return Err(Fail::NotLiteral);
            }
            kind = Some(bytes);
            let triple = self.s[self.i..].starts_with(&[q, q, q]);
            self.i += if triple { 3 } else { 1 };
            let body_start = self.i;
            let body_end = loop {
                match self.peek() {
                    None => return Err(Fail::NotLiteral),
                    Some(b'\\') => self.i += 2,
                    Some(c) if c == q => {
                        if !triple {
                            let end = self.i;
                            self.i += 1;
                            break end;
                        }
                        if self.s[self.i..].starts_with(&[q, q, q]) {
                            let end = self.i;
                            self.i += 3;
                            break end;
                        }
                        self.i += 1;
                    }
                    Some(_) => self.i += 1,
                }
            };
            let body = std::str::from_utf8(&self.s[body_start..body_end.min(self.s.len())])
                .map_err(|_| Fail::NotLiteral)?;
            if bytes && !body.is_ascii() {
                return Err(Fail::NotLiteral);
            }
            if raw {
                out.push_str(body);
            } else {
                out.push_str(&unescape(body, bytes)?);
            }
            let save = self.i;
            self.ws();
            let more = matches!(self.peek(), Some(b'\'') | Some(b'"'))
                || self.s[self.i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .count()
                    .clamp(0, 3)
                    > 0
                    && self.s[self.i..]
                        .iter()
                        .find(|c| !c.is_ascii_alphabetic())
                        .is_some_and(|c| *c == b'\'' || *c == b'"');
            if !more {
                self.i = save;
                return Ok(self.text(out, bytes));
            }
        }
    }

    /// A string literal's value as Ansible keeps it: text, or for bytes
    /// (`b'..'`, each byte read as the char of that number) the text they
    /// hold in UTF-8, which Ansible does not trust: never rendered as a
    /// template (`_parse_recursive_coerce_types_and_tag` marks only `str`).
    fn text(&mut self, out: String, bytes: bool) -> Value {
        if !bytes {
            return Value::String(out);
        }
        let raw: Vec<u8> = out.chars().map(|c| c as u8).collect();
        let text = String::from_utf8(raw).unwrap_or_else(|_| {
            // Ansible keeps such bytes as surrogates, which no text holds.
            self.deferred
                .get_or_insert("a byte string that is not UTF-8");
            String::new()
        });
        super::script_shape::untrusted(&Value::String(text))
    }

    fn number(&mut self) -> R<Value> {
        match self.number_as_python() {
            Err(Fail::Unsupported(why)) => Ok(self.defer(why)),
            other => other,
        }
    }

    /// A number refused once the whole text is known to be a literal; in
    /// its place a number, so that a sign before it (`-1j`,
    /// `-18446744073709551617`) still reads as a literal.
    fn defer(&mut self, why: &'static str) -> Value {
        self.deferred.get_or_insert(why);
        Value::from(0)
    }

    fn number_as_python(&mut self) -> R<Value> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.')
        {
            // An exponent's sign belongs to the number.
            let c = self.s[self.i];
            self.i += 1;
            if matches!(c, b'e' | b'E')
                && matches!(self.peek(), Some(b'+') | Some(b'-'))
                && !self.s[start..self.i].starts_with(b"0x")
                && !self.s[start..self.i].starts_with(b"0X")
            {
                self.i += 1;
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).map_err(|_| Fail::NotLiteral)?;
        if text.ends_with(['j', 'J']) {
            return Err(Fail::Unsupported("a complex number"));
        }
        if let Some(n) = python_int(text)? {
            return Ok(n);
        }
        python_float(text)
    }
}

/// Python's `==` between two hashable literals, as a set compares its
/// items: `1 == 1.0 == True`; bytes (untrusted text here) never equal text.
fn python_eq(a: &Value, b: &Value) -> bool {
    let number = |v: &Value| match v {
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Number(n) => n.as_f64(),
        _ => None,
    };
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if !x.is_f64() && !y.is_f64() => x == y,
        (Value::Sequence(x), Value::Sequence(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| python_eq(x, y))
        }
        (Value::Tagged(x), Value::Tagged(y)) => x.tag == y.tag && x.value == y.value,
        _ => match (number(a), number(b)) {
            (Some(x), Some(y)) => x == y,
            (None, None) => a == b,
            _ => false,
        },
    }
}

fn negate(n: &Number) -> R<Value> {
    if n.as_u64() == Some(1 << 63) {
        return Ok(Value::from(i64::MIN));
    }
    if let Some(i) = n.as_i64() {
        return i
            .checked_neg()
            .map(Value::from)
            .ok_or(Fail::Unsupported("an integer beyond 64 bits"));
    }
    if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
        return Ok(Value::from(-f));
    }
    Err(Fail::Unsupported("an integer beyond 64 bits"))
}

/// Python 3's integer literals: `22`, `0x16`, `0o26`, `0b1`, `2_222`; a
/// leading zero only in `0`, `00`.
fn python_int(text: &str) -> R<Option<Value>> {
    let underscores_ok = |s: &str| !s.starts_with('_') && !s.ends_with('_') && !s.contains("__");
    let lower = text.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.strip_prefix('_').unwrap_or(d))
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.strip_prefix('_').unwrap_or(d))
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.strip_prefix('_').unwrap_or(d))
    } else {
        if !lower.bytes().all(|c| c.is_ascii_digit() || c == b'_') {
            return Ok(None);
        }
        if lower.len() > 1
            && lower.starts_with('0')
            && lower.bytes().any(|c| c != b'0' && c != b'_')
        {
            return Err(Fail::NotLiteral);
        }
        (10, lower.as_str())
    };
    if digits.is_empty() || !underscores_ok(digits) {
        return Err(Fail::NotLiteral);
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    if !clean.chars().all(|c| c.is_digit(radix)) {
        return Err(Fail::NotLiteral);
    }
    // Up to 2**64 - 1, so that `-9223372036854775808` is negated from
    // its magnitude; a positive one beyond 64 bits is refused once read
    // ([`beyond_i64`]).
    match i64::from_str_radix(&clean, radix) {
        Ok(v) => Ok(Some(Value::from(v))),
        Err(_) => u64::from_str_radix(&clean, radix)
            .map(|v| Some(Value::from(v)))
            .map_err(|_| Fail::Unsupported("an integer beyond 64 bits")),
    }
}

/// A float written `1.5`, `1.`, `.5`: exponents are refused (Python and
/// sshfleet print them differently).
fn python_float(text: &str) -> R<Value> {
    let clean = text.replace('_', "");
    let ok = clean.contains('.')
        && clean.bytes().all(|c| c.is_ascii_digit() || c == b'.')
        && clean.matches('.').count() == 1
        && clean.len() > 1
        && !text.contains("__")
        && !text.contains("._")
        && !text.contains("_.")
        && !text.starts_with('_')
        && !text.ends_with('_');
    if text.contains(['e', 'E']) && !text.contains(['x', 'X']) {
        return Err(Fail::Unsupported("a float with an exponent"));
    }
    if !ok {
        return Err(Fail::NotLiteral);
    }
    let f: f64 = clean.parse().map_err(|_| Fail::NotLiteral)?;
    if !f.is_finite() || f.fract() == 0.0 && f.abs() >= 1e16 {
        return Err(Fail::Unsupported("a float Python prints in exponent form"));
    }
    Ok(Value::from(f))
}

/// Python's string escapes (`\n`, `\x41`, `\101`, `\u00e9`, ...); an
/// unknown escape keeps its backslash, as Python does. For bytes each char
/// is one byte (`\xff` is U+00FF), decoded by [`Parser::text`].
fn unescape(body: &str, bytes: bool) -> R<String> {
    let mut out = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            return Err(Fail::NotLiteral);
        };
        match e {
            '\n' => {}
            '\\' | '\'' | '"' => out.push(e),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                // A byte is the octal's low 8 bits (`b'\\400'` is `b'\\0'`).
                let v = if bytes { v & 0xff } else { v };
                out.push(char::from_u32(v).ok_or(Fail::Unsupported("an octal escape"))?);
            }
            'x' | 'u' | 'U' if !(bytes && e != 'x') => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = (0..n).filter_map(|_| chars.next()).collect();
                if hex.len() != n || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(Fail::NotLiteral);
                }
                let v = u32::from_str_radix(&hex, 16).map_err(|_| Fail::NotLiteral)?;
                out.push(char::from_u32(v).ok_or(Fail::Unsupported("a surrogate escape"))?);
            }
            'N' if !bytes => return Err(Fail::Unsupported("a \\N{...} escape")),
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

/// Python's `shlex.split(line, comments)` (POSIX mode): words split on
/// whitespace, `'...'` literal, `"..."` with `\"` and `\\` escapes, `\x`
/// outside quotes is `x`; with `comments`, `#` outside quotes starts a
/// comment.
pub(super) fn shlex_split(line: &str, comments: bool) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '#' if comments => break,
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(n) if n != '\n' => word.push(n),
                    Some(_) => {}
                    None => return Err("no escaped character".to_string()),
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(n) => word.push(n),
                        None => return Err("no closing quotation".to_string()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(n @ ('"' | '\\')) => word.push(n),
                            Some(n) => {
                                word.push('\\');
                                word.push(n);
                            }
                            None => return Err("no closing quotation".to_string()),
                        },
                        Some(n) => word.push(n),
                        None => return Err("no closing quotation".to_string()),
                    }
                }
            }
            other => {
                in_word = true;
                word.push(other);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(v.to_string())
    }

    /// Each pair checked against Python 3's `ast.literal_eval` as
    /// Ansible's INI plugin applies it.
    #[test]
    fn values_as_python_literal_eval() {
        for (text, want) in [
            ("22", Value::from(22)),
            ("022", s("022")),
            ("00", Value::from(0)),
            ("0x16", Value::from(22)),
            ("2_222", Value::from(2222)),
            ("0_1", s("0_1")),
            ("True", Value::Bool(true)),
            ("yes", s("yes")),
            ("None", Value::Null),
            ("'admin'", s("admin")),
            ("'a b'  # comment", s("a b")),
            ("5 # n", Value::from(5)),
            ("5 ; x", s("5 ; x")),
            ("'a' 'b'", s("ab")),
            ("'a' \"b\"", s("ab")),
            ("\"q#r\"", s("q#r")),
            ("'\\q'", s("\\q")),
            ("'\\t\\x41\\101'", s("\tAA")),
            ("r'\\1'", s("\\1")),
            ("'\\1'", s("\u{1}")),
            // Bytes: text Ansible does not trust, never rendered.
            ("b'x'", super::super::script_shape::untrusted(&s("x"))),
            ("{1}", Value::Sequence(vec![Value::from(1)])),
            ("{True, 1}", Value::Sequence(vec![Value::Bool(true)])),
            (
                "{{ 'esa' }}{{ 1 }}.example.com",
                s("{{ 'esa' }}{{ 1 }}.example.com"),
            ),
            ("[...]", Value::Sequence(vec![s("...")])),
            ("'a' b'c'", s("'a' b'c'")),
            ("1.5", Value::from(1.5)),
            ("1.", Value::from(1.0)),
            ("-3", Value::from(-3)),
            ("- 3", Value::from(-3)),
            ("-True", s("-True")),
            ("a b", s("a b")),
            ("1,2", Value::Sequence(vec![Value::from(1), Value::from(2)])),
            ("()", Value::Sequence(vec![])),
            ("(1)", Value::from(1)),
            ("[1,]", Value::Sequence(vec![Value::from(1)])),
            ("x = 1", s("x = 1")),
            ("f'x'", s("f'x'")),
            ("'unterminated", s("'unterminated")),
            ("1+2", s("1+2")),
            ("-(1)", Value::from(-1)),
            ("-( 2222 )", Value::from(-2222)),
            ("-(-1)", s("-(-1)")),
            ("-((-2222))", s("-((-2222))")),
            ("+(+1)", s("+(+1)")),
            ("--1", s("--1")),
            // A number sshfleet refuses inside text that is no literal:
            // the text (issue 25's generated cases).
            ("{{ 1.5e-7 ~ site }}", s("{{ 1.5e-7 ~ site }}")),
            ("[1e5, x]", s("[1e5, x]")),
            ("1e5 x", s("1e5 x")),
            // The 64-bit bounds, negated from their magnitude.
            ("-9223372036854775808", Value::from(i64::MIN)),
            ("-0x8000000000000000", Value::from(i64::MIN)),
            ("-(9223372036854775808)", Value::from(i64::MIN)),
            ("9223372036854775807", Value::from(i64::MAX)),
            ("-9223372036854775809+x", s("-9223372036854775809+x")),
            ("-1j x", s("-1j x")),
            // `set()`: an empty set, an empty list once Ansible has it.
            ("set()", Value::Sequence(vec![])),
            ("set ( )", Value::Sequence(vec![])),
            ("[set()]", Value::Sequence(vec![Value::Sequence(vec![])])),
            ("set(1)", s("set(1)")),
            ("set", s("set")),
        ] {
            let got = literal_value(text);
            match got {
                Ok(v) => assert_eq!(v, want, "{text}"),
                Err(e) => panic!("{text}: {e}"),
            }
        }
    }

    #[test]
    fn literals_sshfleet_cannot_represent_are_refused() {
        for text in [
            "1j",
            "1+2j",
            "{1, 2}",
            "1e3",
            "[1e5, 2]",
            "99999999999999999999",
            "9223372036854775808",
            "-9223372036854775809",
            "-18446744073709551617",
            "-0x8000000000000001",
            "[1, -18446744073709551617]",
            "-1j",
            "[1e5, -1e5]",
            "'\\N{DASH}'",
        ] {
            assert!(literal_value(text).is_err(), "{text}");
        }
    }

    #[test]
    fn shlex_as_python() {
        let split = |l: &str| shlex_split(l, true).unwrap();
        assert_eq!(
            shlex_split("-o A=1 # x", false).unwrap(),
            ["-o", "A=1", "#", "x"]
        );
        assert_eq!(split("h1 a='ops'   # note"), ["h1", "a=ops"]);
        assert_eq!(split("h1 a=x#y"), ["h1", "a=x"]);
        assert_eq!(split(r#"h1 a="\$x \"q\"""#), ["h1", r#"a=\$x "q""#]);
        assert_eq!(split(r"h1 a=\'b"), ["h1", "a='b"]);
        assert_eq!(split("h1 a=\"'5'\""), ["h1", "a='5'"]);
        assert!(shlex_split("h1 a='x", true).is_err());
    }
}
