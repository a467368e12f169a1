//! A `ProxyCommand` as the route to a host: its stdin and stdout carry
//! the SSH session, and its process group ends with the session.

use tokio::io::{AsyncRead, AsyncWrite};

use super::ConnectError;

/// SSH over a `ProxyCommand`'s stdin and stdout. The command runs in a
/// process group of its own, ended whole (grandchildren too) when the
/// session's stream is dropped: the host's session closed, or the run
/// ended (see [`crate::support::child`]).
/// Its stderr is not shown (it would tear through the progress display)
/// but its last [`STDERR_TAIL`] bytes are kept ([`StderrTail`]): `ssh`
/// shows a failed proxy's messages, and without them a failed proxy is
/// only "ssh: Disconnected".
pub(super) fn proxy_stream(
    command: &str,
    shell: super::ProxyShell,
) -> Result<
    (
        impl AsyncRead + AsyncWrite + Unpin + Send + 'static,
        StderrTail,
    ),
    ConnectError,
> {
    let failed = |source| ConnectError::ProxyCommand {
        command: command.to_string(),
        source,
    };
    let program = match shell {
        super::ProxyShell::Posix => std::path::PathBuf::from("/bin/sh"),
        super::ProxyShell::User => {
            crate::support::child::user_shell(crate::support::child::Site::ProxyCommand)
                .map_err(|why| failed(std::io::Error::other(why)))?
        }
    };
    // ssh runs `exec COMMAND` (sshconnect.c `expand_proxy_command`): the
    // shell becomes the command's first word, so `a; b` runs `a` only.
    let run = match shell {
        super::ProxyShell::User => format!("exec {command}"),
        super::ProxyShell::Posix => command.to_string(),
    };
    let mut spawn = tokio::process::Command::new(program);
    spawn
        .arg("-c")
        .arg(run)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    spawn.process_group(0);
    crate::support::child::start_as(
        spawn.as_std_mut(),
        crate::support::child::Site::ProxyCommand,
    );
    let mut child = spawn.spawn().map_err(failed)?;
    let missing = || failed(std::io::Error::other("no pipe to the command"));
    let stdin = child.stdin.take().ok_or_else(missing)?;
    let stdout = child.stdout.take().ok_or_else(missing)?;
    let stderr = child.stderr.take().ok_or_else(missing)?;
    let group = child.id();
    let registered = group
        .map(|pid| crate::support::child::LiveGroup::new(pid, crate::support::child::Role::Route));
    tokio::spawn(async move {
        let _ = child.wait().await;
    });
    let tail = StderrTail(tokio::spawn(keep_tail(stderr)));
    let stream = ProxyStream {
        io: tokio::io::join(stdout, stdin),
        group,
        _registered: registered,
    };
    Ok((stream, tail))
}

/// How much of a `ProxyCommand`'s stderr a failed connection shows: its
/// last bytes, where a command says why it failed.
pub(super) const STDERR_TAIL: usize = 1024;

/// The end of a `ProxyCommand`'s stderr, read until it is closed.
pub(super) struct StderrTail(tokio::task::JoinHandle<Vec<u8>>);

impl StderrTail {
    /// `error` with what the command wrote on stderr, when it wrote
    /// anything: the session failed, so its group is ended (the stream
    /// was dropped) and its stderr closes; waited for a second at most,
    /// in case a process that left the group holds it open.
    pub(super) async fn explain(self, command: &str, error: ConnectError) -> ConnectError {
        let tail = match tokio::time::timeout(std::time::Duration::from_secs(1), self.0).await {
            Ok(Ok(tail)) => tail,
            _ => return error,
        };
        let stderr = String::from_utf8_lossy(&tail).trim().to_string();
        if stderr.is_empty() {
            return error;
        }
        ConnectError::ProxyFailed {
            command: command.to_string(),
            stderr,
            source: Box::new(error),
        }
    }
}

/// Read `stderr` to its end (so the command never blocks on it), keeping
/// its last [`STDERR_TAIL`] bytes.
async fn keep_tail(mut stderr: tokio::process::ChildStderr) -> Vec<u8> {
    use tokio::io::AsyncReadExt as _;
    let mut tail = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n) = stderr.read(&mut chunk).await {
        if n == 0 {
            break;
        }
        tail.extend_from_slice(&chunk[..n]);
        let extra = tail.len().saturating_sub(STDERR_TAIL);
        tail.drain(..extra);
    }
    tail
}

/// A `ProxyCommand`'s pipes; dropping them ends its process group.
struct ProxyStream {
    io: tokio::io::Join<tokio::process::ChildStdout, tokio::process::ChildStdin>,
    group: Option<u32>,
    /// In the registry of live groups until dropped (after `drop` ended it).
    _registered: Option<crate::support::child::LiveGroup>,
}

impl Drop for ProxyStream {
    fn drop(&mut self) {
        if let Some(group) = self.group.take() {
            crate::support::child::kill_group(group);
        }
    }
}

impl AsyncRead for ProxyStream {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for ProxyStream {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::time::Duration;

    use super::*;

    #[cfg(unix)]
    #[tokio::test]
    async fn a_proxy_command_ends_with_its_stream_grandchildren_too() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("still-running");
        // A command that leaves a process of its own behind, as `sh -c
        // "a | b"` or a wrapper script does.
        let (stream, _) = proxy_stream(
            &format!("(sleep 1; touch {}) & sleep 600", marker.display()),
            super::super::ProxyShell::Posix,
        )
        .unwrap();
        drop(stream);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(!marker.exists(), "the ProxyCommand outlived its session");
    }

    /// Read the stream to its end (the command ended, as a failed proxy
    /// ends before the session sees it), then drop it, as a failed session
    /// does.
    async fn ended(mut stream: impl AsyncRead + Unpin) {
        use tokio::io::AsyncReadExt as _;
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest).await;
    }

    /// A failed proxy's error says what it wrote on stderr: its last
    /// [`STDERR_TAIL`] bytes, never more.
    #[cfg(unix)]
    #[tokio::test]
    async fn a_failed_proxy_command_is_explained_by_the_end_of_its_stderr() {
        let command =
            "head -c 5000 /dev/zero | tr '\\0' x >&2; echo 'no route to bastion' >&2; exit 1";
        let (stream, tail) = proxy_stream(command, super::super::ProxyShell::Posix).unwrap();
        ended(stream).await;
        let error = ConnectError::Ssh(russh::Error::Disconnect);
        let e = tail.explain(command, error).await.to_string();
        assert!(e.starts_with("ssh: Disconnected"), "{e}");
        assert!(e.ends_with("xxxxno route to bastion)"), "{e}");
        assert!(e.len() < STDERR_TAIL + command.len() + 100, "{e}");
        let (stream, tail) = proxy_stream("exit 1", super::super::ProxyShell::Posix).unwrap();
        ended(stream).await;
        let e = tail
            .explain("exit 1", ConnectError::Ssh(russh::Error::Disconnect))
            .await;
        assert_eq!(e.to_string(), "ssh: Disconnected");
    }
}
