//! Exec output written to an SSH channel at the device's pace: every
//! simulated endpoint, modelled or replayed, answers an exec request the
//! same way, and the `Trickle` fault slows either to a byte at a time.

use std::time::Duration;

use russh::ChannelId;
use russh::server::Handle;

/// Write `bytes` to `channel`: stdout, or extended data `ext` (1 is
/// stderr), one byte every `trickle` under that fault. `false` when the
/// client is gone.
pub(crate) async fn send(
    handle: &Handle,
    channel: ChannelId,
    ext: Option<u32>,
    bytes: Vec<u8>,
    trickle: Option<Duration>,
) -> bool {
    let chunks: Vec<Vec<u8>> = match trickle {
        Some(_) => bytes.iter().map(|b| vec![*b]).collect(),
        None if bytes.is_empty() => Vec::new(),
        None => vec![bytes],
    };
    for chunk in chunks {
        if let Some(delay) = trickle {
            if delay.is_zero() {
                tokio::task::yield_now().await;
            } else {
                tokio::time::sleep(delay).await;
            }
        }
        let result = match ext {
            Some(code) => handle.extended_data(channel, code, chunk).await,
            None => handle.data(channel, chunk).await,
        };
        if result.is_err() {
            return false;
        }
    }
    true
}
