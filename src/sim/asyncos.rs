//! The AsyncOS CLI model (Secure Email Gateway), with the ecs / updater_logs
//! behaviour of the Enrollment Client TAC article.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptStyle {
    /// `esa01.example.com> `
    Standalone,
    /// `(Machine esa01.example.com)> `
    Machine,
    /// `(Cluster NAME)> `
    Cluster(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateBehaviour {
    /// `enrollment_client update completed` is logged this long after `ecupdate force`.
    CompletesAfter(Duration),
    /// The update starts but never completes.
    NeverCompletes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Drop the TCP connection this long after a `tail` starts.
    DropMidFollow(Duration),
    /// After this many commands, read input but never answer again.
    StopAnswering(usize),
    /// Write output one byte at a time with this delay between bytes.
    Trickle(Duration),
}

#[derive(Debug, Clone)]
pub struct AsyncOsProfile {
    pub hostname: String,
    pub version: String,
    pub prompt: PromptStyle,
    pub ecs_failing: bool,
    pub update: UpdateBehaviour,
    pub stale_completion: bool,
    pub clock_offset: chrono::Duration,
    pub faults: Vec<Fault>,
}
