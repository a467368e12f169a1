//! The expect engine: an interactive PTY shell on an SSH channel, driven the
//! way an operator drives the AsyncOS CLI: send a line, read until the
//! prompt; or start a command that never ends by itself (`tail`), watch its
//! lines, and stop it with Ctrl-C.
//!
//! Appliances write CRLF, colour codes and echo what is typed; output can
//! arrive one byte at a time. Everything is normalised through a terminal
//! parser (`vte`) that keeps its state across chunks, so an escape sequence
//! or a UTF-8 character split between two packets is still handled
//! ([`Screen`]).
//!
//! Hosts without an interactive CLI (OpenSSH for Windows) get one exec
//! request per command instead ([`super::exec::ExecSession`]). Both are the
//! playbook engine's [`Remote`]: the engine knows nothing of SSH. Both
//! write the host's transcript, which they borrow from its one owner.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;
use russh::ChannelMsg;
use russh::client::Msg;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::exec::shown;
use super::screen::{Screen, absorb};
use super::{MAX_PENDING, deadline_after};
use crate::playbook::Pager;
use crate::playbook::remote::{FollowEnd, Output, Remote, RemoteError, Verdict};
use crate::session::transcript::{Direction, Transcript};

/// A prompt is a short line: a longer last line is output still coming,
/// and matching the prompt regex against it on every packet would make a
/// flood without newlines cost quadratic time.
const MAX_PROMPT_LINE: usize = 4096;
/// Lines kept to explain a failure.
const RECENT_LINES: usize = 8;
/// The terminal asked for: a wide one keeps long log lines from being
/// wrapped by the appliance.
pub(crate) const PTY_TERM: &str = "vt100";
pub(crate) use super::screen::PTY_COLS;
/// Ctrl-C, the only way to end AsyncOS `tail`.
const INTERRUPT: u8 = 0x03;

/// A broken channel is, to the engine, a session that failed under the
/// command; russh's words are kept for the operator.
impl From<russh::Error> for RemoteError {
    fn from(e: russh::Error) -> Self {
        RemoteError::Channel(e.to_string())
    }
}

/// An interactive shell session on one appliance.
pub(crate) struct Shell<'t> {
    channel: russh::Channel<Msg>,
    prompt: Arc<Regex>,
    pager: Option<Arc<Pager>>,
    parser: vte::Parser,
    screen: Screen,
    recent: VecDeque<String>,
    /// The host's transcript, borrowed for the session.
    transcript: &'t mut Transcript,
    /// The last prompt line seen (the appliance's own name is in it).
    prompt_line: String,
    /// What the transcript has of a character split across packets.
    received: crate::support::sanitize::Utf8Chunks,
    /// The run's stop: waiting for a prompt ends at once when it fires.
    cancel: CancellationToken,
    /// The last wait for a prompt ran out: the appliance stopped answering,
    /// so closing does not wait for it to answer `exit` either.
    silent: bool,
}

impl<'t> Shell<'t> {
    /// Open a PTY shell and wait for the first prompt (the login banner is
    /// kept in the transcript only).
    /// A login that never reached the prompt stays in the transcript: it
    /// is what a TAC case needs to see.
    /// `rows` is the terminal height asked for: an appliance pages output
    /// longer than that, and `pager` answers it.
    pub(crate) async fn open(
        channel: russh::Channel<Msg>,
        prompt: Arc<Regex>,
        pager: Option<Arc<Pager>>,
        rows: u32,
        timeout: Duration,
        transcript: &'t mut Transcript,
        cancel: CancellationToken,
    ) -> Result<Shell<'t>, RemoteError> {
        let requested = async {
            channel
                .request_pty(false, PTY_TERM, PTY_COLS, rows, 0, 0, &[])
                .await?;
            channel.request_shell(true).await
        };
        if let Err(e) = requested.await {
            let e = RemoteError::from(e);
            transcript.note(&e.to_string());
            return Err(e);
        }
        transcript.recording(|r, s| r.login(s));
        let mut shell = Shell {
            channel,
            prompt,
            pager,
            parser: vte::Parser::new(),
            screen: Screen::default(),
            recent: VecDeque::new(),
            transcript,
            received: crate::support::sanitize::Utf8Chunks::default(),
            prompt_line: String::new(),
            cancel,
            silent: false,
        };
        if let Err(e) = shell
            .read_to_prompt(timeout, "waiting for the login prompt", Stop::OnCancel)
            .await
        {
            shell.transcript.note(&e.to_string());
            return Err(e);
        }
        tracing::debug!("logged in; prompt {:?}", shell.prompt_line.trim());
        Ok(shell)
    }

    /// The last prompt line seen, e.g. `esa01.example.com> `.
    pub(crate) fn prompt_line(&self) -> &str {
        &self.prompt_line
    }

    /// A note in the host's transcript.
    pub(crate) fn note(&mut self, text: &str) {
        self.transcript.note(text);
    }
}

