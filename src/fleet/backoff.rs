//! Within a run, a connection that was refused, reset, timed out or dropped
//! during the handshake (an appliance rebooting after an update, a busy
//! jump host) is tried again with backoff before the host is declared
//! unreachable; a host key or login problem is never retried, since
//! retrying cannot fix it and only hammers the appliance.

use std::time::Duration;

use backon::ExponentialBuilder;

/// Waits between connection attempts: about 1 s, 2 s, 4 s, ... up to 10 s,
/// each stretched by up to as much again at random, so a fleet whose
/// switch came back does not reconnect in lockstep.
pub(crate) fn connect_backoff(retries: u32) -> ExponentialBuilder {
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_secs(1))
        .with_max_delay(Duration::from_secs(10))
        .with_factor(2.0)
        .with_jitter()
        .with_max_times(usize::try_from(retries).unwrap_or(usize::MAX))
}
