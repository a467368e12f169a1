//! YAML as Ansible reads it: PyYAML's YAML 1.1 schema, where a plain `yes`,
//! `on` or `off` is a boolean and `022` is octal 18, so that a port or a
//! user written that way means what it means to Ansible. Quoted scalars stay
//! text; `!vault` is kept as a tagged value, `!unsafe` as one when its
//! scalar resolves to a text (Ansible resolves it as plain); YAML merge keys
//! (`<<`) are applied as PyYAML applies them.

use std::collections::HashMap;

use serde_yaml::value::{Tag, TaggedValue};
use serde_yaml::{Mapping, Number, Value};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

pub(super) use super::yaml_reader::YamlError;

/// A file as Ansible's loader reads it: JSON when it is JSON (objects with
/// `__ansible_vault`/`__ansible_unsafe` decoded), else YAML.
pub(super) fn parse_data(text: &str) -> Result<Value, YamlError> {
    let (json, non_finite) = super::json_data::without_non_finite(text);
    if serde_json::from_str::<serde::de::IgnoredAny>(&json).is_ok() {
        if let Some(found) = non_finite {
            return Err(YamlError {
                line: found.line,
                message: found.message(),
            });
        }
        crate::support::bounds::check_yaml_structure(text)
            .map_err(|(line, message)| YamlError { line, message })?;
        // Read as JSON, not YAML 1.1: `1e+20` is a float in JSON (Python's
        // json), text in YAML 1.1. Mappings keep their order.
        if let Some((line, number)) = super::vars::json_int_beyond_64_bits(text) {
            return Err(YamlError {
                line,
                // Not quoted: it may be the value of a secret-named key.
                message: format!(
                    "an integer of {} digits is beyond 64 bits, which sshfleet does not carry \
                     (Ansible's JSON reader keeps it exact)",
                    number.trim_start_matches('-').len()
                ),
            });
        }
        let value: Value = serde_json::from_str(text).map_err(|e| YamlError {
            line: e.line(),
            message: e.to_string(),
        })?;
        return super::vars::ansible_json(value).map_err(|message| YamlError { line: 1, message });
    }
    parse(text)
}

/// Where each node of a YAML file starts, in the text the reader reads
/// (NEL a line break, no BOM).
pub(super) fn lines_of(text: &str) -> crate::support::yaml_lines::YamlLines {
    let prepared = super::yaml_reader::prepare(text).unwrap_or(std::borrow::Cow::Borrowed(text));
    crate::support::yaml_lines::YamlLines::parse(&prepared)
}

/// Parse the one document of `text` (an empty text is `Null`). A second
/// document is refused, as Ansible's loader refuses it ("expected a single
/// document in the stream"): reading only the first would drop the rest
/// silently.
pub(super) fn parse(text: &str) -> Result<Value, YamlError> {
    // Nesting and alias expansion bounded before the recursive reader runs
    // (a decrypted vault or a script's output never went through
    // `read_yaml_input`).
    crate::support::bounds::check_yaml_structure(text)
        .map_err(|(line, message)| YamlError { line, message })?;
    let text = super::yaml_reader::prepare(text)?;
    let mut reader = Reader {
        parser: Parser::new_from_str(&text),
        anchors: HashMap::new(),
    };
    loop {
        let (event, mark) = reader.next()?;
        match event {
            Event::StreamEnd => return Ok(Value::Null),
            Event::StreamStart | Event::DocumentStart | Event::Nothing => {}
            other => {
                let value = reader.node(other, mark.line())?;
                return reader.end_of_stream().map(|()| value);
            }
        }
    }
}

struct Reader<'a> {
    parser: Parser<std::str::Chars<'a>>,
    anchors: HashMap<usize, Value>,
}

