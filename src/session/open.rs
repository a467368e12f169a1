//! A host's session over one SSH connection, as its playbook asks: an
//! interactive shell logged in to its prompt (whose name is checked
//! against the inventory's), or one exec request per command. Either is the
//! playbook engine's [`Remote`]; closing it ends the connection too.

use std::time::Duration;

use regex::Regex;
use tokio_util::sync::CancellationToken;

use super::exec::ExecSession;
use super::shell::Shell;
use super::transcript::Transcript;
use crate::playbook::remote::{FollowEnd, Output, Remote, RemoteError, Verdict};
use crate::playbook::{PromptHost, Session};
use crate::ssh::transport::Connection;

/// A session the playbook's commands go to.
pub(crate) enum SshSession<'t> {
    /// An interactive shell whose prompt was seen, and the command that
    /// ends it.
    Cli {
        shell: Box<Shell<'t>>,
        connection: Connection,
        exit_command: Option<String>,
    },
    /// Exec requests written for a shell.
    Exec(ExecSession<'t>),
}

/// The host as the inventory names it: the prompt should say the same.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expected<'a> {
    pub name: &'a str,
    /// Its `ansible_host`, also accepted.
    pub address: &'a str,
}

/// An opened session, and what the operator must know about it though the
/// host runs on (the prompt naming another appliance).
pub(crate) struct Opened<'t> {
    pub session: SshSession<'t>,
    pub warnings: Vec<String>,
}

impl<'t> SshSession<'t> {
    /// Open the session `session` asks for on `connection`. `login_timeout`
    /// bounds the wait for the first prompt. On failure the connection is
    /// closed and the reason, in an operator's words, comes back (the
    /// transcript has what the appliance said).
    pub(crate) async fn open(
        connection: Connection,
        session: &Session,
        login_timeout: Duration,
        expected: Expected<'_>,
        transcript: &'t mut Transcript,
        cancel: &CancellationToken,
    ) -> Result<Opened<'t>, String> {
        let (prompt, exit_command, prompt_host, pager, pty_rows) = match session {
            // An exec session runs each command on the connection itself.
            Session::Exec { shell } => {
                return Ok(Opened {
                    session: SshSession::Exec(ExecSession::new(connection, transcript, *shell)),
                    warnings: Vec::new(),
                });
            }
            Session::Shell {
                prompt,
                exit_command,
                prompt_host,
                pager,
                pty_rows,
                ..
            } => (prompt, exit_command, prompt_host, pager, pty_rows),
        };
        let channel = match connection.open_session().await {
            Ok(channel) => channel,
            Err(e) => {
                connection.disconnect().await;
                return Err(format!("cannot open a session channel: {e}"));
            }
        };
        // Boxed, as the handshake is: login happens once, its state need
        // not stay reserved for the run.
        let shell = Box::pin(Shell::open(
            channel,
            prompt.clone(),
            pager.clone(),
            *pty_rows,
            login_timeout,
            transcript,
            cancel.clone(),
        ))
        .await;
        let mut shell = match shell {
            Ok(shell) => Box::new(shell),
            Err(e) => {
                // The transcript has the login as far as it went, and why
                // it ended there.
                connection.disconnect().await;
                return Err(format!("no CLI prompt: {e}"));
            }
        };
        match check_prompt_host(&mut shell, prompt, *prompt_host, expected).await {
            Ok(warnings) => Ok(Opened {
                session: SshSession::Cli {
                    shell,
                    connection,
                    exit_command: exit_command.clone(),
                },
                warnings,
            }),
            Err(message) => {
                connection.disconnect().await;
                Err(message)
            }
        }
    }

    /// End the session politely (the shell's exit command), then the
    /// connection.
    pub(crate) async fn close(self) {
        match self {
            SshSession::Cli {
                mut shell,
                connection,
                exit_command,
            } => {
                shell.close(exit_command.as_deref()).await;
                drop(shell);
                connection.disconnect().await;
            }
            SshSession::Exec(exec) => exec.close().await,
        }
    }
}

/// The prompt names the appliance: another name than the inventory's
/// (and its `ansible_host`) is a warning in the host's result, or fails
/// the host before any step when the playbook says `prompt_host: error`.
async fn check_prompt_host(
    shell: &mut Shell<'_>,
    prompt: &Regex,
    mode: PromptHost,
    expected: Expected<'_>,
) -> Result<Vec<String>, String> {
    let Expected { name, address } = expected;
    let Some(shown) = super::prompt_host::other_host(prompt, shell.prompt_line(), &[name, address])
    else {
        return Ok(Vec::new());
    };
    let message = format!(
        "the CLI prompt names {shown}, not {name} (ansible_host {address}): mis-wired DNS or NAT would make this run change another appliance"
    );
    match mode {
        PromptHost::Warn => Ok(vec![format!(
            "{message} (prompt {:?})",
            shell.prompt_line().trim()
        )]),
        PromptHost::Error => {
            // Nothing was run; leave the appliance as found.
            shell.close(None).await;
            shell.note(&message);
            Err(format!("{message}; nothing was run (prompt_host: error)"))
        }
    }
}

impl Remote for SshSession<'_> {
    fn step_started(&mut self, name: &str) {
        match self {
            SshSession::Cli { shell, .. } => shell.step_started(name),
            SshSession::Exec(exec) => exec.step_started(name),
        }
    }

    async fn run(&mut self, command: &str, timeout: Duration) -> Result<Output, RemoteError> {
        match self {
            SshSession::Cli { shell, .. } => shell.run(command, timeout).await,
            SshSession::Exec(exec) => exec.run(command, timeout).await,
        }
    }

    async fn follow(
        &mut self,
        command: &str,
        timeout: Duration,
        cancel: &CancellationToken,
        judge: impl FnMut(&str) -> Verdict + Send,
    ) -> Result<FollowEnd, RemoteError> {
        match self {
            SshSession::Cli { shell, .. } => shell.follow(command, timeout, cancel, judge).await,
            SshSession::Exec(exec) => exec.follow(command, timeout, cancel, judge).await,
        }
    }
}
