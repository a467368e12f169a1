//! The expect engine: an interactive PTY shell on an SSH channel, driven the
//! way an operator drives the AsyncOS CLI: send a line, read until the
//! prompt; or start a command that never ends by itself (`tail`), watch its
//! lines, and stop it with Ctrl-C.
//!
//! Appliances write CRLF, colour codes and echo what is typed; output can
//! arrive one byte at a time. Everything is normalised through a terminal
//! parser (`vte`) that keeps its state across chunks, so an escape sequence
//! or a UTF-8 character split between two packets is still handled.
//!
//! Hosts without an interactive CLI (OpenSSH for Windows) get one exec
//! request per command instead ([`ExecSession`]). Both are the playbook
//! engine's [`Remote`]: the engine knows nothing of SSH.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;
use russh::ChannelMsg;
use russh::client::Msg;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::playbook::remote::{FollowEnd, Output, Remote, RemoteError, Verdict};
use crate::playbook::{ExecShell, Pager};
use crate::session::transcript::{Direction, Transcript};
use crate::ssh::transport::Connection;
use crate::support::secrets::Secrets;

/// Output of one command kept in memory at most; beyond it the oldest text
/// is dropped. Prompt detection only needs the end.
const MAX_PENDING: usize = 4 * 1024 * 1024;
/// A prompt is a short line: a longer last line is output still coming,
/// and matching the prompt regex against it on every packet would make a
/// flood without newlines cost quadratic time.
const MAX_PROMPT_LINE: usize = 4096;
/// Lines kept to explain a failure.
const RECENT_LINES: usize = 8;
/// The terminal asked for: a wide one keeps long log lines from being
/// wrapped by the appliance.
pub(crate) const PTY_TERM: &str = "vt100";
pub(crate) const PTY_COLS: u32 = 511;
/// Ctrl-C, the only way to end AsyncOS `tail`.
const INTERRUPT: u8 = 0x03;

/// A broken channel is, to the engine, a session that failed under the
/// command; russh's words are kept for the operator.
impl From<russh::Error> for RemoteError {
    fn from(e: russh::Error) -> Self {
        RemoteError::Channel(e.to_string())
    }
}

/// Plain text as a terminal would show it, built incrementally.
#[derive(Debug, Default)]
struct Screen {
    text: String,
    dropped: usize,
    /// Where the last, unterminated line starts in `text`: everything
    /// before it is complete lines, found without searching again.
    line_start: usize,
    /// A carriage return came and no text since: what is printed next
    /// overwrites the line (a pager wiping its prompt with `\r` + spaces +
    /// `\r`, a progress counter redrawn in place).
    returned: bool,
}

impl vte::Perform for Screen {
    fn print(&mut self, c: char) {
        if std::mem::take(&mut self.returned) {
            self.text.truncate(self.line_start);
        }
        self.text.push(c);
    }

    fn execute(&mut self, byte: u8) {
        match byte {
            b'\n' => {
                // A row of nothing but spaces is what a pager's wipe leaves
                // where a blank line follows: an empty line.
                if std::mem::take(&mut self.returned) {
                    let start = self.line_start;
                    if self.text[start..].bytes().all(|b| b == b' ') {
                        self.text.truncate(start);
                    }
                }
                self.text.push('\n');
                self.line_start = self.text.len();
            }
            b'\t' => self.print('\t'),
            // CRLF becomes LF; a bare CR returns to the start of the line.
            b'\r' => self.returned = true,
            // Line editing echo ("\x08 \x08") must not leave ghosts behind.
            0x08 if !self.text.ends_with('\n') => {
                self.text.pop();
            }
            _ => {}
        }
    }
}

impl Screen {
    /// Past `max` bytes, drop the oldest half: an appliance that prints
    /// without end must not exhaust memory, and the prompt is at the end.
    fn bound(&mut self, max: usize) {
        if self.text.len() <= max {
            return;
        }
        let mut cut = self.text.len() - max / 2;
        while !self.text.is_char_boundary(cut) {
            cut += 1;
        }
        self.text.drain(..cut);
        self.dropped += cut;
        self.line_start = self.line_start.saturating_sub(cut);
    }

    fn clear(&mut self) {
        self.text.clear();
        self.line_start = 0;
    }

    /// Remove and return the text before `end`, which is at most
    /// `line_start` (complete lines only).
    fn take_to(&mut self, end: usize) -> String {
        let taken = self.text[..end].to_string();
        self.text.replace_range(..end, "");
        self.line_start -= end;
        taken
    }

    /// The first complete line, without its newline.
    fn next_line(&mut self) -> Option<String> {
        let pos = self.text[..self.line_start].find('\n')?;
        let mut line = self.take_to(pos + 1);
        line.pop();
        Some(line)
    }

    /// The last, unterminated line.
    fn last_line(&self) -> &str {
        &self.text[self.line_start..]
    }
}