impl Reader<'_> {
    fn end_of_stream(&mut self) -> Result<(), YamlError> {
        loop {
            let (event, mark) = self.next()?;
            match event {
                Event::StreamEnd => return Ok(()),
                Event::DocumentEnd | Event::Nothing => {}
                _ => {
                    return Err(YamlError {
                        line: mark.line(),
                        message: "expected a single document in the stream, as Ansible does: \
                                  this file holds a second one"
                            .to_string(),
                    });
                }
            }
        }
    }

    fn next(&mut self) -> Result<(Event, yaml_rust2::scanner::Marker), YamlError> {
        // libyaml read the stream (`yaml_reader::prepare`): what fails
        // here Ansible reads and sshfleet's reader does not.
        self.parser.next_token().map_err(|e| YamlError {
            line: e.marker().line(),
            message: format!(
                "{}: ansible-core's YAML reader reads this line, sshfleet's does not (a tab \
                 after `:`, a quoted text's next line indented less than its key); rewrite it",
                e.info()
            ),
        })
    }

    fn node(&mut self, event: Event, line: usize) -> Result<Value, YamlError> {
        let (value, anchor) = match event {
            Event::Alias(id) => {
                return self.anchors.get(&id).cloned().ok_or(YamlError {
                    line,
                    message: "an alias refers to an unknown anchor".to_string(),
                });
            }
            Event::Scalar(text, style, anchor, tag) => (scalar(text, style, tag, line)?, anchor),
            Event::SequenceStart(anchor, tag) => {
                check_collection_tag(tag.as_ref(), "seq", line)?;
                let mut items = Vec::new();
                loop {
                    let (event, mark) = self.next()?;
                    if matches!(event, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(event, mark.line())?);
                }
                (Value::Sequence(items), anchor)
            }
            Event::MappingStart(anchor, tag) => {
                check_collection_tag(tag.as_ref(), "map", line)?;
                (self.mapping()?, anchor)
            }
            _ => {
                return Err(YamlError {
                    line,
                    message: "unexpected YAML event".to_string(),
                });
            }
        };
        if anchor > 0 {
            self.anchors.insert(anchor, value.clone());
        }
        Ok(value)
    }

    fn mapping(&mut self) -> Result<Value, YamlError> {
        let mut explicit = Mapping::new();
        let mut merged: Vec<Mapping> = Vec::new();
        let mut merge_line = 0;
        loop {
            let (event, mark) = self.next()?;
            if matches!(event, Event::MappingEnd) {
                break;
            }
            let is_merge =
                matches!(&event, Event::Scalar(t, TScalarStyle::Plain, _, None) if t == "<<");
            let shown = match &event {
                Event::Scalar(text, ..) => format!("`{text}`"),
                Event::Alias(_) => "at this line (an alias)".to_string(),
                _ => "at this line".to_string(),
            };
            // A merge key is not constructed: its tag (`merge`) has no
            // constructor, so `<<` anywhere else is refused (`scalar`).
            let key = if is_merge {
                Value::String("<<".to_string())
            } else {
                self.node(event, mark.line())?
            };
            if let Some(message) = super::mapping_keys::check(&key, &shown) {
                return Err(YamlError {
                    line: mark.line(),
                    message,
                });
            }
            let secret = super::vars::scalar_text(&key)
                .is_some_and(|name| crate::support::secrets::is_secret_name(&name));
            let (event, mark) = self.next()?;
            let value = self
                .node(event, mark.line())
                .map_err(|e| if secret { e.secret() } else { e })?;
            if is_merge {
                merge_line = mark.line();
                match value {
                    Value::Mapping(m) => merged.push(m),
                    Value::Sequence(items) => {
                        for item in items {
                            match item {
                                Value::Mapping(m) => merged.push(m),
                                _ => return Err(merge_error(mark.line())),
                            }
                        }
                    }
                    _ => return Err(merge_error(mark.line())),
                }
                continue;
            }
            // As PyYAML: a key written twice keeps the later value.
            explicit.insert(key, value);
        }
        if merged.is_empty() {
            return Ok(Value::Mapping(explicit));
        }
        refuse_disputed_merge(&explicit, &merged, merge_line)?;
        // Explicit keys win, then earlier merged mappings over later ones.
        let mut out = Mapping::new();
        for source in merged {
            for (k, v) in source {
                if !explicit.contains_key(&k) && !out.contains_key(&k) {
                    out.insert(k, v);
                }
            }
        }
        for (k, v) in explicit {
            out.insert(k, v);
        }
        Ok(Value::Mapping(out))
    }
}

