//! The connector seam: how a host's session is opened, for the runner.
//! The runner knows a host only through the [`Connector`] that opens its
//! session (something the playbook engine's [`Remote`] runs commands on)
//! and closes it. In production it is [`SshConnector`]: a connection over
//! SSH (retried on transient errors), then the session the playbook asks
//! for; the tests give the runner a scripted one, no SSH.

use std::future::Future;
use std::time::Duration;

use backon::Retryable as _;
use tokio_util::sync::CancellationToken;

use super::backoff::connect_backoff;
use crate::plan::{PlannedHost, RunSettings};
use crate::playbook::remote::Remote;
use crate::playbook::{Playbook, Session};
use crate::session::open::{Expected, SshSession};
use crate::session::transcript::Transcript;
use crate::ssh::transport::{self, ConnectError};

/// Why a host's session could not be opened, in an operator's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NotOpened {
    /// No connection (after the retries): the host is unreachable.
    Unreachable(String),
    /// The run was stopped while connecting.
    Interrupted,
    /// Connected, but no session to run steps in.
    Refused(String),
}

/// A session the playbook's commands go to, closed when the host is done
/// with this segment.
pub(crate) trait HostRemote: Remote {
    /// End the session politely, then its connection.
    fn close(self) -> impl Future<Output = ()> + Send;
}

/// An opened session, and what the operator must know about it though the
/// host runs on (the prompt naming another appliance).
pub(crate) struct Opened<S> {
    pub session: S,
    pub warnings: Vec<String>,
}

/// What opening a host's session needs to know.
#[derive(Clone, Copy)]
pub(crate) struct Opening<'a> {
    pub host: &'a PlannedHost,
    pub playbook: &'a Playbook,
    pub settings: &'a RunSettings,
    pub cancel: &'a CancellationToken,
    /// Tells the operator how connecting goes (`retrying in 2.0s ...`).
    pub progress: &'a (dyn Fn(&str) + Send + Sync),
}

/// Opens hosts' sessions.
pub(crate) trait Connector: Send + Sync + 'static {
    /// A session; it may write the host's transcript, which it borrows.
    type Session<'t>: HostRemote + 't
    where
        Self: 't;

    /// Open `opening.host`'s session, its transcript (`transcript`) told
    /// what happened, failures included.
    fn open<'t>(
        &'t self,
        opening: Opening<'t>,
        transcript: &'t mut Transcript,
    ) -> impl Future<Output = Result<Opened<Self::Session<'t>>, NotOpened>> + Send + 't;
}

/// The production connector: SSH, then a shell or exec session.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SshConnector;

impl HostRemote for SshSession<'_> {
    async fn close(self) {
        SshSession::close(self).await;
    }
}

impl Connector for SshConnector {
    type Session<'t> = SshSession<'t>;

    async fn open<'t>(
        &'t self,
        opening: Opening<'t>,
        transcript: &'t mut Transcript,
    ) -> Result<Opened<SshSession<'t>>, NotOpened> {
        let Opening {
            host,
            playbook,
            cancel,
            ..
        } = opening;
        let connection = connect(opening, transcript).await?;
        for secret in &connection.secrets {
            transcript.add_secret(secret);
        }
        let login_timeout = match &playbook.session {
            Session::Shell { login_timeout, .. } => match host.vars.duration(login_timeout) {
                Ok(timeout) => timeout,
                Err(e) => {
                    connection.disconnect().await;
                    return Err(NotOpened::Refused(e.to_string()));
                }
            },
            Session::Exec { .. } => Duration::ZERO,
        };
        let expected = Expected {
            name: &host.name,
            address: &host.target.address,
        };
        let opened = SshSession::open(
            connection,
            &playbook.session,
            login_timeout,
            expected,
            transcript,
            cancel,
        )
        .await
        .map_err(NotOpened::Refused)?;
        tracing::debug!("session open");
        Ok(Opened {
            session: opened.session,
            warnings: opened.warnings,
        })
    }
}

/// Connect to the host (inventory vars, then ssh_config, checked before
/// the run started), retrying transient failures with backoff; each retry
/// is said to the operator and noted in the transcript.
async fn connect(
    opening: Opening<'_>,
    transcript: &mut Transcript,
) -> Result<transport::Connection, NotOpened> {
    let Opening {
        host,
        settings,
        cancel,
        progress,
        ..
    } = opening;
    let target = &host.target;
    transcript.note(&format!("connecting to {}", target.describe()));
    tracing::debug!("connecting to {}", target.describe());
    let attempts = settings.connect_retries.saturating_add(1);
    let mut attempt = 1;
    let connection = {
        let transcript = &mut *transcript;
        let attempt = &mut attempt;
        // Boxed: the handshake's state (kilobytes) is freed once connected
        // instead of staying reserved in every host's task for its whole
        // run, which a fleet of thousands of live sessions pays for.
        let connect = Box::pin(
            (|| transport::connect_target(target, &settings.transport))
                .retry(connect_backoff(settings.connect_retries))
                .sleep(tokio::time::sleep)
                .when(ConnectError::is_transient)
                .notify(|e: &ConnectError, wait: Duration| {
                    *attempt += 1;
                    let retrying = format!(
                        "retrying in {:.1}s (attempt {attempt} of {attempts})",
                        wait.as_secs_f64()
                    );
                    tracing::debug!("{e}; {retrying}");
                    transcript.note(&format!("{e}; {retrying}"));
                    progress(&retrying);
                }),
        );
        tokio::select! {
            c = connect => c,
            () = cancel.cancelled() => return Err(NotOpened::Interrupted),
        }
    };
    connection
        .inspect(|_| tracing::debug!("connected"))
        .map_err(|e| {
            let mut message = e.to_string();
            if attempt > 1 {
                message.push_str(&format!(" (after {attempt} connection attempts)"));
            }
            tracing::debug!("{message}");
            transcript.note(&message);
            NotOpened::Unreachable(message)
        })
}
