//! Time travel: a recording's log lines carry the appliance's time of the
//! recording. Replayed as recorded, a playbook that compares them with the
//! clock it reads (stale completions, stamps in the future) would judge a
//! past day. Every time that matches the recording's timestamp pattern,
//! and every occurrence of the clock's own text, is moved by the same
//! amount (now − recorded clock), forwards or backwards, and written back
//! in the same format: what was fresh stays fresh, what was old stays old,
//! what was in the appliance's future stays there.

use chrono::{NaiveDateTime, TimeDelta};
use regex::Regex;

use crate::{Event, Header, Timed};

/// How to move one recording's times.
#[derive(Debug, Clone)]
pub struct Shift {
    delta: TimeDelta,
    pattern: Option<Regex>,
    format: String,
    /// The clock's text as recorded, and as it reads shifted.
    clock: Option<(String, String)>,
}

/// An appliance time, tolerating the doubled space of day numbers below 10
/// (`May  5`) that ctime-style stamps use, as the playbook engine does.
/// `at` in `format`; `None` where the format cannot write a date without a
/// zone (`%z` parses, and is ignored, but cannot be written): chrono's
/// `to_string` would panic there.
fn format_time(at: NaiveDateTime, format: &str) -> Option<String> {
    use std::fmt::Write as _;
    let mut out = String::new();
    write!(out, "{}", at.format(format)).ok()?;
    Some(out)
}

fn parse_time(text: &str, format: &str) -> Option<NaiveDateTime> {
    let squeezed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    NaiveDateTime::parse_from_str(&squeezed, format).ok()
}

impl Shift {
    /// The shift that brings the recording's clock to `now`, or `None`
    /// when the recording has no clock (nothing to shift by) or its clock
    /// does not parse with its own format.
    pub fn to_now(header: &Header, now: NaiveDateTime) -> Option<Shift> {
        let clock = header.clock.as_ref()?;
        let recorded = parse_time(&clock.text, &clock.format)?;
        Shift::by(header, now - recorded)
    }

    /// A shift by `delta`.
    pub fn by(header: &Header, delta: TimeDelta) -> Option<Shift> {
        let pattern = match &header.timestamps {
            Some(t) => Some(Regex::new(&t.pattern).ok()?),
            None => None,
        };
        let format = header
            .timestamps
            .as_ref()
            .map(|t| t.format.clone())
            .or_else(|| header.clock.as_ref().map(|c| c.format.clone()))?;
        let clock = header.clock.as_ref().and_then(|c| {
            let at = parse_time(&c.text, &c.format)?.checked_add_signed(delta)?;
            Some((c.text.clone(), format_time(at, &c.format)?))
        });
        Some(Shift {
            delta,
            pattern,
            format,
            clock,
        })
    }

    /// How far times move.
    pub fn delta(&self) -> TimeDelta {
        self.delta
    }

    /// `text` with every stamped line and every clock reading moved.
    /// Lines end at `\n`; a `\r` before it is kept.
    pub fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            let (body, end) = split_end(line);
            match self.stamp_in(body) {
                Some((start, stop, shifted)) => {
                    out.push_str(&body[..start]);
                    out.push_str(&shifted);
                    out.push_str(&body[stop..]);
                }
                None => match &self.clock {
                    Some((from, to)) if body.contains(from.as_str()) => {
                        out.push_str(&body.replace(from.as_str(), to));
                    }
                    _ => out.push_str(body),
                },
            }
            out.push_str(end);
        }
        out
    }

    /// Where `line` carries a stamp of the pattern, and that stamp moved.
    fn stamp_in(&self, line: &str) -> Option<(usize, usize, String)> {
        let pattern = self.pattern.as_ref()?;
        let ts = pattern.captures(line)?.name("ts")?;
        let at = parse_time(ts.as_str(), &self.format)?.checked_add_signed(self.delta)?;
        Some((ts.start(), ts.end(), format_time(at, &self.format)?))
    }

    /// `events` with no stamped line, and no clock reading, cut between
    /// two `out` chunks: a stamp must be whole to be moved. A cut inside
    /// one moves to its end (those bytes come with the earlier chunk).
    pub fn regroup(&self, events: Vec<Timed>) -> Vec<Timed> {
        let mut result = Vec::with_capacity(events.len());
        let mut run: Vec<Timed> = Vec::new();
        for timed in events {
            if matches!(timed.event, Event::Out(_)) {
                run.push(timed);
            } else {
                result.extend(self.regroup_run(std::mem::take(&mut run)));
                result.push(timed);
            }
        }
        result.extend(self.regroup_run(run));
        result
    }

    fn regroup_run(&self, run: Vec<Timed>) -> Vec<Timed> {
        if run.len() < 2 {
            return run;
        }
        let mut joined = String::new();
        let mut cuts = Vec::with_capacity(run.len());
        for timed in &run {
            if let Event::Out(text) = &timed.event {
                joined.push_str(text);
            }
            cuts.push(joined.len());
        }
        let mut spans = Vec::new();
        let mut start = 0;
        for line in joined.split_inclusive('\n') {
            let (body, _) = split_end(line);
            let stamped = self.stamp_in(body).is_some();
            if stamped {
                spans.push((start, start + line.len()));
            }
            if let Some((from, _)) = &self.clock {
                for (at, _) in body.match_indices(from.as_str()) {
                    spans.push((start + at, start + at + from.len()));
                }
            }
            start += line.len();
        }
        let mut previous = 0;
        for cut in &mut cuts {
            for &(from, to) in &spans {
                if *cut > from && *cut < to {
                    *cut = to;
                }
            }
            *cut = (*cut).max(previous);
            previous = *cut;
        }
        let mut from = 0;
        run.into_iter()
            .zip(cuts)
            .filter_map(|(timed, cut)| {
                let text = joined.get(from..cut)?.to_string();
                from = cut;
                (!text.is_empty()).then_some(Timed {
                    ms: timed.ms,
                    event: Event::Out(text),
                })
            })
            .collect()
    }
}

