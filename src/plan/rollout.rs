//! Staged rollout: a change that breaks appliances should break a few of
//! them, not the fleet. `--serial` cuts the selected hosts into batches run
//! one after the other (inventory order); `--max-fail-percent` stops before
//! the next batch when a batch went worse than the operator allows, as
//! Ansible's `serial` and `max_fail_percentage` do.

use std::fmt;
use std::str::FromStr;

/// Hosts per batch: a count, or a share of the selected hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Serial {
    Count(usize),
    /// 1..=100; rounded up, and at least one host.
    Percent(u8),
}

impl FromStr for Serial {
    type Err = String;

    fn from_str(text: &str) -> Result<Serial, String> {
        let text = text.trim();
        if let Some(number) = text.strip_suffix('%') {
            return match number.trim().parse::<u8>() {
                Ok(p @ 1..=100) => Ok(Serial::Percent(p)),
                _ => Err(format!(
                    "`{text}` is not a share of the fleet: write 1% to 100%"
                )),
            };
        }
        match text.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(Serial::Count(n)),
            _ => Err(format!(
                "`{text}` is not a batch size: write a number of hosts (at least 1) or a percentage such as 25%"
            )),
        }
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Serial::Count(n) => write!(f, "{n}"),
            Serial::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl Serial {
    /// Hosts per batch for a selection of `total` hosts.
    pub(crate) fn batch_size(self, total: usize) -> usize {
        match self {
            Serial::Count(n) => n,
            Serial::Percent(p) => (total * usize::from(p)).div_ceil(100),
        }
        .max(1)
    }
}

/// How a run is staged. The default is one batch and no threshold: the
/// whole selection at once, as before `--serial` existed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Rollout {
    pub serial: Option<Serial>,
    /// Stop when more than this share of a batch failed or was unreachable.
    pub max_fail_percent: Option<u8>,
}

impl Rollout {
    /// Sizes of the batches, in order, covering `total` hosts.
    pub(crate) fn batch_sizes(&self, total: usize) -> Vec<usize> {
        let size = self.serial.map_or(total, |s| s.batch_size(total)).max(1);
        let mut sizes = Vec::with_capacity(total.div_ceil(size));
        let mut left = total;
        while left > 0 {
            let take = size.min(left);
            sizes.push(take);
            left -= take;
        }
        sizes
    }

    /// Why to stop after batch `number` (1-based) in which `bad` of `size`
    /// hosts failed or were unreachable; `None` to go on.
    pub(crate) fn stop_after(&self, number: usize, bad: usize, size: usize) -> Option<String> {
        let limit = self.max_fail_percent?;
        // Integer comparison: 1 of 3 failing is over a 33 % limit.
        (size > 0 && bad * 100 > usize::from(limit) * size)
            .then(|| format!("batch {number} failed {}% > {limit}%", percent(bad, size)))
    }
}

/// `bad` of `size` as a percentage, with one decimal only when needed.
fn percent(bad: usize, size: usize) -> String {
    let tenths = (bad * 1000 + size / 2) / size;
    if tenths.is_multiple_of(10) {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

/// clap's parser for `--max-fail-percent`: 0 to 100, where 0 stops at the
/// first failed batch host.
pub(crate) fn parse_max_fail_percent(text: &str) -> Result<u8, String> {
    match text.trim().trim_end_matches('%').parse::<u8>() {
        Ok(p) if p <= 100 => Ok(p),
        _ => Err(format!("`{text}` is not a percentage from 0 to 100")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn serial_reads_counts_and_percentages_and_refuses_the_rest() {
        assert_eq!("2".parse(), Ok(Serial::Count(2)));
        assert_eq!("25%".parse(), Ok(Serial::Percent(25)));
        assert_eq!("100%".parse(), Ok(Serial::Percent(100)));
        for bad in ["0", "0%", "101%", "-1", "two", "", "%", "2.5", "25 %x"] {
            assert!(bad.parse::<Serial>().is_err(), "{bad:?} accepted");
        }
        assert!("0".parse::<Serial>().unwrap_err().contains("at least 1"));
    }

    #[test]
    fn percentages_round_up_and_never_reach_zero() {
        assert_eq!(Serial::Percent(25).batch_size(10), 3);
        assert_eq!(Serial::Percent(1).batch_size(10), 1);
        assert_eq!(Serial::Percent(100).batch_size(10), 10);
        assert_eq!(Serial::Percent(50).batch_size(0), 1);
        assert_eq!(Serial::Count(50).batch_size(3), 50);
    }

    #[test]
    fn batches_cover_every_host_in_order() {
        let rollout = |serial| Rollout {
            serial: Some(serial),
            max_fail_percent: None,
        };
        assert_eq!(rollout(Serial::Count(2)).batch_sizes(5), vec![2, 2, 1]);
        assert_eq!(
            rollout(Serial::Percent(25)).batch_sizes(10),
            vec![3, 3, 3, 1]
        );
        assert_eq!(rollout(Serial::Count(9)).batch_sizes(3), vec![3]);
        assert_eq!(Rollout::default().batch_sizes(7), vec![7]);
        assert!(Rollout::default().batch_sizes(0).is_empty());
    }

    #[test]
    fn threshold_is_strictly_more_than_the_limit() {
        let rollout = Rollout {
            serial: Some(Serial::Count(4)),
            max_fail_percent: Some(25),
        };
        assert_eq!(
            rollout.stop_after(1, 1, 4),
            None,
            "25% is not more than 25%"
        );
        assert_eq!(
            rollout.stop_after(2, 2, 4).as_deref(),
            Some("batch 2 failed 50% > 25%")
        );
        assert_eq!(
            rollout.stop_after(1, 1, 3).as_deref(),
            Some("batch 1 failed 33.3% > 25%")
        );
        let zero = Rollout {
            max_fail_percent: Some(0),
            ..rollout
        };
        assert!(zero.stop_after(1, 1, 100).is_some());
        assert_eq!(zero.stop_after(1, 0, 100), None);
        assert_eq!(Rollout::default().stop_after(1, 4, 4), None);
    }

    #[test]
    fn max_fail_percent_is_0_to_100() {
        assert_eq!(parse_max_fail_percent("0"), Ok(0));
        assert_eq!(parse_max_fail_percent("30%"), Ok(30));
        for bad in ["101", "-5", "lots", ""] {
            assert!(parse_max_fail_percent(bad).is_err(), "{bad:?}");
        }
    }
}
