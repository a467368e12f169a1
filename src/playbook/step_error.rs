//! Why a step failed, in an operator's words: below the executor and the
//! captures that raise it.

use std::time::Duration;

use super::remote::RemoteError;
use super::vars::Unset;
use super::when::WhenError;

/// Why a step failed. The host's error in the report is
/// `step `name`: {this}` followed by the step's `on_failure:` hint.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StepError {
    #[error("`{{{{ {name} }}}}` has no value on this host")]
    Unfilled { name: String },
    #[error(
        "`{template}` became {command:?}, with the control character {found:?}; not sent (one step sends one line)"
    )]
    ControlCharacter {
        template: String,
        command: String,
        found: char,
    },
    #[error(transparent)]
    Unset(#[from] Unset),
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// The follow broke off before a verdict.
    #[error("{0}; not confirmed")]
    NotConfirmed(RemoteError),
    #[error("`{command}` ended without an exit status")]
    NoExitStatus { command: String },
    #[error("`{command}` exited with status {code}; output: {output:?}")]
    ExitStatus {
        command: String,
        code: u32,
        /// An excerpt.
        output: String,
    },
    #[error("`{action}` did not answer as expected (/{expect}/); it said: {output:?}")]
    Unexpected {
        action: String,
        expect: String,
        output: String,
    },
    #[error("no `{capture}` in the output of `{action}` ({looked_for}); output: {output:?}")]
    NotCaptured {
        capture: String,
        action: String,
        /// `/regex/` or `JSON /pointer`.
        looked_for: String,
        output: String,
    },
    #[error("`{capture}` captured {text:?}, which is not a time in the format {format}")]
    NotATime {
        capture: String,
        text: String,
        format: String,
    },
    #[error(
        "`{capture}` captured {value}, which is not a finite number (the capture is `as: number`)"
    )]
    NotANumber { capture: String, value: String },
    #[error("time capture without timestamp section")]
    NoTimestamp,
    #[error("finding `{id}`: {error}")]
    Finding { id: String, error: WhenError },
    #[error("set `{name}`: {error}")]
    Set { name: String, error: WhenError },
    #[error("repeat_until: {0}")]
    RepeatUntil(WhenError),
    #[error("`{condition}` still false after {} ({attempts} tries; {values})", humantime::format_duration(*waited))]
    StillFalse {
        condition: String,
        waited: Duration,
        attempts: usize,
        /// The values the condition looked at.
        values: String,
    },
    #[error("interrupted while waiting for `{condition}`")]
    InterruptedWaiting { condition: String },
    #[error("`{var}` was not captured, so fresh lines cannot be told from old ones")]
    NoSince { var: String },
    #[error("`{command}` reported a failure: {line:?}")]
    ReportedFailure { command: String, line: String },
    #[error("/{until}/ not seen within {} in `{command}`{}{}; Ctrl-C sent", humantime::format_duration(*waited), if *older_success_ignored { " (an older success line from before this run was ignored)" } else { "" }, if *future_ignored > 0 { format!(" ({future_ignored} line(s) stamped in the appliance's future were ignored: its clock was stepped back?)") } else { String::new() })]
    NotSeen {
        until: String,
        waited: Duration,
        command: String,
        older_success_ignored: bool,
        future_ignored: usize,
    },
    #[error("interrupted while following `{command}`; Ctrl-C sent")]
    InterruptedFollowing { command: String },
}

impl StepError {
    /// The run was interrupted, rather than the step failing on its own.
    pub(crate) fn is_interruption(&self) -> bool {
        matches!(
            self,
            StepError::InterruptedWaiting { .. }
                | StepError::InterruptedFollowing { .. }
                | StepError::Remote(RemoteError::Interrupted { .. })
                | StepError::NotConfirmed(RemoteError::Interrupted { .. })
        )
    }
}