/// A key that two mappings of one `<<` list give different values (and the
/// mapping does not set itself) has no one reading: PyYAML keeps the first
/// mapping's value, ansible-core 2.19's loader warns of a duplicate key and
/// keeps the first or the last depending on how CPython stores the key's
/// text. sshfleet refuses rather than pick one.
fn refuse_disputed_merge(
    explicit: &Mapping,
    merged: &[Mapping],
    line: usize,
) -> Result<(), YamlError> {
    for (i, first) in merged.iter().enumerate() {
        for (key, value) in first {
            if explicit.contains_key(key) {
                continue;
            }
            let disputed = merged[i + 1..]
                .iter()
                .any(|later| later.get(key).is_some_and(|v| v != value));
            if disputed {
                let name = match key {
                    Value::String(s) => s.clone(),
                    other => format!("{other:?}"),
                };
                return Err(YamlError {
                    line,
                    message: format!(
                        "the mappings merged by `<<` give `{name}` different values, which \
                         ansible-core 2.19 and PyYAML read differently (a duplicate key): set \
                         `{name}` in this mapping or merge only one of them"
                    ),
                });
            }
        }
    }
    Ok(())
}

fn merge_error(line: usize) -> YamlError {
    YamlError {
        line,
        message: "a merge key `<<` must refer to a mapping or a list of mappings".to_string(),
    }
}

fn check_collection_tag(
    tag: Option<&yaml_rust2::parser::Tag>,
    core: &str,
    line: usize,
) -> Result<(), YamlError> {
    match tag {
        None => Ok(()),
        Some(t) if t.handle == "!!" && t.suffix == core => Ok(()),
        Some(t) if t.handle == "tag:yaml.org,2002:" && t.suffix == core => Ok(()),
        Some(t) => Err(YamlError {
            line,
            message: format!(
                "YAML tag `{}{}` on a collection is not supported",
                t.handle, t.suffix
            ),
        }),
    }
}