impl Remote for Shell<'_> {
    /// Run one command and return its output without the echoed command
    /// line and without the prompt.
    async fn run(&mut self, command: &str, timeout: Duration) -> Result<Output, RemoteError> {
        self.screen.clear();
        self.screen.dropped = 0;
        // "last output" in an error is this command's, not the one before.
        self.recent.clear();
        self.transcript.recording(|r, s| r.command(command, s));
        tracing::debug!("sent `{}`", shown(command, self.transcript));
        self.send_line(command).await?;
        let output = self
            .read_to_prompt(
                timeout,
                &format!("running `{command}`"),
                Stop::OnCancelOrTooLarge,
            )
            .await;
        // A finding in the dropped part would be missed: refuse to judge,
        // as soon as it is known (the output may never end).
        if self.screen.dropped > 0 {
            return Err(RemoteError::OutputTooLarge {
                command: command.to_string(),
                limit: MAX_PENDING,
            });
        }
        let output = output?;
        Ok(Output {
            text: strip_echo(&output, command).to_string(),
            exit_status: None,
        })
    }

    fn step_started(&mut self, name: &str) {
        self.transcript.heading(name);
    }

    /// Start `command` (which does not end by itself), judge each complete
    /// line as it arrives, and stop at a verdict, the deadline, or
    /// cancellation. Then send Ctrl-C and wait for the prompt, so the
    /// appliance is never left following a log.
    async fn follow(
        &mut self,
        command: &str,
        timeout: Duration,
        cancel: &CancellationToken,
        mut judge: impl FnMut(&str) -> Verdict + Send,
    ) -> Result<FollowEnd, RemoteError> {
        self.screen.clear();
        self.recent.clear();
        self.transcript.recording(|r, s| {
            r.command(command, s);
            r.following();
        });
        tracing::debug!("following `{}`", shown(command, self.transcript));
        self.send_line(command).await?;
        let deadline = deadline_after(timeout);
        let what = format!("following `{command}`");
        let mut echo_pending = true;
        let end = 'follow: loop {
            while let Some(line) = self.screen.next_line() {
                let line = line.as_str();
                if echo_pending {
                    echo_pending = false;
                    if is_echo(line, command) {
                        continue;
                    }
                }
                self.remember(line);
                match judge(line) {
                    Verdict::Continue => {}
                    Verdict::Success => break 'follow FollowEnd::Success(line.to_string()),
                    Verdict::Failure => break 'follow FollowEnd::Failure(line.to_string()),
                }
            }
            if self.prompt_start().is_some() {
                return Err(RemoteError::FollowEnded {
                    command: command.to_string(),
                    last_output: self.last_output(),
                });
            }
            tokio::select! {
                () = cancel.cancelled() => break FollowEnd::Cancelled,
                more = self.fill(deadline, &what) => {
                    if !more? {
                        break FollowEnd::DeadlineReached;
                    }
                }
            }
        };
        tracing::debug!("follow ended: {}", describe(&end));
        self.interrupt(command).await?;
        Ok(end)
    }
}

