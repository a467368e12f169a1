//! YAML 1.1 timestamps as PyYAML reads them for Ansible. An unquoted
//! `2024-01-02` or `2001-12-14 21:59:43.10 -5` is not text to Ansible but
//! a Python `date` or `datetime`: `ansible-inventory --list` shows it as
//! `isoformat()` (`2001-12-14T21:59:43.100000-05:00`), a template that
//! puts it among text prints Python's `str()` (`2001-12-14
//! 21:59:43.100000-05:00`), a list prints its `repr()`, and a connection
//! option refuses it. Those three texts are computed here, exactly, so that
//! what sshfleet shows and uses is what Ansible would; a date PyYAML cannot
//! build (`2024-02-30`) makes the file unreadable, as it does for Ansible.

use std::cmp::Ordering;
use std::sync::{Arc, LazyLock};

use minijinja::value::{DynObject, Object, ObjectRepr};
use minijinja::{Error, ErrorKind, Value as J};
use regex::Regex;
use serde_yaml::Value;
use serde_yaml::value::{Tag, TaggedValue};

/// The tag of a timestamp in a [`Value`]; the tagged value is its
/// `isoformat()`, from which [`of`] reads it back.
pub(super) const TAG: &str = "timestamp";

/// PyYAML's implicit resolver for `tag:yaml.org,2002:timestamp`: which
/// plain scalars are timestamps (a date alone needs two-digit month and
/// day; `2024-1-2` stays text).
static IMPLICIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]",
        r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?",
        r"(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?",
        r"(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$"
    ))
    .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

/// PyYAML's `construct_yaml_timestamp` pattern (looser than the resolver
/// for a date alone: an explicit `!!timestamp 2024-1-2` is a date).
static CONSTRUCT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?P<year>[0-9][0-9][0-9][0-9])-(?P<month>[0-9][0-9]?)-(?P<day>[0-9][0-9]?)",
        r"(?:(?:[Tt]|[ \t]+)(?P<hour>[0-9][0-9]?):(?P<minute>[0-9][0-9]):(?P<second>[0-9][0-9])",
        r"(?:\.(?P<fraction>[0-9]*))?",
        r"(?:[ \t]*(?P<tz>Z|(?P<sign>[-+])(?P<tzh>[0-9][0-9]?)(?::(?P<tzm>[0-9][0-9]))?))?)?$"
    ))
    .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

/// A Python `date`, or `datetime` (naive, or with a fixed offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Stamp {
    year: u32,
    month: u32,
    day: u32,
    time: Option<Time>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Time {
    hour: u32,
    minute: u32,
    second: u32,
    micro: u32,
    /// The UTC offset in minutes (`None`: a naive datetime).
    offset: Option<i32>,
}

/// Whether PyYAML reads this plain scalar as a timestamp.
pub(super) fn is_implicit(text: &str) -> bool {
    IMPLICIT.is_match(text)
}