fn scalar(
    text: String,
    style: TScalarStyle,
    tag: Option<yaml_rust2::parser::Tag>,
    line: usize,
) -> Result<Value, YamlError> {
    if let Some(tag) = tag {
        let core = tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:";
        return match (core, tag.handle.as_str(), tag.suffix.as_str()) {
            (true, _, "str") => Ok(Value::String(text)),
            (true, _, suffix @ ("int" | "float" | "bool" | "null")) => {
                core_tagged(&text, suffix, line)
            }
            (true, _, "timestamp") => timestamp_value(&text, line),
            (false, "!", "vault") => Ok(Value::Tagged(Box::new(TaggedValue {
                tag: Tag::new("vault"),
                value: Value::String(text),
            }))),
            // ansible-core 2.19's `construct_yaml_unsafe` resolves the
            // scalar as if it were plain, quoted or not (`!unsafe "022"` is
            // the int 18, `!unsafe "off"` False, `!unsafe ""` None): only a
            // text stays a text, never templated.
            // Python's `$` also matches before one final line feed, so
            // `"017\n"` is the int 15 there (and `"off\n"` fails): sshfleet
            // refuses such a value rather than model every constructor's
            // reading of the line feed.
            (false, "!", "unsafe")
                if text.ends_with('\n')
                    && !text.ends_with("\n\n")
                    && !matches!(
                        scalar(text[..text.len() - 1].to_string(), TScalarStyle::Plain, None, line),
                        Ok(Value::String(_))
                    ) =>
            {
                Err(YamlError {
                    line,
                    message: "an `!unsafe` value that ends in one line feed and, without it, reads as another type than text: ansible-core types it as that (Python's `$` matches before a final line feed: `\"017\\n\"` is 15), sshfleet does not read it; drop the line feed, or write the text with `!!str`".to_string(),
                })
            }
            (false, "!", "unsafe") => match scalar(text, TScalarStyle::Plain, None, line)? {
                Value::String(text) => Ok(Value::Tagged(Box::new(TaggedValue {
                    tag: Tag::new("unsafe"),
                    value: Value::String(text),
                }))),
                other => Ok(other),
            },
            _ => Err(YamlError {
                line,
                message: format!("YAML tag `{}{}` is not supported", tag.handle, tag.suffix),
            }),
        };
    }
    match style {
        // PyYAML resolves a plain `=` to its `value` tag, which it cannot
        // construct: Ansible cannot read the file.
        TScalarStyle::Plain if text == "=" => Err(YamlError {
            line,
            message: "a plain `=` is YAML's `value` tag, which PyYAML cannot construct (Ansible \
                      cannot read this file): quote it if it is text"
                .to_string(),
        }),
        // And a plain `<<` anywhere but a mapping's key is its `merge` tag.
        TScalarStyle::Plain if text == "<<" => Err(YamlError {
            line,
            message: "a plain `<<` that is not a mapping's key is YAML's `merge` tag, which \
                      PyYAML cannot construct (Ansible cannot read this file): quote it if it is \
                      text"
                .to_string(),
        }),
        TScalarStyle::Plain if no_digits_after_prefix(&text) => Err(YamlError {
            line,
            message: format!(
                "`{text}` is an integer to PyYAML's resolver, whose `int(\"\", base)` fails on \
                 it (Ansible cannot read this file): quote it if it is text"
            ),
        }),
        TScalarStyle::Plain if yaml11_int_overflows(&text) => Err(YamlError {
            line,
            message: format!(
                "the integer `{text}` is beyond 64 bits, which sshfleet does not carry (PyYAML \
                 keeps it exact): quote it if it is text"
            ),
        }),
        TScalarStyle::Plain if super::timestamp::is_implicit(&text) => timestamp_value(&text, line),
        TScalarStyle::Plain => Ok(resolve_plain(&text)),
        _ => Ok(Value::String(text)),
    }
}

/// `!!int`, `!!float`, `!!bool`, `!!null` on a scalar: PyYAML runs its
/// constructor on any text (`!!int '0o26'` is Python's `int('0o26', 8)`,
/// 22; `!!int ' 22'` is 22; `!!float '22'` is 22.0), so only text whose
/// plain reading already has the tag's type is read (and a decimal integer
/// as a float); the rest is refused rather than read another way.
fn core_tagged(text: &str, suffix: &str, line: usize) -> Result<Value, YamlError> {
    let plain = resolve_plain(text);
    let decimal = {
        let digits = text.trim_start_matches(['-', '+']).replace('_', "");
        text.len() - text.trim_start_matches(['-', '+']).len() <= 1
            && !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'))
    };
    match (suffix, plain) {
        ("int", Value::Number(n)) if !n.is_f64() => Ok(Value::Number(n)),
        ("float", Value::Number(n)) if n.is_f64() => Ok(Value::Number(n)),
        ("float", Value::Number(n)) if decimal => {
            // Python's float() of the digits: correctly rounded, as `as`.
            #[allow(clippy::cast_precision_loss)]
            let f = n.as_i64().map(|i| i as f64);
            f.map(|f| Value::Number(Number::from(f)))
                .ok_or_else(|| tagged_error(text, suffix, line))
        }
        ("bool", v @ Value::Bool(_)) | ("null", v @ Value::Null) => Ok(v),
        _ => Err(tagged_error(text, suffix, line)),
    }
}

fn tagged_error(text: &str, suffix: &str, line: usize) -> YamlError {
    YamlError {
        line,
        message: format!(
            "`!!{suffix} {text:?}`: PyYAML builds this with Python's {suffix} constructor, which \
             reads text its plain form does not (!!int '0o26' is 22); sshfleet does not read \
             it: write the value without the tag"
        ),
    }
}

