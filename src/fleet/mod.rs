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

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use self::connect::{Connector, SshConnector};
pub(crate) use self::observer::{Observer, Observers};
use crate::plan::Plan;
use crate::report::Report;

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
    let outcomes = runner::run_fleet(
        connector,
        playbook.clone(),
        hosts,
        Arc::new(settings),
        cancel.clone(),
        observer,
    )
    .await;
    // Texts stay as they came: the console escapes what it shows.
    Report::new(
        &playbook.name,
        check_mode,
        started,
        cancel.is_cancelled(),
        outcomes,
    )
    .with_record(&record)
}
