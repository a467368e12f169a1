//! Runs a playbook on many hosts at once: one task per host, at most
//! `forks` at a time, each bounded by its own timeouts, so a silent
//! appliance delays only itself. Every selected host yields exactly one
//! outcome, whatever happened to it.
//!
//! A playbook with `fleet:` steps runs in segments: every host runs the
//! steps before the barrier (one connection each), the fleet-wide values
//! are computed, and the hosts still in play reconnect for the next
//! segment. Hosts do not hold a session, or a fork, while they wait.
//!
//! With `--serial` the hosts run in batches, one after the other, each
//! batch going through every segment before the next starts; a `fleet:`
//! value is the highest among the hosts of this batch and of the batches
//! before it. A batch over `--max-fail-percent` stops the rollout: the
//! hosts of later batches are reported `skipped`, not run.
//!
//! Hosts are reached through a [`Connector`]; what one host does with its
//! session is [`HostSession`]'s business, and its status the
//! [`super::outcome`](mod@super::outcome) table's. Each host's work runs in a `host` tracing
//! span (its steps in `step` spans within), so `RUST_LOG=sshfleet=debug`
//! tells each host's story.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use super::connect::Connector;
use super::host::{HostSession, Turn};
use super::observer::Observer;
use super::outcome::{Stopped, stopped_outcome};
use crate::plan::{PlannedHost, RunSettings};
use crate::playbook::{FleetKind, FleetMax, Playbook, Segment, Value};
use crate::report::{HostOutcome, Status};

/// Run `playbook` on every host, batch after batch. Outcomes come back in
/// the hosts' order.
pub(crate) async fn run_fleet<C: Connector>(
    connector: Arc<C>,
    playbook: Arc<Playbook>,
    hosts: Vec<PlannedHost>,
    options: Arc<RunSettings>,
    cancel: CancellationToken,
    observer: Arc<dyn Observer>,
) -> Vec<HostOutcome> {
    // The run's time axis (its report's `started_at`) starts here: each
    // host's steps are placed on it.
    let origin = Instant::now();
    let sizes = options.rollout.batch_sizes(hosts.len());
    let mut outcomes = Vec::with_capacity(hosts.len());
    let mut hosts = hosts.into_iter();
    let mut fleet_values = BTreeMap::new();
    let mut stop: Option<String> = None;
    for (index, &size) in sizes.iter().enumerate() {
        let batch: Vec<PlannedHost> = hosts.by_ref().take(size).collect();
        if let Some(reason) = &stop {
            for host in batch {
                let outcome = stopped_outcome(
                    &host.name,
                    Stopped::RolloutHalted,
                    format!("not run: {reason}"),
                );
                observer.finished(&outcome);
                outcomes.push(outcome);
            }
            continue;
        }
        if sizes.len() > 1 && !cancel.is_cancelled() {
            let names: Vec<String> = batch.iter().map(|h| h.name.clone()).collect();
            observer.batch(index + 1, sizes.len(), &names);
        }
        let watch = Watch {
            cancel: &cancel,
            observer: &observer,
            origin,
        };
        let done = run_batch(
            &connector,
            &playbook,
            batch,
            &options,
            watch,
            &mut fleet_values,
        )
        .await;
        let bad = done
            .iter()
            .filter(|o| matches!(o.status, Status::Failed | Status::Unreachable))
            .count();
        let not_run: usize = sizes[index + 1..].iter().sum();
        if not_run > 0 && !cancel.is_cancelled() {
            stop = options.rollout.stop_after(index + 1, bad, done.len());
            if let Some(reason) = &stop {
                observer.stopped(reason, not_run);
            }
        }
        outcomes.extend(done);
    }
    outcomes
}

/// What every host task of a batch shares.
struct Batch<C> {
    connector: Arc<C>,
    playbook: Arc<Playbook>,
    segments: Arc<[Segment]>,
    options: Arc<RunSettings>,
    cancel: CancellationToken,
    observer: Arc<dyn Observer>,
    /// At most `forks` hosts hold a session at once.
    permits: Arc<Semaphore>,
}

/// A host of a batch: still to run a segment, or done with its outcome
/// (its session state and transcript dropped).
enum Seat {
    Live(Box<HostSession>),
    Done(HostOutcome),
}

impl Seat {
    fn into_outcome(self) -> HostOutcome {
        match self {
            Seat::Done(outcome) => outcome,
            // Every host ends its last segment with an outcome; only a bug
            // gets here, and the host still gets its line.
            Seat::Live(host) => stopped_outcome(
                host.name(),
                Stopped::Internal,
                "internal error: no outcome".into(),
            ),
        }
    }
}

/// Run one batch through every segment of the playbook. `fleet_values`
/// carries the fleet-wide values of earlier batches.
/// How a batch is watched: the run's cancellation, its observer, and the
/// start of its time axis.
struct Watch<'a> {
    cancel: &'a CancellationToken,
    observer: &'a Arc<dyn Observer>,
    origin: Instant,
}

