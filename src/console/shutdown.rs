//! What "stop" means for a run started from the command line: the first
//! Ctrl-C (SIGINT), SIGTERM (systemd's stop, `TimeoutStartSec`) or SIGHUP
//! (a closed terminal) cancels the run, so every host sends Ctrl-C to its
//! remote `tail`, closes its session and reports; the report is still
//! written, and the process exits 128 + the signal's number (130, 143,
//! 129). A second signal aborts at once. The run itself only sees a
//! cancellation token, so tests and the demo can decide otherwise.
//!
//! Every process group sshfleet started (`support::child`) ends with it:
//! the first signal ends the commands it waits for (inventory scripts,
//! `Match exec`), and every group is ended before it exits, whether by a
//! second signal or, outside a run, by the first ([`end_children_on_signals`]).
//! Any other signal that would end the process ([`SIGNALS`]) ends it at
//! once the same way, with the terminal's echo put back (a password
//! prompt turns it off) and nothing more on stdout.

use std::sync::atomic::{AtomicUsize, Ordering};

use std::sync::{Arc, OnceLock};

use tokio_util::sync::CancellationToken;

use crate::exit::ExitCode;

/// A signal that stops a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StopSignal {
    Interrupt,
    Terminate,
    Hangup,
}

impl StopSignal {
    fn index(self) -> usize {
        match self {
            StopSignal::Interrupt => 0,
            StopSignal::Terminate => 1,
            StopSignal::Hangup => 2,
        }
    }

    fn name(self) -> &'static str {
        match self {
            StopSignal::Interrupt => "Ctrl-C (SIGINT)",
            StopSignal::Terminate => "SIGTERM",
            StopSignal::Hangup => "SIGHUP",
        }
    }

    /// The shell's convention: 128 + the signal's number.
    pub(crate) fn exit_code(self) -> ExitCode {
        match self {
            StopSignal::Interrupt => ExitCode::Interrupted,
            StopSignal::Terminate => ExitCode::Terminated,
            StopSignal::Hangup => ExitCode::HungUp,
        }
    }
}

/// Per stop signal, how many watchers handle it themselves (a
/// [`Shutdown`], the password prompt's Ctrl-C): then they decide what it
/// does.
static HANDLED: [AtomicUsize; 3] = [
    AtomicUsize::new(0),
    AtomicUsize::new(0),
    AtomicUsize::new(0),
];

