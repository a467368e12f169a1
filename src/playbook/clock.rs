//! The appliance's clock as a follow step's `since:` reads it. A line is
//! fresh when stamped at or after the reading; it is evidence only when
//! also stamped no later than the reading plus the time elapsed since it
//! was read (plus a little slack for the clock's one-second resolution).
//! A clock stepped back (NTP, DST) leaves the backlog stamped in the
//! appliance's future, and such a line says nothing about this run.

use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, TimeDelta};

/// How far past the appliance's clock (as read, plus time elapsed) a
/// line's stamp may be: the stamps' one-second resolution and a slow
/// round trip.
const TOLERANCE: Duration = Duration::from_secs(10);

/// A time captured from the appliance and when it was captured.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reading {
    pub at: NaiveDateTime,
    /// `None`: not known when it was read; no future check.
    pub read: Option<Instant>,
}

impl Reading {
    /// Stamped later than the appliance's clock can be now.
    pub(crate) fn in_future(&self, stamp: NaiveDateTime) -> bool {
        let Some(read) = self.read else {
            return false;
        };
        let ahead = read.elapsed().saturating_add(TOLERANCE);
        let latest = TimeDelta::from_std(ahead)
            .ok()
            .and_then(|d| self.at.checked_add_signed(d));
        latest.is_some_and(|latest| stamp > latest)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_stamp_beyond_the_clock_and_the_time_since_is_in_the_future() {
        let at = NaiveDateTime::parse_from_str("2025-05-20 11:26:55", "%Y-%m-%d %H:%M:%S").unwrap();
        let reading = Reading {
            at,
            read: Some(Instant::now()),
        };
        assert!(!reading.in_future(at));
        assert!(!reading.in_future(at + TimeDelta::seconds(5)));
        assert!(reading.in_future(at + TimeDelta::minutes(45)));
        let unknown = Reading { at, read: None };
        assert!(!unknown.in_future(at + TimeDelta::minutes(45)));
    }
}