async fn run_batch<C: Connector>(
    connector: &Arc<C>,
    playbook: &Arc<Playbook>,
    hosts: Vec<PlannedHost>,
    options: &Arc<RunSettings>,
    Watch {
        cancel,
        observer,
        origin,
    }: Watch<'_>,
    fleet_values: &mut BTreeMap<String, Value>,
) -> Vec<HostOutcome> {
    let batch = Arc::new(Batch {
        connector: connector.clone(),
        playbook: playbook.clone(),
        segments: playbook.segments().into(),
        options: options.clone(),
        cancel: cancel.clone(),
        observer: observer.clone(),
        permits: Arc::new(Semaphore::new(options.forks.max(1))),
    });
    let mut seats: Vec<Seat> = hosts
        .into_iter()
        .map(|host| Seat::Live(Box::new(HostSession::new(host, options, origin))))
        .collect();
    for index in 0..batch.segments.len() {
        // Hosts start in inventory order, as Ansible starts them: each
        // takes its fork here, before its task exists, so the runtime's
        // task scheduling cannot reorder who goes first (an appliance late
        // in the inventory must not wait behind one listed after it).
        let mut tasks = Vec::with_capacity(seats.len());
        for seat in seats {
            tasks.push(match seat {
                Seat::Live(host) => {
                    let permit = tokio::select! {
                        permit = batch.permits.clone().acquire_owned() => permit.ok(),
                        () = cancel.cancelled() => None,
                    };
                    let name = host.name().to_string();
                    let span = host_span(&name);
                    let task = run_host_segment(batch.clone(), host, index, permit);
                    Err((name, tokio::spawn(task.instrument(span))))
                }
                done => Ok(done),
            });
        }
        seats = Vec::with_capacity(tasks.len());
        for task in tasks {
            seats.push(match task {
                Ok(done) => done,
                Err((name, handle)) => handle.await.unwrap_or_else(|e| {
                    // Only a bug gets here; the host still gets its line.
                    let outcome =
                        stopped_outcome(&name, Stopped::Internal, format!("internal error: {e}"));
                    observer.finished(&outcome);
                    Seat::Done(outcome)
                }),
            });
        }
        share_fleet_values(&batch.segments[index].then, &mut seats, fleet_values);
    }
    seats.into_iter().map(Seat::into_outcome).collect()
}

/// One host's turn at segment `index`, holding its fork (`None`: the run
/// was stopped before a fork came free): connect, run the segment's steps,
/// and when the host is done (last segment, failure, interruption) time
/// it, write its transcript and tell the observer.
async fn run_host_segment<C: Connector>(
    batch: Arc<Batch<C>>,
    mut host: Box<HostSession>,
    index: usize,
    permit: Option<OwnedSemaphorePermit>,
) -> Seat {
    let Batch {
        connector,
        playbook,
        segments,
        options,
        cancel,
        observer,
        permits: _,
    } = &*batch;
    match permit {
        Some(_permit) if !cancel.is_cancelled() => {
            if index == 0 {
                observer.started(host.name());
            }
            let turn = Turn {
                connector: connector.as_ref(),
                playbook,
                segment: &segments[index],
                settings: options,
                cancel,
                observer: observer.as_ref(),
            };
            host.run_segment(turn).await;
        }
        _ => interrupted(&mut host, index),
    }
    if host.outcome.is_none() && index + 1 == segments.len() {
        host.finish_steps(playbook, options.check_mode);
    }
    match host.done(playbook, options) {
        None => Seat::Live(host),
        Some(outcome) => {
            observer.finished(&outcome);
            Seat::Done(outcome)
        }
    }
}

/// The span each host's work runs in: its events read as its story.
fn host_span(name: &str) -> tracing::Span {
    tracing::debug_span!("host", name = %name)
}

/// Give every host still in play the fleet-wide values: the highest value
/// among the hosts that reached the barrier with it, and among earlier
/// batches' (`carried`, updated here). A fleet value compares one kind of
/// value ([`FleetMax::fleet_kind`]): a host whose value is of another kind
/// is left out of it, with a warning on that host, and fails no other host.
fn share_fleet_values(
    values: &[FleetMax],
    seats: &mut [Seat],
    carried: &mut BTreeMap<String, Value>,
) {
    for FleetMax { target, source, .. } in values {
        let live = || {
            seats.iter().filter_map(|seat| match seat {
                Seat::Live(host) => host.state.get(source),
                Seat::Done(_) => None,
            })
        };
        let kind = FleetMax::fleet_kind(carried.get(target).into_iter().chain(live()));
        let best = FleetMax::highest(carried.get(target).into_iter().chain(live()));
        for seat in seats.iter_mut() {
            if let Seat::Live(host) = seat
                && let Some(value) = host.state.get(source)
                && FleetMax::kind_of(value) != kind
            {
                let shown = match value {
                    Value::Text(t) => format!("{t:?}"),
                    other => other.to_string(),
                };
                let why = match (FleetMax::kind_of(value), kind) {
                    (None, _) => "neither a number nor a version",
                    (_, Some(FleetKind::Number)) => "not a number like the other hosts' values",
                    _ => "not a version like the other hosts' values",
                };
                let warning =
                    format!("`{source}` is {shown}, {why}: left out of the fleet value `{target}`");
                host.state.warn(warning);
            }
        }
        if let Some(best) = best {
            carried.insert(target.clone(), best.clone());
            for seat in seats.iter_mut() {
                if let Seat::Live(host) = seat {
                    host.state.set(target, best.clone());
                }
            }
        }
    }
}

/// The run was stopped before the host got its fork for `segment`.
fn interrupted(host: &mut HostSession, segment: usize) {
    if segment == 0 {
        host.stop(
            Stopped::InterruptedBeforeStart,
            "not run: the run was interrupted before this host started".to_string(),
        );
    } else {
        host.stop(
            Stopped::InterruptedAtBarrier,
            "interrupted while waiting for the rest of the fleet".to_string(),
        );
    }
}