/// A timestamp as PyYAML builds it; one Python cannot build (a 30
/// February) makes the document unreadable, as for Ansible.
fn timestamp_value(text: &str, line: usize) -> Result<Value, YamlError> {
    super::timestamp::construct(text)
        .map(|stamp| super::timestamp::tagged(&stamp))
        .map_err(|why| YamlError {
            line,
            message: format!(
                "{why}: an unquoted YAML timestamp that Python cannot build a date of (Ansible cannot read this file); quote it if it is text"
            ),
        })
}

/// A plain scalar as PyYAML's YAML 1.1 resolver reads it.
pub(super) fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        _ => {}
    }
    if let Some(n) = yaml11_int(text) {
        return Value::Number(Number::from(n));
    }
    if let Some(f) = yaml11_float(text) {
        return Value::Number(Number::from(f));
    }
    Value::String(text.to_string())
}

/// `[-+]?0b[0-1_]+` or `[-+]?0x[0-9a-fA-F_]+` of underscores only: PyYAML
/// resolves it as an int and its constructor raises on the empty digits.
fn no_digits_after_prefix(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    body.strip_prefix("0b")
        .or_else(|| body.strip_prefix("0x"))
        .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c == '_'))
}

fn yaml11_int(text: &str) -> Option<i64> {
    yaml11_int_in(text, &std::cell::Cell::new(false))
}

/// Whether `text` is a YAML 1.1 integer beyond 64 bits: PyYAML makes it a
/// Python int (exact), sshfleet cannot carry it.
fn yaml11_int_overflows(text: &str) -> bool {
    let overflow = std::cell::Cell::new(false);
    yaml11_int_in(text, &overflow).is_none() && overflow.get()
}

fn yaml11_int_in(text: &str, overflow: &std::cell::Cell<bool>) -> Option<i64> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    // The magnitude in 128 bits, the sign applied before the 64-bit
    // check: `-9223372036854775808` is an i64, its magnitude is not.
    let digits = |s: &str, radix: u32| -> Option<i128> {
        let clean: String = s.chars().filter(|&c| c != '_').collect();
        if clean.is_empty() || s.starts_with('_') && clean.is_empty() {
            return None;
        }
        i128::from_str_radix(&clean, radix)
            .map_err(|e| {
                use std::num::IntErrorKind::{NegOverflow, PosOverflow};
                if matches!(e.kind(), PosOverflow | NegOverflow) {
                    overflow.set(true);
                }
            })
            .ok()
    };
    let value = if let Some(b) = body.strip_prefix("0b") {
        b.chars()
            .all(|c| matches!(c, '0' | '1' | '_'))
            .then(|| digits(b, 2))??
    } else if let Some(h) = body.strip_prefix("0x") {
        h.chars()
            .all(|c| c.is_ascii_hexdigit() || c == '_')
            .then(|| digits(h, 16))??
    } else if body == "0" {
        0
    } else if let Some(o) = body.strip_prefix('0') {
        // `[-+]?0[0-7_]+`, underscores dropped: `0_` is `0`, which is 0.
        if !o.chars().all(|c| matches!(c, '0'..='7' | '_')) {
            return None;
        }
        if o.chars().all(|c| c == '_') {
            0
        } else {
            digits(o, 8)?
        }
    } else if body.starts_with(|c: char| c.is_ascii_digit()) && body.contains(':') {
        // Sexagesimal: 1:30 is 90.
        let mut total: i128 = 0;
        for (i, part) in body.split(':').enumerate() {
            let ok = if i == 0 {
                part.starts_with(|c: char| ('1'..='9').contains(&c))
                    && part.chars().all(|c| c.is_ascii_digit() || c == '_')
            } else {
                (1..=2).contains(&part.len())
                    && part.chars().all(|c| c.is_ascii_digit())
                    && part.parse::<i64>().ok()? < 60
            };
            if !ok {
                return None;
            }
            let part = digits(part, 10)?;
            let Some(next) = total.checked_mul(60).and_then(|t| t.checked_add(part)) else {
                overflow.set(true);
                return None;
            };
            total = next;
        }
        total
    } else if body.starts_with(|c: char| ('1'..='9').contains(&c))
        && body.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        digits(body, 10)?
    } else {
        return None;
    };
    let value = if negative { -value } else { value };
    let value = i64::try_from(value).ok();
    if value.is_none() {
        overflow.set(true);
    }
    value
}

