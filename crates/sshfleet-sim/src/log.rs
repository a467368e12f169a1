//! An appliance log whose lines can be written ahead of time: an update
//! schedules its whole sequence at once, each line due at the instant the
//! appliance would have written it. Readers only ever see lines that are due,
//! so no background task is needed and the model runs the same way over
//! russh and over stdio.

use std::collections::VecDeque;

use chrono::NaiveDateTime;
use tokio::time::Instant;

/// `Tue May 20 11:26:55 2025`, the AsyncOS log and `status` timestamp:
/// appliance local time, no zone (`docs/DEVICES.md`, "The ESA procedure").
pub(crate) const LOG_TIME_FORMAT: &str = "%a %b %e %H:%M:%S %Y";

/// Oldest lines are forgotten past this, so a long rehearsal stays bounded.
const MAX_LINES: usize = 10_000;

#[derive(Debug, Clone)]
struct Entry {
    due: Instant,
    text: String,
}

/// Position of a reader in a [`Log`]: the sequence number of the next line
/// it has not seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cursor(u64);

#[derive(Debug, Clone)]
pub(crate) struct Log {
    /// Sorted by `due`; ties keep insertion order.
    entries: VecDeque<Entry>,
    /// Sequence number of `entries[0]`.
    first_seq: u64,
}

impl Default for Log {
    fn default() -> Self {
        Self::new()
    }
}

impl Log {
    pub(crate) fn new() -> Self {
        Self {
            entries: VecDeque::new(),
            first_seq: 0,
        }
    }

    /// Adds `message` stamped `stamp` (appliance clock), visible from `due`.
    ///
    /// Lines are only ever scheduled at or after the present, so a new line
    /// lands after every line already visible and readers' cursors stay valid.
    pub(crate) fn push(&mut self, due: Instant, stamp: NaiveDateTime, message: &str) {
        let text = format!("{} {}", stamp.format(LOG_TIME_FORMAT), message);
        let at = self.entries.partition_point(|e| e.due <= due);
        self.entries.insert(at, Entry { due, text });
        while self.entries.len() > MAX_LINES {
            self.entries.pop_front();
            self.first_seq = self.first_seq.saturating_add(1);
        }
    }

    fn visible_len(&self, now: Instant) -> usize {
        self.entries.partition_point(|e| e.due <= now)
    }

    /// Every line visible at `now`, oldest first.
    pub(crate) fn visible(&self, now: Instant) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .take(self.visible_len(now))
            .map(|e| e.text.as_str())
    }

    /// A cursor placed so that the next read returns the last `n` visible lines.
    pub(crate) fn cursor_last(&self, n: usize, now: Instant) -> Cursor {
        let start = self.visible_len(now).saturating_sub(n);
        Cursor(self.first_seq.saturating_add(start as u64))
    }

    /// Lines that became visible since `cursor` (advanced past them), and
    /// when the next scheduled line will become visible.
    pub(crate) fn read_from(
        &self,
        cursor: &mut Cursor,
        now: Instant,
    ) -> (Vec<String>, Option<Instant>) {
        let visible = self.visible_len(now);
        let start = usize::try_from(cursor.0.saturating_sub(self.first_seq))
            .unwrap_or(usize::MAX)
            .min(visible);
        let lines = self
            .entries
            .iter()
            .skip(start)
            .take(visible - start)
            .map(|e| e.text.clone())
            .collect();
        cursor.0 = self.first_seq.saturating_add(visible as u64);
        let next_due = self.entries.get(visible).map(|e| e.due);
        (lines, next_due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn stamp() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2025, 5, 20)
            .and_then(|d| d.and_hms_opt(11, 26, 55))
            .unwrap_or_default()
    }

    #[test]
    fn formats_like_asyncos() {
        let mut log = Log::new();
        let now = Instant::now();
        log.push(now, stamp(), "Info: enrollment_client update completed");
        let lines: Vec<_> = log.visible(now).collect();
        assert_eq!(
            lines,
            ["Tue May 20 11:26:55 2025 Info: enrollment_client update completed"]
        );
    }

    #[test]
    fn future_lines_are_hidden_until_due() {
        let mut log = Log::new();
        let now = Instant::now();
        log.push(now, stamp(), "old");
        log.push(now + Duration::from_secs(10), stamp(), "later");
        log.push(now + Duration::from_secs(5), stamp(), "sooner");
        assert_eq!(log.visible(now).count(), 1);

        let mut cursor = log.cursor_last(10, now);
        let (lines, next) = log.read_from(&mut cursor, now);
        assert_eq!(lines.len(), 1);
        assert_eq!(next, Some(now + Duration::from_secs(5)));

        let (lines, next) = log.read_from(&mut cursor, now + Duration::from_secs(6));
        assert_eq!(lines.len(), 1);
        assert!(lines[0].ends_with("sooner"));
        assert_eq!(next, Some(now + Duration::from_secs(10)));

        let (lines, next) = log.read_from(&mut cursor, now + Duration::from_secs(60));
        assert!(lines[0].ends_with("later"));
        assert_eq!(next, None);
    }

    #[test]
    fn cursor_last_takes_the_tail() {
        let mut log = Log::new();
        let now = Instant::now();
        for i in 0..25 {
            log.push(now, stamp(), &format!("line {i}"));
        }
        let mut cursor = log.cursor_last(10, now);
        let (lines, _) = log.read_from(&mut cursor, now);
        assert_eq!(lines.len(), 10);
        assert!(lines[0].ends_with("line 15"));
        let (lines, _) = log.read_from(&mut cursor, now);
        assert!(lines.is_empty());
    }

    #[test]
    fn stays_bounded_and_cursors_survive_trimming() {
        let mut log = Log::new();
        let now = Instant::now();
        let mut cursor = log.cursor_last(0, now);
        for i in 0..(MAX_LINES + 5) {
            log.push(now, stamp(), &format!("line {i}"));
        }
        assert_eq!(log.visible(now).count(), MAX_LINES);
        let (lines, _) = log.read_from(&mut cursor, now);
        assert_eq!(lines.len(), MAX_LINES);
        assert!(lines[0].ends_with("line 5"));
    }
}
