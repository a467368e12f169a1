//! Hosts without an interactive CLI (OpenSSH for Windows): one SSH exec
//! request per command, written for the host's shell (PowerShell travels
//! as an encoded script), stdout then stderr with PowerShell's CLIXML
//! decoded, as an operator would read them.

use std::time::Duration;

use russh::ChannelMsg;
use russh::client::Msg;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::screen::{Screen, absorb, last_lines};
use super::{MAX_PENDING, deadline_after};
use crate::playbook::ExecShell;
use crate::playbook::remote::{FollowEnd, Output, Remote, RemoteError, Verdict};
use crate::session::transcript::{Direction, Transcript};
use crate::ssh::transport::Connection;

/// A host without an interactive CLI (OpenSSH for Windows): each command
/// is an exec request on a channel of its own, written for `shell`.
pub(crate) struct ExecSession<'t> {
    connection: Connection,
    /// The host's transcript, borrowed for the session.
    transcript: &'t mut Transcript,
    shell: ExecShell,
}

impl<'t> ExecSession<'t> {
    pub(crate) fn new(
        connection: Connection,
        transcript: &'t mut Transcript,
        shell: ExecShell,
    ) -> ExecSession<'t> {
        ExecSession {
            connection,
            transcript,
            shell,
        }
    }

    /// The connection ends with the session.
    pub(crate) async fn close(self) {
        self.connection.disconnect().await;
    }
}

impl Remote for ExecSession<'_> {
    async fn run(&mut self, command: &str, timeout: Duration) -> Result<Output, RemoteError> {
        tracing::debug!("exec `{}`", shown(command, self.transcript));
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

/// A command as a debug event shows it: secrets masked (the console
/// escapes what it prints).
pub(super) fn shown(command: &str, transcript: &Transcript) -> String {
    transcript.secrets().redact(command).into_owned()
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
                let stdout = screen_text(&stdout);
                let stderr = plain_text(&stderr);
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
                transcript.recording(|r, s| r.exit_status(status, s));
                tracing::debug!(
                    "`{}` exited with status {status}",
                    shown(command, transcript)
                );
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
    let mut text = screen_text(&stdout);
    text.push_str(&plain_text(&stderr));
    Ok(Output { text, exit_status })
}

/// stdout as a terminal shows it, in whatever code page Windows wrote it
/// (`codepage`).
fn screen_text(stdout: &[u8]) -> String {
    let decoded = crate::session::codepage::decode(stdout);
    let mut parser = vte::Parser::new();
    let mut screen = Screen::default();
    absorb(&mut parser, &mut screen, decoded.as_bytes());
    screen.into_text()
}

/// stderr as a terminal shows it, in whatever code page Windows wrote it,
/// PowerShell's CLIXML decoded.
fn plain_text(stderr: &[u8]) -> String {
    let decoded = crate::session::clixml::to_text(&crate::session::codepage::decode(stderr));
    screen_text(decoded.as_bytes())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    #[test]
    fn powershell_commands_travel_as_an_encoded_script() {
        use base64::Engine as _;
        let request = powershell_request("curl.exe -v https://tetra-defs.amp.cisco.com");
        let encoded = request
            .strip_prefix(
                "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ",
            )
            .unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        let units: Vec<u16> = bytes
            .chunks(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect();
        let script = String::from_utf16(&units).unwrap();
        let lines: Vec<&str> = script.lines().collect();
        assert_eq!(
            lines,
            [
                "$ProgressPreference = 'SilentlyContinue'",
                "curl.exe -v https://tetra-defs.amp.cisco.com",
                "if (-not $?) { if ($LASTEXITCODE) { exit $LASTEXITCODE }; exit 1 }",
                "exit $LASTEXITCODE",
            ]
        );
        // Nothing in it that cmd.exe would take for its own syntax.
        assert!(!request.contains(['&', '|', '<', '>', '^', '"', '%']));
    }

    #[test]
    fn stderr_clixml_reads_as_text() {
        let stderr = "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">Resolve-DnsName : x : DNS name does not exist_x000D__x000A_</S></Objs>";
        assert_eq!(
            plain_text(stderr.as_bytes()),
            "Resolve-DnsName : x : DNS name does not exist\n"
        );
    }

    #[test]
    fn a_command_in_a_debug_event_never_shows_a_secret() {
        let mut transcript = Transcript::discarding();
        transcript.add_secret("Ir0nP0rt!");
        // Raw but for the mask: the stderr log format escapes the rest.
        assert_eq!(
            shown("echo Ir0nP0rt!\x1b[0m", &transcript),
            "echo ***\x1b[0m"
        );
    }
}