/// PyYAML's float pattern: `[-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?`,
/// `\.[0-9][0-9_]*([eE][-+][0-9]+)?` (no sign: `-.5` and `._5` are
/// text), sexagesimal, `[-+]?.inf`, `.nan`.
fn yaml11_float(text: &str) -> Option<f64> {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let signed = body.len() != text.len();
    match body {
        ".inf" | ".Inf" | ".INF" => {
            return Some(if text.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            });
        }
        ".nan" | ".NaN" | ".NAN" if !signed => return Some(f64::NAN),
        _ => {}
    }
    // [0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)? or \.[0-9_]+(...)?
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.')?;
    if int.contains(':') {
        return sexagesimal_float(text, int, frac, exponent);
    }
    let int_ok = int.is_empty() && !signed && frac.starts_with(|c: char| c.is_ascii_digit())
        || int.starts_with(|c: char| c.is_ascii_digit())
            && int.chars().all(|c| c.is_ascii_digit() || c == '_');
    let frac_ok = frac.chars().all(|c| c.is_ascii_digit() || c == '_');
    let exp_ok = exponent.is_none_or(|e| {
        e.len() > 1 && e.starts_with(['-', '+']) && e[1..].chars().all(|c| c.is_ascii_digit())
    });
    if !(int_ok && frac_ok && exp_ok) {
        return None;
    }
    text.replace('_', "").parse().ok()
}

/// PyYAML's `[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*`: `1:30.5` is
/// 90.5.
fn sexagesimal_float(text: &str, int: &str, frac: &str, exponent: Option<&str>) -> Option<f64> {
    let mut parts = int.split(':');
    let first = parts.next()?;
    let first_ok = first.starts_with(|c: char| c.is_ascii_digit())
        && first.chars().all(|c| c.is_ascii_digit() || c == '_');
    if exponent.is_some() || !first_ok || !frac.chars().all(|c| c.is_ascii_digit() || c == '_') {
        return None;
    }
    let mut digits: Vec<String> = vec![first.replace('_', "")];
    for part in parts {
        let ok = (1..=2).contains(&part.len())
            && part.chars().all(|c| c.is_ascii_digit())
            && part.parse::<u8>().ok()? < 60;
        if !ok {
            return None;
        }
        digits.push(part.to_string());
    }
    // PyYAML: the last part keeps the fraction; each part a float, summed
    // from the last with base 1, 60, 3600, ...
    let last = digits.pop()?;
    digits.push(format!("{last}.{}", frac.replace('_', "")));
    let mut value = 0.0;
    let mut base = 1.0;
    for d in digits.iter().rev() {
        value += d.parse::<f64>().ok()? * base;
        base *= 60.0;
    }
    Some(if text.starts_with('-') { -value } else { value })
}

