//! What "stop" means for a run started from the command line: the first
//! Ctrl-C cancels the run, so every host sends Ctrl-C to its remote `tail`,
//! closes its session and reports; the report is still written. A second
//! Ctrl-C aborts at once. The run itself only sees a cancellation token,
//! so tests and the demo can decide otherwise.

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::exit::ExitCode;

/// Watches for Ctrl-C while it lives.
pub(crate) struct Shutdown {
    token: CancellationToken,
    watcher: JoinHandle<()>,
}

impl Shutdown {
    /// Start watching. Needs a tokio runtime.
    pub(crate) fn on_ctrl_c() -> Shutdown {
        let token = CancellationToken::new();
        let cancel = token.clone();
        let watcher = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!(
                    "sshfleet: interrupted; stopping every host cleanly (Ctrl-C again to abort)"
                );
                cancel.cancel();
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(ExitCode::Interrupted.code());
                }
            }
        });
        Shutdown { token, watcher }
    }

    /// Cancelled once the run should stop.
    pub(crate) fn token(&self) -> CancellationToken {
        self.token.clone()
    }
}

impl Drop for Shutdown {
    fn drop(&mut self) {
        self.watcher.abort();
    }
}
