//! The application: run a [`Plan`] and return its [`Report`]. Every
//! selected host yields exactly one outcome, whatever happened to it; what
//! a person sees of the run is [`crate::console`]'s business, and what
//! "stop" means is the caller's (a cancellation token).

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::plan::Plan;
use crate::report::Report;
use crate::runner::{self, Observer};
use crate::sanitize;

/// Run every host of `plan`, telling `observer` as they go; `cancel` stops
/// every host cleanly (each sends Ctrl-C to its `tail` and closes).
pub(crate) async fn run(
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
    let observer: Arc<dyn Observer> = Arc::new(sanitize::Escaped(observer));
    let outcomes = runner::run_fleet(
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
        outcomes.into_iter().map(sanitize::outcome).collect(),
    )
    .with_record(&record)
}