#[cfg(test)]
#[path = "yaml11_table_tests.rs"]
mod table_tests;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_scalars_as_ansible_reads_them() {
        for (text, expected) in [
            ("yes", Value::Bool(true)),
            // The 64-bit bounds (the magnitude of the lower one is not).
            ("-9223372036854775808", Value::from(i64::MIN)),
            ("-0x8000_0000_0000_0000", Value::from(i64::MIN)),
            ("9223372036854775807", Value::from(i64::MAX)),
            ("Off", Value::Bool(false)),
            ("'yes'", Value::String("yes".into())),
            ("022", Value::from(18)),
            ("0x16", Value::from(22)),
            ("2_222", Value::from(2222)),
            ("1:30", Value::from(90)),
            ("1:30.5", Value::from(90.5)),
            ("-1:00:30.25", Value::from(-3630.25)),
            ("09", Value::String("09".into())),
            ("0", Value::from(0)),
            ("-12", Value::from(-12)),
            ("1.5", Value::from(1.5)),
            ("~", Value::Null),
            ("esa01", Value::String("esa01".into())),
            ("\"022\"", Value::String("022".into())),
            // PyYAML's `\.[0-9]...` float form has no sign and starts with
            // a digit; a second sign is text.
            (".5", Value::from(0.5)),
            ("._5", Value::String("._5".into())),
            ("-.5", Value::String("-.5".into())),
            ("--.inf", Value::String("--.inf".into())),
            ("-.inf", Value::from(f64::NEG_INFINITY)),
            ("1.", Value::from(1.0)),
            ("1e-5", Value::String("1e-5".into())),
            ("0.00001", Value::from(0.00001)),
            // Core tags whose plain reading has the tag's type (ansible-core
            // 2.19.14: 22.0, -22.0, 10.0, 0, 90, True).
            ("!!float '22'", Value::from(22.0)),
            ("!!float '-22'", Value::from(-22.0)),
            ("!!float '+1_0'", Value::from(10.0)),
            ("!!int '-0'", Value::from(0)),
            ("!!int '1:30'", Value::from(90)),
            ("!!bool 'yes'", Value::Bool(true)),
            ("!!null ''", Value::Null),
        ] {
            assert_eq!(
                parse(&format!("v: {text}\n")).unwrap()["v"],
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn tags_merges_and_errors() {
        let v = parse(
            "a: &d {x: 1, y: 2}\nb:\n  <<: *d\n  y: 3\nc: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n",
        )
        .unwrap();
        assert_eq!(v["b"]["x"], Value::from(1));
        assert_eq!(v["b"]["y"], Value::from(3));
        assert!(matches!(&v["c"], Value::Tagged(t) if t.tag == "vault"));
        let e = parse("a: 1\nb: !python/object x\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("not supported"));
        assert_eq!(parse("a: [1\n").unwrap_err().line, 2);
        for (text, needle) in [
            ("a: *nope\n", "anchor"),
            ("a:\n  <<: 1\n", "merge key"),
            ("a:\n  <<: [1]\n", "merge key"),
            ("a: !custom {b: 1}\n", "not supported"),
            // PyYAML's `value` tag: Ansible cannot read the file.
            ("a: =\n", "a plain `=`"),
            // Python ints beyond 64 bits (ansible-core 2.19.14 keeps them).
            ("a: 123456789012345678901234\n", "beyond 64 bits"),
            ("a: 0x1_0000_0000_0000_0000\n", "beyond 64 bits"),
            ("a: -9223372036854775809\n", "beyond 64 bits"),
            ("a: 9223372036854775808\n", "beyond 64 bits"),
            ("a: 9999999999999999:00:00\n", "beyond 64 bits"),
            ("a: [=]\n", "a plain `=`"),
            // Core tags PyYAML constructs from text its plain form does not
            // read (ansible-core 2.19.14: 22, 22, 22.0, 100000.0, True, None).
            ("a: !!int '0o26'\n", "`!!int \"0o26\"`"),
            ("a: !!int ' 22'\n", "`!!int \" 22\"`"),
            ("a: !!float '022'\n", "`!!float \"022\"`"),
            ("a: !!float '1e5'\n", "`!!float \"1e5\"`"),
            ("a: !!bool 'yEs'\n", "`!!bool \"yEs\"`"),
            ("a: !!null 'x'\n", "`!!null \"x\"`"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.message.contains(needle), "{text}: {}", e.message);
        }
        assert_eq!(
            parse("a: !!str 022\nb: !!int 022\n").unwrap()["a"],
            Value::from("022")
        );
        assert_eq!(parse("b: !!int 022\n").unwrap()["b"], Value::from(18));
        assert_eq!(parse("").unwrap(), Value::Null);
    }

    /// ansible-core 2.19.14 (`ansible-inventory --host`) on
    /// `<<: [*a, *b]` with a key in both: `x` keeps the first mapping's
    /// value, `xx` the last's (its loader's duplicate-key check), PyYAML the
    /// first for both. Disputed keys are refused; agreeing ones and keys the
    /// mapping sets itself are read.
    #[test]
    fn merge_list_reads_only_what_has_one_reading() {
        for text in [
            "a: &a {x: 1, y: 2}\nb: &b {x: 3, z: 4}\nh:\n  <<: [*a, *b]\n  w: 0\n",
            "a: &a {xx: 1}\nb: &b {xx: 3}\nh:\n  <<: [*a, *b]\n",
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, 4, "{text}");
            assert!(e.message.contains("different values"), "{}", e.message);
        }
        let v = parse(
            "a: &a {x: 1, y: 2}\nb: &b {x: 1, z: 4}\nh:\n  <<: [*a, *b]\n  w: 0\nk:\n  <<: [*a, *b]\n  x: 9\n",
        )
        .unwrap();
        assert_eq!(v["h"]["x"], Value::from(1));
        assert_eq!(v["h"]["y"], Value::from(2));
        assert_eq!(v["h"]["z"], Value::from(4));
        assert_eq!(v["k"]["x"], Value::from(9));
        let v = parse("a: &a {x: 1}\nb: &b {x: 3}\nk:\n  <<: [*a, *b]\n  x: 9\n").unwrap();
        assert_eq!(v["k"]["x"], Value::from(9));
    }

    /// An error about the value of a secret-named key quotes none of it,
    /// however short (docs/SECURITY.md I4); another key's value is quoted.
    #[test]
    fn an_error_under_a_secret_named_key_quotes_no_value() {
        for value in [
            "!!int \"Pw7\"",
            "!!float Pw7",
            "!!bool Pw7",
            "!!null Pw7",
            "2026-02-30",
            "!!timestamp Pw7",
            "!unknown Pw7",
            "!!set {Pw7: 1}",
            "[!!int Pw7]",
            "{x: !!int Pw7}",
        ] {
            for key in ["ansible_password", "db_secret", "api_key", "my_Token"] {
                let e = parse(&format!("h:\n  {key}: {value}\n")).unwrap_err();
                assert_eq!(e.line, 2, "{value}");
                assert!(!e.message.contains("Pw7"), "{key}: {value}: {}", e.message);
                assert!(!e.message.contains("2026-02-30"), "{}", e.message);
                assert!(e.message.contains("***"), "{}", e.message);
            }
        }
        for (value, quoted) in [("!!int Pw7", "Pw7"), ("2026-02-30", "2026-02-30")] {
            let e = parse(&format!("h:\n  motd: {value}\n")).unwrap_err();
            assert!(e.message.contains(quoted), "{value}: {}", e.message);
        }
    }

    /// Python's json keeps an integer beyond 64 bits exact; serde_json
    /// would make it a float: refused at its line. One within 64 bits, and
    /// digits in text, are read.
    #[test]
    fn a_json_integer_beyond_64_bits_is_refused() {
        let e = parse_data("{\"a\": 1,\n \"b\": [123456789012345678901234]}").unwrap_err();
        assert_eq!(e.line, 2);
        // Not quoted: the number may be a secret-named key's value.
        assert!(
            e.message
                .contains("an integer of 24 digits is beyond 64 bits"),
            "{}",
            e.message
        );
        assert!(!e.message.contains("1234567890"), "{}", e.message);
        let e = parse_data("{\"a\": -9223372036854775809}").unwrap_err();
        assert!(e.message.contains("beyond 64 bits"), "{}", e.message);
        let v = parse_data(
            "{\"a\": 18446744073709551615, \"b\": \"123456789012345678901234\", \"c\": 1.5e300}",
        )
        .unwrap();
        assert_eq!(v["a"], Value::from(u64::MAX));
        assert_eq!(v["b"], Value::from("123456789012345678901234"));
    }

    #[test]
    fn a_second_document_is_refused_at_its_line() {
        let e = parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("single document"), "{}", e.message);
        assert_eq!(parse("---\na: 1\n...\n").unwrap()["a"], Value::from(1));
    }
}
