//! Every process sshfleet starts for a host or an input (an inventory
//! script, `Match exec`, a `ProxyCommand`) runs in a process group of its
//! own, is bounded in time and in what it may print, and is ended with
//! its whole group (grandchildren too) when its time is up, its output
//! too large, or what started it is gone. Every such group is also in a
//! registry of live groups ([`LiveGroup`]), so that a run ended by a
//! signal ends them too ([`kill_live`]) before sshfleet exits: they run
//! in groups of their own, so the terminal's Ctrl-C never reaches them.

use std::io::Read as _;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Why a bounded command gave no result.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ChildError {
    #[error("cannot run it: {0}")]
    Spawn(std::io::Error),
    #[error("still running after {}; stopped (with every process it started)", humantime::format_duration(*.0))]
    Timeout(Duration),
    #[error("printed more than {0} bytes; stopped (with every process it started)")]
    TooLarge(u64),
    #[error("cannot read its output: {0}")]
    Io(std::io::Error),
}

/// What a bounded command printed, and how it ended.
#[derive(Debug)]
pub(crate) struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    /// At most [`MAX_STDERR`] bytes of it.
    pub stderr: Vec<u8>,
}

/// How much of a command's stderr is kept for an error message.
const MAX_STDERR: u64 = 64 * 1024;

/// Put `command` in a process group of its own, so that ending it ends
/// everything it started.
pub(crate) fn own_group(command: &mut Command) -> &mut Command {
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(command, 0);
    command
}

/// End the process group led by `pid` (SIGKILL); it is gone already if
/// this fails.
pub(crate) fn kill_group(pid: u32) {
    #[cfg(unix)]
    if let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    #[cfg(not(unix))]
    let _ = pid;
}

/// What a live process group is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A command sshfleet waits for ([`run_bounded`]: an inventory script,
    /// `Match exec`): pointless once a run is stopped.
    Bounded,
    /// A `ProxyCommand` carrying a host's session: ended when the session
    /// closes, so that a stopped host can still say goodbye through it.
    Route,
}

/// The process groups sshfleet started and has not ended yet.
static LIVE: std::sync::Mutex<Vec<(u32, Role)>> = std::sync::Mutex::new(Vec::new());

/// Set once sshfleet is ending everything: a group started after that is
/// ended at once.
static ENDING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn live() -> std::sync::MutexGuard<'static, Vec<(u32, Role)>> {
    LIVE.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A process group in the registry while this lives (its owner ends the
/// group itself; dropping this only takes it off the registry).
#[derive(Debug)]
pub(crate) struct LiveGroup(u32);

impl LiveGroup {
    pub(crate) fn new(pid: u32, role: Role) -> LiveGroup {
        live().push((pid, role));
        if ENDING.load(std::sync::atomic::Ordering::SeqCst) {
            kill_group(pid);
        }
        LiveGroup(pid)
    }
}

impl Drop for LiveGroup {
    fn drop(&mut self) {
        let mut live = live();
        if let Some(at) = live.iter().position(|(pid, _)| *pid == self.0) {
            live.swap_remove(at);
        }
    }
}

/// End every live process group of `role` (every one when `None`); with
/// `None`, also every group started from now on (sshfleet is exiting).
pub(crate) fn kill_live(role: Option<Role>) {
    if role.is_none() {
        ENDING.store(true, std::sync::atomic::Ordering::SeqCst);
    }
    for (pid, r) in live().iter() {
        if role.is_none_or(|role| role == *r) {
            kill_group(*pid);
        }
    }
}

/// Run `command` (stdin closed) in a group of its own: at most `timeout`
/// long and `max_stdout` bytes of output, or it and its group are killed.
pub(crate) fn run_bounded(
    mut command: Command,
    timeout: Duration,
    max_stdout: u64,
) -> Result<Output, ChildError> {
    let mut child = own_group(&mut command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(ChildError::Spawn)?;
    let pid = child.id();
    let registered = LiveGroup::new(pid, Role::Bounded);
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    // Read on threads, so a full pipe never stalls the child and a child
    // that never ends never stalls sshfleet.
    let overflowed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = overflowed.clone();
    let out = std::thread::spawn(move || {
        let read = read_bounded(stdout, max_stdout);
        if matches!(read, Ok((_, true))) {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        read
    });
    let err = std::thread::spawn(move || read_bounded(stderr, MAX_STDERR));
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if overflowed.load(std::sync::atomic::Ordering::SeqCst) => {
                break Err(ChildError::TooLarge(max_stdout));
            }
            Ok(None) if Instant::now() >= deadline => break Err(ChildError::Timeout(timeout)),
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => break Err(ChildError::Io(e)),
        }
    };
    // Whatever it left running in its group goes with it (and with it the
    // last writers of its pipes, so the readers end).
    kill_group(pid);
    let _ = child.kill();
    let _ = child.wait();
    drop(registered);
    let status = status?;
    let (stdout, overflow) = match out.join() {
        Ok(result) => result.map_err(ChildError::Io)?,
        Err(_) => return Err(ChildError::Io(std::io::Error::other("reader failed"))),
    };
    if overflow {
        return Err(ChildError::TooLarge(max_stdout));
    }
    let stderr = err.join().ok().and_then(Result::ok).unwrap_or_default().0;
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

/// Up to `max` bytes of `pipe`; whether it had more (then it is not read
/// further).
fn read_bounded(pipe: Option<impl std::io::Read>, max: u64) -> std::io::Result<(Vec<u8>, bool)> {
    let Some(pipe) = pipe else {
        return Ok((Vec::new(), false));
    };
    let mut bytes = Vec::new();
    pipe.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    let overflow = u64::try_from(bytes.len()).unwrap_or(u64::MAX) > max;
    Ok((bytes, overflow))
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("sh");
        c.arg("-c").arg(script);
        c
    }

    #[test]
    fn a_command_that_never_ends_is_stopped_with_its_group() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("grandchild-alive");
        // A grandchild that would outlive its parent, and a parent that
        // never ends.
        let script = format!("(sleep 1; touch {}) & sleep 600", marker.display());
        let e = run_bounded(sh(&script), Duration::from_millis(200), 1024).unwrap_err();
        assert!(matches!(e, ChildError::Timeout(_)), "{e}");
        std::thread::sleep(Duration::from_millis(1500));
        assert!(!marker.exists(), "the grandchild outlived the command");
    }

    #[test]
    fn endless_output_is_cut_at_the_bound() {
        let e = run_bounded(sh("yes"), Duration::from_secs(30), 4096).unwrap_err();
        assert!(matches!(e, ChildError::TooLarge(4096)), "{e}");
        let out = run_bounded(
            sh("echo hi; echo oops >&2; exit 3"),
            Duration::from_secs(30),
            64,
        )
        .unwrap();
        assert_eq!(
            (
                out.stdout.as_slice(),
                out.stderr.as_slice(),
                out.status.code()
            ),
            (&b"hi\n"[..], &b"oops\n"[..], Some(3))
        );
    }
}
