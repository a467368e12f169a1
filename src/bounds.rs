//! Bounds on what operators and their files may ask for, checked where the
//! value is parsed: a duration is at most a day and never zero (a zero
//! timeout can only fail; a huge one overflows the clock), and a file
//! sshfleet reads is a regular file of bounded size.

use std::time::Duration;

/// The longest sshfleet waits for anything: no TAC procedure waits a day.
pub(crate) const MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);

/// `15s`, `10m`, `1h`: a duration within (0, [`MAX_DURATION`]].
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text)
        .map_err(|e| format!("`{text}` is not a duration like 15s, 10m, 1h: {e}"))?;
    if d.is_zero() {
        return Err(format!(
            "`{text}` is zero: a wait of nothing can only fail; give a duration like 15s"
        ));
    }
    if d > MAX_DURATION {
        return Err(format!(
            "`{text}` is more than a day, the longest sshfleet waits for anything"
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn durations_are_positive_and_at_most_a_day() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("24h"), Ok(MAX_DURATION));
        assert!(parse_duration("0s").unwrap_err().contains("zero"));
        assert!(
            parse_duration("25h")
                .unwrap_err()
                .contains("more than a day")
        );
        assert!(
            parse_duration("18446744073709551615s")
                .unwrap_err()
                .contains("18446744073709551615s")
        );
        assert!(
            parse_duration("ten")
                .unwrap_err()
                .contains("not a duration")
        );
    }
}