/// While alive, `signals` are handled by its owner, not by
/// [`end_children_on_signals`].
pub(crate) struct Handling(&'static [StopSignal]);

impl Handling {
    pub(crate) fn new(signals: &'static [StopSignal]) -> Handling {
        for signal in signals {
            HANDLED[signal.index()].fetch_add(1, Ordering::SeqCst);
        }
        Handling(signals)
    }
}

impl Drop for Handling {
    fn drop(&mut self) {
        for signal in self.0 {
            HANDLED[signal.index()].fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// For the life of the process: a stop signal that no one else handles
/// ([`Handling`]), or any other signal that would end the process
/// ([`SIGNALS`], [`Fate::Ends`]), ends every process group sshfleet
/// started, puts the terminal's echo back, then ends sshfleet with 128 +
/// the signal's number. Needs a tokio runtime.
pub(crate) fn end_children_on_signals() {
    let mut signals = Signals::new();
    let mut others = EndingSignals::new();
    tokio::spawn(async move {
        loop {
            let (code, name) = tokio::select! {
                Some(signal) = signals.next() => {
                    if HANDLED[signal.index()].load(Ordering::SeqCst) > 0 {
                        continue;
                    }
                    (signal.exit_code().code(), signal.name())
                }
                (number, name) = others.next() => (128 + number, name),
            };
            end_now(code, name);
        }
    });
}

/// End sshfleet for a signal: nothing more on stdout (what a command was
/// about to print may be wrong: a command it waited for was killed), every
/// group it started ended, the terminal's echo back.
fn end_now(code: i32, name: &str) -> ! {
    crate::console::stopping::set(code);
    crate::support::child::kill_live(None);
    crate::console::echo::restore();
    crate::console::progress::Lines::Stderr.print(&format!(
        "sshfleet: {name} received: stopped, with every command it started"
    ));
    std::process::exit(code);
}

/// What a signal does to sshfleet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    /// SIGINT, SIGTERM, SIGHUP: a run's stop ([`Shutdown`]); elsewhere it
    /// ends sshfleet as [`Fate::Ends`] does.
    Stops,
    /// Would end the process by default: caught, it ends sshfleet with
    /// 128 + its number after ending its children and putting echo back.
    Ends,
    /// Never ends sshfleet, and why.
    Harmless(&'static str),
    /// Job control: stops or continues sshfleet. At a password prompt
    /// the shell turns echo back on when the job stops, so on SIGCONT
    /// the prompt turns it off again and asks again, as OpenSSH's
    /// `readpassphrase` does (`cli::ask_pass`); and why.
    JobControl(&'static str),
    /// Cannot be caught, or is a fault of sshfleet's own (the kernel
    /// ends it; nothing can be done after), and why.
    Beyond(&'static str),
}

/// Every Linux signal number, 1 to 64, and its fate: a new kind of
/// ending is a row here (`every_signal_has_a_fate`).
pub(crate) const SIGNALS: &[(i32, &str, Fate)] = &[
    (1, "SIGHUP", Fate::Stops),
    (2, "SIGINT", Fate::Stops),
    (3, "SIGQUIT", Fate::Ends),
    (4, "SIGILL", Fate::Beyond("a fault of sshfleet's own")),
    (5, "SIGTRAP", Fate::Beyond("a debugger's breakpoint")),
    (
        6,
        "SIGABRT",
        Fate::Beyond("abort(): the process ends as it returns"),
    ),
    (7, "SIGBUS", Fate::Beyond("a fault of sshfleet's own")),
    (8, "SIGFPE", Fate::Beyond("a fault of sshfleet's own")),
    (9, "SIGKILL", Fate::Beyond("cannot be caught")),
    (10, "SIGUSR1", Fate::Ends),
    (11, "SIGSEGV", Fate::Beyond("a fault of sshfleet's own")),
    (12, "SIGUSR2", Fate::Ends),
    (
        13,
        "SIGPIPE",
        Fate::Harmless("ignored by Rust's runtime: a write to a closed pipe fails instead"),
    ),
    (14, "SIGALRM", Fate::Ends),
    (15, "SIGTERM", Fate::Stops),
    (16, "SIGSTKFLT", Fate::Ends),
    (17, "SIGCHLD", Fate::Harmless("ignored by default")),
    (
        18,
        "SIGCONT",
        Fate::JobControl("continues; a password prompt turns echo off again"),
    ),
    (
        19,
        "SIGSTOP",
        Fate::Beyond("cannot be caught; stops, never ends"),
    ),
    (20, "SIGTSTP", Fate::JobControl("stops, never ends")),
    (21, "SIGTTIN", Fate::JobControl("stops, never ends")),
    (22, "SIGTTOU", Fate::JobControl("stops, never ends")),
    (23, "SIGURG", Fate::Harmless("ignored by default")),
    (24, "SIGXCPU", Fate::Ends),
    (25, "SIGXFSZ", Fate::Ends),
    (26, "SIGVTALRM", Fate::Ends),
    (27, "SIGPROF", Fate::Ends),
    (28, "SIGWINCH", Fate::Harmless("ignored by default")),
    (29, "SIGIO", Fate::Ends),
    (30, "SIGPWR", Fate::Ends),
    (
        31,
        "SIGSYS",
        Fate::Beyond("a system call refused (seccomp): a fault of sshfleet's own"),
    ),
    (
        32,
        "SIGRTMIN-2",
        Fate::Beyond("reserved by the C library for its threads"),
    ),
    (
        33,
        "SIGRTMIN-1",
        Fate::Beyond("reserved by the C library for its threads"),
    ),
    (34, "SIGRTMIN", Fate::Ends),
    (35, "SIGRTMIN+1", Fate::Ends),
    (36, "SIGRTMIN+2", Fate::Ends),
    (37, "SIGRTMIN+3", Fate::Ends),
    (38, "SIGRTMIN+4", Fate::Ends),
    (39, "SIGRTMIN+5", Fate::Ends),
    (40, "SIGRTMIN+6", Fate::Ends),
    (41, "SIGRTMIN+7", Fate::Ends),
    (42, "SIGRTMIN+8", Fate::Ends),
    (43, "SIGRTMIN+9", Fate::Ends),
    (44, "SIGRTMIN+10", Fate::Ends),
    (45, "SIGRTMIN+11", Fate::Ends),
    (46, "SIGRTMIN+12", Fate::Ends),
    (47, "SIGRTMIN+13", Fate::Ends),
    (48, "SIGRTMIN+14", Fate::Ends),
    (49, "SIGRTMIN+15", Fate::Ends),
    (50, "SIGRTMAX-14", Fate::Ends),
    (51, "SIGRTMAX-13", Fate::Ends),
    (52, "SIGRTMAX-12", Fate::Ends),
    (53, "SIGRTMAX-11", Fate::Ends),
    (54, "SIGRTMAX-10", Fate::Ends),
    (55, "SIGRTMAX-9", Fate::Ends),
    (56, "SIGRTMAX-8", Fate::Ends),
    (57, "SIGRTMAX-7", Fate::Ends),
    (58, "SIGRTMAX-6", Fate::Ends),
    (59, "SIGRTMAX-5", Fate::Ends),
    (60, "SIGRTMAX-4", Fate::Ends),
    (61, "SIGRTMAX-3", Fate::Ends),
    (62, "SIGRTMAX-2", Fate::Ends),
    (63, "SIGRTMAX-1", Fate::Ends),
    (64, "SIGRTMAX", Fate::Ends),
];

/// The signals of [`Fate::Ends`], watched for the life of the process.
struct EndingSignals {
    #[cfg(unix)]
    streams: Vec<(i32, &'static str, tokio::signal::unix::Signal)>,
}

impl EndingSignals {
    fn new() -> EndingSignals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let streams = SIGNALS
                .iter()
                .filter(|(_, _, fate)| *fate == Fate::Ends)
                .filter_map(|(n, name, _)| {
                    Some((*n, *name, signal(SignalKind::from_raw(*n)).ok()?))
                })
                .collect();
            EndingSignals { streams }
        }
        #[cfg(not(unix))]
        EndingSignals {}
    }

    /// The next of them (never, if none can be watched).
    async fn next(&mut self) -> (i32, &'static str) {
        #[cfg(unix)]
        if !self.streams.is_empty() {
            let waits = self.streams.iter_mut().map(|(n, name, stream)| {
                Box::pin(async move {
                    stream.recv().await;
                    (*n, *name)
                })
            });
            return futures::future::select_all(waits).await.0;
        }
        std::future::pending().await
    }
}

/// Watches for the stop signals while it lives.
pub(crate) struct Shutdown {
    token: CancellationToken,
    seen: Arc<OnceLock<StopSignal>>,
    /// Ends the watcher's thread.
    stop: CancellationToken,
    _handling: Handling,
}

impl Shutdown {
    /// Start watching SIGINT, SIGTERM and SIGHUP. Needs a tokio runtime.
    pub(crate) fn on_signals() -> Shutdown {
        let token = CancellationToken::new();
        let cancel = token.clone();
        let seen = Arc::new(OnceLock::new());
        let first = seen.clone();
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        let (ready, registered) = std::sync::mpsc::channel();
        // On a thread and runtime of its own: a worker of the run's runtime
        // blocked in a system call (a file read) can stall that runtime's
        // I/O driver, and with it a watcher there; this one still sees the
        // signal, cancels the run and, on a second signal, exits.
        let watching = std::thread::Builder::new()
            .name("sshfleet-signals".to_string())
            .spawn(move || {
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    let _ = ready.send(());
                    return;
                };
                runtime.block_on(async move {
                    let mut signals = Signals::new();
                    let _ = ready.send(());
                    tokio::select! {
                        () = watch(&mut signals, cancel, first) => {}
                        () = stopped.cancelled() => {}
                    }
                });
            });
        if watching.is_ok() {
            // Registered before the run starts, so no signal falls between.
            let _ = registered.recv();
        }
        // Only now: until this watcher listens, a signal is
        // `end_children_on_signals`'s to act on.
        let handling = Handling::new(&[
            StopSignal::Interrupt,
            StopSignal::Terminate,
            StopSignal::Hangup,
        ]);
        Shutdown {
            token,
            seen,
            stop,
            _handling: handling,
        }
    }

    /// Cancelled once the run should stop.
    pub(crate) fn token(&self) -> CancellationToken {
        self.token.clone()
    }

    /// The exit code of a run that ended with `code`: an interrupted run
    /// exits as the signal that stopped it asks.
    pub(crate) fn exit_code(&self, code: ExitCode) -> ExitCode {
        match (code, self.seen.get()) {
            (ExitCode::Interrupted, Some(signal)) => signal.exit_code(),
            _ => code,
        }
    }
}

/// The stop signals, registered once for the life of the watcher.
struct Signals {
    #[cfg(unix)]
    streams: Option<[tokio::signal::unix::Signal; 3]>,
}

impl Signals {
    fn new() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let streams = match (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
                signal(SignalKind::hangup()),
            ) {
                (Ok(int), Ok(term), Ok(hup)) => Some([int, term, hup]),
                _ => None,
            };
            Signals { streams }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// The next stop signal; `None` if none can be watched.
    async fn next(&mut self) -> Option<StopSignal> {
        #[cfg(unix)]
        if let Some([int, term, hup]) = &mut self.streams {
            return tokio::select! {
                _ = int.recv() => Some(StopSignal::Interrupt),
                _ = term.recv() => Some(StopSignal::Terminate),
                _ = hup.recv() => Some(StopSignal::Hangup),
            };
        }
        tokio::signal::ctrl_c()
            .await
            .ok()
            .map(|()| StopSignal::Interrupt)
    }
}

impl Drop for Shutdown {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// The first stop signal cancels the run (and ends the commands it waits
/// for); a second aborts at once, ending every group sshfleet started.
async fn watch(signals: &mut Signals, cancel: CancellationToken, first: Arc<OnceLock<StopSignal>>) {
    let Some(signal) = signals.next().await else {
        return;
    };
    let _ = first.set(signal);
    // Never a panic on a closed stderr (`sim ... 2>&1 | head`): the
    // cancellation below must happen whatever became of the terminal.
    crate::console::progress::Lines::Stderr.print(&format!(
        "sshfleet: {} received: interrupting; every host sends Ctrl-C to what it runs, closes its session and reports (send it again to abort)",
        signal.name()
    ));
    cancel.cancel();
    crate::support::child::kill_live(Some(crate::support::child::Role::Bounded));
    if let Some(again) = signals.next().await {
        crate::support::child::kill_live(None);
        crate::console::echo::restore();
        std::process::exit(again.exit_code().code());
    }
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The run's runtime has one worker, and a host task blocks it in a
    /// system call until the run is cancelled: the signal is still seen
    /// (the watcher has a thread of its own) and cancels the run. With the
    /// watcher on the run's runtime, the task never saw the cancellation.
    ///
    /// A signal acted on ends every command the process started, and the
    /// unit tests share one process: the signal is sent inside a process of
    /// its own (this test binary again, running only
    /// [`signal_probe`]), so it cannot end other tests' commands.
    #[test]
    fn a_signal_is_acted_on_while_the_runs_only_worker_is_blocked() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "console::shutdown::tests::signal_probe",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(PROBE, "1")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{text}");
        assert!(text.contains("probe: cancelled, hung up"), "{text}");
    }

    /// Set only in the process [`a_signal_is_acted_on_while_the_runs_only_worker_is_blocked`] starts.
    const PROBE: &str = "SHUTDOWN_SIGNAL_PROBE";

    /// The probe itself: does nothing unless started by the test above.
    #[test]
    fn signal_probe() {
        if std::env::var_os(PROBE).is_none() {
            return;
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let (cancelled, code) = runtime.block_on(async {
            let shutdown = Shutdown::on_signals();
            let token = shutdown.token();
            let blocked = tokio::spawn(async move {
                let me = rustix::process::getpid();
                rustix::process::kill_process(me, rustix::process::Signal::HUP).unwrap();
                // A bound, not a timing: a minute where it takes microseconds.
                for _ in 0..6000 {
                    if token.is_cancelled() {
                        return true;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                false
            });
            let cancelled = blocked.await.unwrap();
            (cancelled, shutdown.exit_code(ExitCode::Interrupted))
        });
        assert!(cancelled, "the signal was not acted on");
        assert_eq!(code, ExitCode::HungUp);
        println!("probe: cancelled, hung up");
    }

    /// Every Linux signal number has one fate: a signal with no row would
    /// end sshfleet by its default action, leaving the terminal without
    /// echo after a password prompt and its children running. The stop
    /// signals are the rows that stop a run, and every signal said to end
    /// sshfleet can be watched.
    #[test]
    fn every_signal_has_a_fate() {
        let numbers: Vec<i32> = SIGNALS.iter().map(|(n, _, _)| *n).collect();
        assert_eq!(numbers, (1..=64).collect::<Vec<i32>>());
        let stops: Vec<&str> = SIGNALS
            .iter()
            .filter(|(_, _, f)| *f == Fate::Stops)
            .map(|(_, name, _)| *name)
            .collect();
        assert_eq!(stops, ["SIGHUP", "SIGINT", "SIGTERM"]);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let watched = EndingSignals::new();
            let ends = SIGNALS.iter().filter(|(_, _, f)| *f == Fate::Ends).count();
            assert_eq!(watched.streams.len(), ends);
        });
    }
}