impl Shell<'_> {
    /// Politely end the session; errors are irrelevant at this point.
    pub(crate) async fn close(&mut self, exit_command: Option<&str>) {
        // After the exit command the appliance closes the session; wait a
        // moment to see it do so, for the transcript.
        const CLOSE_GRACE: Duration = Duration::from_secs(1);
        if self.silent && exit_command.is_some() {
            // Its fork goes to the next host now, not a second later.
            self.transcript
                .note("the appliance stopped answering; closing without `exit`");
        } else if let Some(exit) = exit_command
            && self.send_exit(exit).await.is_ok()
        {
            let deadline = Instant::now() + CLOSE_GRACE;
            while let Ok(msg) = tokio::time::timeout_at(deadline, self.channel.wait()).await {
                match msg {
                    Some(ChannelMsg::Data { data } | ChannelMsg::ExtendedData { data, .. }) => {
                        let text = String::from_utf8_lossy(&data);
                        self.transcript.record(Direction::Received, &text);
                        self.transcript.recording(|r, s| r.out(&text, s));
                    }
                    Some(ChannelMsg::Eof | ChannelMsg::Close) | None => {
                        self.transcript.recording(|r, s| r.closed(s));
                        self.transcript.note("the remote closed the session");
                        break;
                    }
                    Some(_) => {}
                }
            }
        }
        let _ = self.channel.eof().await;
        let _ = self.channel.close().await;
    }

    /// The command that ends the session, recorded as a command (its
    /// replay closes the session as the appliance did).
    async fn send_exit(&mut self, exit: &str) -> Result<(), RemoteError> {
        self.transcript.recording(|r, s| r.command(exit, s));
        self.send_line(exit).await
    }

    async fn interrupt(&mut self, command: &str) -> Result<(), RemoteError> {
        const GRACE: Duration = Duration::from_secs(15);
        self.transcript.record(Direction::Sent, "^C");
        self.transcript
            .recording(|r, s| r.key(sshfleet_recording::CTRL_C, s));
        self.channel.data_bytes(vec![INTERRUPT]).await?;
        match self
            .read_to_prompt(
                GRACE,
                "waiting for the prompt after Ctrl-C",
                Stop::AtDeadline,
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(RemoteError::Timeout { .. }) => Err(RemoteError::NoPromptAfterInterrupt {
                command: command.to_string(),
                waited: GRACE,
                last_output: self.last_output(),
            }),
            Err(other) => Err(other),
        }
    }

    async fn send_line(&mut self, line: &str) -> Result<(), RemoteError> {
        let data = format!("{line}\n");
        self.transcript.record(Direction::Sent, &data);
        self.channel.data_bytes(data.into_bytes()).await?;
        Ok(())
    }

    /// Read until the last, unterminated line is a prompt; return what came
    /// before it.
    async fn read_to_prompt(
        &mut self,
        timeout: Duration,
        what: &str,
        stop: Stop,
    ) -> Result<String, RemoteError> {
        let deadline = deadline_after(timeout);
        loop {
            if let Some(start) = self.prompt_start() {
                self.silent = false;
                let output = self.screen.take_to(start);
                // Copied, not taken: the screen keeps its one buffer for
                // the next command instead of a second one growing anew.
                self.prompt_line.clear();
                self.prompt_line.push_str(self.screen.last_line());
                self.screen.clear();
                for line in output.lines() {
                    self.remember(line);
                }
                return Ok(output);
            }
            if stop == Stop::OnCancelOrTooLarge && self.screen.dropped > 0 {
                // The caller refuses to judge cut output; do not wait for more.
                return Ok(String::new());
            }
            let more = match stop {
                Stop::AtDeadline => self.fill(deadline, what).await?,
                Stop::OnCancel | Stop::OnCancelOrTooLarge => {
                    let cancel = self.cancel.clone();
                    tokio::select! {
                        () = cancel.cancelled() => {
                            self.transcript.note(&format!("interrupted while {what}"));
                            return Err(RemoteError::Interrupted { what: what.to_string() });
                        }
                        more = self.fill(deadline, what) => more?,
                    }
                }
            };
            if !more {
                self.silent = true;
                return Err(RemoteError::Timeout {
                    what: what.to_string(),
                    waited: timeout,
                    last_output: self.last_output(),
                });
            }
        }
    }

    /// Wait for the next piece of output. `Ok(false)` when the deadline
    /// passed first.
    async fn fill(&mut self, deadline: Instant, what: &str) -> Result<bool, RemoteError> {
        // Output that never pauses must not outlive the deadline either.
        if Instant::now() >= deadline {
            return Ok(false);
        }
        let msg = match tokio::time::timeout_at(deadline, self.channel.wait()).await {
            Err(_) => return Ok(false),
            Ok(msg) => msg,
        };
        match msg {
            Some(ChannelMsg::Data { data }) | Some(ChannelMsg::ExtendedData { data, .. }) => {
                self.feed(&data);
                self.answer_pager().await?;
                Ok(true)
            }
            Some(ChannelMsg::Failure) => Err(RemoteError::Refused),
            Some(ChannelMsg::Eof | ChannelMsg::Close | ChannelMsg::ExitStatus { .. })
            | Some(ChannelMsg::ExitSignal { .. })
            | None => {
                self.transcript.recording(|r, s| r.closed(s));
                self.transcript
                    .note(&format!("the remote closed the session while {what}"));
                Err(RemoteError::Closed {
                    what: what.to_string(),
                    last_output: self.last_output(),
                })
            }
            Some(_) => Ok(true),
        }
    }

    /// When the unterminated last line is the pager, take it out of the
    /// output (steps judge the appliance's lines, not its pager) and send
    /// the key that continues.
    async fn answer_pager(&mut self) -> Result<(), RemoteError> {
        let Some(pager) = &self.pager else {
            return Ok(());
        };
        let Some(at) = pager_start(&self.screen.text, self.screen.line_start, &pager.pattern)
        else {
            return Ok(());
        };
        self.screen.truncate(at);
        let answer = pager.answer.clone();
        self.transcript.record(Direction::Sent, &answer);
        self.transcript.recording(|r, s| r.key(&answer, s));
        self.channel.data_bytes(answer.into_bytes()).await?;
        Ok(())
    }

    fn feed(&mut self, data: &[u8]) {
        let text = self.received.decode(data);
        self.transcript.record(Direction::Received, &text);
        self.transcript.recording(|r, s| r.out(&text, s));
        absorb(&mut self.parser, &mut self.screen, data);
        self.screen.bound(MAX_PENDING);
    }

    /// Byte offset where the prompt line starts, if the text ends in a prompt.
    fn prompt_start(&self) -> Option<usize> {
        let line = self.screen.last_line();
        (line.len() <= MAX_PROMPT_LINE && self.prompt.is_match(line))
            .then_some(self.screen.line_start)
    }

    fn remember(&mut self, line: &str) {
        if line.trim().is_empty() {
            return;
        }
        if self.recent.len() == RECENT_LINES {
            self.recent.pop_front();
        }
        self.recent.push_back(line.to_string());
    }

    fn last_output(&self) -> String {
        // The last few lines say where the appliance stopped; more is noise
        // in a one-line error (the transcript has everything).
        let skip = self.recent.len().saturating_sub(4);
        let mut lines: Vec<&str> = self.recent.iter().skip(skip).map(String::as_str).collect();
        let partial = self.screen.text.trim();
        if !partial.is_empty() {
            lines.push(partial);
        }
        if lines.is_empty() {
            return "(nothing)".to_string();
        }
        let joined = lines.join(" | ");
        let tail: String = joined.chars().rev().take(400).collect();
        format!("{:?}", tail.chars().rev().collect::<String>())
    }
}

