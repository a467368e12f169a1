//! What the fleet tells whoever watches a run (the console's progress,
//! its JSON log): a seam below the runner and each host's session, so
//! neither knows who listens.

use std::sync::Arc;
use std::time::Duration;

use crate::report::HostOutcome;

/// Told about hosts as they progress (terminal output, progress bars).
/// Texts arrive as they came (a host's name, a step's, a reason): an
/// observer that shows them escapes them (the console does).
pub(crate) trait Observer: Send + Sync {
    /// The host got its fork and is about to connect for the first time.
    fn started(&self, _host: &str) {}
    /// The host starts `step`; `deadline` is how long it may wait there.
    fn step(&self, _host: &str, _step: &str, _deadline: Option<Duration>) {}
    fn finished(&self, _outcome: &HostOutcome) {}
    /// Batch `number` of `of` (1-based) starts with these hosts.
    fn batch(&self, _number: usize, _of: usize, _hosts: &[String]) {}
    /// The rollout stops; `not_run` hosts of later batches will not start.
    fn stopped(&self, _reason: &str, _not_run: usize) {}
}

/// Tells several observers (the terminal and the JSON log) the same things.
pub(crate) struct Observers(pub Vec<Arc<dyn Observer>>);

impl Observer for Observers {
    fn started(&self, host: &str) {
        self.0.iter().for_each(|o| o.started(host));
    }
    fn step(&self, host: &str, step: &str, deadline: Option<Duration>) {
        self.0.iter().for_each(|o| o.step(host, step, deadline));
    }
    fn finished(&self, outcome: &HostOutcome) {
        self.0.iter().for_each(|o| o.finished(outcome));
    }
    fn batch(&self, number: usize, of: usize, hosts: &[String]) {
        self.0.iter().for_each(|o| o.batch(number, of, hosts));
    }
    fn stopped(&self, reason: &str, not_run: usize) {
        self.0.iter().for_each(|o| o.stopped(reason, not_run));
    }
}