/// The timestamp `text` stands for, as PyYAML builds it; `Err` says why
/// Python refuses it (a 30 February, an hour 24, an offset of a day).
pub(super) fn construct(text: &str) -> Result<Stamp, String> {
    let caps = CONSTRUCT
        .captures(text)
        .ok_or_else(|| format!("`{text}` is not a YAML timestamp"))?;
    let num = |name: &str| -> u32 {
        caps.name(name)
            .and_then(|m| m.as_str().parse().ok())
            .unwrap_or(0)
    };
    let (year, month, day) = (num("year"), num("month"), num("day"));
    if year == 0 {
        return Err(format!("`{text}`: year {year} is out of range"));
    }
    if !(1..=12).contains(&month) {
        return Err(format!("`{text}`: month must be in 1..12"));
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(format!("`{text}`: day is out of range for month"));
    }
    if caps.name("hour").is_none() {
        return Ok(Stamp {
            year,
            month,
            day,
            time: None,
        });
    }
    let (hour, minute, second) = (num("hour"), num("minute"), num("second"));
    for (value, limit, what) in [
        (hour, 23, "hour"),
        (minute, 59, "minute"),
        (second, 59, "second"),
    ] {
        if value > limit {
            return Err(format!("`{text}`: {what} must be in 0..{limit}"));
        }
    }
    // PyYAML keeps the first six digits of the fraction, padded.
    let fraction = caps.name("fraction").map_or("", |m| m.as_str());
    let micro = if fraction.is_empty() {
        0
    } else {
        format!("{:0<6}", &fraction[..fraction.len().min(6)])
            .parse()
            .unwrap_or(0)
    };
    let offset = match (caps.name("sign"), caps.name("tz")) {
        (Some(sign), _) => {
            let minutes = i32::try_from(num("tzh") * 60 + num("tzm")).unwrap_or(i32::MAX);
            if minutes >= 24 * 60 {
                return Err(format!(
                    "`{text}`: a UTC offset must be strictly between -24 and 24 hours"
                ));
            }
            Some(if sign.as_str() == "-" {
                -minutes
            } else {
                minutes
            })
        }
        (None, Some(_)) => Some(0),
        (None, None) => None,
    };
    Ok(Stamp {
        year,
        month,
        day,
        time: Some(Time {
            hour,
            minute,
            second,
            micro,
            offset,
        }),
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 0000-03-01 (proleptic Gregorian), to compare instants.
fn days_from_civil(year: u32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let (era, yoe) = (y.div_euclid(400), y.rem_euclid(400));
    let mp = (i64::from(month) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy
}

/// `stamp` as an inventory value.
pub(super) fn tagged(stamp: &Stamp) -> Value {
    Value::Tagged(Box::new(TaggedValue {
        tag: Tag::new(TAG),
        value: Value::String(stamp.isoformat()),
    }))
}

/// The timestamp an inventory value holds, if it is one.
pub(super) fn of(value: &Value) -> Option<Stamp> {
    match value {
        Value::Tagged(t) if t.tag == TAG => construct(t.value.as_str()?).ok(),
        _ => None,
    }
}

impl Stamp {
    /// Python's `isoformat()` (what `ansible-inventory --list` prints).
    pub(super) fn isoformat(&self) -> String {
        self.text('T')
    }

    /// Python's `str()` (what a template prints among text).
    pub(super) fn py_str(&self) -> String {
        self.text(' ')
    }

    fn text(&self, sep: char) -> String {
        let date = format!("{:04}-{:02}-{:02}", self.year, self.month, self.day);
        let Some(t) = &self.time else {
            return date;
        };
        let mut out = format!("{date}{sep}{:02}:{:02}:{:02}", t.hour, t.minute, t.second);
        if t.micro != 0 {
            out.push_str(&format!(".{:06}", t.micro));
        }
        if let Some(offset) = t.offset {
            let sign = if offset < 0 { '-' } else { '+' };
            let abs = offset.unsigned_abs();
            out.push_str(&format!("{sign}{:02}:{:02}", abs / 60, abs % 60));
        }
        out
    }

    /// Python's `repr()` (what a list or mapping of them prints).
    pub(super) fn py_repr(&self) -> String {
        let (y, m, d) = (self.year, self.month, self.day);
        let Some(t) = &self.time else {
            return format!("datetime.date({y}, {m}, {d})");
        };
        let mut fields = format!("{y}, {m}, {d}, {}, {}", t.hour, t.minute);
        if t.micro != 0 {
            fields.push_str(&format!(", {}, {}", t.second, t.micro));
        } else if t.second != 0 {
            fields.push_str(&format!(", {}", t.second));
        }
        match t.offset {
            None => {}
            Some(0) => fields.push_str(", tzinfo=datetime.timezone.utc"),
            Some(minutes) => {
                // timedelta's repr: whole days (negative for a negative
                // offset) and the remaining seconds.
                let seconds = i64::from(minutes) * 60;
                let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
                let delta = if days == 0 {
                    format!("seconds={rest}")
                } else {
                    format!("days={days}, seconds={rest}")
                };
                fields.push_str(&format!(
                    ", tzinfo=datetime.timezone(datetime.timedelta({delta}))"
                ));
            }
        }
        format!("datetime.datetime({fields})")
    }

    /// Python's ordering, where Python has one: dates with dates, naive
    /// datetimes with naive ones, aware ones by their instant.
    fn python_cmp(&self, other: &Stamp) -> Option<Ordering> {
        let key = |s: &Stamp| -> (i64, u32) {
            let t = s.time.as_ref();
            let seconds = t.map_or(0, |t| {
                i64::from(t.hour * 3600 + t.minute * 60 + t.second)
                    - i64::from(t.offset.unwrap_or(0)) * 60
            });
            (
                days_from_civil(s.year, s.month, s.day) * 86_400 + seconds,
                t.map_or(0, |t| t.micro),
            )
        };
        let kind = |s: &Stamp| s.time.as_ref().map(|t| t.offset.is_some());
        (kind(self) == kind(other)).then(|| key(self).cmp(&key(other)))
    }
}

/// A timestamp inside a template: prints as Python's `str()`; any
/// attribute (`.year`) is refused, as sshfleet does not model them.
#[derive(Debug)]
pub(super) struct Timestamp(pub(super) Stamp);

impl Object for Timestamp {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &J) -> Option<J> {
        Some(J::from(Error::new(
            ErrorKind::InvalidOperation,
            format!("`.{key}` of a date/time (an unquoted YAML timestamp) is not supported"),
        )))
    }

    fn custom_cmp(self: &Arc<Self>, other: &DynObject) -> Option<Ordering> {
        self.0.python_cmp(&other.downcast_ref::<Timestamp>()?.0)
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.py_str())
    }
}

/// The timestamp a template value is, if it is one.
pub(super) fn in_template(value: &J) -> Option<&Stamp> {
    value.downcast_object_ref::<Timestamp>().map(|t| &t.0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// Each text as Python 3.11 prints what PyYAML 6 builds of it:
    /// `isoformat()`, `str()`, `repr()`.
    #[test]
    fn texts_are_pythons() {
        for (text, iso, repr) in [
            ("2002-12-14", "2002-12-14", "datetime.date(2002, 12, 14)"),
            (
                "2001-12-14t21:59:43.10-05:00",
                "2001-12-14T21:59:43.100000-05:00",
                "datetime.datetime(2001, 12, 14, 21, 59, 43, 100000, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=68400)))",
            ),
            (
                "2001-12-14 21:59:43.10 -5",
                "2001-12-14T21:59:43.100000-05:00",
                "datetime.datetime(2001, 12, 14, 21, 59, 43, 100000, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=68400)))",
            ),
            (
                "2001-12-15T02:59:43Z",
                "2001-12-15T02:59:43+00:00",
                "datetime.datetime(2001, 12, 15, 2, 59, 43, tzinfo=datetime.timezone.utc)",
            ),
            (
                "2001-1-2T1:02:00",
                "2001-01-02T01:02:00",
                "datetime.datetime(2001, 1, 2, 1, 2)",
            ),
            (
                "2001-12-14T21:59:43.123456789+05:30",
                "2001-12-14T21:59:43.123456+05:30",
                "datetime.datetime(2001, 12, 14, 21, 59, 43, 123456, tzinfo=datetime.timezone(datetime.timedelta(seconds=19800)))",
            ),
            (
                "2001-12-14 21:59:43.5 -0:30",
                "2001-12-14T21:59:43.500000-00:30",
                "datetime.datetime(2001, 12, 14, 21, 59, 43, 500000, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=84600)))",
            ),
            (
                "2001-12-14 21:59:43 -0",
                "2001-12-14T21:59:43+00:00",
                "datetime.datetime(2001, 12, 14, 21, 59, 43, tzinfo=datetime.timezone.utc)",
            ),
            (
                "2001-12-14 21:59:43+1:75",
                "2001-12-14T21:59:43+02:15",
                "datetime.datetime(2001, 12, 14, 21, 59, 43, tzinfo=datetime.timezone(datetime.timedelta(seconds=8100)))",
            ),
        ] {
            let s = construct(text).unwrap();
            assert_eq!(s.isoformat(), iso, "{text}");
            assert_eq!(s.py_str(), iso.replacen('T', " ", 1), "{text}");
            assert_eq!(s.py_repr(), repr, "{text}");
            assert_eq!(of(&tagged(&s)), Some(s), "{text}");
        }
    }

    #[test]
    fn which_plain_scalars_are_timestamps() {
        for text in [
            "2002-12-14",
            "2001-12-14 21:59:43",
            "2001-1-2t1:02:03.",
            "2001-12-14\t1:02:03 Z",
        ] {
            assert!(is_implicit(text), "{text}");
        }
        for text in [
            "2024-1-2",
            "2024-01-2",
            "02002-12-14",
            "2002-12-14 ",
            "2002-12-14T1:02",
            "x2002-12-14",
            "2002-12-14 1:02:03 z",
        ] {
            assert!(!is_implicit(text), "{text}");
        }
        for (text, why) in [
            ("2024-02-30", "day"),
            ("2023-02-29", "day"),
            ("2024-13-01", "month"),
            ("0000-01-01", "year"),
            ("2024-01-01 24:00:00", "hour"),
            ("2024-01-01 1:60:00", "minute"),
            ("2024-01-01 1:00:60", "second"),
            ("2024-01-01 1:00:00 +24", "offset"),
        ] {
            assert!(construct(text).unwrap_err().contains(why), "{text}");
        }
        assert!(construct("2024-02-29").is_ok());
    }
}