/// How a follow ended, for a debug event (the line is the screen's:
/// secrets already masked).
fn describe(end: &FollowEnd) -> String {
    let quoted = |line: &str| format!("{:?}", line.trim());
    match end {
        FollowEnd::Success(line) => format!("matched {}", quoted(line)),
        FollowEnd::Failure(line) => format!("failure line {}", quoted(line)),
        FollowEnd::DeadlineReached => "deadline reached".to_string(),
        FollowEnd::Cancelled => "interrupted".to_string(),
    }
}

/// Whether waiting for a prompt ends when the run is stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// The login: the run's stop ends the wait at once.
    OnCancel,
    /// A command: the run's stop ends the wait at once, and so does output
    /// too large to judge.
    OnCancelOrTooLarge,
    /// The prompt after Ctrl-C: always waited for, within its grace.
    AtDeadline,
}

/// Byte offset of a pager prompt on the unterminated last line of `text`,
/// which starts at `start`. Like a prompt, a pager is a short line (see
/// [`MAX_PROMPT_LINE`]).
fn pager_start(text: &str, start: usize, pattern: &Regex) -> Option<usize> {
    let line = text.get(start..)?;
    if line.len() > MAX_PROMPT_LINE {
        return None;
    }
    pattern.find(line).map(|m| start + m.start())
}

fn is_echo(line: &str, command: &str) -> bool {
    let command = command.trim();
    !command.is_empty() && line.trim_end().ends_with(command)
}

/// Drop the echoed command line that starts the output of an interactive shell.
fn strip_echo<'a>(output: &'a str, command: &str) -> &'a str {
    match output.split_once('\n') {
        Some((first, rest)) if is_echo(first, command) => rest,
        None if is_echo(output, command) => "",
        _ => output,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use crate::session::screen::tests::screen_of;

    #[test]
    fn the_pager_is_found_only_on_the_last_line_even_when_split() {
        let pager = Regex::new("-Press Any Key For More-").unwrap();
        let mut text = screen_of(&[b"Feature - Sophos: 1826 days\r\n-Press Any K"]);
        let start = |t: &str| t.rfind('\n').map_or(0, |i| i + 1);
        assert_eq!(pager_start(&text, start(&text), &pager), None);
        text.push_str("ey For More-");
        let at = pager_start(&text, start(&text), &pager).unwrap();
        assert_eq!(&text[..at], "Feature - Sophos: 1826 days\n");
        assert_eq!(
            pager_start("-Press Any Key For More-\nnext\n", 30, &pager),
            None
        );
    }

    #[test]
    fn echo_is_stripped_only_when_it_is_the_command() {
        assert_eq!(
            strip_echo("version\nVersion: 15.0\n", "version"),
            "Version: 15.0\n"
        );
        assert_eq!(strip_echo("Version: 15.0\n", "version"), "Version: 15.0\n");
        assert_eq!(
            strip_echo("esa01> grep \"x\" ecs\nline\n", "grep \"x\" ecs"),
            "line\n"
        );
    }
}