/// An interactive shell session on one appliance.
pub(crate) struct Shell {
    channel: russh::Channel<Msg>,
    prompt: Arc<Regex>,
    pager: Option<Arc<Pager>>,
    parser: vte::Parser,
    screen: Screen,
    recent: VecDeque<String>,
    transcript: Transcript,
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

impl Shell {
    /// Open a PTY shell and wait for the first prompt (the login banner is
    /// kept in the transcript only).
    /// On failure the transcript comes back with the error: a login that
    /// never reached the prompt is what a TAC case needs to see.
    /// `rows` is the terminal height asked for: an appliance pages output
    /// longer than that, and `pager` answers it.
    pub(crate) async fn open(
        channel: russh::Channel<Msg>,
        prompt: Arc<Regex>,
        pager: Option<Arc<Pager>>,
        rows: u32,
        timeout: Duration,
        transcript: Transcript,
        cancel: CancellationToken,
    ) -> Result<Shell, (RemoteError, Transcript)> {
        if let Err(e) = channel
            .request_pty(false, PTY_TERM, PTY_COLS, rows, 0, 0, &[])
            .await
        {
            return Err((e.into(), transcript));
        }
        if let Err(e) = channel.request_shell(true).await {
            return Err((e.into(), transcript));
        }
        let mut transcript = transcript;
        transcript.recording(|r, _| r.login());
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
        match shell
            .read_to_prompt(timeout, "waiting for the login prompt", Stop::OnCancel)
            .await
        {
            Ok(_) => Ok(shell),
            Err(e) => Err((e, shell.transcript)),
        }
    }

    /// The last prompt line seen, e.g. `esa01.example.com> `.
    pub(crate) fn prompt_line(&self) -> &str {
        &self.prompt_line
    }

    pub(crate) fn into_transcript(self) -> Transcript {
        self.transcript
    }
}

impl Remote for Shell {
    /// Run one command and return its output without the echoed command
    /// line and without the prompt.
    async fn run(&mut self, command: &str, timeout: Duration) -> Result<Output, RemoteError> {
        self.screen.clear();
        self.screen.dropped = 0;
        // "last output" in an error is this command's, not the one before.
        self.recent.clear();
        self.transcript.recording(|r, s| r.command(command, s));
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
        self.interrupt(command).await?;
        Ok(end)
    }
}

impl Shell {
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
                        self.transcript.recording(|r, _| r.closed());
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
                self.prompt_line.push_str(&self.screen.text);
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
                self.transcript.recording(|r, _| r.closed());
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
        self.screen.text.truncate(at);
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
        absorb(
            &mut self.parser,
            &mut self.screen,
            self.transcript.secrets(),
            data,
        );
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

/// A host without an interactive CLI (OpenSSH for Windows): each command
/// is an exec request on a channel of its own, written for `shell`.
pub(crate) struct ExecSession<'a> {
    pub connection: &'a Connection,
    pub transcript: &'a mut Transcript,
    pub shell: ExecShell,
}

impl Remote for ExecSession<'_> {
    async fn run(&mut self, command: &str, timeout: Duration) -> Result<Output, RemoteError> {
        let channel = self.connection.open_session().await.map_err(|e| match e {
            russh::Error::SendError | russh::Error::Disconnect => RemoteError::ConnectionLost {
                command: command.to_string(),
                reason: e.to_string(),
            },
            e => RemoteError::NoChannel {
                command: command.to_string(),
                reason: e.to_string(),
            },
        })?;
        let request = match self.shell {
            ExecShell::Powershell => {
                self.transcript
                    .note(&format!("as PowerShell (-EncodedCommand): {command}"));
                powershell_request(command)
            }
            ExecShell::Cmd => command.to_string(),
        };
        exec(channel, command, &request, timeout, self.transcript).await
    }

    fn step_started(&mut self, name: &str) {
        self.transcript.heading(name);
    }

    /// There is no prompt to come back to after Ctrl-C; the playbook
    /// validator already refuses `follow:` in `exec:` sessions.
    async fn follow(
        &mut self,
        _command: &str,
        _timeout: Duration,
        _cancel: &CancellationToken,
        _judge: impl FnMut(&str) -> Verdict + Send,
    ) -> Result<FollowEnd, RemoteError> {
        Err(RemoteError::CannotFollow)
    }
}

/// What OpenSSH for Windows is asked to run for a PowerShell `command`:
/// it hands an exec request to its default shell, cmd.exe unless an
/// administrator chose PowerShell, and this line means the same to both
/// (as Ansible's Windows-over-SSH does it; docs/DEVICES.md). In the
/// script, no progress records; and the exit status is that of the last
/// native program (`powershell -Command` alone would make any failure 1),
/// or 1 when the last statement failed without one.
fn powershell_request(command: &str) -> String {
    use base64::Engine as _;
    let script = format!(
        "$ProgressPreference = 'SilentlyContinue'\n\
         {command}\n\
         if (-not $?) {{ if ($LASTEXITCODE) {{ exit $LASTEXITCODE }}; exit 1 }}\n\
         exit $LASTEXITCODE"
    );
    let utf16le: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
    format!(
        "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand {}",
        base64::engine::general_purpose::STANDARD.encode(utf16le)
    )
}

