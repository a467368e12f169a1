//! What the engine needs from an appliance, in playbook terms: run a
//! command and get its output, or follow a command's lines until a verdict.
//! How commands travel (an interactive PTY shell, one SSH exec request per
//! command) is the caller's business; the engine never sees SSH.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// The output of one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Output {
    pub text: String,
    /// Exec sessions report one; an interactive shell never does. `None`
    /// also when the host closed the channel without reporting one.
    pub exit_status: Option<u32>,
}

/// How a follow judged one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Continue,
    Success,
    Failure,
}

/// How a follow ended. In every case Ctrl-C was sent and the prompt is back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FollowEnd {
    Success(String),
    Failure(String),
    DeadlineReached,
    Cancelled,
}

/// Why a command got no usable answer. Most carry the last output seen,
/// because "timed out" alone does not tell an operator whether the box hung
/// or the prompt pattern is wrong.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RemoteError {
    #[error("no prompt within {}s while {what}; last output: {last_output}", waited.as_secs_f32())]
    Timeout {
        what: String,
        waited: Duration,
        last_output: String,
    },
    #[error("the appliance closed the session while {what}; last output: {last_output}")]
    Closed { what: String, last_output: String },
    #[error("the appliance refused to start a shell")]
    Refused,
    #[error("the host refused to run `{command}` (SSH exec request)")]
    ExecRefused { command: String },
    #[error("`{command}` returned to the prompt by itself; last output: {last_output}")]
    FollowEnded {
        command: String,
        last_output: String,
    },
    #[error("no prompt within {}s after Ctrl-C to `{command}`; last output: {last_output}", waited.as_secs_f32())]
    NoPromptAfterInterrupt {
        command: String,
        waited: Duration,
        last_output: String,
    },
    #[error("`{command}` printed more than {} MiB before its prompt; its beginning was not kept, so its output cannot be trusted (narrow the command)", limit / (1024 * 1024))]
    OutputTooLarge { command: String, limit: usize },
    #[error("the connection was lost before `{command}` could run ({reason})")]
    ConnectionLost { command: String, reason: String },
    #[error("cannot open a channel for `{command}`: {reason}")]
    NoChannel { command: String, reason: String },
    /// The session broke under the command (the SSH layer's own words).
    #[error("ssh channel: {0}")]
    Channel(String),
    /// The run was stopped (Ctrl-C, SIGTERM) while waiting.
    #[error("interrupted while {what}; the session was closed")]
    Interrupted { what: String },
    /// Following needs a prompt to come back to after Ctrl-C.
    #[error("a follow step needs an interactive shell")]
    CannotFollow,
}

/// Where a host's commands go. The futures are `Send` because every host
/// runs in a task of its own.
pub(crate) trait Remote: Send {
    /// A step starts (its name heads its part of the transcript).
    fn step_started(&mut self, _name: &str) {}

    /// Run one command to its end (its prompt, or its channel's close).
    fn run(
        &mut self,
        command: &str,
        timeout: Duration,
    ) -> impl Future<Output = Result<Output, RemoteError>> + Send;

    /// Start `command`, which does not end by itself, judge each complete
    /// line, and stop at a verdict, the deadline or cancellation, leaving
    /// the appliance at its prompt.
    fn follow(
        &mut self,
        command: &str,
        timeout: Duration,
        cancel: &CancellationToken,
        judge: impl FnMut(&str) -> Verdict + Send,
    ) -> impl Future<Output = Result<FollowEnd, RemoteError>> + Send;
}