/// A line and its ending (`\r\n`, `\n` or nothing), as a recording's
/// output lines end; sshfleet's stored-line guard cuts them the same way.
pub fn split_end(line: &str) -> (&str, &str) {
    if let Some(body) = line.strip_suffix("\r\n") {
        (body, "\r\n")
    } else if let Some(body) = line.strip_suffix('\n') {
        (body, "\n")
    } else {
        (line, "")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn shift(days: i64) -> Shift {
        Shift::by(&crate::tests::sample().header, TimeDelta::days(days)).unwrap()
    }

    #[test]
    fn stamps_and_the_clock_move_both_ways_in_their_format() {
        let text = "tail ecs\r\nTue May 20 11:20:01 2025 Info: ECS: old\r\n\
                    Status as of:  Tue May 20 11:26:55 2025\r\nesa01> ";
        let later = shift(365 + 2).apply(text);
        assert_eq!(
            later,
            "tail ecs\r\nFri May 22 11:20:01 2026 Info: ECS: old\r\n\
             Status as of:  Fri May 22 11:26:55 2026\r\nesa01> "
        );
        let earlier = shift(-15).apply(text);
        assert!(
            earlier.contains("\r\nMon May  5 11:20:01 2025 Info"),
            "{earlier}"
        );
        assert!(earlier.contains("Status as of:  Mon May  5 11:26:55 2025\r\n"));
        // Unstamped text is left alone, byte for byte.
        assert_eq!(shift(3).apply("no stamp here\r\n"), "no stamp here\r\n");
    }

    #[test]
    fn a_format_that_parses_but_cannot_be_written_moves_nothing_and_never_panics() {
        // `%z` parses (and is ignored) without a zone, but cannot be
        // written: chrono's `to_string` would panic.
        let mut header = crate::tests::sample().header;
        let format = "%Y-%m-%d %H:%M:%S %z".to_string();
        if let Some(clock) = &mut header.clock {
            clock.text = "2025-05-20 11:26:55 +0000".to_string();
            clock.format = format.clone();
        }
        if let Some(stamps) = &mut header.timestamps {
            stamps.pattern = r"^(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+\d{4}) ".to_string();
            stamps.format = format;
        }
        let now = parse_time("2026-01-01 00:00:00 +0000", "%Y-%m-%d %H:%M:%S %z").unwrap();
        let shift = Shift::to_now(&header, now).unwrap();
        let text = "2025-05-20 11:20:01 +0000 Info: ECS\r\n";
        assert_eq!(shift.apply(text), text);
    }

    #[test]
    fn to_now_brings_the_clock_to_now() {
        let header = crate::tests::sample().header;
        let now = parse_time("Wed Jun 11 08:00:00 2025", "%a %b %e %H:%M:%S %Y").unwrap();
        let shift = Shift::to_now(&header, now).unwrap();
        assert_eq!(
            shift.apply("Status as of: Tue May 20 11:26:55 2025"),
            "Status as of: Wed Jun 11 08:00:00 2025"
        );
    }

    #[test]
    fn a_stamp_split_between_chunks_is_joined_before_it_is_moved() {
        let out = |ms, text: &str| Timed {
            ms,
            event: Event::Out(text.to_string()),
        };
        let events = vec![
            out(1, "x\r\nTue May 2"),
            out(2, "0 11:20:01 2025 Info: a\r\nTue"),
            out(3, " May 20 11:20:02 2025 Info: b\r\nesa01> "),
            Timed {
                ms: 4,
                event: Event::Key(crate::CTRL_C.to_string()),
            },
        ];
        let regrouped = shift(1).regroup(events);
        let texts: Vec<String> = regrouped
            .iter()
            .filter_map(|t| match &t.event {
                Event::Out(text) => Some(text.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            texts,
            [
                "x\r\nTue May 20 11:20:01 2025 Info: a\r\n",
                "Tue May 20 11:20:02 2025 Info: b\r\n",
                "esa01> "
            ]
        );
        assert_eq!(regrouped.len(), 4);
        assert_eq!(regrouped[3].ms, 4);
    }
}
