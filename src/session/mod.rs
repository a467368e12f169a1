//! One host's session: the playbook's `Remote` over an SSH connection (a
//! PTY shell or one exec request per command), and what the session keeps
//! of itself (transcript, recording), redacted with its secrets.

pub(crate) mod clixml;
mod codepage;
mod controls;
pub(crate) mod exec;
pub(crate) mod open;
pub(crate) mod prompt_host;
pub(crate) mod recording;
mod redraw;
pub(crate) mod save;
pub(crate) mod screen;
pub(crate) mod shell;
pub(crate) mod transcript;

use std::time::Duration;

use tokio::time::Instant;

/// Output of one command kept in memory at most; beyond it the oldest text
/// is dropped (a shell), or the command is refused (exec). Prompt detection
/// only needs the end.
const MAX_PENDING: usize = 4 * 1024 * 1024;

/// `timeout` from now; a timeout too far away for the clock means "no
/// deadline we will live to see", never a panic.
fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .unwrap_or_else(|| now + crate::support::bounds::MAX_DURATION)
}
