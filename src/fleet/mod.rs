//! The application: run a [`Plan`] and return its [`Report`]. Every
//! selected host yields exactly one outcome, whatever happened to it; what
//! a person sees of the run is [`crate::console`]'s business (an
//! [`Observer`]), how a host is reached the connector's
//! ([`connect::Connector`]: SSH in production), and what "stop" means is
//! the caller's (a cancellation token).
//!
//! - `runner`: batches, barriers, forks, the rollout, cancellation;
//! - `host`: one host's session, segment after segment, and its files;
//! - `outcome`: the status rules, as a table.

pub(crate) mod backoff;
pub(crate) mod connect;
mod host;
mod observer;
pub(crate) mod outcome;
pub(crate) mod runner;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use self::connect::{Connector, SshConnector};
pub(crate) use self::observer::{Observer, Observers};
use crate::plan::Plan;
use crate::report::{HostOutcome, Report};
use crate::support::sanitize;

/// Run every host of `plan` over SSH, telling `observer` as they go;
/// `cancel` stops every host cleanly (each sends Ctrl-C to its `tail` and
/// closes).
pub(crate) async fn run(
    plan: Plan,
    observer: Arc<dyn Observer>,
    cancel: CancellationToken,
) -> Report {
    run_with(Arc::new(SshConnector), plan, observer, cancel).await
}

/// Run every host of `plan`, reached through `connector`.
pub(crate) async fn run_with<C: Connector>(
    connector: Arc<C>,
    plan: Plan,
    observer: Arc<dyn Observer>,
    cancel: CancellationToken,
) -> Report {
    let started = chrono::Utc::now();
    let Plan {
        playbook,
        hosts,
        settings,
        record,
        ..
    } = plan;
    let check_mode = settings.check_mode;
    // Hosts and operator files speak through the sanitiser only.
    let observer: Arc<dyn Observer> = Arc::new(Escaped(observer));
    let outcomes = runner::run_fleet(
        connector,
        playbook.clone(),
        hosts,
        Arc::new(settings),
        cancel.clone(),
        observer,
    )
    .await;
    Report::new(
        &sanitize::escape(&playbook.name),
        check_mode,
        started,
        cancel.is_cancelled(),
        outcomes.into_iter().map(outcome).collect(),
    )
    .with_record(&record)
}

fn in_place(text: &mut String) {
    if let Cow::Owned(clean) = sanitize::escape(text) {
        *text = clean;
    }
}

/// A JSON value with every string in it escaped.
fn json(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::String(mut s) => {
            in_place(&mut s);
            Value::String(s)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(json).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| (sanitize::escape(&k).into_owned(), json(v)))
                .collect(),
        ),
        other => other,
    }
}

/// A host's outcome with every string in it escaped.
fn outcome(mut o: HostOutcome) -> HostOutcome {
    in_place(&mut o.name);
    o.facts = std::mem::take(&mut o.facts)
        .into_iter()
        .map(|(k, v)| (sanitize::escape(&k).into_owned(), json(v)))
        .collect();
    for c in &mut o.confirmations {
        in_place(&mut c.step);
        in_place(&mut c.line);
        if let Some(at) = &mut c.at {
            in_place(at);
        }
    }
    for f in &mut o.findings {
        in_place(&mut f.id);
        in_place(&mut f.evidence);
        if let Some(m) = &mut f.message {
            in_place(m);
        }
    }
    o.actions.iter_mut().for_each(in_place);
    for step in &mut o.steps {
        in_place(&mut step.name);
    }
    o.warnings.iter_mut().for_each(in_place);
    if let Some(e) = &mut o.error {
        in_place(e);
    }
    o
}

/// An observer that sees only escaped text: what the terminal and the
/// JSON log are told of a run goes through here.
struct Escaped(pub Arc<dyn Observer>);

impl Observer for Escaped {
    fn started(&self, host: &str) {
        self.0.started(&sanitize::escape(host));
    }
    fn step(&self, host: &str, step: &str, deadline: Option<std::time::Duration>) {
        self.0
            .step(&sanitize::escape(host), &sanitize::escape(step), deadline);
    }
    fn finished(&self, o: &HostOutcome) {
        self.0.finished(&outcome(o.clone()));
    }
    fn batch(&self, number: usize, of: usize, hosts: &[String]) {
        let hosts: Vec<String> = hosts
            .iter()
            .map(|h| sanitize::escape(h).into_owned())
            .collect();
        self.0.batch(number, of, &hosts);
    }
    fn stopped(&self, reason: &str, not_run: usize) {
        self.0.stopped(&sanitize::escape(reason), not_run);
    }
}