/// Run one command as an SSH exec request (no PTY, no prompt): `request`
/// is what goes on the wire for `command`. stdout, then stderr with
/// PowerShell's CLIXML decoded, as an operator would read them.
async fn exec(
    channel: russh::Channel<Msg>,
    command: &str,
    request: &str,
    timeout: Duration,
    transcript: &mut Transcript,
) -> Result<Output, RemoteError> {
    let mut channel = channel;
    transcript.record(Direction::Sent, &format!("{request}\n"));
    transcript.recording(|r, s| r.exec(command, s));
    channel.exec(true, request).await?;
    let deadline = deadline_after(timeout);
    let mut received = crate::support::sanitize::Utf8Chunks::default();
    let mut received_err = crate::support::sanitize::Utf8Chunks::default();
    // Kept whole until the end: which code page wrote them is read from
    // the whole stream, and a CLIXML block is decoded as one document.
    let mut stdout: Vec<u8> = Vec::new();
    let mut stderr: Vec<u8> = Vec::new();
    let mut exit_status = None;
    loop {
        let waited = if Instant::now() >= deadline {
            Err(())
        } else {
            tokio::time::timeout_at(deadline, channel.wait())
                .await
                .map_err(drop)
        };
        let msg = match waited {
            Ok(msg) => msg,
            Err(()) => {
                let stdout = screen_text(&stdout, transcript.secrets());
                let stderr = plain_text(&stderr, transcript.secrets());
                let seen = format!("{stdout}{stderr}");
                return Err(RemoteError::Timeout {
                    what: format!("running `{command}`"),
                    waited: timeout,
                    last_output: last_lines(&seen),
                });
            }
        };
        match msg {
            Some(ChannelMsg::Data { data }) | Some(ChannelMsg::ExtendedData { data, .. })
                if stdout.len() + stderr.len() + data.len() > MAX_PENDING =>
            {
                return Err(RemoteError::OutputTooLarge {
                    command: command.to_string(),
                    limit: MAX_PENDING,
                });
            }
            Some(ChannelMsg::Data { data }) => {
                let text = received.decode(&data);
                transcript.record(Direction::Received, &text);
                transcript.recording(|r, s| r.out(&text, s));
                stdout.extend_from_slice(&data);
            }
            Some(ChannelMsg::ExtendedData { data, .. }) => {
                let text = received_err.decode(&data);
                transcript.record(Direction::Received, &text);
                transcript.recording(|r, s| r.err(&text, s));
                stderr.extend_from_slice(&data);
            }
            Some(ChannelMsg::ExitStatus {
                exit_status: status,
            }) => {
                transcript.recording(|r, _| r.exit_status(status));
                exit_status = Some(status);
            }
            Some(ChannelMsg::Failure) => {
                return Err(RemoteError::ExecRefused {
                    command: command.to_string(),
                });
            }
            // The exit status may follow EOF; the channel is done at Close.
            Some(ChannelMsg::Close) | None => break,
            Some(_) => {}
        }
    }
    let mut text = screen_text(&stdout, transcript.secrets());
    text.push_str(&plain_text(&stderr, transcript.secrets()));
    Ok(Output { text, exit_status })
}

/// stdout as a terminal shows it, in whatever code page Windows wrote it
/// (`codepage`), secrets redacted.
fn screen_text(stdout: &[u8], secrets: &Secrets) -> String {
    let decoded = crate::session::codepage::decode(stdout);
    let mut parser = vte::Parser::new();
    let mut screen = Screen::default();
    absorb(&mut parser, &mut screen, secrets, decoded.as_bytes());
    screen.text
}

/// stderr as a terminal shows it, in whatever code page Windows wrote it,
/// PowerShell's CLIXML decoded, secrets redacted.
fn plain_text(stderr: &[u8], secrets: &Secrets) -> String {
    let decoded = crate::session::clixml::to_text(&crate::session::codepage::decode(stderr));
    screen_text(decoded.as_bytes(), secrets)
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

/// `timeout` from now; a timeout too far away for the clock means "no
/// deadline we will live to see", never a panic.
fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .unwrap_or_else(|| now + crate::support::bounds::MAX_DURATION)
}

/// Parse `data` onto `screen`, redacting a secret it echoes back, even
/// one split across packets: what the screen holds becomes command output,
/// findings, reports and error messages.
fn absorb(parser: &mut vte::Parser, screen: &mut Screen, secrets: &Secrets, data: &[u8]) {
    let before = screen.text.len();
    parser.advance(screen, data);
    let grown = screen.text.len();
    secrets.redact_grown(&mut screen.text, before);
    // A redaction moved the text: find the last line again (rare: only
    // when a secret was echoed).
    if screen.text.len() != grown {
        screen.line_start = screen.text.rfind('\n').map_or(0, |i| i + 1);
    }
}

/// The last lines of `text`, quoted, for an error message.
fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return "(nothing)".to_string();
    }
    format!("{:?}", lines[lines.len().saturating_sub(4)..].join(" | "))
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
#[path = "shell_tests.rs"]
mod tests;
